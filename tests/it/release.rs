//! Release helpers against real repositories built in temporary folders:
//! next version, release notes, changelog, manifest.

use std::fs;

use crate::common::gitrepo::{BOB, TestRepo};
use greenlight::release::{
    Bump, CommitKind, Manifest, ManifestError, ManifestProblem, ReleaseError, Section,
    VersionOptions, next_version, next_version_at, notes, open_repository, prepend_to_changelog,
    render_markdown, render_next_version, render_problems,
};
use semver::Version;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn next(repo: &TestRepo) -> greenlight::release::NextVersion {
    next_version(&repo.repo, &VersionOptions::default()).unwrap()
}

// ---------------------------------------------------------------- version

#[test]
fn fix_and_feat_after_v1_3_0_make_1_4_0_named_by_the_feat() {
    let r = TestRepo::new();
    r.commit("feat: first");
    let tagged = r.commit("fix: before the release");
    r.tag_annotated("v1.3.0", tagged);
    let fix = r.commit_as("fix(auth): refresh tokens on expiry", BOB);
    let feat = r.commit("feat(api): add export");

    let nv = next(&r);
    assert_eq!(nv.previous, Some(v("1.3.0")));
    assert_eq!(nv.previous_tag.as_deref(), Some("v1.3.0"));
    assert_eq!(nv.next, v("1.4.0"));
    assert_eq!(nv.next_tag, "v1.4.0");
    assert_eq!(nv.bump, Bump::Minor);
    assert_eq!(
        nv.reason,
        format!(
            "feat(api): add export ({}) is a feature → minor",
            TestRepo::short(feat)
        )
    );
    assert_eq!(nv.deciding_commit.as_ref().unwrap().id, feat.to_string());
    let ids: Vec<_> = nv.commits.iter().map(|c| c.commit.id.clone()).collect();
    assert_eq!(ids, vec![feat.to_string(), fix.to_string()]);

    let text = render_next_version(&nv);
    assert!(text.starts_with("v1.3.0 → v1.4.0 (minor)\n"), "{text}");

    let n = notes(&r.repo, None, None, &VersionOptions::default()).unwrap();
    assert_eq!(n.from.as_deref(), Some("v1.3.0"));
    let titles: Vec<_> = n.sections.iter().map(|s| s.section).collect();
    assert_eq!(titles, vec![Section::Features, Section::Fixes]);
    let md = render_markdown(&n, "v1.4.0");
    assert!(
        md.contains(&format!(
            "- **api:** add export ({}) by Alice Example",
            TestRepo::short(feat)
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- **auth:** refresh tokens on expiry ({}) by Bob Example",
            TestRepo::short(fix)
        )),
        "{md}"
    );
    assert!(!md.contains("before the release"), "{md}");
}

#[test]
fn no_tag_gives_the_initial_version() {
    let r = TestRepo::new();
    r.commit("feat: something");
    r.tag_lightweight("release-2020", r.head().unwrap());
    let nv = next(&r);
    assert_eq!(
        (nv.previous.clone(), nv.next.clone(), nv.bump),
        (None, v("0.1.0"), Bump::Initial)
    );
    assert_eq!(nv.commits.len(), 1);

    let opts = VersionOptions {
        initial: v("1.0.0"),
        ..VersionOptions::default()
    };
    assert_eq!(next_version(&r.repo, &opts).unwrap().next, v("1.0.0"));
}

#[test]
fn only_chores_means_no_release_needed() {
    let r = TestRepo::new();
    r.tag_lightweight("v2.1.0", r.commit("feat: x"));
    r.commit("docs: explain");
    r.commit("chore(ci): cache");
    r.commit("Update README");
    let nv = next(&r);
    assert_eq!(nv.bump, Bump::None);
    assert_eq!(nv.next, v("2.1.0"));
    assert!(!nv.is_release_needed());
    assert!(nv.reason.contains("no release needed"), "{}", nv.reason);
    assert!(render_next_version(&nv).starts_with("v2.1.0: no release needed"));
}

