//! Session subcommands: new, sessions, status, step, signoff, note, abort.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, WrapErr};

use super::out::{esayln, say, sayln};
use super::{Global, print_json, render};
use crate::session::Command;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The scenario's playbook id (see `greenlight playbook list`).
    #[arg(long, value_name = "NAME")]
    pub scenario: String,
    /// The version being released (semver, e.g. 1.4.0).
    #[arg(long, value_name = "X.Y.Z")]
    pub version: Option<String>,
    /// Print the new session as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Print the sessions as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A session id or a unique prefix of one; default: the last open session.
    pub session: Option<String>,
    /// Print the whole state and history as JSON (who did what, and when).
    #[arg(long)]
    pub json: bool,
    /// How many history lines to show (human output).
    #[arg(long, default_value_t = 10)]
    pub history: usize,
}

#[derive(Debug, Args)]
pub struct Target {
    /// The session (id or prefix); default: the last open session.
    #[arg(long, value_name = "SESSION")]
    pub session: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StepCmd {
    /// Start working on a step (its requires must be done or skipped).
    Start {
        step: String,
        #[command(flatten)]
        target: Target,
    },
    /// Mark a step done.
    Done {
        step: String,
        /// What was done, or where the evidence is.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Skip a step, with the reason.
    Skip {
        step: String,
        /// Why it is skipped (required; kept in the audit trail).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: Target,
    },
    /// Mark a step in progress as failed, with the reason.
    Fail {
        step: String,
        /// What went wrong (required; kept in the audit trail).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: Target,
    },
    /// Run a command step's `run` (sh -c in the repo root), streaming its output and recording it; Ctrl-C cancels.
    Run {
        step: String,
        /// Confirm without asking (needed when the step has `confirm = true` and stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Run a step's `rollback` command (always asks for confirmation), recording it.
    Rollback {
        step: String,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("decision").required(true).args(["approve", "reject"]))]
pub struct SignoffArgs {
    /// The role you sign for (pm, dm, developer, tech-lead, on-call, security, sre).
    #[arg(long)]
    pub role: String,
    /// Approve: the role gives the green light.
    #[arg(long)]
    pub approve: bool,
    /// Reject (needs --comment saying why).
    #[arg(long)]
    pub reject: bool,
    /// Why, kept with the decision (required to reject).
    #[arg(long)]
    pub comment: Option<String>,
    /// The sign-off step; default: the first open one asking for the role.
    #[arg(long)]
    pub step: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub text: String,
    /// The step the note is about.
    #[arg(long)]
    pub step: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct AbortArgs {
    /// Why the release stops here (kept in the audit trail).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub target: Target,
}

pub fn new(g: &Global, a: NewArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let version = a
        .version
        .as_deref()
        .map(|v| semver::Version::parse(v.trim_start_matches('v')))
        .transpose()
        .wrap_err("--version must be a semantic version such as 1.4.0")?;
    let open = ws.store.resolve(&ws.repo.key, None).ok();
    let mut proposed = None;
    let version = match version {
        Some(v) => Some(v),
        None => match ws.propose_version() {
            Ok(nv) if nv.is_release_needed() => {
                proposed = Some(nv.reason.clone());
                Some(nv.next)
            }
            _ => None,
        },
    };
    let session = ws.start_session(&a.scenario, version)?;
    if a.json {
        print_json(&session.summary())?;
    } else {
        sayln!(
            "Started session {} ({}) in {}",
            session.id(),
            a.scenario,
            ws.repo.name
        );
        if let (Some(v), Some(reason)) = (&session.state().version, proposed) {
            sayln!(
                "Version {v}, proposed from history: {reason} (give --version to choose another)"
            );
        }
        if let Some(other) = open {
            sayln!(
                "note: session {other} is still open; commands now act on the new one unless given --session"
            );
        }
        let st = session.state();
        let ready: Vec<&str> = st.ready_steps().iter().map(|s| s.id.as_str()).collect();
        sayln!("Ready to start: {}", ready.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sessions(g: &Global, a: SessionsArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let list = ws.store.summaries(&ws.repo.key)?;
    if a.json {
        print_json(&list)?;
    } else if list.is_empty() {
        sayln!(
            "No sessions in {} yet. Start one with `greenlight new --scenario NAME`.",
            ws.repo.name
        );
    } else {
        say!("{}", render::sessions_table(&list));
    }
    Ok(ExitCode::SUCCESS)
}

/// `greenlight report`: every step, sign-off, canary weight and verdict,
/// command, note and the release notes of a session, as markdown, with
/// the audit trail verified first.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A session id or a unique prefix of one; default: the last open
    /// session, else the latest.
    pub session: Option<String>,
    /// Write it to this file instead of printing it.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

pub fn report(g: &Global, a: ReportArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let session = ws.session(a.session.as_deref())?;
    let verified = ws.verify(session.id())?;
    let text = crate::audit::report::render(session.state(), Some(&verified));
    match &a.output {
        Some(path) => {
            // The record is read in a terminal or an editor too: escaped
            // as printed.
            std::fs::write(path, crate::text::escape(&text).as_bytes())
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            sayln!("wrote the release record to {}", path.display());
        }
        None => say!("{text}"),
    }
    // A record of a trail that does not verify is still written (it says
    // so), but the exit code tells a script.
    Ok(if verified.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn status(g: &Global, a: StatusArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let session = ws.session(a.session.as_deref())?;
    if a.json {
        print_json(&render::StatusJson::of(&session))?;
    } else {
        say!("{}", render::status(&session, a.history));
    }
    Ok(ExitCode::SUCCESS)
}

fn act(g: &Global, target: &Target, cmd: Command) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let mut session = ws.session_for_writing(target.session.as_deref())?;
    super::say_opening(&session);
    let events = ws.perform(&mut session, &cmd)?;
    for ev in &events {
        if let Some(p) = ev.payload() {
            sayln!("{} {}", ev.who.name, crate::session::state::summarize(&p));
        }
    }
    for message in ws.after_action(&mut session) {
        esayln!("{message}");
    }
    let (done, total) = session.state().progress();
    sayln!(
        "{done}/{total} steps settled; session {}",
        session.state().status.word()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn step(g: &Global, c: StepCmd) -> Result<ExitCode> {
    match c {
        StepCmd::Start { step, target } => act(g, &target, Command::Start { step }),
        StepCmd::Done { step, note, target } => act(g, &target, Command::Complete { step, note }),
        StepCmd::Skip {
            step,
            reason,
            target,
        } => act(g, &target, Command::Skip { step, reason }),
        StepCmd::Fail {
            step,
            reason,
            target,
        } => act(g, &target, Command::Fail { step, reason }),
        StepCmd::Run { step, yes, target } => {
            super::step_run::step_command(g, &target, &step, yes, crate::exec::StepAction::Run)
        }
        StepCmd::Rollback { step, yes, target } => {
            super::step_run::step_command(g, &target, &step, yes, crate::exec::StepAction::Rollback)
        }
    }
}

pub fn signoff(g: &Global, a: SignoffArgs) -> Result<ExitCode> {
    let cmd = Command::Signoff {
        step: a.step,
        role: a.role,
        approve: a.approve,
        comment: a.comment,
    };
    act(g, &a.target, cmd)
}

pub fn note(g: &Global, a: NoteArgs) -> Result<ExitCode> {
    act(
        g,
        &a.target,
        Command::Note {
            text: a.text,
            step: a.step,
        },
    )
}

pub fn abort(g: &Global, a: AbortArgs) -> Result<ExitCode> {
    act(g, &a.target, Command::Abort { reason: a.reason })
}
