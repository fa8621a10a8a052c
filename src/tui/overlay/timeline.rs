//! The Timeline overlay (`T`): every event of the session in order, with
//! its time, the person (and whose device), what happened and why, the
//! ones the fold did not apply marked with the reason. `@` cycles the
//! person shown (everyone, then each person), `tab` the kind (all, steps,
//! sign-offs, ...). Opened at the newest event.
//!
//! The Messages overlay (`L`): the status line's last messages, newest
//! last, wrapped (nothing the status line cut is lost).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Drawn, Fate, Help, scroll_by};
use crate::session::timeline::{Entry, Filter, Kind, people};
use crate::tui::ctx::Ctx;
use crate::tui::keymap::{Hint, KeyAction};
use crate::tui::out::Out;
use crate::tui::theme::Tone;
use crate::tui::ui;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// The entries, once the driver read them.
    pub entries: Option<Vec<Entry>>,
    pub filter: Filter,
    /// From the end: 0 shows the newest events.
    pub scroll: u16,
}

impl Timeline {
    pub fn loaded(&mut self, entries: Vec<Entry>) {
        self.entries = Some(entries);
    }

    fn kept(&self) -> Vec<&Entry> {
        self.entries
            .iter()
            .flatten()
            .filter(|e| self.filter.keeps(e))
            .collect()
    }

    pub(super) fn key(&mut self, k: KeyAction, drawn: Option<Drawn>, out: &mut Out) -> Fate {
        match k {
            KeyAction::Cancel | KeyAction::Quit | KeyAction::Timeline => return Fate::Close,
            KeyAction::Help => out.open(Help::new(None)),
            KeyAction::SwitchPerson => {
                let all = people(self.entries.as_deref().unwrap_or_default());
                let at = self
                    .filter
                    .person
                    .as_ref()
                    .and_then(|p| all.iter().position(|n| n == p));
                self.filter.person = match at {
                    None => all.first().cloned(),
                    Some(i) => all.get(i + 1).cloned(),
                };
                self.scroll = 0;
            }
            KeyAction::FocusNext | KeyAction::FocusPrev => {
                let at = self
                    .filter
                    .kind
                    .and_then(|k| Kind::ALL.iter().position(|x| *x == k));
                self.filter.kind = match at {
                    None => Kind::ALL.first().copied(),
                    Some(i) => Kind::ALL.get(i + 1).copied(),
                };
                self.scroll = 0;
            }
            // Scrolling counts from the end: up goes back in time.
            KeyAction::Up | KeyAction::PageUp | KeyAction::Top => {
                let mirrored = match k {
                    KeyAction::Up => KeyAction::Down,
                    KeyAction::PageUp => KeyAction::PageDown,
                    _ => KeyAction::Bottom,
                };
                scroll_by(&mut self.scroll, mirrored, drawn);
            }
            KeyAction::Down | KeyAction::PageDown | KeyAction::Bottom => {
                let mirrored = match k {
                    KeyAction::Down => KeyAction::Up,
                    KeyAction::PageDown => KeyAction::PageUp,
                    _ => KeyAction::Top,
                };
                scroll_by(&mut self.scroll, mirrored, drawn);
            }
            _ => {}
        }
        Fate::Stay
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        vec![
            Hint::of(k, KeyAction::SwitchPerson, "person"),
            Hint::of(k, KeyAction::FocusNext, "kind"),
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "scroll"),
            Hint::of(k, KeyAction::Cancel, "close"),
        ]
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let rect = ui::overlay_area(area);
        frame.render_widget(Clear, rect);
        let k = ctx.keymap;
        let keys = Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("{} ", k.label(KeyAction::SwitchPerson)), theme.key),
            Span::styled("person  ", theme.dim),
            Span::styled(format!("{} ", k.label(KeyAction::FocusNext)), theme.key),
            Span::styled("kind  ", theme.dim),
            Span::styled(
                format!("{}/{} ", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                theme.key,
            ),
            Span::styled("scroll  ", theme.dim),
            Span::styled(format!("{} ", k.label(KeyAction::Cancel)), theme.key),
            Span::styled("close ", theme.dim),
        ]);
        let kept = self.kept();
        let total = self.entries.as_ref().map_or(0, Vec::len);
        let title = format!(
            "Timeline · {} of {total} events · {} · {}",
            kept.len(),
            self.filter.person.as_deref().unwrap_or("everyone"),
            self.filter.kind.map_or("every kind", Kind::word)
        );
        let block = ui::frame_block(title, theme).title_bottom(keys);
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let width = inner.width as usize;
        let mut lines: Vec<Line> = Vec::new();
        if self.entries.is_none() {
            lines.push(Line::styled("reading the session's events…", theme.dim));
        } else if kept.is_empty() {
            lines.push(Line::styled("no events for this filter", theme.dim));
        }
        // time (8) + space + who, then what wraps under the who column.
        let who_w = if width >= 90 { 26 } else { 16 };
        let indent = 9 + who_w + 1;
        for e in kept {
            let who: String = e.person.chars().take(who_w).collect();
            let mut what = e.what.clone();
            let tone = match &e.not_applied {
                Some(why) => {
                    what = format!("✘ not applied: {what} — {why}");
                    Tone::Bad
                }
                None => match e.group() {
                    Kind::Exceptions => Tone::Warn,
                    _ => Tone::Normal,
                },
            };
            let wrapped = ui::wrap(&what, width.saturating_sub(indent).max(10));
            for (i, text) in wrapped.into_iter().enumerate() {
                let (time, person) = if i == 0 {
                    (ui::short_time(&e.at).to_string(), who.clone())
                } else {
                    (String::new(), String::new())
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{time:<8} "), theme.dim),
                    Span::styled(format!("{person:<who_w$} "), theme.accent),
                    Span::styled(text, theme.tone(tone)),
                ]));
            }
        }
        let len = lines.len();
        let rows = inner.height as usize;
        let last = len.saturating_sub(rows);
        let start = last.saturating_sub(usize::from(self.scroll));
        let shown: Vec<Line> = lines.into_iter().skip(start).take(rows).collect();
        frame.render_widget(Paragraph::new(shown).style(theme.base), inner);
        Drawn { rows, len }
    }
}

