//! Reading commits out of the repository: which commits are in a range and
//! what each one says.
//!
//! A range is "reachable from `tip`, not reachable from `since`", over all
//! parents (not first-parent only): a feature merged from a branch counts
//! through its own commits, and the merge commit's message is parsed too
//! (a plain "Merge branch ..." is kind `other`).

use std::path::Path;

use git2::{Oid, Repository, Sort};
use serde::Serialize;

use super::error::ReleaseError;
use super::message::{ParsedMessage, parse_message};

/// Length of the abbreviated hashes shown to people. Fixed rather than
/// asked of libgit2 (which would probe the object database per commit).
pub const SHORT_HASH_LEN: usize = 7;

/// Identity of one commit, enough to show and link it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitRef {
    /// Full hex object id.
    pub id: String,
    pub short_id: String,
    pub author: String,
    pub author_email: String,
    /// Author time, seconds since the Unix epoch.
    pub time: i64,
    /// More than one parent.
    pub is_merge: bool,
}

/// A commit and its parsed message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConventionalCommitInfo {
    #[serde(flatten)]
    pub commit: CommitRef,
    #[serde(flatten)]
    pub message: ParsedMessage,
}

impl ConventionalCommitInfo {
    /// `feat(api): add export (a1b2c3d)`: how a reason names a commit.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.message.header, self.commit.short_id)
    }
}

/// Open the repository containing `path` (searching parent folders), with
/// a typed error when there is none.
pub fn open_repository(path: &Path) -> Result<Repository, ReleaseError> {
    Repository::discover(path).map_err(|source| match source.code() {
        git2::ErrorCode::NotFound => ReleaseError::NoRepository {
            path: path.to_owned(),
            source,
        },
        _ => ReleaseError::Git(source),
    })
}

/// The commit a revspec names (`HEAD`, `v1.2.0`, `main~3`, a hash), with
/// annotated tags peeled.
pub fn resolve_commit(repo: &Repository, spec: &str) -> Result<Oid, ReleaseError> {
    let bad = |source| ReleaseError::BadRef {
        spec: spec.to_owned(),
        source,
    };
    if spec == "HEAD" {
        return head_commit(repo);
    }
    let object = repo.revparse_single(spec).map_err(bad)?;
    let commit = object.peel_to_commit().map_err(bad)?;
    Ok(commit.id())
}

/// HEAD's commit, or [`ReleaseError::UnbornHead`] on a repository with no
/// commits yet.
pub fn head_commit(repo: &Repository) -> Result<Oid, ReleaseError> {
    match repo.head() {
        Ok(head) => Ok(head.peel_to_commit()?.id()),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            Err(ReleaseError::UnbornHead)
        }
        Err(e) => Err(ReleaseError::Git(e)),
    }
}

/// Commits reachable from `tip` and not from `since`, newest first
/// (topological, then by time, so a parent never comes before its child).
pub fn commits_between(
    repo: &Repository,
    tip: Oid,
    since: Option<Oid>,
) -> Result<Vec<ConventionalCommitInfo>, ReleaseError> {
    read_commits(repo, &range_ids(repo, tip, since)?)
}

/// The ids of [`commits_between`], without reading the commits: the
/// cheap half, used to look for tags before parsing anything.
pub fn range_ids(
    repo: &Repository,
    tip: Oid,
    since: Option<Oid>,
) -> Result<Vec<Oid>, ReleaseError> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.push(tip)?;
    if let Some(since) = since {
        walk.hide(since)?;
    }
    walk.map(|oid| oid.map_err(ReleaseError::Git)).collect()
}

/// Keep the commits that change something under `path` (a folder or a
/// file, relative to the repository's root), as `git log -- path` does:
/// a commit counts when the path's tree entry differs from its parent's
/// (a root commit: when it has the path); a merge counts only when it
/// differs from every parent, so a branch's changes count once, through
/// its own commits. Comparing one tree entry id per parent is cheap: no
/// diff is computed.
pub fn touching_path(
    repo: &Repository,
    ids: Vec<Oid>,
    path: &str,
) -> Result<Vec<Oid>, ReleaseError> {
    let path = Path::new(path);
    let entry_at = |commit: &git2::Commit<'_>| -> Result<Option<Oid>, ReleaseError> {
        match commit.tree()?.get_path(path) {
            Ok(e) => Ok(Some(e.id())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(ReleaseError::Git(e)),
        }
    };
    let mut out = Vec::with_capacity(ids.len());
    for oid in ids {
        let commit = repo.find_commit(oid)?;
        let mine = entry_at(&commit)?;
        let touches = if commit.parent_count() == 0 {
            mine.is_some()
        } else {
            let mut differs_from_all = true;
            for parent in commit.parents() {
                if entry_at(&parent)? == mine {
                    differs_from_all = false;
                    break;
                }
            }
            differs_from_all
        };
        if touches {
            out.push(oid);
        }
    }
    Ok(out)
}

/// Read and parse the given commits, in the given order.
pub fn read_commits(
    repo: &Repository,
    ids: &[Oid],
) -> Result<Vec<ConventionalCommitInfo>, ReleaseError> {
    ids.iter()
        .map(|&oid| Ok(read_commit(&repo.find_commit(oid)?)))
        .collect()
}

fn read_commit(commit: &git2::Commit<'_>) -> ConventionalCommitInfo {
    let id = commit.id().to_string();
    let author = commit.author();
    let message = String::from_utf8_lossy(commit.message_bytes());
    ConventionalCommitInfo {
        commit: CommitRef {
            short_id: id.chars().take(SHORT_HASH_LEN).collect(),
            id,
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: author.when().seconds(),
            is_merge: commit.parent_count() > 1,
        },
        message: parse_message(&message),
    }
}
