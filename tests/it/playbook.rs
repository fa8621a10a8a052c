//! Playbooks from the outside: fixture files, the built-ins (they parse,
//! they cover the seed document's responsibilities, their order makes
//! sense) and a repository's own playbooks overriding them.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use greenlight::playbook::{
    Catalog, Origin, Playbook, PlaybookErrors, Role, Step, StepKind, builtins, parse,
};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/playbooks")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn parse_path(path: &Path) -> Result<Playbook, PlaybookErrors> {
    parse(
        &fs::read_to_string(path).unwrap(),
        Origin::File(path.to_owned()),
    )
}

// ---------------------------------------------------------------- fixtures

#[test]
fn valid_fixtures_parse() {
    for path in fixtures("valid") {
        let playbook = parse_path(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(playbook.origin, Origin::File(path.clone()));
        assert!(!playbook.steps.is_empty());
    }
}

#[test]
fn the_every_kind_fixture_reads_each_kind() {
    let path = fixtures("valid")
        .into_iter()
        .find(|p| p.ends_with("every-kind.toml"))
        .unwrap();
    let playbook = parse_path(&path).unwrap();
    let kinds: Vec<StepKind> = playbook.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Check,
            StepKind::Gate,
            StepKind::Canary,
            StepKind::Signoff,
            StepKind::Command
        ]
    );
    let approve = playbook.step("approve").unwrap();
    assert_eq!(approve.roles, [Role::Pm, Role::Security, Role::TechLead]);
    let ship = playbook.step("ship").unwrap();
    assert_eq!(ship.timeout, Some(std::time::Duration::from_secs(90)));
}

/// Each invalid fixture lists the problems it must produce as
/// `# expect: LINE:COLUMN: PROBLEM` comments.
#[test]
fn invalid_fixtures_report_exactly_their_expected_problems() {
    for path in fixtures("invalid") {
        let text = fs::read_to_string(&path).unwrap();
        let expected: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|e| format!("{}:{e}", path.display()))
            .collect();
        assert!(
            !expected.is_empty(),
            "{} lists no `# expect:`",
            path.display()
        );
        let errors = parse_path(&path).expect_err(&path.display().to_string());
        let got: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
        assert_eq!(got, expected, "in {}", path.display());
        assert_eq!(errors.to_string(), expected.join("\n"));
    }
}

// ---------------------------------------------------------------- built-ins

const BUILTIN_IDS: [&str; 4] = ["feature-release", "hotfix", "mvp-launch", "release-train"];

fn builtin(id: &str) -> Playbook {
    builtins()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no built-in {id}"))
}

#[test]
fn the_four_builtins_parse() {
    let ids: Vec<String> = builtins().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, BUILTIN_IDS);
    for p in builtins() {
        assert_eq!(p.origin, Origin::Builtin);
    }
}

#[test]
fn every_builtin_step_says_what_to_do_and_when_it_is_done() {
    for p in builtins() {
        assert!(
            p.description.len() > 80,
            "{}: playbook description too short",
            p.id
        );
        for s in &p.steps {
            assert_ne!(s.title, s.id, "{}/{}: needs a real title", p.id, s.id);
            assert!(
                s.description.len() > 100,
                "{}/{}: description too short",
                p.id,
                s.id
            );
            assert!(
                s.description.contains("Done when"),
                "{}/{}: the description must say what done means",
                p.id,
                s.id
            );
            assert!(!s.covers.is_empty(), "{}/{}: covers nothing", p.id, s.id);
        }
    }
}

#[test]
fn builtin_command_steps_are_confirmed_reversible_and_overridable() {
    for p in builtins() {
        for s in p.steps.iter().filter(|s| s.kind == StepKind::Command) {
            let at = format!("{}/{}", p.id, s.id);
            assert!(s.confirm, "{at}: a deploy command must be confirmed");
            assert!(
                s.rollback.is_some(),
                "{at}: a deploy command needs a rollback"
            );
            assert!(
                s.timeout.is_some(),
                "{at}: a deploy command needs a timeout"
            );
            let run = s.run.as_deref().unwrap();
            assert!(
                run.starts_with("./deploy/"),
                "{at}: unconventional command {run}"
            );
            assert!(
                s.description.contains(".greenlight/playbooks/"),
                "{at}: must tell the team how to point it at their own script"
            );
        }
    }
}

