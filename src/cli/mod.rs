//! Command-line front end: argument parsing and dispatch. Each group of
//! subcommands lives in its own file and calls the core through
//! `Workspace`; nothing here writes files itself.

mod audit;
mod logs;
mod playbook;
mod render;
mod run;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::Result;

use crate::identity::Overrides;
use crate::workspace::Workspace;

#[derive(Debug, Parser)]
#[command(
    name = "greenlight",
    version,
    about = "Run a production release as a session: checklist, canary, logs, sign-offs and an audit trail.",
    long_about = "Run a production release as a session: a scenario's checklist, sign-offs and a tamper-evident, \
hash-chained audit trail kept per repository.\n\nStart with `greenlight new --scenario feature-release`, then \
`greenlight status`. `greenlight playbook list` shows the scenarios."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Act as this person (name); default: git config user.name.
    #[arg(long, global = true, env = "GREENLIGHT_USER_NAME", value_name = "NAME")]
    pub user_name: Option<String>,
    /// Act as this person (email); default: git config user.email.
    #[arg(
        long,
        global = true,
        env = "GREENLIGHT_USER_EMAIL",
        value_name = "EMAIL"
    )]
    pub user_email: Option<String>,
    /// Run as if started in this directory.
    #[arg(short = 'C', long = "repo", global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Start a release session from a scenario's playbook.
    New(session::NewArgs),
    /// List this repository's sessions.
    Sessions(session::SessionsArgs),
    /// Show a session's steps, sign-offs and history.
    Status(session::StatusArgs),
    /// Start, complete, skip or fail a step; run its command or roll it back.
    #[command(subcommand)]
    Step(session::StepCmd),
    /// Approve or reject a sign-off step as a role.
    Signoff(session::SignoffArgs),
    /// Add a note to the session (optionally about a step).
    Note(session::NoteArgs),
    /// Abort the session, with a reason.
    Abort(session::AbortArgs),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// List, show and validate playbooks.
    #[command(subcommand)]
    Playbook(playbook::PlaybookCmd),
    /// Read, filter and follow logs (files, commands, or the repository's [[logs]]).
    Logs(logs::LogsArgs),
}

impl Global {
    fn overrides(&self) -> Overrides {
        Overrides {
            name: self.user_name.clone(),
            email: self.user_email.clone(),
        }
    }

    fn dir(&self) -> Result<PathBuf> {
        match &self.repo {
            Some(d) => Ok(d.clone()),
            None => Ok(std::env::current_dir()?),
        }
    }

    /// The workspace for commands that need a repository and a person.
    pub fn workspace(&self) -> Result<Workspace> {
        Workspace::open(&self.dir()?, &self.overrides())
    }
}

/// Parse the command line and run the chosen subcommand.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let g = &cli.global;
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            println!();
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::New(a)) => session::new(g, a),
        Some(Cmd::Sessions(a)) => session::sessions(g, a),
        Some(Cmd::Status(a)) => session::status(g, a),
        Some(Cmd::Step(c)) => session::step(g, c),
        Some(Cmd::Signoff(a)) => session::signoff(g, a),
        Some(Cmd::Note(a)) => session::note(g, a),
        Some(Cmd::Abort(a)) => session::abort(g, a),
        Some(Cmd::Audit(c)) => audit::run(g, c),
        Some(Cmd::Playbook(c)) => playbook::run(g, c),
        Some(Cmd::Logs(a)) => logs::run(g, a),
    }
}

/// Print a value as pretty JSON on stdout.
fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
