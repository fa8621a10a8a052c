//! The canary judge (DESIGN §7): one outcome per metric, a weighted score,
//! a verdict, and the rule that decided each, in plain words.
//!
//! # Per metric ([`judge_metric`])
//!
//! Non-finite samples (NaN, ±inf) are dropped first and counted. Then, in
//! this order, the first rule that applies decides:
//!
//! | rule | outcome |
//! |---|---|
//! | canary has ≥ `min_samples` and its [`Statistic`] breaks `max`/`min` | `Fail` |
//! | canary or baseline has no sample, `must_have_data` | `Fail` |
//! | canary or baseline has no sample | `NoData` (not scored) |
//! | canary or baseline has fewer than `min_samples` | `Inconclusive` |
//! | shift not computable (pairwise differences overflow `f64`) | `Inconclusive` |
//! | rank test not significant (`p ≥ alpha`) | `Pass` |
//! | significant, Hodges-Lehmann shift within the tolerance band | `Pass` |
//! | significant, shift beyond the band on the bad side, whole interval beyond it | `Fail` |
//! | significant, shift beyond the band, interval reaches into it | `Marginal` |
//!
//! The rank test is Mann-Whitney U of canary against baseline, one-sided
//! towards the bad direction (`Increase` → canary greater, `Decrease` →
//! canary less, `Either` → two-sided). The band is `±tolerance ×
//! |baseline median|` around zero shift; the interval is the
//! `1 − alpha` Hodges-Lehmann interval.
//!
//! # Score and verdict ([`judge`], [`combine`])
//!
//! Credit per metric: `Pass` 1, `Marginal` ½, `Fail` 0; `NoData` and
//! `Inconclusive` are not scored. A group's score is the weighted mean
//! credit of its scored metrics (metric `weight`), ×100; the overall score
//! is the mean of group scores weighted by group weight (from
//! [`JudgeConfig::group_weights`], default 1; metrics without a group share
//! the group `"default"`). So a group of ten metrics and a group of one
//! weigh the same unless configured otherwise.
//!
//! Verdict, first match: any critical metric `Fail` → `Rollback`; nothing
//! scored → `Hold` (inconclusive); score < `marginal` (default 75) →
//! `Rollback`; any metric `Inconclusive` → `Hold`; a critical metric
//! `Marginal` → `Hold`; score < `pass` (default 90) → `Hold`; else
//! `Promote`.

use super::explain::{num, p_value, percent, signed};
use super::shift::{ShiftEstimate, hodges_lehmann_sorted};
use super::stats::{
    Alternative, finite_sorted, mann_whitney_sorted, mean, median_sorted, quantile_sorted,
};
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

    fn change(self) -> &'static str {
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

    fn name(self) -> &'static str {
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

    fn weight(&self) -> f64 {
        if self.weight.is_finite() && self.weight > 0.0 {
            self.weight
        } else {
            0.0
        }
    }

    fn tolerance(&self) -> f64 {
        if self.tolerance.is_finite() && self.tolerance > 0.0 {
            self.tolerance
        } else {
            0.0
        }
    }

    fn alpha(&self) -> f64 {
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
    fn group_weight(&self, group: &str) -> f64 {
        match self.group_weights.get(group) {
            Some(&w) if w.is_finite() && w > 0.0 => w,
            Some(_) => 0.0,
            None => 1.0,
        }
    }
}

/// One metric's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    /// Counts half in the score.
    Marginal,
    Fail,
    /// No data and not `must_have_data`: not scored.
    NoData,
    /// Some data but too little to decide: not scored, blocks `Promote`.
    Inconclusive,
}

