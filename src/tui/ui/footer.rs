//! The status line (what just happened, or what is ready) and the footer
//! (the keys that work where the focus is).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::hint;
use crate::session::SessionStatus;
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::keymap::KeyAction;

pub fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let line = if let Some(s) = &app.status {
        Line::styled(format!(" {}", s.text), theme.tone(s.tone))
    } else if let Some(w) = app.warnings.first() {
        Line::styled(format!(" ⚠ {w}"), theme.warn)
    } else if let Some(v) = &app.session {
        if let Some(why) = &v.read_only {
            Line::styled(format!(" read-only: {why}"), theme.warn)
        } else if let Some(w) = v.warnings.first() {
            Line::styled(format!(" ⚠ {w}"), theme.warn)
        } else {
            let st = &v.state;
            match st.status {
                SessionStatus::Completed => Line::styled(" ✔ the session is complete", theme.ok),
                SessionStatus::Aborted => Line::styled(
                    format!(" ✘ aborted: {}", st.abort_reason.as_deref().unwrap_or("")),
                    theme.bad,
                ),
                _ => {
                    let ready: Vec<&str> = st.ready_steps().iter().map(|p| p.id.as_str()).collect();
                    Line::from(vec![
                        Span::styled(" ready: ", theme.dim),
                        Span::styled(ready.join(", "), theme.base),
                    ])
                }
            }
        }
    } else {
        Line::raw("")
    };
    frame.render_widget(Paragraph::new(line).style(theme.base), area);
}

/// The hints for the current context, as (action, label).
fn hints(app: &App) -> Vec<(String, &'static str)> {
    let k = &app.keymap;
    let pair = |a: KeyAction, label: &'static str| (k.label(a), label);
    match &app.overlay {
        Some(Overlay::Help) => vec![
            pair(KeyAction::Help, "close"),
            pair(KeyAction::Cancel, "close"),
            (
                format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                "scroll",
            ),
        ],
        Some(Overlay::Prompt(_)) => vec![
            ("enter".into(), "submit"),
            ("esc".into(), "cancel"),
            ("ctrl-u".into(), "clear"),
        ],
        Some(Overlay::Confirm(_)) => vec![("y".into(), "yes"), ("n".into(), "no")],
        Some(Overlay::Notes(n)) if n.editor.is_some() => vec![
            ("ctrl-s".into(), "save into the session"),
            ("esc".into(), "leave the editor"),
        ],
        Some(Overlay::Notes(_)) if crate::tui::release::not_writable(app).is_some() => vec![
            (
                format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                "scroll",
            ),
            pair(KeyAction::Cancel, "close"),
        ],
        Some(Overlay::Notes(_)) => vec![
            ("e".into(), "edit"),
            ("d".into(), "draft from the commits"),
            (
                format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                "scroll",
            ),
            pair(KeyAction::Cancel, "close"),
        ],
        Some(Overlay::Manifest { .. }) => vec![
            pair(KeyAction::Act, "set version"),
            (
                format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                if matches!(
                    app.manifest,
                    crate::tui::release::ManifestState::Loaded { .. }
                ) {
                    "select"
                } else {
                    "scroll"
                },
            ),
            pair(KeyAction::Cancel, "close"),
        ],
        Some(Overlay::People { .. }) => vec![
            (
                format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                "move",
            ),
            pair(KeyAction::Act, "hand over"),
            pair(KeyAction::Cancel, "cancel"),
        ],
        None if app.screen == Screen::Start => {
            let mut v = vec![
                pair(KeyAction::Help, "help"),
                (
                    format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                    "move",
                ),
                pair(KeyAction::Act, "open / start"),
                pair(KeyAction::SwitchPerson, "person"),
            ];
            if app.session.is_some() {
                v.push(pair(KeyAction::Cancel, "back"));
            }
            v.push(pair(KeyAction::Quit, "quit"));
            v
        }
        None if app.focus == crate::tui::app::Pane::Logs => crate::tui::logs_pane::hints(k),
        None => app
            .focus
            .keys()
            .iter()
            // `!` only where there is a switch to flip (the demo).
            .filter(|(a, _)| match a {
                KeyAction::Regression => app.canary_view.regression.is_some(),
                KeyAction::SetWeight | KeyAction::Rollback => app.canary_view.config.is_some(),
                KeyAction::CancelRun if app.focus == crate::tui::app::Pane::Canary => {
                    app.canary_view.running.is_some()
                }
                _ => true,
            })
            .map(|(a, label)| {
                if *a == KeyAction::Down {
                    (
                        format!("{}/{}", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                        *label,
                    )
                } else {
                    (k.label(*a), *label)
                }
            })
            .collect(),
    }
}

/// The hints that fit in `width` columns: the last ones go first, but
/// never `help` and `quit` (help lists the rest).
fn fitting(mut hints: Vec<(String, &'static str)>, width: usize) -> Vec<(String, &'static str)> {
    // " " + "key label  " per hint, as drawn by `hint`.
    let used = |h: &[(String, &str)]| {
        1 + h
            .iter()
            .map(|(k, l)| k.chars().count() + l.chars().count() + 3)
            .sum::<usize>()
    };
    while used(&hints) > width {
        match hints
            .iter()
            .rposition(|(_, l)| !matches!(*l, "help" | "quit"))
        {
            Some(i) => {
                hints.remove(i);
            }
            None => break,
        }
    }
    hints
}

pub fn draw_keys(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in fitting(hints(app), area.width as usize) {
        spans.extend(hint(key, label, theme));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base), area);
}
