//! The one yes/no confirmation: a title, what will happen, and a typed
//! [`Intent`] the app hands to its owner on yes. Nothing else is carried:
//! a no (or cancel, or quit's keys) closes it and says so.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Drawn, Fate};
use crate::canary::job::CanaryJob;
use crate::exec::StepAction;
use crate::tui::ctx::Ctx;
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::{Ask, Out};
use crate::tui::theme::Tone;
use crate::tui::ui;

/// What a yes does.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Run a step's command, or its rollback (the Checklist's runs).
    RunStep { step: String, action: StepAction },
    /// Start a risky step that has no command (`confirm = true`).
    StartStep { step: String },
    /// Set the canary's weight or roll it back (the Canary pane's).
    Canary(Box<CanaryJob>),
    /// Quit although commands run: they are cancelled and recorded.
    Quit,
    /// Tag HEAD as the release of the completed session.
    TagRelease { version: String },
    /// Start another release of a version that already has a session.
    StartAgain {
        scenario: String,
        version: semver::Version,
        who: crate::session::Who,
    },
}

impl Intent {
    /// What a no says.
    fn declined(&self) -> &'static str {
        match self {
            Intent::RunStep { .. } | Intent::Quit => "cancelled: nothing ran",
            Intent::StartStep { .. } | Intent::Canary(_) => "cancelled",
            Intent::StartAgain { .. } => "cancelled: no session was started",
            Intent::TagRelease { .. } => {
                "not tagged (tag it later with git tag, or set [audit] tag_on_complete)"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub intent: Intent,
}

impl Confirm {
    pub fn new(title: impl Into<String>, lines: Vec<String>, intent: Intent) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            intent,
        }
    }

    pub(super) fn key(&mut self, k: KeyAction, out: &mut Out) -> Fate {
        match k {
            KeyAction::Yes => {
                out.ask(Ask::Confirmed(self.intent.clone()));
                Fate::Close
            }
            KeyAction::No => {
                out.say(Tone::Dim, self.intent.declined());
                Fate::Close
            }
            KeyAction::Cancel | KeyAction::Quit => {
                out.say(Tone::Dim, "cancelled");
                Fate::Close
            }
            _ => Fate::Stay,
        }
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        vec![
            Hint::of(ctx.keymap, KeyAction::Yes, "yes"),
            Hint::of(ctx.keymap, KeyAction::No, "no"),
        ]
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let width = area.width.saturating_sub(4).min(72);
        let mut lines: Vec<Line> = self.lines.iter().map(|l| Line::raw(l.clone())).collect();
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(ctx.key(KeyAction::Yes), theme.key),
            Span::styled(" yes, go ahead   ", theme.base),
            Span::styled(ctx.key(KeyAction::No), theme.key),
            Span::styled(" / ", theme.dim),
            Span::styled(ctx.key(KeyAction::Cancel), theme.key),
            Span::styled(" no", theme.base),
        ]));
        let height = ui::rows_for(&lines, width.saturating_sub(2)) + 2;
        let r = ui::centered(area, width, height);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(ui::frame_block(self.title.clone(), theme).border_style(theme.warn)),
            r,
        );
        Drawn::default()
    }
}
