//! The app's state, as plain data, and `update`: the only place it changes.
//!
//! `update(&mut App, Action) -> Vec<Effect>` never does I/O; what it needs
//! from the core it asks for as effects, and the answers come back as
//! actions. Drawing (`ui::draw`) reads an `&App` and nothing else, so the
//! screen is a pure function of this state (and the clock is part of it).

use crate::config::{Person, RepoConfig};
use crate::session::state::{Decision, StepState};
use crate::session::{Command, PlanStep, SessionState, SessionStatus, StepStatus, Who};

use super::action::{Action, Edit, Effect, StartData};
use super::keymap::{KeyAction, Keymap};
use super::theme::{Theme, Tone};

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
                (KeyAction::SwitchPerson, "person"),
                (KeyAction::Note, "note"),
                (KeyAction::Zoom, "zoom"),
                (KeyAction::Quit, "quit"),
            ],
            Pane::Canary | Pane::Logs => &[
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
    CompleteNote { step: String },
    SkipReason { step: String },
    FailReason { step: String },
    Note { step: Option<String> },
    Approve { step: String, role: String },
    Reject { step: String, role: String },
    Version { scenario: String },
    LogFilter,
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
    pub cmd: Command,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Prompt(Prompt),
    Confirm(Confirm),
    People { selected: usize },
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
    pub status: Option<Status>,
    /// Lasting warnings (a broken theme): shown when there is no status.
    pub warnings: Vec<String>,
    /// The time the header shows; set by ticks (fixed in tests).
    pub now: Option<jiff::Timestamp>,
    /// The terminal size, for mouse hit-testing.
    pub size: (u16, u16),
    pub canary: SourceState,
    pub logs: SourceState,
    pub quit: bool,
    pub logs_pane: super::logs_pane::LogsPane,
    pub runs: super::commands::Runs,
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
            status: None,
            warnings: Vec::new(),
            now: None,
            size: (80, 24),
            canary: SourceState {
                summary: String::new(),
                message: String::new(),
                lines: Vec::new(),
            },
            logs: SourceState {
                summary: String::new(),
                message: String::new(),
                lines: Vec::new(),
            },
            quit: false,
            logs_pane: Default::default(),
            runs: Default::default(),
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

    fn say(&mut self, tone: Tone, text: impl Into<String>) {
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

    fn perform(&self, cmd: Command) -> Vec<Effect> {
        match self.person() {
            Some(m) => vec![Effect::Perform { cmd, who: m.who() }],
            None => Vec::new(),
        }
    }

    fn prompt(&mut self, title: String, hint: Vec<String>, required: bool, purpose: Purpose) {
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
            Vec::new()
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
            Vec::new()
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
            app.say(Tone::Ok, format!("✔ {summary}"));
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
            Vec::new()
        }
        Action::Edit(e) => edit_prompt(app, e),
        Action::Answer(yes) => {
            if let Some(effects) = super::commands::answer(app, yes) {
                return effects;
            }
            if let Some(Overlay::Confirm(c)) = app.overlay.take() {
                if yes {
                    return app.perform(c.cmd);
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
        Action::LogsReady => vec![Effect::DrainLogs],
        a @ (Action::RunStarted { .. } | Action::RunFinished { .. }) => {
            super::commands::update(app, a)
        }
    }
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

fn edit_prompt(app: &mut App, e: Edit) -> Vec<Effect> {
    let Some(Overlay::Prompt(p)) = app.overlay.as_mut() else {
        return Vec::new();
    };
    match e {
        Edit::Cancel => {
            app.overlay = None;
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
                        match semver::Version::parse(text.trim_start_matches('v')) {
                            Ok(v) => Some(v),
                            Err(e) => {
                                p.error = Some(format!(
                                    "`{text}` is not a semantic version such as 1.4.0 ({e})"
                                ));
                                return Vec::new();
                            }
                        }
                    };
                    app.overlay = None;
                    app.say(Tone::Dim, format!("starting {scenario}…"));
                    return vec![Effect::StartSession { scenario, version }];
                }
                Purpose::LogFilter => return super::logs_pane::submit_filter(app, text),
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
            if matches!(k, KeyAction::Help | KeyAction::Cancel | KeyAction::Quit) {
                app.overlay = None;
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
        None => {}
    }
    match k {
        KeyAction::Help => {
            app.overlay = Some(Overlay::Help);
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
                    app.prompt(
                        format!("Start {scenario}"),
                        vec![
                            sc.title.clone(),
                            "Version being released (e.g. 1.4.0), or empty for none:".into(),
                        ],
                        false,
                        Purpose::Version { scenario },
                    );
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
        _ => {}
    }
    Vec::new()
}

fn move_selection(app: &mut App, k: KeyAction) {
    let len = match (app.focus, app.state()) {
        (Pane::Checklist, Some(st)) => st.steps.len(),
        (Pane::Signoff, Some(st)) => signoff_rows(st).len(),
        _ => return,
    };
    let sel = match app.focus {
        Pane::Checklist => &mut app.step_selected,
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
                    cmd,
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
