//! Gates that hold, through the built binary: for each rule of the
//! session, the refusal with its reason, the override that gets past it,
//! and the override in `status --json` and the release record's
//! Exceptions. A SARIF gate is judged on a report a real scanner wrote.

use crate::canary_cli::canary_repo;
use crate::common::{Sandbox, check_ok, stderr};

/// A repository with `playbook` as `.greenlight/playbooks/<id>.toml` and
/// `config` as `.greenlight.toml`.
fn repo(playbook: &str, config: &str) -> Sandbox {
    let sb = Sandbox::new();
    let dir = sb.repo.path().join(".greenlight/playbooks");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("gates.toml"), playbook).expect("playbook");
    std::fs::write(sb.repo.path().join(".greenlight.toml"), config).expect("config");
    sb
}

fn refused(sb: &Sandbox, args: &[&str], why: &str) -> String {
    let out = sb.run(args);
    let err = stderr(&out);
    assert!(!out.status.success(), "{args:?} was not refused");
    assert!(err.contains(why), "{args:?}: expected `{why}` in:\n{err}");
    err
}

/// `status --json`'s overrides, as (rules, reason).
fn overrides(sb: &Sandbox) -> Vec<(String, String)> {
    sb.json(&["status", "--json"])["state"]["overrides"]
        .as_array()
        .expect("overrides")
        .iter()
        .map(|o| {
            (
                o[1]["rules"]
                    .as_array()
                    .expect("rules")
                    .iter()
                    .map(|r| r.as_str().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(","),
                o[1]["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn exceptions(sb: &Sandbox) -> String {
    let report = sb.ok(&["report"]);
    let start = report.find("## Exceptions").expect("an Exceptions section");
    let end = report[start..]
        .find("## Steps")
        .map_or(report.len(), |i| start + i);
    report[start..end].to_string()
}

const TEAM: &str = r#"
[[people]]
name = "Dana Developer"
email = "dana@example.com"
roles = ["developer"]

[[people]]
name = "Pat Product"
email = "pat@example.com"
roles = ["pm"]

[[people]]
name = "Dee Delivery"
email = "dee@example.com"
roles = ["dm"]
"#;

const PLAYBOOK: &str = r#"
id = "gates"
title = "Gates"

[[steps]]
id = "impact"
owner = "pm"
kind = "check"

[[steps]]
id = "tests"
owner = "developer"
kind = "gate"
evidence = ["junit report"]

[[steps]]
id = "ci"
owner = "developer"
kind = "gate"
evidence_required = false
run = "test -f green"

[[steps]]
id = "checklist"
owner = "developer"
with = ["dm"]
ack = ["dm"]
kind = "check"

[[steps]]
id = "deploy"
owner = "developer"
kind = "command"
run = "echo deployed >> deploy.log"
rollback = "echo rolled back >> deploy.log"
requires = ["tests", "ci", "checklist"]

[[steps]]
id = "verify"
owner = "developer"
kind = "check"
requires = ["deploy"]
"#;

#[test]
fn owners_act_on_their_steps_or_override_with_a_reason() {
    let sb = repo(PLAYBOOK, TEAM);
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    refused(
        &sb,
        &["step", "start", "impact"],
        "it belongs to pm (Dana Developer holds developer)",
    );
    sb.ok(&[
        "step",
        "start",
        "impact",
        "--override",
        "Pat is on leave today",
    ]);
    let o = overrides(&sb);
    assert_eq!(
        o,
        vec![("owner".to_string(), "Pat is on leave today".to_string())]
    );
    assert!(exceptions(&sb).contains("override of owner on `impact`: Pat is on leave today"));
    assert!(sb.ok(&["status"]).contains("⚠ 1 override"));
    // Pat completes her own step without any exception.
    let out = sb
        .cmd_as("Pat Product", "pat@example.com")
        .args(["step", "done", "impact", "--note", "no schema change"])
        .output()
        .expect("run");
    check_ok(out, &["step", "done", "impact"]);
    assert_eq!(overrides(&sb).len(), 1);
}

#[test]
fn override_roles_decide_who_may_break_a_rule() {
    let sb = repo(
        PLAYBOOK,
        &format!("{TEAM}\n[policy]\noverride_roles = [\"dm\"]\n"),
    );
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    refused(
        &sb,
        &["step", "start", "impact", "--override", "in a hurry"],
        "only people holding dm may override",
    );
    let out = sb
        .cmd_as("Dee Delivery", "dee@example.com")
        .args(["step", "start", "impact", "--override", "PM out sick"])
        .output()
        .expect("run");
    check_ok(out, &["step", "start"]);
}

#[test]
fn a_gate_needs_its_evidence_and_records_files_by_digest() {
    let sb = repo(PLAYBOOK, TEAM);
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    sb.ok(&["step", "start", "tests"]);
    refused(
        &sb,
        &["step", "done", "tests"],
        "needs evidence to complete (junit report)",
    );
    std::fs::write(sb.repo.path().join("junit.xml"), "<testsuite tests=\"3\"/>").expect("junit");
    sb.ok(&[
        "step",
        "done",
        "tests",
        "--evidence",
        "junit.xml",
        "--evidence",
        "https://ci.example.com/run/812",
    ]);
    let st = sb.json(&["status", "--json"]);
    let tests = st["state"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "tests")
        .expect("tests")
        .clone();
    assert_eq!(tests["status"], "done");
    let ev = tests["evidence"].as_array().expect("evidence");
    assert_eq!(ev[0]["path"], "junit.xml");
    assert_eq!(ev[0]["bytes"], 22);
    assert_eq!(ev[0]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(ev[1]["url"], "https://ci.example.com/run/812");
    assert!(
        sb.ok(&["report"])
            .contains("evidence: junit.xml (22 bytes, sha256")
    );
}

#[test]
fn a_gate_with_a_command_passes_only_when_it_exits_0() {
    let sb = repo(PLAYBOOK, TEAM);
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    let out = sb.run(&["step", "run", "ci"]);
    assert!(!out.status.success(), "no `green` file yet");
    sb.ok(&["step", "start", "ci"]);
    refused(
        &sb,
        &["step", "done", "ci", "--note", "looks fine to me"],
        "passes only when `test -f green` exits 0: its last run exited 1",
    );
    std::fs::write(sb.repo.path().join("green"), "").expect("green");
    sb.ok(&["step", "run", "ci"]);
    let st = sb.json(&["status", "--json"]);
    assert!(
        st["state"]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .any(|s| s["id"] == "ci" && s["status"] == "done")
    );
}

#[test]
fn the_checklist_waits_for_the_dm_to_acknowledge_it() {
    let sb = repo(PLAYBOOK, TEAM);
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    sb.ok(&["step", "start", "checklist"]);
    refused(
        &sb,
        &["step", "done", "checklist"],
        "completes only after dm acknowledged it",
    );
    refused(
        &sb,
        &["step", "ack", "checklist"],
        "does not hold role `dm`",
    );
    let out = sb
        .cmd_as("Dee Delivery", "dee@example.com")
        .args(["step", "ack", "checklist", "--note", "walked it with Dana"])
        .output()
        .expect("run");
    check_ok(out, &["step", "ack"]);
    sb.ok(&["step", "done", "checklist"]);
    assert!(
        sb.ok(&["report"])
            .contains("acknowledged by Dee Delivery as dm")
    );
}

#[test]
fn without_people_roles_are_not_enforced_and_it_says_so() {
    let sb = repo(PLAYBOOK, "");
    let out = sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    assert!(out.contains("roles are not enforced"), "{out}");
    sb.ok(&["step", "start", "impact"]);
    assert!(sb.ok(&["status"]).contains("Roles: not enforced"));
    assert!(sb.ok(&["report"]).contains("Roles: **not enforced**"));
}

#[test]
fn a_rollback_changes_the_state_until_the_step_runs_again() {
    let sb = repo(PLAYBOOK, "");
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    std::fs::write(sb.repo.path().join("green"), "").expect("green");
    std::fs::write(sb.repo.path().join("junit.xml"), "<ok/>").expect("junit");
    sb.ok(&["step", "start", "impact"]);
    sb.ok(&["step", "done", "impact"]);
    sb.ok(&["step", "start", "tests"]);
    sb.ok(&["step", "done", "tests", "--evidence", "junit.xml"]);
    sb.ok(&["step", "run", "ci"]);
    sb.ok(&["step", "start", "checklist"]);
    sb.ok(&["step", "ack", "checklist", "--role", "dm"]);
    sb.ok(&["step", "done", "checklist"]);
    sb.ok(&["step", "run", "deploy"]);
    sb.ok(&["step", "rollback", "deploy", "--yes"]);
    let st = sb.json(&["status", "--json"]);
    let status_of = |st: &serde_json::Value, id: &str| {
        st["state"]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert_eq!(status_of(&st, "deploy"), "rolled_back");
    assert!(
        !st["ready"]
            .as_array()
            .expect("ready")
            .iter()
            .any(|r| r == "verify"),
        "verify is ready although deploy was rolled back: {}",
        st["ready"]
    );
    let human = sb.ok(&["status"]);
    assert!(
        human.contains("↶ deploy") && human.contains("rolled back"),
        "{human}"
    );
    assert!(exceptions(&sb).contains("`deploy` rolled back"));
    // The session cannot end with the step undone; run it again.
    sb.ok(&["step", "run", "deploy"]);
    sb.ok(&["step", "start", "verify"]);
    sb.ok(&["step", "done", "verify"]);
    let st = sb.json(&["status", "--json"]);
    assert_eq!(st["summary"]["status"], "completed");
    assert_eq!(status_of(&st, "deploy"), "done");
    let log = std::fs::read_to_string(sb.repo.path().join("deploy.log")).expect("log");
    assert_eq!(log, "deployed\nrolled back\ndeployed\n");
}

#[test]
fn the_canary_step_is_bound_to_the_canary_plan() {
    let sb = canary_repo("0s");
    sb.ok(&["new", "--scenario", "canary-only"]);
    // No weight before the canary step starts.
    refused(
        &sb,
        &["canary", "weight", "5"],
        "set only while step `canary` is in progress",
    );
    sb.ok(&["step", "start", "canary"]);
    refused(
        &sb,
        &["step", "done", "canary"],
        "no weight was ever set (the plan ends at 100%)",
    );
    sb.ok(&["canary", "weight", "5"]);
    for w in ["25", "50", "100"] {
        let out = sb.run(&["canary", "judge", "--record"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        if w == "50" {
            refused(
                &sb,
                &["step", "done", "canary"],
                "at 25% (the plan ends at 100%)",
            );
        }
        sb.ok(&["canary", "weight", w]);
    }
    refused(
        &sb,
        &["step", "done", "canary"],
        "at 100%, not judged there yet",
    );
    let out = sb.run(&["canary", "judge", "--record"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    sb.ok(&["step", "done", "canary"]);
    assert!(overrides(&sb).is_empty());
}

#[test]
fn a_sarif_gate_judges_the_report_a_scanner_wrote() {
    let Some(flawfinder) = scanner() else {
        return;
    };
    let sb = repo(
        r#"
id = "gates"
title = "Scan"

[[steps]]
id = "scan"
owner = "developer"
kind = "gate"
sarif = "reports/scan.sarif"
fail_on = "error"
"#,
        "",
    );
    let root = sb.repo.path();
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::create_dir_all(root.join("reports")).expect("reports");
    std::fs::write(
        root.join("src/main.c"),
        "#include <string.h>\nint main(int c, char **v) { char b[8]; strcpy(b, v[1]); return 0; }\n",
    )
    .expect("c");
    let scan = |sb: &Sandbox| {
        let out = std::process::Command::new(&flawfinder)
            .args(["--sarif", "src"])
            .current_dir(sb.repo.path())
            .output()
            .expect("flawfinder");
        std::fs::write(sb.repo.path().join("reports/scan.sarif"), &out.stdout).expect("report");
    };
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    sb.ok(&["step", "start", "scan"]);
    refused(&sb, &["step", "done", "scan"], "cannot be read");
    scan(&sb);
    let err = refused(
        &sb,
        &["step", "done", "scan"],
        "gate `scan` fails: reports/scan.sarif has 1 errors",
    );
    assert!(err.contains("--override"), "{err}");
    sb.ok(&[
        "step",
        "done",
        "scan",
        "--override",
        "strcpy is in a test fixture; tracked in SEC-42",
    ]);
    assert_eq!(
        overrides(&sb),
        vec![(
            "sarif".to_string(),
            "strcpy is in a test fixture; tracked in SEC-42".to_string()
        )]
    );
    let st = sb.json(&["status", "--json"]);
    let sarif = &st["state"]["steps"][0]["sarif"];
    assert_eq!(sarif["error"], 1);
    assert_eq!(sarif["note"], 1);
    assert_eq!(sarif["sha256"].as_str().map(str::len), Some(64));
    assert!(exceptions(&sb).contains("override of sarif on `scan`"));

    // A clean tree passes without an exception.
    let sb2 = repo(
        &std::fs::read_to_string(root.join(".greenlight/playbooks/gates.toml")).expect("pb"),
        "",
    );
    std::fs::create_dir_all(sb2.repo.path().join("src")).expect("src");
    std::fs::create_dir_all(sb2.repo.path().join("reports")).expect("reports");
    std::fs::write(
        sb2.repo.path().join("src/main.c"),
        "int main(void) { return 0; }\n",
    )
    .expect("c");
    scan(&sb2);
    sb2.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    sb2.ok(&["step", "start", "scan"]);
    sb2.ok(&["step", "done", "scan"]);
    assert!(overrides(&sb2).is_empty());
}

/// flawfinder (a real scanner that writes SARIF), or a printed reason to
/// skip; under CI its absence fails the test (`.ci/run` installs it).
fn scanner() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("flawfinder"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "flawfinder is not installed, and CI must run this test (.ci/run installs it)"
        );
        eprintln!("skipped: flawfinder (a SARIF scanner) is not installed");
    }
    found
}

#[test]
fn the_manifest_gate_snapshots_what_sign_offs_approve() {
    let sb = repo(
        r#"
id = "gates"
title = "Train"

[[steps]]
id = "manifest"
owner = "developer"
kind = "check"
manifest = true

[[steps]]
id = "go"
owner = "pm"
kind = "signoff"
roles = ["pm"]
requires = ["manifest"]
"#,
        "",
    );
    let manifest = |db: &str| {
        format!(
            "[system]\nversion = \"4.0.0\"\n\n[components.api]\nversion = \"2.0.0\"\nrequires = {{ db = \">=3.0.0\" }}\n\n[components.db]\nversion = \"{db}\"\n"
        )
    };
    std::fs::write(
        sb.repo.path().join("release-manifest.toml"),
        manifest("2.9.0"),
    )
    .expect("m");
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    sb.ok(&["step", "start", "manifest"]);
    refused(
        &sb,
        &["step", "done", "manifest"],
        "api 2.0.0 requires db >=3.0.0, but db is 2.9.0",
    );
    std::fs::write(
        sb.repo.path().join("release-manifest.toml"),
        manifest("3.0.0"),
    )
    .expect("m");
    sb.ok(&["step", "done", "manifest"]);
    sb.ok(&[
        "signoff",
        "--role",
        "pm",
        "--approve",
        "--comment",
        "train is go",
    ]);
    let st = sb.json(&["status", "--json"]);
    let snap = &st["state"]["manifest"][1];
    assert_eq!(snap["system"], "4.0.0");
    assert_eq!(snap["components"].as_array().map(Vec::len), Some(2));
    let blob = snap["blob"].as_str().expect("blob").to_string();
    let decision = &st["state"]["steps"][1]["decisions"][0];
    assert_eq!(decision["manifest"], blob.as_str());
    assert!(
        sb.ok(&["report"])
            .contains(&format!("approves manifest {}", &blob[..10]))
    );
}

#[test]
fn preflight_names_what_a_scenario_lacks_before_anything_runs() {
    let sb = Sandbox::new();
    let out = sb.run(&["playbook", "check", "feature-release"]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("step `enable-all`: its `run` (./deploy/promote.sh) runs ./deploy/promote.sh, which does not exist"),
        "{text}"
    );
    assert!(
        text.contains("step `canary`: it is a canary step and .greenlight.toml has no [canary]"),
        "{text}"
    );
    let out = sb.run(&["new", "--scenario", "feature-release"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: step `enable-all`"),
        "{}",
        stderr(&out)
    );
}

/// The built-in feature release, start to end, through the CLI as the
/// team it names: each owner on their steps, the gates' evidence, the
/// DM's acknowledgement, the canary plan to 100 %, the PM's sign-off, and
/// `enable-all` rolled back in the middle and run again. `status` and the
/// report then read as what happened.
#[test]
fn the_built_in_feature_release_end_to_end_with_a_rollback_in_the_middle() {
    let team = format!(
        "{TEAM}\n[[people]]\nname = \"Sam Security\"\nemail = \"sam@example.com\"\nroles = [\"security\"]\n\n\
         [canary]\nsource = \"simulated\"\nweights = [50, 100]\nmin_observation = \"1s\"\n"
    );
    let sb = Sandbox::new();
    let root = sb.repo.path();
    std::fs::write(root.join(".greenlight.toml"), team).expect("config");
    std::fs::create_dir_all(root.join("deploy")).expect("deploy");
    std::fs::write(
        root.join("deploy/promote.sh"),
        "echo \"promote $GREENLIGHT_VERSION\" >> deploy.log\n",
    )
    .expect("promote");
    std::fs::write(
        root.join("deploy/rollback.sh"),
        "echo \"rollback $GREENLIGHT_STEP\" >> deploy.log\n",
    )
    .expect("rollback");
    for s in ["promote.sh", "rollback.sh"] {
        use std::os::unix::fs::PermissionsExt;
        let p = root.join("deploy").join(s);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::write(root.join("junit.xml"), "<testsuite tests=\"12\"/>").expect("junit");
    let person = |who: &str| -> (&'static str, &'static str) {
        match who {
            "pat" => ("Pat Product", "pat@example.com"),
            "dee" => ("Dee Delivery", "dee@example.com"),
            "sam" => ("Sam Security", "sam@example.com"),
            _ => ("Dana Developer", "dana@example.com"),
        }
    };
    let by = |who: &str, args: &[&str]| -> String {
        let (name, email) = person(who);
        check_ok(
            sb.cmd_as(name, email).args(args).output().expect("run"),
            args,
        )
    };
    let refused_as = |who: &str, args: &[&str], why: &str| {
        let (name, email) = person(who);
        let out = sb.cmd_as(name, email).args(args).output().expect("run");
        assert!(!out.status.success(), "{args:?} was not refused");
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    };

    by(
        "dana",
        &["new", "--scenario", "feature-release", "--version", "1.4.0"],
    );
    // The PM's impact assessment is the PM's.
    refused_as("dana", &["step", "start", "impact"], "belongs to pm");
    by("pat", &["step", "start", "impact"]);
    by(
        "pat",
        &[
            "step",
            "done",
            "impact",
            "--note",
            "no breaking change; support briefed",
        ],
    );
    by("sam", &["step", "start", "security-impact"]);
    refused_as("sam", &["step", "done", "security-impact"], "evidence");
    by(
        "sam",
        &[
            "step",
            "done",
            "security-impact",
            "--evidence",
            "https://sec.example.com/review/77",
        ],
    );
    for step in ["version", "hotfix-plan"] {
        by("dana", &["step", "start", step]);
        by("dana", &["step", "done", step, "--note", "agreed"]);
    }
    by("dana", &["step", "start", "release-candidate-tests"]);
    by(
        "dana",
        &[
            "step",
            "done",
            "release-candidate-tests",
            "--evidence",
            "junit.xml",
        ],
    );
    by("dana", &["step", "start", "vulnerability-scan"]);
    by(
        "dana",
        &[
            "step",
            "done",
            "vulnerability-scan",
            "--evidence",
            "https://ci.example.com/scan/812",
        ],
    );
    by("dana", &["step", "start", "checklist"]);
    refused_as("dana", &["step", "done", "checklist"], "dm");
    by(
        "dee",
        &[
            "step",
            "ack",
            "checklist",
            "--note",
            "walked through it together",
        ],
    );
    by("dana", &["step", "done", "checklist"]);

    // The canary: weights only while its step runs, each raised after a
    // Promote there, the step done at 100 % after one judged there.
    by("dana", &["step", "start", "canary"]);
    by("dana", &["canary", "weight", "50"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    by("dana", &["canary", "judge", "--record"]);
    by("dana", &["canary", "weight", "100"]);
    refused_as("dana", &["step", "done", "canary"], "at 100%");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    by("dana", &["canary", "judge", "--record"]);
    by("dana", &["step", "done", "canary"]);

    refused_as(
        "dana",
        &["signoff", "--role", "pm", "--approve"],
        "does not hold role `pm`",
    );
    by(
        "pat",
        &[
            "signoff",
            "--role",
            "pm",
            "--approve",
            "--comment",
            "canary clean",
        ],
    );

    // enable-all, rolled back, waits to run again; then runs.
    by("dana", &["step", "run", "enable-all", "--yes"]);
    by("dana", &["step", "rollback", "enable-all", "--yes"]);
    let st = sb.json(&["status", "--json"]);
    let status_of = |st: &serde_json::Value, id: &str| {
        st["state"]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert_eq!(status_of(&st, "enable-all"), "rolled_back");
    refused_as(
        "dana",
        &["step", "start", "verify-production"],
        "enable-all",
    );
    let human = sb.ok(&["status"]);
    assert!(human.contains("rolled back"), "{human}");
    by("dana", &["step", "run", "enable-all", "--yes"]);
    for step in ["verify-production", "notify-complete"] {
        by("dana", &["step", "start", step]);
        by("dana", &["step", "done", step, "--note", "ok"]);
    }
    by("pat", &["step", "start", "release-note"]);
    by(
        "pat",
        &["step", "done", "release-note", "--note", "published"],
    );

    let st = sb.json(&["status", "--json"]);
    assert_eq!(st["summary"]["status"], "completed", "{}", st["summary"]);
    assert_eq!(status_of(&st, "enable-all"), "done");
    assert_eq!(st["state"]["overrides"].as_array().map(Vec::len), Some(0));
    let log = std::fs::read_to_string(root.join("deploy.log")).expect("log");
    assert_eq!(log, "promote 1.4.0\nrollback enable-all\npromote 1.4.0\n");

    let human = sb.ok(&["status"]);
    assert!(human.contains("completed"), "{human}");
    let report = sb.ok(&["report"]);
    for want in [
        "Roles: enforced",
        "no breaking change; support briefed",
        "https://sec.example.com/review/77",
        "junit.xml",
        "Dee Delivery",
        "canary clean",
        "`enable-all` rolled back",
    ] {
        assert!(
            report.contains(want),
            "`{want}` missing from the report:\n{report}"
        );
    }
    // The Exceptions name the rollback, and nothing was overridden.
    let ex = exceptions(&sb);
    if std::env::var("GREENLIGHT_SHOW_REPORT").is_ok() {
        eprintln!("{human}\n{report}");
    }
    assert!(ex.contains("`enable-all` rolled back"), "{ex}");
    assert!(!ex.contains("override"), "{ex}");
    let verify = sb.run(&["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}

/// Another clone's journal is input: an event there that breaks a rule
/// without an override (written straight into the journal, as a modified
/// greenlight or a hand edit would) is kept, not applied, and named by
/// `audit verify`; one after its recorded override is applied and
/// listed under Exceptions.
#[test]
fn an_event_from_elsewhere_that_breaks_a_rule_is_kept_not_applied_and_named_by_verify() {
    use greenlight::session::journal::JournalWriter;
    use greenlight::session::payload::RuleOverridden;
    use greenlight::session::{Payload, Who};
    let sb = repo(PLAYBOOK, TEAM);
    sb.ok(&["new", "--scenario", "gates", "--version", "1.0.0"]);
    let st = sb.json(&["status", "--json"]);
    let id = st["state"]["id"].as_str().expect("id").to_string();
    let dir = greenlight::workspace::Workspace::open_in(
        sb.repo.path(),
        &greenlight::identity::Overrides::default(),
        greenlight::session::Store::at(sb.home.path().to_path_buf()),
    )
    .expect("workspace")
    .session(Some(&id))
    .expect("session")
    .dir()
    .to_path_buf();
    let mallory = Who {
        name: "Mallory Dev".into(),
        email: "mallory@example.com".into(),
    };
    let mut w = JournalWriter::open(&dir, &id, "mallory@example.com/laptop").expect("writer");
    let started = Payload::StepStarted(greenlight::session::payload::StepRef {
        step: "impact".into(),
    });
    let data = started.to_data().expect("data");
    w.append(started.kind(), &data, &mallory, 2)
        .expect("append");

    let st = sb.json(&["status", "--json"]);
    let impact = &st["state"]["steps"][0];
    assert_eq!(impact["status"], "pending", "{impact}");
    let last = st["history"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    assert!(
        last["not_applied"]
            .as_str()
            .unwrap_or_default()
            .contains("belongs to pm"),
        "{last}"
    );
    let out = sb.run(&["audit", "verify"]);
    assert!(!out.status.success(), "verify passed a rule breach");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(text.contains("owner"), "{text}");
    assert!(text.contains("Mallory Dev"), "{text}");

    // With an override recorded first, the same kind of event applies.
    let over = Payload::RuleOverridden(RuleOverridden {
        rules: vec!["owner".into()],
        step: Some("tests".into()),
        action: "step_started".into(),
        reason: "covering for Dana".into(),
    });
    let data = over.to_data().expect("data");
    w.append(over.kind(), &data, &mallory, 3).expect("append");
    let started = Payload::StepStarted(greenlight::session::payload::StepRef {
        step: "tests".into(),
    });
    let data = started.to_data().expect("data");
    w.append(started.kind(), &data, &mallory, 4)
        .expect("append");
    let st = sb.json(&["status", "--json"]);
    let tests = &st["state"]["steps"][1];
    assert_eq!(tests["status"], "in_progress", "{tests}");
    // The report still prints (it exits 1: the trail holds a breach).
    let out = sb.run(&["report"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("covering for Dana"), "{report}");
    assert!(!out.status.success());
}
