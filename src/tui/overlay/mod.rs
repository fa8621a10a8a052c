//! Overlays: a stack over the screen (helix's compositor). The top one
//! has the keys; closing it shows the one below again (a prompt opened
//! from the manifest goes back to the manifest, the help opened from the
//! release notes goes back to the notes). Each overlay owns its state,
//! its keys, its footer hints and its draw, and sees the same read-only
//! context as the panes.
//!
//! - `confirm`: the one yes/no confirmation, whose yes is a typed
//!   [`Intent`] the app hands to its owner;
//! - `prompt`: one line of text for a [`Purpose`];
//! - `help`: every binding, grouped by where it works;
//! - `people`: who is at the keyboard;
//! - `notes`: the session's release notes, read, drafted, edited;
//! - `manifest`: the manifest of components, a version set;
//! - `timeline`: the session's events in order (`T`), and the status
//!   line's last messages (`L`).

pub mod confirm;
pub mod help;
pub mod manifest;
pub mod notes;
pub mod people;
pub mod prompt;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::Rect;

pub use confirm::{Confirm, Intent};
pub use help::{Help, HelpEntry, HelpSection};
pub use manifest::ManifestOverlay;
pub use notes::{NotesEditor, NotesOverlay};
pub use people::People;
pub use prompt::{LineInput, Prompt, Purpose};
pub use timeline::{Messages, Timeline};

use super::ctx::Ctx;
use super::keymap::Hint;
use super::keymap::KeyAction;
use super::out::Out;
use super::place::Place;

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help(Help),
    Prompt(Prompt),
    Confirm(Confirm),
    People(People),
    /// The session's release notes: read, drafted, edited.
    Notes(NotesOverlay),
    /// The repository's manifest of components.
    Manifest(ManifestOverlay),
    /// Every event of the session, in order.
    Timeline(Timeline),
    /// The status line's last messages.
    Messages(Messages),
}

macro_rules! from {
    ($($t:ident => $v:ident),*) => {
        $(impl From<$t> for Overlay {
            fn from(o: $t) -> Overlay {
                Overlay::$v(o)
            }
        })*
    };
}
from!(Help => Help, Prompt => Prompt, Confirm => Confirm, People => People,
    NotesOverlay => Notes, ManifestOverlay => Manifest, Timeline => Timeline,
    Messages => Messages);

/// What the top overlay does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Stay,
    Close,
}

/// What an overlay's last frame showed: rows of text and how many there
/// are, so scrolling stops where the frame stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drawn {
    /// Rows of text on screen.
    pub rows: usize,
    /// Rows of text in all.
    pub len: usize,
}

impl Drawn {
    /// The last scroll offset that still fills the window.
    pub fn last_scroll(&self) -> u16 {
        u16::try_from(self.len.saturating_sub(self.rows)).unwrap_or(u16::MAX)
    }
}

/// Scroll `scroll` by a key, stopping at what the last frame showed
/// (unbounded before the overlay was first drawn: the draw clamps).
pub fn scroll_by(scroll: &mut u16, k: KeyAction, drawn: Option<Drawn>) -> bool {
    let last = drawn.map_or(u16::MAX, |d| d.last_scroll());
    let page = drawn.map_or(1, |d| u16::try_from(d.rows.max(1)).unwrap_or(u16::MAX));
    *scroll = (*scroll).min(last);
    *scroll = match k {
        KeyAction::Up => scroll.saturating_sub(1),
        KeyAction::Down => scroll.saturating_add(1).min(last),
        KeyAction::PageUp => scroll.saturating_sub(page),
        KeyAction::PageDown => scroll.saturating_add(page).min(last),
        KeyAction::Top => 0,
        KeyAction::Bottom => last,
        _ => return false,
    };
    true
}