impl Outcome {
    /// Share of the metric's weight credited to the score; `None` when the
    /// metric is not scored.
    pub fn credit(self) -> Option<f64> {
        match self {
            Outcome::Pass => Some(1.0),
            Outcome::Marginal => Some(0.5),
            Outcome::Fail => Some(0.0),
            Outcome::NoData | Outcome::Inconclusive => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Marginal => "MARGINAL",
            Outcome::Fail => "FAIL",
            Outcome::NoData => "NO DATA (not scored)",
            Outcome::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// An absolute limit checked on the canary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AbsoluteCheck {
    pub statistic: Statistic,
    /// The canary statistic.
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    pub violated: bool,
}

/// The judgement of one metric, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricJudgement {
    pub name: String,
    pub group: String,
    pub direction: Direction,
    pub critical: bool,
    /// Effective weight within the group (invalid weights count as 0).
    pub weight: f64,
    pub outcome: Outcome,
    /// Finite samples used, per side.
    pub canary_n: usize,
    pub baseline_n: usize,
    /// NaN/±inf samples dropped, both sides together.
    pub dropped_non_finite: usize,
    pub canary_median: Option<f64>,
    pub baseline_median: Option<f64>,
    /// canary median ÷ baseline median (none when the baseline median is 0).
    pub ratio: Option<f64>,
    /// Hodges-Lehmann shift canary − baseline and its `1 − alpha` interval.
    pub shift: Option<ShiftEstimate>,
    /// Shift estimate ÷ |baseline median|.
    pub relative_shift: Option<f64>,
    /// p-value of the rank test in the bad direction.
    pub p_value: Option<f64>,
    pub absolute: Option<AbsoluteCheck>,
    /// The sentence that decided the outcome.
    pub rule: String,
}

/// Score of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    pub name: String,
    pub weight: f64,
    /// 0–100; `None` when no metric of the group was scored.
    pub score: Option<f64>,
}

/// What to do with the canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Promote,
    /// Marginal score or inconclusive: keep the canary running, look again.
    Hold,
    Rollback,
}

/// The judgement of a whole canary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub verdict: Verdict,
    /// 0–100; `None` when no metric was scored.
    pub score: Option<f64>,
    pub thresholds: Thresholds,
    pub groups: Vec<GroupScore>,
    pub metrics: Vec<MetricJudgement>,
    /// One line: the verdict and why.
    pub summary: String,
}

/// One metric's spec and samples, as handed to [`judge`].
#[derive(Debug, Clone, Copy)]
pub struct MetricData<'a> {
    pub spec: &'a MetricSpec,
    pub canary: &'a [f64],
    pub baseline: &'a [f64],
}

