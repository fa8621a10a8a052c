//! The panes of the main screen, each a component (gitui's model): it
//! owns its state, its keys, its footer and help hints and its draw, in
//! its own folder, and sees a read-only [`Ctx`], never the app. What it
//! wants beyond its own state (an effect, a status line, an overlay,
//! another pane focused) it hands back in an [`Out`]. No pane imports
//! another: what one shows of another (the Checklist's glance at the live
//! canary) comes through the context.
//!
//! - `checklist`: the steps, their details, and the step commands run
//!   from them;
//! - `signoff`: each role a sign-off step asks for, and what approvers
//!   sign (the notes, the manifest);
//! - `canary`: the live judgement, the plan, weight changes and rollback;
//! - `logs`: every source's lines, filtered, searched, followed;
//! - `train`: a release train's components, live from their repositories.

pub mod canary;
pub mod checklist;
pub mod logs;
pub mod signoff;
pub mod train;

use ratatui::layout::Rect;

pub use canary::Canary;
pub use checklist::Checklist;
pub use logs::Logs;
pub use signoff::Signoff;
pub use train::Train;

use super::ctx::Ctx;
use super::keymap::Hint;
use super::keymap::KeyAction;
use super::out::Out;
use super::overlay::HelpEntry;
use super::place::Pane;

/// What every pane does for the app.
pub trait Component {
    /// A key while the pane has the focus; false leaves it to the app
    /// (the keys that work everywhere).
    fn key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool;
    /// The footer's hints while it has the focus.
    fn hints(&self, ctx: &Ctx) -> Vec<Hint>;
    /// What the help lists under the pane's name.
    fn help(&self) -> Vec<HelpEntry>;
    /// A click on row `i` of the list its last frame drew.
    fn select(&mut self, _i: usize) {}
    /// Does it have anything to show? A pane with nothing (the hotfix's
    /// Sign-off pane, a canary pane without a canary step) collapses to
    /// its title line, leaving its rows to the others.
    fn has_content(&self, _ctx: &Ctx) -> bool {
        true
    }
}

/// What a pane's last frame showed, for the mouse and for scrolling.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Drawn {
    /// The pane's frame.
    pub area: Rect,
    /// Its list's rows (or the lines of the Logs pane).
    pub rows: Rect,
    /// The index of the list's first row on screen.
    pub first: usize,
    /// Rows in the list in all.
    pub len: usize,
    /// The screen rows each list row on screen took, from `first` (a
    /// row wrapped to fit its text takes more than one); empty when every
    /// row took one.
    pub heights: Vec<u16>,
}

impl Drawn {
    /// The list row at a screen cell, if one is there.
    pub fn row_at(&self, column: u16, row: u16) -> Option<usize> {
        let pos = ratatui::layout::Position::new(column, row);
        if !self.rows.contains(pos) {
            return None;
        }
        let mut y = row - self.rows.y;
        let mut i = self.first;
        for h in &self.heights {
            if y < *h {
                break;
            }
            y -= h;
            i += 1;
        }
        if !self.heights.is_empty() && i >= self.first + self.heights.len() {
            return None;
        }
        let i = if self.heights.is_empty() {
            self.first + usize::from(y)
        } else {
            i
        };
        (i < self.len).then_some(i)
    }
}

/// The four panes.
#[derive(Debug, Clone, Default)]
pub struct Panes {
    pub checklist: Checklist,
    pub signoff: Signoff,
    pub canary: Canary,
    pub logs: Logs,
    pub train: Train,
}

impl Panes {
    pub fn get(&self, p: Pane) -> &dyn Component {
        match p {
            Pane::Checklist => &self.checklist,
            Pane::Signoff => &self.signoff,
            Pane::Canary => &self.canary,
            Pane::Logs => &self.logs,
            Pane::Train => &self.train,
        }
    }

    pub fn get_mut(&mut self, p: Pane) -> &mut dyn Component {
        match p {
            Pane::Checklist => &mut self.checklist,
            Pane::Signoff => &mut self.signoff,
            Pane::Canary => &mut self.canary,
            Pane::Logs => &mut self.logs,
            Pane::Train => &mut self.train,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A click on a wrapped row's second line selects that row; the rows
    /// after it are found past its height.
    #[test]
    fn row_at_follows_wrapped_rows() {
        let d = Drawn {
            area: Rect::new(0, 0, 20, 10),
            rows: Rect::new(1, 2, 18, 6),
            first: 3,
            len: 8,
            heights: vec![1, 3, 1, 1],
        };
        let rows: Vec<Option<usize>> = (2..9).map(|y| d.row_at(5, y)).collect();
        assert_eq!(
            rows,
            [Some(3), Some(4), Some(4), Some(4), Some(5), Some(6), None]
        );
        let plain = Drawn {
            heights: Vec::new(),
            ..d.clone()
        };
        assert_eq!(plain.row_at(5, 3), Some(4));
        assert_eq!(plain.row_at(5, 7), None);
    }
}
