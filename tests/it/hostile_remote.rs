//! Attacks on the audit trail, each as an adversary with push access to
//! the shared remote (or a hand on the local files) would make them, on
//! real clones and a real bare remote: nothing that arrives from outside
//! runs, lies, or locks anyone out.

use std::path::Path;
use std::time::{Duration, Instant};

use git2::{ObjectType, Oid, Repository};
use greenlight::session::event::{Draft, Event, GENESIS, Hash32};
use greenlight::session::journal::parse_line;
use greenlight::session::names::actor_file_name;

use crate::common::clones::{Machine, put, remote_files, rewrite_remote, setup, stderr, stdout};

const SHIP: &str = r#"
id = "ship"
title = "Ship"

[[steps]]
id = "deploy"
title = "Deploy"
owner = "developer"
kind = "command"
run = "echo shipped > shipped.txt"

[[steps]]
id = "verify"
title = "Verify in production"
owner = "developer"
kind = "check"
requires = ["deploy"]
"#;

/// A clone with the `ship` playbook committed, its session started and
/// pushed; the session's id.
fn victim(root: &Path) -> (std::path::PathBuf, Vec<std::path::PathBuf>, Machine, String) {
    let (bare, clones) = setup(root, &[(".greenlight/playbooks/ship.toml", SHIP)], 2);
    let a = Machine::new(&clones[0], "Dana", "dana@example.com");
    let id = a.json(&["new", "--scenario", "ship", "--version", "1.0.0", "--json"])["id"]
        .as_str()
        .expect("id")
        .to_string();
    a.ok(&["note", "started"]);
    a.ok(&["audit", "push"]);
    (bare, clones, a, id)
}

/// The lines of a journal.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// A sealed line of `kind`/`data`, chained after `prev`.
#[allow(clippy::too_many_arguments)] // one field of an event each
fn seal(
    session: &str,
    actor: &str,
    seq: u64,
    lamport: u64,
    name: &str,
    email: &str,
    kind: &str,
    data: serde_json::Value,
    prev: &Hash32,
) -> (String, Hash32) {
    let data = serde_json::value::to_raw_value(&data).expect("data");
    let who = greenlight::session::Who {
        name: name.into(),
        email: email.into(),
    };
    let (ev, line) = Event::seal(Draft {
        session,
        actor,
        seq,
        lamport,
        at: "2026-11-27T10:00:00.000Z".into(),
        who: &who,
        kind,
        data: &data,
        prev,
        key: None,
    })
    .expect("seal");
    (line, ev.hash)
}

