//! The audit trail in the repository: session files committed to
//! `refs/greenlight/audit` (never the working tree or a branch), pushed and
//! fetched with explicit refspecs.
//!
//! Merging two sides is a union of actor files, with every rule of
//! [`super::merge`]: a remote is input, never authority. What is
//! committed is complete lines only (a write cut short here is never
//! pushed). Nothing is ever lost: every refused or diverging copy is kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature};
use serde::Serialize;

use super::blob_cache::{BlobCache, Stamp};
pub use super::merge::{Fork, MergeReport, Rejected, is_journal_material, merge_tree_into_local};
use crate::session::store::session_id_problem;

/// Where the audit trail lives in every clone and remote.
pub const AUDIT_REF: &str = "refs/greenlight/audit";

/// The last state of a remote's audit ref seen here.
pub fn tracking_ref(remote: &str) -> String {
    format!("refs/greenlight/remotes/{remote}/audit")
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", git_sentence(.0))]
    Git(#[from] git2::Error),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot sign the audit commit: {0}")]
    Signing(String),
    #[error("no remote named `{0}` (see `git remote -v`, or pass --remote)")]
    NoRemote(String),
    #[error("push to `{remote}` was rejected: {message}")]
    Rejected { remote: String, message: String },
    #[error("push to `{remote}` kept being rejected: someone else keeps pushing; try again")]
    Contended { remote: String },
}

/// A libgit2 error as a sentence: its message without the class and
/// code numbers, with what to do for the ones people run into.
pub fn git_sentence(e: &git2::Error) -> String {
    let msg = e.message().trim_end_matches('.');
    match e.code() {
        git2::ErrorCode::BareRepo => format!(
            "git: {msg}: the remote is a repository with a working tree; push the audit trail to a bare one (`git clone --bare`, or `git init --bare` and `git remote set-url`)"
        ),
        git2::ErrorCode::Auth => {
            format!("git: {msg}: check the remote's credentials (ssh-agent, a credential helper)")
        }
        _ => format!("git: {msg}"),
    }
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SyncError + '_ {
    move |source| SyncError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// This clone's side of the trail: where its sessions are, which device
/// it is (its own journals are written nowhere else), and the largest file
/// it takes from a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trail {
    pub sessions_dir: PathBuf,
    pub device: String,
    pub max_file_bytes: u64,
    /// The person's key: the audit ref's commits are signed with it.
    pub signer: Option<std::sync::Arc<crate::signing::Signer>>,
}

impl Trail {
    /// A trail with the default size limit (tests, benches).
    pub fn new(sessions_dir: impl Into<PathBuf>, device: impl Into<String>) -> Trail {
        Trail {
            sessions_dir: sessions_dir.into(),
            device: device.into(),
            max_file_bytes: 512 << 20,
            signer: None,
        }
    }
}

/// What a pull, push or sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub remote: String,
    pub fetched: bool,
    pub pushed: bool,
    pub merge: MergeReport,
    /// Local journals that no longer extend their synced copy (changed
    /// here after they were synced): not pushed; the trail keeps the
    /// synced copy (`sessions/<id>/<file>`).
    pub held_back: Vec<String>,
    /// The audit commit now at `refs/greenlight/audit`.
    pub commit: Option<String>,
    pub sessions: usize,
    pub files: usize,
}

/// The files of the local store, as `sessions/<id>/<name>` → path.
fn local_files(sessions_dir: &Path) -> Result<BTreeMap<String, PathBuf>, SyncError> {
    let mut out = BTreeMap::new();
    let entries = match std::fs::read_dir(sessions_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(sessions_dir)(e)),
    };
    for session in entries {
        let session = session.map_err(io(sessions_dir))?;
        if !session.path().is_dir() {
            continue;
        }
        let Some(id) = session.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if session_id_problem(&id).is_some() {
            continue;
        }
        for f in std::fs::read_dir(session.path()).map_err(io(&session.path()))? {
            let f = f.map_err(io(&session.path()))?;
            let Some(name) = f.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if is_journal_material(&name) {
                out.insert(format!("sessions/{id}/{name}"), f.path());
            }
        }
    }
    Ok(out)
}

