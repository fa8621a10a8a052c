//! A canary weight change or rollback as the session records it: which
//! command runs first (if any), what is checked before, what is recorded
//! before and after, and the weight it ends at. Shaped like
//! [`crate::exec::StepCommand`] so each front end drives it its own way:
//!
//! - [`CanaryJob::check`] refuses what the session would not record,
//!   before anything runs;
//! - [`CanaryJob::started`] is recorded before the command starts (a crash
//!   mid-run leaves a trace);
//! - [`CanaryJob::run_command`] runs the command (blocking; the app calls
//!   it on a thread of its own);
//! - [`CanaryJob::finished`] is what to record when it ended: its end,
//!   then (when it succeeded) the weight.
//!
//! [`run_job`] strings them together for the CLI, which waits; the app
//! records the start, runs the command off its UI thread and records the
//! end from its update loop. Both record the same events in the same
//! order because they come from here.

use std::time::Duration;

use super::config::CanaryConfig;
use super::ops;
use super::plan::{self, CanaryPlan, PlanAction};
use super::process::{Finished, run_shell_with};
use crate::exec::registry::{Borrowed, Kind, Registering, Running};
use crate::exec::{CancelToken, ExecError, Journal, OutputSink, StepAction, StepEnv};
use crate::session::state::CanaryState;
use crate::session::{Command, Event, Payload, RuleError, SessionState, Who};

/// What a canary job changes.
#[derive(Debug, Clone, PartialEq)]
pub enum CanaryOp {
    /// Set the weight (an override reason when the plan does not allow it).
    SetWeight {
        weight: u32,
        override_reason: Option<String>,
    },
    /// Run the rollback command, then set the weight to 0.
    Rollback,
}

/// A canary weight change or rollback to carry out, recorded as `who`.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryJob {
    pub op: CanaryOp,
    /// The session's canary step.
    pub step: String,
    /// The command to run first, with its environment, if one is configured.
    pub command: Option<(String, Vec<(String, String)>)>,
    pub timeout: Duration,
    pub who: Who,
    /// Who confirmed it (rollbacks behind a confirmation).
    pub confirmed_by: Option<String>,
}

impl CanaryJob {
    /// Set the weight to `weight` (with `[canary] set_weight`, when one is
    /// configured), as `who`.
    pub fn set_weight(
        config: &CanaryConfig,
        state: Option<&SessionState>,
        step: &str,
        weight: u32,
        override_reason: Option<String>,
        who: Who,
    ) -> CanaryJob {
        CanaryJob {
            op: CanaryOp::SetWeight {
                weight,
                override_reason,
            },
            timeout: state.map_or(ops::COMMAND_TIMEOUT, |s| ops::step_timeout(s, step)),
            step: step.to_owned(),
            command: plan::set_weight_command(config, weight),
            who,
            confirmed_by: None,
        }
    }

    /// Roll the canary back: the plan's rollback command (else
    /// `set_weight` with weight 0), then weight 0.
    pub fn rollback(
        config: &CanaryConfig,
        plan: &CanaryPlan,
        state: &SessionState,
        step: &str,
        who: Who,
        confirmed_by: Option<String>,
    ) -> CanaryJob {
        CanaryJob {
            op: CanaryOp::Rollback,
            timeout: ops::step_timeout(state, step),
            command: ops::rollback_command(plan, config),
            step: step.to_owned(),
            who,
            confirmed_by,
        }
    }

    /// The weight the job ends at.
    pub fn weight(&self) -> u32 {
        match &self.op {
            CanaryOp::SetWeight { weight, .. } => *weight,
            CanaryOp::Rollback => 0,
        }
    }

    pub fn override_reason(&self) -> Option<&str> {
        match &self.op {
            CanaryOp::SetWeight {
                override_reason, ..
            } => override_reason.as_deref(),
            CanaryOp::Rollback => None,
        }
    }

    pub fn is_rollback(&self) -> bool {
        self.op == CanaryOp::Rollback
    }

    /// `set_weight` or `rollback`: what the command is, in messages.
    pub fn what(&self) -> &'static str {
        if self.is_rollback() {
            "rollback"
        } else {
            "set_weight"
        }
    }

    /// The command's side, as the registry of running commands notes it.
    pub fn action(&self) -> StepAction {
        if self.is_rollback() {
            StepAction::Rollback
        } else {
            StepAction::Run
        }
    }

    /// The event the job ends with: `canary_weight_set`.
    pub fn weight_set(&self) -> Payload {
        ops::weight_set(&self.step, self.weight(), self.override_reason())
    }

    /// Refuse, before anything runs, what the session would not record.
    pub fn check(&self, state: &SessionState) -> Result<(), RuleError> {
        state.check(&Command::Record(self.weight_set())).map(|_| ())
    }

    /// What is recorded before the command starts; none without a command.
    pub fn started(&self) -> Option<Payload> {
        let (command, _) = self.command.as_ref()?;
        Some(ops::command_started(
            &self.step,
            command,
            self.is_rollback(),
            self.confirmed_by.clone(),
        ))
    }

    /// What is recorded once the command ended, in order: its end, then,
    /// when it succeeded, the weight. A failed command leaves the weight
    /// as it was.
    pub fn finished(&self, done: &Finished) -> Vec<Payload> {
        let Some((command, _)) = &self.command else {
            return vec![self.weight_set()];
        };
        let mut out = vec![ops::command_finished(
            &self.step,
            command,
            self.is_rollback(),
            done,
        )];
        if done.succeeded() {
            out.push(self.weight_set());
        }
        out
    }

    /// The entry in the registry of running commands while it runs.
    pub fn running(&self) -> Option<Running> {
        let (command, _) = self.command.as_ref()?;
        Some(Running {
            kind: Kind::Canary,
            step: self.step.clone(),
            action: self.action(),
            command: command.clone(),
        })
    }

    /// Run the command in the repository's root (blocking), its output also handed to
    /// `sink` as it comes; `cancel` stops it. `Ok(None)` without a
    /// command; an error only when it could not start.
    ///
    /// The command gets the session's `GREENLIGHT_*` environment, as a
    /// step's command does (`session` says whose and where), then the
    /// canary's own (`GREENLIGHT_CANARY_WEIGHT`, ...).
    pub fn run_command(
        &self,
        session: &StepEnv,
        cancel: &CancelToken,
        sink: &mut dyn OutputSink,
    ) -> Result<Option<Finished>, String> {
        let Some((command, own)) = &self.command else {
            return Ok(None);
        };
        let mut env = session.vars_for(&self.step, self.action());
        env.extend(own.iter().cloned());
        run_shell_with(
            command,
            &session.repo_root,
            &env,
            self.timeout,
            cancel,
            sink,
        )
        .map(Some)
        .map_err(|e| format!("`{command}` could not start: {e}"))
    }
}

