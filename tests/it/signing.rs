//! Proof of who: events signed with real OpenSSH keys (made by
//! `ssh-keygen` here, one held by a real `ssh-agent` started here),
//! checked against the repository's allowed signers, both ways
//! interoperable with `ssh-keygen -Y`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::TEAM;
use crate::common::{Sandbox, check_ok, stderr};

const PLAYBOOK: &str = r#"
id = "signed"
title = "Signed"

[[steps]]
id = "impact"
owner = "pm"
kind = "check"

[[steps]]
id = "signoff"
owner = "pm"
kind = "signoff"
roles = ["pm"]
requires = ["impact"]

[[steps]]
id = "verify"
owner = "developer"
kind = "check"
requires = ["signoff"]
"#;

/// An ed25519 key made by `ssh-keygen`: the private key's path and the
/// public key's line.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen (OpenSSH) is needed for these tests");
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("public key");
    (path, public.trim().to_string())
}

/// Add every file of the working tree and commit it.
fn commit_all(root: &Path, message: &str) {
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
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[&parent])
        .expect("commit");
}

/// A team of two with keys, the allowed signers and `require` committed.
struct Team {
    sb: Sandbox,
    keys: tempfile::TempDir,
    dana: (PathBuf, String),
    pat: (PathBuf, String),
}

impl Team {
    fn new(require: &str) -> Team {
        let sb = Sandbox::new();
        let keys = tempfile::tempdir().expect("keys");
        let dana = keygen(keys.path(), "dana");
        let pat = keygen(keys.path(), "pat");
        let root = sb.repo.path();
        std::fs::create_dir_all(root.join(".greenlight/playbooks")).expect("dir");
        std::fs::write(root.join(".greenlight/playbooks/signed.toml"), PLAYBOOK).expect("pb");
        std::fs::write(
            root.join(".greenlight/allowed_signers"),
            format!(
                "dana@example.com {}\npat@example.com namespaces=\"greenlight,git\" {}\n",
                dana.1, pat.1
            ),
        )
        .expect("allowed signers");
        std::fs::write(
            root.join(".greenlight.toml"),
            format!("{TEAM}\n[audit]\nrequire_signatures = \"{require}\"\n"),
        )
        .expect("config");
        commit_all(root, "chore: greenlight team and signers");
        for (who, key) in [("dana", &dana.0), ("pat", &pat.0)] {
            std::fs::write(
                keys.path().join(format!("{who}.toml")),
                format!("[signing]\nkey = \"{}\"\n", key.display()),
            )
            .expect("user config");
        }
        Team {
            sb,
            keys,
            dana,
            pat,
        }
    }

    /// Dana starts a session of the `signed` playbook for 1.0.0.
    fn start(&self) {
        check_ok(
            run(
                self.dana(),
                &["new", "--scenario", "signed", "--version", "1.0.0"],
            ),
            &["new"],
        );
    }

    /// greenlight as Dana with her key configured.
    fn dana(&self) -> Command {
        let mut c = self.sb.cmd();
        c.env("GREENLIGHT_CONFIG", self.keys.path().join("dana.toml"));
        c
    }

    /// greenlight as Pat with her key configured.
    fn pat(&self) -> Command {
        let mut c = self.sb.cmd_as("Pat Product", "pat@example.com");
        c.env("GREENLIGHT_CONFIG", self.keys.path().join("pat.toml"));
        c
    }

    fn allowed_signers(&self) -> PathBuf {
        self.sb.repo.path().join(".greenlight/allowed_signers")
    }

    /// The only session's folder and its actor files.
    fn journals(&self) -> Vec<PathBuf> {
        let dirs = self.sb.session_dirs();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dirs[0])
            .expect("session dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        files
    }

    fn journal_of(&self, email: &str) -> PathBuf {
        self.journals()
            .into_iter()
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(email))
            })
            .unwrap_or_else(|| panic!("no journal of {email}"))
    }
}

fn run(mut c: Command, args: &[&str]) -> Output {
    c.args(args).output().expect("run greenlight")
}

fn fingerprint(public_key_file: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(public_key_file)
        .output()
        .expect("ssh-keygen -l");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("fingerprint")
        .to_string()
}

