//! Next version on a large history: a repository of 10,000 commits and 100
//! release tags (every 100th commit, half annotated), built once with git2
//! in a temporary folder, with a merge every 50 commits, then packed (as
//! `git gc` would leave a real repository) so reads are not 10,000 loose
//! files. One more tag, `v9.0.0`, sits on a branch never merged: the
//! highest version, unreachable, as a trap for a slow "is it an ancestor?"
//! check.
//!
//! Set `VERSION_NEXT_BENCH_REPO=/some/dir` to build the repository there
//! and keep it (scripts/compare_version_next.sh runs other tools on it).
//!
//! - `since_last_tag`: the usual case, 100 commits since `v1.99.0`.
//! - `no_tag_full_history`: a component with no tags, so all 10,000
//!   commits are walked and parsed.
//! - `notes_since_last_tag`: release notes for the same 100 commits.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use git2::{Oid, Repository, Signature, Time};
use greenlight::release::{VersionOptions, next_version, notes};

const COMMITS: usize = 10_000;
const TAG_EVERY: usize = 100;

const MESSAGES: [&str; 6] = [
    "fix(core): handle empty input",
    "feat(api): add an endpoint\n\nWith a body explaining why.",
    "docs: explain the flags",
    "chore(deps): bump things",
    "perf(db): index the lookup",
    "Tidy up some code",
];

/// Where the repository lives: a temporary folder, or a kept one.
enum RepoDir {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl RepoDir {
    fn path(&self) -> &Path {
        match self {
            RepoDir::Temp(t) => t.path(),
            RepoDir::Kept(p) => p,
        }
    }
}

fn repo_dir() -> RepoDir {
    match std::env::var_os("VERSION_NEXT_BENCH_REPO") {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.exists() {
                std::fs::remove_dir_all(&p).expect("clear the kept repository");
            }
            RepoDir::Kept(p)
        }
        None => RepoDir::Temp(tempfile::TempDir::new().expect("temp dir")),
    }
}

/// Build the repository; returns the folder (kept alive by the caller).
fn build_repo() -> RepoDir {
    let dir = repo_dir();
    let repo = Repository::init(dir.path()).expect("init");
    let tree_id = repo
        .treebuilder(None)
        .and_then(|t| t.write())
        .expect("tree");
    let tree = repo.find_tree(tree_id).expect("tree");
    let mut parent: Option<Oid> = None;
    let mut side_base: Option<Oid> = None;
    let mut tags = 0;
    for i in 0..COMMITS {
        let t = 1_600_000_000 + (i as i64) * 60;
        let sig = Signature::new("Bench", "bench@example.com", &Time::new(t, 0)).expect("sig");
        let parents: Vec<git2::Commit<'_>> = match (parent, i % 50 == 49, side_base) {
            // A merge of a one-commit side branch started 10 commits ago.
            (Some(p), true, Some(base)) => {
                let base = repo.find_commit(base).expect("base");
                let side = repo
                    .commit(
                        None,
                        &sig,
                        &sig,
                        "feat(side): from a branch",
                        &tree,
                        &[&base],
                    )
                    .expect("side");
                vec![
                    repo.find_commit(p).expect("p"),
                    repo.find_commit(side).expect("side"),
                ]
            }
            (Some(p), _, _) => vec![repo.find_commit(p).expect("p")],
            (None, _, _) => Vec::new(),
        };
        let message = if parents.len() == 2 {
            "Merge branch 'side'".to_owned()
        } else {
            format!("{} #{i}", MESSAGES[i % MESSAGES.len()])
        };
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = repo
            .commit(None, &sig, &sig, &message, &tree, &refs)
            .expect("commit");
        parent = Some(id);
        if i % 50 == 39 {
            side_base = Some(id);
        }
        if i % TAG_EVERY == TAG_EVERY - 1 && i + 1 < COMMITS {
            let name = format!("v1.{tags}.0");
            let obj = repo.find_object(id, None).expect("obj");
            if tags % 2 == 0 {
                repo.tag(&name, &obj, &sig, "release", false).expect("tag");
            } else {
                repo.tag_lightweight(&name, &obj, false).expect("tag");
            }
            tags += 1;
        }
    }
    let head = parent.expect("commits");
    repo.reference("refs/heads/main", head, true, "bench")
        .expect("ref");
    repo.set_head("refs/heads/main").expect("head");
    assert_eq!(tags, 99, "tags before the last 100 commits");
    // Plus one tag far back on a branch nobody merged, to cost a miss.
    let first = repo
        .revparse_single("v1.0.0")
        .expect("v1.0.0")
        .peel_to_commit()
        .expect("c");
    let sig =
        Signature::new("Bench", "bench@example.com", &Time::new(1_500_000_000, 0)).expect("sig");
    let stray = repo
        .commit(None, &sig, &sig, "feat!: abandoned", &tree, &[&first])
        .expect("stray");
    repo.tag_lightweight(
        "v9.0.0",
        &repo.find_object(stray, None).expect("obj"),
        false,
    )
    .expect("tag");
    pack(&repo);
    dir
}

/// Put every object in one pack and delete the loose copies.
fn pack(repo: &Repository) {
    let mut walk = repo.revwalk().expect("walk");
    walk.push_glob("refs/*").expect("refs");
    let mut pb = repo.packbuilder().expect("packbuilder");
    pb.insert_walk(&mut walk).expect("insert commits");
    for reference in repo.references_glob("refs/tags/*").expect("tags") {
        let target = reference.expect("tag").target().expect("direct ref");
        if repo.find_tag(target).is_ok() {
            pb.insert_object(target, None).expect("insert tag object");
        }
    }
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
    let started = Instant::now();
    let dir = build_repo();
    eprintln!(
        "built {COMMITS} commits and 100 tags in {:.2?}",
        started.elapsed()
    );
    let repo = Repository::open(dir.path()).expect("open");

    let opts = VersionOptions::default();
    let nv = next_version(&repo, &opts).expect("next version");
    assert_eq!(nv.previous_tag.as_deref(), Some("v1.98.0"));
    assert_eq!(nv.commits.len(), 102);
    eprintln!(
        "greenlight proposes {} ({}): {}",
        nv.next_tag, nv.bump, nv.reason
    );

    let mut group = c.benchmark_group("version_next");
    group.bench_function("since_last_tag", |b| {
        b.iter(|| black_box(next_version(black_box(&repo), &opts).expect("next")))
    });
    let untagged = VersionOptions::for_component("untagged");
    let full = next_version(&repo, &untagged).expect("full");
    assert!(full.commits.len() > COMMITS);
    group.sample_size(20);
    group.bench_function("no_tag_full_history", |b| {
        b.iter(|| black_box(next_version(black_box(&repo), &untagged).expect("next")))
    });
    group.sample_size(100);
    group.bench_function("notes_since_last_tag", |b| {
        b.iter(|| black_box(notes(black_box(&repo), None, None, &opts).expect("notes")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
