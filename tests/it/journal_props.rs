//! Properties of the journal against damage, and the small hardening
//! points: whatever a truncation or a byte edit does to a synced
//! multi-actor session, if the state it folds to changes, `audit verify`
//! fails; files and folders are private; two addresses never share a
//! journal.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use greenlight::audit::git_sync::{Trail, commit_local, synced_copy};
use greenlight::audit::verify::verify_session_with;
use greenlight::session::payload::{SessionStarted, StepWithReason};
use greenlight::session::{Command, Payload, Plan, PlanStep, Session, Store, Who};

use crate::common::Sandbox;

/// The seed: `GREENLIGHT_TEST_SEED` when set (to replay a failure), else
/// the clock; always printed.
fn seed() -> u64 {
    let seed = std::env::var("GREENLIGHT_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    eprintln!("journal_props seed: {seed} (GREENLIGHT_TEST_SEED={seed} replays it)");
    seed
}

/// xorshift64*: small, seeded, good enough to pick places to damage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn who(i: usize) -> Who {
    Who {
        name: format!("Person {i}"),
        email: format!("p{i}@example.com"),
    }
}

fn plan() -> Plan {
    let step = |id: &str, requires: &[&str]| PlanStep {
        id: id.into(),
        title: id.into(),
        owner: "developer".into(),
        kind: "check".into(),
        requires: requires.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    Plan {
        playbook: "props".into(),
        title: "Props".into(),
        steps: vec![
            step("a", &[]),
            step("b", &["a"]),
            step("c", &["b"]),
            step("d", &["c"]),
        ],
    }
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

#[test]
fn every_damage_that_changes_the_state_fails_verify() {
    let mut rng = Rng(seed() | 1);
    let root = tempfile::tempdir().expect("root");
    let work = root.path().join("repo");
    let repo = git2::Repository::init(&work).expect("init");
    let sig = git2::Signature::now("T", "t@example.com").expect("sig");
    let tree = repo
        .find_tree(repo.index().expect("index").write_tree().expect("tree"))
        .expect("tree");
    repo.commit(Some("HEAD"), &sig, &sig, "feat: start", &tree, &[])
        .expect("commit");
    let store = Store::at(root.path().join("home"));
    let key = "props-repo";
    let started = SessionStarted {
        plan: plan(),
        version: Some("1.0.0".into()),
        previous_version: None,
        repo: "props".into(),
        source: None,
        ..Default::default()
    };
    let s0 = store
        .create_session(key, started, "p0@example.com/dev0", &who(0))
        .expect("session");
    let id = s0.id().to_string();
    let dir = store.session_dir(key, &id);
    drop(s0);
    // Three people, interleaved: steps, skips, notes.
    let mut people: Vec<Session> = (0..3)
        .map(|i| {
            let mut s = Session::open(&id, dir.clone()).expect("open");
            s.attach(&format!("p{i}@example.com/dev{i}"))
                .expect("attach");
            s
        })
        .collect();
    for (i, cmd) in [
        Command::Start { step: "a".into() },
        Command::Note {
            text: "looked at a".into(),
            step: Some("a".into()),
        },
        Command::Complete {
            step: "a".into(),
            note: Some("fine".into()),
        },
        Command::Start { step: "b".into() },
        Command::Record(Payload::StepSkipped(StepWithReason {
            step: "b".into(),
            reason: "not needed".into(),
        })),
        Command::Note {
            text: "c next".into(),
            step: None,
        },
        Command::Start { step: "c".into() },
        Command::Complete {
            step: "c".into(),
            note: None,
        },
    ]
    .into_iter()
    .enumerate()
    {
        let p = i % 3;
        people[p].execute(&who(p), &cmd).expect("act");
    }
    drop(people);
    let trail = Trail::new(store.sessions_dir(key), "dev-none");
    commit_local(&repo, &trail, None, &[], &mut Vec::new()).expect("commit");
    let synced = synced_copy(&repo, &trail, &id)
        .expect("synced")
        .expect("a synced copy");
    let original = files(&dir);
    let state = Session::open(&id, dir.clone())
        .expect("open")
        .state()
        .clone();
    assert!(
        verify_session_with(&dir, &id, Some(&synced))
            .expect("verify")
            .ok()
    );

    let journals: Vec<String> = original
        .keys()
        .filter(|n| n.ends_with(".jsonl"))
        .cloned()
        .collect();
    let mut changed_states = 0;
    for trial in 0..400 {
        let target = &journals[rng.below(journals.len())];
        let mut bytes = original[target].clone();
        let what = match rng.below(6) {
            0 => {
                let at = rng.below(bytes.len());
                bytes.truncate(at);
                format!("truncated at {at}")
            }
            1 => {
                let at = rng.below(bytes.len());
                let b = (rng.next() & 0xff) as u8;
                bytes[at] = b;
                format!("byte {at} set to {b:#04x}")
            }
            2 => {
                let at = rng.below(bytes.len());
                bytes.insert(at, b'\n');
                format!("newline inserted at {at}")
            }
            3 => {
                let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
                let at = rng.below(lines.len().saturating_sub(1));
                lines.remove(at);
                let joined = lines.join(&b'\n');
                bytes = joined;
                format!("line {} removed", at + 1)
            }
            4 => {
                bytes.clear();
                "emptied".to_string()
            }
            _ => {
                let n = bytes.len();
                bytes[n - 1] = b'X';
                "last newline changed".to_string()
            }
        };
        let copy = root.path().join(format!("trial-{trial}")).join(&id);
        std::fs::create_dir_all(&copy).expect("copy");
        for (name, b) in &original {
            if name != target {
                std::fs::write(copy.join(name), b).expect("write");
            }
        }
        if what != "emptied" || rng.below(2) == 0 {
            std::fs::write(copy.join(target), &bytes).expect("write");
        }
        let after = Session::open(&id, copy.clone())
            .expect("open")
            .state()
            .clone();
        if after != state {
            changed_states += 1;
            let report = verify_session_with(&copy, &id, Some(&synced)).expect("verify");
            assert!(
                !report.ok(),
                "trial {trial}: {target} {what}: the state changed but verify passed"
            );
        }
        let _ = std::fs::remove_dir_all(copy.parent().expect("trial dir"));
    }
    assert!(
        changed_states > 100,
        "only {changed_states} damages changed the state"
    );
}

#[test]
fn the_data_dir_is_private_whatever_the_umask() {
    use std::os::unix::process::CommandExt;
    let sb = Sandbox::new();
    let mut cmd = sb.cmd();
    cmd.args(["new", "--scenario", "hotfix"]);
    // SAFETY: umask(2) only sets the child's file creation mask, between
    // fork and exec; it touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o000);
            Ok(())
        });
    }
    let out = cmd.output().expect("run");
    assert!(out.status.success());
    let dir = &sb.session_dirs()[0];
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(dir) & 0o077, 0, "session dir {:o}", mode(dir));
    assert_eq!(
        mode(sb.home.path()) & 0o077,
        0,
        "data dir {:o}",
        mode(sb.home.path())
    );
    for f in std::fs::read_dir(dir).expect("dir").flatten() {
        assert_eq!(
            mode(&f.path()) & 0o077,
            0,
            "{} is {:o}",
            f.path().display(),
            mode(&f.path())
        );
    }
}

#[test]
fn two_addresses_never_share_a_journal() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "hotfix"]);
    let id = sb.json(&["status", "--json"])["summary"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    for email in ["jörg@example.com", "jürg@example.com"] {
        let out = sb
            .cmd()
            .env("GREENLIGHT_USER_EMAIL", email)
            .env("GREENLIGHT_USER_NAME", email)
            .args(["note", &format!("from {email}"), "--session", &id])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{email}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let journals = std::fs::read_dir(&sb.session_dirs()[0])
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .count();
    assert_eq!(journals, 3, "Dana, Jörg and Jürg each have their own");
    assert!(sb.ok(&["audit", "verify"]).contains("audit ok"));
}
