//! The read-only context a pane or an overlay sees: the session as
//! loaded, the person at the keyboard, the keymap, the theme, the clock,
//! whether the session can be written, the manifest, and a glance at the
//! live canary. Never the app: what a pane may change is its own state,
//! and what it asks of the rest goes out through [`super::out::Out`].

use std::sync::Arc;

use crate::canary::Verdict;
use crate::config::Person;
use crate::session::state::{Decision, StepState};
use crate::session::{Command, PlanStep, SessionState, SessionStatus, StepStatus, Who};

use super::keymap::{KeyAction, Keymap};
use super::manifest::ManifestState;
use super::theme::Theme;

/// The session as the app shows it: the folded state, shared with the
/// driver (a refresh that brought nothing new costs nothing), plus what
/// the driver knows.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub state: Arc<SessionState>,
    /// Why this process cannot write to the session, if it cannot.
    pub read_only: Option<String>,
    /// Journal lines that could not be read, and torn tails set aside.
    pub warnings: Vec<String>,
    /// The journal does not verify (a line unreadable, a link broken):
    /// the first problem. Writes are refused until it is recovered.
    pub broken: Option<String>,
    /// The email of the person whose device this is (whose actor file
    /// the app writes), when known.
    pub device_owner: Option<String>,
}

/// A person who can be at the keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
}

impl Member {
    pub fn who(&self) -> Who {
        Who {
            name: self.name.clone(),
            email: self.email.clone(),
        }
    }

    /// `Name (pm, dm)` or just the name.
    pub fn label(&self) -> String {
        if self.roles.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.roles.join(", "))
        }
    }

    /// `Name <email>`: who confirmed.
    pub fn confirmer(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

/// The people of `[[people]]`, plus `me` (the git identity) if not listed.
/// Returns them and the index of `me`.
pub fn roster(people: &[Person], me: &Who) -> (Vec<Member>, usize) {
    let mut out: Vec<Member> = people
        .iter()
        .map(|p| Member {
            name: p.name.clone(),
            email: p.email.clone(),
            roles: p.roles.clone(),
        })
        .collect();
    let idx = match out
        .iter()
        .position(|m| m.email.eq_ignore_ascii_case(&me.email))
    {
        Some(i) => i,
        None => {
            out.insert(
                0,
                Member {
                    name: me.name.clone(),
                    email: me.email.clone(),
                    roles: Vec::new(),
                },
            );
            0
        }
    };
    (out, idx)
}

/// What the Checklist shows of the live canary in a canary step's
/// details: the latest judgement's verdict, score, time and staleness.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CanaryGlance {
    /// `[canary]` is configured and usable.
    pub configured: bool,
    pub verdict: Option<Verdict>,
    pub score: Option<f64>,
    pub at: Option<jiff::Timestamp>,
    pub stale: bool,
}

/// What every pane and overlay may read.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub session: Option<&'a SessionView>,
    pub person: Option<&'a Member>,
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    /// The app's clock (set by ticks; fixed in tests).
    pub now: Option<jiff::Timestamp>,
    /// The focused pane fills the screen.
    pub zoom: bool,
    /// The repository's manifest of components.
    pub manifest: &'a ManifestState,
    pub canary: CanaryGlance,
    /// A release train's components, as last read.
    pub train: &'a TrainView,
}

/// The release train as the app last read it (release-train sessions).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainView {
    pub status: Option<crate::train::TrainStatus>,
    /// Why the last read failed, when it did.
    pub error: Option<String>,
    /// When it was last asked for (one read at a time, about a second
    /// apart).
    pub asked: Option<jiff::Timestamp>,
    pub reading: bool,
}

impl<'a> Ctx<'a> {
    /// Would the session's rules refuse `cmd` from the person at the
    /// keyboard? Asked before a prompt opens, so nobody types a note the
    /// session then refuses. The refusal, and whether an override gets
    /// past it; evidence is left to the prompt that asks for it.
    pub fn refusal(&self, cmd: &Command) -> Option<(String, bool)> {
        let st = self.state()?;
        let who = self.person.map(Member::who);
        if let Some(why) = self.session.and_then(|v| v.read_only.as_ref()) {
            return Some((format!("this session is open read-only: {why}"), false));
        }
        let payload = match st.prepare(cmd, who.as_ref()) {
            Ok(p) => p,
            Err(e) => return Some((e.to_string(), false)),
        };
        if let (Some(who), Some(owner)) = (&who, self.session.and_then(|v| v.device_owner.as_ref()))
            && let Some(p) = st.signatures.handed_over(&payload, &who.email, owner)
        {
            return Some((p.to_string(), false));
        }
        let breaches: Vec<String> = st
            .breaches(&payload, who.as_ref())
            .into_iter()
            .filter(|b| b.rule != crate::session::Rule::Evidence)
            .map(|b| b.error.to_string())
            .collect();
        (!breaches.is_empty()).then(|| (breaches.join("; and "), true))
    }

