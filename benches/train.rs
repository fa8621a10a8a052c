//! Reading a release train of ten local component repositories: each a
//! real git repository (built once with git2 in a temporary folder, then
//! packed as `git gc` leaves one) of 1,000 commits with a release tag every 100 and 50 commits since the
//! last, and a release session in this machine's store with 200 events.
//! Goal (issue 15): `train status` reads ten local components in ≤ 300 ms.
//!
//! - `status_10_components`: `train::status::read`, all ten in parallel
//!   (next version, commits, the session picked and folded, the manifest
//!   check, the system version and the blockers).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use git2::{Repository, Signature, Time};
use greenlight::release::Manifest;
use greenlight::session::{Command, Store, Who};
use greenlight::train::{TrainInputs, status};

const COMPONENTS: usize = 10;
const COMMITS: usize = 1_000;
const TAG_EVERY: usize = 100;

/// A component repository: COMMITS commits, a tag every TAG_EVERY, and
/// the last 50 commits after the last tag.
fn component_repo(dir: &Path) {
    let repo = Repository::init(dir).expect("init");
    let tree = repo
        .find_tree(repo.treebuilder(None).expect("tb").write().expect("tree"))
        .expect("find tree");
    let mut parent: Option<git2::Oid> = None;
    for i in 0..COMMITS {
        let sig = Signature::new(
            "Dana",
            "dana@example.com",
            &Time::new(1_700_000_000 + i as i64 * 60, 0),
        )
        .expect("sig");
        let msg = match i % 3 {
            0 => format!("fix: change {i}"),
            1 => format!("feat: feature {i}"),
            _ => format!("docs: page {i}"),
        };
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).expect("parent"))
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let oid = repo
            .commit(Some("HEAD"), &sig, &sig, &msg, &tree, &refs)
            .expect("commit");
        if (i + 1) % TAG_EVERY == 0 && i + 50 < COMMITS {
            let obj = repo.find_object(oid, None).expect("obj");
            repo.tag_lightweight(&format!("v1.{}.0", (i + 1) / TAG_EVERY), &obj, false)
                .expect("tag");
        }
        parent = Some(oid);
    }
    pack(&repo);
}

/// Put every object in one pack and delete the loose copies, as `git gc`
/// leaves a real repository.
fn pack(repo: &Repository) {
    let mut walk = repo.revwalk().expect("walk");
    walk.push_glob("refs/*").expect("refs");
    let mut pb = repo.packbuilder().expect("packbuilder");
    pb.insert_walk(&mut walk).expect("insert commits");
    let objects = repo.path().join("objects");
    pb.write(&objects.join("pack"), 0o644).expect("write pack");
    for entry in std::fs::read_dir(&objects).expect("objects") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.len() == 2 && name.chars().all(|c| c.is_ascii_hexdigit()) {
            std::fs::remove_dir_all(&path).expect("remove loose objects");
        }
    }
}

fn bench(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    let store = Store::at(home.path().to_path_buf());
    let system = root.path().join("system");
    std::fs::create_dir_all(&system).expect("system");
    let mut manifest = String::from("[system]\nversion = \"1.0.0\"\n");
    for n in 0..COMPONENTS {
        let name = format!("svc{n}");
        let dir = root.path().join(&name);
        component_repo(&dir);
        manifest.push_str(&format!(
            "[components.{name}]\nversion = \"1.9.0\"\nrepo = \"../{name}\"\n"
        ));
        // A release session with some history in this machine's store.
        let ctx = greenlight::repo::RepoContext::discover(&dir).expect("ctx");
        let plan = greenlight::playbook::builtins()
            .iter()
            .find(|p| p.id == "hotfix")
            .map(greenlight::session::Plan::from)
            .expect("hotfix");
        let who = Who {
            name: "Dana".into(),
            email: "dana@example.com".into(),
        };
        let mut s = store
            .create_session(
                &ctx.key,
                greenlight::session::payload::SessionStarted {
                    plan,
                    version: Some("1.10.0".into()),
                    repo: name.clone(),
                    ..Default::default()
                },
                "dana@example.com/bench",
                &who,
            )
            .expect("session");
        for i in 0..200 {
            let _ = s.execute(
                &who,
                &Command::Note {
                    text: format!("note {i}"),
                    step: None,
                },
            );
        }
    }
    std::fs::write(system.join("release-manifest.toml"), &manifest).expect("manifest");
    let m = Manifest::load(&system.join("release-manifest.toml")).expect("load");
    let cache = home.path().join("train-cache");
    let inputs = TrainInputs {
        system_root: &system,
        manifest: &m,
        config: None,
        store: &store,
        cache: &cache,
        fetch: false,
        today: "2026-11-27".parse().expect("date"),
        release_as: None,
    };
    let t = status::read(&inputs);
    assert_eq!(t.components.len(), COMPONENTS);
    assert!(
        t.components.iter().all(|c| c.reading.error.is_none()),
        "{:?}",
        t.blockers
    );
    assert!(t.components.iter().all(|c| c.reading.session.is_some()));
    let mut g = c.benchmark_group("train");
    g.sample_size(20);
    g.bench_function("status_10_components", |b| {
        b.iter(|| black_box(status::read(&inputs)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
