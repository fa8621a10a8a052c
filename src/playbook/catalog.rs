//! The built-in playbooks and the catalog that overlays a repository's own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::{PlaybookError, PlaybookErrors};
use super::model::{Origin, Playbook};
use super::parse_named;

/// The built-in playbooks, embedded at compile time: (file name, text).
const BUILTIN_FILES: [(&str, &str); 4] = [
    (
        "feature-release.toml",
        include_str!("../../assets/playbooks/feature-release.toml"),
    ),
    (
        "hotfix.toml",
        include_str!("../../assets/playbooks/hotfix.toml"),
    ),
    (
        "mvp-launch.toml",
        include_str!("../../assets/playbooks/mvp-launch.toml"),
    ),
    (
        "release-train.toml",
        include_str!("../../assets/playbooks/release-train.toml"),
    ),
];

/// The built-in file (name and text) that defines playbook `id`.
pub fn builtin_file(id: &str) -> Option<(&'static str, &'static str)> {
    BUILTIN_FILES.iter().copied().find(|(file, text)| {
        parse_named(text, Origin::Builtin, format!("<built-in>/{file}")).is_ok_and(|p| p.id == id)
    })
}

/// The text of the built-in file named `file`.
pub fn builtin_text(file: &str) -> Option<&'static str> {
    BUILTIN_FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| *text)
}

/// Where a repository keeps its own playbooks, relative to its root.
pub const REPO_PLAYBOOK_DIR: &str = ".greenlight/playbooks";

/// Parse every built-in, reporting problems as `<built-in>/<file>`.
fn parse_builtins() -> Result<Vec<Playbook>, PlaybookErrors> {
    let mut playbooks = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in BUILTIN_FILES {
        match parse_named(text, Origin::Builtin, format!("<built-in>/{file}")) {
            Ok(p) => playbooks.push(p),
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(playbooks)
    } else {
        Err(PlaybookErrors(errors))
    }
}

/// The four built-in playbooks: mvp-launch, feature-release,
/// release-train and hotfix.
///
/// They are part of the program and a test proves they parse; were one
/// ever broken it is left out here (never a panic) and
/// [`Catalog::load`] reports why.
pub fn builtins() -> Vec<Playbook> {
    BUILTIN_FILES
        .iter()
        .filter_map(|(file, text)| {
            parse_named(text, Origin::Builtin, format!("<built-in>/{file}")).ok()
        })
        .collect()
}

/// The playbooks a session can run, by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    playbooks: BTreeMap<String, Playbook>,
}

impl Catalog {
    /// The built-ins, overlaid by `<repo_root>/.greenlight/playbooks/*.toml`
    /// (a file with a built-in's id replaces it, a new id adds one).
    /// Every problem in every file is reported, each with its path.
    pub fn load(repo_root: Option<&Path>) -> Result<Catalog, PlaybookErrors> {
        let mut catalog: Catalog = parse_builtins()?.into_iter().collect();
        let Some(root) = repo_root else {
            return Ok(catalog);
        };
        let mut errors = Vec::new();
        // Which repository file defined each id, to report duplicates.
        let mut defined_in: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in repo_files(&root.join(REPO_PLAYBOOK_DIR), &mut errors) {
            let text = match read_playbook(&path) {
                Ok(text) => text,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            match super::parse(&text, Origin::File(path.clone())) {
                Err(e) => errors.extend(e.0),
                Ok(playbook) => {
                    if let Some(first) = defined_in.get(&playbook.id) {
                        errors.push(duplicate_error(&text, &path, &playbook.id, first));
                        continue;
                    }
                    defined_in.insert(playbook.id.clone(), path);
                    catalog.playbooks.insert(playbook.id.clone(), playbook);
                }
            }
        }
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(PlaybookErrors(errors).sorted())
        }
    }

    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.playbooks.get(id)
    }

    /// Every playbook, sorted by id.
    pub fn list(&self) -> impl Iterator<Item = &Playbook> {
        self.playbooks.values()
    }
}

/// Later playbooks with the same id replace earlier ones.
impl FromIterator<Playbook> for Catalog {
    fn from_iter<I: IntoIterator<Item = Playbook>>(iter: I) -> Self {
        Catalog {
            playbooks: iter.into_iter().map(|p| (p.id.clone(), p)).collect(),
        }
    }
}

/// The `*.toml` files directly in `dir`, sorted by path; a missing
/// directory is simply empty.
fn repo_files(dir: &Path, errors: &mut Vec<PlaybookError>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(file_error(dir, format!("cannot list the playbooks: {e}")));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| match entry {
            Ok(entry) => Some(entry.path()),
            Err(e) => {
                errors.push(file_error(dir, format!("cannot list the playbooks: {e}")));
                None
            }
        })
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
        .collect();
    files.sort();
    files
}

/// A playbook file's text; a byte that is not UTF-8 is reported at its
/// line and column.
pub fn read_playbook(path: &Path) -> Result<String, PlaybookError> {
    let bytes = std::fs::read(path)
        .map_err(|e| file_error(path, format!("cannot read the playbook: {e}")))?;
    crate::config::utf8_text(bytes).map_err(|e| PlaybookError {
        file: path.display().to_string(),
        line: e.line,
        column: e.column,
        problem: e.to_string(),
    })
}

/// A problem with a whole file, reported at its first character.
fn file_error(path: &Path, problem: String) -> PlaybookError {
    PlaybookError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        problem,
    }
}

/// A second repository file using an id, pointing at its `id` value.
fn duplicate_error(text: &str, path: &Path, id: &str, first: &Path) -> PlaybookError {
    let (line, column) = id_position(text).unwrap_or((1, 1));
    PlaybookError {
        file: path.display().to_string(),
        line,
        column,
        problem: format!("playbook id `{id}` is already used by {}", first.display()),
    }
}

/// Position of the top-level `id` value, re-read from the text (the file
/// has already parsed once, so this only fails on a race).
fn id_position(text: &str) -> Option<(usize, usize)> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let span = document.get_ref().get("id")?.span();
    let problems = super::error::Problems::new(String::new(), text);
    Some(problems.position(span.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_playbook_that_is_not_utf8_is_named_at_the_bad_byte() {
        let repo = tempfile::tempdir().unwrap();
        let dir = repo.path().join(REPO_PLAYBOOK_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.toml");
        std::fs::write(&file, b"id = \"x\"\ntitle = \"Caf\xe9\"\n").unwrap();
        let errors = Catalog::load(Some(repo.path())).unwrap_err();
        assert_eq!(
            errors.to_string(),
            format!(
                "{}:2:13: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
                file.display()
            )
        );
    }
}
