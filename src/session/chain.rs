//! The links of one actor file, checked as it is read.
//!
//! Each line names the hash of the line before it (`prev`), counts up by
//! one (`seq`), carries a growing Lamport clock, and belongs to its
//! session and to the actor the file is named after. `audit verify`
//! checks all of this from the bytes; every reader checks it too, so a
//! file with a line cut out of its middle or swapped is noticed by
//! `status`, the app and every writing command (which then refuse to act
//! on it), not only by someone who thinks of running verify.

use std::sync::Arc;

use super::event::{Event, GENESIS, Hash32};
use super::names::file_belongs_to;

/// Where the chain of a file stands after the lines read so far.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    /// The last event read, when it is known (None before the first line,
    /// and after a line that could not be read: the next link cannot be
    /// judged then, the unreadable line is the problem already reported).
    last: Option<Link>,
    /// Lines read so far (0: the next line is the file's first).
    lines: usize,
    /// Whether the first line read through this chain was an event.
    first_read: Option<bool>,
    /// The last actor found to own the file: every line of a file names
    /// the same (shared) actor, so its file name is worked out once, not
    /// once per line.
    owner: Option<Arc<str>>,
}

/// What the next line must link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub hash: Hash32,
    pub seq: u64,
    pub lamport: u64,
}

impl Link {
    pub fn of(ev: &Event) -> Link {
        Link {
            hash: ev.hash,
            seq: ev.seq,
            lamport: ev.lamport,
        }
    }
}

/// What the file must hold: events of one session, written by the actor
/// its name says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expect<'a> {
    pub session: Option<&'a str>,
    pub file_name: Option<&'a str>,
}

impl Chain {
    /// A chain starting at the beginning of a file.
    pub fn new() -> Chain {
        Chain::default()
    }

    /// A chain picking up after `lines` lines whose last event is `last`
    /// (None: not known, the next link is not judged).
    pub fn resume(lines: usize, last: Option<Link>) -> Chain {
        Chain {
            last,
            lines,
            first_read: None,
            owner: None,
        }
    }

    /// Was the first line read through this chain an event (None: no line
    /// read yet)? A range read on its own checks its first link after.
    pub fn first_read(&self) -> Option<bool> {
        self.first_read
    }

    pub fn last(&self) -> Option<Link> {
        self.last
    }

    /// A line that could not be read at all: the chain is unknown after it.
    pub fn unreadable(&mut self) {
        self.first_read.get_or_insert(false);
        self.lines += 1;
        self.last = None;
    }

    /// Check the next event; every broken rule, in one sentence each.
    pub fn next(&mut self, ev: &Event, expect: Expect<'_>) -> Vec<String> {
        self.first_read.get_or_insert(true);
        let mut why = Vec::new();
        if let Some(session) = expect.session
            && *ev.session != *session
        {
            why.push(format!("belongs to session {}, not {session}", ev.session));
        }
        if let Some(name) = expect.file_name {
            let known = self
                .owner
                .as_ref()
                .is_some_and(|o| Arc::ptr_eq(o, &ev.actor) || **o == *ev.actor);
            if !known && file_belongs_to(name, &ev.actor) {
                self.owner = Some(ev.actor.clone());
            } else if !known {
                why.push(format!(
                    "written by actor {}, which does not own this file",
                    ev.actor
                ));
            }
        }
        match (self.lines, self.last) {
            (0, _) => {
                if ev.prev != GENESIS {
                    why.push(
                        "the first event of the file must have the genesis prev (64 zeros)".into(),
                    );
                }
                if ev.seq != 1 {
                    why.push(format!("the first event has seq {}; expected 1", ev.seq));
                }
            }
            (_, Some(last)) => why.extend(link_problems(last, ev)),
            (_, None) => {}
        }
        self.lines += 1;
        self.last = Some(Link::of(ev));
        why
    }
}

/// How `ev` fails to follow `last` in the same file, if it does.
pub fn link_problems(last: Link, ev: &Event) -> Vec<String> {
    let mut why = Vec::new();
    if ev.prev != last.hash {
        why.push(format!(
            "prev {} is not the hash of the line before ({}): a line is missing, moved or changed",
            ev.prev, last.hash
        ));
    }
    if Some(ev.seq) != last.seq.checked_add(1) {
        why.push(format!(
            "seq {} follows seq {}; expected {}",
            ev.seq,
            last.seq,
            last.seq.saturating_add(1)
        ));
    }
    if ev.lamport <= last.lamport {
        why.push(format!(
            "lamport {} does not grow past {}",
            ev.lamport, last.lamport
        ));
    }
    why
}
