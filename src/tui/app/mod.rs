//! The app: the screen, the panes, the overlay stack, who is at the
//! keyboard, the status line, and `update`, the only place any of it
//! changes. `update` routes: a key goes to the top overlay, else to the
//! focused pane (or the start screen), else to the keys that work
//! everywhere; a message from the driver goes to the pane or overlay it
//! concerns. What they hand back ([`Out`]) is applied here: effects go
//! out to the driver, overlays are pushed, requests only the app can
//! carry out (focus, hand-over, a prompt's text, a confirmation's yes)
//! are routed to their owner.
//!
//! `update` never does I/O: what it needs from the core it asks for as
//! effects, and the answers come back as actions. Its children:
//!
//! - `draw`: the frame, composed from the panes' and overlays' draws; it
//!   returns the [`Layout`] it drew, which mouse hit-testing and
//!   scrolling read (update never recomputes drawing arithmetic);
//! - `runtime`: the app and the driver together: actions in, effects to
//!   the core, their results back in, until nothing is left to do;
//! - `terminal`: the real terminal, its restore, and the event loop;
//! - `fixture`: the app on fixed sample sessions (snapshots, benches).

mod draw;
pub mod fixture;
mod runtime;
pub mod terminal;

pub use draw::{Layout, draw};
pub use runtime::Runtime;

use crate::session::{Command, Payload, SessionStatus};

use super::action::{Action, Effect};
use super::ctx::{Ctx, Member, SessionView};
use super::keymap::{KeyAction, Keymap};
use super::manifest::ManifestState;
use super::out::{Ask, Offer, Out, Status};
use super::overlay::{
    Confirm, Help, HelpEntry, HelpSection, Intent, ManifestOverlay, NotesOverlay, Overlay, People,
    Purpose, Stack,
};
use super::pane::{Component, Panes};
use super::place::{Pane, Place};
use super::start::StartScreen;
use super::sync::SyncView;
use super::theme::{Theme, Tone};

