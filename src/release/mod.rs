//! Release helpers that read the git repository: next version, release notes, manifest of components.
//!
//! Everything goes through `git2` (never the `git` binary). Results are
//! plain serde-serializable structs; each has a `render_*` for people.
//!
//! - [`message`]: one commit message → Conventional Commit fields.
//! - [`history`]: commits of a range, opening repositories, revspecs.
//! - [`tags`]: which tags are releases, the last one reachable.
//! - [`version`]: the next version and why.
//! - [`remote`]: commit links for GitHub/GitLab remotes.
//! - [`notes`]: grouped release notes, markdown, CHANGELOG.md.
//! - [`manifest`]: `release-manifest.toml`, compatible component versions.

pub mod error;
pub mod history;
pub mod manifest;
pub mod message;
pub mod notes;
pub mod remote;
pub mod tag;
pub mod tags;
pub mod version;

pub use error::ReleaseError;
pub use history::{
    CommitRef, ConventionalCommitInfo, commits_between, open_repository, resolve_commit,
};
pub use manifest::{
    Component, MANIFEST_FILE, Manifest, ManifestError, ManifestProblem, SetOutcome,
    render_problems, set_in_file,
};
pub use message::{CommitKind, Footer, ParsedMessage, parse_message};
pub use notes::{
    NoteEntry, Notes, NotesSection, Section, notes, prepend_to_changelog, render_markdown,
};
pub use remote::{Forge, WebRepo};
pub use tags::{
    ReleaseRange, ReleaseTag, TagPattern, last_release_tag, release_range, release_tags,
};
pub use version::{
    Bump, NextVersion, VersionOptions, next_version, next_version_at, plan, render_next_version,
};
