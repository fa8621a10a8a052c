//! The help overlay: every binding of the keymap in force.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::centered;
use crate::tui::app::App;
use crate::tui::keymap::KeyAction;

/// The first line shown for a scroll position: the window stays full.
fn help_start(scroll: u16, len: usize, rows: usize) -> usize {
    (scroll as usize).min(len.saturating_sub(rows))
}

/// How many lines the help has for the focused pane (its keys, the mouse
/// and the prompts): the app clamps scrolling with it.
pub fn help_len(app: &App) -> usize {
    KeyAction::ALL
        .iter()
        .filter(|a| crate::tui::scope::in_help(&app.keymap, **a, app.focus))
        .count()
        + 2
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let k = &app.keymap;
    let shown = |a: &&KeyAction| crate::tui::scope::in_help(k, **a, app.focus);
    let key_w = KeyAction::ALL
        .iter()
        .filter(shown)
        .map(|a| k.all_labels(*a).chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut lines: Vec<Line> = KeyAction::ALL
        .iter()
        .filter(shown)
        .map(|a| {
            Line::from(vec![
                Span::styled(format!(" {:<key_w$}", k.all_labels(*a)), theme.key),
                Span::styled(format!("  {:<14}", a.name()), theme.accent),
                Span::styled(a.describe(), theme.base),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled(format!(" {:<key_w$}", "mouse"), theme.key),
        Span::styled(
            "  click a pane to focus it, a row to select it; the wheel moves",
            theme.base,
        ),
    ]));
    lines.push(Line::from(vec![
        Span::styled(format!(" {:<key_w$}", "prompts"), theme.key),
        Span::styled(
            "  enter submits · esc cancels · ctrl-u clears · ←/→ home end move",
            theme.base,
        ),
    ]));
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40) as u16 + 3;
    let height = (lines.len() as u16 + 2).min(area.height);
    let r = centered(area, width, height);
    // A short screen shows a window of the list, scrolled with the keys
    // that move a selection.
    let rows = height.saturating_sub(2) as usize;
    let start = help_start(app.help_scroll, lines.len(), rows);
    let more = lines.len() > rows;
    let lines: Vec<Line> = lines.into_iter().skip(start).take(rows).collect();
    let file = if more {
        format!(
            " {}/{} scroll · lines {}-{} of {} ",
            k.label(KeyAction::Down),
            k.label(KeyAction::Up),
            start + 1,
            start + rows,
            help_len(app)
        )
    } else {
        app.keymap_file
            .as_deref()
            .map(|f| format!(" change keys in [keys] of {f} "))
            .unwrap_or_default()
    };
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Span::styled(file, theme.dim))
        .style(theme.base);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
