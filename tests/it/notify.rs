//! Notifications: webhooks answered by an HTTP server on 127.0.0.1 started
//! here (bodies checked in both formats, a 500 retried), and a command
//! target killed mid-delivery, then sent exactly once on reopening.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::common::TEAM;
use crate::common::{Sandbox, check_ok, stderr};

const PLAYBOOK: &str = r#"
id = "mini"
title = "A small release"

[[steps]]
id = "prep"
owner = "developer"
kind = "check"

[[steps]]
id = "go"
owner = "pm"
kind = "signoff"
roles = ["pm"]
requires = ["prep"]
"#;

/// What a test HTTP server received: (path, body), in order.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// An HTTP server on 127.0.0.1 answering each request with the next
/// status of `statuses` (200 once they run out).
fn http_server(statuses: Vec<u16>) -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let received: Received = Arc::default();
    let log = received.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            log.lock()
                .expect("log")
                .push((path, String::from_utf8_lossy(&body).into_owned()));
            let status = statuses.next().unwrap_or(200);
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    (url, received)
}

fn sandbox(notify: &str) -> Sandbox {
    let sb = Sandbox::new();
    let root = sb.repo.path();
    std::fs::create_dir_all(root.join(".greenlight/playbooks")).expect("dir");
    std::fs::write(root.join(".greenlight/playbooks/mini.toml"), PLAYBOOK).expect("playbook");
    std::fs::write(root.join(".greenlight.toml"), format!("{TEAM}\n{notify}")).expect("config");
    sb
}

fn bodies(r: &Received, path: &str) -> Vec<String> {
    r.lock()
        .expect("log")
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, b)| b.clone())
        .collect()
}