/// Attack 1: A session forged on the remote (a copy of the victim's start with
/// its command changed) never runs its command: under a ULID from the
/// future it is not even taken; under a plausible ULID it is listed as
/// pulled, never picked by default, and by its id the command is refused
/// because the reviewed playbook says otherwise.
#[test]
fn a_forged_session_on_the_remote_never_runs_its_command() {
    let root = tempfile::tempdir().expect("root");
    let (bare, _clones, a, id) = victim(root.path());
    let (file, bytes) = remote_files(&bare)
        .into_iter()
        .find(|(p, _)| p.starts_with(&format!("sessions/{id}/")) && p.ends_with(".jsonl"))
        .expect("the victim's journal");
    let first = parse_line(&lines(&bytes)[0]).expect("session_started");
    let mut data: serde_json::Value = serde_json::from_str(first.data.get()).expect("started data");
    data["plan"]["steps"][0]["run"] = "echo pwned > proof.txt".into();
    // The attacker writes as the victim's person, from a device of its own.
    let actor = "dana@example.com/evil000000-beef";
    let (line, _) = seal(
        "SESSIONID",
        actor,
        1,
        1,
        "Dana",
        "dana@example.com",
        "session_started",
        data.clone(),
        &GENESIS,
    );
    let plausible = ulid::Ulid::new().to_string();
    for forged_id in ["7ZZZZZZZZZZZZZZZZZZZZZZZZZ", plausible.as_str()] {
        let line = line.replace("SESSIONID", forged_id);
        // Re-seal under the forged id (the id is part of the hash).
        let (line, _) = {
            let ev = parse_line(line.as_bytes()).err();
            assert!(ev.is_some(), "the id is hashed");
            seal(
                forged_id,
                actor,
                1,
                1,
                "Dana",
                "dana@example.com",
                "session_started",
                data.clone(),
                &GENESIS,
            )
        };
        rewrite_remote(&bare, |repo, tree| {
            let blob = repo.blob(format!("{line}\n").as_bytes()).expect("blob");
            put(
                repo,
                tree.as_ref(),
                &format!("sessions/{forged_id}/{}", actor_file_name(actor)),
                blob,
                0o100644,
            )
        });
    }
    let _ = file;
    let out = a.cmd(&["audit", "sync"]);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "a forged session must not pass silently"
    );
    assert!(err.contains("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), "{err}");
    assert!(err.contains("in the future"), "{err}");
    // The plausible one arrived, but is only ever opened by its id.
    let listed = a.ok(&["sessions"]);
    assert!(listed.contains(&plausible), "{listed}");
    assert!(listed.contains("pulled"), "{listed}");
    assert!(!listed.contains("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), "{listed}");
    let status = a.ok(&["status"]);
    assert!(
        status.contains(&id),
        "the victim's own session is the default:\n{status}"
    );
    // A plain `step run` acts on the victim's own session, running the
    // reviewed command.
    a.ok(&["step", "run", "deploy", "--yes"]);
    assert!(a.repo.join("shipped.txt").exists());
    // By its id, the forged session's command is refused: nothing runs.
    let out = a.cmd(&["step", "run", "deploy", "--yes", "--session", &plausible]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("refused"), "{err}");
    assert!(
        err.contains("echo shipped > shipped.txt"),
        "names the reviewed command: {err}"
    );
    assert!(!a.repo.join("proof.txt").exists(), "the forged command ran");
}

/// Attack 2: The remote's copy of this device's own journal, extended with a
/// garbage line or with two correctly chained events, is refused and
/// kept aside: ours is unchanged, later writes work, the forged events
/// are nowhere in the state.
#[test]
fn the_remote_never_writes_into_this_devices_own_journal() {
    let root = tempfile::tempdir().expect("root");
    let (bare, _clones, a, id) = victim(root.path());
    let (path, bytes) = remote_files(&bare)
        .into_iter()
        .find(|(p, _)| p.starts_with(&format!("sessions/{id}/")) && p.ends_with(".jsonl"))
        .expect("journal");
    let last = parse_line(lines(&bytes).last().expect("a line")).expect("event");
    let local = a
        .session_dir(&id)
        .join(path.rsplit('/').next().expect("name"));
    let before = std::fs::read(&local).expect("local");

    for (what, extra) in [
        ("garbage", b"this is not an event\n".to_vec()),
        ("chained", {
            let (l1, h1) = seal(
                &id,
                &last.actor,
                last.seq + 1,
                last.lamport + 1,
                "Dana",
                "dana@example.com",
                "note_added",
                serde_json::json!({"text": "forged by the remote"}),
                &last.hash,
            );
            let (l2, _) = seal(
                &id,
                &last.actor,
                last.seq + 2,
                last.lamport + 2,
                "Dana",
                "dana@example.com",
                "step_skipped",
                serde_json::json!({"step": "deploy", "reason": "forged by the remote"}),
                &h1,
            );
            format!("{l1}\n{l2}\n").into_bytes()
        }),
    ] {
        let mut forged = bytes.clone();
        forged.extend_from_slice(&extra);
        rewrite_remote(&bare, |repo, tree| {
            let blob = repo.blob(&forged).expect("blob");
            put(repo, tree.as_ref(), &path, blob, 0o100644)
        });
        let out = a.cmd(&["audit", "sync"]);
        assert!(!out.status.success(), "{what}: accepted silently");
        let err = stderr(&out);
        assert!(
            err.contains("only this device writes its own journals"),
            "{what}: {err}"
        );
        assert!(!stdout(&out).contains("1 extended"), "{what}");
        assert_eq!(
            std::fs::read(&local).expect("local"),
            before,
            "{what}: ours changed"
        );
        let st = a.json(&["status", "--json"]);
        assert!(
            !st.to_string().contains("forged by the remote"),
            "{what}: a forged event reached the state"
        );
    }
    // Writing goes on, and verify names what was kept aside until a
    // person acknowledges it.
    a.ok(&["note", "still mine"]);
    let out = a.cmd(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(".tamper-"), "{}", stderr(&out));
    a.ok(&[
        "audit",
        "recover",
        "--reason",
        "the remote was tampered with",
    ]);
    assert!(a.ok(&["audit", "verify"]).contains("audit ok"));
}

/// Attack 3: Cutting a journal's tail, changing its last newline, or deleting a
/// whole actor file fails `audit verify` (which changes nothing), and
/// `audit recover` brings back what the synced copy holds.
#[test]
fn verify_tells_the_truth_about_tails_and_missing_files_and_changes_nothing() {
    let root = tempfile::tempdir().expect("root");
    let (_bare, _clones, a, id) = victim(root.path());
    a.ok(&["note", "one"]);
    a.ok(&["note", "two"]);
    a.ok(&["audit", "sync"]);
    let dir = a.session_dir(&id);
    let file = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("journal");
    let good = std::fs::read(&file).expect("journal");
    let snapshot = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .expect("dir")
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        v.sort();
        v
    };
    type Damage = fn(&[u8]) -> Vec<u8>;
    let damages: Vec<(&str, Damage)> = vec![
        ("cut mid-line", |good| good[..good.len() - 40].to_vec()),
        ("cut at a line", |good| {
            let body = &good[..good.len() - 1];
            let at = body.iter().rposition(|&b| b == b'\n').expect("two lines");
            good[..=at].to_vec()
        }),
        ("last newline changed", |good| {
            let mut b = good.to_vec();
            let n = b.len();
            b[n - 1] = b'X';
            b
        }),
    ];
    let mut good = good;
    for (what, damage) in damages {
        let damaged = damage(&good);
        std::fs::write(&file, &damaged).expect("damage");
        let before = snapshot(&dir);
        let out = a.cmd(&["audit", "verify"]);
        assert!(!out.status.success(), "{what}: verify passed");
        assert_eq!(snapshot(&dir), before, "{what}: verify changed the files");
        assert!(
            stderr(&out).contains(&file.file_name().unwrap().to_string_lossy().to_string()),
            "{what}: {}",
            stderr(&out)
        );
        a.ok(&["audit", "recover", "--reason", what]);
        let now = std::fs::read(&file).expect("read");
        // Restored, then the acknowledgement appended to our own journal.
        assert!(now.starts_with(&good), "{what}: not restored");
        assert!(a.ok(&["audit", "verify"]).contains("audit ok"), "{what}");
        a.ok(&["audit", "sync"]);
        good = now;
    }
    // A whole actor file deleted.
    std::fs::remove_file(&file).expect("rm");
    let out = a.cmd(&["audit", "verify"]);
    assert!(!out.status.success(), "a deleted file passed verify");
    assert!(stderr(&out).contains("missing here"), "{}", stderr(&out));
    a.ok(&["audit", "recover", "--reason", "restored a deleted journal"]);
    assert!(std::fs::read(&file).expect("read").starts_with(&good));
}

/// Attack 9: A deleted middle event: every reader notices, writes are refused
/// naming verify and recover, and recover brings the state back.
#[test]
fn a_deleted_middle_event_is_noticed_by_every_reader_and_blocks_writes() {
    let root = tempfile::tempdir().expect("root");
    let (_bare, _clones, a, id) = victim(root.path());
    a.ok(&["step", "skip", "deploy", "--reason", "not today"]);
    a.ok(&["note", "after the skip"]);
    a.ok(&["audit", "sync"]);
    let dir = a.session_dir(&id);
    let file = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("journal");
    let good = std::fs::read(&file).expect("read");
    let mut l = lines(&good);
    let skip = l
        .iter()
        .position(|x| String::from_utf8_lossy(x).contains("step_skipped"))
        .expect("the skip");
    l.remove(skip);
    let mut damaged = Vec::new();
    for x in &l {
        damaged.extend_from_slice(x);
        damaged.push(b'\n');
    }
    std::fs::write(&file, &damaged).expect("write");
    let status = a.ok(&["status"]);
    assert!(status.contains("DOES NOT VERIFY"), "{status}");
    let st = a.json(&["status", "--json"]);
    assert_eq!(st["intact"], false);
    let out = a.cmd(&["note", "on a broken chain"]);
    assert!(!out.status.success(), "a write on a broken chain");
    let err = stderr(&out);
    assert!(
        err.contains("audit verify") && err.contains("audit recover"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&file).expect("read"),
        damaged,
        "the refusal wrote"
    );
    a.ok(&["audit", "recover", "--reason", "a line was deleted by hand"]);
    let st = a.json(&["status", "--json"]);
    assert_eq!(st["intact"], true);
    let deploy = st["state"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "deploy")
        .expect("deploy")
        .clone();
    assert_eq!(deploy["status"], "skipped", "{deploy}");
    a.ok(&["note", "writes again"]);
}

/// Attack 5: A 128 MB torn tail is set aside whole, and fast: linear in its
/// size (the quadratic version took 28 s in a release build). The bound
/// is a hang guard, not a speed target (benches/journal.rs measures it).
#[test]
fn a_128_mb_torn_tail_is_set_aside_whole() {
    use greenlight::session::journal::{JournalWriter, repair_torn_tail};
    let dir = tempfile::tempdir().expect("dir");
    let actor = "a@x/d1";
    let path = {
        let mut w = JournalWriter::open(dir.path(), "S", actor).expect("open");
        let data =
            serde_json::value::to_raw_value(&serde_json::json!({"text": "x"})).expect("data");
        let who = greenlight::session::Who {
            name: "A".into(),
            email: "a@x".into(),
        };
        w.append("note_added", &data, &who, 1).expect("append");
        w.path().to_path_buf()
    };
    let before = std::fs::read(&path).expect("read");
    let tail = vec![b'x'; 128 << 20];
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        f.write_all(&tail).expect("tail");
    }
    let started = Instant::now();
    let side = repair_torn_tail(&path).expect("repair").expect("set aside");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "setting aside 128 MB took {:?}",
        started.elapsed()
    );
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert_eq!(
        std::fs::metadata(&side).expect("side").len(),
        tail.len() as u64
    );
}

