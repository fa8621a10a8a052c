//! The Sign-off pane: each role a sign-off step asks for, who decided,
//! what, when, and their comment.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::{inner, pane_block, short_time, table_rows};
use crate::tui::app::{App, Pane, signoff_rows, window_start};
use crate::tui::theme::Tone;

/// The pane's inside: the table (its rows under the header row), and the
/// release lines under it (notes, manifest) when there is room for both.
pub fn split(area: Rect, app: &App) -> (Rect, Rect) {
    let inside = inner(area);
    let extra =
        (super::release::signoff_lines(app).len() as u16).min(inside.height.saturating_sub(2));
    let [table, release] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(extra)]).areas(inside);
    (table_rows(table), release)
}

pub fn draw(frame: &mut Frame, area: Rect, rows_area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    let theme = &app.theme;
    let focused = app.focus == Pane::Signoff;
    let Some(st) = app.state() else {
        frame.render_widget(
            pane_block(Pane::Signoff.title(), String::new(), focused, theme),
            area,
        );
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
    frame.render_widget(
        pane_block(Pane::Signoff.title(), extra, focused, theme),
        area,
    );
    let (_, release_area) = split(area, app);
    let inside = Rect {
        height: inner(area).height.saturating_sub(release_area.height),
        ..inner(area)
    };
    frame.render_widget(
        Paragraph::new(super::release::signoff_lines(app)).style(theme.base),
        release_area,
    );
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
    let step_w = rows
        .iter()
        .map(|r| r.plan.id.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 20) as u16;
    // Narrow: decision, who and when share one column.
    let wide = inside.width >= step_w + 9 + 11 + 16 + 8 + 10 + 5;
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, r)| {
            let waiting = !st.pending_requires(r.plan).is_empty();
            let (text, tone, who, when, comment) = match r.decision {
                Some(d) => (
                    if d.approve {
                        "✔ approved"
                    } else {
                        "⛔ rejected"
                    },
                    if d.approve { Tone::Ok } else { Tone::Bad },
                    d.by.who.name.clone(),
                    short_time(&d.by.at).to_string(),
                    d.comment.clone().unwrap_or_default(),
                ),
                None if waiting => (
                    "· waiting",
                    Tone::Dim,
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                None => (
                    "○ pending",
                    Tone::Warn,
                    String::new(),
                    String::new(),
                    String::new(),
                ),
            };
            let selected = i == app.signoff_selected && focused;
            let sel = |s| if selected { theme.selected } else { s };
            let mut cells = vec![
                Line::raw(r.plan.id.as_str()),
                Line::styled(r.role, sel(theme.accent)),
            ];
            if wide {
                cells.push(Line::styled(text, sel(theme.tone(tone))));
                cells.push(Line::raw(who));
                cells.push(Line::styled(when, sel(theme.dim)));
                cells.push(Line::raw(comment));
            } else {
                let rest = [who, when, comment]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                cells.push(Line::from(vec![
                    Span::styled(text, sel(theme.tone(tone))),
                    Span::raw(if rest.is_empty() {
                        String::new()
                    } else {
                        format!(" {rest}")
                    }),
                ]));
            }
            Row::new(cells).style(if selected { theme.selected } else { theme.base })
        })
        .collect();
    let (widths, header) = if wide {
        (
            vec![
                Constraint::Length(step_w),
                Constraint::Length(9),
                Constraint::Length(11),
                Constraint::Fill(2),
                Constraint::Length(8),
                Constraint::Fill(3),
            ],
            vec!["step", "role", "decision", "who", "when", "comment"],
        )
    } else {
        (
            vec![
                Constraint::Length(step_w),
                Constraint::Length(9),
                Constraint::Fill(1),
            ],
            vec!["step", "role", "decision · who · when · comment"],
        )
    };
    let table = Table::new(body, widths)
        .header(Row::new(header).style(theme.dim))
        .column_spacing(1)
        .style(theme.base);
    frame.render_widget(table, inside);
}
