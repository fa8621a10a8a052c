//! Release notes: the commits of a range grouped by change type, rendered
//! as markdown, and prepended to a `CHANGELOG.md`.
//!
//! Groups, in this order: Breaking changes, Features, Fixes, Performance,
//! Other. A breaking commit is listed under Breaking changes only. Merge
//! commits whose message is not conventional ("Merge branch ...") are left
//! out: the commits they merge are listed themselves.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use git2::Repository;
use serde::Serialize;

use super::error::ReleaseError;
use super::history::{ConventionalCommitInfo, range_ids, read_commits, resolve_commit};
use super::message::CommitKind;
use super::remote::WebRepo;
use super::tags::release_range;
use super::version::VersionOptions;

/// The remote whose URL gives commit links.
pub const LINK_REMOTE: &str = "origin";

/// A group of the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Breaking,
    Features,
    Fixes,
    Performance,
    Other,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Breaking,
        Section::Features,
        Section::Fixes,
        Section::Performance,
        Section::Other,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Breaking => "Breaking changes",
            Section::Features => "Features",
            Section::Fixes => "Fixes",
            Section::Performance => "Performance",
            Section::Other => "Other",
        }
    }

    fn of(c: &ConventionalCommitInfo) -> Option<Section> {
        let m = &c.message;
        if m.breaking {
            return Some(Section::Breaking);
        }
        Some(match m.kind {
            CommitKind::Feature => Section::Features,
            CommitKind::Fix => Section::Fixes,
            CommitKind::Performance => Section::Performance,
            CommitKind::Other if c.commit.is_merge && !m.conventional => return None,
            CommitKind::Other => Section::Other,
        })
    }
}

/// One line of the notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteEntry {
    pub id: String,
    pub short_id: String,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub scope: Option<String>,
    pub subject: String,
    pub author: String,
    /// Only when it says more than the subject.
    pub breaking_description: Option<String>,
    pub link: Option<String>,
}

/// One non-empty group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotesSection {
    pub section: Section,
    pub title: String,
    pub entries: Vec<NoteEntry>,
}

/// Release notes for a range of commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notes {
    /// The start of the range as given, or the release tag found; `None`
    /// when the range is the whole history.
    pub from: Option<String>,
    pub to: String,
    pub from_commit: Option<String>,
    pub to_commit: String,
    /// The web repository links point into, when `origin` is on a known forge.
    pub web: Option<WebRepo>,
    /// Non-empty groups, in [`Section::ALL`] order.
    pub sections: Vec<NotesSection>,
}

impl Notes {
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }
}

/// The conventional types release notes leave out unless configured
/// (`[project] notes_skip`): housekeeping nobody outside the team reads.
pub const DEFAULT_SKIP: [&str; 5] = ["chore", "ci", "build", "test", "style"];

/// Is `c` left out of the notes by `skip` (its type, any case; never a
/// breaking change)?
pub fn skipped(c: &ConventionalCommitInfo, skip: &[String]) -> bool {
    let m = &c.message;
    !m.breaking
        && m.type_
            .as_deref()
            .is_some_and(|t| skip.iter().any(|s| s.eq_ignore_ascii_case(t)))
}

/// Notes for the commits in `from..to`. `to` defaults to HEAD; `from`
/// defaults to the last release tag reachable from `to` (per `opts`'s tag
/// pattern and component), and to the whole history if there is none.
pub fn notes(
    repo: &Repository,
    from: Option<&str>,
    to: Option<&str>,
    opts: &VersionOptions,
) -> Result<Notes, ReleaseError> {
    let to = to.unwrap_or("HEAD");
    let to_oid = resolve_commit(repo, to)?;
    let (from, from_oid, ids) = match from {
        Some(spec) => {
            let from_oid = resolve_commit(repo, spec)?;
            let ids = range_ids(repo, to_oid, Some(from_oid))?;
            (Some(spec.to_owned()), Some(from_oid), ids)
        }
        None => {
            let range = release_range(repo, &opts.pattern()?, to_oid)?;
            let (name, oid) = range.tag.map(|t| (t.name, t.oid)).unzip();
            (name, oid, range.commits)
        }
    };
    let ids = match opts.path.as_deref() {
        Some(path) => super::history::touching_path(repo, ids, path)?,
        None => ids,
    };
    let mut commits = read_commits(repo, &ids)?;
    commits.retain(|c| !skipped(c, &opts.notes_skip));
    let web = origin_web(repo)?;
    Ok(Notes {
        from,
        to: to.to_owned(),
        from_commit: from_oid.map(|o| o.to_string()),
        to_commit: to_oid.to_string(),
        sections: group(&commits, web.as_ref()),
        web,
    })
}

