//! Typed errors for the release helpers, so callers (the CLI) can branch on
//! "not a repository", "bad ref", "bad tag pattern" rather than on strings.

use std::path::PathBuf;

/// What can go wrong while reading history, tags or writing a changelog.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The path is not inside a git repository.
    #[error("{} is not inside a git repository: {source}", path.display())]
    NoRepository {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    /// A revspec given by the user does not name a commit.
    #[error("`{spec}` does not name a commit: {source}")]
    BadRef {
        spec: String,
        #[source]
        source: git2::Error,
    },
    /// HEAD points at a branch with no commits yet.
    #[error("HEAD has no commits yet; there is no history to release")]
    UnbornHead,
    /// The tag pattern cannot be used to find release tags.
    #[error("bad tag pattern `{pattern}`: {reason}")]
    BadTagPattern { pattern: String, reason: String },
    /// The pre-release identifier asked for cannot be part of a version.
    #[error("bad pre-release identifier `{id}`: {reason}")]
    BadPrerelease { id: String, reason: String },
    /// Reading or writing a file (the changelog) failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Any other libgit2 failure (corrupt object, permissions, ...).
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}
