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
    /// Start it although this version already has an open or completed
    /// session here.
    #[arg(long)]
    pub again: bool,
    /// The monorepo component this release is for: its version comes from
    /// the commits touching its `path` in release-manifest.toml, and
    /// `train status` shows the session as that component's.
    #[arg(long, value_name = "NAME")]
    pub component: Option<String>,
    /// A release train started outside its window (or a second one for
    /// the same departure): why.
    #[arg(long, value_name = "REASON")]
    pub off_schedule: Option<String>,
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
    /// How many of the latest history lines, and of the latest notes, to
    /// show (human output).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub history: usize,
    /// Show the whole history and every note.
    #[arg(long, conflicts_with = "history")]
    pub all: bool,
    /// Then keep printing events as they arrive, from this machine and
    /// (with a remote) pulled from other clones every `[audit]
    /// pull_interval`, until the session ends or Ctrl-C.
    #[arg(long, conflicts_with = "json")]
    pub follow: bool,
}

/// Breaking a rule of the session on purpose.
#[derive(Debug, Args)]
pub struct Exception {
    /// Do it although it breaks a rule of the session (the owner's role,
    /// evidence, a gate, the canary plan, requires...): the override is
    /// recorded as its own event, with this reason, and listed under
    /// Exceptions in the release record.
    #[arg(long = "override", value_name = "REASON")]
    pub override_reason: Option<String>,
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
        /// The step's id (see `greenlight status`).
        step: String,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        exception: Exception,
    },
    /// Mark a step done. A gate reads its SARIF report and a manifest step
    /// snapshots the manifest as it completes.
    Done {
        /// The step's id.
        step: String,
        /// What was done, or where the evidence is.
        #[arg(long)]
        note: Option<String>,
        /// Evidence: a URL, or a file recorded by path, size and sha256
        /// (never its content). Repeat for several.
        #[arg(long, value_name = "FILE|URL")]
        evidence: Vec<String>,
        /// A decision step: the option chosen (see `step decide`).
        #[arg(long, value_name = "OPTION")]
        choice: Option<String>,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        exception: Exception,
    },
    /// Make a decision: complete a decision step with one of its options.
    /// Steps whose `when` asks for another option are skipped, with the
    /// decision as the reason.
    Decide {
        /// The decision step's id.
        step: String,
        /// The option chosen (one of the step's `options`).
        option: String,
        /// Why this option.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        exception: Exception,
    },
    /// Acknowledge a step as a role that the playbook asks to (`ack`), e.g.
    /// the delivery manager walking the checklist with the developer.
    Ack {
        /// The step's id.
        step: String,
        /// The role you acknowledge as; default: the step's first `ack`
        /// role you hold.
        #[arg(long)]
        role: Option<String>,
        /// What you checked.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        exception: Exception,
    },
    /// Skip a step, with the reason.
    Skip {
        /// The step's id.
        step: String,
        /// Why it is skipped (required; kept in the audit trail).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        exception: Exception,
    },
    /// Mark a step in progress as failed, with the reason.
    Fail {
        /// The step's id.
        step: String,
        /// What went wrong (required; kept in the audit trail).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        exception: Exception,
    },
    /// Run a command step's `run` (sh -c in the repo root), streaming its output and recording it; Ctrl-C cancels.
    Run {
        /// The command step's id.
        step: String,
        /// Confirm without asking (needed when the step has `confirm = true` and stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Run a step's `rollback` command (always asks for confirmation), recording it.
    Rollback {
        /// The step's id (a step with a `rollback` command).
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
    #[command(flatten)]
    pub exception: Exception,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    /// What to note (kept in the audit trail, shown in the app and the report).
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
    let train = ws.train_for(&a.scenario)?;
    let version = match version {
        Some(v) => Some(v),
        // A train releases the system version its components add up to.
        None if train.is_some() => {
            let t = ws.train_status(false)?;
            proposed = Some(format!(
                "{} (system {} → {})",
                t.system_reason, t.system_version, t.next_system_version
            ));
            semver::Version::parse(&t.next_system_version).ok()
        }
        None => match ws.propose_version_for(a.component.as_deref()) {
            Ok(nv) if nv.is_release_needed() => {
                proposed = Some(nv.reason.clone());
                Some(nv.next)
            }
            _ => None,
        },
    };
    if let Some(v) = &version
        && !a.again
        && let Some(same) = ws.same_version(v)?
    {
        color_eyre::eyre::bail!(
            "{same}; give --again to start another release of {v}, or --version for a new one"
        );
    }
    let extras = crate::workspace::StartExtras {
        component: a.component.clone(),
        off_schedule: a.off_schedule.clone(),
    };
    let session = ws.start_session_with(&ws.who, &a.scenario, version, &extras)?;
    for w in ws.preflight(&a.scenario) {
        esayln!("warning: {w}");
    }
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
        if let Some(t) = &session.state().train {
            sayln!(
                "Train {} · departs {}{}",
                t.number,
                t.departs,
                t.dm.as_deref()
                    .map(|d| format!(" · DM {}", crate::text::one_line(d)))
                    .unwrap_or_default()
            );
        }
        if let Some(other) = open {
            sayln!("note: session {other} is open too: commands without --session now ask which");
        }
        let st = session.state();
        let ready: Vec<&str> = st.ready_steps().iter().map(|s| s.id.as_str()).collect();
        sayln!("Ready to start: {}", ready.join(", "));
        if !st.roles_enforced() {
            sayln!(
                "note: roles are not enforced: .greenlight.toml lists no [[people]] (add them, with their roles, so only owners act on their steps)"
            );
        }
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
    /// The Timeline section: only this person's events (part of a name
    /// or an email, any case).
    #[arg(long, value_name = "PERSON")]
    pub person: Option<String>,
    /// The Timeline section: only events of this kind: steps, sign-offs,
    /// canary, commands, notes, exceptions, not-applied, other.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<crate::session::timeline::Kind>,
}

fn parse_kind(word: &str) -> Result<crate::session::timeline::Kind, String> {
    use crate::session::timeline::Kind;
    Kind::parse(word).ok_or_else(|| {
        let words: Vec<&str> = Kind::ALL.iter().map(|k| k.word()).collect();
        format!("no kind `{word}`; kinds: {}", words.join(", "))
    })
}

pub fn report(g: &Global, a: ReportArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let session = ws.session(a.session.as_deref())?;
    let verified = ws.verify(session.id())?;
    let mut text = crate::audit::report::render(session.state(), Some(&verified));
    let entries = crate::session::timeline::entries(session.state(), session.events());
    let filter = crate::session::timeline::Filter {
        person: a.person.clone(),
        kind: a.kind,
    };
    text.push_str(&crate::audit::report::timeline(&entries, &filter));
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
        say!(
            "{}",
            render::status(&session, if a.all { usize::MAX } else { a.history })
        );
    }
    if a.follow {
        follow(&ws, session)?;
    } else {
        // A large session is a lot of small allocations: the process
        // ends now, and freeing them one by one would only delay it.
        std::mem::forget(session);
    }
    Ok(ExitCode::SUCCESS)
}

