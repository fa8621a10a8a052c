//! The Logs pane: every source's lines (the driver owns the feed and the
//! sources, and drains them into this pane's [`LogsModel`]), and its
//! keys: `/` filter (substring, or `/re/`), `n`/`N` next/previous match,
//! `e`/`E` next/previous error, `f` or space follow/pause, `w` wrap, `l`
//! level (all / warn+ / error+), `v` one source at a time, `enter` the
//! raw line of the selected line (`e`/`n` select one; else the newest on
//! screen), whole and wrapped, while the others keep time, level,
//! source, the message and the other fields (`w` wraps every line raw),
//! `j`/`k`/pgup/pgdn/`g`/`G` scroll. Paging and centring on an error use
//! the height the last frame gave the lines.

mod draw;

use crate::logs::{Level, LogsModel};

use super::Component;
use crate::tui::ctx::Ctx;
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::Out;
use crate::tui::overlay::{HelpEntry, Prompt, Purpose};
use crate::tui::theme::Tone;

pub use draw::source_style;

/// What the pane holds: every source's lines, the view on them.
#[derive(Debug, Clone, Default)]
pub struct Logs {
    pub model: LogsModel,
    /// The line shown as it came, whole (`enter` on it), rather than
    /// time, level, source and the message first: its `seq`.
    pub raw: Option<u64>,
}

/// Rows of the Logs pane above the lines (the error-rate line).
pub const HEADER_ROWS: u16 = 1;

/// The level shown after `l`: all → warn and worse → errors → all.
fn next_level(now: Option<Level>) -> Option<Level> {
    match now {
        None => Some(Level::Warn),
        Some(l) if l < Level::Error => Some(Level::Error),
        Some(_) => None,
    }
}

impl Logs {
    /// Sources have been started (or a step's output arrived): the pane
    /// shows lines rather than the "not configured" message.
    pub fn is_live(&self) -> bool {
        !self.model.sources().is_empty()
    }

    /// The last frame gave the lines `rows` rows: paging and centring use
    /// that.
    pub fn drawn(&mut self, rows: u16) {
        let h = rows as usize;
        if h > 0 && h != self.model.view.height() {
            self.model.view.set_height(h);
        }
    }

    /// Why a step's output may not show (a filter or a level set
    /// earlier), as the end of a sentence; none when all of it shows.
    pub fn hidden_hint(&self, ctx: &Ctx) -> Option<String> {
        let m = &self.model;
        let view = m.view.status(&m.buffer);
        if let Some(f) = view.filter {
            return Some(format!(
                " — the Logs filter {f} hides lines without it ({} then {} clears it)",
                ctx.key(KeyAction::Filter),
                ctx.key(KeyAction::Submit)
            ));
        }
        view.min_level.map(|level| {
            format!(
                " — Logs shows {level}+ only ({} cycles it)",
                ctx.key(KeyAction::Level)
            )
        })
    }

    /// The filter prompt was submitted: filter (and highlight) by `text`,
    /// or say why a regex is wrong (the prompt stays open with it).
    pub fn submit_filter(&mut self, text: &str, ctx: &Ctx, out: &mut Out) -> Result<(), String> {
        let m = &mut self.model;
        let filter = (!text.is_empty()).then_some(text);
        m.view
            .set_filter(&m.buffer, filter)
            .map_err(|e| e.to_string())?;
        // Matches are highlighted, and n/N walk them.
        let _ = m.view.set_search(filter);
        let shown = m.view.status(&m.buffer).shown;
        match filter {
            Some(f) => out.say(
                Tone::Info,
                format!(
                    "logs: {shown} lines kept match {f} ({}/{}: next/previous)",
                    ctx.key(KeyAction::NextMatch),
                    ctx.key(KeyAction::PrevMatch)
                ),
            ),
            None => out.say(Tone::Info, "logs: filter cleared"),
        }
        Ok(())
    }
}

impl Component for Logs {
    fn has_content(&self, _ctx: &Ctx) -> bool {
        self.is_live()
    }

