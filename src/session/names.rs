//! File names in a session folder: which actor a journal belongs to, and
//! which files this device writes.
//!
//! An actor is `email/device`. Its journal is `<email>~<device>.jsonl`,
//! with every byte outside a small safe set written as `%XX`, so the
//! mapping is injective: `jörg@x` and `jürg@x` get two files (the first
//! mapping turned both into `j_rg@x` and locked the second person out).
//! Files named by that first mapping are still read and verified.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// The file name of an actor's journal.
pub fn actor_file_name(actor: &str) -> String {
    let (email, device) = actor.split_once('/').unwrap_or((actor, ""));
    let mut name = encode(email);
    if name.len() > 150 {
        // File names stop at 255 bytes: a very long address is named by
        // its digest (collision-resistant, so still one file per person).
        name = format!(
            "sha256-{}",
            &hex::encode(Sha256::digest(email.as_bytes()))[..40]
        );
    }
    name.push('~');
    name.push_str(&encode(device));
    name.push_str(".jsonl");
    name
}

/// Safe bytes as they are, `/` (only in the device part, which has none
/// normally) and everything else as `%XX`: never two actors on one name.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"@.-_+".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The name the first versions of greenlight gave an actor's journal
/// (`/` as `~`, anything else unsafe as `_`); still read, never made.
pub fn legacy_actor_file_name(actor: &str) -> String {
    let mut name: String = actor
        .chars()
        .map(|c| match c {
            '/' => '~',
            c if c.is_ascii_alphanumeric() || "@.-_+".contains(c) => c,
            _ => '_',
        })
        .collect();
    name.push_str(".jsonl");
    name
}

/// May `actor`'s events be in the file called `name`?
pub fn file_belongs_to(name: &str, actor: &str) -> bool {
    name == actor_file_name(actor) || name == legacy_actor_file_name(actor)
}

/// Is `name` a file set aside beside a journal: a torn tail, a damaged
/// part cut off by `audit recover`, a copy that diverged from or was
/// refused by a sync?
pub fn is_set_aside(name: &str) -> bool {
    [
        ".jsonl.torn-",
        ".jsonl.damaged-",
        ".jsonl.fork-",
        ".jsonl.tamper-",
        ".jsonl.rejected-",
    ]
    .iter()
    .any(|m| name.contains(m))
}

/// The lock file beside a journal.
pub fn lock_file_name(journal: &str) -> String {
    format!("{}.lock", journal.strip_suffix(".jsonl").unwrap_or(journal))
}

/// Is `name` (a journal, or a file set aside from one) written by this
/// device? Only this device writes its own journals: a copy of one
/// arriving from anywhere else is tampering, never an update.
pub fn is_own_file(name: &str, device: &str) -> bool {
    let base = match name.find(".jsonl") {
        Some(i) => &name[..i],
        None => return false,
    };
    !device.is_empty()
        && base
            .rsplit_once('~')
            .is_some_and(|(_, d)| d == encode(device))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_injective() {
        let a = actor_file_name("jörg@x.org/dev1");
        let b = actor_file_name("jürg@x.org/dev1");
        assert_ne!(a, b);
        assert_eq!(a, "j%C3%B6rg@x.org~dev1.jsonl");
        // The characters the encoding itself uses are encoded too.
        assert_ne!(
            actor_file_name("a%41@x/d"),
            actor_file_name("aA@x/d"),
            "%41 must not read as A"
        );
        assert_ne!(actor_file_name("a~b@x/d"), actor_file_name("a/b@x/d"));
        // Plain addresses keep the name the first versions gave them.
        assert_eq!(
            actor_file_name("dana@example.com/abc123-k9x2"),
            legacy_actor_file_name("dana@example.com/abc123-k9x2")
        );
    }

    #[test]
    fn long_addresses_fit_a_file_name() {
        let long = format!("{}@example.com/dev", "ü".repeat(200));
        let name = actor_file_name(&long);
        assert!(name.len() < 100, "{name}");
        assert!(name.ends_with("~dev.jsonl"));
        assert!(file_belongs_to(&name, &long));
    }

    #[test]
    fn own_files_are_named_by_the_device() {
        let name = actor_file_name("dana@x/m1-ab12");
        assert!(is_own_file(&name, "m1-ab12"));
        assert!(is_own_file(&format!("{name}.torn-1"), "m1-ab12"));
        assert!(!is_own_file(&name, "m1-ab13"));
        assert!(!is_own_file(
            &actor_file_name("dana@x/zz-m1-ab12"),
            "m1-ab12"
        ));
        assert!(!is_own_file("README", "m1-ab12"));
        assert!(!is_own_file(&name, ""));
    }

    #[test]
    fn legacy_names_still_belong() {
        assert!(file_belongs_to("j_rg@x~d.jsonl", "jörg@x/d"));
        assert!(file_belongs_to("j%C3%B6rg@x~d.jsonl", "jörg@x/d"));
        assert!(!file_belongs_to("j%C3%B6rg@x~d.jsonl", "jürg@x/d"));
    }
}
