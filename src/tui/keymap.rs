//! Key bindings: named actions, the default keys for each, and the user's
//! `[keys]` table in `<config dir>/config.toml`:
//!
//! ```toml
//! [keys]
//! quit = "q"                  # one key
//! down = ["j", "down", "ctrl-n"]  # or several
//! ```
//!
//! An action set there replaces its default keys; every other action keeps
//! its own. An unknown action or a key that cannot be read is an error
//! naming the file, line and column. So is a table the app could not
//! obey:
//!
//! Every key goes through here, the keys of prompts, confirmations and
//! the notes editor too: each action belongs to places
//! ([`KeyAction::places`]: a pane, prompts, confirmations, the release
//! notes, their editor, ...) or works everywhere, and [`resolve`] reads a
//! key in the place that has it. In prompts and the notes editor
//! printable characters are text; quit's other keys (ctrl-c) leave them,
//! as cancel's do.
//!
//! - Two actions may share a key only when the place tells them apart:
//!   one belongs to some places and the other works everywhere, and
//!   yields to it there. The defaults do this on purpose: `f` follows in
//!   Logs and fails a step elsewhere, `w` wraps in Logs and sets the
//!   canary weight elsewhere, `x` cancels a running command in the
//!   Checklist and Canary panes and rejects a sign-off elsewhere, `Y`
//!   says yes to a confirmation and syncs elsewhere, `enter` submits a
//!   prompt and acts elsewhere. Two actions that both work everywhere, or
//!   both in one place, cannot share a key: one of them would never be
//!   reached. The user's key for one action is not taken from another's
//!   defaults silently either: set both (`reject = []` leaves an action
//!   without a key).
//! - `quit` and `cancel` keep at least one key, and share none: `quit` is
//!   the only way out of the app, and `cancel` the way out of an overlay,
//!   a confirmation or zoom without acting (without it, leaving them
//!   takes the quit key, one press from quitting). Their keys mean the
//!   same in every place (in an overlay, quit's keys close it).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::place::{Pane, Place};
use crate::config::{ConfigError, line_col};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAction {
    Help,
    Quit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Top,
    Bottom,
    Act,
    Zoom,
    SwitchPerson,
    Approve,
    Reject,
    Skip,
    Fail,
    Note,
    Sessions,
    SetWeight,
    Rollback,
    Regression,
    Cancel,
    Filter,
    NextMatch,
    PrevMatch,
    NextError,
    PrevError,
    Follow,
    Wrap,
    Level,
    PageUp,
    PageDown,
    CancelRun,
    ReleaseNotes,
    Manifest,
    Sync,
    Source,
    Submit,
    ClearLine,
    LineStart,
    LineEnd,
    DeleteBack,
    DeleteForward,
    CursorLeft,
    CursorRight,
    Yes,
    No,
    EditNotes,
    DraftNotes,
    SaveNotes,
    /// Break the rule that refused the last action, with a reason.
    Override,
    /// Acknowledge the selected step as a role it asks to (`ack`).
    Acknowledge,
    /// The session's timeline: every event, who, when, why.
    Timeline,
    /// The last messages of the status line.
    Messages,
    /// The next of the built-in themes (screen sharing).
    CycleTheme,
}

impl KeyAction {
    pub const ALL: [KeyAction; 54] = [
        KeyAction::Help,
        KeyAction::Quit,
        KeyAction::FocusNext,
        KeyAction::FocusPrev,
        KeyAction::Up,
        KeyAction::Down,
        KeyAction::Top,
        KeyAction::Bottom,
        KeyAction::Act,
        KeyAction::Zoom,
        KeyAction::SwitchPerson,
        KeyAction::Approve,
        KeyAction::Reject,
        KeyAction::Skip,
        KeyAction::Fail,
        KeyAction::Note,
        KeyAction::Sessions,
        KeyAction::SetWeight,
        KeyAction::Rollback,
        KeyAction::Regression,
        KeyAction::Cancel,
        KeyAction::Filter,
        KeyAction::NextMatch,
        KeyAction::PrevMatch,
        KeyAction::NextError,
        KeyAction::PrevError,
        KeyAction::Follow,
        KeyAction::Wrap,
        KeyAction::Level,
        KeyAction::PageUp,
        KeyAction::PageDown,
        KeyAction::CancelRun,
        KeyAction::ReleaseNotes,
        KeyAction::Manifest,
        KeyAction::Sync,
        KeyAction::Source,
        KeyAction::Submit,
        KeyAction::ClearLine,
        KeyAction::LineStart,
        KeyAction::LineEnd,
        KeyAction::DeleteBack,
        KeyAction::DeleteForward,
        KeyAction::CursorLeft,
        KeyAction::CursorRight,
        KeyAction::Yes,
        KeyAction::No,
        KeyAction::EditNotes,
        KeyAction::DraftNotes,
        KeyAction::SaveNotes,
        KeyAction::Override,
        KeyAction::Acknowledge,
        KeyAction::Timeline,
        KeyAction::Messages,
        KeyAction::CycleTheme,
    ];