/// The context of `$app`, borrowing only the fields it reads (so a pane
/// can be borrowed mutably beside it).
macro_rules! ctx {
    ($app:expr) => {
        Ctx {
            session: $app.session.as_ref(),
            person: $app.people.get($app.at_keyboard),
            keymap: &$app.keymap,
            theme: &$app.theme,
            now: $app.now,
            zoom: $app.zoom,
            manifest: &$app.manifest,
            canary: $app.panes.canary.glance(),
            train: &$app.train,
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Start,
    Main,
}

#[derive(Debug, Clone)]
pub struct App {
    pub screen: Screen,
    pub repo_name: String,
    pub session: Option<SessionView>,
    pub start: StartScreen,
    pub focus: Pane,
    pub zoom: bool,
    pub panes: Panes,
    pub overlays: Stack,
    pub people: Vec<Member>,
    pub at_keyboard: usize,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Where the user's keymap lives (shown in the help).
    pub keymap_file: Option<String>,
    pub status: Option<Status>,
    /// Lasting warnings (a broken theme): shown when there is no status.
    pub warnings: Vec<String>,
    /// The time the header shows; set by ticks (fixed in tests).
    pub now: Option<jiff::Timestamp>,
    pub quit: bool,
    /// The audit trail's sync state (the header's badge).
    pub sync: SyncView,
    /// When the app last looked for notifications due again (a failed
    /// delivery waits, then is retried without anyone acting).
    pub notify_checked: Option<jiff::Timestamp>,
    /// The repository's manifest of components.
    pub manifest: ManifestState,
    /// A release train's components (release-train sessions).
    pub train: super::ctx::TrainView,
    /// What the last frame drew.
    pub layout: Option<Layout>,
    /// What `o` would carry out, breaking the rules that refused it.
    pub offer: Option<Offer>,
    /// The status line's last messages (time, tone, text), oldest first.
    pub messages: Vec<(String, Tone, String)>,
    /// What the session waited for at the last update (an observation
    /// time, a person): when it stops waiting, the next-action line
    /// flashes and the bell rings.
    pub waiting: Option<String>,
    /// The next-action line is flashing (a wait ended) until the next key.
    pub flash: bool,
    /// Ring the terminal's bell when a wait ends (user config `bell`).
    pub bell: bool,
    /// A bell to ring with the next frame (the terminal takes it).
    pub ring: bool,
}

/// How often a release train's components are read again (their
/// sessions change in their own repositories).
const TRAIN_EVERY_MS: i64 = 1000;
/// How many status messages `L` shows.
const MESSAGES_KEPT: usize = 100;

/// How often the app looks for notifications due again (retries of
/// failed deliveries; new moments go out as they are written).
const NOTIFY_EVERY_SECS: i64 = 15;

impl App {
    pub fn new(repo_name: &str, people: Vec<Member>, at_keyboard: usize, theme: Theme) -> App {
        App {
            screen: Screen::Start,
            repo_name: repo_name.to_string(),
            session: None,
            start: StartScreen::default(),
            focus: Pane::Checklist,
            zoom: false,
            panes: Panes::default(),
            overlays: Stack::default(),
            at_keyboard: at_keyboard.min(people.len().saturating_sub(1)),
            people,
            theme,
            keymap: Keymap::default(),
            keymap_file: None,
            status: None,
            warnings: Vec::new(),
            now: None,
            quit: false,
            sync: SyncView {
                key: Keymap::default().label(KeyAction::Sync),
                ..SyncView::default()
            },
            manifest: ManifestState::default(),
            train: Default::default(),
            layout: None,
            offer: None,
            notify_checked: None,
            messages: Vec::new(),
            waiting: None,
            flash: false,
            bell: true,
            ring: false,
        }
    }

    pub fn person(&self) -> Option<&Member> {
        self.people.get(self.at_keyboard)
    }

    pub fn state(&self) -> Option<&crate::session::SessionState> {
        self.session.as_ref().map(|v| &*v.state)
    }

    /// The overlay on top, if any.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.top()
    }

    /// What panes and overlays see.
    pub fn ctx(&self) -> Ctx<'_> {
        ctx!(self)
    }

    /// Where keys are read now.
    pub fn place(&self) -> Place {
        match (self.overlays.top(), self.screen) {
            (Some(o), _) => o.place(),
            (None, Screen::Start) => Place::Start,
            (None, Screen::Main) => Place::Pane(self.focus),
        }
    }

    /// A terminal event as an action, read where keys are read now.
    pub fn translate(&self, ev: &ratatui::crossterm::event::Event) -> Option<Action> {
        super::input::translate(self.place(), &self.keymap, ev)
    }

    /// Is the open session a release train's (so the Train pane shows)?
    pub fn is_train(&self) -> bool {
        self.state().is_some_and(|s| s.train.is_some())
    }

    /// Does the screen show a running clock (so a tick needs a redraw)?
    pub fn clock_visible(&self) -> bool {
        self.screen == Screen::Main
            && self
                .state()
                .is_some_and(|s| s.status == SessionStatus::Open && s.started.is_some())
    }

    /// Do new log lines change what the screen shows? Only while the Logs
    /// pane is on screen and follows the newest line. Paused, scrolled back
    /// or hidden behind a zoom, the lines land out of sight, and what they
    /// change (the counts in the pane's title, the error rate) is drawn
    /// with the clock's next tick, once a second; without a running clock
    /// the counts are drawn as they change.
    pub fn logs_show_new_lines(&self) -> bool {
        let on_screen = self.screen == Screen::Main && (!self.zoom || self.focus == Pane::Logs);
        on_screen && (self.panes.logs.model.view.is_following() || !self.clock_visible())
    }

    /// A frame was drawn: keep what it showed for the keys and the mouse
    /// (and give the Logs pane the rows its lines got).
    pub fn drawn(&mut self, layout: Layout) {
        if let Some(d) = layout.pane(Pane::Logs) {
            self.panes.logs.drawn(d.rows.height);
        }
        self.layout = Some(layout);
    }

    /// Apply one action; return what the core should do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut out = Out::default();
        if matches!(action, Action::Key(_)) {
            self.flash = false;
        }
        // New log lines cannot end a wait (see `super::next`): a batch,
        // up to ten a second, skips working out the next action.
        let logs_only = matches!(action, Action::LogsReady);
        self.route(action, &mut out);
        let effects = self.apply(out);
        if !logs_only {
            self.watch_waits();
        }
        effects
    }

    /// The next action (see [`super::next`]) for the screen as it is.
    pub fn next_action(&self) -> Option<super::next::Next> {
        if self.screen != Screen::Main {
            return None;
        }
        let ctx = ctx!(self);
        let canary = self.panes.canary.plan(&ctx).and_then(|plan| {
            let st = ctx.state()?;
            Some(crate::canary::plan::next_action(
                &plan,
                &st.canary,
                ctx.now_or_real(),
            ))
        });
        let running = self.panes.checklist.runs.first().map(|r| r.step.as_str());
        super::next::next_action(&ctx, self.focus, canary.as_ref(), running)
    }

    /// A wait that ended (the observation time passed, the approval
    /// came): flash the next-action line, and ring the bell.
    fn watch_waits(&mut self) {
        let now = self
            .state()
            .filter(|s| s.status == SessionStatus::Open)
            .is_some()
            .then(|| self.next_action().and_then(|n| n.waiting))
            .flatten();
        if self.waiting.is_some() && now != self.waiting {
            self.flash = true;
            self.ring = self.bell;
        }
        self.waiting = now;
    }

    fn route(&mut self, action: Action, out: &mut Out) {
        match action {
            Action::Tick(now) => {
                self.now = Some(now);
                self.sync.tick(now, self.session.is_some(), out);
                let due = self
                    .notify_checked
                    .is_none_or(|t| now.as_second().saturating_sub(t.as_second()) >= NOTIFY_EVERY_SECS);
                if self.session.is_some() && due {
                    self.notify_checked = Some(now);
                    out.effect(Effect::SendNotifications);
                }
                // A train follows its components' sessions: read again
                // about once a second, one read at a time.
                if self.is_train()
                    && !self.train.reading
                    && self
                        .train
                        .asked
                        .is_none_or(|t| now.as_millisecond() - t.as_millisecond() >= TRAIN_EVERY_MS)
                {
                    self.train.asked = Some(now);
                    self.train.reading = true;
                    out.effect(Effect::ReadTrain);
                }
            }
            // A redraw follows; the frame reports the new layout.
            Action::Resize { .. } => {}
            Action::JournalChanged => out.effect(Effect::Refresh),
            Action::Loaded(view) => self.loaded(*view, out),
            Action::StartLoaded(data) => {
                let error = data.error.clone();
                let current = self.session.as_ref().map(|v| v.state.id.clone());
                self.start.loaded(data, current.as_deref());
                self.screen = Screen::Start;
                if let Some(e) = error {
                    out.say(Tone::Bad, e);
                }
            }
            Action::Performed { cmd, summary } => {
                self.offer = None;
                self.performed(cmd, summary, out)
            }
            Action::Refused { why, cmd, who } => {
                self.refused(why, Offer::Perform(Box::new((cmd, who))), out)
            }
            Action::SameVersion {
                why,
                scenario,
                version,
                who,
            } => out.open(Overlay::Confirm(Confirm::new(
                format!("Start another release of {version}?"),
                vec![
                    format!("{why}."),
                    "A second session of the same version is a second release of it: say yes only when the first one is really over or abandoned.".into(),
                ],
                Intent::StartAgain {
                    scenario,
                    version,
                    who,
                },
            ))),
            Action::OfferTag { version, tag } => out.open(Overlay::Confirm(Confirm::new(
                format!("Tag the release {tag}?"),
                vec![
                    format!("The session is complete: HEAD gets the annotated tag {tag} (release {version}, naming this session), recorded in the session."),
                    "Set [audit] tag_on_complete = true (always) or false (never) in .greenlight.toml to stop this question.".into(),
                ],
                Intent::TagRelease { version },
            ))),
            Action::Info(text) => out.say(Tone::Info, text),
            Action::Notified(sent) => out.effect(Effect::RecordNotifications(sent)),
            Action::Failed(why) => {
                let hint = if why.contains("does not hold")
                    || why.contains("is not listed in [[people]]")
                {
                    format!(
                        " — press {} to hand the keyboard to someone who does",
                        self.keymap.label(KeyAction::SwitchPerson)
                    )
                } else {
                    String::new()
                };
                out.say(Tone::Bad, format!("✘ {why}{hint}"));
                // An editor waiting on a save keeps its text.
                if let Some(n) = self.overlays.notes_mut() {
                    n.refused();
                }
            }
            Action::Key(k) => self.key(k, out),
            Action::Type(c) => {
                if let Some(p) = self.overlays.prompt_mut() {
                    p.type_char(c);
                }
            }
            Action::EditorInput(input) => {
                if let Some(Overlay::Notes(n)) = self.overlays.top_mut() {
                    n.input(input);
                }
            }
            Action::Click { column, row } => self.click(column, row),
            Action::CanaryJudged(snap) => {
                let ctx = ctx!(self);
                self.panes.canary.judged(*snap, &ctx, out);
            }
            Action::CanaryRecorded => {
                let ctx = ctx!(self);
                self.panes.canary.recorded(&ctx, out);
            }
            Action::CanaryRecordFailed(why) => self.panes.canary.record_error = Some(why),
            Action::CanaryCommandDone(done) => {
                self.panes.canary.running = None;
                out.effect(Effect::FinishCanary(done));
            }
            Action::LogsReady => out.effect(Effect::DrainLogs),
            Action::OffSchedule {
                why,
                scenario,
                version,
                who: _,
            } => out.open(Overlay::Prompt(super::overlay::Prompt::new(
                "An extra train".into(),
                vec![
                    format!("{why}."),
                    "Why does this train leave off its schedule? (required, recorded in the session)".into(),
                ],
                true,
                Purpose::OffSchedule { scenario, version },
            ))),
            Action::TrainRead(read) => {
                self.train.reading = false;
                match *read {
                    Ok(t) => {
                        self.train.error = None;
                        self.train.status = Some(t);
                    }
                    Err(e) => self.train.error = Some(e),
                }
            }
            Action::NotesDrafted(r) => {
                let current = self
                    .state()
                    .and_then(|s| s.release_notes.as_ref())
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                if let Some(n) = self.overlays.notes_mut() {
                    n.drafted(r, &current, &self.keymap, out);
                }
            }
            Action::ManifestRead(m) => self.manifest = m,
            Action::TimelineRead(entries) => {
                if let Some(t) = self.overlays.timeline_mut() {
                    t.loaded(entries);
                }
            }
            Action::SyncStatus(s) => self.sync.status_read(s, self.now, out),
            Action::Synced { manual, result } => self.sync.synced(manual, result, self.now, out),
            Action::RunStarted {
                step,
                action,
                command,
            } => {
                let ctx = ctx!(self);
                let hidden = self.panes.logs.hidden_hint(&ctx);
                let mut text = self
                    .panes
                    .checklist
                    .run_started(step, action, command, &ctx);
                // A filter set earlier would hide the output without a word.
                text.push_str(&hidden.unwrap_or_default());
                out.say(Tone::Info, text);
            }
            Action::RunFinished {
                step,
                action,
                ok,
                text,
            } => {
                let ctx = ctx!(self);
                self.panes
                    .checklist
                    .run_finished(&step, action, ok, &text, &ctx, out);
            }
            Action::Warnings(w) => self.warnings.extend(w),
        }
    }

    /// The session as it is now.
    fn loaded(&mut self, view: SessionView, out: &mut Out) {
        let first_open = self
            .session
            .as_ref()
            .is_none_or(|v| v.state.id != view.state.id);
        let st = view.state.clone();
        self.session = Some(view);
        self.screen = Screen::Main;
        if first_open {
            self.focus = Pane::Checklist;
            self.zoom = false;
        }
        if self.overlays.timeline_mut().is_some() {
            out.effect(Effect::LoadTimeline);
        }
        self.panes.checklist.loaded(&st, first_open);
        self.panes.signoff.loaded(&st, first_open);
        self.sync.loaded(&st, out);
    }

    fn performed(&mut self, cmd: Command, summary: String, out: &mut Out) {
        let completed = self
            .state()
            .is_some_and(|s| s.status == SessionStatus::Completed);
        if completed {
            out.say(
                Tone::Ok,
                format!("✔ {summary} · `greenlight report` writes the release record"),
            );
        } else {
            out.say(Tone::Ok, format!("✔ {summary}"));
        }
        if let Command::Record(Payload::ReleaseNotesSet(_)) = cmd
            && let Some(n) = self.overlays.notes_mut()
        {
            n.saved();
        }
        if matches!(cmd, Command::Complete { .. } | Command::Skip { .. })
            && let Some(st) = self.session.as_ref().map(|v| v.state.clone())
        {
            self.panes.checklist.advance(&st);
        }
    }

    /// A key: the top overlay's, else the focused pane's (or the start
    /// screen's), else one of those that work everywhere.
    fn key(&mut self, k: KeyAction, out: &mut Out) {
        // A refusal's override is offered for the very next key only: `o`
        // after moving on must not override what was refused before.
        if self.overlays.is_empty() && k != KeyAction::Override {
            self.offer = None;
        }
        if !self.overlays.is_empty() {
            let depth = self.overlays.len();
            let place = self.place();
            let drawn = self
                .layout
                .as_ref()
                .and_then(|l| l.overlay)
                .filter(|(d, p, _)| *d == depth && *p == place)
                .map(|(_, _, drawn)| drawn);
            let ctx = ctx!(self);
            if let Some(top) = self.overlays.top_mut()
                && top.key(k, &ctx, drawn, out) == super::overlay::Fate::Close
            {
                self.overlays.pop();
            }
            return;
        }
        let handled = match self.screen {
            Screen::Start => self.start.key(k, &self.keymap, out),
            Screen::Main => {
                let ctx = ctx!(self);
                self.panes.get_mut(self.focus).key(k, &ctx, out)
            }
        };
        if !handled {
            self.global_key(k, out);
        }
    }

    /// The keys that work everywhere (and the step keys, which reach the
    /// Checklist's selected step from the panes that have no steps).
    fn global_key(&mut self, k: KeyAction, out: &mut Out) {
        match k {
            KeyAction::Help => {
                out.open(Help::new(self.keymap_file.clone()));
                return;
            }
            KeyAction::Quit => {
                self.ask_quit(out);
                return;
            }
            KeyAction::SwitchPerson => {
                out.open(People::new(&self.people, self.at_keyboard));
                return;
            }
            KeyAction::Manifest => {
                out.open(ManifestOverlay::default());
                out.effect(Effect::LoadManifest);
                return;
            }
            KeyAction::Sync => {
                self.sync.sync_now(out);
                return;
            }
            KeyAction::Messages => {
                out.open(super::overlay::Messages {
                    messages: self.messages.clone(),
                    scroll: 0,
                });
                return;
            }
            KeyAction::Timeline => {
                if self.session.is_none() {
                    out.say(Tone::Dim, "no session is open: no timeline");
                } else {
                    out.open(super::overlay::Timeline::default());
                    out.effect(Effect::LoadTimeline);
                }
                return;
            }
            KeyAction::CycleTheme => {
                self.theme = super::theme::next_builtin(&self.theme);
                out.say(
                    Tone::Info,
                    format!(
                        "theme: {} ({} again: the next one)",
                        self.theme.name,
                        self.keymap.label(KeyAction::CycleTheme)
                    ),
                );
                return;
            }
            KeyAction::Override => {
                match &self.offer {
                    Some(_) => out.open(super::overlay::Prompt::new(
                        "Override the session's rules".into(),
                        vec![
                            self.status.as_ref().map(|s| s.text.clone()).unwrap_or_default(),
                            "Why do it anyway? (required: recorded with who and which rule, and listed under Exceptions)".into(),
                        ],
                        true,
                        Purpose::OverrideReason,
                    )),
                    None => out.say(Tone::Dim, "nothing was refused: there is nothing to override"),
                }
                return;
            }
            _ => {}
        }
        if self.screen == Screen::Start {
            if matches!(k, KeyAction::Cancel | KeyAction::Sessions) && self.session.is_some() {
                self.screen = Screen::Main;
            }
            return;
        }
        match k {
            KeyAction::FocusNext => self.focus = self.focus.step(1, self.is_train()),
            KeyAction::FocusPrev => self.focus = self.focus.step(-1, self.is_train()),
            KeyAction::Zoom => self.zoom = !self.zoom,
            KeyAction::Cancel => {
                self.zoom = false;
                self.status = None;
            }
            KeyAction::Sessions => out.effect(Effect::LoadStart),
            KeyAction::ReleaseNotes => {
                if self.session.is_none() {
                    out.say(Tone::Dim, "no session is open");
                } else {
                    out.open(NotesOverlay::default());
                }
            }
            // The canary's key works from anywhere: the Canary pane takes
            // the focus and acts.
            KeyAction::SetWeight => {
                let has_canary = self
                    .state()
                    .is_some_and(|s| s.plan.steps.iter().any(|p| p.is_canary()));
                if has_canary {
                    self.focus = Pane::Canary;
                    let ctx = ctx!(self);
                    self.panes.canary.key(k, &ctx, out);
                } else {
                    out.say(
                        Tone::Dim,
                        "this playbook has no canary step: no weight to set",
                    );
                }
            }
            KeyAction::Rollback => self.rollback_latest(out),
            KeyAction::Regression => self.panes.canary.regression(out),
            KeyAction::Act => out.say(
                Tone::Dim,
                format!("nothing to act on in {}", self.focus.title()),
            ),
            KeyAction::Skip
            | KeyAction::Fail
            | KeyAction::Note
            | KeyAction::Approve
            | KeyAction::Reject
            | KeyAction::Acknowledge => {
                let ctx = ctx!(self);
                self.panes.checklist.step_key(k, &ctx, out);
            }
            _ => {}
        }
    }

    /// `r` where the focus has nothing to roll back: the most recent step
    /// that has a rollback (a command step that ran, or the canary once
    /// its weight moved), selected in its pane, behind its confirmation.
    fn rollback_latest(&mut self, out: &mut Out) {
        let Some(st) = self.state() else {
            return;
        };
        let canary_moved = st.canary.weights.iter().any(|(_, w)| w.weight > 0);
        // Latest by the lamport clock of the step's last start or
        // completion.
        let latest = st
            .plan
            .steps
            .iter()
            .zip(&st.steps)
            .enumerate()
            .filter(|(_, (p, s))| {
                (p.rollback.is_some() && s.started.is_some()) || (p.is_canary() && canary_moved)
            })
            .max_by_key(|(_, (p, s))| {
                let started = s.started.as_ref().map_or(0, |b| b.lamport);
                let done = s.completed.last().map_or(0, |b| b.lamport);
                let weight = if p.is_canary() {
                    st.canary.weights.last().map_or(0, |(b, _)| b.lamport)
                } else {
                    0
                };
                started.max(done).max(weight)
            })
            .map(|(i, (p, _))| (i, p.is_canary() && p.rollback.is_none(), p.id.clone()));
        match latest {
            Some((_, true, _)) => {
                self.focus = Pane::Canary;
                let ctx = ctx!(self);
                self.panes.canary.key(KeyAction::Rollback, &ctx, out);
            }
            Some((i, false, _)) => {
                self.focus = Pane::Checklist;
                self.panes.checklist.selected = i;
                let ctx = ctx!(self);
                self.panes.checklist.key(KeyAction::Rollback, &ctx, out);
            }
            None => out.say(
                Tone::Dim,
                "nothing to roll back yet: no step with a rollback has run, and the canary has not moved",
            ),
        }
    }

    /// `q`: quit, asking first while a command runs.
    fn ask_quit(&mut self, out: &mut Out) {
        // Step commands, then the canary's (set_weight, rollback).
        let mut running = self.panes.checklist.running_phrases();
        running.extend(self.panes.canary.running_phrase());
        let Some(first) = running.first().cloned() else {
            self.quit = true;
            return;
        };
        let mut lines = vec![format!("{first} is still running.")];
        if running.len() > 1 {
            lines.push(format!("And {} more.", running.len() - 1));
        }
        lines.push("Quitting cancels it (its process group is killed)".into());
        lines.push("and records it as cancelled.".into());
        out.open(super::overlay::Confirm::new(
            "Quit while a command runs?",
            lines,
            Intent::Quit,
        ));
    }

    /// A left click: focus the pane under it, and select the row (as the
    /// last frame drew them).
    fn click(&mut self, column: u16, row: u16) {
        if !self.overlays.is_empty() || self.screen != Screen::Main {
            return;
        }
        let Some(l) = &self.layout else {
            return;
        };
        let pos = ratatui::layout::Position::new(column, row);
        let hit = l
            .panes
            .iter()
            .find(|(_, d)| d.area.contains(pos))
            .map(|(p, d)| (*p, d.row_at(column, row)));
        if let Some((pane, row)) = hit {
            self.focus = pane;
            if let Some(i) = row {
                self.panes.get_mut(pane).select(i);
            }
        }
    }

    /// Carry out what a handler asked for; the effects for the driver.
    fn apply(&mut self, mut out: Out) -> Vec<Effect> {
        let mut effects = Vec::new();
        loop {
            if let Some(s) = out.status.take() {
                // Kept for `L`: the status line shows one message, cut
                // to the screen; the log keeps the last ones whole.
                let time = self
                    .now
                    .map(|t| t.strftime("%H:%M:%S").to_string())
                    .unwrap_or_default();
                if self.messages.len() >= MESSAGES_KEPT {
                    self.messages.remove(0);
                }
                self.messages.push((time, s.tone, s.text.clone()));
                self.status = Some(s);
            }
            effects.append(&mut out.effects);
            for mut o in std::mem::take(&mut out.open) {
                if let Overlay::Help(h) = &mut o {
                    h.keymap_file = self.keymap_file.clone();
                }
                self.overlays.push(o);
            }
            let asks = std::mem::take(&mut out.asks);
            if asks.is_empty() {
                return effects;
            }
            for ask in asks {
                self.answer(ask, &mut out);
            }
        }
    }

    /// A request only the app can carry out.
    fn answer(&mut self, ask: Ask, out: &mut Out) {
        match ask {
            Ask::Focus(p) => self.focus = p,
            Ask::ShowSignoff { step } => {
                if let Some(st) = self.session.as_ref().map(|v| v.state.clone()) {
                    self.panes.signoff.show(&st, &step);
                }
                self.focus = Pane::Signoff;
            }
            Ask::HandOver(i) => {
                if let Some(m) = self.people.get(i) {
                    let label = m.label();
                    let from = self.person().map(Member::who);
                    // Recorded, so the history says whose hands the
                    // device's next events were made by.
                    let writable = self.session.as_ref().is_some_and(|v| {
                        v.read_only.is_none()
                            && v.state.status == crate::session::SessionStatus::Open
                    });
                    if let Some(from) = from
                        && i != self.at_keyboard
                        && writable
                    {
                        out.effect(Effect::Perform {
                            cmd: Command::HandOver { to: m.who() },
                            who: from,
                            override_reason: None,
                        });
                    }
                    self.at_keyboard = i;
                    out.say(Tone::Info, format!("at the keyboard: {label}"));
                }
            }
            Ask::Refused { why, offer } => self.refused(why, offer, out),
            Ask::Submitted {
                purpose,
                text,
                override_reason,
            } => match self.submit(purpose, text, override_reason, out) {
                Ok(()) => {
                    if self.overlays.prompt_mut().is_some() {
                        self.overlays.pop();
                    }
                }
                Err(why) => {
                    if let Some(p) = self.overlays.prompt_mut() {
                        p.error = Some(why);
                    }
                }
            },
            Ask::Confirmed(intent) => {
                let ctx = ctx!(self);
                match intent {
                    Intent::RunStep { step, action } => {
                        self.panes.checklist.confirmed_run(step, action, &ctx, out)
                    }
                    Intent::StartStep { step } => {
                        self.panes.checklist.confirmed_start(step, &ctx, out)
                    }
                    Intent::Canary(job) => self.panes.canary.run_job(*job, &ctx, out),
                    Intent::Quit => {
                        self.quit = true;
                        self.panes.checklist.cancel_all(out);
                    }
                    Intent::TagRelease { version } => out.effect(Effect::TagRelease { version }),
                    Intent::StartAgain {
                        scenario,
                        version,
                        who,
                    } => {
                        out.say(Tone::Dim, format!("starting {scenario} again…"));
                        out.effect(Effect::StartSession {
                            scenario,
                            version: Some(version),
                            who,
                            again: true,
                            off_schedule: None,
                        });
                    }
                }
            }
        }
    }

    /// A prompt's text, to whoever asked for it; an error keeps the
    /// prompt open saying why.
    fn submit(
        &mut self,
        purpose: Purpose,
        text: String,
        override_reason: Option<String>,
        out: &mut Out,
    ) -> Result<(), String> {
        let opt = (!text.is_empty()).then(|| text.clone());
        let who = self.person().map(Member::who);
        let cmd = match purpose {
            Purpose::CompleteNote { step } => Command::Complete { step, note: opt },
            Purpose::OffSchedule { scenario, version } => {
                if let Some(who) = who {
                    out.effect(Effect::StartSession {
                        scenario,
                        version,
                        who,
                        again: true,
                        off_schedule: Some(text),
                    });
                }
                return Ok(());
            }
            Purpose::Decide { step, options } => {
                let (choice, why) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
                if !options.iter().any(|o| o == choice) {
                    return Err(format!(
                        "`{choice}` is not one of the options: {}",
                        options.join(", ")
                    ));
                }
                let mut c = crate::session::payload::StepWithNote::new(
                    step,
                    (!why.trim().is_empty()).then(|| why.trim().to_owned()),
                );
                c.choice = Some(choice.to_owned());
                Command::CompleteWith(c)
            }
            Purpose::SkipReason { step } => Command::Skip { step, reason: text },
            Purpose::FailReason { step } => Command::Fail { step, reason: text },
            Purpose::Note { step } => Command::Note { text, step },
            Purpose::Approve { step, role } => Command::Signoff {
                step: Some(step),
                role,
                approve: true,
                comment: opt,
            },
            Purpose::Reject { step, role } => Command::Signoff {
                step: Some(step),
                role,
                approve: false,
                comment: opt,
            },
            Purpose::Version { scenario } => {
                let version = match opt {
                    None => None,
                    Some(t) => Some(typed_version(&t)?),
                };
                out.say(Tone::Dim, format!("starting {scenario}…"));
                if let Some(who) = who {
                    out.effect(Effect::StartSession {
                        scenario,
                        version,
                        who,
                        again: false,
                        off_schedule: None,
                    });
                }
                return Ok(());
            }
            Purpose::WeightOverride { step, weight } => {
                let ctx = ctx!(self);
                self.panes
                    .canary
                    .override_weight(step, weight, text, &ctx, out);
                return Ok(());
            }
            Purpose::LogFilter => {
                let ctx = ctx!(self);
                return self.panes.logs.submit_filter(&text, &ctx, out);
            }
            Purpose::OverrideReason => {
                match self.offer.take() {
                    Some(Offer::Perform(what)) => {
                        let (cmd, who) = *what;
                        out.effect(Effect::Perform {
                            cmd,
                            who,
                            override_reason: Some(text),
                        })
                    }
                    Some(Offer::Prompt(mut p)) => {
                        // The override's prompt closes, and this one opens
                        // in its place, carrying the reason.
                        p.override_reason = Some(text);
                        out.open(Overlay::Prompt(*p));
                    }
                    None => out.say(Tone::Dim, "nothing to override"),
                }
                return Ok(());
            }
            Purpose::ManifestVersion { component } => {
                let version = typed_version(&text)?;
                let current = match &self.manifest {
                    ManifestState::Loaded { view, .. } => view
                        .components
                        .iter()
                        .find(|c| c.name == component)
                        .map(|c| c.version.clone()),
                    _ => None,
                };
                if current.as_deref() == Some(version.to_string().as_str()) {
                    out.say(
                        Tone::Dim,
                        format!("{component} is already {version}: nothing changed"),
                    );
                    return Ok(());
                }
                if let Some(who) = who {
                    out.effect(Effect::SetManifest {
                        component,
                        version,
                        who,
                    });
                }
                return Ok(());
            }
        };
        if let Some(who) = who {
            out.effect(Effect::Perform {
                cmd,
                who,
                override_reason,
            });
        }
        Ok(())
    }

    /// The session's rules refused something: say why, and that `o`
    /// breaks them with a reason (recorded as an override).
    fn refused(&mut self, why: String, offer: Offer, out: &mut Out) {
        let why = why
            .split("; nothing was written")
            .next()
            .unwrap_or(&why)
            .to_string();
        let hint = if why.contains("does not hold")
            || why.contains("cannot start")
            || why.contains("belongs to")
        {
            format!(
                " — {} hands the keyboard to someone who may; {} overrides with a reason",
                self.keymap.label(KeyAction::SwitchPerson),
                self.keymap.label(KeyAction::Override)
            )
        } else {
            format!(
                " — {} overrides with a reason (recorded)",
                self.keymap.label(KeyAction::Override)
            )
        };
        out.say(Tone::Bad, format!("✘ {why}{hint}"));
        self.offer = Some(offer);
    }

    /// Every binding, grouped by where it works, as the panes and
    /// overlays give them.
    pub fn help_sections(&self) -> Vec<HelpSection> {
        use KeyAction as K;
        let section = |title, place, entries| HelpSection {
            title,
            place,
            entries,
        };
        // The focused pane first, then the others in focus order.
        let mut panes = Pane::shown(self.is_train());
        panes.sort_by_key(|p| *p != self.focus);
        let panes = panes
            .into_iter()
            .map(|p| section(p.title(), Place::Pane(p), self.panes.get(p).help()));
        let mut sections = vec![section(
            "Everywhere",
            Place::Start,
            vec![
                HelpEntry::keys(&[K::Help], "show or hide this help"),
                HelpEntry::keys(&[K::Quit], "quit (the session stays open)"),
                HelpEntry::keys(
                    &[K::FocusNext, K::FocusPrev],
                    "focus the next / previous pane",
                ),
                HelpEntry::keys(&[K::Zoom], "zoom the pane (again: back)"),
                HelpEntry::keys(&[K::Cancel], "close; leave zoom; clear the status"),
                HelpEntry::keys(&[K::SwitchPerson], "hand the keyboard to someone"),
                HelpEntry::keys(&[K::Sessions], "sessions and scenarios"),
                HelpEntry::keys(&[K::ReleaseNotes], "release notes: read, draft, edit"),
                HelpEntry::keys(&[K::Manifest], "the manifest of components"),
                HelpEntry::keys(&[K::Sync], "sync the audit trail now"),
                HelpEntry::keys(
                    &[K::Timeline, K::Messages, K::CycleTheme],
                    "timeline / messages / theme",
                ),
                HelpEntry::keys(&[K::Override], "override a refusal, with a reason"),
                HelpEntry::text("mouse", "click: focus, select · wheel: move"),
            ],
        )];
        sections.extend(panes);
        sections.extend([
            section("Start screen", Place::Start, StartScreen::help()),
            section(
                "Prompts and confirmations",
                Place::Prompt,
                vec![
                    HelpEntry::keys(&[K::Submit], "submit the text"),
                    HelpEntry::keys(&[K::Cancel, K::Quit], "cancel"),
                    HelpEntry::keys(&[K::ClearLine], "clear the line"),
                    HelpEntry::keys(&[K::LineStart, K::LineEnd], "start / end of the line"),
                    HelpEntry::keys(&[K::CursorLeft, K::CursorRight], "move the cursor"),
                    HelpEntry::keys(
                        &[K::DeleteBack, K::DeleteForward],
                        "delete before / at the cursor",
                    ),
                    HelpEntry::keys_in(Place::Confirm, &[K::Yes], "yes, go ahead"),
                    HelpEntry::keys_in(Place::Confirm, &[K::No, K::Cancel], "no"),
                ],
            ),
            section(
                "Release notes",
                Place::Notes,
                vec![
                    HelpEntry::keys(&[K::EditNotes], "edit them"),
                    HelpEntry::keys(&[K::DraftNotes], "draft them from the commits"),
                    HelpEntry::keys_in(Place::Editor, &[K::SaveNotes], "editor: save them"),
                    HelpEntry::keys_in(Place::Editor, &[K::Cancel, K::Quit], "editor: leave"),
                    HelpEntry::keys(&[K::Down, K::Up], "scroll"),
                    HelpEntry::keys(&[K::Cancel, K::ReleaseNotes], "close"),
                ],
            ),
            section(
                "Manifest, people",
                Place::Manifest,
                vec![
                    HelpEntry::keys(&[K::Down, K::Up], "select"),
                    HelpEntry::keys(&[K::Act], "set its version / hand over"),
                    HelpEntry::keys(&[K::Cancel], "close"),
                ],
            ),
        ]);
        sections
    }
}

