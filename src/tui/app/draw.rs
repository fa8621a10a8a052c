//! The frame: the screen (the start screen, or the header, the four
//! panes, the status line and the keys), then the overlays bottom to top,
//! each drawn by its own component. Pure: it reads the app, and returns
//! the [`Layout`] it drew (television's model), which the app keeps for
//! the mouse and for scrolling.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as Split, Rect};

use super::{App, Screen};
use crate::tui::keymap::{Hint, KeyAction};
use crate::tui::overlay;
use crate::tui::pane::Drawn;
use crate::tui::place::{Pane, Place};
use crate::tui::ui::{self, SizeClass, footer, header::Header};

/// What a frame drew.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// The whole screen.
    pub area: Rect,
    /// The main screen's panes (none on the start screen, or when the
    /// terminal is too small). A hidden pane (zoom) is not listed.
    pub panes: Vec<(Pane, Drawn)>,
    /// The top overlay: how deep the stack was, where its keys are read,
    /// and what it showed.
    pub overlay: Option<(usize, Place, overlay::Drawn)>,
}

impl Layout {
    /// What the frame showed of `pane`, if it showed it.
    pub fn pane(&self, pane: Pane) -> Option<&Drawn> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, d)| d)
    }
}

/// Draw the whole screen; the layout drawn.
pub fn draw(frame: &mut Frame, app: &App) -> Layout {
    let area = frame.area();
    let theme = &app.theme;
    let ctx = app.ctx();
    let mut layout = Layout {
        area,
        ..Layout::default()
    };
    // The theme's base style on every cell, once: the panes draw on it
    // and do not style their areas again (see `ui::PaneFrame`).
    for cell in frame.buffer_mut().content.iter_mut() {
        cell.set_style(theme.base);
    }
    if ui::too_small(area) {
        ui::draw_too_small(frame, area, theme, &app.keymap.label(KeyAction::Quit));
        ui::scrub(frame.buffer_mut());
        return layout;
    }
    let hints = match app.overlays.top() {
        Some(o) => o.hints(&ctx),
        None if app.screen == Screen::Start => app.start.hints(&ctx, app.session.is_some()),
        // After a refusal its way out comes first, where it is seen even
        // when the status line is cut.
        None if app.offer.is_some() => {
            let mut h = vec![Hint::of(
                &app.keymap,
                KeyAction::Override,
                "override, with a reason",
            )];
            h.extend(app.panes.get(app.focus).hints(&ctx));
            h
        }
        None => app.panes.get(app.focus).hints(&ctx),
    };
    let class = SizeClass::of(area);
    let status_h = if area.height >= 20 {
        footer::status_rows(app.status.as_ref(), area.width)
    } else {
        1
    };
    let [body, status, keys] = Split::vertical([
        Constraint::Fill(1),
        Constraint::Length(status_h),
        Constraint::Length(1),
    ])
    .areas(area);
    match app.screen {
        Screen::Start => app.start.draw(frame, body, &ctx, &app.repo_name),
        Screen::Main => {
            let next = app.next_action();
            // Two rows when it is longer than one (and the screen is not
            // the smallest), so its key is never cut.
            // Two rows when it is longer than one and the screen has the
            // rows; on the smallest, one row, shortened keeping its key.
            let long = |n: &crate::tui::next::Next| {
                n.text.chars().count() + NEXT_LABEL > usize::from(body.width)
            };
            let next_h = match &next {
                Some(_) if body.height < 12 => 0,
                Some(n) if long(n) && class != SizeClass::Minimum && body.height >= 20 => 2,
                Some(_) => 1,
                None => 0,
            };
            let [top, next_area, panes] = Split::vertical([
                Constraint::Length(1),
                Constraint::Length(next_h),
                Constraint::Fill(1),
            ])
            .areas(body);
            if let Some(mut n) = next.filter(|_| next_h > 0) {
                if next_h == 1 {
                    let room = usize::from(body.width).saturating_sub(NEXT_LABEL);
                    n.text = crate::tui::next::shorten(&n.text, room);
                }
                draw_next(frame, next_area, &n, app.flash, theme);
            }
            Header {
                repo_name: &app.repo_name,
                session: app.session.as_ref(),
                who: app.person().map_or("nobody", |m| m.name.as_str()),
                now: app.now,
                sync: &app.sync,
            }
            .draw(frame, top, theme);
            layout.panes = draw_panes(frame, panes, app);
        }
    }
    footer::draw_status(
        frame,
        status,
        app.status.as_ref(),
        &app.warnings,
        app.session.as_ref(),
        (theme, &app.keymap.label(KeyAction::Messages)),
    );
    footer::draw_keys(frame, keys, hints, theme);
    let help = if app
        .overlays
        .iter()
        .any(|o| matches!(o, overlay::Overlay::Help(_)))
    {
        app.help_sections()
    } else {
        Vec::new()
    };
    let depth = app.overlays.len();
    for o in app.overlays.iter() {
        let drawn = o.draw(frame, area, &ctx, &help);
        layout.overlay = Some((depth, o.place(), drawn));
    }
    ui::scrub(frame.buffer_mut());
    layout
}

/// The width of the next-action line's label, " next ▸ ".
const NEXT_LABEL: usize = 8;