    /// The name used in the `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            KeyAction::Help => "help",
            KeyAction::Quit => "quit",
            KeyAction::FocusNext => "focus-next",
            KeyAction::FocusPrev => "focus-prev",
            KeyAction::Up => "up",
            KeyAction::Down => "down",
            KeyAction::Top => "top",
            KeyAction::Bottom => "bottom",
            KeyAction::Act => "act",
            KeyAction::Zoom => "zoom",
            KeyAction::SwitchPerson => "switch-person",
            KeyAction::Approve => "approve",
            KeyAction::Reject => "reject",
            KeyAction::Skip => "skip",
            KeyAction::Fail => "fail",
            KeyAction::Note => "note",
            KeyAction::Sessions => "sessions",
            KeyAction::SetWeight => "set-weight",
            KeyAction::Rollback => "rollback",
            KeyAction::Regression => "regression",
            KeyAction::Cancel => "cancel",
            KeyAction::Filter => "filter",
            KeyAction::NextMatch => "next-match",
            KeyAction::PrevMatch => "prev-match",
            KeyAction::NextError => "next-error",
            KeyAction::PrevError => "prev-error",
            KeyAction::Follow => "follow",
            KeyAction::Wrap => "wrap",
            KeyAction::Level => "level",
            KeyAction::PageUp => "page-up",
            KeyAction::PageDown => "page-down",
            KeyAction::CancelRun => "cancel-run",
            KeyAction::ReleaseNotes => "release-notes",
            KeyAction::Manifest => "manifest",
            KeyAction::Sync => "sync",
            KeyAction::Source => "source",
            KeyAction::Submit => "submit",
            KeyAction::ClearLine => "clear-line",
            KeyAction::LineStart => "line-start",
            KeyAction::LineEnd => "line-end",
            KeyAction::DeleteBack => "delete-back",
            KeyAction::DeleteForward => "delete-forward",
            KeyAction::CursorLeft => "cursor-left",
            KeyAction::CursorRight => "cursor-right",
            KeyAction::Yes => "yes",
            KeyAction::No => "no",
            KeyAction::EditNotes => "edit-notes",
            KeyAction::DraftNotes => "draft-notes",
            KeyAction::SaveNotes => "save-notes",
            KeyAction::Override => "override",
            KeyAction::Acknowledge => "acknowledge",
            KeyAction::Timeline => "timeline",
            KeyAction::Messages => "messages",
            KeyAction::CycleTheme => "cycle-theme",
        }
    }

    /// What it does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            KeyAction::Help => "show or hide this help",
            KeyAction::Quit => "quit (the session stays open)",
            KeyAction::FocusNext => "focus the next pane",
            KeyAction::FocusPrev => "focus the previous pane",
            KeyAction::Up => "select the previous row",
            KeyAction::Down => "select the next row",
            KeyAction::Top => "select the first row",
            KeyAction::Bottom => "select the last row",
            KeyAction::Act => "act on the selection: start / complete a step, approve",
            KeyAction::Zoom => "zoom the focused pane to the full screen (again: back)",
            KeyAction::SwitchPerson => "hand the keyboard to another person (pairing)",
            KeyAction::Approve => "approve the selected sign-off as its role",
            KeyAction::Reject => "reject the selected sign-off, with a reason",
            KeyAction::Skip => "skip the selected step, with a reason",
            KeyAction::Fail => "mark the selected step (in progress) failed",
            KeyAction::Note => "add a note about the selected step",
            KeyAction::Sessions => "sessions and scenarios: start or resume another",
            KeyAction::SetWeight => "canary pane: set the plan's next weight",
            KeyAction::Rollback => {
                "roll back, asking first: the canary, or the selected command step"
            }
            KeyAction::Regression => "demo: inject or clear a canary regression",
            KeyAction::Cancel => "close an overlay or prompt; leave zoom",
            KeyAction::Filter => "logs: show only lines with a text, or /a regex/",
            KeyAction::NextMatch => "logs: select the next line matching the filter",
            KeyAction::PrevMatch => "logs: select the previous line matching the filter",
            KeyAction::NextError => "logs: jump to the next error",
            KeyAction::PrevError => "logs: jump to the previous error",
            KeyAction::Follow => "logs: follow the newest lines, or pause",
            KeyAction::Wrap => "logs: wrap long lines, or cut them",
            KeyAction::Level => "logs: cycle the level shown (all / warn+ / error+)",
            KeyAction::PageUp => "logs: scroll a page up",
            KeyAction::PageDown => "logs: scroll a page down",
            KeyAction::CancelRun => {
                "cancel a running command: the selected step's, or the canary's (Canary pane)"
            }
            KeyAction::ReleaseNotes => {
                "the session's release notes: read, draft from the commits, edit"
            }
            KeyAction::Manifest => "the manifest of components and their requirements",
            KeyAction::Sync => "sync the audit trail with the remote now",
            KeyAction::Source => "logs: show one source at a time, then all again",
            KeyAction::Submit => "prompts: submit the text",
            KeyAction::ClearLine => "prompts: clear the line",
            KeyAction::LineStart => "prompts: to the start of the line",
            KeyAction::LineEnd => "prompts: to the end of the line",
            KeyAction::DeleteBack => "prompts: delete the character before the cursor",
            KeyAction::DeleteForward => "prompts: delete the character under the cursor",
            KeyAction::CursorLeft => "prompts: cursor one character left",
            KeyAction::CursorRight => "prompts: cursor one character right",
            KeyAction::Yes => "confirmations: yes, go ahead",
            KeyAction::No => "confirmations: no",
            KeyAction::EditNotes => "release notes: edit them",
            KeyAction::DraftNotes => "release notes: draft them from the commits",
            KeyAction::SaveNotes => "notes editor: save the notes into the session",
            KeyAction::Override => {
                "override the rule that refused the last action, with a reason (recorded)"
            }
            KeyAction::Acknowledge => "acknowledge the selected step as a role it asks to",
            KeyAction::Timeline => "the timeline: every event in order, who, when and why",
            KeyAction::Messages => "the last messages of the status line",
            KeyAction::CycleTheme => {
                "the next built-in theme (default, light, high-contrast, colour-blind)"
            }
        }
    }

    fn from_name(name: &str) -> Option<KeyAction> {
        let n = name.trim().replace('_', "-");
        KeyAction::ALL.into_iter().find(|a| a.name() == n)
    }

    /// Why the action must keep a key, for the actions that must (see
    /// the module comment).
    fn essential(self) -> Option<&'static str> {
        match self {
            KeyAction::Quit => Some("it is the only way out of the app"),
            KeyAction::Cancel => {
                Some("it closes overlays and confirmations and leaves zoom without acting")
            }
            _ => None,
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            KeyAction::Help => &["?", "f1"],
            KeyAction::Quit => &["q", "ctrl-c"],
            KeyAction::FocusNext => &["tab"],
            KeyAction::FocusPrev => &["shift-tab"],
            KeyAction::Up => &["k", "up"],
            KeyAction::Down => &["j", "down"],
            KeyAction::Top => &["g", "home"],
            KeyAction::Bottom => &["G", "end"],
            KeyAction::Act => &["enter"],
            KeyAction::Zoom => &["z"],
            KeyAction::SwitchPerson => &["@"],
            KeyAction::Approve => &["a"],
            KeyAction::Reject => &["x"],
            KeyAction::Skip => &["s"],
            KeyAction::Fail => &["f"],
            KeyAction::Note => &["c"],
            KeyAction::Sessions => &["S"],
            KeyAction::SetWeight => &["w"],
            KeyAction::Rollback => &["r"],
            KeyAction::Regression => &["!"],
            KeyAction::Cancel => &["esc"],
            KeyAction::Filter => &["/"],
            KeyAction::NextMatch => &["n"],
            KeyAction::PrevMatch => &["N"],
            KeyAction::NextError => &["e"],
            KeyAction::PrevError => &["E"],
            KeyAction::Follow => &["f", "space"],
            KeyAction::Wrap => &["w"],
            KeyAction::Level => &["l"],
            KeyAction::PageUp => &["pageup", "ctrl-b"],
            KeyAction::PageDown => &["pagedown", "ctrl-f"],
            KeyAction::CancelRun => &["x"],
            KeyAction::ReleaseNotes => &["R"],
            KeyAction::Manifest => &["M"],
            KeyAction::Sync => &["Y"],
            KeyAction::Source => &["v"],
            KeyAction::Submit => &["enter"],
            KeyAction::ClearLine => &["ctrl-u"],
            KeyAction::LineStart => &["home", "ctrl-a"],
            KeyAction::LineEnd => &["end", "ctrl-e"],
            KeyAction::DeleteBack => &["backspace"],
            KeyAction::DeleteForward => &["delete"],
            KeyAction::CursorLeft => &["left"],
            KeyAction::CursorRight => &["right"],
            KeyAction::Yes => &["y", "Y"],
            KeyAction::No => &["n", "N"],
            KeyAction::EditNotes => &["e"],
            KeyAction::DraftNotes => &["d"],
            KeyAction::SaveNotes => &["ctrl-s"],
            KeyAction::Override => &["o"],
            KeyAction::Acknowledge => &["A"],
            KeyAction::Timeline => &["T"],
            KeyAction::Messages => &["L"],
            KeyAction::CycleTheme => &["t"],
        }
    }

    /// The places an action belongs to; none for actions that work
    /// anywhere (and yield, where a place has its own meaning for their
    /// key).
    pub fn places(self) -> &'static [Place] {
        const LOGS: &[Place] = &[Place::Pane(Pane::Logs)];
        match self {
            KeyAction::Filter
            | KeyAction::NextMatch
            | KeyAction::PrevMatch
            | KeyAction::NextError
            | KeyAction::PrevError
            | KeyAction::Follow
            | KeyAction::Wrap
            | KeyAction::Level
            | KeyAction::Source => LOGS,
            // A page at a time wherever there are pages.
            KeyAction::PageUp | KeyAction::PageDown => &[
                Place::Pane(Pane::Logs),
                Place::Help,
                Place::Notes,
                Place::Manifest,
            ],
            // `r` (rollback) works in the Checklist (the selected command
            // step) and in the Canary pane (the canary): unscoped, each
            // pane decides. `x` cancels the selected step's command, or
            // the canary's.
            KeyAction::CancelRun => &[Place::Pane(Pane::Checklist), Place::Pane(Pane::Canary)],
            KeyAction::Submit
            | KeyAction::ClearLine
            | KeyAction::LineStart
            | KeyAction::LineEnd
            | KeyAction::DeleteBack
            | KeyAction::DeleteForward
            | KeyAction::CursorLeft
            | KeyAction::CursorRight => &[Place::Prompt],
            KeyAction::Yes | KeyAction::No => &[Place::Confirm],
            KeyAction::EditNotes | KeyAction::DraftNotes => &[Place::Notes],
            KeyAction::SaveNotes => &[Place::Editor],
            _ => &[],
        }
    }
}