/// `ssh-keygen -Y verify` of a stored signature over `message`.
fn ssh_keygen_verifies(allowed: &Path, principal: &str, stored_sig: &str, message: &str) -> Output {
    let dir = tempfile::tempdir().expect("tmp");
    let sig_file = dir.path().join("event.sig");
    std::fs::write(&sig_file, greenlight::signing::sig::armor(stored_sig)).expect("sig");
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", "greenlight", "-I", principal, "-f"])
        .arg(allowed)
        .arg("-s")
        .arg(&sig_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh-keygen -Y verify");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), message.as_bytes())
        .expect("message");
    child.wait_with_output().expect("wait")
}

fn last_line(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("journal");
    serde_json::from_str(text.lines().last().expect("a line")).expect("json")
}

#[test]
fn events_are_signed_verified_and_readable_by_ssh_keygen() {
    let t = Team::new("signoffs");
    t.start();
    check_ok(run(t.dana(), &["note", "hello from Dana"]), &["note"]);
    check_ok(run(t.pat(), &["step", "done", "impact"]), &["step done"]);
    check_ok(
        run(t.pat(), &["signoff", "--role", "pm", "--approve"]),
        &["signoff"],
    );

    // Every event carries its key and signature.
    let dana_fp = fingerprint(&t.dana.0.with_extension("pub"));
    let pat_fp = fingerprint(&t.pat.0.with_extension("pub"));
    let ev = last_line(&t.journal_of("pat@example.com"));
    assert_eq!(ev["kind"], "signoff_given");
    assert_eq!(ev["key"], pat_fp.as_str());
    let sig = ev["sig"].as_str().expect("a signature").to_string();
    let hash = ev["hash"].as_str().expect("hash").to_string();

    // greenlight's signature is OpenSSH's: ssh-keygen accepts it for Pat
    // with the repository's allowed signers, and refuses it for Dana.
    let ok = ssh_keygen_verifies(&t.allowed_signers(), "pat@example.com", &sig, &hash);
    assert!(ok.status.success(), "ssh-keygen -Y verify: {}", stderr(&ok));
    let wrong = ssh_keygen_verifies(&t.allowed_signers(), "dana@example.com", &sig, &hash);
    assert!(!wrong.status.success());

    // audit verify names the key and the principal of each file.
    let out = check_ok(run(t.dana(), &["audit", "verify"]), &["audit", "verify"]);
    assert!(
        out.contains(&format!("2 events signed by {dana_fp} as dana@example.com")),
        "{out}"
    );
    assert!(
        out.contains(&format!("2 events signed by {pat_fp} as pat@example.com")),
        "{out}"
    );
    assert!(out.contains("audit ok"), "{out}");

    // The other way: a signature ssh-keygen made is one greenlight accepts.
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "greenlight", "-f"])
        .arg(&t.pat.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh-keygen -Y sign");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), hash.as_bytes())
        .expect("message");
    let signed = child.wait_with_output().expect("wait");
    assert!(signed.status.success(), "{}", stderr(&signed));
    let stored =
        greenlight::signing::sig::unarmor(&String::from_utf8_lossy(&signed.stdout)).expect("armor");
    let checked = greenlight::signing::sig::verify(&stored, hash.as_bytes()).expect("verifies");
    assert_eq!(greenlight::signing::sig::fingerprint(&checked), pat_fp);
    assert!(greenlight::signing::sig::verify(&stored, b"another message").is_err());
}

/// A running ssh-agent, stopped when the test ends (passing or not).
struct Agent(std::process::Child);

