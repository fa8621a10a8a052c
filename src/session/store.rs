//! Where sessions live on disk, and a live handle on one session.
//!
//! `<data dir>/repos/<repo key>/sessions/<id>/<actor>.jsonl`. The data dir is
//! `directories`' data dir for greenlight, or `GREENLIGHT_HOME`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::checkpoint;
use super::event::{Event, Who};
use super::files;
use super::journal::{FileCursor, JournalError, JournalWriter, LineProblem, actor_file_name};
use super::payload::{Payload, SessionStarted};
use super::state::{
    Command, RuleError, SessionState, SessionStatus, describe, fold, merge_runs, sort_events,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no data directory could be found for this user; set GREENLIGHT_HOME")]
    NoDataDir,
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no session matches `{prefix}`{}", if known.is_empty() { String::new() } else { format!("; sessions: {}", known.join(", ")) })]
    NoSuchSession { prefix: String, known: Vec<String> },
    #[error("`{prefix}` matches several sessions: {}; give more characters", matches.join(", "))]
    Ambiguous {
        prefix: String,
        matches: Vec<String>,
    },
    #[error("this repository has no open session; start one with `greenlight new --scenario NAME`")]
    NoOpenSession,
    #[error(
        "{} sessions are open here: {}; say which with --session ID",
        open.len(),
        open.join(", ")
    )]
    SeveralOpen { open: Vec<String> },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(
        "{}{}; nothing was written (an override with a reason gets past it, and is recorded: --override REASON, or o in the app)",
        breaches.first().map(ToString::to_string).unwrap_or_default(),
        breaches.iter().skip(1).map(|b| format!("; and {b}")).collect::<String>()
    )]
    Breaks { breaches: Vec<RuleError> },
    #[error("{0}; nothing was written")]
    Signature(#[from] super::signatures::SignatureProblem),
    #[error("this session handle is read-only: no actor file is open for writing")]
    ReadOnly,
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "session {session} does not verify: {first}{}; nothing was written. See `greenlight audit verify {session}`; `greenlight audit recover {session} --reason TEXT` restores the synced copy or sets the damaged part aside",
        if *more == 0 { String::new() } else { format!(" (and {more} more)") }
    )]
    Broken {
        session: String,
        first: LineProblem,
        more: usize,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The root of everything greenlight keeps for this user.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// One line of `greenlight sessions`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub playbook: String,
    pub version: Option<String>,
    pub status: SessionStatus,
    pub done: usize,
    pub total: usize,
    pub started_at: Option<String>,
    pub started_by: Option<String>,
    /// Started on another device and arrived by audit sync: never picked
    /// without its id.
    pub pulled: bool,
}

/// The file a session folder holds when this device started the session.
/// Never synced (sync moves journals only), so a session that arrived
/// from a remote can never claim it.
pub const CREATED_HERE: &str = "created-here";

/// How far ahead of this clock a session id's time may be (clock skew
/// between machines); an id further in the future is forged.
const MAX_SKEW_MS: u64 = 10 * 60 * 1000;

/// Why a folder name cannot be a session id here, if it cannot: not a
/// ULID, or a ULID from the future (a forged id chosen to sort last).
pub fn session_id_problem(id: &str) -> Option<String> {
    let Ok(ulid) = ulid::Ulid::from_string(id) else {
        return Some(format!("`{id}` is not a session id (a ULID)"));
    };
    if id != ulid.to_string() {
        return Some(format!("`{id}` is not a session id in canonical form"));
    }
    let now = u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0);
    if ulid.timestamp_ms() > now.saturating_add(MAX_SKEW_MS) {
        let at = i64::try_from(ulid.timestamp_ms())
            .ok()
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map_or_else(|| "the far future".to_string(), |t| t.to_string());
        return Some(format!(
            "session id {id} is dated {at}, in the future: refused (a forged id made to look newest)"
        ));
    }
    None
}

