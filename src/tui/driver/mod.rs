//! The driver: the core the app acts on. It executes the effects `update`
//! returns (the only place the app changes anything) and answers with
//! actions: `Workspace::perform_as` for what a person does, journal
//! refreshes, the session opened or started, and the slow work (git
//! history, the manifest, an audit sync, drafting notes) off the UI
//! thread whenever there is an outbox to answer through. It never sees
//! the app; the runtime (`app::Runtime`) hands it the effects and the
//! Logs pane's model it feeds.
//!
//! - `live`: the log feed and its sources, and step commands running on
//!   their own threads;
//! - `canary`: canary jobs (`canary::job`): checked, recorded, their
//!   command run off the UI thread, their end recorded;
//! - `start`: what the start screen lists, read off the UI thread.

mod canary;
mod live;
mod start;

use std::path::Path;

use color_eyre::eyre::Result;

use super::action::{Action, Effect};
use super::collector::{Collector, Outbox};
use super::ctx::SessionView;
use crate::canary::CanaryConfig;
use crate::exec::registry;
use crate::logs::LogsModel;
use crate::session::{Command, Payload, Session, StoreError, Who};
use crate::workspace::Workspace;

pub use live::{DRAIN_LINES, DRAIN_TIME};

pub struct Driver {
    pub ws: Workspace,
    /// This process's own identity: the actor file is theirs.
    me: Who,
    session: Option<Session>,
    read_only: Option<String>,
    /// Where background work (the canary collector, canary commands, slow
    /// reads) sends its results; without one, it runs inline.
    outbox: Option<Outbox>,
    collector: Option<Collector>,
    /// Size and time of the manifest when last read.
    manifest_stamp: Option<(u64, Option<std::time::SystemTime>)>,
    live: live::Live,
    /// The session a release tag was offered for (once per session).
    tag_offered: Option<String>,
    /// Notifications being sent in the background (target, moment,
    /// cause): not handed out twice before their attempt is recorded.
    notifying: std::collections::HashSet<(String, String, String)>,
}

impl Driver {
    pub fn new(ws: Workspace) -> Driver {
        let me = ws.who.clone();
        Driver {
            ws,
            me,
            session: None,
            read_only: None,
            outbox: None,
            collector: None,
            manifest_stamp: None,
            live: live::Live::new(),
            tag_offered: None,
            notifying: Default::default(),
        }
    }

    /// This process's own identity.
    pub fn me(&self) -> &Who {
        &self.me
    }

    /// Send background results to `outbox` (the terminal loop's channel)
    /// from now on, and start the canary collector for `canary` (when
    /// usable): the regression switch's position (when the source has
    /// one), or why no source could be made.
    pub fn start_background(
        &mut self,
        outbox: Outbox,
        canary: Option<&CanaryConfig>,
    ) -> Result<Option<bool>, String> {
        self.outbox = Some(outbox.clone());
        let Some(config) = canary else {
            return Ok(None);
        };
        let c = Collector::spawn(
            config,
            &self.ws.repo.root,
            &self.ws.regression_marker(),
            outbox,
        )?;
        Ok(self.use_collector(c))
    }

