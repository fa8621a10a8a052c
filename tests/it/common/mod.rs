//! Shared helpers for integration tests: temp repositories and running the
//! built binary with an isolated GREENLIGHT_HOME.
#![allow(dead_code)] // helpers used only by some test modules (and by later tests)

pub mod clones;
pub mod gitrepo;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a test waits for something that takes a moment before it
/// calls it a hang. Generous on purpose: a loaded machine is slow, and a
/// tight bound fails good code; the commands that must not be waited out
/// sleep far longer than this.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Poll `done` every 10 ms until it holds; panics naming `what` once
/// `within` has passed. Instead of sleeping for a guessed time.
pub fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {within:?} for {what}, in vain"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The pid a script wrote into `path` (`echo $$ > path`), once the file
/// holds a whole line.
pub fn read_pid(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    if !text.ends_with('\n') {
        return None;
    }
    text.trim().parse().ok()
}

/// Wait for a script to write its pid into `path`.
pub fn wait_for_pid(path: &Path) -> u32 {
    let mut pid = None;
    wait_until(&format!("a pid in {}", path.display()), PATIENCE, || {
        pid = read_pid(path);
        pid.is_some()
    });
    pid.unwrap_or_default()
}

/// The team most tests release with: a developer (Dana, the repository's
/// git identity) and a PM (Pat), as `[[people]]` of `.greenlight.toml`.
pub const TEAM: &str = r#"
[[people]]
name = "Dana Developer"
email = "dana@example.com"
roles = ["developer"]

[[people]]
name = "Pat Product"
email = "pat@example.com"
roles = ["pm"]
"#;

/// A temp git repository with one commit, plus an isolated data dir.
pub struct Sandbox {
    pub repo: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let repo = tempfile::tempdir().expect("repo dir");
        let home = tempfile::tempdir().expect("home dir");
        let r = git2::Repository::init(repo.path()).expect("git init");
        {
            let mut cfg = r.config().expect("config");
            cfg.set_str("user.name", "Dana Developer").expect("name");
            cfg.set_str("user.email", "dana@example.com")
                .expect("email");
        }
        std::fs::write(repo.path().join("README.md"), "# web-api\n").expect("write");
        let mut idx = r.index().expect("index");
        idx.add_path(Path::new("README.md")).expect("add");
        idx.write().expect("write index");
        let tree = r
            .find_tree(idx.write_tree().expect("tree"))
            .expect("find tree");
        let sig = git2::Signature::now("Dana Developer", "dana@example.com").expect("sig");
        r.commit(Some("HEAD"), &sig, &sig, "feat: first commit", &tree, &[])
            .expect("commit");
        Sandbox { repo, home }
    }

    /// The binary, run in the repository, as the repo's git identity.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_greenlight"));
        c.current_dir(self.repo.path())
            .env("GREENLIGHT_HOME", self.home.path())
            .env(
                "GREENLIGHT_CONFIG",
                self.home.path().join("no-user-config.toml"),
            )
            .env_remove("GREENLIGHT_USER_NAME")
            .env_remove("GREENLIGHT_USER_EMAIL")
            .env("NO_COLOR", "1");
        c
    }

    /// Run as another person (another "terminal").
    pub fn cmd_as(&self, name: &str, email: &str) -> Command {
        let mut c = self.cmd();
        c.env("GREENLIGHT_USER_NAME", name)
            .env("GREENLIGHT_USER_EMAIL", email);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run greenlight")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        check_ok(self.run(args), args)
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{out}"))
    }

    /// Every session folder under the data dir.
    pub fn session_dirs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let repos = self.home.path().join("repos");
        for r in std::fs::read_dir(repos).into_iter().flatten().flatten() {
            for s in std::fs::read_dir(r.path().join("sessions"))
                .into_iter()
                .flatten()
                .flatten()
            {
                out.push(s.path());
            }
        }
        out.sort();
        out
    }
}

pub fn check_ok(out: Output, args: &[&str]) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "greenlight {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
