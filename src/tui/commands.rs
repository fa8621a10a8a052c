//! Step commands from the Checklist, the app's side (pure): `enter` on a
//! command step runs it (after a confirmation when the step wants one),
//! `r` asks and then runs its rollback, `x` cancels the selected step's
//! running command, and `q` asks while anything runs. The driver runs
//! them (`exec::spawn`, the same `StepCommand` rules and records as
//! `greenlight step run`), streams their output into the Logs pane and
//! reports back with [`Action::RunStarted`] and [`Action::RunFinished`].

use crate::exec::{self, StepCommand};
use crate::session::{Command, StepStatus};

use super::action::{Action, Effect};
use super::app::{App, Confirm, OnYes, Overlay, Pane, Screen, Status};
use super::keymap::KeyAction;
use super::theme::Tone;

/// A command running now, as the screen knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub step: String,
    pub action: exec::StepAction,
    pub command: String,
}

/// What an open confirmation of ours is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Run {
        step: String,
        action: exec::StepAction,
    },
    Quit,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Runs {
    pub running: Vec<Running>,
    /// The confirmation we put up, and what a yes does. Only acted on
    /// while that very confirmation is the open overlay.
    pub asking: Option<(Confirm, Intent)>,
}

impl Runs {
    pub fn is_running(&self, step: &str) -> Option<&Running> {
        self.running.iter().find(|r| r.step == step)
    }
}

fn say(app: &mut App, tone: Tone, text: impl Into<String>) {
    app.status = Some(Status {
        text: text.into(),
        tone,
    });
}

fn ask(app: &mut App, confirm: Confirm, intent: Intent) {
    app.overlay = Some(Overlay::Confirm(confirm.clone()));
    app.runs.asking = Some((confirm, intent));
}

/// `Name <email>` of the person at the keyboard: who confirmed.
fn confirmer(app: &App) -> Option<String> {
    app.person().map(|m| format!("{} <{}>", m.name, m.email))
}

/// Keys in the Checklist that concern commands; `None` leaves `k` to the
/// app's usual handling (a step without a command, say).
pub fn key(app: &mut App, k: KeyAction) -> Option<Vec<Effect>> {
    if app.focus != Pane::Checklist || app.screen != Screen::Main {
        return None;
    }
    match k {
        KeyAction::Act => run(app, exec::StepAction::Run),
        KeyAction::Rollback => run(app, exec::StepAction::Rollback),
        KeyAction::CancelRun => Some(cancel(app)),
        _ => None,
    }
}

fn run(app: &mut App, action: exec::StepAction) -> Option<Vec<Effect>> {
    let st = app.state()?;
    let p = st.plan.steps.get(app.step_selected)?.clone();
    let status = st.steps.get(app.step_selected)?.status;
    if action == exec::StepAction::Run && p.run.is_none() {
        return None;
    }
    if let Some(r) = app.runs.is_running(&p.id) {
        let text = format!(
            "`{}` is running for {}; {} cancels it",
            r.command,
            p.id,
            app.keymap.label(KeyAction::CancelRun)
        );
        say(app, Tone::Info, text);
        return Some(Vec::new());
    }
    if action == exec::StepAction::Run
        && (status.is_settled() || !st.pending_requires(&p).is_empty())
    {
        // "already done", "waits on": the app's usual answers.
        return None;
    }
    let plan = match StepCommand::plan(st, &p.id, action) {
        Ok(plan) => plan,
        Err(e) => {
            say(app, Tone::Bad, format!("✘ {e}"));
            return Some(Vec::new());
        }
    };
    let intent = Intent::Run {
        step: p.id.clone(),
        action,
    };
    if !plan.needs_confirmation {
        return Some(effect(app, intent).unwrap_or_default());
    }
    let mut lines = vec![p.title.clone(), format!("runs:      {}", plan.command)];
    match action {
        exec::StepAction::Run => {
            if let Some(r) = &p.rollback {
                lines.push(format!("roll back: {r}"));
            }
            lines.push("This step is marked risky (confirm = true).".into());
        }
        exec::StepAction::Rollback => {
            if status == StepStatus::Done {
                lines.push("The step is done: this undoes it.".into());
            }
            lines.push("A rollback always asks; it is recorded with its output.".into());
        }
    }
    if let Some(who) = confirmer(app) {
        lines.push(format!("Confirming as {who}."));
    }
    let title = match action {
        exec::StepAction::Run => format!("Run {}?", p.id),
        exec::StepAction::Rollback => format!("Roll back {}?", p.id),
    };
    ask(
        app,
        Confirm {
            title,
            lines,
            // Not performed: a yes comes back through `answer`.
            then: OnYes::Perform(Command::Start { step: p.id }),
        },
        intent,
    );
    Some(Vec::new())
}

fn cancel(app: &mut App) -> Vec<Effect> {
    let selected = app
        .state()
        .and_then(|st| st.plan.steps.get(app.step_selected))
        .map(|p| p.id.clone());
    let running = selected
        .as_deref()
        .and_then(|s| app.runs.is_running(s))
        .cloned();
    match running {
        Some(r) => {
            say(
                app,
                Tone::Warn,
                format!(
                    "cancelling `{}` (SIGTERM to its process group, SIGKILL after 5 s)…",
                    r.command
                ),
            );
            vec![Effect::CancelRun { step: r.step }]
        }
        None => {
            let text = match app.runs.running.first() {
                Some(r) => format!("{} is running: select it to cancel it", r.step),
                None => "no command is running".into(),
            };
            say(app, Tone::Dim, text);
            Vec::new()
        }
    }
}

