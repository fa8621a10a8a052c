//! The command line as a shell user meets it: global options listed once,
//! every argument described, completions and a manual page, aligned
//! tables, plurals, errors as sentences, and commands that are refused
//! leaving nothing behind.

use std::path::Path;

use clap::CommandFactory;
use greenlight::cli::Cli;

use crate::common::{Sandbox, TEAM, check_ok, stderr};

/// Every command of the tree, with its path (`greenlight audit push`).
fn commands() -> Vec<(String, clap::Command)> {
    fn walk(prefix: &str, cmd: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        let name = format!("{prefix} {}", cmd.get_name()).trim().to_string();
        out.push((name.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            walk(&name, sub, out);
        }
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk("", &cmd, &mut out);
    out
}

#[test]
fn every_argument_and_positional_is_described() {
    let mut missing = Vec::new();
    for (path, cmd) in commands() {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path}: {id}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undescribed arguments:\n{}",
        missing.join("\n")
    );
}

#[test]
fn global_options_are_listed_once_under_their_own_heading() {
    let sb = Sandbox::new();
    let help = sb.ok(&["audit", "push", "--help"]);
    let global = help
        .find("Global options:")
        .expect("a Global options heading");
    let own = help.find("Options:").expect("the command's own options");
    let theme = help.find("--theme").expect("--theme listed");
    assert!(
        theme > global,
        "--theme must be under Global options:\n{help}"
    );
    assert!(own < global, "{help}");
    assert_eq!(help.matches("--theme").count(), 1, "{help}");
    assert!(!help[own..global].contains("--user-name"), "{help}");
    // The exit codes of `canary judge` are said once.
    let judge = sb.ok(&["canary", "judge", "--help"]);
    assert_eq!(judge.matches("2 roll back").count(), 1, "{judge}");
}

#[test]
fn completions_for_every_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = sb.ok(&["completions", shell]);
        for word in ["greenlight", "signoff", "audit", "completions"] {
            assert!(script.contains(word), "{shell}: no `{word}` in the script");
        }
        // Subcommands of subcommands and their options are there too.
        assert!(script.contains("remote"), "{shell}: no --remote");
    }
    // bash reads the bash script without a syntax error.
    let script = sb.ok(&["completions", "bash"]);
    let file = sb.home.path().join("greenlight.bash");
    std::fs::write(&file, &script).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash");
    assert!(out.status.success(), "bash -n: {}", stderr(&out));
    // An unknown shell is a usage error naming the ones there are.
    let out = sb.run(&["completions", "tcsh"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bash"), "{}", stderr(&out));
}

#[test]
fn the_manual_page_is_roff_with_every_command() {
    let sb = Sandbox::new();
    let man = sb.ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH greenlight"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains(".TH greenlight"), "no title");
    for section in [
        "GREENLIGHT AUDIT PUSH",
        "GREENLIGHT SIGNOFF",
        "GREENLIGHT COMPLETIONS",
    ] {
        assert!(man.contains(section), "no section {section}");
    }
    // man itself formats it, when it is installed.
    let file = sb.home.path().join("greenlight.1");
    std::fs::write(&file, &man).expect("write");
    if let Ok(out) = std::process::Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("GREENLIGHT AUDIT PUSH"), "{text}");
    }
}

/// A repository with `.greenlight.toml` and a playbook, committed.
fn team_repo(playbook: Option<(&str, &str)>) -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(sb.repo.path().join(".greenlight.toml"), TEAM).expect("config");
    if let Some((name, text)) = playbook {
        let dir = sb.repo.path().join(".greenlight/playbooks");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join(name), text).expect("playbook");
    }
    commit_all(sb.repo.path());
    sb
}

fn commit_all(root: &Path) {
    let repo = git2::Repository::open(root).expect("open");
    let mut idx = repo.index().expect("index");
    idx.add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    idx.write().expect("write index");
    let tree = repo
        .find_tree(idx.write_tree().expect("tree"))
        .expect("find tree");
    let sig = git2::Signature::now("Dana Developer", "dana@example.com").expect("sig");
    let parent = repo.head().expect("head").peel_to_commit().expect("commit");
    repo.commit(Some("HEAD"), &sig, &sig, "chore: team", &tree, &[&parent])
        .expect("commit");
}

#[test]
fn status_columns_line_up_with_long_step_ids() {
    let playbook = r#"
id = "long"
title = "Long names"
[[steps]]
id = "a-step-whose-id-is-much-longer-than-twenty-two"
title = "Long"
owner = "developer"
kind = "check"
[[steps]]
id = "short"
title = "Short"
owner = "pm"
kind = "check"
requires = ["a-step-whose-id-is-much-longer-than-twenty-two"]
"#;
    let sb = team_repo(Some(("long.toml", playbook)));
    sb.ok(&["new", "--scenario", "long", "--version", "1.0.0"]);
    let status = sb.ok(&["status"]);
    let rows: Vec<&str> = status
        .lines()
        .filter(|l| l.contains("developer") || l.contains(" pm "))
        .collect();
    assert_eq!(rows.len(), 2, "{status}");
    let col = |l: &str, w: &str| l.find(w).map(|i| l[..i].chars().count());
    assert_eq!(col(rows[0], "developer"), col(rows[1], "pm"), "{status}");
}

