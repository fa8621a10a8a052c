//! The app and the core it acts on, together: `dispatch` runs `update`,
//! hands the effects it returns to the driver, and feeds their results
//! back in, until nothing is left to do. The terminal loop and the
//! scripted tests both drive the app through here.

use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

use color_eyre::eyre::Result;

use super::App;
use crate::logs::SourceSpec;
use crate::logs::feed::Waker;
use crate::tui::action::{Action, Effect};
use crate::tui::collector::{Collector, Outbox};
use crate::tui::ctx::roster;
use crate::tui::driver::Driver;
use crate::tui::keymap::Keymap;
use crate::tui::pane::Canary;
use crate::tui::sync::SyncView;
use crate::tui::theme::Choice;
use crate::workspace::Workspace;

pub struct Runtime {
    pub app: App,
    pub driver: Driver,
}

impl Runtime {
    /// The app on a workspace: its people (the git identity at the
    /// keyboard), its theme and keymap, the canary and sync state of its
    /// configuration. Nothing is open yet (see [`Runtime::boot`]).
    pub fn new(ws: Workspace, theme: Choice, keymap: Keymap) -> Runtime {
        let (people, at) = roster(&ws.config.people, &ws.who);
        let mut app = App::new(ws.project_name(), people, at, theme.theme);
        app.warnings.extend(theme.warning);
        app.keymap = keymap;
        app.panes.canary = Canary::new(&ws.config);
        app.sync = SyncView::new(&ws.config);
        app.sync.key = app.keymap.label(crate::tui::keymap::KeyAction::Sync);
        Runtime {
            app,
            driver: Driver::new(ws),
        }
    }

    pub fn ws(&self) -> &Workspace {
        &self.driver.ws
    }

    /// Start the `[[logs]]` sources (and `extra` ones) into the Logs pane.
    pub fn start_logs(&mut self, extra: &[(String, SourceSpec)]) {
        let (model, warnings) = self.driver.start_logs(extra);
        self.app.panes.logs.model = model;
        self.app.warnings.extend(warnings);
    }

    /// Open the session named by `prefix`, else the repository's current
    /// (last open) session, else the start screen.
    pub fn boot(&mut self, prefix: Option<&str>) -> Result<()> {
        let first = self.driver.boot(prefix)?;
        self.open_with(first);
        Ok(())
    }

    /// Carry out the first effect [`Driver::boot`] chose.
    pub fn open_with(&mut self, first: Effect) {
        if first == Effect::LoadStart {
            self.app.start.loading = true;
        }
        for a in self.driver.execute(first, &mut self.app.panes.logs.model) {
            self.dispatch(a);
        }
    }

    /// Apply an action and everything it leads to. Returns false when
    /// nothing changed but, perhaps, log lines: a file event that brought
    /// nothing new, or a log batch that led to nothing else (whether its
    /// lines show is [`App::logs_show_new_lines`]).
    pub fn dispatch(&mut self, action: Action) -> bool {
        let quiet = |a: &Action| matches!(a, Action::JournalChanged | Action::LogsReady);
        let mut changed = !quiet(&action);
        let mut queue = VecDeque::from([action]);
        while let Some(a) = queue.pop_front() {
            if !quiet(&a) {
                changed = true;
            }
            for effect in self.app.update(a) {
                queue.extend(self.driver.execute(effect, &mut self.app.panes.logs.model));
            }
        }
        changed
    }

    /// Send background results to `outbox` from now on, and start the
    /// canary collector when `[canary]` is usable. A source that cannot
    /// be made is the Canary pane's message.
    pub fn start_background(&mut self, outbox: Outbox) {
        let config = self.app.panes.canary.config.clone();
        match self.driver.start_background(outbox, config.as_ref()) {
            Ok(regression) => self.app.panes.canary.regression = regression,
            Err(why) => self.app.panes.canary.problem = Some(why),
        }
    }

    /// Use a collector started elsewhere (tests give one a source).
    pub fn use_collector(&mut self, c: Collector) {
        self.app.panes.canary.regression = self.driver.use_collector(c);
    }

    /// How the loop learns there is something to drain: called from the
    /// sources' threads; it should send [`Action::LogsReady`].
    pub fn set_waker(&mut self, waker: Waker) {
        self.driver.set_waker(waker);
    }

    /// Is a step command running?
    pub fn running(&self) -> bool {
        self.driver.running()
    }

    /// The open session's folder (the loop watches it).
    pub fn session_dir(&self) -> Option<&Path> {
        self.driver.session_dir()
    }

    /// greenlight is ending for `why`: commands are cancelled with that
    /// reason (see [`Driver::interrupt`]).
    pub fn interrupt(&mut self, why: &str) {
        self.driver.interrupt(why);
    }

    /// Cancel every command, wait for each to end and record it; stop the
    /// log sources.
    pub fn shutdown(&mut self) {
        self.driver.shutdown(&mut self.app.panes.logs.model);
    }

    /// For headless use (tests): drain until `done` holds or `timeout`
    /// passes; true when it held.
    pub fn pump_until(&mut self, timeout: Duration, done: impl Fn(&App) -> bool) -> bool {
        let until = Instant::now() + timeout;
        loop {
            self.dispatch(Action::LogsReady);
            if done(&self.app) {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
