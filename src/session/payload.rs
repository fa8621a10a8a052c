//! Typed payloads of the event kinds this build understands.
//!
//! Events keep `kind` and raw `data` on disk; this module turns them into a
//! typed value for the fold and builds `data` when an event is made. Kinds it
//! does not know are kept and verified but not folded.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::plan::Plan;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionStarted {
    pub plan: Plan,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    pub repo: String,
    /// Where the playbook came from: commands are read again from there
    /// before they run (see [`crate::playbook::source`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::playbook::PlaybookSource>,
    /// The team (`[[people]]`) when the session started: the fold checks
    /// roles against it, so every clone agrees. Empty: roles are not
    /// enforced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<RosterEntry>,
    /// `[policy]` when the session started.
    #[serde(default, skip_serializing_if = "Policy::is_default")]
    pub policy: Policy,
    /// The canary plan's weights and observation time when the session
    /// started, so the fold can tell when the canary step may complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<FrozenCanary>,
    /// Which events must be signed, and who may sign, when the session
    /// started (the allowed signers of the commit it started on).
    #[serde(
        default,
        skip_serializing_if = "super::signatures::FrozenSignatures::is_default"
    )]
    pub signatures: super::signatures::FrozenSignatures,
    /// `[[notify]]` when the session started: names and moments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<crate::notify::FrozenTarget>,
    /// The monorepo component this session releases (`new --component`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// A release train's session: which train, when it leaves, its DM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<Box<FrozenTrain>>,
}

/// The train a release-train session runs, as `[train]` said at its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenTrain {
    pub number: u32,
    /// The departure date, `YYYY-MM-DD`.
    pub departs: String,
    /// The dedicated delivery manager's e-mail: the only person whose DM
    /// sign-off counts in this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm: Option<String>,
    /// Why it was started outside its window, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_schedule: Option<String>,
}

/// One person of the team as a session froze it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl From<&crate::config::Person> for RosterEntry {
    fn from(p: &crate::config::Person) -> Self {
        RosterEntry {
            name: p.name.clone(),
            email: p.email.clone(),
            roles: p.roles.clone(),
        }
    }
}

/// The rules about exceptions a session froze at its start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Who may override a rule (roles); empty: anyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub override_roles: Vec<String>,
}

impl Policy {
    pub fn is_default(&self) -> bool {
        self == &Policy::default()
    }
}

/// The canary plan as the session started it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenCanary {
    /// The weights, rising; the last one completes the canary.
    pub weights: Vec<u32>,
    /// How long a weight is watched before its Promote counts.
    pub min_observation_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRef {
    pub step: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepWithNote {
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// URLs and files given as evidence (files by path, size and sha256,
    /// never their content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// A gate's SARIF report as judged when it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sarif: Option<SarifSummary>,
    /// The manifest as it was when a manifest step was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<ManifestSnapshot>,
    /// A decision step: the option chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

impl StepWithNote {
    pub fn new(step: impl Into<String>, note: Option<String>) -> StepWithNote {
        StepWithNote {
            step: step.into(),
            note,
            evidence: Vec::new(),
            sarif: None,
            manifest: None,
            choice: None,
        }
    }
}

/// One piece of evidence given when completing a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Evidence {
    Url {
        url: String,
    },
    File {
        path: String,
        bytes: u64,
        sha256: String,
    },
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Evidence::Url { url } => f.write_str(url),
            Evidence::File {
                path,
                bytes,
                sha256,
            } => write!(
                f,
                "{path} ({bytes} bytes, sha256 {})",
                sha256.chars().take(16).collect::<String>()
            ),
        }
    }
}

/// A SARIF report's results counted by level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SarifSummary {
    pub path: String,
    pub sha256: String,
    pub error: u64,
    pub warning: u64,
    pub note: u64,
    /// Results with level "none" (informational).
    #[serde(default)]
    pub none: u64,
}