/// Judges every metric and combines them into a verdict.
pub fn judge(metrics: &[MetricData<'_>], config: &JudgeConfig) -> Judgement {
    let judged = metrics
        .iter()
        .map(|m| judge_metric(m.spec, m.canary, m.baseline))
        .collect();
    combine(judged, config)
}

/// Judges one metric, canary against baseline over the same window. See the
/// module docs for the rules, in order.
pub fn judge_metric(spec: &MetricSpec, canary: &[f64], baseline: &[f64]) -> MetricJudgement {
    let (c, c_dropped) = finite_sorted(canary);
    let (b, b_dropped) = finite_sorted(baseline);
    let alpha = spec.alpha();
    let min_samples = spec.min_samples.max(1);
    let canary_median = median_sorted(&c);
    let baseline_median = median_sorted(&b);
    let ratio = match (canary_median, baseline_median) {
        (Some(cm), Some(bm)) if bm != 0.0 => Some(cm / bm).filter(|r| r.is_finite()),
        _ => None,
    };
    let enough = c.len() >= min_samples && b.len() >= min_samples;
    let test = enough
        .then(|| mann_whitney_sorted(&c, &b, spec.direction.alternative()))
        .flatten();
    let shift = enough
        .then(|| hodges_lehmann_sorted(&c, &b, 1.0 - alpha))
        .flatten();
    let relative_shift = match (shift, baseline_median) {
        (Some(s), Some(bm)) if bm != 0.0 => Some(s.estimate / bm.abs()).filter(|r| r.is_finite()),
        (Some(s), Some(_)) if s.estimate == 0.0 => Some(0.0),
        _ => None,
    };
    let absolute = absolute_check(spec, &c, min_samples);

    let facts = Facts {
        spec,
        tolerance: spec.tolerance(),
        alpha,
        baseline_median,
        shift,
        relative_shift,
        p_value: test.map(|t| t.p_value),
    };
    let statistical = facts.statistical();
    let (outcome, clause) = if let Some(check) = absolute.filter(|a| a.violated) {
        let mut clause = absolute_words(&check);
        if let Some((o, _)) = &statistical {
            clause.push_str(&format!(" (the rank test alone: {})", o.word()));
        }
        (Outcome::Fail, clause)
    } else if c.is_empty() || b.is_empty() {
        let side = match (c.is_empty(), b.is_empty()) {
            (true, true) => "no samples on either side",
            (true, false) => "no canary samples",
            _ => "no baseline samples",
        };
        if spec.must_have_data {
            (
                Outcome::Fail,
                format!("{side} and the metric must have data"),
            )
        } else {
            (Outcome::NoData, side.to_owned())
        }
    } else if !enough {
        let clause = format!(
            "too little data (canary {}, baseline {} samples; {} needed on each side)",
            c.len(),
            b.len(),
            min_samples
        );
        (Outcome::Inconclusive, clause)
    } else if let Some((o, clause)) = statistical {
        (o, clause)
    } else {
        let clause = "the shift cannot be estimated (pairwise differences overflow)".to_owned();
        (Outcome::Inconclusive, clause)
    };

    let mut rule = format!(
        "{}: {}; {}",
        spec.name,
        comparison(canary_median, baseline_median, ratio),
        clause
    );
    if let Some(check) = absolute.filter(|a| !a.violated) {
        rule.push_str(&format!("; {}", absolute_words(&check)));
    }
    rule.push_str(&format!(" → {}", outcome.word()));
    if spec.critical && matches!(outcome, Outcome::Fail | Outcome::Marginal) {
        rule.push_str(" (critical)");
    }
    let dropped = c_dropped + b_dropped;
    if dropped > 0 {
        rule.push_str(&format!(
            ". Ignored {dropped} non-finite sample{} (canary {c_dropped}, baseline {b_dropped})",
            if dropped == 1 { "" } else { "s" }
        ));
    }

    MetricJudgement {
        name: spec.name.clone(),
        group: spec
            .group
            .clone()
            .unwrap_or_else(|| DEFAULT_GROUP.to_owned()),
        direction: spec.direction,
        critical: spec.critical,
        weight: spec.weight(),
        outcome,
        canary_n: c.len(),
        baseline_n: b.len(),
        dropped_non_finite: dropped,
        canary_median,
        baseline_median,
        ratio,
        shift,
        relative_shift,
        p_value: test.map(|t| t.p_value),
        absolute,
        rule,
    }
}

/// The canary statistic against `max`/`min`, once the canary has enough
/// samples for the statistic to mean something.
fn absolute_check(spec: &MetricSpec, canary: &[f64], min_samples: usize) -> Option<AbsoluteCheck> {
    let (max, min) = (
        spec.max.filter(|v| v.is_finite()),
        spec.min.filter(|v| v.is_finite()),
    );
    if (max.is_none() && min.is_none()) || canary.len() < min_samples {
        return None;
    }
    let value = spec.statistic.of_sorted(canary)?;
    let violated = max.is_some_and(|m| value > m) || min.is_some_and(|m| value < m);
    Some(AbsoluteCheck {
        statistic: spec.statistic,
        value,
        max,
        min,
        violated,
    })
}

fn absolute_words(check: &AbsoluteCheck) -> String {
    let what = format!("canary {} {}", check.statistic.name(), num(check.value));
    let limits = match (check.min, check.max) {
        (Some(lo), Some(hi)) => format!("[min {}, max {}]", num(lo), num(hi)),
        (Some(lo), None) => format!("min {}", num(lo)),
        (None, Some(hi)) => format!("max {}", num(hi)),
        (None, None) => "no limit".to_owned(),
    };
    if !check.violated {
        return format!("{what} is within the absolute limit {limits}");
    }
    let broken = match (check.min, check.max) {
        (_, Some(hi)) if check.value > hi => format!("is above the absolute max {}", num(hi)),
        (Some(lo), _) => format!("is below the absolute min {}", num(lo)),
        _ => format!("breaks the absolute limit {limits}"),
    };
    format!("{what} {broken}")
}

fn comparison(canary: Option<f64>, baseline: Option<f64>, ratio: Option<f64>) -> String {
    match (canary, baseline, ratio) {
        (Some(c), Some(b), Some(r)) => {
            format!(
                "canary median {} is {}× baseline {}",
                num(c),
                num(r),
                num(b)
            )
        }
        (Some(c), Some(b), None) => format!("canary median {} vs baseline {}", num(c), num(b)),
        (Some(c), None, _) => format!("canary median {}, no baseline data", num(c)),
        (None, Some(b), _) => format!("no canary data, baseline median {}", num(b)),
        (None, None, _) => "no data".to_owned(),
    }
}

/// What the statistical part of a metric's judgement rests on.
struct Facts<'a> {
    spec: &'a MetricSpec,
    tolerance: f64,
    alpha: f64,
    baseline_median: Option<f64>,
    shift: Option<ShiftEstimate>,
    relative_shift: Option<f64>,
    p_value: Option<f64>,
}

