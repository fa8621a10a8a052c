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

    /// The next version proposed from tags and conventional commits (as
    /// [`Workspace::propose_version`]), off the workspace's thread.
    pub fn next_version(&self) -> Result<crate::release::NextVersion> {
        let repo = git2::Repository::open(&self.root).map_err(crate::repo::RepoError::from)?;
        Ok(crate::release::next_version(&repo, &self.options)?)
    }
}

/// Reading the release train, owned (see [`Workspace::train_job`]).
#[derive(Debug, Clone)]
pub struct TrainJob {
    root: std::path::PathBuf,
    config: Option<crate::train::TrainConfig>,
    store: Store,
    notes: NotesJob,
}

impl TrainJob {
    /// Every component from its repository, the system version, the
    /// blockers. `fetch`: fetch components' remotes again.
    pub fn read(&self, fetch: bool) -> Result<crate::train::TrainStatus> {
        let path = self.root.join(crate::release::MANIFEST_FILE);
        let manifest = crate::release::Manifest::load(&path).wrap_err(
            "the release train reads release-manifest.toml at the repository's root; create it (see the README's release train section)",
        )?;
        let release_as = self
            .notes
            .next_version()
            .ok()
            .filter(|nv| nv.bump == crate::release::Bump::ReleaseAs)
            .map(|nv| nv.next);
        let cache = self.store.root().join("train-cache");
        Ok(crate::train::status::read(&crate::train::TrainInputs {
            system_root: &self.root,
            manifest: &manifest,
            config: self.config.as_ref(),
            store: &self.store,
            cache: &cache,
            fetch,
            today: crate::train::schedule::today(),
            release_as,
        }))
    }
}

/// Completed, and no release tag recorded yet.
fn completed_untagged(st: &crate::session::SessionState) -> bool {
    st.status == crate::session::SessionStatus::Completed && st.tags.is_empty()
}

/// A version that already has a session here (see
/// [`Workspace::same_version`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SameVersion {
    pub version: semver::Version,
    pub session: String,
    pub status: crate::session::SessionStatus,
}

impl std::fmt::Display for SameVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "version {} already has {} session here ({})",
            self.version,
            match self.status {
                crate::session::SessionStatus::Open => "an open",
                _ => "a completed",
            },
            self.session
        )
    }
}

/// The warnings a sync report carries (forks or tampering), one sentence
/// each, for a status line or stderr.
pub fn sync_warnings(r: &SyncReport) -> Vec<String> {
    let mut out: Vec<String> = r
        .merge
        .forks
        .iter()
        .map(|f| {
            format!(
                "FORK OR TAMPER: {} of session {} differs on {} in a way no append explains; {} copy keeps the name, the other is kept as {}",
                f.file,
                f.session,
                r.remote,
                if f.canonical == "ours" { "our" } else { "their" },
                f.kept_as.display()
            )
        })
        .collect();
    out.extend(r.merge.rejected.iter().map(|x| {
        format!(
            "REFUSED from {}: {} of session {}: {}{}",
            r.remote,
            x.file,
            x.session,
            x.why,
            x.kept_as
                .as_ref()
                .map(|k| format!(" (kept as {})", k.display()))
                .unwrap_or_default()
        )
    }));
    out.extend(
        r.merge
            .skipped
            .iter()
            .map(|x| format!("SKIPPED from {}: {x}", r.remote)),
    );
    out
}

/// The built-in playbook a release train runs.
pub const TRAIN_SCENARIO: &str = "release-train";

/// What only some sessions are started with.
#[derive(Debug, Clone, Default)]
pub struct StartExtras {
    /// The monorepo component the session releases.
    pub component: Option<String>,
    /// Why a train leaves off its schedule (required when it does).
    pub off_schedule: Option<String>,
}

