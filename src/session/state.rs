//! Session state as a pure fold over events, and the rules of the release.
//!
//! `fold` orders events by `(lamport, actor, seq)` and applies each one
//! through `validate`, the same rules `check` enforces before anything is
//! written. An event that breaks the rules in fold order (two people acting
//! at once on different machines) stays in the history, marked as not
//! applied with the reason, so the state never silently disagrees with the
//! journal.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::event::{Event, Who};
use super::payload::{self, Payload};
use super::plan::{Plan, PlanStep};
pub use super::rules::{Breach, Rule};

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub who: Arc<Who>,
    pub actor: Arc<str>,
    pub at: Arc<str>,
    pub lamport: u64,
    /// Whose device it was done on, when not the person's own (the
    /// keyboard was handed over): the device owner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_device_of: Option<Arc<str>>,
}

impl Stamp {
    fn of(ev: &Event) -> Stamp {
        Stamp {
            who: ev.who.clone(),
            actor: ev.actor.clone(),
            at: ev.at.clone(),
            lamport: ev.lamport,
            on_device_of: None,
        }
    }

    /// The person as the record shows them: "Pat Product", or "Pat
    /// Product on Dana Developer's device" after a hand-over.
    pub fn person(&self) -> std::borrow::Cow<'_, str> {
        match &self.on_device_of {
            Some(owner) => format!("{} on {owner}'s device", self.who.name).into(),
            None => self.who.name.as_str().into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    InProgress,
    Done,
    Skipped,
    Failed,
    /// A sign-off with a rejection as some role's latest decision.
    Rejected,
    /// Its rollback ran and succeeded: what it did is undone. Not settled:
    /// the steps after it wait again until it is done again or skipped.
    RolledBack,
    /// Its rollback ran and failed: the most urgent thing on screen.
    RollbackFailed,
}

impl StepStatus {
    /// Done or skipped: it no longer holds anything back.
    pub fn is_settled(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped)
    }

    pub fn label(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::InProgress => "in progress",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
            StepStatus::Rejected => "rejected",
            StepStatus::RolledBack => "rolled back",
            StepStatus::RollbackFailed => "rollback failed",
        }
    }

    /// Failed, rolled back or its rollback failed: it must be started
    /// again (or skipped) to move on.
    pub fn needs_restart(self) -> bool {
        matches!(
            self,
            StepStatus::Failed | StepStatus::RolledBack | StepStatus::RollbackFailed
        )
    }
}

/// An override waiting for the next event of its actor file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct PendingOverride {
    actor: Arc<str>,
    seq: u64,
    rules: Vec<Rule>,
    action: String,
}

/// One sign-off decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub role: String,
    pub approve: bool,
    pub comment: Option<String>,
    /// The manifest snapshot (its blob id) the decision was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    pub by: Stamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteEntry {
    pub text: String,
    pub step: Option<String>,
    pub by: Stamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepState {
    pub id: String,
    pub status: StepStatus,
    pub started: Option<Stamp>,
    /// Every completion recorded: usually one; two people finishing the same
    /// step at once gives two, and still one completion.
    pub completed: Vec<Stamp>,
    pub completion_note: Option<String>,
    pub skipped: Option<(Stamp, String)>,
    pub failed: Option<(Stamp, String)>,
    pub decisions: Vec<Decision>,
    /// Commands run for this step (and rollbacks), oldest first.
    pub runs: Vec<CommandRun>,
    /// Evidence given when it was completed.
    pub evidence: Vec<payload::Evidence>,
    /// A gate's SARIF report as judged when it was completed.
    pub sarif: Option<payload::SarifSummary>,
    /// Acknowledgements: who, as which role.
    pub acks: Vec<(Stamp, String)>,
    /// A decision step: the option it chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// Skipped because a decision chose another option: the decision's id
    /// and the option it chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_by_decision: Option<(String, String)>,
}

/// One run of a step's command or of its rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRun {
    pub command: String,
    pub rollback: bool,
    pub started: Stamp,
    pub confirmed_by: Option<String>,
    pub finished: Option<(Stamp, payload::CommandFinished)>,
}

/// What the session knows of its canary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CanaryState {
    /// The traffic weight last set, if any.
    pub weight: Option<u32>,
    pub weights: Vec<(Stamp, payload::CanaryWeightSet)>,
    pub judgements: Vec<(Stamp, payload::CanaryJudged)>,
}

impl CanaryState {
    /// The latest verdict judged at the current weight.
    pub fn verdict_at_current_weight(&self) -> Option<&str> {
        self.judgements
            .iter()
            .rev()
            .find(|(_, j)| j.weight == self.weight || j.weight.is_none())
            .map(|(_, j)| j.verdict.as_str())
    }
}

impl StepState {
    fn new(id: &str) -> Self {
        StepState {
            id: id.to_string(),
            status: StepStatus::Pending,
            started: None,
            completed: Vec::new(),
            completion_note: None,
            skipped: None,
            failed: None,
            decisions: Vec::new(),
            runs: Vec::new(),
            evidence: Vec::new(),
            sarif: None,
            acks: Vec::new(),
            choice: None,
            skipped_by_decision: None,
        }
    }

