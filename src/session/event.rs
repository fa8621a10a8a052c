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

    /// 64 hex digits (either case), as `hex::decode` reads them.
    pub fn parse(hex_str: &str) -> Option<Hash32> {
        decode_hex32(hex_str.as_bytes()).map(Hash32)
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

/// The value of each hex digit, 0xFF for any other byte.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// 64 hex digits to 32 bytes through a table, with no branch per digit:
/// every line's `prev` goes through this, and `hex::decode_to_slice`
/// (which checks each digit with a match and an early return) was a tenth
/// of the time of opening a large session.
fn decode_hex32(h: &[u8]) -> Option<[u8; 32]> {
    let h: &[u8; 64] = h.try_into().ok()?;
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(h.chunks_exact(2)) {
        let hi = HEX_VALUE[usize::from(pair[0])];
        let lo = HEX_VALUE[usize::from(pair[1])];
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0F);
    }
    (bad & 0xF0 == 0).then_some(out)
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
    /// The hash of the line before it in its actor file ([`GENESIS`] for
    /// the first): readers check every link as they read, so a chain with
    /// a line removed or swapped is noticed by every command, not only by
    /// `audit verify`.
    pub prev: Hash32,
    /// The sha256 of the line.
    pub hash: Hash32,
    /// Its signing, when it names a key or carries a signature (one
    /// pointer: most events of most sessions are unsigned, and a large
    /// session's events are many).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub signing: Option<Box<Signing>>,
}

/// What a signed line adds to an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Signing {
    /// The fingerprint (`SHA256:…`) of the SSH key the event says signed
    /// it. Hashed with the rest, so a signature cannot be taken off a line
    /// without the line's own hash breaking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Arc<str>>,
    /// The SSH signature over `hash`, base64 (see `crate::signing::sig`):
    /// after the hash on the line, outside what it covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<Box<str>>,
}

impl Signing {
    /// None when there is nothing of either.
    fn of(key: Option<Arc<str>>, sig: Option<Box<str>>) -> Option<Box<Signing>> {
        (key.is_some() || sig.is_some()).then(|| Box::new(Signing { key, sig }))
    }
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
    prev: Hash32,
    #[serde(default, borrow)]
    key: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    sig: Option<Cow<'a, str>>,
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
    ///
    /// Lines exactly as `Event::seal` writes them take a direct walk over
    /// the fixed field order; anything else (escapes, whitespace, another
    /// order, extra fields, malformed JSON) goes through serde_json, so
    /// errors read the same as they always have.
    pub fn parse(&mut self, line: &[u8], hash: Hash32) -> Result<Event, serde_json::Error> {
        // A line that does not close its object is serde_json's to refuse.
        let fast = match line.last() {
            Some(b'}') => {
                let (head, sig) = split_signature(line);
                self.parse_canonical(head, sig, hash)
            }
            _ => None,
        };
        match fast {
            Some(ev) => Ok(ev),
            None => self.parse_serde(line, hash),
        }
    }

    /// The general path: any JSON object with the event's fields.
    fn parse_serde(&mut self, line: &[u8], hash: Hash32) -> Result<Event, serde_json::Error> {
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
            prev: w.prev,
            hash,
            signing: Signing::of(w.key.map(|k| Arc::from(&*k)), w.sig.map(|s| Box::from(&*s))),
        })
    }
}

/// `,"prev":"` + 64 hex + `","hash":"` + 64 hex + `"`: how every canonical
/// line ends after its `data` (before its signature, if signed, and `}`).
const CANONICAL_TAIL: usize = 9 + 64 + 1 + HASH_PREFIX.len() + 64 + 1;

/// What follows the hash on a signed line: `,"sig":"<base64>"`.
const SIG_PREFIX: &[u8] = b",\"sig\":\"";

/// A line up to the closing quote of its hash (`head`), and its signature
/// when the hash is followed by one: `…,"hash":"<hex>","sig":"<b64>"}`.
/// Whatever else the line ends with stays in `head`, for the parsers and
/// the hash check to refuse.
pub fn split_signature(line: &[u8]) -> (&[u8], Option<&str>) {
    let Some(body) = line.strip_suffix(b"\"}") else {
        return (line.strip_suffix(b"}").unwrap_or(line), None);
    };
    let unsigned = (&line[..line.len() - 1], None);
    let Some(q) = memchr::memrchr(b'"', body) else {
        return unsigned;
    };
    let (before, value) = (&body[..q], &body[q + 1..]);
    match before.strip_suffix(&SIG_PREFIX[..SIG_PREFIX.len() - 1]) {
        Some(head)
            if !value.is_empty() && value.iter().all(|&b| crate::signing::sig::is_base64(b)) =>
        {
            // All base64 bytes are ASCII.
            (head, std::str::from_utf8(value).ok())
        }
        _ => unsigned,
    }
}

