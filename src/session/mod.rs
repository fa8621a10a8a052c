//! Release sessions: events, actor journals, the fold into state, and the
//! store that finds sessions on disk.

pub mod chain;
pub mod checkpoint;
pub mod event;
pub mod files;
pub mod journal;
pub mod lock;
pub mod names;
pub mod payload;
pub mod plan;
pub mod rules;
pub mod signatures;
pub mod state;
pub mod store;
pub mod synth;
pub mod timeline;
pub mod words;

pub use event::{Event, Who};
pub use payload::Payload;
pub use plan::{Plan, PlanStep};
pub use rules::{Breach, Rule};
pub use state::{Command, RuleError, SessionState, SessionStatus, StepStatus};
pub use store::{Session, SessionSummary, Store, StoreError};
pub use words::clock_time;
