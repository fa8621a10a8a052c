//! The Train pane (release-train sessions only): each component of the
//! manifest as a row (its version now and next, its own release session,
//! its readiness), read from its own repository about once a second so it
//! follows the components' sessions live; `enter` shows the selected
//! component's details (commits, session, requirements), `enter` or `esc`
//! goes back to the list.

mod draw;

use super::Component;
use crate::tui::ctx::{Ctx, move_selection};
use crate::tui::keymap::{Hint, KeyAction};
use crate::tui::out::Out;
use crate::tui::overlay::HelpEntry;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Train {
    /// Index into the train's components.
    pub selected: usize,
    /// The selected component's details instead of the list.
    pub details: bool,
}

impl Component for Train {
    fn key(&mut self, k: KeyAction, ctx: &Ctx, _out: &mut Out) -> bool {
        let len = ctx.train.status.as_ref().map_or(0, |t| t.components.len());
        match k {
            KeyAction::Up | KeyAction::Down | KeyAction::Top | KeyAction::Bottom => {
                move_selection(&mut self.selected, len, k);
            }
            KeyAction::Act if len > 0 => self.details = !self.details,
            KeyAction::Cancel if self.details => self.details = false,
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
            Hint::of(
                k,
                KeyAction::Act,
                if self.details { "list" } else { "details" },
            ),
            Hint::of(k, KeyAction::Manifest, "manifest"),
            Hint::of(k, KeyAction::Zoom, "zoom"),
            Hint::of(k, KeyAction::Quit, "quit"),
        ]
    }

    fn help(&self) -> Vec<HelpEntry> {
        use KeyAction as K;
        vec![
            HelpEntry::keys(&[K::Down, K::Up], "select a component"),
            HelpEntry::keys(&[K::Act], "its details and commits (again: the list)"),
            HelpEntry::keys(&[K::Cancel], "back to the list"),
        ]
    }

    fn select(&mut self, i: usize) {
        self.selected = i;
    }
}
