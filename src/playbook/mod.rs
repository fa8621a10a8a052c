//! Playbooks: the play-by-play of one release scenario, loaded from TOML.
//!
//! [`parse`] reads and validates one file and reports every problem with
//! its file, line and column. [`builtins`] are the four scenarios shipped
//! in `assets/playbooks/`; a [`Catalog`] overlays them with a repository's
//! own `.greenlight/playbooks/*.toml`.

mod catalog;
mod error;
mod graph;
mod model;
pub mod preflight;
mod read;
pub mod source;
mod suggest;
mod validate;

pub use catalog::{Catalog, REPO_PLAYBOOK_DIR, builtins, read_playbook};
pub use error::{PlaybookError, PlaybookErrors};
pub use model::{
    Origin, ParseRoleError, ParseStepKindError, Playbook, Role, SarifLevel, Step, StepKind,
};
pub use source::{PlaybookSource, reviewed_playbook, source_of};

/// Parse and validate one playbook. Errors name the file as `origin`
/// shows it (`<built-in>` for [`Origin::Builtin`]).
pub fn parse(text: &str, origin: Origin) -> Result<Playbook, PlaybookErrors> {
    let name = origin.display_name();
    parse_named(text, origin, name)
}

/// [`parse`], naming the file `name` in errors.
fn parse_named(text: &str, origin: Origin, name: String) -> Result<Playbook, PlaybookErrors> {
    let mut problems = error::Problems::new(name, text);
    let playbook = read::read(text, &mut problems)
        .and_then(|draft| validate::validate(draft, origin, &mut problems));
    match playbook {
        Some(playbook) if problems.is_empty() => Ok(playbook),
        _ => {
            if problems.is_empty() {
                // Every path to `None` records a problem; should one not,
                // say so rather than return an empty list of errors.
                problems.at(0..0, "internal error: the playbook could not be built");
            }
            Err(problems.into_errors())
        }
    }
}
#[cfg(test)]
mod tests;
