//! The app's state, as plain data, and `update`: the only place it changes.
//!
//! `update(&mut App, Action) -> Vec<Effect>` never does I/O; what it needs
//! from the core it asks for as effects, and the answers come back as
//! actions. Drawing (`ui::draw`) reads an `&App` and nothing else, so the
//! screen is a pure function of this state (and the clock is part of it).

use crate::canary::plan::{self as canary_plan, CanaryPlan, PlanAction};
use crate::canary::snapshot::CanarySnapshot;
use crate::canary::{CanaryConfig, Verdict, ops};
use crate::config::{Person, RepoConfig};
use crate::session::state::{Decision, StepState};
use crate::session::{Command, PlanStep, SessionState, SessionStatus, StepStatus, Who};

use super::action::{Action, Edit, Effect, StartData};
use super::keymap::{KeyAction, Keymap};
use super::theme::{Theme, Tone};
use crate::canary::job::{self as canary_job, CanaryJob};

/// The panes of the main screen, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Checklist,
    Signoff,
    Canary,
    Logs,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Checklist, Pane::Signoff, Pane::Canary, Pane::Logs];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Checklist => "Checklist",
            Pane::Signoff => "Sign-off",
            Pane::Canary => "Canary",
            Pane::Logs => "Logs",
        }
    }

    fn step(self, by: isize) -> Pane {
        let i = Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0) as isize;
        let n = Pane::ORDER.len() as isize;
        Pane::ORDER[((i + by).rem_euclid(n)) as usize]
    }

    /// The key actions that do something in this pane (for the footer).
    pub fn keys(self) -> &'static [(KeyAction, &'static str)] {
        match self {
            Pane::Checklist => &[
                (KeyAction::Help, "help"),
                (KeyAction::FocusNext, "pane"),
                (KeyAction::Down, "move"),
                (KeyAction::Act, "act"),
                (KeyAction::Skip, "skip"),
                (KeyAction::Fail, "fail"),
                (KeyAction::Note, "note"),
                (KeyAction::Zoom, "zoom"),
                (KeyAction::SwitchPerson, "person"),
                (KeyAction::Sessions, "sessions"),
                (KeyAction::Quit, "quit"),
                (KeyAction::Rollback, "roll back"),
                (KeyAction::CancelRun, "cancel run"),
            ],
            Pane::Signoff => &[
                (KeyAction::Help, "help"),
                (KeyAction::FocusNext, "pane"),
                (KeyAction::Down, "move"),
                (KeyAction::Approve, "approve"),
                (KeyAction::Reject, "reject"),
                (KeyAction::ReleaseNotes, "notes"),
                (KeyAction::SwitchPerson, "person"),
                (KeyAction::Note, "note"),
                (KeyAction::Zoom, "zoom"),
                (KeyAction::Quit, "quit"),
            ],
            Pane::Canary => &[
                (KeyAction::Help, "help"),
                (KeyAction::FocusNext, "pane"),
                (KeyAction::Down, "metric"),
                (KeyAction::SetWeight, "weight"),
                (KeyAction::Rollback, "roll back"),
                (KeyAction::CancelRun, "cancel command"),
                (KeyAction::Regression, "regression"),
                (KeyAction::Zoom, "zoom"),
                (KeyAction::SwitchPerson, "person"),
                (KeyAction::Quit, "quit"),
            ],
            Pane::Logs => &[
                (KeyAction::Help, "help"),
                (KeyAction::FocusNext, "pane"),
                (KeyAction::Zoom, "zoom"),
                (KeyAction::SwitchPerson, "person"),
                (KeyAction::Sessions, "sessions"),
                (KeyAction::Quit, "quit"),
            ],
        }
    }
}

/// The session as the app shows it: a copy of the folded state (without
/// the history, which the screen does not list) plus what the driver knows.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub state: SessionState,
    /// Why this process cannot write to the session, if it cannot.
    pub read_only: Option<String>,
    /// Journal lines that could not be read, and torn tails set aside.
    pub warnings: Vec<String>,
}

/// What the Canary and Logs panes show until their sources exist: the
/// source's state in one phrase, an explanation, and any lines it produced.
/// Later parts of greenlight fill `lines`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    /// Shown beside the pane's title ("not configured", "prometheus").
    pub summary: String,
    /// Shown when there are no lines.
    pub message: String,
    pub lines: Vec<(Tone, String)>,
}

impl SourceState {
    pub fn canary(config: &RepoConfig) -> SourceState {
        match &config.canary {
            None => SourceState {
                summary: "not configured".into(),
                message: "no canary source configured — see [canary] in .greenlight.toml".into(),
                lines: Vec::new(),
            },
            Some(t) => {
                let source = format!("{:?}", t.source).to_lowercase();
                let at = t
                    .url
                    .as_deref()
                    .map(|u| format!(" at {u}"))
                    .unwrap_or_default();
                SourceState {
                    summary: format!("source: {source}"),
                    message: format!(
                        "canary source `{source}`{at} configured; this build of greenlight does not judge canaries yet"
                    ),
                    lines: Vec::new(),
                }
            }
        }
    }

    pub fn logs(config: &RepoConfig) -> SourceState {
        if config.logs.is_empty() {
            return SourceState {
                summary: "not configured".into(),
                message: "no log source configured — see [[logs]] in .greenlight.toml".into(),
                lines: Vec::new(),
            };
        }
        let names: Vec<String> = config
            .logs
            .iter()
            .map(|t| {
                let from = match &t.kind {
                    crate::logs::config::SourceKind::File(f) => format!("file {}", f.display()),
                    crate::logs::config::SourceKind::Command(c) => format!("command {c}"),
                };
                format!("{} ({from})", t.name)
            })
            .collect();
        SourceState {
            summary: format!(
                "{} source{}",
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            ),
            message: format!(
                "log sources configured: {}; this build of greenlight does not tail them yet",
                names.join(", ")
            ),
            lines: Vec::new(),
        }
    }
}

/// Record a judgement at least every this many judgements, even when
/// nothing changed (see [`CanaryView::wants_record`]).
pub const RECORD_EVERY: u32 = 5;

/// The live canary: its configuration, the latest judgement from the
/// collector, and what the pane selects.
#[derive(Debug, Clone, Default)]
pub struct CanaryView {
    /// `[canary]`, when configured and usable.
    pub config: Option<CanaryConfig>,
    /// Why nothing is judged although `[canary]` exists (an unusable
    /// section, a source that could not be made).
    pub problem: Option<String>,
    /// The latest judgement; its series are the previous one's, marked
    /// stale, when the fetch failed.
    pub snapshot: Option<CanarySnapshot>,
    /// Judgements received.
    pub judged: u64,
    /// Judgements received since the last one recorded.
    pub unrecorded: u32,
    /// The selected metric (index into the judgement's metrics).
    pub selected: usize,
    /// The simulated source's regression switch as last set; `None` when
    /// the source has no switch (the key then explains why).
    pub regression: Option<bool>,
    /// A canary command running in the background.
    pub running: Option<String>,
    /// Why the last judgement could not be recorded.
    pub record_error: Option<String>,
}

