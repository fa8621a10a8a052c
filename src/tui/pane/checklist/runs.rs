//! Step commands from the Checklist: `enter` on a command step runs it
//! (after a confirmation when the step wants one), `r` asks and then
//! runs its rollback, `x` cancels the selected step's running command.
//! The driver runs them (`exec::spawn`, the same `StepCommand` rules and
//! records as `greenlight step run`), streams their output into the Logs
//! pane and reports back with `Action::RunStarted` and
//! `Action::RunFinished`, which the app hands here.

use crate::exec::{StepAction, StepCommand};
use crate::session::StepStatus;

use super::Checklist;
use crate::tui::action::Effect;
use crate::tui::ctx::Ctx;
use crate::tui::keymap::KeyAction;
use crate::tui::out::Out;
use crate::tui::overlay::{Confirm, Intent};
use crate::tui::theme::Tone;

/// A command running now, as the screen knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub step: String,
    pub action: StepAction,
    pub command: String,
}

impl Checklist {
    pub fn is_running(&self, step: &str) -> Option<&Running> {
        self.runs.iter().find(|r| r.step == step)
    }

    /// Keys that concern commands; false leaves `k` to the pane's usual
    /// handling (a step without a command, say).
    pub(super) fn command_key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool {
        match k {
            KeyAction::Act => self.run(StepAction::Run, ctx, out),
            KeyAction::Rollback => self.run(StepAction::Rollback, ctx, out),
            KeyAction::CancelRun => {
                self.cancel(ctx, out);
                true
            }
            _ => false,
        }
    }

    fn run(&mut self, action: StepAction, ctx: &Ctx, out: &mut Out) -> bool {
        let Some(st) = ctx.state() else {
            return false;
        };
        let (Some(p), Some(s)) = (
            st.plan.steps.get(self.selected),
            st.steps.get(self.selected),
        ) else {
            return false;
        };
        let status = s.status;
        if action == StepAction::Run && p.run.is_none() {
            return false;
        }
        // No rollback here: the app offers the most recent step that has
        // one (`r` from anywhere).
        if action == StepAction::Rollback && p.rollback.is_none() {
            return false;
        }
        if let Some(r) = self.is_running(&p.id) {
            out.say(
                Tone::Info,
                format!(
                    "`{}` is running for {}; {} cancels it",
                    r.command,
                    p.id,
                    ctx.key(KeyAction::CancelRun)
                ),
            );
            return true;
        }
        if action == StepAction::Run && (status.is_settled() || !st.pending_requires(p).is_empty())
        {
            // "already done", "waits on": the pane's usual answers.
            return false;
        }
        let plan = match StepCommand::plan(st, &p.id, action) {
            Ok(plan) => plan,
            Err(e) => {
                out.say(Tone::Bad, format!("✘ {e}"));
                return true;
            }
        };
        if !plan.needs_confirmation {
            if let Some(m) = ctx.person {
                out.effect(Effect::RunStep {
                    step: p.id.clone(),
                    action,
                    confirmed_by: Some(m.confirmer()),
                    who: m.who(),
                });
            }
            return true;
        }
        let mut lines = vec![p.title.clone(), format!("runs:      {}", plan.command)];
        match action {
            StepAction::Run => {
                if let Some(r) = &p.rollback {
                    lines.push(format!("roll back: {r}"));
                }
                lines.push("This step is marked risky (confirm = true).".into());
            }
            StepAction::Rollback => {
                if status == StepStatus::Done {
                    lines.push("The step is done: this undoes it.".into());
                }
                lines.push("A rollback always asks; it is recorded with its output.".into());
            }
        }
        if let Some(m) = ctx.person {
            lines.push(format!("Confirming as {}.", m.confirmer()));
        }
        let title = match action {
            StepAction::Run => format!("Run {}?", p.id),
            StepAction::Rollback => format!("Roll back {}?", p.id),
        };
        out.open(Confirm::new(
            title,
            lines,
            Intent::RunStep {
                step: p.id.clone(),
                action,
            },
        ));
        true
    }

    fn cancel(&mut self, ctx: &Ctx, out: &mut Out) {
        let selected = ctx
            .state()
            .and_then(|st| st.plan.steps.get(self.selected))
            .map(|p| p.id.clone());
        let running = selected
            .as_deref()
            .and_then(|s| self.is_running(s))
            .cloned();
        match running {
            Some(r) => {
                out.say(
                    Tone::Warn,
                    format!(
                        "cancelling `{}` (SIGTERM to its process group, SIGKILL after 5 s)…",
                        r.command
                    ),
                );
                out.effect(Effect::CancelRun { step: r.step });
            }
            None => {
                let text = match self.runs.first() {
                    Some(r) => format!("{} is running: select it to cancel it", r.step),
                    None => "no command is running".into(),
                };
                out.say(Tone::Dim, text);
            }
        }
    }

    /// What quitting would cancel, one phrase each (`cmd` (step)).
    pub fn running_phrases(&self) -> Vec<String> {
        self.runs
            .iter()
            .map(|r| format!("`{}` ({})", r.command, r.step))
            .collect()
    }

    /// Quitting: cancel every running command (each end is recorded).
    pub fn cancel_all(&self, out: &mut Out) {
        for r in &self.runs {
            out.effect(Effect::CancelRun {
                step: r.step.clone(),
            });
        }
    }

    /// A step command started: what the status line says.
    pub fn run_started(
        &mut self,
        step: String,
        action: StepAction,
        command: String,
        ctx: &Ctx,
    ) -> String {
        let what = match action {
            StepAction::Run => "running",
            StepAction::Rollback => "rolling back with",
        };
        let text = format!(
            "▶ {what} `{command}` for {step}: its output is in Logs ({} cancels)",
            ctx.key(KeyAction::CancelRun)
        );
        self.runs.push(Running {
            step,
            action,
            command,
        });
        text
    }

    /// A step command ended and its end was recorded.
    pub fn run_finished(
        &mut self,
        step: &str,
        action: StepAction,
        ok: bool,
        text: &str,
        ctx: &Ctx,
        out: &mut Out,
    ) {
        self.runs
            .retain(|r| !(r.step == step && r.action == action));
        if ok {
            if action == StepAction::Run
                && let Some(st) = ctx.state()
            {
                self.advance(st);
            }
            out.say(Tone::Ok, format!("✔ {text}"));
        } else if action == StepAction::Run {
            let rollback = ctx
                .state()
                .and_then(|st| st.plan.step(step))
                .is_some_and(|p| p.rollback.is_some());
            let mut hint = format!(" — {}: retry", ctx.key(KeyAction::Act));
            if rollback {
                hint.push_str(&format!(" · {}: roll back", ctx.key(KeyAction::Rollback)));
            }
            out.say(Tone::Bad, format!("✘ {text}{hint}"));
        } else {
            out.say(
                Tone::Bad,
                format!(
                    "✘ {text} — act by hand, and add a note ({}) saying what you did",
                    ctx.key(KeyAction::Note)
                ),
            );
        }
    }
}