impl Agent {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Pat's key held only by a real ssh-agent (the key file is gone; the
/// config names the public key), as for a hardware key: events are signed
/// through `ssh-keygen -Y sign` and the agent.
#[test]
fn a_key_held_by_ssh_agent_signs() {
    let t = Team::new("signoffs");
    let sock = t.keys.path().join("agent.sock");
    let mut agent = Agent(
        Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent"),
    );
    crate::common::wait_until(
        "the agent's socket",
        std::time::Duration::from_secs(10),
        || sock.exists(),
    );
    let added = Command::new("ssh-add")
        .arg(&t.pat.0)
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .expect("ssh-add");
    assert!(added.status.success(), "ssh-add: {}", stderr(&added));
    // Only the public half stays on disk.
    std::fs::remove_file(&t.pat.0).expect("remove private key");
    let pat_pub = t.pat.0.with_extension("pub");
    std::fs::write(
        t.keys.path().join("pat.toml"),
        format!("[signing]\nkey = \"{}\"\n", pat_pub.display()),
    )
    .expect("config");
    t.start();
    let mut pat = t.pat();
    pat.env("SSH_AUTH_SOCK", &sock);
    check_ok(run(pat, &["step", "done", "impact"]), &["step done"]);
    let ev = last_line(&t.journal_of("pat@example.com"));
    assert_eq!(ev["key"], fingerprint(&pat_pub).as_str());
    let out = check_ok(run(t.dana(), &["audit", "verify"]), &["audit", "verify"]);
    assert!(out.contains("as pat@example.com"), "{out}");

    // Without the agent, the same key cannot sign, and nothing is written.
    agent.stop();
    let mut pat = t.pat();
    pat.env("SSH_AUTH_SOCK", &sock);
    let out = run(pat, &["signoff", "--role", "pm", "--approve"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("ssh-add -l"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        last_line(&t.journal_of("pat@example.com"))["kind"],
        "step_completed"
    );
}

#[test]
fn impersonation_and_unsigned_signoffs_are_refused_when_written() {
    let t = Team::new("signoffs");
    t.start();
    check_ok(run(t.pat(), &["step", "done", "impact"]), &["step done"]);
    // Dana, with her own key, claims to be Pat.
    let out = run(
        t.dana(),
        &[
            "--user-email",
            "pat@example.com",
            "--user-name",
            "Pat Product",
            "signoff",
            "--role",
            "pm",
            "--approve",
        ],
    );
    assert!(!out.status.success(), "impersonation went through");
    let err = stderr(&out);
    assert!(
        err.contains("may sign as dana@example.com, not as pat@example.com"),
        "{err}"
    );
    // Pat with no key at all: a sign-off must be signed here.
    let out =
        t.sb.cmd_as("Pat Product", "pat@example.com")
            .args(["signoff", "--role", "pm", "--approve"])
            .output()
            .expect("run");
    assert!(!out.status.success(), "an unsigned sign-off went through");
    let err = stderr(&out);
    assert!(err.contains("must be signed in this session"), "{err}");
    assert!(err.contains("user.signingkey"), "{err}");
    // A note needs no signature under `signoffs`.
    let out =
        t.sb.cmd_as("Pat Product", "pat@example.com")
            .args(["note", "unsigned note"])
            .output()
            .expect("run");
    check_ok(out, &["note"]);
    // Nothing of the refused sign-offs is in the session.
    let status = check_ok(run(t.dana(), &["status"]), &["status"]);
    assert!(!status.contains("approved"), "{status}");
    check_ok(run(t.dana(), &["audit", "verify"]), &["audit", "verify"]);
}

/// Rewrite the last line of `file` with `edit`, then give it the hash of
/// its new content (the "rehashed rewrite" a script can do).
fn rewrite_last_line(file: &Path, edit: impl FnOnce(&str) -> String, rehash: bool) {
    let text = std::fs::read_to_string(file).expect("journal");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().expect("a line");
    let mut new = edit(&last);
    if rehash
        && let Err(greenlight::session::event::LineHashError::Mismatch { stated, actual }) =
            greenlight::session::event::check_line_hash(new.as_bytes())
    {
        new = new.replace(&stated, &actual);
    }
    lines.push(new);
    std::fs::write(file, lines.join("\n") + "\n").expect("write");
}

fn verify_fails_with(t: &Team, why: &str) {
    let out = run(t.dana(), &["audit", "verify"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "verify passed; expected {why}");
    assert!(err.contains(why), "expected `{why}` in:\n{err}");
}

#[test]
fn removed_altered_and_rehashed_signatures_fail_verify() {
    let t = Team::new("none");
    t.start();
    check_ok(run(t.pat(), &["step", "done", "impact"]), &["step done"]);
    let pat_file = t.journal_of("pat@example.com");
    let original = std::fs::read(&pat_file).expect("read");

    // The signature taken off.
    rewrite_last_line(
        &pat_file,
        |l| {
            let at = l.find(",\"sig\":\"").expect("signed");
            format!("{}}}", &l[..at])
        },
        false,
    );
    verify_fails_with(&t, "has no signature: it was removed");
    let line = format!("{}:1:", pat_file.display());
    verify_fails_with(&t, &line);

    // One character of the signature changed.
    std::fs::write(&pat_file, &original).expect("restore");
    rewrite_last_line(
        &pat_file,
        |l| {
            let at = l.find(",\"sig\":\"").expect("signed") + 40;
            let mut b = l.as_bytes().to_vec();
            b[at] = if b[at] == b'A' { b'B' } else { b'A' };
            String::from_utf8(b).expect("utf8")
        },
        false,
    );
    verify_fails_with(&t, "TAMPERED OR CORRUPT");

    // `who` rewritten and the hash recomputed: the hash holds, the
    // signature (over the old hash) does not.
    std::fs::write(&pat_file, &original).expect("restore");
    rewrite_last_line(&pat_file, |l| l.replace("Pat Product", "Eve Evil"), true);
    assert!(
        greenlight::session::event::check_line_hash(
            std::fs::read_to_string(&pat_file)
                .expect("read")
                .lines()
                .last()
                .expect("line")
                .as_bytes()
        )
        .is_ok()
    );
    verify_fails_with(&t, "does not match the event's hash");

    // A signature added to an unsigned event (Dana's start has one; take
    // Pat's and paste it on a line that named no key).
    std::fs::write(&pat_file, &original).expect("restore");
    check_ok(
        run(t.sb.cmd(), &["note", "unsigned: no key for this one"]),
        &["note"],
    );
    let dana_file = t.journal_of("dana@example.com");
    let sig = last_line(&pat_file)["sig"]
        .as_str()
        .expect("sig")
        .to_string();
    rewrite_last_line(
        &dana_file,
        |l| format!("{},\"sig\":\"{sig}\"}}", &l[..l.len() - 1]),
        false,
    );
    verify_fails_with(&t, "carries a signature its hashed fields do not name");
}

/// The same person's app (a long-lived writer in this process, as the
/// app holds one) and a CLI loop writing 200 notes at the same time: each
/// append takes the actor's lock and re-reads the tail, so every event is
/// kept, chained, with no gap in `seq`.
#[test]
fn the_app_and_a_cli_loop_of_one_person_write_at_once() {
    let sb = Sandbox::new();
    sb.ok(&["new", "--scenario", "mvp-launch", "--version", "1.0.0"]);
    let home = sb.home.path().to_path_buf();
    let repo = sb.repo.path().to_path_buf();
    let cli = std::thread::spawn({
        let bin = env!("CARGO_BIN_EXE_greenlight");
        let (home, repo) = (home.clone(), repo.clone());
        move || {
            // One process per note, as a shell loop runs them.
            for i in 0..200 {
                let out = Command::new(bin)
                    .current_dir(&repo)
                    .env("GREENLIGHT_HOME", &home)
                    .env("GREENLIGHT_CONFIG", home.join("no-user-config.toml"))
                    .env_remove("GREENLIGHT_USER_EMAIL")
                    .env_remove("GREENLIGHT_USER_NAME")
                    .args(["note", &format!("cli note {i}")])
                    .output()
                    .expect("run");
                assert!(out.status.success(), "note {i}: {}", stderr(&out));
            }
        }
    });
    // The "app": one workspace and one session attached for its lifetime.
    let store = greenlight::session::Store::at(home.clone());
    let ws = greenlight::workspace::Workspace::open_in(
        &repo,
        &greenlight::identity::Overrides::default(),
        store,
    )
    .expect("workspace");
    let mut session = ws.session_for_writing(None).expect("session");
    let who = ws.who.clone();
    // As many notes as the CLI writes, spread over the time it runs.
    let mut app_notes = 0;
    while app_notes < 200 {
        if !cli.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        session
            .execute(
                &who,
                &greenlight::session::Command::Note {
                    text: format!("app note {app_notes}"),
                    step: None,
                },
            )
            .expect("the app writes while the CLI does");
        app_notes += 1;
    }
    cli.join().expect("cli loop");
    let report = check_ok(sb.run(&["audit", "verify", "--json"]), &["audit", "verify"]);
    let report: serde_json::Value = serde_json::from_str(&report).expect("json");
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), 1, "one person, one device: one file");
    assert_eq!(
        files[0]["events"].as_u64(),
        Some(1 + 200 + app_notes),
        "every note kept"
    );
    // seq runs 1..=n without a gap (verify checks each link; this says it
    // in the test's own words too).
    let text = std::fs::read_to_string(files[0]["file"].as_str().expect("path")).expect("read");
    for (i, line) in text.lines().enumerate() {
        let ev: serde_json::Value = serde_json::from_str(line).expect("json");
        assert_eq!(ev["seq"].as_u64(), Some(i as u64 + 1));
    }
}

/// A role given in an uncommitted edit of `.greenlight.toml` grants
/// nothing: the session takes the team from the commit it starts on, and
/// `new` says the edit was left out.
#[test]
fn a_role_granted_in_an_uncommitted_config_grants_nothing() {
    let t = Team::new("none");
    let root = t.sb.repo.path();
    let cfg = std::fs::read_to_string(root.join(".greenlight.toml")).expect("config");
    std::fs::write(
        root.join(".greenlight.toml"),
        cfg.replace("roles = [\"developer\"]", "roles = [\"developer\", \"pm\"]"),
    )
    .expect("edit");
    let out = run(
        t.dana(),
        &["new", "--scenario", "signed", "--version", "1.0.0"],
    );
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("differ from the last commit"), "{said}");
    let out = run(t.dana(), &["step", "done", "impact"]);
    assert!(!out.status.success(), "the uncommitted pm role was used");
    let err = stderr(&out);
    assert!(err.contains("Dana Developer holds developer"), "{err}");
}

/// A session written elsewhere can freeze any allowed-signers list; this
/// clone's `audit verify` checks signatures against its own committed one.
#[test]
fn verify_trusts_this_clones_allowed_signers_not_the_sessions() {
    let t = Team::new("none");
    t.start();
    check_ok(run(t.pat(), &["step", "done", "impact"]), &["step done"]);
    check_ok(run(t.dana(), &["audit", "verify"]), &["audit", "verify"]);
    // The team drops Pat's key from the committed list: her events no
    // longer verify here, whatever the session froze.
    let root = t.sb.repo.path();
    std::fs::write(
        root.join(".greenlight/allowed_signers"),
        format!("dana@example.com {}\n", t.dana.1),
    )
    .expect("allowed signers");
    commit_all(root, "chore: Pat's key revoked");
    let out = run(t.dana(), &["audit", "verify"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "a revoked key still verified");
    assert!(
        err.contains("is not in the allowed signers (HEAD:.greenlight/allowed_signers)"),
        "{err}"
    );
}

fn git(root: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .expect("git")
}

/// With a signing key, the release tag and the audit ref's commits are
/// signed the way git signs: `git verify-tag` and `git verify-commit`
/// accept them with the repository's allowed signers.
#[test]
fn the_release_tag_and_the_audit_commits_are_signed_for_git() {
    let t = Team::new("none");
    let root = t.sb.repo.path();
    let cfg = std::fs::read_to_string(root.join(".greenlight.toml")).expect("config");
    std::fs::write(
        root.join(".greenlight.toml"),
        cfg.replace("[audit]\n", "[audit]\ntag_on_complete = true\n"),
    )
    .expect("config");
    commit_all(root, "chore: tag on complete");
    let bare = tempfile::tempdir().expect("bare");
    assert!(git(bare.path(), &["init", "--bare", "-q"]).status.success());
    let url = bare.path().display().to_string();
    assert!(
        git(root, &["remote", "add", "origin", &url])
            .status
            .success()
    );
    t.start();
    check_ok(run(t.pat(), &["step", "done", "impact"]), &["step done"]);
    check_ok(
        run(t.pat(), &["signoff", "--role", "pm", "--approve"]),
        &["signoff"],
    );
    let out = run(t.dana(), &["step", "done", "verify"]);
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("tagged the release v1.0.0"), "{said}");
    check_ok(run(t.dana(), &["audit", "sync"]), &["audit", "sync"]);

    let signers = t.allowed_signers().display().to_string();
    let cfg = format!("gpg.ssh.allowedSignersFile={signers}");
    let tag = git(root, &["-c", &cfg, "verify-tag", "v1.0.0"]);
    let said = String::from_utf8_lossy(&tag.stderr);
    assert!(tag.status.success(), "git verify-tag: {said}");
    assert!(
        said.contains("Good \"git\" signature for dana@example.com"),
        "{said}"
    );
    let commit = git(
        root,
        &["-c", &cfg, "verify-commit", "refs/greenlight/audit"],
    );
    let said = String::from_utf8_lossy(&commit.stderr);
    assert!(commit.status.success(), "git verify-commit: {said}");
    assert!(said.contains("dana@example.com"), "{said}");
    // The tag is an ordinary annotated tag at HEAD naming the session.
    let show = git(root, &["cat-file", "-p", "v1.0.0"]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("greenlight session"), "{text}");
    let head = git(root, &["rev-parse", "HEAD"]);
    assert!(
        text.contains(String::from_utf8_lossy(&head.stdout).trim()),
        "{text}"
    );
}

/// A script rewrites another person's journal on the remote and gives
/// every changed line a correct hash (`who` becomes "Eve Evil"). With no
/// signatures the hashes hold, so the sync keeps the copy that was in the
/// trail first under the journal's name, sets the rewrite aside as a fork,
/// and `audit verify` fails while the fork is there, naming both files
/// and the first line where they differ.
#[test]
fn a_rehashed_rewrite_is_a_fork_the_first_copy_keeps_the_name_and_verify_names_both() {
    use crate::common::clones::{Machine, put, remote_files, rewrite_remote, setup};
    let root = tempfile::tempdir().expect("root");
    let (bare, clones) = setup(root.path(), &[], 2);
    let dana = Machine::new(&clones[0], "Dana Developer", "dana@example.com");
    let pat = Machine::new(&clones[1], "Pat Product", "pat@example.com");
    dana.ok(&["new", "--scenario", "mvp-launch", "--version", "1.0.0"]);
    dana.ok(&["note", "first"]);
    dana.ok(&["audit", "sync"]);
    pat.ok(&["audit", "sync"]);
    let (path, bytes) = remote_files(&bare)
        .into_iter()
        .find(|(p, _)| p.contains("dana@example.com") && p.ends_with(".jsonl"))
        .expect("Dana's journal on the remote");
    let text = String::from_utf8(bytes).expect("utf8");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines
        .pop()
        .expect("line")
        .replace("Dana Developer", "Eve Evil");
    let last = match greenlight::session::event::check_line_hash(last.as_bytes()) {
        Err(greenlight::session::event::LineHashError::Mismatch { stated, actual }) => {
            last.replace(&stated, &actual)
        }
        _ => panic!("the edit should change the hash"),
    };
    lines.push(last);
    let forged = lines.join("\n") + "\n";
    rewrite_remote(&bare, |repo, tree| {
        let blob = repo.blob(forged.as_bytes()).expect("blob");
        put(repo, tree.as_ref(), &path, blob, 0o100644)
    });
    let _ = pat.cmd(&["audit", "sync"]);
    let id = path.split('/').nth(1).expect("session id").to_string();
    let dir = pat.session_dir(&id);
    let name = path.rsplit('/').next().expect("file name");
    let kept = std::fs::read_to_string(dir.join(name)).expect("journal");
    assert!(!kept.contains("Eve Evil"), "the rewrite took the name");
    let fork = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.contains(".fork-"))
        .expect("the rewrite is kept as a fork");
    let out = pat.cmd(&["audit", "verify", &id]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "verify passed with a fork");
    assert!(err.contains(&fork), "{err}");
    assert!(
        err.contains(&format!("a fork of {}", dir.join(name).display())),
        "{err}"
    );
    assert!(err.contains("they differ from line 2"), "{err}");
}

