//! `version next`, `notes`, `manifest` and tagging at completion, through
//! the binary on real repositories.

use std::path::Path;

use crate::common::{Sandbox, stderr};

fn commit(repo: &git2::Repository, msg: &str) -> git2::Oid {
    let sig = git2::Signature::now("Dana Developer", "dana@example.com").unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let tree = head.tree().unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &[&head])
        .unwrap()
}

#[test]
fn next_version_and_notes_from_a_fix_and_a_feat_since_v1_3_0() {
    let sb = Sandbox::new();
    let repo = git2::Repository::open(sb.repo.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.tag_lightweight("v1.3.0", head.as_object(), false)
        .unwrap();
    commit(&repo, "fix(api): reject empty bodies");
    let feat = commit(&repo, "feat(export): CSV export of reports");
    let out = sb.ok(&["version", "next"]);
    assert!(out.contains("v1.3.0 → v1.4.0 (minor)"), "{out}");
    assert!(
        out.contains(&format!(
            "feat(export): CSV export of reports ({})",
            &feat.to_string()[..7]
        )),
        "{out}"
    );
    let json = sb.json(&["version", "next", "--json"]);
    assert_eq!(json["next"], "1.4.0");
    let notes = sb.ok(&["notes"]);
    assert!(
        notes.contains("### Features") && notes.contains("CSV export of reports"),
        "{notes}"
    );
    assert!(
        notes.contains("### Fixes") && notes.contains("reject empty bodies"),
        "{notes}"
    );
    // A new session takes the proposal.
    let out = sb.ok(&["new", "--scenario", "feature-release"]);
    assert!(
        out.contains("Version 1.4.0, proposed from history"),
        "{out}"
    );
    let st = sb.json(&["status", "--json"]);
    assert_eq!(st["state"]["version"], "1.4.0");
    assert_eq!(st["state"]["previous_version"], "1.3.0");
    // Notes kept in the session.
    sb.ok(&["notes", "--save"]);
    let st = sb.json(&["status", "--json"]);
    assert!(
        st["state"]["release_notes"][1]
            .as_str()
            .unwrap()
            .contains("CSV export")
    );
    // The session's notes print as they are; an edited draft replaces
    // them; an empty file changes nothing.
    let current = sb.ok(&["notes", "--current"]);
    assert!(current.contains("CSV export"), "{current}");
    let draft = sb.repo.path().join("draft.md");
    std::fs::write(&draft, format!("{current}\nThanks to support.\n")).unwrap();
    sb.ok(&["notes", "--save", "--text", draft.to_str().unwrap()]);
    assert!(
        sb.ok(&["notes", "--current"])
            .ends_with("Thanks to support.\n")
    );
    std::fs::write(&draft, "  \n").unwrap();
    let out = sb.run(&["notes", "--save", "--text", draft.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is empty"), "{}", stderr(&out));
    assert!(
        sb.ok(&["notes", "--current"])
            .ends_with("Thanks to support.\n")
    );
    // Prepending to a changelog keeps what was there.
    let changelog = sb.repo.path().join("CHANGELOG.md");
    std::fs::write(&changelog, "# Changelog\n\n## svc 1.3.0\n- old\n").unwrap();
    sb.ok(&["notes", "--prepend", changelog.to_str().unwrap()]);
    let text = std::fs::read_to_string(&changelog).unwrap();
    assert!(
        text.find("CSV export").unwrap() < text.find("## svc 1.3.0").unwrap(),
        "{text}"
    );
}

#[test]
fn manifest_check_names_each_broken_requirement_and_set_recomputes() {
    let sb = Sandbox::new();
    let path = sb.repo.path().join("release-manifest.toml");
    std::fs::write(
        &path,
        "# system versions\n[system]\nversion = \"3.2.0\"\n\n[components.api]\nversion = \"2.4.0\"\nrequires = { auth = \"^1.2\" }\n\n[components.auth]\nversion = \"1.1.9\"\n",
    )
    .unwrap();
    let out = sb.run(&["manifest", "check"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("auth"), "{}", stderr(&out));
    let out = sb.ok(&["manifest", "set", "auth", "1.3.0"]);
    assert!(
        out.contains("auth 1.1.9 → 1.3.0; system 3.2.0 → 3.3.0"),
        "{out}"
    );
    assert!(
        sb.ok(&["manifest", "check"])
            .contains("every requirement holds")
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("# system versions"),
        "comments kept"
    );
    // With a session open, the change is noted in its audit trail.
    sb.ok(&["new", "--scenario", "release-train", "--version", "3.4.0"]);
    let out = sb.run(&["manifest", "set", "api", "2.5.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let st = sb.json(&["status", "--json"]);
    assert_eq!(
        st["state"]["notes"][0]["text"],
        "manifest: api 2.4.0 → 2.5.0; system 3.3.0 → 3.4.0"
    );
}

#[test]
fn a_completed_session_tags_the_release_when_configured() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.repo.path().join(".greenlight.toml"),
        "[audit]\ntag_on_complete = true\n",
    )
    .unwrap();
    sb.ok(&["new", "--scenario", "hotfix", "--version", "2.0.1"]);
    let st = sb.json(&["status", "--json"]);
    for step in st["state"]["plan"]["steps"].as_array().unwrap() {
        let id = step["id"].as_str().unwrap();
        sb.ok(&["step", "skip", id, "--reason", "test of tagging"]);
    }
    let st = sb.json(&["status", "--json"]);
    assert_eq!(st["summary"]["status"], "completed");
    assert_eq!(st["state"]["tags"][0][1]["tag"], "v2.0.1");
    let repo = git2::Repository::open(sb.repo.path()).unwrap();
    let tag = repo
        .find_reference("refs/tags/v2.0.1")
        .unwrap()
        .peel_to_tag()
        .unwrap();
    assert!(
        tag.message()
            .unwrap()
            .unwrap()
            .contains(st["summary"]["id"].as_str().unwrap())
    );
    assert!(Path::new(sb.repo.path()).exists());
}
