//! The canary plan: weight steps, how long each is watched, and what to do
//! next given what the session has recorded. Pure: time comes in as an
//! argument and the session's canary state is only read.
//!
//! # The next action ([`next_action`]), first match
//!
//! 1. No weight set yet → set the first step's weight.
//! 2. Weight 0 after a higher one → rolled back; nothing more to do.
//! 3. The latest verdict since the weight was set is `rollback` → propose
//!    the rollback (run it at once when `auto_rollback`).
//! 4. The weight is the last step's (or above) → done.
//! 5. The step's observation time has not passed → wait until it has.
//! 6. A `promote` judged after the observation time → set the next weight.
//! 7. Otherwise → a promote is needed first (the latest verdict, if any,
//!    says why not).
//!
//! The plan is stricter than the session's rule (a Promote at the current
//! weight, or an override reason): it wants the Promote judged after the
//! observation time, so the data judged is mostly at the new weight.
//!
//! Blue/green is a plan of two steps: `preview` at weight 0 (the new stack
//! is up and judged on preview traffic, no live traffic), then `switch` to
//! 100.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use super::config::{CanaryConfig, Strategy};
use super::verdict::Verdict;
use crate::session::state::{CanaryState, Stamp};

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightStep {
    pub weight: u32,
    #[serde(with = "secs")]
    pub min_observation: Duration,
    /// "5%", or "preview"/"switch" for blue/green.
    pub label: String,
}

/// The plan a canary follows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanaryPlan {
    pub strategy: Strategy,
    pub steps: Vec<WeightStep>,
    pub auto_rollback: bool,
    /// What undoes the canary: the session's canary step's `rollback`,
    /// else `[canary] rollback`.
    pub rollback_command: Option<String>,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PlanAction {
    /// Setting this weight is allowed now.
    SetWeight { weight: u32, from: Option<u32> },
    /// Keep watching the current weight until then.
    Wait { weight: u32, until: Timestamp },
    /// The next weight needs a Promote judged after `since` (or an
    /// explicit override with a reason).
    NeedsPromote {
        weight: u32,
        next: u32,
        since: Option<Timestamp>,
        /// The latest verdict at this weight, if any.
        verdict: Option<String>,
    },
    /// The canary failed: undo it (behind one confirmation unless
    /// `automatic`).
    ProposeRollback {
        weight: u32,
        summary: String,
        command: Option<String>,
        automatic: bool,
    },
    /// The weight went back to 0 after being higher.
    RolledBack,
    /// The last step is reached.
    Done { weight: u32 },
}

impl CanaryPlan {
    /// The plan `[canary]` describes (see [`CanaryConfig::weight_steps`]).
    pub fn from_config(config: &CanaryConfig) -> CanaryPlan {
        let steps = match config.strategy {
            Strategy::Canary => config
                .weight_steps()
                .into_iter()
                .map(|(weight, min_observation)| WeightStep {
                    weight,
                    min_observation,
                    label: format!("{weight}%"),
                })
                .collect(),
            Strategy::BlueGreen => vec![
                WeightStep {
                    weight: 0,
                    min_observation: config.min_observation(),
                    label: "preview".into(),
                },
                WeightStep {
                    weight: 100,
                    min_observation: Duration::ZERO,
                    label: "switch".into(),
                },
            ],
        };
        CanaryPlan {
            strategy: config.strategy,
            steps,
            auto_rollback: config.auto_rollback,
            rollback_command: config.rollback.clone(),
        }
    }

    /// The first step above `weight`.
    pub fn next_after(&self, weight: u32) -> Option<&WeightStep> {
        self.steps.iter().find(|s| s.weight > weight)
    }

    /// The step `weight` belongs to: the highest at or below it (a weight
    /// set by override between steps is watched like the step below).
    pub fn step_of(&self, weight: u32) -> Option<&WeightStep> {
        self.steps
            .iter()
            .rev()
            .find(|s| s.weight <= weight)
            .or(self.steps.first())
    }
}

fn parse_at(stamp: &Stamp) -> Option<Timestamp> {
    stamp.at.parse().ok()
}

