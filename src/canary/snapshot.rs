//! One judgement run: fetch every metric from the source, judge them, and
//! keep what a person (or a chart) needs to see why.
//!
//! A metric whose fetch failed is judged as having no data, its rule names
//! the error, and the verdict says so. A failed fetch never lets the
//! canary be promoted: a Promote from the metrics that did answer becomes
//! a Hold ("we cannot promote what we could not see"); Hold and Roll back
//! stand, with the failure added to the summary.

use serde::{Deserialize, Serialize};

use super::config::{CanaryConfig, MetricConfig};
use super::judge::{MetricJudgement, judge_metric};
use super::source::{MetricSamples, MetricSource, Point, SourceError, Window};
use super::spec::JudgeConfig;
use super::verdict::{Judgement, Verdict, combine};
use crate::session::Payload;
use crate::session::payload::CanaryJudged;

/// The samples of one metric, for charts of canary against baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    pub name: String,
    /// `(unix seconds, value)`, oldest first.
    pub canary: Vec<Point>,
    pub baseline: Vec<Point>,
    /// How the samples were made (e.g. "canary: 3 series concatenated").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why there are no samples, when the source failed for this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Everything one judgement saw and decided, owned, for the screen and the
/// record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanarySnapshot {
    pub at: jiff::Timestamp,
    /// The canary's traffic weight when judged, if known.
    pub weight: Option<u32>,
    /// Where the samples came from ("prometheus at http://…").
    pub source: String,
    pub window_start: f64,
    pub window_end: f64,
    pub judgement: Judgement,
    pub series: Vec<MetricSeries>,
    /// The whole source failed (no metric has fresh samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The series are an earlier snapshot's, kept on screen because this
    /// fetch failed (see [`CanarySnapshot::carry_forward`]).
    #[serde(default)]
    pub stale: bool,
}

impl CanarySnapshot {
    /// The `canary_judged` event of this judgement, for the canary step
    /// `step` of the session.
    pub fn payload(&self, step: Option<String>) -> Payload {
        Payload::CanaryJudged(CanaryJudged {
            step,
            verdict: self.judgement.verdict.word().to_owned(),
            score: self.judgement.score,
            weight: self.weight,
            summary: self.judgement.summary.clone(),
            // A Judgement is plain data (finite numbers, strings): it
            // always serialises; Null is the harmless fallback.
            judgement: serde_json::to_value(&self.judgement).unwrap_or_default(),
        })
    }

    /// When the whole fetch failed, keep showing `previous`'s series,
    /// marked stale, so charts do not go blank on a network blip.
    pub fn carry_forward(mut self, previous: &CanarySnapshot) -> CanarySnapshot {
        if self.error.is_some() {
            self.series = previous.series.clone();
            self.stale = true;
        }
        self
    }

    pub fn metric(&self, name: &str) -> Option<(&MetricJudgement, Option<&MetricSeries>)> {
        let j = self.judgement.metrics.iter().find(|m| m.name == name)?;
        Some((j, self.series.iter().find(|s| s.name == name)))
    }
}

/// Fetches and judges now: the judgement of `config`'s metrics from
/// `source` over the window ending at `now`.
pub fn judge_now(
    source: &mut dyn MetricSource,
    config: &CanaryConfig,
    now: jiff::Timestamp,
    weight: Option<u32>,
) -> CanarySnapshot {
    let metrics = config.effective_metrics();
    let window = Window::for_config(config, now);
    let fetched = source.fetch(&metrics, &window);
    let (judgement, series, error) = judge_fetched(&metrics, fetched, &config.judge_config());
    CanarySnapshot {
        at: now,
        weight,
        source: source.describe(),
        window_start: window.start,
        window_end: window.end,
        judgement,
        series,
        error,
        stale: false,
    }
}

