//! Syncing a session of 100,000 events into a fresh bare remote: commit
//! the files to refs/greenlight/audit and push them (goal: ≤ 2 s); and
//! reading the sync status the app's header shows.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use greenlight::audit::git_sync::{AUDIT_REF, Trail, status, sync};

fn bench(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("tempdir");
    let work = root.path().join("work");
    let repo = git2::Repository::init(&work).expect("init");
    let sig = git2::Signature::now("Bench", "bench@example.com").expect("sig");
    let tree = repo
        .find_tree(repo.index().expect("index").write_tree().expect("tree"))
        .expect("tree");
    repo.commit(Some("HEAD"), &sig, &sig, "feat: start", &tree, &[])
        .expect("commit");
    let sessions = root.path().join("sessions");
    let trail = Trail::new(&sessions, "bench-device");
    greenlight::session::synth::write_synthetic(
        &sessions.join(greenlight::session::synth::SYNTHETIC_ID),
        greenlight::session::synth::SYNTHETIC_ID,
        100_000,
        3,
    )
    .expect("generate");
    let mut n = 0;
    let mut g = c.benchmark_group("audit");
    g.sample_size(10);
    g.bench_function("sync 100k events to a fresh remote", |b| {
        b.iter_batched(
            || {
                n += 1;
                let bare = root.path().join(format!("remote-{n}.git"));
                git2::Repository::init_bare(&bare).expect("bare");
                let _ = repo.remote_delete("origin");
                repo.remote("origin", bare.to_str().expect("utf-8 path"))
                    .expect("remote");
                if let Ok(mut r) = repo.find_reference(AUDIT_REF) {
                    r.delete().expect("reset audit ref");
                }
            },
            |()| sync(&repo, &trail, "origin").expect("sync"),
            BatchSize::PerIteration,
        )
    });
    // What the app's badge reads after every new event: the synced
    // session plus 1,000 events not pushed yet (goal: well under 100 ms,
    // it runs off the UI thread).
    let bare = root.path().join("remote-status.git");
    git2::Repository::init_bare(&bare).expect("bare");
    let _ = repo.remote_delete("origin");
    repo.remote("origin", bare.to_str().expect("utf-8 path"))
        .expect("remote");
    sync(&repo, &trail, "origin").expect("sync");
    greenlight::session::synth::write_synthetic(
        &sessions.join("01KBSYNTHE7C0000000000000B"),
        "01KBSYNTHE7C0000000000000B",
        1_000,
        1,
    )
    .expect("generate");
    g.bench_function("status of 100k synced + 1k unpushed events", |b| {
        b.iter(|| {
            let st = status(&repo, &trail, "origin").expect("status");
            assert_eq!(st.unpushed_events, 1_000);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