/// The status line's last messages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Messages {
    /// Oldest first: (time, tone, text).
    pub messages: Vec<(String, Tone, String)>,
    /// From the end: 0 shows the newest.
    pub scroll: u16,
}

impl Messages {
    pub(super) fn key(&mut self, k: KeyAction, drawn: Option<Drawn>, out: &mut Out) -> Fate {
        match k {
            KeyAction::Cancel | KeyAction::Quit | KeyAction::Messages => return Fate::Close,
            KeyAction::Help => out.open(Help::new(None)),
            KeyAction::Up => {
                scroll_by(&mut self.scroll, KeyAction::Down, drawn);
            }
            KeyAction::Down => {
                scroll_by(&mut self.scroll, KeyAction::Up, drawn);
            }
            KeyAction::PageUp => {
                scroll_by(&mut self.scroll, KeyAction::PageDown, drawn);
            }
            KeyAction::PageDown => {
                scroll_by(&mut self.scroll, KeyAction::PageUp, drawn);
            }
            _ => {}
        }
        Fate::Stay
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        vec![
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "scroll"),
            Hint::of(k, KeyAction::Cancel, "close"),
        ]
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let rect = ui::overlay_area(area);
        frame.render_widget(Clear, rect);
        let block = ui::frame_block(
            format!("Messages · the last {}", self.messages.len()),
            theme,
        )
        .title_bottom(Line::from(
            [Span::raw(" ")]
                .into_iter()
                .chain(ui::scroll_and_close(ctx.keymap, theme))
                .collect::<Vec<_>>(),
        ));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let width = (inner.width as usize).saturating_sub(9).max(10);
        let mut lines: Vec<Line> = Vec::new();
        if self.messages.is_empty() {
            lines.push(Line::styled("nothing has been said yet", theme.dim));
        }
        for (time, tone, text) in &self.messages {
            for (i, part) in ui::wrap(text, width).into_iter().enumerate() {
                let t = if i == 0 { time.as_str() } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(format!("{t:<8} "), theme.dim),
                    Span::styled(part, theme.tone(*tone)),
                ]));
            }
        }
        let len = lines.len();
        let rows = inner.height as usize;
        let start = len
            .saturating_sub(rows)
            .saturating_sub(usize::from(self.scroll));
        let shown: Vec<Line> = lines.into_iter().skip(start).take(rows).collect();
        frame.render_widget(Paragraph::new(shown).style(theme.base), inner);
        Drawn { rows, len }
    }
}
