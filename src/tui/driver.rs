//! The driver: the app's state plus the core it acts on. `dispatch` runs
//! `update`, executes the effects it returns against the core (the only
//! place the TUI changes anything), and feeds their results back, until
//! nothing is left to do. The terminal loop and the scripted tests both
//! drive the app through here.

use std::collections::VecDeque;
use std::path::Path;

use color_eyre::eyre::Result;

use super::action::{Action, CanaryCommandDone, Effect, ScenarioRow, StartData};
use super::app::{App, CanaryView, SessionView, SourceState, roster, update};
use super::collector::{Collector, Outbox};
use super::keymap::Keymap;
use super::theme::Choice;
use crate::canary::job::CanaryJob;
use crate::exec::registry;
use crate::session::state::describe;
use crate::session::{Command, Payload, Session, StoreError, Who};
use crate::workspace::Workspace;

#[path = "live.rs"]
mod live;

pub struct Driver {
    pub ws: Workspace,
    /// This process's own identity: the actor file is theirs.
    me: Who,
    session: Option<Session>,
    read_only: Option<String>,
    /// Where background work (the canary collector, canary commands)
    /// sends its results; without one, canary commands run inline.
    outbox: Option<Outbox>,
    collector: Option<Collector>,
    /// Size and time of the manifest when last read.
    manifest_stamp: Option<(u64, Option<std::time::SystemTime>)>,
    pub app: App,
    live: live::Live,
}

impl Driver {
    pub fn new(ws: Workspace, theme: Choice, keymap: Keymap) -> Driver {
        let me = ws.who.clone();
        let (people, at) = roster(&ws.config.people, &me);
        let mut app = App::new(&ws.repo.name, people, at, theme.theme);
        app.warnings.extend(theme.warning);
        app.keymap = keymap;
        app.canary = SourceState::canary(&ws.config);
        app.canary_view = CanaryView::new(&ws.config);
        app.logs = SourceState::logs(&ws.config);
        app.sync = super::release::SyncView::new(&ws.config);
        Driver {
            ws,
            me,
            session: None,
            read_only: None,
            outbox: None,
            collector: None,
            manifest_stamp: None,
            app,
            live: live::Live::new(),
        }
    }

    /// Send background results to `outbox` (the terminal loop's channel)
    /// from now on, and start the canary collector when `[canary]` is
    /// usable. A source that cannot be made is the pane's message.
    pub fn start_background(&mut self, outbox: Outbox) {
        self.outbox = Some(outbox.clone());
        let Some(config) = self.app.canary_view.config.clone() else {
            return;
        };
        match Collector::spawn(
            &config,
            &self.ws.repo.root,
            &self.ws.regression_marker(),
            outbox,
        ) {
            Ok(c) => self.use_collector(c),
            Err(why) => self.app.canary_view.problem = Some(why),
        }
    }

    /// Use a collector started elsewhere (tests give one a source).
    pub fn use_collector(&mut self, c: Collector) {
        self.app.canary_view.regression = c.regression();
        self.collector = Some(c);
    }

    /// Record `payload` in the open session as `who`: the summary for the
    /// status line, or why not.
    fn record(&mut self, payload: Payload, who: &Who) -> Result<String, String> {
        let Some(session) = self.session.as_mut() else {
            return Err("no session is open".into());
        };
        if let Some(why) = &self.read_only {
            return Err(format!("this session is open read-only: {why}"));
        }
        match self.ws.perform_as(who, session, &Command::Record(payload)) {
            Ok(events) => Ok(summarize_events(&events)),
            Err(e) => Err(format!("{e:#}")),
        }
    }

