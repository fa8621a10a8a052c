//! `greenlight step run STEP` and `greenlight step rollback STEP`: run a
//! step's command (or its rollback) in the terminal, streaming its
//! output, asking for confirmation when the step wants it, and recording
//! everything. Ctrl-C cancels: the command's process group is killed and
//! the run is recorded as cancelled. SIGTERM, SIGHUP and SIGQUIT do the
//! same, record the run as interrupted by that signal, and greenlight
//! exits with 128 + the signal.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use color_eyre::eyre::{Result, bail, eyre};

use super::Global;
use super::out::{esay, esayln};
use super::session::Target;
use crate::exec::{self, CancelToken, StepAction, StepEnv, Stream, signals};
use crate::session::StepStatus;

/// Cancel `token` on Ctrl-C, SIGTERM, SIGHUP or SIGQUIT from now on (in
/// this process), saying `message` if given. Commands run in their own
/// process group, so the terminal's signals reach only greenlight, which
/// kills the group (and, for a step, records it). The handlers are
/// registered before this returns (see `crate::exec::signals`): call it
/// before starting anything, and no signal is lost. Ctrl-C is a cancel;
/// the others are recorded as interrupting the command.
pub(super) fn cancel_on_interrupt(token: CancelToken, message: Option<&'static str>) {
    let hooked = signals::on_signal(move |sig| {
        match signals::interruption(sig) {
            Some(why) => token.interrupt(why),
            None => token.cancel(),
        }
        if let Some(m) = message {
            signals::say(&format!("\ngreenlight: {}: {m}", signals::name(sig)));
        }
    });
    if let Err(e) = hooked {
        esayln!("warning: signals will not stop the command cleanly ({e})");
    }
}

/// 128 + the signal when one of the ending signals came, else `code`.
pub(super) fn unless_signalled(code: ExitCode) -> ExitCode {
    signals::received().map_or(code, |sig| ExitCode::from(signals::exit_code(sig)))
}

/// [`unless_signalled`] where Ctrl-C is the ordinary way to stop (`logs`):
/// only SIGTERM, SIGHUP and SIGQUIT change the exit code.
pub(super) fn unless_ended(code: ExitCode) -> ExitCode {
    match signals::received().filter(|&s| signals::interruption(s).is_some()) {
        Some(sig) => ExitCode::from(signals::exit_code(sig)),
        None => code,
    }
}

/// [`unless_signalled`] for a command's whole result: after an ending
/// signal its error is said (without panicking on a terminal gone) and
/// the exit is 128 + the signal.
pub(super) fn unless_signalled_err(result: Result<ExitCode>) -> Result<ExitCode> {
    let Some(sig) = signals::received() else {
        return result;
    };
    if let Err(e) = &result {
        signals::say(&format!("error: {e}"));
    }
    Ok(ExitCode::from(signals::exit_code(sig)))
}

/// Ask on the terminal; `true` only for an explicit yes.
fn ask(question: &str) -> Result<bool> {
    esay!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// Run a step's command (`StepAction::Run`) or its rollback.
pub fn step_command(
    g: &Global,
    target: &Target,
    step: &str,
    yes: bool,
    action: StepAction,
) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let mut session = ws.session_for_writing(target.session.as_deref())?;
    super::say_opening(&session);
    let plan = ws.step_command(session.state(), step, action)?;
    let who = format!("{} <{}>", ws.who.name, ws.who.email);
    let what = match action {
        StepAction::Run => format!("Step `{}` runs `{}`", plan.step, plan.command),
        StepAction::Rollback => {
            format!("Rolling back step `{}` runs `{}`", plan.step, plan.command)
        }
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
        Some("stopping the command (SIGTERM, then SIGKILL after 5 s)…"),
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
        &mut ws.journal(&mut session, &ws.who),
        &plan,
        &env,
        confirmed_by,
        &cancel,
        &mut sink,
    )
    .map_err(|e| eyre!(e))?;

    let o = &report.outcome;
    if let Some(sig) = signals::received().filter(|&s| signals::interruption(s).is_some()) {
        // greenlight is ending: its terminal may be gone (a SIGHUP), so
        // one line that cannot panic, and out with 128 + the signal.
        signals::say(&format!(
            "✘ `{}` {}{}",
            plan.command,
            o.describe(),
            match &report.record_error {
                Some(e) => format!("; its end could not be recorded: {e}"),
                None => "; recorded".to_string(),
            }
        ));
        return Ok(ExitCode::from(signals::exit_code(sig)));
    }
    let mark = if o.succeeded() { "✔" } else { "✘" };
    esayln!("{mark} `{}` {}", plan.command, o.describe());
    if o.exit_code == Some(127) && o.spawn_error.is_none() {
        esayln!(
            "  exit 127 means the shell could not find the command: check `{}` in the playbook and that it exists in {}",
            match action {
                StepAction::Run => "run",
                StepAction::Rollback => "rollback",
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
        (StepAction::Run, Some(StepStatus::Done)) => {
            esayln!("Step `{}` is done.", plan.step)
        }
        (StepAction::Run, Some(StepStatus::Failed)) => esayln!(
            "Step `{}` failed. Retry with `greenlight step run {0}`, or undo with `greenlight step rollback {0}`.",
            plan.step
        ),
        (StepAction::Rollback, _) if o.succeeded() => {
            esayln!("Rolled back step `{}`.", plan.step)
        }
        (StepAction::Rollback, _) => esayln!(
            "The rollback of `{}` did not succeed: act by hand, and note what you did with `greenlight note --step {0} …`.",
            plan.step
        ),
        _ => {}
    }
    Ok(unless_signalled(exit_code(o)))
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
