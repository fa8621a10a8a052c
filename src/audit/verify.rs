//! `audit verify`: walk every actor file of a session and check each link.
//!
//! Checks, per line: it is an event, its own hash holds, it belongs to this
//! session and to the actor its file is named after, `seq` counts up by
//! one, `lamport` only grows, and `prev` is the hash of the line before.
//! Files are split at line boundaries and checked on all cores: each line
//! can be checked on its own, and the links across a split are checked
//! after.
//!
//! Signatures: an event that names a signing key must carry a signature by
//! that key over its hash, in the `greenlight` namespace; the key must be
//! allowed to sign as the event's `who` by the allowed signers the session
//! froze; where the session requires signatures, an unsigned event is a
//! finding. Each file's report says which keys signed and as whom.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::session::event::{GENESIS_HEX, check_line_hash};
use crate::session::names::file_belongs_to;
use crate::session::signatures::SignatureRules;
use sha2::{Digest, Sha256};

/// A record that does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// What follows a journal's last newline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tail {
    /// Nothing: the file ends with a complete line.
    Clean,
    /// Bytes of a line its writer is writing right now (its lock is held).
    BeingWritten,
    /// A write cut short (a crash): the event it held may be lost.
    Torn,
    /// A whole, hash-valid record without its newline: our writer never
    /// leaves one, so the end of the file was edited.
    CompleteRecord,
}

/// What verify found in one actor file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: PathBuf,
    pub events: usize,
    /// Every broken record, in file order.
    pub findings: Vec<Finding>,
    /// Bytes after the last newline.
    pub torn_tail_bytes: u64,
    pub tail: Tail,
    /// Which keys signed its events, as whom (the event's `who`).
    pub signed_by: Vec<SignedBy>,
    /// Events with no signature.
    pub unsigned: usize,
}

/// A key that signed events of a file, with a good signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedBy {
    /// `SHA256:…`
    pub key: String,
    /// The email the events were signed as.
    pub principal: String,
    pub events: usize,
}

impl FileReport {
    pub fn ok(&self) -> bool {
        self.findings.is_empty() && matches!(self.tail, Tail::Clean | Tail::BeingWritten)
    }
}

/// A file set aside beside the journals, and whether a person has
/// acknowledged it (`audit recover --reason`).
#[derive(Debug, Clone, Serialize)]
pub struct SetAside {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    /// Who acknowledged it, and why.
    pub acknowledged: Option<String>,
    /// For a fork (`<journal>.fork-<blob>`): the journal that kept the
    /// name, and the first line where the two copies differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fork_of: Option<(PathBuf, usize)>,
}

/// The whole session.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub session: String,
    pub files: Vec<FileReport>,
    /// Files set aside beside the journals: torn tails, damaged parts,
    /// copies refused from or diverging with a remote.
    pub set_aside: Vec<SetAside>,
    /// How the journals here differ from the synced copy in the
    /// repository's audit trail (a file missing here, shorter, changed).
    pub synced: Vec<Finding>,
    /// Whether a synced copy was there to compare with.
    pub compared_with_synced: bool,
    /// Events that broke a rule of the session without an override (the
    /// fold kept them, not applied): what a clone wrote past the process.
    pub breaches: Vec<String>,
}

impl Report {
    pub fn events(&self) -> usize {
        self.files.iter().map(|f| f.events).sum()
    }

    pub fn ok(&self) -> bool {
        self.files.iter().all(FileReport::ok)
            && self.set_aside.iter().all(|s| s.acknowledged.is_some())
            && self.synced.is_empty()
            && self.breaches.is_empty()
    }

