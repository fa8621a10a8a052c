//! Text from outside (commit messages, notes, playbook titles, file names
//! in a session folder, log lines) reaches the terminal shown, never
//! obeyed: every human-readable output of the CLI escapes control
//! characters, C1 controls and bidi overrides; `--json` stays exact.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Sandbox, check_ok};

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
/// U+202E RIGHT-TO-LEFT OVERRIDE in UTF-8.
const RLO: &[u8] = "\u{202e}".as_bytes();
/// U+009B (C1 CSI) in UTF-8.
const C1_CSI: &[u8] = "\u{9b}".as_bytes();

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Nothing a terminal would obey: no ESC, BEL, C1 CSI or bidi override.
fn assert_inert(what: &str, bytes: &[u8]) {
    let shown = String::from_utf8_lossy(bytes);
    assert!(!bytes.contains(&ESC), "{what}: raw ESC in\n{shown}");
    assert!(!bytes.contains(&BEL), "{what}: raw BEL in\n{shown}");
    assert!(!contains(bytes, C1_CSI), "{what}: raw C1 CSI in\n{shown}");
    assert!(!contains(bytes, RLO), "{what}: raw U+202E in\n{shown}");
}

/// Commit on HEAD with `message`, as the git CLI would.
fn commit(sb: &Sandbox, message: &str) {
    let repo = git2::Repository::open(sb.repo.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let sig = git2::Signature::now("Mallory", "mallory@example.com").unwrap();
    repo.commit(
        Some("HEAD"),
        &sig,
        &sig,
        message,
        &head.tree().unwrap(),
        &[&head],
    )
    .unwrap();
}

#[test]
fn a_commit_message_cannot_retitle_the_terminal_or_write_the_clipboard() {
    let sb = Sandbox::new();
    let repo = git2::Repository::open(sb.repo.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.tag_lightweight("v1.0.0", head.as_object(), false)
        .unwrap();
    commit(
        &sb,
        "feat: faster search\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\n\nbody\x1b[2J",
    );
    for args in [&["notes"][..], &["version", "next"]] {
        let out = sb.run(args);
        let stdout = check_ok(out.clone(), args);
        assert_inert(&format!("{args:?} stdout"), &out.stdout);
        assert_inert(&format!("{args:?} stderr"), &out.stderr);
        assert!(
            stdout.contains("faster search\\e]52;c;ZXZpbA==\\x07\\e]0;pwned\\x07"),
            "{args:?}:\n{stdout}"
        );
    }
    // JSON stays exact: the message as it is (JSON escapes ESC itself).
    let v = sb.json(&["version", "next", "--json"]);
    assert!(
        v.to_string()
            .contains("faster search\\u001b]52;c;ZXZpbA==\\u0007\\u001b]0;pwned\\u0007"),
        "{v}"
    );
}

#[test]
fn a_note_cannot_clear_the_screen_of_whoever_reads_the_status() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    let note = "a\x1b[2Jb\u{9b}2Jc";
    sb.ok(&["note", note]);
    for args in [&["status"][..], &["report"]] {
        let out = sb.run(args);
        assert_inert(&format!("{args:?}"), &out.stdout);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("a\\e[2Jb\\u{9b}2Jc"), "{args:?}:\n{stdout}");
    }
    // `report -o FILE` writes what it would print.
    let file = sb.repo.path().join("record.md");
    sb.cmd().args(["report", "-o"]).arg(&file).output().unwrap();
    let written = std::fs::read(&file).unwrap();
    assert_inert("report -o", &written);
    assert!(contains(&written, b"a\\e[2Jb"));
    // JSON keeps the exact text.
    let out = sb.ok(&["status", "--json"]);
    assert!(out.contains("a\\u001b[2Jb\u{9b}2Jc"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.to_string().contains("a\\u001b[2Jb"), "{v}");
}

#[test]
fn a_repository_playbook_title_is_shown_escaped() {
    let sb = Sandbox::new();
    let dir = sb.repo.path().join(".greenlight/playbooks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("x.toml"),
        "id = \"x\"\ntitle = \"Release \\u001b]0;x\\u0007now\"\n\n\
         [[steps]]\nid = \"only\"\ntitle = \"step \\u202egnp.exe\"\nowner = \"developer\"\n",
    )
    .unwrap();
    let out = sb.run(&["playbook", "show", "x"]);
    let stdout = check_ok(out.clone(), &["playbook", "show", "x"]);
    assert_inert("playbook show", &out.stdout);
    assert!(stdout.contains("Release \\e]0;x\\x07now"), "{stdout}");
    assert!(stdout.contains("step \\u{202e}gnp.exe"), "{stdout}");
    let out = sb.run(&["playbook", "list"]);
    let stdout = check_ok(out.clone(), &["playbook", "list"]);
    assert_inert("playbook list", &out.stdout);
    assert!(stdout.contains("Release \\e]0;x\\x07now"), "{stdout}");
}

#[test]
fn audit_verify_names_a_hostile_file_without_obeying_it() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    let dir = sb.session_dirs().pop().unwrap();
    std::fs::write(dir.join("e\x1b]0;t\x07~d.jsonl"), "not an event\n").unwrap();
    let out = sb.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "a bad record fails the audit");
    assert_inert("audit verify stdout", &out.stdout);
    assert_inert("audit verify stderr", &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("e\\e]0;t\\x07~d.jsonl"), "{stderr}");
}

#[test]
fn logs_show_hostile_lines_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.log"),
        "ERROR one \x1b]0;pwned\x07 \x1b[2J\nERROR two user\u{202e}gnp.exe\nERROR plain\r\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .current_dir(dir.path())
        .args(["logs", "--grep", "ERROR", "app.log"])
        .output()
        .unwrap();
    assert_inert("logs", &out.stdout);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ERROR one \\e]0;pwned\\x07 \\e[2J\nERROR two user\\u{202e}gnp.exe\nERROR plain\r\n"
    );
}

#[test]
fn logs_follow_shows_bidi_overrides_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "ERROR user\u{202e}gnp.exe\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .current_dir(dir.path())
        .args(["logs", "-f", "app.log"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The backlog is printed at once: wait for it, then Ctrl-C.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !contains(&seen.lock().unwrap(), b"gnp.exe") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t = Instant::now();
    child.wait().unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    reader.join().unwrap();
    let out = seen.lock().unwrap().clone();
    assert_inert("logs -f", &out);
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("ERROR user\\u{202e}gnp.exe"), "{out}");
}