/// `sessions/<id>/<name>` → (id, name).
fn session_and_name(key: &str) -> (&str, &str) {
    let mut parts = key.splitn(3, '/');
    let _ = parts.next();
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

/// A local file to read, check against what this clone last synced, and
/// write as a blob.
struct Job<'a> {
    key: &'a String,
    path: &'a PathBuf,
    /// The blob this clone last synced at that path.
    base: Option<Oid>,
    stamp: Option<Stamp>,
}

/// What a job gives the commit.
enum Taken {
    /// The file's complete lines, written.
    Blob(Oid),
    /// A journal that no longer extends its synced copy: that copy stays.
    HeldBack(Oid),
}

/// From this many bytes to write, the jobs are shared with other threads
/// (a first sync of a large session: hashing and compressing every
/// journal is a quarter of it).
const TAKE_APART_FROM: u64 = 4 << 20;

/// Every job's outcome, in order. Many megabytes of journals are taken on
/// several threads, each with its own handle on the repository (libgit2's
/// objects are per thread; its object store is safe to write from many).
///
/// Up to twice as many threads as cores: a job is one whole file, so three
/// equal journals on two threads would leave one core idle for the last
/// third; three threads on two cores finish together.
fn take_all(repo: &Repository, jobs: &[Job<'_>]) -> Result<Vec<Taken>, SyncError> {
    // The lengths stamped when the jobs were chosen (no stamp: counted
    // as nothing, so such files stay on one thread).
    let bytes: u64 = jobs.iter().filter_map(|j| j.stamp).map(Stamp::bytes).sum();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if jobs.len() < 2 || bytes < TAKE_APART_FROM || cores < 2 {
        return jobs.iter().map(|j| take(repo, j)).collect();
    }
    let helpers = jobs.len().min(2 * cores) - 1;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |repo: &Repository| -> Result<Vec<(usize, Taken)>, SyncError> {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(job) = jobs.get(i) else {
                return Ok(done);
            };
            done.push((i, take(repo, job)?));
        }
    };
    let gitdir = repo.path().to_path_buf();
    let results = std::thread::scope(|scope| {
        // A handle that cannot be opened leaves its share to the others.
        let spawned: Vec<_> = (0..helpers)
            .map(|_| {
                scope.spawn(|| match Repository::open(&gitdir) {
                    Ok(own) => work(&own),
                    Err(_) => Ok(Vec::new()),
                })
            })
            .collect();
        let mut results = vec![work(repo)];
        for helper in spawned {
            results.push(helper.join().unwrap_or_else(|_| {
                Err(SyncError::Git(git2::Error::from_str(
                    "a sync thread stopped",
                )))
            }));
        }
        results
    });
    let mut all: Vec<(usize, Taken)> = Vec::with_capacity(jobs.len());
    for done in results {
        all.extend(done?);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

/// Read one local file and write what may be committed of it.
fn take(repo: &Repository, job: &Job<'_>) -> Result<Taken, SyncError> {
    let mut bytes = std::fs::read(job.path).map_err(io(job.path))?;
    if job.key.ends_with(".jsonl") {
        // Complete lines only: a line being written, or cut short by a
        // crash, is never pushed for others to trip on.
        let complete = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        bytes.truncate(complete);
        if let Some(base) = job.base {
            let (size, _) = repo.odb()?.read_header(base)?;
            let extends = bytes.len() >= size
                && Oid::hash_object(git2::ObjectType::Blob, &bytes[..size])? == base;
            if !extends {
                return Ok(Taken::HeldBack(base));
            }
        }
    }
    // One hash per file: libgit2 hashes what it is given and writes
    // nothing when the object is already there (hashing first as well
    // cost a tenth of a first sync: SHA-1 with collision detection over
    // every byte).
    Ok(Taken::Blob(repo.blob(&bytes)?))
}

/// Build the trail's tree from the local sessions and commit it to
/// AUDIT_REF, with the other side just merged (`merged`) as a second
/// parent. Returns the commit (unchanged if the tree did not change).
///
/// The tree holds every local file (journals up to their last complete
/// line), and every valid file of the merged side or of the last sync
/// this clone lacks (a file deleted here is not deleted from the trail).
/// A local journal that no longer extends this clone's last synced copy
/// of it (changed here since) is held back: the trail keeps the synced
/// copy, and the file is named in `held_back`. Copies the merge refused
/// (`refused`: session and file) are left out.
pub fn commit_local(
    repo: &Repository,
    trail: &Trail,
    merged: Option<Oid>,
    refused: &[(String, String)],
    held_back: &mut Vec<String>,
) -> Result<Option<Oid>, SyncError> {
    let files = local_files(&trail.sessions_dir)?;
    let theirs = match merged {
        Some(m) => Some(repo.find_commit(m)?.tree()?),
        None => None,
    };
    // What this clone last synced: a local journal must extend its copy
    // there, whoever wrote it (a copy changed here is held back).
    let base = match repo.refname_to_id(AUDIT_REF) {
        Ok(id) => Some(repo.find_commit(id)?.tree()?),
        Err(_) => None,
    };
    // sessions/<id>/<name> → the blob to commit.
    let mut by_session: BTreeMap<String, BTreeMap<String, Oid>> = BTreeMap::new();
    let odb = repo.odb()?;
    let cache = BlobCache::load(&trail.sessions_dir);
    let mut next_cache = BlobCache::default();
    // The files to read, check and write, after those unchanged since.
    let mut jobs = Vec::new();
    for (key, path) in &files {
        let (id, name) = session_and_name(key);
        let base_id = base
            .as_ref()
            .and_then(|t| t.get_path(Path::new(key)).ok())
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| e.id());
        // Taken before reading: a write in between changes the stamp, so
        // the next sync hashes again rather than trust a stale id.
        let stamp = std::fs::metadata(path).ok().as_ref().and_then(Stamp::of);
        // Unchanged since it was last committed (and the trail still
        // holds that very blob, or nothing here yet): no reading, no
        // hashing.
        if let Some((stamp, oid)) = stamp
            .and_then(|s| cache.get(key, s).map(|o| (s, o)))
            .filter(|(_, o)| odb.exists(*o))
            .filter(|(_, o)| base_id.is_none_or(|b| b == *o))
        {
            next_cache.insert(key, stamp, oid);
            by_session
                .entry(id.to_string())
                .or_default()
                .insert(name.to_string(), oid);
            continue;
        }
        jobs.push(Job {
            key,
            path,
            base: base_id,
            stamp,
        });
    }
    for (job, taken) in jobs.iter().zip(take_all(repo, &jobs)?) {
        let (id, name) = session_and_name(job.key);
        let oid = match taken {
            Taken::Blob(oid) => {
                if let Some(stamp) = job.stamp {
                    next_cache.insert(job.key, stamp, oid);
                }
                oid
            }
            Taken::HeldBack(oid) => {
                held_back.push(job.key.clone());
                oid
            }
        };
        by_session
            .entry(id.to_string())
            .or_default()
            .insert(name.to_string(), oid);
    }
    // The blobs are written: their ids are good for the next sync even
    // if this commit fails.
    next_cache.save(&trail.sessions_dir);
    for t in theirs.iter().chain(base.iter()) {
        carry_over(repo, t, refused, &mut by_session)?;
    }
    let mut sessions = repo.treebuilder(None)?;
    for (id, entries) in &by_session {
        let mut tb = repo.treebuilder(None)?;
        for (name, oid) in entries {
            tb.insert(name, *oid, 0o100644)?;
        }
        sessions.insert(id, tb.write()?, 0o040000)?;
    }
    let mut top = repo.treebuilder(None)?;
    if !by_session.is_empty() {
        top.insert("sessions", sessions.write()?, 0o040000)?;
    }
    let readme = repo.blob(
        b"greenlight audit trail: sessions/<id>/<actor>.jsonl, one hash-chained journal per person and device.\n\
          Verify with `greenlight audit verify`. Written by greenlight; do not edit.\n",
    )?;
    top.insert("README", readme, 0o100644)?;
    let tree_id = top.write()?;
    let tree = repo.find_tree(tree_id)?;

    let head = repo.refname_to_id(AUDIT_REF).ok();
    let mut parents = Vec::new();
    if let Some(h) = head {
        parents.push(repo.find_commit(h)?);
    }
    if let Some(m) = merged {
        let already = match head {
            Some(h) => h == m || repo.graph_descendant_of(h, m).unwrap_or(false),
            None => false,
        };
        if !already {
            parents.push(repo.find_commit(m)?);
        }
    }
    if parents.len() == 1 && parents[0].tree_id() == tree_id {
        // Nothing new here: fast-forward to the one parent (it may be the
        // merged side when the local ref did not exist yet).
        let id = parents[0].id();
        if head != Some(id) {
            repo.reference(AUDIT_REF, id, true, "greenlight audit fast-forward")?;
        }
        return Ok(Some(id));
    }
    let sig = repo
        .signature()
        .or_else(|_| Signature::now("greenlight", "greenlight@localhost"))?;
    let sessions_n = by_session.len();
    let files_n: usize = by_session.values().map(BTreeMap::len).sum();
    let message = format!("greenlight audit: {sessions_n} session(s), {files_n} file(s)");
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let commit = match &trail.signer {
        Some(signer) => {
            crate::signing::git::signed_commit(repo, signer, &sig, &message, &tree, &parent_refs)
                .map_err(|e| SyncError::Signing(e.to_string()))?
        }
        None => repo.commit(None, &sig, &sig, &message, &tree, &parent_refs)?,
    };
    repo.reference(AUDIT_REF, commit, true, "greenlight audit commit")?;
    Ok(Some(commit))
}

/// Files of the merged side this clone does not have, kept in the trail
/// by their blob id (never read): valid session ids, journal names, plain
/// files, and not refused by the merge.
fn carry_over(
    repo: &Repository,
    theirs: &git2::Tree<'_>,
    refused: &[(String, String)],
    by_session: &mut BTreeMap<String, BTreeMap<String, Oid>>,
) -> Result<(), SyncError> {
    let Some(entry) = theirs
        .get_name("sessions")
        .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
    else {
        return Ok(());
    };
    let sessions = repo.find_tree(entry.id())?;
    for session in sessions.iter() {
        let Some(id) = session
            .name()
            .ok()
            .filter(|n| session_id_problem(n).is_none())
        else {
            continue;
        };
        if session.kind() != Some(git2::ObjectType::Tree) {
            continue;
        }
        for f in repo.find_tree(session.id())?.iter() {
            let Some(name) = f.name().ok().filter(|n| {
                is_journal_material(n) && !n.contains(['/', '\\', '\0']) && *n != "." && *n != ".."
            }) else {
                continue;
            };
            if f.kind() != Some(git2::ObjectType::Blob)
                || f.filemode() == 0o120000
                || refused.iter().any(|(s, n)| s == id && n == name)
            {
                continue;
            }
            by_session
                .entry(id.to_string())
                .or_default()
                .entry(name.to_string())
                .or_insert(f.id());
        }
    }
    Ok(())
}

/// Callbacks that find credentials the way git does: the ssh agent, the
/// credential helper, or the default.
fn callbacks(repo: &Repository) -> git2::RemoteCallbacks<'_> {
    let mut cb = git2::RemoteCallbacks::new();
    let mut tries = 0;
    let config = repo.config().ok();
    cb.credentials(move |url, username, allowed| {
        tries += 1;
        if tries > 4 {
            return Err(git2::Error::from_str(
                "authentication failed (no usable credentials)",
            ));
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            return git2::Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT)
            && let Some(cfg) = &config
        {
            return git2::Cred::credential_helper(cfg, url, username);
        }
        git2::Cred::default()
    });
    cb
}

