//! Proof of who, measured: signing one event's hash with a key file (in
//! process) and with a key held by a real ssh-agent (through
//! `ssh-keygen -Y sign`, as git signs), a whole signed append (sign +
//! write + fdatasync), and `audit verify` of 100,000 signed events
//! (compare with `sha256sum` over the same files:
//! `scripts/bench_verify_signed.sh`). Needs OpenSSH's `ssh-keygen`,
//! `ssh-agent` and `ssh-add`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use greenlight::session::journal::JournalWriter;
use greenlight::session::{Payload, Who};
use greenlight::signing::Signer;
use greenlight::signing::key::KeySetting;

const SESSION: &str = "01KBSYNTHE7C0000000000000A";

fn keygen(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen");
    assert!(ok.success());
    path
}

fn setting(key: &Path) -> KeySetting {
    KeySetting {
        key: key.display().to_string(),
        program: "ssh-keygen".into(),
        origin: "bench".into(),
    }
}

fn sign(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = keygen(dir.path(), "bench");
    let hash = "4c1d6bd5c1b4f5b0a1e9f8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7";
    let mut g = c.benchmark_group("sign");
    g.sample_size(30);
    let file = Signer::load(&setting(&key)).expect("key file");
    g.bench_function("sign an event hash, key file (in process)", |b| {
        b.iter(|| file.sign(hash.as_bytes()).expect("sign"))
    });

    // The agent: started here, the key added, only the public half named.
    let sock = dir.path().join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh-agent");
    for _ in 0..100 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg(&key)
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .expect("ssh-add");
    assert!(added.status.success());
    // SAFETY of set_var: the bench is single-threaded here, before any
    // thread that reads the environment is started.
    unsafe { std::env::set_var("SSH_AUTH_SOCK", &sock) };
    let via_agent = Signer::load(&setting(&key.with_extension("pub"))).expect("public key");
    assert!(via_agent.uses_program());
    g.bench_function(
        "sign an event hash, key in ssh-agent (ssh-keygen -Y sign)",
        |b| b.iter(|| via_agent.sign(hash.as_bytes()).expect("sign via agent")),
    );

    // A whole append: seal, sign, write, fdatasync.
    let who = Who {
        name: "Bench".into(),
        email: "bench@example.com".into(),
    };
    let note = Payload::NoteAdded(greenlight::session::payload::Note {
        text: "canary at 25%, error rate steady".into(),
        step: None,
    });
    let data = note.to_data().expect("encode");
    let jdir = dir.path().join("journal");
    let mut w = JournalWriter::open(&jdir, SESSION, "bench@example.com/dev").expect("open");
    w.set_signer(Some(Arc::new(file)));
    let mut lamport = 0;
    g.bench_function("signed append + fsync, key file", |b| {
        b.iter(|| {
            lamport += 1;
            w.append(note.kind(), &data, &who, lamport).expect("append")
        })
    });
    g.finish();
    let _ = agent.kill();
    let _ = agent.wait();
}

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys: Vec<Signer> = (0..3)
        .map(|i| {
            let k = keygen(dir.path(), &format!("person{i}"));
            Signer::load(&setting(&k)).expect("key")
        })
        .collect();
    let sdir = dir.path().join(SESSION);
    greenlight::session::synth::write_synthetic_signed(&sdir, SESSION, 100_000, 3, &keys)
        .expect("generate");
    if let Ok(keep) = std::env::var("GREENLIGHT_BENCH_KEEP") {
        // For scripts/bench_verify_signed.sh: the same files for sha256sum.
        let _ = Command::new("cp").arg("-r").arg(&sdir).arg(&keep).status();
    }
    let mut g = c.benchmark_group("audit");
    g.sample_size(10);
    g.bench_function("verify 100k signed events", |b| {
        b.iter(|| {
            let r = greenlight::audit::verify::verify_session(&sdir, SESSION).expect("verify");
            assert!(r.ok(), "{:?}", r.problems().first());
            assert_eq!(r.events(), 100_000);
        })
    });
    g.finish();
}

criterion_group!(benches, sign, verify);
criterion_main!(benches);