impl CanaryView {
    /// The view of `config`'s `[canary]`: usable, or why not.
    pub fn new(config: &RepoConfig) -> CanaryView {
        let mut v = CanaryView::default();
        if let Some(c) = &config.canary {
            let problems = c.problems();
            if problems.is_empty() {
                v.config = Some(c.clone());
            } else {
                v.problem = Some(format!(
                    "[canary] in {} is not usable: {}",
                    RepoConfig::FILE,
                    problems.join("; ")
                ));
            }
        }
        v
    }

    /// Should this judgement be recorded as `canary_judged`? Recording
    /// every judgement (every 5 s in the demo) would bury the journal in
    /// repeats, so one is recorded when it says something new:
    /// - the first judgement, or a verdict different from the latest
    ///   recorded one (by anyone: the CLI's count too);
    /// - a weight different from the latest recorded judgement's;
    /// - a Promote while the plan waits for one (it unlocks the next weight);
    /// - otherwise every [`RECORD_EVERY`]th judgement, so the journal shows
    ///   the canary was still watched.
    pub fn wants_record(
        &self,
        snap: &CanarySnapshot,
        state: &SessionState,
        plan: Option<&CanaryPlan>,
    ) -> bool {
        let Some((_, last)) = state.canary.judgements.last() else {
            return true;
        };
        if Verdict::parse(&last.verdict) != Some(snap.judgement.verdict)
            || last.weight != snap.weight
        {
            return true;
        }
        if snap.judgement.verdict == Verdict::Promote
            && plan.is_some_and(|p| {
                matches!(
                    canary_plan::next_action(p, &state.canary, snap.at),
                    PlanAction::NeedsPromote { .. }
                )
            })
        {
            return true;
        }
        self.unrecorded + 1 >= RECORD_EVERY
    }
}

/// A person who can be at the keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
}

impl Member {
    pub fn who(&self) -> Who {
        Who {
            name: self.name.clone(),
            email: self.email.clone(),
        }
    }

    /// `Name (pm, dm)` or just the name.
    pub fn label(&self) -> String {
        if self.roles.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.roles.join(", "))
        }
    }
}

/// The people of `[[people]]`, plus `me` (the git identity) if not listed.
/// Returns them and the index of `me`.
pub fn roster(people: &[Person], me: &Who) -> (Vec<Member>, usize) {
    let mut out: Vec<Member> = people
        .iter()
        .map(|p| Member {
            name: p.name.clone(),
            email: p.email.clone(),
            roles: p.roles.clone(),
        })
        .collect();
    let idx = match out
        .iter()
        .position(|m| m.email.eq_ignore_ascii_case(&me.email))
    {
        Some(i) => i,
        None => {
            out.insert(
                0,
                Member {
                    name: me.name.clone(),
                    email: me.email.clone(),
                    roles: Vec::new(),
                },
            );
            0
        }
    };
    (out, idx)
}

/// A single line of text being typed, with a cursor (in characters).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineInput {
    pub text: String,
    pub cursor: usize,
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(b, _)| b)
    }

    pub fn edit(&mut self, e: Edit) {
        let len = self.text.chars().count();
        match e {
            Edit::Insert(c) if !c.is_control() => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            Edit::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            Edit::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::Right => self.cursor = (self.cursor + 1).min(len),
            Edit::Home => self.cursor = 0,
            Edit::End => self.cursor = len,
            Edit::Clear => {
                self.text.clear();
                self.cursor = 0;
            }
            _ => {}
        }
    }
}

/// What a prompt's text is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    CompleteNote {
        step: String,
    },
    SkipReason {
        step: String,
    },
    FailReason {
        step: String,
    },
    Note {
        step: Option<String>,
    },
    Approve {
        step: String,
        role: String,
    },
    Reject {
        step: String,
        role: String,
    },
    Version {
        scenario: String,
    },
    /// A reason to set the canary weight although the plan does not allow
    /// it yet.
    WeightOverride {
        step: String,
        weight: u32,
    },
    LogFilter,
    /// A component's new version in the manifest (the overlay reopens
    /// on `selected`).
    ManifestVersion {
        component: String,
        selected: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub title: String,
    /// Lines of context above the input (what is asked, evidence to give).
    pub hint: Vec<String>,
    pub input: LineInput,
    /// An empty answer is refused.
    pub required: bool,
    pub error: Option<String>,
    pub purpose: Purpose,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub then: OnYes,
}

/// What a confirmation does when answered yes.
#[derive(Debug, Clone, PartialEq)]
pub enum OnYes {
    /// Record a command as the person at the keyboard.
    Perform(Command),
    /// Run a canary job (set a weight, roll back).
    Canary(CanaryJob),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Prompt(Prompt),
    Confirm(Confirm),
    People {
        selected: usize,
    },
    /// The session's release notes: read, drafted, edited.
    Notes(super::release::NotesOverlay),
    /// The repository's manifest of components; `selected` indexes them.
    Manifest {
        scroll: u16,
        selected: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Start,
    Main,
}

/// One line of the start screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartItem {
    /// An index into `StartData::sessions`.
    Session(usize),
    /// An index into `StartData::scenarios`.
    Scenario(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

#[derive(Debug, Clone)]
pub struct App {
    pub screen: Screen,
    pub repo_name: String,
    pub session: Option<SessionView>,
    pub start: StartData,
    pub start_selected: usize,
    pub focus: Pane,
    pub zoom: bool,
    /// Index into the plan's steps.
    pub step_selected: usize,
    /// Index into `signoff_rows`.
    pub signoff_selected: usize,
    pub overlay: Option<Overlay>,
    pub people: Vec<Member>,
    pub at_keyboard: usize,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Where the user's keymap lives (shown in the help).
    pub keymap_file: Option<String>,
    /// The help's first line shown (a short screen scrolls it).
    pub help_scroll: u16,
    pub status: Option<Status>,
    /// Lasting warnings (a broken theme): shown when there is no status.
    pub warnings: Vec<String>,
    /// The time the header shows; set by ticks (fixed in tests).
    pub now: Option<jiff::Timestamp>,
    /// The terminal size, for mouse hit-testing.
    pub size: (u16, u16),
    /// The Canary pane's placeholder when no `[canary]` is configured.
    pub canary: SourceState,
    /// The live canary.
    pub canary_view: CanaryView,
    pub logs: SourceState,
    pub quit: bool,
    pub logs_pane: super::logs_pane::LogsPane,
    pub runs: super::commands::Runs,
    /// The audit trail's sync state (the header's badge).
    pub sync: super::release::SyncView,
    /// The repository's manifest of components.
    pub manifest: super::release::ManifestState,
}

/// One row of the Sign-off pane: a role a sign-off step asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SignoffRow<'a> {
    pub plan: &'a PlanStep,
    pub step: &'a StepState,
    pub role: &'a str,
    pub decision: Option<&'a Decision>,
}

/// Every (sign-off step, role) of a session, in plan order.
pub fn signoff_rows(st: &SessionState) -> Vec<SignoffRow<'_>> {
    let mut rows = Vec::new();
    for (p, s) in st.plan.steps.iter().zip(&st.steps) {
        if !p.is_signoff() {
            continue;
        }
        let latest = s.latest_decisions();
        for role in &p.roles {
            rows.push(SignoffRow {
                plan: p,
                step: s,
                role,
                decision: latest.iter().find(|d| &d.role == role).copied(),
            });
        }
    }
    rows
}