fn find_remote<'r>(repo: &'r Repository, remote: &str) -> Result<git2::Remote<'r>, SyncError> {
    repo.find_remote(remote).map_err(|e| match e.code() {
        git2::ErrorCode::NotFound | git2::ErrorCode::InvalidSpec => {
            SyncError::NoRemote(remote.to_string())
        }
        _ => SyncError::Git(e),
    })
}

/// Fetch the remote's audit ref into its tracking ref. Returns its commit
/// (None when the remote has no audit trail yet).
pub fn fetch(repo: &Repository, remote: &str) -> Result<Option<Oid>, SyncError> {
    let mut r = find_remote(repo, remote)?;
    let spec = format!("+{AUDIT_REF}:{}", tracking_ref(remote));
    let mut opts = git2::FetchOptions::new();
    opts.remote_callbacks(callbacks(repo));
    r.fetch(
        &[spec.as_str()],
        Some(&mut opts),
        Some("greenlight audit fetch"),
    )?;
    Ok(repo.refname_to_id(&tracking_ref(remote)).ok())
}

/// Fetch and merge the remote's audit trail into the local store, then
/// record the union locally.
pub fn pull(repo: &Repository, trail: &Trail, remote: &str) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport {
        remote: remote.to_string(),
        ..Default::default()
    };
    let theirs = fetch(repo, remote)?;
    report.fetched = true;
    if let Some(t) = theirs {
        let tree = repo.find_commit(t)?.tree()?;
        let base = repo
            .refname_to_id(AUDIT_REF)
            .ok()
            .and_then(|id| repo.find_commit(id).ok())
            .and_then(|c| c.tree().ok());
        report.merge = merge_tree_into_local(repo, &tree, base.as_ref(), trail)?;
    }
    let refused: Vec<(String, String)> = report
        .merge
        .rejected
        .iter()
        .map(|r| (r.session.clone(), r.file.clone()))
        .collect();
    report.commit =
        commit_local(repo, trail, theirs, &refused, &mut report.held_back)?.map(|c| c.to_string());
    count(&mut report, &trail.sessions_dir)?;
    Ok(report)
}

