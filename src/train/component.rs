//! One component of the train as its own repository tells it: where it
//! lives, what it would release next, and its own release session.
//!
//! A component's repository is, in order: its `repo` checkout (relative
//! to the system repository), the cached clone of its `remote`, or the
//! system repository itself when it only names a `path` (a monorepo).
//! Its session is read from the sessions this machine keeps for that
//! checkout (so a session completing there shows here at once), else from
//! the audit trail synced into the repository (`refs/greenlight/audit`).
//! Everything read from another repository is input: it is folded by the
//! same rules as any journal, and its text is escaped before display.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit::git_sync::AUDIT_REF;
use crate::release::{self, Component, VersionOptions};
use crate::repo::RepoContext;
use crate::session::state::merge_runs;
use crate::session::{Session, SessionState, SessionStatus, Store};

/// Where a component's history was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Location {
    /// A local checkout (`repo`), or the system repository (monorepo).
    Checkout { path: String },
    /// The cached clone of `remote`.
    Remote { url: String, cache: String },
    /// Only the manifest knows it.
    Unknown,
}

/// A component's own release session, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentSession {
    pub id: String,
    pub scenario: String,
    pub version: Option<String>,
    /// open, completed, aborted.
    pub status: String,
    pub steps_done: usize,
    pub steps_total: usize,
    /// The canary's weight and latest verdict there, when it has one.
    pub canary_weight: Option<u32>,
    pub canary_verdict: Option<String>,
    /// Each role's latest decision: `pm approved by Pat`.
    pub signoffs: Vec<SignoffLine>,
    /// Failed, rolled back or rejected steps: what is wrong there.
    pub troubles: Vec<String>,
    /// Where it was read: the local store or the synced audit trail.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignoffLine {
    pub role: String,
    pub approved: bool,
    pub by: String,
}

/// A commit since the component's last release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitLine {
    pub id: String,
    pub header: String,
}

/// What a component's repository says about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentReading {
    pub location: Location,
    /// The folder it lives in, in a monorepo.
    pub path: Option<String>,
    /// The tag pattern of its releases.
    pub tag_pattern: Option<String>,
    /// Its last release tag and version, from its own tags.
    pub last_tag: Option<String>,
    pub next_version: Option<String>,
    pub next_tag: Option<String>,
    /// none, patch, minor, major, release-as, initial, …
    pub bump: Option<String>,
    pub reason: Option<String>,
    /// Newest first.
    pub commits: Vec<CommitLine>,
    /// The commit its release would be cut from (HEAD of its checkout).
    pub head: Option<String>,
    pub session: Option<ComponentSession>,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
}

/// A reading with nothing in it (the manifest's entry only).
pub fn read_nothing(c: &Component) -> ComponentReading {
    ComponentReading::failed(
        Location::Unknown,
        c.subpath().map(str::to_owned),
        String::new(),
    )
}

impl ComponentReading {
    fn failed(location: Location, path: Option<String>, error: String) -> Self {
        ComponentReading {
            location,
            path,
            tag_pattern: None,
            last_tag: None,
            next_version: None,
            next_tag: None,
            bump: None,
            reason: None,
            commits: Vec::new(),
            head: None,
            session: None,
            error: Some(error),
        }
    }
}

