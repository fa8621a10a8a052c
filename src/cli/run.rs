//! `greenlight step run STEP` and `greenlight step rollback STEP`: run a
//! step's command (or its rollback) in the terminal, streaming its
//! output, asking for confirmation when the step wants it, and recording
//! everything. Ctrl-C cancels: the command's process group is killed and
//! the run is recorded as cancelled.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use color_eyre::eyre::{Result, bail, eyre};

use super::Global;
use super::out::{esay, esayln};
use super::session::Target;
use crate::exec::{self, Action, CancelToken, StepCommand, StepEnv, Stream, WorkspaceJournal};
use crate::session::StepStatus;

/// Cancel `token` on every Ctrl-C from now on (in this process), saying
/// `message` if given. Commands run in their own process group, so the
/// terminal's SIGINT reaches only greenlight, which kills the group (and,
/// for a step, records it).
pub(super) fn cancel_on_interrupt(token: CancelToken, message: Option<&'static str>) {
    let spawned = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                while tokio::signal::ctrl_c().await.is_ok() {
                    token.cancel();
                    if let Some(m) = message {
                        esayln!("\n{m}");
                    }
                }
            });
        });
    if spawned.is_err() {
        esayln!("warning: Ctrl-C will not cancel the command cleanly (no thread for it)");
    }
}

/// Ask on the terminal; `true` only for an explicit yes.
fn ask(question: &str) -> Result<bool> {
    esay!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// Run a step's command (`Action::Run`) or its rollback.
pub fn step_command(
    g: &Global,
    target: &Target,
    step: &str,
    yes: bool,
    action: Action,
) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let mut session = ws.session_for_writing(target.session.as_deref())?;
    for p in session.problems() {
        esayln!("warning: unreadable journal line left out: {p}");
    }
    let plan = StepCommand::plan(session.state(), step, action).map_err(|e| eyre!(e))?;
    let who = format!("{} <{}>", ws.who.name, ws.who.email);
    let what = match action {
        Action::Run => format!("Step `{}` runs `{}`", plan.step, plan.command),
        Action::Rollback => format!("Rolling back step `{}` runs `{}`", plan.step, plan.command),
    };
    let confirmed_by = if plan.needs_confirmation {
        if yes {
            Some(who.clone())
        } else if std::io::stdin().is_terminal() {
            esayln!("{what} in {}.", ws.repo.root.display());
            if ask(&format!(
                "It {} and asks for confirmation. Confirm as {who}?",
                plan.confirmation_reason()
            ))? {
                Some(who.clone())
            } else {
                esayln!("Not confirmed; nothing ran and nothing was recorded.");
                return Ok(ExitCode::FAILURE);
            }
        } else {
            bail!(
                "step `{}` {} and asks for confirmation, but stdin is not a terminal to ask on; \
                 run again with --yes to confirm as {who}",
                plan.step,
                plan.confirmation_reason()
            );
        }
    } else {
        None
    };

    let env = StepEnv::from_state(session.state(), &ws.repo.root, &ws.actor());
    let cancel = CancelToken::new();
    cancel_on_interrupt(
        cancel.clone(),
        Some("greenlight: stopping the command (SIGTERM, then SIGKILL after 5 s)…"),
    );
    esayln!(
        "▶ {what} (timeout {}; Ctrl-C cancels)",
        humantime::format_duration(plan.timeout)
    );
    let mut sink = |stream: Stream, bytes: &[u8]| {
        // The terminal going away must not stop the command: ignore
        // write errors here, the record keeps the output's digest.
        let _ = match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            }
            Stream::Stderr => std::io::stderr().lock().write_all(bytes),
        };
    };
    let report = exec::run_step(
        &mut WorkspaceJournal {
            ws: &ws,
            session: &mut session,
        },
        &plan,
        &env,
        confirmed_by,
        &cancel,
        &mut sink,
    )
    .map_err(|e| eyre!(e))?;

    let o = &report.outcome;
    let mark = if o.succeeded() { "✔" } else { "✘" };
    esayln!("{mark} `{}` {}", plan.command, o.describe());
    if o.exit_code == Some(127) && o.spawn_error.is_none() {
        esayln!(
            "  exit 127 means the shell could not find the command: check `{}` in the playbook and that it exists in {}",
            match action {
                Action::Run => "run",
                Action::Rollback => "rollback",
            },
            ws.repo.root.display()
        );
    }
    esayln!(
        "  recorded: {} bytes of output, sha256 {}",
        o.output_bytes,
        &o.output_sha256[..o.output_sha256.len().min(16)]
    );
    if let Some(e) = &report.record_error {
        esayln!("warning: the command ran but its end could not be recorded: {e}");
    }
    match (action, report.status) {
        (Action::Run, Some(StepStatus::Done)) => {
            esayln!("Step `{}` is done.", plan.step)
        }
        (Action::Run, Some(StepStatus::Failed)) => esayln!(
            "Step `{}` failed. Retry with `greenlight step run {0}`, or undo with `greenlight step rollback {0}`.",
            plan.step
        ),
        (Action::Rollback, _) if o.succeeded() => {
            esayln!("Rolled back step `{}`.", plan.step)
        }
        (Action::Rollback, _) => esayln!(
            "The rollback of `{}` did not succeed: act by hand, and note what you did with `greenlight note --step {0} …`.",
            plan.step
        ),
        _ => {}
    }
    Ok(exit_code(o))
}

/// The command's own code when it has one (so scripts can tell), 124 for
/// a timeout (as `timeout(1)`), 130 for Ctrl-C, 1 otherwise.
fn exit_code(o: &exec::Outcome) -> ExitCode {
    if o.succeeded() {
        return ExitCode::SUCCESS;
    }
    if o.cancelled {
        return ExitCode::from(130);
    }
    if o.timed_out {
        return ExitCode::from(124);
    }
    match o.exit_code.and_then(|c| u8::try_from(c).ok()) {
        Some(c) if c != 0 => ExitCode::from(c),
        _ => ExitCode::FAILURE,
    }
}
