//! The audit trail: verifying a session's journals (and, later, syncing
//! them into the git repository).

pub mod blob_cache;
pub mod git_sync;
pub mod merge;
pub mod recover;
pub mod report;
pub mod verify;