    /// Start a canary job: refuse what the session would not record, else
    /// record the command's start and run it off the UI thread (inline
    /// without an outbox); without a command, record the weight now.
    fn start_canary(&mut self, job: CanaryJob) -> Vec<Action> {
        // Through the app, so the pane's "running" mark clears.
        let not_started = |this: &Self, job: CanaryJob, why: String| {
            let mut out = this.loaded();
            if job.command.is_some() {
                out.push(Action::CanaryCommandDone(Box::new(CanaryCommandDone {
                    job,
                    result: Err(format!("was not started: {why}")),
                })));
            } else {
                out.push(Action::Failed(why));
            }
            out
        };
        if let Some(session) = self.session.as_mut() {
            let checked = session
                .refresh()
                .map_err(|e| e.to_string())
                .and_then(|_| job.check(session.state()).map_err(|e| e.to_string()));
            if let Err(why) = checked {
                return not_started(self, job, why);
            }
            if let Some((command, _)) = &job.command
                && let Err(e) = self
                    .ws
                    .confirm_canary_command(session.state(), &job.step, command)
            {
                return not_started(self, job, format!("{e:#}"));
            }
        }
        let (Some(started), Some(running)) = (job.started(), job.running()) else {
            return self.record_all(vec![job.weight_set()], &job.who);
        };
        if let Err(why) = self.record(started, &job.who.clone()) {
            return not_started(self, job, why);
        }
        let root = self.ws.repo.root.clone();
        let name = if job.is_rollback() {
            "↶ canary"
        } else {
            "canary"
        };
        let (mut sink, cancel, done_tx) = self.canary_run(name, running);
        let run = move || {
            let result = job
                .run_command(&root, &cancel, &mut sink)
                .and_then(|f| f.ok_or_else(|| "has no command".to_string()));
            let done = CanaryCommandDone { job, result };
            // Also to the driver itself, which waits for it when quitting.
            let _ = done_tx.send(done.clone());
            Action::CanaryCommandDone(Box::new(done))
        };
        let mut out = self.loaded();
        match &self.outbox {
            Some(outbox) => {
                let outbox = outbox.clone();
                std::thread::spawn(move || outbox(run()));
            }
            None => out.push(run()),
        }
        out
    }

    /// Record `payloads` in order as `who`, stopping at the first refusal:
    /// the session as it is now, then what was recorded or why not.
    fn record_all(&mut self, payloads: Vec<Payload>, who: &Who) -> Vec<Action> {
        let mut summaries = Vec::new();
        let mut last = None;
        for p in payloads {
            match self.record(p.clone(), who) {
                Ok(summary) => {
                    summaries.push(summary);
                    last = Some(p);
                }
                Err(why) => {
                    let mut out = self.loaded();
                    out.push(Action::Failed(why));
                    return out;
                }
            }
        }
        let mut out = self.loaded();
        if let Some(p) = last {
            out.push(Action::Performed {
                cmd: Command::Record(p),
                summary: summaries.join("; "),
            });
        }
        out
    }

    /// A canary command ended: record how, then the weight it set.
    fn finish_canary(&mut self, done: CanaryCommandDone) -> Vec<Action> {
        let registration = self.canary_ended();
        let CanaryCommandDone { job, result } = done;
        let Some((command, _)) = job.command.clone() else {
            return Vec::new();
        };
        let what = job.what();
        let finished = match result {
            Ok(f) => f,
            Err(why) => {
                let mut out = self.loaded();
                out.push(Action::Failed(format!("{what} {why}")));
                return out;
            }
        };
        let mut records = job.finished(&finished).into_iter();
        if let Some(end) = records.next()
            && let Err(why) = self.record(end, &job.who)
        {
            let mut out = self.loaded();
            out.push(Action::Failed(why));
            return out;
        }
        if let Some(r) = registration {
            r.remove();
        }
        if !finished.succeeded() {
            let lines = finished.last_lines(3);
            let mut out = self.loaded();
            out.push(Action::Failed(format!(
                "{what} `{command}` {}; the weight is left as it was{}",
                finished.how(job.timeout),
                if lines.is_empty() {
                    String::new()
                } else {
                    format!(" (it printed: {})", lines.join(" / "))
                }
            )));
            return out;
        }
        self.record_all(records.collect(), &job.who)
    }

    /// Open the session named by `prefix`, else the repository's current
    /// (last open) session, else the start screen.
    pub fn boot(&mut self, prefix: Option<&str>) -> Result<()> {
        let key = self.ws.repo.key.clone();
        let effect = match prefix {
            Some(p) => Effect::OpenSession(self.ws.store.resolve_for_reading(&key, Some(p))?),
            None => match self.ws.store.resolve(&key, None) {
                Ok(id) => Effect::OpenSession(id),
                Err(StoreError::NoOpenSession) => Effect::LoadStart,
                Err(e) => return Err(e.into()),
            },
        };
        for a in self.execute(effect) {
            self.dispatch(a);
        }
        Ok(())
    }