#[test]
fn head_on_the_tag_means_no_release_needed() {
    let r = TestRepo::new();
    r.tag_annotated("v1.0.0", r.commit("feat: x"));
    let nv = next(&r);
    assert_eq!((nv.bump, nv.commits.len()), (Bump::None, 0));
}

#[test]
fn every_breaking_form_is_major() {
    for msg in [
        "feat!: drop v1",
        "fix(api)!: drop v1",
        "refactor: rename\n\nBREAKING CHANGE: the table is renamed",
        "chore: rename\n\nBREAKING-CHANGE: the table is renamed",
        "Rename everything\n\nBREAKING CHANGE: non-conventional header, conventional footer",
    ] {
        let r = TestRepo::new();
        r.tag_lightweight("v1.3.0", r.commit("feat: x"));
        r.commit("fix: a");
        let breaking = r.commit(msg);
        r.commit("feat: b");
        let nv = next(&r);
        assert_eq!(nv.next, v("2.0.0"), "{msg}");
        assert_eq!(nv.bump, Bump::Major);
        assert_eq!(
            nv.deciding_commit.unwrap().id,
            breaking.to_string(),
            "{msg}"
        );
        assert!(
            nv.reason.contains("is a breaking change → major"),
            "{}",
            nv.reason
        );
    }
}

#[test]
fn fix_and_perf_are_patch() {
    for msg in ["fix: a", "perf(db): faster"] {
        let r = TestRepo::new();
        r.tag_lightweight("v1.3.0", r.commit("feat: x"));
        r.commit(msg);
        assert_eq!(next(&r).next, v("1.3.1"), "{msg}");
    }
}

#[test]
fn below_one_point_oh() {
    let r = TestRepo::new();
    r.tag_lightweight("v0.4.2", r.commit("feat: x"));
    r.commit("feat: y");
    assert_eq!(next(&r).next, v("0.4.3"));
    r.commit("feat!: z");
    let nv = next(&r);
    assert_eq!(nv.next, v("0.5.0"));
    assert!(nv.reason.contains("below 1.0.0"), "{}", nv.reason);

    let strict = VersionOptions {
        breaking_bumps_minor_pre_1: false,
        feat_bumps_patch_pre_1: false,
        ..VersionOptions::default()
    };
    assert_eq!(next_version(&r.repo, &strict).unwrap().next, v("1.0.0"));
    let at_feat = next_version_at(&r.repo, "HEAD~1", &strict).unwrap();
    assert_eq!(at_feat.next, v("0.5.0"));
}

#[test]
fn release_as_footer_wins() {
    let r = TestRepo::new();
    r.tag_lightweight("v1.3.0", r.commit("feat: x"));
    r.commit("feat!: big");
    let pin = r.commit("chore: release 3.0.0\n\nRelease-As: 3.0.0");
    r.commit("fix: later");
    let nv = next(&r);
    assert_eq!((nv.next.clone(), nv.bump), (v("3.0.0"), Bump::ReleaseAs));
    assert_eq!(nv.deciding_commit.unwrap().id, pin.to_string());

    // In a non-conventional message too.
    let r = TestRepo::new();
    r.tag_lightweight("v1.3.0", r.commit("feat: x"));
    r.commit("Prepare the big one\n\nRelease-As: v2.0.0");
    assert_eq!(next(&r).next, v("2.0.0"));
}

#[test]
fn prerelease_tags_bump_their_counter() {
    let r = TestRepo::new();
    r.tag_annotated("v1.3.0", r.commit("feat: x"));
    r.commit("feat: y");
    r.tag_annotated("v1.4.0-rc.1", r.head().unwrap());
    r.commit("fix: z");
    let nv = next(&r);
    assert_eq!(nv.previous_tag.as_deref(), Some("v1.4.0-rc.1"));
    assert_eq!(
        (nv.next.clone(), nv.bump),
        (v("1.4.0-rc.2"), Bump::Prerelease)
    );

    let graduate = VersionOptions {
        graduate: true,
        ..VersionOptions::default()
    };
    let nv = next_version(&r.repo, &graduate).unwrap();
    assert_eq!((nv.next, nv.bump), (v("1.4.0"), Bump::Graduate));

    r.commit("feat!: breaks");
    assert_eq!(next(&r).next, v("2.0.0-rc.1"));
}