impl Store {
    /// `GREENLIGHT_HOME` if set, else the platform data dir.
    pub fn from_env() -> Result<Store, StoreError> {
        if let Some(home) = std::env::var_os("GREENLIGHT_HOME").filter(|h| !h.is_empty()) {
            return Ok(Store::at(PathBuf::from(home)));
        }
        let dirs = directories::ProjectDirs::from("dev", "greenlight", "greenlight")
            .ok_or(StoreError::NoDataDir)?;
        Ok(Store::at(dirs.data_dir().to_path_buf()))
    }

    /// Make the data dir (0700) if needed, and tighten one an earlier
    /// version left readable by others: journals hold command output.
    fn ensure_root(&self) -> Result<(), StoreError> {
        files::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        files::tighten_dir(&self.root);
        Ok(())
    }

    pub fn at(root: PathBuf) -> Store {
        Store { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn sessions_dir(&self, repo_key: &str) -> PathBuf {
        self.root.join("repos").join(repo_key).join("sessions")
    }

    pub fn session_dir(&self, repo_key: &str, id: &str) -> PathBuf {
        self.sessions_dir(repo_key).join(id)
    }

    /// This machine's device id, made once and kept in the data dir, so one
    /// person on two machines writes two actor files.
    pub fn device_id(&self) -> Result<String, StoreError> {
        let path = self.root.join("device-id");
        match std::fs::read_to_string(&path) {
            Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path)(e)),
        }
        self.ensure_root()?;
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let id = id[id.len() - 10..].to_string();
        let tmp = self.root.join(format!("device-id.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        files::create_new(&tmp)
            .and_then(|mut f| std::io::Write::write_all(&mut f, id.as_bytes()))
            .map_err(io_err(&tmp))?;
        // Two first runs at once: the first rename wins, both read it back.
        if std::fs::hard_link(&tmp, &path).is_err() && !path.exists() {
            std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
        }
        let _ = std::fs::remove_file(&tmp);
        Ok(std::fs::read_to_string(&path)
            .map_err(io_err(&path))?
            .trim()
            .to_string())
    }

    /// Session ids of a repository, oldest first (ULIDs sort by time).
    /// Folders that are not session ids, or whose id is dated in the
    /// future, are left out (see [`Store::refused_ids`]).
    pub fn session_ids(&self, repo_key: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.scan(repo_key)?.0)
    }

    /// Session folders left out of [`Store::session_ids`], with why.
    pub fn refused_ids(&self, repo_key: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.scan(repo_key)?.1)
    }

