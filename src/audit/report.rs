//! The release record: a session written out as markdown for the change
//! audit (a ticket, the wiki, the release itself). Who did what and when,
//! every step with its note or reason, the sign-offs, the canary's weights
//! and verdicts, the commands run, the notes, the release notes, and
//! whether the hash chain verified. A pure function of the folded state
//! and the verification report, so the same session always gives the same
//! text.

use std::fmt::Write as _;

use crate::session::state::{CommandRun, Stamp, StepState};
use crate::session::{SessionState, clock_time};

use super::verify::Report;

/// "2026-11-26 14:03:11 UTC" from an RFC 3339 timestamp (as written).
fn when(at: &str) -> String {
    match at.get(..19) {
        Some(t) if at.len() >= 20 => format!("{} UTC", t.replace('T', " ")),
        _ => at.to_string(),
    }
}

/// A table cell: no pipes or line breaks inside.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "1h 02m 10s" between two RFC 3339 timestamps.
fn took(from: &str, to: &str) -> Option<String> {
    let a: jiff::Timestamp = from.parse().ok()?;
    let b: jiff::Timestamp = to.parse().ok()?;
    let s = b.as_second().saturating_sub(a.as_second()).max(0);
    Some(match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m {:02}s", s / 3600, (s / 60) % 60, s % 60),
    })
}

/// Who settled a step and when, and the note or reason that goes with it.
fn settled(s: &StepState) -> (Option<&Stamp>, String) {
    if let (Some((by, _)), Some((decision, chosen))) = (&s.skipped, &s.skipped_by_decision) {
        return (
            Some(by),
            format!("skipped by decision: `{decision}` chose `{chosen}`"),
        );
    }
    if let Some((by, why)) = &s.skipped {
        return (Some(by), format!("skipped: {why}"));
    }
    if let Some((by, why)) = &s.failed {
        return (Some(by), format!("failed: {why}"));
    }
    if let Some(by) = s.completed.last() {
        let mut note = s.completion_note.clone().unwrap_or_default();
        let mut add = |more: String| {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str(&more);
        };
        for e in &s.evidence {
            add(format!("evidence: {e}"));
        }
        if let Some(r) = &s.sarif {
            add(format!(
                "{} ({} errors, {} warnings, {} notes; sha256 {})",
                r.path,
                r.error,
                r.warning,
                r.note,
                r.sha256.chars().take(16).collect::<String>()
            ));
        }
        for (by, role) in &s.acks {
            add(format!("acknowledged by {} as {role}", by.person()));
        }
        if let Some(choice) = &s.choice {
            add(format!("decided: {choice}"));
        }
        return (Some(by), note);
    }
    (s.started.as_ref(), String::new())
}

fn run_result(r: &CommandRun) -> String {
    match &r.finished {
        None => "no end recorded".into(),
        Some((_, f)) if f.cancelled => "cancelled".into(),
        Some((_, f)) if f.timed_out => "timed out".into(),
        Some((_, f)) => match (f.exit_code, f.signal) {
            (Some(0), _) => "exit 0".into(),
            (Some(c), _) => format!("exit {c}"),
            (None, Some(s)) => format!("signal {s}"),
            (None, None) => "ended".into(),
        },
    }
}