#[test]
fn webhooks_get_slack_and_json_bodies_and_a_500_is_retried_without_stopping_the_release() {
    let (chat_url, chat) = http_server(vec![]);
    let (feed_url, feed) = http_server(vec![500]);
    let sb = sandbox(
        r#"
[[notify]]
name = "chat"
kind = "webhook"
format = "slack"
url_env = "GL_TEST_CHAT_URL"
on = ["signoff_requested", "signed_off", "completed"]

[[notify]]
name = "feed"
kind = "webhook"
url_env = "GL_TEST_FEED_URL"
on = ["signoff_requested", "completed"]
"#,
    );
    let run = |who: Option<(&str, &str)>, args: &[&str]| {
        let mut c = match who {
            Some((n, e)) => sb.cmd_as(n, e),
            None => sb.cmd(),
        };
        c.env("GL_TEST_CHAT_URL", format!("{chat_url}/chat"))
            .env("GL_TEST_FEED_URL", format!("{feed_url}/feed"))
            .args(args)
            .output()
            .expect("run")
    };
    check_ok(
        run(None, &["new", "--scenario", "mini", "--version", "1.0.0"]),
        &["new"],
    );
    let out = run(None, &["step", "done", "prep"]);
    let err = stderr(&out);
    assert!(
        out.status.success(),
        "a failed notification failed the step: {err}"
    );
    assert!(
        err.contains("notifying feed of signoff requested failed (attempt 1 of 8; the release goes on): HTTP 500"),
        "{err}"
    );
    // Slack: one text with the release, what happened and the ask.
    let slack = bodies(&chat, "/chat");
    assert_eq!(slack.len(), 1, "{slack:?}");
    let text: serde_json::Value = serde_json::from_str(&slack[0]).expect("json");
    let text = text["text"].as_str().expect("text");
    assert!(text.contains("1.0.0 · mini]"), "{text}");
    assert!(
        text.contains("sign-off `go` is ready for pm (Pat Product)"),
        "{text}"
    );
    assert!(
        text.contains("greenlight signoff --step go --role pm --approve"),
        "{text}"
    );
    // The JSON target answered 500: retried after its wait, then taken.
    assert_eq!(bodies(&feed, "/feed").len(), 1);
    let mut flushed = false;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let out = check_ok(run(None, &["notify", "flush"]), &["notify", "flush"]);
        if out.contains("notified feed of signoff requested (HTTP 200)") {
            flushed = true;
            break;
        }
    }
    assert!(flushed, "the 500 was never retried");
    let json = bodies(&feed, "/feed");
    assert_eq!(json.len(), 2);
    let body: serde_json::Value = serde_json::from_str(&json[1]).expect("json");
    assert_eq!(body["greenlight"], 1);
    assert_eq!(body["moment"], "signoff_requested");
    assert_eq!(body["step"], "go");
    assert_eq!(body["version"], "1.0.0");
    assert_eq!(body["scenario"], "mini");
    assert_eq!(body["who"], "Dana Developer");
    assert!(
        body["ask"]
            .as_str()
            .is_some_and(|a| a.contains("--role pm --approve"))
    );
    // Nothing is sent twice.
    let out = check_ok(run(None, &["notify", "flush"]), &["notify", "flush"]);
    assert!(out.contains("nothing to send"), "{out}");
    assert_eq!(bodies(&feed, "/feed").len(), 2);
    assert_eq!(bodies(&chat, "/chat").len(), 1);
    // Pat approves from her terminal: her command tells both of the
    // sign-off and of the completion.
    check_ok(
        run(
            Some(("Pat Product", "pat@example.com")),
            &["signoff", "--role", "pm", "--approve"],
        ),
        &["signoff"],
    );
    let slack = bodies(&chat, "/chat");
    assert_eq!(slack.len(), 3, "{slack:?}");
    assert!(slack[1].contains("Pat Product approved"), "{}", slack[1]);
    assert!(slack[2].contains("completed"), "{}", slack[2]);
    assert_eq!(bodies(&feed, "/feed").len(), 3);
    // Each delivery is in the record.
    let status = check_ok(run(None, &["status", "--history", "20"]), &["status"]);
    assert!(
        status.contains("notified chat of signoff requested: HTTP 200"),
        "{status}"
    );
    assert!(
        status.contains("could not notify feed of signoff requested (attempt 1): HTTP 500"),
        "{status}"
    );
    // `notify test` reaches every target and says how each answered.
    let out = run(None, &["notify", "test"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(
        said.contains("✔ chat: HTTP 200") && said.contains("✔ feed: HTTP 200"),
        "{said}"
    );
    assert!(bodies(&chat, "/chat")[3].contains("testing greenlight's notifications"));
}

/// A command target hangs, greenlight is killed while it waits: the
/// delivery was never recorded, so reopening sends it, exactly once.
#[test]
fn a_delivery_pending_when_greenlight_is_killed_is_sent_exactly_once_after() {
    let sb = sandbox(
        r#"
[[notify]]
name = "script"
kind = "command"
command = "if [ -f hang ]; then touch started; sleep 30; exit 1; fi; cat >> delivered.log; echo >> delivered.log"
on = ["signoff_requested"]
"#,
    );
    let root = sb.repo.path();
    sb.ok(&["new", "--scenario", "mini", "--version", "1.0.0"]);
    std::fs::write(root.join("hang"), "").expect("hang");
    let mut child = sb
        .cmd()
        .args(["step", "done", "prep"])
        .spawn()
        .expect("step done");
    crate::common::wait_until(
        "the command target to start",
        crate::common::PATIENCE,
        || root.join("started").exists(),
    );
    child.kill().expect("kill -9 greenlight");
    let _ = child.wait();
    std::fs::remove_file(root.join("hang")).expect("unhang");
    let status = sb.ok(&["status", "--history", "20"]);
    assert!(status.contains("completed prep"), "{status}");
    assert!(!status.contains("notified"), "{status}");
    let out = sb.ok(&["notify", "flush"]);
    assert!(
        out.contains("notified script of signoff requested (exit 0)"),
        "{out}"
    );
    let out = sb.ok(&["notify", "flush"]);
    assert!(out.contains("nothing to send"), "{out}");
    let log = std::fs::read_to_string(root.join("delivered.log")).expect("delivered");
    assert_eq!(log.lines().filter(|l| !l.is_empty()).count(), 1, "{log}");
    let body: serde_json::Value =
        serde_json::from_str(log.lines().next().expect("line")).expect("json body on stdin");
    assert_eq!(body["moment"], "signoff_requested");
}

/// A python with aiosmtpd (a real SMTP server), installed by `.ci/run`.
fn aiosmtpd_python() -> Option<String> {
    ["python3", "/usr/bin/python3"].into_iter().find_map(|p| {
        std::process::Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| p.to_string())
    })
}

