//! The session's release notes in the app: the Notes overlay (read,
//! draft from the commits, edit in a multi-line editor, save into the
//! session as `release_notes_set`), and what a save or a refusal does to
//! the editor.

use ratatui_textarea::{Input, TextArea};

use crate::session::payload::ReleaseNotesSet;
use crate::session::{Command, Payload, SessionState};

use crate::tui::action::Effect;
use crate::tui::app::{App, Overlay};
use crate::tui::theme::Tone;

/// A key in the Notes overlay that is not a keymap action.
#[derive(Debug, Clone, PartialEq)]
pub enum NotesKey {
    /// Start editing the notes (or write them when there are none).
    Edit,
    /// Draft them from the commits since the last release.
    Draft,
    /// Save the edited text into the session.
    Save,
    /// Leave the editor (asking once when there are unsaved edits).
    Discard,
    /// A key for the editor itself.
    Input(Input),
}

/// The notes being edited: a multi-line editor over the text, and the
/// text it started from (to tell whether leaving loses anything).
#[derive(Debug, Clone)]
pub struct NotesEditor {
    pub area: TextArea<'static>,
    /// What the session holds (or held when editing began).
    pub original: String,
    /// Saved and waiting for the core's answer: the editor stays open
    /// until the notes are recorded, so a refusal loses no text.
    pub saving: bool,
    /// Esc was pressed once with unsaved edits.
    pub confirm_discard: bool,
    /// Ctrl-s was pressed once although someone else changed the notes
    /// since editing began.
    pub confirm_overwrite: bool,
}

impl NotesEditor {
    pub fn new(text: &str, original: &str) -> NotesEditor {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut area = TextArea::new(lines);
        area.set_placeholder_text(
            "Write the release notes in markdown (esc, then d, drafts them from the commits)",
        );
        NotesEditor {
            area,
            original: original.to_string(),
            saving: false,
            confirm_discard: false,
            confirm_overwrite: false,
        }
    }

    pub fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        if !t.is_empty() && !t.ends_with('\n') {
            t.push('\n');
        }
        t
    }

    /// Does the editor hold something the session does not?
    pub fn changed(&self) -> bool {
        self.text().trim_end() != self.original.trim_end()
    }
}

impl PartialEq for NotesEditor {
    fn eq(&self, other: &Self) -> bool {
        self.area.lines() == other.area.lines()
            && self.area.cursor() == other.area.cursor()
            && self.original == other.original
            && self.saving == other.saving
            && self.confirm_discard == other.confirm_discard
            && self.confirm_overwrite == other.confirm_overwrite
    }
}

/// The Notes overlay: the session's notes, scrolled, or their editor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotesOverlay {
    pub scroll: u16,
    /// Boxed: an editor is large, and the overlay sits in an enum.
    pub editor: Option<Box<NotesEditor>>,
    /// A draft from history was asked for and has not come back yet.
    pub drafting: bool,
}

/// The session's notes: who set them and the text.
pub(super) fn session_notes(st: &SessionState) -> Option<&str> {
    st.release_notes.as_ref().map(|(_, t)| t.as_str())
}

/// Why the open session cannot take notes now, if it cannot.
pub fn not_writable(app: &App) -> Option<String> {
    let v = app.session.as_ref()?;
    if let Some(why) = &v.read_only {
        return Some(format!("this session is open read-only: {why}"));
    }
    if v.state.status != crate::session::SessionStatus::Open {
        return Some("the session is closed".into());
    }
    None
}

/// `R`: open the Notes overlay.
pub fn open_notes(app: &mut App) -> Vec<Effect> {
    if app.session.is_none() {
        app.say(Tone::Dim, "no session is open");
        return Vec::new();
    }
    app.overlay = Some(Overlay::Notes(NotesOverlay::default()));
    Vec::new()
}

