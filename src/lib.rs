//! greenlight: run a production release as a session.
//!
//! The library holds the core (playbooks, sessions and their journal, the
//! audit, release helpers, canary, logs, step commands) and the two front
//! ends (CLI and TUI). The core never depends on a front end.

pub mod audit;
pub mod cli;
pub mod config;
pub mod identity;
pub mod playbook;
pub mod session;
pub mod canary;
pub mod release;