#[test]
fn asking_for_a_prerelease() {
    let r = TestRepo::new();
    r.tag_lightweight("v1.3.0", r.commit("feat: x"));
    r.commit("feat: y");
    let rc = VersionOptions {
        prerelease: Some("rc".into()),
        ..VersionOptions::default()
    };
    let nv = next_version(&r.repo, &rc).unwrap();
    assert_eq!(
        (nv.next.clone(), nv.bump, nv.next_tag.as_str()),
        (v("1.4.0-rc.1"), Bump::Minor, "v1.4.0-rc.1")
    );
}

#[test]
fn merged_branches_count_and_plain_merges_are_other() {
    let r = TestRepo::new();
    let base = r.commit("feat: base");
    r.tag_lightweight("v1.0.0", base);
    r.branch("topic", base);
    let topic_feat = r.commit_on_branch("topic", "feat(ui): dark mode");
    r.commit("fix: main fix");
    let merge = r.merge(topic_feat, "Merge branch 'topic'");

    let nv = next(&r);
    assert_eq!(nv.next, v("1.1.0"));
    assert_eq!(
        nv.deciding_commit.as_ref().unwrap().id,
        topic_feat.to_string()
    );
    assert_eq!(nv.commits.len(), 3);
    let m = nv
        .commits
        .iter()
        .find(|c| c.commit.id == merge.to_string())
        .unwrap();
    assert!(m.commit.is_merge);
    assert_eq!(m.message.kind, CommitKind::Other);
    assert!(!m.message.conventional);

    // Plain merges are left out of the notes; the merged commits are in.
    let n = notes(&r.repo, None, None, &VersionOptions::default()).unwrap();
    let md = render_markdown(&n, "v1.1.0");
    assert!(md.contains("dark mode"), "{md}");
    assert!(!md.contains("Merge branch"), "{md}");

    // A merge with a conventional message is parsed like any commit.
    r.branch("topic2", merge);
    let other = r.commit_on_branch("topic2", "docs: words");
    r.merge(other, "feat!: merge the new protocol");
    assert_eq!(next(&r).next, v("2.0.0"));
}

#[test]
fn lightweight_and_annotated_tags_and_junk_tags() {
    let r = TestRepo::new();
    let a = r.commit("feat: a");
    r.tag_annotated("v1.0.0", a);
    let b = r.commit("feat: b");
    r.tag_lightweight("v1.1.0", b);
    r.tag_lightweight("v1.2", b); // not semver
    r.tag_lightweight("vnext", b);
    r.tag_lightweight("nightly", b);
    r.commit("fix: c");
    let nv = next(&r);
    assert_eq!(nv.previous_tag.as_deref(), Some("v1.1.0"));
    assert_eq!(nv.next, v("1.1.1"));

    // Annotated is found the same way.
    let d = r.commit("fix: d");
    r.tag_annotated("v1.1.1", d);
    r.commit("feat: e");
    let nv = next(&r);
    assert_eq!(nv.previous_tag.as_deref(), Some("v1.1.1"));
    assert_eq!(nv.next, v("1.2.0"));
    assert_eq!(nv.commits.len(), 1);
}

#[test]
fn tags_not_reachable_from_head_are_ignored() {
    let r = TestRepo::new();
    let base = r.commit("feat: base");
    r.tag_lightweight("v1.0.0", base);
    r.branch("experiment", base);
    let far = r.commit_on_branch("experiment", "feat!: wild");
    r.tag_lightweight("v9.0.0", far);
    r.commit("fix: on main");
    let nv = next(&r);
    assert_eq!(nv.previous_tag.as_deref(), Some("v1.0.0"));
    assert_eq!(nv.next, v("1.0.1"));
}

#[test]
fn highest_reachable_tag_wins_after_a_maintenance_merge() {
    let r = TestRepo::new();
    let one = r.commit("feat: one");
    r.tag_lightweight("v1.0.0", one);
    r.branch("maint", one);
    let two = r.commit("feat!: two");
    r.tag_lightweight("v2.0.0", two);
    let patch = r.commit_on_branch("maint", "fix: backport");
    r.tag_lightweight("v1.0.1", patch);
    r.merge(patch, "Merge branch 'maint'");
    let nv = next(&r);
    assert_eq!(nv.previous_tag.as_deref(), Some("v2.0.0"));
    // The backport fix is new relative to v2.0.0.
    assert_eq!(nv.next, v("2.0.1"));
}