/// Read one component. `system_root` is the system repository's root;
/// `store` is this machine's store (sessions of local checkouts);
/// `cache` is where remotes are cloned; `fetch` refreshes a remote's
/// cache (otherwise it is fetched only when there is none yet).
pub fn read(
    name: &str,
    c: &Component,
    system_root: &Path,
    store: &Store,
    cache: &Path,
    fetch: bool,
) -> ComponentReading {
    let path = c.subpath().map(str::to_owned);
    let (location, checkout) = match locate(c, system_root, cache, fetch) {
        Ok(found) => found,
        Err((location, e)) => return ComponentReading::failed(location, path, e),
    };
    let Some(dir) = checkout else {
        return ComponentReading::failed(
            Location::Unknown,
            path,
            "the manifest names no `repo`, `remote` or `path` for it".into(),
        );
    };
    let repo = match git2::Repository::open(&dir) {
        Ok(r) => r,
        Err(e) => {
            return ComponentReading::failed(
                location,
                path,
                format!("cannot open {}: {}", dir.display(), e.message()),
            );
        }
    };
    let opts = VersionOptions {
        tag_pattern: c.tag_pattern().to_owned(),
        component: Some(name.to_owned()),
        path: path.clone(),
        ..VersionOptions::default()
    };
    let mut out = ComponentReading::failed(location.clone(), path.clone(), String::new());
    out.error = None;
    out.tag_pattern = Some(opts.tag_pattern.clone());
    out.head = release::history::head_commit(&repo)
        .ok()
        .map(|o| o.to_string());
    match release::next_version(&repo, &opts) {
        Ok(nv) => {
            out.last_tag = nv.previous_tag.clone();
            out.next_version = Some(nv.next.to_string());
            out.next_tag = Some(nv.next_tag.clone());
            out.bump = Some(nv.bump.to_string());
            out.reason = Some(nv.reason.clone());
            out.commits = nv
                .commits
                .iter()
                .map(|ci| CommitLine {
                    id: ci.commit.short_id.clone(),
                    header: ci.message.header.clone(),
                })
                .collect();
        }
        Err(e) => out.error = Some(format!("cannot read its history: {e}")),
    }
    let monorepo = path.is_some();
    out.session = match &location {
        Location::Checkout { .. } => local_session(store, &dir, name, monorepo)
            .or_else(|| synced_session(&repo, name, monorepo)),
        Location::Remote { .. } => synced_session(&repo, name, monorepo),
        Location::Unknown => None,
    };
    out
}

/// The commit a component's manifest version names: its release tag's
/// commit when the tag exists, else the HEAD of its checkout. Only local
/// repositories are read (`repo`, or `path` in this one); `None` when
/// there is none or it cannot be read.
pub fn release_commit(name: &str, c: &Component, system_root: &Path) -> Option<String> {
    let dir = match (&c.repo, &c.path) {
        (Some(rel), _) => system_root.join(rel),
        (None, Some(_)) => system_root.to_path_buf(),
        (None, None) => return None,
    };
    let repo = git2::Repository::discover(&dir).ok()?;
    let tag = crate::release::TagPattern::new(c.tag_pattern(), Some(name))
        .ok()?
        .format(&c.version);
    let commit = release::resolve_commit(&repo, &tag)
        .or_else(|_| release::history::head_commit(&repo))
        .ok()?;
    Some(commit.to_string())
}

/// The repository a component lives in, and where it was found.
fn locate(
    c: &Component,
    system_root: &Path,
    cache: &Path,
    fetch: bool,
) -> Result<(Location, Option<PathBuf>), (Location, String)> {
    if let Some(rel) = &c.repo {
        let dir = system_root.join(rel);
        let shown = dir.display().to_string();
        if !dir.exists() {
            return Err((
                Location::Checkout {
                    path: shown.clone(),
                },
                match &c.remote {
                    Some(_) => format!(
                        "no checkout at {shown} (its remote is used only when `repo` is not given)"
                    ),
                    None => format!(
                        "no checkout at {shown}; clone it there or fix `repo` in the manifest"
                    ),
                },
            ));
        }
        // The top of its working tree (`repo` may name a folder in it);
        // cheaper than the store's key, which walks to the first commit.
        let root = git2::Repository::discover(&dir)
            .ok()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
            .unwrap_or(dir.clone());
        return Ok((
            Location::Checkout {
                path: root.display().to_string(),
            },
            Some(root),
        ));
    }
    if let Some(url) = &c.remote {
        let dir = super::cache::dir_for(cache, url);
        let location = Location::Remote {
            url: url.clone(),
            cache: dir.display().to_string(),
        };
        return match super::cache::ensure(&dir, url, fetch) {
            Ok(()) => Ok((location, Some(dir))),
            Err(e) => Err((location, e)),
        };
    }
    if c.path.is_some() {
        return Ok((
            Location::Checkout {
                path: system_root.display().to_string(),
            },
            Some(system_root.to_path_buf()),
        ));
    }
    Ok((Location::Unknown, None))
}

