//! The session's release notes: the Notes overlay (read, draft from the
//! commits, edit in a multi-line editor, save into the session as
//! `release_notes_set`), and what a save or a refusal does to the editor.
//! In the editor printable keys are text for the editor; the keymap's
//! `save-notes` saves, and cancel's and quit's keys leave (asking once
//! when there are unsaved edits).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui_textarea::{Input, TextArea};

use super::{Drawn, Fate, Help, scroll_by};
use crate::session::payload::ReleaseNotesSet;
use crate::session::{Command, Payload, SessionState};
use crate::tui::action::Effect;
use crate::tui::ctx::Ctx;
use crate::tui::keymap::Hint;
use crate::tui::keymap::{KeyAction, Keymap};
use crate::tui::out::Out;
use crate::tui::theme::{Theme, Tone};
use crate::tui::ui;

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
    pub fn new(text: &str, original: &str, k: &Keymap) -> NotesEditor {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut area = TextArea::new(lines);
        area.set_placeholder_text(format!(
            "Write the release notes in markdown ({}, then {}, drafts them from the commits)",
            k.label(KeyAction::Cancel),
            k.label(KeyAction::DraftNotes)
        ));
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
fn session_notes(st: &SessionState) -> Option<&str> {
    st.release_notes.as_ref().map(|(_, t)| t.as_str())
}

impl NotesOverlay {
    /// A key of the keymap while the overlay is on top.
    pub(super) fn key(
        &mut self,
        k: KeyAction,
        ctx: &Ctx,
        drawn: Option<Drawn>,
        out: &mut Out,
    ) -> Fate {
        if self.editor.is_some() {
            match k {
                KeyAction::SaveNotes => self.save(ctx, out),
                KeyAction::Cancel | KeyAction::Quit => self.leave_editor(ctx.keymap, out),
                _ => {}
            }
            return Fate::Stay;
        }
        match k {
            KeyAction::Cancel | KeyAction::Quit | KeyAction::ReleaseNotes | KeyAction::Manifest => {
                return Fate::Close;
            }
            KeyAction::Help => out.open(Help::new(None)),
            KeyAction::EditNotes | KeyAction::DraftNotes => {
                if let Some(why) = ctx.not_writable() {
                    out.say(Tone::Warn, format!("cannot edit the release notes: {why}"));
                } else if k == KeyAction::EditNotes {
                    let current = ctx.state().and_then(session_notes).unwrap_or_default();
                    self.editor = Some(Box::new(NotesEditor::new(current, current, ctx.keymap)));
                } else if !self.drafting {
                    self.drafting = true;
                    out.say(
                        Tone::Info,
                        "drafting the notes from the commits since the last release…",
                    );
                    out.effect(Effect::DraftNotes);
                }
            }
            k => {
                scroll_by(&mut self.scroll, k, drawn);
            }
        }
        Fate::Stay
    }

    /// A key for the editor itself (not the keymap's).
    pub fn input(&mut self, input: Input) {
        if let Some(ed) = self.editor.as_mut()
            && !ed.saving
        {
            ed.area.input(input);
            ed.confirm_discard = false;
            ed.confirm_overwrite = false;
        }
    }

    fn save(&mut self, ctx: &Ctx, out: &mut Out) {
        let Some(ed) = self.editor.as_mut() else {
            return;
        };
        let current = ctx.state().and_then(session_notes).unwrap_or_default();
        if !ed.changed() {
            self.editor = None;
            out.say(Tone::Dim, "no changes to save");
            return;
        }
        if ed.saving {
            return;
        }
        if ed.text().trim().is_empty() {
            out.say(
                Tone::Warn,
                format!(
                    "the notes are empty: write them (or {} drafts them), or {} to leave the session's as they are",
                    ctx.key(KeyAction::DraftNotes),
                    ctx.key(KeyAction::Cancel)
                ),
            );
            return;
        }
        // Someone else saved notes since this edit began: replacing
        // theirs takes a second save (theirs stay in the journal).
        if current.trim_end() != ed.original.trim_end() && !ed.confirm_overwrite {
            ed.confirm_overwrite = true;
            let set_by = ctx
                .state()
                .and_then(|s| s.release_notes.as_ref())
                .map(|(by, _)| {
                    format!("{} at {}", by.person(), crate::session::clock_time(&by.at))
                });
            out.say(
                Tone::Warn,
                format!(
                    "the session's notes changed since you began (set by {}): {} again replaces them with yours",
                    set_by.unwrap_or_else(|| "someone".into()),
                    ctx.key(KeyAction::SaveNotes)
                ),
            );
            return;
        }
        let Some(m) = ctx.person else {
            return;
        };
        ed.saving = true;
        out.effect(Effect::Perform {
            cmd: Command::Record(Payload::ReleaseNotesSet(ReleaseNotesSet {
                markdown: ed.text(),
            })),
            who: m.who(),
            override_reason: None,
        });
    }

    fn leave_editor(&mut self, k: &Keymap, out: &mut Out) {
        let Some(ed) = self.editor.as_mut() else {
            return;
        };
        if ed.changed() && !ed.confirm_discard {
            ed.confirm_discard = true;
            out.say(
                Tone::Warn,
                format!(
                    "the notes have unsaved edits: {} again discards them, {} saves them",
                    k.label(KeyAction::Cancel),
                    k.label(KeyAction::SaveNotes)
                ),
            );
            return;
        }
        let changed = ed.changed();
        self.editor = None;
        if changed {
            out.say(
                Tone::Dim,
                "edits discarded; the session's notes are unchanged",
            );
        }
    }

    /// A draft came back from history (`current`: the session's notes).
    pub fn drafted(
        &mut self,
        result: Result<String, String>,
        current: &str,
        k: &Keymap,
        out: &mut Out,
    ) {
        self.drafting = false;
        match result {
            Ok(text) => {
                self.editor = Some(Box::new(NotesEditor::new(&text, current, k)));
                out.say(
                    Tone::Info,
                    format!(
                        "drafted from the commits: edit, then {} saves them into the session ({} discards)",
                        k.label(KeyAction::SaveNotes),
                        k.label(KeyAction::Cancel)
                    ),
                );
            }
            Err(why) => out.say(Tone::Bad, format!("✘ cannot draft the notes: {why}")),
        }
    }

    /// The notes were recorded: the editor that saved them closes.
    pub fn saved(&mut self) {
        self.editor = None;
        self.scroll = 0;
    }

    /// The core refused: an editor waiting on a save keeps its text.
    pub fn refused(&mut self) {
        if let Some(ed) = self.editor.as_mut() {
            ed.saving = false;
        }
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        if self.editor.is_some() {
            return vec![
                Hint::of(k, KeyAction::SaveNotes, "save into the session"),
                Hint::of(k, KeyAction::Cancel, "leave the editor"),
            ];
        }
        let mut v = Vec::new();
        if ctx.not_writable().is_none() {
            v.push(Hint::of(k, KeyAction::EditNotes, "edit"));
            v.push(Hint::of(k, KeyAction::DraftNotes, "draft from the commits"));
        }
        v.push(Hint::pair(k, KeyAction::Down, KeyAction::Up, "scroll"));
        v.push(Hint::of(k, KeyAction::Cancel, "close"));
        v
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let k = ctx.keymap;
        let rect = ui::overlay_area(area);
        frame.render_widget(Clear, rect);
        let version = ctx
            .state()
            .and_then(|s| s.version.as_deref())
            .map(|v| format!(" · v{v}"))
            .unwrap_or_default();
        if let Some(ed) = &self.editor {
            let state = if ed.saving {
                "saving…"
            } else if ed.changed() {
                "edited"
            } else {
                "unchanged"
            };
            let block =
                ui::frame_block(format!("Release notes{version} · editing · {state}"), theme)
                    .title_bottom(Line::from(vec![
                        Span::styled(format!(" {} ", k.label(KeyAction::SaveNotes)), theme.key),
                        Span::styled("save into the session  ", theme.dim),
                        Span::styled(format!("{} ", k.label(KeyAction::Cancel)), theme.key),
                        Span::styled("leave ", theme.dim),
                    ]));
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut ta = ed.area.clone();
            ta.set_style(theme.base);
            ta.set_cursor_line_style(theme.base);
            ta.set_cursor_style(theme.base.add_modifier(Modifier::REVERSED));
            ta.set_placeholder_style(theme.dim);
            frame.render_widget(&ta, inner);
            return Drawn::default();
        }
        let notes = ctx.state().and_then(|s| s.release_notes.as_ref());
        let mut keys = match ctx.not_writable() {
            None => vec![
                Span::styled(format!(" {} ", k.label(KeyAction::EditNotes)), theme.key),
                Span::styled("edit  ", theme.dim),
                Span::styled(format!("{} ", k.label(KeyAction::DraftNotes)), theme.key),
                Span::styled("draft from the commits  ", theme.dim),
            ],
            Some(_) => vec![Span::styled(" read only  ", theme.dim)],
        };
        keys.extend(ui::scroll_and_close(k, theme));
        let block = ui::frame_block(format!("Release notes{version}"), theme)
            .title_bottom(Line::from(keys));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let [top, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
        let (about, lines): (Line, Vec<Line>) = match notes {
            Some((by, text)) => (
                Line::styled(
                    format!(
                        "Set by {} at {} · {} lines · kept in the session's audit trail",
                        by.person(),
                        ui::short_time(&by.at),
                        text.lines().count()
                    ),
                    theme.dim,
                ),
                text.lines().map(|l| markdown_line(l, theme)).collect(),
            ),
            None => (
                Line::styled("No release notes in this session yet.", theme.warn),
                vec![
                    Line::raw(format!(
                        "{} drafts them from the commits since the last release",
                        k.label(KeyAction::DraftNotes)
                    )),
                    Line::raw("(breaking changes, features, fixes, performance, other),"),
                    Line::raw(format!(
                        "to edit before saving; {} writes them by hand.",
                        k.label(KeyAction::EditNotes)
                    )),
                    Line::raw(""),
                    Line::styled("Approvers see them here before they sign off.", theme.dim),
                ],
            ),
        };
        let about = if self.drafting {
            Line::styled("Drafting from the commits…", theme.info)
        } else {
            about
        };
        frame.render_widget(Paragraph::new(about).style(theme.base), top);
        let len = lines.len();
        let start = ui::clamp_scroll(self.scroll, len, body.height);
        frame.render_widget(
            Paragraph::new(lines.into_iter().skip(start).collect::<Vec<_>>()).style(theme.base),
            body,
        );
        Drawn {
            rows: body.height as usize,
            len,
        }
    }
}

/// A markdown line, lightly styled: headings stand out, the rest is text.
fn markdown_line<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    if line.starts_with('#') {
        Line::styled(line, theme.title.add_modifier(Modifier::BOLD))
    } else {
        Line::styled(line, theme.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::ctx::{CanaryGlance, Member, SessionView};
    use crate::tui::fixture;
    use crate::tui::keymap::Keymap;
    use crate::tui::manifest::ManifestState;
    use crate::tui::theme::Theme;
    use std::sync::Arc;

    struct World {
        view: SessionView,
        keymap: Keymap,
        theme: Theme,
        manifest: ManifestState,
        train: crate::tui::ctx::TrainView,
        person: Member,
    }

    impl World {
        fn new() -> World {
            World {
                view: SessionView {
                    state: Arc::new(fixture::early().expect("sample")),
                    read_only: None,
                    warnings: Vec::new(),
                    broken: None,
                    device_owner: None,
                },
                keymap: Keymap::default(),
                theme: Theme::no_color("default"),
                manifest: ManifestState::default(),
                train: Default::default(),
                person: fixture::team().remove(0),
            }
        }

        fn ctx(&self) -> Ctx<'_> {
            Ctx {
                session: Some(&self.view),
                person: Some(&self.person),
                keymap: &self.keymap,
                theme: &self.theme,
                now: None,
                zoom: false,
                manifest: &self.manifest,
                canary: CanaryGlance::default(),
                train: &self.train,
            }
        }

        fn set_notes(&mut self, text: &str) {
            let st = Arc::make_mut(&mut self.view.state);
            let by = st.started.clone().expect("started");
            st.release_notes = Some((by, text.into()));
        }
    }

    fn key(n: &mut NotesOverlay, w: &World, k: KeyAction) -> Out {
        let mut out = Out::default();
        n.key(k, &w.ctx(), None, &mut out);
        out
    }

    fn type_text(n: &mut NotesOverlay, text: &str) {
        for c in text.chars() {
            n.input(Input {
                key: ratatui_textarea::Key::Char(c),
                ..Default::default()
            });
        }
    }

    #[test]
    fn leaving_the_editor_with_edits_asks_once() {
        let w = World::new();
        let mut n = NotesOverlay::default();
        key(&mut n, &w, KeyAction::EditNotes);
        type_text(&mut n, "x");
        key(&mut n, &w, KeyAction::Cancel);
        assert!(n.editor.is_some(), "the first esc only asks");
        key(&mut n, &w, KeyAction::Cancel);
        assert!(n.editor.is_none(), "the second esc discards");
        // Unchanged text leaves at once, and saving it records nothing.
        key(&mut n, &w, KeyAction::EditNotes);
        assert!(key(&mut n, &w, KeyAction::SaveNotes).effects.is_empty());
    }

    #[test]
    fn a_refused_save_keeps_the_text() {
        let w = World::new();
        let mut n = NotesOverlay::default();
        key(&mut n, &w, KeyAction::EditNotes);
        type_text(&mut n, "y");
        assert_eq!(key(&mut n, &w, KeyAction::SaveNotes).effects.len(), 1);
        n.refused();
        let ed = n.editor.as_ref().expect("kept");
        assert!(!ed.saving);
        assert_eq!(ed.text(), "y\n");
    }

    #[test]
    fn a_read_only_session_cannot_edit_notes() {
        let mut w = World::new();
        w.view.read_only = Some("in use by pid 7".into());
        let mut n = NotesOverlay::default();
        let out = key(&mut n, &w, KeyAction::DraftNotes);
        assert!(out.effects.is_empty());
        assert!(out.status.is_some_and(|s| s.text.contains("read-only")));
    }

    #[test]
    fn empty_notes_are_not_saved() {
        let mut w = World::new();
        w.set_notes("x");
        let mut n = NotesOverlay::default();
        key(&mut n, &w, KeyAction::EditNotes);
        // Clear the one character the notes hold, and type blanks.
        n.input(Input {
            key: ratatui_textarea::Key::Delete,
            ..Default::default()
        });
        type_text(&mut n, "  ");
        let out = key(&mut n, &w, KeyAction::SaveNotes);
        assert!(out.effects.is_empty());
        assert!(
            out.status
                .is_some_and(|s| s.text.contains("the notes are empty"))
        );
    }

    #[test]
    fn notes_changed_by_someone_else_take_a_second_save_to_replace() {
        let mut w = World::new();
        let mut n = NotesOverlay::default();
        key(&mut n, &w, KeyAction::EditNotes);
        type_text(&mut n, "mine");
        // Meanwhile someone saved other notes (the session reloads).
        w.set_notes("theirs\n");
        let out = key(&mut n, &w, KeyAction::SaveNotes);
        assert!(out.effects.is_empty(), "asks first");
        assert!(
            out.status
                .is_some_and(|s| s.text.contains("changed since you began"))
        );
        assert_eq!(
            key(&mut n, &w, KeyAction::SaveNotes).effects.len(),
            1,
            "then saves"
        );
    }
}