impl Interner {
    /// Parse a line laid out exactly as `Canonical` serializes it, or `None`
    /// to leave it to serde_json. Every line `seal` writes takes this path,
    /// which is several times faster than the derived deserializer (it is
    /// most of the time of opening a large session).
    ///
    /// It accepts a line only if serde_json would read the same event from
    /// it: the fixed key order with no whitespace, strings without escapes
    /// or control characters (so they are their bytes), integers without
    /// sign, fraction, exponent or leading zero, valid UTF-8, and `data`
    /// checked by serde_json itself to be exactly one JSON value. `prev` and
    /// `hash` must be 64 lowercase hex digits, which fixes where `data` ends.
    fn parse_canonical(&mut self, head: &[u8], sig: Option<&str>, hash: Hash32) -> Option<Event> {
        let body_len = head.len().checked_sub(CANONICAL_TAIL)?;
        let (body, tail) = head.split_at(body_len);
        let tail = tail.strip_prefix(b",\"prev\":\"")?;
        let (prev_hex, tail) = tail.split_at_checked(64)?;
        let tail = tail.strip_prefix(b"\"")?.strip_prefix(HASH_PREFIX)?;
        let (hash_hex, tail) = tail.split_at_checked(64)?;
        // A fold rather than `all`: no early exit, so it vectorizes.
        let is_hex = |h: &[u8]| {
            h.iter()
                .fold(true, |ok, b| ok & matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        if tail != b"\"" || !is_hex(prev_hex) || !is_hex(hash_hex) {
            return None;
        }
        let mut p = CanonicalReader {
            rest: std::str::from_utf8(body).ok()?,
        };
        p.lit("{\"v\":")?;
        let v = u32::try_from(p.uint()?).ok()?;
        p.lit(",\"session\":\"")?;
        let session = p.string()?;
        p.lit(",\"actor\":\"")?;
        let actor = p.string()?;
        p.lit(",\"seq\":")?;
        let seq = p.uint()?;
        p.lit(",\"lamport\":")?;
        let lamport = p.uint()?;
        p.lit(",\"at\":\"")?;
        let at = p.string()?;
        p.lit(",\"who\":{\"name\":\"")?;
        let name = p.string()?;
        p.lit(",\"email\":\"")?;
        let email = p.string()?;
        p.lit("},\"kind\":\"")?;
        let kind = p.string()?;
        let key = match p.lit(",\"key\":\"") {
            Some(()) => Some(p.string()?),
            None => None,
        };
        p.lit(",\"data\":")?;
        // Validates that the rest is one JSON value (as the derived
        // deserializer does for `data`) and trims surrounding whitespace
        // the same way.
        let data = RawValue::from_string(p.rest.to_owned()).ok()?;
        let prev = decode_hex32(prev_hex)?;
        Some(Event {
            v,
            session: Self::str_slot(&mut self.session, session),
            actor: Self::str_slot(&mut self.actor, actor),
            seq,
            lamport,
            at: Arc::from(at),
            who: self.who(name, email),
            kind: self.kind(kind),
            data,
            prev: Hash32(prev),
            hash,
            signing: Signing::of(key.map(Arc::from), sig.map(Box::from)),
        })
    }
}

/// A cursor over the body of a canonical line; every method returns `None`
/// at the first byte that is not what the canonical encoding puts there.
struct CanonicalReader<'a> {
    rest: &'a str,
}

impl<'a> CanonicalReader<'a> {
    fn lit(&mut self, expected: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(expected)?;
        Some(())
    }

    /// A JSON string's content after its opening quote, up to and past the
    /// closing one; `None` if it has an escape (whose decoding is left to
    /// serde_json) or a control character (an error serde_json reports).
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.rest.as_bytes();
        let end = memchr::memchr2(b'"', b'\\', bytes)?;
        if bytes[end] != b'"' || bytes[..end].iter().any(|&b| b < 0x20) {
            return None;
        }
        let s = self.rest.get(..end)?;
        self.rest = self.rest.get(end + 1..)?;
        Some(s)
    }

