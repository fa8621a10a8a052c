//! The Checklist's draw: one row per step (state icon and word, owner,
//! what it waits on, notes) and the selected step's details (for a
//! canary step, the live verdict from the context's glance).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use super::Checklist;
use crate::canary::Verdict;
use crate::canary::explain::num;
use crate::session::state::StepState;
use crate::session::{PlanStep, SessionState, StepStatus};
use crate::tui::ctx::{Ctx, heights_on_screen, window_rows};
use crate::tui::pane::Drawn;
use crate::tui::place::Pane;
use crate::tui::theme::{Theme, Tone};
use crate::tui::ui::{
    Lines, inner, pane_block, row_style, short_time, table_rows, verdict_mark, wrap_lines,
};

/// Wide panes put the details beside the list, others below it.
const BESIDE_WIDTH: u16 = 110;

/// Inside a checklist pane, for a list of `want` rows (header included):
/// the table and the details.
fn areas(area: Rect, want: u16) -> (Rect, Rect) {
    let inside = inner(area);
    if inside.width == 0 || inside.height == 0 {
        return (inside, Rect::new(inside.x, inside.y, 0, 0));
    }
    if inside.width >= BESIDE_WIDTH {
        let [list, details] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(inside);
        return (list, details);
    }
    let list_h = want.min(inside.height);
    let [list, details] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Fill(1)]).areas(inside);
    (list, details)
}

/// The most rows the list takes above the details: three fifths of the
/// inside, so the details keep room; when `whole` (every row shown whole
/// with what it waits on), all but [`DETAILS_MIN`] rows.
fn list_cap(inside: Rect, whole: bool) -> u16 {
    let cap = if inside.width >= BESIDE_WIDTH {
        inside.height
    } else if whole {
        inside.height.saturating_sub(DETAILS_MIN)
    } else {
        0
    };
    cap.max((inside.height * 3 / 5).max(3)).min(inside.height)
}

/// The rows the details keep under a list shown whole: the selected
/// step's state, owner, requirements and the start of its description.
const DETAILS_MIN: u16 = 8;

pub fn tone_of(st: &StepState, waiting: bool) -> Tone {
    match st.status {
        StepStatus::Done => Tone::Ok,
        StepStatus::Skipped => Tone::Dim,
        StepStatus::InProgress => Tone::Accent,
        StepStatus::Failed | StepStatus::Rejected | StepStatus::RollbackFailed => Tone::Bad,
        StepStatus::RolledBack => Tone::Warn,
        StepStatus::Pending if waiting => Tone::Dim,
        StepStatus::Pending => Tone::Normal,
    }
}