/// Why a canary job did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Refused before anything ran or was recorded.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Recording failed.
    #[error(transparent)]
    Record(#[from] ExecError),
    /// Its start is recorded, but the command could not start.
    #[error("{0}")]
    NotStarted(String),
}

/// What a canary job did.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// How the command ended (`None`: the job has no command).
    pub finished: Option<Finished>,
    /// Every event written, start to end.
    pub events: Vec<Event>,
}

impl JobReport {
    /// The weight was set.
    pub fn succeeded(&self) -> bool {
        self.finished.as_ref().is_none_or(Finished::succeeded)
    }
}

/// Check, record the start, run the command (streaming to `sink`; `cancel`
/// stops it), record its end and, when it succeeded, the weight. Blocks
/// until the command ends: the CLI's way.
pub fn run_job(
    journal: &mut dyn Journal,
    job: &CanaryJob,
    session: &StepEnv,
    cancel: &CancelToken,
    sink: &mut dyn OutputSink,
) -> Result<JobReport, JobError> {
    job.check(journal.state())?;
    let mut events = Vec::new();
    if let Some(started) = job.started() {
        events.extend(journal.perform(&Command::Record(started))?);
    }
    let registry = journal.registry();
    let finished = match job.running() {
        Some(running) => {
            let (mut noting, registration) = Registering::new(Borrowed(sink), registry, running);
            let done = job
                .run_command(session, cancel, &mut noting)
                .map_err(JobError::NotStarted)?;
            if let Some(done) = &done {
                // Its end first: the registry entry goes once it is in.
                let mut ends = job.finished(done).into_iter();
                if let Some(end) = ends.next() {
                    events.extend(journal.perform(&Command::Record(end))?);
                }
                registration.remove();
                for p in ends {
                    events.extend(journal.perform(&Command::Record(p))?);
                }
            }
            done
        }
        None => {
            events.extend(journal.perform(&Command::Record(job.weight_set()))?);
            None
        }
    };
    Ok(JobReport { finished, events })
}

/// Should the canary be rolled back now without asking: `auto_rollback`
/// is on, the latest verdict recorded at the current weight since it was
/// set is Roll back, and the canary takes live traffic (a weight above
/// 0). Both front ends ask this right after they record a judgement.
pub fn auto_rollback_due(plan: &CanaryPlan, state: &CanaryState, now: jiff::Timestamp) -> bool {
    matches!(
        plan::next_action(plan, state, now),
        PlanAction::ProposeRollback {
            automatic: true,
            ..
        }
    ) && state.weight.is_some_and(|w| w > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::config::SourceKind;

    fn dana() -> Who {
        Who {
            name: "Dana".into(),
            email: "dana@example.com".into(),
        }
    }

    fn done(code: i32) -> Finished {
        Finished {
            stdout: b"ok\n".to_vec(),
            stderr: Vec::new(),
            exit_code: Some(code),
            signal: None,
            timed_out: false,
            cancelled: false,
            interrupted: None,
            duration: Duration::from_millis(5),
            output_sha256: "0".repeat(64),
            output_bytes: 3,
        }
    }

    #[test]
    fn a_failed_command_leaves_the_weight_as_it_was() {
        let mut c = CanaryConfig::new(SourceKind::Simulated);
        c.set_weight = Some("./w.sh".into());
        let job = CanaryJob::set_weight(&c, None, "canary", 25, None, dana());
        assert!(matches!(job.started(), Some(Payload::CommandStarted(_))));
        let kinds = |ps: Vec<Payload>| ps.iter().map(|p| p.kind()).collect::<Vec<_>>();
        assert_eq!(
            kinds(job.finished(&done(0))),
            ["command_finished", "canary_weight_set"]
        );
        assert_eq!(kinds(job.finished(&done(3))), ["command_finished"]);
        // Without a command, only the weight.
        let plain = CanaryJob::set_weight(
            &CanaryConfig::new(SourceKind::Simulated),
            None,
            "canary",
            5,
            None,
            dana(),
        );
        assert_eq!(plain.started(), None);
        assert_eq!(plain.running(), None);
    }
}
