//! The one-line header: repo, version, scenario, progress, elapsed time,
//! who is at the keyboard, and at its right end the audit trail's sync
//! badge when there is room.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::session::{SessionState, SessionStatus, StepStatus};
use crate::tui::ctx::SessionView;
use crate::tui::sync::{BadgeWidth, SyncView};
use crate::tui::theme::Theme;

/// What the header says.
pub struct Header<'a> {
    pub repo_name: &'a str,
    pub session: Option<&'a SessionView>,
    /// Who is at the keyboard.
    pub who: &'a str,
    pub now: Option<jiff::Timestamp>,
    pub sync: &'a SyncView,
}

/// Rules broken on purpose in the session: overrides, and canary weights
/// moved on without a Promote.
pub fn overrides(st: &SessionState) -> usize {
    st.overrides.len()
        + st.canary
            .weights
            .iter()
            .filter(|(_, w)| w.override_reason.is_some())
            .count()
}

/// What must be seen before anything else, long and short: a journal
/// that does not verify (writes are refused), else a rollback that failed
/// (production may be half undone).
pub fn alarm(view: &SessionView) -> Option<(String, String)> {
    if view.broken.is_some() {
        return Some((
            " ⚠ JOURNAL DOES NOT VERIFY: writes refused (greenlight audit verify, then audit recover) ·".into(),
            " ⚠ JOURNAL BROKEN ·".into(),
        ));
    }
    let failed: Vec<&str> = view
        .state
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::RollbackFailed)
        .map(|s| s.id.as_str())
        .collect();
    (!failed.is_empty()).then(|| {
        let steps = crate::text::escape(&failed.join(", ")).into_owned();
        (
            format!(" ⚠ ROLLBACK FAILED: {steps} (see its output in Logs; undo it by hand) ·"),
            format!(" ⚠ ROLLBACK FAILED: {steps} ·"),
        )
    })
}

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

/// Whole days until the train's departure, by the app's clock (UTC).
fn days_left(
    t: &crate::session::payload::FrozenTrain,
    now: Option<jiff::Timestamp>,
) -> Option<i64> {
    let date = t.departs.parse::<jiff::civil::Date>().ok()?;
    let today = jiff::tz::Offset::UTC.to_datetime(now?).date();
    Some(i64::from((date - today).get_days()))
}

/// "train 3 departs Mon 2026-11-30 (3 days)", from the session's frozen
/// train and the app's clock.
pub fn train_label(
    t: &crate::session::payload::FrozenTrain,
    now: Option<jiff::Timestamp>,
) -> String {
    let Ok(date) = t.departs.parse::<jiff::civil::Date>() else {
        return format!("train {}", t.number);
    };
    let left = days_left(t, now)
        .map(|d| match d {
            0 => " (today)".to_owned(),
            1 => " (1 day)".to_owned(),
            d if d > 1 => format!(" ({d} days)"),
            d => format!(" (left {} days ago)", -d),
        })
        .unwrap_or_default();
    format!(
        "train {} departs {}{left}",
        t.number,
        date.strftime("%a %Y-%m-%d")
    )
}

