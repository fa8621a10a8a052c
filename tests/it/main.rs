//! Every integration test, in one binary: cargo builds and links one
//! executable instead of twenty (matklad's "one integration test crate";
//! cargo's own test suite is built this way), so an edit costs one link.
//!
//! Each module is one subject; `common` holds the shared sandboxes.

mod common;

mod canary_cli;
mod canary_config;
mod canary_judge;
mod canary_prometheus;
mod canary_sources;
mod cli;
mod cli_release;
mod cli_shell;
mod crash;
mod exec_cli;
mod exec_flood;
mod exec_runner;
mod exec_step;
mod gates;
mod git_https;
mod git_sync;
mod hostile_output;
mod hostile_remote;
mod journal_props;
mod journal_text;
mod logs_cli;
mod logs_cut;
mod logs_sources;
mod not_utf8;
mod notify;
mod playbook;
mod readme;
mod release;
mod signals;
mod signing;
mod train;
mod tui_app;
mod tui_pty;
mod tui_snapshots;