    /// The latest decision of each role, in the order roles first decided.
    pub fn latest_decisions(&self) -> Vec<&Decision> {
        let mut out: Vec<&Decision> = Vec::new();
        for d in &self.decisions {
            match out.iter_mut().find(|x| x.role == d.role) {
                Some(slot) => *slot = d,
                None => out.push(d),
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// No `session_started` event has been read (yet).
    Unstarted,
    Open,
    Completed,
    Aborted,
}

/// One line of "who did what and when".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub by: Stamp,
    pub seq: u64,
    pub kind: Arc<str>,
    /// Position of the event in the fold's order (see `describe`).
    pub index: usize,
    /// Why the fold did not apply it, if it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<String>,
    /// The rule it broke without an override, when that is why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broke: Option<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    pub id: String,
    pub status: SessionStatus,
    pub plan: Plan,
    pub version: Option<String>,
    pub previous_version: Option<String>,
    pub repo: String,
    /// The component of a monorepo this session releases, if one.
    pub component: Option<String>,
    /// A release train's session: its number, departure and DM.
    pub train: Option<Box<payload::FrozenTrain>>,
    /// Where the playbook came from, when the session recorded it.
    pub source: Option<crate::playbook::PlaybookSource>,
    pub started: Option<Stamp>,
    pub ended: Option<Stamp>,
    pub abort_reason: Option<String>,
    pub steps: Vec<StepState>,
    pub notes: Vec<NoteEntry>,
    pub canary: CanaryState,
    pub release_notes: Option<(Stamp, String)>,
    pub tags: Vec<(Stamp, payload::ReleaseTagged)>,
    /// Files set aside beside the journals that a person acknowledged.
    pub recoveries: Vec<(Stamp, payload::JournalRecovered)>,
    /// The team frozen at the start (empty: roles are not enforced).
    pub people: Vec<payload::RosterEntry>,
    pub policy: payload::Policy,
    /// Which events must be signed and who may sign, frozen at the start.
    pub signatures: super::signatures::SignatureRules,
    /// The canary plan frozen at the start.
    pub canary_plan: Option<payload::FrozenCanary>,
    /// Every hand-over of a device's keyboard, in order.
    pub handovers: Vec<(Stamp, payload::HandOver)>,
    /// The notification targets frozen at the start.
    pub notify_targets: Vec<crate::notify::FrozenTarget>,
    /// Every delivery attempt, in order.
    pub notifications: Vec<(Stamp, payload::NotificationSent)>,
    /// Every rule broken on purpose, with who and why, in order.
    pub overrides: Vec<(Stamp, payload::RuleOverridden)>,
    /// The manifest as the last manifest step approved it.
    pub manifest: Option<(Stamp, payload::ManifestSnapshot)>,
    pub history: Vec<HistoryEntry>,
    pub max_lamport: u64,
    /// Overrides recorded but not yet used by their actor's next event.
    #[serde(skip)]
    pub(super) pending_overrides: Vec<PendingOverride>,
}

/// Why an action is refused. Each names what to do instead where it can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the keyboard is handed over by a person; none is named")]
    NoPerson,
    #[error("unknown step `{step}`; valid steps: {}", valid.join(", "))]
    UnknownStep { step: String, valid: Vec<String> },
    #[error("step `{step}` cannot start: it requires {} (not done or skipped yet)", pending.join(", "))]
    RequiresPending { step: String, pending: Vec<String> },
    #[error("step `{step}` is already {status}")]
    AlreadySettled { step: String, status: &'static str },
    #[error("step `{step}` is {status}; {hint}")]
    WrongStatus {
        step: String,
        status: &'static str,
        hint: &'static str,
    },
    #[error("step `{step}` is a sign-off: it completes when {} approve (greenlight signoff --role ROLE --approve)", roles.join(" and "))]
    SignoffStep { step: String, roles: Vec<String> },
    #[error("a reason is required to {what}")]
    ReasonRequired { what: &'static str },
    #[error(
        "step `{step}` is a decision: complete it with one of its options ({}), e.g. greenlight step decide {step} {}",
        options.join(", "),
        options.first().map_or("OPTION", String::as_str)
    )]
    ChoiceNeeded { step: String, options: Vec<String> },
    #[error("`{choice}` is not an option of decision `{step}`; its options: {}", options.join(", "))]
    UnknownChoice {
        step: String,
        choice: String,
        options: Vec<String>,
    },
    #[error(
        "train {train}'s DM sign-off is given by its dedicated delivery manager, {dm}, not {person}"
    )]
    NotTrainDm {
        person: String,
        dm: String,
        train: u32,
    },
    #[error("step `{step}` is not a decision: it takes no option (got `{choice}`)")]
    NotADecision { step: String, choice: String },
    #[error("role `{role}` does not sign off step `{step}`; it needs: {}", roles.join(", "))]
    RoleNotRequired {
        step: String,
        role: String,
        roles: Vec<String>,
    },
    #[error("no sign-off step asks for role `{role}`{}", if open.is_empty() { String::new() } else { format!("; open sign-offs: {}", open.join(", ")) })]
    NoSignoffForRole { role: String, open: Vec<String> },
    #[error("the session is {status}; nothing more can be recorded in it")]
    SessionClosed { status: &'static str },
    #[error("the session cannot complete: {} not done or skipped", pending.join(", "))]
    NotFinished { pending: Vec<String> },
    #[error("the session has not started")]
    NotStarted,
    #[error("the session has already started")]
    AlreadyStarted,
    #[error("a note cannot be empty")]
    EmptyNote,
    #[error(
        "the canary cannot go from {from}% to {to}%: the verdict at {from}% is {verdict}, not promote; give an override reason to move on anyway"
    )]
    CanaryNotPromoted { from: u32, to: u32, verdict: String },
    #[error("canary weight must be between 0 and 100, not {0}")]
    BadWeight(u32),
    #[error(
        "{person} cannot {verb} step `{step}`: it belongs to {} ({person} holds {})",
        needs.join(" or "),
        if holds.is_empty() { "no role in this session's team".to_string() } else { holds.join(", ") }
    )]
    NotOwner {
        step: String,
        verb: &'static str,
        person: String,
        needs: Vec<String>,
        holds: Vec<String>,
    },
    #[error(
        "{person} does not hold role `{role}` in this session's team ([[people]] when it started), so cannot {what} as {role}"
    )]
    RoleNotHeld {
        person: String,
        role: String,
        what: &'static str,
    },
    #[error(
        "step `{step}` needs evidence to complete{}: give a note, or --evidence FILE|URL",
        if expected.is_empty() { String::new() } else { format!(" ({})", expected.join("; ")) }
    )]
    EvidenceRequired { step: String, expected: Vec<String> },
    #[error(
        "gate `{step}` passes only when `{command}` exits 0: {last}; run it with `greenlight step run {step}`"
    )]
    GateNotPassed {
        step: String,
        command: String,
        last: String,
    },
    #[error(
        "gate `{step}` judges the SARIF report {path}: it was not read (complete it with greenlight, which reads it)"
    )]
    SarifMissing { step: String, path: String },
    #[error(
        "gate `{step}` fails: {path} has {error} errors, {warning} warnings and {note} notes, and any result at {fail_on} or above fails it"
    )]
    SarifFails {
        step: String,
        path: String,
        error: u64,
        warning: u64,
        note: u64,
        fail_on: &'static str,
    },
    #[error(
        "step `{step}` approves the manifest: its snapshot was not taken (complete it with greenlight, which checks release-manifest.toml)"
    )]
    ManifestMissing { step: String },
    #[error("step `{step}` approves the manifest, and its check fails: {}", problems.join("; "))]
    ManifestBroken { step: String, problems: Vec<String> },
    #[error(
        "step `{step}` completes only after {} acknowledged it (greenlight step ack {step} --role ROLE)",
        roles.join(" and ")
    )]
    AckMissing { step: String, roles: Vec<String> },
    #[error("step `{step}` does not ask role `{role}` to acknowledge it; it asks: {}", roles.join(", "))]
    AckNotAsked {
        step: String,
        role: String,
        roles: Vec<String>,
    },
    #[error(
        "the canary's weight is set only while step `{step}` is in progress, and it is {status}{}",
        if waits.is_empty() { String::new() } else { format!(" (it waits on {})", waits.join(", ")) }
    )]
    CanaryStepNotActive {
        step: String,
        status: &'static str,
        waits: Vec<String>,
    },
    #[error(
        "the canary step `{step}` completes only at the plan's last weight after a Promote there: {why}"
    )]
    CanaryIncomplete { step: String, why: String },
    #[error(
        "only people holding {} may override a rule ([policy] override_roles), and {person} holds {}",
        roles.join(" or "),
        if holds.is_empty() { "none".to_string() } else { holds.join(", ") }
    )]
    OverrideNotAllowed {
        person: String,
        roles: Vec<String>,
        holds: Vec<String>,
    },
    #[error("`{0}` is not a rule that can be overridden")]
    UnknownRule(String),
    #[error("the override names {rules} for `{recorded}`, but the event after it is `{got}`")]
    OverrideMismatch {
        rules: String,
        recorded: String,
        got: String,
    },
    #[error("a release tag names its commit by a hex id (4 to 64 hex digits), not {0:?}")]
    BadCommitId(String),
}

