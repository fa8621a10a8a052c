//! The manifest of compatible components (`release-manifest.toml`): a
//! system version, and per component its version and semver requirements
//! on the other components.
//!
//! ```toml
//! [system]
//! version = "3.2.0"
//! [components.api]
//! version = "2.4.0"
//! requires = { auth = "^1.2", db-schema = ">=7, <9" }
//! [components.auth]
//! version = "1.3.1"
//! ```
//!
//! Loading is strict (unknown keys and bad versions are errors with a line
//! and column); [`Manifest::check`] reports broken requirements;
//! [`Manifest::set`] changes a component and recomputes the system version;
//! [`Manifest::save`] writes it back keeping comments and layout
//! (`toml_edit`).
//!
//! **System version rule.** The system version moves from the version it
//! had when the manifest was loaded by the largest change among the
//! components changed since then: a component's major changed → system
//! major; else a minor changed → system minor; else a patch, pre-release
//! or build changed → system patch. Several `set` calls before a `save`
//! therefore make one system release, not one bump per call, and setting a
//! component back to its loaded version undoes its part. A downgrade counts
//! by the same rule (rolling a component back from 3.0.0 to 2.4.0 is a
//! major change for the system). Requirements follow Cargo's semver rules
//! (a pre-release only satisfies a requirement that names a pre-release of
//! the same `x.y.z`).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};

use super::version::Bump;

/// The conventional file name.
pub const MANIFEST_FILE: &str = "release-manifest.toml";

/// Why a manifest could not be loaded, changed or saved.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No manifest where one was looked for.
    #[error(
        "no manifest at {}: write one (each component's version and its requirements on the others; see README, \"Versions, notes, manifest\") or name another with --file",
        path.display()
    )]
    Missing { path: PathBuf },
    /// Bad TOML, an unknown key, a missing key, or a value that is not a
    /// version / requirement. Line and column are 1-based.
    #[error("{}: {message}", location(path.as_deref(), *line, *column))]
    Parse {
        path: Option<PathBuf>,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("there is no component `{component}` in the manifest")]
    UnknownComponent { component: String },
}

/// `path:line:column`, as editors and terminals link it; parts unknown
/// are left out.
fn location(path: Option<&Path>, line: Option<usize>, column: Option<usize>) -> String {
    let mut out = path.map_or_else(|| "manifest".to_owned(), |p| p.display().to_string());
    if let Some(l) = line {
        out.push_str(&format!(":{l}"));
        if let Some(c) = column {
            out.push_str(&format!(":{c}"));
        }
    }
    out
}

/// One component's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub version: Version,
    #[serde(default)]
    pub requires: BTreeMap<String, VersionReq>,
    /// Where the component's own repository is checked out, relative to
    /// the manifest's repository (`repo = "../billing"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Its repository's URL, fetched into a cache under the data dir when
    /// there is no local checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// In a monorepo, the folder the component lives in: only commits
    /// touching it count for its next version and its notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Its release tags (`{version}` once, `{component}` optionally);
    /// default `{component}-v{version}` with a `path`, else `v{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
}

impl Component {
    /// The tag pattern of this component's releases.
    pub fn tag_pattern(&self) -> &str {
        match (&self.tags, &self.path) {
            (Some(t), _) => t,
            (None, Some(_)) => super::tags::DEFAULT_COMPONENT_TAG_PATTERN,
            (None, None) => super::tags::DEFAULT_TAG_PATTERN,
        }
    }

    /// Its monorepo folder, without leading `./` or trailing `/`; `None`
    /// for the whole repository.
    pub fn subpath(&self) -> Option<&str> {
        let p = self
            .path
            .as_deref()?
            .trim_start_matches("./")
            .trim_matches('/');
        (!p.is_empty() && p != ".").then_some(p)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    system: RawSystem,
    #[serde(default)]
    components: BTreeMap<String, Component>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSystem {
    version: Version,
}

/// A broken requirement, found by [`Manifest::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ManifestProblem {
    /// A requirement names a component the manifest does not have.
    UnknownComponent {
        component: String,
        requires: String,
        requirement: VersionReq,
    },
    /// The required component's version does not satisfy the requirement.
    RequirementNotMet {
        component: String,
        component_version: Version,
        requires: String,
        requirement: VersionReq,
        found: Version,
    },
}

impl fmt::Display for ManifestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestProblem::UnknownComponent {
                component,
                requires,
                requirement,
            } => write!(
                f,
                "{component} requires {requires} {requirement}, but there is no component `{requires}` in the manifest"
            ),
            ManifestProblem::RequirementNotMet {
                component,
                component_version,
                requires,
                requirement,
                found,
            } => write!(
                f,
                "{component} {component_version} requires {requires} {requirement}, but {requires} is {found}"
            ),
        }
    }
}

/// What [`Manifest::set`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetOutcome {
    pub component: String,
    pub previous: Version,
    pub version: Version,
    /// This component's change since the manifest was loaded.
    pub component_change: Bump,
    pub system_previous: Version,
    pub system: Version,
    /// The system's change since the manifest was loaded.
    pub system_change: Bump,
}