/// `status --follow`: print each new history entry as it arrives; pull
/// the remote's audit trail on the way when there is one (and `[audit]
/// live` is not off). Ends when the session does.
fn follow(ws: &crate::workspace::Workspace, mut session: crate::session::Session) -> Result<()> {
    use std::collections::HashSet;
    use std::time::{Duration, Instant};
    let key = |h: &crate::session::state::HistoryEntry| (h.by.actor.clone(), h.seq);
    let mut printed: HashSet<_> = session.state().history.iter().map(key).collect();
    let every = Duration::from_secs(
        ws.config
            .audit
            .pull_every()
            .map_err(|e| color_eyre::eyre::eyre!("{e}"))?,
    );
    let target = ws
        .sync_target(None)
        .ok()
        .filter(|_| ws.config.audit.live != Some(false))
        .filter(|t| t.status().is_ok_and(|s| s.remote_exists));
    let mut next_pull = Instant::now();
    let mut pull_failed = false;
    sayln!(
        "following session {}{} (Ctrl-C stops)",
        session.id(),
        match &target {
            Some(t) => format!(", pulling from {} every {}s", t.remote, every.as_secs()),
            None => String::new(),
        }
    );
    loop {
        if let Some(t) = &target
            && Instant::now() >= next_pull
        {
            match t.pull() {
                Ok(_) => pull_failed = false,
                Err(e) if !pull_failed => {
                    esayln!(
                        "warning: pulling the audit trail failed (still following what is here): {e}"
                    );
                    pull_failed = true;
                }
                Err(_) => {}
            }
            next_pull = Instant::now() + every;
        }
        session.refresh()?;
        for h in &session.state().history {
            if printed.insert(key(h)) {
                sayln!("{}", render::history_line(&session, h));
            }
        }
        let status = session.state().status;
        if status != crate::session::SessionStatus::Open {
            sayln!("session {}", status.word());
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn act(g: &Global, target: &Target, cmd: Command) -> Result<ExitCode> {
    act_with(g, target, |_, _| Ok(cmd), None)
}

/// Open the session for writing, build the command from its state (a
/// completion reads its evidence), and perform it, overriding the rules
/// it breaks when `override_reason` is given.
fn act_with(
    g: &Global,
    target: &Target,
    build: impl FnOnce(&crate::workspace::Workspace, &crate::session::Session) -> Result<Command>,
    override_reason: Option<&str>,
) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let mut session = ws.session_for_writing(target.session.as_deref())?;
    super::say_opening(&session);
    let cmd = build(&ws, &session)?;
    let events = ws.perform_with(&mut session, &cmd, override_reason)?;
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
        StepCmd::Start {
            step,
            target,
            exception,
        } => act_with(
            g,
            &target,
            |_, _| Ok(Command::Start { step }),
            exception.override_reason.as_deref(),
        ),
        StepCmd::Done {
            step,
            note,
            evidence,
            choice,
            target,
            exception,
        } => {
            let over = exception.override_reason.clone();
            act_with(
                g,
                &target,
                |ws, session| {
                    completion(ws, session, &step, note, &evidence, over.is_some())
                        .map(|c| with_choice(c, choice))
                },
                exception.override_reason.as_deref(),
            )
        }
        StepCmd::Decide {
            step,
            option,
            note,
            target,
            exception,
        } => {
            let over = exception.override_reason.clone();
            act_with(
                g,
                &target,
                |ws, session| {
                    completion(ws, session, &step, note, &[], over.is_some())
                        .map(|c| with_choice(c, Some(option)))
                },
                exception.override_reason.as_deref(),
            )
        }
        StepCmd::Ack {
            step,
            role,
            note,
            target,
            exception,
        } => act_with(
            g,
            &target,
            |ws, session| {
                let role = match role {
                    Some(r) => r,
                    None => ack_role(ws, session, &step)?,
                };
                Ok(Command::Acknowledge { step, role, note })
            },
            exception.override_reason.as_deref(),
        ),
        StepCmd::Skip {
            step,
            reason,
            target,
            exception,
        } => act_with(
            g,
            &target,
            |_, _| Ok(Command::Skip { step, reason }),
            exception.override_reason.as_deref(),
        ),
        StepCmd::Fail {
            step,
            reason,
            target,
            exception,
        } => act_with(
            g,
            &target,
            |_, _| Ok(Command::Fail { step, reason }),
            exception.override_reason.as_deref(),
        ),
        StepCmd::Run { step, yes, target } => {
            super::step_run::step_command(g, &target, &step, yes, crate::exec::StepAction::Run)
        }
        StepCmd::Rollback { step, yes, target } => {
            super::step_run::step_command(g, &target, &step, yes, crate::exec::StepAction::Rollback)
        }
    }
}

/// `step done`: the completion with its note, evidence, SARIF counts and
/// manifest snapshot. A gate's report that cannot be read is left out
/// when the person overrides (the override covers the gate).
/// A completion that names the option a decision chose.
fn with_choice(cmd: Command, choice: Option<String>) -> Command {
    let Some(choice) = choice else { return cmd };
    let mut c = match cmd {
        Command::CompleteWith(c) => c,
        Command::Complete { step, note } => crate::session::payload::StepWithNote::new(step, note),
        other => return other,
    };
    c.choice = Some(choice);
    Command::CompleteWith(c)
}

fn completion(
    ws: &crate::workspace::Workspace,
    session: &crate::session::Session,
    step: &str,
    note: Option<String>,
    evidence: &[String],
    overriding: bool,
) -> Result<Command> {
    let Some(plan_step) = session.state().plan.step(step) else {
        return Ok(Command::Complete {
            step: step.to_string(),
            note,
        });
    };
    let cwd = std::env::current_dir()?;
    match crate::evidence::completion(plan_step, note.clone(), evidence, &ws.repo.root, &cwd) {
        Ok(c) => Ok(Command::CompleteWith(c)),
        Err(crate::evidence::EvidenceError::SarifMissing { .. }) if overriding => {
            let mut c = crate::session::payload::StepWithNote::new(step, note);
            for a in evidence {
                c.evidence.push(crate::evidence::evidence(a, &cwd)?);
            }
            Ok(Command::CompleteWith(c))
        }
        Err(e) => Err(e.into()),
    }
}

/// The role to acknowledge `step` as when none is given: its first `ack`
/// role the person holds in the session's team (or its first, when the
/// session has no team).
fn ack_role(
    ws: &crate::workspace::Workspace,
    session: &crate::session::Session,
    step: &str,
) -> Result<String> {
    let st = session.state();
    let asked = st
        .plan
        .step(step)
        .map(|p| p.ack.clone())
        .unwrap_or_default();
    let held = st.roles_of(&ws.who.email);
    asked
        .iter()
        .find(|r| held.contains(r) || !st.roles_enforced())
        .or(asked.first())
        .cloned()
        .ok_or_else(|| {
            color_eyre::eyre::eyre!(
                "step `{step}` asks nobody to acknowledge it (no `ack` in its playbook)"
            )
        })
}

pub fn signoff(g: &Global, a: SignoffArgs) -> Result<ExitCode> {
    let cmd = Command::Signoff {
        step: a.step,
        role: a.role,
        approve: a.approve,
        comment: a.comment,
    };
    act_with(
        g,
        &a.target,
        |_, _| Ok(cmd),
        a.exception.override_reason.as_deref(),
    )
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