/// A commit id as git writes one: 4 to 64 hex digits (an abbreviation up
/// to a full SHA-256 id).
fn is_commit_id(text: &str) -> bool {
    (4..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a person asks to do. `check` turns it into the payload to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Start {
        step: String,
    },
    Complete {
        step: String,
        note: Option<String>,
    },
    Skip {
        step: String,
        reason: String,
    },
    Fail {
        step: String,
        reason: String,
    },
    Signoff {
        step: Option<String>,
        role: String,
        approve: bool,
        comment: Option<String>,
    },
    /// Complete a step with what it asks for: evidence, a SARIF report's
    /// counts, a manifest snapshot.
    CompleteWith(payload::StepWithNote),
    /// A person of `role` acknowledges a step.
    Acknowledge {
        step: String,
        role: String,
        note: Option<String>,
    },
    Note {
        text: String,
        step: Option<String>,
    },
    /// The keyboard passes to `to` (the app's `@`).
    HandOver {
        to: Who,
    },
    Abort {
        reason: String,
    },
    /// Something the app observed or ran (a command's outcome, a canary
    /// judgement, a weight change, release notes, a tag): recorded if the
    /// rules of the fold allow it.
    Record(Payload),
}

impl SessionState {
    pub fn empty(id: &str) -> Self {
        SessionState {
            id: id.to_string(),
            status: SessionStatus::Unstarted,
            plan: Plan {
                playbook: String::new(),
                title: String::new(),
                steps: Vec::new(),
            },
            version: None,
            previous_version: None,
            repo: String::new(),
            component: None,
            train: None,
            source: None,
            started: None,
            ended: None,
            abort_reason: None,
            steps: Vec::new(),
            notes: Vec::new(),
            canary: CanaryState::default(),
            release_notes: None,
            tags: Vec::new(),
            recoveries: Vec::new(),
            people: Vec::new(),
            policy: payload::Policy::default(),
            signatures: Default::default(),
            handovers: Vec::new(),
            notify_targets: Vec::new(),
            notifications: Vec::new(),
            canary_plan: None,
            overrides: Vec::new(),
            manifest: None,
            history: Vec::new(),
            max_lamport: 0,
            pending_overrides: Vec::new(),
        }
    }

    /// A copy without the two lists that grow with every event (history
    /// and notes), for the checkpoint, which writes those its own way.
    /// Destructured field by field: a new field must be thought about here.
    pub(super) fn without_lists(&self) -> SessionState {
        let SessionState {
            id,
            status,
            plan,
            version,
            previous_version,
            repo,
            component,
            train,
            source,
            started,
            ended,
            abort_reason,
            steps,
            notes: _,
            canary,
            release_notes,
            tags,
            recoveries,
            people,
            policy,
            signatures,
            canary_plan,
            handovers,
            notify_targets,
            notifications,
            overrides,
            manifest,
            history: _,
            max_lamport,
            pending_overrides,
        } = self;
        SessionState {
            id: id.clone(),
            status: *status,
            plan: plan.clone(),
            version: version.clone(),
            previous_version: previous_version.clone(),
            repo: repo.clone(),
            component: component.clone(),
            train: train.clone(),
            source: source.clone(),
            started: started.clone(),
            ended: ended.clone(),
            abort_reason: abort_reason.clone(),
            steps: steps.clone(),
            notes: Vec::new(),
            canary: canary.clone(),
            release_notes: release_notes.clone(),
            tags: tags.clone(),
            recoveries: recoveries.clone(),
            people: people.clone(),
            policy: policy.clone(),
            signatures: signatures.clone(),
            canary_plan: canary_plan.clone(),
            handovers: handovers.clone(),
            notify_targets: notify_targets.clone(),
            notifications: notifications.clone(),
            overrides: overrides.clone(),
            manifest: manifest.clone(),
            history: Vec::new(),
            max_lamport: *max_lamport,
            pending_overrides: pending_overrides.clone(),
        }
    }

    pub fn step(&self, id: &str) -> Option<&StepState> {
        self.steps.iter().find(|s| s.id == id)
    }

    fn step_mut(&mut self, id: &str) -> Option<&mut StepState> {
        self.steps.iter_mut().find(|s| s.id == id)
    }

    /// Settled steps and all steps.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.steps.iter().filter(|s| s.status.is_settled()).count(),
            self.steps.len(),
        )
    }

    /// Required steps of `id` that are not settled yet.
    pub fn pending_requires(&self, plan_step: &PlanStep) -> Vec<String> {
        plan_step
            .waits_on()
            .filter(|r| !self.step(r).is_some_and(|s| s.status.is_settled()))
            .cloned()
            .collect()
    }

    /// Steps that can be worked on now: not settled, with requires settled.
    pub fn ready_steps(&self) -> Vec<&PlanStep> {
        self.plan
            .steps
            .iter()
            .filter(|p| {
                self.step(&p.id).is_some_and(|s| !s.status.is_settled())
                    && self.pending_requires(p).is_empty()
            })
            .collect()
    }

    /// Every step settled.
    pub fn all_settled(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s.status.is_settled())
    }

    fn plan_step(&self, id: &str) -> Result<&PlanStep, RuleError> {
        self.plan.step(id).ok_or_else(|| RuleError::UnknownStep {
            step: id.to_string(),
            valid: self.plan.steps.iter().map(|s| s.id.clone()).collect(),
        })
    }

    fn require_open(&self) -> Result<(), RuleError> {
        match self.status {
            SessionStatus::Open => Ok(()),
            SessionStatus::Unstarted => Err(RuleError::NotStarted),
            SessionStatus::Completed => Err(RuleError::SessionClosed { status: "complete" }),
            SessionStatus::Aborted => Err(RuleError::SessionClosed { status: "aborted" }),
        }
    }

    pub(super) fn require_ready(&self, p: &PlanStep) -> Result<(), RuleError> {
        let pending = self.pending_requires(p);
        if pending.is_empty() {
            Ok(())
        } else {
            Err(RuleError::RequiresPending {
                step: p.id.clone(),
                pending,
            })
        }
    }

    /// The sign-off step a role's decision goes to when none is named: the
    /// first unsettled sign-off asking for the role whose requires are met,
    /// else the first unsettled one asking for it (so the refusal says why).
    fn signoff_step_for(&self, role: &str) -> Result<String, RuleError> {
        let candidates: Vec<&PlanStep> = self
            .plan
            .steps
            .iter()
            .filter(|p| p.is_signoff() && p.roles.iter().any(|r| r == role))
            .filter(|p| self.step(&p.id).is_some_and(|s| !s.status.is_settled()))
            .collect();
        if let Some(p) = candidates
            .iter()
            .find(|p| self.pending_requires(p).is_empty())
        {
            return Ok(p.id.clone());
        }
        if let Some(p) = candidates.first() {
            return Ok(p.id.clone());
        }
        let open = self
            .plan
            .steps
            .iter()
            .filter(|p| p.is_signoff() && self.step(&p.id).is_some_and(|s| !s.status.is_settled()))
            .map(|p| format!("{} ({})", p.id, p.roles.join(", ")))
            .collect();
        Err(RuleError::NoSignoffForRole {
            role: role.to_string(),
            open,
        })
    }

    /// Decide whether a command is allowed now, and what to record if so.
    /// Pure: nothing is written here. Rules about persons (owners, roles)
    /// are not checked: see [`SessionState::check_as`].
    pub fn check(&self, cmd: &Command) -> Result<Payload, RuleError> {
        self.check_as(cmd, None)
    }

    /// [`SessionState::check`] for `who`: every rule, the first one broken
    /// as the refusal.
    pub fn check_as(&self, cmd: &Command, who: Option<&Who>) -> Result<Payload, RuleError> {
        let payload = self.prepare(cmd, who)?;
        match self.breaches(&payload, who).into_iter().next() {
            Some(b) => Err(b.error),
            None => Ok(payload),
        }
    }

    /// The payload a command records, refused only for what no override
    /// lets through (an unknown step, a closed session, a missing reason,
    /// a step already settled). What it breaks that an override would let
    /// through is [`SessionState::breaches`].
    pub fn prepare(&self, cmd: &Command, who: Option<&Who>) -> Result<Payload, RuleError> {
        if !matches!(
            cmd,
            Command::Record(Payload::ReleaseTagged(_) | Payload::JournalRecovered(_))
        ) {
            self.require_open()?;
        }
        let payload = match cmd {
            Command::Start { step } => {
                let p = self.plan_step(step)?;
                if p.is_signoff() {
                    return Err(RuleError::SignoffStep {
                        step: p.id.clone(),
                        roles: p.roles.clone(),
                    });
                }
                match self.step(step).map(|s| s.status) {
                    Some(StepStatus::InProgress) => {
                        return Err(RuleError::WrongStatus {
                            step: step.clone(),
                            status: "in progress",
                            hint: "complete it with `step done`, or fail or skip it",
                        });
                    }
                    Some(s) if s.is_settled() => {
                        return Err(RuleError::AlreadySettled {
                            step: step.clone(),
                            status: s.label(),
                        });
                    }
                    _ => {}
                }
                Payload::StepStarted(payload::StepRef { step: step.clone() })
            }
            Command::Complete { step, note } => {
                return self.prepare(
                    &Command::CompleteWith(payload::StepWithNote::new(step.clone(), note.clone())),
                    who,
                );
            }
            Command::CompleteWith(c) => {
                let p = self.plan_step(&c.step)?;
                if p.is_signoff() {
                    return Err(RuleError::SignoffStep {
                        step: p.id.clone(),
                        roles: p.roles.clone(),
                    });
                }
                if let Some(s) = self.step(&c.step).filter(|s| s.status.needs_restart()) {
                    return Err(RuleError::WrongStatus {
                        step: c.step.clone(),
                        status: s.status.label(),
                        hint: "start it again to retry, or skip it with a reason",
                    });
                }
                if let Some(s) = self.step(&c.step).filter(|s| s.status.is_settled()) {
                    return Err(RuleError::AlreadySettled {
                        step: c.step.clone(),
                        status: s.status.label(),
                    });
                }
                let mut c = c.clone();
                c.note = non_empty(&c.note);
                c.choice = c
                    .choice
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty());
                Payload::StepCompleted(c)
            }
            Command::Acknowledge { step, role, note } => {
                let p = self.plan_step(step)?;
                if !p.ack.iter().any(|r| r == role) {
                    return Err(RuleError::AckNotAsked {
                        step: step.clone(),
                        role: role.clone(),
                        roles: p.ack.clone(),
                    });
                }
                if let Some(s) = self.step(step).filter(|s| s.status.is_settled()) {
                    return Err(RuleError::AlreadySettled {
                        step: step.clone(),
                        status: s.status.label(),
                    });
                }
                Payload::StepAcknowledged(payload::StepAcknowledged {
                    step: step.clone(),
                    role: role.clone(),
                    note: non_empty(note),
                })
            }
            Command::Skip { step, reason } => {
                self.plan_step(step)?;
                if reason.trim().is_empty() {
                    return Err(RuleError::ReasonRequired {
                        what: "skip a step",
                    });
                }
                if let Some(s) = self.step(step).filter(|s| s.status.is_settled()) {
                    return Err(RuleError::AlreadySettled {
                        step: step.clone(),
                        status: s.status.label(),
                    });
                }
                Payload::StepSkipped(payload::StepWithReason {
                    step: step.clone(),
                    reason: reason.trim().into(),
                })
            }
            Command::Fail { step, reason } => {
                self.plan_step(step)?;
                if reason.trim().is_empty() {
                    return Err(RuleError::ReasonRequired {
                        what: "fail a step",
                    });
                }
                match self.step(step).map(|s| s.status) {
                    Some(StepStatus::InProgress) => {}
                    Some(s) => {
                        return Err(RuleError::WrongStatus {
                            step: step.clone(),
                            status: s.label(),
                            hint: "only a step in progress can fail",
                        });
                    }
                    None => {}
                }
                Payload::StepFailed(payload::StepWithReason {
                    step: step.clone(),
                    reason: reason.trim().into(),
                })
            }
            Command::Signoff {
                step,
                role,
                approve,
                comment,
            } => {
                let step = match step {
                    Some(s) => s.clone(),
                    None => self.signoff_step_for(role)?,
                };
                if !*approve && comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
                    return Err(RuleError::ReasonRequired {
                        what: "reject a sign-off (--comment)",
                    });
                }
                let data = payload::Signoff {
                    step,
                    role: role.clone(),
                    comment: non_empty(comment),
                    manifest: self.manifest.as_ref().map(|(_, m)| m.blob.clone()),
                };
                if *approve {
                    Payload::SignoffGiven(data)
                } else {
                    Payload::SignoffRejected(data)
                }
            }
            Command::HandOver { to } => {
                let from = who.cloned().ok_or(RuleError::NoPerson)?;
                Payload::KeyboardHandedOver(payload::HandOver {
                    from,
                    to: to.clone(),
                })
            }
            Command::Note { text, step } => {
                if text.trim().is_empty() {
                    return Err(RuleError::EmptyNote);
                }
                if let Some(s) = step {
                    self.plan_step(s)?;
                }
                Payload::NoteAdded(payload::Note {
                    text: text.trim().into(),
                    step: step.clone(),
                })
            }
            Command::Abort { reason } => {
                if reason.trim().is_empty() {
                    return Err(RuleError::ReasonRequired {
                        what: "abort a session",
                    });
                }
                Payload::SessionAborted(payload::Reason {
                    reason: reason.trim().into(),
                })
            }
            Command::Record(p) => p.clone(),
        };
        self.refusal(&payload, who)?;
        Ok(payload)
    }

    /// Every rule a payload must satisfy in fold order, the first broken
    /// one as the error (refusals first, then rules an override would let
    /// through). `check` adds the stricter "don't record it twice" rules
    /// on top.
    pub fn validate(&self, payload: &Payload, who: Option<&Who>) -> Result<(), RuleError> {
        self.refusal(payload, who)?;
        match self.breaches(payload, who).into_iter().next() {
            Some(b) => Err(b.error),
            None => Ok(()),
        }
    }

    /// What no override lets through: the session's status, unknown steps,
    /// settled steps, missing reasons, and who may override at all.
    pub fn refusal(&self, payload: &Payload, who: Option<&Who>) -> Result<(), RuleError> {
        if let Payload::ReleaseTagged(t) = payload
            && !is_commit_id(&t.commit)
        {
            // Shown in messages: at most a line's worth of it.
            let shown: String = t.commit.chars().take(70).collect();
            return Err(RuleError::BadCommitId(shown));
        }
        match payload {
            Payload::SessionStarted(_) => {
                if self.status != SessionStatus::Unstarted {
                    return Err(RuleError::AlreadyStarted);
                }
                return Ok(());
            }
            // A release is tagged when its session completes.
            Payload::ReleaseTagged(_) if self.status == SessionStatus::Completed => return Ok(()),
            // A notification (of a completion, say) goes out after the end.
            Payload::NotificationSent(_) => return Ok(()),
            // A journal can be recovered whatever became of its session.
            Payload::JournalRecovered(r) => {
                if r.reason.trim().is_empty() {
                    return Err(RuleError::ReasonRequired {
                        what: "acknowledge a recovery",
                    });
                }
                return if self.status == SessionStatus::Unstarted {
                    Err(RuleError::NotStarted)
                } else {
                    Ok(())
                };
            }
            _ => self.require_open()?,
        }
        match payload {
            Payload::SessionStarted(_)
            | Payload::JournalRecovered(_)
            | Payload::KeyboardHandedOver(_)
            | Payload::NotificationSent(_) => Ok(()),
            Payload::StepStarted(s) => self.plan_step(&s.step).map(|_| ()),
            Payload::StepCompleted(s) => {
                let p = self.plan_step(&s.step)?;
                if p.is_signoff() {
                    return Err(RuleError::SignoffStep {
                        step: p.id.clone(),
                        roles: p.roles.clone(),
                    });
                }
                check_choice(p, s.choice.as_deref())?;
                if self
                    .step(&s.step)
                    .is_some_and(|st| st.status == StepStatus::Skipped)
                {
                    return Err(RuleError::AlreadySettled {
                        step: s.step.clone(),
                        status: "skipped",
                    });
                }
                Ok(())
            }
            Payload::StepSkipped(s) => {
                self.plan_step(&s.step)?;
                if self
                    .step(&s.step)
                    .is_some_and(|st| st.status == StepStatus::Done)
                {
                    return Err(RuleError::AlreadySettled {
                        step: s.step.clone(),
                        status: "done",
                    });
                }
                Ok(())
            }
            Payload::StepFailed(s) => {
                self.plan_step(&s.step)?;
                match self.step(&s.step).map(|st| st.status) {
                    Some(st) if st.is_settled() => Err(RuleError::AlreadySettled {
                        step: s.step.clone(),
                        status: st.label(),
                    }),
                    _ => Ok(()),
                }
            }
            Payload::StepAcknowledged(a) => {
                let p = self.plan_step(&a.step)?;
                if !p.ack.iter().any(|r| r == &a.role) {
                    return Err(RuleError::AckNotAsked {
                        step: a.step.clone(),
                        role: a.role.clone(),
                        roles: p.ack.clone(),
                    });
                }
                Ok(())
            }
            Payload::SignoffGiven(s) | Payload::SignoffRejected(s) => {
                let p = self.plan_step(&s.step)?;
                if !p.is_signoff() {
                    return Err(RuleError::WrongStatus {
                        step: s.step.clone(),
                        status: "not a sign-off step",
                        hint: "complete it with `step done`",
                    });
                }
                if !p.roles.iter().any(|r| r == &s.role) {
                    return Err(RuleError::RoleNotRequired {
                        step: s.step.clone(),
                        role: s.role.clone(),
                        roles: p.roles.clone(),
                    });
                }
                if let Some(st) = self.step(&s.step).filter(|st| st.status.is_settled()) {
                    return Err(RuleError::AlreadySettled {
                        step: s.step.clone(),
                        status: st.status.label(),
                    });
                }
                Ok(())
            }
            Payload::NoteAdded(n) => match &n.step {
                Some(s) => self.plan_step(s).map(|_| ()),
                None => Ok(()),
            },
            Payload::SessionCompleted(_) => {
                if self.all_settled() {
                    Ok(())
                } else {
                    Err(RuleError::NotFinished {
                        pending: self
                            .steps
                            .iter()
                            .filter(|s| !s.status.is_settled())
                            .map(|s| s.id.clone())
                            .collect(),
                    })
                }
            }
            Payload::SessionAborted(_) => Ok(()),
            Payload::CommandStarted(c) => {
                self.plan_step(&c.step)?;
                if let Some(st) = self.step(&c.step).filter(|st| st.status.is_settled()) {
                    return Err(RuleError::AlreadySettled {
                        step: c.step.clone(),
                        status: st.status.label(),
                    });
                }
                Ok(())
            }
            Payload::CommandFinished(c) | Payload::RollbackFinished(c) => {
                self.plan_step(&c.step).map(|_| ())
            }
            // A rollback is allowed at any point of an open session: that
            // is what makes it one key away.
            Payload::RollbackStarted(c) => self.plan_step(&c.step).map(|_| ()),
            Payload::CanaryWeightSet(w) => {
                self.plan_step(&w.step)?;
                if w.weight > 100 {
                    return Err(RuleError::BadWeight(w.weight));
                }
                if w.override_reason
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty())
                {
                    self.may_override(who)?;
                }
                Ok(())
            }
            Payload::CanaryJudged(j) => match &j.step {
                Some(s) => self.plan_step(s).map(|_| ()),
                None => Ok(()),
            },
            Payload::ReleaseTagged(_) => Ok(()),
            Payload::ReleaseNotesSet(_) => Ok(()),
            Payload::RuleOverridden(o) => {
                if o.reason.trim().is_empty() {
                    return Err(RuleError::ReasonRequired {
                        what: "override a rule",
                    });
                }
                if o.rules.is_empty() {
                    return Err(RuleError::UnknownRule(String::new()));
                }
                if let Some(bad) = o.rules.iter().find(|r| Rule::parse(r).is_none()) {
                    return Err(RuleError::UnknownRule(bad.clone()));
                }
                if let Some(step) = &o.step {
                    self.plan_step(step)?;
                }
                self.may_override(who)
            }
        }
    }

    /// Refuse an override from someone `[policy] override_roles` leaves out.
    fn may_override(&self, who: Option<&Who>) -> Result<(), RuleError> {
        let (Some(who), false) = (who, self.policy.override_roles.is_empty()) else {
            return Ok(());
        };
        let holds = self.roles_of(&who.email);
        if holds.iter().any(|r| self.policy.override_roles.contains(r)) {
            return Ok(());
        }
        Err(RuleError::OverrideNotAllowed {
            person: who.name.clone(),
            roles: self.policy.override_roles.clone(),
            holds,
        })
    }

    /// The roles `email` holds in the session's team (addresses compared
    /// without case).
    pub fn roles_of(&self, email: &str) -> Vec<String> {
        self.people
            .iter()
            .filter(|p| p.email.eq_ignore_ascii_case(email))
            .flat_map(|p| p.roles.iter().cloned())
            .collect()
    }

    /// Are roles enforced (the session froze a team)?
    pub fn roles_enforced(&self) -> bool {
        !self.people.is_empty()
    }

    /// Apply one event. Unknown kinds are kept in the history only.
    pub fn apply_event(&mut self, index: usize, ev: &Event) {
        let by = self.stamp(ev);
        // Every event's clock is one more than the largest it has seen, so
        // in fold order the event at `index` has a clock of at most
        // `index + 1` (each smaller value is held by an event before it).
        // A clock beyond that was set by hand, to sort last or to run the
        // clock out: refused, and it does not move the session's clock.
        let bound = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        if ev.lamport > bound || ev.lamport == u64::MAX {
            self.history.push(HistoryEntry {
                by,
                seq: ev.seq,
                kind: ev.kind.clone(),
                index,
                not_applied: Some(format!(
                    "its Lamport clock {} runs ahead of the {index} events before it: a forged clock",
                    ev.lamport
                )),
                broke: None,
            });
            return;
        }
        self.max_lamport = self.max_lamport.max(ev.lamport);
        // An override applies to the very next event of its actor file.
        let pending = self.take_pending(&ev.actor, ev.seq);
        let Some(payload) = ev.payload() else {
            let known = payload::KNOWN_KINDS.contains(&&*ev.kind);
            self.history.push(HistoryEntry {
                by,
                seq: ev.seq,
                kind: ev.kind.clone(),
                index,
                not_applied: Some(if known {
                    "its data does not have the expected fields".into()
                } else {
                    "kind unknown to this version of greenlight".into()
                }),
                broke: None,
            });
            return;
        };
        let at = ev.key().and_then(|_| ev.at.parse::<jiff::Timestamp>().ok());
        if let Some(problem) = self
            .signatures
            .problem(&ev.kind, &ev.who.email, ev.key(), at)
        {
            self.history.push(HistoryEntry {
                by,
                seq: ev.seq,
                kind: ev.kind.clone(),
                index,
                not_applied: Some(problem.to_string()),
                broke: None,
            });
            return;
        }
        let owner = ev.actor.split_once('/').map_or(&*ev.actor, |(e, _)| e);
        if let Some(problem) = self.signatures.handed_over(&payload, &ev.who.email, owner) {
            self.history.push(HistoryEntry {
                by,
                seq: ev.seq,
                kind: ev.kind.clone(),
                index,
                not_applied: Some(problem.to_string()),
                broke: None,
            });
            return;
        }
        let (not_applied, broke) = match self.refusal(&payload, Some(&ev.who)) {
            Err(e) => (Some(e.to_string()), None),
            Ok(()) => {
                let breaches = self.breaches(&payload, Some(&ev.who));
                let uncovered = breaches.into_iter().find(|b| {
                    !pending
                        .as_ref()
                        .is_some_and(|o| o.action == ev.kind.as_ref() && o.rules.contains(&b.rule))
                });
                match uncovered {
                    Some(b) => (Some(b.error.to_string()), Some(b.rule)),
                    None => {
                        self.mutate(payload, &by, ev.seq);
                        (None, None)
                    }
                }
            }
        };
        self.history.push(HistoryEntry {
            by,
            seq: ev.seq,
            kind: ev.kind.clone(),
            index,
            not_applied,
            broke,
        });
    }

    /// The override waiting for event `seq` of `actor`, if any; an older
    /// one of the same actor (its next event went another way) is dropped.
    fn take_pending(&mut self, actor: &str, seq: u64) -> Option<PendingOverride> {
        let i = self
            .pending_overrides
            .iter()
            .position(|p| &*p.actor == actor)?;
        let p = self.pending_overrides.remove(i);
        (p.seq == seq).then_some(p)
    }

    fn mutate(&mut self, payload: Payload, by: &Stamp, seq: u64) {
        match payload {
            Payload::SessionStarted(s) => {
                self.steps = s.plan.steps.iter().map(|p| StepState::new(&p.id)).collect();
                self.plan = s.plan;
                self.version = s.version;
                self.previous_version = s.previous_version;
                self.repo = s.repo;
                self.component = s.component;
                self.train = s.train;
                self.source = s.source;
                self.people = s.people;
                self.policy = s.policy;
                self.signatures = super::signatures::SignatureRules::from_frozen(&s.signatures);
                self.canary_plan = s.canary;
                self.notify_targets = s.notify;
                self.started = Some(by.clone());
                self.status = SessionStatus::Open;
            }
            Payload::StepStarted(s) => {
                if let Some(st) = self.step_mut(&s.step)
                    && !st.status.is_settled()
                {
                    st.status = StepStatus::InProgress;
                    st.started = Some(by.clone());
                    st.failed = None;
                }
            }
            Payload::StepCompleted(s) => {
                if let Some(m) = s.manifest {
                    self.manifest = Some((by.clone(), m));
                }
                let chose = s.choice.clone();
                if let Some(st) = self.step_mut(&s.step) {
                    st.status = StepStatus::Done;
                    st.completed.push(by.clone());
                    if st.completion_note.is_none() {
                        st.completion_note = s.note;
                    }
                    st.evidence.extend(s.evidence);
                    if s.sarif.is_some() {
                        st.sarif = s.sarif;
                    }
                    // Two people deciding at once: the first choice stands.
                    if st.choice.is_none() {
                        st.choice = chose;
                    }
                }
                self.skip_by_decisions(by);
            }
            Payload::StepAcknowledged(a) => {
                if let Some(st) = self.step_mut(&a.step) {
                    st.acks.push((by.clone(), a.role));
                }
            }
            Payload::RuleOverridden(o) => {
                self.pending_overrides.push(PendingOverride {
                    actor: by.actor.clone(),
                    seq: seq.saturating_add(1),
                    rules: o.rules.iter().filter_map(|r| Rule::parse(r)).collect(),
                    action: o.action.clone(),
                });
                self.overrides.push((by.clone(), o));
            }
            Payload::StepSkipped(s) => {
                if let Some(st) = self.step_mut(&s.step) {
                    if st.skipped.is_none() {
                        st.skipped = Some((by.clone(), s.reason));
                    }
                    st.status = StepStatus::Skipped;
                }
            }
            Payload::StepFailed(s) => {
                if let Some(st) = self.step_mut(&s.step) {
                    st.status = StepStatus::Failed;
                    st.failed = Some((by.clone(), s.reason));
                }
            }
            Payload::SignoffGiven(s) => self.decide(s, true, by),
            Payload::SignoffRejected(s) => self.decide(s, false, by),
            Payload::KeyboardHandedOver(h) => {
                self.handovers.push((by.clone(), h));
            }
            Payload::NotificationSent(n) => {
                self.notifications.push((by.clone(), n));
            }
            Payload::NoteAdded(n) => {
                self.notes.push(NoteEntry {
                    text: n.text,
                    step: n.step,
                    by: by.clone(),
                });
            }
            Payload::SessionCompleted(_) => {
                self.status = SessionStatus::Completed;
                self.ended = Some(by.clone());
            }
            Payload::SessionAborted(r) => {
                self.status = SessionStatus::Aborted;
                self.ended = Some(by.clone());
                self.abort_reason = Some(r.reason);
            }
            Payload::CommandStarted(c) => self.run_started(c, false, by),
            Payload::RollbackStarted(c) => self.run_started(c, true, by),
            Payload::CommandFinished(c) => self.run_finished(c, false, by),
            Payload::RollbackFinished(c) => self.run_finished(c, true, by),
            Payload::CanaryWeightSet(w) => {
                self.canary.weight = Some(w.weight);
                if w.rollback
                    && let Some(st) = self.step_mut(&w.step)
                {
                    st.status = StepStatus::RolledBack;
                }
                self.canary.weights.push((by.clone(), w));
            }
            Payload::CanaryJudged(j) => self.canary.judgements.push((by.clone(), j)),
            Payload::ReleaseTagged(t) => self.tags.push((by.clone(), t)),
            Payload::ReleaseNotesSet(n) => self.release_notes = Some((by.clone(), n.markdown)),
            Payload::JournalRecovered(r) => self.recoveries.push((by.clone(), r)),
        }
    }

    /// Skip every step whose `when` a made decision contradicts, with the
    /// decision as the reason: the fold derives it, so every clone agrees
    /// and no event is written for it. A step already done stays done.
    fn skip_by_decisions(&mut self, by: &Stamp) {
        let mut skips: Vec<(String, String, String)> = Vec::new();
        for p in &self.plan.steps {
            for (decision, wanted) in &p.when {
                let Some(chosen) = self.step(decision).and_then(|d| d.choice.clone()) else {
                    continue;
                };
                if &chosen != wanted {
                    skips.push((p.id.clone(), decision.clone(), chosen));
                    break;
                }
            }
        }
        for (id, decision, chosen) in skips {
            if let Some(st) = self.step_mut(&id)
                && st.status != StepStatus::Done
                && st.status != StepStatus::Skipped
            {
                st.status = StepStatus::Skipped;
                st.skipped = Some((
                    by.clone(),
                    format!("decision `{decision}` chose `{chosen}`"),
                ));
                st.skipped_by_decision = Some((decision, chosen));
            }
        }
    }

    fn run_started(&mut self, c: payload::CommandStarted, rollback: bool, by: &Stamp) {
        if let Some(st) = self.step_mut(&c.step) {
            if !rollback && !st.status.is_settled() {
                st.status = StepStatus::InProgress;
                st.started.get_or_insert_with(|| by.clone());
            }
            st.runs.push(CommandRun {
                command: c.command,
                rollback,
                started: by.clone(),
                confirmed_by: c.confirmed_by,
                finished: None,
            });
        }
    }

    fn run_finished(&mut self, c: payload::CommandFinished, rollback: bool, by: &Stamp) {
        if let Some(st) = self.step_mut(&c.step) {
            if rollback {
                // What the step did is undone (or the undo failed): it is
                // not settled any more, whatever it was.
                st.status = if c.succeeded() {
                    StepStatus::RolledBack
                } else {
                    StepStatus::RollbackFailed
                };
            }
            match st
                .runs
                .iter_mut()
                .rev()
                .find(|r| r.rollback == rollback && r.finished.is_none() && r.command == c.command)
            {
                Some(run) => run.finished = Some((by.clone(), c)),
                None => st.runs.push(CommandRun {
                    command: c.command.clone(),
                    rollback,
                    started: by.clone(),
                    confirmed_by: None,
                    finished: Some((by.clone(), c)),
                }),
            }
        }
    }

    fn decide(&mut self, s: payload::Signoff, approve: bool, by: &Stamp) {
        let roles = match self.plan.step(&s.step) {
            Some(p) => p.roles.clone(),
            None => return,
        };
        let Some(st) = self.step_mut(&s.step) else {
            return;
        };
        st.decisions.push(Decision {
            role: s.role,
            approve,
            comment: s.comment,
            manifest: s.manifest,
            by: by.clone(),
        });
        let latest = st.latest_decisions();
        let rejected = latest.iter().any(|d| !d.approve);
        let all_approved = roles
            .iter()
            .all(|r| latest.iter().any(|d| &d.role == r && d.approve));
        st.status = if rejected {
            StepStatus::Rejected
        } else if all_approved {
            StepStatus::Done
        } else if latest.is_empty() {
            StepStatus::Pending
        } else {
            StepStatus::InProgress
        };
        if st.status == StepStatus::Done {
            st.completed.push(by.clone());
        }
    }
}