/// Every exception to the process, in the order it happened: overrides
/// (named by the rules they broke), skips, failures, rollbacks, canary
/// weights moved on without a Promote, rejected sign-offs.
pub fn exceptions(st: &SessionState) -> Vec<(&Stamp, String)> {
    let mut out: Vec<(&Stamp, String)> = Vec::new();
    for (by, o) in &st.overrides {
        out.push((
            by,
            format!(
                "override of {}{}: {}",
                o.rules.join(", "),
                o.step
                    .as_deref()
                    .map(|s| format!(" on `{s}`"))
                    .unwrap_or_default(),
                o.reason
            ),
        ));
    }
    for s in &st.steps {
        // A step a decision ruled out is the plan working, not an exception.
        if let Some((by, why)) = s
            .skipped
            .as_ref()
            .filter(|_| s.skipped_by_decision.is_none())
        {
            out.push((by, format!("skipped `{}`: {why}", s.id)));
        }
        if let Some((by, why)) = &s.failed {
            out.push((by, format!("`{}` failed: {why}", s.id)));
        }
        for r in s.runs.iter().filter(|r| r.rollback) {
            let how = match &r.finished {
                Some((_, f)) if f.succeeded() => "rolled back",
                Some(_) => "rollback FAILED",
                None => "rollback started, no end recorded",
            };
            out.push((&r.started, format!("`{}` {how} (`{}`)", s.id, r.command)));
        }
        for d in s.decisions.iter().filter(|d| !d.approve) {
            out.push((
                &d.by,
                format!(
                    "`{}` rejected as {}: {}",
                    s.id,
                    d.role,
                    d.comment.as_deref().unwrap_or("")
                ),
            ));
        }
    }
    for (by, w) in &st.canary.weights {
        if let Some(r) = &w.override_reason {
            out.push((
                by,
                format!("canary set to {}% without a Promote: {r}", w.weight),
            ));
        }
        if w.rollback {
            out.push((by, format!("canary rolled back to {}%", w.weight)));
        }
    }
    out.sort_by_key(|(by, _)| by.lamport);
    out
}