/// The next-action line: "next: …", reversed while it flashes (a wait
/// ended).
fn draw_next(
    frame: &mut Frame,
    area: Rect,
    next: &crate::tui::next::Next,
    flash: bool,
    theme: &crate::tui::theme::Theme,
) {
    use ratatui::style::Modifier;
    use ratatui::text::{Line, Span};
    let tone = theme.tone(next.tone);
    let (label, text) = if flash {
        (
            theme.key.add_modifier(Modifier::REVERSED),
            tone.add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    } else {
        (theme.key, tone)
    };
    let line = Line::from(vec![
        Span::styled(" next ▸ ", label),
        Span::styled(next.text.clone(), text),
    ]);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(line)
            .style(theme.base)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// The panes (or the focused one, zoomed) in `body`, laid out for the
/// size class (see [`pane_areas`]).
fn draw_panes(frame: &mut Frame, body: Rect, app: &App) -> Vec<(Pane, Drawn)> {
    let class = SizeClass::of(frame.area());
    let ctx = app.ctx();
    let p = &app.panes;
    let focused = |pane: Pane| app.focus == pane;
    let one = |frame: &mut Frame, pane: Pane, area: Rect| -> Drawn {
        match pane {
            Pane::Checklist => p.checklist.draw(frame, area, &ctx, focused(pane)),
            Pane::Signoff => p.signoff.draw(frame, area, &ctx, focused(pane)),
            Pane::Canary => p.canary.draw(frame, area, &ctx, focused(pane)),
            Pane::Logs => p.logs.draw(frame, area, &ctx, focused(pane)),
            Pane::Train => p.train.draw(frame, area, &ctx, focused(pane)),
        }
    };
    if app.zoom {
        return vec![(app.focus, one(frame, app.focus, body))];
    }
    let shown = Pane::shown(app.is_train());
    let empty: Vec<Pane> = shown
        .iter()
        .copied()
        .filter(|pane| *pane != app.focus && !p.get(*pane).has_content(&ctx))
        .collect();
    let signoff_h = p
        .signoff
        .wanted_height(&ctx, body.height, left_width(body, class));
    pane_areas(body, class, &shown, app.focus, &empty, signoff_h)
        .into_iter()
        .map(|(pane, area)| {
            let drawn = one(frame, pane, area);
            if area.height == 1 {
                collapse_line(frame, area);
            }
            (pane, drawn)
        })
        .collect()
}

/// A pane drawn one row high is its title line: straight ends instead of
/// the frame's corners.
fn collapse_line(frame: &mut Frame, area: Rect) {
    let buf = frame.buffer_mut();
    for x in [area.left(), area.right().saturating_sub(1)] {
        if let Some(cell) = buf.cell_mut((x, area.y)) {
            cell.set_symbol("─");
        }
    }
}

/// The left column's width (Checklist, Sign-off) in two-column classes:
/// at 120x40 (Medium) 55 % (half at 100 columns), so the Checklist keeps its owner column and
/// room for a step's name in what a step waits on; from 160 columns
/// (Wide) 45 % (at least 80), so the Canary and Logs get the width their
/// charts and lines use. The whole body in one-column classes.
pub fn left_width(body: Rect, class: SizeClass) -> u16 {
    match class {
        SizeClass::Wide => (body.width * 45 / 100).max(80).min(body.width),
        // Half at 100 columns, growing to 55 % at 120 and beyond.
        SizeClass::Medium => {
            let w = body.width;
            (w / 2 + w.saturating_sub(100) * 3 / 10).min(w * 55 / 100)
        }
        _ => body.width,
    }
}

/// Where each pane goes, by size class ([`SizeClass`]):
///
/// - Wide (160 columns and more) and Medium (120x40): two columns, the
///   Checklist (and the Sign-off pane under it) on the left, the Canary
///   and the Logs on the right (under the Train pane, in a release
///   train's session), the left [`left_width`] wide;
/// - Compact (80x24) and Minimum (the 60x16 minimum): one column, the
///   focused pane with the rows, every other pane on its title line
///   (`tab` opens it).
///
/// Panes in `empty` (nothing to show) get their title line only, in
/// every class. The one-column classes follow `shown` (in
/// [`Pane::ORDER`]), so a new pane slots in there; the two-column ones
/// name their places.
pub fn pane_areas(
    body: Rect,
    class: SizeClass,
    shown: &[Pane],
    focus: Pane,
    empty: &[Pane],
    signoff_h: u16,
) -> Vec<(Pane, Rect)> {
    let is_empty = |p: Pane| empty.contains(&p);
    if class.one_column() {
        let rows: Vec<Constraint> = shown
            .iter()
            .map(|p| {
                if *p == focus {
                    Constraint::Fill(1)
                } else {
                    Constraint::Length(1)
                }
            })
            .collect();
        let areas = Split::vertical(rows).split(body);
        return shown.iter().copied().zip(areas.iter().copied()).collect();
    }
    let [left, right] = Split::horizontal([
        Constraint::Length(left_width(body, class)),
        Constraint::Fill(1),
    ])
    .areas(body);
    let signoff_h = if is_empty(Pane::Signoff) {
        1
    } else {
        signoff_h
    };
    let [checklist, signoff] =
        Split::vertical([Constraint::Fill(1), Constraint::Length(signoff_h)]).areas(left);
    let (canary_c, logs_c) = match (is_empty(Pane::Canary), is_empty(Pane::Logs)) {
        (true, false) => (Constraint::Length(1), Constraint::Fill(1)),
        (false, true) => (Constraint::Fill(1), Constraint::Length(1)),
        _ => (Constraint::Percentage(50), Constraint::Percentage(50)),
    };
    let mut out = vec![(Pane::Checklist, checklist), (Pane::Signoff, signoff)];
    let right = if shown.contains(&Pane::Train) {
        // A train's components above the canary and the logs.
        let [train, rest] =
            Split::vertical([Constraint::Percentage(40), Constraint::Fill(1)]).areas(right);
        out.push((Pane::Train, train));
        rest
    } else {
        right
    };
    let [canary, logs] = Split::vertical([canary_c, logs_c]).areas(right);
    out.extend([(Pane::Canary, canary), (Pane::Logs, logs)]);
    out
}
