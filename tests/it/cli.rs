//! The CLI end to end, through the built binary, in temp repositories.

use crate::common::{Sandbox, check_ok, stderr};

/// The driver walks a whole feature-release; the PM signs off from another
/// process as another person. The session completes, verifies, and
/// `status --json` says who did what and when.
#[test]
fn whole_feature_release_with_two_actors() {
    let sb = Sandbox::new();
    let out = sb.ok(&["new", "--scenario", "feature-release", "--version", "1.4.0"]);
    assert!(out.contains("Started session"), "{out}");

    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 50, "session never completed");
        let status = sb.json(&["status", "--json"]);
        if status["summary"]["status"] == "completed" {
            break;
        }
        let ready: Vec<String> = status["ready"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(
            !ready.is_empty(),
            "nothing ready but not complete: {status}"
        );
        for step in ready {
            let plan = status["state"]["plan"]["steps"].as_array().unwrap();
            let p = plan.iter().find(|s| s["id"] == step.as_str()).unwrap();
            if p["kind"] == "signoff" {
                for role in p["roles"].as_array().unwrap() {
                    let role = role.as_str().unwrap();
                    let out = sb
                        .cmd_as("Pat Product", "pat@example.com")
                        .args([
                            "signoff",
                            "--role",
                            role,
                            "--approve",
                            "--comment",
                            "canary looks healthy",
                        ])
                        .output()
                        .unwrap();
                    check_ok(out, &["signoff", role]);
                }
            } else {
                sb.ok(&["step", "start", &step]);
                for role in p["ack"].as_array().into_iter().flatten() {
                    let out = sb
                        .cmd_as("Dee Delivery", "dee@example.com")
                        .args(["step", "ack", &step, "--role", role.as_str().unwrap()])
                        .output()
                        .unwrap();
                    check_ok(out, &["step", "ack", &step]);
                }
                let note = format!("{step} checked");
                let mut args = vec!["step", "done", &step, "--note", &note];
                if p["kind"] == "canary" {
                    // No [canary] here to run the plan with: said so, and
                    // recorded as an exception.
                    args.extend(["--override", "no canary source in this test repository"]);
                }
                sb.ok(&args);
            }
        }
    }

    let status = sb.json(&["status", "--json"]);
    assert_eq!(status["summary"]["status"], "completed");
    let history = status["history"].as_array().unwrap();
    let pat = history
        .iter()
        .find(|h| h["kind"] == "signoff_given")
        .expect("a sign-off in history");
    assert_eq!(pat["who"], "Pat Product");
    assert_eq!(pat["email"], "pat@example.com");
    assert!(pat["at"].as_str().unwrap().starts_with("20"), "{pat}");
    assert!(
        pat["what"]
            .as_str()
            .unwrap()
            .contains("approved pm-signoff as pm"),
        "{pat}"
    );
    let dana = history
        .iter()
        .find(|h| h["kind"] == "step_completed")
        .unwrap();
    assert_eq!(dana["who"], "Dana Developer");
    assert_eq!(history.last().unwrap()["kind"], "session_completed");
    assert!(history.iter().all(|h| h.get("not_applied").is_none()));

    // Three actor files: the driver's, the PM's and the DM's.
    let dirs = sb.session_dirs();
    assert_eq!(dirs.len(), 1);
    let files: Vec<_> = std::fs::read_dir(&dirs[0])
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");

    let out = sb.ok(&["audit", "verify"]);
    assert!(out.contains("audit ok"), "{out}");

    // The release record: every step with who and the note, the PM's
    // sign-off, the chain verified.
    let record = sb.ok(&["report"]);
    assert!(record.starts_with("# Release record: "), "{record}");
    assert!(record.contains("- Status: complete"), "{record}");
    assert!(
        record.contains(
            "| impact — Assess the impact of the new version | pm | done | Dana Developer |"
        ),
        "{record}"
    );
    assert!(record.contains("| impact checked |"), "{record}");
    assert!(
        record.contains("| pm-signoff | pm | approved | Pat Product |"),
        "{record}"
    );
    assert!(record.contains("every hash and link verified"), "{record}");
    let file = sb.repo.path().join("RELEASE-1.4.0.md");
    let out = sb.ok(&["report", "--output", file.to_str().unwrap()]);
    assert!(out.contains("wrote the release record"), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), record);

    // The session is complete: nothing more can be recorded.
    let out = sb.run(&["note", "late"]);
    assert!(!out.status.success());
}

