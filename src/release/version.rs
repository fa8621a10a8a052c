//! The next version, from the last release tag and the commits since it.
//!
//! Rules, in order:
//! 1. No release tag reachable → the initial version (0.1.0 by default).
//! 2. A `Release-As: x.y.z` footer (the newest one) wins, when it is higher
//!    than the previous release.
//! 3. Otherwise the largest impact among the commits: breaking (`!` or a
//!    `BREAKING CHANGE` footer) → major, `feat` → minor, `fix`/`perf` →
//!    patch, anything else → nothing. Below 1.0.0, breaking → minor and
//!    feat → patch (each switchable).
//! 4. Pre-releases: after a `-rc.N` tag, or when a pre-release is asked
//!    for, the counter goes up while the version line already covers the
//!    impact (`1.4.0-rc.1` + fix → `1.4.0-rc.2`); a larger impact starts a
//!    new line (`1.4.0-rc.1` + breaking → `2.0.0-rc.1`). `graduate` turns
//!    the pre-release into its release (`1.4.0-rc.2` → `1.4.0`).
//! 5. Nothing releasable → "no release needed": the same version, with
//!    the reason.
//!
//! [`plan`] is the pure decision; [`next_version`] reads the repository.

use std::fmt;

use git2::Repository;
use semver::{BuildMetadata, Prerelease, Version};
use serde::Serialize;

use super::error::ReleaseError;
use super::history::{CommitRef, ConventionalCommitInfo, read_commits, resolve_commit};
use super::message::CommitKind;
use super::tags::{DEFAULT_COMPONENT_TAG_PATTERN, DEFAULT_TAG_PATTERN, TagPattern, release_range};

/// How to find releases and how to bump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionOptions {
    /// Tag names of releases: `{version}` once, optionally `{component}`.
    pub tag_pattern: String,
    /// The component, for per-component tags (`api-v1.2.0`).
    pub component: Option<String>,
    /// A monorepo component's folder: only commits touching it count.
    pub path: Option<String>,
    /// The version proposed when no release tag exists yet.
    pub initial: Version,
    /// Below 1.0.0, a breaking change bumps the minor instead of the major.
    pub breaking_bumps_minor_pre_1: bool,
    /// Below 1.0.0, a feature bumps the patch instead of the minor.
    pub feat_bumps_patch_pre_1: bool,
    /// Make the next version a pre-release with this identifier (`rc`
    /// gives `-rc.1`, then `-rc.2`, ...).
    pub prerelease: Option<String>,
    /// Release the current pre-release line: `1.4.0-rc.2` → `1.4.0`.
    /// Without it, commits after a pre-release tag bump its counter.
    pub graduate: bool,
    /// Conventional types release notes leave out (`chore`, `ci`, ...);
    /// a breaking change is listed whatever its type.
    pub notes_skip: Vec<String>,
}

impl Default for VersionOptions {
    fn default() -> Self {
        Self {
            tag_pattern: DEFAULT_TAG_PATTERN.to_owned(),
            component: None,
            path: None,
            initial: Version::new(0, 1, 0),
            breaking_bumps_minor_pre_1: true,
            feat_bumps_patch_pre_1: true,
            prerelease: None,
            graduate: false,
            notes_skip: super::notes::DEFAULT_SKIP.map(String::from).to_vec(),
        }
    }
}

impl VersionOptions {
    /// Options for one component of a monorepo, tagged `{component}-v{version}`.
    pub fn for_component(component: &str) -> Self {
        Self {
            tag_pattern: DEFAULT_COMPONENT_TAG_PATTERN.to_owned(),
            component: Some(component.to_owned()),
            ..Self::default()
        }
    }

    /// The compiled tag pattern.
    pub fn pattern(&self) -> Result<TagPattern, ReleaseError> {
        TagPattern::new(&self.tag_pattern, self.component.as_deref())
    }

    /// Check what [`plan`] assumes: a pre-release identifier that semver
    /// accepts (`rc`, `beta.x`), not `rc 1` or `-`.
    pub fn validate(&self) -> Result<(), ReleaseError> {
        if let Some(id) = &self.prerelease {
            let bad = |reason: String| ReleaseError::BadPrerelease {
                id: id.clone(),
                reason,
            };
            if id.is_empty() {
                return Err(bad("it is empty".to_owned()));
            }
            Prerelease::new(&format!("{id}.1")).map_err(|e| bad(e.to_string()))?;
        }
        Ok(())
    }
}

