//! The release around the session: the Notes and Manifest overlays, the
//! Sign-off pane's lines about them (what approvers sign), and the
//! header's audit sync badge.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::prompt::frame_block;
use super::{centered, short_time};
use crate::tui::app::App;
use crate::tui::keymap::KeyAction;
use crate::tui::release::{BadgeWidth, ManifestState, NotesOverlay, manifest_lines};
use crate::tui::theme::Theme;

/// "j/k scroll  esc close" in the keymap's keys, for an overlay's frame.
fn scroll_and_close(app: &App) -> [Span<'static>; 4] {
    let (k, theme) = (&app.keymap, &app.theme);
    [
        Span::styled(
            format!("{}/{} ", k.label(KeyAction::Down), k.label(KeyAction::Up)),
            theme.key,
        ),
        Span::styled("scroll  ", theme.dim),
        Span::styled(format!("{} ", k.label(KeyAction::Cancel)), theme.key),
        Span::styled("close ", theme.dim),
    ]
}

/// The overlay's rectangle: the screen between the header and the
/// status line (which says what just happened), at most 110 wide.
fn overlay_area(area: Rect) -> Rect {
    let w = area.width.saturating_sub(4).min(110);
    Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(3),
        ..centered(area, w, area.height)
    }
}

/// A markdown line, lightly styled: headings stand out, the rest is text.
fn markdown_line<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    if line.starts_with('#') {
        Line::styled(line, theme.title.add_modifier(Modifier::BOLD))
    } else {
        Line::styled(line, theme.base)
    }
}

/// The first visible line for a scroll position: never past the end.
fn clamp_scroll(scroll: u16, len: usize, height: u16) -> usize {
    (scroll as usize).min(len.saturating_sub(height as usize))
}

pub fn draw_notes(frame: &mut Frame, area: Rect, n: &NotesOverlay, app: &App) {
    let theme = &app.theme;
    let rect = overlay_area(area);
    frame.render_widget(Clear, rect);
    let version = app
        .state()
        .and_then(|s| s.version.as_deref())
        .map(|v| format!(" · v{v}"))
        .unwrap_or_default();
    if let Some(ed) = &n.editor {
        let state = if ed.saving {
            "saving…"
        } else if ed.changed() {
            "edited"
        } else {
            "unchanged"
        };
        let block = frame_block(format!("Release notes{version} · editing · {state}"), theme)
            .title_bottom(Line::from(vec![
                Span::styled(" ctrl-s ", theme.key),
                Span::styled("save into the session  ", theme.dim),
                Span::styled("esc ", theme.key),
                Span::styled("leave ", theme.dim),
            ]));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let mut ta = ed.area.clone();
        ta.set_style(theme.base);
        ta.set_cursor_line_style(theme.base);
        ta.set_cursor_style(theme.base.add_modifier(Modifier::REVERSED));
        ta.set_placeholder_style(theme.dim);
        frame.render_widget(&ta, inner);
        return;
    }
    let notes = app.state().and_then(|s| s.release_notes.as_ref());
    let mut keys = match crate::tui::release::not_writable(app) {
        None => vec![
            Span::styled(" e ", theme.key),
            Span::styled("edit  ", theme.dim),
            Span::styled("d ", theme.key),
            Span::styled("draft from the commits  ", theme.dim),
        ],
        Some(_) => vec![Span::styled(" read only  ", theme.dim)],
    };
    keys.extend(scroll_and_close(app));
    let block =
        frame_block(format!("Release notes{version}"), theme).title_bottom(Line::from(keys));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [top, body] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
    let (about, lines): (Line, Vec<Line>) = match notes {
        Some((by, text)) => (
            Line::styled(
                format!(
                    "Set by {} at {} · {} lines · kept in the session's audit trail",
                    by.who.name,
                    short_time(&by.at),
                    text.lines().count()
                ),
                theme.dim,
            ),
            text.lines().map(|l| markdown_line(l, theme)).collect(),
        ),
        None => (
            Line::styled("No release notes in this session yet.", theme.warn),
            vec![
                Line::raw("d drafts them from the commits since the last release"),
                Line::raw("(breaking changes, features, fixes, performance, other),"),
                Line::raw("to edit before saving; e writes them by hand."),
                Line::raw(""),
                Line::styled("Approvers see them here before they sign off.", theme.dim),
            ],
        ),
    };
    let about = if n.drafting {
        Line::styled("Drafting from the commits…", theme.info)
    } else {
        about
    };
    frame.render_widget(Paragraph::new(about).style(theme.base), top);
    let start = clamp_scroll(n.scroll, lines.len(), body.height);
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(start).collect::<Vec<_>>()).style(theme.base),
        body,
    );
}

