//! Drawing: `draw(frame, &App)` is a pure function of the state. The
//! layout is computed by `main_layout`, which mouse hit-testing shares.

mod canary;
mod checklist;
mod footer;
mod header;
pub mod help;
mod logs;
mod prompt;
mod release;
mod signoff;
mod source;
mod start;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::app::{App, Overlay, Pane, Screen};
use super::theme::Theme;

/// Below this the screen shows "terminal too small".
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Where everything on the main screen goes. Hidden panes (zoom) get an
/// empty rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainLayout {
    pub header: Rect,
    pub status: Rect,
    pub footer: Rect,
    pub checklist: Rect,
    pub signoff: Rect,
    pub canary: Rect,
    pub logs: Rect,
    /// The checklist's step rows (below the table header).
    pub checklist_rows: Rect,
    /// The selected step's details.
    pub details: Rect,
    /// The sign-off rows (below the table header).
    pub signoff_rows: Rect,
}

impl MainLayout {
    pub fn panes(&self) -> [(Pane, Rect); 4] {
        [
            (Pane::Checklist, self.checklist),
            (Pane::Signoff, self.signoff),
            (Pane::Canary, self.canary),
            (Pane::Logs, self.logs),
        ]
    }
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The main screen's layout, or `None` when the terminal is too small.
pub fn main_layout(area: Rect, app: &App) -> Option<MainLayout> {
    if too_small(area) {
        return None;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let none = Rect::new(body.x, body.y, 0, 0);
    let (mut checklist, mut signoff, mut canary, mut logs) = (none, none, none, none);
    if app.zoom {
        match app.focus {
            Pane::Checklist => checklist = body,
            Pane::Signoff => signoff = body,
            Pane::Canary => canary = body,
            Pane::Logs => logs = body,
        }
    } else {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(body);
        let rows = app.state().map_or(0, |s| super::app::signoff_rows(s).len()) as u16;
        let extra = release::signoff_lines(app).len() as u16;
        let signoff_h = (rows + 3 + extra).clamp(4, (body.height / 3).max(4 + extra));
        [checklist, signoff] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(signoff_h)]).areas(left);
        [canary, logs] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
    }
    let (checklist_rows, details) = checklist::split(checklist, app);
    let signoff_rows = signoff::split(signoff, app).0;
    Some(MainLayout {
        header,
        status,
        footer,
        checklist,
        signoff,
        canary,
        logs,
        checklist_rows,
        details,
        signoff_rows,
    })
}

/// The inside of a bordered pane.
fn inner(area: Rect) -> Rect {
    Block::bordered().inner(area)
}

/// A table's body: everything under its header row.
fn table_rows(area: Rect) -> Rect {
    Rect {
        y: area.y.saturating_add(1).min(area.bottom()),
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// A pane's frame: thick and bright when focused (not by colour alone).
fn pane_block<'a>(title: &'a str, extra: String, focused: bool, theme: &Theme) -> Block<'a> {
    let border = if focused {
        theme.border_focus
    } else {
        theme.border
    };
    let mut spans = vec![Span::styled(format!(" {title} "), theme.title)];
    if !extra.is_empty() {
        spans.push(Span::styled(format!("{extra} "), theme.dim));
    }
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(spans))
}

/// "14:03:11" from an RFC 3339 timestamp.
pub use crate::session::clock_time as short_time;

/// A rectangle of at most `w`x`h`, centred in `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub use canary::{outcome_mark, spark, verdict_mark};

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let theme = &app.theme;
    frame.render_widget(Block::new().style(theme.base), area);
    if too_small(area) {
        draw_too_small(frame, area, theme);
        return;
    }
    match app.screen {
        Screen::Start => start::draw(frame, area, app),
        Screen::Main => {
            if let Some(l) = main_layout(area, app) {
                header::draw(frame, l.header, app);
                checklist::draw(frame, &l, app);
                signoff::draw(frame, l.signoff, l.signoff_rows, app);
                canary::draw(frame, l.canary, app);
                logs::draw(frame, l.logs, app);
                footer::draw_status(frame, l.status, app);
                footer::draw_keys(frame, l.footer, app);
            }
        }
    }
    match &app.overlay {
        Some(Overlay::Help) => help::draw(frame, area, app),
        Some(Overlay::Prompt(p)) => prompt::draw_prompt(frame, area, p, theme),
        Some(Overlay::Confirm(c)) => prompt::draw_confirm(frame, area, c, theme),
        Some(Overlay::People { selected }) => prompt::draw_people(frame, area, *selected, app),
        Some(Overlay::Notes(n)) => release::draw_notes(frame, area, n, app),
        Some(Overlay::Manifest { scroll, selected }) => {
            release::draw_manifest(frame, area, *scroll, *selected, app)
        }
        None => {}
    }
    scrub(frame.buffer_mut());
}

/// The last line of defence for text from outside (journals from other
/// clones, names, notes): no cell reaches the terminal holding a
/// character it would act on instead of showing (see
/// [`crate::text::is_unsafe`]). ratatui drops most controls itself; the
/// direction overrides it keeps would reorder the line. A cell left empty
/// shows `�`, so the columns after it stay where they were drawn.
fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.chars().any(crate::text::is_unsafe) {
            let kept: String = symbol
                .chars()
                .filter(|c| !crate::text::is_unsafe(*c))
                .collect();
            cell.set_symbol(if kept.is_empty() { "\u{fffd}" } else { &kept });
        }
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::styled("Terminal too small", theme.warn),
        Line::raw(format!(
            "{}x{}; greenlight needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::styled("Enlarge the window, or press q to quit.", theme.dim),
    ];
    let h = (text.len() as u16).min(area.height);
    let y = area.y + (area.height - h) / 2;
    let target = Rect::new(area.x, y, area.width, area.height - (y - area.y));
    frame.render_widget(
        Paragraph::new(text)
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(Wrap { trim: true })
            .style(theme.base),
        target,
    );
}

/// Spans for `key label` hints.
fn hint<'a>(key: String, label: &'a str, theme: &Theme) -> [Span<'a>; 2] {
    [
        Span::styled(key, theme.key),
        Span::styled(format!(" {label}  "), theme.dim),
    ]
}

/// Style of a line in the selected row.
fn row_style(selected: bool, theme: &Theme) -> Style {
    if selected { theme.selected } else { theme.base }
}