    /// The open session's folder (the runner watches it).
    pub fn session_dir(&self) -> Option<&Path> {
        self.session.as_ref().map(|s| s.dir())
    }

    /// Apply an action and everything it leads to. Returns false only when
    /// nothing changed (a file event that brought nothing new).
    pub fn dispatch(&mut self, action: Action) -> bool {
        let mut changed = !matches!(action, Action::JournalChanged);
        let mut queue = VecDeque::from([action]);
        while let Some(a) = queue.pop_front() {
            if !matches!(a, Action::JournalChanged) {
                changed = true;
            }
            for effect in update(&mut self.app, a) {
                queue.extend(self.execute(effect));
            }
        }
        super::logs_pane::fit(&mut self.app);
        changed
    }

    fn view(&self) -> Option<Box<SessionView>> {
        let s = self.session.as_ref()?;
        let mut state = s.state().clone();
        state.history.clear();
        let mut warnings: Vec<String> = s
            .problems()
            .iter()
            .map(|p| format!("unreadable journal line left out: {p}"))
            .collect();
        warnings.extend(
            s.set_aside()
                .iter()
                .map(|p| format!("a torn last line was set aside in {}", p.display())),
        );
        Some(Box::new(SessionView {
            state,
            read_only: self.read_only.clone(),
            warnings,
        }))
    }

    fn loaded(&self) -> Vec<Action> {
        self.view().map(Action::Loaded).into_iter().collect()
    }