    /// The first broken record of each file, then every other problem:
    /// tails, unacknowledged set-aside files, differences with the synced
    /// copy. One sentence each, naming the file (and line).
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.files {
            if let Some(first) = f.findings.first() {
                out.push(first.to_string());
            }
            match f.tail {
                Tail::Torn => out.push(format!(
                    "{}: ends with {} bytes of a write cut short (a crash?): the event it held may be lost; its writer sets them aside, then `greenlight audit recover --reason …` acknowledges it",
                    f.file.display(),
                    f.torn_tail_bytes
                )),
                Tail::CompleteRecord => out.push(format!(
                    "{}: ends with a complete record but no newline: greenlight never writes that, the end of the file was edited",
                    f.file.display()
                )),
                Tail::Clean | Tail::BeingWritten => {}
            }
        }
        for s in self.set_aside.iter().filter(|s| s.acknowledged.is_none()) {
            if let Some((canonical, line)) = &s.fork_of {
                out.push(format!(
                    "{}: a fork of {} (two copies of one journal; the one first in the trail keeps the name): they differ from line {line}. Look at both, then `greenlight audit recover --reason …`",
                    s.path.display(),
                    canonical.display()
                ));
                continue;
            }
            out.push(format!(
                "{}: set aside ({} bytes) and not acknowledged: look at it, then `greenlight audit recover --reason …`",
                s.path.display(),
                s.bytes
            ));
        }
        out.extend(self.synced.iter().map(ToString::to_string));
        out.extend(self.breaches.iter().cloned());
        out
    }

    /// The first broken record of each file.
    pub fn first_findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().filter_map(|f| f.findings.first())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The fields verify needs; everything else is only scanned for syntax.
#[derive(Deserialize)]
struct Head<'a> {
    v: u32,
    #[serde(borrow)]
    session: Cow<'a, str>,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    seq: u64,
    lamport: u64,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    #[serde(borrow)]
    hash: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    who: HeadWho<'a>,
    #[serde(default, borrow)]
    key: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    sig: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct HeadWho<'a> {
    #[serde(borrow)]
    email: Cow<'a, str>,
}

pub use crate::session::names::is_set_aside;

/// The synced copy of a session's journals (file name → complete lines),
/// from the repository's audit trail.
pub type Synced = std::collections::BTreeMap<String, Vec<u8>>;

/// Verify every `*.jsonl` in a session folder. Reads, never writes. With
/// `synced`, the local journals must also hold everything the synced copy
/// holds.
pub fn verify_session(dir: &Path, session_id: &str) -> Result<Report, VerifyError> {
    verify_session_with(dir, session_id, None)
}

/// [`verify_session`] against the synced copy when there is one.
pub fn verify_session_with(
    dir: &Path,
    session_id: &str,
    synced: Option<&Synced>,
) -> Result<Report, VerifyError> {
    verify_session_trusting(dir, session_id, synced, None)
}

