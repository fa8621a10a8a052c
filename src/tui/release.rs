//! The release around a session, in the app: its notes (read, drafted
//! from the commits since the last release, edited, saved into the
//! session), the manifest of compatible components, and the audit trail's
//! sync state (the header's badge, a manual sync, the optional automatic
//! sync after each event). State and `update` logic only: the draw is in
//! `ui/release.rs`, the work (git, files) in the driver.

use ratatui_textarea::{Input, TextArea};

use crate::audit::git_sync::SyncStatus;
use crate::release::{Manifest, ManifestProblem};
use crate::session::payload::ReleaseNotesSet;
use crate::session::{Command, Payload, SessionState};

use super::action::Effect;
use super::app::{App, Overlay};
use super::keymap::KeyAction;
use super::theme::Tone;

/// A key in the Notes overlay that is not a keymap action.
#[derive(Debug, Clone, PartialEq)]
pub enum NotesKey {
    /// Start editing the notes (or write them when there are none).
    Edit,
    /// Draft them from the commits since the last release.
    Draft,
    /// Save the edited text into the session.
    Save,
    /// Leave the editor (asking once when there are unsaved edits).
    Discard,
    /// A key for the editor itself.
    Input(Input),
}

/// The notes being edited: a multi-line editor over the text, and the
/// text it started from (to tell whether leaving loses anything).
#[derive(Debug, Clone)]
pub struct NotesEditor {
    pub area: TextArea<'static>,
    /// What the session holds (or held when editing began).
    pub original: String,
    /// Saved and waiting for the core's answer: the editor stays open
    /// until the notes are recorded, so a refusal loses no text.
    pub saving: bool,
    /// Esc was pressed once with unsaved edits.
    pub confirm_discard: bool,
}

impl NotesEditor {
    pub fn new(text: &str, original: &str) -> NotesEditor {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut area = TextArea::new(lines);
        area.set_placeholder_text(
            "Write the release notes in markdown (esc, then d, drafts them from the commits)",
        );
        NotesEditor {
            area,
            original: original.to_string(),
            saving: false,
            confirm_discard: false,
        }
    }

    pub fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        if !t.is_empty() && !t.ends_with('\n') {
            t.push('\n');
        }
        t
    }

    /// Does the editor hold something the session does not?
    pub fn changed(&self) -> bool {
        self.text().trim_end() != self.original.trim_end()
    }
}

impl PartialEq for NotesEditor {
    fn eq(&self, other: &Self) -> bool {
        self.area.lines() == other.area.lines()
            && self.area.cursor() == other.area.cursor()
            && self.original == other.original
            && self.saving == other.saving
            && self.confirm_discard == other.confirm_discard
    }
}

/// The Notes overlay: the session's notes, scrolled, or their editor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotesOverlay {
    pub scroll: u16,
    /// Boxed: an editor is large, and the overlay sits in an enum.
    pub editor: Option<Box<NotesEditor>>,
    /// A draft from history was asked for and has not come back yet.
    pub drafting: bool,
}

/// One requirement of a component on another, and whether it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub component: String,
    pub req: String,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRow {
    pub name: String,
    pub version: String,
    pub requires: Vec<Requirement>,
}

/// The manifest as the app shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestView {
    pub system: String,
    pub components: Vec<ComponentRow>,
    /// One sentence per broken requirement (as `manifest check` says).
    pub problems: Vec<String>,
}

impl ManifestView {
    /// The view of a loaded manifest: each requirement marked by the same
    /// check `greenlight manifest check` runs, so both always agree.
    pub fn of(m: &Manifest) -> ManifestView {
        let problems = m.check();
        let broken = |name: &str, dep: &str| {
            problems.iter().any(|p| match p {
                ManifestProblem::UnknownComponent {
                    component,
                    requires,
                    ..
                }
                | ManifestProblem::RequirementNotMet {
                    component,
                    requires,
                    ..
                } => component == name && requires == dep,
            })
        };
        ManifestView {
            system: m.system_version().to_string(),
            components: m
                .components()
                .iter()
                .map(|(name, c)| ComponentRow {
                    name: name.clone(),
                    version: c.version.to_string(),
                    requires: c
                        .requires
                        .iter()
                        .map(|(dep, req)| Requirement {
                            component: dep.clone(),
                            req: req.to_string(),
                            met: !broken(name, dep),
                        })
                        .collect(),
                })
                .collect(),
            problems: problems.iter().map(ToString::to_string).collect(),
        }
    }
}