impl Checklist {
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) -> Drawn {
        let mut drawn = Drawn {
            area,
            ..Drawn::default()
        };
        if area.is_empty() {
            return drawn;
        }
        let theme = ctx.theme;
        let extra = ctx
            .state()
            .map(|s| {
                let (d, t) = s.progress();
                format!("{d}/{t}")
            })
            .unwrap_or_default();
        frame.render_widget(
            pane_block(Pane::Checklist.title(), extra, focused, theme),
            area,
        );
        let Some(st) = ctx.state() else {
            return drawn;
        };
        let n = st.steps.len();
        // Columns by priority: icon, step and state (with what it waits
        // on) always; the owner while the state keeps room for a step's
        // name (the Details name it otherwise).
        let id_w = st
            .plan
            .steps
            .iter()
            .map(|p| p.id.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 24) as u16;
        let inside = inner(area);
        let list_w = if inside.width >= BESIDE_WIDTH {
            inside.width / 2
        } else {
            inside.width
        };
        let fixed = 2 + 1 + id_w + 1;
        let owner = list_w >= fixed + 10 + STATE_MIN;
        let state_w = usize::from(list_w.saturating_sub(fixed + if owner { 10 } else { 0 })).max(1);
        let cells: Vec<StateCell> = st
            .plan
            .steps
            .iter()
            .zip(&st.steps)
            .map(|(p, s)| StateCell::of(st, p, s))
            .collect();
        // Every row wrapped to show all of its state when the list has
        // room for that; else only the selected one, the others cut
        // between names with a count (the Details have them whole).
        let full: Vec<u16> = cells.iter().map(|c| c.rows(state_w)).collect();
        let all_rows: u16 = full.iter().sum();
        let wrap_all = all_rows < list_cap(inside, true);
        let heights: Vec<u16> = full
            .iter()
            .enumerate()
            .map(|(i, h)| {
                if wrap_all || i == self.selected {
                    *h
                } else {
                    1
                }
            })
            .collect();
        let want = heights.iter().sum::<u16>() + 1;
        let (list, details) = areas(area, want.min(list_cap(inside, wrap_all)));
        let rows_area = table_rows(list);
        let start = window_rows(&heights, self.selected, rows_area.height);
        drawn.rows = rows_area;
        drawn.first = start;
        drawn.len = n;
        drawn.heights = heights_on_screen(&heights, start, rows_area.height);
        let cols = Cols { owner, state_w };
        let rows: Vec<Row> = st
            .plan
            .steps
            .iter()
            .zip(&cells)
            .enumerate()
            .skip(start)
            .take(drawn.heights.len().max(usize::from(rows_area.height)))
            .map(|(i, (p, c))| {
                let sel = (i == self.selected, focused);
                step_row(p, c, sel, heights[i], cols, theme)
            })
            .collect();
        let mut widths = vec![Constraint::Length(2), Constraint::Length(id_w)];
        let mut header = vec!["", "step"];
        if owner {
            widths.push(Constraint::Length(9));
            header.push("owner");
        }
        widths.push(Constraint::Fill(1));
        header.push("state · waits on · notes");
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(theme.dim))
            .column_spacing(1);
        frame.render_widget(table, list);
        if let (Some(p), Some(s)) = (
            st.plan.steps.get(self.selected),
            st.steps.get(self.selected),
        ) {
            let beside = inner(area).width >= BESIDE_WIDTH;
            draw_details(frame, details, beside, st, p, s, ctx);
        }
        drawn
    }
}

/// The narrowest the state column gets before the owner column makes
/// way for it: room for "waits on " and a step's name.
const STATE_MIN: u16 = 24;

/// Which optional columns the list shows.
#[derive(Clone, Copy)]
struct Cols {
    owner: bool,
    /// The width of the "state · waits on · notes" column.
    state_w: usize,
}

/// A step's state cell: its state (or what it waits on), the risky mark
/// and its notes, whole; cut or wrapped to the column at draw time.
struct StateCell {
    icon: &'static str,
    tone: Tone,
    /// "done", "ready", … (none when it waits on steps: the names say it).
    word: &'static str,
    /// The steps it waits on.
    waits: Vec<String>,
    /// "⚠ confirm", "✎2".
    marks: Vec<String>,
}

impl StateCell {
    fn of(st: &SessionState, p: &PlanStep, s: &StepState) -> StateCell {
        let pending = st.pending_requires(p);
        let waiting = !pending.is_empty() && !s.status.is_settled();
        let (icon, word) = s.mark(!pending.is_empty());
        let mut marks = Vec::new();
        if p.confirm && !s.status.is_settled() {
            marks.push("⚠ confirm".to_string());
        }
        let notes = st
            .notes
            .iter()
            .filter(|n| n.step.as_deref() == Some(&p.id))
            .count();
        if notes > 0 {
            marks.push(format!("✎{notes}"));
        }
        StateCell {
            icon,
            tone: tone_of(s, !pending.is_empty()),
            word,
            waits: if waiting {
                pending.iter().map(|n| n.to_string()).collect()
            } else {
                Vec::new()
            },
            marks,
        }
    }

    /// The whole text, on one line.
    fn whole(&self) -> String {
        let mut parts = Vec::with_capacity(1 + self.marks.len());
        if self.waits.is_empty() {
            parts.push(self.word.to_string());
        } else {
            parts.push(format!("waits on {}", self.waits.join(", ")));
        }
        parts.extend(self.marks.iter().cloned());
        parts.join(" · ")
    }

