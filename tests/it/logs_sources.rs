//! Log sources on real files and processes: following like `tail -F`
//! (backlog, appends, rotation by rename, truncation, a file that does
//! not exist yet), unreadable files, invalid UTF-8 and binary junk, a
//! 10 MB line, commands that end or do not exist, and stopping.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use greenlight::logs::feed::{self, FeedReceiver, LogMsg, SourceStatus};
use greenlight::logs::line::{LogLine, SourceId};
use greenlight::logs::sample::SampleConfig;
use greenlight::logs::source::{self, SourceHandle, SourceSpec};
use greenlight::logs::{Level, LogsModel};

/// Everything a source said, in order.
#[derive(Default)]
struct Seen {
    lines: Vec<LogLine>,
    statuses: Vec<SourceStatus>,
}

impl Seen {
    fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(LogLine::text).collect()
    }

    fn said(&self, f: impl Fn(&SourceStatus) -> bool) -> bool {
        self.statuses.iter().any(f)
    }
}

struct Harness {
    rx: FeedReceiver,
    handle: Option<SourceHandle>,
    seen: Seen,
}

impl Harness {
    fn start(spec: SourceSpec) -> Harness {
        let (tx, rx) = feed::channel(feed::DEFAULT_CAPACITY, None);
        let handle = source::spawn(SourceId(0), spec, tx).expect("spawn source");
        Harness {
            rx,
            handle: Some(handle),
            seen: Seen::default(),
        }
    }

    fn file(path: &Path, backlog: usize) -> Harness {
        Harness::start(SourceSpec::File {
            path: path.to_path_buf(),
            backlog,
        })
    }

    /// Read messages until `done` holds (or fail after a generous
    /// deadline).
    fn until(&mut self, what: &str, done: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + crate::common::PATIENCE;
        while !done(&self.seen) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; lines {:?}, statuses {:?}",
                self.seen.texts(),
                self.seen.statuses
            );
            match self.rx.recv_timeout(Duration::from_millis(50)) {
                Some(LogMsg::Lines { lines, .. }) => self.seen.lines.extend(lines),
                Some(LogMsg::Status { status, .. }) => self.seen.statuses.push(status),
                None => {}
            }
        }
    }

    fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.stop_and_wait(Duration::from_secs(5));
        }
    }
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn starts_with_the_backlog_then_follows_appends() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    let old: String = (0..50).map(|i| format!("old {i}\n")).collect();
    std::fs::write(&p, old).unwrap();
    let mut h = Harness::file(&p, 3);
    h.until("backlog", |s| s.lines.len() == 3);
    assert_eq!(h.seen.texts(), ["old 47", "old 48", "old 49"]);
    assert!(h.seen.said(|s| matches!(s, SourceStatus::Following { .. })));
    append(&p, b"2024-11-26T14:03:11Z ERROR upstream timeout\nhalf");
    h.until("append", |s| s.lines.len() == 4);
    let l = &h.seen.lines[3];
    assert_eq!(l.level(), Level::Error);
    assert!(l.has_timestamp());
    // A line without its newline waits for it.
    append(&p, b" a line\n");
    h.until("the finished line", |s| s.lines.len() == 5);
    assert_eq!(h.seen.texts()[4], "half a line");
    h.stop();
}

#[test]
fn waits_for_a_file_that_does_not_exist_yet_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("later.log");
    let mut h = Harness::file(&p, 100);
    h.until("a waiting status", |s| {
        s.said(|st| matches!(st, SourceStatus::Waiting { reason } if reason.contains("does not exist yet")))
    });
    std::fs::write(&p, "first\nsecond\n").unwrap();
    // A file that appears is read from its start.
    h.until("its lines", |s| s.lines.len() == 2);
    assert_eq!(h.seen.texts(), ["first", "second"]);
    h.stop();
}

#[test]
fn follows_rotation_by_rename() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    std::fs::write(&p, "before\n").unwrap();
    let mut h = Harness::file(&p, 10);
    h.until("before", |s| s.lines.len() == 1);
    std::fs::rename(&p, dir.path().join("app.log.1")).unwrap();
    // Written to the old file after the rename: still read.
    append(&dir.path().join("app.log.1"), b"late in old\n");
    std::fs::write(&p, "new file line\n").unwrap();
    h.until("the new file", |s| s.texts().contains(&"new file line"));
    assert_eq!(h.seen.texts(), ["before", "late in old", "new file line"]);
    assert!(
        h.seen
            .said(|s| matches!(s, SourceStatus::Notice { message } if message.contains("rotated")))
    );
    h.stop();
}