/// Pull, then push the union. A push that loses a race is retried after
/// another pull.
pub fn sync(repo: &Repository, trail: &Trail, remote: &str) -> Result<SyncReport, SyncError> {
    // Packing for the push reads back the objects this process has just
    // written, and libgit2 re-hashes every byte it reads (collision-
    // detecting SHA-1): a third of a large first sync. The journals carry
    // their own sha256 chain, checked by every fold and `audit verify`,
    // and the receiving side hashes every object it indexes, so the
    // read-time check adds nothing here. (A process-wide libgit2 setting.)
    git2::opts::strict_hash_verification(false);
    let sessions_dir = trail.sessions_dir.as_path();
    // A separate handle for pushing, so the packing setting below never
    // reaches the caller's view of the repository (or its config writes).
    let push_repo = Repository::open(repo.path())?;
    tune_packing(&push_repo, sessions_dir)?;
    // A remote that is a plain directory has no server to refuse a
    // non-fast-forward push: two racing pushes could both "succeed", the
    // second erasing the first from the remote. Serialize them with a lock
    // file in the remote itself. Network remotes refuse such pushes.
    let _remote_lock = lock_local_remote(repo, remote)?;
    for _ in 0..4 {
        let mut report = pull(repo, trail, remote)?;
        // Nothing of ours missing on the remote (the common case of a live
        // pull every few seconds): no push, no second fetch to check it.
        let ours = repo.refname_to_id(AUDIT_REF).ok();
        let theirs = repo.refname_to_id(&tracking_ref(remote)).ok();
        if let (Some(o), Some(t)) = (ours, theirs)
            && (o == t || repo.graph_descendant_of(t, o).unwrap_or(false))
        {
            report.pushed = true;
            let _ = std::fs::write(
                synced_marker(sessions_dir, remote),
                jiff::Timestamp::now().as_second().to_string(),
            );
            return Ok(report);
        }
        match push_ref(&push_repo, remote) {
            Ok(()) => {
                // Check the push took: a transport without compare-and-swap
                // (a plain directory remote) can let two racing pushes both
                // "succeed" while one overwrites the other. If the remote's
                // tip does not contain ours, go round again.
                let ours = repo.refname_to_id(AUDIT_REF)?;
                let theirs = fetch(repo, remote)?;
                let landed = theirs.is_some_and(|t| {
                    t == ours || repo.graph_descendant_of(t, ours).unwrap_or(false)
                });
                if !landed {
                    continue;
                }
                report.pushed = true;
                // When this clone last synced, for the app's badge after a
                // restart. Only a hint: failing to write it fails nothing.
                let _ = std::fs::write(
                    synced_marker(sessions_dir, remote),
                    jiff::Timestamp::now().as_second().to_string(),
                );
                return Ok(report);
            }
            Err(SyncError::Rejected { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(SyncError::Contended {
        remote: remote.to_string(),
    })
}

/// Hold an exclusive lock on a local (directory) remote, waiting for it.
fn lock_local_remote(repo: &Repository, remote: &str) -> Result<Option<std::fs::File>, SyncError> {
    let r = find_remote(repo, remote)?;
    let Ok(url) = r.url() else { return Ok(None) };
    let path = match url.strip_prefix("file://") {
        Some(p) => PathBuf::from(p),
        None if !url.contains("://") && !url.contains(':') || url.starts_with('/') => {
            PathBuf::from(url)
        }
        None => return Ok(None),
    };
    let path = if path.is_relative() {
        repo.workdir().unwrap_or_else(|| repo.path()).join(path)
    } else {
        path
    };
    if !path.is_dir() {
        return Ok(None);
    }
    let lock = path.join("greenlight-audit.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(io(&lock))?;
    f.lock().map_err(io(&lock))?;
    Ok(Some(f))
}

/// Push is always a sync: the remote may hold events we must not drop.
pub fn push(repo: &Repository, trail: &Trail, remote: &str) -> Result<SyncReport, SyncError> {
    sync(repo, trail, remote)
}

/// Journals of a large session are big, highly repetitive text. libgit2's
/// delta search over such blobs is very slow (seconds per pair at 10 MB),
/// while zlib alone packs them well. Objects above 4 MB are therefore sent
/// without deltas. libgit2 reads its "big file" limit from
/// `pack.deltaCacheSize`; it is set on this process's view of the
/// repository's configuration only (an app-level file in the store), never
/// in the user's git config.
fn tune_packing(repo: &Repository, sessions_dir: &Path) -> Result<(), SyncError> {
    let dir = sessions_dir.parent().unwrap_or(sessions_dir);
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let file = dir.join("git-pack.config");
    let text = "# written by greenlight for its audit sync; not read by git itself\n[pack]\n\tdeltaCacheSize = 4m\n";
    if std::fs::read_to_string(&file).ok().as_deref() != Some(text) {
        std::fs::write(&file, text).map_err(io(&file))?;
    }
    let mut cfg = repo.config()?;
    match cfg.add_file(&file, git2::ConfigLevel::App, true) {
        Ok(()) => Ok(()),
        // Already added to this repository handle.
        Err(e) if e.code() == git2::ErrorCode::Exists => Ok(()),
        Err(e) => Err(SyncError::Git(e)),
    }
}

fn push_ref(repo: &Repository, remote: &str) -> Result<(), SyncError> {
    let mut r = find_remote(repo, remote)?;
    let rejected = std::cell::RefCell::new(None::<String>);
    {
        let mut cb = callbacks(repo);
        cb.push_update_reference(|_, status| {
            if let Some(msg) = status {
                *rejected.borrow_mut() = Some(msg.to_string());
            }
            Ok(())
        });
        let mut opts = git2::PushOptions::new();
        opts.remote_callbacks(cb);
        let spec = format!("{AUDIT_REF}:{AUDIT_REF}");
        if let Err(e) = r.push(&[spec.as_str()], Some(&mut opts)) {
            // Local transports report a non-fast-forward as an error.
            if e.code() == git2::ErrorCode::NotFastForward || e.message().contains("fast-forward") {
                return Err(SyncError::Rejected {
                    remote: remote.to_string(),
                    message: e.message().to_string(),
                });
            }
            return Err(SyncError::Git(e));
        }
    }
    match rejected.into_inner() {
        Some(message) => Err(SyncError::Rejected {
            remote: remote.to_string(),
            message,
        }),
        None => Ok(()),
    }
}

fn count(report: &mut SyncReport, sessions_dir: &Path) -> Result<(), SyncError> {
    let files = local_files(sessions_dir)?;
    report.files = files.len();
    let mut ids: Vec<&str> = files.keys().filter_map(|k| k.split('/').nth(1)).collect();
    ids.dedup();
    report.sessions = ids.len();
    Ok(())
}

/// The journals of one session as this clone last synced them (its
/// `refs/greenlight/audit`), complete lines only: what `audit verify`
/// holds the local files to. None when the session was never synced.
pub fn synced_copy(
    repo: &Repository,
    trail: &Trail,
    session: &str,
) -> Result<Option<super::verify::Synced>, SyncError> {
    let Ok(id) = repo.refname_to_id(AUDIT_REF) else {
        return Ok(None);
    };
    let tree = repo.find_commit(id)?.tree()?;
    let Ok(entry) = tree.get_path(Path::new(&format!("sessions/{session}"))) else {
        return Ok(None);
    };
    if entry.kind() != Some(git2::ObjectType::Tree) {
        return Ok(None);
    }
    let odb = repo.odb()?;
    let mut out = super::verify::Synced::new();
    for f in repo.find_tree(entry.id())?.iter() {
        let Some(name) = f.name().ok().filter(|n| n.ends_with(".jsonl")) else {
            continue;
        };
        if f.kind() != Some(git2::ObjectType::Blob)
            || odb.read_header(f.id())?.0 as u64 > trail.max_file_bytes
        {
            continue;
        }
        let blob = repo.find_blob(f.id())?;
        let bytes = blob.content();
        let complete = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
        out.insert(name.to_string(), bytes[..complete].to_vec());
    }
    Ok(Some(out))
}

/// What the app shows: when the remote was last seen, and how many local
/// events it does not have yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncStatus {
    pub remote: String,
    /// Whether the repository has a remote of that name at all.
    pub remote_exists: bool,
    /// Commit time (unix seconds) of the remote's audit trail as last seen.
    pub last_seen: Option<i64>,
    /// When this clone last synced with the remote (unix seconds).
    pub last_synced: Option<i64>,
    pub unpushed_events: usize,
}

pub fn status(repo: &Repository, trail: &Trail, remote: &str) -> Result<SyncStatus, SyncError> {
    let sessions_dir = trail.sessions_dir.as_path();
    let mut st = SyncStatus {
        remote: remote.to_string(),
        remote_exists: repo.find_remote(remote).is_ok(),
        last_synced: std::fs::read_to_string(synced_marker(sessions_dir, remote))
            .ok()
            .and_then(|t| t.trim().parse().ok()),
        ..Default::default()
    };
    let theirs = match repo.refname_to_id(&tracking_ref(remote)) {
        Ok(id) => {
            let c = repo.find_commit(id)?;
            st.last_seen = Some(c.time().seconds());
            Some(c.tree()?)
        }
        Err(_) => None,
    };
    // The app asks for this after every new event: read only what it
    // needs, the size of the remote's copy (an object header, not the
    // blob) and the local bytes past it.
    let odb = repo.odb()?;
    for (key, path) in local_files(sessions_dir)? {
        if !key.ends_with(".jsonl") {
            continue;
        }
        let remote_len = match theirs
            .as_ref()
            .and_then(|t| t.get_path(Path::new(&key)).ok())
        {
            Some(entry) => odb.read_header(entry.id())?.0 as u64,
            None => 0,
        };
        st.unpushed_events += lines_after(&path, remote_len)?;
    }
    Ok(st)
}

/// Where a clone keeps the time of its last sync with `remote`: beside
/// its sessions folder, one small file per remote.
fn synced_marker(sessions_dir: &Path, remote: &str) -> PathBuf {
    let name: String = remote
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    sessions_dir
        .parent()
        .unwrap_or(sessions_dir)
        .join(format!("synced-{name}"))
}

/// How many lines a file has past its first `offset` bytes.
fn lines_after(path: &Path, offset: u64) -> Result<usize, SyncError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let len = f.metadata().map_err(io(path))?.len();
    if len <= offset {
        return Ok(0);
    }
    f.seek(SeekFrom::Start(offset)).map_err(io(path))?;
    let mut count = 0;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            return Ok(count);
        }
        count += buf[..n].iter().filter(|&&b| b == b'\n').count();
    }
}

/// Everything a sync needs, owned, so it can run on a background thread
/// (the app syncs without freezing its screen): the repository's git
/// folder, the local store's sessions folder, and the remote's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTarget {
    pub git_dir: PathBuf,
    pub trail: Trail,
    pub remote: String,
}

