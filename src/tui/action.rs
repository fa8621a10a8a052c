//! What flows into `update` (actions) and out of it (effects).
//!
//! Actions are semantic: keys have already been looked up in the keymap by
//! `input`, where they were pressed. Effects are requests to the core,
//! executed by the driver, whose results come back as actions.

use crate::canary::job::CanaryJob;
use crate::canary::process::Finished;
use crate::canary::snapshot::CanarySnapshot;
use crate::session::{Command, Payload, SessionSummary, Who};

use super::ctx::SessionView;
use super::keymap::KeyAction;

/// A message into the app's `update`.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key, as the keymap read it where it was pressed.
    Key(KeyAction),
    /// A character typed into a prompt.
    Type(char),
    /// A key for the notes editor itself (not one of the keymap's).
    EditorInput(ratatui_textarea::Input),
    /// A left click at a screen cell.
    Click {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock: once a second.
    Tick(jiff::Timestamp),
    /// Something in the open session's folder changed on disk.
    JournalChanged,
    /// The session as it is now (after opening, acting or a refresh).
    Loaded(Box<SessionView>),
    /// What the start screen offers.
    StartLoaded(StartData),
    /// A command was recorded; `summary` says what, for the status line.
    Performed {
        cmd: Command,
        summary: String,
    },
    /// Something to tell the person (events from others arrived, a
    /// session started).
    Info(String),
    /// The core refused or failed: why.
    Failed(String),
    /// Notifications were sent off the UI thread: each attempt, to record.
    Notified(Vec<crate::session::payload::NotificationSent>),
    /// The session's rules refused a command; an override with a reason
    /// would get it past them.
    Refused {
        why: String,
        cmd: Command,
        who: Who,
    },
    /// The version asked for already has a session here (`why` says
    /// which): ask before starting another release of it.
    SameVersion {
        why: String,
        scenario: String,
        version: semver::Version,
        who: Who,
    },
    /// A session completed untagged and `[audit] tag_on_complete` is
    /// unset: offer to tag the release `version` as `tag`.
    OfferTag {
        version: String,
        tag: String,
    },
    /// A judgement from the canary collector (owned, like every sample).
    CanaryJudged(Box<CanarySnapshot>),
    /// A canary judgement was recorded (auto_rollback may be due).
    CanaryRecorded,
    /// A canary judgement could not be recorded: why.
    CanaryRecordFailed(String),
    /// A canary command (`set_weight`, rollback) ended in the background.
    CanaryCommandDone(Box<CanaryCommandDone>),
    /// Log lines (or a finished command) wait in the feed.
    LogsReady,
    /// A release train would leave off its schedule: ask why, then start.
    OffSchedule {
        why: String,
        scenario: String,
        version: Option<semver::Version>,
        who: Who,
    },
    /// The release train as its components' repositories tell it.
    TrainRead(Box<Result<crate::train::TrainStatus, String>>),
    /// A step command started; its output streams into Logs.
    RunStarted {
        step: String,
        action: crate::exec::StepAction,
        command: String,
    },
    /// A step command ended and its end was recorded; `text` says how.
    RunFinished {
        step: String,
        action: crate::exec::StepAction,
        ok: bool,
        text: String,
    },
    /// Release notes drafted from history, or why not.
    NotesDrafted(Result<String, String>),
    /// The repository's manifest, as read.
    ManifestRead(super::manifest::ManifestState),
    /// The session's timeline, as read.
    TimelineRead(Vec<crate::session::timeline::Entry>),
    /// The audit trail's sync status, or why it could not be read.
    SyncStatus(Result<crate::audit::git_sync::SyncStatus, String>),
    /// An audit sync ended (`manual`: asked for with a key).
    Synced {
        manual: bool,
        result: Result<super::sync::SyncOutcome, String>,
    },
    /// Lasting warnings (runs a greenlight that died left, closed now).
    Warnings(Vec<String>),
}

impl Action {
    /// Background work that comes round on its own: the canary
    /// collector's judgement and its record, the live audit sync and its
    /// status, the train's re-read, notifications sent. With the clock
    /// running, what they change is drawn with its next tick.
    pub fn is_periodic(&self) -> bool {
        matches!(
            self,
            Action::CanaryJudged(_)
                | Action::CanaryRecorded
                | Action::SyncStatus(_)
                | Action::Synced { manual: false, .. }
                | Action::TrainRead(_)
                | Action::Notified(_)
        )
    }
}

