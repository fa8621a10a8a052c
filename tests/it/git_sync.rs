//! The audit trail synced through a real bare remote: two clones (two
//! machines, each with its own GREENLIGHT_HOME) write the same session at
//! once and sync both ways; a force-rewritten remote is reported as a fork
//! or tamper with both versions kept.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Machine {
    repo: PathBuf,
    home: tempfile::TempDir,
    email: &'static str,
    name: &'static str,
    /// The session pulled from the other clone (opened by its id).
    session: std::sync::Mutex<Option<String>>,
}

impl Machine {
    /// Dana on the clone at `repo`, with her own store.
    fn dana(repo: &Path) -> Machine {
        Machine::new(repo, "Dana", "dana@example.com")
    }

    /// Pat on another clone.
    fn pat(repo: &Path) -> Machine {
        Machine::new(repo, "Pat", "pat@example.com")
    }

    fn new(repo: &Path, name: &'static str, email: &'static str) -> Machine {
        Machine {
            repo: repo.to_path_buf(),
            home: tempfile::tempdir().unwrap(),
            email,
            name,
            session: Default::default(),
        }
    }

    /// Start a hotfix session; its id.
    fn start_hotfix(&self) -> String {
        let started: serde_json::Value = serde_json::from_str(&self.ok(&[
            "new",
            "--scenario",
            "hotfix",
            "--version",
            "1.0.1",
            "--json",
        ]))
        .unwrap();
        started["id"].as_str().unwrap().to_string()
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(args)
            .current_dir(&self.repo)
            .env("GREENLIGHT_HOME", self.home.path())
            .env("GREENLIGHT_CONFIG", self.home.path().join("none.toml"))
            .env("GREENLIGHT_USER_NAME", self.name)
            .env("GREENLIGHT_USER_EMAIL", self.email)
            .output()
            .expect("run greenlight")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn status(&self) -> serde_json::Value {
        let id = self.session.lock().unwrap().clone();
        let mut args = vec!["status", "--json"];
        args.extend(id.as_deref());
        serde_json::from_str(&self.ok(&args)).expect("json")
    }

    /// `args` on the pulled session when there is one (`--session ID`).
    fn on_session(&self, args: &[&str]) -> String {
        let id = self.session.lock().unwrap().clone();
        let mut all = args.to_vec();
        if let Some(id) = id.as_deref() {
            all.extend(["--session", id]);
        }
        self.ok(&all)
    }

    fn notes(&self) -> Vec<String> {
        self.status()["state"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap().to_string())
            .collect()
    }
}

/// A bare remote with one commit, and `n` clones of it.
fn setup(root: &Path) -> (PathBuf, Vec<PathBuf>) {
    let seed = root.join("seed");
    let r = git2::Repository::init(&seed).unwrap();
    std::fs::write(seed.join("README.md"), "# svc\n").unwrap();
    let mut idx = r.index().unwrap();
    idx.add_path(Path::new("README.md")).unwrap();
    let tree = r.find_tree(idx.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("Seed", "seed@example.com").unwrap();
    r.commit(Some("HEAD"), &sig, &sig, "feat: start", &tree, &[])
        .unwrap();
    let bare = root.join("remote.git");
    git2::Repository::init_bare(&bare).unwrap();
    let mut remote = r.remote("origin", bare.to_str().unwrap()).unwrap();
    let head = r.head().unwrap().name().unwrap().to_string();
    remote.push(&[format!("{head}:{head}")], None).unwrap();
    let bare_repo = git2::Repository::open_bare(&bare).unwrap();
    bare_repo.set_head(&head).unwrap();
    let clones = ["a", "b"]
        .iter()
        .map(|n| {
            let p = root.join(n);
            git2::Repository::clone(bare.to_str().unwrap(), &p).unwrap();
            p
        })
        .collect();
    (bare, clones)
}

fn verify_ok(m: &Machine) {
    let id = m.session.lock().unwrap().clone();
    let mut args = vec!["audit", "verify"];
    args.extend(id.as_deref());
    let out = m.ok(&args);
    assert!(out.contains("audit ok"), "{out}");
}

#[test]
fn two_clones_writing_at_once_end_with_the_union_everywhere() {
    let root = tempfile::tempdir().unwrap();
    let (bare, clones) = setup(root.path());
    let a = Machine::dana(&clones[0]);
    let b = Machine::pat(&clones[1]);

    let id = a.start_hotfix();
    a.ok(&["note", "a1"]);
    a.ok(&["audit", "push"]);
    let pulled = b.ok(&["audit", "pull"]);
    assert!(pulled.contains("1 file added"), "{pulled}");
    // A session pulled from another clone is never picked by default.
    let out = b.cmd(&["note", "by default"]);
    assert!(
        !out.status.success(),
        "a pulled session was picked by default"
    );
    *b.session.lock().unwrap() = Some(id);
    assert_eq!(b.notes(), vec!["a1"]);
    let listed = b.ok(&["sessions"]);
    assert!(
        listed.contains("pulled"),
        "the list marks it pulled:\n{listed}"
    );

    // Both write the same session at the same time, several events each.
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..5 {
                a.ok(&["note", &format!("a-{i}")]);
            }
        });
        s.spawn(|| {
            for i in 0..5 {
                b.on_session(&["note", &format!("b-{i}")]);
            }
        });
    });
    // Both sync, racing each other, then once more each.
    std::thread::scope(|s| {
        s.spawn(|| a.ok(&["audit", "sync"]));
        s.spawn(|| b.ok(&["audit", "sync"]));
    });
    let sa = a.ok(&["audit", "sync", "--json"]);
    let sb = b.ok(&["audit", "sync", "--json"]);

    let mut na = a.notes();
    if na.len() != 11 {
        eprintln!(
            "A sync: {sa}\nB sync: {sb}\nA status: {}",
            a.ok(&["status"])
        );
    }
    let mut nb = b.notes();
    assert_eq!(na.len(), 11, "{na:?}");
    na.sort();
    nb.sort();
    assert_eq!(na, nb);
    verify_ok(&a);
    verify_ok(&b);
    // Same fold on both sides.
    assert_eq!(
        a.status()["state"]["history"],
        b.status()["state"]["history"]
    );

    // The remote holds the trail under refs/greenlight/audit, nowhere else.
    let remote = git2::Repository::open_bare(&bare).unwrap();
    let audit = remote
        .find_reference("refs/greenlight/audit")
        .unwrap()
        .peel_to_tree()
        .unwrap();
    let sessions = remote
        .find_tree(audit.get_name("sessions").unwrap().id())
        .unwrap();
    assert_eq!(sessions.len(), 1);
    let files = remote
        .find_tree(sessions.iter().next().unwrap().id())
        .unwrap();
    assert_eq!(files.len(), 2, "one actor file per machine");
    let branches: Vec<_> = remote.branches(None).unwrap().flatten().collect();
    assert_eq!(branches.len(), 1, "no branch was created");
    // Working trees are untouched.
    let wt = git2::Repository::open(&clones[0]).unwrap();
    assert!(wt.statuses(None).unwrap().is_empty());

    let st: serde_json::Value =
        serde_json::from_str(&a.ok(&["audit", "status", "--json"])).unwrap();
    assert_eq!(st["unpushed_events"], 0);
    // This clone remembers when it last synced (the app's badge reads it
    // after a restart).
    let synced = st["last_synced"].as_i64().expect("last_synced");
    let now = jiff::Timestamp::now().as_second();
    assert!((now - 600..=now).contains(&synced), "{st}");
    a.ok(&["note", "later"]);
    let st: serde_json::Value =
        serde_json::from_str(&a.ok(&["audit", "status", "--json"])).unwrap();
    assert_eq!(st["unpushed_events"], 1);
}

