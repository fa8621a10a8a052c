//! The release train across services: components in their own
//! repositories, a cadence and a dedicated delivery manager, and one
//! system version. Knows nothing of the TUI or the CLI.
//!
//! - [`config`]: `[train]` (cadence, first departure, DM, teams).
//! - [`schedule`]: which train leaves next, and when.
//! - [`cache`]: clones of components' remotes.
//! - [`component`]: one component as its own repository tells it.
//! - [`status`]: the train put together: readiness, system version,
//!   blockers.

pub mod cache;
pub mod component;
pub mod config;
pub mod notes;
pub mod schedule;
pub mod status;

pub use config::{Team, TrainConfig, TrainConfigError};
pub use schedule::{Departure, next_departure};
pub use status::{ComponentStatus, Readiness, TrainInputs, TrainStatus};