/// A key of the Notes overlay that is not a keymap action.
pub fn notes_key(app: &mut App, k: NotesKey) -> Vec<Effect> {
    let set_by = app
        .state()
        .and_then(|s| s.release_notes.as_ref())
        .map(|(by, _)| format!("{} at {}", by.who.name, crate::session::clock_time(&by.at)));
    let current = app
        .state()
        .and_then(session_notes)
        .unwrap_or_default()
        .to_string();
    let blocked = not_writable(app);
    let Some(Overlay::Notes(n)) = app.overlay.as_mut() else {
        return Vec::new();
    };
    match k {
        NotesKey::Edit | NotesKey::Draft if blocked.is_some() => {
            let why = blocked.unwrap_or_default();
            app.say(Tone::Warn, format!("cannot edit the release notes: {why}"));
            Vec::new()
        }
        NotesKey::Edit => {
            n.editor = Some(Box::new(NotesEditor::new(&current, &current)));
            Vec::new()
        }
        NotesKey::Draft if n.drafting => Vec::new(),
        NotesKey::Draft => {
            n.drafting = true;
            app.say(
                Tone::Info,
                "drafting the notes from the commits since the last release…",
            );
            vec![Effect::DraftNotes]
        }
        NotesKey::Save => {
            let Some(ed) = n.editor.as_mut() else {
                return Vec::new();
            };
            if !ed.changed() {
                n.editor = None;
                app.say(Tone::Dim, "no changes to save");
                return Vec::new();
            }
            if ed.saving {
                return Vec::new();
            }
            if ed.text().trim().is_empty() {
                app.say(
                    Tone::Warn,
                    "the notes are empty: write them (or d drafts them), or esc to leave the session's as they are",
                );
                return Vec::new();
            }
            // Someone else saved notes since this edit began: replacing
            // theirs takes a second ctrl-s (theirs stay in the journal).
            if current.trim_end() != ed.original.trim_end() && !ed.confirm_overwrite {
                ed.confirm_overwrite = true;
                app.say(
                    Tone::Warn,
                    format!(
                        "the session's notes changed since you began (set by {}): ctrl-s again replaces them with yours",
                        set_by.unwrap_or_else(|| "someone".into())
                    ),
                );
                return Vec::new();
            }
            ed.saving = true;
            let markdown = ed.text();
            app.perform(Command::Record(Payload::ReleaseNotesSet(ReleaseNotesSet {
                markdown,
            })))
        }
        NotesKey::Discard => {
            let Some(ed) = n.editor.as_mut() else {
                app.overlay = None;
                return Vec::new();
            };
            if ed.changed() && !ed.confirm_discard {
                ed.confirm_discard = true;
                app.say(
                    Tone::Warn,
                    "the notes have unsaved edits: esc again discards them, ctrl-s saves them",
                );
            } else {
                let changed = ed.changed();
                n.editor = None;
                if changed {
                    app.say(
                        Tone::Dim,
                        "edits discarded; the session's notes are unchanged",
                    );
                }
            }
            Vec::new()
        }
        NotesKey::Input(input) => {
            if let Some(ed) = n.editor.as_mut()
                && !ed.saving
            {
                ed.area.input(input);
                ed.confirm_discard = false;
                ed.confirm_overwrite = false;
            }
            Vec::new()
        }
    }
}

/// A draft came back from history.
pub fn drafted(app: &mut App, result: Result<String, String>) -> Vec<Effect> {
    let current = app
        .state()
        .and_then(session_notes)
        .unwrap_or_default()
        .to_string();
    let Some(Overlay::Notes(n)) = app.overlay.as_mut() else {
        return Vec::new();
    };
    n.drafting = false;
    match result {
        Ok(text) => {
            n.editor = Some(Box::new(NotesEditor::new(&text, &current)));
            app.say(
                Tone::Info,
                "drafted from the commits: edit, then ctrl-s saves them into the session (esc discards)",
            );
        }
        Err(why) => app.say(Tone::Bad, format!("✘ cannot draft the notes: {why}")),
    }
    Vec::new()
}

/// A command was recorded: close the notes editor it saved.
pub fn performed(app: &mut App, cmd: &Command) {
    if let Command::Record(Payload::ReleaseNotesSet(_)) = cmd
        && let Some(Overlay::Notes(n)) = app.overlay.as_mut()
    {
        n.editor = None;
        n.scroll = 0;
    }
}