/// The whole record. `verified` is the chain's check when it was run.
pub fn render(st: &SessionState, verified: Option<&Report>) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; `let _` keeps clippy content.
    let version = st.version.as_deref().unwrap_or("(no version)");
    let repo = if st.repo.is_empty() {
        "repository"
    } else {
        &st.repo
    };
    let _ = writeln!(
        out,
        "# Release record: {repo} {version} ({})\n",
        st.plan.playbook
    );
    let _ = writeln!(out, "- Scenario: {}", st.plan.title);
    let _ = writeln!(out, "- Session: `{}`", st.id);
    let mut status = st.status.word().to_string();
    if let Some(why) = &st.abort_reason {
        status.push_str(&format!(": {}", cell(why)));
    }
    let _ = writeln!(out, "- Status: {status}");
    if let Some(by) = &st.started {
        let _ = writeln!(out, "- Started: {} by {}", when(&by.at), by.person());
    }
    if let (Some(start), Some(end)) = (&st.started, &st.ended) {
        let span = took(&start.at, &end.at)
            .map(|t| format!(" (after {t})"))
            .unwrap_or_default();
        let _ = writeln!(out, "- Ended: {} by {}{span}", when(&end.at), end.person());
    }
    if let Some(prev) = &st.previous_version {
        let _ = writeln!(out, "- Previous version: {prev}");
    }
    if let Some(t) = &st.train {
        let _ = writeln!(
            out,
            "- Release train: train {}, departing {}{}{}",
            t.number,
            t.departs,
            t.dm.as_deref()
                .map(|d| format!("; dedicated DM {}", cell(d)))
                .unwrap_or_default(),
            t.off_schedule
                .as_deref()
                .map(|r| format!("; off schedule: {}", cell(r)))
                .unwrap_or_default()
        );
    }
    for (by, t) in &st.tags {
        let _ = writeln!(
            out,
            "- Tagged: `{}` on commit `{}` by {} at {}",
            t.tag,
            t.commit.get(..10).unwrap_or(&t.commit),
            by.person(),
            when(&by.at)
        );
    }
    let (done, total) = st.progress();
    let _ = writeln!(out, "- Steps settled: {done} of {total}");
    match verified {
        Some(r) if r.ok() => {
            let _ = writeln!(
                out,
                "- Audit trail: {} event{} in {} actor file{}; every hash and link verified",
                r.events(),
                if r.events() == 1 { "" } else { "s" },
                r.files.len(),
                if r.files.len() == 1 { "" } else { "s" }
            );
        }
        Some(r) => {
            let first = r
                .problems()
                .into_iter()
                .next()
                .map(|p| format!(": {p}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- Audit trail: **does not verify**{first} (run `greenlight audit verify {}`)",
                st.id
            );
        }
        None => {
            let _ = writeln!(out, "- Audit trail: not verified for this record");
        }
    }

    if st.roles_enforced() {
        let _ = writeln!(
            out,
            "- Roles: enforced for the team of {} people frozen at the start",
            st.people.len()
        );
    } else {
        let _ = writeln!(
            out,
            "- Roles: **not enforced**: .greenlight.toml listed no [[people]] when the session started, so anyone could act on any step (add the team and its roles to enforce them)"
        );
    }
    if let Some((by, m)) = &st.manifest {
        let _ = writeln!(
            out,
            "- Manifest approved: {} at {} by {}",
            m.label(),
            when(&by.at),
            by.person()
        );
    }
    let exceptions = exceptions(st);
    let _ = writeln!(out, "\n## Exceptions\n");
    if exceptions.is_empty() {
        let _ = writeln!(
            out,
            "None: no rule was overridden, no step skipped, failed or rolled back, no sign-off rejected."
        );
    } else {
        let _ = writeln!(out, "| When | Who | What |");
        let _ = writeln!(out, "|---|---|---|");
        for (by, what) in &exceptions {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                when(&by.at),
                cell(&by.person()),
                cell(what)
            );
        }
    }
    if !st.notifications.is_empty() {
        // Who was told what, and how it went: every delivery attempt.
        let _ = writeln!(out, "\n## Notifications\n");
        let _ = writeln!(out, "| When | Step | Target | Moment | Attempt | Result |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for (by, n) in &st.notifications {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {}{} |",
                when(&by.at),
                cell(n.step.as_deref().unwrap_or("")),
                cell(&n.target),
                n.moment.replace('_', " "),
                n.attempt,
                if n.ok { "✔ " } else { "✘ " },
                cell(&n.result)
            );
        }
    }
    let _ = writeln!(out, "\n## Steps\n");
    let _ = writeln!(
        out,
        "| # | Step | Owner | State | By | At | Note or reason |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (i, (p, s)) in st.plan.steps.iter().zip(&st.steps).enumerate() {
        let (by, note) = settled(s);
        let _ = writeln!(
            out,
            "| {} | {} — {} | {} | {} | {} | {} | {} |",
            i + 1,
            p.id,
            cell(&p.title),
            p.owner,
            s.status.label(),
            cell(&by.map(|b| b.person().into_owned()).unwrap_or_default()),
            by.map(|b| clock_time(&b.at)).unwrap_or(""),
            cell(&note)
        );
    }

    let decisions: Vec<(&str, &crate::session::state::Decision)> = st
        .steps
        .iter()
        .flat_map(|s| s.decisions.iter().map(move |d| (s.id.as_str(), d)))
        .collect();
    if !decisions.is_empty() {
        let _ = writeln!(out, "\n## Sign-offs\n");
        let _ = writeln!(out, "| Step | Role | Decision | By | At | Comment |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for (step, d) in decisions {
            let _ = writeln!(
                out,
                "| {step} | {} | {} | {} | {} | {} |",
                d.role,
                if d.approve { "approved" } else { "rejected" },
                d.by.person(),
                when(&d.by.at),
                cell(&match (&d.comment, &d.manifest) {
                    (Some(c), Some(m)) => format!(
                        "{c} (approves manifest {})",
                        m.chars().take(10).collect::<String>()
                    ),
                    (None, Some(m)) => format!(
                        "approves manifest {}",
                        m.chars().take(10).collect::<String>()
                    ),
                    (c, None) => c.clone().unwrap_or_default(),
                })
            );
        }
    }

    let c = &st.canary;
    if !c.weights.is_empty() || !c.judgements.is_empty() {
        let _ = writeln!(out, "\n## Canary\n");
        for (by, w) in &c.weights {
            let why = w
                .override_reason
                .as_deref()
                .map(|r| format!(" — override: {}", cell(r)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {}: weight {}% by {}{why}",
                clock_time(&by.at),
                w.weight,
                by.person()
            );
        }
        if let Some((by, last)) = c.judgements.last() {
            let _ = writeln!(
                out,
                "- {} verdict{} recorded; the last, at {}: {}{} {}",
                c.judgements.len(),
                if c.judgements.len() == 1 { "" } else { "s" },
                clock_time(&by.at),
                last.verdict.to_uppercase(),
                last.score
                    .map(|s| format!(" (score {s:.0})"))
                    .unwrap_or_default(),
                last.weight
                    .map_or("before any weight was set".to_string(), |w| {
                        format!("at {w}%")
                    })
            );
        }
        let rollbacks = c
            .judgements
            .iter()
            .filter(|(_, j)| j.verdict == "rollback")
            .count();
        if rollbacks > 0 {
            let _ = writeln!(out, "- {rollbacks} verdict(s) said roll back");
        }
    }

    let runs: Vec<(&str, &CommandRun)> = st
        .steps
        .iter()
        .flat_map(|s| s.runs.iter().map(move |r| (s.id.as_str(), r)))
        .collect();
    if !runs.is_empty() {
        let _ = writeln!(out, "\n## Commands\n");
        let _ = writeln!(
            out,
            "| Step | Command | Result | Took | By | At | Confirmed by |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for (step, r) in runs {
            let kind = if r.rollback { " (rollback)" } else { "" };
            let took = r
                .finished
                .as_ref()
                .map(|(_, f)| format!("{:.1}s", f.duration_ms as f64 / 1000.0))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {step}{kind} | `{}` | {} | {took} | {} | {} | {} |",
                cell(&r.command).replace('`', "'"),
                run_result(r),
                r.started.person(),
                clock_time(&r.started.at),
                cell(r.confirmed_by.as_deref().unwrap_or(""))
            );
        }
    }

    if !st.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for n in &st.notes {
            let about = n
                .step
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} {}{about}: {}",
                clock_time(&n.by.at),
                n.by.person(),
                cell(&n.text)
            );
        }
    }

    if let Some((by, text)) = &st.release_notes {
        let _ = writeln!(
            out,
            "\n## Release notes\n\n_Set by {} at {}._\n",
            by.person(),
            when(&by.at)
        );
        // Their headings move one level down, under this section.
        for line in text.lines() {
            if line.starts_with('#') {
                let _ = writeln!(out, "#{line}");
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

/// The report's Timeline section: every event of `entries` that `filter`
/// keeps, in order, as a table (time, who, kind, what, applied or why
/// not). Empty when nothing is kept.
pub fn timeline(
    entries: &[crate::session::timeline::Entry],
    filter: &crate::session::timeline::Filter,
) -> String {
    let kept: Vec<_> = entries.iter().filter(|e| filter.keeps(e)).collect();
    let mut out = String::new();
    let mut about = Vec::new();
    if let Some(p) = &filter.person {
        about.push(format!("by {}", cell(p)));
    }
    if let Some(k) = filter.kind {
        about.push(format!("kind {}", k.word()));
    }
    let _ = writeln!(out, "\n## Timeline\n");
    if !about.is_empty() {
        let _ = writeln!(out, "_Only events {}._\n", about.join(", "));
    }
    if kept.is_empty() {
        let _ = writeln!(out, "No events.");
        return out;
    }
    let _ = writeln!(out, "| time | who | kind | what |\n|---|---|---|---|");
    for e in kept {
        let what = match &e.not_applied {
            Some(why) => format!("{} — **not applied**: {why}", e.what),
            None => e.what.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            when(&e.at),
            cell(&e.person),
            e.group().word(),
            cell(&what)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_and_newlines_do_not_break_a_table() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
