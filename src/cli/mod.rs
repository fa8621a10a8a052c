//! Command-line front end: argument parsing and dispatch. Each group of
//! subcommands lives in its own file and calls the core through
//! `Workspace`; nothing here writes files itself.

mod audit;
mod canary;
mod logs;
mod notify;
pub mod out;
mod playbook;
mod release;
pub mod render;
mod session;
mod step_run;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::Result;

use self::out::{esayln, sayln};
use crate::identity::Overrides;
use crate::workspace::Workspace;

#[derive(Debug, Parser)]
#[command(
    name = "greenlight",
    version,
    about = "Run a production release as a session: checklist, canary, logs, sign-offs and an audit trail.",
    long_about = "Run a production release as a session: a scenario's checklist, a canary judged against its \
baseline, production logs, sign-offs and a tamper-evident, hash-chained audit trail kept per repository and synced \
into git.\n\nWith no command, inside a git repository, greenlight opens the full-screen cockpit on the current \
session (or a start screen). `greenlight demo` tries it on a throwaway repository. From scripts: \
`greenlight new --scenario feature-release`, `greenlight status --json`, `greenlight playbook list`."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The heading the options of every command are listed under, once, apart
/// from a command's own.
const GLOBAL: &str = "Global options";

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Act as this person (name); default: git config user.name.
    #[arg(
        long,
        global = true,
        env = "GREENLIGHT_USER_NAME",
        value_name = "NAME",
        help_heading = GLOBAL,
        hide_env_values = true
    )]
    pub user_name: Option<String>,
    /// Act as this person (email); default: git config user.email.
    #[arg(
        long,
        global = true,
        env = "GREENLIGHT_USER_EMAIL",
        value_name = "EMAIL",
        help_heading = GLOBAL,
        hide_env_values = true
    )]
    pub user_email: Option<String>,
    /// Run as if started in this directory.
    #[arg(
        short = 'C',
        long = "repo",
        global = true,
        value_name = "DIR",
        help_heading = GLOBAL
    )]
    pub repo: Option<PathBuf>,
    /// The full-screen app's theme: default, light, high-contrast,
    /// colour-blind, or one of yours in <config dir>/themes/.
    #[arg(
        long,
        global = true,
        env = "GREENLIGHT_THEME",
        value_name = "NAME",
        help_heading = GLOBAL,
        hide_env_values = true
    )]
    pub theme: Option<String>,
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
    /// The release record: the session as markdown for the change audit.
    Report(session::ReportArgs),
    /// Verify the audit trail, and sync it with a git remote.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// List, show and validate playbooks.
    #[command(subcommand)]
    Playbook(playbook::PlaybookCmd),
    /// Read, filter and follow logs (files, commands, or the repository's [[logs]]).
    Logs(logs::LogsArgs),
    /// Notifications: test the [[notify]] targets, send what is owed.
    #[command(subcommand)]
    Notify(notify::NotifyCmd),
    /// The next version, from tags and conventional commits.
    #[command(subcommand)]
    Version(release::VersionCmd),
    /// Release notes from the commits since the last release.
    Notes(release::NotesArgs),
    /// The manifest of compatible system components (release-manifest.toml).
    #[command(subcommand)]
    Manifest(release::ManifestCmd),
    /// The release train across services: components, system version, blockers.
    #[command(subcommand)]
    Train(train::TrainCmd),
    /// Judge the canary, set its weight, see its plan, roll it back.
    #[command(subcommand)]
    Canary(canary::CanaryCmd),
    /// Try greenlight on a throwaway repository: a short history, a team,
    /// and a feature release waiting in the cockpit.
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// e.g. `greenlight completions bash > ~/.local/share/bash-completion/completions/greenlight`,
    /// `greenlight completions zsh > ~/.zfunc/_greenlight`,
    /// `greenlight completions fish > ~/.config/fish/completions/greenlight.fish`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `greenlight man > greenlight.1; man ./greenlight.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Create the demo repository and its session, print where, and exit
    /// without opening the app.
    #[arg(long)]
    pub no_open: bool,
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `canary judge` exits 2 for Roll back: a usage error must not.
            let args: Vec<_> = std::env::args_os().collect();
            match canary::usage_exit_code(&args).filter(|_| e.use_stderr()) {
                Some(code) => {
                    let _ = e.print();
                    return Ok(ExitCode::from(code));
                }
                None => e.exit(),
            }
        }
    };
    let g = &cli.global;
    match cli.command {
        None => {
            let opts = crate::tui::Options {
                theme: g.theme.clone(),
                session: None,
                logs: Vec::new(),
            };
            crate::tui::open(g.workspace()?, &opts)
        }
        Some(Cmd::Demo(a)) => demo(g, a),
        Some(Cmd::New(a)) => session::new(g, a),
        Some(Cmd::Sessions(a)) => session::sessions(g, a),
        Some(Cmd::Status(a)) => session::status(g, a),
        Some(Cmd::Step(c)) => session::step(g, c),
        Some(Cmd::Signoff(a)) => session::signoff(g, a),
        Some(Cmd::Note(a)) => session::note(g, a),
        Some(Cmd::Abort(a)) => session::abort(g, a),
        Some(Cmd::Report(a)) => session::report(g, a),
        Some(Cmd::Audit(c)) => audit::run(g, c),
        Some(Cmd::Playbook(c)) => playbook::run(g, c),
        Some(Cmd::Version(c)) => release::version(g, c),
        Some(Cmd::Notes(a)) => release::notes(g, a),
        Some(Cmd::Manifest(c)) => release::manifest(g, c),
        Some(Cmd::Canary(c)) => canary::run(g, c),
        Some(Cmd::Train(c)) => train::run(g, c),
        Some(Cmd::Logs(a)) => logs::run(g, a),
        Some(Cmd::Notify(c)) => notify::run(g, c),
        Some(Cmd::Completions { shell }) => {
            out::raw(&completions(shell));
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Man) => {
            out::raw(&man_page()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "greenlight", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The manual page, in roff: the command, then a section per subcommand.
pub fn man_page() -> Result<String> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        render_subcommand_man(sub, "greenlight", &mut buf)?;
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A subcommand's section of the manual (and its own subcommands').
fn render_subcommand_man(cmd: &clap::Command, parent: &str, buf: &mut Vec<u8>) -> Result<()> {
    let name = format!("{parent} {}", cmd.get_name());
    let man = clap_mangen::Man::new(
        cmd.clone()
            .display_name(name.clone())
            .bin_name(name.clone()),
    );
    buf.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
    man.render_description_section(buf)?;
    man.render_options_section(buf)?;
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        render_subcommand_man(sub, &name, buf)?;
    }
    Ok(())
}

/// `greenlight demo`: make the throwaway repository, start its session,
/// open the app, and say where it all is afterwards.
fn demo(g: &Global, a: DemoArgs) -> Result<ExitCode> {
    let own_home = std::env::var_os("GREENLIGHT_HOME").is_none_or(|h| h.is_empty());
    let d = crate::demo::create(&std::env::temp_dir(), own_home)?;
    let ws = Workspace::open_in(&d.repo, &g.overrides(), d.store()?)?;
    drop(crate::demo::start_session(&ws)?);
    if a.no_open {
        sayln!("{}", d.farewell());
        return Ok(ExitCode::SUCCESS);
    }
    let opts = crate::tui::Options {
        theme: g.theme.clone(),
        session: None,
        logs: crate::demo::log_sources(),
    };
    let result = crate::tui::open(ws, &opts);
    sayln!("{}", d.farewell());
    result
}

/// What opening a session for writing did that the person should hear
/// (on stderr): a torn tail of their own journal set aside just now, runs
/// a greenlight that died left open (closed now).
pub(crate) fn say_opening(session: &crate::session::Session) {
    if let Some(side) = session.writer().and_then(|w| w.set_aside.as_ref()) {
        esayln!(
            "warning: your journal ended with a line cut short (a crash?): it was set aside in {}; `greenlight audit recover --reason …` acknowledges it",
            side.display()
        );
    }
    for n in session.notices() {
        esayln!("note: {n}");
    }
}

/// Print a value as pretty JSON on stdout, exactly (not escaped for a
/// terminal: JSON escapes what it must, and scripts need the value as is).
fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    out::json(&serde_json::to_string_pretty(v)?);
    Ok(())
}
