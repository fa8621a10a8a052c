//! The help overlay: every binding of the keymap in force.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::centered;
use crate::tui::app::App;
use crate::tui::keymap::KeyAction;

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
    // The mouse and prompt lines go first when the screen is short.
    while lines.len() + 2 > area.height as usize && lines.len() > KeyAction::ALL.len() {
        lines.pop();
    }
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40) as u16 + 3;
    let height = lines.len() as u16 + 2;
    let r = centered(area, width, height);
    let file = app
        .keymap_file
        .as_deref()
        .map(|f| format!(" change keys in [keys] of {f} "))
        .unwrap_or_default();
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Span::styled(file, theme.dim))
        .style(theme.base);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