    /// A non-negative integer as serde_json reads it into a `u64`: digits,
    /// no leading zero, no overflow. A sign, fraction or exponent makes the
    /// next `lit` fail.
    fn uint(&mut self) -> Option<u64> {
        let bytes = self.rest.as_bytes();
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || (digits > 1 && bytes[0] == b'0') {
            return None;
        }
        let mut n: u64 = 0;
        for &b in &bytes[..digits] {
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        self.rest = self.rest.get(digits..)?;
        Some(n)
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
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
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
    /// The fingerprint of the key that will sign the event, if one will.
    pub key: Option<&'a str>,
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
            key: d.key,
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
            prev: *d.prev,
            hash,
            signing: Signing::of(d.key.map(Arc::from), None),
        };
        Ok((event, line))
    }

    /// The fingerprint of the key the event names as its signer.
    pub fn key(&self) -> Option<&str> {
        self.signing.as_ref().and_then(|s| s.key.as_deref())
    }

    /// The signature the line carries (stored form).
    pub fn sig(&self) -> Option<&str> {
        self.signing.as_ref().and_then(|s| s.sig.as_deref())
    }

    /// Add a signature (stored form) to a sealed event and its line.
    pub fn attach_signature(&mut self, line: &mut String, sig: String) {
        if line.ends_with('}') {
            line.pop();
        }
        line.push_str(",\"sig\":\"");
        line.push_str(&sig);
        line.push_str("\"}");
        self.signing.get_or_insert_default().sig = Some(sig.into_boxed_str());
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
    let (head, _) = split_signature(line);
    // `,"hash":"` + 64 hex + `"`
    let tail = HASH_PREFIX.len() + 64 + 1;
    if head.len() < tail + 1 || !line.ends_with(b"}") || !head.ends_with(b"\"") {
        return Err(LineHashError::NoHashField);
    }
    let start = head.len() - tail;
    if &head[start..start + HASH_PREFIX.len()] != HASH_PREFIX {
        return Err(LineHashError::NoHashField);
    }
    let stated = std::str::from_utf8(&head[start + HASH_PREFIX.len()..head.len() - 1])
        .map_err(|_| LineHashError::NoHashField)?;
    let mut hasher = Sha256::new();
    hasher.update(&head[..start]);
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

    #[test]
    fn the_table_decoder_reads_hex_as_the_hex_crate_does() {
        let mut inputs: Vec<Vec<u8>> = vec![
            b"00".repeat(32),
            b"ff".repeat(32),
            b"FF".repeat(32),
            b"0123456789abcdefABCDEF".repeat(3)[..64].to_vec(),
            b"0g".repeat(32),
            b"00".repeat(31),
            b"00".repeat(33),
        ];
        for bad in [b'g', b'G', b' ', b'/', b':', b'@', b'`', 0xFF, 0] {
            let mut v = b"ab".repeat(32);
            v[17] = bad;
            inputs.push(v);
        }
        for input in inputs {
            let mut want = [0u8; 32];
            let want = hex::decode_to_slice(&input, &mut want).ok().map(|()| want);
            assert_eq!(decode_hex32(&input), want, "{input:?}");
        }
    }

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
            key: None,
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
            key: None,
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

/// The canonical fast path of `Interner::parse` against serde_json: same
/// event or same error for every line, canonical or not.
#[cfg(test)]
mod canonical_tests {
    use super::*;

    /// What a parse gave, comparable: the event's every field, or the error.
    fn outcome(r: Result<Event, serde_json::Error>) -> String {
        match r {
            Ok(ev) => format!("{ev:?}"),
            Err(e) => format!("error: {e}"),
        }
    }

    fn both(line: &[u8]) -> (String, String) {
        let hash = Hash32([7; 32]);
        let fast = outcome(Interner::default().parse(line, hash));
        let serde = outcome(Interner::default().parse_serde(line, hash));
        (fast, serde)
    }

    fn assert_same(line: &[u8]) {
        let (fast, serde) = both(line);
        assert_eq!(fast, serde, "line: {}", String::from_utf8_lossy(line));
    }

    fn sealed(name: &str, at: &str, kind: &str, data: serde_json::Value, seq: u64) -> String {
        let data = serde_json::value::to_raw_value(&data).unwrap();
        let who = Who {
            name: name.into(),
            email: format!("{}@example.com", name.len()),
        };
        Event::seal(Draft {
            session: "01JSYNTHETIC00000000000000",
            actor: "a@example.com/dev1",
            seq,
            lamport: seq.saturating_mul(3),
            at: at.into(),
            who: &who,
            kind,
            data: &data,
            prev: &Hash32([0xab; 32]),
            key: None,
        })
        .unwrap()
        .1
    }

    /// Lines as `seal` writes them, with plain and awkward content.
    fn lines() -> Vec<String> {
        use serde_json::json;
        vec![
            sealed(
                "Alice",
                "2026-11-26T14:00:00.000Z",
                "note_added",
                json!({"text": "hi"}),
                1,
            ),
            sealed(
                "Zoë Ünïcödé 🚀",
                "2026-11-26T14:00:00.123Z",
                "step_started",
                json!({"step": "é"}),
                0,
            ),
            sealed(
                "say \"hi\"",
                "t",
                "note_added",
                json!({"text": "a\\b"}),
                u64::MAX / 3,
            ),
            sealed("tab\there", "t\n", "k\u{1}", json!({"text": "\u{0}"}), 9),
            sealed("", "", "", json!({}), 10),
            sealed(
                "A",
                "x",
                "canary_judged",
                json!({"deep": [[[{"a": [1, -2.5e-3, null, true, false]}]]], "n": 18446744073709551615u64, "f": 0.1, "s": "\u{2028}\"}\\"}),
                12345678901234,
            ),
            sealed("A", "x", "odd", json!([1, 2, 3]), 2),
            sealed("A", "x", "odd", json!("just a string"), 3),
            sealed("A", "x", "odd", json!(-0.0), 4),
            sealed("A", "x", "odd", json!(null), 5),
            sealed(
                "A",
                "x",
                "odd",
                json!({"prev": "x", "hash": "y", "data": {"v": 2}}),
                6,
            ),
            signed(2, "U1NIU0lHAAAAAQ=="),
        ]
    }

    #[test]
    fn sealed_lines_take_the_fast_path_and_agree_with_serde() {
        for line in lines() {
            let data_at = line.find(",\"data\":").unwrap();
            let has_escape = line[..data_at].contains('\\');
            let (head, sig) = split_signature(line.as_bytes());
            let fast = Interner::default().parse_canonical(head, sig, Hash32::ZERO);
            // Strings with escapes are left to serde_json on purpose (in
            // `data` they are serde_json's to check anyway).
            assert_eq!(fast.is_some(), !has_escape, "{line}");
            assert_same(line.as_bytes());
        }
    }

    /// A line as a signing writer makes it: the key named in the hashed
    /// part, the signature after the hash.
    fn signed(seq: u64, sig: &str) -> String {
        let data = serde_json::value::to_raw_value(&serde_json::json!({"text": "hi"})).unwrap();
        let who = Who {
            name: "Pat".into(),
            email: "pat@example.com".into(),
        };
        let (mut ev, mut line) = Event::seal(Draft {
            session: "01JSYNTHETIC00000000000000",
            actor: "pat@example.com/dev1",
            seq,
            lamport: seq,
            at: "2026-11-26T14:00:00.000Z".into(),
            who: &who,
            kind: "note_added",
            data: &data,
            prev: &Hash32([0xab; 32]),
            key: Some("SHA256:abc+/def"),
        })
        .unwrap();
        ev.attach_signature(&mut line, sig.to_string());
        line
    }

    #[test]
    fn signed_lines_keep_their_hash_and_both_parsers_read_key_and_signature() {
        let line = signed(1, "U1NIU0lHAAAAAQ==");
        let hash = check_line_hash(line.as_bytes()).expect("the signature is outside the hash");
        let (head, sig) = split_signature(line.as_bytes());
        assert_eq!(sig, Some("U1NIU0lHAAAAAQ=="));
        let ev = Interner::default()
            .parse_canonical(head, sig, hash)
            .expect("fast path");
        assert_eq!(ev.key(), Some("SHA256:abc+/def"));
        assert_eq!(ev.sig(), Some("U1NIU0lHAAAAAQ=="));
        assert_same(line.as_bytes());
        // The signature taken off: the hash still holds (the key it names
        // is what tells verify a signature is missing).
        let unsigned = format!("{}}}", &line[..line.find(",\"sig\"").unwrap()]);
        assert_eq!(check_line_hash(unsigned.as_bytes()), Ok(hash));
        assert_same(unsigned.as_bytes());
        // The named key changed: the hash breaks.
        let other = line.replace("SHA256:abc", "SHA256:xyz");
        assert!(check_line_hash(other.as_bytes()).is_err());
        // Odd trailers are read the same by both parsers.
        for odd in [
            line.replace("U1NIU0lHAAAAAQ==", ""),
            line.replace("U1NIU0lHAAAAAQ==", "a\\u0041"),
            line.replace(",\"sig\":", ",\"sig\" :"),
            format!("{}}}", &line[..line.len() - 1]),
        ] {
            assert_same(odd.as_bytes());
        }
    }

    #[test]
    fn hand_made_lines_agree_with_serde() {
        let tail = format!(
            ",\"prev\":\"{}\",\"hash\":\"{}\"}}",
            "ab".repeat(32),
            "cd".repeat(32)
        );
        let who = r#""who":{"name":"A","email":"a@x"}"#;
        let bodies = [
            // canonical
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{"x":1}}"#),
            // whitespace around data, inside data
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data": {{ "x" : 1 }} "#),
            // numbers serde_json refuses or reads otherwise
            format!(r#"{{"v":01,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":-1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1.0,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1e2,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":4294967296,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":18446744073709551616,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":18446744073709551615,"lamport":0,"at":"t",{who},"kind":"k","data":{{}}"#),
            // another order, a duplicate, an extra field, a missing field
            format!(r#"{{"session":"S","v":1,"actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}},"extra":[1]"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,{who},"kind":"k","data":{{}}"#),
            r#"{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t","who":{"email":"a@x","name":"A"},"kind":"k","data":{}"#.to_string(),
            // data that is not one JSON value
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{"x":}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}} {{}}"#),
            format!(r#"{{"v":1,"session":"S","actor":"a","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":"#),
            // raw control character and escapes in strings
            format!("{{\"v\":1,\"session\":\"S\u{1}\",\"actor\":\"a\",\"seq\":1,\"lamport\":2,\"at\":\"t\",{who},\"kind\":\"k\",\"data\":{{}}"),
            format!(r#"{{"v":1,"session":"S\u0041","actor":"a\/b","seq":1,"lamport":2,"at":"t",{who},"kind":"k","data":{{}}"#),
        ];
        for body in &bodies {
            assert_same(format!("{body}{tail}").as_bytes());
        }
        // Tails that are not 64 lowercase hex digits each, or nothing at all.
        let body = &bodies[0];
        for t in [
            format!(
                ",\"prev\":\"{}\",\"hash\":\"{}\"}}",
                "AB".repeat(32),
                "cd".repeat(32)
            ),
            format!(
                ",\"prev\":\"{}\",\"hash\":\"{}\"}}",
                "zz".repeat(32),
                "cd".repeat(32)
            ),
            format!(
                ",\"prev\":\"{}\",\"hash\":\"{}\"}} ",
                "ab".repeat(32),
                "cd".repeat(32)
            ),
            format!(
                ",\"prev\":\"{}\",\"hash\":\"{}\"}}",
                "a\"".repeat(32),
                "cd".repeat(32)
            ),
            format!(
                ",\"hash\":\"{}\",\"prev\":\"{}\"}}",
                "ab".repeat(32),
                "cd".repeat(32)
            ),
            "}".to_string(),
            String::new(),
        ] {
            assert_same(format!("{body}{t}").as_bytes());
        }
        // Not UTF-8, in a field, in data and in the ignored prev.
        for (from, to) in [
            ("\"S\"", "\"S\u{e9}\""),
            ("{\"x\":1}", "{\"x\":\"\u{e9}\"}"),
        ] {
            let mut bytes = format!("{}{tail}", body.replacen(from, to, 1)).into_bytes();
            if let Some(i) = bytes.windows(2).position(|w| w == "\u{e9}".as_bytes()) {
                bytes[i + 1] = 0xff;
            }
            assert_same(&bytes);
        }
        let mut bytes = format!("{body}{tail}").into_bytes();
        let prev_at = bytes.len() - 140;
        bytes[prev_at] = 0xff;
        assert_same(&bytes);
    }

    /// Every single-byte change, deletion and insertion of sealed lines:
    /// whatever the fast path accepts, serde_json reads the same way, and
    /// whatever it refuses gets serde_json's own error.
    #[test]
    fn every_small_corruption_agrees_with_serde() {
        let probes: &[u8] = b"\"\\ 0129aAf{}[],:-.eE\x01\x1f\x7f\xc3\xff";
        for line in lines() {
            let line = line.into_bytes();
            for i in 0..line.len() {
                for &b in probes {
                    let mut changed = line.clone();
                    changed[i] = b;
                    assert_same(&changed);
                    let mut inserted = line.clone();
                    inserted.insert(i, b);
                    assert_same(&inserted);
                }
                let mut deleted = line.clone();
                deleted.remove(i);
                assert_same(&deleted);
            }
        }
    }
}