#[test]
fn says_when_the_file_is_removed_and_picks_up_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    std::fs::write(&p, "one\n").unwrap();
    let mut h = Harness::file(&p, 10);
    h.until("one", |s| s.lines.len() == 1);
    std::fs::remove_file(&p).unwrap();
    h.until("a waiting status", |s| {
        s.said(|st| matches!(st, SourceStatus::Waiting { reason } if reason.contains("moved or removed")))
    });
    std::fs::write(&p, "two\n").unwrap();
    h.until("two", |s| s.lines.len() == 2);
    assert_eq!(h.seen.texts(), ["one", "two"]);
    h.stop();
}

#[test]
fn notices_truncation_and_reads_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    std::fs::write(&p, "a fairly long first line\nand a second one\n").unwrap();
    let mut h = Harness::file(&p, 10);
    h.until("two lines", |s| s.lines.len() == 2);
    std::fs::write(&p, "").unwrap();
    // The follower sees the file shrink before anything new comes.
    let truncated = |s: &Seen| {
        s.said(|s| matches!(s, SourceStatus::Notice { message } if message.contains("truncated")))
    };
    h.until("the truncation notice", truncated);
    append(&p, b"short\n");
    h.until("short", |s| s.texts().contains(&"short"));
    h.stop();
}

#[test]
fn an_unreadable_path_is_reported_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be read as a log, even by root.
    let p = dir.path().join("logs");
    std::fs::create_dir(&p).unwrap();
    let mut h = Harness::file(&p, 10);
    h.until("a failure", |s| {
        s.said(|st| matches!(st, SourceStatus::Failed { reason } if reason.contains("cannot read") && reason.contains("directory") && reason.contains("retrying")))
    });
    // It becomes a readable file: the source recovers by itself.
    std::fs::remove_dir(&p).unwrap();
    std::fs::write(&p, "recovered\n").unwrap();
    h.until("recovered", |s| s.texts().contains(&"recovered"));
    // The failure was said once, not once per retry.
    let failures = h
        .seen
        .statuses
        .iter()
        .filter(|s| matches!(s, SourceStatus::Failed { .. }))
        .count();
    assert_eq!(failures, 1);
    h.stop();
}

#[test]
fn a_file_without_read_permission_is_reported() {
    if std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    {
        // root reads anything; the directory case above covers the path.
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("secret.log");
    std::fs::write(&p, "x\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut h = Harness::file(&p, 10);
    h.until("permission denied", |s| {
        s.said(|st| matches!(st, SourceStatus::Failed { reason } if reason.contains("permission denied")))
    });
    h.stop();
}

#[test]
fn invalid_utf8_and_binary_junk_are_shown_safely() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("junk.log");
    let mut junk = b"ERROR caf\xc3\xa9 \xff\xfe bad utf-8\n".to_vec();
    junk.extend_from_slice(b"\x00\x01\x02\x1b[31mred\x1b[0m\x07\x7f\x08 binary\n");
    junk.extend((0u8..=255).collect::<Vec<_>>());
    junk.push(b'\n');
    std::fs::write(&p, &junk).unwrap();
    let mut h = Harness::file(&p, 100);
    h.until("three lines", |s| s.lines.len() >= 3);
    let t = h.seen.texts();
    assert_eq!(t[0], "ERROR café \u{fffd}\u{fffd} bad utf-8");
    assert_eq!(h.seen.lines[0].level(), Level::Error);
    assert_eq!(t[1], "\\x00\\x01\\x02red\\x07\\x7f\\x08 binary");
    for line in &t {
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
    h.stop();
}

#[test]
fn a_ten_megabyte_line_is_cut_for_display_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.log");
    let mut big = b"WARN ".to_vec();
    big.resize(10 * 1024 * 1024, b'x');
    big.extend_from_slice(b"\nafter\n");
    std::fs::write(&p, &big).unwrap();
    let mut h = Harness::file(&p, 10);
    h.until("two lines", |s| s.lines.len() == 2);
    let l = &h.seen.lines[0];
    assert!(l.is_truncated());
    assert_eq!(l.level(), Level::Warn);
    assert!(l.text().len() < 20 * 1024, "{}", l.text().len());
    assert!(l.text().ends_with("more bytes not shown]"));
    assert_eq!(h.seen.texts()[1], "after");
    h.stop();
}

#[test]
fn a_command_is_read_and_its_exit_reported_without_restarting() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::start(SourceSpec::Command {
        command: "echo out; echo '[ERROR] err' >&2; exit 4".into(),
        cwd: dir.path().to_path_buf(),
    });
    h.until("an exit", |s| {
        s.said(|st| matches!(st, SourceStatus::Exited { .. }))
    });
    let mut t = h.seen.texts();
    t.sort();
    assert_eq!(t, ["[ERROR] err", "out"]);
    assert!(h.seen.said(|s| *s
        == SourceStatus::Exited {
            code: Some(4),
            signal: None
        }));
    assert!(
        SourceStatus::Exited {
            code: Some(4),
            signal: None
        }
        .describe()
        .contains("not restarted")
    );
    // Ended for good: its thread is gone, and nothing more came.
    crate::common::wait_until(
        "the source's thread to end",
        crate::common::PATIENCE,
        || h.handle.as_ref().is_some_and(SourceHandle::is_finished),
    );
    assert!(h.rx.try_recv().is_none());
}

