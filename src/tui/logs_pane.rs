//! The Logs pane's state and keys. Pure, like the rest of `update`: the
//! lines arrive through the driver (which owns the feed and the
//! sources) and are kept here, in a [`LogsModel`], for drawing.
//!
//! Keys (when the pane is focused): `/` filter (substring, or `/re/`),
//! `n`/`N` next/previous match, `e`/`E` next/previous error, `f` or
//! space follow/pause, `w` wrap, `l` level (all / warn+ / error+),
//! `j`/`k`/pgup/pgdn/`g`/`G` scroll.

use ratatui::layout::Rect;

use crate::logs::{Level, LogsModel};

use super::action::Effect;
use super::app::{App, LineInput, Overlay, Pane, Prompt, Purpose, Screen, Status};
use super::keymap::{KeyAction, Keymap};
use super::theme::Tone;

/// What the pane holds: every source's lines, the view on them.
#[derive(Debug, Clone, Default)]
pub struct LogsPane {
    pub model: LogsModel,
}

impl LogsPane {
    /// Sources have been started (or a step's output arrived): the pane
    /// shows lines rather than the "not configured" message.
    pub fn is_live(&self) -> bool {
        !self.model.sources().is_empty()
    }
}

/// Rows of the Logs pane above the lines (the error-rate line).
pub const HEADER_ROWS: u16 = 1;

/// Where the lines go inside the pane's frame.
pub fn rows_area(pane: Rect) -> Rect {
    let inside = ratatui::widgets::Block::bordered().inner(pane);
    Rect {
        y: inside.y.saturating_add(HEADER_ROWS).min(inside.bottom()),
        height: inside.height.saturating_sub(HEADER_ROWS),
        ..inside
    }
}

/// Tell the view how many rows it has now (scrolling by a page and
/// jumping to an error centre on it). Call after anything that may
/// change the layout.
pub fn fit(app: &mut App) {
    if app.screen != Screen::Main {
        return;
    }
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    if let Some(l) = super::ui::main_layout(area, app) {
        let h = rows_area(l.logs).height as usize;
        if h > 0 && h != app.logs_pane.model.view.height() {
            app.logs_pane.model.view.set_height(h);
        }
    }
}

fn say(app: &mut App, tone: Tone, text: impl Into<String>) {
    app.status = Some(Status {
        text: text.into(),
        tone,
    });
}

/// The footer's hints while the pane is focused.
pub fn hints(k: &Keymap) -> Vec<(String, &'static str)> {
    let one = |a: KeyAction, label: &'static str| (k.label(a), label);
    let two = |a: KeyAction, b: KeyAction, label: &'static str| {
        (format!("{}/{}", k.label(a), k.label(b)), label)
    };
    vec![
        one(KeyAction::Help, "help"),
        one(KeyAction::FocusNext, "pane"),
        one(KeyAction::Filter, "filter"),
        two(KeyAction::NextMatch, KeyAction::PrevMatch, "match"),
        two(KeyAction::NextError, KeyAction::PrevError, "error"),
        one(KeyAction::Follow, "follow"),
        one(KeyAction::Wrap, "wrap"),
        one(KeyAction::Level, "level"),
        one(KeyAction::Source, "source"),
        two(KeyAction::Down, KeyAction::Up, "scroll"),
        one(KeyAction::Zoom, "zoom"),
        one(KeyAction::Quit, "quit"),
    ]
}

/// The level shown after `l`: all → warn and worse → errors → all.
fn next_level(now: Option<Level>) -> Option<Level> {
    match now {
        None => Some(Level::Warn),
        Some(l) if l < Level::Error => Some(Level::Error),
        Some(_) => None,
    }
}

