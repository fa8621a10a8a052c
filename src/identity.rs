//! Who is acting: a name and email (from flags, the environment, or git
//! config) plus this machine's device id, which together name the actor
//! file a process writes.

use crate::session::Who;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "no identity: set `git config user.email` (and user.name), or pass --user-email / set GREENLIGHT_USER_EMAIL"
    )]
    Missing,
    #[error("`{0}` is not an email address")]
    BadEmail(String),
}

/// Overrides from the command line or environment; either may be absent.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Resolve the person: overrides first, then git config (repository, then
/// global). A name defaults to the email's local part.
pub fn resolve(repo: Option<&git2::Repository>, over: &Overrides) -> Result<Who, IdentityError> {
    resolve_in_team(repo, over, |_| None)
}

/// [`resolve`], naming a person given by email alone from the team
/// (`team(email)`, e.g. `[[people]]`): `--user-email` without `--user-name`
/// never borrows git's `user.name`, which belongs to another address.
pub fn resolve_in_team(
    repo: Option<&git2::Repository>,
    over: &Overrides,
    team: impl Fn(&str) -> Option<String>,
) -> Result<Who, IdentityError> {
    let config = match repo {
        Some(r) => r.config().ok(),
        None => git2::Config::open_default().ok(),
    };
    let from_git = |key: &str| {
        config
            .as_ref()
            .and_then(|c| c.get_string(key).ok())
            .filter(|s| !s.trim().is_empty())
    };
    let email = over
        .email
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| from_git("user.email"));
    let email = email.ok_or(IdentityError::Missing)?.trim().to_string();
    if !email.contains('@') || email.contains(char::is_whitespace) || email.contains('/') {
        return Err(IdentityError::BadEmail(email));
    }
    // git's user.name goes with git's user.email only.
    let git_email = from_git("user.email");
    let own_email = git_email
        .as_deref()
        .is_some_and(|g| g.trim().eq_ignore_ascii_case(&email));
    let name = over
        .name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| own_email.then(|| from_git("user.name")).flatten())
        .or_else(|| team(&email))
        .unwrap_or_else(|| email.split('@').next().unwrap_or("someone").to_string());
    Ok(Who {
        name: name.trim().to_string(),
        email,
    })
}

/// The actor id of a person on a device: `email/device`.
pub fn actor_id(who: &Who, device: &str) -> String {
    format!("{}/{}", who.email, device)
}
