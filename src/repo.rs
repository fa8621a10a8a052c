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

/// The first commit reached by following first parents from HEAD.
fn root_commit(repo: &git2::Repository) -> Option<String> {
    let mut walk = repo.revwalk().ok()?;
    walk.push_head().ok()?;
    walk.simplify_first_parent().ok()?;
    walk.filter_map(Result::ok)
        .last()
        .map(|oid| oid.to_string())
}