/// Someone who signs commits needs no new setup: with git's
/// `gpg.format = ssh` and `user.signingkey` (here the key file itself; a
/// public key signs through the agent, as `a_key_held_by_ssh_agent_signs`
/// shows) and no `[signing]`, events are signed with it.
#[test]
fn gits_own_signing_key_signs_events_without_greenlight_config() {
    let t = Team::new("signoffs");
    let root = t.sb.repo.path();
    let pub_key = t.dana.0.with_extension("pub");
    let repo = git2::Repository::open(root).expect("open");
    let mut cfg = repo.config().expect("config");
    cfg.set_str("gpg.format", "ssh").expect("format");
    cfg.set_str("user.signingkey", &t.dana.0.display().to_string())
        .expect("signingkey");
    // `sb.cmd()` reads no greenlight config: only git's says which key.
    check_ok(
        run(
            t.sb.cmd(),
            &["new", "--scenario", "signed", "--version", "1.0.0"],
        ),
        &["new"],
    );
    let ev = last_line(&t.journal_of("dana@example.com"));
    assert_eq!(ev["key"], fingerprint(&pub_key).as_str());
    assert!(ev["sig"].is_string());
    let out = check_ok(run(t.sb.cmd(), &["audit", "verify"]), &["audit", "verify"]);
    assert!(out.contains("signed by"), "{out}");
}
