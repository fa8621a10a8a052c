//! Every way out of greenlight restores the terminal, stops its commands
//! and closes the record: SIGTERM, SIGHUP and a closed terminal in the
//! app (a real pty), SIGTERM and SIGHUP for `greenlight step run` and for
//! `greenlight logs -f --cmd`, a greenlight killed outright (the next
//! start kills its orphaned command and records the run), and Ctrl-C
//! right after a command started (a handler registered late lost it).
//!
//! The step command writes its pid (its process group's id) to a file;
//! "gone" means no live process is left in that group.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::Sandbox;
use crate::tui_pty::{Pty, app_command, open_pty, screen_parser};

const PLAYBOOK: &str = r#"
id = "sig"
title = "Signals"

[[steps]]
id = "deploy"
title = "Deploy"
owner = "developer"
kind = "command"
run = "echo $$ > deploy.pid; echo deploying; sleep 60; echo never"
"#;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let dir = sb.repo.path().join(".greenlight/playbooks");
    std::fs::create_dir_all(&dir).expect("playbooks dir");
    std::fs::write(dir.join("sig.toml"), PLAYBOOK).expect("playbook");
    sb.ok(&["new", "--scenario", "sig", "--version", "1.0.0"]);
    sb
}

/// Poll `done` until it holds; fail after `secs`.
fn wait_until(what: &str, secs: u64, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The step command's pid (its group's id), once it wrote it.
fn command_pid(sb: &Sandbox) -> i32 {
    let file = sb.repo.path().join("deploy.pid");
    let read = || {
        std::fs::read_to_string(&file)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
    };
    wait_until("the command's pid", 15, || read().is_some());
    read().expect("the pid")
}

/// Live (not zombie) processes in process group `pgid`.
fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|d| d.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                return false;
            };
            let f: Vec<&str> = rest.split_whitespace().collect();
            f.first() != Some(&"Z") && f.get(2).and_then(|g| g.parse().ok()) == Some(pgid)
        })
        .collect()
}

fn assert_group_gone(pgid: i32) {
    wait_until(&format!("process group {pgid} to be gone"), 10, || {
        group_members(pgid).is_empty()
    });
}