/// Which side of the tolerance band a shift lies beyond.
#[derive(Clone, Copy)]
enum Side {
    Above,
    Below,
}

impl Facts<'_> {
    /// Outcome and clause of the rank test + tolerance band + interval, or
    /// `None` when there is no test or no shift to judge.
    fn statistical(&self) -> Option<(Outcome, String)> {
        let p = self.p_value?;
        let shift = self.shift?;
        let band = self.tolerance * self.baseline_median?.abs();
        let direction = self.spec.direction;
        let side = match direction {
            Direction::Increase => (shift.estimate > band).then_some(Side::Above),
            Direction::Decrease => (shift.estimate < -band).then_some(Side::Below),
            Direction::Either if shift.estimate > band => Some(Side::Above),
            Direction::Either if shift.estimate < -band => Some(Side::Below),
            Direction::Either => None,
        };
        let tol = percent(self.tolerance);
        let band_words = match direction {
            Direction::Increase => format!("+{tol}"),
            Direction::Decrease => format!("-{tol}"),
            Direction::Either => format!("±{tol}"),
        };
        let mut shift_words = format!(
            "shift {} [{}, {}]",
            signed(shift.estimate),
            signed(shift.low),
            signed(shift.high)
        );
        if let Some(r) = self.relative_shift {
            shift_words.push_str(&format!(" ({} of baseline)", signed_percent(r)));
        } else if self.baseline_median == Some(0.0) {
            shift_words.push_str(" (baseline median is 0: the band is empty)");
        }
        let p_words = p_value(p);
        let bad = format!("{} is bad", direction.change());
        let significant = p < self.alpha;
        let Some(side) = side.filter(|_| significant) else {
            let clause = if significant {
                format!(
                    "{shift_words} is significant (p={p_words}) but within the {band_words} tolerance"
                )
            } else {
                format!(
                    "{shift_words} shows no significant {} (p={p_words}, alpha {})",
                    direction.change(),
                    num(self.alpha)
                )
            };
            return Some((Outcome::Pass, clause));
        };
        let (beyond, interval_beyond) = match side {
            Side::Above => (format!("above the +{tol} tolerance"), shift.low > band),
            Side::Below => (format!("below the -{tol} tolerance"), shift.high < -band),
        };
        if interval_beyond {
            let clause = format!("{shift_words} is {beyond} and significant (p={p_words}) — {bad}");
            Some((Outcome::Fail, clause))
        } else {
            let clause = format!(
                "{shift_words} is {beyond} and significant (p={p_words}), but its {} interval reaches into the band — {bad}",
                percent(shift.confidence)
            );
            Some((Outcome::Marginal, clause))
        }
    }
}

/// Weighted mean of `(weight, value)` pairs, ignoring zero weights; `None`
/// when no weight is positive. Weights are scaled by the largest first so
/// that huge (finite) weights cannot overflow into inf/inf = NaN.
fn weighted_mean(items: &[(f64, f64)]) -> Option<f64> {
    let top = items.iter().map(|(w, _)| *w).fold(0.0, f64::max);
    if !(top > 0.0 && top.is_finite()) {
        return None;
    }
    let (sum, total) = items
        .iter()
        .map(|(w, v)| (w / top, *v))
        .fold((0.0, 0.0), |(s, t), (w, v)| (s + w * v, t + w));
    Some(sum / total)
}

