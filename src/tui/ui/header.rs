//! The one-line header: repo, version, scenario, progress, elapsed time,
//! and who is at the keyboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::session::{SessionState, SessionStatus};
use crate::tui::app::App;

/// `hh:mm:ss` between the session's start and its end (or `now`).
pub fn elapsed(st: &SessionState, now: Option<jiff::Timestamp>) -> Option<String> {
    let start: jiff::Timestamp = st.started.as_ref()?.at.parse().ok()?;
    let end = match &st.ended {
        Some(e) => e.at.parse().ok()?,
        None => now?,
    };
    let secs = end.as_second().saturating_sub(start.as_second()).max(0);
    Some(format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    ))
}

pub fn text(app: &App, width: u16) -> String {
    let who = app.person().map(|m| m.name.as_str()).unwrap_or("nobody");
    let Some(view) = &app.session else {
        return format!(" greenlight · {} · at the keyboard: {who}", app.repo_name);
    };
    let st = &view.state;
    let (done, total) = st.progress();
    let version = st
        .version
        .as_deref()
        .map(|v| format!(" v{v}"))
        .unwrap_or_default();
    let repo = if st.repo.is_empty() {
        &app.repo_name
    } else {
        &st.repo
    };
    let clock = elapsed(st, app.now).unwrap_or_else(|| "--:--:--".into());
    let mut state = String::new();
    if st.status != SessionStatus::Open {
        state = format!(" · {}", st.status.word());
    }
    if view.read_only.is_some() {
        state.push_str(" · read-only");
    }
    let full = format!(
        " greenlight · {repo}{version} · {} · {done}/{total} steps · {clock}{state} · at the keyboard: {who}",
        st.plan.playbook
    );
    if full.chars().count() <= width as usize {
        return full;
    }
    format!(
        " {repo}{version} · {} · {done}/{total} · {clock}{state} · ⌨ {who}",
        st.plan.playbook
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    // The audit badge takes the right end when it fits beside the short
    // header; the header then uses whatever is left.
    let short = text(app, 0).chars().count() as u16;
    let left = super::release::draw_sync_badge(frame, area, app, short);
    let line = Line::raw(text(app, left.width));
    frame.render_widget(Paragraph::new(line).style(app.theme.header), left);
}
