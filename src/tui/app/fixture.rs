//! The app on the sample sessions of `tui::fixture`, at fixed times:
//! what snapshot tests and benchmarks draw.

use super::App;
use crate::canary::{CanaryConfig, SourceKind};
use crate::session::{Command, RuleError, SessionState};
use crate::tui::action::Action;
use crate::tui::ctx::SessionView;
use crate::tui::fixture::{START, Sample, canary_sample, canary_snapshot, dana, team};
use crate::tui::pane::Canary;
use crate::tui::theme::Theme;

/// An app showing `state` at a fixed time (42 min 10 s after the start of
/// the sample), Dana at the keyboard, no canary or log source configured.
pub fn app(state: SessionState, theme: Theme) -> App {
    let mut app = App::new("web-api", team(), 0, theme);
    app.now = Some(Sample::at(42 * 60 + 10));
    app.update(Action::Loaded(Box::new(SessionView {
        state: std::sync::Arc::new(state),
        read_only: None,
        warnings: Vec::new(),
        broken: None,
        device_owner: None,
    })));
    app
}

/// Fill the Logs pane with `lines` plausible lines (errors, warnings,
/// information) from two sources, and make the Canary pane live with the
/// sample judgement if it is not already: a busy screen for benchmarks
/// and screenshots.
pub fn busy(app: &mut App, lines: usize) {
    use crate::logs::line::LogLine;
    use crate::logs::time::{TimeContext, parse_rfc3339};
    let start = parse_rfc3339(START).unwrap_or(0);
    let ctx = TimeContext::utc_at(start);
    let m = &mut app.panes.logs.model;
    let web = m.add_source("web-api", "file", None);
    let step = m.add_source("enable-all", "step", None);
    for i in 0..lines {
        let level = match i % 7 {
            0 => "ERROR",
            1 | 2 => "WARN ",
            _ => "INFO ",
        };
        let text = format!(
            "2026-11-26T14:{:02}:{:02}Z {level} web-api request {i} served in {} ms",
            (i / 60) % 60,
            i % 60,
            20 + i % 50
        );
        let at = start + i as i64 * 1000;
        m.buffer
            .push(LogLine::from_bytes(web, text.as_bytes(), 0, at, &ctx));
        if i % 10 == 9 {
            let text = format!(
                "promote: {}% of hosts switched",
                (i + 1) * 100 / lines.max(1)
            );
            m.buffer
                .push(LogLine::from_bytes(step, text.as_bytes(), 0, at, &ctx));
        }
    }
    m.view.sync(&m.buffer);
    if app.panes.canary.config.is_none() {
        app.panes.canary = Canary {
            config: Some(CanaryConfig::new(SourceKind::Simulated)),
            regression: Some(false),
            ..Default::default()
        };
        let now = app.now.unwrap_or_else(|| Sample::at(0));
        app.update(Action::CanaryJudged(Box::new(canary_snapshot(now, false))));
    }
}

/// The app in the canary sample, the Canary pane live with the sample
/// judgement (healthy: Promote; `regression`: Roll back, recorded as the
/// cockpit would record it).
pub fn canary_app(theme: Theme, regression: bool) -> Result<App, RuleError> {
    let mut s = canary_sample()?;
    let now = s.clock();
    if regression {
        let snap = canary_snapshot(now, true);
        let mut payload = snap.payload(Some("canary".into()));
        if let crate::session::Payload::CanaryJudged(j) = &mut payload {
            j.weight = Some(25);
        }
        s.cmd(&dana(), Command::Record(payload))?;
    }
    let mut app = app(s.state(), theme);
    app.now = Some(now);
    app.panes.canary = Canary {
        config: Some(CanaryConfig::new(SourceKind::Simulated)),
        regression: Some(regression),
        ..Default::default()
    };
    let snap = canary_snapshot(now, regression);
    app.update(Action::CanaryJudged(Box::new(snap)));
    Ok(app)
}
