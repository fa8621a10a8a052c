//! Tagging a release: an annotated tag at HEAD naming the session.

use git2::{Oid, Repository, Signature};

use super::error::ReleaseError;

/// Create the annotated tag `name` at HEAD with `message`. An existing tag
/// of that name is an error (a release is tagged once).
pub fn tag_head(repo: &Repository, name: &str, message: &str) -> Result<Oid, ReleaseError> {
    let head = repo.head()?.peel_to_commit()?;
    let sig = repo
        .signature()
        .or_else(|_| Signature::now("greenlight", "greenlight@localhost"))?;
    Ok(repo.tag(name, head.as_object(), &sig, message, false)?)
}