impl fmt::Display for SetOutcome {
    /// "api 2.4.0 → 2.5.0; system 3.3.0 → 3.4.0": what the CLI prints
    /// and what the session's note says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} → {}; system {} → {}",
            self.component, self.previous, self.version, self.system_previous, self.system
        )
    }
}

/// A loaded manifest. Read it through the accessors; change it through
/// [`Manifest::set`] so the file text stays in step.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    system: Version,
    components: BTreeMap<String, Component>,
    #[serde(skip)]
    loaded_system: Version,
    #[serde(skip)]
    loaded_components: BTreeMap<String, Version>,
    #[serde(skip)]
    doc: toml_edit::DocumentMut,
}

impl Manifest {
    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let bytes = fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ManifestError::Missing {
                path: path.to_owned(),
            },
            _ => ManifestError::Io {
                path: path.to_owned(),
                source,
            },
        })?;
        let text = crate::config::utf8_text(bytes).map_err(|e| ManifestError::Parse {
            path: Some(path.to_owned()),
            line: Some(e.line),
            column: Some(e.column),
            message: e.to_string(),
        })?;
        Self::parse(&text).map_err(|e| match e {
            ManifestError::Parse {
                line,
                column,
                message,
                ..
            } => ManifestError::Parse {
                path: Some(path.to_owned()),
                line,
                column,
                message,
            },
            other => other,
        })
    }

    /// Parse manifest text.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let raw: RawManifest =
            toml::from_str(text).map_err(|e| parse_error(text, e.span(), e.message()))?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| parse_error(text, e.span(), e.message()))?;
        Ok(Self {
            loaded_system: raw.system.version.clone(),
            loaded_components: raw
                .components
                .iter()
                .map(|(name, c)| (name.clone(), c.version.clone()))
                .collect(),
            system: raw.system.version,
            components: raw.components,
            doc,
        })
    }

    pub fn system_version(&self) -> &Version {
        &self.system
    }

    pub fn components(&self) -> &BTreeMap<String, Component> {
        &self.components
    }

    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.get(name)
    }

    /// Every broken requirement, in component order; empty when the
    /// components agree.
    pub fn check(&self) -> Vec<ManifestProblem> {
        let mut problems = Vec::new();
        for (name, component) in &self.components {
            for (requires, requirement) in &component.requires {
                match self.components.get(requires) {
                    None => problems.push(ManifestProblem::UnknownComponent {
                        component: name.clone(),
                        requires: requires.clone(),
                        requirement: requirement.clone(),
                    }),
                    Some(dep) if !requirement.matches(&dep.version) => {
                        problems.push(ManifestProblem::RequirementNotMet {
                            component: name.clone(),
                            component_version: component.version.clone(),
                            requires: requires.clone(),
                            requirement: requirement.clone(),
                            found: dep.version.clone(),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        problems
    }

    /// Set a component's version and recompute the system version (see the
    /// module docs for the rule). Does not check requirements: call
    /// [`Manifest::check`] after.
    pub fn set(&mut self, component: &str, version: Version) -> Result<SetOutcome, ManifestError> {
        let unknown = || ManifestError::UnknownComponent {
            component: component.to_owned(),
        };
        if !self.components.contains_key(component) {
            return Err(unknown());
        }
        // The text first: if it could not be edited, nothing has changed.
        set_doc_version(
            &mut self.doc,
            &["components", component, "version"],
            &version,
        )
        .ok_or_else(unknown)?;
        let entry = self.components.get_mut(component).ok_or_else(unknown)?;
        let previous = std::mem::replace(&mut entry.version, version.clone());
        let system_previous = self.system.clone();

        let largest = self
            .components
            .iter()
            .filter_map(|(name, c)| Some(change(self.loaded_components.get(name)?, &c.version)))
            .max()
            .unwrap_or(Change::None);
        self.system = largest.apply(&self.loaded_system);
        let system = self.system.clone();
        // `system.version` exists: parsing required it.
        let _ = set_doc_version(&mut self.doc, &["system", "version"], &system);

        let component_change = self
            .loaded_components
            .get(component)
            .map_or(Change::None, |loaded| change(loaded, &version));
        Ok(SetOutcome {
            component: component.to_owned(),
            previous,
            version,
            component_change: component_change.as_bump(),
            system_previous,
            system_change: largest.as_bump(),
            system,
        })
    }

    /// The manifest as TOML, with the original comments and layout.
    pub fn to_toml_string(&self) -> String {
        self.doc.to_string()
    }

    /// Write the manifest to `path` (write-then-rename, so a crash leaves
    /// the old file whole).
    pub fn save(&self, path: &Path) -> Result<(), ManifestError> {
        let io = |source| ManifestError::Io {
            path: path.to_owned(),
            source,
        };
        let tmp = path.with_extension(format!("toml.{}.tmp", std::process::id()));
        let mut file = fs::File::create(&tmp).map_err(io)?;
        file.write_all(self.to_toml_string().as_bytes())
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&tmp, path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io(e)
        })
    }
}

/// Change one component's version in the manifest at `path`, recompute
/// the system version and write it back (comments and layout kept).
/// Returns what changed and the requirements broken after the change:
/// the CLI's `manifest set` and the app's Manifest overlay both do this.
pub fn set_in_file(
    path: &Path,
    component: &str,
    version: Version,
) -> Result<(SetOutcome, Vec<ManifestProblem>), ManifestError> {
    let mut m = Manifest::load(path)?;
    let out = m.set(component, version)?;
    m.save(path)?;
    Ok((out, m.check()))
}

/// Human text for a check: "ok" or one line per problem.
pub fn render_problems(problems: &[ManifestProblem]) -> String {
    if problems.is_empty() {
        return "All component requirements are met.\n".to_owned();
    }
    let mut out = format!(
        "{} broken requirement{}:\n",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!("- {p}\n"));
    }
    out
}

/// Replace the string at `path` in the document, keeping its comments and
/// spacing. Works through tables, inline tables and dotted keys alike.
fn set_doc_version(
    doc: &mut toml_edit::DocumentMut,
    path: &[&str],
    version: &Version,
) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut table: &mut dyn toml_edit::TableLike = doc.as_table_mut();
    for key in parents {
        table = table.get_mut(key)?.as_table_like_mut()?;
    }
    let value = table.get_mut(last)?.as_value_mut()?;
    let decor = value.decor().clone();
    let mut new = toml_edit::Value::from(version.to_string());
    *new.decor_mut() = decor;
    *value = new;
    Some(())
}

/// A component's change, ordered so `max` is the largest: the system
/// version rule, shared with the release train (`crate::train::status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Change {
    None,
    Patch,
    Minor,
    Major,
}

