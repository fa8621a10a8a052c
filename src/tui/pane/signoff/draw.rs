//! The Sign-off pane's draw: each role a sign-off step asks for, who
//! decided, what, when, and their comment; under them what approvers
//! sign besides the steps (the release notes, the manifest).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::Signoff;
use crate::session::SessionState;
use crate::tui::ctx::{Ctx, SignoffRow, signoff_rows};
use crate::tui::keymap::KeyAction;
use crate::tui::manifest::ManifestState;
use crate::tui::pane::Drawn;
use crate::tui::place::Pane;
use crate::tui::theme::Tone;
use crate::tui::ui::{inner, pane_block, rows_for, short_time, table_rows, wrap};

/// The pane's inside: the table (its rows under the header row), and the
/// release lines under it (notes, manifest, wrapped) when there is room
/// for both.
fn split(area: Rect, release_rows: u16) -> (Rect, Rect) {
    let inside = inner(area);
    let extra = release_rows.min(inside.height.saturating_sub(2));
    let [table, release] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(extra)]).areas(inside);
    (table_rows(table), release)
}

/// The table's columns for an inside `width` wide: the step, the role,
/// and either one column each for the decision, who, when and the
/// comment, or (narrow) one column for all four. The last column's width
/// is what its text wraps to.
struct Cols {
    step_w: u16,
    who_w: u16,
    wide: bool,
    /// The width of the comment column (wide) or of the shared one.
    last_w: usize,
}

impl Cols {
    fn of(rows: &[SignoffRow], width: u16) -> Cols {
        let step_w = rows
            .iter()
            .map(|r| r.plan.id.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 20) as u16;
        let who_w = rows
            .iter()
            .filter_map(|r| r.decision.map(|d| d.by.person().chars().count()))
            .max()
            .unwrap_or(11)
            .clamp(11, 20) as u16;
        // Wide when the comment keeps at least 20 columns.
        let fixed = step_w + 1 + 9 + 1 + 11 + 1 + who_w + 1 + 8 + 1;
        let wide = width >= fixed + 20;
        let last_w = if wide {
            width - fixed
        } else {
            width.saturating_sub(step_w + 1 + 9 + 1)
        };
        Cols {
            step_w,
            who_w,
            wide,
            last_w: usize::from(last_w).max(1),
        }
    }
}

/// One row's cells as text: the decision's mark and word, who, when and
/// the comment (or reason), whole.
struct Decided {
    text: &'static str,
    tone: Tone,
    who: String,
    when: String,
    comment: String,
}

impl Decided {
    fn of(st: &SessionState, r: &SignoffRow) -> Decided {
        let waiting = !st.pending_requires(r.plan).is_empty();
        match r.decision {
            Some(d) => Decided {
                text: if d.approve {
                    "✔ approved"
                } else {
                    "⛔ rejected"
                },
                tone: if d.approve { Tone::Ok } else { Tone::Bad },
                who: d.by.person().into_owned(),
                when: short_time(&d.by.at).to_string(),
                comment: d.comment.clone().unwrap_or_default(),
            },
            None => Decided {
                text: if waiting { "· waiting" } else { "○ pending" },
                tone: if waiting { Tone::Dim } else { Tone::Warn },
                who: String::new(),
                when: String::new(),
                comment: String::new(),
            },
        }
    }

    /// The shared column's text (narrow): the word, then who, when and
    /// the comment.
    fn joined(&self) -> String {
        let mut out = self.text.to_string();
        for part in [&self.who, &self.when, &self.comment] {
            if !part.is_empty() {
                out.push_str(if out == self.text { " " } else { " · " });
                out.push_str(part);
            }
        }
        out
    }

    /// The last column's lines: the comment (wide) or everything
    /// (narrow), wrapped to its width.
    fn lines(&self, cols: &Cols) -> Vec<String> {
        let text = if cols.wide {
            self.comment.clone()
        } else {
            self.joined()
        };
        if text.chars().count() <= cols.last_w {
            vec![text]
        } else {
            wrap(&text, cols.last_w)
        }
    }
}