#[test]
fn hotfix_keeps_a_rollback_ready_at_every_risky_step() {
    let p = builtin("hotfix");
    let risky: Vec<&Step> = p
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Command | StepKind::Canary))
        .collect();
    assert!(risky.len() >= 2, "a canary and a promote at least");
    for s in risky {
        assert!(
            s.confirm && s.rollback.is_some(),
            "hotfix/{} is risky",
            s.id
        );
        assert!(
            p.prerequisites(&s.id).contains("rollback-ready"),
            "hotfix/{}: the way back must be checked first",
            s.id
        );
    }
    // The play-by-play order from the seed document.
    assert_in_order(
        &p,
        &[
            "reproduce",
            "fix",
            "fast-review",
            "vulnerability-scan",
            "canary",
            "promote",
            "verify-production",
            "notify",
        ],
    );
    assert_eq!(p.step("assess").unwrap().owner, Role::OnCall);
}

/// Each step in `ids` depends, directly or not, on the one before it.
fn assert_in_order(p: &Playbook, ids: &[&str]) {
    for pair in ids.windows(2) {
        assert!(
            p.prerequisites(pair[1]).contains(pair[0]),
            "{}: `{}` must come after `{}`",
            p.id,
            pair[1],
            pair[0]
        );
    }
}

#[test]
fn feature_release_follows_the_seed_scenario_in_order() {
    let p = builtin("feature-release");
    let step = |id: &str| {
        p.step(id)
            .unwrap_or_else(|| panic!("feature-release has no `{id}`"))
    };

    let impact = step("impact");
    assert_eq!(
        (impact.owner, impact.with.as_slice()),
        (Role::Pm, &[Role::TechLead][..])
    );
    assert_eq!(step("hotfix-plan").owner, Role::Developer);
    let checklist = step("checklist");
    assert_eq!(checklist.owner, Role::Developer);
    assert!(checklist.with.contains(&Role::Dm));
    assert_eq!(step("canary").kind, StepKind::Canary);
    let signoff = step("pm-signoff");
    assert_eq!(
        (signoff.kind, signoff.roles.as_slice()),
        (StepKind::Signoff, &[Role::Pm][..])
    );
    let enable = step("enable-all");
    assert_eq!(enable.kind, StepKind::Command);
    assert!(enable.confirm && enable.rollback.is_some());
    assert_eq!(step("verify-production").owner, Role::Developer);
    let note = step("release-note");
    assert!(matches!(note.owner, Role::Pm | Role::Dm));

    assert_in_order(
        &p,
        &[
            "impact",
            "checklist",
            "canary",
            "pm-signoff",
            "enable-all",
            "verify-production",
            "release-note",
        ],
    );
    assert_in_order(&p, &["hotfix-plan", "checklist"]);
    for gate in [
        "security-impact",
        "release-candidate-tests",
        "vulnerability-scan",
    ] {
        assert_in_order(&p, &[gate, "canary"]);
    }
    // The topological order is the file order: the file reads top to bottom.
    let order: Vec<&str> = p
        .topological_order()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(order, p.step_ids().collect::<Vec<_>>());
}

#[test]
fn mvp_launch_puts_practices_first_then_pm_green_light_then_kickoff() {
    let p = builtin("mvp-launch");
    let green = p.step("green-light").unwrap();
    assert_eq!(
        (green.kind, green.roles.as_slice()),
        (StepKind::Signoff, &[Role::Pm][..])
    );
    let kickoff = p.step("kickoff").unwrap();
    assert_eq!(kickoff.owner, Role::Developer);
    for practice in [
        "environments",
        "pr-review",
        "versioning",
        "component-manifest",
        "release-notes-automation",
        "release-checklist",
        "change-audit",
    ] {
        assert_in_order(&p, &[practice, "green-light", "kickoff"]);
    }
}

#[test]
fn release_train_tries_independence_before_the_train() {
    let p = builtin("release-train");
    for technique in ["backward-compatibility", "api-versions", "feature-flags"] {
        assert_eq!(p.step(technique).unwrap().owner, Role::TechLead);
        assert_in_order(
            &p,
            &["impact", technique, "independence-decision", "train-dm"],
        );
    }
    assert_in_order(
        &p,
        &[
            "train-dm",
            "train-schedule",
            "system-demo",
            "canary",
            "enable-all",
        ],
    );
    assert_in_order(&p, &["sprint-sync", "system-demo"]);
    assert_in_order(&p, &["train-communication", "system-demo"]);
    assert_eq!(p.step("train-communication").unwrap().owner, Role::Dm);
}

