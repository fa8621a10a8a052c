//! Merging what a remote's audit tree holds into the local sessions.
//!
//! A remote is input, never authority. The rules, per file:
//! - **This device's own journals** are written here only. A copy from
//!   anywhere else that is not a prefix of ours (an extension, a rewrite,
//!   a file we never wrote) is tampering: refused, kept aside as
//!   `<file>.tamper-<blob>` for the record, and reported.
//! - **Other actors' journals** grow by appends that chain from the last
//!   line we hold: a new file or an extension is checked line by line
//!   (hash, link, seq, clock order, session and actor) before one byte of
//!   it is written; one that does not verify is refused and kept aside as
//!   `<file>.rejected-<blob>`. A signed line's signature must hold too.
//! - **A file that differs** in a way no append explains is a fork: both
//!   copies are kept. The one that was in the trail first (our last synced
//!   copy decides) keeps the name; the other is kept as
//!   `<file>.fork-<blob>`.
//! - Bytes after a journal's last newline (a write cut short somewhere)
//!   are never taken.
//! - An entry that is not what a trail holds (a folder where a file
//!   belongs, a submodule, an unsafe name, a session id dated in the
//!   future) is skipped and named; a blob above the size limit is refused
//!   and named without being read. The rest merges.

use std::io::Write;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};
use serde::Serialize;

use crate::session::chain::{Chain, Expect, Link};
use crate::session::files;
use crate::session::journal::parse_line;
use crate::session::lock::ActorLock;
use crate::session::names::{is_own_file, lock_file_name};
use crate::session::store::session_id_problem;

use super::blob_cache::{BlobCache, Stamp};
use super::git_sync::{SyncError, Trail, io};

/// A file that differs on the two sides in a way no append explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fork {
    pub session: String,
    pub file: String,
    /// Where the copy that lost the name is kept.
    pub kept_as: PathBuf,
    /// Which copy kept the name: "ours" or "theirs".
    pub canonical: &'static str,
}

/// A copy that arrived and was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub session: String,
    pub file: String,
    pub why: String,
    /// Where it is kept for the record (not for a blob refused unread).
    pub kept_as: Option<PathBuf>,
}

/// What a merge of the other side into local files did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeReport {
    pub added: Vec<PathBuf>,
    pub extended: Vec<PathBuf>,
    pub forks: Vec<Fork>,
    /// Files that could not be extended now because a local process is
    /// writing them; the next sync picks them up.
    pub busy: Vec<PathBuf>,
    /// Copies refused: tampering with this device's journals, appends
    /// that do not chain, blobs over the size limit.
    pub rejected: Vec<Rejected>,
    /// Entries of the remote's tree that are not what a trail holds.
    pub skipped: Vec<String>,
}

impl MergeReport {
    /// Anything a person must look at (a fork, a refused copy, a bad entry).
    pub fn alarming(&self) -> bool {
        !self.forks.is_empty() || !self.rejected.is_empty() || !self.skipped.is_empty()
    }
}

/// Journals, their set-aside tails, and copies kept for the record;
/// never lock files or local markers.
pub fn is_journal_material(name: &str) -> bool {
    name.ends_with(".jsonl") || crate::session::names::is_set_aside(name)
}

/// Safe path pieces only: a hostile tree must not write outside the store.
fn safe_piece(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0'])
}

