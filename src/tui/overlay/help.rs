//! The help: every binding of the keymap in force, grouped by where it
//! works (everywhere, each pane, the start screen, prompts,
//! confirmations, the notes, the manifest, the people picker), in as
//! many columns as the screen holds; when they do not all fit it scrolls,
//! and its frame says which lines are shown. The panes and overlays give
//! their own entries (the app gathers them): the help cannot miss a key
//! one of them reads.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{Drawn, Fate, scroll_by};
use crate::tui::ctx::Ctx;
use crate::tui::keymap::Hint;
use crate::tui::keymap::{Key, KeyAction, Keymap, resolve};
use crate::tui::place::Place;
use crate::tui::ui;

/// One line of the help: the keys of `actions` (as they reach them in
/// the section's place), or `keys` as written (the mouse), and what they
/// do there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpEntry {
    pub actions: &'static [KeyAction],
    pub keys: Option<&'static str>,
    pub label: &'static str,
    /// Where these keys are read, when not the section's place.
    pub place: Option<Place>,
}

impl HelpEntry {
    pub const fn keys(actions: &'static [KeyAction], label: &'static str) -> HelpEntry {
        HelpEntry {
            actions,
            keys: None,
            label,
            place: None,
        }
    }

    /// Keys read somewhere else than the section's place.
    pub const fn keys_in(
        place: Place,
        actions: &'static [KeyAction],
        label: &'static str,
    ) -> HelpEntry {
        HelpEntry {
            actions,
            keys: None,
            label,
            place: Some(place),
        }
    }

    pub const fn text(keys: &'static str, label: &'static str) -> HelpEntry {
        HelpEntry {
            actions: &[],
            keys: Some(keys),
            label,
            place: None,
        }
    }
}

/// The bindings of one place.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpSection {
    pub title: &'static str,
    /// Where the keys are read (which of a key's actions it reaches).
    pub place: Place,
    pub entries: Vec<HelpEntry>,
}

/// The keys that reach `a` in `place` ("j/↓"); empty when none does.
fn keys_in(keymap: &Keymap, a: KeyAction, place: Place) -> String {
    let reaches = |k: &Key| {
        // In text places a printable key is text, whatever it is bound to.
        let text = place.takes_text()
            && matches!(k.code, ratatui::crossterm::event::KeyCode::Char(_))
            && k.mods.is_empty();
        !text && resolve(keymap, *k, place) == Some(a)
    };
    keymap
        .keys_for(a)
        .iter()
        .filter(|k| reaches(k))
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The lines of the help: per section a title and its entries, keys in
/// a column `key_w` wide. Entries none of whose keys reach them (the
/// user bound the key to something else there) are left out; an action
/// with no key at all says so.
fn lines(keymap: &Keymap, sections: &[HelpSection]) -> Vec<(bool, String, &'static str)> {
    let mut out: Vec<(bool, String, &'static str)> = Vec::new();
    for s in sections {
        let mut entries = Vec::new();
        for e in &s.entries {
            let keys = match e.keys {
                Some(k) => k.to_string(),
                None => {
                    let found: Vec<String> = e
                        .actions
                        .iter()
                        .map(|a| keys_in(keymap, *a, e.place.unwrap_or(s.place)))
                        .filter(|k| !k.is_empty())
                        .collect();
                    if found.is_empty() {
                        let bound = e.actions.iter().any(|a| !keymap.keys_for(*a).is_empty());
                        if bound {
                            continue;
                        }
                        "(unbound)".to_string()
                    } else {
                        found.join(" ")
                    }
                }
            };
            entries.push((false, keys, e.label));
        }
        if entries.is_empty() {
            continue;
        }
        out.push((true, String::new(), s.title));
        out.extend(entries);
    }
    out
}

/// The help overlay: where it is scrolled to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Help {
    /// The first line shown (when the lines do not all fit).
    pub scroll: u16,
    /// Where the user's keymap lives (shown in the frame).
    pub keymap_file: Option<String>,
}

impl Help {
    pub fn new(keymap_file: Option<String>) -> Help {
        Help {
            scroll: 0,
            keymap_file,
        }
    }

    pub(super) fn key(&mut self, k: KeyAction, drawn: Option<Drawn>) -> Fate {
        match k {
            KeyAction::Help | KeyAction::Cancel | KeyAction::Quit => Fate::Close,
            k => {
                scroll_by(&mut self.scroll, k, drawn);
                Fate::Stay
            }
        }
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        vec![
            Hint::of(ctx.keymap, KeyAction::Help, "close"),
            Hint::of(ctx.keymap, KeyAction::Cancel, "close"),
            Hint::pair(ctx.keymap, KeyAction::Down, KeyAction::Up, "scroll"),
        ]
    }

    pub(super) fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        sections: &[HelpSection],
    ) -> Drawn {
        let theme = ctx.theme;
        let k = ctx.keymap;
        let all = lines(k, sections);
        // The keys' column: as wide as most keys need (a longer one
        // pushes its label along).
        let key_w = all
            .iter()
            .filter(|(title, _, _)| !title)
            .map(|(_, keys, _)| keys.chars().count())
            .max()
            .unwrap_or(8)
            .clamp(8, 14);
        // A column: " keys  label" (a title starts at the keys).
        let col_w = all
            .iter()
            .map(|(title, keys, label)| {
                let keys = if *title {
                    0
                } else {
                    keys.chars().count().max(key_w) + 2
                };
                1 + keys + label.chars().count()
            })
            .max()
            .unwrap_or(20);
        let inner_w = area.width.saturating_sub(2) as usize;
        let rows = area.height.saturating_sub(2) as usize;
        // As many columns as the width holds, sections kept whole where
        // they can be; one column that scrolls when even they do not fit.
        let max_cols = ((inner_w + 2) / (col_w + 2)).max(1);
        let columns = split_columns(&all, rows, max_cols);
        let (columns, scrolled) = match columns {
            Some(c) => (c, false),
            None => (std::iter::once(0..all.len()).collect(), true),
        };
        let shown_rows = columns.iter().map(|c| c.len()).max().unwrap_or(0).min(rows);
        let width = (columns.len() * (col_w + 2)).min(inner_w) as u16 + 2;
        let height = (shown_rows as u16 + 2).min(area.height);
        let r = ui::centered(area, width.max(30).min(area.width), height);
        let start = if scrolled {
            (self.scroll as usize).min(all.len().saturating_sub(rows))
        } else {
            0
        };
        let line_of = |i: usize| -> Line {
            let (title, keys, label) = &all[i];
            if *title {
                Line::from(Span::styled(format!(" {label}"), theme.accent))
            } else {
                Line::from(vec![
                    Span::styled(format!(" {keys:<key_w$}"), theme.key),
                    Span::styled(format!("  {label}"), theme.base),
                ])
            }
        };
        let bottom = if scrolled {
            format!(
                " {} scroll · lines {}-{} of {} ",
                Hint::pair(k, KeyAction::Down, KeyAction::Up, "").keys,
                start + 1,
                (start + rows).min(all.len()),
                all.len()
            )
        } else {
            self.keymap_file
                .as_deref()
                .map(|f| format!(" change keys in [keys] of {f} "))
                .unwrap_or_default()
        };
        let block = Block::bordered()
            .border_type(BorderType::Double)
            .border_style(theme.border_focus)
            .title(Span::styled(" Keys ", theme.title))
            .title_bottom(Span::styled(bottom, theme.dim))
            .style(theme.base);
        let inside = block.inner(r);
        frame.render_widget(Clear, r);
        frame.render_widget(block, r);
        let mut x = inside.x;
        for col in &columns {
            let w = (col_w as u16 + 2).min(inside.right().saturating_sub(x));
            let lines: Vec<Line> = col
                .clone()
                .skip(start)
                .take(inside.height as usize)
                .map(line_of)
                .collect();
            frame.render_widget(
                Paragraph::new(lines).style(theme.base),
                Rect::new(x, inside.y, w, inside.height),
            );
            x = x.saturating_add(w);
        }
        Drawn {
            rows: inside.height as usize,
            len: if scrolled { all.len() } else { shown_rows },
        }
    }
}

