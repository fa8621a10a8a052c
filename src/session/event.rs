//! One journal record: its fields, its canonical encoding and its hash.
//!
//! A line on disk is the canonical JSON of every field but `hash`, with
//! `,"hash":"<hex>"` spliced in before the closing brace. So the hash of a
//! line can be checked from its bytes alone, without re-encoding it, which
//! keeps `audit verify` close to the speed of hashing the file.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The format version written in every event.
pub const EVENT_VERSION: u32 = 1;

/// The `prev` of the first event of an actor file.
pub const GENESIS: Hash32 = Hash32::ZERO;

/// The genesis `prev` as written on disk.
pub const GENESIS_HEX: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// A sha256 digest, written as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    pub const ZERO: Hash32 = Hash32([0; 32]);

    pub fn parse(hex_str: &str) -> Option<Hash32> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_str, &mut out).ok()?;
        Some(Hash32(out))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Display for Hash32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash32({})", self.to_hex())
    }
}

impl Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Cow<'de, str> = Deserialize::deserialize(d)?;
        Hash32::parse(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// A journal event in memory. `data` stays raw JSON until the fold asks for
/// its typed payload, and the strings every event of a file repeats
/// (session, actor, person, kind) are shared, so a session of a hundred
/// thousand events opens fast and stays small.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub v: u32,
    pub session: Arc<str>,
    pub actor: Arc<str>,
    pub seq: u64,
    pub lamport: u64,
    pub at: Arc<str>,
    pub who: Arc<Who>,
    pub kind: Arc<str>,
    pub data: Box<RawValue>,
    /// The sha256 of the line (its `prev` link is checked by `audit
    /// verify` from the bytes and not kept in memory).
    pub hash: Hash32,
}

/// An event as parsed from a line, borrowing from it where it can.
#[derive(Deserialize)]
struct Wire<'a> {
    v: u32,
    #[serde(borrow)]
    session: Cow<'a, str>,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    seq: u64,
    lamport: u64,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    who: WireWho<'a>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    data: Box<RawValue>,
}

#[derive(Deserialize)]
struct WireWho<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    email: Cow<'a, str>,
}

/// Shares the strings that repeat from line to line of one file.
#[derive(Default)]
pub struct Interner {
    session: Option<Arc<str>>,
    actor: Option<Arc<str>>,
    who: Vec<Arc<Who>>,
    kinds: Vec<Arc<str>>,
}

impl Interner {
    fn str_slot(slot: &mut Option<Arc<str>>, s: &str) -> Arc<str> {
        match slot {
            Some(a) if &**a == s => a.clone(),
            _ => {
                let a: Arc<str> = Arc::from(s);
                *slot = Some(a.clone());
                a
            }
        }
    }

    fn who(&mut self, name: &str, email: &str) -> Arc<Who> {
        if let Some(w) = self.who.iter().find(|w| w.name == name && w.email == email) {
            return w.clone();
        }
        let w = Arc::new(Who {
            name: name.to_string(),
            email: email.to_string(),
        });
        if self.who.len() < 64 {
            self.who.push(w.clone());
        }
        w
    }

    fn kind(&mut self, k: &str) -> Arc<str> {
        if let Some(a) = self.kinds.iter().find(|a| &***a == k) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(k);
        if self.kinds.len() < 64 {
            self.kinds.push(a.clone());
        }
        a
    }

    /// Parse one line whose hash the caller has already computed.
    pub fn parse(&mut self, line: &[u8], hash: Hash32) -> Result<Event, serde_json::Error> {
        let w: Wire = serde_json::from_slice(line)?;
        Ok(Event {
            v: w.v,
            session: Self::str_slot(&mut self.session, &w.session),
            actor: Self::str_slot(&mut self.actor, &w.actor),
            seq: w.seq,
            lamport: w.lamport,
            at: Arc::from(&*w.at),
            who: self.who(&w.who.name, &w.who.email),
            kind: self.kind(&w.kind),
            data: w.data,
            hash,
        })
    }
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
    prev: &'a Hash32,
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
    pub prev: &'a Hash32,
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
        let hash = Hash32(Sha256::digest(canonical.as_bytes()).into());
        let mut line = String::with_capacity(canonical.len() + HASH_PREFIX.len() + 66);
        line.push_str(&canonical[..canonical.len() - 1]);
        line.push_str(",\"hash\":\"");
        line.push_str(&hash.to_hex());
        line.push_str("\"}");
        let event = Event {
            v: EVENT_VERSION,
            session: Arc::from(d.session),
            actor: Arc::from(d.actor),
            seq: d.seq,
            lamport: d.lamport,
            at: Arc::from(d.at),
            who: Arc::new(d.who.clone()),
            kind: Arc::from(d.kind),
            data: d.data.to_owned(),
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
/// the line with the hash field removed. Returns the hash.
pub fn check_line_hash(line: &[u8]) -> Result<Hash32, LineHashError> {
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
    let actual: [u8; 32] = hasher.finalize().into();
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
    Ok(Hash32(actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Who {
        Who {
            name: "Alice".into(),
            email: "alice@example.com".into(),
        }
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
            prev: &GENESIS,
        })
        .unwrap();
        assert_eq!(check_line_hash(line.as_bytes()).unwrap(), ev.hash);
        let h = check_line_hash(line.as_bytes()).unwrap();
        let back = Interner::default().parse(line.as_bytes(), h).unwrap();
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
            prev: &GENESIS,
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
