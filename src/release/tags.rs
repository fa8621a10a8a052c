//! Release tags: which tag names are releases (a pattern such as
//! `v{version}` or `{component}-v{version}`) and which one is the last
//! release reachable from a commit.
//!
//! Tags that do not match the pattern, or whose version part is not semver,
//! are not releases and are ignored. Lightweight and annotated tags are
//! treated alike (annotated ones are peeled to their commit).

use std::collections::HashMap;

use git2::{Oid, Repository, Sort};
use regex::Regex;
use semver::Version;
use serde::Serialize;

use super::error::ReleaseError;
use super::history::range_ids;

/// The default pattern for a single-component repository.
pub const DEFAULT_TAG_PATTERN: &str = "v{version}";
/// The default pattern when a component is named.
pub const DEFAULT_COMPONENT_TAG_PATTERN: &str = "{component}-v{version}";

/// A compiled tag pattern: `{version}` once, `{component}` at most once.
#[derive(Debug, Clone)]
pub struct TagPattern {
    pattern: String,
    component: Option<String>,
    regex: Regex,
}

impl TagPattern {
    /// Compile `pattern` for `component`. A pattern with `{component}` needs
    /// a component, so that `api-v1.0.0` is never mistaken for another
    /// component's release.
    pub fn new(pattern: &str, component: Option<&str>) -> Result<Self, ReleaseError> {
        let bad = |reason: &str| ReleaseError::BadTagPattern {
            pattern: pattern.to_owned(),
            reason: reason.to_owned(),
        };
        if pattern.matches("{version}").count() != 1 {
            return Err(bad("it must contain `{version}` exactly once"));
        }
        let component_slots = pattern.matches("{component}").count();
        if component_slots > 1 {
            return Err(bad("`{component}` may appear at most once"));
        }
        let component = match (component_slots, component) {
            (1, None) => return Err(bad("it contains `{component}` but no component was given")),
            (1, Some("")) => return Err(bad("the component name is empty")),
            (_, c) => c.map(str::to_owned),
        };
        let mut re = String::from("^");
        for (i, part) in pattern.split("{version}").enumerate() {
            if i > 0 {
                re.push_str("(?P<version>.+)");
            }
            let literal: Vec<String> = part.split("{component}").map(regex::escape).collect();
            re.push_str(&literal.join(&regex::escape(component.as_deref().unwrap_or_default())));
        }
        re.push('$');
        let regex = Regex::new(&re).map_err(|e| bad(&e.to_string()))?;
        Ok(Self {
            pattern: pattern.to_owned(),
            component,
            regex,
        })
    }

    /// The release version a tag name stands for, if it is a release tag.
    pub fn version_of(&self, tag_name: &str) -> Option<Version> {
        let caps = self.regex.captures(tag_name)?;
        Version::parse(caps.name("version")?.as_str()).ok()
    }

