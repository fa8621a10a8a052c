//! The driver's background work for the Logs pane and step commands:
//! the log feed and its sources, and commands running on their own
//! threads. (A child module of `driver`, so it reaches the session the
//! driver holds; the Logs pane's model it feeds is lent to it.)
//!
//! - The feed's waker (and a finished command) call the loop's waker,
//!   which sends [`Action::LogsReady`]; the drain that follows takes at
//!   most [`DRAIN_LINES`] lines and [`DRAIN_TIME`], and wakes the loop
//!   again when more is waiting, so keys are never stuck behind a flood.
//! - A step command runs with [`exec::spawn`]; a watcher thread owns its
//!   [`exec::RunHandle`], joins it and hands back the [`Outcome`]. The
//!   start and the end are recorded through `Workspace::perform` with
//!   the payloads and commands of [`StepCommand`], exactly as
//!   `greenlight step run` records them.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::exec::registry::{Registering, Registration, Registry, Running};
use crate::exec::{self, CancelToken, LogsSink, Outcome, StepCommand, StepEnv, signals};
use crate::logs::feed::{self, FeedReceiver, FeedSender, Waker};
use crate::logs::time::now_millis;
use crate::logs::{Level, LogLine, LogsModel, SourceHandle, SourceId, SourceSpec};
use crate::session::{Command, Who};

use super::Driver;
use crate::tui::action::{Action, CanaryCommandDone};

/// Lines one drain takes in at most.
pub const DRAIN_LINES: usize = 20_000;
/// Time one drain takes at most: a frame has 33 ms, keys come first.
pub const DRAIN_TIME: Duration = Duration::from_millis(8);

/// A command running for a step.
struct LiveRun {
    session: String,
    plan: StepCommand,
    who: Who,
    cancel: CancelToken,
    source: SourceId,
    /// Its entry in the registry of running commands, removed once its
    /// end is recorded.
    registration: Registration,
}

type Done = (StepCommand, Option<Outcome>);

pub(super) struct Live {
    feed: Option<(FeedSender, FeedReceiver)>,
    /// The loop's waker, set once the loop runs (`Driver::set_waker`).
    waker: Arc<Mutex<Option<Waker>>>,
    sources: Vec<SourceHandle>,
    runs: Vec<LiveRun>,
    done_tx: mpsc::Sender<Done>,
    done_rx: mpsc::Receiver<Done>,
    /// Cancels the canary command running now (`set_weight`, rollback).
    canary: Option<CancelToken>,
    /// Where that command's end also arrives, so quitting can wait for it
    /// and record it (the terminal loop that would get it is gone).
    canary_done: Option<mpsc::Receiver<CanaryCommandDone>>,
    /// That command's entry in the registry of running commands.
    canary_registration: Option<Registration>,
}

impl Live {
    pub(super) fn new() -> Live {
        let (done_tx, done_rx) = mpsc::channel();
        Live {
            feed: None,
            waker: Arc::new(Mutex::new(None)),
            sources: Vec::new(),
            runs: Vec::new(),
            done_tx,
            done_rx,
            canary: None,
            canary_done: None,
            canary_registration: None,
        }
    }

    fn wake(slot: &Mutex<Option<Waker>>) {
        let w = slot.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(w) = w {
            w();
        }
    }

    fn sender(&mut self) -> FeedSender {
        if self.feed.is_none() {
            let slot = self.waker.clone();
            let waker: Waker = Arc::new(move || Live::wake(&slot));
            self.feed = Some(feed::channel(feed::DEFAULT_CAPACITY, Some(waker)));
        }
        match &self.feed {
            Some((tx, _)) => tx.clone(),
            None => unreachable!("the feed was just made"),
        }
    }
}

impl Drop for Live {
    /// Nothing keeps running that nobody can see.
    fn drop(&mut self) {
        for r in &self.runs {
            r.cancel.cancel();
        }
        if let Some(c) = &self.canary {
            c.cancel();
        }
    }
}

