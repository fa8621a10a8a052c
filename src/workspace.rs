//! The context both front ends act in: the repository, its configuration,
//! the store, and the person acting. Every action a person can take goes
//! through here, so the CLI and the TUI enforce the same rules.

use std::path::Path;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::config::{RepoConfig, UserConfig};
use crate::identity::{self, Overrides};
use crate::playbook::Catalog;
use crate::repo::RepoContext;
use crate::session::payload::SessionStarted;
use crate::session::{Command, Event, Plan, Session, Store, Who};

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
        let device = store
            .device_id()
            .wrap_err("cannot read or create the device id")?;
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
        Ok(s)
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
        let started = SessionStarted {
            plan: Plan::from(playbook),
            version: version.map(|v| v.to_string()),
            previous_version: None,
            repo: self.repo.name.clone(),
        };
        Ok(self
            .store
            .create_session(&self.repo.key, started, &self.actor(), &self.who)?)
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