    pub fn state(&self) -> Option<&'a SessionState> {
        self.session.map(|v| &*v.state)
    }

    /// Why this process cannot write to the session, if it cannot.
    pub fn read_only(&self) -> Option<&'a str> {
        self.session.and_then(|v| v.read_only.as_deref())
    }

    /// Why the open session cannot be written now, if it cannot.
    pub fn not_writable(&self) -> Option<String> {
        let v = self.session?;
        if let Some(why) = &v.read_only {
            return Some(format!("this session is open read-only: {why}"));
        }
        if v.state.status != SessionStatus::Open {
            return Some("the session is closed".into());
        }
        None
    }

    /// The keys of an action, for a hint.
    pub fn key(&self, a: KeyAction) -> String {
        self.keymap.label(a)
    }

    /// The clock, or the real time before the first tick.
    pub fn now_or_real(&self) -> jiff::Timestamp {
        self.now.unwrap_or_else(jiff::Timestamp::now)
    }
}

/// One row of the Sign-off pane: a role a sign-off step asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SignoffRow<'a> {
    pub plan: &'a PlanStep,
    pub step: &'a StepState,
    pub role: &'a str,
    pub decision: Option<&'a Decision>,
}

/// Every (sign-off step, role) of a session, in plan order.
pub fn signoff_rows(st: &SessionState) -> Vec<SignoffRow<'_>> {
    let mut rows = Vec::new();
    for (p, s) in st.plan.steps.iter().zip(&st.steps) {
        if !p.is_signoff() {
            continue;
        }
        let latest = s.latest_decisions();
        for role in &p.roles {
            rows.push(SignoffRow {
                plan: p,
                step: s,
                role,
                decision: latest.iter().find(|d| &d.role == role).copied(),
            });
        }
    }
    rows
}

/// The first step that can be worked on now (in progress, or ready), in
/// plan order.
pub fn first_actionable(st: &SessionState) -> Option<usize> {
    let in_progress = st
        .steps
        .iter()
        .position(|s| s.status == StepStatus::InProgress);
    let ready = st
        .plan
        .steps
        .iter()
        .zip(&st.steps)
        .position(|(p, s)| !s.status.is_settled() && st.pending_requires(p).is_empty());
    in_progress.or(ready)
}

/// The first row of a list window of `height` rows that keeps `selected`
/// visible, scrolling as little as possible from the top. The draw uses
/// it and reports the window it drew, which mouse hit-testing reads.
pub fn window_start(selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let max_start = len - height;
    // Keep one row of context below the selection where there is room.
    (selected + 2)
        .saturating_sub(height)
        .min(selected)
        .min(max_start)
}

/// The first row on screen for rows `heights` tall (a row wrapped to fit
/// its text takes more than one) in `room` rows: the selected row and
/// the row under it show.
pub fn window_rows(heights: &[u16], selected: usize, room: u16) -> usize {
    let len = heights.len();
    if len == 0 {
        return 0;
    }
    let selected = selected.min(len - 1);
    let mut start = window_start(selected, len, usize::from(room));
    let end = (selected + 2).min(len);
    while start < selected && heights[start..end].iter().sum::<u16>() > room {
        start += 1;
    }
    start
}

/// The rows each list row on screen takes, from `start`, in `room` rows
/// (the last cut to what is left); empty when every row takes one (see
/// [`super::pane::Drawn::heights`]).
pub fn heights_on_screen(heights: &[u16], start: usize, room: u16) -> Vec<u16> {
    if heights.iter().all(|h| *h <= 1) {
        return Vec::new();
    }
    let mut room = room;
    heights
        .get(start..)
        .unwrap_or_default()
        .iter()
        .map_while(|h| {
            let h = (*h).min(room);
            room -= h;
            (h > 0).then_some(h)
        })
        .collect()
}

/// Move a selection among `len` rows by a key (up, down, top, bottom).
pub fn move_selection(selected: &mut usize, len: usize, k: KeyAction) -> bool {
    let last = len.saturating_sub(1);
    *selected = match k {
        KeyAction::Up => selected.saturating_sub(1),
        KeyAction::Down => (*selected + 1).min(last),
        KeyAction::Top => 0,
        KeyAction::Bottom => last,
        _ => return false,
    };
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(window_start(0, 5, 10), 0);
        assert_eq!(window_start(3, 20, 5), 0);
        assert_eq!(window_start(4, 20, 5), 1);
        assert_eq!(window_start(19, 20, 5), 15);
        assert_eq!(window_start(7, 20, 0), 0);
        for sel in 0..20 {
            for h in 1..8 {
                let s = window_start(sel, 20, h);
                assert!(s <= sel && sel < s + h, "sel {sel} h {h} start {s}");
            }
        }
    }

    #[test]
    fn the_git_identity_joins_the_roster_when_not_listed() {
        let people = vec![Person {
            name: "Pat".into(),
            email: "pat@x".into(),
            roles: vec!["pm".into()],
        }];
        let me = Who {
            name: "Dana".into(),
            email: "dana@x".into(),
        };
        let (r, i) = roster(&people, &me);
        assert_eq!((r.len(), i, r[0].name.as_str()), (2, 0, "Dana"));
        let me = Who {
            name: "P".into(),
            email: "PAT@x".into(),
        };
        let (r, i) = roster(&people, &me);
        assert_eq!((r.len(), i, r[0].label().as_str()), (1, 0, "Pat (pm)"));
    }
}
