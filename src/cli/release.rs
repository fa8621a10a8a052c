//! `greenlight version next`, `greenlight notes`, `greenlight manifest`:
//! what the repository's history and manifest say about this release.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};

use super::out::{esay, esayln, say, sayln};
use super::{Global, print_json};
use crate::release::{self, MANIFEST_FILE, Manifest};
use crate::session::Command;
use crate::session::payload::{Payload, ReleaseNotesSet};

#[derive(Debug, Subcommand)]
pub enum VersionCmd {
    /// Propose the next semantic version from tags and conventional commits.
    Next {
        /// A component of a monorepo, tagged `{component}-v{version}`;
        /// when release-manifest.toml gives it a `path`, only commits
        /// touching that folder count.
        #[arg(long)]
        component: Option<String>,
        /// Make it a pre-release with this identifier (e.g. rc → -rc.1).
        #[arg(long, value_name = "ID")]
        pre: Option<String>,
        /// Release the current pre-release line (1.4.0-rc.2 → 1.4.0).
        #[arg(long)]
        graduate: bool,
        /// Print the version, the reason and every commit as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct NotesArgs {
    /// Start of the range (exclusive); default: the last release tag.
    #[arg(long, value_name = "REF")]
    pub from: Option<String>,
    /// End of the range; default: HEAD.
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// Write the notes to this file instead of printing them.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Insert the notes at the top of this changelog (after its title).
    #[arg(long, value_name = "CHANGELOG.md")]
    pub prepend: Option<PathBuf>,
    /// Keep the notes in the open session (shown in the app, editable until sign-off).
    #[arg(long)]
    pub save: bool,
    /// With --save: keep this file's text instead of notes made from the
    /// commits (`-` reads standard input), e.g. a draft you edited.
    #[arg(long, value_name = "FILE", requires = "save")]
    pub text: Option<PathBuf>,
    /// Print the notes the session holds now, instead of making them.
    #[arg(long, conflicts_with_all = ["save", "output", "prepend", "json", "from", "to"])]
    pub current: bool,
    /// Print the notes as JSON (sections, commits, links) for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ManifestCmd {
    /// Check that every component's requirements on the others hold.
    Check {
        /// The manifest to check; default: release-manifest.toml at the
        /// repository's root.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Print the manifest and its problems as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a component's version and recompute the system version.
    Set {
        /// The component's name, as in the manifest.
        component: String,
        /// Its new version (semver, e.g. 2.5.0).
        version: String,
        /// The manifest to change; default: release-manifest.toml at the
        /// repository's root.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

pub fn version(g: &Global, c: VersionCmd) -> Result<ExitCode> {
    let VersionCmd::Next {
        component,
        pre,
        graduate,
        json,
    } = c;
    let ws = g.workspace()?;
    let mut opts = ws.version_options();
    if let Some(c) = component {
        opts = ws.version_options_for(&c)?;
    }
    opts.prerelease = pre;
    opts.graduate = graduate;
    opts.validate()?;
    let repo = ws.repo.open()?;
    let nv = release::next_version(&repo, &opts)?;
    if json {
        print_json(&nv)?;
    } else {
        say!("{}", release::render_next_version(&nv));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn notes(g: &Global, a: NotesArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    if a.current {
        let session = ws.session(None)?;
        return Ok(match &session.state().release_notes {
            Some((_, text)) => {
                say!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                esayln!(
                    "session {} has no release notes yet (greenlight notes --save keeps them)",
                    session.id()
                );
                ExitCode::FAILURE
            }
        });
    }
    if let Some(file) = &a.text {
        let markdown = if file.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin()).wrap_err("cannot read standard input")?
        } else {
            std::fs::read_to_string(file)
                .wrap_err_with(|| format!("cannot read {}", file.display()))?
        };
        if markdown.trim().is_empty() {
            return Err(eyre!(
                "{} is empty: the session's notes stay as they are",
                file.display()
            ));
        }
        let mut session = ws.session_for_writing(None)?;
        ws.perform(
            &mut session,
            &Command::Record(Payload::ReleaseNotesSet(ReleaseNotesSet { markdown })),
        )?;
        sayln!("saved {} in session {}", file.display(), session.id());
        return Ok(ExitCode::SUCCESS);
    }
    // A release train's session: the system version's notes, grouped by
    // component, each from its own repository.
    let train = a.from.is_none()
        && a.to.is_none()
        && ws
            .session(None)
            .is_ok_and(|s| s.state().train.is_some() && s.state().status.word() == "open");
    let markdown = if train {
        let t = ws.train_status(false)?;
        crate::train::notes::render(&t, &crate::train::notes::collect(&t)?)
    } else {
        ws.release_notes_markdown(a.from.as_deref(), a.to.as_deref())?
    };
    if a.json {
        let repo = ws.repo.open()?;
        let opts = ws.version_options();
        print_json(&release::notes(
            &repo,
            a.from.as_deref(),
            a.to.as_deref(),
            &opts,
        )?)?;
    } else if let Some(out) = &a.output {
        // Notes files are read in terminals too: escaped as printed.
        std::fs::write(out, crate::text::escape(&markdown).as_bytes())
            .wrap_err_with(|| format!("cannot write {}", out.display()))?;
        sayln!("wrote {}", out.display());
    } else if a.prepend.is_none() && !a.save {
        say!("{markdown}");
    }
    if let Some(changelog) = &a.prepend {
        release::prepend_to_changelog(changelog, &crate::text::escape(&markdown))?;
        sayln!("prepended to {}", changelog.display());
    }
    if a.save {
        let mut session = ws.session_for_writing(None)?;
        ws.perform(
            &mut session,
            &Command::Record(Payload::ReleaseNotesSet(ReleaseNotesSet { markdown })),
        )?;
        sayln!("saved in session {}", session.id());
    }
    Ok(ExitCode::SUCCESS)
}

/// Note a manifest change in the repository's open session, as the app
/// does, so the audit trail says who changed what. No open session: no
/// note. A session that cannot be written now: a warning, not a failure
/// (the manifest has changed either way).
fn note_in_session(g: &Global, text: &str) {
    let Ok(ws) = g.workspace() else { return };
    let mut session = match ws.session_for_writing(None) {
        Ok(s) => s,
        Err(e) => {
            if !matches!(
                e.downcast_ref::<crate::session::StoreError>(),
                Some(crate::session::StoreError::NoOpenSession)
            ) {
                esayln!("warning: not noted in the session: {e:#}");
            }
            return;
        }
    };
    let note = Command::Note {
        text: text.to_string(),
        step: None,
    };
    if let Err(e) = ws.perform(&mut session, &note) {
        esayln!("warning: not noted in the session: {e:#}");
    }
}

fn manifest_path(g: &Global, file: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(f) = file {
        return Ok(f);
    }
    let dir = match &g.repo {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let root = crate::repo::RepoContext::discover(&dir)
        .map(|r| r.root)
        .unwrap_or(dir);
    Ok(root.join(MANIFEST_FILE))
}

pub fn manifest(g: &Global, c: ManifestCmd) -> Result<ExitCode> {
    match c {
        ManifestCmd::Check { file, json } => {
            let path = manifest_path(g, file)?;
            let m = Manifest::load(&path)?;
            let problems = m.check();
            if json {
                print_json(&serde_json::json!({ "manifest": &m, "problems": &problems }))?;
            } else if problems.is_empty() {
                sayln!(
                    "{}: system {} with {} components; every requirement holds",
                    path.display(),
                    m.system_version(),
                    m.components().len()
                );
            } else {
                esay!("{}", release::render_problems(&problems));
            }
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        ManifestCmd::Set {
            component,
            version,
            file,
        } => {
            let path = manifest_path(g, file)?;
            let v = semver::Version::parse(version.trim_start_matches('v'))
                .map_err(|e| eyre!("`{version}` is not a semantic version: {e}"))?;
            let (out, problems) = release::set_in_file(&path, &component, v)?;
            sayln!("{out}");
            note_in_session(g, &format!("manifest: {out}"));
            if !problems.is_empty() {
                esay!("{}", release::render_problems(&problems));
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