impl Change {
    pub(crate) fn apply(self, v: &Version) -> Version {
        match self {
            Change::None => v.clone(),
            Change::Patch => Version::new(v.major, v.minor, v.patch + 1),
            Change::Minor => Version::new(v.major, v.minor + 1, 0),
            Change::Major => Version::new(v.major + 1, 0, 0),
        }
    }

    pub(crate) fn as_bump(self) -> Bump {
        match self {
            Change::None => Bump::None,
            Change::Patch => Bump::Patch,
            Change::Minor => Bump::Minor,
            Change::Major => Bump::Major,
        }
    }
}

pub(crate) fn change(from: &Version, to: &Version) -> Change {
    if from.major != to.major {
        Change::Major
    } else if from.minor != to.minor {
        Change::Minor
    } else if from != to {
        Change::Patch
    } else {
        Change::None
    }
}

fn parse_error(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> ManifestError {
    let (line, column) = match span {
        Some(span) => {
            let (l, c) = line_column(text, span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    ManifestError::Parse {
        path: None,
        line,
        column,
        message: message.trim().to_owned(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"# The release train.
[system]
version = "3.2.0" # bumped by tooling

[components.api]
version = "2.4.0"
requires = { auth = "^1.2", db-schema = ">=7, <9" }

[components.auth]
version = "1.3.1"

[components.db-schema]
version = "8.0.0"
"#;

    #[test]
    fn change_levels() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(change(&v("1.2.3"), &v("2.0.0")), Change::Major);
        assert_eq!(change(&v("1.2.3"), &v("1.3.0")), Change::Minor);
        assert_eq!(change(&v("1.2.3"), &v("1.2.4")), Change::Patch);
        assert_eq!(change(&v("1.2.3"), &v("1.2.3-rc.1")), Change::Patch);
        assert_eq!(change(&v("1.2.3"), &v("1.2.3")), Change::None);
        assert_eq!(change(&v("3.0.0"), &v("2.4.0")), Change::Major);
    }

    #[test]
    fn set_aggregates_and_keeps_comments() {
        let mut m = Manifest::parse(EXAMPLE).unwrap();
        let out = m.set("auth", Version::new(1, 3, 2)).unwrap();
        assert_eq!(out.system.to_string(), "3.2.1");
        let out = m.set("api", Version::new(2, 5, 0)).unwrap();
        assert_eq!(out.system.to_string(), "3.3.0");
        assert_eq!(out.system_previous.to_string(), "3.2.1");
        // Undo api's change: back to auth's patch only.
        let out = m.set("api", Version::new(2, 4, 0)).unwrap();
        assert_eq!(out.system.to_string(), "3.2.1");
        let text = m.to_toml_string();
        assert!(
            text.contains("version = \"3.2.1\" # bumped by tooling"),
            "{text}"
        );
        assert!(text.starts_with("# The release train.\n"));
        assert!(text.contains("version = \"1.3.2\""));
        assert_eq!(
            Manifest::parse(&text)
                .unwrap()
                .component("auth")
                .unwrap()
                .version,
            Version::new(1, 3, 2)
        );
    }

    #[test]
    fn line_columns() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }

    #[test]
    fn a_manifest_that_is_not_utf8_is_named_at_the_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        std::fs::write(&path, b"[system]\nversion = \"3.2.0\" # \xa9 us\n").unwrap();
        let e = Manifest::load(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:2:21: not valid UTF-8 (byte 0xa9); save the file as UTF-8",
                path.display()
            )
        );
    }
}