/// A decision completes with one of its options; any other step with none.
fn check_choice(p: &PlanStep, choice: Option<&str>) -> Result<(), RuleError> {
    match (p.is_decision(), choice) {
        (true, None) => Err(RuleError::ChoiceNeeded {
            step: p.id.clone(),
            options: p.options.clone(),
        }),
        (true, Some(c)) if !p.options.iter().any(|o| o == c) => Err(RuleError::UnknownChoice {
            step: p.id.clone(),
            choice: c.to_owned(),
            options: p.options.clone(),
        }),
        (false, Some(c)) => Err(RuleError::NotADecision {
            step: p.id.clone(),
            choice: c.to_owned(),
        }),
        _ => Ok(()),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A one-line description of a payload for the history.
pub fn summarize(p: &Payload) -> String {
    match p {
        Payload::SessionStarted(s) => format!(
            "started {} {}",
            s.plan.playbook,
            s.version
                .as_deref()
                .map(|v| format!("for {v}"))
                .unwrap_or_default()
        )
        .trim_end()
        .to_string(),
        Payload::StepStarted(s) => format!("started {}", s.step),
        Payload::StepCompleted(s) => {
            let mut what = match &s.note {
                Some(n) => format!("completed {}: {n}", s.step),
                None => format!("completed {}", s.step),
            };
            if !s.evidence.is_empty() {
                let list: Vec<String> = s.evidence.iter().map(ToString::to_string).collect();
                what.push_str(&format!(" (evidence: {})", list.join(", ")));
            }
            if let Some(r) = &s.sarif {
                what.push_str(&format!(
                    " ({}: {} errors, {} warnings, {} notes)",
                    r.path, r.error, r.warning, r.note
                ));
            }
            if let Some(m) = &s.manifest {
                what.push_str(&format!(" ({})", m.label()));
            }
            what
        }
        Payload::StepSkipped(s) => format!("skipped {}: {}", s.step, s.reason),
        Payload::StepFailed(s) => format!("failed {}: {}", s.step, s.reason),
        Payload::NoteAdded(n) => match &n.step {
            Some(s) => format!("note on {s}: {}", n.text),
            None => format!("note: {}", n.text),
        },
        Payload::SignoffGiven(s) => format!(
            "approved {} as {}{}",
            s.step,
            s.role,
            s.comment
                .as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        ),
        Payload::SignoffRejected(s) => format!(
            "rejected {} as {}{}",
            s.step,
            s.role,
            s.comment
                .as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        ),
        Payload::SessionCompleted(_) => "completed the session".into(),
        Payload::SessionAborted(r) => format!("aborted the session: {}", r.reason),
        Payload::CommandStarted(c) => format!("ran `{}` for {}", c.command, c.step),
        Payload::RollbackStarted(c) => format!("rolled back {} with `{}`", c.step, c.command),
        Payload::CommandFinished(c) | Payload::RollbackFinished(c) => {
            let how = if let Some(why) = &c.interrupted {
                format!("was interrupted ({why})")
            } else if c.cancelled {
                "was cancelled".to_string()
            } else if c.timed_out {
                "timed out".to_string()
            } else if let Some(code) = c.exit_code {
                format!("exited {code}")
            } else {
                format!("was killed by signal {}", c.signal.unwrap_or(0))
            };
            format!(
                "`{}` ({}) {how} after {:.1}s",
                c.command,
                c.step,
                c.duration_ms as f64 / 1000.0
            )
        }
        Payload::CanaryWeightSet(w) if w.rollback => {
            format!("rolled the canary back to {}%", w.weight)
        }
        Payload::CanaryWeightSet(w) => match &w.override_reason {
            Some(r) => format!("set canary weight {}% (override: {r})", w.weight),
            None => format!("set canary weight {}%", w.weight),
        },
        Payload::CanaryJudged(j) => format!(
            "canary judged {}{}",
            j.verdict.to_uppercase(),
            j.score
                .map(|s| format!(" (score {s:.0})"))
                .unwrap_or_default()
        ),
        Payload::ReleaseTagged(t) => format!(
            "tagged {} at {}",
            t.tag,
            t.commit.chars().take(10).collect::<String>()
        ),
        Payload::ReleaseNotesSet(_) => "edited the release notes".into(),
        Payload::RuleOverridden(o) => format!(
            "overrode rule{} {}{} ({}): {}",
            if o.rules.len() == 1 { "" } else { "s" },
            o.rules.join(", "),
            o.step
                .as_deref()
                .map(|s| format!(" on {s}"))
                .unwrap_or_default(),
            o.action.replace('_', " "),
            o.reason
        ),
        Payload::KeyboardHandedOver(h) => {
            format!("handed the keyboard to {} <{}>", h.to.name, h.to.email)
        }
        Payload::NotificationSent(n) if n.ok => format!(
            "notified {} of {}: {}",
            n.target,
            n.moment.replace('_', " "),
            n.result
        ),
        Payload::NotificationSent(n) => format!(
            "could not notify {} of {} (attempt {}): {}",
            n.target,
            n.moment.replace('_', " "),
            n.attempt,
            n.result
        ),
        Payload::StepAcknowledged(a) => match &a.note {
            Some(n) => format!("acknowledged {} as {}: {n}", a.step, a.role),
            None => format!("acknowledged {} as {}", a.step, a.role),
        },
        Payload::JournalRecovered(r) => {
            let mut what = Vec::new();
            if !r.restored.is_empty() {
                what.push(format!("restored {}", r.restored.join(", ")));
            }
            if !r.set_aside.is_empty() {
                what.push(format!(
                    "acknowledged {} file{} set aside",
                    r.set_aside.len(),
                    if r.set_aside.len() == 1 { "" } else { "s" }
                ));
            }
            format!("recovered the journal ({}): {}", what.join("; "), r.reason)
        }
    }
}

/// A one-line description of an event, for history views.
pub fn describe(ev: &Event) -> String {
    match ev.payload() {
        Some(p) => summarize(&p),
        None => format!("{} (not understood by this version)", ev.kind),
    }
}

/// The fold's order: `(lamport, actor, seq)`. Total, so every reader of the
/// same files gets the same state.
pub fn sort_events(events: &mut [Event]) {
    events.sort_by(|a, b| fold_key(a).cmp(&fold_key(b)));
}

fn fold_key(ev: &Event) -> (u64, &str, u64) {
    (ev.lamport, &ev.actor, ev.seq)
}

/// The events of several runs in fold order: exactly what concatenating
/// them and `sort_events` gives (a stable sort: equal keys keep the order
/// of the runs), but each event is moved once. Actor files are written in
/// fold order, so their runs are merged as they are; a run that is not
/// sorted (a hand-edited or hostile file) is sorted first.
pub fn merge_runs(mut runs: Vec<Vec<Event>>) -> Vec<Event> {
    runs.retain(|r| !r.is_empty());
    for run in &mut runs {
        if !run.is_sorted_by(|a, b| fold_key(a) <= fold_key(b)) {
            sort_events(run);
        }
    }
    if runs.len() <= 1 {
        return runs.pop().unwrap_or_default();
    }
    let total = runs.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut runs: Vec<std::vec::IntoIter<Event>> = runs.into_iter().map(Vec::into_iter).collect();
    while runs.len() > 1 {
        // The run with the smallest head; the first such on ties.
        let mut best: Option<(usize, &Event)> = None;
        for (i, run) in runs.iter().enumerate() {
            if let Some(ev) = run.as_slice().first()
                && best.is_none_or(|(_, b)| fold_key(ev) < fold_key(b))
            {
                best = Some((i, ev));
            }
        }
        let Some((i, _)) = best else { break };
        out.extend(runs[i].next());
        if runs[i].as_slice().is_empty() {
            runs.remove(i);
        }
    }
    for run in runs {
        out.extend(run);
    }
    out
}

impl SessionState {
    /// The stamp of an event: who, when, and on whose device when it is
    /// not their own (the actor file is the device owner's).
    fn stamp(&self, ev: &Event) -> Stamp {
        let mut s = Stamp::of(ev);
        let owner = ev.actor.split_once('/').map_or(&*ev.actor, |(e, _)| e);
        if !owner.eq_ignore_ascii_case(&ev.who.email) {
            let name = self
                .people
                .iter()
                .find(|p| p.email.eq_ignore_ascii_case(owner))
                .map(|p| p.name.as_str())
                .or_else(|| {
                    self.handovers
                        .iter()
                        .rev()
                        .find(|(_, h)| h.from.email.eq_ignore_ascii_case(owner))
                        .map(|(_, h)| h.from.name.as_str())
                })
                .unwrap_or(owner);
            s.on_device_of = Some(Arc::from(name));
        }
        s
    }
}

/// Fold sorted events into a state. Pure and deterministic.
pub fn fold(id: &str, events: &[Event]) -> SessionState {
    let mut state = SessionState::empty(id);
    // One history entry per event: size it once rather than regrow it.
    state.history.reserve_exact(events.len());
    for (i, ev) in events.iter().enumerate() {
        state.apply_event(i, ev);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::{Draft, GENESIS};
    use crate::session::payload::SessionStarted;

    fn step(id: &str, kind: &str, requires: &[&str], roles: &[&str]) -> PlanStep {
        PlanStep {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            owner: "developer".into(),
            with: vec![],
            kind: kind.into(),
            requires: requires.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            run: None,
            rollback: None,
            confirm: false,
            timeout_secs: None,
            evidence: vec![],
            ..Default::default()
        }
    }

    fn plan() -> Plan {
        Plan {
            playbook: "t".into(),
            title: "T".into(),
            steps: vec![
                step("impact", "check", &[], &[]),
                // A plain step here: the canary's own rules have their tests.
                step("canary", "check", &["impact"], &[]),
                step("go", "signoff", &["canary"], &["pm", "dm"]),
                step("enable", "command", &["go"], &[]),
            ],
        }
    }

    /// A tiny in-memory journal: events from several actors, lamport-ordered.
    struct Log {
        events: Vec<Event>,
        lamport: u64,
    }

    impl Log {
        fn new() -> Self {
            let mut l = Log {
                events: vec![],
                lamport: 0,
            };
            l.push(
                "a",
                Payload::SessionStarted(SessionStarted {
                    plan: plan(),
                    version: None,
                    previous_version: None,
                    repo: "r".into(),
                    source: None,
                    ..Default::default()
                }),
            );
            l
        }

        fn push(&mut self, actor: &str, p: Payload) {
            self.lamport += 1;
            let who = Who {
                name: actor.into(),
                email: format!("{actor}@x"),
            };
            let seq = self.events.iter().filter(|e| &*e.actor == actor).count() as u64 + 1;
            let data = p.to_data().unwrap();
            let (ev, _) = Event::seal(Draft {
                session: "S",
                actor,
                seq,
                lamport: self.lamport,
                at: "2026-11-26T14:00:00Z".into(),
                who: &who,
                kind: p.kind(),
                data: &data,
                prev: &GENESIS,
                key: None,
            })
            .unwrap();
            self.events.push(ev);
        }

        fn cmd(&mut self, actor: &str, c: Command) -> Result<(), RuleError> {
            let p = self.state().check(&c)?;
            self.push(actor, p);
            Ok(())
        }

        fn state(&self) -> SessionState {
            fold("S", &self.events)
        }
    }

    fn start(s: &str) -> Command {
        Command::Start { step: s.into() }
    }
    fn done(s: &str) -> Command {
        Command::Complete {
            step: s.into(),
            note: None,
        }
    }
    fn sign(role: &str, approve: bool, comment: Option<&str>) -> Command {
        Command::Signoff {
            step: None,
            role: role.into(),
            approve,
            comment: comment.map(Into::into),
        }
    }

    /// A log over a plan with a decision: `go` chooses `alone` or
    /// `train`; `ride` runs only for `train`, `solo` only for `alone`.
    fn decision_log() -> Log {
        let mut l = Log {
            events: vec![],
            lamport: 0,
        };
        let mut go = step("go", "decision", &[], &[]);
        go.options = vec!["alone".into(), "train".into()];
        let mut ride = step("ride", "check", &[], &[]);
        ride.when.insert("go".into(), "train".into());
        let mut solo = step("solo", "check", &[], &[]);
        solo.when.insert("go".into(), "alone".into());
        l.push(
            "a",
            Payload::SessionStarted(SessionStarted {
                plan: Plan {
                    playbook: "d".into(),
                    title: "D".into(),
                    steps: vec![go, ride, solo],
                },
                repo: "r".into(),
                ..Default::default()
            }),
        );
        l
    }

    fn decide(step: &str, choice: Option<&str>) -> Command {
        let mut c = payload::StepWithNote::new(step, None);
        c.choice = choice.map(Into::into);
        Command::CompleteWith(c)
    }

    #[test]
    fn a_decision_skips_the_steps_it_rules_out() {
        let mut l = decision_log();
        // A conditional step waits on its decision.
        assert_eq!(
            l.cmd("a", start("ride")).unwrap_err(),
            RuleError::RequiresPending {
                step: "ride".into(),
                pending: vec!["go".into()]
            }
        );
        // A decision needs one of its options; others are refused.
        assert!(matches!(
            l.cmd("a", decide("go", None)).unwrap_err(),
            RuleError::ChoiceNeeded { .. }
        ));
        assert!(matches!(
            l.cmd("a", decide("go", Some("bus"))).unwrap_err(),
            RuleError::UnknownChoice { .. }
        ));
        l.cmd("a", decide("go", Some("train"))).unwrap();
        let st = l.state();
        assert_eq!(st.step("go").unwrap().choice.as_deref(), Some("train"));
        let solo = st.step("solo").unwrap();
        assert_eq!(solo.status, StepStatus::Skipped);
        assert_eq!(
            solo.skipped_by_decision,
            Some(("go".into(), "train".into()))
        );
        assert_eq!(
            solo.skipped.as_ref().map(|(_, r)| r.as_str()),
            Some("decision `go` chose `train`")
        );
        assert_eq!(st.step("ride").unwrap().status, StepStatus::Pending);
        // A step that is not a decision takes no option.
        assert!(matches!(
            l.cmd("a", decide("ride", Some("train"))).unwrap_err(),
            RuleError::NotADecision { .. }
        ));
        l.cmd("a", done("ride")).unwrap();
        assert!(l.state().all_settled());
    }

    #[test]
    fn a_choice_from_another_clone_is_checked_by_the_fold() {
        let mut l = decision_log();
        let mut bogus = payload::StepWithNote::new("go", None);
        bogus.choice = Some("bus".into());
        l.push("b", Payload::StepCompleted(bogus));
        let st = l.state();
        assert_eq!(st.step("go").unwrap().status, StepStatus::Pending);
        assert_eq!(st.step("solo").unwrap().status, StepStatus::Pending);
    }

    #[test]
    fn a_step_waits_for_its_requires() {
        let mut l = Log::new();
        let err = l.cmd("a", start("canary")).unwrap_err();
        assert_eq!(
            err,
            RuleError::RequiresPending {
                step: "canary".into(),
                pending: vec!["impact".into()]
            }
        );
        l.cmd("a", done("impact")).unwrap();
        l.cmd("a", start("canary")).unwrap();
        assert_eq!(
            l.state().step("canary").unwrap().status,
            StepStatus::InProgress
        );
    }

    #[test]
    fn skipping_with_a_reason_unblocks() {
        let mut l = Log::new();
        assert_eq!(
            l.cmd(
                "a",
                Command::Skip {
                    step: "impact".into(),
                    reason: " ".into()
                }
            )
            .unwrap_err(),
            RuleError::ReasonRequired {
                what: "skip a step"
            }
        );
        l.cmd(
            "a",
            Command::Skip {
                step: "impact".into(),
                reason: "config only".into(),
            },
        )
        .unwrap();
        l.cmd("a", start("canary")).unwrap();
    }

    #[test]
    fn unknown_step_lists_valid_ones() {
        let l = Log::new();
        let err = l.state().check(&start("nope")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown step `nope`; valid steps: impact, canary, go, enable"
        );
    }

    #[test]
    fn signoff_needs_every_role_and_rejection_blocks() {
        let mut l = Log::new();
        l.cmd("a", done("impact")).unwrap();
        l.cmd("a", done("canary")).unwrap();
        l.cmd("pm", sign("pm", true, None)).unwrap();
        assert_eq!(l.state().step("go").unwrap().status, StepStatus::InProgress);
        assert!(l.cmd("a", start("enable")).is_err());
        assert_eq!(
            l.cmd("dm", sign("dm", false, None)).unwrap_err(),
            RuleError::ReasonRequired {
                what: "reject a sign-off (--comment)"
            }
        );
        l.cmd("dm", sign("dm", false, Some("release notes missing")))
            .unwrap();
        let st = l.state();
        assert_eq!(st.step("go").unwrap().status, StepStatus::Rejected);
        assert_eq!(
            st.step("go").unwrap().latest_decisions()[1]
                .comment
                .as_deref(),
            Some("release notes missing")
        );
        l.cmd("dm", sign("dm", true, Some("notes added"))).unwrap();
        assert_eq!(l.state().step("go").unwrap().status, StepStatus::Done);
        l.cmd("a", start("enable")).unwrap();
    }

    #[test]
    fn role_not_asked_for_is_refused() {
        let mut l = Log::new();
        l.cmd("a", done("impact")).unwrap();
        l.cmd("a", done("canary")).unwrap();
        let err = l.state().check(&Command::Signoff {
            step: Some("go".into()),
            role: "security".into(),
            approve: true,
            comment: None,
        });
        assert!(matches!(err, Err(RuleError::RoleNotRequired { .. })));
        assert!(matches!(
            l.state().check(&sign("security", true, None)),
            Err(RuleError::NoSignoffForRole { .. })
        ));
    }

    #[test]
    fn two_completions_are_one_and_both_recorded() {
        let mut l = Log::new();
        let a = l.state().check(&done("impact")).unwrap();
        let b = l.state().check(&done("impact")).unwrap();
        l.push("a", a);
        l.push("b", b);
        let st = l.state();
        let s = st.step("impact").unwrap();
        assert_eq!(s.status, StepStatus::Done);
        assert_eq!(s.completed.len(), 2);
        assert_eq!(st.progress(), (1, 4));
        assert!(st.history.iter().all(|h| h.not_applied.is_none()));
    }

    #[test]
    fn fold_flags_rule_breaking_events_without_applying_them() {
        let mut l = Log::new();
        // Written by a buggy or hostile writer: bypasses `check`.
        l.push(
            "a",
            Payload::StepCompleted(crate::session::payload::StepWithNote::new("enable", None)),
        );
        let st = l.state();
        assert_eq!(st.step("enable").unwrap().status, StepStatus::Pending);
        assert!(
            st.history
                .last()
                .unwrap()
                .not_applied
                .as_deref()
                .unwrap()
                .contains("requires go")
        );
    }

    #[test]
    fn session_completes_only_when_everything_is_settled() {
        let mut l = Log::new();
        assert!(
            l.state()
                .validate(&Payload::SessionCompleted(Default::default()), None)
                .is_err()
        );
        l.cmd("a", done("impact")).unwrap();
        l.cmd("a", done("canary")).unwrap();
        l.cmd("pm", sign("pm", true, None)).unwrap();
        l.cmd("dm", sign("dm", true, None)).unwrap();
        l.cmd(
            "a",
            Command::Skip {
                step: "enable".into(),
                reason: "dark launch".into(),
            },
        )
        .unwrap();
        let st = l.state();
        assert!(st.all_settled());
        l.push("a", Payload::SessionCompleted(Default::default()));
        assert_eq!(l.state().status, SessionStatus::Completed);
        assert_eq!(
            l.cmd(
                "a",
                Command::Note {
                    text: "late".into(),
                    step: None
                }
            )
            .unwrap_err(),
            RuleError::SessionClosed { status: "complete" }
        );
    }

    #[test]
    fn fold_is_deterministic_and_idempotent_over_order() {
        let mut l = Log::new();
        l.cmd("a", done("impact")).unwrap();
        l.cmd(
            "b",
            Command::Note {
                text: "hi".into(),
                step: Some("impact".into()),
            },
        )
        .unwrap();
        let mut shuffled = l.events.clone();
        shuffled.reverse();
        sort_events(&mut shuffled);
        assert_eq!(fold("S", &shuffled), l.state());
    }

    fn weight(w: u32, reason: Option<&str>) -> Command {
        Command::Record(Payload::CanaryWeightSet(payload::CanaryWeightSet {
            step: "canary".into(),
            weight: w,
            override_reason: reason.map(Into::into),
            rollback: false,
        }))
    }

    fn judged(verdict: &str, w: u32) -> Command {
        Command::Record(Payload::CanaryJudged(payload::CanaryJudged {
            step: Some("canary".into()),
            verdict: verdict.into(),
            score: Some(100.0),
            weight: Some(w),
            summary: String::new(),
            judgement: serde_json::Value::Null,
        }))
    }

    #[test]
    fn canary_weight_rises_only_after_promote_or_with_an_override() {
        let mut l = Log::new();
        let err = l.cmd("a", weight(5, None)).unwrap_err();
        assert!(
            matches!(err, RuleError::CanaryStepNotActive { .. }),
            "before its step started: {err}"
        );
        l.cmd("a", done("impact")).unwrap();
        l.cmd("a", start("canary")).unwrap();
        l.cmd("a", weight(5, None)).unwrap();
        let err = l.cmd("a", weight(25, None)).unwrap_err();
        assert!(err.to_string().contains("not judged yet"), "{err}");
        l.cmd("a", judged("hold", 5)).unwrap();
        assert!(matches!(
            l.cmd("a", weight(25, None)),
            Err(RuleError::CanaryNotPromoted { .. })
        ));
        l.cmd("a", weight(25, Some("traffic too low to judge at 5%")))
            .unwrap();
        l.cmd("a", judged("promote", 25)).unwrap();
        l.cmd("a", weight(50, None)).unwrap();
        // Going back down (a rollback) never needs a verdict.
        l.cmd("a", weight(0, None)).unwrap();
        assert_eq!(l.state().canary.weight, Some(0));
        assert_eq!(l.state().canary.weights.len(), 4);
        assert!(matches!(
            l.cmd("a", weight(101, Some("x"))),
            Err(RuleError::BadWeight(101))
        ));
    }

    /// A clock set far ahead (to sort last, or to run the clock out) is
    /// refused by the fold and moves nothing; the next event written
    /// after it still folds.
    /// The timeline keeps an event the fold refused, marked not applied
    /// with the reason, in order, and its kind filter finds it.
    #[test]
    fn the_timeline_lists_refused_events_as_not_applied() {
        use crate::session::timeline::{Filter, Kind, entries};
        let mut l = Log::new();
        l.cmd("a", done("impact")).unwrap();
        // Written without the rules (as another clone could): enable
        // waits on steps not done.
        l.push(
            "m",
            Payload::StepStarted(payload::StepRef {
                step: "enable".into(),
            }),
        );
        l.cmd(
            "a",
            Command::Note {
                text: "after".into(),
                step: None,
            },
        )
        .unwrap();
        let st = l.state();
        let t = entries(&st, &l.events);
        assert_eq!(t.len(), 4);
        assert!(t[1].what.contains("completed impact"), "{t:?}");
        let refused = &t[2];
        assert!(refused.person.starts_with('m'), "{refused:?}");
        assert!(refused.what.contains("started enable"), "{refused:?}");
        assert!(refused.not_applied.is_some(), "{refused:?}");
        assert_eq!(refused.group(), Kind::NotApplied);
        let only = Filter {
            person: None,
            kind: Some(Kind::NotApplied),
        };
        assert_eq!(t.iter().filter(|e| only.keeps(e)).count(), 1);
        let by_a = Filter {
            person: Some("A@X".into()),
            kind: None,
        };
        assert_eq!(t.iter().filter(|e| by_a.keeps(e)).count(), 3);
    }

    #[test]
    fn a_forged_clock_is_refused_and_does_not_move_the_session_clock() {
        let mut l = Log::new();
        l.cmd("a", done("impact")).unwrap();
        for forged in [u64::MAX, u64::MAX - 1, 1_000] {
            let mut forged_log = Log {
                events: l.events.clone(),
                lamport: forged - 1,
            };
            forged_log.push(
                "m",
                Payload::StepSkipped(payload::StepWithReason {
                    step: "canary".into(),
                    reason: "forged".into(),
                }),
            );
            let st = forged_log.state();
            let last = st.history.last().unwrap();
            assert!(
                last.not_applied
                    .as_deref()
                    .is_some_and(|w| w.contains("forged clock")),
                "{forged}: {last:?}"
            );
            assert_eq!(st.step("canary").unwrap().status, StepStatus::Pending);
            assert_eq!(st.max_lamport, 2, "{forged}");
            // The next honest event still applies.
            forged_log.lamport = st.max_lamport;
            forged_log.cmd("a", start("canary")).unwrap();
            assert_eq!(
                forged_log.state().step("canary").unwrap().status,
                StepStatus::InProgress
            );
        }
    }

    #[test]
    fn command_runs_are_paired_with_their_outcome() {
        let mut l = Log::new();
        let started = |step: &str| {
            Command::Record(Payload::CommandStarted(payload::CommandStarted {
                step: step.into(),
                command: "./deploy.sh".into(),
                confirmed_by: Some("Dana".into()),
            }))
        };
        assert!(matches!(
            l.cmd("a", started("canary")),
            Err(RuleError::RequiresPending { .. })
        ));
        l.cmd("a", started("impact")).unwrap();
        assert_eq!(
            l.state().step("impact").unwrap().status,
            StepStatus::InProgress
        );
        l.cmd(
            "a",
            Command::Record(Payload::CommandFinished(payload::CommandFinished {
                step: "impact".into(),
                command: "./deploy.sh".into(),
                exit_code: Some(3),
                signal: None,
                duration_ms: 1200,
                timed_out: false,
                cancelled: false,
                interrupted: None,
                output_sha256: "00".into(),
                output_bytes: 10,
                last_lines: vec!["boom".into()],
            })),
        )
        .unwrap();
        let st = l.state();
        let run = &st.step("impact").unwrap().runs[0];
        assert_eq!(run.confirmed_by.as_deref(), Some("Dana"));
        let (_, fin) = run.finished.as_ref().unwrap();
        assert!(!fin.succeeded());
        assert_eq!(fin.exit_code, Some(3));
    }

    #[test]
    fn a_release_tag_names_its_commit_in_hex() {
        let mut l = Log::new();
        let tagged = |commit: &str| {
            Command::Record(Payload::ReleaseTagged(payload::ReleaseTagged {
                tag: "v1.0.0".into(),
                commit: commit.into(),
                version: Some("1.0.0".into()),
            }))
        };
        for bad in ["", "é3b0c44298", "abc", "3b0c4429\n8fc1", &"a".repeat(65)] {
            assert!(
                matches!(l.cmd("a", tagged(bad)), Err(RuleError::BadCommitId(_))),
                "{bad:?}"
            );
        }
        l.cmd("a", tagged("3b0c44298fc1c149afbf4c8996fb92427ae41e46"))
            .unwrap();
        assert_eq!(l.state().tags.len(), 1);
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::session::event::{Draft, GENESIS};

    fn ev(lamport: u64, actor: &str, seq: u64, tag: u64) -> Event {
        let data = serde_json::value::to_raw_value(&serde_json::json!({ "tag": tag })).unwrap();
        let who = Who {
            name: "A".into(),
            email: "a@x".into(),
        };
        Event::seal(Draft {
            session: "S",
            actor,
            seq,
            lamport,
            at: "t".into(),
            who: &who,
            kind: "note_added",
            data: &data,
            prev: &GENESIS,
            key: None,
        })
        .unwrap()
        .0
    }

    fn order(events: &[Event]) -> Vec<(u64, String, u64, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e.lamport,
                    e.actor.to_string(),
                    e.seq,
                    e.data.get().to_string(),
                )
            })
            .collect()
    }

    /// Merging runs gives exactly the stable sort of their concatenation:
    /// interleaved files, runs out of order, ties on the whole key, empty
    /// runs.
    #[test]
    fn merge_equals_stable_sort_of_the_concatenation() {
        let mut tag = 0;
        let mut next = |l: u64, a: &str, s: u64| {
            tag += 1;
            ev(l, a, s, tag)
        };
        let cases: Vec<Vec<Vec<Event>>> = vec![
            vec![],
            vec![vec![], vec![]],
            vec![vec![next(1, "a", 1), next(4, "a", 2)]],
            vec![vec![next(3, "a", 1), next(1, "a", 2)]],
            vec![
                vec![next(1, "a", 1), next(4, "a", 2), next(7, "a", 3)],
                vec![next(2, "b", 1), next(5, "b", 2)],
                vec![],
                vec![
                    next(3, "c", 1),
                    next(6, "c", 2),
                    next(8, "c", 3),
                    next(9, "c", 4),
                ],
            ],
            // Same lamport on several actors, and copies of the same key.
            vec![
                vec![next(1, "b", 1), next(2, "b", 2), next(2, "b", 2)],
                vec![next(1, "a", 1), next(2, "b", 2), next(2, "a", 2)],
                vec![next(2, "b", 2), next(1, "b", 1)],
            ],
            // Unsorted runs (a hand-edited file).
            vec![
                vec![
                    next(9, "a", 3),
                    next(1, "a", 1),
                    next(5, "a", 2),
                    next(5, "a", 2),
                ],
                vec![next(5, "a", 2), next(2, "b", 1)],
            ],
        ];
        for runs in cases {
            let mut expected: Vec<Event> = runs.iter().flatten().cloned().collect();
            sort_events(&mut expected);
            assert_eq!(order(&merge_runs(runs)), order(&expected));
        }
    }
}