/// What the canary should do next (see the module docs for the order).
/// A weight-set time that cannot be read counts as `now`: the plan waits
/// rather than skipping the observation.
pub fn next_action(plan: &CanaryPlan, state: &CanaryState, now: Timestamp) -> PlanAction {
    let (Some(weight), Some((set_by, _))) = (state.weight, state.weights.last()) else {
        return match plan.steps.first() {
            Some(s) => PlanAction::SetWeight {
                weight: s.weight,
                from: None,
            },
            None => PlanAction::Done { weight: 0 },
        };
    };
    if weight == 0 && state.weights.iter().any(|(_, w)| w.weight > 0) {
        return PlanAction::RolledBack;
    }
    // Judgements at this weight made after it was set, oldest first.
    let since_set: Vec<_> = state
        .judgements
        .iter()
        .filter(|(by, j)| by.lamport > set_by.lamport && j.weight.is_none_or(|w| w == weight))
        .collect();
    if let Some((_, j)) = since_set
        .last()
        .filter(|(_, j)| Verdict::parse(&j.verdict) == Some(Verdict::Rollback))
    {
        return PlanAction::ProposeRollback {
            weight,
            summary: j.summary.clone(),
            command: plan.rollback_command.clone(),
            automatic: plan.auto_rollback,
        };
    }
    let Some(next) = plan.next_after(weight) else {
        return PlanAction::Done { weight };
    };
    let observe = plan
        .step_of(weight)
        .map_or(Duration::ZERO, |s| s.min_observation);
    let set_at = parse_at(set_by).unwrap_or(now);
    let until = set_at.checked_add(observe).unwrap_or(Timestamp::MAX);
    if now < until {
        return PlanAction::Wait { weight, until };
    }
    let promoted = since_set
        .iter()
        .rev()
        .find(|(by, _)| parse_at(by).is_some_and(|at| at >= until));
    match promoted {
        Some((_, j)) if Verdict::parse(&j.verdict) == Some(Verdict::Promote) => {
            PlanAction::SetWeight {
                weight: next.weight,
                from: Some(weight),
            }
        }
        _ => PlanAction::NeedsPromote {
            weight,
            next: next.weight,
            since: (!observe.is_zero()).then_some(until),
            verdict: since_set.last().map(|(_, j)| j.verdict.clone()),
        },
    }
}

/// The `set_weight` command and its environment for `weight`, when one is
/// configured: `GREENLIGHT_CANARY_WEIGHT` (0–100) and
/// `GREENLIGHT_CANARY_STRATEGY` (`canary` or `blue-green`). Values go in
/// the environment, never into the shell line.
pub fn set_weight_command(
    config: &CanaryConfig,
    weight: u32,
) -> Option<(String, Vec<(String, String)>)> {
    let command = config.set_weight.as_deref()?.trim();
    if command.is_empty() {
        return None;
    }
    Some((
        command.to_owned(),
        vec![
            ("GREENLIGHT_CANARY_WEIGHT".to_owned(), weight.to_string()),
            (
                "GREENLIGHT_CANARY_STRATEGY".to_owned(),
                config.strategy.as_str().to_owned(),
            ),
        ],
    ))
}

/// Where a step of the plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// The weight went past it.
    Done,
    /// The weight is this step's.
    Current,
    Pending,
}

impl StepStatus {
    /// `done`, `current` or `pending`.
    pub fn word(self) -> &'static str {
        match self {
            StepStatus::Done => "done",
            StepStatus::Current => "current",
            StepStatus::Pending => "pending",
        }
    }
}

/// Where each step stands, for a progress view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepProgress {
    pub weight: u32,
    pub label: String,
    pub status: StepStatus,
    /// The latest verdict judged at this weight.
    pub verdict: Option<String>,
}

/// Each step of the plan: passed, current or to come, with its latest
/// verdict.
pub fn progress(plan: &CanaryPlan, state: &CanaryState) -> Vec<StepProgress> {
    let current = state.weight;
    plan.steps
        .iter()
        .map(|s| {
            let status = match current {
                Some(w) if w == s.weight => StepStatus::Current,
                Some(w) if w > s.weight => StepStatus::Done,
                _ => StepStatus::Pending,
            };
            let verdict = state
                .judgements
                .iter()
                .rev()
                .find(|(_, j)| j.weight == Some(s.weight))
                .map(|(_, j)| j.verdict.clone());
            StepProgress {
                weight: s.weight,
                label: s.label.clone(),
                status,
                verdict,
            }
        })
        .collect()
}

