//! Plain-text and JSON views of sessions for the terminal and for scripts.

use std::fmt::Write;

use serde::Serialize;

use crate::session::journal::LineProblem;
use crate::session::state::{HistoryEntry, StepState};
use crate::session::{PlanStep, Session, SessionState, SessionSummary, StepStatus, clock_time};

pub fn sessions_table(list: &[SessionSummary]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26}  {:<16}  {:<10}  {:<11}  {:>5}  STARTED",
        "ID", "SCENARIO", "VERSION", "STATUS", "STEPS"
    );
    for s in list {
        let _ = writeln!(
            out,
            "{:<26}  {:<16}  {:<10}  {:<11}  {:>5}  {} {}",
            s.id,
            s.playbook,
            s.version.as_deref().unwrap_or("-"),
            s.status.word(),
            format!("{}/{}", s.done, s.total),
            s.started_at.as_deref().unwrap_or("-"),
            s.started_by.as_deref().unwrap_or(""),
        );
        if s.pulled {
            // Replace the line's end: say how to act on it.
            out.truncate(out.trim_end_matches('\n').len());
            let _ = writeln!(out, "  (pulled: give its id)");
        }
    }
    out
}

/// One step's line; the widths are the widest step id (at least 22),
/// owner and state, so the columns line up whatever the playbook names
/// its steps.
fn step_line(
    state: &SessionState,
    p: &PlanStep,
    st: &StepState,
    [width, owner_w, word_w]: [usize; 3],
) -> String {
    let pending = state.pending_requires(p);
    let (icon, word) = st.mark(!pending.is_empty());
    let mut detail = String::new();
    match st.status {
        StepStatus::Done => {
            if let Some(c) = st.completed.last() {
                let _ = write!(detail, "by {} at {}", c.who.name, clock_time(&c.at));
            }
            if let Some(choice) = &st.choice {
                let _ = write!(detail, ", chose {choice}");
            }
            if let Some(n) = &st.completion_note {
                let _ = write!(detail, ": {n}");
            }
        }
        StepStatus::Skipped => {
            if let Some((decision, chosen)) = &st.skipped_by_decision {
                let _ = write!(detail, "by decision: {decision} chose {chosen}");
            } else if let Some((by, reason)) = &st.skipped {
                let _ = write!(detail, "by {}: {reason}", by.who.name);
            }
        }
        StepStatus::Failed => {
            if let Some((by, reason)) = &st.failed {
                let _ = write!(detail, "by {}: {reason}", by.who.name);
            }
        }
        StepStatus::InProgress if !p.is_signoff() => {
            if let Some(s) = &st.started {
                let _ = write!(detail, "since {} by {}", clock_time(&s.at), s.who.name);
            }
        }
        _ if !pending.is_empty() => {
            let _ = write!(detail, "waits on {}", pending.join(", "));
        }
        _ => {}
    }
    format!(
        "  {icon} {:<width$} {:<owner_w$} {:<word_w$} {}",
        p.id, p.owner, word, detail
    )
    .trim_end()
    .to_string()
}

