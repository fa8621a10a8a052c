//! Journal costs: append + fsync against a bare write + fdatasync of the
//! same bytes; open + fold of a 100,000-event session, and its open from
//! the fold checkpoint; audit verify of
//! 1,000,000 events (compare with `scripts/bench_verify.sh` for sha256sum).

use std::io::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use greenlight::audit::verify::verify_session;
use greenlight::session::journal::JournalWriter;
use greenlight::session::{Payload, Session, Who};

const SESSION: &str = "01KBSYNTHE7C0000000000000A";

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let who = Who {
        name: "Bench".into(),
        email: "bench@example.com".into(),
    };
    let p = Payload::NoteAdded(greenlight::session::payload::Note {
        text: "canary at 25%, error rate steady".into(),
        step: None,
    });
    let data = p.to_data().expect("encode");
    let mut g = c.benchmark_group("append");
    g.sample_size(50);
    let mut w = JournalWriter::open(dir.path(), SESSION, "bench@example.com/dev").expect("open");
    let mut lamport = 0;
    g.bench_function("journal append + fsync", |b| {
        b.iter(|| {
            lamport += 1;
            w.append(p.kind(), &data, &who, lamport).expect("append")
        })
    });
    // The same bytes, written bare. With a filter that skips the bench
    // above nothing was appended yet: append one line to copy.
    if lamport == 0 {
        w.append(p.kind(), &data, &who, 1).expect("append");
    }
    let line = std::fs::read_to_string(w.path()).expect("read");
    let line = line.lines().next().expect("one line").to_string() + "\n";
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.path().join("bare"))
        .expect("bare");
    g.bench_function("bare write + fdatasync", |b| {
        b.iter(|| {
            f.write_all(line.as_bytes()).expect("write");
            f.sync_data().expect("sync")
        })
    });
    g.finish();
}

fn open_fold(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    greenlight::session::synth::write_synthetic(dir.path(), SESSION, 100_000, 3).expect("generate");
    let mut g = c.benchmark_group("session");
    g.sample_size(20);
    g.bench_function("open + fold 100k events", |b| {
        b.iter(|| {
            let s = Session::open(SESSION, dir.path().to_path_buf()).expect("open");
            assert_eq!(s.events().len(), 100_000);
            s
        })
    });
    // As the store opens it: from the fold checkpoint the first open wrote.
    drop(Session::open_cached(SESSION, dir.path().to_path_buf()).expect("checkpoint"));
    g.bench_function("open 100k events from the fold checkpoint", |b| {
        b.iter(|| {
            let s = Session::open_cached(SESSION, dir.path().to_path_buf()).expect("open");
            assert_eq!(s.from_checkpoint(), Some(100_000));
            s
        })
    });
    g.finish();
}

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    greenlight::session::synth::write_synthetic(dir.path(), SESSION, 1_000_000, 3)
        .expect("generate");
    let mut g = c.benchmark_group("audit");
    g.sample_size(10);
    g.bench_function("verify 1M events", |b| {
        b.iter(|| {
            let r = verify_session(dir.path(), SESSION).expect("verify");
            assert!(r.ok());
            r
        })
    });
    g.finish();
}

/// Setting aside a 128 MB torn tail (a writer killed mid-way through a
/// huge line): linear in the tail (it took 28 s when it was quadratic).
fn repair(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a@x~d.jsonl");
    let head = b"{\"a complete line\":1}\n";
    let tail = vec![b'x'; 128 << 20];
    let mut g = c.benchmark_group("journal");
    g.sample_size(10);
    g.bench_function("set aside a 128 MB torn tail", |b| {
        b.iter_batched(
            || {
                for e in std::fs::read_dir(dir.path()).expect("dir").flatten() {
                    std::fs::remove_file(e.path()).expect("clean");
                }
                let mut f = std::fs::File::create(&path).expect("create");
                f.write_all(head).expect("head");
                f.write_all(&tail).expect("tail");
            },
            |()| {
                greenlight::session::journal::repair_torn_tail(&path)
                    .expect("repair")
                    .expect("set aside")
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, append, open_fold, verify, repair);
criterion_main!(benches);