#[test]
fn per_component_tags() {
    let r = TestRepo::new();
    let a = r.commit("feat(api): a");
    r.tag_lightweight("api-v2.0.0", a);
    r.tag_lightweight("v5.0.0", a);
    let b = r.commit("fix(auth): b");
    r.tag_annotated("auth-v1.0.0", b);
    r.commit("feat(api): c");

    let api = next_version(&r.repo, &VersionOptions::for_component("api")).unwrap();
    assert_eq!(api.previous_tag.as_deref(), Some("api-v2.0.0"));
    assert_eq!(
        (api.next.clone(), api.next_tag.as_str()),
        (v("2.1.0"), "api-v2.1.0")
    );
    assert_eq!(api.commits.len(), 2);

    let auth = next_version(&r.repo, &VersionOptions::for_component("auth")).unwrap();
    assert_eq!(auth.previous_tag.as_deref(), Some("auth-v1.0.0"));
    assert_eq!(auth.next, v("1.1.0"));

    let none = next_version(&r.repo, &VersionOptions::for_component("db")).unwrap();
    assert_eq!(
        (none.bump, none.next_tag.as_str()),
        (Bump::Initial, "db-v0.1.0")
    );

    let custom = VersionOptions {
        tag_pattern: "{component}@{version}".into(),
        component: Some("web".into()),
        ..VersionOptions::default()
    };
    r.tag_lightweight("web@3.0.0", a);
    assert_eq!(next_version(&r.repo, &custom).unwrap().next, v("3.1.0"));
}

#[test]
fn non_conventional_history_never_errors() {
    let r = TestRepo::new();
    r.tag_lightweight("v1.0.0", r.commit("initial import"));
    for msg in [
        "wip",
        "Revert \"feat: x\"",
        "fixup! fix: y",
        "",
        "🚀 ship it",
        "feat add thing",
    ] {
        r.commit(msg);
    }
    let nv = next(&r);
    assert_eq!(nv.bump, Bump::None);
    assert!(
        nv.commits
            .iter()
            .all(|c| c.message.kind == CommitKind::Other)
    );
}

#[test]
fn not_a_repository() {
    let dir = tempfile::TempDir::new().unwrap();
    assert!(matches!(
        open_repository(dir.path()),
        Err(ReleaseError::NoRepository { .. })
    ));
}

#[test]
fn unborn_head_and_bad_refs() {
    let r = TestRepo::new();
    assert!(matches!(
        next_version(&r.repo, &VersionOptions::default()),
        Err(ReleaseError::UnbornHead)
    ));
    r.commit("feat: x");
    assert!(matches!(
        notes(
            &r.repo,
            Some("no-such-tag"),
            None,
            &VersionOptions::default()
        ),
        Err(ReleaseError::BadRef { .. })
    ));
    assert!(matches!(
        next_version_at(&r.repo, "HEAD~5", &VersionOptions::default()),
        Err(ReleaseError::BadRef { .. })
    ));
    let bad = VersionOptions {
        tag_pattern: "release".into(),
        ..VersionOptions::default()
    };
    assert!(matches!(
        next_version(&r.repo, &bad),
        Err(ReleaseError::BadTagPattern { .. })
    ));
    for id in ["rc 1", "", "rc..x"] {
        let bad = VersionOptions {
            prerelease: Some(id.into()),
            ..VersionOptions::default()
        };
        assert!(
            matches!(
                next_version(&r.repo, &bad),
                Err(ReleaseError::BadPrerelease { .. })
            ),
            "{id:?}"
        );
    }
    let repo = open_repository(&r.dir.path().join(".git")).unwrap();
    assert!(next_version(&repo, &VersionOptions::default()).is_ok());
}

