//! `greenlight step run` and `greenlight step rollback` end to end: what
//! runs, what is recorded, confirmation (refused without a terminal,
//! asked on a real pseudo-terminal), failure then retry, Ctrl-C, and
//! commands that do not exist.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Sandbox, stderr};
use serde_json::Value;

const PLAYBOOK: &str = r#"
id = "cmds"
title = "Command steps"

[[steps]]
id = "build"
owner = "developer"
kind = "command"
run = "printf 'v=%s prev=%s step=%s action=%s repo=%s\n' \"$GREENLIGHT_VERSION\" \"$GREENLIGHT_PREVIOUS_VERSION\" \"$GREENLIGHT_STEP\" \"$GREENLIGHT_ACTION\" \"$GREENLIGHT_REPO\"; echo to-stderr >&2; pwd > where.txt"

[[steps]]
id = "deploy"
owner = "developer"
kind = "command"
requires = ["build"]
run = "if [ -f fixed ]; then echo deployed; else echo 'health check failed' >&2; exit 3; fi"
rollback = "echo rolled back to \"$GREENLIGHT_PREVIOUS_VERSION\"; touch rolled-back"
confirm = true
timeout = "20s"

[[steps]]
id = "slow"
owner = "developer"
kind = "command"
requires = ["deploy"]
run = "echo $$ > slow.pid; echo waiting; sleep 60"

[[steps]]
id = "missing"
owner = "developer"
kind = "command"
run = "./deploy/does-not-exist.sh"

[[steps]]
id = "think"
owner = "pm"
kind = "check"
"#;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let dir = sb.repo.path().join(".greenlight/playbooks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cmds.toml"), PLAYBOOK).unwrap();
    sb.ok(&["new", "--scenario", "cmds", "--version", "2.0.0"]);
    sb
}