/// The first row of a list window of `height` rows that keeps `selected`
/// visible, scrolling as little as possible from the top. Shared by the
/// draw and by mouse hit-testing so both agree.
pub fn window_start(selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let max_start = len - height;
    // Keep one row of context below the selection where there is room.
    (selected + 2)
        .saturating_sub(height)
        .min(selected)
        .min(max_start)
}

impl App {
    pub fn new(repo_name: &str, people: Vec<Member>, at_keyboard: usize, theme: Theme) -> App {
        App {
            screen: Screen::Start,
            repo_name: repo_name.to_string(),
            session: None,
            start: StartData::default(),
            start_selected: 0,
            focus: Pane::Checklist,
            zoom: false,
            step_selected: 0,
            signoff_selected: 0,
            overlay: None,
            at_keyboard: at_keyboard.min(people.len().saturating_sub(1)),
            people,
            theme,
            keymap: Keymap::default(),
            keymap_file: None,
            help_scroll: 0,
            status: None,
            warnings: Vec::new(),
            now: None,
            size: (80, 24),
            canary: SourceState {
                summary: String::new(),
                message: String::new(),
                lines: Vec::new(),
            },
            canary_view: CanaryView::default(),
            logs: SourceState {
                summary: String::new(),
                message: String::new(),
                lines: Vec::new(),
            },
            quit: false,
            logs_pane: Default::default(),
            runs: Default::default(),
            sync: Default::default(),
            manifest: Default::default(),
        }
    }

    pub fn person(&self) -> Option<&Member> {
        self.people.get(self.at_keyboard)
    }

    pub fn state(&self) -> Option<&SessionState> {
        self.session.as_ref().map(|v| &v.state)
    }

    /// Does the screen show a running clock (so a tick needs a redraw)?
    pub fn clock_visible(&self) -> bool {
        self.screen == Screen::Main
            && self
                .state()
                .is_some_and(|s| s.status == SessionStatus::Open && s.started.is_some())
    }

    /// The start screen's lines: open sessions, scenarios, past sessions.
    pub fn start_items(&self) -> Vec<StartItem> {
        let open = |i: &usize| self.start.sessions[*i].status == SessionStatus::Open;
        let idx: Vec<usize> = (0..self.start.sessions.len()).collect();
        let mut items: Vec<StartItem> = idx
            .iter()
            .filter(|i| open(i))
            .map(|i| StartItem::Session(*i))
            .collect();
        items.extend((0..self.start.scenarios.len()).map(StartItem::Scenario));
        items.extend(
            idx.iter()
                .filter(|i| !open(i))
                .take(10)
                .map(|i| StartItem::Session(*i)),
        );
        items
    }

    pub(super) fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            tone,
        });
    }

    fn selected_step(&self) -> Option<(&PlanStep, &StepState)> {
        let st = self.state()?;
        let p = st.plan.steps.get(self.step_selected)?;
        let s = st.steps.get(self.step_selected)?;
        Some((p, s))
    }

    pub(super) fn perform(&self, cmd: Command) -> Vec<Effect> {
        match self.person() {
            Some(m) => vec![Effect::Perform { cmd, who: m.who() }],
            None => Vec::new(),
        }
    }

    /// The session's canary step (its first step of kind canary).
    pub fn canary_step(&self) -> Option<&PlanStep> {
        ops::canary_step(&self.state()?.plan)
    }

    /// The canary plan: `[canary]`'s steps, the rollback of the session's
    /// canary step.
    pub fn canary_plan(&self) -> Option<CanaryPlan> {
        let config = self.canary_view.config.as_ref()?;
        let step = self.canary_step().map(|p| p.id.clone());
        Some(ops::plan_for(config, self.state(), step.as_deref()))
    }

    /// Why the canary cannot be changed from here now, if it cannot.
    fn canary_blocked(&self) -> Option<String> {
        if self.canary_view.config.is_none() {
            return Some(self.canary_view.problem.clone().unwrap_or_else(|| {
                "no canary is configured ([canary] in .greenlight.toml)".into()
            }));
        }
        let Some(v) = &self.session else {
            return Some("no session is open".into());
        };
        if let Some(why) = &v.read_only {
            return Some(format!("this session is open read-only: {why}"));
        }
        if v.state.status != SessionStatus::Open {
            return Some("the session is closed".into());
        }
        if self.canary_step().is_none() {
            return Some(format!(
                "the session's playbook `{}` has no canary step",
                v.state.plan.playbook
            ));
        }
        if let Some(cmd) = &self.canary_view.running {
            return Some(format!("`{cmd}` is still running"));
        }
        None
    }

    /// A job setting the weight (as the person at the keyboard).
    fn weight_job(
        &self,
        step: String,
        weight: u32,
        override_reason: Option<String>,
    ) -> Option<CanaryJob> {
        let config = self.canary_view.config.as_ref()?;
        Some(CanaryJob::set_weight(
            config,
            self.state(),
            &step,
            weight,
            override_reason,
            self.person()?.who(),
        ))
    }

    /// Hand a canary job to the core; its command runs in the background.
    fn run_canary(&mut self, job: CanaryJob) -> Vec<Effect> {
        if let Some((cmd, _)) = &job.command {
            self.canary_view.running = Some(cmd.clone());
            let cancel = self.keymap.label(KeyAction::CancelRun);
            self.say(
                Tone::Info,
                format!("running `{cmd}`… (its output is in Logs; {cancel} here cancels it)"),
            );
        }
        vec![Effect::Canary(Box::new(job))]
    }

    pub(super) fn prompt(
        &mut self,
        title: String,
        hint: Vec<String>,
        required: bool,
        purpose: Purpose,
    ) {
        self.overlay = Some(Overlay::Prompt(Prompt {
            title,
            hint,
            input: LineInput::default(),
            required,
            error: None,
            purpose,
        }));
    }
}