/// The rows a row takes (its last column wrapped).
fn row_heights(st: &SessionState, rows: &[SignoffRow], cols: &Cols) -> Vec<u16> {
    rows.iter()
        .map(|r| {
            u16::try_from(Decided::of(st, r).lines(cols).len())
                .unwrap_or(1)
                .max(1)
        })
        .collect()
}

impl Signoff {
    /// The height the pane wants beside the Checklist, `width` wide: its
    /// rows (comments wrapped), their header, the release lines and the
    /// frame, within a third of `body`.
    pub fn wanted_height(&self, ctx: &Ctx, body: u16, width: u16) -> u16 {
        let inside = width.saturating_sub(2);
        let (rows, st) = match ctx.state() {
            Some(st) => (signoff_rows(st), st),
            None => return 4,
        };
        let cols = Cols::of(&rows, inside);
        let rows: u16 = row_heights(st, &rows, &cols).iter().sum();
        let extra = rows_for(&release_lines(ctx), inside);
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
    let (rows_area, release_area) = split(area, rows_for(&release, inner(area).width));
    let inside = Rect {
        height: inner(area).height.saturating_sub(release_area.height),
        ..inner(area)
    };
    frame.render_widget(
        Paragraph::new(release).wrap(Wrap { trim: true }),
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
    let cols = Cols::of(&rows, inside.width);
    let heights = row_heights(st, &rows, &cols);
    let start = crate::tui::ctx::window_rows(&heights, selected, rows_area.height);
    drawn.rows = rows_area;
    drawn.first = start;
    drawn.len = rows.len();
    drawn.heights = crate::tui::ctx::heights_on_screen(&heights, start, rows_area.height);
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(usize::from(rows_area.height))
        .map(|(i, r)| {
            let d = Decided::of(st, r);
            let selected = i == selected && focused;
            let sel = |s| if selected { theme.selected } else { s };
            let lines: Vec<Line> = d.lines(&cols).into_iter().map(Line::raw).collect();
            let height = u16::try_from(lines.len()).unwrap_or(1).max(1);
            let mut cells = vec![
                Cell::from(Line::raw(r.plan.id.as_str())),
                Cell::from(Line::styled(r.role, sel(theme.accent))),
            ];
            if cols.wide {
                cells.push(Cell::from(Line::styled(d.text, sel(theme.tone(d.tone)))));
                cells.push(Cell::from(Line::raw(d.who.clone())));
                cells.push(Cell::from(Line::styled(d.when.clone(), sel(theme.dim))));
                cells.push(Cell::from(Text::from(lines)));
            } else {
                // The word keeps its tone on the first line.
                let mut lines = lines;
                if let Some(first) = lines.first_mut()
                    && let Some(rest) = first.spans.first().map(|s| s.content.to_string())
                    && let Some(tail) = rest.strip_prefix(d.text)
                {
                    *first = Line::from(vec![
                        Span::styled(d.text, sel(theme.tone(d.tone))),
                        Span::raw(tail.to_string()),
                    ]);
                }
                cells.push(Cell::from(Text::from(lines)));
            }
            Row::new(cells)
                .height(height)
                .style(if selected { theme.selected } else { theme.base })
        })
        .collect();
    let (widths, header) = if cols.wide {
        (
            vec![
                Constraint::Length(cols.step_w),
                Constraint::Length(9),
                Constraint::Length(11),
                Constraint::Length(cols.who_w),
                Constraint::Length(8),
                Constraint::Fill(1),
            ],
            vec!["step", "role", "decision", "who", "when", "comment"],
        )
    } else {
        (
            vec![
                Constraint::Length(cols.step_w),
                Constraint::Length(9),
                Constraint::Fill(1),
            ],
            vec!["step", "role", "decision · who · when · comment"],
        )
    };
    let table = Table::new(body, widths)
        .header(Row::new(header).style(theme.dim))
        .column_spacing(1);
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
