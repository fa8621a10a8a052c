//! What flows into `update` (actions) and out of it (effects).
//!
//! Actions are semantic: keys have already been looked up in the keymap by
//! `input`. Effects are requests to the core, executed by the driver, whose
//! results come back as actions.

use crate::session::{Command, SessionSummary, Who};

use super::app::SessionView;
use super::keymap::KeyAction;

/// An edit of a prompt's single line of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Clear the line (ctrl-u).
    Clear,
    Submit,
    Cancel,
}

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyAction),
    Edit(Edit),
    /// The answer to a yes/no confirmation.
    Answer(bool),
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
    /// Log lines (or a finished command) wait in the feed.
    LogsReady,
    /// A step command started; its output streams into Logs.
    RunStarted {
        step: String,
        action: crate::exec::Action,
        command: String,
    },
    /// A step command ended and its end was recorded; `text` says how.
    RunFinished {
        step: String,
        action: crate::exec::Action,
        ok: bool,
        text: String,
    },
}

/// A request to the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record a command as the person at the keyboard.
    Perform {
        cmd: Command,
        who: Who,
    },
    /// Re-read the session's journals.
    Refresh,
    OpenSession(String),
    StartSession {
        scenario: String,
        version: Option<semver::Version>,
    },
    /// Read the catalog and the session list for the start screen.
    LoadStart,
    /// Take in what the log feed holds (within a time budget), and the
    /// ends of finished commands.
    DrainLogs,
    /// Run a step's command or its rollback in the background.
    RunStep {
        step: String,
        action: crate::exec::Action,
        confirmed_by: Option<String>,
        who: Who,
    },
    /// Cancel the step's running command (kills its process group).
    CancelRun {
        step: String,
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
}