/// Where `a` and `b` both work, if the place cannot tell them apart
/// ("everywhere", "in the Logs pane"); `None` when one belongs to some
/// places and the other works everywhere else (the place's wins there),
/// or their places differ. The keymap refuses a key for two actions that
/// share a place.
pub fn shared_place(a: KeyAction, b: KeyAction) -> Option<String> {
    match (a.places(), b.places()) {
        ([], []) => Some("everywhere".into()),
        ([], _) | (_, []) => None,
        (pa, pb) => pa.iter().find(|p| pb.contains(p)).map(|p| p.describe()),
    }
}

/// What `key` does in `place`: the action of that place, else the first
/// that works everywhere. In places that take text the caller reads
/// printable characters as text first.
pub fn resolve(keymap: &Keymap, key: Key, place: Place) -> Option<KeyAction> {
    let all = keymap.lookup_all(key);
    all.iter()
        .copied()
        .find(|a| a.places().contains(&place))
        .or_else(|| all.iter().copied().find(|a| a.places().is_empty()))
}

/// One hint of the footer (or of an overlay's frame): the keys of an
/// action as the keymap binds them, and what they do there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub label: &'static str,
}

impl Hint {
    /// The first key of `a`.
    pub fn of(k: &Keymap, a: KeyAction, label: &'static str) -> Hint {
        Hint {
            keys: k.label(a),
            label,
        }
    }

