//! Where a session's playbook came from, and the reviewed copy of it.
//!
//! A session freezes its playbook's steps into its journal, and journals
//! arrive from other clones: a step's `run` read from a journal is input,
//! not a command anyone reviewed. So a session also records the source of
//! its playbook (a built-in of this greenlight, or a file of the
//! repository at a commit), and before a command runs it is read again
//! from that source, which only this clone's own files and branches can
//! provide. When the two differ, nothing runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::catalog::builtin_file;
use super::model::{Origin, Playbook};
use super::{Catalog, parse};

/// Where a session's playbook came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlaybookSource {
    /// Shipped inside greenlight.
    Builtin {
        /// Its file in `assets/playbooks/`.
        file: String,
        /// The greenlight version that shipped it.
        greenlight: String,
        /// sha256 of its text.
        sha256: String,
    },
    /// A file of the repository.
    Repo {
        /// Relative to the repository root.
        path: String,
        /// Its git blob id when the session started.
        blob: String,
        /// HEAD when the session started.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
    },
}

impl PlaybookSource {
    /// Where, in words: "built-in feature-release.toml of greenlight
    /// 0.1.0", ".greenlight/playbooks/x.toml at blob 1a2b3c4d5e".
    pub fn describe(&self) -> String {
        match self {
            PlaybookSource::Builtin {
                file, greenlight, ..
            } => format!("built-in {file} of greenlight {greenlight}"),
            PlaybookSource::Repo { path, blob, .. } => {
                format!(
                    "{path} at blob {}",
                    blob.chars().take(10).collect::<String>()
                )
            }
        }
    }
}

/// The source of a playbook as loaded now, to record when a session
/// starts. None when it cannot be named (a repository file outside the
/// repository).
pub fn source_of(playbook: &Playbook, repo_root: &Path) -> Option<PlaybookSource> {
    match &playbook.origin {
        Origin::Builtin => {
            let (file, text) = builtin_file(&playbook.id)?;
            Some(PlaybookSource::Builtin {
                file: file.to_string(),
                greenlight: env!("CARGO_PKG_VERSION").to_string(),
                sha256: sha256_hex(text.as_bytes()),
            })
        }
        Origin::File(path) => {
            let rel = path.strip_prefix(repo_root).ok()?;
            let bytes = std::fs::read(path).ok()?;
            let blob = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).ok()?;
            let commit = git2::Repository::open(repo_root)
                .ok()
                .and_then(|r| r.head().ok()?.peel_to_commit().ok().map(|c| c.id()))
                .map(|c| c.to_string());
            Some(PlaybookSource::Repo {
                path: rel.to_string_lossy().into_owned(),
                blob: blob.to_string(),
                commit,
            })
        }
    }
}

/// The reviewed copy of a session's playbook, read from its recorded
/// source by what this clone holds itself: this greenlight's built-ins,
/// the working tree, or a commit reachable from a local branch. For a
/// session that recorded no source (started by an older greenlight), the
/// playbook of the same id in the catalog now. Why not, when it cannot
/// be found.
pub fn reviewed_playbook(
    source: Option<&PlaybookSource>,
    playbook_id: &str,
    repo_root: &Path,
) -> Result<Playbook, String> {
    match source {
        None => Catalog::load(Some(repo_root))
            .map_err(|e| format!("the playbooks do not load: {e}"))?
            .get(playbook_id)
            .cloned()
            .ok_or_else(|| format!("no playbook `{playbook_id}` is known here")),
        Some(PlaybookSource::Builtin { file, .. }) => {
            let text = super::catalog::builtin_text(file)
                .ok_or_else(|| format!("this greenlight has no built-in {file}"))?;
            parse(text, Origin::Builtin).map_err(|e| e.to_string())
        }
        Some(PlaybookSource::Repo { path, blob, commit }) => {
            let text = repo_text(repo_root, path, blob, commit.as_deref())?;
            parse(&text, Origin::File(PathBuf::from(path))).map_err(|e| e.to_string())
        }
    }
}

/// A repository playbook's text with blob id `blob` at `path`: the working
/// tree's file when it still has that content, else the blob at `path` in
/// `commit` when a local branch contains that commit. Objects that only
/// arrived with an audit sync are never enough.
fn repo_text(root: &Path, path: &str, blob: &str, commit: Option<&str>) -> Result<String, String> {
    let rel = Path::new(path);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!(
            "the recorded playbook path `{path}` is not inside the repository"
        ));
    }
    let want = git2::Oid::from_str(blob).map_err(|_| format!("`{blob}` is not a blob id"))?;
    if let Ok(bytes) = std::fs::read(root.join(rel))
        && git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).ok() == Some(want)
    {
        return String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8"));
    }
    let not_here = || {
        format!(
            "{path} as the session started it (blob {}) is neither in the working tree nor in a commit of a local branch",
            blob.chars().take(10).collect::<String>()
        )
    };
    let commit = commit.ok_or_else(not_here)?;
    let repo = git2::Repository::open(root).map_err(|e| e.message().to_string())?;
    let commit = git2::Oid::from_str(commit).map_err(|_| not_here())?;
    let on_a_branch = repo
        .branches(Some(git2::BranchType::Local))
        .map_err(|e| e.message().to_string())?
        .flatten()
        .filter_map(|(b, _)| b.get().target())
        .any(|tip| tip == commit || repo.graph_descendant_of(tip, commit).unwrap_or(false));
    if !on_a_branch {
        return Err(not_here());
    }
    let entry = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .and_then(|t| t.get_path(rel))
        .map_err(|_| not_here())?;
    if entry.id() != want {
        return Err(not_here());
    }
    let blob = repo.find_blob(want).map_err(|_| not_here())?;
    String::from_utf8(blob.content().to_vec()).map_err(|_| format!("{path} is not UTF-8"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
