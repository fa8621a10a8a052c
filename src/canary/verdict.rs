//! Score and verdict of a canary (DESIGN §7) from per-metric judgements.
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

use super::explain::num;
use super::judge::{MetricJudgement, Outcome, judge_metric};
use super::spec::{JudgeConfig, MetricSpec, Thresholds};
use serde::{Deserialize, Serialize};

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

impl Verdict {
    /// The verdict as recorded in events: `promote`, `hold` or `rollback`.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Promote => "promote",
            Verdict::Hold => "hold",
            Verdict::Rollback => "rollback",
        }
    }

    /// The verdict as people read it: `PROMOTE`, `HOLD`, `ROLL BACK`.
    pub fn shout(self) -> &'static str {
        match self {
            Verdict::Promote => "PROMOTE",
            Verdict::Hold => "HOLD",
            Verdict::Rollback => "ROLL BACK",
        }
    }

    /// A recorded verdict word; `None` for any other text (a journal from
    /// elsewhere may hold anything).
    pub fn parse(word: &str) -> Option<Verdict> {
        [Verdict::Promote, Verdict::Hold, Verdict::Rollback]
            .into_iter()
            .find(|v| v.word() == word)
    }
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