/// [`verify_session_with`], checking who may sign against `trusted`
/// (the allowed-signers text of the verifier's own checkout, and where it
/// was read) rather than what the session froze: a session written
/// elsewhere could have frozen any list; the verifier trusts its own.
pub fn verify_session_trusting(
    dir: &Path,
    session_id: &str,
    synced: Option<&Synced>,
    trusted: Option<(&str, &str)>,
) -> Result<Report, VerifyError> {
    let io = |source| VerifyError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    let mut sides = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".jsonl") {
            files.push(path);
        } else if is_set_aside(&name) {
            sides.push(path);
        }
    }
    files.sort();
    sides.sort();
    let mut rules = frozen_rules(&files);
    if let Some((text, origin)) = trusted {
        rules.allowed = Some(crate::signing::AllowedSigners::parse(text, origin));
        rules.frozen.origin = origin.to_string();
    }
    let mut reports = Vec::new();
    let mut acks: Vec<Ack> = Vec::new();
    let mut synced_findings = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).map_err(|source| VerifyError::Io {
            path: f.clone(),
            source,
        })?;
        let (mut report, file_acks) = verify_file_acks(f, &bytes, session_id, &rules);
        acks.extend(file_acks);
        if report.torn_tail_bytes > 0 {
            report.tail = classify_tail(dir, f, &bytes);
        }
        if let (Some(synced), Some(name)) = (synced, f.file_name().and_then(|n| n.to_str()))
            && let Some(copy) = synced.get(name)
        {
            synced_findings.extend(compare(f, &bytes, copy));
        }
        reports.push(report);
    }
    if let Some(synced) = synced {
        for (name, copy) in synced {
            if name.ends_with(".jsonl") && !files.iter().any(|f| f.ends_with(name)) {
                synced_findings.push(Finding {
                    file: dir.join(name),
                    line: 0,
                    reason: format!(
                        "missing here: the synced copy (refs/greenlight/audit) holds {} events of this file; `greenlight audit recover` restores it",
                        memchr::memchr_iter(b'\n', copy).count()
                    ),
                });
            }
        }
    }
    let mut set_aside = Vec::new();
    for p in sides {
        let bytes = std::fs::read(&p).map_err(|source| VerifyError::Io {
            path: p.clone(),
            source,
        })?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let acknowledged = acks
            .iter()
            .find(|a| a.file == name && a.sha256 == sha256)
            .map(|a| a.by.clone());
        let fork_of = name.split_once(".fork-").map(|(journal, _)| {
            let canonical = dir.join(journal);
            let theirs = std::fs::read(&canonical).unwrap_or_default();
            (canonical, first_difference(&bytes, &theirs))
        });
        set_aside.push(SetAside {
            path: p,
            bytes: bytes.len() as u64,
            sha256,
            acknowledged,
            fork_of,
        });
    }
    Ok(Report {
        session: session_id.to_string(),
        files: reports,
        set_aside,
        synced: synced_findings,
        compared_with_synced: synced.is_some(),
        breaches: Vec::new(),
    })
}

/// The first line (1-based) where two files differ; one line past the
/// shorter when one is a prefix of the other.
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let mut la = a.split(|&c| c == b'\n');
    let mut lb = b.split(|&c| c == b'\n');
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            _ => return n,
        }
    }
}

/// An acknowledgement found in a journal: a set-aside file (by name and
/// content) and who acknowledged it, why.
struct Ack {
    file: String,
    sha256: String,
    by: String,
}

/// What the bytes after the last newline are.
fn classify_tail(dir: &Path, file: &Path, bytes: &[u8]) -> Tail {
    let complete = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let tail = &bytes[complete..];
    if crate::session::journal::parse_line(tail).is_ok() {
        return Tail::CompleteRecord;
    }
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if writer_is_alive(&dir.join(crate::session::names::lock_file_name(name))) {
        Tail::BeingWritten
    } else {
        Tail::Torn
    }
}

/// Does a live process hold this lock? Probed without creating or
/// changing anything: verify only reads.
fn writer_is_alive(lock: &Path) -> bool {
    let Ok(f) = std::fs::File::open(lock) else {
        return false;
    };
    match f.try_lock() {
        Ok(()) => {
            let _ = f.unlock();
            false
        }
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(_)) => false,
    }
}

/// How a local journal falls short of its synced copy (both as bytes).
fn compare(file: &Path, local: &[u8], synced: &[u8]) -> Option<Finding> {
    if local.starts_with(synced) {
        return None;
    }
    let same = local
        .iter()
        .zip(synced)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| local.len().min(synced.len()));
    let line = memchr::memchr_iter(b'\n', &local[..same]).count() + 1;
    let reason = if synced.starts_with(local) {
        format!(
            "shorter than its synced copy: {} events from line {line} on are missing here; `greenlight audit recover` restores them",
            memchr::memchr_iter(b'\n', &synced[same..]).count()
        )
    } else {
        "differs from its synced copy (refs/greenlight/audit) from this line on".to_string()
    };
    Some(Finding {
        file: file.to_path_buf(),
        line,
        reason,
    })
}

/// The first and last record of a chunk, for checking links across chunks.
#[derive(Clone)]
struct Ends {
    first_prev: Option<String>,
    first_seq: u64,
    first_lamport: u64,
    last_hash: Option<String>,
    last_seq: u64,
    last_lamport: u64,
}

