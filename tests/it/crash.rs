//! Crash safety: a writer process is SIGKILLed at random moments while it
//! appends; after each kill the journal is reopened and must hold every
//! event whose append returned, verify cleanly, and set aside any torn tail.
//!
//! The writer is this same test binary, re-run with `GREENLIGHT_CRASH_CHILD`
//! set, so the test needs nothing but itself.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use greenlight::audit::verify::verify_session;
use greenlight::session::journal::{FileCursor, JournalWriter};
use greenlight::session::{Payload, Who};

const SESSION: &str = "01JCRASHTEST0000000000000";
const ACTOR: &str = "crash@example.com/dev1";

/// The child: append notes forever, printing each seq after its append
/// returned (and so was fsynced).
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os("GREENLIGHT_CRASH_CHILD") else {
        return;
    };
    let who = Who {
        name: "Crash".into(),
        email: "crash@example.com".into(),
    };
    let mut w = JournalWriter::open(Path::new(&dir), SESSION, ACTOR).expect("open");
    let data = Payload::NoteAdded(greenlight::session::payload::Note {
        text: "x".repeat(200),
        step: None,
    });
    let raw = data.to_data().expect("encode");
    let mut lamport = w.last_lamport();
    loop {
        lamport += 1;
        let ev = w.append(data.kind(), &raw, &who, lamport).expect("append");
        // Straight to fd 1: the test harness may capture `println!`.
        let mut out = std::io::stdout().lock();
        writeln!(out, "ACK {}", ev.seq)
            .and_then(|_| out.flush())
            .expect("report");
    }
}

/// The seed of the kill moments: `GREENLIGHT_TEST_SEED` when set (to
/// replay a run), else from the clock, so each run tries other moments.
fn seed() -> u64 {
    if let Some(s) = std::env::var("GREENLIGHT_TEST_SEED")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        return s;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id())
}

/// A small xorshift from `seed`.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    // Never zero: xorshift would stay there.
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    if x == 0 {
        x = 0x9E37_79B9_7F4A_7C15;
    }
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    if std::env::var_os("GREENLIGHT_CRASH_CHILD").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let seed = seed();
    // Printed (shown when the test fails): the same kill moments again
    // with GREENLIGHT_TEST_SEED set to it.
    println!("crash test seed: {seed} (GREENLIGHT_TEST_SEED={seed} replays it)");
    let mut next = rng(seed);
    let mut acknowledged: Vec<u64> = Vec::new();
    let mut set_aside = 0;
    let mut prev_len = 0u64;
    for round in 0..25 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash::child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("GREENLIGHT_CRASH_CHILD", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                // The harness may print "test child_writer ... " on the same line.
                .filter_map(|l| {
                    l.split("ACK ")
                        .nth(1)
                        .and_then(|n| n.trim().parse::<u64>().ok())
                })
                .collect::<Vec<u64>>()
        });
        std::thread::sleep(Duration::from_millis(20 + next() % 120));
        // SIGKILL: no chance to clean up.
        child.kill().unwrap();
        child.wait().unwrap();
        let seqs = reader.join().unwrap();
        let round_max = seqs.iter().copied().max().unwrap_or(0);
        acknowledged.extend(seqs);

        // Reopen as the next writer would: the torn tail (if any) is set
        // aside, and every acknowledged event is there.
        let w = JournalWriter::open(dir.path(), SESSION, ACTOR).unwrap();
        if w.set_aside.is_some() {
            set_aside += 1;
        }
        let path = w.path().to_path_buf();
        drop(w);
        let batch = FileCursor::new(path).read_new().unwrap();
        assert!(
            batch.problems.is_empty(),
            "seed {seed}, round {round}: {:?}",
            batch.problems
        );
        let on_disk: Vec<u64> = batch.events.iter().map(|e| e.seq).collect();
        assert_eq!(
            on_disk,
            (1..=on_disk.len() as u64).collect::<Vec<_>>(),
            "seed {seed}, round {round}: seq gap"
        );
        let max_ack = acknowledged.iter().copied().max().unwrap_or(0);
        assert!(
            on_disk.len() as u64 >= max_ack,
            "seed {seed}, round {round}: {} events on disk but seq {max_ack} was acknowledged",
            on_disk.len()
        );
        // At most the one event in flight when the kill came is on disk
        // without having been acknowledged.
        let before = prev_len.max(round_max);
        assert!(
            on_disk.len() as u64 <= before + 1,
            "seed {seed}, round {round}: {} on disk, at most {} expected (prev {prev_len}, round max {round_max})",
            on_disk.len(),
            before + 1
        );
        prev_len = on_disk.len() as u64;
        // Every journal verifies; the only files beside them are the torn
        // tails the writer set aside (waiting for a person to acknowledge
        // them, so the session as a whole is not "ok" until then).
        let report = verify_session(dir.path(), SESSION).unwrap();
        assert!(
            report.files.iter().all(|f| f.ok()) && report.synced.is_empty(),
            "seed {seed}, round {round}: {:?}",
            report.problems()
        );
        assert_eq!(
            report.set_aside.len(),
            set_aside,
            "seed {seed}, round {round}: {:?}",
            report.problems()
        );
    }
    assert!(
        acknowledged.len() > 100,
        "the writer should have appended many events, got {}",
        acknowledged.len()
    );
    eprintln!(
        "{} acknowledged appends across 25 kills; {set_aside} torn tails set aside",
        acknowledged.len()
    );
}
