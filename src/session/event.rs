//! One journal record: its fields, its canonical encoding and its hash.
//!
//! A line on disk is the canonical JSON of every field but `hash`, with
//! `,"hash":"<hex>"` spliced in before the closing brace. So the hash of a
//! line can be checked from its bytes alone, without re-encoding it, which
//! keeps `audit verify` close to the speed of hashing the file.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The format version written in every event.
pub const EVENT_VERSION: u32 = 1;

/// The `prev` of the first event of an actor file.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The person who made an event (not necessarily the owner of the device:
/// pairing over screen share hands the keyboard around).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Who {
    pub name: String,
    pub email: String,
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// A journal event as stored. `data` stays raw JSON until the fold asks for
/// its typed payload, so reading a large session does not build trees it
/// never looks at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub v: u32,
    pub session: String,
    pub actor: String,
    pub seq: u64,
    pub lamport: u64,
    pub at: String,
    pub who: Who,
    pub kind: String,
    pub data: Box<RawValue>,
    pub prev: String,
    pub hash: String,
}

/// The fields that are hashed, in their canonical order. Serializing this
/// struct with serde_json gives the canonical encoding: fixed field order, no
/// whitespace, and `data` exactly as it was first written.
#[derive(Serialize)]
struct Canonical<'a> {
    v: u32,
    session: &'a str,
    actor: &'a str,
    seq: u64,
    lamport: u64,
    at: &'a str,
    who: &'a Who,
    kind: &'a str,
    data: &'a RawValue,
    prev: &'a str,
}

/// Everything needed to make an event except what the journal fills in.
pub struct Draft<'a> {
    pub session: &'a str,
    pub actor: &'a str,
    pub seq: u64,
    pub lamport: u64,
    pub at: String,
    pub who: &'a Who,
    pub kind: &'a str,
    pub data: &'a RawValue,
    pub prev: &'a str,
}

const HASH_PREFIX: &[u8] = b",\"hash\":\"";

impl Event {
    /// Build an event and its line (without the trailing newline).
    pub fn seal(d: Draft<'_>) -> Result<(Event, String), serde_json::Error> {
        let canonical = serde_json::to_string(&Canonical {
            v: EVENT_VERSION,
            session: d.session,
            actor: d.actor,
            seq: d.seq,
            lamport: d.lamport,
            at: &d.at,
            who: d.who,
            kind: d.kind,
            data: d.data,
            prev: d.prev,
        })?;
        let hash = hex::encode(Sha256::digest(canonical.as_bytes()));
        let mut line = String::with_capacity(canonical.len() + HASH_PREFIX.len() + 66);
        line.push_str(&canonical[..canonical.len() - 1]);
        line.push_str(",\"hash\":\"");
        line.push_str(&hash);
        line.push_str("\"}");
        let event = Event {
            v: EVENT_VERSION,
            session: d.session.to_string(),
            actor: d.actor.to_string(),
            seq: d.seq,
            lamport: d.lamport,
            at: d.at,
            who: d.who.clone(),
            kind: d.kind.to_string(),
            data: d.data.to_owned(),
            prev: d.prev.to_string(),
            hash,
        };
        Ok((event, line))
    }

    /// Parse a typed payload out of `data`; `None` for kinds this build does
    /// not know (written by a newer greenlight) or malformed data.
    pub fn payload(&self) -> Option<crate::session::payload::Payload> {
        crate::session::payload::Payload::from_parts(&self.kind, &self.data)
    }
}

/// Why a line's own hash does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineHashError {
    #[error("the line does not end with a \"hash\" field")]
    NoHashField,
    #[error("hash mismatch: the line says {stated}, its content hashes to {actual}")]
    Mismatch { stated: String, actual: String },
}

/// Check a line's hash from its bytes: the stated hash must be the sha256 of
/// the line with the hash field removed. Returns the stated hash.
pub fn check_line_hash(line: &[u8]) -> Result<&str, LineHashError> {
    // `,"hash":"` + 64 hex + `"}`
    let tail = HASH_PREFIX.len() + 64 + 2;
    if line.len() < tail + 2 || !line.ends_with(b"\"}") {
        return Err(LineHashError::NoHashField);
    }
    let start = line.len() - tail;
    if &line[start..start + HASH_PREFIX.len()] != HASH_PREFIX {
        return Err(LineHashError::NoHashField);
    }
    let stated = std::str::from_utf8(&line[start + HASH_PREFIX.len()..line.len() - 2])
        .map_err(|_| LineHashError::NoHashField)?;
    let mut hasher = Sha256::new();
    hasher.update(&line[..start]);
    hasher.update(b"}");
    let actual = hasher.finalize();
    let mut actual_hex = [0u8; 64];
    // hex::encode_to_slice cannot fail for a 32-byte input into 64 bytes.
    if hex::encode_to_slice(actual, &mut actual_hex).is_err() {
        return Err(LineHashError::NoHashField);
    }
    if actual_hex != stated.as_bytes() {
        return Err(LineHashError::Mismatch {
            stated: stated.to_string(),
            actual: String::from_utf8_lossy(&actual_hex).into_owned(),
        });
    }
    Ok(stated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Who {
        Who { name: "Alice".into(), email: "alice@example.com".into() }
    }

    #[test]
    fn sealed_line_parses_back_and_hash_checks() {
        let data = serde_json::value::to_raw_value(&serde_json::json!({"step": "impact"})).unwrap();
        let (ev, line) = Event::seal(Draft {
            session: "01S",
            actor: "alice@example.com/dev1",
            seq: 1,
            lamport: 3,
            at: "2026-11-26T14:00:00Z".into(),
            who: &who(),
            kind: "step_started",
            data: &data,
            prev: GENESIS,
        })
        .unwrap();
        assert_eq!(check_line_hash(line.as_bytes()).unwrap(), ev.hash);
        let back: Event = serde_json::from_str(&line).unwrap();
        assert_eq!(back.hash, ev.hash);
        assert_eq!(back.lamport, 3);
        assert!(line.starts_with("{\"v\":1,\"session\":\"01S\""));
    }

    #[test]
    fn any_changed_byte_breaks_the_hash() {
        let data = serde_json::value::to_raw_value(&serde_json::json!({"text": "hello"})).unwrap();
        let (_, line) = Event::seal(Draft {
            session: "01S",
            actor: "a/b",
            seq: 1,
            lamport: 1,
            at: "2026-11-26T14:00:00Z".into(),
            who: &who(),
            kind: "note_added",
            data: &data,
            prev: GENESIS,
        })
        .unwrap();
        let hash_start = line.len() - (HASH_PREFIX.len() + 64 + 2);
        for i in 0..hash_start {
            let mut bytes = line.clone().into_bytes();
            bytes[i] ^= 0x01;
            assert!(check_line_hash(&bytes).is_err(), "flip at {i} not caught");
        }
    }
}