/// A version typed in a prompt ("1.4.0" or "v1.4.0"), or why not.
fn typed_version(text: &str) -> Result<semver::Version, String> {
    semver::Version::parse(text.trim_start_matches('v'))
        .map_err(|e| format!("`{text}` is not a semantic version such as 1.4.0 ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::StepAction;
    use crate::tui::theme::Theme;

    fn started(app: &mut App) -> String {
        app.update(Action::RunStarted {
            step: "enable-all".into(),
            action: StepAction::Run,
            command: "./deploy/promote.sh".into(),
        });
        app.status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_run_says_when_the_logs_filter_would_hide_its_output() {
        let state = crate::tui::fixture::late().expect("sample");
        let mut app = fixture::app(state, Theme::no_color("default"));
        let plain = started(&mut app);
        assert!(plain.contains("its output is in Logs"), "{plain}");
        assert!(!plain.contains("filter"), "{plain}");
        let ctx = ctx!(app);
        app.panes
            .logs
            .submit_filter("timeout", &ctx, &mut Out::default())
            .expect("a filter");
        let filtered = started(&mut app);
        assert!(
            filtered.contains("the Logs filter timeout hides lines without it"),
            "{filtered}"
        );
    }

    #[test]
    fn new_log_lines_redraw_only_where_the_logs_pane_follows_the_tail() {
        let state = crate::tui::fixture::late().expect("sample");
        let mut app = fixture::app(state, Theme::no_color("default"));
        fixture::busy(&mut app, 50);
        assert!(app.clock_visible());
        assert!(app.logs_show_new_lines(), "following, on screen");
        app.panes.logs.model.view.pause();
        assert!(!app.logs_show_new_lines(), "paused");
        app.panes.logs.model.view.follow();
        app.focus = Pane::Canary;
        app.update(Action::Key(KeyAction::Zoom));
        assert!(
            !app.logs_show_new_lines(),
            "hidden behind the Canary zoomed"
        );
        app.focus = Pane::Logs;
        assert!(app.logs_show_new_lines(), "the Logs pane zoomed");
        app.update(Action::Key(KeyAction::Zoom));
        app.panes.logs.model.view.scroll_up(5);
        assert!(!app.logs_show_new_lines(), "scrolled back from the tail");
    }

    #[test]
    fn closing_an_overlay_shows_the_one_below() {
        let state = crate::tui::fixture::late().expect("sample");
        let mut app = fixture::app(state, Theme::no_color("default"));
        app.update(Action::Key(KeyAction::ReleaseNotes));
        app.update(Action::Key(KeyAction::Help));
        assert!(matches!(app.overlay(), Some(Overlay::Help(_))));
        app.update(Action::Key(KeyAction::Cancel));
        assert!(matches!(app.overlay(), Some(Overlay::Notes(_))));
        app.update(Action::Key(KeyAction::Cancel));
        assert!(app.overlay().is_none());
    }
}
