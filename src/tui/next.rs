//! The next action, always named: what the session waits for, and the
//! key that does it from where the focus is ("canary at 10 % · 1:12 left
//! to observe · then w", "Pat Product's approval (pm) · a approves, @
//! hands the keyboard", "complete `canary` · enter"). Pure: it reads the
//! context, the focus and what the canary plan says next; the app draws
//! it under the header and flashes when a wait ends.

use crate::canary::plan::PlanAction;
use crate::session::{PlanStep, SessionStatus, StepStatus};

use super::ctx::{Ctx, first_actionable, signoff_rows};
use super::keymap::KeyAction;
use super::place::Pane;
use super::theme::Tone;

/// The line, and whether the session is waiting on time or on someone
/// (what ends with a flash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub text: String,
    pub tone: Tone,
    /// What is being waited for (an observation time, a person), if the
    /// session waits: a change from `Some` to `None` ends a wait.
    pub waiting: Option<String>,
}

impl Next {
    fn now(text: String) -> Next {
        Next {
            text,
            tone: Tone::Accent,
            waiting: None,
        }
    }
}

/// `enter` on the step, from where the focus is.
fn enter(ctx: &Ctx, focus: Pane) -> String {
    let k = ctx.key(KeyAction::Act);
    if focus == Pane::Checklist {
        k
    } else {
        format!(
            "{k} in Checklist ({} to go there)",
            ctx.key(KeyAction::FocusNext)
        )
    }
}

/// The canary's key (`w`), from where the focus is: in Logs the same
/// key wraps lines.
fn weight_key(ctx: &Ctx, focus: Pane) -> String {
    let k = ctx.key(KeyAction::SetWeight);
    if focus == Pane::Logs && ctx.key(KeyAction::Wrap) == k {
        format!("{} then {k}", ctx.key(KeyAction::FocusNext))
    } else {
        k
    }
}