fn kill(pid: i32, signal: i32) {
    // SAFETY: kill(2) with plain integers, to a process this test started.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

fn deploy(sb: &Sandbox) -> Value {
    let status = sb.json(&["status", "--json"]);
    status["state"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "deploy")
        .cloned()
        .expect("the deploy step")
}

/// Entries in the registry of running commands.
fn running_entries(sb: &Sandbox) -> usize {
    sb.session_dirs()
        .iter()
        .map(|d| {
            // Whole entries only: a `.tmp` is one being written.
            std::fs::read_dir(d.join("running"))
                .map(|r| {
                    r.flatten()
                        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                        .count()
                })
                .unwrap_or(0)
        })
        .sum()
}

/// The registry of running commands is empty again.
fn assert_no_running_entries(sb: &Sandbox) {
    for dir in sb.session_dirs() {
        let left: Vec<_> = std::fs::read_dir(dir.join("running"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "entries left: {left:?}");
    }
}

/// The one run of `deploy` ended interrupted by `why` (any reason when
/// `None`); the step failed saying so.
fn assert_recorded_interrupted(sb: &Sandbox, why: Option<&str>) -> Value {
    let step = deploy(sb);
    let run = step["runs"]
        .as_array()
        .expect("runs")
        .last()
        .cloned()
        .expect("a run");
    let fin = &run["finished"][1];
    let interrupted = fin["interrupted"]
        .as_str()
        .unwrap_or_else(|| panic!("no end: {run}"));
    if let Some(why) = why {
        assert_eq!(interrupted, why, "{run}");
    }
    assert_eq!(step["status"], "failed", "{step}");
    let reason = step["failed"][1].as_str().unwrap_or_default();
    assert!(reason.contains("was interrupted"), "{reason}");
    fin.clone()
}

/// After the last time the app entered the alternate screen, it left it,
/// showed the cursor and turned mouse reporting off.
fn assert_restore_sequences(raw: &[u8]) {
    let raw = String::from_utf8_lossy(raw);
    let entered = raw
        .rfind("\x1b[?1049h")
        .expect("entered the alternate screen");
    let after = &raw[entered..];
    for (seq, what) in [
        ("\x1b[?1049l", "leave the alternate screen"),
        ("\x1b[?25h", "show the cursor"),
        ("\x1b[?1000l", "stop mouse reporting"),
    ] {
        assert!(after.contains(seq), "did not {what}");
    }
}

/// The app, a step command running in it, then `signal` to the app.
fn app_on_signal(signal: i32, name: &str) {
    let sb = sandbox();
    let mut pty = Pty::spawn(&sb, &[]);
    pty.wait_for("the checklist", 15, |s| s.contains("deploy"));
    pty.send("\r");
    let pgid = command_pid(&sb);
    pty.wait_text("deploying");
    kill(pty.pid(), signal);
    let status = pty.finish();
    assert_eq!(status.exit_code(), 128 + signal as u32, "{status:?}");
    pty.assert_restored();
    assert_restore_sequences(&pty.raw);
    assert_group_gone(pgid);
    let fin = assert_recorded_interrupted(&sb, Some(name));
    assert_eq!(fin["cancelled"], true);
    assert_no_running_entries(&sb);
}

#[test]
fn the_app_on_sigterm_restores_the_terminal_kills_the_command_and_records_it() {
    app_on_signal(libc::SIGTERM, "SIGTERM");
}

#[test]
fn the_app_on_sighup_restores_the_terminal_kills_the_command_and_records_it() {
    app_on_signal(libc::SIGHUP, "SIGHUP");
}

/// The terminal closes under the app (a tmux pane killed, an ssh drop):
/// every master side of the pty is closed, so the app gets SIGHUP and its
/// reads fail. Its command must not live on, and the run is closed.
#[test]
fn the_app_whose_terminal_closes_kills_the_command_and_records_it() {
    let sb = sandbox();
    let pair = open_pty();
    let mut child = pair
        .slave
        .spawn_command(app_command(&sb, &[]))
        .expect("spawn greenlight");
    drop(pair.slave);
    let master = pair.master;
    // Our only handle on the master besides `master` itself: no reader
    // thread holds a copy, so dropping both closes the terminal.
    let fd = master.as_raw_fd().expect("the master's fd");
    // SAFETY: dup(2) of a descriptor we own, taking plain integers.
    let copy = unsafe { libc::dup(fd) };
    assert!(copy >= 0, "dup the pty master");
    // SAFETY: `copy` is a fresh descriptor that nothing else owns.
    let mut term = unsafe { File::from_raw_fd(copy) };
    let mut parser = screen_parser();
    let mut pump = |term: &mut File, until: &dyn Fn(&vt100::Parser) -> bool, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !until(&parser) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            let mut p = libc::pollfd {
                fd: term.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: poll(2) on one pollfd we own, with a timeout.
            if unsafe { libc::poll(&mut p, 1, 100) } > 0 {
                let mut buf = [0u8; 8192];
                if let Ok(n) = term.read(&mut buf) {
                    parser.process(&buf[..n]);
                }
            }
        }
    };
    pump(
        &mut term,
        &|p| p.screen().contents().contains("deploy"),
        "the checklist",
    );
    term.write_all(b"\r").expect("enter");
    let pid_file = sb.repo.path().join("deploy.pid");
    pump(&mut term, &|_| pid_file.exists(), "the command to start");
    pump(
        &mut term,
        &|p| p.screen().contents().contains("deploying"),
        "its output",
    );
    let pgid = command_pid(&sb);
    drop(term);
    drop(master);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "greenlight did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.exit_code(), 129, "{status:?}");
    assert_group_gone(pgid);
    // SIGHUP or the failed read, whichever the app saw first.
    assert_recorded_interrupted(&sb, None);
    assert_no_running_entries(&sb);
}

/// `greenlight step run` with its output read, as a script runs it.
fn spawn_step_run(sb: &Sandbox) -> Child {
    sb.cmd()
        .args(["step", "run", "deploy"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn greenlight")
}

fn wait_exit(child: &mut Child, secs: u64) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            return s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("greenlight did not exit within {secs}s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn cli_on_signal(signal: i32, name: &str) {
    let sb = sandbox();
    let mut child = spawn_step_run(&sb);
    let pgid = command_pid(&sb);
    kill(i32::try_from(child.id()).expect("pid"), signal);
    let status = wait_exit(&mut child, 15);
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert_eq!(status.code(), Some(128 + signal), "{status:?}\n{err}");
    assert!(err.contains(&format!("was interrupted ({name})")), "{err}");
    assert_group_gone(pgid);
    let fin = assert_recorded_interrupted(&sb, Some(name));
    assert_eq!(fin["last_lines"][0], "deploying");
    assert_no_running_entries(&sb);
}

#[test]
fn step_run_on_sigterm_kills_the_group_records_it_and_exits_143() {
    cli_on_signal(libc::SIGTERM, "SIGTERM");
}

#[test]
fn step_run_on_sighup_kills_the_group_records_it_and_exits_129() {
    cli_on_signal(libc::SIGHUP, "SIGHUP");
}

/// `greenlight logs -f --cmd …` on SIGTERM: its command dies with it.
#[test]
fn logs_follow_on_sigterm_kills_its_command() {
    let dir = tempfile::tempdir().expect("dir");
    let pid_file = dir.path().join("cmd.pid");
    let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .current_dir(dir.path())
        .args([
            "logs",
            "--follow",
            "--cmd",
            &format!("echo $$ > {}; echo line; sleep 60", pid_file.display()),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn greenlight");
    let read = || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
    };
    wait_until("the command's pid", 15, || read().is_some());
    let pgid = read().expect("pid");
    kill(i32::try_from(child.id()).expect("pid"), libc::SIGTERM);
    let status = wait_exit(&mut child, 15);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_group_gone(pgid);
}

/// greenlight killed outright (SIGKILL: nothing can be recorded) leaves
/// its command running with parent 1; the next writing command of this
/// device kills that group and records the run as interrupted.
#[test]
fn the_next_start_kills_an_orphaned_command_and_records_it() {
    let sb = sandbox();
    let mut child = spawn_step_run(&sb);
    let pgid = command_pid(&sb);
    wait_until("the running command's note", 15, || {
        running_entries(&sb) == 1
    });
    child.kill().expect("SIGKILL greenlight");
    let _ = child.wait();
    assert!(
        !group_members(pgid).is_empty(),
        "the orphan should be alive"
    );
    assert_eq!(deploy(&sb)["status"], "in_progress");

    sb.ok(&["note", "back after a crash"]);
    assert!(group_members(pgid).is_empty(), "the orphan was not killed");
    let fin = assert_recorded_interrupted(
        &sb,
        Some(
            "greenlight exited before the command ended; its process group was killed at the next start",
        ),
    );
    assert_eq!(fin["cancelled"], true);
    assert_no_running_entries(&sb);
    // Closed once: a second start finds nothing to do.
    sb.ok(&["note", "again"]);
    assert_eq!(deploy(&sb)["runs"].as_array().map(Vec::len), Some(1));
}

/// The same, when the orphan ended by itself before the next start, and
/// when greenlight died before it could note the command at all: nothing
/// is killed, the run is closed saying which.
#[test]
fn the_next_start_closes_runs_that_ended_or_left_no_note() {
    let sb = sandbox();
    let mut child = spawn_step_run(&sb);
    let pgid = command_pid(&sb);
    wait_until("the running command's note", 15, || {
        running_entries(&sb) == 1
    });
    child.kill().expect("SIGKILL greenlight");
    let _ = child.wait();
    kill(-pgid, libc::SIGKILL);
    assert_group_gone(pgid);
    sb.ok(&["note", "back"]);
    assert_recorded_interrupted(
        &sb,
        Some("greenlight exited before the command ended; it had already ended at the next start"),
    );
    assert_no_running_entries(&sb);

    // Again, and this time the note is gone too (as if greenlight died
    // between recording the start and noting the command).
    std::fs::remove_file(sb.repo.path().join("deploy.pid")).expect("rm pid");
    let mut child = spawn_step_run(&sb);
    let pgid = command_pid(&sb);
    child.kill().expect("SIGKILL greenlight");
    let _ = child.wait();
    kill(-pgid, libc::SIGKILL);
    assert_group_gone(pgid);
    for d in sb.session_dirs() {
        let _ = std::fs::remove_dir_all(d.join("running"));
    }
    sb.ok(&["note", "back again"]);
    assert_recorded_interrupted(
        &sb,
        Some(
            "greenlight exited before the command ended and left no note of its process; it may still be running: check by hand",
        ),
    );
}

/// Ctrl-C as soon as greenlight says it runs the command, again and
/// again: always cancelled, killed and recorded, exit 130 (a handler
/// registered on a thread of its own lost some).
#[test]
fn ctrl_c_right_after_the_start_always_cancels() {
    let sb = sandbox();
    let tries = 20;
    for i in 0..tries {
        let _ = std::fs::remove_file(sb.repo.path().join("deploy.pid"));
        let mut child = spawn_step_run(&sb);
        let mut err = child.stderr.take().expect("stderr");
        // The first bytes greenlight prints ("▶ Step `deploy` runs …").
        let mut first = [0u8; 1];
        err.read_exact(&mut first).expect("greenlight's first line");
        kill(i32::try_from(child.id()).expect("pid"), libc::SIGINT);
        let status = wait_exit(&mut child, 15);
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        assert_eq!(status.code(), Some(130), "try {i}: {status:?}\n{rest}");
        // The command may not have got as far as writing its pid.
        if let Some(pgid) = std::fs::read_to_string(sb.repo.path().join("deploy.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            assert_group_gone(pgid);
        }
    }
    let step = deploy(&sb);
    let runs = step["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), tries, "{step}");
    for r in runs {
        assert_eq!(r["finished"][1]["cancelled"], true, "{r}");
        assert!(r["finished"][1]["interrupted"].is_null(), "{r}");
    }
}

const CANARY_PLAYBOOK: &str = r#"
id = "canary-only"
title = "Canary only"

[[steps]]
id = "canary"
owner = "developer"
kind = "canary"
"#;

/// `greenlight canary weight` whose `set_weight` hangs: SIGTERM kills its
/// group, the run is recorded as interrupted, the weight stays unset, and
/// greenlight exits 143.
#[test]
fn canary_weight_on_sigterm_kills_set_weight_and_records_it() {
    let sb = Sandbox::new();
    let root = sb.repo.path();
    std::fs::write(
        root.join(".greenlight.toml"),
        "[canary]\nsource = \"simulated\"\nmin_observation = \"0s\"\nset_weight = \"echo $$ > deploy.pid; echo moving; sleep 60\"\n",
    )
    .expect("config");
    let dir = root.join(".greenlight/playbooks");
    std::fs::create_dir_all(&dir).expect("playbooks dir");
    std::fs::write(dir.join("canary-only.toml"), CANARY_PLAYBOOK).expect("playbook");
    sb.ok(&["new", "--scenario", "canary-only"]);
    sb.ok(&["step", "start", "canary"]);
    let mut child = sb
        .cmd()
        .args(["canary", "weight", "5"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn greenlight");
    let pgid = command_pid(&sb);
    kill(i32::try_from(child.id()).expect("pid"), libc::SIGTERM);
    let status = wait_exit(&mut child, 15);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_group_gone(pgid);
    let st = sb.json(&["status", "--json"]);
    let run = st["state"]["steps"][0]["runs"][0].clone();
    assert_eq!(run["finished"][1]["interrupted"], "SIGTERM", "{run}");
    let canary = sb.json(&["canary", "status", "--json"]);
    assert_eq!(canary["weight"], Value::Null);
    assert_no_running_entries(&sb);
}