/// Judges what a source returned (pure): the judgement, the series for
/// charts, and the error of the whole source if it failed.
pub fn judge_fetched(
    metrics: &[MetricConfig],
    fetched: Result<Vec<Result<MetricSamples, SourceError>>, SourceError>,
    config: &JudgeConfig,
) -> (Judgement, Vec<MetricSeries>, Option<String>) {
    let (results, whole): (Vec<Result<MetricSamples, String>>, Option<String>) = match fetched {
        Ok(r) => (
            r.into_iter()
                .map(|x| x.map_err(|e| e.to_string()))
                .collect(),
            None,
        ),
        Err(e) => {
            let text = e.to_string();
            (
                metrics.iter().map(|_| Err(text.clone())).collect(),
                Some(text),
            )
        }
    };
    let mut judged = Vec::with_capacity(metrics.len());
    let mut series = Vec::with_capacity(metrics.len());
    let mut failed: Vec<(&str, String)> = Vec::new();
    // A source that returned fewer results than metrics left the rest
    // unanswered: that is a failure for them, not a panic.
    let mut results = results.into_iter();
    for m in metrics {
        let spec = m.spec();
        let result = results
            .next()
            .unwrap_or_else(|| Err("the source returned nothing for this metric".to_owned()));
        match result {
            Ok(samples) => {
                let mut j =
                    judge_metric(&spec, &samples.canary_values(), &samples.baseline_values());
                if !samples.notes.is_empty() {
                    j.rule.push_str(&format!(" [{}]", samples.notes.join("; ")));
                }
                judged.push(j);
                series.push(MetricSeries {
                    name: m.name.clone(),
                    canary: samples.canary,
                    baseline: samples.baseline,
                    notes: samples.notes,
                    error: None,
                });
            }
            Err(e) => {
                let mut j = judge_metric(&spec, &[], &[]);
                j.rule = format!("{}: the source failed: {e} → {}", m.name, j.outcome.word());
                if j.critical && j.outcome == super::judge::Outcome::Fail {
                    j.rule.push_str(" (critical)");
                }
                judged.push(j);
                series.push(MetricSeries {
                    name: m.name.clone(),
                    canary: Vec::new(),
                    baseline: Vec::new(),
                    notes: Vec::new(),
                    error: Some(e.clone()),
                });
                failed.push((&m.name, e));
            }
        }
    }
    let mut judgement = combine(judged, config);
    if !failed.is_empty() {
        let what = match &whole {
            Some(e) => format!("no data: {e}"),
            None => {
                let names: Vec<&str> = failed.iter().map(|f| f.0).collect();
                let mut errors: Vec<&str> = failed.iter().map(|f| f.1.as_str()).collect();
                errors.dedup();
                format!(
                    "the source failed for {}: {}",
                    names.join(", "),
                    errors.join("; ")
                )
            }
        };
        if judgement.verdict == Verdict::Promote {
            judgement.verdict = Verdict::Hold;
            judgement.summary = format!(
                "HOLD — {what} (the metrics with data alone would promote{})",
                judgement
                    .score
                    .map(|s| format!(", score {}/100", super::explain::num(s)))
                    .unwrap_or_default()
            );
        } else if whole.is_some() && judgement.verdict == Verdict::Hold {
            judgement.summary = format!("HOLD — {what}");
        } else {
            judgement.summary.push_str(&format!("; {what}"));
        }
    }
    (judgement, series, whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::config::SourceKind;
    use crate::canary::judge::Outcome;
    use crate::canary::sim::SimulatedSource;
    use crate::canary::spec::Direction;

    fn now() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_700_000_000).unwrap()
    }

    fn sim_config() -> CanaryConfig {
        CanaryConfig::new(SourceKind::Simulated)
    }

    #[test]
    fn healthy_sim_promotes_and_the_regression_rolls_back_naming_the_metric() {
        let config = sim_config();
        let mut sim = SimulatedSource::new(42);
        let healthy = judge_now(&mut sim, &config, now(), Some(25));
        assert_eq!(
            healthy.judgement.verdict,
            Verdict::Promote,
            "{}",
            healthy.judgement.summary
        );
        assert_eq!(healthy.series.len(), 3);
        assert_eq!(healthy.series[0].canary.len(), 61);

        sim.set_regression(true);
        // One interval later.
        let later = now().checked_add(config.interval()).unwrap();
        let bad = judge_now(&mut sim, &config, later, Some(25));
        assert_eq!(
            bad.judgement.verdict,
            Verdict::Rollback,
            "{}",
            bad.judgement.summary
        );
        assert!(
            bad.judgement
                .summary
                .contains("critical metric error rate failed"),
            "{}",
            bad.judgement.summary
        );
        let (errors, _) = bad.metric("error rate").unwrap();
        assert_eq!(errors.outcome, Outcome::Fail);
        assert!(
            errors.rule.contains("is above the absolute max 0.01"),
            "{}",
            errors.rule
        );
    }

    #[test]
    fn many_seeds_and_times_stay_healthy() {
        // The demo must not cry wolf: a healthy simulated canary promotes.
        let config = sim_config();
        for seed in 0..40 {
            let mut sim = SimulatedSource::new(seed);
            let at = now()
                .checked_add(jiff::SignedDuration::from_secs(seed as i64 * 977))
                .unwrap();
            let s = judge_now(&mut sim, &config, at, None);
            assert_eq!(
                s.judgement.verdict,
                Verdict::Promote,
                "seed {seed}: {}",
                s.judgement.summary
            );
        }
    }

    #[test]
    fn the_payload_carries_the_verdict_word_and_the_whole_judgement() {
        let mut sim = SimulatedSource::new(1);
        let s = judge_now(&mut sim, &sim_config(), now(), Some(5));
        let Payload::CanaryJudged(p) = s.payload(Some("canary".into())) else {
            panic!("wrong payload");
        };
        assert_eq!(p.verdict, "promote");
        assert_eq!(p.weight, Some(5));
        assert_eq!(p.judgement["metrics"].as_array().map(|m| m.len()), Some(3));
        assert_eq!(p.summary, s.judgement.summary);
    }

    fn samples(c: &[f64], b: &[f64]) -> MetricSamples {
        MetricSamples {
            canary: c.iter().enumerate().map(|(i, v)| (i as f64, *v)).collect(),
            baseline: b.iter().enumerate().map(|(i, v)| (i as f64, *v)).collect(),
            notes: vec!["canary: 2 series concatenated".into()],
        }
    }

    #[test]
    fn a_failed_metric_blocks_promote_and_is_named() {
        let metrics = vec![
            crate::canary::config::MetricConfig::new("latency", Direction::Increase),
            crate::canary::config::MetricConfig::new("errors", Direction::Increase),
        ];
        let same: Vec<f64> = (0..20).map(|i| 100.0 + i as f64).collect();
        let fetched = Ok(vec![
            Ok(samples(&same, &same)),
            Err(SourceError::Api {
                status: Some(400),
                error_type: "bad_data".into(),
                error: "parse error".into(),
                query: "sum(".into(),
            }),
        ]);
        let (j, series, whole) = judge_fetched(&metrics, fetched, &JudgeConfig::default());
        assert!(whole.is_none());
        assert_eq!(j.verdict, Verdict::Hold);
        assert!(
            j.summary.starts_with("HOLD — the source failed for errors: Prometheus answered HTTP 400, bad_data: parse error (query: sum()"),
            "{}",
            j.summary
        );
        assert!(
            j.summary.contains("alone would promote, score 100/100"),
            "{}",
            j.summary
        );
        assert_eq!(j.metrics[1].outcome, Outcome::NoData);
        assert!(
            j.metrics[1]
                .rule
                .starts_with("errors: the source failed: Prometheus answered"),
            "{}",
            j.metrics[1].rule
        );
        assert!(
            j.metrics[0]
                .rule
                .ends_with("[canary: 2 series concatenated]"),
            "{}",
            j.metrics[0].rule
        );
        assert_eq!(
            series[1].error.as_deref().map(|e| e.contains("bad_data")),
            Some(true)
        );
    }

    #[test]
    fn a_failed_source_holds_with_its_error_and_keeps_old_series_stale() {
        let mut critical = crate::canary::config::MetricConfig::new("errors", Direction::Increase);
        critical.critical = true;
        critical.must_have_data = true;
        let metrics = vec![critical];
        let down = SourceError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            reason: "connection refused".into(),
        };
        let (j, _, whole) = judge_fetched(&metrics, Err(down), &JudgeConfig::default());
        // must_have_data on a critical metric: no data is a failure.
        assert_eq!(j.verdict, Verdict::Rollback);
        assert!(
            j.summary.ends_with(
                "; no data: cannot reach Prometheus at http://127.0.0.1:1: connection refused"
            ),
            "{}",
            j.summary
        );
        assert!(whole.is_some());

        let plain = vec![crate::canary::config::MetricConfig::new(
            "latency",
            Direction::Increase,
        )];
        let down = SourceError::Unreachable {
            url: "http://x".into(),
            reason: "host not found".into(),
        };
        let (j, _, _) = judge_fetched(&plain, Err(down), &JudgeConfig::default());
        assert_eq!(
            j.summary,
            "HOLD — no data: cannot reach Prometheus at http://x: host not found"
        );

        let mut sim = SimulatedSource::new(1);
        let good = judge_now(&mut sim, &sim_config(), now(), None);
        let mut failed = good.clone();
        failed.series.clear();
        failed.error = Some("down".into());
        let shown = failed.carry_forward(&good);
        assert!(shown.stale);
        assert_eq!(shown.series, good.series);
    }
}
