//! The canary judge (DESIGN §7), per metric: one outcome and the rule that
//! decided it, in plain words. [`super::verdict`] combines them.
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

use super::explain::{num, p_value, percent, signed};
use super::shift::{ShiftEstimate, hodges_lehmann_sorted};
use super::spec::{DEFAULT_GROUP, Direction, MetricSpec, Statistic};
use super::stats::{finite_sorted, mann_whitney_sorted, median_sorted};
use serde::{Deserialize, Serialize};

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

    pub(crate) fn word(self) -> &'static str {
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

fn signed_percent(r: f64) -> String {
    if r > 0.0 {
        format!("+{}", percent(r))
    } else {
        percent(r)
    }
}