/// The human `greenlight status`.
/// The latest `history` history lines and notes are shown (`usize::MAX`:
/// all), with how many earlier ones are left out.
pub fn status(session: &Session, history: usize) -> String {
    let st = session.state();
    let (done, total) = st.progress();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Session {} · {} · {} · {} · {done}/{total} steps",
        st.id,
        if st.plan.title.is_empty() {
            &st.plan.playbook
        } else {
            &st.plan.title
        },
        st.version
            .as_deref()
            .map(|v| format!("v{v}"))
            .unwrap_or_else(|| "no version".into()),
        st.status.word(),
    );
    if let Some(first) = session.problems().first() {
        let more = session.problems().len() - 1;
        let _ = writeln!(
            out,
            "⚠ THIS SESSION'S JOURNAL DOES NOT VERIFY: {first}{}\n  What follows may not be what was recorded, and nothing more can be recorded until it is resolved:\n  `greenlight audit verify {}` for the full report, `greenlight audit recover {} --reason …` to restore it.",
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            },
            st.id,
            st.id
        );
    }
    if let Some(t) = &st.train {
        let _ = writeln!(
            out,
            "Train {} · departs {}{}{}",
            t.number,
            t.departs,
            t.dm.as_deref()
                .map(|d| format!(" · DM {}", crate::text::one_line(d)))
                .unwrap_or_default(),
            t.off_schedule
                .as_deref()
                .map(|r| format!(" · off schedule: {}", crate::text::one_line(r)))
                .unwrap_or_default()
        );
    }
    if !session.is_local() {
        let _ = writeln!(
            out,
            "Pulled from another clone: commands act on it only when given its id."
        );
    }
    if let Some(s) = &st.started {
        let _ = writeln!(out, "Started {} by {}", s.at, s.who);
    }
    let overrides = st.overrides.len()
        + st.canary
            .weights
            .iter()
            .filter(|(_, w)| w.override_reason.is_some())
            .count();
    if overrides > 0 {
        let _ = writeln!(
            out,
            "⚠ {overrides} override{} of the session's rules (listed under Exceptions in `greenlight report`)",
            if overrides == 1 { "" } else { "s" }
        );
    }
    if !st.roles_enforced() {
        let _ = writeln!(
            out,
            "Roles: not enforced (no [[people]] in .greenlight.toml when the session started)"
        );
    }
    if let Some(r) = &st.abort_reason {
        let _ = writeln!(out, "Aborted: {r}");
    }
    let _ = writeln!(out, "\nSteps:");
    let width = st
        .plan
        .steps
        .iter()
        .map(|p| p.id.chars().count())
        .max()
        .unwrap_or(0)
        .max(22);
    // The owner and state columns as wide as their widest cell.
    let owner_w = st
        .plan
        .steps
        .iter()
        .map(|p| p.owner.chars().count())
        .max()
        .unwrap_or(0)
        .max(10);
    let word_w = st
        .plan
        .steps
        .iter()
        .zip(&st.steps)
        .map(|(p, s)| s.mark(!st.pending_requires(p).is_empty()).1.chars().count())
        .max()
        .unwrap_or(0)
        .max(11);
    for (p, s) in st.plan.steps.iter().zip(&st.steps) {
        let _ = writeln!(out, "{}", step_line(st, p, s, [width, owner_w, word_w]));
    }
    let signoffs: Vec<_> = st
        .plan
        .steps
        .iter()
        .zip(&st.steps)
        .filter(|(p, _)| p.is_signoff())
        .collect();
    if !signoffs.is_empty() {
        let _ = writeln!(out, "\nSign-offs:");
        for (p, s) in signoffs {
            let latest = s.latest_decisions();
            for role in &p.roles {
                match latest.iter().find(|d| &d.role == role) {
                    Some(d) => {
                        let _ = writeln!(
                            out,
                            "  {:<22} {:<10} {} by {} at {}{}",
                            p.id,
                            role,
                            if d.approve {
                                "✔ approved"
                            } else {
                                "⛔ rejected"
                            },
                            d.by.who.name,
                            clock_time(&d.by.at),
                            d.comment
                                .as_deref()
                                .map(|c| format!(": {c}"))
                                .unwrap_or_default()
                        );
                    }
                    None => {
                        let _ = writeln!(out, "  {:<22} {:<10} ○ pending", p.id, role);
                    }
                }
            }
        }
    }
    if !st.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        let skip = st.notes.len().saturating_sub(history);
        if skip > 0 {
            let _ = writeln!(
                out,
                "  … {skip} earlier note{} (--all shows every one)",
                if skip == 1 { "" } else { "s" }
            );
        }
        for n in &st.notes[skip..] {
            let about = n
                .step
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}{about}: {}",
                clock_time(&n.by.at),
                n.by.who.name,
                n.text
            );
        }
    }
    if history > 0 {
        let skip = st.history.len().saturating_sub(history);
        if skip == 0 {
            let _ = writeln!(out, "\nHistory:");
        } else {
            let _ = writeln!(
                out,
                "\nHistory (last {} of {}; --all shows every one):",
                st.history.len() - skip,
                st.history.len()
            );
        }
        for h in &st.history[skip..] {
            let _ = writeln!(out, "  {}", history_line(session, h));
        }
    }
    for p in session.problems() {
        let _ = writeln!(out, "warning: unreadable journal line left out: {p}");
    }
    for side in session.set_aside() {
        let _ = writeln!(
            out,
            "warning: {} is set aside beside the journals (`greenlight audit verify` says whether it is acknowledged)",
            side.display()
        );
    }
    for (file, bytes) in session.torn_tails() {
        let _ = writeln!(
            out,
            "warning: {} ends with {bytes} bytes of a line not finished (being written now, or cut short by a crash); left as is",
            file.display()
        );
    }
    out
}

pub fn history_line(session: &Session, h: &HistoryEntry) -> String {
    let what = session.describe_event(h.index).unwrap_or_default();
    let mut s = format!("{} {:<14} {what}", clock_time(&h.by.at), h.by.person());
    if let Some(why) = &h.not_applied {
        let _ = write!(s, " (not applied: {why})");
    }
    s
}

/// `status --json`: the summary, the ready steps, the full state (steps with
/// who and when, sign-offs, notes, history) and any unreadable lines.
#[derive(Serialize)]
pub struct StatusJson<'a> {
    pub summary: SessionSummary,
    pub ready: Vec<&'a str>,
    /// Who did what and when, in the fold's order.
    pub history: Vec<HistoryJson<'a>>,
    pub state: &'a SessionState,
    pub problems: &'a [LineProblem],
    /// Every journal line reads and every link holds (writes are refused
    /// otherwise).
    pub intact: bool,
    /// Started on another device (opened only by id).
    pub pulled: bool,
    pub files: Vec<String>,
}

impl<'a> StatusJson<'a> {
    pub fn of(session: &'a Session) -> Self {
        StatusJson {
            summary: session.summary(),
            ready: session
                .state()
                .ready_steps()
                .iter()
                .map(|s| s.id.as_str())
                .collect(),
            history: session
                .state()
                .history
                .iter()
                .map(|h| HistoryJson {
                    at: &h.by.at,
                    who: &h.by.who.name,
                    email: &h.by.who.email,
                    actor: &h.by.actor,
                    kind: &h.kind,
                    what: session.describe_event(h.index).unwrap_or_default(),
                    not_applied: h.not_applied.as_deref(),
                })
                .collect(),
            state: session.state(),
            problems: session.problems(),
            intact: session.problems().is_empty(),
            pulled: !session.is_local(),
            files: session.files().map(|p| p.display().to_string()).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct HistoryJson<'a> {
    pub at: &'a str,
    pub who: &'a str,
    pub email: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<&'a str>,
}