fn origin_web(repo: &Repository) -> Result<Option<WebRepo>, ReleaseError> {
    match repo.find_remote(LINK_REMOTE) {
        Ok(remote) => Ok(remote.url().ok().and_then(WebRepo::from_remote_url)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        // A malformed remote config is not worth failing the notes over.
        Err(e) if e.class() == git2::ErrorClass::Config => Ok(None),
        Err(e) => Err(ReleaseError::Git(e)),
    }
}

/// Group commits (newest first) into sections. Pure.
pub fn group(commits: &[ConventionalCommitInfo], web: Option<&WebRepo>) -> Vec<NotesSection> {
    Section::ALL
        .iter()
        .filter_map(|&section| {
            let entries: Vec<NoteEntry> = commits
                .iter()
                .filter(|c| Section::of(c) == Some(section))
                .map(|c| entry(c, web))
                .collect();
            (!entries.is_empty()).then(|| NotesSection {
                section,
                title: section.title().to_owned(),
                entries,
            })
        })
        .collect()
}

fn entry(c: &ConventionalCommitInfo, web: Option<&WebRepo>) -> NoteEntry {
    let m = &c.message;
    NoteEntry {
        id: c.commit.id.clone(),
        short_id: c.commit.short_id.clone(),
        type_: m.type_.clone(),
        scope: m.scope.clone(),
        subject: m.subject.clone(),
        author: c.commit.author.clone(),
        breaking_description: m.breaking_description.clone().filter(|d| *d != m.subject),
        link: web.map(|w| w.commit_url(&c.commit.id)),
    }
}

/// Markdown: `## {title}`, then a `### ` heading per group and one bullet
/// per commit with its short hash (linked when possible) and author.
pub fn render_markdown(notes: &Notes, title: &str) -> String {
    render_markdown_at(notes, title, 2)
}

/// [`render_markdown`] with the title at heading `level` (2: `##`) and the
/// sections one below: a train's notes nest each component's under the
/// system version.
pub fn render_markdown_at(notes: &Notes, title: &str, level: usize) -> String {
    let (head, sub) = ("#".repeat(level.max(1)), "#".repeat(level.max(1) + 1));
    let mut out = format!("{head} {title}\n");
    if notes.is_empty() {
        out.push_str("\nNo changes.\n");
        return out;
    }
    for section in &notes.sections {
        out.push_str(&format!("\n{sub} {}\n\n", section.title));
        for e in &section.entries {
            let scope = e
                .scope
                .as_ref()
                .map(|s| format!("**{s}:** "))
                .unwrap_or_default();
            // In Other, the type tells docs from chore; elsewhere the heading does.
            let type_ = match (section.section, &e.type_) {
                (Section::Other | Section::Breaking, Some(t)) => format!("{t}: "),
                _ => String::new(),
            };
            let hash = match &e.link {
                Some(link) => format!("[{}]({link})", e.short_id),
                None => e.short_id.clone(),
            };
            out.push_str(&format!(
                "- {type_}{scope}{} ({hash}) by {}\n",
                e.subject, e.author
            ));
            if let Some(desc) = &e.breaking_description {
                for (i, line) in desc.lines().enumerate() {
                    let lead = if i == 0 { "  - " } else { "    " };
                    out.push_str(&format!("{lead}{line}\n"));
                }
            }
        }
    }
    out
}

/// Insert `text` into the changelog at `path`: after a top-level
/// `# Changelog` heading and its introduction (i.e. before the first `## `
/// entry), else at the very top. A missing file is created with the
/// heading. The file is replaced atomically so a crash never truncates it.
pub fn prepend_to_changelog(path: &Path, text: &str) -> Result<(), ReleaseError> {
    let io = |source| ReleaseError::Io {
        path: path.to_owned(),
        source,
    };
    let existing = match fs::read_to_string(path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    let updated = insert_into_changelog(existing.as_deref(), text);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile_in(dir).map_err(io)?;
    tmp.1.write_all(updated.as_bytes()).map_err(io)?;
    tmp.1.sync_all().map_err(io)?;
    drop(tmp.1);
    fs::rename(&tmp.0, path).map_err(|e| {
        let _ = fs::remove_file(&tmp.0);
        io(e)
    })
}

/// A new file next to the target, for write-then-rename.
fn tempfile_in(dir: &Path) -> std::io::Result<(std::path::PathBuf, fs::File)> {
    let pid = std::process::id();
    for n in 0..100u32 {
        let candidate = dir.join(format!(".changelog.{pid}.{n}.tmp"));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

/// The text of the changelog after inserting `text`. Pure.
pub fn insert_into_changelog(existing: Option<&str>, text: &str) -> String {
    let entry = format!("{}\n", text.trim_end());
    let Some(existing) = existing else {
        return format!("# Changelog\n\n{entry}");
    };
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let header = lines.iter().position(|l| {
        let l = l.trim_end();
        l.strip_prefix("# ")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("changelog"))
    });
    let Some(header) = header else {
        return format!("{entry}\n{existing}");
    };
    let insert_at = lines[header + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| header + 1 + i);
    let before: String = lines[..insert_at].concat();
    let after: String = lines[insert_at..].concat();
    let mut out = before.trim_end().to_owned();
    out.push_str("\n\n");
    out.push_str(&entry);
    if !after.is_empty() {
        out.push('\n');
        out.push_str(&after);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_with_heading() {
        assert_eq!(
            insert_into_changelog(None, "## v1\n\n- a\n"),
            "# Changelog\n\n## v1\n\n- a\n"
        );
    }

    #[test]
    fn inserts_after_heading_and_intro() {
        let old = "# Changelog\n\nAll notable changes.\n\n## v1.0.0\n\n- old\n";
        let new = insert_into_changelog(Some(old), "## v1.1.0\n\n- new");
        assert_eq!(
            new,
            "# Changelog\n\nAll notable changes.\n\n## v1.1.0\n\n- new\n\n## v1.0.0\n\n- old\n"
        );
    }

    #[test]
    fn heading_only() {
        assert_eq!(
            insert_into_changelog(Some("# CHANGELOG\n"), "## v1"),
            "# CHANGELOG\n\n## v1\n"
        );
    }

    #[test]
    fn no_heading_prepends() {
        assert_eq!(
            insert_into_changelog(Some("## v1.0.0\n- old\n"), "## v1.1.0\n- new\n"),
            "## v1.1.0\n- new\n\n## v1.0.0\n- old\n"
        );
    }
}