    fn scan(&self, repo_key: &str) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let dir = self.sessions_dir(repo_key);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut ids = Vec::new();
        let mut refused = Vec::new();
        for e in entries.filter_map(|e| e.ok()) {
            if !e.path().is_dir() {
                continue;
            }
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            match session_id_problem(&name) {
                None => ids.push(name),
                // Not a ULID at all: not ours to mention (a stray folder).
                Some(_) if ulid::Ulid::from_string(&name).is_err() => {}
                Some(why) => refused.push(why),
            }
        }
        ids.sort();
        Ok((ids, refused))
    }

    pub fn summaries(&self, repo_key: &str) -> Result<Vec<SessionSummary>, StoreError> {
        self.session_ids(repo_key)?
            .into_iter()
            .map(|id| {
                let s = Session::open_cached(&id, self.session_dir(repo_key, &id))?;
                Ok(s.summary())
            })
            .collect()
    }

    /// Resolve an id prefix, or with none the repository's current session:
    /// the last open session started on this device. A session that
    /// arrived from another clone is opened only by its id: a remote must
    /// never choose what a bare command acts on.
    pub fn resolve(&self, repo_key: &str, prefix: Option<&str>) -> Result<String, StoreError> {
        let ids = self.session_ids(repo_key)?;
        match prefix {
            Some(p) => {
                let p_up = p.to_uppercase();
                let matches: Vec<String> = ids
                    .iter()
                    .filter(|id| id.starts_with(&p_up))
                    .cloned()
                    .collect();
                match matches.len() {
                    1 => Ok(matches[0].clone()),
                    0 => Err(StoreError::NoSuchSession {
                        prefix: p.to_string(),
                        known: ids,
                    }),
                    _ => Err(StoreError::Ambiguous {
                        prefix: p.to_string(),
                        matches,
                    }),
                }
            }
            None => {
                let open = self.local_with_status(repo_key, &ids, SessionStatus::Open)?;
                match open.as_slice() {
                    [] => Err(StoreError::NoOpenSession),
                    [(id, _)] => Ok(id.clone()),
                    several => Err(StoreError::SeveralOpen {
                        open: several
                            .iter()
                            .rev()
                            .map(|(id, what)| format!("{id} ({what})"))
                            .collect(),
                    }),
                }
            }
        }
    }

    /// Sessions started here with `status`, oldest first, each with
    /// "scenario version" to name it to people.
    fn local_with_status(
        &self,
        repo_key: &str,
        ids: &[String],
        status: SessionStatus,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for id in ids {
            let dir = self.session_dir(repo_key, id);
            if !is_local(&dir) {
                continue;
            }
            let s = Session::open_cached(id, dir)?;
            let st = s.state();
            if st.status == status {
                let what = format!(
                    "{} {}",
                    st.plan.playbook,
                    st.version.as_deref().unwrap_or("(no version)")
                );
                out.push((id.clone(), what));
            }
        }
        Ok(out)
    }

    /// What a command without a session id reads: the session open here
    /// (the latest, when several are), else the most recently completed
    /// one; an aborted session only when named.
    pub fn resolve_for_reading(
        &self,
        repo_key: &str,
        prefix: Option<&str>,
    ) -> Result<String, StoreError> {
        if prefix.is_some() {
            return self.resolve(repo_key, prefix);
        }
        let ids = self.session_ids(repo_key)?;
        for status in [
            SessionStatus::Open,
            SessionStatus::Completed,
            // A session whose start cannot be read (its journal damaged or
            // deleted): still the one to verify and recover.
            SessionStatus::Unstarted,
        ] {
            if let Some((id, _)) = self.local_with_status(repo_key, &ids, status)?.pop() {
                return Ok(id);
            }
        }
        Err(StoreError::NoOpenSession)
    }

    /// The session `prefix` names (see [`Store::resolve`]), opened.
    fn open_named(&self, repo_key: &str, prefix: Option<&str>) -> Result<Session, StoreError> {
        let id = self.resolve(repo_key, prefix)?;
        Session::open_cached(&id, self.session_dir(repo_key, &id))
    }

    /// [`Store::resolve_for_reading`], opened: each session is read once
    /// (choosing one without an id folds the sessions started here, newest
    /// first, and the one chosen is kept instead of being read again).
    pub fn open_for_reading(
        &self,
        repo_key: &str,
        prefix: Option<&str>,
    ) -> Result<Session, StoreError> {
        if prefix.is_some() {
            return self.open_named(repo_key, prefix);
        }
        let mut completed = None;
        let mut unstarted = None;
        for id in self.session_ids(repo_key)?.iter().rev() {
            let dir = self.session_dir(repo_key, id);
            if !is_local(&dir) {
                continue;
            }
            let s = Session::open_cached(id, dir)?;
            match s.state().status {
                SessionStatus::Open => return Ok(s),
                SessionStatus::Completed if completed.is_none() => completed = Some(s),
                SessionStatus::Unstarted if unstarted.is_none() => unstarted = Some(s),
                _ => {}
            }
        }
        completed.or(unstarted).ok_or(StoreError::NoOpenSession)
    }

    /// [`Store::resolve`], opened: the session named, or the one open
    /// here, each read once.
    pub fn open_current(
        &self,
        repo_key: &str,
        prefix: Option<&str>,
    ) -> Result<Session, StoreError> {
        if prefix.is_some() {
            return self.open_named(repo_key, prefix);
        }
        let mut open = Vec::new();
        for id in self.session_ids(repo_key)? {
            let dir = self.session_dir(repo_key, &id);
            if !is_local(&dir) {
                continue;
            }
            let s = Session::open_cached(&id, dir)?;
            if s.state().status == SessionStatus::Open {
                open.push(s);
            }
        }
        match open.len() {
            0 => Err(StoreError::NoOpenSession),
            1 => open.pop().ok_or(StoreError::NoOpenSession),
            _ => Err(StoreError::SeveralOpen {
                open: open
                    .iter()
                    .rev()
                    .map(|s| {
                        let st = s.state();
                        format!(
                            "{} ({} {})",
                            s.id(),
                            st.plan.playbook,
                            st.version.as_deref().unwrap_or("(no version)")
                        )
                    })
                    .collect(),
            }),
        }
    }

    /// Sessions started here for `version` that are open or completed:
    /// a second release of one version is a mistake unless said otherwise.
    pub fn sessions_for_version(
        &self,
        repo_key: &str,
        version: &str,
    ) -> Result<Vec<(String, SessionStatus)>, StoreError> {
        let mut out = Vec::new();
        for id in self.session_ids(repo_key)? {
            let dir = self.session_dir(repo_key, &id);
            if !is_local(&dir) {
                continue;
            }
            let s = Session::open_cached(&id, dir)?;
            let st = s.state();
            if st.version.as_deref() == Some(version)
                && matches!(st.status, SessionStatus::Open | SessionStatus::Completed)
            {
                out.push((id, st.status));
            }
        }
        Ok(out)
    }

    /// Start a new session: its folder, and `session_started` in the
    /// creator's actor file.
    pub fn create_session(
        &self,
        repo_key: &str,
        started: SessionStarted,
        actor: &str,
        who: &Who,
    ) -> Result<Session, StoreError> {
        self.create_session_signed(repo_key, started, actor, who, None)
    }

    /// [`Store::create_session`], signing with `signer` from the first event.
    pub fn create_session_signed(
        &self,
        repo_key: &str,
        started: SessionStarted,
        actor: &str,
        who: &Who,
        signer: Option<std::sync::Arc<crate::signing::Signer>>,
    ) -> Result<Session, StoreError> {
        let id = ulid::Ulid::new().to_string();
        let dir = self.session_dir(repo_key, &id);
        self.ensure_root()?;
        files::create_dir_all(&dir).map_err(io_err(&dir))?;
        let marker = dir.join(CREATED_HERE);
        files::create_new(&marker)
            .and_then(|mut f| {
                std::io::Write::write_all(&mut f, b"this session was started on this device\n")
            })
            .map_err(io_err(&marker))?;
        let mut session = Session::open(&id, dir)?;
        session.attach(actor)?;
        session.set_signer(signer);
        session.record(who, &Payload::SessionStarted(started))?;
        Ok(session)
    }
}