/// Attack 6: A 1 GiB blob of zeros (a few MB packed) in the remote's trail is
/// refused by its size, named, and never read; the rest merges.
#[test]
fn a_huge_blob_on_the_remote_is_refused_unread() {
    let root = tempfile::tempdir().expect("root");
    let (bare, clones, a, id) = victim(root.path());
    // Made by git itself, streamed: the test never holds 1 GiB.
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg("head -c 1073741824 /dev/zero | git hash-object -w --stdin")
        .current_dir(&bare)
        .env("GIT_DIR", &bare)
        .output()
        .expect("git hash-object");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let oid = Oid::from_str(String::from_utf8_lossy(&made.stdout).trim()).expect("oid");
    let other = ulid::Ulid::new().to_string();
    rewrite_remote(&bare, |repo, tree| {
        put(
            repo,
            tree.as_ref(),
            &format!("sessions/{other}/zeros@example.com~big.jsonl"),
            oid,
            0o100644,
        )
    });
    let b = Machine::new(&clones[1], "Pat", "pat@example.com");
    let out = b.cmd(&["audit", "pull"]);
    assert!(!out.status.success(), "a huge blob must be named");
    let err = stderr(&out);
    assert!(err.contains("zeros@example.com~big.jsonl"), "{err}");
    assert!(err.contains("max_file_mib"), "{err}");
    assert!(!b.session_dirs().iter().any(|d| d.ends_with(&other)));
    // The real session merged.
    assert!(b.session_dirs().iter().any(|d| d.ends_with(&id)));
    let _ = a;
}

