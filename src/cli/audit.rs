//! `greenlight audit ...`: verify a session's hash-chained journals.

use std::process::ExitCode;

use clap::Subcommand;
use color_eyre::eyre::Result;

use super::out::{esayln, sayln};
use super::{Global, print_json};
use crate::audit::git_sync;
use crate::audit::verify::verify_session;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check every actor file of a session: hashes, chain links, seq and
    /// lamport order. Exits 1 naming the first bad record of each file.
    Verify {
        /// Session id or prefix; default: the last open session.
        session: Option<String>,
        /// Verify a session folder directly (e.g. from a checkout of
        /// refs/greenlight/audit); its name is the session id.
        #[arg(long, value_name = "DIR", conflicts_with = "session")]
        dir: Option<std::path::PathBuf>,
        /// Print the report as JSON (every file, its events and findings).
        #[arg(long)]
        json: bool,
    },
    /// Send this repository's sessions to the remote's refs/greenlight/audit
    /// (after merging what the remote has: nothing is ever overwritten).
    Push(SyncArgs),
    /// Fetch the remote's audit trail and merge it into the local sessions.
    Pull(SyncArgs),
    /// Pull, then push.
    Sync(SyncArgs),
    /// When the remote was last seen, and how many events it lacks.
    Status(SyncArgs),
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The git remote; default: [audit] remote in .greenlight.toml, else origin.
    #[arg(long)]
    pub remote: Option<String>,
    /// Print what happened as JSON.
    #[arg(long)]
    pub json: bool,
}

fn print_sync(r: &git_sync::SyncReport, json: bool) -> Result<ExitCode> {
    if json {
        print_json(r)?;
    } else {
        let n = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        sayln!(
            "{} {}: {}, {}; {} added, {} extended from the remote{}",
            if r.pushed {
                "synced with"
            } else {
                "pulled from"
            },
            r.remote,
            n(r.sessions, "session", "sessions"),
            n(r.files, "file", "files"),
            n(r.merge.added.len(), "file", "files"),
            r.merge.extended.len(),
            r.commit
                .as_deref()
                .map(|c| format!("; audit commit {}", &c[..c.len().min(10)]))
                .unwrap_or_default()
        );
        for p in &r.merge.busy {
            sayln!(
                "note: {} is being written here now; it syncs next time",
                p.display()
            );
        }
    }
    for f in &r.merge.forks {
        esayln!(
            "FORK OR TAMPER: {} in session {} on {} does not extend ours; both kept (theirs in {})",
            f.file,
            f.session,
            r.remote,
            f.kept_as.display()
        );
    }
    Ok(if r.merge.forks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn run(g: &Global, c: AuditCmd) -> Result<ExitCode> {
    match c {
        AuditCmd::Verify { session, dir, json } => {
            let (dir, id) = match dir {
                Some(d) => {
                    let id = d
                        .file_name()
                        .and_then(|n| n.to_str())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            color_eyre::eyre::eyre!(
                                "{} does not name a session folder",
                                d.display()
                            )
                        })?;
                    (d, id)
                }
                None => {
                    let ws = g.workspace()?;
                    let id = ws
                        .store
                        .resolve_for_reading(&ws.repo.key, session.as_deref())?;
                    (ws.store.session_dir(&ws.repo.key, &id), id)
                }
            };
            let report = verify_session(&dir, &id)?;
            if json {
                print_json(&report)?;
            } else {
                for f in &report.files {
                    if f.torn_tail_bytes > 0 {
                        sayln!(
                            "warning: {} ends with {} bytes of a write cut short; the next writer sets them aside",
                            f.file.display(),
                            f.torn_tail_bytes
                        );
                    }
                }
                for side in &report.set_aside {
                    sayln!("note: torn tail kept as evidence in {}", side.display());
                }
                if report.ok() {
                    sayln!(
                        "audit ok: session {id}, {} events in {} actor files, every hash and link verified",
                        report.events(),
                        report.files.len()
                    );
                } else {
                    for f in report.first_findings() {
                        esayln!("TAMPERED OR CORRUPT: {f}");
                    }
                    let total: usize = report.files.iter().map(|f| f.findings.len()).sum();
                    esayln!("audit FAILED: {total} bad records in session {id}");
                }
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        AuditCmd::Push(a) | AuditCmd::Sync(a) => {
            let ws = g.workspace()?;
            let r = ws.sync(a.remote.as_deref())?;
            print_sync(&r, a.json)
        }
        AuditCmd::Pull(a) => {
            let ws = g.workspace()?;
            let repo = ws.repo.open()?;
            let remote = a.remote.as_deref().unwrap_or(&ws.config.audit.remote);
            let r = git_sync::pull(&repo, &ws.sessions_dir(), remote)?;
            print_sync(&r, a.json)
        }
        AuditCmd::Status(a) => {
            let ws = g.workspace()?;
            let repo = ws.repo.open()?;
            let remote = a.remote.as_deref().unwrap_or(&ws.config.audit.remote);
            let st = git_sync::status(&repo, &ws.sessions_dir(), remote)?;
            if a.json {
                print_json(&st)?;
            } else {
                let seen = st
                    .last_synced
                    .or(st.last_seen)
                    .and_then(|s| jiff::Timestamp::from_second(s).ok())
                    .map(|t| format!("last synced at {t}"))
                    .unwrap_or_else(|| "never synced".into());
                sayln!(
                    "{}: {seen}; {} local events not pushed yet",
                    st.remote,
                    st.unpushed_events
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
