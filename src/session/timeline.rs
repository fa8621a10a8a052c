//! The session's timeline: every event in the fold's order, with its
//! time, the person (and whose device, after a hand-over), what happened
//! and why, and whether the fold applied it (a refusal recorded from
//! another clone stays, marked not applied with the reason). Filterable
//! by person and by kind. The app's timeline and the report's section
//! read the same entries.

use std::sync::Arc;

use serde::Serialize;

use super::Event;
use super::state::{SessionState, describe};

/// One event as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// RFC 3339, UTC.
    pub at: Arc<str>,
    /// "Pat Product", or "Pat Product on Dana Developer's device".
    pub person: String,
    pub email: String,
    /// The event's kind (`step_completed`).
    pub kind: Arc<str>,
    /// What happened, with its note, reason or comment.
    pub what: String,
    /// Why the fold did not apply it, if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<String>,
}

impl Entry {
    /// The group of kinds it belongs to (what the kind filter picks).
    pub fn group(&self) -> Kind {
        Kind::of(&self.kind, self.not_applied.is_some())
    }
}

/// Groups of event kinds a person filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Steps,
    Signoffs,
    Canary,
    Commands,
    Notes,
    /// Overrides, acknowledgements, recoveries, hand-overs.
    Exceptions,
    /// Events the fold did not apply.
    NotApplied,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Steps,
        Kind::Signoffs,
        Kind::Canary,
        Kind::Commands,
        Kind::Notes,
        Kind::Exceptions,
        Kind::NotApplied,
        Kind::Other,
    ];

    pub fn of(kind: &str, not_applied: bool) -> Kind {
        if not_applied {
            return Kind::NotApplied;
        }
        if kind.starts_with("signoff") {
            Kind::Signoffs
        } else if kind.starts_with("canary") {
            Kind::Canary
        } else if kind.starts_with("command") || kind.starts_with("rollback") {
            Kind::Commands
        } else if kind.starts_with("step_") && kind != "step_acknowledged" {
            Kind::Steps
        } else if kind.starts_with("note") || kind.starts_with("release_notes") {
            Kind::Notes
        } else if matches!(
            kind,
            "rule_overridden" | "step_acknowledged" | "journal_recovered" | "keyboard_handed_over"
        ) {
            Kind::Exceptions
        } else {
            Kind::Other
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Kind::Steps => "steps",
            Kind::Signoffs => "sign-offs",
            Kind::Canary => "canary",
            Kind::Commands => "commands",
            Kind::Notes => "notes",
            Kind::Exceptions => "exceptions",
            Kind::NotApplied => "not applied",
            Kind::Other => "other",
        }
    }

    /// A kind from its word (`sign-offs`, `signoffs`, `not-applied`).
    pub fn parse(word: &str) -> Option<Kind> {
        let w: String = word
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Kind::ALL.into_iter().find(|k| {
            let name: String = k
                .word()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            name == w || name.trim_end_matches('s') == w
        })
    }
}

/// Which entries to keep: a person (part of a name or an email, any
/// case) and a kind; `None` keeps all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub person: Option<String>,
    pub kind: Option<Kind>,
}

impl Filter {
    pub fn keeps(&self, e: &Entry) -> bool {
        let person = self.person.as_deref().is_none_or(|p| {
            let p = p.to_lowercase();
            e.person.to_lowercase().contains(&p) || e.email.to_lowercase().contains(&p)
        });
        person && self.kind.is_none_or(|k| e.group() == k)
    }
}

/// Every event of the session, in the fold's order. `events` are the
/// session's events in that order (what `Session::events` gives).
pub fn entries(state: &SessionState, events: &[Event]) -> Vec<Entry> {
    state
        .history
        .iter()
        .map(|h| Entry {
            at: h.by.at.clone(),
            person: h.by.person().into_owned(),
            email: h.by.who.email.clone(),
            kind: h.kind.clone(),
            what: events.get(h.index).map(describe).unwrap_or_default(),
            not_applied: h.not_applied.clone(),
        })
        .collect()
}

/// The people of a timeline, each once, in order of appearance.
pub fn people(entries: &[Entry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        let name = e
            .person
            .split(" on ")
            .next()
            .unwrap_or(&e.person)
            .to_string();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_group_and_parse() {
        assert_eq!(Kind::of("step_completed", false), Kind::Steps);
        assert_eq!(Kind::of("signoff_given", false), Kind::Signoffs);
        assert_eq!(Kind::of("step_completed", true), Kind::NotApplied);
        assert_eq!(Kind::of("rule_overridden", false), Kind::Exceptions);
        assert_eq!(Kind::of("step_acknowledged", false), Kind::Exceptions);
        assert_eq!(Kind::parse("sign-offs"), Some(Kind::Signoffs));
        assert_eq!(Kind::parse("signoff"), Some(Kind::Signoffs));
        assert_eq!(Kind::parse("not-applied"), Some(Kind::NotApplied));
        assert_eq!(Kind::parse("bogus"), None);
    }
}
