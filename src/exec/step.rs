//! A playbook step's command (or its rollback) as the session sees it:
//! which command, whether a person must confirm, what gets recorded
//! before and after, and what the outcome does to the step.
//!
//! Split in phases so each front end can drive it its own way: the CLI
//! calls [`run_step`] and blocks; the TUI records the start, runs the
//! command on a thread with [`super::spawn`], and records the end from
//! its update loop. The rules are the same because the payloads and
//! commands come from here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::registry::{Borrowed, Kind, Registering, Registry, Running};
use super::runner::{
    self, CancelToken, DEFAULT_GRACE, DEFAULT_TIMEOUT, ExecSpec, Outcome, OutputSink,
};
use crate::session::payload::{CommandStarted, Payload};
use crate::session::{Command, Event, RuleError, SessionState, StepStatus};

/// Run the step's command, or undo it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepAction {
    Run,
    Rollback,
}

impl StepAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Run => "run",
            StepAction::Rollback => "rollback",
        }
    }
}

/// Why a step command cannot run (nothing was recorded).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(
        "step `{step}` has no command to run (it is a {kind} step; only steps with `run` can be run)"
    )]
    NoCommand { step: String, kind: String },
    #[error(
        "step `{step}` has no rollback command; add `rollback = \"…\"` to the step in its playbook"
    )]
    NoRollback { step: String },
    #[error("step `{step}` {why} and needs a person to confirm it first")]
    NotConfirmed { step: String, why: &'static str },
    #[error("could not record in the session: {0}")]
    Record(String),
}

/// Everything needed to run one step command, read from the session's
/// frozen plan (never from a playbook file edited since).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepCommand {
    pub step: String,
    pub title: String,
    pub action: StepAction,
    pub command: String,
    /// A person must confirm before it runs (always for a rollback).
    pub needs_confirmation: bool,
    pub timeout: Duration,
}

impl StepCommand {
    /// Find the step's command and check the session allows it now. Pure.
    pub fn plan(
        state: &SessionState,
        step: &str,
        action: StepAction,
    ) -> Result<StepCommand, ExecError> {
        let p = state
            .plan
            .step(step)
            .ok_or_else(|| RuleError::UnknownStep {
                step: step.to_string(),
                valid: state.plan.steps.iter().map(|s| s.id.clone()).collect(),
            })?;
        let command = match action {
            StepAction::Run => p.run.clone().ok_or_else(|| ExecError::NoCommand {
                step: step.to_string(),
                kind: p.kind.clone(),
            })?,
            StepAction::Rollback => p.rollback.clone().ok_or_else(|| ExecError::NoRollback {
                step: step.to_string(),
            })?,
        };
        let plan = StepCommand {
            step: p.id.clone(),
            title: p.title.clone(),
            action,
            needs_confirmation: p.confirm || action == StepAction::Rollback,
            timeout: p.timeout_secs.map_or(DEFAULT_TIMEOUT, Duration::from_secs),
            command,
        };
        // Refuse now, before anyone is asked to confirm.
        state.check(&Command::Record(plan.started(None)))?;
        Ok(plan)
    }

    /// Why it asks for confirmation, for the prompt.
    pub fn confirmation_reason(&self) -> &'static str {
        match self.action {
            StepAction::Rollback => "is a rollback",
            StepAction::Run => "is marked `confirm = true`",
        }
    }

    /// Refuse when confirmation is needed and nobody gave it.
    pub fn require_confirmation(&self, confirmed_by: Option<&str>) -> Result<(), ExecError> {
        if self.needs_confirmation && confirmed_by.is_none_or(|c| c.trim().is_empty()) {
            return Err(ExecError::NotConfirmed {
                step: self.step.clone(),
                why: self.confirmation_reason(),
            });
        }
        Ok(())
    }

    /// The event recorded before the command starts.
    pub fn started(&self, confirmed_by: Option<String>) -> Payload {
        let c = CommandStarted {
            step: self.step.clone(),
            command: self.command.clone(),
            confirmed_by,
        };
        match self.action {
            StepAction::Run => Payload::CommandStarted(c),
            StepAction::Rollback => Payload::RollbackStarted(c),
        }
    }

    /// What to record when it ended, in order: the outcome, then (for a
    /// run) the step completed with a note naming exit code and duration,
    /// or failed with the reason. A rollback leaves the step's status as
    /// it is; its outcome is in the record.
    pub fn finished(&self, outcome: &Outcome) -> Vec<Command> {
        let fin = outcome.to_finished(&self.step, &self.command);
        match self.action {
            StepAction::Rollback => vec![Command::Record(Payload::RollbackFinished(fin))],
            StepAction::Run => {
                let then = if outcome.succeeded() {
                    Command::Complete {
                        step: self.step.clone(),
                        note: Some(format!("`{}` {}", self.command, outcome.describe())),
                    }
                } else {
                    Command::Fail {
                        step: self.step.clone(),
                        reason: failure_reason(&self.command, outcome),
                    }
                };
                vec![Command::Record(Payload::CommandFinished(fin)), then]
            }
        }
    }

    /// What the registry of running commands notes of it.
    pub fn running(&self) -> Running {
        Running {
            kind: Kind::Step,
            step: self.step.clone(),
            action: self.action,
            command: self.command.clone(),
        }
    }

    /// The process to start, with the step's variables.
    pub fn exec_spec(&self, env: &StepEnv, cwd: &Path) -> ExecSpec {
        ExecSpec {
            command: self.command.clone(),
            cwd: cwd.to_path_buf(),
            env: env.vars(self),
            timeout: self.timeout,
            grace: DEFAULT_GRACE,
        }
    }
}

