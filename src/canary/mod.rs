//! Canary analysis: metric sources, the judge, the canary plan.
//!
//! The judge is pure: [`verdict::judge`] takes specs and samples and
//! returns a serialisable [`verdict::Judgement`]. [`spec`] holds what it is
//! told, [`mod@judge`] the per-metric rules, [`verdict`] the score and verdict;
//! its statistics live in [`stats`] (Mann-Whitney U, normal tail) and
//! [`shift`] (Hodges-Lehmann shift and interval); [`explain`] formats
//! numbers for the plain-words rules.

pub mod explain;
pub mod judge;
pub mod shift;
pub mod spec;
pub mod stats;
pub mod verdict;

pub use judge::{AbsoluteCheck, MetricJudgement, Outcome, judge_metric};
pub use shift::{ShiftEstimate, hodges_lehmann};
pub use spec::{DEFAULT_GROUP, Direction, JudgeConfig, MetricSpec, Statistic, Thresholds};
pub use stats::{Alternative, MannWhitney, mann_whitney_u};
pub use verdict::{GroupScore, Judgement, MetricData, Verdict, combine, judge};