// ---------------------------------------------------------------- coverage

/// Every responsibility of the seed document, as the `covers` tag that
/// marks the step carrying it out.
const SEED_RESPONSIBILITIES: &[(&str, &str)] = &[
    // Product/delivery manager
    (
        "pm/dm supports implementing the release engineering playbook",
        "release-playbook",
    ),
    (
        "pm/dm defines the release checklist with the developers",
        "release-checklist",
    ),
    (
        "pm/dm accounts for ATO and SA&A changes",
        "security-authorization",
    ),
    (
        "pm/dm agrees a semantic versioning scheme",
        "semantic-versioning",
    ),
    (
        "pm/dm decides how release notes are published",
        "release-notes-publishing",
    ),
    (
        "pm/dm ensures the impact of changes is analysed",
        "impact-analysis",
    ),
    (
        "pm/dm communicates changes to users, support, stakeholders",
        "communicate-changes",
    ),
    (
        "pm/dm sets up a release train when independence is impossible",
        "release-train",
    ),
    // Developer: release engineering practices
    (
        "testing, staging and production environments and pipelines",
        "environments-pipelines",
    ),
    ("standardized pull request review", "pull-request-review"),
    ("application versioning scheme", "versioning-scheme"),
    (
        "manifest of compatible system components",
        "component-manifest",
    ),
    ("release notes automation", "release-notes-automation"),
    ("release change audit", "change-audit"),
    ("ease rollback", "easy-rollback"),
    ("blue/green deployment", "blue-green"),
    ("canary release", "canary-release"),
    // Developer: each release
    (
        "release candidate tested: unit, integration, performance",
        "release-candidate-tests",
    ),
    ("release candidate vulnerability scan", "vulnerability-scan"),
    ("play-by-play for hotfixes", "hotfix-play-by-play"),
    (
        "release verification through canary or blue/green",
        "release-verification",
    ),
    ("enable the release for all customers", "enable-for-all"),
    (
        "validate production logs and metrics",
        "production-logs-metrics",
    ),
    ("notify PM/DM the release is complete", "notify-complete"),
    // Scenario steps not named above
    ("mvp: PM gives the green light", "pm-green-light"),
    ("mvp: developer kicks off the release", "kickoff-release"),
    ("feature: PM signs off the canary", "pm-signoff"),
    (
        "feature: final verification in production",
        "final-verification",
    ),
    (
        "feature: release note sent to stakeholders and customers",
        "release-note-sent",
    ),
    ("train: impact across services", "cross-service-impact"),
    ("train: backward compatibility", "backward-compatibility"),
    ("train: new API versions", "api-versioning"),
    ("train: feature flagging", "feature-flags"),
    ("train: fixed schedule", "fixed-schedule"),
    ("train: system demo", "system-demo"),
    ("train: synchronized sprint length", "sprint-sync"),
    ("train: dedicated DM", "dedicated-dm"),
    (
        "train: DM breaks silos, heightens communication",
        "break-silos",
    ),
    ("hotfix: reproduce", "reproduce"),
    ("hotfix: fix", "fix"),
    ("hotfix: fast review", "fast-review"),
];

/// What each scenario of the seed document asks for, point by point.
const SCENARIOS: &[(&str, &[&str])] = &[
    (
        "mvp-launch",
        &[
            "environments-pipelines",
            "pull-request-review",
            "versioning-scheme",
            "component-manifest",
            "release-notes-automation",
            "release-checklist",
            "change-audit",
            "pm-green-light",
            "kickoff-release",
        ],
    ),
    (
        "feature-release",
        &[
            "impact-analysis",
            "hotfix-play-by-play",
            "release-checklist",
            "canary-release",
            "blue-green",
            "release-verification",
            "pm-signoff",
            "enable-for-all",
            "final-verification",
            "release-note-sent",
        ],
    ),
    (
        "release-train",
        &[
            "impact-analysis",
            "cross-service-impact",
            "backward-compatibility",
            "api-versioning",
            "feature-flags",
            "release-train",
            "fixed-schedule",
            "system-demo",
            "sprint-sync",
            "dedicated-dm",
            "break-silos",
        ],
    ),
    (
        "hotfix",
        &[
            "hotfix-play-by-play",
            "reproduce",
            "fix",
            "fast-review",
            "vulnerability-scan",
            "canary-release",
            "final-verification",
            "notify-complete",
            "easy-rollback",
        ],
    ),
];

