//! The Checklist pane: one row per step, the selected step's details,
//! and what keys do to the selected step: `enter` starts it, completes
//! it (asking for a note only when evidence is required; a plain check
//! completes from pending in one key) or runs its command; `s`, `f` and `c` skip, fail and
//! note it; `a` and `x` approve and reject its sign-off; `r` rolls its
//! command back; `x` cancels its running command (see `runs`). The step
//! keys also reach the selected step from the Canary and Logs panes (the
//! app hands them here).

mod draw;
mod runs;

pub use runs::Running;

use crate::exec::StepAction;
use crate::session::state::StepState;
use crate::session::{Command, PlanStep, SessionState, StepStatus};

use super::Component;
use crate::tui::action::Effect;
use crate::tui::ctx::{Ctx, first_actionable, move_selection, signoff_rows};
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::{Ask, Offer, Out};
use crate::tui::overlay::{Confirm, HelpEntry, Intent, Prompt, Purpose};
use crate::tui::theme::Tone;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checklist {
    /// Index into the plan's steps.
    pub selected: usize,
    /// Step commands running now.
    pub runs: Vec<Running>,
}

impl Checklist {
    fn selected_step<'a>(&self, st: &'a SessionState) -> Option<(&'a PlanStep, &'a StepState)> {
        Some((
            st.plan.steps.get(self.selected)?,
            st.steps.get(self.selected)?,
        ))
    }

    /// A session was loaded: on a session newly opened the selection goes
    /// to the first step that can be worked on; it always stays in range.
    pub fn loaded(&mut self, st: &SessionState, first_open: bool) {
        if first_open {
            self.selected = first_actionable(st).unwrap_or(0);
        }
        self.selected = self.selected.min(st.steps.len().saturating_sub(1));
    }

    /// After a step was completed or skipped: on to the next one.
    pub fn advance(&mut self, st: &SessionState) {
        if let Some(i) = first_actionable(st) {
            self.selected = i;
        }
    }

    /// The keys of steps (skip, fail, note, approve, reject) on the
    /// selected step: from this pane, and from the panes that have no
    /// steps of their own.
    pub fn step_key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool {
        match k {
            KeyAction::Skip | KeyAction::Fail | KeyAction::Note => {
                if let Some((p, _)) = ctx.state().and_then(|st| self.selected_step(st)) {
                    let step = p.id.clone();
                    let probe = match k {
                        KeyAction::Skip => Command::Skip {
                            step: step.clone(),
                            reason: "?".into(),
                        },
                        KeyAction::Fail => Command::Fail {
                            step: step.clone(),
                            reason: "?".into(),
                        },
                        _ => Command::Note {
                            text: "?".into(),
                            step: Some(step.clone()),
                        },
                    };
                    out.open_unless_refused(ctx, &probe, Prompt::step(k, &step));
                }
                true
            }
            KeyAction::Acknowledge => {
                self.acknowledge(ctx, out);
                true
            }
            KeyAction::Approve | KeyAction::Reject => {
                // The selected step's first undecided role.
                let target = ctx.state().and_then(|st| {
                    let (p, _) = self.selected_step(st)?;
                    let rows = signoff_rows(st);
                    rows.iter()
                        .filter(|r| r.plan.id == p.id)
                        .find(|r| r.decision.is_none())
                        .or_else(|| rows.iter().find(|r| r.plan.id == p.id))
                        .map(|r| (r.plan.id.clone(), r.role.to_string()))
                });
                match target {
                    Some((step, role)) => {
                        let approve = k == KeyAction::Approve;
                        let probe = Command::Signoff {
                            step: Some(step.clone()),
                            role: role.clone(),
                            approve,
                            comment: Some("?".into()),
                        };
                        let prompt = Prompt::signoff(approve, step, role, ctx);
                        out.open_unless_refused(ctx, &probe, prompt);
                    }
                    None => out.say(Tone::Dim, "select a sign-off first (in the Sign-off pane)"),
                }
                true
            }
            _ => false,
        }
    }

    /// Enter on a step without a command to run.
    fn act(&mut self, ctx: &Ctx, out: &mut Out) {
        let Some(st) = ctx.state() else {
            return;
        };
        let Some((p, s)) = self.selected_step(st) else {
            return;
        };
        let status = s.status;
        if p.is_signoff() {
            // Go to its first undecided role in the Sign-off pane.
            out.ask(Ask::ShowSignoff { step: p.id.clone() });
            out.say(
                Tone::Info,
                format!(
                    "{} is a sign-off: {} approves, {} rejects",
                    p.id,
                    ctx.key(KeyAction::Approve),
                    ctx.key(KeyAction::Reject)
                ),
            );
            return;
        }
        match status {
            StepStatus::Pending
            | StepStatus::Failed
            | StepStatus::Rejected
            | StepStatus::RolledBack
            | StepStatus::RollbackFailed => {
                let pending = st.pending_requires(p);
                if !pending.is_empty() {
                    out.say(
                        Tone::Warn,
                        format!(
                            "{} waits on {} (not done or skipped yet)",
                            p.id,
                            pending.join(", ")
                        ),
                    );
                    return;
                }
                if p.confirm {
                    let mut lines = vec![p.title.clone()];
                    if let Some(r) = &p.run {
                        lines.push(format!("runs:      {r}"));
                    }
                    if let Some(r) = &p.rollback {
                        lines.push(format!("roll back: {r}"));
                    }
                    lines.push("This step is marked risky (confirm = true).".into());
                    out.open(Confirm::new(
                        format!("Start {}?", p.id),
                        lines,
                        Intent::StartStep { step: p.id.clone() },
                    ));
                    return;
                }
                // A decision: its options, at once (choosing completes it).
                if status == StepStatus::Pending && p.is_decision() {
                    decide(p, ctx, out);
                    return;
                }
                // A plain check (nothing to run, no evidence, no ack
                // to wait for) is done in one key: nothing to start.
                // Evidence to give and nothing to run: the prompt that
                // takes it, at once (it completes the step).
                if status == StepStatus::Pending
                    && p.evidence_required
                    && p.run.is_none()
                    && p.ack.is_empty()
                    && !p.is_canary()
                {
                    out.open_unless_refused(
                        ctx,
                        &Command::Complete {
                            step: p.id.clone(),
                            note: Some("?".into()),
                        },
                        completion_prompt(p, ctx),
                    );
                    return;
                }
                if status == StepStatus::Pending && one_key(p) {
                    perform_unless_refused(
                        ctx,
                        out,
                        Command::Complete {
                            step: p.id.clone(),
                            note: None,
                        },
                    );
                    return;
                }
                perform_unless_refused(ctx, out, Command::Start { step: p.id.clone() });
            }
            StepStatus::InProgress if p.is_decision() => decide(p, ctx, out),
            StepStatus::InProgress if !p.evidence_required => {
                // No note wanted: `c` adds one any time.
                perform_unless_refused(
                    ctx,
                    out,
                    Command::Complete {
                        step: p.id.clone(),
                        note: None,
                    },
                );
            }
            StepStatus::InProgress => {
                let probe = Command::Complete {
                    step: p.id.clone(),
                    note: Some("?".into()),
                };
                out.open_unless_refused(ctx, &probe, completion_prompt(p, ctx));
            }
            StepStatus::Done | StepStatus::Skipped => {
                out.say(Tone::Dim, format!("{} is already {}", p.id, status.label()));
            }
        }
    }

    /// A confirmation to start a risky step without a command said yes.
    pub fn confirmed_start(&mut self, step: String, ctx: &Ctx, out: &mut Out) {
        perform(ctx, out, Command::Start { step });
    }

    /// A confirmation to run a step's command (or its rollback) said yes.
    pub fn confirmed_run(&mut self, step: String, action: StepAction, ctx: &Ctx, out: &mut Out) {
        if let Some(m) = ctx.person {
            out.effect(Effect::RunStep {
                step,
                action,
                confirmed_by: Some(m.confirmer()),
                who: m.who(),
            });
        }
    }
}