    fn execute(&mut self, effect: Effect) -> Vec<Action> {
        match effect {
            Effect::Perform { cmd, who } => {
                let Some(session) = self.session.as_mut() else {
                    return vec![Action::Failed("no session is open".into())];
                };
                if let Some(why) = &self.read_only {
                    return vec![Action::Failed(format!(
                        "this session is open read-only: {why}"
                    ))];
                }
                match self.ws.perform_as(&who, session, &cmd) {
                    Ok(events) => {
                        let summary = summarize_events(&events);
                        // The tag joins the summary: a separate message
                        // would replace it (and the report hint) at once.
                        let (summary, warning) = match self.after_write() {
                            Some(Action::Info(tagged)) => (format!("{summary}; {tagged}"), None),
                            other => (summary, other),
                        };
                        let mut out = self.loaded();
                        out.push(Action::Performed { cmd, summary });
                        out.extend(warning);
                        out
                    }
                    Err(e) => {
                        // The journal may have moved on (another person);
                        // show the freshest state with the refusal.
                        let mut out = self.loaded();
                        out.push(Action::Failed(format!("{e:#}")));
                        out
                    }
                }
            }
            Effect::Refresh => {
                let me = self.ws.actor();
                let Some(session) = self.session.as_mut() else {
                    return Vec::new();
                };
                let before = session.state().history.len();
                match session.refresh() {
                    Ok(false) => Vec::new(),
                    Ok(true) => {
                        let st = session.state();
                        let news = st
                            .history
                            .get(before..)
                            .unwrap_or_default()
                            .iter()
                            .rev()
                            .find(|h| *h.by.actor != *me)
                            .map(|h| {
                                let what = session
                                    .events()
                                    .get(h.index)
                                    .map(describe)
                                    .unwrap_or_default();
                                format!("{}: {what}", h.by.who.name)
                            });
                        let mut out = self.loaded();
                        out.extend(news.map(Action::Info));
                        out
                    }
                    Err(e) => vec![Action::Failed(e.to_string())],
                }
            }
            Effect::OpenSession(id) => match self.open(&id) {
                Ok(()) => self.loaded(),
                Err(e) => vec![Action::Failed(format!("{e:#}"))],
            },
            Effect::StartSession { scenario, version } => {
                // The person at the keyboard starts it; the file is ours.
                let who = self
                    .app
                    .person()
                    .map_or_else(|| self.me.clone(), |m| m.who());
                match self.ws.start_session_as(&who, &scenario, version) {
                    Ok(s) => {
                        let msg = format!("started {scenario} (session {})", s.id());
                        self.session = Some(s);
                        self.read_only = None;
                        let mut out = self.loaded();
                        out.push(Action::Info(msg));
                        out
                    }
                    Err(e) => vec![Action::Failed(format!("{e:#}"))],
                }
            }
            Effect::LoadStart => vec![Action::StartLoaded(self.start_data())],
            Effect::RecordJudgement(payload) => {
                let me = self.me.clone();
                match self.record(payload, &me) {
                    Ok(_) => {
                        let mut out = self.loaded();
                        out.push(Action::CanaryRecorded);
                        out
                    }
                    Err(why) => vec![Action::CanaryRecordFailed(why)],
                }
            }
            Effect::SetRegression(on) => match &self.collector {
                Some(c) if c.set_regression(on) => {
                    match crate::canary::ops::mark_regression(&self.ws.regression_marker(), on) {
                        Ok(()) => Vec::new(),
                        Err(e) => vec![Action::Failed(format!(
                            "regression switched in the app, but `greenlight canary judge` will not see it: {e}"
                        ))],
                    }
                }
                _ => vec![Action::Failed(
                    "the canary source has no regression switch".into(),
                )],
            },
            Effect::Canary(job) => self.start_canary(*job),
            Effect::FinishCanary(done) => self.finish_canary(*done),
            Effect::DrainLogs => self.drain_logs(),
            Effect::RunStep {
                step,
                action,
                confirmed_by,
                who,
            } => self.run_step(&step, action, confirmed_by, who),
            Effect::CancelRun { step } => self.cancel_run(&step),
            Effect::CancelCanary => {
                if self.cancel_canary() {
                    Vec::new()
                } else {
                    vec![Action::Failed("no canary command is running".into())]
                }
            }
            Effect::DraftNotes => {
                let job = self.ws.notes_job();
                self.in_background(move || {
                    Action::NotesDrafted(job.markdown(None, None).map_err(|e| format!("{e:#}")))
                })
            }
            Effect::LoadManifest => {
                // Asked for after every new event: read it again only when
                // the file changed (size or time), else nothing to do.
                let path = self.ws.repo.root.join(crate::release::MANIFEST_FILE);
                let stamp = std::fs::metadata(&path)
                    .ok()
                    .map(|m| (m.len(), m.modified().ok()));
                if stamp.is_some() && stamp == self.manifest_stamp {
                    return Vec::new();
                }
                self.manifest_stamp = stamp;
                vec![Action::ManifestRead(super::release::read_manifest(
                    &self.ws.repo.root,
                    crate::release::MANIFEST_FILE,
                ))]
            }
            Effect::SetManifest {
                component,
                version,
                who,
            } => self.set_manifest(&component, version, who),
            Effect::SyncStatus => match self.ws.sync_target(None) {
                Ok(target) => self.in_background(move || {
                    Action::SyncStatus(target.status().map_err(|e| e.to_string()))
                }),
                Err(e) => vec![Action::SyncStatus(Err(format!("{e:#}")))],
            },
            Effect::Sync { manual } => match self.ws.sync_target(None) {
                Ok(target) => self.in_background(move || Action::Synced {
                    manual,
                    result: sync_outcome(&target),
                }),
                Err(e) => vec![Action::Synced {
                    manual,
                    result: Err(format!("{e:#}")),
                }],
            },
        }
    }

    /// Run `work` off the UI thread when there is an outbox to answer
    /// through (the terminal loop), else here and now (scripted tests).
    fn in_background(&self, work: impl FnOnce() -> Action + Send + 'static) -> Vec<Action> {
        match &self.outbox {
            Some(outbox) => {
                let outbox = outbox.clone();
                std::thread::spawn(move || outbox(work()));
                Vec::new()
            }
            None => vec![work()],
        }
    }