/// Was the session in `dir` started on this device?
pub fn is_local(dir: &Path) -> bool {
    dir.join(CREATED_HERE).is_file()
}

/// A live view of one session: every actor file read so far, the folded
/// state, and optionally the writer for this process's actor.
#[derive(Debug)]
pub struct Session {
    id: String,
    dir: PathBuf,
    cursors: Vec<FileCursor>,
    /// Every event in fold order; when opened from a checkpoint (`base`),
    /// only those read after it.
    events: Vec<Event>,
    /// The checkpoint this session was opened from: its events are folded
    /// into the state but not held in memory.
    base: Option<Base>,
    /// With a `base`: every event, read from the journals the first time
    /// someone asks for them (the timeline), then kept up to date.
    full: std::sync::OnceLock<Vec<Event>>,
    problems: Vec<LineProblem>,
    set_aside: Vec<PathBuf>,
    writer: Option<JournalWriter>,
    /// Shared with whoever shows it (the app): a refresh that brings
    /// nothing new costs nothing, and one that does copies the state only
    /// while an old view of it is still held.
    state: Arc<SessionState>,
    /// What opening it did that a person should hear about (runs a dead
    /// greenlight left open, closed now), for the front end to show.
    notices: Vec<String>,
}

/// What a session opened from a checkpoint did not read: how many events,
/// the last one's fold key, what each did (for the history), and how far
/// into which files they reach.
#[derive(Debug)]
struct Base {
    count: usize,
    last: Option<(u64, Arc<str>, u64)>,
    descriptions: checkpoint::Descriptions,
    reach: Vec<(PathBuf, u64)>,
}

