//! The driver: the app's state plus the core it acts on. `dispatch` runs
//! `update`, executes the effects it returns against the core (the only
//! place the TUI changes anything), and feeds their results back, until
//! nothing is left to do. The terminal loop and the scripted tests both
//! drive the app through here.

use std::collections::VecDeque;
use std::path::Path;

use color_eyre::eyre::Result;

use super::action::{Action, Effect, ScenarioRow, StartData};
use super::app::{App, SessionView, SourceState, roster, update};
use super::keymap::Keymap;
use super::theme::Choice;
use crate::session::state::describe;
use crate::session::{Session, StoreError, Who};
use crate::workspace::Workspace;

#[path = "live.rs"]
mod live;

pub struct Driver {
    pub ws: Workspace,
    /// This process's own identity: the actor file is theirs.
    me: Who,
    session: Option<Session>,
    read_only: Option<String>,
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
        app.logs = SourceState::logs(&ws.config);
        Driver {
            ws,
            me,
            session: None,
            read_only: None,
            app,
            live: live::Live::new(),
        }
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
                self.ws.who = who;
                let result = self.ws.perform(session, &cmd);
                self.ws.who = self.me.clone();
                match result {
                    Ok(events) => {
                        let summary = events
                            .iter()
                            .filter_map(|e| e.payload().map(|p| (e, p)))
                            .map(|(e, p)| {
                                format!("{} {}", e.who.name, crate::session::state::summarize(&p))
                            })
                            .collect::<Vec<_>>()
                            .join("; ");
                        let mut out = self.loaded();
                        out.push(Action::Performed { cmd, summary });
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
                if let Some(m) = self.app.person() {
                    self.ws.who = m.who();
                }
                let result = self.ws.start_session(&scenario, version);
                self.ws.who = self.me.clone();
                match result {
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
            Effect::DrainLogs => self.drain_logs(),
            Effect::RunStep {
                step,
                action,
                confirmed_by,
                who,
            } => self.run_step(&step, action, confirmed_by, who),
            Effect::CancelRun { step } => self.cancel_run(&step),
        }
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
        } else {
            read_only = Some(format!(
                "the session is {}",
                crate::cli::render::status_word(s.state().status)
            ));
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
        data
    }
}
