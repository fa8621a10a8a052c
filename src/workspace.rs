//! The context both front ends act in: the repository, its configuration,
//! the store, and the person acting. Every action a person can take goes
//! through here, so the CLI and the TUI enforce the same rules.

use std::path::Path;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::audit::git_sync::{SyncReport, SyncTarget};
use crate::config::{RepoConfig, UserConfig};
use crate::identity::{self, Overrides};
use crate::playbook::Catalog;
use crate::repo::RepoContext;
use crate::session::payload::SessionStarted;
use crate::session::{Command, Event, Plan, Session, Store, Who};

/// Release notes from a repository's history, owned (see
/// [`Workspace::notes_job`]).
#[derive(Debug, Clone)]
pub struct NotesJob {
    root: std::path::PathBuf,
    name: String,
    options: crate::release::VersionOptions,
}

impl NotesJob {
    /// The notes between `from` (default: the last release tag) and `to`
    /// (default: HEAD), titled "repo 1.4.0", or "repo (unreleased)" when
    /// history asks for no release.
    pub fn markdown(&self, from: Option<&str>, to: Option<&str>) -> Result<String> {
        let repo = git2::Repository::open(&self.root)
            .wrap_err_with(|| format!("cannot open the repository at {}", self.root.display()))?;
        let notes = crate::release::notes(&repo, from, to, &self.options)?;
        let title = match crate::release::next_version(&repo, &self.options) {
            Ok(nv) if nv.is_release_needed() => format!("{} {}", self.name, nv.next),
            _ => format!("{} (unreleased)", self.name),
        };
        Ok(crate::release::render_markdown(&notes, &title))
    }
}

/// The warnings a sync report carries (forks or tampering), one sentence
/// each, for a status line or stderr.
pub fn sync_warnings(r: &SyncReport) -> Vec<String> {
    r.merge
        .forks
        .iter()
        .map(|f| {
            format!(
                "warning: {} of session {} differs on {} in a way no append explains (fork or tamper); their copy is kept as {}",
                f.file,
                f.session,
                r.remote,
                f.kept_as.display()
            )
        })
        .collect()
}

pub struct Workspace {
    pub repo: RepoContext,
    pub config: RepoConfig,
    pub user: UserConfig,
    pub store: Store,
    pub device: String,
    /// The person at the keyboard (changes when pairing hands it over).
    pub who: Who,
    /// The actor this process writes as, fixed when the workspace opens:
    /// handing the keyboard to someone else changes `who`, not the file.
    actor: String,
}

impl Workspace {
    /// Discover the repository from `dir` and load everything around it.
    pub fn open(dir: &Path, over: &Overrides) -> Result<Workspace> {
        Self::open_in(dir, over, Store::from_env()?)
    }

    /// [`Workspace::open`] with an explicit store (the demo keeps its data
    /// in its own temp folder without touching the environment).
    pub fn open_in(dir: &Path, over: &Overrides, store: Store) -> Result<Workspace> {
        let repo = RepoContext::discover(dir)?;
        let config = RepoConfig::load(&repo.root)?;
        let user = UserConfig::load()?;
        // One device id per machine, qualified by the clone: the same person
        // working in two clones of one repository on one machine writes two
        // actor files, so synced sessions never see two diverging copies of
        // one file.
        let machine = store
            .device_id()
            .wrap_err("cannot read or create the device id")?;
        let clone = &repo.key[repo.key.len().saturating_sub(4)..];
        let device = format!("{machine}-{clone}");
        let mut over = over.clone();
        if let Some(id) = &user.identity {
            over.name = over.name.or_else(|| id.name.clone());
            over.email = over.email.or_else(|| id.email.clone());
        }
        let git = repo.open().ok();
        let who = identity::resolve(git.as_ref(), &over)?;
        let actor = identity::actor_id(&who, &device);
        Ok(Workspace {
            repo,
            config,
            user,
            store,
            device,
            who,
            actor,
        })
    }

    /// The actor id this process writes as.
    pub fn actor(&self) -> String {
        self.actor.clone()
    }

    pub fn playbooks(&self) -> Result<Catalog> {
        Catalog::load(Some(&self.repo.root)).map_err(|e| eyre!("{e}"))
    }

    /// Resolve a session id prefix (or the current session, else the
    /// latest one) and open it read-only.
    pub fn session(&self, prefix: Option<&str>) -> Result<Session> {
        let id = self.store.resolve_for_reading(&self.repo.key, prefix)?;
        Ok(Session::open(
            &id,
            self.store.session_dir(&self.repo.key, &id),
        )?)
    }

    /// Open a session for writing as this process's actor: the one named,
    /// or the last open one.
    pub fn session_for_writing(&self, prefix: Option<&str>) -> Result<Session> {
        let id = self.store.resolve(&self.repo.key, prefix)?;
        let mut s = Session::open(&id, self.store.session_dir(&self.repo.key, &id))?;
        s.attach(&self.actor())?;
        crate::exec::registry::reap(self, &mut s);
        Ok(s)
    }

    /// Version options from the repository's configuration.
    pub fn version_options(&self) -> crate::release::VersionOptions {
        crate::release::VersionOptions {
            tag_pattern: self.config.project.tag_pattern.clone(),
            breaking_bumps_minor_pre_1: self.config.project.pre_1_breaking_bumps_minor,
            feat_bumps_patch_pre_1: self.config.project.pre_1_feat_bumps_patch,
            ..Default::default()
        }
    }

