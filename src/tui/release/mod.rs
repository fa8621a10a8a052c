//! The release around a session, in the app: its notes (read, drafted
//! from the commits since the last release, edited, saved into the
//! session), the manifest of compatible components, and the audit trail's
//! sync state (the header's badge, a manual sync, the optional automatic
//! sync after each event). State and `update` logic only: the draw is in
//! `ui/release.rs`, the work (git, files) in the driver.
//!
//! - `notes`: the Notes overlay and its editor;
//! - `manifest`: the manifest's view, lines and overlay keys;
//! - `sync`: the sync badge, manual and automatic syncs.

mod manifest;
mod notes;
mod sync;

pub use manifest::{
    ComponentRow, FIRST_COMPONENT_LINE, ManifestState, ManifestView, Requirement, manifest_lines,
    manifest_read, open_manifest, read_manifest,
};
pub use notes::{
    NotesEditor, NotesKey, NotesOverlay, drafted, failed, not_writable, notes_key, open_notes,
    performed,
};
pub use sync::{
    BadgeWidth, STATUS_EVERY_SECS, SyncOutcome, SyncView, loaded, status_read, sync_now, synced,
    tick, want_status,
};

use super::action::Effect;
use super::app::{App, Overlay};
use super::keymap::KeyAction;

/// Keymap actions while the Notes or Manifest overlay is open: scroll,
/// close. Returns `None` when no such overlay is open.
pub fn overlay_key(app: &mut App, k: KeyAction) -> Option<Vec<Effect>> {
    if let Some(effects) = manifest::manifest_key(app, k) {
        return Some(effects);
    }
    let page = app.size.1.saturating_sub(8).max(1);
    let notes_len = app
        .state()
        .and_then(notes::session_notes)
        .map_or(0, |t| t.lines().count());
    let manifest_len = manifest_lines(&app.manifest).len();
    // Rows of text the overlay shows (see `ui::release`: the overlay is
    // the screen less 3 rows, its borders 2, the notes' heading 2).
    let rows = app.size.1 as usize;
    let (scroll, len, visible) = match app.overlay.as_mut()? {
        Overlay::Notes(n) if n.editor.is_none() => {
            (&mut n.scroll, notes_len, rows.saturating_sub(7))
        }
        Overlay::Manifest { scroll, .. } => (scroll, manifest_len, rows.saturating_sub(5)),
        _ => return None,
    };
    // The last offset that still fills the overlay: scrolling stops there,
    // so scrolling back up answers at once.
    let last = u16::try_from(len.saturating_sub(visible)).unwrap_or(u16::MAX);
    match k {
        KeyAction::Up => *scroll = scroll.saturating_sub(1),
        KeyAction::Down => *scroll = scroll.saturating_add(1).min(last),
        KeyAction::PageUp => *scroll = scroll.saturating_sub(page),
        KeyAction::PageDown => *scroll = scroll.saturating_add(page).min(last),
        KeyAction::Top => *scroll = 0,
        KeyAction::Bottom => *scroll = last,
        KeyAction::Cancel | KeyAction::Quit | KeyAction::ReleaseNotes | KeyAction::Manifest => {
            app.overlay = None
        }
        KeyAction::Help => {
            app.overlay = Some(Overlay::Help);
            app.help_scroll = 0;
        }
        _ => {}
    }
    Some(Vec::new())
}