    /// Use a collector started elsewhere (tests give one a source): the
    /// regression switch's position, when the source has one.
    pub fn use_collector(&mut self, c: Collector) -> Option<bool> {
        let regression = c.regression();
        self.collector = Some(c);
        regression
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

    /// What opening the app does first: open the session named by
    /// `prefix`, else the repository's current (last open) session, else
    /// show the start screen.
    pub fn boot(&self, prefix: Option<&str>) -> Result<Effect> {
        let key = self.ws.repo.key.clone();
        Ok(match prefix {
            Some(p) => Effect::OpenSession(self.ws.store.resolve_for_reading(&key, Some(p))?),
            None => match self.ws.store.resolve(&key, None) {
                Ok(id) => Effect::OpenSession(id),
                // None, or several: the start screen lists them.
                Err(StoreError::NoOpenSession | StoreError::SeveralOpen { .. }) => {
                    Effect::LoadStart
                }
                Err(e) => return Err(e.into()),
            },
        })
    }

    /// The open session's folder (the runner watches it).
    pub fn session_dir(&self) -> Option<&Path> {
        self.session.as_ref().map(|s| s.dir())
    }

    /// The session as the app shows it: its state shared, not copied.
    fn view(&self) -> Option<Box<SessionView>> {
        let s = self.session.as_ref()?;
        let state = s.shared_state();
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
            broken: s.problems().first().map(ToString::to_string),
            device_owner: Some(self.me.email.clone()),
        }))
    }

    fn loaded(&self) -> Vec<Action> {
        self.view().map(Action::Loaded).into_iter().collect()
    }

    /// Carry out one effect; what happened, as actions for the app.
    /// `logs` is the Logs pane's model, which the feed and the commands'
    /// output go into.
    pub fn execute(&mut self, effect: Effect, logs: &mut LogsModel) -> Vec<Action> {
        match effect {
            Effect::Perform {
                cmd,
                who,
                override_reason,
            } => {
                let Some(session) = self.session.as_mut() else {
                    return vec![Action::Failed("no session is open".into())];
                };
                if let Some(why) = &self.read_only {
                    return vec![Action::Failed(format!(
                        "this session is open read-only: {why}"
                    ))];
                }
                match self
                    .ws
                    .perform_as_with(&who, session, &cmd, override_reason.as_deref())
                {
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
                        let breaks =
                            e.downcast_ref::<crate::session::StoreError>()
                                .is_some_and(|e| {
                                    matches!(e, crate::session::StoreError::Breaks { .. })
                                });
                        let mut out = self.loaded();
                        out.push(if breaks {
                            Action::Refused {
                                why: format!("{e:#}"),
                                cmd,
                                who,
                            }
                        } else {
                            Action::Failed(format!("{e:#}"))
                        });
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
                                let what = session.describe_event(h.index).unwrap_or_default();
                                format!("{}: {what}", h.by.person())
                            });
                        let mut out = self.loaded();
                        out.extend(news.map(Action::Info));
                        out
                    }
                    Err(e) => vec![Action::Failed(e.to_string())],
                }
            }
            Effect::OpenSession(id) => match self.open(&id) {
                Ok(warnings) => {
                    let mut out = Vec::new();
                    if !warnings.is_empty() {
                        out.push(Action::Warnings(warnings));
                    }
                    out.extend(self.loaded());
                    out
                }
                Err(e) => vec![Action::Failed(format!("{e:#}"))],
            },
            Effect::StartSession {
                scenario,
                version,
                who,
                again,
                off_schedule,
            } => {
                // A release train releases the system version its
                // components add up to, not this repository's next tag.
                let version = match self.ws.is_train(&scenario) {
                    true => self
                        .ws
                        .train_status(false)
                        .ok()
                        .and_then(|t| semver::Version::parse(&t.next_system_version).ok())
                        .or(version),
                    false => version,
                };
                if let Some(v) = version.as_ref().filter(|_| !again) {
                    match self.ws.same_version(v) {
                        Ok(None) => {}
                        Ok(Some(same)) => {
                            return vec![Action::SameVersion {
                                why: same.to_string(),
                                scenario,
                                version: v.clone(),
                                who,
                            }];
                        }
                        Err(e) => return vec![Action::Failed(format!("{e:#}"))],
                    }
                }
                // The person at the keyboard starts it; the file is ours.
                let extras = crate::workspace::StartExtras {
                    component: None,
                    off_schedule,
                };
                match self
                    .ws
                    .start_session_with(&who, &scenario, version.clone(), &extras)
                {
                    Ok(s) => {
                        let warnings = self.ws.preflight(&scenario);
                        let msg = match warnings.first() {
                            None => format!("started {scenario} (session {})", s.id()),
                            Some(first) => format!(
                                "started {scenario} (session {}) · ⚠ preflight: {} problem{}, first: {first} (`greenlight playbook check {scenario}` lists them)",
                                s.id(),
                                warnings.len(),
                                if warnings.len() == 1 { "" } else { "s" }
                            ),
                        };
                        self.session = Some(s);
                        self.read_only = None;
                        let mut out = self.loaded();
                        out.push(Action::Info(msg));
                        out
                    }
                    Err(e) => match e.downcast_ref::<crate::workspace::TrainOffSchedule>() {
                        Some(off) => vec![Action::OffSchedule {
                            why: off.why.clone(),
                            scenario,
                            version,
                            who,
                        }],
                        None => vec![Action::Failed(format!("{e:#}"))],
                    },
                }
            }
            Effect::TagRelease { version } => {
                let Some(session) = self.session.as_mut() else {
                    return vec![Action::Failed("no session is open".into())];
                };
                let done = self.ws.tag_release(session, &version);
                let mut out = self.loaded();
                out.push(match done {
                    Ok(tag) => Action::Info(format!("tagged the release {tag}")),
                    Err(e) => Action::Failed(format!("could not tag the release: {e:#}")),
                });
                out
            }
            Effect::LoadStart => {
                let job = self.start_job();
                self.in_background(move || Action::StartLoaded(job.read()))
            }
            Effect::SendNotifications => {
                if self.send_notifications() {
                    self.loaded()
                } else {
                    Vec::new()
                }
            }
            Effect::RecordNotifications(sent) => {
                let failed = self.record_notifications(sent);
                let mut out = self.loaded();
                out.extend(failed);
                out
            }
            Effect::RecordJudgement(payload) => {
                let judge = crate::canary::ops::judge_on_device_of(&self.me);
                match self.record(payload, &judge) {
                    Ok(_) => {
                        // A verdict that changed may be someone's news.
                        self.send_notifications();
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
            Effect::Canary(job) => self.start_canary(*job, logs),
            Effect::FinishCanary(done) => self.finish_canary(*done),
            Effect::DrainLogs => self.drain_logs(logs),
            Effect::RunStep {
                step,
                action,
                confirmed_by,
                who,
            } => self.run_step(&step, action, confirmed_by, who, logs),
            Effect::CancelRun { step } => self.cancel_run(&step),
            Effect::CancelCanary => {
                if self.cancel_canary() {
                    Vec::new()
                } else {
                    vec![Action::Failed("no canary command is running".into())]
                }
            }
            Effect::DraftNotes
                if self
                    .session
                    .as_ref()
                    .is_some_and(|s| s.state().train.is_some()) =>
            {
                // A release train's notes: the system version's, grouped
                // by component, each from its own repository.
                let job = self.ws.train_job();
                self.in_background(move || {
                    Action::NotesDrafted(
                        job.read(false)
                            .and_then(|t| {
                                let parts = crate::train::notes::collect(&t)?;
                                Ok(crate::train::notes::render(&t, &parts))
                            })
                            .map_err(|e| format!("{e:#}")),
                    )
                })
            }
            Effect::DraftNotes => {
                let job = self.ws.notes_job();
                self.in_background(move || {
                    Action::NotesDrafted(job.markdown(None, None).map_err(|e| format!("{e:#}")))
                })
            }
            Effect::ReadTrain => {
                let job = self.ws.train_job();
                self.in_background(move || {
                    Action::TrainRead(Box::new(job.read(false).map_err(|e| format!("{e:#}"))))
                })
            }
            Effect::LoadTimeline => {
                let entries = self
                    .session
                    .as_ref()
                    .map(|s| crate::session::timeline::entries(s.state(), s.events()))
                    .unwrap_or_default();
                vec![Action::TimelineRead(entries)]
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
                let root = self.ws.repo.root.clone();
                self.in_background(move || {
                    Action::ManifestRead(super::manifest::read_manifest(
                        &root,
                        crate::release::MANIFEST_FILE,
                    ))
                })
            }
            Effect::SetManifest {
                component,
                version,
                who,
            } => self.set_manifest(&component, version, who, logs),
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
    fn set_manifest(
        &mut self,
        component: &str,
        version: semver::Version,
        who: Who,
        logs: &mut LogsModel,
    ) -> Vec<Action> {
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
        let mut actions = vec![Action::ManifestRead(super::manifest::read_manifest(
            &self.ws.repo.root,
            crate::release::MANIFEST_FILE,
        ))];
        let writable = self.read_only.is_none()
            && self
                .session
                .as_ref()
                .is_some_and(|s| s.state().status == crate::session::SessionStatus::Open);
        if writable {
            actions.extend(self.execute(
                Effect::Perform {
                    cmd: Command::Note {
                        text: text.clone(),
                        step: None,
                    },
                    who,
                    override_reason: None,
                },
                logs,
            ));
        } else {
            actions.push(Action::Info(text));
        }
        actions
    }

    /// After this process wrote to the session: with `[audit]
    /// tag_on_complete`, tag a release whose session just completed.
    /// Unset, the release tag is offered instead (once per session).
    fn after_write(&mut self) -> Option<Action> {
        self.send_notifications();
        let session = self.session.as_mut()?;
        if let Some(message) = self.ws.tag_if_completed(session) {
            return Some(if message.starts_with("warning") {
                Action::Failed(message)
            } else {
                Action::Info(message)
            });
        }
        let (version, tag) = self.ws.tag_offer(session)?;
        if self.tag_offered.as_deref() == Some(session.id()) {
            return None;
        }
        self.tag_offered = Some(session.id().to_string());
        Some(Action::OfferTag { version, tag })
    }

    /// Send what this device owes `[[notify]]` targets, off the UI thread;
    /// the attempts come back as `Action::Notified` to be recorded.
    /// True when attempts were recorded here and now (no background
    /// thread: scripted tests), so the state changed.
    fn send_notifications(&mut self) -> bool {
        let Some(session) = self.session.as_ref() else {
            return false;
        };
        if self.read_only.is_some() {
            return false;
        }
        let outgoing: Vec<_> = self
            .ws
            .outgoing_notifications(session)
            .into_iter()
            .filter(|o| {
                self.notifying.insert((
                    o.due.target.clone(),
                    o.due.notice.moment.as_str().to_string(),
                    o.due.notice.cause.clone(),
                ))
            })
            .collect();
        if outgoing.is_empty() {
            return false;
        }
        match &self.outbox {
            Some(outbox) => {
                let outbox = outbox.clone();
                std::thread::spawn(move || {
                    outbox(Action::Notified(
                        outgoing.iter().map(|o| o.send()).collect(),
                    ))
                });
                false
            }
            // Scripted tests: sent and recorded here and now.
            None => {
                let sent = outgoing.iter().map(|o| o.send()).collect();
                self.record_notifications(sent);
                true
            }
        }
    }

    /// Record notification attempts; a failure is the status line's.
    fn record_notifications(
        &mut self,
        sent: Vec<crate::session::payload::NotificationSent>,
    ) -> Option<Action> {
        for n in &sent {
            self.notifying
                .remove(&(n.target.clone(), n.moment.clone(), n.cause.clone()));
        }
        let session = self.session.as_mut()?;
        let messages = self.ws.record_notifications(session, sent);
        messages.into_iter().next().map(Action::Failed)
    }

    /// Open a session: for writing when it is open and our actor file is
    /// free, read-only otherwise (and say why). What a greenlight that
    /// died left running is closed now; the warnings say so.
    fn open(&mut self, id: &str) -> Result<Vec<String>> {
        let mut s = self.ws.session(Some(id))?;
        let mut read_only = None;
        let mut warnings = Vec::new();
        if s.state().status == crate::session::SessionStatus::Open {
            if let Err(e) = self.ws.attach(&mut s) {
                read_only = Some(e.to_string());
            }
            warnings = registry::reap(&self.ws, &mut s);
        } else {
            read_only = Some(format!("the session is {}", s.state().status.word()));
        }
        self.session = Some(s);
        self.read_only = read_only;
        Ok(warnings)
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
) -> Result<super::sync::SyncOutcome, String> {
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
    Ok(super::sync::SyncOutcome {
        summary,
        warnings: crate::workspace::sync_warnings(&r),
        status: target.status().ok(),
    })
}