#[test]
fn counts_are_said_with_the_right_plural() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix", "--version", "0.1.1"]);
    let out = sb.ok(&["audit", "verify"]);
    assert!(out.contains(" in 1 actor file,"), "{out}");
    assert!(!out.contains("1 actor files"), "{out}");
}

#[test]
fn audit_status_without_a_remote_says_so() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix", "--version", "0.1.1"]);
    let out = sb.ok(&["audit", "status"]);
    assert!(out.contains("no remote `origin`"), "{out}");
    assert!(out.contains("git remote add origin"), "{out}");
    assert!(!out.contains("never synced"), "{out}");
}

#[test]
fn a_sync_to_a_non_bare_remote_is_a_sentence_without_library_codes() {
    let sb = Sandbox::new();
    let other = tempfile::tempdir().expect("dir");
    let r = git2::Repository::init(other.path()).expect("init");
    drop(r);
    git2::Repository::open(sb.repo.path())
        .expect("open")
        .remote("origin", &other.path().display().to_string())
        .expect("remote");
    sb.ok(&["new", "--scenario", "hotfix", "--version", "0.1.1"]);
    let out = sb.run(&["audit", "sync"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(!err.contains("class="), "{err}");
    assert!(!err.contains("code="), "{err}");
    assert!(err.contains("bare"), "{err}");
}

#[test]
fn an_email_alone_does_not_borrow_the_git_name() {
    // Without a team: the email's own name, never git's user.name (Dana).
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix", "--version", "0.1.1"]);
    let out = check_ok(
        sb.cmd()
            .args(["--user-email", "sam@example.com", "note", "hello"])
            .output()
            .expect("run"),
        &["note"],
    );
    assert!(!out.contains("Dana"), "{out}");
    assert!(out.contains("sam "), "{out}");
    // With a team: the name it has there.
    let sb = team_repo(None);
    sb.ok(&["new", "--scenario", "hotfix", "--version", "0.1.1"]);
    let out = check_ok(
        sb.cmd()
            .args(["--user-email", "pat@example.com", "note", "hello"])
            .output()
            .expect("run"),
        &["note"],
    );
    assert!(out.contains("Pat Product"), "{out}");
}

#[test]
fn a_refused_command_leaves_no_file() {
    let sb = team_repo(None);
    sb.ok(&["new", "--scenario", "feature-release", "--version", "1.4.0"]);
    let dirs = sb.session_dirs();
    let files = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .expect("session dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".jsonl"))
            .collect();
        v.sort();
        v
    };
    let before = files(&dirs[0]);
    // Pat (pm) has never written here; a sign-off before its step is ready
    // is refused.
    let out = sb
        .cmd_as("Pat Product", "pat@example.com")
        .args(["signoff", "--role", "dm", "--approve"])
        .output()
        .expect("run");
    assert!(
        !out.status.success(),
        "not refused: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(files(&dirs[0]), before, "{}", stderr(&out));
}

#[test]
fn a_missing_manifest_is_said_once() {
    let sb = Sandbox::new();
    let out = sb.run(&["manifest", "check"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("no manifest at"), "{err}");
    assert!(err.contains("release-manifest.toml"), "{err}");
    assert!(err.contains("--file"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// The report's Timeline: every event in order with who and what,
/// filtered by person (`--person`) and kind (`--kind`); an unknown kind is
/// a usage error naming the kinds.
#[test]
fn the_report_has_a_timeline_filtered_by_person_and_kind() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix", "--version", "0.1.1"]);
    sb.ok(&[
        "step",
        "done",
        "assess",
        "--note",
        "customers on v0.1.0 only",
    ]);
    check_ok(
        sb.cmd_as("Pat Product", "pat@example.com")
            .args(["note", "support told"])
            .output()
            .expect("run"),
        &["note"],
    );
    let report = sb.ok(&["report"]);
    let timeline = &report[report.find("## Timeline").expect("a Timeline section")..];
    let started = timeline.find("started hotfix").expect("the start");
    let done = timeline
        .find("completed assess: customers on v0.1.0 only")
        .expect("the completion with its note");
    let note = timeline.find("note: support told").expect("Pat's note");
    assert!(started < done && done < note, "{timeline}");
    assert!(timeline.contains("| Pat Product |"), "{timeline}");

    let pat = sb.ok(&["report", "--person", "pat@"]);
    let pat = &pat[pat.find("## Timeline").expect("Timeline")..];
    assert!(pat.contains("support told"), "{pat}");
    assert!(!pat.contains("completed assess"), "{pat}");
    assert!(pat.contains("Only events by pat@"), "{pat}");

    let steps = sb.ok(&["report", "--kind", "steps"]);
    let steps = &steps[steps.find("## Timeline").expect("Timeline")..];
    assert!(steps.contains("completed assess"), "{steps}");
    assert!(!steps.contains("support told"), "{steps}");

    let out = sb.run(&["report", "--kind", "gossip"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sign-offs"), "{}", stderr(&out));
}