#[test]
fn results_serialize_to_json() {
    let r = TestRepo::new();
    r.tag_lightweight("v1.0.0", r.commit("feat: x"));
    r.commit("feat(api)!: y\n\nBREAKING CHANGE: gone");
    let nv = next(&r);
    let json = serde_json::to_value(&nv).unwrap();
    assert_eq!(json["next"], "2.0.0");
    assert_eq!(json["bump"], "major");
    assert_eq!(json["commits"][0]["type"], "feat");
    assert_eq!(json["commits"][0]["breaking"], true);
    assert_eq!(json["commits"][0]["kind"], "feature");
    let n = notes(&r.repo, None, None, &VersionOptions::default()).unwrap();
    assert_eq!(
        serde_json::to_value(&n).unwrap()["sections"][0]["section"],
        "breaking"
    );
}

// ------------------------------------------------------------------ notes

#[test]
fn notes_group_everything_with_github_links() {
    let r = TestRepo::new();
    r.set_origin("git@github.com:acme/greenlight.git");
    r.tag_lightweight("v1.0.0", r.commit("feat: x"));
    let brk = r.commit("feat(api)!: remove v1\n\nBREAKING CHANGE: clients must use /v2");
    let feat = r.commit("feat: add export");
    let fix = r.commit_as("fix: crash", BOB);
    let perf = r.commit("perf: cache");
    let docs = r.commit("docs: guide");
    let other = r.commit("Tidy up");

    let n = notes(&r.repo, None, None, &VersionOptions::default()).unwrap();
    let order: Vec<_> = n
        .sections
        .iter()
        .map(|s| (s.section, s.entries.len()))
        .collect();
    assert_eq!(
        order,
        vec![
            (Section::Breaking, 1),
            (Section::Features, 1),
            (Section::Fixes, 1),
            (Section::Performance, 1),
            (Section::Other, 2),
        ]
    );
    let link = |oid: git2::Oid| format!("https://github.com/acme/greenlight/commit/{oid}");
    assert_eq!(
        n.sections[0].entries[0].link.as_deref(),
        Some(link(brk).as_str())
    );

    let md = render_markdown(&n, "v2.0.0 (2024-01-01)");
    let s = TestRepo::short;
    let expected = format!(
        "## v2.0.0 (2024-01-01)

### Breaking changes

- feat: **api:** remove v1 ([{b}]({bl})) by Alice Example
  - clients must use /v2

### Features

- add export ([{f}]({fl})) by Alice Example

### Fixes

- crash ([{x}]({xl})) by Bob Example

### Performance

- cache ([{p}]({pl})) by Alice Example

### Other

- Tidy up ([{o}]({ol})) by Alice Example
- docs: guide ([{d}]({dl})) by Alice Example
",
        b = s(brk),
        bl = link(brk),
        f = s(feat),
        fl = link(feat),
        x = s(fix),
        xl = link(fix),
        p = s(perf),
        pl = link(perf),
        o = s(other),
        ol = link(other),
        d = s(docs),
        dl = link(docs),
    );
    assert_eq!(md, expected);
}

#[test]
fn notes_links_for_gitlab_https_and_none_without_forge() {
    let r = TestRepo::new();
    r.set_origin("https://gitlab.example.com/group/sub/proj.git");
    let c = r.commit("fix: a");
    let n = notes(&r.repo, None, None, &VersionOptions::default()).unwrap();
    assert_eq!(n.from, None);
    assert_eq!(
        n.sections[0].entries[0].link.as_deref(),
        Some(format!("https://gitlab.example.com/group/sub/proj/-/commit/{c}").as_str())
    );

    let plain = TestRepo::new();
    plain.set_origin("/srv/git/proj.git");
    plain.commit("fix: a");
    let n = notes(&plain.repo, None, None, &VersionOptions::default()).unwrap();
    assert!(n.web.is_none());
    assert!(n.sections[0].entries[0].link.is_none());

    let no_remote = TestRepo::new();
    no_remote.commit("fix: a");
    assert!(
        notes(&no_remote.repo, None, None, &VersionOptions::default())
            .unwrap()
            .web
            .is_none()
    );
}

