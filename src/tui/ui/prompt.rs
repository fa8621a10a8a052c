//! Overlays that ask something: a one-line prompt, a yes/no confirmation,
//! and the picker of who is at the keyboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::app::{App, Confirm, Prompt};
use crate::tui::theme::Theme;

pub(super) fn frame_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.base)
}

/// Wrapped height of lines in `width` columns (at least one row each).
fn rows_for(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(w) as u16)
        .sum()
}

pub fn draw_prompt(frame: &mut Frame, area: Rect, p: &Prompt, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    let inner_w = width.saturating_sub(2);
    let mut lines: Vec<Line> = p
        .hint
        .iter()
        .map(|h| Line::styled(h.clone(), theme.dim))
        .collect();
    // The text with a visible cursor cell; long text shows its end.
    let chars: Vec<char> = p.input.text.chars().collect();
    let room = inner_w.saturating_sub(3) as usize;
    let cursor = p.input.cursor.min(chars.len());
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
    if let Some(e) = &p.error {
        lines.push(Line::styled(format!("✘ {e}"), theme.bad));
    }
    let height = rows_for(&lines, inner_w) + 2;
    let r = centered(area, width, height);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(frame_block(p.title.clone(), theme)),
        r,
    );
}

pub fn draw_confirm(frame: &mut Frame, area: Rect, c: &Confirm, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", theme.key),
        Span::styled(" yes, go ahead   ", theme.base),
        Span::styled("n", theme.key),
        Span::styled(" / ", theme.dim),
        Span::styled("esc", theme.key),
        Span::styled(" no", theme.base),
    ]));
    let height = rows_for(&lines, width.saturating_sub(2)) + 2;
    let r = centered(area, width, height);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(frame_block(c.title.clone(), theme).border_style(theme.warn)),
        r,
    );
}

pub fn draw_people(frame: &mut Frame, area: Rect, selected: usize, app: &App) {
    let theme = &app.theme;
    let mut lines: Vec<Line> = vec![Line::styled(
        "Who is at the keyboard? Actions are recorded as this person.",
        theme.dim,
    )];
    for (i, m) in app.people.iter().enumerate() {
        let mark = if i == app.at_keyboard { "⌨ " } else { "  " };
        let text = format!(
            "{mark}{:<22} {:<26} {}",
            m.name,
            m.email,
            m.roles.join(", ")
        );
        let style = if i == selected {
            theme.selected
        } else {
            theme.base
        };
        lines.push(Line::styled(text, style));
    }
    let width = lines
        .iter()
        .map(|l| l.width() as u16)
        .max()
        .unwrap_or(40)
        .saturating_add(4)
        .min(area.width.saturating_sub(2));
    let height = lines.len() as u16 + 2;
    let r = centered(area, width, height);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(frame_block("At the keyboard".into(), theme)),
        r,
    );
}
