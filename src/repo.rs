//! The git repository a command runs in, and its stable key in the store.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{} is not inside a git repository (greenlight keeps sessions per repository; run it in one, or `git init`)", path.display())]
    NotARepo { path: PathBuf },
    #[error("{} is a bare repository; run greenlight in a working tree", path.display())]
    Bare { path: PathBuf },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// A repository as greenlight sees it.
#[derive(Debug, Clone)]
pub struct RepoContext {
    /// The top of the working tree.
    pub root: PathBuf,
    /// Stable for a clone: the folder name plus a hash of the first commit
    /// and the working tree path. Two clones of one project get two keys,
    /// so their sessions never mix on one machine.
    pub key: String,
    /// A short display name (the folder name).
    pub name: String,
}

impl RepoContext {
    /// Find the repository containing `start`.
    pub fn discover(start: &Path) -> Result<RepoContext, RepoError> {
        let repo = git2::Repository::discover(start).map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => RepoError::NotARepo {
                path: start.to_path_buf(),
            },
            _ => RepoError::Git(e),
        })?;
        let root = repo.workdir().ok_or_else(|| RepoError::Bare {
            path: repo.path().to_path_buf(),
        })?;
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let name = root
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("repo")
            .to_string();
        let first = root_commit(&repo).unwrap_or_else(|| "empty".to_string());
        let mut h = Sha256::new();
        h.update(first.as_bytes());
        h.update([0]);
        h.update(root.to_string_lossy().as_bytes());
        let digest = hex::encode(h.finalize());
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(RepoContext {
            key: format!("{safe}-{}", &digest[..12]),
            root,
            name,
        })
    }

    pub fn open(&self) -> Result<git2::Repository, RepoError> {
        Ok(git2::Repository::open(&self.root)?)
    }
}

/// Where [`root_commit`] keeps what it found, in the git dir (per
/// worktree): `HEAD-id root-id`.
const ROOT_CACHE: &str = "greenlight-root";

/// The first commit reached by following first parents from HEAD.
///
/// Walking a long history to its root costs every command about a
/// millisecond per hundred commits, so the answer is kept with the HEAD
/// it was found from. Next time the walk from HEAD stops as soon as it
/// reaches that commit (the root is then the same); only a HEAD that no
/// longer leads to it (another branch, a rewrite) walks to the root again.
fn root_commit(repo: &git2::Repository) -> Option<String> {
    let head = repo.head().ok()?.peel_to_commit().ok()?.id();
    let cache = repo.path().join(ROOT_CACHE);
    let cached = std::fs::read_to_string(&cache).ok().and_then(|text| {
        let (seen, root) = text.trim().split_once(' ')?;
        Some((
            git2::Oid::from_str(seen).ok()?,
            git2::Oid::from_str(root).ok()?,
        ))
    });
    let mut walk = repo.revwalk().ok()?;
    walk.push(head).ok()?;
    walk.simplify_first_parent().ok()?;
    let mut root = None;
    for oid in walk.filter_map(Result::ok) {
        if let Some((seen, cached_root)) = cached
            && oid == seen
        {
            root = Some(cached_root);
            break;
        }
        root = Some(oid);
    }
    let root = root?;
    if cached != Some((head, root)) {
        // Only a cache: a repository we cannot write to walks each time.
        let _ = std::fs::write(&cache, format!("{head} {root}\n"));
    }
    Some(root.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &git2::Repository, refname: &str, parents: &[&git2::Commit<'_>]) -> git2::Oid {
        let sig = git2::Signature::now("T", "t@example.com").unwrap();
        let tree = repo
            .find_tree(repo.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        repo.commit(Some(refname), &sig, &sig, "c", &tree, parents)
            .unwrap()
    }

    #[test]
    fn the_root_is_found_again_from_a_moved_head_and_after_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let first = commit(&repo, "HEAD", &[]);
        let mut tip = first;
        for _ in 0..5 {
            let parent = repo.find_commit(tip).unwrap();
            tip = commit(&repo, "HEAD", &[&parent]);
        }
        assert_eq!(root_commit(&repo), Some(first.to_string()));
        let cache = repo.path().join(ROOT_CACHE);
        assert_eq!(
            std::fs::read_to_string(&cache).unwrap(),
            format!("{tip} {first}\n")
        );
        // New commits: the walk stops at the commit it knows.
        let parent = repo.find_commit(tip).unwrap();
        let newer = commit(&repo, "HEAD", &[&parent]);
        assert_eq!(root_commit(&repo), Some(first.to_string()));
        assert!(
            std::fs::read_to_string(&cache)
                .unwrap()
                .starts_with(&newer.to_string())
        );
        // A history that does not lead to the cached HEAD: walked to its
        // own root.
        let other = commit(&repo, "refs/heads/other", &[]);
        let parent = repo.find_commit(other).unwrap();
        commit(&repo, "refs/heads/other", &[&parent]);
        repo.set_head("refs/heads/other").unwrap();
        assert_eq!(root_commit(&repo), Some(other.to_string()));
        // A cache that makes no sense is ignored.
        std::fs::write(&cache, "garbage").unwrap();
        assert_eq!(root_commit(&repo), Some(other.to_string()));
    }
}