/// Merge the session files of `tree` into the local store. `base` is the
/// tree this clone last synced (what "first" means for a fork).
pub fn merge_tree_into_local(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    base: Option<&git2::Tree<'_>>,
    trail: &Trail,
) -> Result<MergeReport, SyncError> {
    let mut report = MergeReport::default();
    let Some(sessions) = tree.get_name("sessions") else {
        return Ok(report);
    };
    if sessions.kind() != Some(ObjectType::Tree) {
        report
            .skipped
            .push("sessions: not a folder; nothing merged from it".into());
        return Ok(report);
    }
    let sessions = repo.find_tree(sessions.id())?;
    let odb = repo.odb()?;
    let committed = BlobCache::load(&trail.sessions_dir);
    for session in sessions.iter() {
        let raw = String::from_utf8_lossy(session.name_bytes()).into_owned();
        let shown = crate::text::one_line(&raw).into_owned();
        let id = match session.name().ok().filter(|n| safe_piece(n)) {
            Some(id) => id,
            None => {
                report
                    .skipped
                    .push(format!("sessions/{shown}: not a safe folder name"));
                continue;
            }
        };
        if let Some(why) = session_id_problem(id) {
            report.skipped.push(format!("sessions/{shown}: {why}"));
            continue;
        }
        if session.kind() != Some(ObjectType::Tree) {
            report
                .skipped
                .push(format!("sessions/{shown}: not a folder"));
            continue;
        }
        let files = repo.find_tree(session.id())?;
        for f in files.iter() {
            let fname = String::from_utf8_lossy(f.name_bytes()).into_owned();
            let where_ = format!("sessions/{id}/{}", crate::text::one_line(&fname));
            let Some(name) = f
                .name()
                .ok()
                .filter(|n| safe_piece(n) && is_journal_material(n))
            else {
                report
                    .skipped
                    .push(format!("{where_}: not a journal file name"));
                continue;
            };
            if f.kind() != Some(ObjectType::Blob) || f.filemode() == 0o120000 {
                report.skipped.push(format!(
                    "{where_}: not a file (a folder, a link or a submodule)"
                ));
                continue;
            }
            let key = format!("sessions/{id}/{name}");
            let base_id = base
                .and_then(|b| b.get_path(Path::new(&key)).ok())
                .map(|e| e.id());
            // The remote's copy is the one this clone last synced, and
            // ours is still the very file committed then: nothing to
            // merge, so neither is read (a live pull of a large session
            // every few seconds would otherwise inflate and compare it).
            if base_id == Some(f.id())
                && std::fs::metadata(trail.sessions_dir.join(id).join(name))
                    .ok()
                    .as_ref()
                    .and_then(Stamp::of)
                    .and_then(|s| committed.get(&key, s))
                    == Some(f.id())
            {
                continue;
            }
            let (size, _) = odb.read_header(f.id())?;
            if size as u64 > trail.max_file_bytes {
                report.rejected.push(Rejected {
                    session: id.to_string(),
                    file: name.to_string(),
                    why: format!(
                        "{size} bytes, above the limit of {} ([audit] max_file_mib); not read",
                        trail.max_file_bytes
                    ),
                    kept_as: None,
                });
                continue;
            }
            let blob = repo.find_blob(f.id())?;
            let base_bytes = base_id
                .and_then(|b| repo.find_blob(b).ok())
                .map(|b| b.content().to_vec());
            let dir = trail.sessions_dir.join(id);
            let file = Incoming {
                session: id,
                name,
                bytes: blob.content(),
                oid: f.id(),
                base: base_bytes.as_deref(),
            };
            merge_file(&dir, &file, &trail.device, &mut report)?;
        }
    }
    Ok(report)
}

/// One file of the remote's tree.
struct Incoming<'a> {
    session: &'a str,
    name: &'a str,
    bytes: &'a [u8],
    oid: Oid,
    /// This clone's copy as last synced.
    base: Option<&'a [u8]>,
}

/// Everything up to and with the last newline.
fn complete_lines(bytes: &[u8]) -> &[u8] {
    match memchr::memrchr(b'\n', bytes) {
        Some(i) => &bytes[..=i],
        None => &[],
    }
}

fn merge_file(
    dir: &Path,
    f: &Incoming<'_>,
    device: &str,
    report: &mut MergeReport,
) -> Result<(), SyncError> {
    let path = dir.join(f.name);
    let ours = match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&path)(e)),
    };
    let short = &f.oid.to_string()[..12];
    if !f.name.ends_with(".jsonl") {
        // A side file kept for the record: taken when we lack it.
        if ours.is_none() {
            files::create_dir_all(dir).map_err(io(dir))?;
            write_new(&path, f.bytes)?;
            report.added.push(path);
        }
        return Ok(());
    }
    let theirs = complete_lines(f.bytes);
    let reject = |report: &mut MergeReport, what: &str, why: String| -> Result<(), SyncError> {
        let kept = dir.join(format!("{}.{what}-{short}", f.name));
        if !kept.exists() {
            files::create_dir_all(dir).map_err(io(dir))?;
            write_new(&kept, f.bytes)?;
        }
        report.rejected.push(Rejected {
            session: f.session.to_string(),
            file: f.name.to_string(),
            why,
            kept_as: Some(kept),
        });
        Ok(())
    };
    if is_own_file(f.name, device) {
        // The remote brings nothing new when its copy is (a prefix of)
        // what this clone last synced: then a difference was made here,
        // after the sync, and the commit holds our copy back.
        let nothing_new = f.base.is_some_and(|b| b.starts_with(theirs));
        return match &ours {
            Some(ours) if ours.starts_with(theirs) => Ok(()),
            _ if theirs.is_empty() || nothing_new => Ok(()),
            None => reject(
                report,
                "tamper",
                "a copy of one of this device's own journals, which this device never wrote: only this device writes its own journals".into(),
            ),
            Some(_) => reject(
                report,
                "tamper",
                "the remote's copy of one of this device's own journals differs from ours: only this device writes its own journals".into(),
            ),
        };
    }
    match ours {
        None => {
            if theirs.is_empty() {
                return Ok(());
            }
            if let Err(why) = check_appended(f, &[], theirs) {
                return reject(report, "rejected", why);
            }
            files::create_dir_all(dir).map_err(io(dir))?;
            write_new(&path, theirs)?;
            report.added.push(path);
        }
        Some(ours) if theirs.len() > ours.len() && theirs.starts_with(&ours) => {
            let extra = &theirs[ours.len()..];
            if let Err(why) = check_appended(f, &ours, extra) {
                return reject(report, "rejected", why);
            }
            append_under_lock(dir, f.name, &path, ours.len(), extra, report)?;
        }
        Some(ours) if ours.starts_with(theirs) => {}
        Some(ours) => fork(dir, f, &path, &ours, theirs, report)?,
    }
    Ok(())
}

