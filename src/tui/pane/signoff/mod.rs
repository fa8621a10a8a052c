//! The Sign-off pane: each (sign-off step, role) as a row; `enter` or `a`
//! approves the selected one (with an optional comment), `x` rejects it
//! (with a reason); `s`, `f` and `c` skip, fail and note its step.

mod draw;

use super::Component;
use crate::session::SessionState;
use crate::tui::ctx::{Ctx, move_selection, signoff_rows};
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::Out;
use crate::tui::overlay::{HelpEntry, Prompt};
use crate::tui::theme::Tone;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signoff {
    /// Index into `signoff_rows`.
    pub selected: usize,
}

impl Signoff {
    /// A session was loaded: the selection stays in range (and starts at
    /// the top for a session newly opened).
    pub fn loaded(&mut self, st: &SessionState, first_open: bool) {
        if first_open {
            self.selected = 0;
        }
        self.selected = self.selected.min(signoff_rows(st).len().saturating_sub(1));
    }

    /// Select `step`'s first undecided role (else its first).
    pub fn show(&mut self, st: &SessionState, step: &str) {
        let rows = signoff_rows(st);
        let row = rows
            .iter()
            .position(|r| r.plan.id == step && r.decision.is_none())
            .or_else(|| rows.iter().position(|r| r.plan.id == step));
        if let Some(i) = row {
            self.selected = i;
        }
    }

    /// The selected row's step and role.
    fn target(&self, ctx: &Ctx) -> Option<(String, String)> {
        let st = ctx.state()?;
        signoff_rows(st)
            .get(self.selected)
            .map(|r| (r.plan.id.clone(), r.role.to_string()))
    }
}

impl Component for Signoff {
    fn has_content(&self, ctx: &Ctx) -> bool {
        ctx.state()
            .is_some_and(|s| !signoff_rows(s).is_empty() || s.release_notes.is_some())
    }

    fn key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool {
        match k {
            KeyAction::Up | KeyAction::Down | KeyAction::Top | KeyAction::Bottom => {
                let len = ctx.state().map_or(0, |st| signoff_rows(st).len());
                move_selection(&mut self.selected, len, k);
            }
            KeyAction::Act | KeyAction::Approve | KeyAction::Reject => match self.target(ctx) {
                Some((step, role)) => {
                    let approve = k != KeyAction::Reject;
                    let probe = crate::session::Command::Signoff {
                        step: Some(step.clone()),
                        role: role.clone(),
                        approve,
                        comment: Some("?".into()),
                    };
                    out.open_unless_refused(ctx, &probe, Prompt::signoff(approve, step, role, ctx))
                }
                None => out.say(Tone::Dim, "select a sign-off first (in the Sign-off pane)"),
            },
            KeyAction::Skip | KeyAction::Fail | KeyAction::Note => {
                if let Some((step, _)) = self.target(ctx) {
                    out.open(Prompt::step(k, &step));
                }
            }
            _ => return false,
        }
        true
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        vec![
            Hint::of(k, KeyAction::Help, "help"),
            Hint::of(k, KeyAction::FocusNext, "pane"),
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "move"),
            Hint::of(k, KeyAction::Approve, "approve"),
            Hint::of(k, KeyAction::Reject, "reject"),
            Hint::of(k, KeyAction::ReleaseNotes, "notes"),
            Hint::of(k, KeyAction::SwitchPerson, "person"),
            Hint::of(k, KeyAction::Note, "note"),
            Hint::of(k, KeyAction::Zoom, "zoom"),
            Hint::of(k, KeyAction::Quit, "quit"),
        ]
    }

    fn help(&self) -> Vec<HelpEntry> {
        use KeyAction as K;
        vec![
            HelpEntry::keys(&[K::Down, K::Up], "select a role"),
            HelpEntry::keys(&[K::Act, K::Approve], "approve as the selected role"),
            HelpEntry::keys(&[K::Reject], "reject, with a reason"),
            HelpEntry::keys(&[K::Skip, K::Fail, K::Note], "skip / fail / note its step"),
        ]
    }

    fn select(&mut self, i: usize) {
        self.selected = i;
    }
}