    /// `j/k`: the first keys of two actions.
    pub fn pair(k: &Keymap, a: KeyAction, b: KeyAction, label: &'static str) -> Hint {
        Hint {
            keys: format!("{}/{}", k.label(a), k.label(b)),
            label,
        }
    }
}

/// One key with its modifiers. Characters carry no SHIFT (`G` is `G`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn char(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        }
    }

    /// A key as the terminal reported it, normalised for lookup.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                return Key {
                    code: KeyCode::BackTab,
                    mods,
                };
            }
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                // ctrl-C arrives as 'c' with CONTROL on most terminals.
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            other => other,
        };
        Key { code, mods }
    }

    /// Read a key such as `q`, `G`, `?`, `enter`, `shift-tab`, `ctrl-c`, `f5`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("an empty key".into());
        }
        if t == " " {
            return Ok(Key::char(' '));
        }
        if t.chars().count() == 1 {
            return t
                .chars()
                .next()
                .map(Key::char)
                .ok_or_else(|| "an empty key".into());
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = t;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let base = if rest.chars().count() == 1 {
            let c = rest.chars().next().unwrap_or(' ');
            if mods.contains(KeyModifiers::SHIFT) {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_ascii_uppercase())
            } else if mods.contains(KeyModifiers::CONTROL) {
                KeyCode::Char(c.to_ascii_lowercase())
            } else {
                KeyCode::Char(c)
            }
        } else {
            let lower = rest.to_ascii_lowercase();
            let code = match lower.as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => {
                    return Err(format!(
                        "`{text}` is not a key; write one character (q, G, ?), a name (enter, esc, tab, space, up, down, left, right, home, end, pageup, pagedown, backspace, delete, f1..f24), optionally after ctrl-, alt- or shift-"
                    ));
                }
            };
            if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            } else {
                code
            }
        };
        Ok(Key { code: base, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Keys to actions. Lookup is a short linear scan: a few dozen bindings.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: Vec<(Key, KeyAction)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = Vec::new();
        for a in KeyAction::ALL {
            bindings.extend(default_keys(a).map(|key| (key, a)));
        }
        Keymap { bindings }
    }
}