/// What the app knows of the repository's `release-manifest.toml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ManifestState {
    /// Not read yet.
    #[default]
    Unknown,
    /// The repository has none (at this path).
    Missing {
        path: String,
    },
    /// It exists but cannot be read: why (naming file, line and column).
    Broken {
        path: String,
        error: String,
    },
    Loaded {
        path: String,
        view: ManifestView,
    },
}

/// The audit trail's sync state, for the header's badge.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncView {
    /// `[audit] remote`.
    pub remote: String,
    /// `[audit] auto_sync`: sync after each new event.
    pub auto: bool,
    /// The latest status (what is not pushed yet, when the remote was
    /// last seen), or why it could not be read.
    pub status: Option<Result<SyncStatus, String>>,
    pub status_running: bool,
    /// When the latest status arrived (by the app's clock).
    pub status_at: Option<jiff::Timestamp>,
    /// Asked for again while one was running: run once more after it.
    pub status_wanted: bool,
    pub syncing: bool,
    pub sync_wanted: bool,
    /// Why the last sync failed, until one succeeds.
    pub failed: Option<String>,
    /// When this app last synced successfully.
    pub last_sync: Option<jiff::Timestamp>,
    /// The session's newest Lamport clock seen: a new one means new
    /// events, so the unpushed count (and an automatic sync) is due.
    pub seen_lamport: Option<(String, u64)>,
}

/// What a finished sync reports to the app.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOutcome {
    /// One line, e.g. "synced with origin: 2 files pulled, pushed".
    pub summary: String,
    /// Forks or tampering found, one sentence each.
    pub warnings: Vec<String>,
    /// The status right after the sync.
    pub status: Option<SyncStatus>,
}

