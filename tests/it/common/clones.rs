//! Two machines and a bare remote: clones of one repository, each with
//! its own data dir and person, running the built binary; and a hand on
//! the remote's audit ref to play the adversary with.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use git2::{ObjectType, Oid, Repository};

pub const AUDIT_REF: &str = "refs/greenlight/audit";

/// One clone, as one person on one machine.
pub struct Machine {
    pub repo: PathBuf,
    pub home: tempfile::TempDir,
    pub email: &'static str,
    pub name: &'static str,
}

impl Machine {
    pub fn new(repo: &Path, name: &'static str, email: &'static str) -> Machine {
        Machine {
            repo: repo.to_path_buf(),
            home: tempfile::tempdir().expect("home"),
            email,
            name,
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(args)
            .current_dir(&self.repo)
            .env("GREENLIGHT_HOME", self.home.path())
            .env("GREENLIGHT_CONFIG", self.home.path().join("none.toml"))
            .env("GREENLIGHT_USER_NAME", self.name)
            .env("GREENLIGHT_USER_EMAIL", self.email)
            .env("NO_COLOR", "1")
            .output()
            .expect("run greenlight")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).expect("json")
    }

    /// The session folders under this machine's data dir.
    pub fn session_dirs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for r in std::fs::read_dir(self.home.path().join("repos"))
            .into_iter()
            .flatten()
            .flatten()
        {
            for s in std::fs::read_dir(r.path().join("sessions"))
                .into_iter()
                .flatten()
                .flatten()
            {
                if s.path().is_dir() {
                    out.push(s.path());
                }
            }
        }
        out.sort();
        out
    }

    pub fn session_dir(&self, id: &str) -> PathBuf {
        self.session_dirs()
            .into_iter()
            .find(|d| d.ends_with(id))
            .unwrap_or_else(|| panic!("no session {id} on {}", self.name))
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A bare remote with one commit (and `files`), and `n` clones of it.
pub fn setup(root: &Path, files: &[(&str, &str)], n: usize) -> (PathBuf, Vec<PathBuf>) {
    let seed = root.join("seed");
    let r = Repository::init(&seed).expect("init");
    std::fs::write(seed.join("README.md"), "# svc\n").expect("readme");
    let mut idx = r.index().expect("index");
    idx.add_path(Path::new("README.md")).expect("add");
    for (path, text) in files {
        let p = seed.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(&p, text).expect("write");
        idx.add_path(Path::new(path)).expect("add");
    }
    idx.write().expect("index");
    let tree = r.find_tree(idx.write_tree().expect("tree")).expect("tree");
    let sig = git2::Signature::now("Seed", "seed@example.com").expect("sig");
    r.commit(Some("HEAD"), &sig, &sig, "feat: start", &tree, &[])
        .expect("commit");
    let bare = root.join("remote.git");
    Repository::init_bare(&bare).expect("bare");
    let mut remote = r
        .remote("origin", bare.to_str().expect("utf-8"))
        .expect("remote");
    let head = r.head().expect("head").name().expect("name").to_string();
    remote
        .push(&[format!("{head}:{head}")], None)
        .expect("push");
    Repository::open_bare(&bare)
        .expect("open")
        .set_head(&head)
        .expect("head");
    let clones = (0..n)
        .map(|i| {
            let p = root.join(format!("clone-{i}"));
            Repository::clone(bare.to_str().expect("utf-8"), &p).expect("clone");
            p
        })
        .collect();
    (bare, clones)
}

/// The remote's audit tree as (path → blob bytes), `sessions/<id>/<file>`.
pub fn remote_files(bare: &Path) -> Vec<(String, Vec<u8>)> {
    let repo = Repository::open_bare(bare).expect("bare");
    let Ok(tree) = repo
        .find_reference(AUDIT_REF)
        .and_then(|r| r.peel_to_tree())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        if e.kind() == Some(ObjectType::Blob) {
            let name = format!("{dir}{}", e.name().unwrap_or_default());
            if let Ok(b) = repo.find_blob(e.id()) {
                out.push((name, b.content().to_vec()));
            }
        }
        git2::TreeWalkResult::Ok
    })
    .expect("walk");
    out
}

/// Commit a new audit tree on the remote, as someone with push access
/// would: `edit` changes the tree (given the repository and the current
/// tree), and the result replaces the ref (a force push).
pub fn rewrite_remote(bare: &Path, edit: impl FnOnce(&Repository, Option<git2::Tree<'_>>) -> Oid) {
    let repo = Repository::open_bare(bare).expect("bare");
    let current = repo
        .find_reference(AUDIT_REF)
        .ok()
        .and_then(|r| r.peel_to_commit().ok());
    let tree_id = edit(&repo, current.as_ref().map(|c| c.tree().expect("tree")));
    let tree = repo.find_tree(tree_id).expect("tree");
    let sig = git2::Signature::now("Mallory", "mallory@example.com").expect("sig");
    let parents: Vec<&git2::Commit<'_>> = current.iter().collect();
    let commit = repo
        .commit(None, &sig, &sig, "audit", &tree, &parents)
        .expect("commit");
    repo.reference(AUDIT_REF, commit, true, "force")
        .expect("ref");
}

/// `tree` with `path` (`a/b/c`) set to `oid` of `mode`, folders made as
/// needed.
pub fn put(
    repo: &Repository,
    tree: Option<&git2::Tree<'_>>,
    path: &str,
    oid: Oid,
    mode: i32,
) -> Oid {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let mut tb = repo.treebuilder(tree).expect("builder");
    match rest {
        None => {
            tb.insert(head, oid, mode).expect("insert");
        }
        Some(rest) => {
            let sub = tree
                .and_then(|t| t.get_name(head))
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .map(|e| repo.find_tree(e.id()).expect("subtree"));
            let id = put(repo, sub.as_ref(), rest, oid, mode);
            tb.insert(head, id, 0o040000).expect("insert");
        }
    }
    tb.write().expect("write")
}