/// An action's default keys (all parse: a test says so).
fn default_keys(a: KeyAction) -> impl Iterator<Item = Key> {
    a.defaults().iter().filter_map(|k| Key::parse(k).ok())
}

/// A binding while the user's table is read: where it was given (the
/// byte offset of its value), or `None` for a default.
type Placed = (Key, KeyAction, Option<usize>);

/// Why `a` and `b` cannot share a key, if they cannot: as the end of a
/// sentence saying the key is also the other's.
fn clash(a: KeyAction, b: KeyAction) -> Option<String> {
    if let Some(e) = [a, b].into_iter().find(|x| x.essential().is_some()) {
        return Some(format!(
            ", but {0}'s keys must mean {0} in every pane",
            e.name()
        ));
    }
    shared_place(a, b).map(|place| format!(", and both work {place}"))
}

/// The first binding (in the file) the app could not obey, as the
/// offset to report and the message. Two defaults never clash (a test
/// says so), so one of each pair is the user's.
fn first_clash(bindings: &[Placed], text: &str) -> Option<(usize, String)> {
    let mut first: Option<(usize, String)> = None;
    for (i, &(key, a, at_a)) in bindings.iter().enumerate() {
        for &(other_key, b, at_b) in &bindings[i + 1..] {
            if key != other_key || a == b {
                continue;
            }
            // Reported at the binding given last; `theirs` is the other
            // one's place in the file, if the user gave it.
            let (mine, at, other, theirs) = match (at_a, at_b) {
                (None, None) => continue,
                (Some(p), None) => (a, p, b, None),
                (None, Some(q)) => (b, q, a, None),
                (Some(p), Some(q)) if p >= q => (a, p, b, Some(q)),
                (Some(p), Some(q)) => (b, q, a, Some(p)),
            };
            if first.as_ref().is_some_and(|(f, _)| *f <= at) {
                continue;
            }
            let Some(why) = clash(mine, other) else {
                continue;
            };
            let (whose, fix) = match theirs {
                Some(q) => (
                    format!("{}'s key (line {})", other.name(), line_col(text, q).0),
                    "give one of them another key".to_string(),
                ),
                None => (
                    format!("{}'s key by default", other.name()),
                    format!(
                        "give {} another key, or set {}'s keys too{}",
                        mine.name(),
                        other.name(),
                        if other.essential().is_some() {
                            String::new()
                        } else {
                            format!(" (`{} = []` leaves it none)", other.name())
                        }
                    ),
                ),
            };
            first = Some((
                at,
                format!(
                    "[keys] {}: `{key}` is also {whose}{why}; {fix}",
                    mine.name()
                ),
            ));
        }
    }
    first
}

