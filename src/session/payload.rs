//! Typed payloads of the event kinds this build understands.
//!
//! Events keep `kind` and raw `data` on disk; this module turns them into a
//! typed value for the fold and builds `data` when an event is made. Kinds it
//! does not know are kept and verified but not folded.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::plan::Plan;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionStarted {
    pub plan: Plan,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    pub repo: String,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Empty {}

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
}