#[test]
fn unknown_step_lists_the_valid_ones_and_writes_nothing() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    let dir = &sb.session_dirs()[0];
    let before = dir_bytes(dir);
    let out = sb.run(&["step", "start", "no-such-step"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("unknown step `no-such-step`; valid steps: "),
        "{err}"
    );
    assert!(err.contains("reproduce"), "{err}");
    assert_eq!(dir_bytes(dir), before);
}

#[test]
fn a_forbidden_action_is_refused_with_the_reason_and_writes_nothing() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "feature-release"]);
    let dir = &sb.session_dirs()[0];
    let before = dir_bytes(dir);
    let out = sb.run(&["step", "done", "canary"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("step `canary` cannot start: it requires checklist"),
        "{err}"
    );
    assert_eq!(
        dir_bytes(dir),
        before,
        "a refused action wrote to the journal"
    );
}

#[test]
fn a_second_process_of_the_same_person_waits_its_turn_and_a_stuck_one_is_named() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    let dir = sb.session_dirs()[0].clone();
    let journal = jsonl_files(&dir).remove(0);
    let name = journal.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("dana@example.com~"), "{name}");
    let lock = dir.join(name.replace(".jsonl", ".lock"));
    // Held for a moment (as another append would): the note waits, then
    // goes in.
    let held = greenlight::session::lock::ActorLock::acquire(&lock).unwrap();
    let child = sb.cmd().args(["note", "hello"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(held);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Held for longer than any append: the holder is named.
    let _held = greenlight::session::lock::ActorLock::acquire(&lock).unwrap();
    let out = sb.run(&["note", "hello again"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("in use by pid {}", std::process::id())),
        "{err}"
    );
    // Someone else can still write (their own file).
    check_ok(
        sb.cmd_as("Pat", "pat@example.com")
            .args(["note", "hi"])
            .output()
            .unwrap(),
        &["note"],
    );
}

#[test]
fn a_changed_byte_fails_verify_naming_file_line_and_reason() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    sb.ok(&["note", "first"]);
    sb.ok(&["note", "second"]);
    sb.ok(&["note", "third"]);
    assert!(sb.ok(&["audit", "verify"]).contains("4 events"));
    let dir = &sb.session_dirs()[0];
    let file = jsonl_files(dir).remove(0);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("second", "sekond", 1)).unwrap();
    let out = sb.run(&["audit", "verify"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(err.contains(&format!("{name}:3: hash mismatch")), "{err}");
    // The release record still comes out, says so, and exits non-zero.
    let out = sb.run(&["report"]);
    assert!(!out.status.success());
    let record = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        record.contains("- Audit trail: **does not verify**"),
        "{record}"
    );
    assert!(
        record.contains(&format!("{name}:3: hash mismatch")),
        "{record}"
    );
}

#[test]
fn a_torn_last_line_is_reported_set_aside_by_its_writer_and_acknowledged() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    sb.ok(&["note", "kept"]);
    let dir = &sb.session_dirs()[0];
    let file = jsonl_files(dir).remove(0);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"{\"v\":1,\"session\":\"01J");
    std::fs::write(&file, &bytes).unwrap();
    // Readers report it and change nothing.
    let out = sb.ok(&["status"]);
    assert!(out.contains("bytes of a line not finished"), "{out}");
    assert!(out.contains("note: kept"), "{out}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "status changed the file"
    );
    let out = sb.run(&["audit", "verify"]);
    assert!(!out.status.success(), "a torn tail must fail verify");
    assert!(stderr(&out).contains("write cut short"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "verify changed the file"
    );
    // Its writer sets it aside and goes on.
    sb.ok(&["note", "after the tear"]);
    let side: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(side.len(), 1);
    assert_eq!(
        std::fs::read(side[0].path()).unwrap(),
        b"{\"v\":1,\"session\":\"01J"
    );
    // Set aside but not acknowledged: verify still fails, naming it.
    let out = sb.run(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not acknowledged"),
        "{}",
        stderr(&out)
    );
    // A person acknowledges it, with the reason; verify passes.
    let out = sb.ok(&[
        "audit",
        "recover",
        "--reason",
        "the laptop ran out of battery",
    ]);
    assert!(out.contains("acknowledged"), "{out}");
    let out = sb.ok(&["audit", "verify"]);
    assert!(out.contains("audit ok"), "{out}");
    assert!(out.contains("acknowledged by Dana Developer"), "{out}");
}