/// The fold key of an event, owned.
fn key_of(ev: &Event) -> (u64, Arc<str>, u64) {
    (ev.lamport, ev.actor.clone(), ev.seq)
}

impl Session {
    /// Read every actor file of the session and fold them. Reading never
    /// changes a file: a torn tail is left where it is (only the writer of
    /// a file sets its own tail aside) and reported.
    pub fn open(id: &str, dir: PathBuf) -> Result<Session, StoreError> {
        let mut s = Session {
            id: id.to_string(),
            dir,
            cursors: Vec::new(),
            events: Vec::new(),
            base: None,
            full: std::sync::OnceLock::new(),
            problems: Vec::new(),
            set_aside: Vec::new(),
            writer: None,
            state: Arc::new(SessionState::empty(id)),
            notices: Vec::new(),
        };
        s.refresh()?;
        Ok(s)
    }

    /// [`Session::open`] for a session of the store: from its fold
    /// checkpoint when one can be trusted (reading only what was appended
    /// since), and writing a new checkpoint when the session is large and
    /// the old one (if any) is far behind. See [`checkpoint`] for when a
    /// checkpoint is trusted; failing to write one fails nothing.
    pub fn open_cached(id: &str, dir: PathBuf) -> Result<Session, StoreError> {
        let s = match checkpoint::read(&dir, id) {
            Ok(cp) => Session::resume(id, dir, cp)?,
            Err(_) => Session::open(id, dir)?,
        };
        s.save_checkpoint_if_worth();
        Ok(s)
    }

    fn resume(id: &str, dir: PathBuf, cp: checkpoint::Checkpoint) -> Result<Session, StoreError> {
        let cursors: Vec<FileCursor> = cp
            .files
            .iter()
            .map(|m| FileCursor::resumed(dir.join(&m.name), id, m.offset, m.lines, m.link))
            .collect();
        let reach = cursors.iter().map(|c| (c.path.clone(), c.offset)).collect();
        let mut s = Session {
            id: id.to_string(),
            dir,
            cursors,
            events: Vec::new(),
            base: Some(Base {
                count: cp.events,
                last: cp.last,
                descriptions: cp.descriptions,
                reach,
            }),
            full: std::sync::OnceLock::new(),
            problems: Vec::new(),
            set_aside: Vec::new(),
            writer: None,
            state: cp.state,
            notices: Vec::new(),
        };
        s.refresh()?;
        Ok(s)
    }

    /// Write a checkpoint when the session is large, intact, and the one it
    /// was opened from (if any) is behind by a quarter or more.
    fn save_checkpoint_if_worth(&self) {
        let total = self.event_count();
        if total < checkpoint::WORTH_FROM || !self.problems.is_empty() {
            return;
        }
        if let Some(b) = &self.base
            && total - b.count < checkpoint::WORTH_FROM.max(b.count / 4)
        {
            return;
        }
        let mut files = Vec::with_capacity(self.cursors.len());
        for c in &self.cursors {
            if c.lines > 0 && c.last_link().is_none() {
                return;
            }
            match checkpoint::mark(&c.path, c.offset, c.lines, c.last_link()) {
                Ok(m) => files.push(m),
                Err(_) => return,
            }
        }
        let mut descriptions = match &self.base {
            Some(b) => match b.descriptions.loaded() {
                Ok(d) => d,
                Err(_) => return,
            },
            None => checkpoint::Descriptions::default(),
        };
        for ev in &self.events {
            descriptions.push(&describe(ev));
        }
        let cp = checkpoint::Checkpoint {
            session: self.id.clone(),
            events: total,
            last: self.last_key(),
            files,
            state: Arc::clone(&self.state),
            descriptions,
        };
        let _ = checkpoint::write(&self.dir, &cp);
    }