impl SarifSummary {
    /// Results at or above `level`.
    pub fn at_or_above(&self, level: crate::playbook::SarifLevel) -> u64 {
        use crate::playbook::SarifLevel;
        match level {
            SarifLevel::Error => self.error,
            SarifLevel::Warning => self.error + self.warning,
            SarifLevel::Note => self.error + self.warning + self.note,
        }
    }
}

/// The manifest of components as it was approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSnapshot {
    /// The file's git blob id: names the snapshot.
    pub blob: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    pub components: Vec<ComponentVersion>,
    /// Requirements that do not hold, in words (empty: the check passed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ManifestSnapshot {
    /// "system 3.2.0 (manifest 1a2b3c4d5e)".
    pub fn label(&self) -> String {
        format!(
            "system {} (manifest {})",
            self.system.as_deref().unwrap_or("?"),
            self.blob.chars().take(10).collect::<String>()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentVersion {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// A person broke a rule of the session on purpose, and says why: the
/// next event of the same actor file is applied despite `rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOverridden {
    /// The rules broken (see [`crate::session::state::Rule`]).
    pub rules: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The kind of the event it lets through.
    pub action: String,
    pub reason: String,
}

/// One attempt to deliver a notification: to which target, for which
/// moment and causing event (the key that makes it at most once), and
/// what came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationSent {
    pub target: String,
    pub moment: String,
    /// The hash of the event that caused the moment.
    pub cause: String,
    pub ok: bool,
    /// `HTTP 200`, `exit 0`, or why it failed.
    pub result: String,
    pub attempt: u32,
    /// The step the moment is about, when one (its record lists it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// The keyboard of a device passed from one person to another (pairing
/// over screen share): what follows on this device is the new person's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandOver {
    pub from: crate::session::Who,
    pub to: crate::session::Who,
}

/// A person of a role acknowledged a step (the DM walking the checklist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepAcknowledged {
    pub step: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepWithReason {
    pub step: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signoff {
    pub step: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The manifest snapshot the decision is about, when one was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Empty {}

/// A step command (or its rollback) began to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandStarted {
    pub step: String,
    pub command: String,
    /// Who confirmed it, when the step asks for confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<String>,
}

/// How a step command (or its rollback) ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandFinished {
    pub step: String,
    pub command: String,
    /// The exit code, when the process exited on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended it, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    /// Stopped because greenlight itself was ending, and why: the signal
    /// ("SIGTERM", "SIGHUP"), the terminal closing, or greenlight gone
    /// before the command ended (found at the next start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// sha256 of everything it printed (stdout and stderr, as received).
    pub output_sha256: String,
    pub output_bytes: u64,
    /// The last lines it printed, for the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_lines: Vec<String>,
}

impl CommandFinished {
    /// Exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled
    }
}

/// The canary's traffic weight was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryWeightSet {
    pub step: String,
    pub weight: u32,
    /// Set when moving on without a Promote verdict at the previous weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The canary was rolled back (to weight 0): the canary step is
    /// rolled back with it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rollback: bool,
}

/// One judgement of the canary against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryJudged {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// promote | hold | rollback
    pub verdict: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    pub summary: String,
    /// The full judgement (per-metric values, intervals and rules).
    #[serde(default)]
    pub judgement: serde_json::Value,
}

/// The release was tagged in git.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseTagged {
    pub tag: String,
    pub commit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The session's release notes were set or edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseNotesSet {
    pub markdown: String,
}

/// A file set aside beside a journal (a torn tail, a damaged part, a
/// refused or diverging copy), named by its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAsideFile {
    /// Its file name in the session folder.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

/// A person looked at what was set aside beside the journals (and what
/// `audit recover` restored), and says why it happened. `audit verify`
/// passes again for exactly these files (matched by their sha256).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecovered {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAsideFile>,
    /// Journals restored from the synced copy, or cut back to their last
    /// line that verifies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<String>,
}