impl Driver {
    /// Start the `[[logs]]` sources of the repository, plus `extra` ones
    /// (the demo's sample stream): the Logs pane's model, and warnings for
    /// sources that could not start.
    pub fn start_logs(&mut self, extra: &[(String, SourceSpec)]) -> (LogsModel, Vec<String>) {
        let tx = self.live.sender();
        let (mut model, mut handles) =
            LogsModel::start_configured(self.ws.config.logs_config(), &self.ws.repo.root, &tx);
        let mut warnings = Vec::new();
        for (name, spec) in extra {
            match model.start(name, None, spec.clone(), tx.clone()) {
                Ok(h) => handles.push(h),
                Err(e) => warnings.push(format!("log source {name} cannot start: {e}")),
            }
        }
        model.view.sync(&model.buffer);
        self.live.sources = handles;
        (model, warnings)
    }

    /// How the loop learns there is something to drain: called from the
    /// sources' threads; it should send [`Action::LogsReady`].
    pub fn set_waker(&mut self, waker: Waker) {
        *self
            .live
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(waker);
        // Whatever came before the loop ran.
        Live::wake(&self.live.waker);
    }

    /// Is a step command running?
    pub fn running(&self) -> bool {
        !self.live.runs.is_empty()
    }

    /// greenlight is ending for `why` (a signal's name, "the terminal
    /// closed"): cancel every command with that reason, so
    /// [`Driver::shutdown`] records them as interrupted by it.
    pub fn interrupt(&mut self, why: &str) {
        for r in &self.live.runs {
            r.cancel.interrupt(why);
        }
        if let Some(c) = &self.live.canary {
            c.interrupt(why);
        }
    }