    fn key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool {
        let m = &mut self.model;
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
            KeyAction::Act => {
                // The selected line (an error or a match), else the newest
                // on screen.
                let target = v
                    .selected()
                    .or_else(|| v.rows(&m.buffer).last().map(|r| r.seq));
                let enter = ctx.key(KeyAction::Act);
                match target {
                    None => out.say(Tone::Dim, "logs: no line on screen"),
                    Some(seq) if self.raw == Some(seq) => {
                        self.raw = None;
                        out.say(Tone::Info, "logs: time, level, source, then the message");
                    }
                    Some(seq) => {
                        self.raw = Some(seq);
                        out.say(
                            Tone::Info,
                            format!(
                                "logs: the line marked ≡ as it came, whole ({enter} again: message first; {}/{} or {}/{} pick another line)",
                                ctx.key(KeyAction::NextError),
                                ctx.key(KeyAction::PrevError),
                                ctx.key(KeyAction::NextMatch),
                                ctx.key(KeyAction::PrevMatch),
                            ),
                        );
                    }
                }
            }
            KeyAction::Level => {
                let level = next_level(v.status(&m.buffer).min_level);
                v.set_min_level(&m.buffer, level);
                let what = match level {
                    None => "all levels".to_string(),
                    Some(l) => format!("{} and worse", l.as_str()),
                };
                out.say(Tone::Info, format!("logs: showing {what}"));
            }
            KeyAction::Source => {
                if m.sources().len() < 2 {
                    out.say(Tone::Dim, "logs: only one source to show");
                    return true;
                }
                let next = m.next_solo();
                m.show_only(next);
                let what = match next.and_then(|id| m.source(id)) {
                    Some(s) => format!(
                        "logs: only {} ({} again: the next source)",
                        s.name,
                        ctx.key(KeyAction::Source)
                    ),
                    None => "logs: every source".to_string(),
                };
                out.say(Tone::Info, what);
            }
            KeyAction::NextError | KeyAction::PrevError => {
                let found = if k == KeyAction::NextError {
                    v.next_error(&m.buffer)
                } else {
                    v.prev_error(&m.buffer)
                };
                if !found {
                    let which = if k == KeyAction::NextError {
                        format!(
                            "no later error in the lines shown ({}: newest, follow again)",
                            ctx.key(KeyAction::Bottom)
                        )
                    } else {
                        "no earlier error in the lines kept".to_string()
                    };
                    out.say(Tone::Dim, which);
                }
            }
            KeyAction::NextMatch | KeyAction::PrevMatch => {
                if v.search().is_none() {
                    out.say(
                        Tone::Dim,
                        format!(
                            "nothing to match: {} sets a filter",
                            ctx.key(KeyAction::Filter)
                        ),
                    );
                    return true;
                }
                let found = if k == KeyAction::NextMatch {
                    v.next_match(&m.buffer)
                } else {
                    v.prev_match(&m.buffer)
                };
                if !found {
                    out.say(Tone::Dim, "no more matches that way");
                }
            }
            KeyAction::Filter => {
                let current = v.status(&m.buffer).filter.unwrap_or_default();
                out.open(
                    Prompt::new(
                        "Filter the logs".into(),
                        vec![
                            "Show only lines containing this text (smart case),".into(),
                            "or /a regex/. Empty shows everything again.".into(),
                        ],
                        false,
                        Purpose::LogFilter,
                    )
                    .with_text(&current),
                );
            }
            _ => return false,
        }
        true
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        vec![
            Hint::of(k, KeyAction::Help, "help"),
            Hint::of(k, KeyAction::FocusNext, "pane"),
            Hint::of(k, KeyAction::Filter, "filter"),
            Hint::pair(k, KeyAction::NextMatch, KeyAction::PrevMatch, "match"),
            Hint::pair(k, KeyAction::NextError, KeyAction::PrevError, "error"),
            Hint::of(k, KeyAction::Follow, "follow"),
            Hint::of(k, KeyAction::Wrap, "wrap"),
            Hint::of(k, KeyAction::Act, "raw line"),
            Hint::of(k, KeyAction::Level, "level"),
            Hint::of(k, KeyAction::Source, "source"),
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "scroll"),
            Hint::of(k, KeyAction::Zoom, "zoom"),
            Hint::of(k, KeyAction::Quit, "quit"),
        ]
    }

    fn help(&self) -> Vec<HelpEntry> {
        use KeyAction as K;
        vec![
            HelpEntry::keys(&[K::Filter], "filter: a text, or /a regex/"),
            HelpEntry::keys(&[K::NextMatch, K::PrevMatch], "next / previous match"),
            HelpEntry::keys(&[K::NextError, K::PrevError], "next / previous error"),
            HelpEntry::keys(&[K::Follow], "follow the newest lines, or pause"),
            HelpEntry::keys(&[K::Wrap, K::Act], "wrap (raw) / one line raw, whole"),
            HelpEntry::keys(&[K::Level], "all levels / warn+ / error+"),
            HelpEntry::keys(&[K::Source], "one source at a time, then all"),
            HelpEntry::keys(&[K::Down, K::Up], "scroll a line"),
            HelpEntry::keys(&[K::PageDown, K::PageUp], "scroll a page"),
            HelpEntry::keys(&[K::Top, K::Bottom], "the oldest line / the newest"),
        ]
    }
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