impl Header<'_> {
    /// The header's text for `width` columns (the long form when it fits).
    pub fn text(&self, width: u16) -> String {
        self.text_in(width, true)
    }

    /// The header's text for `width` columns; `tiny`: forms without the
    /// elapsed time and playbook may be used (the badge is not worth
    /// them).
    fn text_in(&self, width: u16, tiny_ok: bool) -> String {
        let who = self.who;
        let Some(view) = self.session else {
            return format!(" greenlight · {} · at the keyboard: {who}", self.repo_name);
        };
        let st = &view.state;
        let (done, total) = st.progress();
        let version = match (&st.train, st.version.as_deref()) {
            // A train: the system version, and when it leaves.
            (Some(t), v) => format!(
                "{} · {}",
                v.map(|v| format!(" system {v}")).unwrap_or_default(),
                train_label(t, self.now)
            ),
            (None, Some(v)) => format!(" v{v}"),
            (None, None) => String::new(),
        };
        let short_version = match (&st.train, st.version.as_deref()) {
            (Some(t), v) => format!(
                "{} · train {}{}",
                v.map(|v| format!(" {v}")).unwrap_or_default(),
                t.number,
                days_left(t, self.now)
                    .map(|d| format!(" {d}d"))
                    .unwrap_or_default()
            ),
            _ => version.clone(),
        };
        // `[project] name` (the app's name for the repository), else what
        // the session recorded.
        let repo = if self.repo_name.is_empty() {
            &st.repo
        } else {
            self.repo_name
        };
        let clock = elapsed(st, self.now).unwrap_or_else(|| "--:--:--".into());
        let mut state = String::new();
        if st.status != SessionStatus::Open {
            state = format!(" · {}", st.status.word());
        }
        if view.read_only.is_some() {
            state.push_str(" · read-only");
        }
        let overrides = overrides(st);
        if overrides > 0 {
            state.push_str(&format!(
                " · ⚠ {overrides} override{}",
                if overrides == 1 { "" } else { "s" }
            ));
        }
        let (alarm, short_alarm) = alarm(view).unwrap_or_default();
        let playbook = &st.plan.playbook;
        // The longest form that fits: how to enforce roles, then that they
        // are not, then the short form.
        let roles = if st.roles_enforced() {
            ["", "", ""]
        } else {
            [
                " · roles not enforced (add [[people]] to .greenlight.toml)",
                " · roles not enforced",
                " · roles off",
            ]
        };
        for roles in &roles[..2] {
            let full = format!(
                "{alarm} greenlight · {repo}{version} · {playbook} · {done}/{total} steps · {clock}{state}{roles} · at the keyboard: {who}",
            );
            if full.chars().count() <= width as usize {
                return full;
            }
        }
        // Short: with "roles off" when it fits, else without (the
        // report still says it).
        let short = |roles: &str| {
            format!(
                "{short_alarm} {repo}{short_version} · {playbook} · {done}/{total} · {clock}{state}{roles} · ⌨ {who}"
            )
        };
        let with_roles = short(roles[2]);
        if with_roles.chars().count() <= width as usize {
            return with_roles;
        }
        let without = short("");
        if !tiny_ok || without.chars().count() <= width as usize {
            return without;
        }
        // The smallest screens: the elapsed time goes (the timeline has
        // the times), then the playbook's name, before the person at the
        // keyboard is cut.
        let tiny = format!(
            "{short_alarm} {repo}{short_version} · {playbook} · {done}/{total}{state} · ⌨ {who}"
        );
        if tiny.chars().count() <= width as usize {
            return tiny;
        }
        format!("{short_alarm} {repo}{short_version} · {done}/{total}{state} · ⌨ {who}")
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        // The audit badge takes the right end when it fits beside the
        // short header; the header then uses whatever is left.
        let short = self.text_in(0, false).chars().count() as u16;
        let left = self.draw_badge(frame, area, theme, short);
        let line = Line::raw(self.text(left.width));
        // A journal that does not verify, or a rollback that failed, is
        // the most urgent thing on screen.
        let style = if self.session.and_then(alarm).is_some() {
            theme.tone(crate::tui::theme::Tone::Bad)
        } else {
            theme.header
        };
        frame.render_widget(Paragraph::new(line).style(style), left);
    }

    /// The audit badge at the right end, when there is room: returns the
    /// rectangle left for the header's own text.
    fn draw_badge(&self, frame: &mut Frame, area: Rect, theme: &Theme, text_width: u16) -> Rect {
        if self.session.is_none() {
            return area;
        }
        for width in [BadgeWidth::Long, BadgeWidth::Short, BadgeWidth::Tiny] {
            let Some((text, tone)) = self.sync.badge(self.now, width) else {
                continue;
            };
            let w = text.chars().count() as u16 + 2;
            if text_width + w <= area.width {
                let [left, right] =
                    Layout::horizontal([Constraint::Fill(1), Constraint::Length(w)]).areas(area);
                // A separator, so the badge never reads as part of the
                // name before it ("Pat Product audit: …").
                frame.render_widget(
                    Paragraph::new(format!("│{text} ")).style(theme.tone(tone)),
                    right,
                );
                return left;
            }
        }
        area
    }
}