impl Checklist {
    /// `A`: acknowledge the selected step as the first role it asks to
    /// that the person holds (any of them, when roles are not enforced).
    fn acknowledge(&mut self, ctx: &Ctx, out: &mut Out) {
        let Some((st, (p, _))) = ctx
            .state()
            .and_then(|st| Some((st, self.selected_step(st)?)))
        else {
            return;
        };
        if p.ack.is_empty() {
            out.say(Tone::Dim, format!("{} asks nobody to acknowledge it", p.id));
            return;
        }
        let held = ctx
            .person
            .map(|m| st.roles_of(&m.email))
            .unwrap_or_default();
        let role = p
            .ack
            .iter()
            .find(|r| held.contains(r) || !st.roles_enforced())
            .or(p.ack.first())
            .cloned()
            .unwrap_or_default();
        let cmd = Command::Acknowledge {
            step: p.id.clone(),
            role,
            note: None,
        };
        perform_unless_refused(ctx, out, cmd);
    }
}

/// The prompt that completes `p` with a note, or the evidence it asks
/// for.
fn completion_prompt(p: &PlanStep, ctx: &Ctx) -> Prompt {
    let mut hint = vec![p.title.clone()];
    for e in &p.evidence {
        hint.push(format!("evidence: {e}"));
    }
    if p.evidence_required {
        hint.push(format!(
            "Evidence is required (what it is, or a link; files by path and digest with `greenlight step done {} --evidence FILE`). {} to finish:",
            p.id,
            ctx.key(KeyAction::Submit)
        ));
    } else {
        hint.push(format!(
            "A note for the record (optional; {} to finish):",
            ctx.key(KeyAction::Submit)
        ));
    }
    Prompt::new(
        format!("Complete {}", p.id),
        hint,
        p.evidence_required,
        Purpose::CompleteNote { step: p.id.clone() },
    )
}

