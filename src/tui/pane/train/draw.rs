//! Drawing the Train pane: a table of components, or one component's
//! details. Everything read from the components' repositories and
//! sessions is input from elsewhere: it goes through `one_line`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::Train;
use crate::text::one_line;
use crate::train::{ComponentStatus, Readiness, TrainStatus};
use crate::tui::ctx::Ctx;
use crate::tui::pane::Drawn;
use crate::tui::place::Pane;
use crate::tui::theme::{Theme, Tone};
use crate::tui::ui::{draw_empty_pane, inner, pane_block, row_style, table_rows};

/// Icon, word and tone of a readiness: never colour alone.
fn mark(r: Readiness) -> (&'static str, Tone) {
    match r {
        Readiness::Released => ("✔", Tone::Ok),
        Readiness::Unchanged => ("·", Tone::Dim),
        Readiness::Releasing => ("▶", Tone::Info),
        Readiness::Waiting => ("…", Tone::Warn),
        Readiness::Blocked => ("✘", Tone::Bad),
        Readiness::Unreadable => ("?", Tone::Bad),
    }
}

/// A component's session in a few words: "9/13 feature-release · 25%
/// PROMOTE" (its readiness says whether it is open or done; an aborted
/// one says so).
fn session_cell(c: &ComponentStatus) -> String {
    match &c.reading.session {
        Some(s) => {
            let mut x = format!(
                "{}/{} {}",
                s.steps_done,
                s.steps_total,
                one_line(&s.scenario)
            );
            if s.status == "aborted" {
                x.push_str(" (aborted)");
            }
            if let (Some(w), Some(v)) = (s.canary_weight, &s.canary_verdict) {
                x.push_str(&format!(" · {w}% {}", one_line(v)));
            }
            x
        }
        None => "no session".into(),
    }
}

impl Train {
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) -> Drawn {
        let mut drawn = Drawn {
            area,
            ..Drawn::default()
        };
        if area.is_empty() {
            return drawn;
        }
        let theme = ctx.theme;
        let title = Pane::Train.title();
        let Some(t) = ctx.train.status.as_ref() else {
            let message = match &ctx.train.error {
                Some(e) => format!("cannot read the train: {}", one_line(e)),
                None => "reading the components' repositories…".into(),
            };
            draw_empty_pane(frame, area, title, "", &message, focused, theme);
            return drawn;
        };
        let ready = t
            .components
            .iter()
            .filter(|c| matches!(c.readiness, Readiness::Released | Readiness::Unchanged))
            .count();
        let summary = format!(
            "{ready}/{} ready · system → {}",
            t.components.len(),
            t.next_system_version
        );
        frame.render_widget(pane_block(title, summary, focused, theme), area);
        let body = inner(area);
        let selected = self.selected.min(t.components.len().saturating_sub(1));
        match t.components.get(selected) {
            Some(c) if self.details => details(frame, body, c, t, theme),
            _ => {
                drawn.rows = table_rows(body);
                drawn.len = t.components.len();
                drawn.first = list(frame, body, t, selected, theme);
            }
        }
        drawn
    }
}

/// The table; returns the first row shown.
fn list(frame: &mut Frame, area: Rect, t: &TrainStatus, selected: usize, theme: &Theme) -> usize {
    let rows_h = area.height.saturating_sub(1).max(1) as usize;
    let first = selected.saturating_sub(rows_h.saturating_sub(1));
    let wide = area.width >= 90;
    let rows: Vec<Row> = t
        .components
        .iter()
        .enumerate()
        .skip(first)
        .map(|(i, c)| {
            let (icon, tone) = mark(c.readiness);
            let version = if c.train_version == c.manifest_version {
                c.manifest_version.clone()
            } else {
                format!("{} → {}", c.manifest_version, c.train_version)
            };
            let mut cells: Vec<ratatui::widgets::Cell> = vec![
                Span::styled(format!("{icon} {}", c.readiness.word()), theme.tone(tone)).into(),
                Span::raw(one_line(&c.name).into_owned()).into(),
                Span::raw(version).into(),
                Span::raw(session_cell(c)).into(),
            ];
            if wide {
                cells.insert(
                    2,
                    Span::raw(
                        c.team
                            .as_deref()
                            .map_or("-".into(), |t| one_line(t).into_owned()),
                    )
                    .into(),
                );
            }
            Row::new(cells).style(row_style(i == selected, theme))
        })
        .collect();
    let name_w = t
        .components
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(9, 16) as u16;
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec!["STATE", "COMPONENT", "TEAM", "VERSION", "SESSION"],
            vec![
                Constraint::Length(12),
                Constraint::Length(name_w),
                Constraint::Length(10),
                Constraint::Length(15),
                Constraint::Fill(1),
            ],
        )
    } else {
        (
            vec!["STATE", "COMPONENT", "VERSION", "SESSION"],
            vec![
                Constraint::Length(12),
                Constraint::Length(name_w),
                Constraint::Length(15),
                Constraint::Fill(1),
            ],
        )
    };
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(theme.dim)),
        area,
    );
    first
}

