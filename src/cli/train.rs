//! `greenlight train status|next|notes`: the release train across the
//! components' repositories, read from the system repository.

use std::process::ExitCode;

use clap::Subcommand;
use color_eyre::eyre::{Result, eyre};

use super::out::{say, sayln};
use super::{Global, print_json};

#[derive(Debug, Subcommand)]
pub enum TrainCmd {
    /// Each component: manifest version, next version from its own
    /// history, commits since its release, its own release session, its
    /// requirements; then the system version and what blocks the train.
    Status {
        /// Fetch the components' remotes again (otherwise a remote is
        /// fetched only the first time).
        #[arg(long)]
        fetch: bool,
        /// Print the train as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The next train: its number, departure date and system version.
    Next {
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Release notes for the system version, grouped by component.
    Notes {
        /// Print the notes as JSON (per component).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(g: &Global, c: TrainCmd) -> Result<ExitCode> {
    let ws = g.workspace()?;
    match c {
        TrainCmd::Status { fetch, json } => {
            let t = ws.train_status(fetch)?;
            if json {
                print_json(&t)?;
            } else {
                say!("{}", crate::train::status::render(&t));
            }
            Ok(ExitCode::SUCCESS)
        }
        TrainCmd::Next { json } => {
            let cfg = ws.config.train.as_ref().ok_or_else(|| {
                eyre!(
                    "{} has no [train] section; add one with cadence and first (see the README's release train section)",
                    ws.repo.root.join(crate::config::RepoConfig::FILE).display()
                )
            })?;
            let d = crate::train::next_departure(
                cfg.first_date()?,
                cfg.cadence_days()?,
                crate::train::schedule::today(),
            )
            .ok_or_else(|| eyre!("[train] gives no next departure"))?;
            let t = ws.train_status(false)?;
            if json {
                print_json(&serde_json::json!({
                    "train": d,
                    "system_version": t.system_version,
                    "next_system_version": t.next_system_version,
                    "system_bump": t.system_bump,
                    "reason": t.system_reason,
                    "dm": cfg.dm,
                    "blockers": t.blockers,
                }))?;
            } else {
                sayln!("{}", d.label());
                sayln!(
                    "System version {} (from {}: {})",
                    t.next_system_version,
                    t.system_version,
                    crate::text::one_line(&t.system_reason)
                );
                if !t.blockers.is_empty() {
                    sayln!(
                        "{} blocker{}: see greenlight train status",
                        t.blockers.len(),
                        if t.blockers.len() == 1 { "" } else { "s" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TrainCmd::Notes { json } => {
            let t = ws.train_status(false)?;
            let notes = crate::train::notes::collect(&t)?;
            if json {
                print_json(&notes)?;
            } else {
                say!("{}", crate::train::notes::render(&t, &notes));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