    /// When opened from a checkpoint: how many events it held (folded
    /// without reading their journals again).
    pub fn from_checkpoint(&self) -> Option<usize> {
        self.base.as_ref().map(|b| b.count)
    }

    /// The fold key of the last event folded, read or in the checkpoint.
    fn last_key(&self) -> Option<(u64, Arc<str>, u64)> {
        self.events
            .last()
            .map(key_of)
            .or_else(|| self.base.as_ref().and_then(|b| b.last.clone()))
    }

    /// How many events were read (with a checkpoint's).
    pub fn event_count(&self) -> usize {
        self.base.as_ref().map_or(0, |b| b.count) + self.events.len()
    }

    /// What event `index` (in fold order, as history entries name them)
    /// did, in words.
    pub fn describe_event(&self, index: usize) -> Option<String> {
        match &self.base {
            Some(b) if index < b.count => b.descriptions.get(index),
            Some(b) => self.events.get(index - b.count).map(describe),
            None => self.events.get(index).map(describe),
        }
    }

    /// A checkpoint's events, read again from the journals (as far as it
    /// reached), in fold order. Lines that do not read are left out: they
    /// did not when the checkpoint was made, and `audit verify` reports
    /// anything changed since.
    fn read_base(&self, b: &Base) -> Vec<Event> {
        let mut runs = Vec::new();
        for (path, reach) in &b.reach {
            let mut c = FileCursor::for_session(path.clone(), &self.id);
            if let Ok(read) = c.read_runs_to(Some(*reach)) {
                runs.extend(read.runs);
            }
        }
        merge_runs(runs)
    }

    /// Every event, owned, leaving the session without them.
    fn take_all_events(&mut self) -> Vec<Event> {
        match self.base.take() {
            None => std::mem::take(&mut self.events),
            Some(b) => match self.full.take() {
                Some(all) => {
                    self.events.clear();
                    all
                }
                None => {
                    let mut all = self.read_base(&b);
                    all.append(&mut self.events);
                    all
                }
            },
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// The folded state, shared (no copy).
    pub fn shared_state(&self) -> Arc<SessionState> {
        Arc::clone(&self.state)
    }

    /// Every event in fold order. Opened from a checkpoint, the first call
    /// reads the checkpoint's part of the journals again.
    pub fn events(&self) -> &[Event] {
        match &self.base {
            None => &self.events,
            Some(b) => self.full.get_or_init(|| {
                let mut all = self.read_base(b);
                all.extend(self.events.iter().cloned());
                all
            }),
        }
    }

    /// Things to tell the person that opening the session did.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    pub fn add_notices(&mut self, notes: impl IntoIterator<Item = String>) {
        self.notices.extend(notes);
    }

    /// Was this session started on this device (not pulled from a remote)?
    pub fn is_local(&self) -> bool {
        is_local(&self.dir)
    }

    /// Refuse to act on a session whose journal does not verify (a line
    /// that cannot be read, a broken link, a gap): its state may not be
    /// what was recorded.
    pub fn require_intact(&self) -> Result<(), StoreError> {
        match self.problems.first() {
            None => Ok(()),
            Some(first) => Err(StoreError::Broken {
                session: self.id.clone(),
                first: first.clone(),
                more: self.problems.len() - 1,
            }),
        }
    }

    /// Lines that could not be read (bad JSON, bad hash), with where.
    pub fn problems(&self) -> &[LineProblem] {
        &self.problems
    }

    /// Journals that end with bytes after their last newline (a line being
    /// written now, or a write cut short): the file, and how many bytes.
    /// Readers leave them alone; only a file's own writer sets them aside.
    pub fn torn_tails(&self) -> Vec<(&Path, u64)> {
        self.cursors
            .iter()
            .filter(|c| c.partial_tail > 0)
            .map(|c| (c.path.as_path(), c.partial_tail))
            .collect()
    }

    /// Side files holding torn tails that were set aside.
    pub fn set_aside(&self) -> &[PathBuf] {
        &self.set_aside
    }

    /// Actor files (paths) of the session.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.cursors.iter().map(|c| c.path.as_path())
    }