/// What happened to the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// No release needed: the version stays.
    None,
    Patch,
    Minor,
    Major,
    /// Only the pre-release counter went up (`-rc.1` → `-rc.2`).
    Prerelease,
    /// A pre-release became its release (`1.4.0-rc.2` → `1.4.0`).
    Graduate,
    /// Set by a `Release-As:` footer.
    ReleaseAs,
    /// No previous release: the initial version.
    Initial,
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
            Bump::Prerelease => "pre-release",
            Bump::Graduate => "graduate",
            Bump::ReleaseAs => "release-as",
            Bump::Initial => "initial",
        })
    }
}

/// The proposal, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextVersion {
    pub previous: Option<Version>,
    pub previous_tag: Option<String>,
    pub next: Version,
    /// The tag the release should get, from the tag pattern.
    pub next_tag: String,
    pub bump: Bump,
    /// One sentence a person can check, e.g.
    /// "feat(api): add export (a1b2c3d) is a feature → minor".
    pub reason: String,
    /// The commit that decided the bump, when one did.
    pub deciding_commit: Option<CommitRef>,
    /// Every commit since the previous release, newest first.
    pub commits: Vec<ConventionalCommitInfo>,
}

impl NextVersion {
    pub fn is_release_needed(&self) -> bool {
        self.bump != Bump::None
    }

    /// Every change since the previous release is a fix (housekeeping
    /// commits aside: `chore`, `ci`, `build`, `test`, `style`, `docs`,
    /// `refactor`), and there is a previous release: a hotfix's history.
    pub fn only_fixes(&self) -> bool {
        const HOUSEKEEPING: [&str; 7] =
            ["chore", "ci", "build", "test", "style", "docs", "refactor"];
        let is_fix =
            |c: &ConventionalCommitInfo| c.message.kind == CommitKind::Fix && !c.message.breaking;
        let neutral = |c: &ConventionalCommitInfo| {
            !c.message.breaking
                && c.message.kind == CommitKind::Other
                && c.message.conventional
                && c.message
                    .type_
                    .as_deref()
                    .is_some_and(|t| HOUSEKEEPING.contains(&t.to_ascii_lowercase().as_str()))
        };
        self.previous.is_some()
            && self.commits.iter().any(is_fix)
            && self.commits.iter().all(|c| is_fix(c) || neutral(c))
    }
}

/// A commit's effect on a stable version; ordered so `max` is the largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Impact {
    None,
    Patch,
    Minor,
    Major,
}

impl Impact {
    fn of(commit: &ConventionalCommitInfo) -> (Impact, &'static str) {
        let m = &commit.message;
        if m.breaking {
            return (Impact::Major, "a breaking change");
        }
        match m.kind {
            CommitKind::Feature => (Impact::Minor, "a feature"),
            CommitKind::Fix => (Impact::Patch, "a fix"),
            CommitKind::Performance => (Impact::Patch, "a performance fix"),
            CommitKind::Other => (Impact::None, "not releasable"),
        }
    }

    fn as_bump(self) -> Bump {
        match self {
            Impact::None => Bump::None,
            Impact::Patch => Bump::Patch,
            Impact::Minor => Bump::Minor,
            Impact::Major => Bump::Major,
        }
    }

    /// Apply to a stable version (pre-release and build are dropped).
    fn apply(self, v: &Version) -> Version {
        match self {
            Impact::None => stable(v),
            Impact::Patch => Version::new(v.major, v.minor, v.patch + 1),
            Impact::Minor => Version::new(v.major, v.minor + 1, 0),
            Impact::Major => Version::new(v.major + 1, 0, 0),
        }
    }

    /// The impact a pre-release line already stands for: `2.0.0-rc.1` is a
    /// major line, `1.4.0-rc.1` a minor one, `1.4.2-rc.1` a patch one.
    fn covered_by_line(v: &Version) -> Impact {
        match (v.minor, v.patch) {
            (0, 0) if v.major > 0 => Impact::Major,
            (_, 0) => Impact::Minor,
            _ => Impact::Patch,
        }
    }
}

