//! Logs: level detection and line building per line, ingest into the
//! pane's model (lines/s, the flood figure), and `logs --grep --count`'s
//! scanner on 1,000,000 generated lines (compare with
//! `scripts/bench_logs.sh` for grep and lnav on the same file).

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use greenlight::logs::grep::LineFilter;
use greenlight::logs::line::{LogLine, SourceId};
use greenlight::logs::sample::{SampleConfig, SampleLog};
use greenlight::logs::time::TimeContext;
use greenlight::logs::{Level, LogsModel, level};

fn sample_lines(n: usize) -> Vec<String> {
    let mut g = SampleLog::new(SampleConfig::default());
    (0..n).map(|_| g.next_line().to_string()).collect()
}

fn sample_file(n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n as usize * 170);
    let mut g = SampleLog::new(SampleConfig::default());
    g.write_lines(n, &mut out).expect("write to memory");
    out
}

fn per_line(c: &mut Criterion) {
    let lines = sample_lines(10_000);
    let ctx = TimeContext::utc_at(SampleConfig::default().start);
    let mut g = c.benchmark_group("per_line");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("level::detect", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| level::detect(l.as_bytes()) == Level::Error)
                .count()
        })
    });
    g.bench_function(
        "LogLine::from_bytes (decode, level, timestamp, one allocation)",
        |b| {
            b.iter(|| {
                lines
                    .iter()
                    .map(|l| LogLine::from_bytes(SourceId(0), l.as_bytes(), 0, 0, &ctx))
                    .filter(|l| l.has_timestamp())
                    .count()
            })
        },
    );
    g.finish();
}

fn ingest(c: &mut Criterion) {
    let ctx = TimeContext::utc_at(SampleConfig::default().start);
    let built: Vec<LogLine> = sample_lines(100_000)
        .iter()
        .map(|l| LogLine::from_bytes(SourceId(0), l.as_bytes(), 0, 0, &ctx))
        .collect();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(built.len() as u64));
    g.sample_size(20);
    for (name, filter) in [
        ("no filter", None),
        ("filter /timeout|reset/", Some("/timeout|reset/")),
    ] {
        g.bench_function(
            format!("model: 100k lines in 1024-line batches, {name}"),
            |b| {
                b.iter_batched(
                    || {
                        // A full model (the ring is at capacity), as in a long session.
                        let mut m = LogsModel::new(100_000);
                        m.buffer.extend(built.iter().cloned());
                        m.view.set_filter(&m.buffer, filter).expect("filter");
                        m.view.sync(&m.buffer);
                        (m, built.clone())
                    },
                    |(mut m, lines)| {
                        let mut it = lines.into_iter();
                        loop {
                            let batch: Vec<LogLine> = it.by_ref().take(1024).collect();
                            if batch.is_empty() {
                                break;
                            }
                            m.buffer.extend(batch);
                            m.view.sync(&m.buffer);
                        }
                        m
                    },
                    BatchSize::LargeInput,
                )
            },
        );
    }
    g.finish();
}

fn grep_count(c: &mut Criterion) {
    let data = sample_file(1_000_000);
    let mut g = c.benchmark_group("grep_count_1M_lines");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    for (name, pattern, ignore_case, level) in [
        ("literal ERROR", Some("ERROR"), false, None),
        ("regex timeout|reset", Some("timeout|reset"), false, None),
        ("ignore case error", Some("error"), true, None),
        ("--level error", None, false, Some(Level::Error)),
    ] {
        let f = LineFilter::new(pattern, ignore_case, level).expect("filter");
        g.bench_function(name, |b| b.iter(|| f.count(&mut &data[..]).expect("count")));
    }
    g.finish();
}

criterion_group!(benches, per_line, ingest, grep_count);
criterion_main!(benches);