    /// Cancel every command, wait for each to end (the grace before
    /// SIGKILL, at most) and record how it ended; stop the log sources.
    /// Called when the app closes. Its messages cannot panic: the
    /// terminal may be gone (a SIGHUP).
    pub fn shutdown(&mut self, logs: &mut LogsModel) {
        for r in &self.live.runs {
            r.cancel.cancel();
        }
        // A canary command still running: cancel it, wait for its end
        // (the grace before SIGKILL, at most) and record it.
        if let (Some(cancel), Some(rx)) = (self.live.canary.take(), self.live.canary_done.take()) {
            cancel.cancel();
            signals::say("greenlight: waiting for the canary command to stop, to record it…");
            let wait = exec::DEFAULT_GRACE + Duration::from_secs(3);
            if let Ok(done) = rx.recv_timeout(wait) {
                for a in self.finish_canary(done) {
                    if let Action::Failed(text) | Action::Info(text) = &a {
                        signals::say(&format!("greenlight: {text}"));
                    }
                }
            }
        }
        let until = Instant::now() + exec::DEFAULT_GRACE + Duration::from_secs(3);
        if !self.live.runs.is_empty() {
            signals::say("greenlight: waiting for the running command to stop, to record it…");
        }
        while !self.live.runs.is_empty() && Instant::now() < until {
            match self.live.done_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(done) => {
                    for a in self.finish(done, logs) {
                        if let Action::RunFinished { text, .. } = &a {
                            signals::say(&format!("greenlight: {text}"));
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        for h in std::mem::take(&mut self.live.sources) {
            h.stop_and_wait(Duration::from_millis(200));
        }
    }

    /// Take in what the feed holds, within the budget; then record the
    /// ends of finished commands (once their output is in).
    pub(super) fn drain_logs(&mut self, logs: &mut LogsModel) -> Vec<Action> {
        let Some((_, rx)) = &self.live.feed else {
            return self.finished_runs(logs);
        };
        let d = logs.drain(rx, DRAIN_LINES, DRAIN_TIME);
        if d.more {
            // The waker stays quiet until the next drain: ask again,
            // behind any key already waiting.
            Live::wake(&self.live.waker);
            return Vec::new();
        }
        self.finished_runs(logs)
    }

    fn finished_runs(&mut self, logs: &mut LogsModel) -> Vec<Action> {
        let mut out = Vec::new();
        while let Ok(done) = self.live.done_rx.try_recv() {
            out.extend(self.finish(done, logs));
        }
        out
    }

    /// A canary command is about to run: its output goes to a Logs
    /// source of its own, and it can be cancelled. Returns the sink and
    /// the token its thread runs with.
    pub(super) fn canary_run(
        &mut self,
        name: &str,
        running: Running,
        logs: &mut LogsModel,
    ) -> (
        Registering<LogsSink>,
        CancelToken,
        mpsc::Sender<CanaryCommandDone>,
    ) {
        let tx = self.live.sender();
        let source = logs.add_source(name, "step", None);
        note(
            logs,
            source,
            &format!("── {name}: running `{}` ──", running.command),
        );
        let cancel = CancelToken::new();
        self.live.canary = Some(cancel.clone());
        let (done_tx, done_rx) = mpsc::channel();
        self.live.canary_done = Some(done_rx);
        let (sink, registration) = Registering::new(
            LogsSink::new(source, tx),
            self.session.as_ref().map(|s| Registry::of_session(s.dir())),
            running,
        );
        self.live.canary_registration = Some(registration);
        (sink, cancel, done_tx)
    }

    /// The canary command ended: its entry in the registry, to remove
    /// once its end is recorded.
    pub(super) fn canary_ended(&mut self) -> Option<Registration> {
        self.live.canary = None;
        self.live.canary_done = None;
        self.live.canary_registration.take()
    }

    /// Cancel the running canary command; false when none runs.
    pub(super) fn cancel_canary(&mut self) -> bool {
        match &self.live.canary {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    pub(super) fn run_step(
        &mut self,
        step: &str,
        action: exec::StepAction,
        confirmed_by: Option<String>,
        who: Who,
        logs: &mut LogsModel,
    ) -> Vec<Action> {
        let Some(session) = self.session.as_mut() else {
            return vec![Action::Failed("no session is open".into())];
        };
        if let Some(why) = &self.read_only {
            return vec![Action::Failed(format!(
                "this session is open read-only: {why}"
            ))];
        }
        if self.live.runs.iter().any(|r| r.plan.step == step) {
            return vec![Action::Failed(format!(
                "{step} already has a command running"
            ))];
        }
        let plan = match self
            .ws
            .step_command(session.state(), step, action)
            .and_then(|p| {
                p.require_confirmation(confirmed_by.as_deref())
                    .map(|()| p)
                    .map_err(|e| color_eyre::eyre::eyre!(e))
            }) {
            Ok(p) => p,
            Err(e) => return vec![Action::Failed(format!("{e:#}"))],
        };
        // Recorded before anything runs: a crash mid-run leaves a trace.
        let started =
            self.ws
                .perform_as(&who, session, &Command::Record(plan.started(confirmed_by)));
        if let Err(e) = started {
            let mut out = self.loaded();
            out.push(Action::Failed(format!("{e:#}")));
            return out;
        }
        let session_id = session.id().to_string();
        let registry = Registry::of_session(session.dir());
        let env = StepEnv::from_state(session.state(), &self.ws.repo.root, &self.ws.actor());
        let spec = plan.exec_spec(&env, &self.ws.repo.root);
        let name = match action {
            exec::StepAction::Run => plan.step.clone(),
            exec::StepAction::Rollback => format!("↶ {}", plan.step),
        };
        let tx = self.live.sender();
        let source = logs.add_source(&name, "step", None);
        note(
            logs,
            source,
            &format!("── {name}: running `{}` ──", plan.command),
        );
        let (sink, registration) =
            Registering::new(LogsSink::new(source, tx), Some(registry), plan.running());
        let handle = match exec::spawn(spec, sink) {
            Ok(h) => h,
            Err(e) => {
                // Recorded as a run that could not start.
                let outcome = Outcome {
                    exit_code: Some(127),
                    signal: None,
                    duration: Duration::ZERO,
                    timed_out: false,
                    cancelled: false,
                    interrupted: None,
                    killed: false,
                    output_sha256: String::new(),
                    output_bytes: 0,
                    last_lines: Vec::new(),
                    spawn_error: Some(format!("no thread to run it on: {e}")),
                };
                let _ = self.live.done_tx.send((plan, Some(outcome)));
                return self.finished_runs(logs);
            }
        };
        let cancel = handle.cancel_token();
        let done_tx = self.live.done_tx.clone();
        let slot = self.live.waker.clone();
        let for_watch = plan.clone();
        let watcher = std::thread::Builder::new()
            .name("step-watch".into())
            .spawn(move || {
                let outcome = handle.join();
                let _ = done_tx.send((for_watch, outcome));
                Live::wake(&slot);
            });
        if let Err(e) = watcher {
            // The handle went with the closure and was dropped: that
            // cancels the command. Say so; its end is not recorded.
            return vec![Action::Failed(format!(
                "cannot watch the command (no thread: {e}); it was cancelled"
            ))];
        }
        let command = plan.command.clone();
        self.live.runs.push(LiveRun {
            session: session_id,
            plan,
            who,
            cancel,
            source,
            registration,
        });
        let mut out = self.loaded();
        out.push(Action::RunStarted {
            step: step.to_string(),
            action,
            command,
        });
        out
    }

    pub(super) fn cancel_run(&mut self, step: &str) -> Vec<Action> {
        match self.live.runs.iter().find(|r| r.plan.step == step) {
            Some(r) => {
                r.cancel.cancel();
                Vec::new()
            }
            None => vec![Action::Failed(format!("{step} has no command running"))],
        }
    }

    /// Record how a command ended: the outcome, then (for a run) the step
    /// completed or failed.
    fn finish(&mut self, (plan, outcome): Done, logs: &mut LogsModel) -> Vec<Action> {
        let at = self
            .live
            .runs
            .iter()
            .position(|r| r.plan.step == plan.step && r.plan.action == plan.action);
        let run = at.map(|i| self.live.runs.remove(i));
        let (step, action) = (plan.step.clone(), plan.action);
        let Some(outcome) = outcome else {
            return vec![Action::RunFinished {
                step,
                action,
                ok: false,
                text: format!(
                    "`{}`: greenlight lost track of it (a bug); check by hand",
                    plan.command
                ),
            }];
        };
        let how = format!("`{}` {}", plan.command, outcome.describe());
        if let Some(r) = &run {
            note(logs, r.source, &format!("── {}: {how} ──", plan.step));
        }
        let mut errors = Vec::new();
        let open = self.session.as_ref().map(|s| s.id().to_string());
        match (&run, self.session.as_mut()) {
            (Some(r), Some(session)) if open.as_deref() == Some(r.session.as_str()) => {
                for cmd in plan.finished(&outcome) {
                    if let Err(e) = self.ws.perform_as(&r.who, session, &cmd) {
                        errors.push(format!("{e:#}"));
                        break;
                    }
                }
                if errors.is_empty() {
                    r.registration.remove();
                }
            }
            _ => errors.push("its session is no longer the open one".into()),
        }
        let mut text = match action {
            exec::StepAction::Run if outcome.succeeded() => format!("{how}: {step} is done"),
            exec::StepAction::Run => {
                let reason = self
                    .session
                    .as_ref()
                    .and_then(|s| s.state().step(&step))
                    .and_then(|s| s.failed.as_ref().map(|(_, why)| why.clone()))
                    .unwrap_or(how);
                format!("{step} failed: {reason}")
            }
            exec::StepAction::Rollback if outcome.succeeded() => {
                format!("rolled back {step}: {how}")
            }
            exec::StepAction::Rollback => format!("the rollback of {step} did not succeed: {how}"),
        };
        if !errors.is_empty() {
            text.push_str(&format!(
                " (its end could not be recorded: {})",
                errors.join("; ")
            ));
        }
        let tagged = self.after_write();
        let mut out = self.loaded();
        out.push(Action::RunFinished {
            step,
            action,
            ok: outcome.succeeded() && errors.is_empty(),
            text,
        });
        out.extend(tagged);
        out
    }
}

/// A note from greenlight in a source's stream.
fn note(logs: &mut LogsModel, source: SourceId, text: &str) {
    logs.buffer
        .push(LogLine::note(source, text, Level::Unknown, now_millis()));
    logs.view.sync(&logs.buffer);
}