/// Only the `[keys]` table of the user config, with positions. A value is
/// one key or an array of keys.
#[derive(Deserialize)]
struct KeysOnly {
    #[serde(default)]
    keys: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>,
}

impl Keymap {
    pub fn lookup(&self, key: Key) -> Option<KeyAction> {
        self.bindings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a)
    }

    /// Every action bound to a key, in binding order (a key may serve
    /// different actions in different panes).
    pub fn lookup_all(&self, key: Key) -> Vec<KeyAction> {
        self.bindings
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, a)| *a)
            .collect()
    }

    /// The keys bound to an action, in order.
    pub fn keys_for(&self, action: KeyAction) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// A short label of an action's keys for hints: `j/k`-style, the first
    /// key (or `none` when unbound).
    pub fn label(&self, action: KeyAction) -> String {
        self.keys_for(action)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "unbound".into())
    }

    /// Every key of an action, joined with ` / `.
    pub fn all_labels(&self, action: KeyAction) -> String {
        let keys = self.keys_for(action);
        if keys.is_empty() {
            return "(unbound)".into();
        }
        keys.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// The defaults overlaid by the `[keys]` table of a user config file's
    /// text. Each action named there gets exactly the keys given; the
    /// others keep their defaults. A table the app could not obey (see the
    /// module comment) is an error at the binding's line and column.
    pub fn from_config_text(text: &str, file: &Path) -> Result<Keymap, ConfigError> {
        let parsed: KeysOnly = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError {
                file: file.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ConfigError {
                file: file.to_path_buf(),
                line,
                column,
                message,
            }
        };
        // The user's keys per action, and where they were given.
        let mut set: BTreeMap<KeyAction, (usize, Vec<Key>)> = BTreeMap::new();
        for (name, value) in parsed.keys {
            let action = KeyAction::from_name(name.get_ref()).ok_or_else(|| {
                at(
                    name.span().start,
                    format!(
                        "unknown action `{}` in [keys]; actions: {}",
                        name.get_ref(),
                        KeyAction::ALL.map(|a| a.name()).join(", ")
                    ),
                )
            })?;
            let where_ = value.span().start;
            if let Some((first, _)) = set.get(&action) {
                return Err(at(
                    name.span().start,
                    format!(
                        "[keys] {} is set twice (also on line {}); keep one",
                        action.name(),
                        line_col(text, *first).0
                    ),
                ));
            }
            let not_keys = || {
                at(
                    where_,
                    format!(
                        "[keys] {}: expected a key such as \"q\" or a list such as [\"j\", \"down\"]",
                        action.name()
                    ),
                )
            };
            let texts: Vec<&str> = match value.get_ref() {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().ok_or_else(not_keys))
                    .collect::<Result<_, _>>()?,
                _ => return Err(not_keys()),
            };
            let mut keys = Vec::new();
            for t in texts {
                let key = Key::parse(t)
                    .map_err(|why| at(where_, format!("[keys] {}: {why}", action.name())))?;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            if let (true, Some(why)) = (keys.is_empty(), action.essential()) {
                return Err(at(
                    where_,
                    format!(
                        "[keys] {0} needs at least one key: {why}; give it one, e.g. {0} = \"{1}\"",
                        action.name(),
                        action.defaults().first().copied().unwrap_or("q")
                    ),
                ));
            }
            set.insert(action, (where_, keys));
        }
        // In the defaults' order, so a key shared by design resolves as
        // it does by default.
        let mut bindings: Vec<Placed> = Vec::new();
        for a in KeyAction::ALL {
            match set.get(&a) {
                Some((where_, keys)) => {
                    bindings.extend(keys.iter().map(|k| (*k, a, Some(*where_))))
                }
                None => bindings.extend(default_keys(a).map(|k| (k, a, None))),
            }
        }
        if let Some((offset, message)) = first_clash(&bindings, text) {
            return Err(at(offset, message));
        }
        Ok(Keymap {
            bindings: bindings.into_iter().map(|(k, a, _)| (k, a)).collect(),
        })
    }

    /// Read the user's keymap from their config file; defaults when the
    /// file does not exist.
    pub fn load_user() -> Result<Keymap, ConfigError> {
        let Some(file) = crate::config::UserConfig::path() else {
            return Ok(Keymap::default());
        };
        match crate::config::read_optional(&file)? {
            Some(text) => Keymap::from_config_text(&text, &file),
            None => Ok(Keymap::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_display() {
        for (text, shown) in [
            ("q", "q"),
            ("G", "G"),
            ("?", "?"),
            ("shift-g", "G"),
            ("ctrl-C", "ctrl-c"),
            ("shift-tab", "shift-tab"),
            ("backtab", "shift-tab"),
            ("Enter", "enter"),
            ("space", "space"),
            ("f5", "f5"),
            ("alt-x", "alt-x"),
            ("up", "↑"),
        ] {
            assert_eq!(Key::parse(text).unwrap().to_string(), shown, "{text}");
        }
        assert!(Key::parse("hyper-q").is_err());
        assert!(Key::parse("f99").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn terminal_events_match_bindings() {
        let m = Keymap::default();
        let ev = |code, mods| Key::from_event(&KeyEvent::new(code, mods));
        assert_eq!(
            m.lookup(ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(KeyAction::Bottom)
        );
        assert_eq!(
            m.lookup(ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(KeyAction::FocusPrev)
        );
        assert_eq!(
            m.lookup(ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(KeyAction::Quit)
        );
        assert_eq!(
            m.lookup(ev(KeyCode::Char('c'), KeyModifiers::NONE)),
            Some(KeyAction::Note)
        );
        assert_eq!(
            m.lookup(ev(KeyCode::Char('@'), KeyModifiers::SHIFT)),
            Some(KeyAction::SwitchPerson)
        );
    }

    #[test]
    fn user_keys_replace_defaults() {
        let text = "theme = \"light\"\n[keys]\nquit = \"Q\"\ndown = [\"j\", \"ctrl-n\", \"j\"]\n";
        let m = Keymap::from_config_text(text, Path::new("c.toml")).unwrap();
        assert_eq!(m.lookup(Key::char('Q')), Some(KeyAction::Quit));
        assert_eq!(m.lookup(Key::char('q')), None);
        assert_eq!(m.all_labels(KeyAction::Down), "j / ctrl-n");
        assert_eq!(m.all_labels(KeyAction::Reject), "x");
    }

    fn refused(text: &str) -> ConfigError {
        Keymap::from_config_text(text, Path::new("/u/config.toml")).unwrap_err()
    }

    #[test]
    fn the_defaults_share_keys_only_where_a_pane_tells_them_apart() {
        let placed: Vec<Placed> = Keymap::default()
            .bindings
            .iter()
            .map(|&(k, a)| (k, a, Some(0)))
            .collect();
        assert_eq!(first_clash(&placed, ""), None);
        for a in KeyAction::ALL {
            assert_eq!(default_keys(a).count(), a.defaults().len(), "{}", a.name());
        }
    }

    #[test]
    fn quit_and_cancel_keep_a_key() {
        let e = refused("[keys]\nhelp = []\nquit = []\n");
        assert_eq!(
            e.to_string(),
            "/u/config.toml:3:8: [keys] quit needs at least one key: it is the only way out of the app; give it one, e.g. quit = \"q\""
        );
        let e = refused("[keys]\ncancel = []\n");
        assert_eq!((e.line, e.column), (2, 10), "{e}");
        assert!(e.message.contains("cancel needs at least one key"), "{e}");
        // Another action may be left without a key.
        let m = Keymap::from_config_text("[keys]\nregression = []\n", Path::new("c")).unwrap();
        assert!(m.keys_for(KeyAction::Regression).is_empty());
        let e = refused("[keys]\nfocus_next = \"tab\"\nfocus-next = \"n\"\n");
        assert!(e.message.contains("focus-next is set twice"), "{e}");
    }

    #[test]
    fn a_key_for_two_actions_in_one_place_is_refused_naming_both() {
        let e = refused("[keys]\nquit = \"q\"\nskip = \"q\"\n");
        assert_eq!(
            e.to_string(),
            "/u/config.toml:3:8: [keys] skip: `q` is also quit's key (line 2), but quit's keys must mean quit in every pane; give one of them another key"
        );
        let e = refused("[keys]\nhelp = \"s\"\nskip = [\"s\"]\n");
        assert_eq!(
            e.to_string(),
            "/u/config.toml:3:8: [keys] skip: `s` is also help's key (line 2), and both work everywhere; give one of them another key"
        );
        // A default of another action, not rebound.
        let e = refused("[keys]\nskip = \"x\"\n");
        assert_eq!(
            e.to_string(),
            "/u/config.toml:2:8: [keys] skip: `x` is also reject's key by default, and both work everywhere; give skip another key, or set reject's keys too (`reject = []` leaves it none)"
        );
        let e = refused("[keys]\nwrap = \"n\"\n");
        assert!(
            e.message.contains(
                "`n` is also next-match's key by default, and both work in the Logs pane"
            ),
            "{e}"
        );
        // quit's keys are its own, even where a pane has its own keys.
        let e = refused("[keys]\nfollow = [\"f\", \"q\"]\n");
        assert!(
            e.message.contains(
                "[keys] follow: `q` is also quit's key by default, but quit's keys must mean quit in every pane; give follow another key, or set quit's keys too"
            ),
            "{e}"
        );
        let e = refused("[keys]\nquit = \"x\"\nreject = \"X\"\n");
        assert!(
            e.message
                .contains("`x` is also cancel-run's key by default"),
            "{e}"
        );
    }

    #[test]
    fn a_pane_key_over_a_global_one_is_allowed_and_resolved_by_pane() {
        // Setting both sides of a shared key is fine too.
        let text = "[keys]\nfollow = [\"f\", \"space\", \"x\"]\nreject = []\nskip = \"x\"\n";
        let m = Keymap::from_config_text(text, Path::new("c.toml")).unwrap();
        let x = Key::char('x');
        let pane = |p| Place::Pane(p);
        assert_eq!(resolve(&m, x, pane(Pane::Logs)), Some(KeyAction::Follow));
        assert_eq!(
            resolve(&m, x, pane(Pane::Checklist)),
            Some(KeyAction::CancelRun)
        );
        assert_eq!(resolve(&m, x, pane(Pane::Signoff)), Some(KeyAction::Skip));
    }

    #[test]
    fn a_key_means_what_the_place_says() {
        let m = Keymap::default();
        let f = Key::char('f');
        let x = Key::char('x');
        let pane = |p| Place::Pane(p);
        assert_eq!(resolve(&m, f, pane(Pane::Logs)), Some(KeyAction::Follow));
        assert_eq!(resolve(&m, f, pane(Pane::Checklist)), Some(KeyAction::Fail));
        assert_eq!(resolve(&m, f, Place::Start), Some(KeyAction::Fail));
        assert_eq!(
            resolve(&m, x, pane(Pane::Checklist)),
            Some(KeyAction::CancelRun)
        );
        assert_eq!(resolve(&m, x, pane(Pane::Signoff)), Some(KeyAction::Reject));
        assert_eq!(resolve(&m, Key::char('e'), pane(Pane::Signoff)), None);
        assert_eq!(
            resolve(&m, Key::char('e'), pane(Pane::Logs)),
            Some(KeyAction::NextError)
        );
        assert_eq!(
            resolve(&m, Key::char('e'), Place::Notes),
            Some(KeyAction::EditNotes)
        );
        // A confirmation's own keys win over the global ones.
        assert_eq!(
            resolve(&m, Key::char('Y'), Place::Confirm),
            Some(KeyAction::Yes)
        );
        assert_eq!(
            resolve(&m, Key::char('Y'), Place::Start),
            Some(KeyAction::Sync)
        );
        let home = Key::parse("home").unwrap();
        assert_eq!(resolve(&m, home, Place::Prompt), Some(KeyAction::LineStart));
        assert_eq!(
            resolve(&m, home, pane(Pane::Checklist)),
            Some(KeyAction::Top)
        );
    }

    #[test]
    fn bad_keys_name_the_file_and_line() {
        let text = "[keys]\nquit = \"q\"\nlaunch = \"l\"\n";
        let e = Keymap::from_config_text(text, Path::new("/u/config.toml")).unwrap_err();
        assert_eq!((e.line, e.column), (3, 1), "{e}");
        assert!(e.to_string().contains("unknown action `launch`"), "{e}");
        let text = "[keys]\nquit = [\"q\", \"hyper-q\"]\n";
        let e = Keymap::from_config_text(text, Path::new("/u/config.toml")).unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(e.to_string().contains("`hyper-q` is not a key"), "{e}");
        let text = "[keys]\nquit = 3\n";
        let e = Keymap::from_config_text(text, Path::new("/u/config.toml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/u/config.toml:2:8: [keys] quit: expected a key"),
            "{e}"
        );
    }
}