fn step(sb: &Sandbox, id: &str) -> Value {
    let status = sb.json(&["status", "--json"]);
    status["state"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .unwrap()
}

fn history_kinds(sb: &Sandbox) -> Vec<String> {
    let status = sb.json(&["status", "--json", "--history", "1000"]);
    status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_successful_command_completes_its_step_and_is_recorded() {
    let sb = sandbox();
    let out = sb.run(&["step", "run", "build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        "v=2.0.0 prev= step=build action=run repo=".to_string()
            + sb.repo.path().file_name().unwrap().to_str().unwrap()
    );
    let err = stderr(&out);
    assert!(err.contains("to-stderr"), "{err}");
    assert!(err.contains("exited 0"), "{err}");
    assert!(err.contains("Step `build` is done."), "{err}");
    // In the repository root.
    let where_ = std::fs::read_to_string(sb.repo.path().join("where.txt")).unwrap();
    assert_eq!(
        std::path::Path::new(where_.trim()).canonicalize().unwrap(),
        sb.repo.path().canonicalize().unwrap()
    );

    let s = step(&sb, "build");
    assert_eq!(s["status"], "done");
    let run = &s["runs"][0];
    assert_eq!(run["rollback"], false);
    assert!(run["confirmed_by"].is_null());
    let fin = &run["finished"][1];
    assert_eq!(fin["exit_code"], 0);
    assert_eq!(fin["output_sha256"].as_str().unwrap().len(), 64);
    assert!(fin["output_bytes"].as_u64().unwrap() > 10);
    assert!(
        s["completion_note"]
            .as_str()
            .unwrap()
            .contains("exited 0 after")
    );
    let kinds = history_kinds(&sb);
    assert!(
        kinds.ends_with(&[
            "command_started".into(),
            "command_finished".into(),
            "step_completed".into()
        ]),
        "{kinds:?}"
    );
    // Done steps do not run again.
    let out = sb.run(&["step", "run", "build"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already done"), "{}", stderr(&out));
}

#[test]
fn confirmation_is_required_without_a_terminal_and_recorded_with_yes() {
    let sb = sandbox();
    sb.ok(&["step", "run", "build"]);
    let before = history_kinds(&sb).len();
    let out = sb.run(&["step", "run", "deploy"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("asks for confirmation"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(history_kinds(&sb).len(), before, "nothing recorded");

    // Fails: the step fails with the reason, and says how to go on.
    let out = sb.run(&["step", "run", "deploy", "--yes"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("health check failed"), "{err}");
    assert!(err.contains("greenlight step rollback deploy"), "{err}");
    let s = step(&sb, "deploy");
    assert_eq!(s["status"], "failed");
    assert!(
        s["failed"][1].as_str().unwrap().contains("exited 3 after"),
        "{s}"
    );
    assert!(
        s["failed"][1]
            .as_str()
            .unwrap()
            .contains("health check failed")
    );
    assert_eq!(
        s["runs"][0]["confirmed_by"],
        "Dana Developer <dana@example.com>"
    );
    assert_eq!(
        s["runs"][0]["finished"][1]["last_lines"][0],
        "health check failed"
    );

    // Retry after a fix.
    std::fs::write(sb.repo.path().join("fixed"), "").unwrap();
    let out = sb.run(&["step", "run", "deploy", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = step(&sb, "deploy");
    assert_eq!(s["status"], "done");
    assert_eq!(s["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn rollback_runs_the_rollback_command_with_confirmation() {
    let sb = sandbox();
    sb.ok(&["step", "run", "build"]);
    let out = sb.run(&["step", "rollback", "deploy"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is a rollback and asks for confirmation"),
        "{}",
        stderr(&out)
    );
    let out = sb.run(&["step", "rollback", "deploy", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rolled back to"));
    assert!(sb.repo.path().join("rolled-back").exists());
    let s = step(&sb, "deploy");
    let run = &s["runs"][0];
    assert_eq!(run["rollback"], true);
    assert_eq!(run["finished"][1]["exit_code"], 0);
    assert!(history_kinds(&sb).ends_with(&["rollback_started".into(), "rollback_finished".into()]));

    let out = sb.run(&["step", "rollback", "build", "--yes"]);
    assert!(
        stderr(&out).contains("has no rollback command"),
        "{}",
        stderr(&out)
    );
    let out = sb.run(&["step", "run", "think"]);
    assert!(
        stderr(&out).contains("has no command to run"),
        "{}",
        stderr(&out)
    );
    let out = sb.run(&["step", "run", "nope"]);
    assert!(
        stderr(&out).contains("unknown step `nope`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_command_that_does_not_exist_is_recorded_as_127() {
    let sb = sandbox();
    let out = sb.run(&["step", "run", "missing"]);
    assert_eq!(out.status.code(), Some(127));
    let err = stderr(&out);
    assert!(err.contains("exited 127 (command not found)"), "{err}");
    assert!(err.contains("could not find the command"), "{err}");
    let s = step(&sb, "missing");
    assert_eq!(s["status"], "failed");
    assert_eq!(s["runs"][0]["finished"][1]["exit_code"], 127);
}

#[test]
fn ctrl_c_kills_the_command_and_records_cancelled() {
    let sb = sandbox();
    std::fs::write(sb.repo.path().join("fixed"), "").unwrap();
    sb.ok(&["step", "run", "build"]);
    sb.ok(&["step", "run", "deploy", "--yes"]);
    let mut child = sb
        .cmd()
        .args(["step", "run", "slow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pidfile = sb.repo.path().join("slow.pid");
    let pid = crate::common::wait_for_pid(&pidfile).to_string();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t = Instant::now();
    let status = child.wait().unwrap();
    // Not the 60 s the script sleeps.
    assert!(t.elapsed() < crate::common::PATIENCE, "{:?}", t.elapsed());
    assert_eq!(status.code(), Some(130));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("was cancelled"), "{err}");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z"),
        "still running: {stat}"
    );
    let s = step(&sb, "slow");
    assert_eq!(s["status"], "failed");
    let fin = &s["runs"][0]["finished"][1];
    assert_eq!(fin["cancelled"], true);
    assert_eq!(fin["last_lines"][0], "waiting");
    assert!(s["failed"][1].as_str().unwrap().contains("was cancelled"));
}

/// On a real terminal the step asks, and a "y" confirms as the person.
#[test]
fn asks_on_a_terminal() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let sb = sandbox();
    sb.ok(&["step", "run", "build"]);
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_greenlight"));
    cmd.args(["step", "rollback", "deploy"]);
    cmd.cwd(sb.repo.path());
    cmd.env("GREENLIGHT_HOME", sb.home.path());
    cmd.env("GREENLIGHT_CONFIG", sb.home.path().join("none.toml"));
    cmd.env("NO_COLOR", "1");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(String::new()));
    let s2 = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            s2.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !screen.lock().unwrap().contains(what) {
            assert!(
                Instant::now() < deadline,
                "never saw {what:?}:\n{}",
                screen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for("[y/N]");
    assert!(
        screen
            .lock()
            .unwrap()
            .contains("Confirm as Dana Developer <dana@example.com>?")
    );
    writer.write_all(b"y\r").unwrap();
    writer.flush().unwrap();
    wait_for("Rolled back step `deploy`.");
    let status = child.wait().unwrap();
    assert!(status.success());
    let s = step(&sb, "deploy");
    assert_eq!(
        s["runs"][0]["confirmed_by"],
        "Dana Developer <dana@example.com>"
    );
}