/// Durations as whole seconds in JSON.
mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::config::SourceKind;
    use crate::session::Who;
    use crate::session::payload::{CanaryJudged, CanaryWeightSet};
    use std::sync::Arc;

    fn t(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + minutes * 60).unwrap()
    }

    fn stamp(lamport: u64, at: Timestamp) -> Stamp {
        Stamp {
            who: Arc::new(Who {
                name: "Dana".into(),
                email: "dana@example.com".into(),
            }),
            actor: "dana/dev".into(),
            at: at.to_string().into(),
            lamport,
            on_device_of: None,
        }
    }

    /// Builds a canary state event by event, lamport going up.
    #[derive(Default)]
    struct History(CanaryState, u64);

    impl History {
        fn weight(mut self, w: u32, at: Timestamp) -> Self {
            self.1 += 1;
            let set = CanaryWeightSet {
                step: "canary".into(),
                weight: w,
                override_reason: None,
                rollback: false,
            };
            self.0.weight = Some(w);
            self.0.weights.push((stamp(self.1, at), set));
            self
        }
        fn judged(mut self, verdict: &str, at: Timestamp) -> Self {
            self.1 += 1;
            let j = CanaryJudged {
                step: Some("canary".into()),
                verdict: verdict.into(),
                score: None,
                weight: self.0.weight,
                summary: format!("{} — because", verdict.to_uppercase()),
                judgement: serde_json::Value::Null,
            };
            self.0.judgements.push((stamp(self.1, at), j));
            self
        }
    }

    fn plan() -> CanaryPlan {
        let mut c = CanaryConfig::new(SourceKind::Prometheus);
        c.min_observation = Some(crate::canary::config::Dur(Duration::from_secs(300)));
        c.rollback = Some("./deploy/rollback.sh".into());
        CanaryPlan::from_config(&c)
    }

    #[test]
    fn starts_at_the_first_weight() {
        assert_eq!(
            next_action(&plan(), &CanaryState::default(), t(0)),
            PlanAction::SetWeight {
                weight: 5,
                from: None
            }
        );
    }

    #[test]
    fn waits_for_the_observation_time_even_with_a_promote() {
        let h = History::default().weight(5, t(0)).judged("promote", t(1));
        assert_eq!(
            next_action(&plan(), &h.0, t(2)),
            PlanAction::Wait {
                weight: 5,
                until: t(5)
            }
        );
    }

    #[test]
    fn needs_a_promote_judged_after_the_observation_time() {
        let h = History::default().weight(5, t(0)).judged("promote", t(1));
        // The only promote came before the 5 minutes were up.
        assert_eq!(
            next_action(&plan(), &h.0, t(6)),
            PlanAction::NeedsPromote {
                weight: 5,
                next: 25,
                since: Some(t(5)),
                verdict: Some("promote".into())
            }
        );
        let h = h.judged("hold", t(6));
        assert!(matches!(
            next_action(&plan(), &h.0, t(7)),
            PlanAction::NeedsPromote { verdict: Some(v), .. } if v == "hold"
        ));
        let h = h.judged("promote", t(7));
        assert_eq!(
            next_action(&plan(), &h.0, t(7)),
            PlanAction::SetWeight {
                weight: 25,
                from: Some(5)
            }
        );
    }

    #[test]
    fn judgements_before_the_weight_was_set_do_not_count() {
        let h = History::default()
            .weight(5, t(0))
            .judged("promote", t(6))
            .weight(25, t(7));
        assert!(matches!(
            next_action(&plan(), &h.0, t(13)),
            PlanAction::NeedsPromote {
                weight: 25,
                next: 50,
                verdict: None,
                ..
            }
        ));
    }

    #[test]
    fn rollback_is_proposed_at_once_and_automatic_when_configured() {
        let h = History::default().weight(25, t(0)).judged("rollback", t(1));
        let mut p = plan();
        assert_eq!(
            next_action(&p, &h.0, t(1)),
            PlanAction::ProposeRollback {
                weight: 25,
                summary: "ROLLBACK — because".into(),
                command: Some("./deploy/rollback.sh".into()),
                automatic: false
            }
        );
        p.auto_rollback = true;
        assert!(matches!(
            next_action(&p, &h.0, t(1)),
            PlanAction::ProposeRollback {
                automatic: true,
                ..
            }
        ));
        let h = h.weight(0, t(2));
        assert_eq!(next_action(&p, &h.0, t(2)), PlanAction::RolledBack);
    }

    #[test]
    fn the_last_step_is_done() {
        let h = History::default().weight(100, t(0));
        assert_eq!(
            next_action(&plan(), &h.0, t(0)),
            PlanAction::Done { weight: 100 }
        );
    }

    #[test]
    fn per_step_observation_times() {
        let c: CanaryConfig = toml::from_str(
            r#"
source = "simulated"
min_observation = "10m"
[[steps]]
weight = 10
min_observation = "1m"
[[steps]]
weight = 100
"#,
        )
        .unwrap();
        let p = CanaryPlan::from_config(&c);
        assert_eq!(p.steps[0].min_observation, Duration::from_secs(60));
        assert_eq!(p.steps[1].min_observation, Duration::from_secs(600));
        let h = History::default().weight(10, t(0)).judged("promote", t(1));
        assert_eq!(
            next_action(&p, &h.0, t(1)),
            PlanAction::SetWeight {
                weight: 100,
                from: Some(10)
            }
        );
    }

    #[test]
    fn blue_green_previews_then_switches() {
        let mut c = CanaryConfig::new(SourceKind::Simulated);
        c.strategy = Strategy::BlueGreen;
        c.min_observation = Some(crate::canary::config::Dur(Duration::from_secs(120)));
        let p = CanaryPlan::from_config(&c);
        assert_eq!(
            p.steps
                .iter()
                .map(|s| (s.weight, s.label.as_str()))
                .collect::<Vec<_>>(),
            vec![(0, "preview"), (100, "switch")]
        );
        let s = CanaryState::default();
        assert_eq!(
            next_action(&p, &s, t(0)),
            PlanAction::SetWeight {
                weight: 0,
                from: None
            }
        );
        let h = History::default().weight(0, t(0));
        assert_eq!(
            next_action(&p, &h.0, t(1)),
            PlanAction::Wait {
                weight: 0,
                until: t(2)
            }
        );
        let h = h.judged("promote", t(2));
        assert_eq!(
            next_action(&p, &h.0, t(2)),
            PlanAction::SetWeight {
                weight: 100,
                from: Some(0)
            }
        );
        let h = h.weight(100, t(3));
        assert_eq!(
            next_action(&p, &h.0, t(3)),
            PlanAction::Done { weight: 100 }
        );
        let h = h.judged("rollback", t(4));
        assert!(matches!(
            next_action(&p, &h.0, t(4)),
            PlanAction::ProposeRollback { .. }
        ));
        let h = h.weight(0, t(5));
        assert_eq!(next_action(&p, &h.0, t(5)), PlanAction::RolledBack);
    }

    #[test]
    fn set_weight_goes_through_the_environment() {
        let mut c = CanaryConfig::new(SourceKind::Simulated);
        assert_eq!(set_weight_command(&c, 5), None);
        c.set_weight = Some("./deploy/set-weight.sh".into());
        let (cmd, env) = set_weight_command(&c, 25).unwrap();
        assert_eq!(cmd, "./deploy/set-weight.sh");
        assert_eq!(
            env,
            vec![
                ("GREENLIGHT_CANARY_WEIGHT".to_owned(), "25".to_owned()),
                ("GREENLIGHT_CANARY_STRATEGY".to_owned(), "canary".to_owned())
            ]
        );
    }

    #[test]
    fn progress_marks_steps() {
        let h = History::default()
            .weight(5, t(0))
            .judged("promote", t(6))
            .weight(25, t(7))
            .judged("hold", t(8));
        let p = progress(&plan(), &h.0);
        let view: Vec<_> = p
            .iter()
            .map(|s| (s.weight, s.status.word(), s.verdict.as_deref()))
            .collect();
        assert_eq!(
            view,
            vec![
                (5, "done", Some("promote")),
                (25, "current", Some("hold")),
                (50, "pending", None),
                (100, "pending", None)
            ]
        );
    }
}
