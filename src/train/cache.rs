//! Clones of components' remotes, kept under the data dir so `train
//! status` can read a service nobody has checked out here.
//!
//! One bare clone per URL (named by a hash of it). It is cloned on first
//! use and fetched again only when asked (`train status --fetch`): reading
//! the train must not wait on the network every time.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What is fetched: branches, tags and the audit trail.
const REFSPECS: [&str; 3] = [
    "+refs/heads/*:refs/heads/*",
    "+refs/tags/*:refs/tags/*",
    "+refs/greenlight/audit:refs/greenlight/audit",
];

/// The cache folder for `url`.
pub fn dir_for(cache: &Path, url: &str) -> PathBuf {
    let digest = hex::encode(Sha256::digest(url.as_bytes()));
    cache.join(&digest[..16])
}

/// Clone `url` into `dir` if it is not there, or fetch it when `refresh`.
/// Errors are sentences naming the URL.
pub fn ensure(dir: &Path, url: &str, refresh: bool) -> Result<(), String> {
    let fresh = !dir.join("HEAD").exists();
    if !fresh && !refresh {
        return Ok(());
    }
    let fail = |what: &str, e: git2::Error| format!("cannot {what} {url}: {}", e.message());
    let repo = if fresh {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the cache {}: {e}", dir.display()))?;
        git2::build::RepoBuilder::new()
            .bare(true)
            .clone(url, dir)
            .map_err(|e| fail("clone", e))?
    } else {
        git2::Repository::open_bare(dir).map_err(|e| fail("open the cache of", e))?
    };
    // The clone brings branches and tags; the audit trail needs its own
    // refspec (and a remote without one is fine).
    let mut remote = repo.remote_anonymous(url).map_err(|e| fail("reach", e))?;
    let mut opts = git2::FetchOptions::new();
    opts.download_tags(git2::AutotagOption::All);
    remote
        .fetch(&REFSPECS, Some(&mut opts), None)
        .or_else(|e| {
            // A remote with no audit trail yet: fetch the rest.
            remote
                .fetch(&REFSPECS[..2], Some(&mut git2::FetchOptions::new()), None)
                .map_err(|_| e)
        })
        .map_err(|e| fail("fetch", e))?;
    Ok(())
}