    /// Its words for wrapping: a mark stays whole with the " · " before
    /// it ("⚠ confirm" never splits).
    fn words(&self) -> Vec<String> {
        let mut out: Vec<String> = if self.waits.is_empty() {
            self.word.split(' ').map(str::to_string).collect()
        } else {
            let mut w = vec!["waits".to_string(), "on".to_string()];
            let last = self.waits.len() - 1;
            w.extend(
                self.waits
                    .iter()
                    .enumerate()
                    .map(|(i, n)| if i < last { format!("{n},") } else { n.clone() }),
            );
            w
        };
        out.extend(self.marks.iter().map(|m| format!("· {m}")));
        out
    }

    /// Its lines wrapped to `width`, between words (a word longer than
    /// the width is cut by the table).
    fn wrapped(&self, width: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for w in self.words() {
            if !line.is_empty() && line.chars().count() + 1 + w.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&w);
        }
        lines.push(line);
        lines
    }

    /// Rows it takes wrapped to `width`.
    fn rows(&self, width: usize) -> u16 {
        let text = self.whole();
        if text.chars().count() <= width {
            1
        } else {
            u16::try_from(self.wrapped(width).len()).unwrap_or(u16::MAX)
        }
    }

    /// Its lines in `width` columns, at most `rows` of them: wrapped when
    /// it has the rows, else one line cut between names with a count.
    fn lines(&self, width: usize, rows: u16) -> Vec<String> {
        let text = self.whole();
        if text.chars().count() <= width {
            return vec![text];
        }
        if rows > 1 {
            return self.wrapped(width);
        }
        let marks: usize = self.marks.iter().map(|m| m.chars().count() + 3).sum();
        let mut out = if self.waits.is_empty() {
            self.word.to_string()
        } else {
            let room = width.saturating_sub(marks + "waits on ".len());
            format!("waits on {}", fit_names(&self.waits, room))
        };
        for m in &self.marks {
            out.push_str(" · ");
            out.push_str(m);
        }
        vec![out]
    }
}

/// Ids joined to fit `width` columns: as many as fit, then "+N" for the
/// rest, so a long list is cut between names, never inside one.
fn fit_names(names: &[String], width: usize) -> String {
    let n = names.len();
    for k in (1..=n).rev() {
        let mut s = names[..k].join(", ");
        if k < n {
            s.push_str(&format!(" +{}", n - k));
        }
        if s.chars().count() <= width {
            return s;
        }
    }
    // Not even one name fits: cut it, keeping the count.
    let more = if n > 1 {
        format!(" +{}", n - 1)
    } else {
        String::new()
    };
    let room = width.saturating_sub(more.chars().count() + 1);
    let first: String = names
        .first()
        .map(|f| f.chars().take(room).collect())
        .unwrap_or_default();
    format!("{first}…{more}")
}

fn step_row<'a>(
    p: &'a PlanStep,
    c: &StateCell,
    (selected, focused): (bool, bool),
    height: u16,
    cols: Cols,
    theme: &Theme,
) -> Row<'a> {
    let tone = theme.tone(c.tone);
    let focused_sel = selected && focused;
    let style = if focused_sel {
        theme.selected
    } else if selected {
        theme
            .base
            .add_modifier(ratatui::style::Modifier::BOLD | ratatui::style::Modifier::UNDERLINED)
    } else {
        row_style(false, theme)
    };
    let cell_style = |s: Style| if focused_sel { theme.selected } else { s };
    // The state word in its tone; what it waits on and the marks dimmed
    // (they follow the word, or are the whole cell).
    let state_style = if c.waits.is_empty() {
        cell_style(tone)
    } else {
        cell_style(theme.dim)
    };
    let lines: Vec<Line> = c
        .lines(cols.state_w, height)
        .into_iter()
        .map(|l| Line::styled(l, state_style))
        .collect();
    let height = u16::try_from(lines.len()).unwrap_or(1).max(1);
    let mut cells = vec![
        Cell::from(Line::styled(c.icon, cell_style(tone))),
        Cell::from(Line::raw(p.id.as_str())),
    ];
    if cols.owner {
        cells.push(Cell::from(Line::styled(
            p.owner.clone(),
            cell_style(theme.dim),
        )));
    }
    cells.push(Cell::from(Text::from(lines)));
    Row::new(cells).height(height).style(style)
}