/// One component, whole: versions, why, commits, session, requirements.
fn details(frame: &mut Frame, area: Rect, c: &ComponentStatus, t: &TrainStatus, theme: &Theme) {
    let (icon, tone) = mark(c.readiness);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{icon} {} ", c.readiness.word()), theme.tone(tone)),
        Span::styled(one_line(&c.name).into_owned(), theme.title),
        Span::raw(format!(
            " · manifest {} · next {} · team {}",
            c.manifest_version,
            c.reading.next_version.as_deref().unwrap_or("?"),
            c.team
                .as_deref()
                .map_or("-".into(), |x| one_line(x).into_owned())
        )),
    ])];
    let loc = match &c.reading.location {
        crate::train::component::Location::Checkout { path } => one_line(path).into_owned(),
        crate::train::component::Location::Remote { url, .. } => {
            format!("{} (cached clone)", one_line(url))
        }
        crate::train::component::Location::Unknown => "no repository".into(),
    };
    let folder = c
        .reading
        .path
        .as_deref()
        .map(|p| format!(" · folder {}", one_line(p)))
        .unwrap_or_default();
    lines.push(Line::styled(format!("from {loc}{folder}"), theme.dim));
    if let Some(e) = &c.reading.error {
        lines.push(Line::styled(
            format!("✘ {}", one_line(e)),
            theme.tone(Tone::Bad),
        ));
    }
    if let Some(r) = &c.reading.reason {
        lines.push(Line::raw(format!("why: {}", one_line(r))));
    }
    for p in &c.requirement_problems {
        lines.push(Line::styled(
            format!("✘ {}", one_line(p)),
            theme.tone(Tone::Bad),
        ));
    }
    if c.requirement_problems.is_empty() && !c.requires.is_empty() {
        let reqs: Vec<String> = c
            .requires
            .iter()
            .map(|(k, v)| format!("{} {}", one_line(k), one_line(v)))
            .collect();
        lines.push(Line::raw(format!("✔ requires {}", reqs.join(", "))));
    }
    match &c.reading.session {
        Some(s) => {
            lines.push(Line::raw(format!(
                "session {} · {} · {} · from {}",
                one_line(&s.id),
                session_cell(c),
                one_line(&s.status),
                one_line(&s.source)
            )));
            for so in &s.signoffs {
                lines.push(Line::raw(format!(
                    "  {} {} by {}",
                    if so.approved {
                        "✔ approved"
                    } else {
                        "⛔ rejected"
                    },
                    one_line(&so.role),
                    one_line(&so.by)
                )));
            }
            for x in &s.troubles {
                lines.push(Line::styled(
                    format!("  ✘ {}", one_line(x)),
                    theme.tone(Tone::Bad),
                ));
            }
        }
        None => lines.push(Line::styled(
            "no release session in its repository",
            theme.dim,
        )),
    }
    let n = c.reading.commits.len();
    lines.push(Line::styled(
        format!(
            "{n} commit{} since {}:",
            if n == 1 { "" } else { "s" },
            c.reading
                .last_tag
                .as_deref()
                .map_or("the start".into(), |x| one_line(x).into_owned())
        ),
        theme.dim,
    ));
    for commit in &c.reading.commits {
        lines.push(Line::raw(format!(
            "  {} {}",
            one_line(&commit.id),
            one_line(&commit.header)
        )));
    }
    let _ = t;
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