#[test]
fn a_command_that_does_not_exist_says_127() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::start(SourceSpec::Command {
        command: "kubectl-that-is-not-installed logs -f".into(),
        cwd: dir.path().to_path_buf(),
    });
    h.until("an exit", |s| {
        s.said(|st| matches!(st, SourceStatus::Exited { .. }))
    });
    assert!(h.seen.said(|s| matches!(
        s,
        SourceStatus::Exited {
            code: Some(127),
            ..
        }
    )));
    assert!(h.seen.texts().iter().any(|t| t.contains("not found")));
}

#[test]
fn stopping_a_command_source_kills_its_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let mut h = Harness::start(SourceSpec::Command {
        command: format!(
            "sleep 60 & echo $! > {}; echo tailing; wait",
            pidfile.display()
        ),
        cwd: dir.path().to_path_buf(),
    });
    h.until("tailing", |s| s.texts().contains(&"tailing"));
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let t = Instant::now();
    h.stop();
    // Not the 60 s its background child sleeps.
    assert!(t.elapsed() < crate::common::PATIENCE, "{:?}", t.elapsed());
    let gone = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.is_empty() || stat.contains(") Z")
    };
    crate::common::wait_until("the background child to die", crate::common::PATIENCE, gone);
}

#[test]
fn a_flooding_command_is_batched_and_the_model_keeps_up() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = feed::channel(feed::DEFAULT_CAPACITY, None);
    let mut m = LogsModel::new(10_000);
    let id = m.add_source("flood", "command", None);
    let _h = source::spawn(
        id,
        SourceSpec::Command {
            command: "seq 1 300000 | sed 's/^/level=info n=/'".into(),
            cwd: dir.path().to_path_buf(),
        },
        tx,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut biggest = 0;
    while m.counts().info < 300_000 {
        assert!(Instant::now() < deadline, "only {} lines", m.counts().total);
        let d = m.drain(&rx, 50_000, Duration::from_millis(20));
        biggest = biggest.max(d.lines);
        std::thread::sleep(Duration::from_millis(5));
    }
    // Bounded batches: no drain took more than its budget.
    assert!(biggest <= 50_000 + feed::BATCH_LINES, "{biggest}");
    assert_eq!(m.buffer.len(), 10_000);
    assert_eq!(m.counts().info, 300_000);
    let rows = m.view.rows(&m.buffer);
    let last = rows.iter().rev().find(|r| r.line.level() == Level::Info);
    assert_eq!(last.map(|r| r.line.text()), Some("level=info n=300000"));
}

#[test]
fn the_sample_stream_flows_in_real_time() {
    let mut h = Harness::start(SourceSpec::Sample {
        config: SampleConfig {
            lines_per_sec: 2000,
            ..SampleConfig::default()
        },
    });
    h.until("some lines", |s| s.lines.len() >= 200);
    let now = greenlight::logs::time::now_millis();
    assert!(h.seen.lines.iter().all(|l| l.level() != Level::Unknown));
    assert!(h.seen.lines.iter().all(|l| (l.at() - now).abs() < 10_000));
    h.handle.as_ref().unwrap().set_sample_errors_per_10k(10_000);
    let before = h.seen.lines.len();
    h.until("errors", |s| {
        s.lines[before..]
            .iter()
            .filter(|l| l.level().is_error())
            .count()
            > 100
    });
    h.stop();
}

#[test]
fn configured_sources_start_with_their_names_and_colours() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.log"), "ERROR one\nfine\n").unwrap();
    let config: greenlight::config::RepoConfig = greenlight::config::parse_toml(
        "[log_buffer]\nlines = 500\n\n[[logs]]\nname = \"web\"\nfile = \"web.log\"\ncolor = \"yellow\"\n\n[[logs]]\nname = \"pods\"\ncommand = \"echo '[WARN] from pods'\"\n",
        Path::new(".greenlight.toml"),
    )
    .unwrap();
    let (tx, rx) = feed::channel(feed::DEFAULT_CAPACITY, None);
    let (mut m, handles) = LogsModel::start_configured(config.logs_config(), dir.path(), &tx);
    assert_eq!(handles.len(), 2);
    assert_eq!(m.buffer.capacity(), 500);
    let names: Vec<(&str, &str, u8)> = m
        .sources()
        .iter()
        .map(|s| (s.name.as_str(), s.kind, s.color))
        .collect();
    assert_eq!(names, [("web", "file", 2), ("pods", "command", 1)]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while m.counts().warnings < 1 || m.counts().errors < 1 {
        assert!(Instant::now() < deadline, "{:?}", m.counts());
        m.drain(&rx, 10_000, Duration::from_millis(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(m.title(), "ERROR 1  WARN 1  following");
}