/// "3m ago" between `then` and `now`.
fn ago(then: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let s = now.as_second().saturating_sub(then.as_second()).max(0);
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

impl SyncView {
    pub fn new(config: &crate::config::RepoConfig) -> SyncView {
        SyncView {
            remote: config.audit.remote.clone(),
            auto: config.audit.auto_sync,
            ..Default::default()
        }
    }

    /// When the audit trail was last synced: by this app, else as the
    /// remote's audit commit says (another process's sync).
    fn last(&self) -> Option<jiff::Timestamp> {
        let seen = match &self.status {
            Some(Ok(st)) => st
                .last_seen
                .and_then(|s| jiff::Timestamp::from_second(s).ok()),
            _ => None,
        };
        match (self.last_sync, seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The header's badge at a width: the text and how it should look.
    pub fn badge(&self, now: Option<jiff::Timestamp>, width: BadgeWidth) -> Option<(String, Tone)> {
        let tiny = width == BadgeWidth::Tiny;
        if self.syncing {
            return Some((
                if tiny { "⇅…" } else { "audit: syncing…" }.into(),
                Tone::Info,
            ));
        }
        if self.failed.is_some() {
            let text = match width {
                BadgeWidth::Long => "audit: sync failed (Y retries)",
                BadgeWidth::Short => "audit: sync failed",
                BadgeWidth::Tiny => "⇅✘",
            };
            return Some((text.into(), Tone::Bad));
        }
        let st = match self.status.as_ref()? {
            Ok(st) => st,
            Err(_) => {
                return Some((
                    if tiny {
                        "⇅?"
                    } else {
                        "audit: status unknown"
                    }
                    .into(),
                    Tone::Warn,
                ));
            }
        };
        if !st.remote_exists {
            return (!tiny).then(|| ("audit: local only".into(), Tone::Dim));
        }
        let last = self.last();
        let when = match (last, now) {
            (Some(t), Some(now)) if width == BadgeWidth::Long => format!("synced {}", ago(t, now)),
            (Some(_), _) => "synced".to_string(),
            (None, _) => "never synced".to_string(),
        };
        let pending = if self.auto { Tone::Info } else { Tone::Warn };
        Some(match (st.unpushed_events, width) {
            (0, BadgeWidth::Tiny) => ("⇅✔".into(), Tone::Ok),
            (0, _) if last.is_some() => (format!("audit: {when}"), Tone::Ok),
            (0, _) => ("audit: nothing to push".into(), Tone::Dim),
            (n, BadgeWidth::Long) => (format!("audit: {n} unpushed, {when}"), pending),
            (n, BadgeWidth::Short) => (format!("audit: {n} unpushed"), pending),
            (n, BadgeWidth::Tiny) => (format!("⇅{n}"), pending),
        })
    }
}

/// How much room the header gives the audit badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeWidth {
    /// "audit: 3 unpushed, synced 5m ago"
    Long,
    /// "audit: 3 unpushed"
    Short,
    /// "⇅3"
    Tiny,
}

/// The session's notes: who set them and the text.
fn session_notes(st: &SessionState) -> Option<&str> {
    st.release_notes.as_ref().map(|(_, t)| t.as_str())
}

/// Why the open session cannot take notes now, if it cannot.
fn not_writable(app: &App) -> Option<String> {
    let v = app.session.as_ref()?;
    if let Some(why) = &v.read_only {
        return Some(format!("this session is open read-only: {why}"));
    }
    if v.state.status != crate::session::SessionStatus::Open {
        return Some("the session is closed".into());
    }
    None
}

/// `R`: open the Notes overlay.
pub fn open_notes(app: &mut App) -> Vec<Effect> {
    if app.session.is_none() {
        app.say(Tone::Dim, "no session is open");
        return Vec::new();
    }
    app.overlay = Some(Overlay::Notes(NotesOverlay::default()));
    Vec::new()
}

/// `M`: open the Manifest overlay, re-reading the file.
pub fn open_manifest(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Manifest {
        scroll: 0,
        selected: 0,
    });
    vec![Effect::LoadManifest]
}

/// `Y`: sync the audit trail now.
pub fn sync_now(app: &mut App) -> Vec<Effect> {
    if app.sync.syncing {
        app.say(Tone::Dim, "an audit sync is already running");
        return Vec::new();
    }
    app.sync.syncing = true;
    app.say(
        Tone::Info,
        format!("syncing the audit trail with {}…", app.sync.remote),
    );
    vec![Effect::Sync { manual: true }]
}

/// Keymap actions while the Notes or Manifest overlay is open: scroll,
/// close. Returns `None` when no such overlay is open.
pub fn overlay_key(app: &mut App, k: KeyAction) -> Option<Vec<Effect>> {
    if let Some(effects) = manifest_key(app, k) {
        return Some(effects);
    }
    let page = app.size.1.saturating_sub(8).max(1);
    let notes_len = app
        .state()
        .and_then(session_notes)
        .map_or(0, |t| t.lines().count());
    let manifest_len = manifest_lines(&app.manifest).len();
    // Rows of text the overlay shows (see `ui::release`: the overlay is
    // the screen less 3 rows, its borders 2, the notes' heading 2).
    let rows = app.size.1 as usize;
    let (scroll, len, visible) = match app.overlay.as_mut()? {
        Overlay::Notes(n) if n.editor.is_none() => {
            (&mut n.scroll, notes_len, rows.saturating_sub(7))
        }
        Overlay::Manifest { scroll, .. } => (scroll, manifest_len, rows.saturating_sub(5)),
        _ => return None,
    };
    // The last offset that still fills the overlay: scrolling stops there,
    // so scrolling back up answers at once.
    let last = u16::try_from(len.saturating_sub(visible)).unwrap_or(u16::MAX);
    match k {
        KeyAction::Up => *scroll = scroll.saturating_sub(1),
        KeyAction::Down => *scroll = scroll.saturating_add(1).min(last),
        KeyAction::PageUp => *scroll = scroll.saturating_sub(page),
        KeyAction::PageDown => *scroll = scroll.saturating_add(page).min(last),
        KeyAction::Top => *scroll = 0,
        KeyAction::Bottom => *scroll = last,
        KeyAction::Cancel | KeyAction::Quit | KeyAction::ReleaseNotes | KeyAction::Manifest => {
            app.overlay = None
        }
        KeyAction::Help => {
            app.overlay = Some(Overlay::Help);
            app.help_scroll = 0;
        }
        _ => {}
    }
    Some(Vec::new())
}

/// The line of the manifest's text where its first component stands (see
/// [`manifest_lines`]: system, verdict, blank, column heads).
pub const FIRST_COMPONENT_LINE: usize = 4;

/// Keys of the Manifest overlay over a loaded manifest: up/down select a
/// component (the text scrolls to keep it in sight), enter asks for its
/// new version. `None` leaves the key to plain scrolling and closing.
fn manifest_key(app: &mut App, k: KeyAction) -> Option<Vec<Effect>> {
    let ManifestState::Loaded { view, .. } = &app.manifest else {
        return None;
    };
    let n = view.components.len();
    let rows = app.size.1.saturating_sub(5) as usize;
    let Some(Overlay::Manifest { scroll, selected }) = app.overlay.as_mut() else {
        return None;
    };
    match k {
        KeyAction::Up => *selected = selected.saturating_sub(1),
        KeyAction::Down => *selected = (*selected + 1).min(n.saturating_sub(1)),
        KeyAction::Top => *selected = 0,
        KeyAction::Bottom => *selected = n.saturating_sub(1),
        KeyAction::Act => {
            let component = view.components.get(*selected)?.clone();
            let chosen = *selected;
            let blocked = not_writable(app);
            app.prompt(
                format!("Set {} to a new version", component.name),
                vec![
                    format!(
                        "{} is {} in {}; the system version follows the largest change.",
                        component.name,
                        component.version,
                        crate::release::MANIFEST_FILE
                    ),
                    match blocked {
                        Some(why) => format!("Not recorded in the session ({why})."),
                        None => "The change is noted in the session's audit trail.".into(),
                    },
                    "New version:".into(),
                ],
                true,
                super::app::Purpose::ManifestVersion {
                    component: component.name.clone(),
                    selected: chosen,
                },
            );
            if let Some(Overlay::Prompt(p)) = app.overlay.as_mut() {
                p.input = super::app::LineInput::new(&component.version);
            }
            return Some(Vec::new());
        }
        _ => return None,
    }
    // Keep the selected line in sight.
    let line = FIRST_COMPONENT_LINE + *selected;
    let top = usize::from(*scroll);
    if line < top {
        *scroll = u16::try_from(line).unwrap_or(u16::MAX);
    } else if rows > 0 && line >= top + rows {
        *scroll = u16::try_from(line + 1 - rows).unwrap_or(u16::MAX);
    }
    Some(Vec::new())
}

/// A key of the Notes overlay that is not a keymap action.
pub fn notes_key(app: &mut App, k: NotesKey) -> Vec<Effect> {
    let current = app
        .state()
        .and_then(session_notes)
        .unwrap_or_default()
        .to_string();
    let blocked = not_writable(app);
    let Some(Overlay::Notes(n)) = app.overlay.as_mut() else {
        return Vec::new();
    };
    match k {
        NotesKey::Edit | NotesKey::Draft if blocked.is_some() => {
            let why = blocked.unwrap_or_default();
            app.say(Tone::Warn, format!("cannot edit the release notes: {why}"));
            Vec::new()
        }
        NotesKey::Edit => {
            n.editor = Some(Box::new(NotesEditor::new(&current, &current)));
            Vec::new()
        }
        NotesKey::Draft if n.drafting => Vec::new(),
        NotesKey::Draft => {
            n.drafting = true;
            app.say(
                Tone::Info,
                "drafting the notes from the commits since the last release…",
            );
            vec![Effect::DraftNotes]
        }
        NotesKey::Save => {
            let Some(ed) = n.editor.as_mut() else {
                return Vec::new();
            };
            if !ed.changed() {
                n.editor = None;
                app.say(Tone::Dim, "no changes to save");
                return Vec::new();
            }
            if ed.saving {
                return Vec::new();
            }
            ed.saving = true;
            let markdown = ed.text();
            app.perform(Command::Record(Payload::ReleaseNotesSet(ReleaseNotesSet {
                markdown,
            })))
        }
        NotesKey::Discard => {
            let Some(ed) = n.editor.as_mut() else {
                app.overlay = None;
                return Vec::new();
            };
            if ed.changed() && !ed.confirm_discard {
                ed.confirm_discard = true;
                app.say(
                    Tone::Warn,
                    "the notes have unsaved edits: esc again discards them, ctrl-s saves them",
                );
            } else {
                let changed = ed.changed();
                n.editor = None;
                if changed {
                    app.say(
                        Tone::Dim,
                        "edits discarded; the session's notes are unchanged",
                    );
                }
            }
            Vec::new()
        }
        NotesKey::Input(input) => {
            if let Some(ed) = n.editor.as_mut()
                && !ed.saving
            {
                ed.area.input(input);
                ed.confirm_discard = false;
            }
            Vec::new()
        }
    }
}

/// A draft came back from history.
pub fn drafted(app: &mut App, result: Result<String, String>) -> Vec<Effect> {
    let current = app
        .state()
        .and_then(session_notes)
        .unwrap_or_default()
        .to_string();
    let Some(Overlay::Notes(n)) = app.overlay.as_mut() else {
        return Vec::new();
    };
    n.drafting = false;
    match result {
        Ok(text) => {
            n.editor = Some(Box::new(NotesEditor::new(&text, &current)));
            app.say(
                Tone::Info,
                "drafted from the commits: edit, then ctrl-s saves them into the session (esc discards)",
            );
        }
        Err(why) => app.say(Tone::Bad, format!("✘ cannot draft the notes: {why}")),
    }
    Vec::new()
}

/// A command was recorded: close the notes editor it saved.
pub fn performed(app: &mut App, cmd: &Command) {
    if let Command::Record(Payload::ReleaseNotesSet(_)) = cmd
        && let Some(Overlay::Notes(n)) = app.overlay.as_mut()
    {
        n.editor = None;
        n.scroll = 0;
    }
}

/// The core refused: an editor waiting on a save keeps its text.
pub fn failed(app: &mut App) {
    if let Some(Overlay::Notes(n)) = app.overlay.as_mut()
        && let Some(ed) = n.editor.as_mut()
    {
        ed.saving = false;
    }
}

/// The session as loaded: new events make a status (and, with
/// `auto_sync`, a sync) due. Requests coalesce while one is running.
pub fn loaded(app: &mut App) -> Vec<Effect> {
    let Some(st) = app.state() else {
        return Vec::new();
    };
    let mark = (st.id.clone(), st.max_lamport);
    if app.sync.seen_lamport.as_ref() == Some(&mark) {
        return Vec::new();
    }
    let first = app
        .sync
        .seen_lamport
        .as_ref()
        .is_none_or(|(id, _)| *id != mark.0);
    app.sync.seen_lamport = Some(mark);
    let mut effects = want_status(app);
    // Opening a session is not a new event: sync only on news.
    if app.sync.auto && !first {
        if app.sync.syncing {
            app.sync.sync_wanted = true;
        } else {
            app.sync.syncing = true;
            effects.push(Effect::Sync { manual: false });
        }
    }
    if first {
        effects.push(Effect::LoadManifest);
    }
    effects
}

/// Ask for the sync status, unless one is on its way (then once more
/// after it).
pub fn want_status(app: &mut App) -> Vec<Effect> {
    if app.sync.status_running {
        app.sync.status_wanted = true;
        return Vec::new();
    }
    app.sync.status_running = true;
    vec![Effect::SyncStatus]
}

/// Read the sync status again every this many seconds: another process
/// (the CLI, a sync elsewhere) changes it without an event here.
pub const STATUS_EVERY_SECS: i64 = 30;

/// The clock ticked: refresh a stale sync status.
pub fn tick(app: &mut App, now: jiff::Timestamp) -> Vec<Effect> {
    let stale = app
        .sync
        .status_at
        .is_some_and(|t| now.as_second().saturating_sub(t.as_second()) >= STATUS_EVERY_SECS);
    if stale && app.session.is_some() && !app.sync.status_running {
        return want_status(app);
    }
    Vec::new()
}

/// The sync status arrived.
pub fn status_read(app: &mut App, status: Result<SyncStatus, String>) -> Vec<Effect> {
    app.sync.status_running = false;
    app.sync.status = Some(status);
    app.sync.status_at = app.now;
    if std::mem::take(&mut app.sync.status_wanted) {
        return want_status(app);
    }
    Vec::new()
}

/// A sync ended.
pub fn synced(app: &mut App, manual: bool, result: Result<SyncOutcome, String>) -> Vec<Effect> {
    app.sync.syncing = false;
    match result {
        Ok(o) => {
            app.sync.failed = None;
            app.sync.last_sync = app.now.or_else(|| Some(jiff::Timestamp::now()));
            if let Some(st) = o.status {
                app.sync.status = Some(Ok(st));
            }
            if let Some(w) = o.warnings.first() {
                let more = match o.warnings.len() {
                    1 => String::new(),
                    n => format!(" (and {} more: greenlight audit sync says all)", n - 1),
                };
                app.say(Tone::Bad, format!("{w}{more}"));
            } else if manual {
                app.say(Tone::Ok, format!("✔ {}", o.summary));
            }
        }
        Err(why) => {
            app.say(
                Tone::Warn,
                format!("audit sync failed (the session goes on; Y retries): {why}"),
            );
            app.sync.failed = Some(why);
        }
    }
    if std::mem::take(&mut app.sync.sync_wanted) {
        app.sync.syncing = true;
        return vec![Effect::Sync { manual: false }];
    }
    Vec::new()
}

/// The manifest was read.
pub fn manifest_read(app: &mut App, state: ManifestState) -> Vec<Effect> {
    app.manifest = state;
    Vec::new()
}

/// Read the manifest at `root`/`rel` into what the app shows (naming it
/// by its path in the repository).
pub fn read_manifest(root: &std::path::Path, rel: &str) -> ManifestState {
    let path = root.join(rel);
    let path = path.as_path();
    let shown = rel.to_string();
    if !path.exists() {
        return ManifestState::Missing { path: shown };
    }
    match Manifest::load(path) {
        Ok(m) => ManifestState::Loaded {
            path: shown,
            view: ManifestView::of(&m),
        },
        Err(e) => ManifestState::Broken {
            path: shown,
            error: e.to_string(),
        },
    }
}

/// The manifest's lines, with their tone: shared by the draw and the
/// overlay's scrolling.
pub fn manifest_lines(m: &ManifestState) -> Vec<(Tone, String)> {
    match m {
        ManifestState::Unknown => vec![(Tone::Dim, "reading the manifest…".into())],
        ManifestState::Missing { path } => vec![
            (Tone::Warn, format!("No manifest: {path} does not exist.")),
            (Tone::Normal, String::new()),
            (
                Tone::Normal,
                "A manifest lists the system's version and each component's version".into(),
            ),
            (
                Tone::Normal,
                "with its semver requirements on the others, e.g.:".into(),
            ),
            (Tone::Normal, String::new()),
            (Tone::Dim, "  [system]".into()),
            (Tone::Dim, "  version = \"2.4.0\"".into()),
            (Tone::Dim, "  [components.api]".into()),
            (Tone::Dim, "  version = \"2.1.0\"".into()),
            (Tone::Dim, "  requires = { auth = \"^1.2\" }".into()),
            (Tone::Normal, String::new()),
            (
                Tone::Normal,
                "`greenlight manifest check` validates it; `greenlight manifest set`".into(),
            ),
            (
                Tone::Normal,
                "changes a component and recomputes the system version.".into(),
            ),
        ],
        ManifestState::Broken { path, error } => vec![
            (Tone::Bad, format!("{path} cannot be read:")),
            (Tone::Bad, error.clone()),
        ],
        ManifestState::Loaded { path, view } => {
            let mut out = vec![
                (
                    Tone::Normal,
                    format!(
                        "System {} · {} component{}",
                        view.system,
                        view.components.len(),
                        if view.components.len() == 1 { "" } else { "s" }
                    ),
                ),
                if view.problems.is_empty() {
                    (Tone::Ok, "✔ every requirement holds".into())
                } else {
                    (
                        Tone::Bad,
                        format!(
                            "✘ {} broken requirement{}",
                            view.problems.len(),
                            if view.problems.len() == 1 { "" } else { "s" }
                        ),
                    )
                },
                (Tone::Normal, String::new()),
            ];
            let name_w = view
                .components
                .iter()
                .map(|c| c.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(9);
            out.push((
                Tone::Dim,
                format!("{:<name_w$}  {:<10}  requires", "component", "version"),
            ));
            for c in &view.components {
                let reqs = if c.requires.is_empty() {
                    "-".to_string()
                } else {
                    c.requires
                        .iter()
                        .map(|r| {
                            format!(
                                "{} {} {}",
                                r.component,
                                r.req,
                                if r.met { "✔" } else { "✘" }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let tone = if c.requires.iter().all(|r| r.met) {
                    Tone::Normal
                } else {
                    Tone::Bad
                };
                out.push((
                    tone,
                    format!("{:<name_w$}  {:<10}  {reqs}", c.name, c.version),
                ));
            }
            if !view.problems.is_empty() {
                out.push((Tone::Normal, String::new()));
                for p in &view.problems {
                    out.push((Tone::Bad, format!("✘ {p}")));
                }
            }
            out.push((Tone::Normal, String::new()));
            out.push((
                Tone::Dim,
                format!("{path} · enter here (or greenlight manifest set NAME VERSION) changes a version"),
            ));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Effect;
    use crate::tui::sample;
    use crate::tui::theme::Theme;

    fn app() -> App {
        let state = sample::early().expect("sample");
        sample::app(state, Theme::no_color("default"))
    }

    fn status(unpushed: usize, last_seen: Option<i64>) -> SyncStatus {
        SyncStatus {
            remote: "origin".into(),
            remote_exists: true,
            last_seen,
            unpushed_events: unpushed,
        }
    }

    #[test]
    fn the_badge_says_what_is_unpushed_and_when_it_last_synced() {
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let mut v = SyncView {
            remote: "origin".into(),
            ..Default::default()
        };
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            None,
            "nothing read yet"
        );
        v.status = Some(Ok(status(4, None)));
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: 4 unpushed, never synced".into(), Tone::Warn))
        );
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Tiny),
            Some(("⇅4".into(), Tone::Warn))
        );
        v.status = Some(Ok(status(0, Some(now.as_second() - 7200))));
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: synced 2h ago".into(), Tone::Ok))
        );
        // This app's own sync is newer than the remote's commit.
        v.last_sync = Some(now);
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: synced 0s ago".into(), Tone::Ok))
        );
        v.failed = Some("offline".into());
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Short),
            Some(("audit: sync failed".into(), Tone::Bad))
        );
        v.failed = None;
        v.status = Some(Ok(SyncStatus {
            remote_exists: false,
            ..status(3, None)
        }));
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: local only".into(), Tone::Dim))
        );
        assert_eq!(v.badge(Some(now), BadgeWidth::Tiny), None);
    }

    #[test]
    fn status_and_sync_requests_coalesce_while_one_runs() {
        let mut a = app();
        // As a fresh app has it (the sample already loaded its session).
        a.sync = SyncView {
            remote: "origin".into(),
            auto: true,
            ..Default::default()
        };
        // The first load of a session reads the status and the manifest,
        // and does not sync (opening is not a new event).
        let first = loaded(&mut a);
        assert_eq!(first, vec![Effect::SyncStatus, Effect::LoadManifest]);
        // The same state again: nothing.
        assert!(loaded(&mut a).is_empty());
        // A new event while the status is still being read: the sync
        // starts, the status is asked for once more afterwards.
        if let Some(v) = a.session.as_mut() {
            v.state.max_lamport += 1;
        }
        assert_eq!(loaded(&mut a), vec![Effect::Sync { manual: false }]);
        assert!(a.sync.status_wanted);
        if let Some(v) = a.session.as_mut() {
            v.state.max_lamport += 1;
        }
        assert!(loaded(&mut a).is_empty(), "both already running");
        assert!(a.sync.sync_wanted);
        assert_eq!(
            status_read(&mut a, Ok(status(2, None))),
            vec![Effect::SyncStatus]
        );
        let again = synced(
            &mut a,
            false,
            Ok(SyncOutcome {
                summary: "synced".into(),
                warnings: Vec::new(),
                status: Some(status(0, None)),
            }),
        );
        assert_eq!(again, vec![Effect::Sync { manual: false }]);
        assert!(a.sync.syncing);
        // A failure is shown and kept until a sync succeeds.
        synced(&mut a, false, Err("remote unreachable".into()));
        assert_eq!(a.sync.failed.as_deref(), Some("remote unreachable"));
        assert!(
            a.status
                .as_ref()
                .is_some_and(|s| s.text.contains("the session goes on"))
        );
    }

    #[test]
    fn leaving_the_editor_with_edits_asks_once() {
        let mut a = app();
        open_notes(&mut a);
        notes_key(&mut a, NotesKey::Edit);
        notes_key(
            &mut a,
            NotesKey::Input(Input {
                key: ratatui_textarea::Key::Char('x'),
                ..Default::default()
            }),
        );
        notes_key(&mut a, NotesKey::Discard);
        let Some(Overlay::Notes(n)) = &a.overlay else {
            panic!("closed")
        };
        assert!(n.editor.is_some(), "the first esc only asks");
        notes_key(&mut a, NotesKey::Discard);
        let Some(Overlay::Notes(n)) = &a.overlay else {
            panic!("closed")
        };
        assert!(n.editor.is_none(), "the second esc discards");
        // Unchanged text leaves at once, and saving it records nothing.
        notes_key(&mut a, NotesKey::Edit);
        assert!(notes_key(&mut a, NotesKey::Save).is_empty());
    }

    #[test]
    fn a_refused_save_keeps_the_text() {
        let mut a = app();
        open_notes(&mut a);
        notes_key(&mut a, NotesKey::Edit);
        notes_key(
            &mut a,
            NotesKey::Input(Input {
                key: ratatui_textarea::Key::Char('y'),
                ..Default::default()
            }),
        );
        let effects = notes_key(&mut a, NotesKey::Save);
        assert_eq!(effects.len(), 1);
        failed(&mut a);
        let Some(Overlay::Notes(n)) = &a.overlay else {
            panic!("closed")
        };
        let ed = n.editor.as_ref().expect("kept");
        assert!(!ed.saving);
        assert_eq!(ed.text(), "y\n");
    }

    #[test]
    fn a_read_only_session_cannot_edit_notes() {
        let mut a = app();
        if let Some(v) = a.session.as_mut() {
            v.read_only = Some("in use by pid 7".into());
        }
        open_notes(&mut a);
        assert!(notes_key(&mut a, NotesKey::Draft).is_empty());
        assert!(
            a.status
                .as_ref()
                .is_some_and(|s| s.text.contains("read-only"))
        );
    }
}