/// Check lines `extra` appended after `ours` (complete lines) as a reader
/// would: each an event with its hash, linked to the line before, in this
/// session and this actor's file. The first problem, named by its line.
fn check_appended(f: &Incoming<'_>, ours: &[u8], extra: &[u8]) -> Result<(), String> {
    let lines_before = memchr::memchr_iter(b'\n', ours).count();
    let last = match ours.len() {
        0 => None,
        n => {
            let body = &ours[..n - 1];
            let start = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
            Some(Link::of(&parse_line(&body[start..]).map_err(|e| {
                format!("our own copy's last line does not read ({e}); not merged")
            })?))
        }
    };
    let mut chain = Chain::resume(lines_before, last);
    let expect = Expect {
        session: Some(f.session),
        file_name: Some(f.name),
    };
    for (i, line) in extra
        .strip_suffix(b"\n")
        .unwrap_or(extra)
        .split(|&b| b == b'\n')
        .enumerate()
    {
        let line_no = lines_before + i + 1;
        let ev = parse_line(line).map_err(|e| format!("line {line_no}: {e}"))?;
        if let Some(why) = chain.next(&ev, expect).into_iter().next() {
            return Err(format!("line {line_no}: {why}"));
        }
        // A signature that does not hold is refused like a broken link:
        // the fold trusts the key an event names only because every
        // event that enters this clone had its signature checked.
        crate::signing::sig::check_event(&ev).map_err(|why| format!("line {line_no}: {why}"))?;
    }
    Ok(())
}

/// Append `extra` to an actor file holding the actor's lock, so no local
/// writer appends at the same moment; busy when someone holds it.
fn append_under_lock(
    dir: &Path,
    name: &str,
    path: &Path,
    expected_len: usize,
    extra: &[u8],
    report: &mut MergeReport,
) -> Result<(), SyncError> {
    let lock_path = dir.join(lock_file_name(name));
    let Ok(_lock) = ActorLock::acquire(&lock_path) else {
        report.busy.push(path.to_path_buf());
        return Ok(());
    };
    let mut f = files::options().append(true).open(path).map_err(io(path))?;
    // Re-check under the lock: the file may have grown.
    let now = f.metadata().map_err(io(path))?.len();
    if now as usize != expected_len {
        report.busy.push(path.to_path_buf());
        return Ok(());
    }
    f.write_all(extra)
        .and_then(|_| f.sync_data())
        .map_err(io(path))?;
    report.extended.push(path.to_path_buf());
    Ok(())
}

/// Two copies of one journal that no append reconciles. The copy that was
/// in the trail first keeps the name: ours when the remote's does not
/// grow from what we last synced (the remote was rewritten), theirs when
/// ours does not (ours was changed here since). Both are kept.
fn fork(
    dir: &Path,
    f: &Incoming<'_>,
    path: &Path,
    ours: &[u8],
    theirs: &[u8],
    report: &mut MergeReport,
) -> Result<(), SyncError> {
    let ours_from_base = f.base.is_some_and(|b| ours.starts_with(b));
    let theirs_from_base = f.base.is_some_and(|b| theirs.starts_with(b));
    if theirs_from_base && !ours_from_base {
        // Ours was changed here after the last sync: theirs takes the
        // name back, ours is kept for the record.
        let ours_id = Oid::hash_object(ObjectType::Blob, ours)?;
        let kept = dir.join(format!("{}.fork-{}", f.name, &ours_id.to_string()[..12]));
        if !kept.exists() {
            write_new(&kept, ours)?;
        }
        let lock_path = dir.join(lock_file_name(f.name));
        let Ok(_lock) = ActorLock::acquire(&lock_path) else {
            report.busy.push(path.to_path_buf());
            return Ok(());
        };
        write_new(path, theirs)?;
        report.forks.push(Fork {
            session: f.session.to_string(),
            file: f.name.to_string(),
            kept_as: kept,
            canonical: "theirs",
        });
        return Ok(());
    }
    let kept = dir.join(format!("{}.fork-{}", f.name, &f.oid.to_string()[..12]));
    if !kept.exists() {
        write_new(&kept, theirs)?;
    }
    report.forks.push(Fork {
        session: f.session.to_string(),
        file: f.name.to_string(),
        kept_as: kept,
        canonical: "ours",
    });
    Ok(())
}

/// Write a whole file durably: a new temp file (never through a link),
/// fsync, rename over the target.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let tmp = path.with_extension(format!("sync-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = files::create_new(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}