#[test]
fn every_subcommand_has_help() {
    let sb = Sandbox::new();
    for args in [
        vec!["--help"],
        vec!["new", "--help"],
        vec!["sessions", "--help"],
        vec!["status", "--help"],
        vec!["step", "--help"],
        vec!["step", "start", "--help"],
        vec!["step", "done", "--help"],
        vec!["step", "skip", "--help"],
        vec!["step", "fail", "--help"],
        vec!["signoff", "--help"],
        vec!["note", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["playbook", "list", "--help"],
        vec!["playbook", "show", "--help"],
        vec!["playbook", "validate", "--help"],
    ] {
        let out = sb.ok(&args);
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
}

#[test]
fn sessions_resolve_by_prefix_and_two_open_sessions_are_never_guessed() {
    let sb = Sandbox::new();
    let a = sb.json(&["new", "--scenario", "hotfix", "--json"]);
    // The same version again is refused unless asked for.
    let out = sb.run(&["new", "--scenario", "mvp-launch", "--json"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--again"), "{}", stderr(&out));
    let b = sb.json(&["new", "--scenario", "mvp-launch", "--json", "--again"]);
    let (a, b) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
    );
    // Reading picks the latest open; writing asks which.
    assert_eq!(sb.json(&["status", "--json"])["summary"]["id"], b.as_str());
    let out = sb.run(&["note", "which one?"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&a) && err.contains(&b), "{err}");
    sb.ok(&["abort", "--reason", "wrong scenario", "--session", &b]);
    // Now one is open: the default again; the aborted one only by name.
    assert_eq!(sb.json(&["status", "--json"])["summary"]["id"], a.as_str());
    sb.ok(&["note", "the hotfix goes on"]);
    let prefix = &b[..b.len() - 3].to_lowercase();
    assert_eq!(
        sb.json(&["status", prefix, "--json"])["summary"]["status"],
        "aborted"
    );
    let list = sb.json(&["sessions", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[test]
fn signing_off_for_a_role_you_do_not_hold_is_refused_when_people_are_configured() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.repo.path().join(".greenlight.toml"),
        "[[people]]\nname = \"Pat Product\"\nemail = \"pat@example.com\"\nroles = [\"pm\"]\n",
    )
    .unwrap();
    sb.ok(&["new", "--scenario", "mvp-launch"]);
    let out = sb.run(&["signoff", "--role", "pm", "--approve"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Dana Developer does not hold role `pm`"),
        "{}",
        stderr(&out)
    );
}

fn jsonl_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    v.sort();
    v
}

fn dir_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `status --follow` prints each event as it arrives (here from another
/// terminal of the same machine) and ends when the session does.
#[test]
fn status_follow_prints_events_as_they_arrive_and_ends_with_the_session() {
    use std::io::BufRead;
    let sb = crate::common::Sandbox::new();
    sb.ok(&["new", "--scenario", "mvp-launch", "--version", "1.0.0"]);
    let mut child = sb
        .cmd()
        .args(["status", "--follow", "--history", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("status --follow");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |want: &str| {
        let deadline = std::time::Instant::now() + crate::common::PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains(want) => return line,
                Ok(_) => {}
                Err(_) => panic!("`{want}` never printed by status --follow"),
            }
        }
    };
    wait_for("following session");
    sb.cmd_as("Pat Product", "pat@example.com")
        .args(["note", "looked at the dashboards"])
        .output()
        .expect("note");
    let line = wait_for("looked at the dashboards");
    assert!(line.contains("Pat Product"), "{line}");
    sb.ok(&["abort", "--reason", "not today"]);
    wait_for("session aborted");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
}

/// `status` shows the latest notes and history lines, says how many it
/// leaves out, and `--all` shows every one.
#[test]
fn status_bounds_notes_and_history_unless_all() {
    let sb = crate::common::Sandbox::new();
    sb.ok(&["new", "--scenario", "mvp-launch", "--version", "1.0.0"]);
    for i in 1..=12 {
        sb.ok(&["note", &format!("observation number {i}.")]);
    }
    let bounded = sb.ok(&["status", "--history", "5"]);
    assert!(
        bounded.contains("… 7 earlier notes (--all shows every one)"),
        "{bounded}"
    );
    assert!(bounded.contains("observation number 12."), "{bounded}");
    assert!(!bounded.contains("observation number 1."), "{bounded}");
    assert!(
        bounded.contains("History (last 5 of 13; --all shows every one):"),
        "{bounded}"
    );
    let all = sb.ok(&["status", "--all"]);
    assert!(all.contains("observation number 1."), "{all}");
    assert!(!all.contains("earlier notes"), "{all}");
    assert!(all.contains("\nHistory:\n"), "{all}");
}