/// Apply one action; return what the core should do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick(now) => {
            app.now = Some(now);
            super::release::tick(app, now)
        }
        Action::Resize { width, height } => {
            app.size = (width, height);
            Vec::new()
        }
        Action::JournalChanged => vec![Effect::Refresh],
        Action::Loaded(view) => {
            let steps = view.state.plan.steps.len();
            let rows = signoff_rows(&view.state).len();
            let first_open = app
                .session
                .as_ref()
                .is_none_or(|v| v.state.id != view.state.id);
            app.session = Some(*view);
            app.screen = Screen::Main;
            if first_open {
                app.focus = Pane::Checklist;
                app.zoom = false;
                app.signoff_selected = 0;
                app.step_selected = first_actionable(app).unwrap_or(0);
            }
            app.step_selected = app.step_selected.min(steps.saturating_sub(1));
            app.signoff_selected = app.signoff_selected.min(rows.saturating_sub(1));
            super::release::loaded(app)
        }
        Action::StartLoaded(data) => {
            app.start = data;
            app.screen = Screen::Start;
            let n = app.start_items().len();
            app.start_selected = app.start_selected.min(n.saturating_sub(1));
            if let Some(e) = app.start.error.clone() {
                app.say(Tone::Bad, e);
            }
            Vec::new()
        }
        Action::Performed { cmd, summary } => {
            let completed = app
                .state()
                .is_some_and(|s| s.status == SessionStatus::Completed);
            if completed {
                app.say(
                    Tone::Ok,
                    format!("✔ {summary} · `greenlight report` writes the release record"),
                );
            } else {
                app.say(Tone::Ok, format!("✔ {summary}"));
            }
            super::release::performed(app, &cmd);
            if matches!(cmd, Command::Complete { .. } | Command::Skip { .. })
                && let Some(i) = first_actionable(app)
            {
                app.step_selected = i;
            }
            Vec::new()
        }
        Action::Info(text) => {
            app.say(Tone::Info, text);
            Vec::new()
        }
        Action::Failed(why) => {
            let hint =
                if why.contains("does not hold") || why.contains("is not listed in [[people]]") {
                    format!(
                        " — press {} to hand the keyboard to someone who does",
                        app.keymap.label(KeyAction::SwitchPerson)
                    )
                } else {
                    String::new()
                };
            app.say(Tone::Bad, format!("✘ {why}{hint}"));
            super::release::failed(app);
            Vec::new()
        }
        Action::Edit(e) => edit_prompt(app, e),
        Action::Answer(yes) => {
            if let Some(effects) = super::commands::answer(app, yes) {
                return effects;
            }
            if let Some(Overlay::Confirm(c)) = app.overlay.take() {
                if yes {
                    return match c.then {
                        OnYes::Perform(cmd) => app.perform(cmd),
                        OnYes::Canary(job) => app.run_canary(job),
                    };
                }
                app.say(Tone::Dim, "cancelled");
            }
            Vec::new()
        }
        Action::Click { column, row } => {
            click(app, column, row);
            Vec::new()
        }
        Action::Key(k) => key(app, k),
        Action::CanaryJudged(snap) => canary_judged(app, *snap),
        Action::CanaryRecorded => canary_recorded(app),
        Action::CanaryRecordFailed(why) => {
            app.canary_view.record_error = Some(why);
            Vec::new()
        }
        Action::CanaryCommandDone(done) => {
            app.canary_view.running = None;
            vec![Effect::FinishCanary(done)]
        }
        Action::LogsReady => vec![Effect::DrainLogs],
        Action::Notes(k) => super::release::notes_key(app, k),
        Action::NotesDrafted(r) => super::release::drafted(app, r),
        Action::ManifestRead(m) => super::release::manifest_read(app, m),
        Action::SyncStatus(s) => super::release::status_read(app, s),
        Action::Synced { manual, result } => super::release::synced(app, manual, result),
        a @ (Action::RunStarted { .. } | Action::RunFinished { .. }) => {
            super::commands::update(app, a)
        }
    }
}

/// A judgement arrived: show it, and record it when it says something new.
fn canary_judged(app: &mut App, mut snap: CanarySnapshot) -> Vec<Effect> {
    // The collector does not know the session: the weight is the one the
    // session holds when the judgement arrives (as `canary judge` reads it).
    if snap.weight.is_none() {
        snap.weight = app.state().and_then(|s| s.canary.weight);
    }
    let n = snap.judgement.metrics.len();
    let view = &mut app.canary_view;
    view.selected = view.selected.min(n.saturating_sub(1));
    view.judged += 1;
    // Choose a failing metric when the verdict turns against the canary,
    // so its rule (the explanation) is the one on screen.
    let previous = app
        .canary_view
        .snapshot
        .as_ref()
        .map(|s| s.judgement.verdict);
    if previous != Some(snap.judgement.verdict) && snap.judgement.verdict != Verdict::Promote {
        let worst = [
            crate::canary::Outcome::Fail,
            crate::canary::Outcome::Marginal,
            crate::canary::Outcome::Inconclusive,
        ]
        .iter()
        .find_map(|o| snap.judgement.metrics.iter().position(|m| m.outcome == *o));
        if let Some(i) = worst {
            app.canary_view.selected = i;
        }
    }
    let mut effects = Vec::new();
    let writable = app
        .session
        .as_ref()
        .is_some_and(|v| v.read_only.is_none() && v.state.status == SessionStatus::Open);
    let plan = app.canary_plan();
    let record = app
        .state()
        .filter(|_| writable)
        .map(|st| app.canary_view.wants_record(&snap, st, plan.as_ref()));
    match record {
        Some(true) => {
            let step = app.canary_step().map(|p| p.id.clone());
            effects.push(Effect::RecordJudgement(snap.payload(step)));
            app.canary_view.unrecorded = 0;
            app.canary_view.record_error = None;
        }
        Some(false) => app.canary_view.unrecorded += 1,
        None => {}
    }
    app.canary_view.snapshot = Some(snap);
    effects
}