fn stable(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

/// Split `rc.3` into (`rc`, 3); `beta` is (`beta`, 0).
fn split_prerelease(pre: &Prerelease) -> (String, u64) {
    let s = pre.as_str();
    match s.rsplit_once('.') {
        Some((id, n)) => match n.parse() {
            Ok(n) => (id.to_owned(), n),
            Err(_) => (s.to_owned(), 0),
        },
        None => match s.parse() {
            Ok(n) => (String::new(), n),
            Err(_) => (s.to_owned(), 0),
        },
    }
}

fn with_prerelease(v: &Version, id: &str, n: u64) -> Version {
    let text = if id.is_empty() {
        n.to_string()
    } else {
        format!("{id}.{n}")
    };
    let mut out = stable(v);
    // `id` comes from validated options or an existing tag, so it parses;
    // were it not to, the release itself beats a panic.
    out.pre = Prerelease::new(&text).unwrap_or(Prerelease::EMPTY);
    out.build = BuildMetadata::EMPTY;
    out
}

/// The pure decision: the previous release (tag name and version), the
/// commits since it (newest first), the options (see
/// [`VersionOptions::validate`]), and how to name a version's tag.
pub fn plan(
    previous: Option<(String, Version)>,
    commits: Vec<ConventionalCommitInfo>,
    opts: &VersionOptions,
    next_tag: impl Fn(&Version) -> String,
) -> NextVersion {
    let finish = |previous: Option<(String, Version)>,
                  next: Version,
                  bump: Bump,
                  reason: String,
                  deciding: Option<&ConventionalCommitInfo>,
                  commits: Vec<ConventionalCommitInfo>| {
        let (previous_tag, previous) = previous.unzip();
        NextVersion {
            next_tag: next_tag(&next),
            previous,
            previous_tag,
            next,
            bump,
            reason,
            deciding_commit: deciding.map(|c| c.commit.clone()),
            commits,
        }
    };

    let release_as = commits
        .iter()
        .find_map(|c| c.message.release_as.as_ref().map(|v| (c, v)));

    let Some((prev_tag, prev)) = previous.clone() else {
        if let Some((c, v)) = release_as {
            let reason = format!("{} has Release-As: {v}", c.describe());
            let (next, deciding) = (v.clone(), c.clone());
            return finish(
                None,
                next,
                Bump::ReleaseAs,
                reason,
                Some(&deciding),
                commits,
            );
        }
        let next = match &opts.prerelease {
            Some(id) if opts.initial.pre.is_empty() => with_prerelease(&opts.initial, id, 1),
            _ => opts.initial.clone(),
        };
        let reason = format!(
            "no release tag matching `{}` is reachable → initial version {next}",
            opts.tag_pattern
        );
        return finish(None, next, Bump::Initial, reason, None, commits);
    };

    let mut ignored_release_as = String::new();
    if let Some((c, v)) = release_as {
        if *v > prev {
            let reason = format!("{} has Release-As: {v}", c.describe());
            let (next, deciding) = (v.clone(), c.clone());
            return finish(
                previous,
                next,
                Bump::ReleaseAs,
                reason,
                Some(&deciding),
                commits,
            );
        }
        ignored_release_as = format!(
            " (ignored Release-As: {v} in {}: not above {prev})",
            c.commit.short_id
        );
    }

    // The largest impact; among equals, the newest commit decides.
    let mut decided: Option<(&ConventionalCommitInfo, Impact, &str)> = None;
    for c in &commits {
        let (impact, why) = Impact::of(c);
        if impact > decided.map_or(Impact::None, |(_, i, _)| i) {
            decided = Some((c, impact, why));
        }
    }

    // Below 1.0.0 the impacts shift down a level.
    let mut pre_1_note = "";
    let impact = match decided {
        Some((_, Impact::Major, _)) if prev.major == 0 && opts.breaking_bumps_minor_pre_1 => {
            pre_1_note = " (below 1.0.0 a breaking change bumps the minor)";
            Impact::Minor
        }
        Some((_, Impact::Minor, _)) if prev.major == 0 && opts.feat_bumps_patch_pre_1 => {
            pre_1_note = " (below 1.0.0 a feature bumps the patch)";
            Impact::Patch
        }
        Some((_, i, _)) => i,
        None => Impact::None,
    };
    let because = |bump: &str| match decided {
        Some((c, _, why)) => format!(
            "{} is {why} → {bump}{pre_1_note}{ignored_release_as}",
            c.describe()
        ),
        None => format!("{bump}{ignored_release_as}"),
    };
    let deciding = decided.map(|(c, _, _)| c.clone());

    // Graduating a pre-release is a release even with nothing new.
    if opts.graduate && !prev.pre.is_empty() {
        let line = if impact > Impact::covered_by_line(&prev) {
            impact.apply(&prev)
        } else {
            stable(&prev)
        };
        let reason = because(&format!("graduate {prev} to {line}"));
        return finish(
            previous,
            line,
            Bump::Graduate,
            reason,
            deciding.as_ref(),
            commits,
        );
    }

    if impact == Impact::None {
        let reason = format!(
            "no feature, fix, performance or breaking commit in {} commit{} since {prev_tag} → no release needed{ignored_release_as}",
            commits.len(),
            if commits.len() == 1 { "" } else { "s" },
        );
        return finish(previous, prev, Bump::None, reason, None, commits);
    }

    let (next, bump) = if prev.pre.is_empty() {
        let next = impact.apply(&prev);
        match &opts.prerelease {
            Some(id) => (with_prerelease(&next, id, 1), impact.as_bump()),
            None => (next, impact.as_bump()),
        }
    } else {
        let (prev_id, n) = split_prerelease(&prev.pre);
        let id = opts.prerelease.clone().unwrap_or(prev_id.clone());
        if impact > Impact::covered_by_line(&prev) {
            (
                with_prerelease(&impact.apply(&prev), &id, 1),
                impact.as_bump(),
            )
        } else if id == prev_id {
            (with_prerelease(&prev, &id, n + 1), Bump::Prerelease)
        } else {
            (with_prerelease(&prev, &id, 1), Bump::Prerelease)
        }
    };
    let label = match bump {
        Bump::Prerelease => format!("pre-release {next}"),
        other if !next.pre.is_empty() => format!("{other} (pre-release {next})"),
        other => other.to_string(),
    };
    let reason = because(&label);
    finish(previous, next, bump, reason, deciding.as_ref(), commits)
}

/// The next version for HEAD.
pub fn next_version(repo: &Repository, opts: &VersionOptions) -> Result<NextVersion, ReleaseError> {
    next_version_at(repo, "HEAD", opts)
}

/// The next version for the commit `rev` names.
pub fn next_version_at(
    repo: &Repository,
    rev: &str,
    opts: &VersionOptions,
) -> Result<NextVersion, ReleaseError> {
    opts.validate()?;
    let pattern = opts.pattern()?;
    let tip = resolve_commit(repo, rev)?;
    let range = release_range(repo, &pattern, tip)?;
    let ids = match opts.path.as_deref() {
        Some(path) => super::history::touching_path(repo, range.commits, path)?,
        None => range.commits,
    };
    let commits = read_commits(repo, &ids)?;
    let previous = range.tag.map(|t| (t.name, t.version));
    Ok(plan(previous, commits, opts, |v| pattern.format(v)))
}

/// Human text: the proposal on the first line, the reason, then a count of
/// commits by kind.
pub fn render_next_version(nv: &NextVersion) -> String {
    let mut out = match (&nv.previous_tag, nv.bump) {
        (Some(tag), Bump::None) => format!("{tag}: no release needed\n"),
        (Some(tag), bump) => format!("{tag} → {} ({bump})\n", nv.next_tag),
        (None, bump) => format!("{} ({bump})\n", nv.next_tag),
    };
    out.push_str(&nv.reason);
    out.push('\n');
    let count = |pred: &dyn Fn(&ConventionalCommitInfo) -> bool| {
        nv.commits.iter().filter(|c| pred(c)).count()
    };
    let breaking = count(&|c| c.message.breaking);
    let features = count(&|c| !c.message.breaking && c.message.kind == CommitKind::Feature);
    let fixes = count(&|c| {
        !c.message.breaking && matches!(c.message.kind, CommitKind::Fix | CommitKind::Performance)
    });
    let other = nv.commits.len() - breaking - features - fixes;
    let since = nv
        .previous_tag
        .as_deref()
        .map(|t| format!(" since {t}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "{} commit{}{since}: {breaking} breaking, {features} feature, {fixes} fix/perf, {other} other\n",
        nv.commits.len(),
        if nv.commits.len() == 1 { "" } else { "s" },
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::message::parse_message;

    fn c(msg: &str, n: u8) -> ConventionalCommitInfo {
        let id = format!("{n:02x}").repeat(20);
        ConventionalCommitInfo {
            commit: CommitRef {
                short_id: id[..7].to_owned(),
                id,
                author: "Alice".into(),
                author_email: "alice@example.com".into(),
                time: 0,
                is_merge: false,
            },
            message: parse_message(msg),
        }
    }

    fn run(prev: Option<&str>, msgs: &[&str], opts: &VersionOptions) -> NextVersion {
        let commits = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| c(m, i as u8 + 1))
            .collect();
        let previous = prev.map(|p| (format!("v{p}"), Version::parse(p).unwrap()));
        plan(previous, commits, opts, |v| format!("v{v}"))
    }

    fn next(prev: Option<&str>, msgs: &[&str]) -> String {
        run(prev, msgs, &VersionOptions::default()).next.to_string()
    }

    #[test]
    fn stable_bumps() {
        assert_eq!(next(Some("1.3.0"), &["fix: a"]), "1.3.1");
        assert_eq!(next(Some("1.3.0"), &["perf: a"]), "1.3.1");
        assert_eq!(next(Some("1.3.0"), &["fix: a", "feat: b"]), "1.4.0");
        assert_eq!(next(Some("1.3.0"), &["fix!: a", "feat: b"]), "2.0.0");
        assert_eq!(
            next(Some("1.3.0"), &["docs: a\n\nBREAKING CHANGE: gone"]),
            "2.0.0"
        );
    }

    #[test]
    fn reason_names_the_deciding_commit() {
        let nv = run(
            Some("1.3.0"),
            &["fix: a", "feat(api): add export"],
            &VersionOptions::default(),
        );
        assert_eq!(nv.bump, Bump::Minor);
        assert_eq!(
            nv.reason,
            "feat(api): add export (0202020) is a feature → minor"
        );
        assert_eq!(nv.deciding_commit.unwrap().short_id, "0202020");
    }

    #[test]
    fn below_one() {
        assert_eq!(next(Some("0.4.2"), &["feat!: a"]), "0.5.0");
        assert_eq!(next(Some("0.4.2"), &["feat: a"]), "0.4.3");
        let opts = VersionOptions {
            breaking_bumps_minor_pre_1: false,
            feat_bumps_patch_pre_1: false,
            ..VersionOptions::default()
        };
        assert_eq!(
            run(Some("0.4.2"), &["feat!: a"], &opts).next.to_string(),
            "1.0.0"
        );
        assert_eq!(
            run(Some("0.4.2"), &["feat: a"], &opts).next.to_string(),
            "0.5.0"
        );
        let nv = run(Some("0.4.2"), &["feat: a"], &VersionOptions::default());
        assert!(nv.reason.contains("below 1.0.0"), "{}", nv.reason);
    }

    #[test]
    fn no_release_needed() {
        let nv = run(
            Some("1.3.0"),
            &["docs: a", "chore: b", "Merge branch 'x'"],
            &VersionOptions::default(),
        );
        assert_eq!(nv.bump, Bump::None);
        assert_eq!(nv.next, Version::new(1, 3, 0));
        assert!(!nv.is_release_needed());
        assert!(nv.reason.contains("no release needed"), "{}", nv.reason);
        assert!(nv.deciding_commit.is_none());
        let empty = run(Some("1.3.0"), &[], &VersionOptions::default());
        assert_eq!(empty.bump, Bump::None);
    }

    #[test]
    fn initial() {
        let nv = run(None, &["feat: a"], &VersionOptions::default());
        assert_eq!(
            (nv.next.to_string(), nv.bump),
            ("0.1.0".into(), Bump::Initial)
        );
        let opts = VersionOptions {
            initial: Version::new(1, 0, 0),
            prerelease: Some("rc".into()),
            ..VersionOptions::default()
        };
        assert_eq!(
            run(None, &["feat: a"], &opts).next.to_string(),
            "1.0.0-rc.1"
        );
    }

    #[test]
    fn release_as_wins_when_higher() {
        let nv = run(
            Some("1.3.0"),
            &["fix: a", "chore: go big\n\nRelease-As: 3.0.0", "feat!: x"],
            &VersionOptions::default(),
        );
        assert_eq!(
            (nv.next.to_string(), nv.bump),
            ("3.0.0".into(), Bump::ReleaseAs)
        );
        assert!(nv.reason.contains("Release-As: 3.0.0"));
        let nv = run(
            Some("1.3.0"),
            &["fix: a\n\nRelease-As: 1.0.0"],
            &VersionOptions::default(),
        );
        assert_eq!(nv.next.to_string(), "1.3.1");
        assert!(
            nv.reason.contains("ignored Release-As: 1.0.0"),
            "{}",
            nv.reason
        );
        assert_eq!(
            run(
                None,
                &["chore: x\n\nRelease-As: 2.0.0"],
                &VersionOptions::default()
            )
            .next
            .to_string(),
            "2.0.0"
        );
    }

    #[test]
    fn prereleases() {
        assert_eq!(next(Some("1.4.0-rc.1"), &["fix: a"]), "1.4.0-rc.2");
        assert_eq!(next(Some("1.4.0-rc.1"), &["feat: a"]), "1.4.0-rc.2");
        assert_eq!(next(Some("1.4.0-rc.1"), &["feat!: a"]), "2.0.0-rc.1");
        assert_eq!(next(Some("1.4.2-rc.1"), &["feat: a"]), "1.5.0-rc.1");
        assert_eq!(next(Some("2.0.0-rc.9"), &["feat!: a"]), "2.0.0-rc.10");
        assert_eq!(next(Some("1.4.0-beta"), &["fix: a"]), "1.4.0-beta.1");
        let nv = run(Some("1.4.0-rc.1"), &["fix: a"], &VersionOptions::default());
        assert_eq!(nv.bump, Bump::Prerelease);

        let rc = VersionOptions {
            prerelease: Some("rc".into()),
            ..VersionOptions::default()
        };
        assert_eq!(
            run(Some("1.3.0"), &["feat: a"], &rc).next.to_string(),
            "1.4.0-rc.1"
        );
        assert_eq!(
            run(Some("1.4.0-beta.3"), &["fix: a"], &rc).next.to_string(),
            "1.4.0-rc.1"
        );
        assert_eq!(
            run(Some("1.4.0-rc.3"), &["fix: a"], &rc).next.to_string(),
            "1.4.0-rc.4"
        );
        // No releasable commits: still no release, even when asked for an rc.
        assert_eq!(run(Some("1.3.0"), &["docs: a"], &rc).bump, Bump::None);
    }

    #[test]
    fn graduate() {
        let opts = VersionOptions {
            graduate: true,
            ..VersionOptions::default()
        };
        let nv = run(Some("1.4.0-rc.2"), &[], &opts);
        assert_eq!(
            (nv.next.to_string(), nv.bump),
            ("1.4.0".into(), Bump::Graduate)
        );
        assert_eq!(
            run(Some("1.4.0-rc.2"), &["feat!: a"], &opts)
                .next
                .to_string(),
            "2.0.0"
        );
        // Graduate on a stable release is a normal bump.
        assert_eq!(
            run(Some("1.3.0"), &["fix: a"], &opts).next.to_string(),
            "1.3.1"
        );
    }

    #[test]
    fn render_mentions_tags_and_counts() {
        let nv = run(
            Some("1.3.0"),
            &["fix: a", "feat: b", "docs: c"],
            &VersionOptions::default(),
        );
        let text = render_next_version(&nv);
        assert!(text.starts_with("v1.3.0 → v1.4.0 (minor)\n"), "{text}");
        assert!(
            text.contains("3 commits since v1.3.0: 0 breaking, 1 feature, 1 fix/perf, 1 other"),
            "{text}"
        );
    }
}
