//! The moments of a session, read off its events: each applied event that
//! means something to a team, and each sign-off step an event made ready.
//! Pure: the same events give the same moments on every clone, and each
//! moment names the event that caused it (the key its deliveries are
//! recorded under).

use crate::session::payload::Payload;
use crate::session::{Event, SessionState, state::summarize};

use super::Moment;

/// One moment: what happened, who, and what a reader is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub moment: Moment,
    /// The hash of the event that caused it.
    pub cause: String,
    /// The actor file of that event (only its device sends).
    pub actor: String,
    pub who: String,
    pub step: Option<String>,
    /// One line: what happened.
    pub text: String,
    /// What the reader is asked to do, when anything.
    pub ask: Option<String>,
    pub at: String,
}

/// Every moment of `events` (in fold order), folding them as it goes.
pub fn notices(id: &str, events: &[Event]) -> Vec<Notice> {
    let mut state = SessionState::empty(id);
    let mut out = Vec::new();
    let mut verdict: Option<String> = None;
    for (i, ev) in events.iter().enumerate() {
        let ready_before = ready_signoffs(&state);
        state.apply_event(i, ev);
        if state
            .history
            .last()
            .is_none_or(|h| h.index != i || h.not_applied.is_some())
        {
            continue;
        }
        let Some(payload) = ev.payload() else {
            continue;
        };
        let who = state
            .history
            .last()
            .map(|h| h.by.person().into_owned())
            .unwrap_or_default();
        let notice = |moment: Moment, step: Option<&str>, ask: Option<String>| Notice {
            moment,
            cause: ev.hash.to_hex(),
            actor: ev.actor.to_string(),
            who: who.clone(),
            step: step.map(str::to_string),
            text: format!("{who} {}", summarize(&payload)),
            ask,
            at: ev.at.to_string(),
        };
        match &payload {
            Payload::SignoffGiven(s) => out.push(notice(Moment::SignedOff, Some(&s.step), None)),
            Payload::SignoffRejected(s) => out.push(notice(Moment::Rejected, Some(&s.step), None)),
            Payload::StepFailed(s) => out.push(notice(Moment::StepFailed, Some(&s.step), None)),
            Payload::RuleOverridden(o) => {
                out.push(notice(Moment::Override, o.step.as_deref(), None))
            }
            // A playbook with a step that announces the end announces it
            // there (once), not again when the last step settles.
            Payload::SessionCompleted(_)
                if !state
                    .plan
                    .steps
                    .iter()
                    .any(|p| p.notify.as_deref() == Some("completed")) =>
            {
                out.push(notice(Moment::Completed, None, None))
            }
            Payload::StepCompleted(s) => {
                match state.plan.step(&s.step).and_then(|p| p.notify.as_deref()) {
                    Some("completed") => out.push(Notice {
                        text: format!("the release is done: {who} completed `{}`", s.step),
                        ..notice(Moment::Completed, Some(&s.step), None)
                    }),
                    Some("release_notes") => {
                        let notes = state
                            .release_notes
                            .as_ref()
                            .map(|(_, md)| md.clone())
                            .unwrap_or_else(|| {
                                "(no release notes were saved in the session)".into()
                            });
                        out.push(Notice {
                            text: format!("Release notes\n\n{notes}"),
                            ..notice(Moment::ReleaseNotes, Some(&s.step), None)
                        });
                    }
                    _ => {}
                }
            }
            Payload::RollbackFinished(f) if f.exit_code == Some(0) => {
                out.push(notice(Moment::RolledBack, Some(&f.step), None))
            }
            Payload::CanaryJudged(j) => {
                if verdict.as_deref().is_some_and(|v| v != j.verdict) {
                    out.push(notice(
                        Moment::CanaryVerdictChanged,
                        j.step.as_deref(),
                        None,
                    ));
                }
                verdict = Some(j.verdict.clone());
            }
            _ => {}
        }
        for (step, roles) in ready_signoffs(&state) {
            if ready_before.iter().any(|(s, _)| *s == step) {
                continue;
            }
            let asked = roles
                .iter()
                .map(|r| {
                    let people: Vec<&str> = state
                        .people
                        .iter()
                        .filter(|p| p.roles.iter().any(|x| x == r))
                        .map(|p| p.name.as_str())
                        .collect();
                    if people.is_empty() {
                        r.clone()
                    } else {
                        format!("{r} ({})", people.join(", "))
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let how = roles
                .iter()
                .map(|r| format!("`greenlight signoff --step {step} --role {r} --approve`"))
                .collect::<Vec<_>>()
                .join(" or ");
            out.push(Notice {
                moment: Moment::SignoffRequested,
                cause: ev.hash.to_hex(),
                actor: ev.actor.to_string(),
                who: who.clone(),
                step: Some(step.clone()),
                text: format!("sign-off `{step}` is ready for {asked}"),
                ask: Some(format!(
                    "approve or reject: {how} (or `a` on the Sign-off pane of the app)"
                )),
                at: ev.at.to_string(),
            });
        }
    }
    out
}

/// Sign-off steps that can be decided now, with the roles they ask.
fn ready_signoffs(state: &SessionState) -> Vec<(String, Vec<String>)> {
    state
        .ready_steps()
        .into_iter()
        .filter(|p| p.is_signoff())
        .map(|p| (p.id.clone(), p.roles.clone()))
        .collect()
}
