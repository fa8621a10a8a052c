//! The manifest of components as the app knows it: the view of
//! `release-manifest.toml` (each requirement marked by the same check as
//! `greenlight manifest check`) and its lines. The Manifest overlay shows
//! it (`overlay::manifest`), the Sign-off pane says whether it holds.

use crate::release::{Manifest, ManifestProblem};

use super::theme::Tone;

/// One requirement of a component on another, and whether it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub component: String,
    pub req: String,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRow {
    pub name: String,
    pub version: String,
    pub requires: Vec<Requirement>,
}

/// The manifest as the app shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestView {
    pub system: String,
    pub components: Vec<ComponentRow>,
    /// One sentence per broken requirement (as `manifest check` says).
    pub problems: Vec<String>,
}

impl ManifestView {
    /// The view of a loaded manifest: each requirement marked by the same
    /// check `greenlight manifest check` runs, so both always agree.
    pub fn of(m: &Manifest) -> ManifestView {
        let problems = m.check();
        let broken = |name: &str, dep: &str| {
            problems.iter().any(|p| match p {
                ManifestProblem::UnknownComponent {
                    component,
                    requires,
                    ..
                }
                | ManifestProblem::RequirementNotMet {
                    component,
                    requires,
                    ..
                } => component == name && requires == dep,
            })
        };
        ManifestView {
            system: m.system_version().to_string(),
            components: m
                .components()
                .iter()
                .map(|(name, c)| ComponentRow {
                    name: name.clone(),
                    version: c.version.to_string(),
                    requires: c
                        .requires
                        .iter()
                        .map(|(dep, req)| Requirement {
                            component: dep.clone(),
                            req: req.to_string(),
                            met: !broken(name, dep),
                        })
                        .collect(),
                })
                .collect(),
            problems: problems.iter().map(ToString::to_string).collect(),
        }
    }
}

/// What the app knows of the repository's `release-manifest.toml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ManifestState {
    /// Not read yet.
    #[default]
    Unknown,
    /// The repository has none (at this path).
    Missing {
        path: String,
    },
    /// It exists but cannot be read: why (naming file, line and column).
    Broken {
        path: String,
        error: String,
    },
    Loaded {
        path: String,
        view: ManifestView,
    },
}

/// The line of the manifest's text where its first component stands (see
/// [`manifest_lines`]: system, verdict, blank, column heads).
pub const FIRST_COMPONENT_LINE: usize = 4;

/// Read the manifest at `root`/`rel` into what the app shows (naming it
/// by its path in the repository).
pub fn read_manifest(root: &std::path::Path, rel: &str) -> ManifestState {
    let path = root.join(rel);
    let path = path.as_path();
    let shown = rel.to_string();
    if !path.exists() {
        return ManifestState::Missing { path: shown };
    }
    match Manifest::load(path) {
        Ok(m) => ManifestState::Loaded {
            path: shown,
            view: ManifestView::of(&m),
        },
        Err(e) => ManifestState::Broken {
            path: shown,
            error: e.to_string(),
        },
    }
}

/// The manifest's lines, with their tone: shared by the draw and the
/// overlay's scrolling.
/// `act`: the key that sets the selected component's version.
pub fn manifest_lines(m: &ManifestState, act: &str) -> Vec<(Tone, String)> {
    match m {
        ManifestState::Unknown => vec![(Tone::Dim, "reading the manifest…".into())],
        ManifestState::Missing { path } => vec![
            (Tone::Warn, format!("No manifest: {path} does not exist.")),
            (Tone::Normal, String::new()),
            (
                Tone::Normal,
                "A manifest lists the system's version and each component's version".into(),
            ),
            (
                Tone::Normal,
                "with its semver requirements on the others, e.g.:".into(),
            ),
            (Tone::Normal, String::new()),
            (Tone::Dim, "  [system]".into()),
            (Tone::Dim, "  version = \"2.4.0\"".into()),
            (Tone::Dim, "  [components.api]".into()),
            (Tone::Dim, "  version = \"2.1.0\"".into()),
            (Tone::Dim, "  requires = { auth = \"^1.2\" }".into()),
            (Tone::Normal, String::new()),
            (
                Tone::Normal,
                "`greenlight manifest check` validates it; `greenlight manifest set`".into(),
            ),
            (
                Tone::Normal,
                "changes a component and recomputes the system version.".into(),
            ),
        ],
        ManifestState::Broken { path, error } => vec![
            (Tone::Bad, format!("{path} cannot be read:")),
            (Tone::Bad, error.clone()),
        ],
        ManifestState::Loaded { path, view } => {
            let mut out = vec![
                (
                    Tone::Normal,
                    format!(
                        "System {} · {} component{}",
                        view.system,
                        view.components.len(),
                        if view.components.len() == 1 { "" } else { "s" }
                    ),
                ),
                if view.problems.is_empty() {
                    (Tone::Ok, "✔ every requirement holds".into())
                } else {
                    (
                        Tone::Bad,
                        format!(
                            "✘ {} broken requirement{}",
                            view.problems.len(),
                            if view.problems.len() == 1 { "" } else { "s" }
                        ),
                    )
                },
                (Tone::Normal, String::new()),
            ];
            let name_w = view
                .components
                .iter()
                .map(|c| c.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(9);
            out.push((
                Tone::Dim,
                format!("{:<name_w$}  {:<10}  requires", "component", "version"),
            ));
            for c in &view.components {
                let reqs = if c.requires.is_empty() {
                    "-".to_string()
                } else {
                    c.requires
                        .iter()
                        .map(|r| {
                            format!(
                                "{} {} {}",
                                r.component,
                                r.req,
                                if r.met { "✔" } else { "✘" }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let tone = if c.requires.iter().all(|r| r.met) {
                    Tone::Normal
                } else {
                    Tone::Bad
                };
                out.push((
                    tone,
                    format!("{:<name_w$}  {:<10}  {reqs}", c.name, c.version),
                ));
            }
            if !view.problems.is_empty() {
                out.push((Tone::Normal, String::new()));
                for p in &view.problems {
                    out.push((Tone::Bad, format!("✘ {p}")));
                }
            }
            out.push((Tone::Normal, String::new()));
            out.push((
                Tone::Dim,
                format!("{path} · {act} here (or greenlight manifest set NAME VERSION) changes a version"),
            ));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_broken_manifest_says_what_and_where() {
        let dir = tempfile::tempdir().expect("dir");
        let rel = crate::release::MANIFEST_FILE;
        assert_eq!(
            read_manifest(dir.path(), rel),
            ManifestState::Missing { path: rel.into() }
        );
        std::fs::write(dir.path().join(rel), "[system]\nversion = \"two\"\n").expect("write");
        let ManifestState::Broken { path, error } = read_manifest(dir.path(), rel) else {
            panic!("a broken manifest reads as broken")
        };
        assert_eq!(path, rel);
        assert!(error.contains(":2:"), "names the line: {error}");
        let lines = manifest_lines(
            &ManifestState::Broken {
                path: path.clone(),
                error: error.clone(),
            },
            "enter",
        );
        assert_eq!(lines[0], (Tone::Bad, format!("{rel} cannot be read:")));
        assert_eq!(lines[1], (Tone::Bad, error));
    }
}