    /// The tag name for `version` (what the next release should be tagged).
    pub fn format(&self, version: &Version) -> String {
        self.pattern
            .replace("{component}", self.component.as_deref().unwrap_or_default())
            .replace("{version}", &version.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

/// A tag that names a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseTag {
    pub name: String,
    pub version: Version,
    /// The commit it points at (annotated tags peeled), as hex.
    pub commit: String,
    #[serde(skip)]
    pub oid: Oid,
}

/// All release tags in the repository, highest version first, reachable
/// or not.
pub fn release_tags(
    repo: &Repository,
    pattern: &TagPattern,
) -> Result<Vec<ReleaseTag>, ReleaseError> {
    let mut tags = Vec::new();
    for reference in repo.references_glob("refs/tags/*")? {
        let reference = reference?;
        let Some(name) = reference
            .name()
            .ok()
            .and_then(|n| n.strip_prefix("refs/tags/"))
        else {
            continue;
        };
        let Some(version) = pattern.version_of(name) else {
            continue;
        };
        // A tag of a tree or blob is not a release; skip rather than fail.
        let Ok(commit) = reference.peel_to_commit() else {
            continue;
        };
        tags.push(ReleaseTag {
            name: name.to_owned(),
            version,
            commit: commit.id().to_string(),
            oid: commit.id(),
        });
    }
    tags.sort_by(|a, b| b.version.cmp(&a.version).then_with(|| a.name.cmp(&b.name)));
    Ok(tags)
}

/// The last release before `tip`, and the ids of the commits after it.
#[derive(Debug, Clone)]
pub struct ReleaseRange {
    pub tag: Option<ReleaseTag>,
    /// Reachable from the tip and not from the tag, newest first
    /// (topological order); the whole history when there is no tag.
    pub commits: Vec<Oid>,
}

/// Find the last release tag reachable from `tip`: the nearest tagged
/// commit walking back by date, then, among the commits between it and
/// `tip`, any tag with a higher version (repeated until none is higher).
/// So a maintenance branch merged back (`v1.0.1` merged after `v2.0.0`)
/// does not make the older line the latest, and the cost is the commits
/// since the release, not the whole history: unrelated or unreachable tags
/// are never walked to. A higher tag that is an *ancestor* of the nearest
/// one (a mis-tag) is not looked for.
pub fn release_range(
    repo: &Repository,
    pattern: &TagPattern,
    tip: Oid,
) -> Result<ReleaseRange, ReleaseError> {
    let mut by_commit: HashMap<Oid, ReleaseTag> = HashMap::new();
    for tag in release_tags(repo, pattern)? {
        // Sorted highest first: the first tag seen for a commit wins.
        by_commit.entry(tag.oid).or_insert(tag);
    }
    let Some(mut best) = nearest_tagged(repo, &by_commit, tip)? else {
        return Ok(ReleaseRange {
            tag: None,
            commits: range_ids(repo, tip, None)?,
        });
    };
    loop {
        let commits = range_ids(repo, tip, Some(best.oid))?;
        let higher = commits
            .iter()
            .filter_map(|oid| by_commit.get(oid))
            .filter(|t| t.version > best.version)
            .max_by(|a, b| a.version.cmp(&b.version));
        match higher {
            Some(t) => best = t,
            None => {
                return Ok(ReleaseRange {
                    tag: Some(best.clone()),
                    commits,
                });
            }
        }
    }
}

/// The first tagged commit met walking back from `tip` by date. The walk
/// asks libgit2 for no sorting on purpose: any explicit sort (even
/// `Sort::TIME`) makes it prepare the whole history before yielding the
/// first commit, while the default order is already by date, parent by
/// parent, and stops as soon as the tag is found.
fn nearest_tagged<'t>(
    repo: &Repository,
    by_commit: &'t HashMap<Oid, ReleaseTag>,
    tip: Oid,
) -> Result<Option<&'t ReleaseTag>, ReleaseError> {
    if by_commit.is_empty() {
        return Ok(None);
    }
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::NONE)?;
    walk.push(tip)?;
    for oid in walk {
        if let Some(tag) = by_commit.get(&oid?) {
            return Ok(Some(tag));
        }
    }
    Ok(None)
}

/// The last release tag reachable from `tip` (see [`release_range`]).
pub fn last_release_tag(
    repo: &Repository,
    pattern: &TagPattern,
    tip: Oid,
) -> Result<Option<ReleaseTag>, ReleaseError> {
    Ok(release_range(repo, pattern, tip)?.tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern() {
        let p = TagPattern::new(DEFAULT_TAG_PATTERN, None).unwrap();
        assert_eq!(p.version_of("v1.2.3"), Some(Version::new(1, 2, 3)));
        assert_eq!(
            p.version_of("v1.4.0-rc.2"),
            Some(Version::parse("1.4.0-rc.2").unwrap())
        );
        assert_eq!(p.version_of("1.2.3"), None);
        assert_eq!(p.version_of("v1.2"), None);
        assert_eq!(p.version_of("vfoo"), None);
        assert_eq!(p.version_of("api-v1.2.3"), None);
        assert_eq!(p.format(&Version::new(2, 0, 0)), "v2.0.0");
    }

    #[test]
    fn component_pattern() {
        let p = TagPattern::new(DEFAULT_COMPONENT_TAG_PATTERN, Some("db.schema")).unwrap();
        assert_eq!(
            p.version_of("db.schema-v7.0.1"),
            Some(Version::new(7, 0, 1))
        );
        // The dot is literal, not "any character".
        assert_eq!(p.version_of("dbxschema-v7.0.1"), None);
        assert_eq!(p.version_of("v7.0.1"), None);
        assert_eq!(p.format(&Version::new(8, 0, 0)), "db.schema-v8.0.0");
    }

    #[test]
    fn bad_patterns() {
        assert!(TagPattern::new("release", None).is_err());
        assert!(TagPattern::new("{version}-{version}", None).is_err());
        assert!(TagPattern::new("{component}-v{version}", None).is_err());
        assert!(TagPattern::new("{component}-v{version}", Some("")).is_err());
        // A component given for a pattern without a slot is fine (unused).
        assert!(TagPattern::new("v{version}", Some("api")).is_ok());
    }
}
