//! `audit recover`: put a session's journals back in a state that
//! verifies, losing nothing, and say what was done so a person can
//! acknowledge it.
//!
//! For each journal that does not verify (a broken link, a line that does
//! not read, a tail cut short or edited, a file shorter than or different
//! from its synced copy, a file missing here): when the synced copy in the
//! repository's audit trail verifies and holds at least what is good here,
//! it is restored; otherwise the file is cut back to its last line that
//! verifies. Whatever is replaced or cut off is kept beside the journal as
//! `<file>.damaged-N` (or `.torn-N` for a tail). The caller records a
//! `journal_recovered` event with a person's reason, naming every file set
//! aside by its sha256: `audit verify` passes again for exactly those.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::verify::{Report, Synced, Tail, is_set_aside, verify_file, verify_session_with};
use crate::session::files;
use crate::session::journal::{JournalError, create_side_file};
use crate::session::lock::ActorLock;
use crate::session::names::lock_file_name;
use crate::session::payload::{JournalRecovered, SetAsideFile};

#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(transparent)]
    Verify(#[from] super::verify::VerifyError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} is being written by another greenlight right now ({0}); close it and recover again",
        path.display()
    )]
    Busy {
        path: PathBuf,
        #[source]
        source: crate::session::lock::LockError,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RecoverError + '_ {
    move |source| RecoverError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What recovering did, and the acknowledgement to record.
#[derive(Debug, Clone, Default)]
pub struct Recovered {
    /// One sentence per journal changed.
    pub restored: Vec<String>,
    /// Every file set aside that no one has acknowledged yet (those made
    /// now and those found from before).
    pub set_aside: Vec<SetAsideFile>,
}

impl Recovered {
    pub fn is_empty(&self) -> bool {
        self.restored.is_empty() && self.set_aside.is_empty()
    }

    /// The event that acknowledges it, with the person's reason.
    pub fn acknowledgement(&self, reason: &str) -> JournalRecovered {
        JournalRecovered {
            reason: reason.trim().to_string(),
            set_aside: self.set_aside.clone(),
            restored: self.restored.clone(),
        }
    }
}

/// Recover the session in `dir` (see the module comment).
pub fn recover(dir: &Path, id: &str, synced: Option<&Synced>) -> Result<Recovered, RecoverError> {
    let report = verify_session_with(dir, id, synced)?;
    let mut out = Recovered::default();
    for name in damaged(&report, synced) {
        let path = dir.join(&name);
        let lock = ActorLock::acquire(&dir.join(lock_file_name(&name))).map_err(|source| {
            RecoverError::Busy {
                path: path.clone(),
                source,
            }
        })?;
        let local = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(&path)(e)),
        };
        let good = verified_prefix(&path, &local, id);
        let copy = synced
            .and_then(|s| s.get(&name))
            .filter(|c| verified_prefix(&path, c, id) == c.len() && c.starts_with(&local[..good]));
        let (keep, what): (&[u8], String) = match copy {
            Some(c) if c.len() >= good => (c, format!("{name}: restored from the synced copy")),
            _ => (
                &local[..good],
                match memchr::memchr_iter(b'\n', &local[..good]).count() {
                    1 => format!("{name}: cut back to its 1 line that verifies"),
                    n => format!("{name}: cut back to its {n} lines that verify"),
                },
            ),
        };
        if keep == local.as_slice() {
            continue;
        }
        if !local.is_empty() {
            // Everything that is replaced or cut off stays beside it.
            let kind = if local.starts_with(keep)
                && memchr::memchr(b'\n', &local[keep.len()..]).is_none()
            {
                "torn"
            } else {
                "damaged"
            };
            let (side, mut f) = create_side_file(&path, kind)?;
            let removed: &[u8] = if local.starts_with(keep) {
                &local[keep.len()..]
            } else {
                &local
            };
            f.write_all(removed)
                .and_then(|_| f.sync_all())
                .map_err(io(&side))?;
        }
        replace(&path, keep)?;
        drop(lock);
        out.restored.push(what);
    }
    // Everything set aside that nobody acknowledged yet, made now or before.
    let after = verify_session_with(dir, id, synced)?;
    for s in after.set_aside.iter().filter(|s| s.acknowledged.is_none()) {
        out.set_aside.push(SetAsideFile {
            file: s
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string(),
            sha256: s.sha256.clone(),
            bytes: s.bytes,
        });
    }
    Ok(out)
}

/// The journals (by file name) that need recovering.
fn damaged(report: &Report, synced: Option<&Synced>) -> Vec<String> {
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut out: Vec<String> = report
        .files
        .iter()
        .filter(|f| !f.findings.is_empty() || matches!(f.tail, Tail::Torn | Tail::CompleteRecord))
        .map(|f| name(&f.file))
        .collect();
    out.extend(report.synced.iter().map(|f| name(&f.file)));
    if let Some(s) = synced {
        out.extend(
            s.keys()
                .filter(|n| n.ends_with(".jsonl") && !is_set_aside(n))
                .filter(|n| !report.files.iter().any(|f| f.file.ends_with(n.as_str())))
                .cloned(),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// How many leading bytes of a journal verify: up to the line before its
/// first problem, complete lines only.
fn verified_prefix(path: &Path, bytes: &[u8], id: &str) -> usize {
    let complete = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let r = verify_file(path, &bytes[..complete], id);
    match r.findings.first() {
        None => complete,
        Some(f) => memchr::memchr_iter(b'\n', bytes)
            .nth(f.line.saturating_sub(2))
            .filter(|_| f.line > 1)
            .map_or(0, |i| i + 1),
    }
}

/// Write a journal's new content durably in place of the old.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), RecoverError> {
    let tmp = path.with_extension(format!("recover-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = files::create_new(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}