    /// The next version proposed from tags and conventional commits.
    pub fn propose_version(&self) -> Result<crate::release::NextVersion> {
        let repo = self.repo.open()?;
        Ok(crate::release::next_version(
            &repo,
            &self.version_options(),
        )?)
    }

    /// Start a session of a playbook.
    pub fn start_session(
        &self,
        scenario: &str,
        version: Option<semver::Version>,
    ) -> Result<Session> {
        let catalog = self.playbooks()?;
        let playbook = catalog.get(scenario).ok_or_else(|| {
            let ids: Vec<&str> = catalog.list().map(|p| p.id.as_str()).collect();
            eyre!(
                "unknown scenario `{scenario}`; playbooks: {}",
                ids.join(", ")
            )
        })?;
        // The previous release, from history; a repository without tags or
        // commits simply has none.
        let previous = self
            .propose_version()
            .ok()
            .and_then(|nv| nv.previous)
            .map(|v| v.to_string());
        let started = SessionStarted {
            plan: Plan::from(playbook),
            version: version.map(|v| v.to_string()),
            previous_version: previous,
            repo: self.repo.name.clone(),
        };
        Ok(self
            .store
            .create_session(&self.repo.key, started, &self.actor(), &self.who)?)
    }

    /// Where the cockpit marks the simulated canary's injected regression,
    /// so the CLI judges the same canary as the pane.
    pub fn regression_marker(&self) -> std::path::PathBuf {
        self.sessions_dir()
            .parent()
            .map(|p| p.join("simulated-regression"))
            .unwrap_or_else(|| self.sessions_dir().join("simulated-regression"))
    }

    /// The store folder holding this repository's sessions.
    pub fn sessions_dir(&self) -> std::path::PathBuf {
        self.store.sessions_dir(&self.repo.key)
    }

    /// What an audit sync with `remote` (default: `[audit] remote`) works
    /// on, owned, so the app can sync off its UI thread.
    pub fn sync_target(&self, remote: Option<&str>) -> Result<SyncTarget> {
        let repo = self.repo.open()?;
        Ok(SyncTarget {
            git_dir: repo.path().to_path_buf(),
            sessions_dir: self.sessions_dir(),
            remote: remote.unwrap_or(&self.config.audit.remote).to_string(),
        })
    }

    /// Pull and push the audit trail (`refs/greenlight/audit`).
    pub fn sync(&self, remote: Option<&str>) -> Result<crate::audit::git_sync::SyncReport> {
        Ok(self.sync_target(remote)?.sync()?)
    }

    /// What follows an action, by configuration: tag the release when its
    /// session just completed, and sync the audit trail. Failures never
    /// undo the action; they come back as messages to show.
    pub fn after_action(&self, session: &mut Session) -> Vec<String> {
        let mut messages: Vec<String> = self.tag_if_completed(session).into_iter().collect();
        if self.config.audit.auto_sync {
            match self.sync(None) {
                Ok(r) => messages.extend(sync_warnings(&r)),
                Err(e) => messages.push(format!(
                    "warning: audit sync failed (the session goes on): {e}"
                )),
            }
        }
        messages
    }

    /// With `[audit] tag_on_complete`, tag the release of a session that
    /// has just completed (once). What happened, when anything did.
    pub fn tag_if_completed(&self, session: &mut Session) -> Option<String> {
        let st = session.state();
        if !(self.config.audit.tag_on_complete
            && st.status == crate::session::SessionStatus::Completed
            && st.tags.is_empty())
        {
            return None;
        }
        let version = st.version.clone()?;
        Some(match self.tag_release(session, &version) {
            Ok(tag) => format!("tagged the release {tag}"),
            Err(e) => format!("warning: could not tag the release: {e:#}"),
        })
    }

    /// Release notes in markdown from the commits between `from` (default:
    /// the last release tag) and `to` (default: HEAD), titled with the
    /// version they release. The CLI prints them; the app drafts a
    /// session's notes from them.
    pub fn release_notes_markdown(&self, from: Option<&str>, to: Option<&str>) -> Result<String> {
        self.notes_job().markdown(from, to)
    }

    /// What drafting notes needs, owned, so the app drafts them off its
    /// UI thread (a long history takes a moment).
    pub fn notes_job(&self) -> NotesJob {
        NotesJob {
            root: self.repo.root.clone(),
            name: self.repo.name.clone(),
            options: self.version_options(),
        }
    }

    /// Tag HEAD as the release of a completed session and record it.
    pub fn tag_release(&self, session: &mut Session, version: &str) -> Result<String> {
        let repo = self.repo.open()?;
        let v = semver::Version::parse(version)?;
        let name = self.version_options().pattern()?.format(&v);
        let message = format!(
            "Release {v}\n\ngreenlight session {} ({})",
            session.id(),
            session.state().plan.playbook
        );
        let oid = crate::release::tag::tag_head(&repo, &name, &message)?;
        let commit = repo.find_tag(oid)?.target_id().to_string();
        let payload =
            crate::session::Payload::ReleaseTagged(crate::session::payload::ReleaseTagged {
                tag: name.clone(),
                commit,
                version: Some(v.to_string()),
            });
        session.execute(&self.who, &Command::Record(payload))?;
        Ok(name)
    }

    /// Perform a command as the person at the keyboard, enforcing the
    /// team roster for sign-offs.
    pub fn perform(&self, session: &mut Session, cmd: &Command) -> Result<Vec<Event>> {
        if let Command::Signoff { role, .. } = cmd {
            self.config
                .may_sign_as(&self.who.email, role)
                .map_err(|e| eyre!(e))?;
        }
        Ok(session.execute(&self.who, cmd)?)
    }
}