/// Description text as flowing paragraphs: single newlines join lines, a
/// blank line starts a new paragraph.
fn reflow(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|para| {
            para.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect()
}

fn draw_details(
    frame: &mut Frame,
    area: Rect,
    beside: bool,
    st: &SessionState,
    p: &PlanStep,
    s: &StepState,
    ctx: &Ctx,
) {
    if area.is_empty() {
        return;
    }
    let theme = ctx.theme;
    // Below the list: a rule on top; beside it (wide panes): a rule left.
    let block = Block::new()
        .borders(if beside { Borders::LEFT } else { Borders::TOP })
        .border_style(theme.border)
        .title(Span::styled(" Details ", theme.dim));
    let inside = block.inner(area);
    frame.render_widget(block, area);
    let pending = st.pending_requires(p);
    let (icon, word) = s.mark(!pending.is_empty());
    let tone = theme.tone(tone_of(s, !pending.is_empty()));
    let label = |t: &'static str| Span::styled(t, theme.dim);
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(vec![
        Span::styled(format!("{icon} {word}"), tone),
        Span::raw("  "),
        Span::styled(p.title.clone(), theme.title),
    ]));
    let mut who = format!("{} · owner {}", p.kind, p.owner);
    if !p.with.is_empty() {
        who.push_str(&format!(" with {}", p.with.join(", ")));
    }
    if p.is_signoff() {
        who.push_str(&format!(" · needs {}", p.roles.join(" and ")));
    }
    lines.push(Line::styled(who, theme.dim));
    if p.confirm {
        lines.push(Line::styled(
            "⚠ risky: asks for confirmation before it starts",
            theme.warn,
        ));
    }
    if !p.requires.is_empty() {
        let mut spans = vec![label("requires ")];
        for r in &p.requires {
            let (ri, rt) = match (st.step(r), st.plan.step(r)) {
                (Some(rs), Some(rp)) => {
                    let w = !st.pending_requires(rp).is_empty();
                    (rs.mark(w).0, theme.tone(tone_of(rs, w)))
                }
                _ => ("?", theme.dim),
            };
            spans.push(Span::styled(format!("{ri} {r}  "), rt));
        }
        lines.push(Line::from(spans));
    }
    if !pending.is_empty() {
        // Whole, whatever the list's column had room for.
        lines.push(Line::from(vec![
            label("waits on "),
            Span::styled(pending.join(", "), theme.warn),
        ]));
    }
    // Every decision of a sign-off, with its comment or reason in full.
    for d in s.latest_decisions() {
        let (mark, word, tone) = if d.approve {
            ("✔", "approved", theme.ok)
        } else {
            ("⛔", "rejected", theme.bad)
        };
        let why = d
            .comment
            .as_deref()
            .map(|c| format!(": {c}"))
            .unwrap_or_default();
        lines.push(Line::styled(
            format!(
                "{mark} {word} as {} by {} at {}{why}",
                d.role,
                d.by.person(),
                short_time(&d.by.at)
            ),
            tone,
        ));
    }
    for e in &p.evidence {
        lines.push(Line::from(vec![label("evidence "), Span::raw(e.clone())]));
    }
    if let Some(r) = &p.run {
        lines.push(Line::from(vec![label("run      "), Span::raw(r.clone())]));
    }
    if let Some(r) = &p.rollback {
        lines.push(Line::from(vec![label("rollback "), Span::raw(r.clone())]));
    }
    lines.extend(canary_details(ctx, st, p));
    if let Some(b) = &s.started
        && !p.is_signoff()
    {
        lines.push(Line::styled(
            format!("started by {} at {}", b.person(), short_time(&b.at)),
            theme.dim,
        ));
    }
    if s.status == StepStatus::Done
        && let Some(c) = s.completed.last()
    {
        let note = s
            .completion_note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        lines.push(Line::styled(
            format!("done by {} at {}{note}", c.person(), short_time(&c.at)),
            theme.ok,
        ));
    }
    if let Some((b, why)) = &s.skipped {
        lines.push(Line::styled(
            format!("skipped by {} at {}: {why}", b.person(), short_time(&b.at)),
            theme.dim,
        ));
    }
    if let Some((b, why)) = &s.failed {
        lines.push(Line::styled(
            format!("failed by {} at {}: {why}", b.person(), short_time(&b.at)),
            theme.bad,
        ));
    }
    // The deliveries this step caused (a sign-off asked for, a release
    // announced), each attempt with its answer.
    for (by, n) in st
        .notifications
        .iter()
        .filter(|(_, n)| n.step.as_deref() == Some(&p.id))
    {
        let (mark, style) = if n.ok {
            ("✉", theme.dim)
        } else {
            ("✉✘", theme.warn)
        };
        lines.push(Line::styled(
            format!(
                "{mark} {} {} told of {}: {}",
                short_time(&by.at),
                n.target,
                n.moment.replace('_', " "),
                n.result
            ),
            style,
        ));
    }
    for n in st.notes.iter().filter(|n| n.step.as_deref() == Some(&p.id)) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("✎ {} {}: ", short_time(&n.by.at), n.by.person()),
                theme.dim,
            ),
            Span::raw(n.text.clone()),
        ]));
    }
    for para in reflow(&p.description) {
        lines.push(Line::raw(""));
        lines.push(Line::raw(para));
    }
    frame.render_widget(
        Lines(wrap_lines(lines, inside.width, inside.height)),
        inside,
    );
}

