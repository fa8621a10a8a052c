//! The Canary and Logs panes. Until their sources are built they show
//! the source's state; the layout is final.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{inner, pane_block};
use crate::tui::app::{App, Pane, SourceState};

pub fn draw(frame: &mut Frame, area: Rect, pane: Pane, src: &SourceState, app: &App) {
    if area.is_empty() {
        return;
    }
    let theme = &app.theme;
    frame.render_widget(
        pane_block(pane.title(), src.summary.clone(), app.focus == pane, theme),
        area,
    );
    let inside = inner(area);
    let lines: Vec<Line> = if src.lines.is_empty() {
        vec![Line::styled(src.message.clone(), theme.dim)]
    } else {
        // The newest lines at the bottom, like a terminal.
        let skip = src.lines.len().saturating_sub(inside.height as usize);
        src.lines[skip..]
            .iter()
            .map(|(tone, text)| Line::styled(text.as_str(), theme.tone(*tone)))
            .collect()
    };
    let p = Paragraph::new(lines).style(theme.base);
    let p = if src.lines.is_empty() {
        p.wrap(Wrap { trim: true })
    } else {
        p
    };
    frame.render_widget(p, inside);
}
