//! The simulated source, for the demo and for tests of our own logic:
//! realistic noise, deterministic given a seed, and a switch that injects
//! a regression into the canary.
//!
//! Samples sit on a grid of the window's step (multiples of the step in
//! Unix time), and the value at a time depends only on the seed, the
//! metric, the track and that time: two judgements a few seconds apart
//! share most of their samples, so charts scroll instead of jumping.
//!
//! Models (see [`SimModel`]), canary and baseline alike while healthy,
//! both riding the same slow load wave:
//! - latency: log-normal around 180 ms (σ = 0.06 in log space);
//! - error rate: failures among 50,000 requests per sample at 0.2%
//!   (binomial, normal approximation);
//! - throughput: normal around 830 requests/s (2.5% spread).
//!
//! The regression makes canary latency 1.5×, its error rate 3% and its
//! throughput 0.75×. It applies to the whole window at once, as if the
//! canary had always been bad, so the verdict flips at the next judgement
//! (the demo's point) rather than a window later.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::config::{CanaryConfig, MetricConfig, SimModel};
use super::source::{MetricSamples, MetricSource, Point, SourceError, Window};

/// Seed used when the configuration gives none.
pub const DEFAULT_SEED: u64 = 42;

/// Most samples generated per track and judgement.
const MAX_SAMPLES: usize = 10_000;

/// Built-in noise with a regression switch.
#[derive(Debug, Clone)]
pub struct SimulatedSource {
    seed: u64,
    regression: Arc<AtomicBool>,
}

impl SimulatedSource {
    pub fn new(seed: u64) -> Self {
        SimulatedSource {
            seed,
            regression: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Seed and starting regression from `[canary.simulated]`.
    pub fn from_config(config: &CanaryConfig) -> Self {
        let sim = config.simulated.clone().unwrap_or_default();
        let s = SimulatedSource::new(sim.seed.unwrap_or(DEFAULT_SEED));
        s.set_regression(sim.regression);
        s
    }

    /// Inject (or clear) the regression from now on.
    pub fn set_regression(&self, on: bool) {
        self.regression.store(on, Ordering::Relaxed);
    }

    pub fn regression(&self) -> bool {
        self.regression.load(Ordering::Relaxed)
    }

    /// The switch itself, to flip from another thread (the TUI's key).
    pub fn switch(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.regression)
    }

    /// One track of one metric over `window`.
    pub fn series(&self, metric: &MetricConfig, canary: bool, window: &Window) -> Vec<Point> {
        let model = metric.sim_model();
        let regressed = canary && self.regression();
        let key = self.seed ^ fnv1a(metric.name.as_bytes()) ^ if canary { 0xC4 } else { 0xBA5E };
        grid(window)
            .map(|t| {
                let mut rng = SplitMix(key ^ (t.to_bits().rotate_left(17)));
                let load = 1.0 + 0.05 * (std::f64::consts::TAU * t / 600.0).sin();
                (t, sample(model, &mut rng, load, regressed))
            })
            .collect()
    }
}

/// Times on the step grid inside the window, newest last.
fn grid(window: &Window) -> impl Iterator<Item = f64> + use<> {
    let step = window.step.as_secs_f64().max(0.001);
    let first = (window.start / step).ceil() as i64;
    let last = (window.end / step).floor() as i64;
    let count = (last - first + 1).clamp(0, MAX_SAMPLES as i64);
    let from = last - count + 1;
    (from..=last).map(move |i| i as f64 * step)
}

fn sample(model: SimModel, rng: &mut SplitMix, load: f64, regressed: bool) -> f64 {
    match model {
        SimModel::Latency => {
            let median = 180.0 * load * if regressed { 1.5 } else { 1.0 };
            median * (0.06 * rng.normal()).exp()
        }
        SimModel::ErrorRate => {
            let n = 50_000.0 * load;
            let p = if regressed { 0.03 } else { 0.002 };
            let failures = (n * p + (n * p * (1.0 - p)).sqrt() * rng.normal())
                .round()
                .max(0.0);
            failures / n
        }
        SimModel::Throughput => {
            let mean = 830.0 * load * if regressed { 0.75 } else { 1.0 };
            (mean * (1.0 + 0.025 * rng.normal())).max(0.0)
        }
    }
}

impl MetricSource for SimulatedSource {
    fn regression_switch(&self) -> Option<Arc<AtomicBool>> {
        Some(self.switch())
    }