    /// Change a component in the manifest, then note it in the session
    /// (when it can take notes) so the audit trail says who changed what.
    fn set_manifest(&mut self, component: &str, version: semver::Version, who: Who) -> Vec<Action> {
        let path = self.ws.repo.root.join(crate::release::MANIFEST_FILE);
        let (out, problems) = match crate::release::set_in_file(&path, component, version) {
            Ok(r) => r,
            Err(e) => return vec![Action::Failed(format!("cannot change the manifest: {e}"))],
        };
        let mut text = format!("manifest: {out}");
        if !problems.is_empty() {
            text.push_str(&format!(
                "; {} broken requirement{}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ));
        }
        let mut actions = vec![Action::ManifestRead(super::release::read_manifest(
            &self.ws.repo.root,
            crate::release::MANIFEST_FILE,
        ))];
        let writable = self.read_only.is_none()
            && self
                .session
                .as_ref()
                .is_some_and(|s| s.state().status == crate::session::SessionStatus::Open);
        if writable {
            actions.extend(self.execute(Effect::Perform {
                cmd: Command::Note {
                    text: text.clone(),
                    step: None,
                },
                who,
            }));
        } else {
            actions.push(Action::Info(text));
        }
        actions
    }

    /// After this process wrote to the session: with `[audit]
    /// tag_on_complete`, tag a release whose session just completed.
    fn after_write(&mut self) -> Option<Action> {
        let session = self.session.as_mut()?;
        let message = self.ws.tag_if_completed(session)?;
        Some(if message.starts_with("warning") {
            Action::Failed(message)
        } else {
            Action::Info(message)
        })
    }

    /// Open a session: for writing when it is open and our actor file is
    /// free, read-only otherwise (and say why).
    fn open(&mut self, id: &str) -> Result<()> {
        let mut s = self.ws.session(Some(id))?;
        let mut read_only = None;
        if s.state().status == crate::session::SessionStatus::Open {
            if let Err(e) = s.attach(&self.ws.actor()) {
                read_only = Some(e.to_string());
            }
            // What a greenlight that died left running: closed now.
            self.app.warnings.extend(registry::reap(&self.ws, &mut s));
        } else {
            read_only = Some(format!("the session is {}", s.state().status.word()));
        }
        self.session = Some(s);
        self.read_only = read_only;
        Ok(())
    }

    fn start_data(&self) -> StartData {
        let mut data = StartData::default();
        match self.ws.playbooks() {
            Ok(c) => {
                data.scenarios = c
                    .list()
                    .map(|p| ScenarioRow {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        description: p.description.clone(),
                        steps: p.steps.len(),
                    })
                    .collect();
            }
            Err(e) => data.error = Some(format!("playbooks: {e}")),
        }
        match self.ws.store.summaries(&self.ws.repo.key) {
            Ok(mut list) => {
                list.reverse();
                data.sessions = list;
            }
            Err(e) => data.error = Some(format!("sessions: {e}")),
        }
        data.proposal = Some(
            self.ws
                .propose_version()
                .map(|nv| super::action::VersionProposal::of(&nv))
                .map_err(|e| format!("{e:#}")),
        );
        data
    }
}

/// "Dana started impact; Dana completed impact": what recorded events
/// say on the status line.
fn summarize_events(events: &[crate::session::Event]) -> String {
    events
        .iter()
        .filter_map(|e| e.payload().map(|p| (e, p)))
        .map(|(e, p)| format!("{} {}", e.who.name, crate::session::state::summarize(&p)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Sync the audit trail and read its status after: what the app shows.
fn sync_outcome(
    target: &crate::audit::git_sync::SyncTarget,
) -> Result<super::release::SyncOutcome, String> {
    let r = target.sync().map_err(|e| e.to_string())?;
    let pulled = r.merge.added.len() + r.merge.extended.len();
    let summary = format!(
        "audit trail synced with {}: {} from the remote, {}",
        r.remote,
        match pulled {
            0 => "nothing new".to_string(),
            1 => "1 file updated".to_string(),
            n => format!("{n} files updated"),
        },
        if r.pushed {
            "pushed"
        } else {
            "nothing to push"
        }
    );
    Ok(super::release::SyncOutcome {
        summary,
        warnings: crate::workspace::sync_warnings(&r),
        status: target.status().ok(),
    })
}