/// A step `enter` completes from pending in one key: a check with
/// nothing to run, no evidence asked for and no acknowledgement.
fn one_key(p: &PlanStep) -> bool {
    p.kind == "check" && p.run.is_none() && !p.evidence_required && p.ack.is_empty() && !p.manifest
}

/// Record `cmd`, unless the session's rules refuse it: then say why and
/// offer the override.
fn perform_unless_refused(ctx: &Ctx, out: &mut Out, cmd: Command) {
    let Some(who) = ctx.person.map(|m| m.who()) else {
        return;
    };
    match ctx.refusal(&cmd) {
        Some((why, true)) => out.ask(Ask::Refused {
            why,
            offer: Offer::Perform(Box::new((cmd, who))),
        }),
        Some((why, false)) => out.say(Tone::Bad, format!("✘ {why}")),
        None => perform(ctx, out, cmd),
    }
}

/// Record `cmd` as the person at the keyboard.
fn perform(ctx: &Ctx, out: &mut Out, cmd: Command) {
    if let Some(m) = ctx.person {
        out.effect(Effect::Perform {
            cmd,
            who: m.who(),
            override_reason: None,
        });
    }
}

impl Component for Checklist {
    fn key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool {
        // Keys about commands first: a step with `run`, a rollback, a
        // running command.
        if self.command_key(k, ctx, out) {
            return true;
        }
        match k {
            KeyAction::Up | KeyAction::Down | KeyAction::Top | KeyAction::Bottom => {
                let len = ctx.state().map_or(0, |st| st.steps.len());
                move_selection(&mut self.selected, len, k);
                true
            }
            KeyAction::Act => {
                self.act(ctx, out);
                true
            }
            k => self.step_key(k, ctx, out),
        }
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        let mut v = vec![
            Hint::of(k, KeyAction::Help, "help"),
            Hint::of(k, KeyAction::FocusNext, "pane"),
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "move"),
            Hint::of(k, KeyAction::Act, "act"),
            Hint::of(k, KeyAction::Skip, "skip"),
            Hint::of(k, KeyAction::Fail, "fail"),
            Hint::of(k, KeyAction::Note, "note"),
            Hint::of(k, KeyAction::Zoom, "zoom"),
            Hint::of(k, KeyAction::SwitchPerson, "person"),
            Hint::of(k, KeyAction::Sessions, "sessions"),
            Hint::of(k, KeyAction::Quit, "quit"),
        ];
        // As it always was: the hint for `r` shows with a canary configured.
        if ctx.canary.configured {
            v.push(Hint::of(k, KeyAction::Rollback, "roll back"));
        }
        v.push(Hint::of(k, KeyAction::CancelRun, "cancel run"));
        v
    }

    fn help(&self) -> Vec<HelpEntry> {
        use KeyAction as K;
        vec![
            HelpEntry::keys(&[K::Down, K::Up, K::Top, K::Bottom], "select a step"),
            HelpEntry::keys(&[K::Act], "start / complete, or run its command"),
            HelpEntry::keys(&[K::Skip], "skip the step, with a reason"),
            HelpEntry::keys(&[K::Fail], "fail the step, with a reason"),
            HelpEntry::keys(&[K::Note], "add a note about the step"),
            HelpEntry::keys(&[K::Approve], "approve the step's sign-off"),
            HelpEntry::keys(&[K::Reject], "reject the step's sign-off"),
            HelpEntry::keys(&[K::Acknowledge], "acknowledge the step, as its role"),
            HelpEntry::keys(&[K::Rollback], "roll its command back (asks first)"),
            HelpEntry::keys(&[K::CancelRun], "cancel its running command"),
        ]
    }

    fn select(&mut self, i: usize) {
        self.selected = i;
    }
}

/// The prompt of a decision step: its options, then why. Probed first, so
/// a decision the rules refuse is refused at the key press.
fn decide(p: &crate::session::PlanStep, ctx: &Ctx, out: &mut Out) {
    let mut probe = crate::session::payload::StepWithNote::new(p.id.clone(), Some("?".into()));
    probe.choice = p.options.first().cloned();
    let prompt = Prompt::new(
        format!("Decide {}", p.id),
        vec![
            p.title.clone(),
            format!("Options: {}.", p.options.join(", ")),
            format!(
                "Type the option, then why (e.g. `{} because …`); steps for the other options are skipped. {} to decide:",
                p.options.first().map_or("OPTION", String::as_str),
                ctx.key(KeyAction::Submit)
            ),
        ],
        true,
        Purpose::Decide {
            step: p.id.clone(),
            options: p.options.clone(),
        },
    );
    out.open_unless_refused(ctx, &Command::CompleteWith(probe), prompt);
}