/// A judgement was recorded: with `auto_rollback`, a Roll back at a live
/// weight rolls the canary back now, once (as the CLI does when it
/// records one), unless a canary command is already running.
fn canary_recorded(app: &mut App) -> Vec<Effect> {
    let (Some(plan), Some(st), Some(step), Some(config), Some(m)) = (
        app.canary_plan(),
        app.state(),
        app.canary_step().map(|p| p.id.clone()),
        app.canary_view.config.as_ref(),
        app.person(),
    ) else {
        return Vec::new();
    };
    let now = app.now.unwrap_or_else(jiff::Timestamp::now);
    if app.canary_view.running.is_some() || !canary_job::auto_rollback_due(&plan, &st.canary, now) {
        return Vec::new();
    }
    let job = CanaryJob::rollback(config, &plan, st, &step, m.who(), None);
    app.say(
        Tone::Bad,
        "auto_rollback is on and the verdict is Roll back: rolling back now",
    );
    app.run_canary(job)
}

/// The first step that can be worked on now (in progress, or ready), in
/// plan order.
pub(super) fn first_actionable(app: &App) -> Option<usize> {
    let st = app.state()?;
    let in_progress = st
        .steps
        .iter()
        .position(|s| s.status == StepStatus::InProgress);
    let ready = st
        .plan
        .steps
        .iter()
        .zip(&st.steps)
        .position(|(p, s)| !s.status.is_settled() && st.pending_requires(p).is_empty());
    in_progress.or(ready)
}

fn click(app: &mut App, column: u16, row: u16) {
    if app.overlay.is_some() || app.screen != Screen::Main {
        return;
    }
    let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
    let Some(l) = super::ui::main_layout(area, app) else {
        return;
    };
    let pos = ratatui::layout::Position::new(column, row);
    for (pane, rect) in l.panes() {
        if rect.contains(pos) {
            app.focus = pane;
            // A click on a row of a list also selects it.
            if let Some((list, len, selected)) = match pane {
                Pane::Checklist => Some((
                    l.checklist_rows,
                    app.state().map_or(0, |s| s.steps.len()),
                    app.step_selected,
                )),
                Pane::Signoff => Some((
                    l.signoff_rows,
                    app.state().map_or(0, |s| signoff_rows(s).len()),
                    app.signoff_selected,
                )),
                _ => None,
            } && list.contains(pos)
            {
                let start = window_start(selected, len, list.height as usize);
                let i = start + (row - list.y) as usize;
                if i < len {
                    match pane {
                        Pane::Checklist => app.step_selected = i,
                        _ => app.signoff_selected = i,
                    }
                }
            }
        }
    }
}

/// A version typed in a prompt ("1.4.0" or "v1.4.0"), or why not.
fn typed_version(text: &str) -> Result<semver::Version, String> {
    semver::Version::parse(text.trim_start_matches('v'))
        .map_err(|e| format!("`{text}` is not a semantic version such as 1.4.0 ({e})"))
}

fn edit_prompt(app: &mut App, e: Edit) -> Vec<Effect> {
    let Some(Overlay::Prompt(p)) = app.overlay.as_mut() else {
        return Vec::new();
    };
    match e {
        Edit::Cancel => {
            // A manifest version prompt goes back to the manifest.
            app.overlay = match &p.purpose {
                Purpose::ManifestVersion { selected, .. } => Some(Overlay::Manifest {
                    scroll: 0,
                    selected: *selected,
                }),
                _ => None,
            };
            app.say(Tone::Dim, "cancelled");
            Vec::new()
        }
        Edit::Submit => {
            let text = p.input.text.trim().to_string();
            if p.required && text.is_empty() {
                p.error = Some("this needs an answer (esc to cancel)".into());
                return Vec::new();
            }
            let opt = if text.is_empty() {
                None
            } else {
                Some(text.clone())
            };
            let cmd = match p.purpose.clone() {
                Purpose::CompleteNote { step } => Command::Complete { step, note: opt },
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
                    let version = if text.is_empty() {
                        None
                    } else {
                        match typed_version(&text) {
                            Ok(v) => Some(v),
                            Err(e) => {
                                p.error = Some(e);
                                return Vec::new();
                            }
                        }
                    };
                    app.overlay = None;
                    app.say(Tone::Dim, format!("starting {scenario}…"));
                    return vec![Effect::StartSession { scenario, version }];
                }
                Purpose::WeightOverride { step, weight } => {
                    app.overlay = None;
                    return match app.weight_job(step, weight, Some(text)) {
                        Some(job) => app.run_canary(job),
                        None => Vec::new(),
                    };
                }
                Purpose::LogFilter => return super::logs_pane::submit_filter(app, text),
                Purpose::ManifestVersion {
                    component,
                    selected,
                } => {
                    let version = match typed_version(&text) {
                        Ok(v) => v,
                        Err(e) => {
                            p.error = Some(e);
                            return Vec::new();
                        }
                    };
                    app.overlay = Some(Overlay::Manifest {
                        scroll: 0,
                        selected,
                    });
                    let current = match &app.manifest {
                        super::release::ManifestState::Loaded { view, .. } => view
                            .components
                            .iter()
                            .find(|c| c.name == component)
                            .map(|c| c.version.clone()),
                        _ => None,
                    };
                    if current.as_deref() == Some(version.to_string().as_str()) {
                        app.say(
                            Tone::Dim,
                            format!("{component} is already {version}: nothing changed"),
                        );
                        return Vec::new();
                    }
                    let Some(who) = app.person().map(Member::who) else {
                        return Vec::new();
                    };
                    return vec![Effect::SetManifest {
                        component,
                        version,
                        who,
                    }];
                }
            };
            app.overlay = None;
            app.perform(cmd)
        }
        other => {
            p.input.edit(other);
            p.error = None;
            Vec::new()
        }
    }
}