/// Responsibilities that belong in every release, whatever the scenario.
const EVERY_RELEASE: &[&str] = &[
    "security-authorization",
    "semantic-versioning",
    "release-candidate-tests",
    "vulnerability-scan",
    "production-logs-metrics",
    "notify-complete",
];

fn tags(p: &Playbook) -> BTreeSet<&str> {
    p.steps
        .iter()
        .flat_map(|s| s.covers.iter().map(String::as_str))
        .collect()
}

#[test]
fn every_seed_responsibility_is_carried_out_by_some_builtin_step() {
    let all = builtins();
    let covered: BTreeSet<&str> = all.iter().flat_map(tags).collect();
    let missing: Vec<&str> = SEED_RESPONSIBILITIES
        .iter()
        .filter(|(_, tag)| !covered.contains(tag))
        .map(|(what, _)| *what)
        .collect();
    assert!(
        missing.is_empty(),
        "not covered by any built-in: {missing:#?}"
    );
}

#[test]
fn every_covers_tag_names_a_seed_responsibility() {
    let known: BTreeSet<&str> = SEED_RESPONSIBILITIES.iter().map(|(_, t)| *t).collect();
    for p in builtins() {
        for s in &p.steps {
            for tag in &s.covers {
                assert!(
                    known.contains(tag.as_str()),
                    "{}/{}: unknown tag `{tag}`",
                    p.id,
                    s.id
                );
            }
        }
    }
}

#[test]
fn each_builtin_covers_its_scenario_point_by_point() {
    for (id, points) in SCENARIOS {
        let p = builtin(id);
        let have = tags(&p);
        let missing: Vec<&&str> = points.iter().filter(|t| !have.contains(**t)).collect();
        assert!(missing.is_empty(), "{id} misses {missing:?}");
    }
}

#[test]
fn each_builtin_carries_the_responsibilities_of_every_release() {
    for p in builtins() {
        let have = tags(&p);
        let missing: Vec<&&str> = EVERY_RELEASE
            .iter()
            .filter(|t| !have.contains(**t))
            .collect();
        assert!(missing.is_empty(), "{} misses {missing:?}", p.id);
    }
}