    pub fn summary(&self) -> SessionSummary {
        let st = &self.state;
        let (done, total) = st.progress();
        SessionSummary {
            id: self.id.clone(),
            playbook: st.plan.playbook.clone(),
            version: st.version.clone(),
            status: st.status,
            done,
            total,
            started_at: st.started.as_ref().map(|s| s.at.to_string()),
            started_by: st.started.as_ref().map(|s| s.who.to_string()),
            pulled: !self.is_local(),
        }
    }

    /// Pick up new actor files and new lines. Returns true if anything new
    /// was read. Cheap when nothing changed: one `read_dir` and a seek per
    /// file.
    pub fn refresh(&mut self) -> Result<bool, StoreError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let all: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        for p in &all {
            let is_side = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(super::names::is_set_aside);
            if is_side && !self.set_aside.contains(p) {
                self.set_aside.push(p.clone());
            }
        }
        let mut paths: Vec<PathBuf> = all
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        paths.sort();
        for p in paths {
            if !self.cursors.iter().any(|c| c.path == p) {
                self.cursors.push(FileCursor::for_session(p, &self.id));
            }
        }
        let mut runs = Vec::new();
        for c in &mut self.cursors {
            let read = c.read_new_runs()?;
            runs.extend(read.runs);
            self.problems.extend(read.problems);
        }
        let fresh = merge_runs(runs);
        if fresh.is_empty() {
            return Ok(false);
        }
        let appends_in_order = match (self.last_key(), fresh.first()) {
            (Some((lamport, actor, seq)), Some(first)) => {
                (lamport, &*actor, seq) < (first.lamport, &*first.actor, first.seq)
            }
            _ => false,
        };
        if self.event_count() == 0 {
            // First read: take the sorted events as they are.
            self.events = fresh;
            self.state = Arc::new(fold(&self.id, &self.events));
        } else if appends_in_order {
            // The common live case: new events sort after everything seen, so
            // applying them to the current state equals a full refold.
            let start = self.event_count();
            let state = Arc::make_mut(&mut self.state);
            for (i, ev) in fresh.iter().enumerate() {
                state.apply_event(start + i, ev);
            }
            if let Some(all) = self.full.get_mut() {
                all.extend(fresh.iter().cloned());
            }
            self.events.extend(fresh);
        } else {
            // An event that sorts before one already folded (another
            // clone's, synced late): fold everything again.
            let mut all = self.take_all_events();
            all.extend(fresh);
            sort_events(&mut all);
            self.events = all;
            self.state = Arc::new(fold(&self.id, &self.events));
        }
        Ok(true)
    }

    /// Sign every event this session writes with `signer`.
    pub fn set_signer(&mut self, signer: Option<std::sync::Arc<crate::signing::Signer>>) {
        if let Some(w) = self.writer.as_mut() {
            w.set_signer(signer);
        }
    }

    /// Open this session for writing as `actor`.
    pub fn attach(&mut self, actor: &str) -> Result<(), StoreError> {
        let w = JournalWriter::open(&self.dir, &self.id, actor)?;
        if let Some(side) = w.set_aside.as_ref().filter(|s| !self.set_aside.contains(s)) {
            self.set_aside.push(side.clone());
        }
        // The repair may have cut a tail our cursor had not consumed; re-read.
        self.writer = Some(w);
        self.refresh()?;
        Ok(())
    }

    pub fn writer(&self) -> Option<&JournalWriter> {
        self.writer.as_ref()
    }

    /// Append a payload as-is (after a refresh for the lamport clock). The
    /// caller is responsible for having checked it; `execute` does.
    pub fn record(&mut self, who: &Who, payload: &Payload) -> Result<Event, StoreError> {
        let mut events = self.record_all(who, std::slice::from_ref(payload))?;
        Ok(events.remove(0))
    }

    /// Append payloads one right after the other in this actor's file
    /// (an override and the action it lets through), in one write.
    pub fn record_all(
        &mut self,
        who: &Who,
        payloads: &[Payload],
    ) -> Result<Vec<Event>, StoreError> {
        self.refresh()?;
        self.require_intact()?;
        let lamport = self.state.max_lamport.saturating_add(1);
        let data = payloads
            .iter()
            .map(|p| p.to_data())
            .collect::<Result<Vec<_>, _>>()?;
        let items: Vec<(&str, &serde_json::value::RawValue)> = payloads
            .iter()
            .zip(&data)
            .map(|(p, d)| (p.kind(), d.as_ref()))
            .collect();
        let writer = self.writer.as_mut().ok_or(StoreError::ReadOnly)?;
        // What the fold would refuse of these events as signed (or not),
        // refused before they are written.
        let key = writer.signer().map(|s| s.fingerprint().to_string());
        let now = jiff::Timestamp::now();
        let owner = writer
            .actor()
            .split_once('/')
            .map_or(writer.actor(), |(e, _)| e);
        for p in payloads {
            if let Some(problem) = self.state.signatures.handed_over(p, &who.email, owner) {
                return Err(StoreError::Signature(problem));
            }
            if let Some(problem) =
                self.state
                    .signatures
                    .problem(p.kind(), &who.email, key.as_deref(), Some(now))
            {
                return Err(StoreError::Signature(problem));
            }
        }
        let events = writer.append_all(&items, who, lamport)?;
        self.refresh()?;
        Ok(events)
    }

    /// Check a command against the rules on the freshest state, record it,
    /// and close the session when that settles its last step. Refused
    /// commands write nothing.
    pub fn execute(&mut self, who: &Who, cmd: &Command) -> Result<Vec<Event>, StoreError> {
        self.execute_with(who, cmd, None)
    }

    /// [`Session::execute`], breaking the rules it would break on purpose
    /// when `override_reason` is given: a `rule_overridden` event naming
    /// them, who and why, is recorded first, then the action. Refusals no
    /// override lets through (an unknown step, a closed session, who may
    /// override) still refuse.
    pub fn execute_with(
        &mut self,
        who: &Who,
        cmd: &Command,
        override_reason: Option<&str>,
    ) -> Result<Vec<Event>, StoreError> {
        self.refresh()?;
        self.require_intact()?;
        let payload = self.state.prepare(cmd, Some(who))?;
        let breaches = self.state.breaches(&payload, Some(who));
        let mut written = Vec::new();
        if !breaches.is_empty() {
            let Some(reason) = override_reason.map(str::trim).filter(|r| !r.is_empty()) else {
                return Err(StoreError::Breaks {
                    breaches: breaches.into_iter().map(|b| b.error).collect(),
                });
            };
            let o = Payload::RuleOverridden(super::payload::RuleOverridden {
                rules: breaches
                    .iter()
                    .map(|b| b.rule.as_str().to_string())
                    .collect(),
                step: payload.step().map(str::to_string),
                action: payload.kind().to_string(),
                reason: reason.to_string(),
            });
            self.state.refusal(&o, Some(who))?;
            written.extend(self.record_all(who, &[o, payload])?);
        } else {
            written.push(self.record(who, &payload)?);
        }
        if self.state.status == SessionStatus::Open && self.state.all_settled() {
            let done = Payload::SessionCompleted(Default::default());
            written.push(self.record(who, &done)?);
        }
        Ok(written)
    }
}

/// The actor file of `actor` in a session folder.
pub fn actor_path(dir: &Path, actor: &str) -> PathBuf {
    dir.join(actor_file_name(actor))
}
