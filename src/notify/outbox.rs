//! What is due to be sent: each moment caused by this device's events,
//! for each target the session froze that listens for it, that has no
//! successful delivery recorded. Failed attempts wait longer each time
//! (2 s, 4 s, 8 s, … up to 10 minutes) and stop after `MAX_ATTEMPTS`.

use crate::session::{Event, SessionState};

use super::moments::{Notice, notices};

/// Attempts before a delivery is given up (and shown as such).
pub const MAX_ATTEMPTS: u32 = 8;

/// One delivery to make now.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub target: String,
    pub notice: Notice,
    /// 1 for the first attempt.
    pub attempt: u32,
}

/// A delivery ready to go out on any thread: where, what, and the key
/// its attempt is recorded under.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub due: Due,
    /// The target as configured now (None: it was removed from the file).
    pub target: Option<super::Target>,
    pub json: String,
    pub slack: String,
    pub subject: String,
    pub text: String,
    pub repo_root: std::path::PathBuf,
    /// E-mail: the addresses of its roles and audiences.
    pub recipients: Vec<String>,
}

impl Outgoing {
    /// Send it; the attempt as it is recorded.
    pub fn send(&self) -> crate::session::payload::NotificationSent {
        let result = match &self.target {
            Some(t) => super::deliver::send_rendered(
                t,
                &super::deliver::Rendered {
                    json: &self.json,
                    slack: &self.slack,
                    subject: &self.subject,
                    text: &self.text,
                },
                &self.repo_root,
                &self.recipients,
            ),
            None => Err(format!(
                "no [[notify]] target named {} in .greenlight.toml any more",
                self.due.target
            )),
        };
        crate::session::payload::NotificationSent {
            target: self.due.target.clone(),
            moment: self.due.notice.moment.as_str().to_string(),
            cause: self.due.notice.cause.clone(),
            ok: result.is_ok(),
            result: match result {
                Ok(r) | Err(r) => r,
            },
            attempt: self.due.attempt,
            step: self.due.notice.step.clone(),
        }
    }
}

/// Seconds to wait after the `n`th failed attempt.
pub fn backoff_secs(n: u32) -> i64 {
    (2i64 << n.saturating_sub(1).min(9)).min(600)
}

/// The deliveries due at `now` from this device (`actor`).
pub fn due(state: &SessionState, events: &[Event], actor: &str, now: jiff::Timestamp) -> Vec<Due> {
    if state.notify_targets.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for notice in notices(&state.id, events) {
        if notice.actor != actor {
            continue;
        }
        for target in &state.notify_targets {
            if !target.on.contains(&notice.moment) {
                continue;
            }
            let tries: Vec<_> = state
                .notifications
                .iter()
                .filter(|(_, n)| {
                    n.target == target.name
                        && n.cause == notice.cause
                        && n.moment == notice.moment.as_str()
                })
                .collect();
            if tries.iter().any(|(_, n)| n.ok) {
                continue;
            }
            let failed = u32::try_from(tries.len()).unwrap_or(u32::MAX);
            if failed >= MAX_ATTEMPTS {
                continue;
            }
            let waited = tries.last().is_none_or(|(by, _)| {
                by.at.parse::<jiff::Timestamp>().map_or(true, |t| {
                    now.as_second() - t.as_second() >= backoff_secs(failed)
                })
            });
            if waited {
                out.push(Due {
                    target: target.name.clone(),
                    notice: notice.clone(),
                    attempt: failed + 1,
                });
            }
        }
    }
    out
}

/// Deliveries given up after `MAX_ATTEMPTS`: target, moment, last reason.
pub fn given_up(state: &SessionState) -> Vec<(String, String, String)> {
    let mut counts: std::collections::BTreeMap<(String, String, String), (u32, bool, String)> =
        Default::default();
    for (_, n) in &state.notifications {
        let e = counts
            .entry((n.target.clone(), n.moment.clone(), n.cause.clone()))
            .or_default();
        e.0 += 1;
        e.1 |= n.ok;
        e.2 = n.result.clone();
    }
    counts
        .into_iter()
        .filter(|(_, (n, ok, _))| !ok && *n >= MAX_ATTEMPTS)
        .map(|((t, m, _), (_, _, why))| (t, m, why))
        .collect()
}