#[test]
fn responsibilities_sit_with_the_right_roles() {
    for p in builtins() {
        for s in &p.steps {
            let at = format!("{}/{}", p.id, s.id);
            let has = |tag: &str| s.covers.iter().any(|c| c == tag);
            if has("security-authorization") {
                assert!(matches!(s.owner, Role::Pm | Role::Security), "{at}");
            }
            if has("pm-green-light") || has("pm-signoff") {
                assert_eq!(s.kind, StepKind::Signoff, "{at}");
                assert!(s.roles.contains(&Role::Pm), "{at}");
            }
            if has("notify-complete") {
                assert!(matches!(s.owner, Role::Developer | Role::OnCall), "{at}");
            }
            if has("release-note-sent") || has("dedicated-dm") {
                assert!(matches!(s.owner, Role::Pm | Role::Dm), "{at}");
            }
            if has("canary-release") {
                assert_eq!(s.kind, StepKind::Canary, "{at}");
            }
            if has("enable-for-all") {
                assert_eq!(s.kind, StepKind::Command, "{at}");
            }
            if has("vulnerability-scan") || has("release-candidate-tests") {
                assert!(
                    !s.evidence.is_empty(),
                    "{at}: must say what report to record"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- catalog

fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path().join(".greenlight/playbooks");
    fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    repo
}

const OVERRIDE: &str = r#"
id = "feature-release"
title = "Our own feature release"
[[steps]]
id = "ship"
owner = "developer"
kind = "command"
run = "make deploy"
rollback = "make undeploy"
confirm = true
"#;

#[test]
fn without_a_repository_the_catalog_is_the_builtins_sorted_by_id() {
    let catalog = Catalog::load(None).unwrap();
    let ids: Vec<&str> = catalog.list().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, BUILTIN_IDS);
    assert!(catalog.get("hotfix").is_some());
    assert!(catalog.get("nope").is_none());
}

#[test]
fn a_repository_without_playbooks_gets_the_builtins() {
    let repo = tempfile::tempdir().unwrap();
    let catalog = Catalog::load(Some(repo.path())).unwrap();
    assert_eq!(catalog.list().count(), 4);
}

#[test]
fn a_repository_playbook_overrides_the_builtin_with_the_same_id_and_adds_new_ones() {
    let extra = "id = \"db-migration\"\n[[steps]]\nid = \"backup\"\nowner = \"sre\"\n";
    let repo = repo_with(&[
        ("feature-release.toml", OVERRIDE),
        ("db-migration.toml", extra),
        ("notes.md", "not a playbook"),
    ]);
    let catalog = Catalog::load(Some(repo.path())).unwrap();

    let ours = catalog.get("feature-release").unwrap();
    assert_eq!(ours.title, "Our own feature release");
    assert_eq!(
        ours.step("ship").unwrap().run.as_deref(),
        Some("make deploy")
    );
    let path = repo
        .path()
        .join(".greenlight/playbooks/feature-release.toml");
    assert_eq!(ours.origin, Origin::File(path));

    assert_eq!(catalog.get("hotfix").unwrap().origin, Origin::Builtin);
    let ids: Vec<&str> = catalog.list().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "db-migration",
            "feature-release",
            "hotfix",
            "mvp-launch",
            "release-train"
        ]
    );
}

#[test]
fn a_broken_repository_playbook_is_reported_with_its_path() {
    let broken = "id = \"feature-release\"\n[[steps]]\nid = \"ship\"\nowner = \"boss\"\n";
    let repo = repo_with(&[("a-fine.toml", OVERRIDE), ("feature-release.toml", broken)]);
    let errors = Catalog::load(Some(repo.path())).unwrap_err();
    let path = repo
        .path()
        .join(".greenlight/playbooks/feature-release.toml");
    assert_eq!(errors.0.len(), 1, "{errors}");
    let e = &errors.0[0];
    assert_eq!(e.file, path.display().to_string());
    assert_eq!((e.line, e.column), (4, 9));
    assert!(
        e.problem.starts_with("unknown role `boss`"),
        "{}",
        e.problem
    );
    assert!(
        errors
            .to_string()
            .starts_with(&format!("{}:4:9: unknown role", path.display()))
    );
}

#[test]
fn problems_in_several_repository_files_are_all_reported() {
    let repo = repo_with(&[
        ("one.toml", "id = \"one\"\n"),
        ("two.toml", "id = \"two\"\n[[steps]\n"),
    ]);
    let errors = Catalog::load(Some(repo.path())).unwrap_err();
    let files: Vec<&str> = errors.0.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files.len(), 2, "{errors}");
    assert!(
        files[0].ends_with("one.toml") && files[1].ends_with("two.toml"),
        "{files:?}"
    );
}

#[test]
fn two_repository_files_with_one_id_are_reported() {
    let repo = repo_with(&[("a.toml", OVERRIDE), ("b.toml", OVERRIDE)]);
    let errors = Catalog::load(Some(repo.path())).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    let e = &errors.0[0];
    assert!(e.file.ends_with("b.toml"));
    assert_eq!((e.line, e.column), (2, 6));
    let first = repo.path().join(".greenlight/playbooks/a.toml");
    assert_eq!(
        e.problem,
        format!(
            "playbook id `feature-release` is already used by {}",
            first.display()
        )
    );
}

#[test]
fn an_unreadable_repository_playbook_is_reported_not_skipped() {
    let repo = repo_with(&[]);
    let path = repo.path().join(".greenlight/playbooks/latin1.toml");
    fs::write(&path, b"id = \"caf\xe9\"\n").unwrap();
    let errors = Catalog::load(Some(repo.path())).unwrap_err();
    assert_eq!(errors.0[0].file, path.display().to_string());
    // Named at the byte, like any other mistake in a playbook.
    assert_eq!((errors.0[0].line, errors.0[0].column), (1, 10));
    assert!(
        errors.0[0]
            .problem
            .starts_with("not valid UTF-8 (byte 0xe9)"),
        "{errors}"
    );
}

#[test]
fn a_catalog_can_be_built_from_playbooks() {
    let catalog: Catalog = builtins()
        .into_iter()
        .filter(|p| p.id == "hotfix")
        .collect();
    assert_eq!(catalog.list().count(), 1);
}