impl SyncTarget {
    /// Pull and push, as [`sync`].
    pub fn sync(&self) -> Result<SyncReport, SyncError> {
        let repo = Repository::open(&self.git_dir)?;
        sync(&repo, &self.trail, &self.remote)
    }

    /// Fetch and merge, as [`pull`].
    pub fn pull(&self) -> Result<SyncReport, SyncError> {
        let repo = Repository::open(&self.git_dir)?;
        pull(&repo, &self.trail, &self.remote)
    }

    /// What is not pushed yet, as [`status`].
    pub fn status(&self) -> Result<SyncStatus, SyncError> {
        let repo = Repository::open(&self.git_dir)?;
        status(&repo, &self.trail, &self.remote)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many megabytes of journals are taken on several threads: each job's
    /// outcome is what one thread alone gives, in order (a journal's
    /// complete lines written; one that no longer extends its synced copy
    /// held back).
    #[test]
    fn threads_take_what_one_takes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repository::init_bare(dir.path().join("repo.git")).expect("repo");
        let line = |i: usize| format!("{{\"seq\":{i},\"text\":\"observation {i}\"}}\n");
        let journal = |n: usize, from: usize| (from..from + n).map(line).collect::<String>();
        let mut files = Vec::new();
        for (name, text) in [
            ("a.jsonl", journal(60_000, 0)),
            ("b.jsonl", format!("{}{{\"seq\":cut sh", journal(50_000, 7))),
            ("c.jsonl", journal(70_000, 3)),
            ("d.jsonl", journal(10, 0)),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &text).expect("write");
            files.push((format!("sessions/S/{name}"), path, text));
        }
        // c's synced copy is not where c starts: held back. d extends its copy.
        let other = repo.blob(journal(5, 1).as_bytes()).expect("blob");
        let d_base = repo.blob(journal(4, 0).as_bytes()).expect("blob");
        let jobs: Vec<Job<'_>> = files
            .iter()
            .map(|(key, path, _)| Job {
                key,
                path,
                base: match key.as_str() {
                    "sessions/S/c.jsonl" => Some(other),
                    "sessions/S/d.jsonl" => Some(d_base),
                    _ => None,
                },
                // Stamped, as commit_local stamps them: take_all counts
                // the stamped lengths to decide on threads.
                stamp: std::fs::metadata(path).ok().as_ref().and_then(Stamp::of),
            })
            .collect();
        let total: u64 = jobs.iter().filter_map(|j| j.stamp).map(Stamp::bytes).sum();
        assert!(total >= TAKE_APART_FROM, "large enough for threads");
        let id = |t: &Taken| match t {
            Taken::Blob(o) => ("blob", *o),
            Taken::HeldBack(o) => ("held back", *o),
        };
        let apart: Vec<_> = take_all(&repo, &jobs)
            .expect("take")
            .iter()
            .map(id)
            .collect();
        let alone: Vec<_> = jobs
            .iter()
            .map(|j| take(&repo, j).map(|t| id(&t)).expect("take"))
            .collect();
        assert_eq!(apart, alone);
        let complete = |t: &str| t[..t.rfind('\n').map_or(0, |i| i + 1)].to_string();
        let expect = [
            ("blob", repo.blob(files[0].2.as_bytes()).expect("blob")),
            (
                "blob",
                repo.blob(complete(&files[1].2).as_bytes()).expect("blob"),
            ),
            ("held back", other),
            ("blob", repo.blob(files[3].2.as_bytes()).expect("blob")),
        ];
        assert_eq!(apart, expect);
        let b = repo.find_blob(apart[1].1).expect("written");
        assert!(b.content().ends_with(b"}\n"), "complete lines only");
    }

    /// libgit2's zlib is zlib-rs, linked in (vendor/libz-sys): after
    /// writing, packing and reading objects back, no shared libz is
    /// mapped into this process. If a dependency change brought the
    /// system's libz back, a first sync would again take about half as
    /// long again.
    #[cfg(target_os = "linux")]
    #[test]
    fn git_zlib_is_zlib_rs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repository::init_bare(dir.path().join("repo.git")).expect("repo");
        let text = "{\"seq\":1}\n".repeat(10_000);
        let blob = repo.blob(text.as_bytes()).expect("blob");
        let mut pack = repo.packbuilder().expect("packbuilder");
        pack.insert_object(blob, None).expect("insert");
        let mut buf = git2::Buf::new();
        pack.write_buf(&mut buf).expect("pack");
        assert!(buf.len() < text.len() / 10, "the pack is compressed");
        let back = repo.find_blob(blob).expect("read back");
        assert_eq!(back.content(), text.as_bytes());
        let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
        let shared_libz = maps
            .lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .find(|path| {
                path.rsplit('/')
                    .next()
                    .is_some_and(|f| f.starts_with("libz.so"))
            });
        assert_eq!(shared_libz, None, "libgit2 uses the system's libz");
    }
}