#[test]
fn notes_between_explicit_revspecs() {
    let r = TestRepo::new();
    let a = r.commit("feat: a");
    r.tag_annotated("v1.0.0", a);
    r.commit("feat: b");
    let c = r.commit("fix: c");
    r.tag_annotated("v1.1.0", c);
    r.commit("fix: d");

    let n = notes(
        &r.repo,
        Some("v1.0.0"),
        Some("v1.1.0"),
        &VersionOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (n.from.as_deref(), n.to.as_str()),
        (Some("v1.0.0"), "v1.1.0")
    );
    assert_eq!(n.to_commit, c.to_string());
    let md = render_markdown(&n, "v1.1.0");
    assert!(
        md.contains(" b (") && md.contains(" c (") && !md.contains(" d ("),
        "{md}"
    );

    // `to` given, `from` defaults to the last release before it.
    let n = notes(&r.repo, None, Some("v1.1.0~1"), &VersionOptions::default()).unwrap();
    assert_eq!(n.from.as_deref(), Some("v1.0.0"));
    assert_eq!(n.sections.len(), 1);

    let n = notes(&r.repo, Some("HEAD"), None, &VersionOptions::default()).unwrap();
    assert!(n.is_empty());
    assert!(render_markdown(&n, "x").contains("No changes."));
}

#[test]
fn changelog_is_created_then_prepended() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("CHANGELOG.md");
    prepend_to_changelog(&path, "## v1.0.0\n\n- first\n").unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "# Changelog\n\n## v1.0.0\n\n- first\n"
    );
    prepend_to_changelog(&path, "## v1.1.0\n\n- second\n").unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "# Changelog\n\n## v1.1.0\n\n- second\n\n## v1.0.0\n\n- first\n"
    );
    // No temporary files left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

    let bare = dir.path().join("NOTES.md");
    fs::write(&bare, "Some notes\n").unwrap();
    prepend_to_changelog(&bare, "## v2").unwrap();
    assert_eq!(fs::read_to_string(&bare).unwrap(), "## v2\n\nSome notes\n");

    let missing_dir = dir.path().join("nope").join("CHANGELOG.md");
    assert!(matches!(
        prepend_to_changelog(&missing_dir, "x"),
        Err(ReleaseError::Io { .. })
    ));
}

// --------------------------------------------------------------- manifest

const VALID: &str = r#"# Compatible components for the spring release.
[system]
version = "3.2.0"

[components.api]
version = "2.4.0"                # the public API
requires = { auth = "^1.2", db-schema = ">=7, <9" }

[components.auth]
version = "1.3.1"

[components.db-schema]
version = "8.0.0"
requires = {}
"#;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn valid_manifest_checks_clean() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Manifest::load(&write(&dir, "release-manifest.toml", VALID)).unwrap();
    assert_eq!(m.system_version(), &v("3.2.0"));
    assert_eq!(m.components().len(), 3);
    assert_eq!(m.component("api").unwrap().requires.len(), 2);
    assert!(m.check().is_empty());
    assert_eq!(
        render_problems(&m.check()),
        "All component requirements are met.\n"
    );
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["components"]["api"]["requires"]["auth"], "^1.2");
}

#[test]
fn broken_requirements_are_named() {
    let text = r#"
[system]
version = "1.0.0"
[components.api]
version = "2.4.0"
requires = { auth = "^1.2", db-schema = ">=7, <9", billing = "^1" }
[components.auth]
version = "1.1.9"
[components.db-schema]
version = "9.0.0"
"#;
    let m = Manifest::parse(text).unwrap();
    let problems = m.check();
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![
            "api 2.4.0 requires auth ^1.2, but auth is 1.1.9",
            "api requires billing ^1, but there is no component `billing` in the manifest",
            "api 2.4.0 requires db-schema >=7, <9, but db-schema is 9.0.0",
        ]
    );
    assert!(matches!(
        problems[1],
        ManifestProblem::UnknownComponent { .. }
    ));
    assert!(render_problems(&problems).starts_with("3 broken requirements:\n- api 2.4.0"));
}