#[test]
fn a_rewrite_of_our_own_journal_on_the_remote_is_refused_and_kept_aside() {
    let root = tempfile::tempdir().unwrap();
    let (bare, clones) = setup(root.path());
    let a = Machine::dana(&clones[0]);
    a.ok(&["new", "--scenario", "hotfix"]);
    a.ok(&["note", "the truth"]);
    a.ok(&["audit", "push"]);

    // Someone force-rewrites the remote's copy of Dana's journal.
    let remote = git2::Repository::open_bare(&bare).unwrap();
    let commit = remote
        .find_reference("refs/greenlight/audit")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let tree = commit.tree().unwrap();
    let sessions = remote
        .find_tree(tree.get_name("sessions").unwrap().id())
        .unwrap();
    let session_entry = sessions.iter().next().unwrap();
    let session_id = session_entry.name().unwrap().to_string();
    let files = remote.find_tree(session_entry.id()).unwrap();
    let file = files.iter().next().unwrap();
    let file_name = file.name().unwrap().to_string();
    let text = String::from_utf8(remote.find_blob(file.id()).unwrap().content().to_vec()).unwrap();
    let forged = remote
        .blob(text.replace("the truth", "a lie").as_bytes())
        .unwrap();
    let mut fb = remote.treebuilder(Some(&files)).unwrap();
    fb.insert(&file_name, forged, 0o100644).unwrap();
    let mut sb = remote.treebuilder(Some(&sessions)).unwrap();
    sb.insert(&session_id, fb.write().unwrap(), 0o040000)
        .unwrap();
    let mut tb = remote.treebuilder(Some(&tree)).unwrap();
    tb.insert("sessions", sb.write().unwrap(), 0o040000)
        .unwrap();
    let new_tree = remote.find_tree(tb.write().unwrap()).unwrap();
    let sig = git2::Signature::now("Mallory", "m@example.com").unwrap();
    let rewritten = remote
        .commit(None, &sig, &sig, "rewrite", &new_tree, &[])
        .unwrap();
    remote
        .reference("refs/greenlight/audit", rewritten, true, "force")
        .unwrap();

    let out = a.cmd(&["audit", "sync"]);
    assert!(!out.status.success(), "tampering must not pass silently");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("REFUSED"), "{err}");
    assert!(
        err.contains("only this device writes its own journals"),
        "{err}"
    );
    assert!(err.contains(&file_name), "{err}");
    // Ours is intact; theirs is kept aside for the record, never read.
    assert_eq!(a.notes(), vec!["the truth"]);
    let session_dir = std::fs::read_dir(a.home.path().join("repos"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("sessions")
        .join(&session_id);
    let kept: Vec<_> = std::fs::read_dir(&session_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tamper-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(
        std::fs::read_to_string(kept[0].path())
            .unwrap()
            .contains("a lie")
    );
    // Verify fails until a person acknowledges what was kept aside.
    assert!(!a.cmd(&["audit", "verify"]).status.success());
    a.ok(&[
        "audit",
        "recover",
        "--reason",
        "someone force-pushed the audit ref",
    ]);
    verify_ok(&a);
    // The remote's tip has our journal back, and the rewrite as evidence.
    let tree = remote
        .find_reference("refs/greenlight/audit")
        .unwrap()
        .peel_to_tree()
        .unwrap();
    let files = remote
        .find_tree(
            tree.get_path(Path::new(&format!("sessions/{session_id}")))
                .unwrap()
                .id(),
        )
        .unwrap();
    let canonical = files.get_name(&file_name).unwrap();
    let text =
        String::from_utf8(remote.find_blob(canonical.id()).unwrap().content().to_vec()).unwrap();
    assert!(text.contains("the truth") && !text.contains("a lie"));
    assert!(
        files.iter().any(|e| e.name().unwrap().contains(".tamper-")),
        "the rewrite is kept in the trail as evidence"
    );
}

#[test]
fn sync_without_the_remote_says_so() {
    let root = tempfile::tempdir().unwrap();
    let (_bare, clones) = setup(root.path());
    let a = Machine::dana(&clones[0]);
    a.ok(&["new", "--scenario", "hotfix"]);
    let out = a.cmd(&["audit", "sync", "--remote", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no remote named `nope`"));
}

/// Every journal file of the one session under `home`.
fn journals(home: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![home.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A sync with nothing new reuses what it knows of each file (no reading,
/// no hashing); a copy cut short or lost here since is still noticed and
/// made whole from the trail, because its file changed.
#[test]
fn an_idle_sync_still_repairs_a_copy_cut_or_lost_since() {
    let root = tempfile::tempdir().unwrap();
    let (_bare, clones) = setup(root.path());
    let a = Machine::dana(&clones[0]);
    let b = Machine::pat(&clones[1]);
    let id = a.start_hotfix();
    for i in 0..3 {
        a.ok(&["note", &format!("a{i}")]);
    }
    a.ok(&["audit", "sync"]);
    b.ok(&["audit", "sync"]);
    *b.session.lock().unwrap() = Some(id);
    assert_eq!(b.notes(), ["a0", "a1", "a2"]);
    // Idle syncs on both sides change nothing.
    for _ in 0..2 {
        a.ok(&["audit", "sync"]);
        b.ok(&["audit", "sync"]);
    }
    assert_eq!(b.notes(), ["a0", "a1", "a2"]);
    let copy = journals(b.home.path())
        .pop()
        .expect("B's copy of A's journal");
    let whole = std::fs::read(&copy).unwrap();

    // Cut B's copy back by its last line: the next sync restores it.
    let cut = &whole[..whole[..whole.len() - 1]
        .iter()
        .rposition(|&c| c == b'\n')
        .unwrap()
        + 1];
    std::fs::write(&copy, cut).unwrap();
    b.ok(&["audit", "sync"]);
    assert_eq!(std::fs::read(&copy).unwrap(), whole);

    // Lose it altogether: the same.
    std::fs::remove_file(&copy).unwrap();
    b.ok(&["audit", "sync"]);
    assert_eq!(std::fs::read(&copy).unwrap(), whole);
    assert_eq!(b.notes(), ["a0", "a1", "a2"]);
    verify_ok(&b);
}