/// Attack 7: A crash mid-line, then sync: the unfinished line is never pushed,
/// and other clones do not breed `.torn-N` files pull after pull.
#[test]
fn a_torn_tail_never_ping_pongs_between_clones() {
    let root = tempfile::tempdir().expect("root");
    let (bare, clones, a, id) = victim(root.path());
    let dir = a.session_dir(&id);
    let file = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("journal");
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .expect("open");
        f.write_all(b"{\"v\":1,\"session\":\"01").expect("torn");
    }
    let b = Machine::new(&clones[1], "Pat", "pat@example.com");
    for round in 0..5 {
        let out = a.cmd(&["audit", "sync"]);
        assert!(out.status.success(), "round {round}: {}", stderr(&out));
        let out = b.cmd(&["audit", "sync"]);
        assert!(out.status.success(), "round {round}: {}", stderr(&out));
        assert!(!stderr(&out).contains("FORK"), "{}", stderr(&out));
    }
    let torn_everywhere: Vec<String> = remote_files(&bare)
        .into_iter()
        .map(|(p, _)| p)
        .chain(
            b.session_dirs()
                .iter()
                .flat_map(|d| std::fs::read_dir(d).expect("dir").flatten())
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        )
        .filter(|n| n.contains(".torn-"))
        .collect();
    assert!(torn_everywhere.is_empty(), "{torn_everywhere:?}");
    let pushed = remote_files(&bare)
        .into_iter()
        .find(|(p, _)| p.ends_with(".jsonl") && p.contains(&id))
        .expect("pushed")
        .1;
    assert!(pushed.ends_with(b"\n"), "an unfinished line was pushed");
}