fn parse_err(text: &str) -> (Option<usize>, Option<usize>, String) {
    match Manifest::parse(text) {
        Err(ManifestError::Parse {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn invalid_manifests_report_line_and_column() {
    // Broken TOML.
    let (line, _, _) = parse_err("[system]\nversion = \"1.0.0\n");
    assert_eq!(line, Some(2));

    // Unknown key, in a component.
    let (line, col, msg) = parse_err(
        "[system]\nversion = \"1.0.0\"\n[components.api]\nversion = \"1.0.0\"\nrequire = {}\n",
    );
    assert_eq!((line, col), (Some(5), Some(1)));
    assert!(msg.contains("unknown field `require`"), "{msg}");

    // Unknown top-level table.
    let (line, _, msg) = parse_err("[system]\nversion = \"1.0.0\"\n[extra]\nx = 1\n");
    assert_eq!(line, Some(3));
    assert!(msg.contains("unknown field `extra`"), "{msg}");

    // Not a version.
    let (line, col, _) = parse_err("[system]\nversion = \"three\"\n");
    assert_eq!((line, col), (Some(2), Some(11)));
    let shown = Manifest::parse("[system]\nversion = \"three\"\n")
        .unwrap_err()
        .to_string();
    assert!(shown.starts_with("manifest:2:11: "), "{shown}");

    // Not a requirement.
    let (line, _, _) = parse_err(
        "[system]\nversion = \"1.0.0\"\n[components.a]\nversion = \"1.0.0\"\nrequires = { b = \"~>banana\" }\n",
    );
    assert_eq!(line, Some(5));

    // Missing system.
    let (_, _, msg) = parse_err("[components.a]\nversion = \"1.0.0\"\n");
    assert!(msg.contains("system"), "{msg}");

    // The file name is part of the message when loaded from disk.
    let dir = tempfile::TempDir::new().unwrap();
    let err = Manifest::load(&write(&dir, "bad.toml", "[system]\nversion = 3\n")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad.toml:2:"), "{text}");

    // A missing file is its own error, saying what to do.
    assert!(matches!(
        Manifest::load(&dir.path().join("absent.toml")),
        Err(ManifestError::Missing { .. })
    ));
}

#[test]
fn set_recomputes_the_system_version_and_save_keeps_comments() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = write(&dir, "release-manifest.toml", VALID);
    let mut m = Manifest::load(&path).unwrap();

    let out = m.set("auth", v("1.4.0")).unwrap();
    assert_eq!(
        (out.previous.clone(), out.component_change),
        (v("1.3.1"), Bump::Minor)
    );
    assert_eq!(
        (out.system.clone(), out.system_change),
        (v("3.3.0"), Bump::Minor)
    );

    let out = m.set("db-schema", v("9.0.0")).unwrap();
    assert_eq!(
        (out.system.clone(), out.system_change),
        (v("4.0.0"), Bump::Major)
    );
    assert_eq!(out.system_previous, v("3.3.0"));
    // The api now requires db-schema <9: check says so.
    assert_eq!(m.check().len(), 1);

    assert!(matches!(
        m.set("billing", v("1.0.0")),
        Err(ManifestError::UnknownComponent { .. })
    ));

    m.save(&path).unwrap();
    let saved = fs::read_to_string(&path).unwrap();
    let expected = VALID
        .replace("version = \"3.2.0\"", "version = \"4.0.0\"")
        .replace("version = \"1.3.1\"", "version = \"1.4.0\"")
        .replace("version = \"8.0.0\"", "version = \"9.0.0\"");
    assert_eq!(saved, expected);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

    let reloaded = Manifest::load(&path).unwrap();
    assert_eq!(reloaded.system_version(), &v("4.0.0"));
}

#[test]
fn set_works_with_inline_and_dotted_layouts() {
    let text = "system.version = \"1.0.0\"\ncomponents = { a = { version = \"0.3.0\" } }\n";
    let mut m = Manifest::parse(text).unwrap();
    let out = m.set("a", v("0.3.1")).unwrap();
    assert_eq!(out.system, v("1.0.1"));
    assert_eq!(
        m.to_toml_string(),
        "system.version = \"1.0.1\"\ncomponents = { a = { version = \"0.3.1\" } }\n"
    );
}
