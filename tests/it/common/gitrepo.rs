//! Build real git repositories in temporary folders with git2: commits with
//! given messages, authors and parents; branches; lightweight and annotated
//! tags; remotes. Commit times go up by a minute per commit from a fixed
//! start, so object ids are the same on every run.

use std::cell::Cell;

use git2::{Oid, Repository, Signature, Time};
use tempfile::TempDir;

pub struct TestRepo {
    pub dir: TempDir,
    pub repo: Repository,
    clock: Cell<i64>,
    tree: Oid,
}

pub const ALICE: (&str, &str) = ("Alice Example", "alice@example.com");
pub const BOB: (&str, &str) = ("Bob Example", "bob@example.com");

impl TestRepo {
    pub fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        // Every commit shares one empty tree: only messages and graph matter.
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        Self {
            dir,
            repo,
            clock: Cell::new(1_700_000_000),
            tree,
        }
    }

    fn signature(&self, who: (&str, &str)) -> Signature<'static> {
        let t = self.clock.get() + 60;
        self.clock.set(t);
        Signature::new(who.0, who.1, &Time::new(t, 0)).unwrap()
    }

    /// Commit on HEAD's branch, authored by Alice.
    pub fn commit(&self, message: &str) -> Oid {
        self.commit_as(message, ALICE)
    }

    /// Commit on HEAD's branch with the given author.
    pub fn commit_as(&self, message: &str, who: (&str, &str)) -> Oid {
        let parents: Vec<Oid> = self.head().into_iter().collect();
        self.commit_with(Some("HEAD"), message, who, &parents)
    }

    /// A commit with explicit parents, updating `refname` if given.
    pub fn commit_with(
        &self,
        refname: Option<&str>,
        message: &str,
        who: (&str, &str),
        parents: &[Oid],
    ) -> Oid {
        let sig = self.signature(who);
        let tree = self.repo.find_tree(self.tree).unwrap();
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo
            .commit(refname, &sig, &sig, message, &tree, &parent_refs)
            .unwrap()
    }

    /// Commit on a branch (created at `from` if missing) without moving HEAD.
    pub fn commit_on_branch(&self, branch: &str, message: &str) -> Oid {
        let refname = format!("refs/heads/{branch}");
        let parent = self.repo.refname_to_id(&refname).unwrap();
        self.commit_with(Some(&refname), message, BOB, &[parent])
    }

    pub fn branch(&self, name: &str, at: Oid) {
        let commit = self.repo.find_commit(at).unwrap();
        self.repo.branch(name, &commit, true).unwrap();
    }

    /// A merge commit on HEAD's branch: parents HEAD and `other`.
    pub fn merge(&self, other: Oid, message: &str) -> Oid {
        let head = self.head().unwrap();
        self.commit_with(Some("HEAD"), message, ALICE, &[head, other])
    }

    pub fn head(&self) -> Option<Oid> {
        self.repo.head().ok().and_then(|h| h.target())
    }

    pub fn tag_lightweight(&self, name: &str, at: Oid) {
        let obj = self.repo.find_object(at, None).unwrap();
        self.repo.tag_lightweight(name, &obj, false).unwrap();
    }

    pub fn tag_annotated(&self, name: &str, at: Oid) {
        let obj = self.repo.find_object(at, None).unwrap();
        let sig = self.signature(ALICE);
        self.repo
            .tag(name, &obj, &sig, &format!("Release {name}"), false)
            .unwrap();
    }

    pub fn set_origin(&self, url: &str) {
        self.repo.remote("origin", url).unwrap();
    }

    pub fn short(oid: Oid) -> String {
        oid.to_string()[..7].to_owned()
    }
}