/// Attack 8: A bad entry in the remote's tree (a submodule where a journal
/// belongs, a folder named like a journal) is skipped and named; the rest
/// merges, and the next sync works.
#[test]
fn a_bad_entry_in_the_remote_tree_is_skipped_and_named() {
    let root = tempfile::tempdir().expect("root");
    let (bare, clones, _a, id) = victim(root.path());
    rewrite_remote(&bare, |repo, tree| {
        let gitlink = Oid::from_str("1111111111111111111111111111111111111111").expect("oid");
        let t = put(
            repo,
            tree.as_ref(),
            &format!("sessions/{id}/sub@example.com~x.jsonl"),
            gitlink,
            0o160000,
        );
        let t = repo.find_tree(t).expect("tree");
        let empty = repo.treebuilder(None).expect("tb").write().expect("empty");
        let inner = repo.blob(b"x").expect("blob");
        let folder = put(repo, None, "inner", inner, 0o100644);
        let _ = empty;
        put(
            repo,
            Some(&t),
            &format!("sessions/{id}/dir@example.com~y.jsonl"),
            folder,
            0o040000,
        )
    });
    let b = Machine::new(&clones[1], "Pat", "pat@example.com");
    let out = b.cmd(&["audit", "pull"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("sub@example.com~x.jsonl"), "{err}");
    assert!(err.contains("dir@example.com~y.jsonl"), "{err}");
    let st = b.json(&["status", &id, "--json"]);
    assert_eq!(st["summary"]["id"], id.as_str());
    assert_eq!(st["intact"], true);
    // And again: a bad entry never wedges the sync.
    let out = b.cmd(&["audit", "sync"]);
    assert!(out.status.success() || stderr(&out).contains("SKIPPED"));
    let repo = Repository::open_bare(&bare).expect("bare");
    let _ = repo.find_reference("refs/greenlight/audit").expect("ref");
    let _ = ObjectType::Blob;
}