/// "`./deploy.sh` exited 3 after 1.2s: last line of its output".
fn failure_reason(command: &str, outcome: &Outcome) -> String {
    let last = outcome
        .last_lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty());
    match last {
        Some(l) => format!("`{command}` {}: {}", outcome.describe(), l.trim()),
        None => format!("`{command}` {}", outcome.describe()),
    }
}

/// The values a step command receives as environment variables.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepEnv {
    pub version: Option<String>,
    pub previous_version: Option<String>,
    pub session: String,
    /// The repository's name as the session recorded it.
    pub repo: String,
    pub repo_root: PathBuf,
    /// The actor running it (`email/device`).
    pub actor: String,
}

impl StepEnv {
    pub fn from_state(state: &SessionState, repo_root: &Path, actor: &str) -> StepEnv {
        StepEnv {
            version: state.version.clone(),
            previous_version: state.previous_version.clone(),
            session: state.id.clone(),
            repo: state.repo.clone(),
            repo_root: repo_root.to_path_buf(),
            actor: actor.to_string(),
        }
    }

    /// `GREENLIGHT_*` variables; absent versions are set empty so a script
    /// using `set -u` fails on its own terms rather than on ours.
    pub fn vars(&self, cmd: &StepCommand) -> Vec<(String, String)> {
        self.vars_for(&cmd.step, cmd.action)
    }

    /// The same variables for any command of `step` (a canary's
    /// `set_weight` and rollback get them too).
    pub fn vars_for(&self, step: &str, action: StepAction) -> Vec<(String, String)> {
        let v = |k: &str, val: &str| (k.to_string(), val.to_string());
        vec![
            v("GREENLIGHT_VERSION", self.version.as_deref().unwrap_or("")),
            v(
                "GREENLIGHT_PREVIOUS_VERSION",
                self.previous_version.as_deref().unwrap_or(""),
            ),
            v("GREENLIGHT_SESSION", &self.session),
            v("GREENLIGHT_STEP", step),
            v("GREENLIGHT_ACTION", action.as_str()),
            v("GREENLIGHT_REPO", &self.repo),
            v("GREENLIGHT_REPO_ROOT", &self.repo_root.to_string_lossy()),
            v("GREENLIGHT_ACTOR", &self.actor),
        ]
    }
}

/// Where the step's events go: the session, through the same rules as
/// every other action. The real one is `crate::workspace::WorkspaceJournal`
/// (a session opened for writing in a workspace); tests bring their own.
pub trait Journal {
    fn state(&self) -> &SessionState;
    fn perform(&mut self, cmd: &Command) -> Result<Vec<Event>, ExecError>;
    /// Where the running command is noted until its end is recorded (see
    /// [`super::registry`]); none for a journal without a folder.
    fn registry(&self) -> Option<Registry> {
        None
    }
}

/// The whole run as it was recorded.
#[derive(Debug, Clone)]
pub struct StepRunReport {
    pub outcome: Outcome,
    /// Every event written, start to end.
    pub events: Vec<Event>,
    /// The step's status afterwards.
    pub status: Option<StepStatus>,
    /// Recording the end failed (the outcome is still here to show).
    pub record_error: Option<String>,
}

/// Record the start, run the command (streaming to `sink`), record the
/// end. Blocks until the command ends; `cancel` stops it. The start is
/// recorded before anything runs, so a crash mid-run still leaves a trace.
pub fn run_step(
    journal: &mut dyn Journal,
    plan: &StepCommand,
    env: &StepEnv,
    confirmed_by: Option<String>,
    cancel: &CancelToken,
    sink: &mut dyn OutputSink,
) -> Result<StepRunReport, ExecError> {
    plan.require_confirmation(confirmed_by.as_deref())?;
    let mut events = journal.perform(&Command::Record(plan.started(confirmed_by)))?;
    let spec = plan.exec_spec(env, &env.repo_root);
    let (mut noting, registration) =
        Registering::new(Borrowed(sink), journal.registry(), plan.running());
    let outcome = runner::run(&spec, cancel, &mut noting);
    let mut record_error = None;
    for cmd in plan.finished(&outcome) {
        match journal.perform(&cmd) {
            Ok(evs) => events.extend(evs),
            Err(e) => {
                record_error = Some(e.to_string());
                break;
            }
        }
    }
    if record_error.is_none() {
        registration.remove();
    }
    let status = journal.state().step(&plan.step).map(|s| s.status);
    Ok(StepRunReport {
        outcome,
        events,
        status,
        record_error,
    })
}
