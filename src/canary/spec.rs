//! What the judge is told: per-metric specs and judge-wide settings,
//! deserialisable from config with the documented defaults.
//!
//! The judge never fails on a bad value; it falls back as each field says.
//! Config loaders should call [`MetricSpec::problems`] and
//! [`Thresholds::problems`] to reject bad values with a message instead.

use super::stats::{Alternative, mean, median_sorted, quantile_sorted};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The group of metrics that name none.
pub const DEFAULT_GROUP: &str = "default";

/// Which change of the canary against the baseline is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// An increase is bad (latency, error rate).
    #[default]
    Increase,
    /// A decrease is bad (throughput, success rate).
    Decrease,
    /// Any change is bad.
    Either,
}

impl Direction {
    /// The rank test's alternative: only evidence of a bad change counts.
    pub fn alternative(self) -> Alternative {
        match self {
            Direction::Increase => Alternative::Greater,
            Direction::Decrease => Alternative::Less,
            Direction::Either => Alternative::TwoSided,
        }
    }

    pub(crate) fn change(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::Either => "change",
        }
    }
}

/// The canary statistic that absolute limits (`max`/`min`) are judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    #[default]
    Median,
    Mean,
    Min,
    Max,
    /// 90th percentile (linear interpolation, numpy's default).
    P90,
    P95,
    P99,
}

impl Statistic {
    /// The statistic of a sorted, finite sample; `None` when empty.
    pub fn of_sorted(self, xs: &[f64]) -> Option<f64> {
        match self {
            Statistic::Median => median_sorted(xs),
            Statistic::Mean => mean(xs),
            Statistic::Min => xs.first().copied(),
            Statistic::Max => xs.last().copied(),
            Statistic::P90 => quantile_sorted(xs, 0.90),
            Statistic::P95 => quantile_sorted(xs, 0.95),
            Statistic::P99 => quantile_sorted(xs, 0.99),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Statistic::Median => "median",
            Statistic::Mean => "mean",
            Statistic::Min => "min",
            Statistic::Max => "max",
            Statistic::P90 => "p90",
            Statistic::P95 => "p95",
            Statistic::P99 => "p99",
        }
    }
}

/// How one metric is judged. Deserialises from config with the defaults
/// below for every field but `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSpec {
    pub name: String,
    /// Score group; `None` means [`DEFAULT_GROUP`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Weight within its group. Default 1.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Which change is bad. Default `increase`.
    #[serde(default)]
    pub direction: Direction,
    /// A failing critical metric forces `Rollback` whatever the score.
    #[serde(default)]
    pub critical: bool,
    /// No data is a failure rather than "not scored".
    #[serde(default)]
    pub must_have_data: bool,
    /// Relative shift (of the baseline median) accepted even when
    /// significant. Default 0.10.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Significance level of the rank test; the shift interval has
    /// confidence `1 − alpha`. Default 0.05.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Fewer samples on either side is inconclusive. Default 10.
    #[serde(default = "default_min_samples")]
    pub min_samples: usize,
    /// Absolute upper limit on the canary `statistic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Absolute lower limit on the canary `statistic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Canary statistic the absolute limits apply to. Default `median`.
    #[serde(default)]
    pub statistic: Statistic,
}

fn default_weight() -> f64 {
    1.0
}
fn default_tolerance() -> f64 {
    0.10
}
fn default_alpha() -> f64 {
    0.05
}
fn default_min_samples() -> usize {
    10
}

impl MetricSpec {
    /// A spec with every default: weight 1, tolerance 10%, alpha 0.05,
    /// 10 samples minimum, no absolute limits, not critical.
    pub fn new(name: impl Into<String>, direction: Direction) -> Self {
        Self {
            name: name.into(),
            group: None,
            weight: default_weight(),
            direction,
            critical: false,
            must_have_data: false,
            tolerance: default_tolerance(),
            alpha: default_alpha(),
            min_samples: default_min_samples(),
            max: None,
            min: None,
            statistic: Statistic::Median,
        }
    }

    /// What is wrong with this spec, for config validation. The judge never
    /// fails on a bad spec: it falls back as documented on each field
    /// (weight → 0, tolerance → 0, alpha → 0.05, min_samples → 1).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = &self.name;
        if !(self.weight.is_finite() && self.weight >= 0.0) {
            out.push(format!("{name}: weight must be a finite number ≥ 0"));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            out.push(format!("{name}: tolerance must be a finite number ≥ 0"));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            out.push(format!("{name}: alpha must be between 0 and 1"));
        }
        if self.min_samples == 0 {
            out.push(format!("{name}: min_samples must be at least 1"));
        }
        for (label, limit) in [("max", self.max), ("min", self.min)] {
            if limit.is_some_and(|v| !v.is_finite()) {
                out.push(format!("{name}: {label} must be finite"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max)
            && lo > hi
        {
            out.push(format!("{name}: min {lo} is above max {hi}"));
        }
        out
    }

    pub(crate) fn weight(&self) -> f64 {
        if self.weight.is_finite() && self.weight > 0.0 {
            self.weight
        } else {
            0.0
        }
    }

    pub(crate) fn tolerance(&self) -> f64 {
        if self.tolerance.is_finite() && self.tolerance > 0.0 {
            self.tolerance
        } else {
            0.0
        }
    }

    pub(crate) fn alpha(&self) -> f64 {
        if self.alpha > 0.0 && self.alpha < 1.0 {
            self.alpha
        } else {
            default_alpha()
        }
    }
}

/// Score thresholds (0–100): `score ≥ pass` promotes, `marginal ≤ score <
/// pass` holds, below `marginal` rolls back. Defaults 90 and 75.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    pub pass: f64,
    pub marginal: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            pass: 90.0,
            marginal: 75.0,
        }
    }
}

impl Thresholds {
    /// The thresholds the judge applies: a non-finite value falls back to
    /// its default, so a bad config can neither panic nor put NaN into the
    /// (serialised) judgement.
    pub fn sanitized(self) -> Self {
        let d = Self::default();
        let pick = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
        Self {
            pass: pick(self.pass, d.pass),
            marginal: pick(self.marginal, d.marginal),
        }
    }

    /// What is wrong with these thresholds, for config validation.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let in_range = |v: f64| (0.0..=100.0).contains(&v);
        if !in_range(self.pass) || !in_range(self.marginal) {
            out.push("score thresholds must be between 0 and 100".to_owned());
        }
        if self.marginal > self.pass {
            out.push(format!(
                "marginal threshold {} is above the pass threshold {}",
                self.marginal, self.pass
            ));
        }
        out
    }
}

/// Judge-wide settings: thresholds and group weights.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct JudgeConfig {
    pub thresholds: Thresholds,
    /// Weight of each group in the score; groups not listed weigh 1.
    pub group_weights: BTreeMap<String, f64>,
}

impl JudgeConfig {
    pub(crate) fn group_weight(&self, group: &str) -> f64 {
        match self.group_weights.get(group) {
            Some(&w) if w.is_finite() && w > 0.0 => w,
            Some(_) => 0.0,
            None => 1.0,
        }
    }
}