/// Lines for the details of a canary step: the live verdict (the
/// context's glance at the Canary pane) and the latest recorded one, so
/// the person completing the step sees what the canary says.
fn canary_details(ctx: &Ctx, st: &SessionState, p: &PlanStep) -> Vec<Line<'static>> {
    if p.kind != "canary" {
        return Vec::new();
    }
    let theme = ctx.theme;
    let mut out = Vec::new();
    let live = ctx.canary;
    match (live.verdict, live.at) {
        (Some(v), Some(at)) => {
            let (icon, word, tone) = verdict_mark(v);
            let score = live
                .score
                .map(|x| format!(" (score {})", num(x)))
                .unwrap_or_default();
            out.push(Line::from(vec![
                Span::styled("canary   ", theme.dim),
                Span::styled(format!("{icon} {word}{score}"), theme.tone(tone)),
                Span::styled(
                    format!(
                        " live at {}{}",
                        short_time(&at.to_string()),
                        if live.stale { " (stale)" } else { "" }
                    ),
                    theme.dim,
                ),
            ]));
        }
        _ if live.configured => {
            out.push(Line::styled("canary   judging…", theme.dim));
        }
        _ => {}
    }
    let weight = st
        .canary
        .weight
        .map_or("weight not set".to_owned(), |w| format!("weight {w}%"));
    let recorded = st.canary.judgements.last().map_or_else(
        || "no judgement recorded yet".to_owned(),
        |(by, j)| {
            format!(
                "recorded {} at {} by {}",
                j.verdict,
                short_time(&by.at),
                by.person()
            )
        },
    );
    out.push(Line::styled(
        format!("         {weight} · {recorded}"),
        theme.dim,
    ));
    if live.verdict == Some(Verdict::Promote) {
        out.push(Line::styled(
            "         a Promote: completing this step is your call",
            Style::default().patch(theme.ok),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fit_names;

    #[test]
    fn waits_on_is_cut_between_names_with_a_count() {
        let names: Vec<String> = ["security-impact", "checklist", "canary"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(fit_names(&names, 60), "security-impact, checklist, canary");
        assert_eq!(fit_names(&names, 30), "security-impact, checklist +1");
        assert_eq!(fit_names(&names, 18), "security-impact +2");
        assert_eq!(fit_names(&names, 10), "securi… +2");
        assert_eq!(fit_names(&names[..1], 8), "securit…");
    }
}