    fn describe(&self) -> String {
        format!(
            "simulated (seed {}{})",
            self.seed,
            if self.regression() {
                ", regression injected"
            } else {
                ""
            }
        )
    }

    fn fetch(
        &mut self,
        metrics: &[MetricConfig],
        window: &Window,
    ) -> Result<Vec<Result<MetricSamples, SourceError>>, SourceError> {
        Ok(metrics
            .iter()
            .map(|m| {
                Ok(MetricSamples {
                    canary: self.series(m, true, window),
                    baseline: self.series(m, false, window),
                    notes: Vec::new(),
                })
            })
            .collect())
    }
}

/// FNV-1a: a stable hash of a metric name (std's hasher may change).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64: tiny, fast, good enough for noise; no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::config::{SourceKind, default_sim_metrics};
    use std::time::Duration;

    fn window(end: f64) -> Window {
        Window::ending_at(end, Duration::from_secs(60), Duration::from_secs(1))
    }

    #[test]
    fn same_seed_same_samples_and_overlapping_windows_agree() {
        let m = &default_sim_metrics()[1];
        let a = SimulatedSource::new(7).series(m, true, &window(1_700_000_000.0));
        let b = SimulatedSource::new(7).series(m, true, &window(1_700_000_000.0));
        assert_eq!(a, b);
        assert_eq!(a.len(), 61);
        let later = SimulatedSource::new(7).series(m, true, &window(1_700_000_005.0));
        assert_eq!(a[5..], later[..56]);
        let other = SimulatedSource::new(8).series(m, true, &window(1_700_000_000.0));
        assert_ne!(a, other);
    }

    #[test]
    fn values_look_like_their_metrics() {
        let s = SimulatedSource::new(1);
        let w = window(1_700_000_000.0);
        let mean = |p: &[Point]| p.iter().map(|x| x.1).sum::<f64>() / p.len() as f64;
        let m = default_sim_metrics();
        let errors = mean(&s.series(&m[0], false, &w));
        let latency = mean(&s.series(&m[1], false, &w));
        let rps = mean(&s.series(&m[2], false, &w));
        assert!((0.001..0.003).contains(&errors), "{errors}");
        assert!((150.0..220.0).contains(&latency), "{latency}");
        assert!((750.0..900.0).contains(&rps), "{rps}");
        s.set_regression(true);
        let bad = mean(&s.series(&m[0], true, &w));
        assert!(bad > 0.02, "{bad}");
        // The baseline is untouched by the regression.
        assert_eq!(errors, mean(&s.series(&m[0], false, &w)));
    }

    #[test]
    fn the_switch_is_shared() {
        let mut c = CanaryConfig::new(SourceKind::Simulated);
        c.simulated = Some(crate::canary::config::SimConfig {
            seed: Some(3),
            regression: true,
        });
        let s = SimulatedSource::from_config(&c);
        assert!(s.regression());
        s.switch().store(false, Ordering::Relaxed);
        assert!(!s.regression());
        // Through the trait, as the TUI holds it.
        let boxed: Box<dyn MetricSource> = Box::new(s.clone());
        if let Some(sw) = boxed.regression_switch() {
            sw.store(true, Ordering::Relaxed);
        }
        assert!(s.regression());
        s.set_regression(false);
        assert_eq!(s.describe(), "simulated (seed 3)");
    }
}
