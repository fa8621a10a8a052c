//! greenlight: run a production release as a session.
//!
//! The library holds the core (playbooks, sessions and their journal, the
//! audit, release helpers, canary, logs, step commands) and the two front
//! ends (CLI and TUI). The core never depends on a front end.

pub mod audit;
pub mod canary;
pub mod cli;
pub mod config;
pub mod demo;
pub mod evidence;
pub mod exec;
pub mod git_tls;
pub mod http;
pub mod identity;
pub mod logs;
pub mod notify;
pub mod playbook;
pub mod release;
pub mod repo;
pub mod session;
pub mod signing;
pub mod text;
pub mod train;
pub mod tui;
pub mod workspace;
