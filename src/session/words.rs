//! How states read to a person, shared by every front end (the CLI's
//! tables, the app's panes, the release record): one word each, and an
//! icon that never carries the meaning alone.

use super::SessionStatus;
use super::state::{StepState, StepStatus};

impl SessionStatus {
    pub fn word(self) -> &'static str {
        match self {
            SessionStatus::Unstarted => "not started",
            SessionStatus::Open => "open",
            SessionStatus::Completed => "complete",
            SessionStatus::Aborted => "aborted",
        }
    }
}

impl StepState {
    /// Icon and word; `waiting`: a pending step whose requires are not
    /// settled yet.
    pub fn mark(&self, waiting: bool) -> (&'static str, &'static str) {
        match self.status {
            StepStatus::Done => ("✔", "done"),
            StepStatus::Skipped => ("↷", "skipped"),
            StepStatus::InProgress => ("▶", "in progress"),
            StepStatus::Failed => ("✘", "failed"),
            StepStatus::Rejected => ("⛔", "rejected"),
            StepStatus::RolledBack => ("↶", "rolled back"),
            StepStatus::RollbackFailed => ("‼", "rollback failed"),
            StepStatus::Pending if waiting => ("·", "waiting"),
            StepStatus::Pending => ("○", "ready"),
        }
    }
}

/// "14:03:11" from an RFC 3339 timestamp as events carry it (the whole
/// text when it is not one): how every front end shows a time of day.
pub fn clock_time(at: &str) -> &str {
    at.get(11..19).unwrap_or(at)
}
