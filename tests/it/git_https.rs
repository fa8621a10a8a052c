//! The audit trail synced over https, through the `greenlight` binary
//! itself: the binary defers libgit2's OpenSSL start-up to the first TLS
//! stream (`src/git_tls.rs`, linker-wrapped in `src/main.rs`), and this
//! is the test that the deferred start still verifies certificates and
//! still carries a real push and fetch.
//!
//! The server is real: `git http-backend` (git's smart-HTTP server) behind
//! a TLS listener on 127.0.0.1 with a self-signed certificate made by the
//! `openssl` command (`tests/fixtures/git_https_server.py`). It needs
//! python3, openssl and git: without them the test is skipped with a
//! reason, unless `CI` is set, where it fails.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::{Sandbox, stderr};

/// The server process, killed when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A self-signed certificate for 127.0.0.1 (and its key) in `dir`.
fn certificate(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(out.status.success(), "openssl req: {}", stderr(&out));
    (cert, key)
}

/// Serve the bare repositories under `root` over https; returns the port.
fn serve(cert: &Path, key: &Path, root: &Path) -> (Server, u16) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/git_https_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args([cert, key, root])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the https git server");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("server stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the port");
    let port = line.trim().parse().unwrap_or_else(|_| {
        let _ = child.kill();
        panic!("the https git server printed no port: {line:?}")
    });
    (Server(child), port)
}

#[test]
fn audit_sync_over_https_checks_the_certificate_and_then_pushes() {
    let missing: Vec<&str> = [
        ("python3", "--version"),
        ("openssl", "version"),
        ("git", "--version"),
    ]
    .into_iter()
    .filter(|(p, a)| !have(p, a))
    .map(|(p, _)| p)
    .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "missing on CI: {missing:?} (.ci/run installs them)"
        );
        eprintln!("skipped audit_sync_over_https: {missing:?} not installed");
        return;
    }
    let sb = Sandbox::new();
    let srv = tempfile::tempdir().expect("server dir");
    let (cert, key) = certificate(srv.path());
    // The remote: a bare repository seeded with the sandbox's branch.
    let bare = srv.path().join("remote.git");
    git2::Repository::init_bare(&bare).expect("bare");
    let repo = git2::Repository::open(sb.repo.path()).expect("open");
    let head = repo.head().expect("head").name().expect("name").to_string();
    repo.remote_anonymous(bare.to_str().expect("utf-8 path"))
        .expect("remote")
        .push(&[format!("{head}:{head}")], None)
        .expect("seed the remote");
    let (_server, port) = serve(&cert, &key, srv.path());
    repo.remote("origin", &format!("https://127.0.0.1:{port}/remote.git"))
        .expect("origin");

    sb.ok(&["new", "--scenario", "hotfix", "--version", "1.0.1"]);
    sb.ok(&["note", "synced over https"]);
    let no_ca = srv.path().join("no-ca");
    std::fs::create_dir(&no_ca).expect("empty CA dir");

    // A certificate nobody vouches for is refused (the system's CAs do
    // not include it), with a message that says so.
    let refused = sb
        .cmd()
        .args(["audit", "sync"])
        .env_remove("SSL_CERT_FILE")
        .env("SSL_CERT_DIR", &no_ca)
        .output()
        .expect("run greenlight");
    let err = stderr(&refused);
    assert!(
        !refused.status.success(),
        "an unknown certificate was accepted"
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    // Trusted through SSL_CERT_FILE (read at the deferred start), the
    // same sync pushes the audit trail, and a second one fetches it back.
    for _ in 0..2 {
        let out = sb
            .cmd()
            .args(["audit", "sync"])
            .env("SSL_CERT_FILE", &cert)
            .env("SSL_CERT_DIR", &no_ca)
            .output()
            .expect("run greenlight");
        assert!(
            out.status.success(),
            "audit sync over https: {}",
            stderr(&out)
        );
    }
    let remote = git2::Repository::open_bare(&bare).expect("open remote");
    let audit = remote
        .find_reference("refs/greenlight/audit")
        .expect("the audit ref reached the remote");
    let tree = audit.peel_to_tree().expect("tree");
    assert!(
        tree.iter().count() > 0,
        "the pushed audit tree holds the session"
    );
}
