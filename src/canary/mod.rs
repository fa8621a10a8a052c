//! Canary analysis: metric sources, the judge, the canary plan.
//!
//! The judge is pure: [`verdict::judge`] takes specs and samples and
//! returns a serialisable [`verdict::Judgement`]. [`spec`] holds what it is
//! told, [`mod@judge`] the per-metric rules, [`verdict`] the score and verdict;
//! its statistics live in [`stats`] (Mann-Whitney U, normal tail) and
//! [`shift`] (Hodges-Lehmann shift and interval); [`explain`] formats
//! numbers for the plain-words rules.
//!
//! Around the judge: [`config`] is the typed `[canary]` section;
//! [`source`] the trait behind [`prometheus`], [`command_source`] and
//! [`sim`], which [`connect`] makes from the configuration;
//! [`snapshot`] fetches, judges and keeps a [`snapshot::CanarySnapshot`] for the
//! screen and the record; [`plan`] says what to do next (set a weight,
//! wait, get a Promote, roll back); [`ops`] holds what the CLI and the
//! cockpit share around a session's canary (its step, its plan, the events
//! of weight changes and canary commands); [`job`] is a weight change or
//! a rollback as the session records it (check, start, run, end, weight)
//! and [`job::auto_rollback_due`] the one rule for rolling back without
//! asking. [`process`] runs their shell commands through `crate::exec`,
//! keeping the output whole for parsing.

pub mod command_source;
pub mod config;
pub mod connect;
pub mod explain;
pub mod job;
pub mod judge;
pub mod ops;
pub mod plan;
pub mod process;
pub mod prometheus;
pub mod shift;
pub mod sim;
pub mod snapshot;
pub mod source;
pub mod spec;
pub mod stats;
pub mod verdict;

pub use config::{CanaryConfig, MetricConfig, SourceKind, Strategy};
pub use judge::{AbsoluteCheck, MetricJudgement, Outcome, judge_metric};
pub use plan::{CanaryPlan, PlanAction, next_action, set_weight_command};
pub use shift::{ShiftEstimate, hodges_lehmann};
pub use snapshot::{CanarySnapshot, MetricSeries, judge_now};
pub use source::{MetricSamples, MetricSource, SourceError, Window};
pub use spec::{DEFAULT_GROUP, Direction, JudgeConfig, MetricSpec, Statistic, Thresholds};
pub use stats::{Alternative, MannWhitney, mann_whitney_u};
pub use verdict::{GroupScore, Judgement, MetricData, Verdict, combine, judge};