fn key(app: &mut App, k: KeyAction) -> Vec<Effect> {
    // Overlays take the keys first.
    match &mut app.overlay {
        Some(Overlay::Help) => {
            // Rows the help shows: the screen less its borders.
            let rows = app.size.1.saturating_sub(2) as usize;
            let len = super::ui::help::help_len(app);
            let last = u16::try_from(len.saturating_sub(rows)).unwrap_or(u16::MAX);
            let page = (rows as u16).max(1);
            let s = &mut app.help_scroll;
            match k {
                KeyAction::Help | KeyAction::Cancel | KeyAction::Quit => app.overlay = None,
                KeyAction::Down => *s = s.saturating_add(1).min(last),
                KeyAction::Up => *s = s.saturating_sub(1),
                KeyAction::PageDown => *s = s.saturating_add(page).min(last),
                KeyAction::PageUp => *s = s.saturating_sub(page),
                KeyAction::Top => *s = 0,
                KeyAction::Bottom => *s = last,
                _ => {}
            }
            return Vec::new();
        }
        Some(Overlay::People { selected }) => {
            let n = app.people.len();
            match k {
                KeyAction::Up => *selected = selected.saturating_sub(1),
                KeyAction::Down => *selected = (*selected + 1).min(n.saturating_sub(1)),
                KeyAction::Top => *selected = 0,
                KeyAction::Bottom => *selected = n.saturating_sub(1),
                KeyAction::Act => {
                    let s = *selected;
                    app.overlay = None;
                    if s < n {
                        app.at_keyboard = s;
                        let label = app.people[s].label();
                        app.say(Tone::Info, format!("at the keyboard: {label}"));
                    }
                }
                KeyAction::Cancel | KeyAction::SwitchPerson | KeyAction::Quit => app.overlay = None,
                _ => {}
            }
            return Vec::new();
        }
        Some(Overlay::Confirm(_)) => {
            if matches!(k, KeyAction::Cancel | KeyAction::Quit) {
                app.overlay = None;
                app.say(Tone::Dim, "cancelled");
            }
            return Vec::new();
        }
        Some(Overlay::Prompt(_)) => return Vec::new(),
        Some(Overlay::Notes(_) | Overlay::Manifest { .. }) => {
            return super::release::overlay_key(app, k).unwrap_or_default();
        }
        None => {}
    }
    match k {
        KeyAction::Help => {
            app.overlay = Some(Overlay::Help);
            app.help_scroll = 0;
            return Vec::new();
        }
        KeyAction::Quit => {
            if let Some(effects) = super::commands::ask_quit(app) {
                return effects;
            }
            app.quit = true;
            return Vec::new();
        }
        KeyAction::SwitchPerson => {
            app.overlay = Some(Overlay::People {
                selected: app.at_keyboard,
            });
            return Vec::new();
        }
        KeyAction::Manifest => return super::release::open_manifest(app),
        KeyAction::Sync => return super::release::sync_now(app),
        _ => {}
    }
    match app.screen {
        Screen::Start => start_key(app, k),
        Screen::Main => main_key(app, k),
    }
}

fn start_key(app: &mut App, k: KeyAction) -> Vec<Effect> {
    let items = app.start_items();
    let n = items.len();
    match k {
        KeyAction::Up => app.start_selected = app.start_selected.saturating_sub(1),
        KeyAction::Down => app.start_selected = (app.start_selected + 1).min(n.saturating_sub(1)),
        KeyAction::Top => app.start_selected = 0,
        KeyAction::Bottom => app.start_selected = n.saturating_sub(1),
        KeyAction::Cancel | KeyAction::Sessions if app.session.is_some() => {
            app.screen = Screen::Main;
        }
        KeyAction::Act => match items.get(app.start_selected) {
            Some(StartItem::Session(i)) => {
                if let Some(s) = app.start.sessions.get(*i) {
                    return vec![Effect::OpenSession(s.id.clone())];
                }
            }
            Some(StartItem::Scenario(i)) => {
                if let Some(sc) = app.start.scenarios.get(*i) {
                    let scenario = sc.id.clone();
                    let mut hint = vec![sc.title.clone()];
                    let mut prefill = None;
                    match &app.start.proposal {
                        Some(Ok(p)) => {
                            hint.push(format!("From the commits: {}", p.headline));
                            hint.push(p.reason.clone());
                            prefill = p.version.clone();
                        }
                        Some(Err(why)) => hint.push(format!("No version proposed: {why}")),
                        None => {}
                    }
                    hint.push(match prefill {
                        Some(_) => {
                            "Version being released (edit it; ctrl-u clears it for none):".into()
                        }
                        None => "Version being released (e.g. 1.4.0), or empty for none:".into(),
                    });
                    app.prompt(
                        format!("Start {scenario}"),
                        hint,
                        false,
                        Purpose::Version { scenario },
                    );
                    if let (Some(v), Some(Overlay::Prompt(p))) = (prefill, app.overlay.as_mut()) {
                        p.input = LineInput::new(&v);
                    }
                }
            }
            None => {}
        },
        _ => {}
    }
    Vec::new()
}

fn main_key(app: &mut App, k: KeyAction) -> Vec<Effect> {
    if let Some(e) = super::commands::key(app, k).or_else(|| super::logs_pane::key(app, k)) {
        return e;
    }
    match k {
        KeyAction::FocusNext => app.focus = app.focus.step(1),
        KeyAction::FocusPrev => app.focus = app.focus.step(-1),
        KeyAction::Zoom => app.zoom = !app.zoom,
        KeyAction::Cancel => {
            app.zoom = false;
            app.status = None;
        }
        KeyAction::Sessions => return vec![Effect::LoadStart],
        KeyAction::Up | KeyAction::Down | KeyAction::Top | KeyAction::Bottom => {
            move_selection(app, k)
        }
        KeyAction::Act => return act(app),
        KeyAction::Approve | KeyAction::Reject => {
            let approve = k == KeyAction::Approve;
            return signoff(app, approve);
        }
        KeyAction::Skip | KeyAction::Fail | KeyAction::Note => return step_prompt(app, k),
        KeyAction::SetWeight => return set_weight(app),
        KeyAction::CancelRun if app.focus == Pane::Canary => return cancel_canary(app),
        KeyAction::ReleaseNotes => return super::release::open_notes(app),
        KeyAction::Rollback => return rollback(app),
        KeyAction::Regression => return regression(app),
        _ => {}
    }
    Vec::new()
}

/// `x` in the Canary pane: cancel its running command.
fn cancel_canary(app: &mut App) -> Vec<Effect> {
    match app.canary_view.running.clone() {
        Some(cmd) => {
            app.say(Tone::Warn, format!("cancelling `{cmd}`…"));
            vec![Effect::CancelCanary]
        }
        None => {
            app.say(Tone::Dim, "no canary command is running");
            Vec::new()
        }
    }
}

/// `!` (the demo): flip the simulated source's regression switch.
fn regression(app: &mut App) -> Vec<Effect> {
    let Some(on) = app.canary_view.regression else {
        let why = match &app.canary_view.config {
            Some(c) => format!(
                "only the simulated canary source has a regression switch; this one is {}",
                c.source.as_str()
            ),
            None => "no canary is configured".into(),
        };
        app.say(Tone::Dim, why);
        return Vec::new();
    };
    let on = !on;
    app.canary_view.regression = Some(on);
    if on {
        app.say(
            Tone::Warn,
            "regression injected into the canary: error rate and latency degrade",
        );
    } else {
        app.say(
            Tone::Info,
            "regression cleared: the canary is healthy again",
        );
    }
    vec![Effect::SetRegression(on)]
}

