//! The Sign-off pane's draw: each role a sign-off step asks for, who
//! decided, what, when, and their comment; under them what approvers
//! sign besides the steps (the release notes, the manifest).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::Signoff;
use crate::tui::ctx::{Ctx, signoff_rows, window_start};
use crate::tui::keymap::KeyAction;
use crate::tui::manifest::ManifestState;
use crate::tui::pane::Drawn;
use crate::tui::place::Pane;
use crate::tui::theme::Tone;
use crate::tui::ui::{inner, pane_block, short_time, table_rows};

/// The pane's inside: the table (its rows under the header row), and the
/// release lines under it (notes, manifest) when there is room for both.
fn split(area: Rect, extra: usize) -> (Rect, Rect) {
    let inside = inner(area);
    let extra = (extra as u16).min(inside.height.saturating_sub(2));
    let [table, release] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(extra)]).areas(inside);
    (table_rows(table), release)
}

impl Signoff {
    /// The height the pane wants beside the Checklist: its rows, their
    /// header, the release lines and the frame, within a third of `body`.
    pub fn wanted_height(&self, ctx: &Ctx, body: u16) -> u16 {
        let rows = ctx.state().map_or(0, |s| signoff_rows(s).len()) as u16;
        let extra = release_lines(ctx).len() as u16;
        (rows + 3 + extra).clamp(4, (body / 3).max(4 + extra))
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) -> Drawn {
        let mut drawn = Drawn {
            area,
            ..Drawn::default()
        };
        if area.is_empty() {
            return drawn;
        }
        draw_pane(self.selected, frame, area, ctx, focused, &mut drawn);
        drawn
    }
}

fn draw_pane(
    selected: usize,
    frame: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    focused: bool,
    drawn: &mut Drawn,
) {
    let theme = ctx.theme;
    let Some(st) = ctx.state() else {
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
    let release = release_lines(ctx);
    let (rows_area, release_area) = split(area, release.len());
    let inside = Rect {
        height: inner(area).height.saturating_sub(release_area.height),
        ..inner(area)
    };
    frame.render_widget(Paragraph::new(release).style(theme.base), release_area);
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
    let start = window_start(selected, rows.len(), height);
    drawn.rows = rows_area;
    drawn.first = start;
    drawn.len = rows.len();
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
                    d.by.person().into_owned(),
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
            let selected = i == selected && focused;
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

/// What approvers sign besides the steps: the session's release notes
/// and (when the repository has one, or the session is a release train)
/// the manifest. One line each, under the pane's rows.
fn release_lines(ctx: &Ctx) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    let Some(st) = ctx.state() else {
        return Vec::new();
    };
    let k = ctx.keymap;
    let key = |a: KeyAction| Span::styled(format!(" {}", k.label(a)), theme.key);
    let mut out = Vec::new();
    let notes = match &st.release_notes {
        Some((by, text)) => {
            // An approval given before the notes last changed approved
            // other notes: say so, so nobody signs what they did not read.
            let stale: Vec<String> = signoff_rows(st)
                .iter()
                .filter_map(|r| r.decision)
                .filter(|d| d.approve && d.by.lamport < by.lamport)
                .map(|d| d.by.person().into_owned())
                .collect();
            let mut spans = vec![Span::styled("Notes: ", theme.dim)];
            if stale.is_empty() {
                spans.push(Span::styled("✔ ", theme.ok));
                spans.push(Span::raw(format!(
                    "set by {} {} · {} lines",
                    by.person(),
                    short_time(&by.at),
                    text.lines().count()
                )));
            } else {
                // The warning first: it is what matters when room is short.
                spans.push(Span::styled(
                    format!("⚠ changed after {} approved", stale.join(", ")),
                    theme.warn,
                ));
                spans.push(Span::raw(format!(
                    " · by {} {}",
                    by.person(),
                    short_time(&by.at)
                )));
            }
            spans.push(Span::styled(" ·", theme.dim));
            spans.push(key(KeyAction::ReleaseNotes));
            spans.push(Span::styled(" read/edit", theme.dim));
            Line::from(spans)
        }
        None => Line::from(vec![
            Span::styled("Notes: ", theme.dim),
            Span::styled("○ none yet", theme.warn),
            Span::styled(" ·", theme.dim),
            key(KeyAction::ReleaseNotes),
            Span::styled(" to draft them from the commits", theme.dim),
        ]),
    };
    out.push(notes);
    let train = st.plan.playbook == "release-train";
    let manifest = match ctx.manifest {
        ManifestState::Loaded { view, .. } => Some(if view.problems.is_empty() {
            vec![
                Span::styled("✔ ", theme.ok),
                Span::raw(format!(
                    "system {}, {} components compatible",
                    view.system,
                    view.components.len()
                )),
            ]
        } else {
            vec![Span::styled(
                format!(
                    "✘ system {}, {} broken requirement{}",
                    view.system,
                    view.problems.len(),
                    if view.problems.len() == 1 { "" } else { "s" }
                ),
                theme.bad,
            )]
        }),
        ManifestState::Broken { .. } => Some(vec![Span::styled("✘ cannot be read", theme.bad)]),
        ManifestState::Missing { .. } if train => Some(vec![Span::styled(
            format!("○ no {}", crate::release::MANIFEST_FILE),
            theme.warn,
        )]),
        _ => None,
    };
    if let Some(spans) = manifest {
        let mut line = vec![Span::styled("Manifest: ", theme.dim)];
        line.extend(spans);
        line.push(Span::styled(" ·", theme.dim));
        line.push(key(KeyAction::Manifest));
        out.push(Line::from(line));
    }
    out
}
