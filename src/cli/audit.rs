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
    /// Put a session's journals back in a state that verifies: restore what
    /// the synced copy holds, or cut a damaged journal back to its last
    /// line that verifies; keep everything removed beside it; record your
    /// acknowledgement (with the reason) of every file set aside.
    Recover {
        /// Session id or prefix; default: the current session.
        session: Option<String>,
        /// What happened (a crash, a disk error, who edited what): kept in
        /// the audit trail with the acknowledgement.
        #[arg(long)]
        reason: String,
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
    for w in crate::workspace::sync_warnings(r) {
        esayln!("{w}");
    }
    Ok(if r.merge.alarming() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn run(g: &Global, c: AuditCmd) -> Result<ExitCode> {
    match c {
        AuditCmd::Verify { session, dir, json } => {
            let mut ws = None;
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
                    let w = g.workspace()?;
                    let id = w
                        .store
                        .resolve_for_reading(&w.repo.key, session.as_deref())?;
                    let dir = w.store.session_dir(&w.repo.key, &id);
                    ws = Some(w);
                    (dir, id)
                }
            };
            let report = match &ws {
                Some(ws) => ws.verify(&id)?,
                None => verify_session(&dir, &id)?,
            };
            if json {
                print_json(&report)?;
            } else {
                for side in report.set_aside.iter() {
                    if let Some(by) = &side.acknowledged {
                        sayln!(
                            "note: {} is set aside, acknowledged by {by}",
                            side.path.display()
                        );
                    }
                }
                for f in &report.files {
                    let name = f
                        .file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    for s in &f.signed_by {
                        sayln!(
                            "{}: {} event{} signed by {} as {}",
                            crate::text::escape(&name),
                            s.events,
                            if s.events == 1 { "" } else { "s" },
                            s.key,
                            crate::text::escape(&s.principal)
                        );
                    }
                    if !f.signed_by.is_empty() && f.unsigned > 0 {
                        sayln!(
                            "{}: {} event{} not signed",
                            crate::text::escape(&name),
                            f.unsigned,
                            if f.unsigned == 1 { "" } else { "s" }
                        );
                    }
                }
                if report.ok() {
                    sayln!(
                        "audit ok: session {id}, {} in {}, every hash and link verified{}",
                        super::out::count(report.events(), "event", "events"),
                        super::out::count(report.files.len(), "actor file", "actor files"),
                        if report.compared_with_synced {
                            "; nothing the synced copy holds is missing"
                        } else {
                            ""
                        }
                    );
                } else {
                    let problems = report.problems();
                    for p in &problems {
                        esayln!("TAMPERED OR CORRUPT: {p}");
                    }
                    esayln!(
                        "audit FAILED: {} problem{} in session {id}; `greenlight audit recover {id} --reason …` restores what the synced copy holds and sets the rest aside",
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" }
                    );
                }
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        AuditCmd::Recover { session, reason } => {
            let ws = g.workspace()?;
            let id = ws
                .store
                .resolve_for_reading(&ws.repo.key, session.as_deref())?;
            let done = ws.recover(&id, &reason)?;
            if done.is_empty() {
                sayln!("session {id} verifies: nothing to recover");
                return Ok(ExitCode::SUCCESS);
            }
            for r in &done.restored {
                sayln!("{r}");
            }
            for f in &done.set_aside {
                sayln!(
                    "acknowledged {} ({} bytes, sha256 {})",
                    f.file,
                    f.bytes,
                    &f.sha256[..16]
                );
            }
            let after = ws.verify(&id)?;
            if after.ok() {
                sayln!("audit ok: session {id} verifies again");
                Ok(ExitCode::SUCCESS)
            } else {
                for p in after.problems() {
                    esayln!("still wrong: {p}");
                }
                Ok(ExitCode::FAILURE)
            }
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
            let r = git_sync::pull(&repo, &ws.trail(), remote)?;
            print_sync(&r, a.json)
        }
        AuditCmd::Status(a) => {
            let ws = g.workspace()?;
            let repo = ws.repo.open()?;
            let remote = a.remote.as_deref().unwrap_or(&ws.config.audit.remote);
            let st = git_sync::status(&repo, &ws.trail(), remote)?;
            if a.json {
                print_json(&st)?;
            } else {
                let unpushed = super::out::count(st.unpushed_events, "local event", "local events");
                if !st.remote_exists {
                    sayln!(
                        "no remote `{}`: the audit trail is kept on this machine only ({unpushed} not pushed anywhere). Add one with `git remote add {} URL`, or name another with --remote or [audit] remote in .greenlight.toml.",
                        st.remote,
                        st.remote
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                let seen = st
                    .last_synced
                    .or(st.last_seen)
                    .and_then(|s| jiff::Timestamp::from_second(s).ok())
                    .map(|t| format!("last synced at {t}"))
                    .unwrap_or_else(|| "never synced (`greenlight audit sync` sends it)".into());
                sayln!("{}: {seen}; {unpushed} not pushed yet", st.remote);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