/// `w` in the Canary pane: the plan's next weight, or an override.
fn set_weight(app: &mut App) -> Vec<Effect> {
    if app.focus != Pane::Canary {
        app.say(
            Tone::Dim,
            format!(
                "the canary weight is set from the Canary pane ({} to focus it)",
                app.keymap.label(KeyAction::FocusNext)
            ),
        );
        return Vec::new();
    }
    if let Some(why) = app.canary_blocked() {
        app.say(Tone::Warn, format!("cannot set the canary weight: {why}"));
        return Vec::new();
    }
    let (Some(plan), Some(st), Some(step)) = (
        app.canary_plan(),
        app.state(),
        app.canary_step().map(|p| p.id.clone()),
    ) else {
        return Vec::new();
    };
    let now = app.now.unwrap_or_else(jiff::Timestamp::now);
    let current = st.canary.weight;
    let overriding = |app: &mut App, weight: u32, why: String| {
        app.prompt(
            format!("Set the canary to {weight}% anyway?"),
            vec![
                why,
                "Why move on anyway? (required, kept in the audit trail)".into(),
            ],
            true,
            Purpose::WeightOverride {
                step: step.clone(),
                weight,
            },
        );
    };
    match canary_plan::next_action(&plan, &st.canary, now) {
        PlanAction::SetWeight { weight, .. } => {
            let Some(job) = app.weight_job(step.clone(), weight, None) else {
                return Vec::new();
            };
            match &job.command {
                Some((cmd, _)) => {
                    app.overlay = Some(Overlay::Confirm(Confirm {
                        title: format!("Set the canary to {weight}%?"),
                        lines: vec![
                            format!(
                                "from {} to {weight}%, as the plan says",
                                current.map_or("unset".into(), |c| format!("{c}%"))
                            ),
                            format!("runs:      {cmd}"),
                        ],
                        then: OnYes::Canary(job),
                    }));
                    Vec::new()
                }
                None => app.run_canary(job),
            }
        }
        PlanAction::Wait { weight, until } => {
            let Some(next) = plan.next_after(weight).map(|s| s.weight) else {
                return Vec::new();
            };
            let left = until.duration_since(now).as_secs().max(0);
            overriding(
                app,
                next,
                format!("The plan watches {weight}% for another {left}s, then wants a Promote."),
            );
            Vec::new()
        }
        PlanAction::NeedsPromote {
            weight,
            next,
            verdict,
            ..
        } => {
            overriding(
                app,
                next,
                format!(
                    "Going from {weight}% to {next}% needs a Promote (latest verdict at {weight}%: {}).",
                    verdict.as_deref().unwrap_or("none yet")
                ),
            );
            Vec::new()
        }
        PlanAction::ProposeRollback { .. } => {
            app.say(
                Tone::Bad,
                format!(
                    "the latest verdict is Roll back: press {} to roll the canary back",
                    app.keymap.label(KeyAction::Rollback)
                ),
            );
            Vec::new()
        }
        PlanAction::RolledBack => {
            app.say(Tone::Dim, "the canary was rolled back; nothing more to set");
            Vec::new()
        }
        PlanAction::Done { weight } => {
            app.say(
                Tone::Ok,
                format!("the canary reached its last step ({weight}%)"),
            );
            Vec::new()
        }
    }
}

/// `r` in the Canary pane: roll the canary back, behind one confirmation.
fn rollback(app: &mut App) -> Vec<Effect> {
    if app.focus != Pane::Canary {
        app.say(
            Tone::Dim,
            format!(
                "the canary is rolled back from the Canary pane ({} to focus it)",
                app.keymap.label(KeyAction::FocusNext)
            ),
        );
        return Vec::new();
    }
    if let Some(why) = app.canary_blocked() {
        app.say(Tone::Warn, format!("cannot roll the canary back: {why}"));
        return Vec::new();
    }
    let (Some(plan), Some(st), Some(step), Some(config), Some(m)) = (
        app.canary_plan(),
        app.state(),
        app.canary_step().map(|p| p.id.clone()),
        app.canary_view.config.as_ref(),
        app.person(),
    ) else {
        return Vec::new();
    };
    let who = m.who();
    let mut lines = Vec::new();
    if let Some(s) = &app.canary_view.snapshot {
        lines.push(s.judgement.summary.clone());
    }
    lines.push(format!(
        "weight now: {}",
        st.canary
            .weight
            .map_or("not set".into(), |w| format!("{w}%"))
    ));
    lines.push(format!("This will {}.", ops::rollback_words(&plan, config)));
    let confirmed_by = Some(who.to_string());
    let job = CanaryJob::rollback(config, &plan, st, &step, who, confirmed_by);
    app.overlay = Some(Overlay::Confirm(Confirm {
        title: "Roll back the canary?".into(),
        lines,
        then: OnYes::Canary(job),
    }));
    Vec::new()
}

fn move_selection(app: &mut App, k: KeyAction) {
    let len = match (app.focus, app.state()) {
        (Pane::Checklist, Some(st)) => st.steps.len(),
        (Pane::Signoff, Some(st)) => signoff_rows(st).len(),
        (Pane::Canary, _) => app
            .canary_view
            .snapshot
            .as_ref()
            .map_or(0, |s| s.judgement.metrics.len()),
        _ => return,
    };
    let sel = match app.focus {
        Pane::Checklist => &mut app.step_selected,
        Pane::Canary => &mut app.canary_view.selected,
        _ => &mut app.signoff_selected,
    };
    let last = len.saturating_sub(1);
    *sel = match k {
        KeyAction::Up => sel.saturating_sub(1),
        KeyAction::Down => (*sel + 1).min(last),
        KeyAction::Top => 0,
        _ => last,
    };
}

/// Enter: what it means depends on the pane and the selected row.
fn act(app: &mut App) -> Vec<Effect> {
    match app.focus {
        Pane::Checklist => act_on_step(app),
        Pane::Signoff => signoff(app, true),
        Pane::Canary | Pane::Logs => {
            app.say(
                Tone::Dim,
                format!("nothing to act on in {}", app.focus.title()),
            );
            Vec::new()
        }
    }
}