/// An aiosmtpd server stopped when the test ends.
struct Smtp(std::process::Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// E-mail to the people of a role and an audience, through a real SMTP
/// server on 127.0.0.1 (aiosmtpd, storing what it gets in a Maildir).
#[test]
fn email_goes_to_the_roles_and_audiences_through_a_real_smtp_server() {
    let Some(python) = aiosmtpd_python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is missing on CI (.ci/run installs it)"
        );
        eprintln!("skipped: no python3 with aiosmtpd (pip install aiosmtpd)");
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let maildir = tempfile::tempdir().expect("maildir");
    let _server = Smtp(
        std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd"),
    );
    crate::common::wait_until("the SMTP server", crate::common::PATIENCE, || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let sb = sandbox(
        r#"
[[notify]]
name = "mail"
kind = "email"
smtp_url_env = "GL_TEST_SMTP_URL"
from = "Release bot <release@example.com>"
roles = ["pm"]
audiences = ["stakeholders"]
on = ["signoff_requested"]

[audiences]
stakeholders = ["board@example.com", "PAT@example.com"]
"#,
    );
    let run = |args: &[&str]| {
        sb.cmd()
            .env("GL_TEST_SMTP_URL", format!("smtp://127.0.0.1:{port}"))
            .args(args)
            .output()
            .expect("run")
    };
    check_ok(
        run(&["new", "--scenario", "mini", "--version", "1.0.0"]),
        &["new"],
    );
    let out = run(&["step", "done", "prep"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).is_empty() || !stderr(&out).contains("failed"),
        "{}",
        stderr(&out)
    );
    let new = maildir.path().join("mail/new");
    crate::common::wait_until("the mail", crate::common::PATIENCE, || {
        std::fs::read_dir(&new).is_ok_and(|d| d.count() > 0)
    });
    let mails: Vec<String> = std::fs::read_dir(&new)
        .expect("maildir")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("mail"))
        .collect();
    assert_eq!(mails.len(), 1, "one message to every recipient: {mails:?}");
    let mail = &mails[0];
    assert!(
        mail.contains("X-RcptTo: pat@example.com, board@example.com"),
        "{mail}"
    );
    assert!(
        mail.contains("From: \"Release bot\" <release@example.com>")
            || mail.contains("From: Release bot <release@example.com>"),
        "{mail}"
    );
    assert!(
        mail.contains("Subject: [") && mail.contains("1.0.0] sign-off `go` is ready for pm"),
        "{mail}"
    );
    assert!(
        mail.contains("greenlight signoff --step go --role pm --approve"),
        "{mail}"
    );
    let status = sb.ok(&["status", "--history", "20"]);
    assert!(
        status.contains(
            "notified mail of signoff requested: SMTP 250 to pat@example.com, board@example.com"
        ),
        "{status}"
    );
}