fn signed_percent(r: f64) -> String {
    if r > 0.0 {
        format!("+{}", percent(r))
    } else {
        percent(r)
    }
}

/// Combines per-metric judgements into a score and a verdict (see the
/// module docs). Useful on its own when metrics are judged separately.
pub fn combine(metrics: Vec<MetricJudgement>, config: &JudgeConfig) -> Judgement {
    let thresholds = config.thresholds.sanitized();
    // Per group, in order of first appearance: the (weight, credit) of its
    // scored metrics.
    let mut scored: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for m in &metrics {
        let idx = match scored.iter().position(|(g, _)| *g == m.group) {
            Some(i) => i,
            None => {
                scored.push((m.group.clone(), Vec::new()));
                scored.len() - 1
            }
        };
        if let Some(credit) = m.outcome.credit() {
            scored[idx].1.push((m.weight, credit));
        }
    }
    let groups: Vec<GroupScore> = scored
        .into_iter()
        .map(|(name, items)| GroupScore {
            weight: config.group_weight(&name),
            score: weighted_mean(&items).map(|s| 100.0 * s),
            name,
        })
        .collect();
    let by_group: Vec<(f64, f64)> = groups
        .iter()
        .filter_map(|g| g.score.map(|s| (g.weight, s)))
        .collect();
    let score = weighted_mean(&by_group);

    let names = |pred: &dyn Fn(&MetricJudgement) -> bool| -> Vec<&str> {
        metrics
            .iter()
            .filter(|m| pred(m))
            .map(|m| m.name.as_str())
            .collect()
    };
    let critical_failed = names(&|m| m.critical && m.outcome == Outcome::Fail);
    let critical_marginal = names(&|m| m.critical && m.outcome == Outcome::Marginal);
    let inconclusive = names(&|m| m.outcome == Outcome::Inconclusive);
    let failed = names(&|m| m.outcome == Outcome::Fail);
    let score_words = |s: f64| format!("score {}/100", num(s));

    let (verdict, summary) = match score {
        _ if !critical_failed.is_empty() => (
            Verdict::Rollback,
            format!(
                "ROLLBACK — critical metric {} failed{}",
                critical_failed.join(", "),
                score
                    .map(|s| format!(" ({})", score_words(s)))
                    .unwrap_or_default()
            ),
        ),
        None => {
            let why = if inconclusive.is_empty() {
                "no metric has data".to_owned()
            } else {
                format!("too little data for {}", inconclusive.join(", "))
            };
            (Verdict::Hold, format!("HOLD — inconclusive: {why}"))
        }
        Some(s) if s < thresholds.marginal => (
            Verdict::Rollback,
            format!(
                "ROLLBACK — {} is below the marginal threshold {}; failing: {}",
                score_words(s),
                num(thresholds.marginal),
                if failed.is_empty() {
                    "none".to_owned()
                } else {
                    failed.join(", ")
                }
            ),
        ),
        Some(s) if !inconclusive.is_empty() => (
            Verdict::Hold,
            format!(
                "HOLD — {}, but inconclusive (too little data): {}",
                score_words(s),
                inconclusive.join(", ")
            ),
        ),
        Some(s) if !critical_marginal.is_empty() => (
            Verdict::Hold,
            format!(
                "HOLD — critical metric {} is marginal ({})",
                critical_marginal.join(", "),
                score_words(s)
            ),
        ),
        Some(s) if s < thresholds.pass => (
            Verdict::Hold,
            format!(
                "HOLD — {} is marginal (pass ≥ {}, marginal ≥ {})",
                score_words(s),
                num(thresholds.pass),
                num(thresholds.marginal)
            ),
        ),
        Some(s) => (
            Verdict::Promote,
            format!(
                "PROMOTE — {} meets the pass threshold {}",
                score_words(s),
                num(thresholds.pass)
            ),
        ),
    };
    Judgement {
        verdict,
        score,
        thresholds,
        groups,
        metrics,
        summary,
    }
}