impl Overlay {
    /// Where its keys are read.
    pub fn place(&self) -> Place {
        match self {
            Overlay::Help(_) => Place::Help,
            Overlay::Prompt(_) => Place::Prompt,
            Overlay::Confirm(_) => Place::Confirm,
            Overlay::People(_) => Place::People,
            Overlay::Notes(n) if n.editor.is_some() => Place::Editor,
            Overlay::Notes(_) => Place::Notes,
            Overlay::Manifest(_) => Place::Manifest,
            Overlay::Timeline(_) => Place::Timeline,
            Overlay::Messages(_) => Place::Messages,
        }
    }

    /// A key while it is on top; `drawn`: what its last frame showed.
    pub fn key(&mut self, k: KeyAction, ctx: &Ctx, drawn: Option<Drawn>, out: &mut Out) -> Fate {
        match self {
            Overlay::Help(h) => h.key(k, drawn),
            Overlay::Prompt(p) => p.key(k, ctx, out),
            Overlay::Confirm(c) => c.key(k, out),
            Overlay::People(p) => p.key(k, out),
            Overlay::Notes(n) => n.key(k, ctx, drawn, out),
            Overlay::Manifest(m) => m.key(k, ctx, drawn, out),
            Overlay::Timeline(t) => t.key(k, drawn, out),
            Overlay::Messages(m) => m.key(k, drawn, out),
        }
    }

    /// The footer's hints while it is on top.
    pub fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        match self {
            Overlay::Help(h) => h.hints(ctx),
            Overlay::Prompt(p) => p.hints(ctx),
            Overlay::Confirm(c) => c.hints(ctx),
            Overlay::People(p) => p.hints(ctx),
            Overlay::Notes(n) => n.hints(ctx),
            Overlay::Manifest(m) => m.hints(ctx),
            Overlay::Timeline(t) => t.hints(ctx),
            Overlay::Messages(m) => m.hints(ctx),
        }
    }

    /// Draw it over `area` (the whole screen). The help draws `help`.
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, help: &[HelpSection]) -> Drawn {
        match self {
            Overlay::Help(h) => h.draw(frame, area, ctx, help),
            Overlay::Prompt(p) => p.draw(frame, area, ctx),
            Overlay::Confirm(c) => c.draw(frame, area, ctx),
            Overlay::People(p) => p.draw(frame, area, ctx),
            Overlay::Notes(n) => n.draw(frame, area, ctx),
            Overlay::Manifest(m) => m.draw(frame, area, ctx),
            Overlay::Timeline(t) => t.draw(frame, area, ctx),
            Overlay::Messages(m) => m.draw(frame, area, ctx),
        }
    }
}

/// Overlays over the screen, the last on top.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack(Vec<Overlay>);

impl Stack {
    pub fn push(&mut self, o: impl Into<Overlay>) {
        self.0.push(o.into());
    }

    pub fn pop(&mut self) -> Option<Overlay> {
        self.0.pop()
    }

    pub fn top(&self) -> Option<&Overlay> {
        self.0.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Overlay> {
        self.0.last_mut()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Bottom to top, as they are drawn.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.0.iter()
    }

    /// The release notes overlay, wherever it is in the stack (a draft
    /// that comes back while the help is over it still lands).
    pub fn notes_mut(&mut self) -> Option<&mut NotesOverlay> {
        self.0.iter_mut().rev().find_map(|o| match o {
            Overlay::Notes(n) => Some(n),
            _ => None,
        })
    }

    /// The timeline, wherever it is in the stack.
    pub fn timeline_mut(&mut self) -> Option<&mut Timeline> {
        self.0.iter_mut().rev().find_map(|o| match o {
            Overlay::Timeline(t) => Some(t),
            _ => None,
        })
    }

    /// The prompt on top, if the top is one.
    pub fn prompt_mut(&mut self) -> Option<&mut Prompt> {
        match self.0.last_mut() {
            Some(Overlay::Prompt(p)) => Some(p),
            _ => None,
        }
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}