/// A step that announces: `notify = "completed"` tells the targets the
/// release is done when it completes (and the session's own end does not
/// say it twice); `notify = "release_notes"` sends the notes saved in the
/// session.
#[test]
fn steps_announce_the_release_and_send_its_notes() {
    let sb = Sandbox::new();
    let root = sb.repo.path();
    std::fs::create_dir_all(root.join(".greenlight/playbooks")).expect("dir");
    std::fs::write(
        root.join(".greenlight/playbooks/announce.toml"),
        r#"
id = "announce"

[[steps]]
id = "tell"
owner = "developer"
notify = "completed"

[[steps]]
id = "notes"
owner = "developer"
notify = "release_notes"
requires = ["tell"]
"#,
    )
    .expect("playbook");
    std::fs::write(
        root.join(".greenlight.toml"),
        r#"
[[notify]]
name = "log"
kind = "command"
command = "cat >> notified.log; echo >> notified.log"
on = ["completed", "release_notes"]
"#,
    )
    .expect("config");
    sb.ok(&["new", "--scenario", "announce", "--version", "2.0.0"]);
    std::fs::write(root.join("draft.md"), "## 2.0.0\n\n- faster checkout\n").expect("draft");
    sb.ok(&["notes", "--save", "--text", "draft.md"]);
    sb.ok(&["step", "done", "tell"]);
    sb.ok(&["step", "done", "notes"]);
    let log = std::fs::read_to_string(root.join("notified.log")).expect("log");
    let bodies: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let moments: Vec<&str> = bodies.iter().filter_map(|b| b["moment"].as_str()).collect();
    assert_eq!(moments, ["completed", "release_notes"], "{log}");
    assert!(
        bodies[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("the release is done"))
    );
    assert!(
        bodies[1]["text"]
            .as_str()
            .is_some_and(|t| t.contains("- faster checkout")),
        "{}",
        bodies[1]
    );
    assert_eq!(bodies[1]["version"], "2.0.0");
    // The release record lists every delivery.
    let report = sb.ok(&["report"]);
    assert!(report.contains("## Notifications"), "{report}");
    assert!(
        report.contains("| tell | log | completed | 1 | ✔ exit 0 |"),
        "{report}"
    );
    assert!(
        report.contains("| notes | log | release notes | 1 | ✔ exit 0 |"),
        "{report}"
    );
}

/// The built-in playbooks announce where the seed asks them to.
#[test]
fn the_built_in_playbooks_announce_completion_and_send_release_notes() {
    let sb = Sandbox::new();
    let out = sb.ok(&["playbook", "show", "feature-release", "--json"]);
    let pb: serde_json::Value = serde_json::from_str(&out).expect("json");
    let notify = |id: &str| {
        pb["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|x| x["id"] == id))
            .map(|s| s["notify"].clone())
    };
    assert_eq!(
        notify("notify-complete"),
        Some(serde_json::json!("completed"))
    );
    assert_eq!(
        notify("release-note"),
        Some(serde_json::json!("release_notes"))
    );
}

/// A target that is down (nothing listens) and one that is slow (takes
/// the connection and never answers, past its `timeout`): both attempts
/// fail, are reported and recorded, and the release goes on.
#[test]
fn a_down_or_slow_target_is_reported_and_the_release_goes_on() {
    let down = TcpListener::bind("127.0.0.1:0").expect("bind");
    let down_url = format!("http://{}/hook", down.local_addr().expect("addr"));
    drop(down);
    let slow = TcpListener::bind("127.0.0.1:0").expect("bind");
    let slow_url = format!("http://{}/hook", slow.local_addr().expect("addr"));
    // Accepts and holds connections without a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in slow.incoming().flatten() {
            held.push(s);
        }
    });
    let sb = sandbox(
        r#"
[[notify]]
name = "down"
kind = "webhook"
url_env = "GL_TEST_DOWN_URL"
on = ["signoff_requested"]

[[notify]]
name = "slow"
kind = "webhook"
url_env = "GL_TEST_SLOW_URL"
timeout = "1s"
on = ["signoff_requested"]
"#,
    );
    sb.ok(&["new", "--scenario", "mini", "--version", "1.0.0"]);
    let started = std::time::Instant::now();
    let out = sb
        .cmd()
        .env("GL_TEST_DOWN_URL", &down_url)
        .env("GL_TEST_SLOW_URL", &slow_url)
        .args(["step", "done", "prep"])
        .output()
        .expect("run");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("notifying down of signoff requested failed (attempt 1 of 8"),
        "{err}"
    );
    assert!(
        err.contains("notifying slow of signoff requested failed (attempt 1 of 8"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the slow target held the command for {:?}",
        started.elapsed()
    );
    let status = sb.ok(&["status", "--history", "20"]);
    assert!(status.contains("completed prep"), "{status}");
    assert!(
        status.contains("could not notify down of signoff requested (attempt 1)"),
        "{status}"
    );
    assert!(
        status.contains("could not notify slow of signoff requested (attempt 1)"),
        "{status}"
    );
}
