//! Step commands: run a playbook step's command (or its rollback) with
//! `sh -c` in the repository root, in its own process group, with the
//! step's `GREENLIGHT_*` variables, a timeout, and cancellation that kills
//! the whole group (SIGTERM, then SIGKILL). Output streams to a sink as it
//! comes; the record keeps its digest, size and last lines.
//!
//! - [`runner`]: one process, start to end ([`run`], [`spawn`]).
//! - [`step`]: what a step's run or rollback records and does to the step
//!   ([`StepCommand`], [`run_step`]).
//! - [`to_logs`]: the output as a logs-pane source.
//! - [`signals`]: SIGINT, SIGTERM, SIGHUP and SIGQUIT caught before any
//!   command starts, so every way out stops the commands and records them.
//! - [`registry`]: the commands running now, so the next start closes
//!   what a greenlight that died left open.

pub mod group;
pub mod output;
pub mod pipes;
pub mod registry;
pub mod runner;
pub mod signals;
pub mod step;
pub mod to_logs;

pub use pipes::Stream;
pub use runner::{
    CancelToken, DEFAULT_GRACE, DEFAULT_TIMEOUT, ExecSpec, Outcome, OutputSink, RunHandle, discard,
    run, spawn,
};
pub use step::{ExecError, Journal, StepAction, StepCommand, StepEnv, StepRunReport, run_step};
pub use to_logs::LogsSink;