fn act_on_step(app: &mut App) -> Vec<Effect> {
    let Some((p, s)) = app.selected_step() else {
        return Vec::new();
    };
    let (p, status) = (p.clone(), s.status);
    let pending = app
        .state()
        .map(|st| st.pending_requires(&p))
        .unwrap_or_default();
    if p.is_signoff() {
        // Go to its first undecided role in the Sign-off pane.
        if let Some(st) = app.state() {
            let rows = signoff_rows(st);
            let row = rows
                .iter()
                .position(|r| r.plan.id == p.id && r.decision.is_none())
                .or_else(|| rows.iter().position(|r| r.plan.id == p.id));
            if let Some(i) = row {
                app.signoff_selected = i;
            }
        }
        app.focus = Pane::Signoff;
        app.say(
            Tone::Info,
            format!(
                "{} is a sign-off: {} approves, {} rejects",
                p.id,
                app.keymap.label(KeyAction::Approve),
                app.keymap.label(KeyAction::Reject)
            ),
        );
        return Vec::new();
    }
    match status {
        StepStatus::Pending | StepStatus::Failed | StepStatus::Rejected => {
            if !pending.is_empty() {
                app.say(
                    Tone::Warn,
                    format!(
                        "{} waits on {} (not done or skipped yet)",
                        p.id,
                        pending.join(", ")
                    ),
                );
                return Vec::new();
            }
            let cmd = Command::Start { step: p.id.clone() };
            if p.confirm {
                let mut lines = vec![p.title.clone()];
                if let Some(r) = &p.run {
                    lines.push(format!("runs:      {r}"));
                }
                if let Some(r) = &p.rollback {
                    lines.push(format!("roll back: {r}"));
                }
                lines.push("This step is marked risky (confirm = true).".into());
                app.overlay = Some(Overlay::Confirm(Confirm {
                    title: format!("Start {}?", p.id),
                    lines,
                    then: OnYes::Perform(cmd),
                }));
                return Vec::new();
            }
            app.perform(cmd)
        }
        StepStatus::InProgress => {
            let mut hint = vec![p.title.clone()];
            for e in &p.evidence {
                hint.push(format!("evidence: {e}"));
            }
            hint.push("A note for the record (optional; enter to finish):".into());
            app.prompt(
                format!("Complete {}", p.id),
                hint,
                false,
                Purpose::CompleteNote { step: p.id.clone() },
            );
            Vec::new()
        }
        StepStatus::Done | StepStatus::Skipped => {
            app.say(Tone::Dim, format!("{} is already {}", p.id, status.label()));
            Vec::new()
        }
    }
}

/// The sign-off a key acts on: the selected row in the Sign-off pane, or
/// the selected step's first undecided role in the Checklist.
fn signoff_target(app: &App) -> Option<(String, String)> {
    let st = app.state()?;
    let rows = signoff_rows(st);
    match app.focus {
        Pane::Signoff => rows
            .get(app.signoff_selected)
            .map(|r| (r.plan.id.clone(), r.role.to_string())),
        _ => {
            let (p, _) = app.selected_step()?;
            rows.iter()
                .filter(|r| r.plan.id == p.id)
                .find(|r| r.decision.is_none())
                .or_else(|| rows.iter().find(|r| r.plan.id == p.id))
                .map(|r| (r.plan.id.clone(), r.role.to_string()))
        }
    }
}

fn signoff(app: &mut App, approve: bool) -> Vec<Effect> {
    let Some((step, role)) = signoff_target(app) else {
        app.say(Tone::Dim, "select a sign-off first (in the Sign-off pane)");
        return Vec::new();
    };
    let who = app.person().map(|m| m.label()).unwrap_or_default();
    if approve {
        app.prompt(
            format!("Approve {step} as {role}"),
            vec![
                format!("Signing as {who}."),
                "A comment (optional; enter to approve):".into(),
            ],
            false,
            Purpose::Approve { step, role },
        );
    } else {
        app.prompt(
            format!("Reject {step} as {role}"),
            vec![
                format!("Signing as {who}."),
                "Why is it rejected? (required)".into(),
            ],
            true,
            Purpose::Reject { step, role },
        );
    }
    Vec::new()
}

fn step_prompt(app: &mut App, k: KeyAction) -> Vec<Effect> {
    let step = match app.focus {
        Pane::Signoff => app.state().and_then(|st| {
            signoff_rows(st)
                .get(app.signoff_selected)
                .map(|r| r.plan.id.clone())
        }),
        _ => app.selected_step().map(|(p, _)| p.id.clone()),
    };
    let Some(step) = step else {
        return Vec::new();
    };
    match k {
        KeyAction::Skip => app.prompt(
            format!("Skip {step}"),
            vec!["Why is it skipped? (required, kept in the audit trail)".into()],
            true,
            Purpose::SkipReason { step },
        ),
        KeyAction::Fail => app.prompt(
            format!("Fail {step}"),
            vec!["What went wrong? (required)".into()],
            true,
            Purpose::FailReason { step },
        ),
        _ => app.prompt(
            format!("Note on {step}"),
            vec!["The note (kept in the audit trail):".into()],
            true,
            Purpose::Note { step: Some(step) },
        ),
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_input_edits_by_character() {
        let mut l = LineInput::new("héllo");
        l.edit(Edit::Left);
        l.edit(Edit::Backspace);
        assert_eq!(l.text, "hélo");
        l.edit(Edit::Home);
        l.edit(Edit::Delete);
        l.edit(Edit::Insert('J'));
        assert_eq!((l.text.as_str(), l.cursor), ("Jélo", 1));
        l.edit(Edit::End);
        l.edit(Edit::Insert('!'));
        assert_eq!(l.text, "Jélo!");
        l.edit(Edit::Clear);
        assert_eq!((l.text.as_str(), l.cursor), ("", 0));
        l.edit(Edit::Backspace);
        l.edit(Edit::Left);
        assert_eq!(l.cursor, 0);
    }

    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(window_start(0, 5, 10), 0);
        assert_eq!(window_start(3, 20, 5), 0);
        assert_eq!(window_start(4, 20, 5), 1);
        assert_eq!(window_start(19, 20, 5), 15);
        assert_eq!(window_start(7, 20, 0), 0);
        for sel in 0..20 {
            for h in 1..8 {
                let s = window_start(sel, 20, h);
                assert!(s <= sel && sel < s + h, "sel {sel} h {h} start {s}");
            }
        }
    }

    #[test]
    fn the_git_identity_joins_the_roster_when_not_listed() {
        let people = vec![Person {
            name: "Pat".into(),
            email: "pat@x".into(),
            roles: vec!["pm".into()],
        }];
        let me = Who {
            name: "Dana".into(),
            email: "dana@x".into(),
        };
        let (r, i) = roster(&people, &me);
        assert_eq!((r.len(), i, r[0].name.as_str()), (2, 0, "Dana"));
        let me = Who {
            name: "P".into(),
            email: "PAT@x".into(),
        };
        let (r, i) = roster(&people, &me);
        assert_eq!((r.len(), i, r[0].label().as_str()), (1, 0, "Pat (pm)"));
    }
}
