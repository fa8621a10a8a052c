//! The Sign-off pane: each role a sign-off step asks for, who decided,
//! what, when, and their comment.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::{inner, pane_block, short_time};
use crate::tui::app::{App, Pane, signoff_rows, window_start};
use crate::tui::theme::Tone;

pub fn draw(frame: &mut Frame, area: Rect, rows_area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    let theme = &app.theme;
    let focused = app.focus == Pane::Signoff;
    let Some(st) = app.state() else {
        frame.render_widget(pane_block(Pane::Signoff.title(), String::new(), focused, theme), area);
        return;
    };
    let rows = signoff_rows(st);
    let approved = rows
        .iter()
        .filter(|r| r.decision.is_some_and(|d| d.approve))
        .count();
    let extra = if rows.is_empty() {
        String::new()
    } else {
        format!("{approved}/{} approved", rows.len())
    };
    frame.render_widget(pane_block(Pane::Signoff.title(), extra, focused, theme), area);
    let inside = inner(area);
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new("no sign-off steps in this playbook")
                .style(theme.dim)
                .wrap(Wrap { trim: true }),
            inside,
        );
        return;
    }
    let height = rows_area.height as usize;
    let start = window_start(app.signoff_selected, rows.len(), height);
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, r)| {
            let waiting = !st.pending_requires(r.plan).is_empty();
            let (text, tone, who, when, comment) = match r.decision {
                Some(d) if d.approve => ("✔ approved", Tone::Ok, d.by.who.name.clone(), short_time(&d.by.at).to_string(), d.comment.clone()),
                Some(d) => ("⛔ rejected", Tone::Bad, d.by.who.name.clone(), short_time(&d.by.at).to_string(), d.comment.clone()),
                None if waiting => ("· waiting", Tone::Dim, String::new(), String::new(), None),
                None => ("○ pending", Tone::Warn, String::new(), String::new(), None),
            };
            let selected = i == app.signoff_selected;
            let sel_style = |s| if selected && focused { theme.selected } else { s };
            Row::new(vec![
                Line::raw(r.plan.id.as_str()),
                Line::styled(r.role, sel_style(theme.accent)),
                Line::styled(text, sel_style(theme.tone(tone))),
                Line::raw(who),
                Line::styled(when, sel_style(theme.dim)),
                Line::raw(comment.unwrap_or_default()),
            ])
            .style(if selected && focused { theme.selected } else { theme.base })
        })
        .collect();
    let table = Table::new(
        body,
        [
            Constraint::Fill(2),
            Constraint::Length(9),
            Constraint::Length(11),
            Constraint::Fill(2),
            Constraint::Length(8),
            Constraint::Fill(3),
        ],
    )
    .header(Row::new(["step", "role", "decision", "who", "when", "comment"]).style(theme.dim))
    .column_spacing(1)
    .style(theme.base);
    frame.render_widget(table, inside);
}
