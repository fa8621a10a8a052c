//! The frame: the screen (the start screen, or the header, the four
//! panes, the status line and the keys), then the overlays bottom to top,
//! each drawn by its own component. Pure: it reads the app, and returns
//! the [`Layout`] it drew (television's model), which the app keeps for
//! the mouse and for scrolling.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as Split, Rect};
use ratatui::widgets::Block;

use super::{App, Screen};
use crate::tui::keymap::{Hint, KeyAction};
use crate::tui::overlay;
use crate::tui::pane::Drawn;
use crate::tui::place::{Pane, Place};
use crate::tui::ui::{self, footer, header::Header};

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
    frame.render_widget(Block::new().style(theme.base), area);
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
    let [body, status, keys] = Split::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    match app.screen {
        Screen::Start => app.start.draw(frame, body, &ctx, &app.repo_name),
        Screen::Main => {
            let [top, panes] =
                Split::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body);
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
        theme,
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

/// The four panes (or the focused one, zoomed) in `body`.
fn draw_panes(frame: &mut Frame, body: Rect, app: &App) -> Vec<(Pane, Drawn)> {
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
    let [left, right] =
        Split::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let signoff_h = p.signoff.wanted_height(&ctx, body.height);
    let [checklist, signoff] =
        Split::vertical([Constraint::Fill(1), Constraint::Length(signoff_h)]).areas(left);
    let mut shown = vec![(Pane::Checklist, checklist), (Pane::Signoff, signoff)];
    if app.is_train() {
        // A train's components beside the checklist, above the canary
        // and the logs.
        let [train, canary, logs] = Split::vertical([
            Constraint::Percentage(40),
            Constraint::Percentage(30),
            Constraint::Percentage(30),
        ])
        .areas(right);
        shown.extend([
            (Pane::Train, train),
            (Pane::Canary, canary),
            (Pane::Logs, logs),
        ]);
    } else {
        let [canary, logs] =
            Split::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
        shown.extend([(Pane::Canary, canary), (Pane::Logs, logs)]);
    }
    shown
        .into_iter()
        .map(|(pane, area)| (pane, one(frame, pane, area)))
        .collect()
}