pub fn draw_manifest(frame: &mut Frame, area: Rect, scroll: u16, selected: usize, app: &App) {
    let theme = &app.theme;
    let rect = overlay_area(area);
    frame.render_widget(Clear, rect);
    let loaded = matches!(app.manifest, ManifestState::Loaded { .. });
    let mut keys = vec![Span::raw(" ")];
    if loaded {
        let k = &app.keymap;
        keys.extend([
            Span::styled(format!("{} ", k.label(KeyAction::Act)), theme.key),
            Span::styled("set the selected version  ", theme.dim),
            Span::styled(
                format!("{}/{} ", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                theme.key,
            ),
            Span::styled("select  ", theme.dim),
            Span::styled(format!("{} ", k.label(KeyAction::Cancel)), theme.key),
            Span::styled("close ", theme.dim),
        ]);
    } else {
        keys.extend(scroll_and_close(app));
    }
    let block = frame_block("Manifest of components".into(), theme).title_bottom(Line::from(keys));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines = manifest_lines(&app.manifest);
    let start = clamp_scroll(scroll, lines.len(), inner.height);
    let chosen = loaded.then_some(crate::tui::release::FIRST_COMPONENT_LINE + selected);
    let shown: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .skip(start)
        .map(|(i, (tone, text))| {
            let style = if Some(i) == chosen {
                theme.selected
            } else {
                theme.tone(tone)
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(shown).style(theme.base), inner);
}

/// What approvers sign besides the steps: the session's release notes
/// and (when the repository has one, or the session is a release train)
/// the manifest. One line each, under the Sign-off pane's rows.
pub fn signoff_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let Some(st) = app.state() else {
        return Vec::new();
    };
    let k = &app.keymap;
    let key = |a: KeyAction| Span::styled(format!(" {}", k.label(a)), theme.key);
    let mut out = Vec::new();
    let notes = match &st.release_notes {
        Some((by, text)) => {
            // An approval given before the notes last changed approved
            // other notes: say so, so nobody signs what they did not read.
            let stale: Vec<String> = crate::tui::app::signoff_rows(st)
                .iter()
                .filter_map(|r| r.decision)
                .filter(|d| d.approve && d.by.lamport < by.lamport)
                .map(|d| d.by.who.name.clone())
                .collect();
            let mut spans = vec![Span::styled("Notes: ", theme.dim)];
            if stale.is_empty() {
                spans.push(Span::styled("✔ ", theme.ok));
                spans.push(Span::raw(format!(
                    "set by {} {} · {} lines",
                    by.who.name,
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
                    by.who.name,
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
    let manifest = match &app.manifest {
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

/// The audit badge at the right end of the header, when there is room:
/// returns the rectangle left for the header's own text.
pub fn draw_sync_badge(frame: &mut Frame, area: Rect, app: &App, text_width: u16) -> Rect {
    if app.session.is_none() {
        return area;
    }
    for width in [BadgeWidth::Long, BadgeWidth::Short, BadgeWidth::Tiny] {
        let Some((text, tone)) = app.sync.badge(app.now, width) else {
            continue;
        };
        let w = text.chars().count() as u16 + 2;
        if text_width + w <= area.width {
            let [left, right] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Length(w)]).areas(area);
            frame.render_widget(
                Paragraph::new(format!(" {text} ")).style(app.theme.tone(tone)),
                right,
            );
            return left;
        }
    }
    area
}
