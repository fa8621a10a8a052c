//! `greenlight audit ...`: verify a session's hash-chained journals.

use std::process::ExitCode;

use clap::Subcommand;
use color_eyre::eyre::Result;

use super::{Global, print_json};
use crate::audit::verify::verify_session;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check every actor file of a session: hashes, chain links, seq and
    /// lamport order. Exits 1 naming the first bad record of each file.
    Verify {
        /// Session id or prefix; default: the last open session.
        session: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(g: &Global, c: AuditCmd) -> Result<ExitCode> {
    match c {
        AuditCmd::Verify { session, json } => {
            let ws = g.workspace()?;
            let id = ws
                .store
                .resolve_for_reading(&ws.repo.key, session.as_deref())?;
            let report = verify_session(&ws.store.session_dir(&ws.repo.key, &id), &id)?;
            if json {
                print_json(&report)?;
            } else {
                for f in &report.files {
                    if f.torn_tail_bytes > 0 {
                        println!(
                            "warning: {} ends with {} bytes of a write cut short; the next writer sets them aside",
                            f.file.display(),
                            f.torn_tail_bytes
                        );
                    }
                }
                for side in &report.set_aside {
                    println!("note: torn tail kept as evidence in {}", side.display());
                }
                if report.ok() {
                    println!(
                        "audit ok: session {id}, {} events in {} actor files, every hash and link verified",
                        report.events(),
                        report.files.len()
                    );
                } else {
                    for f in report.first_findings() {
                        eprintln!("TAMPERED OR CORRUPT: {f}");
                    }
                    let total: usize = report.files.iter().map(|f| f.findings.len()).sum();
                    eprintln!("audit FAILED: {total} bad records in session {id}");
                }
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
