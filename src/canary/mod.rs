//! Canary analysis: metric sources, the judge, the canary plan.
//!
//! The judge is pure: [`judge::judge`] takes samples and specs and returns
//! a serialisable [`judge::Judgement`]. Its statistics live in [`stats`]
//! (Mann-Whitney U, normal tail) and [`shift`] (Hodges-Lehmann shift and
//! interval); [`explain`] formats numbers for the plain-words rules.

pub mod explain;
pub mod judge;
pub mod shift;
pub mod stats;

pub use judge::{
    AbsoluteCheck, Direction, GroupScore, JudgeConfig, Judgement, MetricData, MetricJudgement,
    MetricSpec, Outcome, Statistic, Thresholds, Verdict, combine, judge, judge_metric,
};
pub use shift::{ShiftEstimate, hodges_lehmann};
pub use stats::{Alternative, MannWhitney, mann_whitney_u};