/// Is this session about `component`? In a monorepo only sessions that
/// name it are; in a repository of its own, any session (or one naming it).
fn is_about(st: &SessionState, component: &str, monorepo: bool) -> bool {
    match &st.component {
        Some(c) => c == component,
        None => !monorepo,
    }
}

/// The session to show: the open one, else the latest completed, else the
/// latest of any status (sessions sort by id, which is by start time).
fn pick(states: Vec<SessionState>) -> Option<SessionState> {
    let mut open = None;
    let mut completed = None;
    let mut any = None;
    for st in states {
        match st.status {
            SessionStatus::Open => open = Some(st),
            SessionStatus::Completed => completed = Some(st),
            SessionStatus::Unstarted => {}
            SessionStatus::Aborted => any = Some(st),
        }
    }
    open.or(completed).or(any)
}

fn local_session(
    store: &Store,
    dir: &Path,
    component: &str,
    monorepo: bool,
) -> Option<ComponentSession> {
    let ctx = RepoContext::discover(dir).ok()?;
    let ids = store.session_ids(&ctx.key).ok()?;
    let states: Vec<SessionState> = ids
        .iter()
        .filter_map(|id| Session::open_cached(id, store.session_dir(&ctx.key, id)).ok())
        .map(|s| (*s.shared_state()).clone())
        .filter(|st| is_about(st, component, monorepo))
        .collect();
    pick(states).map(|st| summarise(&st, "this machine's sessions"))
}

/// Sessions in the repository's synced audit trail (`refs/greenlight/audit`):
/// each session folder's actor files parsed and folded as any journal.
fn synced_session(
    repo: &git2::Repository,
    component: &str,
    monorepo: bool,
) -> Option<ComponentSession> {
    let tree = repo.find_reference(AUDIT_REF).ok()?.peel_to_tree().ok()?;
    let mut states = Vec::new();
    for entry in tree.iter() {
        let Ok(id) = entry.name() else { continue };
        if crate::session::store::session_id_problem(id).is_some() {
            continue;
        }
        let Ok(obj) = entry.to_object(repo) else {
            continue;
        };
        let Some(session_tree) = obj.as_tree() else {
            continue;
        };
        let mut runs = Vec::new();
        for file in session_tree.iter() {
            let Ok(fname) = file.name() else { continue };
            if !crate::audit::git_sync::is_journal_material(fname) {
                continue;
            }
            let Ok(blob) = repo.find_blob(file.id()) else {
                continue;
            };
            let path = Path::new(id).join(fname);
            let batch = crate::session::journal::parse_lines(&path, blob.content(), 0);
            runs.push(
                batch
                    .events
                    .into_iter()
                    .filter(|e| &*e.session == id)
                    .collect::<Vec<_>>(),
            );
        }
        let events = merge_runs(runs);
        let st = crate::session::state::fold(id, &events);
        if st.status != SessionStatus::Unstarted && is_about(&st, component, monorepo) {
            states.push(st);
        }
    }
    pick(states).map(|st| summarise(&st, "the synced audit trail"))
}

fn summarise(st: &SessionState, source: &str) -> ComponentSession {
    let (done, total) = st.progress();
    let mut signoffs = Vec::new();
    let mut troubles = Vec::new();
    for s in &st.steps {
        for d in s.latest_decisions() {
            signoffs.push(SignoffLine {
                role: d.role.clone(),
                approved: d.approve,
                by: d.by.who.name.to_string(),
            });
        }
        use crate::session::StepStatus as S;
        match s.status {
            S::Failed | S::RolledBack | S::RollbackFailed | S::Rejected => {
                troubles.push(format!("{} {}", s.id, s.status.label()));
            }
            _ => {}
        }
    }
    ComponentSession {
        id: st.id.clone(),
        scenario: st.plan.playbook.clone(),
        version: st.version.clone(),
        status: st.status.word().to_owned(),
        steps_done: done,
        steps_total: total,
        canary_weight: st.canary.weight,
        canary_verdict: st.canary.verdict_at_current_weight().map(str::to_owned),
        signoffs,
        troubles,
        source: source.to_owned(),
    }
}