/// A train session started outside its window, without a reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}; give the reason to run it anyway (greenlight new --off-schedule REASON)")]
pub struct TrainOffSchedule {
    pub why: String,
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
    /// The signing key, loaded once when first needed (every write and
    /// every audit commit sign with it; the app asks on each sync).
    signer: std::sync::OnceLock<Result<Option<std::sync::Arc<crate::signing::Signer>>, String>>,
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
        let who = identity::resolve_in_team(git.as_ref(), &over, |email| {
            config
                .people
                .iter()
                .find(|p| p.email.eq_ignore_ascii_case(email))
                .map(|p| p.name.clone())
        })?;
        let actor = identity::actor_id(&who, &device);
        Ok(Workspace {
            repo,
            config,
            user,
            store,
            device,
            who,
            actor,
            signer: std::sync::OnceLock::new(),
        })
    }

    /// What the team calls the project: `[project] name`, else the
    /// repository's folder name.
    pub fn project_name(&self) -> &str {
        self.config
            .project
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.repo.name)
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
        Ok(self.store.open_for_reading(&self.repo.key, prefix)?)
    }

    /// Open `s` for writing as this process's actor, signing with the
    /// person's key when one is configured.
    pub fn attach(&self, s: &mut Session) -> Result<()> {
        let signer = self.signer()?;
        s.attach(&self.actor())?;
        s.set_signer(signer);
        Ok(())
    }

    /// Open a session for writing as this process's actor: the one named,
    /// or the last open one.
    pub fn session_for_writing(&self, prefix: Option<&str>) -> Result<Session> {
        let mut s = self.store.open_current(&self.repo.key, prefix)?;
        self.attach(&mut s)?;
        let notes = crate::exec::registry::reap(self, &mut s);
        s.add_notices(notes);
        Ok(s)
    }

    /// Version options from the repository's configuration.
    pub fn version_options(&self) -> crate::release::VersionOptions {
        crate::release::VersionOptions {
            tag_pattern: self.config.project.tag_pattern.clone(),
            breaking_bumps_minor_pre_1: self.config.project.pre_1_breaking_bumps_minor,
            feat_bumps_patch_pre_1: self.config.project.pre_1_feat_bumps_patch,
            notes_skip: self.config.project.notes_skip.clone(),
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

    /// The next version of the repository, or of one of its monorepo
    /// components (its tags and the commits touching its `path`).
    pub fn propose_version_for(
        &self,
        component: Option<&str>,
    ) -> Result<crate::release::NextVersion> {
        let Some(name) = component else {
            return self.propose_version();
        };
        let opts = self.version_options_for(name)?;
        let repo = self.repo.open()?;
        Ok(crate::release::next_version(&repo, &opts)?)
    }

    /// Version options for one component of this repository: its tag
    /// pattern (the manifest's, else `{component}-v{version}` unless
    /// `[project] tag_pattern` says otherwise), and its folder when the
    /// manifest names one, so only the commits touching it count.
    pub fn version_options_for(&self, name: &str) -> Result<crate::release::VersionOptions> {
        let mut opts = self.version_options();
        opts.component = Some(name.to_owned());
        let path = self.repo.root.join(crate::release::MANIFEST_FILE);
        let entry = if path.exists() {
            crate::release::Manifest::load(&path)?
                .component(name)
                .cloned()
        } else {
            None
        };
        match entry {
            Some(e) => {
                opts.tag_pattern = e.tag_pattern().to_owned();
                opts.path = e.subpath().map(str::to_owned);
            }
            None if opts.tag_pattern == crate::release::VersionOptions::default().tag_pattern => {
                opts.tag_pattern = crate::release::VersionOptions::for_component(name).tag_pattern;
            }
            None => {}
        }
        Ok(opts)
    }

    /// A session of `version` already here, open or completed (the latest
    /// one): a second release of a version is started only on purpose
    /// (`new --again`, or a yes in the app).
    pub fn same_version(&self, version: &semver::Version) -> Result<Option<SameVersion>> {
        let same = self
            .store
            .sessions_for_version(&self.repo.key, &version.to_string())?;
        Ok(same.last().map(|(id, status)| SameVersion {
            version: version.clone(),
            session: id.clone(),
            status: *status,
        }))
    }

    /// What the preflight finds in `scenario`'s playbook (programs,
    /// report folders, configuration), one line each: shown when a
    /// session starts, in the CLI and the app. None for an unknown one.
    pub fn preflight(&self, scenario: &str) -> Vec<String> {
        let Ok(cat) = self.playbooks() else {
            return Vec::new();
        };
        let mut out: Vec<String> = cat
            .get(scenario)
            .map(|p| {
                crate::playbook::preflight::check(p, &self.repo.root, &self.config)
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            })
            .unwrap_or_default();
        out.extend(self.team_config().1);
        for (i, t) in self.config.notify.iter().enumerate() {
            if let Some(p) = t.problem(i) {
                out.push(p);
            } else if let Some(var) = &t.url_env
                && std::env::var(var).map_or(true, |v| v.trim().is_empty())
            {
                out.push(format!(
                    "[[notify]] {}: the environment variable {var} (its URL) is not set here; its notifications will fail until it is",
                    t.name_at(i)
                ));
            }
        }
        out
    }

    /// Start a session of a playbook as this process's person.
    pub fn start_session(
        &self,
        scenario: &str,
        version: Option<semver::Version>,
    ) -> Result<Session> {
        self.start_session_as(&self.who, scenario, version)
    }

    /// Start a session of a playbook as `who` (the person at the keyboard);
    /// the actor file is this process's.
    pub fn start_session_as(
        &self,
        who: &Who,
        scenario: &str,
        version: Option<semver::Version>,
    ) -> Result<Session> {
        self.start_session_with(who, scenario, version, &StartExtras::default())
    }

    /// Is `scenario` this repository's release train (the built-in
    /// `release-train`, with `[train]` configured)?
    pub fn is_train(&self, scenario: &str) -> bool {
        scenario == TRAIN_SCENARIO && self.config.train.is_some()
    }

    /// The train a session of `scenario` starting today would run, or why
    /// it needs a reason (it is off schedule). `None`: not a train.
    pub fn train_for(
        &self,
        scenario: &str,
    ) -> Result<Option<(crate::train::Departure, Option<String>)>> {
        let Some(cfg) = self
            .config
            .train
            .as_ref()
            .filter(|_| self.is_train(scenario))
        else {
            return Ok(None);
        };
        let today = crate::train::schedule::today();
        let days = cfg.cadence_days()?;
        let first = cfg.first_date()?;
        let Some(d) = crate::train::next_departure(first, days, today) else {
            return Ok(None);
        };
        if !d.in_window(today) {
            return Ok(Some((
                d,
                Some(format!(
                    "train {}'s window opens on {}: today is before the schedule",
                    d.number, d.window_opens
                )),
            )));
        }
        for id in self.store.session_ids(&self.repo.key)? {
            let Ok(s) = Session::open_cached(&id, self.store.session_dir(&self.repo.key, &id))
            else {
                continue;
            };
            let st = s.state();
            if st.train.as_ref().is_some_and(|t| t.number == d.number)
                && matches!(
                    st.status,
                    crate::session::SessionStatus::Open | crate::session::SessionStatus::Completed
                )
            {
                return Ok(Some((
                    d,
                    Some(format!(
                        "train {} already has session {id} ({}): another one is an extra train",
                        d.number,
                        st.status.word()
                    )),
                )));
            }
        }
        Ok(Some((d, None)))
    }

    /// The train as the manifest and the components' repositories tell it.
    /// `fetch`: fetch components' remotes again.
    pub fn train_status(&self, fetch: bool) -> Result<crate::train::TrainStatus> {
        self.train_job().read(fetch)
    }

    /// What reading the train needs, owned, so the app reads it off its
    /// UI thread (every component's repository is opened).
    pub fn train_job(&self) -> TrainJob {
        TrainJob {
            root: self.repo.root.clone(),
            config: self.config.train.clone(),
            store: self.store.clone(),
            notes: self.notes_job(),
        }
    }

    /// [`Workspace::start_session_as`] with what only some sessions have:
    /// the monorepo component, the reason a train leaves off schedule.
    pub fn start_session_with(
        &self,
        who: &Who,
        scenario: &str,
        version: Option<semver::Version>,
        extras: &StartExtras,
    ) -> Result<Session> {
        let train = match self.train_for(scenario)? {
            None => None,
            Some((d, None)) => Some((d, None)),
            Some((d, Some(why))) => match extras.off_schedule.as_deref().map(str::trim) {
                Some(reason) if !reason.is_empty() => Some((d, Some(reason.to_owned()))),
                _ => {
                    return Err(TrainOffSchedule { why }.into());
                }
            },
        };
        let train = train.map(|(d, off)| {
            Box::new(crate::session::payload::FrozenTrain {
                number: d.number,
                departs: d.date.to_string(),
                dm: self.config.train.as_ref().and_then(|t| t.dm.clone()),
                off_schedule: off,
            })
        });
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
        let (team, _) = self.team_config();
        let started = SessionStarted {
            plan: Plan::from(playbook),
            version: version.map(|v| v.to_string()),
            previous_version: previous,
            repo: self.repo.name.clone(),
            source: crate::playbook::source_of(playbook, &self.repo.root),
            people: team.people.iter().map(Into::into).collect(),
            policy: crate::session::payload::Policy {
                override_roles: team.policy.override_roles.clone(),
            },
            canary: self.frozen_canary(playbook),
            signatures: self.frozen_signatures(team.audit.require_signatures),
            notify: team
                .notify
                .iter()
                .enumerate()
                .map(|(i, t)| crate::notify::FrozenTarget {
                    name: t.name_at(i),
                    on: t.on.clone(),
                })
                .collect(),
            component: extras.component.clone(),
            train,
        };
        Ok(self.store.create_session_signed(
            &self.repo.key,
            started,
            &self.actor(),
            who,
            self.signer()?,
        )?)
    }

    /// The signature rules a session starting now freezes:
    /// `require_signatures`, and the allowed signers of the commit it
    /// starts on (`.greenlight/allowed_signers` at HEAD, so a key added in
    /// the working tree and not committed signs nothing), else git's
    /// `gpg.ssh.allowedSignersFile`.
    pub fn frozen_signatures(
        &self,
        require: crate::session::signatures::Require,
    ) -> crate::session::signatures::FrozenSignatures {
        let (allowed_signers, origin) = match self.allowed_signers_text() {
            Some((text, origin)) => (Some(text), origin),
            None => (None, String::new()),
        };
        crate::session::signatures::FrozenSignatures {
            require,
            allowed_signers,
            origin,
        }
    }

    /// The allowed-signers file's text and where it was read.
    pub fn allowed_signers_text(&self) -> Option<(String, String)> {
        const PATH: &str = ".greenlight/allowed_signers";
        if let Some(text) = self.at_head(PATH) {
            return Some((text, format!("HEAD:{PATH}")));
        }
        let git = self.repo.open().ok()?;
        let file = git
            .config()
            .ok()?
            .get_path("gpg.ssh.allowedSignersFile")
            .ok()?;
        let text = std::fs::read_to_string(&file).ok()?;
        Some((text, file.display().to_string()))
    }

    /// A file's text as the commit at HEAD holds it (None: not committed).
    fn at_head(&self, path: &str) -> Option<String> {
        let git = self.repo.open().ok()?;
        let tree = git.head().ok()?.peel_to_tree().ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = entry.to_object(&git).ok()?.peel_to_blob().ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// The team, the policy and the signature rule a session starting now
    /// freezes: from `.greenlight.toml` as HEAD holds it, so a role given
    /// in an uncommitted edit grants nothing; from the working tree only
    /// when the file was never committed (then nothing about it was
    /// reviewed either way). The second value says what was left out.
    pub fn team_config(&self) -> (RepoConfig, Option<String>) {
        let Some(text) = self.at_head(RepoConfig::FILE) else {
            return (self.config.clone(), None);
        };
        match crate::config::parse_toml::<RepoConfig>(
            &text,
            Path::new(&format!("HEAD:{}", RepoConfig::FILE)),
        ) {
            Ok(committed) => {
                let differs = committed.people != self.config.people
                    || committed.policy != self.config.policy
                    || committed.audit.require_signatures != self.config.audit.require_signatures;
                let note = differs.then(|| {
                    format!(
                        "{}: the team ([[people]]), [policy] or require_signatures differ from the last commit; a session takes them from the commit (commit the change to use it)",
                        RepoConfig::FILE
                    )
                });
                (committed, note)
            }
            Err(e) => (
                self.config.clone(),
                Some(format!(
                    "the committed {} does not read ({e}); the working tree's is used",
                    RepoConfig::FILE
                )),
            ),
        }
    }

    /// The person's signing key, when one is configured (`[signing] key`,
    /// else git's `user.signingkey` with `gpg.format = ssh`).
    pub fn signer(&self) -> Result<Option<std::sync::Arc<crate::signing::Signer>>> {
        self.signer
            .get_or_init(|| self.load_signer().map_err(|e| format!("{e:#}")))
            .clone()
            .map_err(|e| eyre!("{e}"))
    }

    fn load_signer(&self) -> Result<Option<std::sync::Arc<crate::signing::Signer>>> {
        let signing = self.user.signing.as_ref();
        let git_config = self.repo.open().ok().and_then(|g| g.config().ok());
        let Some(setting) = crate::signing::key::KeySetting::find(
            signing.and_then(|s| s.key.as_deref()),
            signing.and_then(|s| s.program.as_deref()),
            git_config.as_ref(),
        ) else {
            return Ok(None);
        };
        Ok(Some(std::sync::Arc::new(crate::signing::Signer::load(
            &setting,
        )?)))
    }

    /// The canary plan a session of `playbook` runs to: its canary step's
    /// own weights and observation time, else `[canary]`'s; None without
    /// a canary step or a plan.
    fn frozen_canary(
        &self,
        playbook: &crate::playbook::Playbook,
    ) -> Option<crate::session::payload::FrozenCanary> {
        let step = playbook
            .steps
            .iter()
            .find(|s| s.kind == crate::playbook::StepKind::Canary)?;
        let plan_step = crate::session::PlanStep::from(step);
        let config = self.config.canary.as_ref();
        let plan = match config {
            Some(c) => {
                let state = crate::session::SessionState::empty("plan");
                let mut p = crate::canary::ops::plan_for(c, Some(&state), None);
                if !plan_step.weights.is_empty() && c.strategy == crate::canary::Strategy::Canary {
                    let observe = plan_step
                        .min_observation_secs
                        .map_or_else(|| c.min_observation(), std::time::Duration::from_secs);
                    p.steps = plan_step
                        .weights
                        .iter()
                        .map(|&weight| crate::canary::plan::WeightStep {
                            weight,
                            min_observation: observe,
                            label: format!("{weight}%"),
                        })
                        .collect();
                }
                p
            }
            None if !plan_step.weights.is_empty() => {
                return Some(crate::session::payload::FrozenCanary {
                    weights: plan_step.weights.clone(),
                    min_observation_secs: plan_step.min_observation_secs.unwrap_or(0),
                });
            }
            None => return None,
        };
        let last = plan.steps.last()?;
        Some(crate::session::payload::FrozenCanary {
            weights: plan.steps.iter().map(|s| s.weight).collect(),
            min_observation_secs: last.min_observation.as_secs(),
        })
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
            trail: self.trail(),
            remote: remote.unwrap_or(&self.config.audit.remote).to_string(),
        })
    }

    /// This clone's side of the audit trail (its sessions, its device, the
    /// size limit for what it pulls).
    pub fn trail(&self) -> crate::audit::git_sync::Trail {
        crate::audit::git_sync::Trail {
            sessions_dir: self.sessions_dir(),
            device: self.device.clone(),
            max_file_bytes: self.config.audit.max_file_mib.saturating_mul(1 << 20),
            // A key that does not load is reported by every write; the
            // trail's commits are then left unsigned rather than unsynced.
            signer: self.signer().ok().flatten(),
        }
    }

    /// Verify a session's journals, read-only: every hash and link, the
    /// tails, the files set aside, and (when the session was synced) that
    /// nothing the synced copy holds is missing here.
    pub fn verify(&self, id: &str) -> Result<crate::audit::verify::Report> {
        let dir = self.store.session_dir(&self.repo.key, id);
        let synced = match self.repo.open() {
            Ok(repo) => crate::audit::git_sync::synced_copy(&repo, &self.trail(), id)
                .wrap_err("cannot read the synced copy of the audit trail")?,
            Err(_) => None,
        };
        let trusted = self.allowed_signers_text();
        let mut report = crate::audit::verify::verify_session_trusting(
            &dir,
            id,
            synced.as_ref(),
            trusted.as_ref().map(|(t, o)| (t.as_str(), o.as_str())),
        )?;
        // The rules: every event the fold kept but did not apply because
        // it broke one without an override.
        let session = Session::open(id, dir)?;
        for h in session.state().history.iter().filter(|h| h.broke.is_some()) {
            let what = session.describe_event(h.index).unwrap_or_default();
            report.breaches.push(format!(
                "{} ({}) {what} at {}, breaking rule {} without an override: {}",
                h.by.person(),
                h.by.actor,
                h.by.at,
                h.broke
                    .map(crate::session::Rule::as_str)
                    .unwrap_or_default(),
                h.not_applied.as_deref().unwrap_or_default()
            ));
        }
        Ok(report)
    }

    /// `audit recover`: restore or cut back the journals of a session that
    /// do not verify (see [`crate::audit::recover`]), then record the
    /// person's acknowledgement of everything set aside.
    pub fn recover(&self, id: &str, reason: &str) -> Result<crate::audit::recover::Recovered> {
        if reason.trim().is_empty() {
            return Err(eyre!(
                "a reason is required to recover a journal: say what happened (--reason)"
            ));
        }
        let dir = self.store.session_dir(&self.repo.key, id);
        let synced = match self.repo.open() {
            Ok(repo) => crate::audit::git_sync::synced_copy(&repo, &self.trail(), id)?,
            Err(_) => None,
        };
        let done = crate::audit::recover::recover(&dir, id, synced.as_ref())?;
        if done.is_empty() {
            return Ok(done);
        }
        let mut session = Session::open(id, dir)?;
        self.attach(&mut session)?;
        let ack = crate::session::Payload::JournalRecovered(done.acknowledgement(reason));
        session.execute(&self.who, &Command::Record(ack))?;
        Ok(done)
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
        messages.extend(self.deliver_notifications(session));
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

    /// Send the notifications this device owes (see [`crate::notify`]),
    /// recording each attempt. A failure never fails the release: it is
    /// retried later and comes back as a message to show.
    pub fn deliver_notifications(&self, session: &mut Session) -> Vec<String> {
        let sent: Vec<_> = self
            .outgoing_notifications(session)
            .iter()
            .map(crate::notify::outbox::Outgoing::send)
            .collect();
        self.record_notifications(session, sent)
    }

    /// The deliveries this device owes now, ready to send on any thread
    /// (the app sends them off its UI thread).
    pub fn outgoing_notifications(
        &self,
        session: &Session,
    ) -> Vec<crate::notify::outbox::Outgoing> {
        let st = session.state();
        if st.notify_targets.is_empty() {
            return Vec::new();
        }
        let due =
            crate::notify::outbox::due(st, session.events(), &self.actor(), jiff::Timestamp::now());
        let release = crate::notify::message::Release {
            repo: &st.repo,
            session: &st.id,
            scenario: &st.plan.playbook,
            version: st.version.as_deref(),
        };
        due.into_iter()
            .map(|d| {
                let body = crate::notify::message::Body::of(&d.notice, &release);
                let (json, slack) = (body.json(), body.slack());
                let (subject, text) = (body.subject(), body.chat_text());
                let target = self
                    .config
                    .notify
                    .iter()
                    .enumerate()
                    .find(|(i, t)| t.name_at(*i) == d.target)
                    .map(|(_, t)| t.clone());
                let recipients = target
                    .as_ref()
                    .map(|t| self.recipients(t, &st.people))
                    .unwrap_or_default();
                crate::notify::outbox::Outgoing {
                    due: d,
                    target,
                    json,
                    slack,
                    subject,
                    text,
                    repo_root: self.repo.root.clone(),
                    recipients,
                }
            })
            .collect()
    }

    /// An e-mail target's addresses: the people of its roles (from the
    /// team `people`), then its audiences' lists, each address once.
    fn recipients(
        &self,
        target: &crate::notify::Target,
        people: &[crate::session::payload::RosterEntry],
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let by_role = people
            .iter()
            .filter(|p| p.roles.iter().any(|r| target.roles.contains(r)))
            .map(|p| p.email.clone());
        let listed = target
            .audiences
            .iter()
            .flat_map(|a| self.config.audiences.get(a).cloned().unwrap_or_default());
        for address in by_role.chain(listed) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&address)) {
                out.push(address);
            }
        }
        out
    }

    /// Record delivery attempts; the failures, as messages to show.
    pub fn record_notifications(
        &self,
        session: &mut Session,
        sent: Vec<crate::session::payload::NotificationSent>,
    ) -> Vec<String> {
        let mut messages = Vec::new();
        for n in sent {
            if !n.ok {
                messages.push(format!(
                    "warning: notifying {} of {} failed (attempt {} of {}; the release goes on): {}",
                    n.target,
                    n.moment.replace('_', " "),
                    n.attempt,
                    crate::notify::outbox::MAX_ATTEMPTS,
                    n.result
                ));
            }
            if let Err(e) = session.record(&self.who, &crate::session::Payload::NotificationSent(n))
            {
                messages.push(format!("warning: could not record a notification: {e}"));
                break;
            }
        }
        messages
    }

    /// `greenlight notify test`: a test message to every `[[notify]]`
    /// target; each one's name and answer.
    pub fn notify_test(&self) -> Vec<(String, Result<String, String>)> {
        let notice = crate::notify::moments::Notice {
            moment: crate::notify::Moment::Test,
            cause: String::new(),
            actor: self.actor(),
            who: self.who.name.clone(),
            step: None,
            text: format!("{} is testing greenlight's notifications", self.who.name),
            ask: Some("nothing: this is a test".into()),
            at: jiff::Timestamp::now().to_string(),
        };
        let release = crate::notify::message::Release {
            repo: &self.repo.name,
            session: "-",
            scenario: "-",
            version: None,
        };
        let body = crate::notify::message::Body::of(&notice, &release);
        let people: Vec<crate::session::payload::RosterEntry> =
            self.config.people.iter().map(Into::into).collect();
        self.config
            .notify
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let result = match t.problem(i) {
                    Some(p) => Err(p),
                    None => crate::notify::deliver::send(
                        t,
                        &body,
                        &self.repo.root,
                        &self.recipients(t, &people),
                    ),
                };
                (t.name_at(i), result)
            })
            .collect()
    }

    /// With `[audit] tag_on_complete`, tag the release of a session that
    /// has just completed (once). What happened, when anything did.
    pub fn tag_if_completed(&self, session: &mut Session) -> Option<String> {
        let st = session.state();
        if !(self.config.audit.tag_on_complete == Some(true) && completed_untagged(st)) {
            return None;
        }
        let version = st.version.clone()?;
        Some(match self.tag_release(session, &version) {
            Ok(tag) => format!("tagged the release {tag}"),
            Err(e) => format!("warning: could not tag the release: {e:#}"),
        })
    }

    /// With `[audit] tag_on_complete` unset, a session that completed
    /// untagged is offered a tag: its version and the tag's name.
    pub fn tag_offer(&self, session: &Session) -> Option<(String, String)> {
        let st = session.state();
        if self.config.audit.tag_on_complete.is_some() || !completed_untagged(st) {
            return None;
        }
        let version = st.version.clone()?;
        let v = semver::Version::parse(&version).ok()?;
        let name = self.version_options().pattern().ok()?.format(&v);
        Some((version, name))
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
        let oid = match self.signer()? {
            Some(signer) => {
                let head = repo.head()?.peel_to_commit()?;
                let tagger = repo
                    .signature()
                    .or_else(|_| git2::Signature::now(&self.who.name, &self.who.email))?;
                crate::signing::git::signed_tag(&repo, &signer, &name, &head, &tagger, &message)
                    .wrap_err_with(|| format!("cannot make the signed tag {name}"))?
            }
            None => crate::release::tag::tag_head(&repo, &name, &message)?,
        };
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

    /// A step's command (or rollback) as it may run now: allowed by the
    /// session's rules, and the same command its reviewed playbook gives
    /// (see [`crate::playbook::source`]). Both front ends ask here before
    /// anything runs, so a command read from a journal that came from
    /// another clone never runs unless the playbook here says it.
    pub fn step_command(
        &self,
        state: &crate::session::SessionState,
        step: &str,
        action: crate::exec::StepAction,
    ) -> Result<crate::exec::StepCommand> {
        let plan = crate::exec::StepCommand::plan(state, step, action).map_err(|e| eyre!(e))?;
        self.confirm_command(state, &plan.step, action, &plan.command)?;
        Ok(plan)
    }

    /// Refuse `command` unless the session's reviewed playbook gives it
    /// for `step` (as its `run`, or its `rollback`).
    pub fn confirm_command(
        &self,
        state: &crate::session::SessionState,
        step: &str,
        action: crate::exec::StepAction,
        command: &str,
    ) -> Result<()> {
        let field = match action {
            crate::exec::StepAction::Run => "run",
            crate::exec::StepAction::Rollback => "rollback",
        };
        let from = state.source.as_ref().map_or_else(
            || format!("playbook `{}` here", state.plan.playbook),
            |s| s.describe(),
        );
        let reviewed = crate::playbook::reviewed_playbook(
            state.source.as_ref(),
            &state.plan.playbook,
            &self.repo.root,
        )
        .map_err(|why| {
            eyre!(
                "refused to run `{command}` for step `{step}`: its playbook cannot be confirmed ({why}); nothing ran"
            )
        })?;
        let expected = reviewed
            .steps
            .iter()
            .find(|s| s.id == step)
            .and_then(|s| match action {
                crate::exec::StepAction::Run => s.run.clone(),
                crate::exec::StepAction::Rollback => s.rollback.clone(),
            });
        if expected.as_deref() == Some(command) {
            return Ok(());
        }
        Err(eyre!(
            "refused to run step `{step}`'s {field}: the session says `{}`, but its reviewed playbook ({from}) says {}. The session's copy of its playbook was changed (or came from another clone); nothing ran. Start a new session from the reviewed playbook.",
            crate::text::one_line(command),
            expected.map_or_else(
                || "no such command".to_string(),
                |e| format!("`{}`", crate::text::one_line(&e))
            )
        ))
    }

    /// A canary command about to run for the session's canary step: when
    /// it is the step's own `rollback` (read from the journal), it must be
    /// the reviewed playbook's; commands from `[canary]` come from this
    /// clone's configuration and need no check.
    pub fn confirm_canary_command(
        &self,
        state: &crate::session::SessionState,
        step: &str,
        command: &str,
    ) -> Result<()> {
        let from_journal = state
            .plan
            .step(step)
            .and_then(|p| p.rollback.as_deref())
            .is_some_and(|r| r == command);
        if from_journal {
            self.confirm_command(state, step, crate::exec::StepAction::Rollback, command)?;
        }
        Ok(())
    }

    /// Perform a command as this process's person (`who`). Every rule
    /// (the team's roles among them, as the session froze them at its
    /// start) is the fold's.
    pub fn perform(&self, session: &mut Session, cmd: &Command) -> Result<Vec<Event>> {
        self.perform_as(&self.who, session, cmd)
    }

    /// [`Workspace::perform`], overriding the rules it breaks when
    /// `override_reason` is given (recorded as its own event).
    pub fn perform_with(
        &self,
        session: &mut Session,
        cmd: &Command,
        override_reason: Option<&str>,
    ) -> Result<Vec<Event>> {
        self.perform_as_with(&self.who, session, cmd, override_reason)
    }

    /// Perform a command as `who` (the person at the keyboard, who may
    /// not be this process's own identity when pairing). The event goes
    /// into this process's actor file whoever acts.
    pub fn perform_as(
        &self,
        who: &Who,
        session: &mut Session,
        cmd: &Command,
    ) -> Result<Vec<Event>> {
        self.perform_as_with(who, session, cmd, None)
    }

    /// [`Workspace::perform_as`], overriding the rules it breaks when
    /// `override_reason` is given.
    pub fn perform_as_with(
        &self,
        who: &Who,
        session: &mut Session,
        cmd: &Command,
        override_reason: Option<&str>,
    ) -> Result<Vec<Event>> {
        Ok(session.execute_with(who, cmd, override_reason)?)
    }

    /// Where a step command or a canary job records, as `who`.
    pub fn journal<'a>(&'a self, session: &'a mut Session, who: &'a Who) -> WorkspaceJournal<'a> {
        WorkspaceJournal {
            ws: self,
            session,
            who,
        }
    }
}

/// The real journal of step commands and canary jobs: a session opened
/// for writing in a workspace, written as `who`.
pub struct WorkspaceJournal<'a> {
    ws: &'a Workspace,
    session: &'a mut Session,
    who: &'a Who,
}

impl crate::exec::Journal for WorkspaceJournal<'_> {
    fn state(&self) -> &crate::session::SessionState {
        self.session.state()
    }

    fn perform(&mut self, cmd: &Command) -> Result<Vec<Event>, crate::exec::ExecError> {
        self.ws
            .perform_as(self.who, self.session, cmd)
            .map_err(|e| crate::exec::ExecError::Record(format!("{e:#}")))
    }

    fn registry(&self) -> Option<crate::exec::registry::Registry> {
        Some(crate::exec::registry::Registry::of_session(
            self.session.dir(),
        ))
    }
}