/// Keys for the Logs pane; `None` when `k` is not one of its own (the
/// app then does what it does everywhere).
pub fn key(app: &mut App, k: KeyAction) -> Option<Vec<Effect>> {
    if app.focus != Pane::Logs || app.screen != Screen::Main {
        return None;
    }
    fit(app);
    let m = &mut app.logs_pane.model;
    let v = &mut m.view;
    match k {
        KeyAction::Up => v.scroll_up(1),
        KeyAction::Down => v.scroll_down(1),
        KeyAction::PageUp => v.page_up(),
        KeyAction::PageDown => v.page_down(),
        KeyAction::Top => v.top(),
        KeyAction::Bottom => v.bottom(),
        KeyAction::Follow => v.toggle_follow(),
        KeyAction::Wrap => v.toggle_wrap(),
        KeyAction::Level => {
            let level = next_level(v.status(&m.buffer).min_level);
            v.set_min_level(&m.buffer, level);
            let what = match level {
                None => "all levels".to_string(),
                Some(l) => format!("{} and worse", l.as_str()),
            };
            say(app, Tone::Info, format!("logs: showing {what}"));
        }
        KeyAction::Source => {
            if m.sources().len() < 2 {
                say(app, Tone::Dim, "logs: only one source to show");
                return Some(Vec::new());
            }
            let next = m.next_solo();
            m.show_only(next);
            let what = match next.and_then(|id| m.source(id)) {
                Some(s) => format!(
                    "logs: only {} ({} again: the next source)",
                    s.name,
                    app.keymap.label(KeyAction::Source)
                ),
                None => "logs: every source".to_string(),
            };
            say(app, Tone::Info, what);
        }
        KeyAction::NextError | KeyAction::PrevError => {
            let found = if k == KeyAction::NextError {
                v.next_error(&m.buffer)
            } else {
                v.prev_error(&m.buffer)
            };
            if !found {
                let which = if k == KeyAction::NextError {
                    "no later error in the lines shown (G: newest, follow again)"
                } else {
                    "no earlier error in the lines kept"
                };
                say(app, Tone::Dim, which);
            }
        }
        KeyAction::NextMatch | KeyAction::PrevMatch => {
            if v.search().is_none() {
                let key = app.keymap.label(KeyAction::Filter);
                say(
                    app,
                    Tone::Dim,
                    format!("nothing to match: {key} sets a filter"),
                );
                return Some(Vec::new());
            }
            let found = if k == KeyAction::NextMatch {
                v.next_match(&m.buffer)
            } else {
                v.prev_match(&m.buffer)
            };
            if !found {
                say(app, Tone::Dim, "no more matches that way");
            }
        }
        KeyAction::Filter => {
            let current = v.status(&m.buffer).filter.unwrap_or_default();
            app.overlay = Some(Overlay::Prompt(Prompt {
                title: "Filter the logs".into(),
                hint: vec![
                    "Show only lines containing this text (smart case),".into(),
                    "or /a regex/. Empty shows everything again.".into(),
                ],
                input: LineInput::new(&current),
                required: false,
                error: None,
                purpose: Purpose::LogFilter,
            }));
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// The filter prompt was submitted: filter (and highlight) by `text`, or
/// keep the prompt open saying why a regex is wrong.
pub fn submit_filter(app: &mut App, text: String) -> Vec<Effect> {
    let m = &mut app.logs_pane.model;
    let filter = (!text.is_empty()).then_some(text.as_str());
    if let Err(e) = m.view.set_filter(&m.buffer, filter) {
        if let Some(Overlay::Prompt(p)) = app.overlay.as_mut() {
            p.error = Some(e.to_string());
        }
        return Vec::new();
    }
    // Matches are highlighted, and n/N walk them.
    let _ = m.view.set_search(filter);
    let shown = m.view.status(&m.buffer).shown;
    app.overlay = None;
    match filter {
        Some(f) => say(
            app,
            Tone::Info,
            format!("logs: {shown} lines kept match {f} (n/N: next/previous)"),
        ),
        None => say(app, Tone::Info, "logs: filter cleared"),
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_cycles_through_three_settings() {
        assert_eq!(next_level(None), Some(Level::Warn));
        assert_eq!(next_level(Some(Level::Warn)), Some(Level::Error));
        assert_eq!(next_level(Some(Level::Error)), None);
    }
}
