//! Benchmarks of the canary judge. Goal: `judge_metric` on 10,000 canary ×
//! 10,000 baseline samples within 10 ms on a 2-core machine. Also what
//! surrounds it in a judgement run: reading a Prometheus answer of 10,000
//! points, and a whole simulated judgement (fetch + judge, 3 metrics).
//!
//! `cargo bench --bench judge`

use criterion::{Criterion, criterion_group, criterion_main};
use greenlight::canary::config::{CanaryConfig, SourceKind};
use greenlight::canary::prometheus::parse_response;
use greenlight::canary::sim::SimulatedSource;
use greenlight::canary::{
    Alternative, Direction, MetricSpec, hodges_lehmann, judge_metric, mann_whitney_u,
};
use std::hint::black_box;

/// Latency-like samples (log-normal, ms), deterministic.
fn latencies(seed: u64, n: usize, median_ms: f64) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let normal = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
            median_ms * (0.4 * normal).exp()
        })
        .collect()
}

fn bench_judge(c: &mut Criterion) {
    let spec = MetricSpec::new("latency", Direction::Increase);
    for n in [100, 10_000] {
        let canary = latencies(1, n, 105.0);
        let baseline = latencies(2, n, 100.0);
        c.bench_function(&format!("judge_metric {n}x{n}"), |b| {
            b.iter(|| judge_metric(black_box(&spec), black_box(&canary), black_box(&baseline)))
        });
    }
    let canary = latencies(3, 10_000, 105.0);
    let baseline = latencies(4, 10_000, 100.0);
    c.bench_function("hodges_lehmann 10000x10000", |b| {
        b.iter(|| hodges_lehmann(black_box(&canary), black_box(&baseline), 0.95))
    });
    c.bench_function("mann_whitney_u 10000x10000", |b| {
        b.iter(|| {
            mann_whitney_u(
                black_box(&canary),
                black_box(&baseline),
                Alternative::Greater,
            )
        })
    });
}

/// A query_range answer of `n` points, as Prometheus writes it.
fn matrix_body(n: usize) -> String {
    let values: Vec<String> = latencies(5, n, 100.0)
        .iter()
        .enumerate()
        .map(|(i, v)| format!("[{}.5,\"{v}\"]", 1_700_000_000 + i))
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"track":"canary"}},"values":[{}]}}]}}}}"#,
        values.join(",")
    )
}

fn bench_run(c: &mut Criterion) {
    let body = matrix_body(10_000);
    c.bench_function("prometheus parse_response 10000 points", |b| {
        b.iter(|| parse_response(200, black_box(&body), "q"))
    });
    let config = CanaryConfig::new(SourceKind::Simulated);
    let now = jiff::Timestamp::from_second(1_700_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    c.bench_function("judge_now simulated (3 metrics x 61 samples)", |b| {
        let mut sim = SimulatedSource::new(1);
        b.iter(|| greenlight::canary::judge_now(&mut sim, black_box(&config), now, None))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench_judge, bench_run
}
criterion_main!(benches);
