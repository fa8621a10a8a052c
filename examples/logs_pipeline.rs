//! The logs pane's pipeline under load, for memory and throughput:
//! the sample source on its own thread (as fast as it can) → the bounded
//! feed → the model (ring buffer of 100,000 lines, counts, view), drained
//! in budgeted batches as the UI loop would. Prints lines/s and peak RSS.
//!
//! `cargo run --release --example logs_pipeline -- [LINES]` (default
//! 10,000,000); `/usr/bin/time -v` on it gives the same peak.

use std::time::{Duration, Instant};

use greenlight::logs::feed;
use greenlight::logs::sample::SampleConfig;
use greenlight::logs::source::SourceSpec;
use greenlight::logs::{Level, LogsModel};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lines: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let (tx, rx) = feed::channel(feed::DEFAULT_CAPACITY, None);
    let mut model = LogsModel::new(100_000);
    // A filter and a level, as a person would have set them.
    model.view.set_filter(&model.buffer, Some("timeout"))?;
    model.view.set_min_level(&model.buffer, Some(Level::Warn));
    let handle = model.start(
        "sample",
        None,
        SourceSpec::Sample {
            config: SampleConfig {
                lines_per_sec: u32::MAX,
                ..SampleConfig::default()
            },
        },
        tx,
    )?;
    let started = Instant::now();
    let mut drains = 0u64;
    let mut slowest = Duration::ZERO;
    while model.counts().total < lines {
        let t = Instant::now();
        let d = model.drain(&rx, 50_000, Duration::from_millis(8));
        slowest = slowest.max(t.elapsed());
        drains += 1;
        if d.messages == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let secs = started.elapsed().as_secs_f64();
    handle.stop_and_wait(Duration::from_secs(2));
    let c = model.counts();
    println!(
        "lines: {}  errors: {}  warnings: {}",
        c.total, c.errors, c.warnings
    );
    println!(
        "kept: {}  shown by the view: {}",
        model.buffer.len(),
        model.view.status(&model.buffer).shown
    );
    println!(
        "throughput: {:.0} lines/s over {secs:.2}s",
        c.total as f64 / secs
    );
    println!(
        "drains: {drains}, slowest drain: {:.1} ms",
        slowest.as_secs_f64() * 1000.0
    );
    println!("peak RSS: {:.1} MB", peak_rss_kib() as f64 / 1024.0);
    Ok(())
}
