//! A command printing millions of lines as fast as it can: the runner
//! keeps only the digest, the count and the tail, so memory stays flat.
//! (Its own test binary, so the peak memory measured is this test's.)

use std::time::Duration;

use greenlight::exec::{self, CancelToken, ExecSpec, Stream};

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn millions_of_lines_keep_memory_flat() {
    let dir = tempfile::tempdir().unwrap();
    let before = peak_rss_kib();
    let lines = 3_000_000u64;
    let line = "deploy: copying artefact chunk to the release bucket";
    let mut s = ExecSpec::new(format!("yes '{line}' | head -n {lines}"), dir.path());
    s.timeout = Duration::from_secs(120);
    let mut seen = 0u64;
    let o = exec::run(&s, &CancelToken::new(), &mut |_: Stream, b: &[u8]| {
        seen += b.len() as u64
    });
    assert!(o.succeeded(), "{o:?}");
    let expected = lines * (line.len() as u64 + 1);
    assert_eq!(o.output_bytes, expected);
    assert_eq!(seen, expected);
    assert_eq!(o.last_lines.len(), exec::output::LAST_LINES);
    assert!(o.last_lines.iter().all(|l| l == line));
    let grown = peak_rss_kib().saturating_sub(before);
    // ~160 MB went through; the runner holds a few chunks and a 64 KiB tail.
    assert!(grown < 32 * 1024, "peak memory grew by {grown} KiB");
}
