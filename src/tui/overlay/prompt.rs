//! One line of text, asked for a [`Purpose`]: a reason, a note, a
//! comment, a version, a filter. Printable characters are text; the
//! editing keys are the keymap's (`submit`, `clear-line`, ...), and
//! cancel's and quit's keys leave it. A submitted text goes to whoever
//! asked (the app routes it by purpose); a refusal keeps the prompt open
//! with the reason under the line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Drawn, Fate};
use crate::tui::ctx::Ctx;
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::{Ask, Out};
use crate::tui::theme::Tone;
use crate::tui::ui;

/// A single line of text being typed, with a cursor (in characters).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineInput {
    pub text: String,
    pub cursor: usize,
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(b, _)| b)
    }

    /// Type a character at the cursor (controls are never text).
    pub fn insert(&mut self, c: char) {
        if c.is_control() {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// An editing key; false for a key that does not edit.
    pub fn edit(&mut self, k: KeyAction) -> bool {
        let len = self.text.chars().count();
        match k {
            KeyAction::DeleteBack => {
                if self.cursor > 0 {
                    let at = self.byte_at(self.cursor - 1);
                    self.text.remove(at);
                    self.cursor -= 1;
                }
            }
            KeyAction::DeleteForward => {
                if self.cursor < len {
                    let at = self.byte_at(self.cursor);
                    self.text.remove(at);
                }
            }
            KeyAction::CursorLeft => self.cursor = self.cursor.saturating_sub(1),
            KeyAction::CursorRight => self.cursor = (self.cursor + 1).min(len),
            KeyAction::LineStart => self.cursor = 0,
            KeyAction::LineEnd => self.cursor = len,
            KeyAction::ClearLine => {
                self.text.clear();
                self.cursor = 0;
            }
            _ => return false,
        }
        true
    }
}

/// The text a step command needs, by the command it becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// Complete the step, with an optional note.
    CompleteNote {
        step: String,
    },
    SkipReason {
        step: String,
    },
    FailReason {
        step: String,
    },
    Note {
        step: Option<String>,
    },
    Approve {
        step: String,
        role: String,
    },
    Reject {
        step: String,
        role: String,
    },
    /// The version of a new session of `scenario` (the start screen).
    Version {
        scenario: String,
    },
    /// A reason to set the canary weight although the plan does not allow
    /// it yet (the Canary pane).
    WeightOverride {
        step: String,
        weight: u32,
    },
    /// The Logs pane's filter.
    LogFilter,
    /// Why a rule of the session is broken on purpose (the offer after a
    /// refusal).
    OverrideReason,
    /// A component's new version in the manifest.
    ManifestVersion {
        component: String,
    },
    /// Why a release train leaves off its schedule (the start screen).
    OffSchedule {
        scenario: String,
        version: Option<semver::Version>,
    },
    /// A decision step's option, then why (`train shared schema`).
    Decide {
        step: String,
        options: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub title: String,
    /// Lines of context above the input (what is asked, evidence to give).
    pub hint: Vec<String>,
    pub input: LineInput,
    /// An empty answer is refused.
    pub required: bool,
    pub error: Option<String>,
    pub purpose: Purpose,
    /// A reason already given to override the session's rules: what this
    /// prompt submits is recorded breaking them, with it.
    pub override_reason: Option<String>,
}

impl Prompt {
    pub fn new(title: String, hint: Vec<String>, required: bool, purpose: Purpose) -> Prompt {
        Prompt {
            title,
            hint,
            input: LineInput::default(),
            required,
            error: None,
            purpose,
            override_reason: None,
        }
    }

    /// The prompt of `s`, `f` or `c` for `step`: skip and fail need a
    /// reason, a note its text.
    pub fn step(k: KeyAction, step: &str) -> Prompt {
        let step = step.to_string();
        match k {
            KeyAction::Skip => Prompt::new(
                format!("Skip {step}"),
                vec!["Why is it skipped? (required, kept in the audit trail)".into()],
                true,
                Purpose::SkipReason { step },
            ),
            KeyAction::Fail => Prompt::new(
                format!("Fail {step}"),
                vec!["What went wrong? (required)".into()],
                true,
                Purpose::FailReason { step },
            ),
            _ => Prompt::new(
                format!("Note on {step}"),
                vec!["The note (kept in the audit trail):".into()],
                true,
                Purpose::Note { step: Some(step) },
            ),
        }
    }

    /// The prompt approving (with an optional comment) or rejecting (with
    /// a reason) `step` as `role`, signed by the person at the keyboard.
    pub fn signoff(approve: bool, step: String, role: String, ctx: &Ctx) -> Prompt {
        let who = ctx.person.map(|m| m.label()).unwrap_or_default();
        if approve {
            Prompt::new(
                format!("Approve {step} as {role}"),
                vec![
                    format!("Signing as {who}."),
                    format!(
                        "A comment (optional; {} to approve):",
                        ctx.key(KeyAction::Submit)
                    ),
                ],
                false,
                Purpose::Approve { step, role },
            )
        } else {
            Prompt::new(
                format!("Reject {step} as {role}"),
                vec![
                    format!("Signing as {who}."),
                    "Why is it rejected? (required)".into(),
                ],
                true,
                Purpose::Reject { step, role },
            )
        }
    }

    /// The prompt with `text` already typed.
    pub fn with_text(mut self, text: &str) -> Prompt {
        self.input = LineInput::new(text);
        self
    }

    /// A printable character typed.
    pub fn type_char(&mut self, c: char) {
        self.input.insert(c);
        self.error = None;
    }

    pub(super) fn key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> Fate {
        match k {
            KeyAction::Cancel | KeyAction::Quit => {
                out.say(Tone::Dim, "cancelled");
                Fate::Close
            }
            KeyAction::Submit => {
                let text = self.input.text.trim().to_string();
                if self.required && text.is_empty() {
                    self.error = Some(format!(
                        "this needs an answer ({} to cancel)",
                        ctx.key(KeyAction::Cancel)
                    ));
                    return Fate::Stay;
                }
                // The app hands it to its owner, and closes the prompt
                // unless the owner refuses it.
                out.ask(Ask::Submitted {
                    purpose: self.purpose.clone(),
                    text,
                    override_reason: self.override_reason.clone(),
                });
                Fate::Stay
            }
            other => {
                if self.input.edit(other) {
                    self.error = None;
                }
                Fate::Stay
            }
        }
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        vec![
            Hint::of(ctx.keymap, KeyAction::Submit, "submit"),
            Hint::of(ctx.keymap, KeyAction::Cancel, "cancel"),
            Hint::of(ctx.keymap, KeyAction::ClearLine, "clear"),
        ]
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let width = area.width.saturating_sub(4).min(72);
        let inner_w = width.saturating_sub(2);
        let mut lines: Vec<Line> = self
            .hint
            .iter()
            .map(|h| Line::styled(h.clone(), theme.dim))
            .collect();
        // The text with a visible cursor cell; long text shows its end.
        let chars: Vec<char> = self.input.text.chars().collect();
        let room = inner_w.saturating_sub(3) as usize;
        let cursor = self.input.cursor.min(chars.len());
        let first = (cursor + 1).saturating_sub(room.max(1)).min(cursor);
        let before: String = chars[first..cursor].iter().collect();
        let at: String = chars
            .get(cursor)
            .map(|c| c.to_string())
            .unwrap_or_else(|| " ".into());
        let after: String = chars
            .iter()
            .skip(cursor + 1)
            .take(room.saturating_sub(before.chars().count() + 1))
            .collect();
        lines.push(Line::from(vec![
            Span::styled("> ", theme.accent),
            Span::raw(before),
            Span::styled(at, theme.base.add_modifier(Modifier::REVERSED)),
            Span::raw(after),
        ]));
        if let Some(e) = &self.error {
            lines.push(Line::styled(format!("✘ {e}"), theme.bad));
        }
        let height = ui::rows_for(&lines, inner_w) + 2;
        let r = ui::centered(area, width, height);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(ui::frame_block(self.title.clone(), theme)),
            r,
        );
        Drawn::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_input_edits_by_character() {
        let mut l = LineInput::new("héllo");
        l.edit(KeyAction::CursorLeft);
        l.edit(KeyAction::DeleteBack);
        assert_eq!(l.text, "hélo");
        l.edit(KeyAction::LineStart);
        l.edit(KeyAction::DeleteForward);
        l.insert('J');
        assert_eq!((l.text.as_str(), l.cursor), ("Jélo", 1));
        l.edit(KeyAction::LineEnd);
        l.insert('!');
        assert_eq!(l.text, "Jélo!");
        l.edit(KeyAction::ClearLine);
        assert_eq!((l.text.as_str(), l.cursor), ("", 0));
        l.edit(KeyAction::DeleteBack);
        l.edit(KeyAction::CursorLeft);
        assert_eq!(l.cursor, 0);
        l.insert('\u{1b}');
        assert_eq!(l.text, "", "controls are never text");
    }
}