/// A canary job's command, ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryCommandDone {
    pub job: CanaryJob,
    /// How it ended, or why it could not start.
    pub result: Result<Finished, String>,
}

/// A request to the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record a command as the person at the keyboard; with a reason,
    /// breaking the session's rules it would break (an override).
    Perform {
        cmd: Command,
        who: Who,
        override_reason: Option<String>,
    },
    /// Re-read the session's journals.
    Refresh,
    OpenSession(String),
    /// Start a session of `scenario`, as `who`; `again`: even when the
    /// version already has one here.
    StartSession {
        scenario: String,
        version: Option<semver::Version>,
        who: Who,
        again: bool,
        /// Why a release train leaves off its schedule, once asked.
        off_schedule: Option<String>,
    },
    /// Tag HEAD as the release `version` of the open session, and record it.
    TagRelease {
        version: String,
    },
    /// Read the catalog and the session list for the start screen.
    LoadStart,
    /// Record a canary judgement (`canary_judged`) as this process's own
    /// identity; quietly: the Canary pane shows it already.
    RecordJudgement(Payload),
    /// Send the notifications due now (retries), off the UI thread.
    SendNotifications,
    /// Record notification attempts made in the background.
    RecordNotifications(Vec<crate::session::payload::NotificationSent>),
    /// Set the simulated source's regression switch and judge again now.
    SetRegression(bool),
    /// Set the canary weight or roll the canary back: its command (if
    /// any) runs off the UI thread; each part is recorded.
    Canary(Box<CanaryJob>),
    /// Record how a canary job's command ended, then (when it succeeded)
    /// the weight it set.
    FinishCanary(Box<CanaryCommandDone>),
    /// Take in what the log feed holds (within a time budget), and the
    /// ends of finished commands.
    DrainLogs,
    /// Run a step's command or its rollback in the background.
    RunStep {
        step: String,
        action: crate::exec::StepAction,
        confirmed_by: Option<String>,
        who: Who,
    },
    /// Cancel the step's running command (kills its process group).
    CancelRun {
        step: String,
    },
    /// Cancel the running canary command (kills its process group).
    CancelCanary,
    /// Draft release notes from the commits since the last release.
    DraftNotes,
    /// Read `release-manifest.toml`.
    LoadManifest,
    /// Read the release train's components again (in the background).
    ReadTrain,
    /// Read the session's timeline (every event, described).
    LoadTimeline,
    /// Change a component's version in the manifest (and note it in the
    /// session as `who`).
    SetManifest {
        component: String,
        version: semver::Version,
        who: Who,
    },
    /// Read the audit trail's sync status (off the UI thread).
    SyncStatus,
    /// Pull and push the audit trail (off the UI thread).
    Sync {
        manual: bool,
    },
}

/// One scenario on the start screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub steps: usize,
}

/// What the start screen lists.
#[derive(Debug, Clone, Default)]
pub struct StartData {
    pub scenarios: Vec<ScenarioRow>,
    /// Newest first.
    pub sessions: Vec<SessionSummary>,
    /// Why something could not be listed (a broken playbook, say).
    pub error: Option<String>,
    /// The next version, proposed from tags and conventional commits, or
    /// why none could be (no git history, a bad tag pattern).
    pub proposal: Option<Result<VersionProposal, String>>,
}

/// The version the start screen proposes for a new release.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionProposal {
    /// The version to pre-fill (`None`: history asks for no release).
    pub version: Option<String>,
    /// "v1.3.0 → v1.4.0 (minor)".
    pub headline: String,
    /// The commit that decided, in a sentence.
    pub reason: String,
    /// The scenario the history suggests: `hotfix` when every change
    /// since the last release is a fix.
    pub scenario: Option<String>,
}

impl VersionProposal {
    pub fn of(nv: &crate::release::NextVersion) -> VersionProposal {
        let text = crate::release::render_next_version(nv);
        VersionProposal {
            version: nv.is_release_needed().then(|| nv.next.to_string()),
            headline: text.lines().next().unwrap_or_default().to_string(),
            reason: nv.reason.clone(),
            scenario: nv.only_fixes().then(|| "hotfix".to_string()),
        }
    }
}