/// The line shortened deliberately to `width` columns (the smallest
/// screens have one row for it): asides in parentheses go first, right to
/// left ("(tab to go there)", then the owner), then the alternative after
/// ", or"; last the head is cut with "…". What follows the last " · " is
/// the key that acts, and stays whole.
pub fn shorten(text: &str, width: usize) -> String {
    let fits = |t: &str| t.chars().count() <= width;
    let mut t = text.to_string();
    while !fits(&t) {
        let Some(open) = t.rfind(" (") else { break };
        let Some(close) = t[open..].find(')').map(|c| open + c) else {
            break;
        };
        t.replace_range(open..=close, "");
    }
    if !fits(&t)
        && let Some(or) = t.find(", or ")
    {
        let end = t[or..].find(" · ").map_or(t.len(), |e| or + e);
        t.replace_range(or..end, "");
    }
    if fits(&t) {
        return t;
    }
    let (head, tail) = match t.rfind(" · ") {
        Some(i) => (&t[..i], &t[i..]),
        None => (t.as_str(), ""),
    };
    let room = width.saturating_sub(tail.chars().count() + 1);
    if room < 8 {
        // The key alone does not leave room to say what it does: cut the
        // end instead.
        let cut: String = t.chars().take(width.saturating_sub(1)).collect();
        return format!("{cut}…");
    }
    let cut: String = head.chars().take(room).collect();
    // Between words, where there is a space to cut at.
    let cut = match cut.rfind(' ') {
        Some(i) if i > 0 && head.chars().count() > room => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…{tail}", cut.trim_end())
}

fn mm_ss(secs: i64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The next action for the session in `ctx`; `canary`: what the canary
/// plan says next (when `[canary]` is configured), `running`: the step
/// whose command runs now, if one does.
pub fn next_action(
    ctx: &Ctx,
    focus: Pane,
    canary: Option<&PlanAction>,
    running: Option<&str>,
) -> Option<Next> {
    let st = ctx.state()?;
    match st.status {
        SessionStatus::Completed => {
            return Some(Next {
                text: "✔ the release is complete · `greenlight report` writes its record".into(),
                tone: Tone::Ok,
                waiting: None,
            });
        }
        SessionStatus::Aborted => return None,
        _ => {}
    }
    // Nothing to name before the session started.
    st.started.as_ref()?;
    if let Some(step) = running {
        return Some(Next::now(format!(
            "`{step}` is running (its output is in Logs) · {} cancels it",
            ctx.key(KeyAction::CancelRun)
        )));
    }
    let i = first_actionable(st)?;
    let (p, s) = (st.plan.steps.get(i)?, st.steps.get(i)?);
    let id = &p.id;
    if p.is_signoff() {
        return Some(signoff(ctx, st, p));
    }
    if p.is_canary() && s.status == StepStatus::InProgress {
        return Some(canary_next(ctx, focus, p, canary));
    }
    let text = match s.status {
        StepStatus::InProgress if p.run.is_some() => {
            format!("run `{id}` · {}", enter(ctx, focus))
        }
        StepStatus::InProgress if p.evidence_required => {
            format!("complete `{id}` with its evidence · {}", enter(ctx, focus))
        }
        StepStatus::InProgress => format!("complete `{id}` · {}", enter(ctx, focus)),
        _ if p.run.is_some() => format!("run `{id}` ({}) · {}", p.owner, enter(ctx, focus)),
        _ if p.evidence_required && p.ack.is_empty() && !p.is_canary() => format!(
            "complete `{id}` ({}) with its evidence · {}",
            p.owner,
            enter(ctx, focus)
        ),
        _ if p.kind == "check" && !p.evidence_required && p.ack.is_empty() && !p.manifest => {
            format!("complete `{id}` ({}) · {}", p.owner, enter(ctx, focus))
        }
        _ => format!("start `{id}` ({}) · {}", p.owner, enter(ctx, focus)),
    };
    Some(Next::now(text))
}

fn canary_next(ctx: &Ctx, focus: Pane, p: &PlanStep, action: Option<&PlanAction>) -> Next {
    let id = &p.id;
    let w = weight_key(ctx, focus);
    let Some(action) = action else {
        return Next::now(format!(
            "canary step `{id}`: no [canary] source to judge it · complete it · {}",
            enter(ctx, focus)
        ));
    };
    match action {
        PlanAction::SetWeight { weight, from: None } => {
            Next::now(format!("start the canary at {weight} % · {w}"))
        }
        PlanAction::SetWeight {
            weight,
            from: Some(f),
        } => Next::now(format!("canary at {f} % · Promote · {w} sets {weight} %")),
        PlanAction::Wait { weight, until } => {
            let left = until.duration_since(ctx.now_or_real()).as_secs().max(0);
            Next {
                text: format!(
                    "canary at {weight} % · {} left to observe · then {w}",
                    mm_ss(left)
                ),
                tone: Tone::Info,
                waiting: Some(format!("canary observation at {weight} %")),
            }
        }
        PlanAction::NeedsPromote {
            weight,
            next,
            verdict,
            ..
        } => Next {
            text: format!(
                "canary at {weight} % · waits for a Promote (latest: {}) · then {w} sets {next} %",
                verdict.as_deref().unwrap_or("none yet")
            ),
            tone: Tone::Info,
            waiting: Some(format!("a Promote at {weight} %")),
        },
        PlanAction::ProposeRollback { weight, .. } => Next {
            text: format!(
                "✘ the canary at {weight} % says roll back · {}",
                ctx.key(KeyAction::Rollback)
            ),
            tone: Tone::Bad,
            waiting: None,
        },
        PlanAction::RolledBack => Next::now(format!(
            "the canary was rolled back · skip `{id}` ({}) or start it again",
            ctx.key(KeyAction::Skip)
        )),
        PlanAction::Done { weight } => {
            let complete = crate::session::Command::Complete {
                step: id.clone(),
                note: None,
            };
            // The rules want a Promote recorded at the last weight after
            // its observation: the judge records it on its next round.
            if ctx.refusal(&complete).is_some() {
                return Next {
                    text: format!(
                        "canary at {weight} % · waits for a Promote judged there · then {}",
                        ctx.key(KeyAction::Act)
                    ),
                    tone: Tone::Info,
                    waiting: Some(format!("a Promote at {weight} %")),
                };
            }
            let key = if matches!(focus, Pane::Canary | Pane::Checklist) {
                ctx.key(KeyAction::Act)
            } else {
                enter(ctx, focus)
            };
            Next {
                text: format!("canary at {weight} % · complete `{id}` · {key}"),
                tone: Tone::Ok,
                waiting: None,
            }
        }
    }
}

fn signoff(ctx: &Ctx, st: &crate::session::SessionState, p: &PlanStep) -> Next {
    let open: Vec<&str> = signoff_rows(st)
        .into_iter()
        .filter(|r| r.plan.id == p.id && r.decision.is_none_or(|d| !d.approve))
        .map(|r| r.role)
        .collect();
    let Some(role) = open.first() else {
        return Next::now(format!("`{}` is signed", p.id));
    };
    let people: Vec<&str> = st
        .people
        .iter()
        .filter(|m| m.roles.iter().any(|r| r == role))
        .map(|m| m.name.as_str())
        .collect();
    let whose = match people.as_slice() {
        [] => format!("the {role}'s approval"),
        [one] => format!("{one}'s approval ({role})"),
        many => format!("the approval of {} ({role})", many.join(" or ")),
    };
    let at_keyboard_may = ctx
        .person
        .is_some_and(|m| !st.roles_enforced() || st.roles_of(&m.email).iter().any(|r| r == role));
    let how = if at_keyboard_may {
        format!("{} approves", ctx.key(KeyAction::Approve))
    } else {
        format!(
            "{} hands them the keyboard, or `greenlight signoff --role {role} --approve` from their terminal",
            ctx.key(KeyAction::SwitchPerson)
        )
    };
    let more = if open.len() > 1 {
        format!(" (then {})", open[1..].join(", "))
    } else {
        String::new()
    };
    Next {
        text: format!("{whose}{more} · {how}"),
        tone: Tone::Info,
        waiting: (!at_keyboard_may).then(|| format!("{role}'s approval")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_and_seconds() {
        assert_eq!(mm_ss(72), "1:12");
        assert_eq!(super::shorten("a · b", 10), "a · b");
        let long = "complete `security-impact` (security) with its evidence · enter in Checklist (tab to go there)";
        assert_eq!(
            super::shorten(long, 80),
            "complete `security-impact` (security) with its evidence · enter in Checklist"
        );
        assert_eq!(
            super::shorten(long, 52),
            "complete `security-impact`… · enter in Checklist"
        );
        let ask = "Pat's approval (pm) · @ hands them the keyboard, or `greenlight signoff --role pm --approve` from their terminal";
        assert_eq!(
            super::shorten(ask, 52),
            "Pat's approval · @ hands them the keyboard"
        );
        assert!(super::shorten(long, 5).chars().count() <= 5);
        assert_eq!(mm_ss(5), "0:05");
    }
}