/// `q` while a command runs: ask first (`None`: nothing runs, quit).
pub fn ask_quit(app: &mut App) -> Option<Vec<Effect>> {
    // Step commands, then the canary's (set_weight, rollback).
    let mut running: Vec<String> = app
        .runs
        .running
        .iter()
        .map(|r| format!("`{}` ({})", r.command, r.step))
        .collect();
    running.extend(
        app.canary_view
            .running
            .iter()
            .map(|c| format!("`{c}` (canary)")),
    );
    let first = running.first()?.clone();
    let step = app
        .runs
        .running
        .first()
        .map(|r| r.step.clone())
        .or_else(|| app.canary_step().map(|p| p.id.clone()))
        .unwrap_or_default();
    let mut lines = vec![format!("{first} is still running.")];
    if running.len() > 1 {
        lines.push(format!("And {} more.", running.len() - 1));
    }
    lines.push("Quitting cancels it (its process group is killed)".into());
    lines.push("and records it as cancelled.".into());
    ask(
        app,
        Confirm {
            title: "Quit while a command runs?".into(),
            lines,
            then: OnYes::Perform(Command::Start { step }),
        },
        Intent::Quit,
    );
    Some(Vec::new())
}

fn effect(app: &App, intent: Intent) -> Option<Vec<Effect>> {
    match intent {
        Intent::Run { step, action } => {
            let who = app.person()?.who();
            Some(vec![Effect::RunStep {
                step,
                action,
                confirmed_by: confirmer(app),
                who,
            }])
        }
        Intent::Quit => Some(
            app.runs
                .running
                .iter()
                .map(|r| Effect::CancelRun {
                    step: r.step.clone(),
                })
                .collect(),
        ),
    }
}

/// A yes or no to a confirmation: ours (`Some`) or the app's (`None`).
pub fn answer(app: &mut App, yes: bool) -> Option<Vec<Effect>> {
    let (confirm, intent) = app.runs.asking.take()?;
    if app.overlay != Some(Overlay::Confirm(confirm)) {
        return None;
    }
    app.overlay = None;
    if !yes {
        say(app, Tone::Dim, "cancelled: nothing ran");
        return Some(Vec::new());
    }
    if intent == Intent::Quit {
        app.quit = true;
    }
    Some(effect(app, intent).unwrap_or_default())
}

/// The driver's reports on runs.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::RunStarted {
            step,
            action,
            command,
        } => {
            let what = match action {
                exec::StepAction::Run => "running",
                exec::StepAction::Rollback => "rolling back with",
            };
            let mut text = format!(
                "▶ {what} `{command}` for {step}: its output is in Logs ({} cancels)",
                app.keymap.label(KeyAction::CancelRun)
            );
            // A filter set earlier would hide the output without a word.
            let m = &app.logs_pane.model;
            let view = m.view.status(&m.buffer);
            if let Some(f) = view.filter {
                text.push_str(&format!(
                    " — the Logs filter {f} hides lines without it ({} then enter clears it)",
                    app.keymap.label(KeyAction::Filter)
                ));
            } else if let Some(level) = view.min_level {
                text.push_str(&format!(
                    " — Logs shows {level}+ only ({} cycles it)",
                    app.keymap.label(KeyAction::Level)
                ));
            }
            app.runs.running.push(Running {
                step,
                action,
                command,
            });
            say(app, Tone::Info, text);
        }
        Action::RunFinished {
            step,
            action,
            ok,
            text,
        } => {
            app.runs
                .running
                .retain(|r| !(r.step == step && r.action == action));
            if ok {
                if action == exec::StepAction::Run
                    && let Some(i) = super::app::first_actionable(app)
                {
                    app.step_selected = i;
                }
                say(app, Tone::Ok, format!("✔ {text}"));
            } else if action == exec::StepAction::Run {
                let rollback = app
                    .state()
                    .and_then(|st| st.plan.step(&step))
                    .is_some_and(|p| p.rollback.is_some());
                let mut hint = format!(" — {}: retry", app.keymap.label(KeyAction::Act));
                if rollback {
                    hint.push_str(&format!(
                        " · {}: roll back",
                        app.keymap.label(KeyAction::Rollback)
                    ));
                }
                say(app, Tone::Bad, format!("✘ {text}{hint}"));
            } else {
                say(
                    app,
                    Tone::Bad,
                    format!("✘ {text} — act by hand, and add a note (c) saying what you did"),
                );
            }
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sample;
    use crate::tui::theme::Theme;

    fn started(app: &mut App) -> String {
        update(
            app,
            Action::RunStarted {
                step: "enable-all".into(),
                action: exec::StepAction::Run,
                command: "./deploy/promote.sh".into(),
            },
        );
        app.status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_run_says_when_the_logs_filter_would_hide_its_output() {
        let mut app = sample::app(sample::late().expect("sample"), Theme::no_color("default"));
        let plain = started(&mut app);
        assert!(plain.contains("its output is in Logs"), "{plain}");
        assert!(!plain.contains("filter"), "{plain}");
        super::super::logs_pane::submit_filter(&mut app, "timeout".into());
        let filtered = started(&mut app);
        assert!(
            filtered.contains("the Logs filter timeout hides lines without it"),
            "{filtered}"
        );
    }
}
