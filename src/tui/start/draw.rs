//! The start screen's draw: resume an open session, start a scenario, or
//! look at a past session, with the selected one's details. The app
//! draws the status and key lines under it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{StartItem, StartScreen};
use crate::session::SessionStatus;
use crate::tui::ctx::{Ctx, window_start};
use crate::tui::keymap::KeyAction;
use crate::tui::ui::{inner, pane_block, wrap};

impl StartScreen {
    /// Draw the screen's header and body into `area` (the app draws the
    /// status and key lines below it).
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, repo_name: &str) {
        draw(self, frame, area, ctx, repo_name);
    }
}

/// Where a row's second column starts ("  " and the 16-column id).
const INDENT: usize = 19;

fn draw(screen: &StartScreen, frame: &mut Frame, area: Rect, ctx: &Ctx, repo_name: &str) {
    let theme = ctx.theme;
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let who = ctx.person.map(|m| m.name.as_str()).unwrap_or("nobody");
    // The short form when the long one does not fit: the person at the
    // keyboard is never cut.
    let long =
        format!(" greenlight · {repo_name} · start or resume a release · at the keyboard: {who}");
    let header = if long.chars().count() <= usize::from(top.width) {
        long
    } else {
        format!(" greenlight · {repo_name} · ⌨ {who}")
    };
    frame.render_widget(Paragraph::new(header).style(theme.header), top);
    frame.render_widget(
        pane_block("Sessions and scenarios", String::new(), true, theme),
        body,
    );
    let inside = inner(body);
    let [list_area, detail_area] = if inside.width >= 100 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(inside)
    } else {
        let detail_h = (inside.height / 3).clamp(3, 7);
        Layout::vertical([Constraint::Fill(1), Constraint::Length(detail_h)]).areas(inside)
    };

    let items = screen.items();
    // Lines with section headings; remember the line each item ends on
    // (the window keeps it in sight).
    let mut lines: Vec<Line> = Vec::new();
    let mut item_line = Vec::new();
    let mut section = "";
    for (i, item) in items.iter().enumerate() {
        let heading = match item {
            StartItem::Session(s) if screen.data.sessions[*s].status == SessionStatus::Open => {
                "Resume an open session"
            }
            StartItem::Scenario(_) => "Start a new release",
            StartItem::Session(_) => "Past sessions (read only)",
        };
        if heading != section {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(heading, theme.accent));
            section = heading;
        }
        let text = match item {
            StartItem::Session(s) => {
                let s = &screen.data.sessions[*s];
                format!(
                    "  {:<16} {:<9} {:>5}  {:<11} {}",
                    s.playbook,
                    s.version
                        .as_deref()
                        .map(|v| format!("v{v}"))
                        .unwrap_or_else(|| "-".into()),
                    format!("{}/{}", s.done, s.total),
                    s.status.word(),
                    s.started_at
                        .as_deref()
                        .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
                        .unwrap_or_default()
                )
            }
            StartItem::Scenario(s) => {
                let sc = &screen.data.scenarios[*s];
                let proposed = if screen.proposed_scenario() == Some(*s) {
                    "★ proposed, only fixes since the last release · "
                } else {
                    ""
                };
                format!(
                    "  {:<16} {proposed}{} ({} steps)",
                    sc.id, sc.title, sc.steps
                )
            }
        };
        let style = if i == screen.selected {
            theme.selected
        } else {
            theme.base
        };
        // A row longer than the list wraps under its second column, so
        // a title or a proposal is never cut.
        let width = usize::from(list_area.width);
        if text.chars().count() <= width || width <= INDENT + 8 {
            lines.push(Line::styled(text, style));
        } else {
            let head: String = text.chars().take(INDENT).collect();
            let tail: String = text.chars().skip(INDENT).collect();
            for (k, part) in wrap(&tail, width - INDENT).into_iter().enumerate() {
                let lead = if k == 0 {
                    head.clone()
                } else {
                    " ".repeat(INDENT)
                };
                lines.push(Line::styled(format!("{lead}{part}"), style));
            }
        }
        item_line.push(lines.len() - 1);
    }
    if items.is_empty() {
        lines.push(if screen.loading {
            Line::styled("reading the sessions and scenarios…", theme.dim)
        } else {
            Line::styled("no playbooks found", theme.bad)
        });
    }
    let sel_line = item_line.get(screen.selected).copied().unwrap_or(0);
    let start = window_start(sel_line, lines.len(), list_area.height as usize);
    let visible: Vec<Line> = lines.into_iter().skip(start).collect();
    frame.render_widget(Paragraph::new(visible), list_area);

    let detail: Vec<Line> = match items.get(screen.selected) {
        Some(StartItem::Scenario(s)) => {
            let sc = &screen.data.scenarios[*s];
            let desc = sc
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let mut lines = vec![
                Line::styled(sc.title.clone(), theme.title),
                Line::styled(
                    format!(
                        "{} · {} steps · {} starts it (proposes the version)",
                        sc.id,
                        sc.steps,
                        ctx.key(KeyAction::Act)
                    ),
                    theme.dim,
                ),
            ];
            match &screen.data.proposal {
                Some(Ok(p)) => lines.push(Line::from(vec![
                    Span::styled("Next version: ", theme.dim),
                    Span::styled(p.headline.clone(), theme.accent),
                    Span::styled(format!(" · {}", p.reason), theme.dim),
                ])),
                Some(Err(why)) => lines.push(Line::styled(
                    format!("No version proposed from history: {why}"),
                    theme.dim,
                )),
                None => {}
            }
            lines.push(Line::raw(desc));
            lines
        }
        Some(StartItem::Session(s)) => {
            let s = &screen.data.sessions[*s];
            vec![
                Line::styled(
                    format!("{} {}", s.playbook, s.version.as_deref().unwrap_or("")),
                    theme.title,
                ),
                Line::styled(format!("session {}", s.id), theme.dim),
                Line::raw(format!(
                    "{}/{} steps settled · {} · started {} by {}",
                    s.done,
                    s.total,
                    s.status.word(),
                    s.started_at.as_deref().unwrap_or("-"),
                    s.started_by.as_deref().unwrap_or("-")
                )),
                Line::styled(format!("{} opens it", ctx.key(KeyAction::Act)), theme.dim),
            ]
        }
        None => Vec::new(),
    };
    let detail_block = if inside.width >= 100 {
        Block::new()
            .borders(Borders::LEFT)
            .border_style(theme.border)
    } else {
        Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border)
    };
    frame.render_widget(
        Paragraph::new(detail)
            .wrap(Wrap { trim: true })
            .block(detail_block.title(Span::styled(" Details ", theme.dim))),
        detail_area,
    );
}
