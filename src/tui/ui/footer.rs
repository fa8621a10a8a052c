//! The status line (what just happened, or what is ready) and the footer
//! (the keys that work where the focus is, as the pane or overlay that
//! has the keys gives them).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::hint;
use crate::session::SessionStatus;
use crate::tui::ctx::SessionView;
use crate::tui::keymap::Hint;
use crate::tui::out::Status;
use crate::tui::theme::Theme;

/// The status line: the latest status, else a lasting warning, else what
/// the session says (read-only, a journal problem, ready steps). A
/// status longer than its rows ends in "… `more` more", the key of the
/// message log where it is whole.
pub fn draw_status(
    frame: &mut Frame,
    area: Rect,
    status: Option<&Status>,
    warnings: &[String],
    session: Option<&SessionView>,
    (theme, more): (&Theme, &str),
) {
    // Wrapping between words loses up to a word's width a row: keep a
    // margin for it past the first row.
    let rows = usize::from(area.height);
    let room = (usize::from(area.width) * rows).saturating_sub(rows.saturating_sub(1) * 16);
    let line = if let Some(s) = status
        && s.text.chars().count() + 1 > room
        && room > more.len() + 12
    {
        let tail = format!("… {more} more");
        let keep = room - tail.chars().count() - 1;
        let head: String = s.text.chars().take(keep).collect();
        Line::from(vec![
            Span::styled(format!(" {}", head.trim_end()), theme.tone(s.tone)),
            Span::styled(tail, theme.key),
        ])
    } else if let Some(s) = status {
        Line::styled(format!(" {}", s.text), theme.tone(s.tone))
    } else if let Some(w) = warnings.first() {
        Line::styled(format!(" ⚠ {w}"), theme.warn)
    } else if let Some(v) = session {
        if let Some(why) = &v.read_only {
            Line::styled(format!(" read-only: {why}"), theme.warn)
        } else if let Some(w) = v.warnings.first() {
            Line::styled(format!(" ⚠ {w}"), theme.warn)
        } else {
            let st = &v.state;
            match st.status {
                SessionStatus::Completed => Line::styled(" ✔ the session is complete", theme.ok),
                SessionStatus::Aborted => Line::styled(
                    format!(" ✘ aborted: {}", st.abort_reason.as_deref().unwrap_or("")),
                    theme.bad,
                ),
                _ => {
                    let ready: Vec<&str> = st.ready_steps().iter().map(|p| p.id.as_str()).collect();
                    Line::from(vec![
                        Span::styled(" ready: ", theme.dim),
                        Span::styled(ready.join(", "), theme.base),
                    ])
                }
            }
        }
    } else {
        Line::raw("")
    };
    frame.render_widget(
        Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// Rows the status line wants in `width` columns: two when the latest
/// status is longer than one (the rest is in the message log, `L`).
pub fn status_rows(status: Option<&Status>, width: u16) -> u16 {
    match status {
        Some(s) if s.text.chars().count() + 1 > usize::from(width) => 2,
        _ => 1,
    }
}

/// The hints that fit in `width` columns: the last ones go first, but
/// never `help` and `quit` (help lists the rest).
fn fitting(mut hints: Vec<Hint>, width: usize) -> Vec<Hint> {
    // " " + "key label  " per hint, as drawn by `hint`.
    let used = |h: &[Hint]| {
        1 + h
            .iter()
            .map(|h| h.keys.chars().count() + h.label.chars().count() + 3)
            .sum::<usize>()
    };
    while used(&hints) > width {
        match hints
            .iter()
            .rposition(|h| !matches!(h.label, "help" | "quit"))
        {
            Some(i) => {
                hints.remove(i);
            }
            None => break,
        }
    }
    hints
}

/// The key line.
pub fn draw_keys(frame: &mut Frame, area: Rect, hints: Vec<Hint>, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for h in fitting(hints, area.width as usize) {
        spans.extend(hint(&h, theme));
    }
    frame.render_widget(super::Lines(vec![Line::from(spans)]), area);
}