/// The core refused: an editor waiting on a save keeps its text.
pub fn failed(app: &mut App) {
    if let Some(Overlay::Notes(n)) = app.overlay.as_mut()
        && let Some(ed) = n.editor.as_mut()
    {
        ed.saving = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sample;
    use crate::tui::theme::Theme;

    fn app() -> App {
        let state = sample::early().expect("sample");
        sample::app(state, Theme::no_color("default"))
    }

    #[test]
    fn leaving_the_editor_with_edits_asks_once() {
        let mut a = app();
        open_notes(&mut a);
        notes_key(&mut a, NotesKey::Edit);
        notes_key(
            &mut a,
            NotesKey::Input(Input {
                key: ratatui_textarea::Key::Char('x'),
                ..Default::default()
            }),
        );
        notes_key(&mut a, NotesKey::Discard);
        let Some(Overlay::Notes(n)) = &a.overlay else {
            panic!("closed")
        };
        assert!(n.editor.is_some(), "the first esc only asks");
        notes_key(&mut a, NotesKey::Discard);
        let Some(Overlay::Notes(n)) = &a.overlay else {
            panic!("closed")
        };
        assert!(n.editor.is_none(), "the second esc discards");
        // Unchanged text leaves at once, and saving it records nothing.
        notes_key(&mut a, NotesKey::Edit);
        assert!(notes_key(&mut a, NotesKey::Save).is_empty());
    }

    #[test]
    fn a_refused_save_keeps_the_text() {
        let mut a = app();
        open_notes(&mut a);
        notes_key(&mut a, NotesKey::Edit);
        notes_key(
            &mut a,
            NotesKey::Input(Input {
                key: ratatui_textarea::Key::Char('y'),
                ..Default::default()
            }),
        );
        let effects = notes_key(&mut a, NotesKey::Save);
        assert_eq!(effects.len(), 1);
        failed(&mut a);
        let Some(Overlay::Notes(n)) = &a.overlay else {
            panic!("closed")
        };
        let ed = n.editor.as_ref().expect("kept");
        assert!(!ed.saving);
        assert_eq!(ed.text(), "y\n");
    }

    #[test]
    fn a_read_only_session_cannot_edit_notes() {
        let mut a = app();
        if let Some(v) = a.session.as_mut() {
            v.read_only = Some("in use by pid 7".into());
        }
        open_notes(&mut a);
        assert!(notes_key(&mut a, NotesKey::Draft).is_empty());
        assert!(
            a.status
                .as_ref()
                .is_some_and(|s| s.text.contains("read-only"))
        );
    }

    fn type_text(a: &mut App, text: &str) {
        for c in text.chars() {
            notes_key(
                a,
                NotesKey::Input(Input {
                    key: ratatui_textarea::Key::Char(c),
                    ..Default::default()
                }),
            );
        }
    }

    #[test]
    fn empty_notes_are_not_saved() {
        let mut a = app();
        if let Some(v) = a.session.as_mut() {
            let by = v.state.started.clone().expect("started");
            v.state.release_notes = Some((by, "x".into()));
        }
        open_notes(&mut a);
        notes_key(&mut a, NotesKey::Edit);
        // Clear the one character the notes hold, and type blanks.
        notes_key(
            &mut a,
            NotesKey::Input(Input {
                key: ratatui_textarea::Key::Delete,
                ..Default::default()
            }),
        );
        type_text(&mut a, "  ");
        assert!(notes_key(&mut a, NotesKey::Save).is_empty());
        assert!(
            a.status
                .as_ref()
                .is_some_and(|s| s.text.contains("the notes are empty"))
        );
    }

    #[test]
    fn notes_changed_by_someone_else_take_a_second_save_to_replace() {
        let mut a = app();
        open_notes(&mut a);
        notes_key(&mut a, NotesKey::Edit);
        type_text(&mut a, "mine");
        // Meanwhile someone saved other notes (the session reloads).
        if let Some(v) = a.session.as_mut() {
            let by = v.state.started.clone().expect("started");
            v.state.release_notes = Some((by, "theirs\n".into()));
        }
        assert!(notes_key(&mut a, NotesKey::Save).is_empty(), "asks first");
        assert!(
            a.status
                .as_ref()
                .is_some_and(|s| s.text.contains("changed since you began"))
        );
        assert_eq!(notes_key(&mut a, NotesKey::Save).len(), 1, "then saves");
    }
}