/// Lines split into at most `max_cols` columns of at most `rows` lines,
/// a section moving whole to the next column when it does not fit what
/// is left (and split only when it is taller than a column); `None` when
/// they do not fit.
fn split_columns(
    all: &[(bool, String, &str)],
    rows: usize,
    max_cols: usize,
) -> Option<Vec<std::ops::Range<usize>>> {
    if rows == 0 {
        return None;
    }
    // Sections as ranges of lines.
    let mut sections = Vec::new();
    for (i, (title, _, _)) in all.iter().enumerate() {
        if *title || sections.is_empty() {
            sections.push(i..i + 1);
        } else if let Some(last) = sections.last_mut() {
            last.end = i + 1;
        }
    }
    let mut cols: Vec<std::ops::Range<usize>> = Vec::new();
    let mut col = 0..0;
    for s in sections {
        let mut s = s;
        loop {
            let room = rows - col.len();
            if s.len() <= room {
                col = if col.is_empty() {
                    s.clone()
                } else {
                    col.start..s.end
                };
                break;
            }
            if col.is_empty() {
                // Taller than a column: split it.
                let cut = s.start + rows;
                cols.push(s.start..cut);
                s = cut..s.end;
                continue;
            }
            cols.push(col);
            col = 0..0;
        }
    }
    if !col.is_empty() {
        cols.push(col);
    }
    (cols.len() <= max_cols).then_some(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn sections_move_whole_to_the_next_column() {
        let line = |title| (title, String::new(), "x");
        // Sections of 3, 2 and 3 lines.
        let all = vec![
            line(true),
            line(false),
            line(false),
            line(true),
            line(false),
            line(true),
            line(false),
            line(false),
        ];
        assert_eq!(split_columns(&all, 5, 2), Some(vec![0..5, 5..8]));
        assert_eq!(split_columns(&all, 4, 2), None);
        assert_eq!(split_columns(&all, 4, 3), Some(vec![0..3, 3..5, 5..8]));
        assert_eq!(split_columns(&all, 8, 1), Some(vec![0..8]));
        assert_eq!(
            split_columns(&all, 2, 5),
            Some(vec![0..2, 2..3, 3..5, 5..7, 7..8])
        );
    }
}
