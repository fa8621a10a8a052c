//! Git objects signed in git's SSH format: the audit ref's commits and the
//! release tag, so `git verify-commit` / `git verify-tag` (with
//! `gpg.format = ssh` and an allowed-signers file) accept them.
//!
//! Git signs an object's text in the `git` namespace and keeps the armored
//! signature in the commit's `gpgsig` header, or after a tag's message.

use git2::{ObjectType, Oid, Repository, Signature};

use super::Signer;
use super::sig::armor;

/// Why a signed object could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignedObjectError {
    #[error(transparent)]
    Git(#[from] git2::Error),
    #[error(transparent)]
    Sign(#[from] super::SignError),
    #[error("tag {0} already exists")]
    TagExists(String),
}

/// A commit like `Repository::commit` makes, signed; not pointed at by any
/// reference (the caller moves its ref).
pub fn signed_commit(
    repo: &Repository,
    signer: &Signer,
    author: &Signature<'_>,
    message: &str,
    tree: &git2::Tree<'_>,
    parents: &[&git2::Commit<'_>],
) -> Result<Oid, SignedObjectError> {
    let buffer = repo.commit_create_buffer(author, author, message, tree, parents)?;
    let text = std::str::from_utf8(&buffer).map_err(|_| {
        git2::Error::from_str("the commit's text is not UTF-8; it cannot be signed")
    })?;
    let sig = signer.sign_in("git", text.as_bytes())?;
    Ok(repo.commit_signed(text, armor(&sig).trim_end(), None)?)
}

/// An annotated tag `name` at `target`, signed, and `refs/tags/<name>`
/// pointing at it (never moved: a release is tagged once).
pub fn signed_tag(
    repo: &Repository,
    signer: &Signer,
    name: &str,
    target: &git2::Commit<'_>,
    tagger: &Signature<'_>,
    message: &str,
) -> Result<Oid, SignedObjectError> {
    let refname = format!("refs/tags/{name}");
    if repo.find_reference(&refname).is_ok() {
        return Err(SignedObjectError::TagExists(name.to_string()));
    }
    let mut text = format!(
        "object {}\ntype commit\ntag {name}\ntagger {}\n\n{message}",
        target.id(),
        signature_line(tagger)
    );
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let sig = signer.sign_in("git", text.as_bytes())?;
    text.push_str(&armor(&sig));
    let oid = repo.odb()?.write(ObjectType::Tag, text.as_bytes())?;
    repo.reference(&refname, oid, false, "greenlight: signed release tag")?;
    Ok(oid)
}

/// `Name <email> 1700000000 +0100`, as git writes a person and a time.
fn signature_line(s: &Signature<'_>) -> String {
    let when = s.when();
    let offset = when.offset_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!(
        "{} <{}> {} {sign}{:02}{:02}",
        String::from_utf8_lossy(s.name_bytes()),
        String::from_utf8_lossy(s.email_bytes()),
        when.seconds(),
        offset / 60,
        offset % 60
    )
}