/// Every event kind the fold understands.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    SessionStarted(SessionStarted),
    StepStarted(StepRef),
    StepCompleted(StepWithNote),
    StepSkipped(StepWithReason),
    StepFailed(StepWithReason),
    NoteAdded(Note),
    SignoffGiven(Signoff),
    SignoffRejected(Signoff),
    SessionCompleted(Empty),
    SessionAborted(Reason),
    CommandStarted(CommandStarted),
    CommandFinished(CommandFinished),
    RollbackStarted(CommandStarted),
    RollbackFinished(CommandFinished),
    CanaryWeightSet(CanaryWeightSet),
    CanaryJudged(CanaryJudged),
    ReleaseTagged(ReleaseTagged),
    ReleaseNotesSet(ReleaseNotesSet),
    JournalRecovered(JournalRecovered),
    RuleOverridden(RuleOverridden),
    StepAcknowledged(StepAcknowledged),
    KeyboardHandedOver(HandOver),
    NotificationSent(NotificationSent),
}

impl Payload {
    /// The step an event is about, when it is about one.
    pub fn step(&self) -> Option<&str> {
        match self {
            Payload::StepStarted(s) => Some(&s.step),
            Payload::StepCompleted(s) => Some(&s.step),
            Payload::StepSkipped(s) | Payload::StepFailed(s) => Some(&s.step),
            Payload::NoteAdded(n) => n.step.as_deref(),
            Payload::SignoffGiven(s) | Payload::SignoffRejected(s) => Some(&s.step),
            Payload::CommandStarted(c) | Payload::RollbackStarted(c) => Some(&c.step),
            Payload::CommandFinished(c) | Payload::RollbackFinished(c) => Some(&c.step),
            Payload::CanaryWeightSet(w) => Some(&w.step),
            Payload::CanaryJudged(j) => j.step.as_deref(),
            Payload::RuleOverridden(o) => o.step.as_deref(),
            Payload::StepAcknowledged(a) => Some(&a.step),
            Payload::SessionStarted(_)
            | Payload::SessionCompleted(_)
            | Payload::SessionAborted(_)
            | Payload::ReleaseTagged(_)
            | Payload::ReleaseNotesSet(_)
            | Payload::JournalRecovered(_)
            | Payload::KeyboardHandedOver(_)
            | Payload::NotificationSent(_) => None,
        }
    }
}

/// Maps each variant to its kind name and back, in one place.
macro_rules! kinds {
    ($($variant:ident => $name:literal),* $(,)?) => {
        impl Payload {
            /// The `kind` written on disk.
            pub fn kind(&self) -> &'static str {
                match self { $(Payload::$variant(_) => $name,)* }
            }

            /// The `data` written on disk.
            pub fn to_data(&self) -> Result<Box<RawValue>, serde_json::Error> {
                match self { $(Payload::$variant(d) => serde_json::value::to_raw_value(d),)* }
            }

            /// Rebuild a payload from what is on disk; `None` if the kind is
            /// unknown or its data does not have the expected shape.
            pub fn from_parts(kind: &str, data: &RawValue) -> Option<Payload> {
                match kind {
                    $($name => serde_json::from_str(data.get()).ok().map(Payload::$variant),)*
                    _ => None,
                }
            }
        }

        /// Every kind name this build knows.
        pub const KNOWN_KINDS: &[&str] = &[$($name),*];
    };
}

kinds! {
    SessionStarted => "session_started",
    StepStarted => "step_started",
    StepCompleted => "step_completed",
    StepSkipped => "step_skipped",
    StepFailed => "step_failed",
    NoteAdded => "note_added",
    SignoffGiven => "signoff_given",
    SignoffRejected => "signoff_rejected",
    SessionCompleted => "session_completed",
    SessionAborted => "session_aborted",
    CommandStarted => "command_started",
    CommandFinished => "command_finished",
    RollbackStarted => "rollback_started",
    RollbackFinished => "rollback_finished",
    CanaryWeightSet => "canary_weight_set",
    CanaryJudged => "canary_judged",
    ReleaseTagged => "release_tagged",
    ReleaseNotesSet => "release_notes_set",
    JournalRecovered => "journal_recovered",
    RuleOverridden => "rule_overridden",
    StepAcknowledged => "step_acknowledged",
    KeyboardHandedOver => "keyboard_handed_over",
    NotificationSent => "notification_sent",
}
