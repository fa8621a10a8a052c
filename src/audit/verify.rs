//! `audit verify`: walk every actor file of a session and check each link.
//!
//! Checks, per line: it is an event, its own hash holds, it belongs to this
//! session and to the actor its file is named after, `seq` counts up by
//! one, `lamport` only grows, and `prev` is the hash of the line before.
//! Files are split at line boundaries and checked on all cores: each line
//! can be checked on its own, and the links across a split are checked
//! after.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::session::event::{GENESIS_HEX, check_line_hash};
use crate::session::journal::actor_file_name;

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

/// What verify found in one actor file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: PathBuf,
    pub events: usize,
    /// Every broken record, in file order.
    pub findings: Vec<Finding>,
    /// Bytes after the last newline: a write cut short, not yet set aside.
    pub torn_tail_bytes: u64,
}

/// The whole session.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub session: String,
    pub files: Vec<FileReport>,
    /// Torn tails that were set aside earlier (kept as evidence).
    pub set_aside: Vec<PathBuf>,
}

impl Report {
    pub fn events(&self) -> usize {
        self.files.iter().map(|f| f.events).sum()
    }

    pub fn ok(&self) -> bool {
        self.files.iter().all(|f| f.findings.is_empty())
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
    prev: Cow<'a, str>,
    #[serde(borrow)]
    hash: Cow<'a, str>,
}

/// Verify every `*.jsonl` in a session folder.
pub fn verify_session(dir: &Path, session_id: &str) -> Result<Report, VerifyError> {
    let io = |source| VerifyError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    let mut set_aside = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".jsonl") {
            files.push(path);
        } else if name.contains(".jsonl.torn-") {
            set_aside.push(path);
        }
    }
    files.sort();
    set_aside.sort();
    let mut reports = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|source| VerifyError::Io {
            path: f.clone(),
            source,
        })?;
        reports.push(verify_file(&f, &bytes, session_id));
    }
    Ok(Report {
        session: session_id.to_string(),
        files: reports,
        set_aside,
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
    let results: Vec<(Vec<Finding>, usize, Ends)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|&(start_line, chunk)| {
                s.spawn(move || verify_chunk(path, chunk, start_line, session_id, expected_name))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut findings = Vec::new();
    let mut events = 0;
    let mut prev_end: Option<(usize, Ends)> = None;
    for ((start_line, _), (mut f, n, ends)) in chunks.iter().zip(results) {
        if let Some((_, prev)) = &prev_end
            && n > 0
        {
            let mut across = boundary_findings(path, start_line + 1, prev, &ends);
            across.append(&mut f);
            f = across;
        }
        events += n;
        findings.extend(f);
        if n > 0 {
            prev_end = Some((*start_line, ends));
        }
    }
    findings.sort_by_key(|f| f.line);
    FileReport {
        file: path.to_path_buf(),
        events,
        findings,
        torn_tail_bytes: (bytes.len() - complete) as u64,
    }
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

fn verify_chunk(
    path: &Path,
    chunk: &[u8],
    start_line: usize,
    session_id: &str,
    file_name: &str,
) -> (Vec<Finding>, usize, Ends) {
    let mut findings = Vec::new();
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
        return (findings, 0, ends);
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
        if let Err(e) = check_line_hash(line) {
            bad(e.to_string());
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
        if actor_file_name(&head.actor) != file_name {
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
    if let Some((h, seq, lamport)) = last {
        ends.last_hash = Some(h);
        ends.last_seq = seq;
        ends.last_lamport = lamport;
    }
    (findings, count, ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::synth::write_synthetic;

    const ID: &str = "01JSYNTHETIC00000000000000";

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
