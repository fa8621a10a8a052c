//! Proof of who: events signed with the person's SSH key, and the
//! repository's list of who may sign.
//!
//! - `sig`: the SSHSIG format on a journal line, checked in process.
//! - `key`: where a person's key comes from (greenlight's config, else
//!   git's `user.signingkey`) and how it signs (in process for a key file,
//!   through `ssh-keygen -Y sign` for a key held in ssh-agent).
//! - `allowed`: the allowed-signers file (git's format).

pub mod allowed;
pub mod git;
pub mod key;
pub mod sig;

pub use allowed::AllowedSigners;
pub use key::{SignError, Signer};
