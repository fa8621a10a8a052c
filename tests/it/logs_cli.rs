//! `greenlight logs` through the built binary: grep and count, levels in
//! every format, several files, commands, the repository's [[logs]],
//! bad input and following until Ctrl-C.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::common::{PATIENCE, Sandbox, stderr, wait_until};

fn greenlight() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenlight"));
    c.env("NO_COLOR", "1");
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = greenlight().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

const MIXED: &str = r#"2026-11-26T14:00:00.000Z [INFO] request completed
{"ts":"2026-11-26T14:00:01Z","level":"error","msg":"upstream timeout"}
ts=2026-11-26T14:00:02Z level=warn msg="slow request"
2026-11-26T14:00:03.000Z [ERROR] connection reset by peer
<3>Nov 26 14:00:04 web-1 api[7]: payment failed
{"level":50,"msg":"pino error"}
E1126 14:00:05.000000   1 main.go:10] klog error
Nov 26 14:00:06 web-1 api[7]: FATAL out of memory
level=info msg="no error here, just the word"
plain line mentioning ERROR_CODES table
"#;

#[test]
fn grep_count_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.log"), MIXED).unwrap();
    let (code, out, _) = run(
        dir.path(),
        &["logs", "--grep", "ERROR", "--count", "app.log"],
    );
    assert_eq!((code, out.as_str()), (0, "2\n"));
    let (_, out, _) = run(dir.path(), &["logs", "--grep", "timeout|reset", "app.log"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("upstream timeout") && out.contains("connection reset"));
    let (_, out, _) = run(
        dir.path(),
        &["logs", "-i", "--grep", "error", "--count", "app.log"],
    );
    assert_eq!(out, "6\n");
    // Nothing matched: exit 1, like grep.
    let (code, out, _) = run(
        dir.path(),
        &["logs", "--grep", "nope", "--count", "app.log"],
    );
    assert_eq!((code, out.as_str()), (1, "0\n"));
}

#[test]
fn level_error_matches_every_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.log"), MIXED).unwrap();
    let (code, out, _) = run(dir.path(), &["logs", "--level", "error", "app.log"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    for want in [
        "upstream timeout",
        "connection reset",
        "payment failed",
        "pino error",
        "klog error",
        "out of memory",
    ] {
        assert!(out.contains(want), "missing {want}: {out}");
    }
    assert!(!out.contains("just the word") && !out.contains("ERROR_CODES"));
    let (_, out, _) = run(
        dir.path(),
        &["logs", "--level", "warning", "--count", "app.log"],
    );
    assert_eq!(out, "7\n");
    let (_, out, _) = run(
        dir.path(),
        &["logs", "--level", "error", "--grep", "timeout", "app.log"],
    );
    assert_eq!(out.lines().count(), 1);
    let (code, _, err) = run(dir.path(), &["logs", "--level", "loud", "app.log"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown level `loud`"), "{err}");
}

#[test]
fn several_files_are_labelled_and_bad_ones_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), "ERROR a\nok\n").unwrap();
    std::fs::write(dir.path().join("b.log"), "ERROR b\nERROR bb\n").unwrap();
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    let (code, out, err) = run(
        dir.path(),
        &[
            "logs",
            "--grep",
            "ERROR",
            "--count",
            "a.log",
            "missing.log",
            "adir",
            "b.log",
        ],
    );
    assert_eq!(code, 2, "an unreadable input makes the exit status 2");
    assert_eq!(out, "a.log:1\nb.log:2\n");
    assert!(
        err.contains("cannot read missing.log: no such file or directory"),
        "{err}"
    );
    assert!(err.contains("cannot read adir: is a directory"), "{err}");
    let (_, out, _) = run(dir.path(), &["logs", "--grep", "ERROR", "a.log", "b.log"]);
    assert_eq!(out, "a.log:ERROR a\nb.log:ERROR b\nb.log:ERROR bb\n");
}

#[test]
fn invalid_utf8_binary_and_huge_lines_do_not_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = b"\xff\xfe ERROR bad utf8\n\x00\x01\x02 junk\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    data.extend_from_slice(b" ERROR at the end of a 10 MB line\nlast ERROR\n");
    std::fs::write(dir.path().join("junk.log"), &data).unwrap();
    let (code, out, _) = run(
        dir.path(),
        &["logs", "--grep", "ERROR", "--count", "junk.log"],
    );
    assert_eq!((code, out.as_str()), (0, "3\n"));
    let (_, out, _) = run(
        dir.path(),
        &["logs", "--level", "error", "--count", "junk.log"],
    );
    // The 10 MB line's level word is past where levels are looked for.
    assert_eq!(out, "2\n");
}

