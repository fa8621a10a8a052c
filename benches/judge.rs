//! Benchmarks of the canary judge. Goal: `judge_metric` on 10,000 canary ×
//! 10,000 baseline samples within 10 ms on a 2-core machine.
//!
//! `cargo bench --bench judge`

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench_judge
}
criterion_main!(benches);