/// Verify one actor file's bytes.
pub fn verify_file(path: &Path, bytes: &[u8], session_id: &str) -> FileReport {
    verify_file_acks(path, bytes, session_id, &SignatureRules::default()).0
}

/// The signature rules the session froze in its `session_started` (the
/// first line of the file of whoever started it); none found, none apply.
fn frozen_rules(files: &[PathBuf]) -> SignatureRules {
    use std::io::BufRead;
    for f in files {
        let Ok(file) = std::fs::File::open(f) else {
            continue;
        };
        let mut first = Vec::new();
        if std::io::BufReader::new(file)
            .read_until(b'\n', &mut first)
            .is_err()
        {
            continue;
        }
        let line = first.strip_suffix(b"\n").unwrap_or(&first);
        if let Ok(ev) = crate::session::journal::parse_line(line)
            && let Some(crate::session::Payload::SessionStarted(s)) = ev.payload()
        {
            return SignatureRules::from_frozen(&s.signatures);
        }
    }
    SignatureRules::default()
}

/// [`verify_file`], and the acknowledgements of set-aside files its valid
/// lines record.
fn verify_file_acks(
    path: &Path,
    bytes: &[u8],
    session_id: &str,
    rules: &SignatureRules,
) -> (FileReport, Vec<Ack>) {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let body = &bytes[..complete];
    let expected_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let chunks = split_chunks(
        body,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let results: Vec<ChunkResult> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|&(start_line, chunk)| {
                s.spawn(move || {
                    verify_chunk(path, chunk, start_line, session_id, expected_name, rules)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut findings = Vec::new();
    let mut events = 0;
    let mut acks = Vec::new();
    let mut signed: std::collections::BTreeMap<(String, String), usize> = Default::default();
    let mut unsigned = 0;
    let mut prev_end: Option<(usize, Ends)> = None;
    for ((start_line, _), r) in chunks.iter().zip(results) {
        let ChunkResult {
            findings: mut f,
            events: n,
            ends,
            acks: chunk_acks,
            signed: chunk_signed,
            unsigned: chunk_unsigned,
        } = r;
        for (k, n) in chunk_signed {
            *signed.entry(k).or_default() += n;
        }
        unsigned += chunk_unsigned;
        if let Some((_, prev)) = &prev_end
            && n > 0
        {
            let mut across = boundary_findings(path, start_line + 1, prev, &ends);
            across.append(&mut f);
            f = across;
        }
        events += n;
        findings.extend(f);
        acks.extend(chunk_acks);
        if n > 0 {
            prev_end = Some((*start_line, ends));
        }
    }
    findings.sort_by_key(|f| f.line);
    let torn_tail_bytes = (bytes.len() - complete) as u64;
    (
        FileReport {
            file: path.to_path_buf(),
            events,
            findings,
            torn_tail_bytes,
            tail: if torn_tail_bytes == 0 {
                Tail::Clean
            } else {
                Tail::Torn
            },
            signed_by: signed
                .into_iter()
                .map(|((key, principal), events)| SignedBy {
                    key,
                    principal,
                    events,
                })
                .collect(),
            unsigned,
        },
        acks,
    )
}

/// The links between the last record of one chunk and the first of the
/// next, checked the way `verify_chunk` checks neighbours inside a chunk.
fn boundary_findings(path: &Path, line: usize, prev: &Ends, next: &Ends) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(h) = &prev.last_hash else { return out };
    let mut bad = |reason: String| {
        out.push(Finding {
            file: path.to_path_buf(),
            line,
            reason,
        })
    };
    if let Some(p) = &next.first_prev
        && p != h
    {
        bad(format!("prev {p} is not the hash of the line before ({h})"));
    }
    if next.first_seq != prev.last_seq + 1 {
        bad(format!(
            "seq {} follows seq {}; expected {}",
            next.first_seq,
            prev.last_seq,
            prev.last_seq + 1
        ));
    }
    if next.first_lamport <= prev.last_lamport {
        bad(format!(
            "lamport {} does not grow past {}",
            next.first_lamport, prev.last_lamport
        ));
    }
    out
}

/// Split at newlines into about `n` chunks, each with the number of lines
/// before it.
fn split_chunks(body: &[u8], n: usize) -> Vec<(usize, &[u8])> {
    const MIN_CHUNK: usize = 1 << 20;
    let n = n.max(1).min(body.len() / MIN_CHUNK + 1);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    let mut lines_before = 0;
    for i in 1..=n {
        let target = if i == n {
            body.len()
        } else {
            body.len() * i / n
        };
        if target <= start {
            continue;
        }
        let end = if i == n {
            body.len()
        } else {
            match body[target..].iter().position(|&b| b == b'\n') {
                Some(p) => target + p + 1,
                None => body.len(),
            }
        };
        let chunk = &body[start..end];
        out.push((lines_before, chunk));
        lines_before += chunk.iter().filter(|&&b| b == b'\n').count();
        start = end;
        if start >= body.len() {
            break;
        }
    }
    out
}

/// What one chunk of a file gave.
struct ChunkResult {
    findings: Vec<Finding>,
    events: usize,
    ends: Ends,
    acks: Vec<Ack>,
    /// Good signatures by (key, principal).
    signed: std::collections::BTreeMap<(String, String), usize>,
    unsigned: usize,
}

fn verify_chunk(
    path: &Path,
    chunk: &[u8],
    start_line: usize,
    session_id: &str,
    file_name: &str,
    rules: &SignatureRules,
) -> ChunkResult {
    let mut findings = Vec::new();
    let mut acks = Vec::new();
    let mut signed: std::collections::BTreeMap<(String, String), usize> = Default::default();
    let mut unsigned = 0;
    // ed25519 signatures read and ready, checked together at the end.
    let mut pending: Vec<PendingCheck> = Vec::new();
    let mut ends = Ends {
        first_prev: None,
        first_seq: 0,
        first_lamport: 0,
        last_hash: None,
        last_seq: 0,
        last_lamport: 0,
    };
    let mut count = 0;
    let mut last: Option<(String, u64, u64)> = None;
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    if chunk.is_empty() {
        return ChunkResult {
            findings,
            events: 0,
            ends,
            acks,
            signed,
            unsigned,
        };
    }
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = start_line + i + 1;
        let mut bad = |reason: String| {
            findings.push(Finding {
                file: path.to_path_buf(),
                line: line_no,
                reason,
            })
        };
        count += 1;
        let head: Head = match serde_json::from_slice(line) {
            Ok(h) => h,
            Err(e) => {
                bad(format!("not a valid event: {e}"));
                last = None;
                continue;
            }
        };
        let hash_ok = match check_line_hash(line) {
            Ok(_) => true,
            Err(e) => {
                bad(e.to_string());
                false
            }
        };
        if hash_ok && head.kind == "journal_recovered" {
            acks.extend(acknowledgements(line));
        }
        if hash_ok {
            match check_signature(&head, line, rules) {
                Signature::Good { key } => {
                    *signed.entry((key, head.who.email.to_string())).or_default() += 1;
                }
                Signature::Pending { key, check } => {
                    pending.push((
                        line_no,
                        key,
                        head.who.email.to_string(),
                        head.kind.to_string(),
                        check,
                    ));
                }
                Signature::Unsigned => unsigned += 1,
                Signature::Bad(why) => {
                    if head.key.is_none() {
                        unsigned += 1;
                    }
                    bad(why);
                }
            }
        }
        if head.v != 1 {
            bad(format!("unknown event format version {}", head.v));
        }
        if head.session != session_id {
            bad(format!(
                "belongs to session {}, not {session_id}",
                head.session
            ));
        }
        if !file_belongs_to(file_name, &head.actor) {
            bad(format!(
                "written by actor {}, which does not own this file",
                head.actor
            ));
        }
        match &last {
            None if start_line == 0 && i == 0 => {
                if head.prev != GENESIS_HEX {
                    bad("first event of the file must have the genesis prev (64 zeros)".into());
                }
                if head.seq != 1 {
                    bad(format!("first event has seq {}; expected 1", head.seq));
                }
            }
            None => {}
            Some((h, seq, lamport)) => {
                if head.prev != h.as_str() {
                    bad(format!(
                        "prev {} is not the hash of the line before ({h})",
                        head.prev
                    ));
                }
                if head.seq != seq + 1 {
                    bad(format!(
                        "seq {} follows seq {seq}; expected {}",
                        head.seq,
                        seq + 1
                    ));
                }
                if head.lamport <= *lamport {
                    bad(format!(
                        "lamport {} does not grow past {lamport}",
                        head.lamport
                    ));
                }
            }
        }
        if i == 0 {
            ends.first_prev = Some(head.prev.to_string());
            ends.first_seq = head.seq;
            ends.first_lamport = head.lamport;
        }
        last = Some((head.hash.to_string(), head.seq, head.lamport));
    }
    let checks: Vec<_> = pending.iter().map(|p| &*p.4).collect();
    let held = crate::signing::sig::holds_all_ref(&checks);
    for ((line_no, key, email, kind, _), holds) in pending.into_iter().zip(held) {
        if holds {
            *signed.entry((key, email)).or_default() += 1;
        } else {
            findings.push(Finding {
                file: path.to_path_buf(),
                line: line_no,
                reason: format!(
                    "{}: {}",
                    crate::text::escape(&kind),
                    crate::signing::sig::BadSignature::Mismatch(key)
                ),
            });
        }
    }
    if let Some((h, seq, lamport)) = last {
        ends.last_hash = Some(h);
        ends.last_seq = seq;
        ends.last_lamport = lamport;
    }
    ChunkResult {
        findings,
        events: count,
        ends,
        acks,
        signed,
        unsigned,
    }
}

/// A line's ed25519 signature waiting for its check: line, key, email,
/// kind, and the check.
type PendingCheck = (
    usize,
    String,
    String,
    String,
    Box<crate::signing::sig::Ed25519Check>,
);

/// What one line's signature says.
enum Signature {
    Good {
        key: String,
    },
    /// Read, allowed, and waiting for its ed25519 equation.
    Pending {
        key: String,
        check: Box<crate::signing::sig::Ed25519Check>,
    },
    Unsigned,
    Bad(String),
}

/// Check a hash-valid line's signature against the rules: the signature
/// present exactly when a key is named, made by that key over the hash,
/// by a key allowed to sign as the event's person; unsigned only where
/// the session allows it.
fn check_signature(head: &Head<'_>, line: &[u8], rules: &SignatureRules) -> Signature {
    let (_, sig_on_line) = crate::session::event::split_signature(line);
    let key = head.key.as_deref();
    // The serde reading and the line's layout must agree on the signature.
    let sig = match (sig_on_line, head.sig.as_deref()) {
        (Some(a), Some(b)) if a == b => Some(a),
        (None, None) => None,
        _ => return Signature::Bad("the signature is not where greenlight writes it".into()),
    };
    let kind = crate::text::escape(&head.kind);
    match crate::signing::sig::read_signing(&head.kind, key, sig, head.hash.as_bytes()) {
        Err(why) => Signature::Bad(why),
        Ok(None) => match rules.problem(&head.kind, &head.who.email, None, None) {
            Some(p) => Signature::Bad(p.to_string()),
            None => Signature::Unsigned,
        },
        Ok(Some((by, check))) => {
            let at = head.at.parse::<jiff::Timestamp>().ok();
            match rules.problem(&head.kind, &head.who.email, Some(&by), at) {
                Some(p) => Signature::Bad(format!(
                    "{kind} as {}: {p}",
                    crate::text::escape(&head.who.email)
                )),
                None => match check {
                    crate::signing::sig::Check::Ed25519(check) => {
                        Signature::Pending { key: by, check }
                    }
                    crate::signing::sig::Check::Done(true) => Signature::Good { key: by },
                    crate::signing::sig::Check::Done(false) => Signature::Bad(format!(
                        "{kind}: {}",
                        crate::signing::sig::BadSignature::Mismatch(by)
                    )),
                },
            }
        }
    }
}

/// The set-aside files a `journal_recovered` line acknowledges.
fn acknowledgements(line: &[u8]) -> Vec<Ack> {
    let Ok(ev) = crate::session::journal::parse_line(line) else {
        return Vec::new();
    };
    let Some(crate::session::Payload::JournalRecovered(r)) = ev.payload() else {
        return Vec::new();
    };
    let by = format!("{} ({})", ev.who.name, r.reason);
    r.set_aside
        .into_iter()
        .map(|f| Ack {
            file: f.file,
            sha256: f.sha256,
            by: by.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::synth::write_synthetic;

    const ID: &str = "01KBSYNTHE7C0000000000000A";

    fn one_file(events: usize) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        write_synthetic(dir.path(), ID, events, 1).unwrap();
        let f = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let bytes = std::fs::read(&f).unwrap();
        (dir, f, bytes)
    }

    fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| l.to_vec())
            .collect()
    }

    fn join(lines: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for l in lines {
            out.extend_from_slice(l);
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn a_large_file_verifies_across_chunks() {
        let (_d, f, bytes) = one_file(20_000);
        assert!(bytes.len() > 2 << 20, "must span several chunks");
        let r = verify_file(&f, &bytes, ID);
        assert_eq!(r.events, 20_000);
        assert!(r.findings.is_empty(), "{:?}", r.findings.first());
    }

    #[test]
    fn a_removed_line_at_any_place_is_named() {
        let (_d, f, bytes) = one_file(20_000);
        let all = lines(&bytes);
        for gone in [0usize, 1, 9_999, 10_000, 10_001, 19_999] {
            let mut l = all.clone();
            l.remove(gone);
            let r = verify_file(&f, &join(&l), ID);
            if gone == 19_999 {
                // Cutting the tail leaves a valid shorter chain: only an
                // outside copy (git sync) can tell; verify cannot.
                assert!(r.findings.is_empty());
                continue;
            }
            let first = r
                .findings
                .first()
                .unwrap_or_else(|| panic!("removal of line {} not caught", gone + 1));
            assert_eq!(first.line, gone + 1, "{first}");
        }
    }

    #[test]
    fn swapped_lines_and_wrong_session_are_named() {
        let (_d, f, bytes) = one_file(100);
        let mut l = lines(&bytes);
        l.swap(40, 41);
        let r = verify_file(&f, &join(&l), ID);
        assert_eq!(r.findings[0].line, 41);
        assert!(
            r.findings[0]
                .reason
                .contains("is not the hash of the line before"),
            "{}",
            r.findings[0]
        );
        let r = verify_file(&f, &bytes, "01JOTHER");
        assert!(r.findings[0].reason.contains("belongs to session"));
    }

    #[test]
    fn garbage_and_torn_tails_are_reported_not_panicked_on() {
        let (_d, f, mut bytes) = one_file(10);
        bytes.extend_from_slice(b"{\"v\":1,\"sess");
        let r = verify_file(&f, &bytes, ID);
        assert!(r.findings.is_empty());
        assert_eq!(r.torn_tail_bytes, 12);
        let r = verify_file(&f, b"\xff\xfe not json\n\n{}\n", ID);
        assert_eq!(r.findings.len(), 3);
        assert!(
            r.findings
                .iter()
                .all(|x| x.reason.starts_with("not a valid event"))
        );
    }
}