#[test]
fn commands_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(
        dir.path(),
        &[
            "logs",
            "--cmd",
            "echo '[ERROR] from stdout'; echo '[ERROR] from stderr' >&2; echo fine",
            "--level",
            "error",
        ],
    );
    assert_eq!(code, 0);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(lines, ["[ERROR] from stderr", "[ERROR] from stdout"]);
    let (_, out, err) = run(dir.path(), &["logs", "--cmd", "no-such-log-tool -f"]);
    assert!(err.contains("exited 127 (command not found)"), "{err}");
    assert!(
        out.contains("not found"),
        "the shell's own message is shown: {out}"
    );

    let mut child = greenlight()
        .args(["logs", "--grep", "WARN", "--count", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"WARN a\nb\nWARN c\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n");
}

#[test]
fn uses_the_repository_sources_and_reports_config_mistakes() {
    let sb = Sandbox::new();
    std::fs::write(sb.repo.path().join("web.log"), "ERROR one\nfine\n").unwrap();
    std::fs::write(
        sb.repo.path().join(".greenlight.toml"),
        "[[logs]]\nname = \"web\"\nfile = \"web.log\"\n\n[[logs]]\nname = \"pods\"\ncommand = \"echo ERROR from pods\"\n",
    )
    .unwrap();
    let out = sb.run(&["logs", "--grep", "ERROR", "--count"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "web:1\npods:1\n",
        "{}",
        stderr(&out)
    );

    std::fs::write(
        sb.repo.path().join(".greenlight.toml"),
        "[[logs]]\nname = \"web\"\nfile = \"web.log\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let out = sb.run(&["logs", "--count"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains(".greenlight.toml:4:1"), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");

    std::fs::remove_file(sb.repo.path().join(".greenlight.toml")).unwrap();
    let out = sb.run(&["logs", "--count"]);
    assert!(
        stderr(&out).contains("has no [[logs]] sources"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn follow_prints_new_lines_until_ctrl_c_and_kills_its_commands() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "old ERROR 1\nold ERROR 2\nold fine\n").unwrap();
    let pidfile = dir.path().join("cmd.pid");
    let mut child = greenlight()
        .current_dir(dir.path())
        .args([
            "logs",
            "--follow",
            "-n",
            "2",
            "--grep",
            "ERROR",
            "app.log",
            "--cmd",
            &format!(
                "echo $$ > {}; echo cmd ERROR; exec sleep 60",
                pidfile.display()
            ),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // What it prints, as it comes.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let into = seen.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let shows = |what: &'static str| {
        let seen = seen.clone();
        move || seen.lock().unwrap().contains(what)
    };
    // Following: the backlog and the command's line are out.
    wait_until("the backlog", PATIENCE, shows("app.log: old ERROR 2"));
    wait_until("the command's line", PATIENCE, shows("cmd ERROR"));
    let pid = crate::common::wait_for_pid(&pidfile);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"new ERROR 3\nnew fine\n").unwrap();
    }
    wait_until("the appended line", PATIENCE, shows("app.log: new ERROR 3"));
    // Ctrl-C.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t = Instant::now();
    let status = child.wait().unwrap();
    // Not the 60 s its command sleeps.
    assert!(t.elapsed() < PATIENCE, "{:?}", t.elapsed());
    assert!(status.success(), "{status}");
    reader.join().unwrap();
    let out = seen.lock().unwrap().clone();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    // Backlog of 2 lines, of which one matches; then the new one.
    assert!(out.contains("app.log: old ERROR 2"), "{out}\n{err}");
    assert!(!out.contains("old ERROR 1"), "{out}");
    assert!(out.contains("app.log: new ERROR 3"), "{out}");
    assert!(out.contains("cmd ERROR"), "{out}");
    assert!(!out.contains("fine"));
    let gone = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.is_empty() || stat.contains(") Z")
    };
    wait_until("the command to end with greenlight", PATIENCE, gone);
}
