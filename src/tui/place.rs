//! Where keys are read: a pane of the main screen, or an overlay that
//! reads keys of its own. The keymap resolves a key by place (a key may
//! mean one thing in the Logs pane and another elsewhere), the help lists
//! bindings by place, and the app routes a key to whatever has the place.

/// The panes of the main screen, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pane {
    Checklist,
    Signoff,
    Canary,
    Logs,
    /// A release train's components (release-train sessions only).
    Train,
}

impl Pane {
    pub const ORDER: [Pane; 5] = [
        Pane::Checklist,
        Pane::Signoff,
        Pane::Train,
        Pane::Canary,
        Pane::Logs,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Checklist => "Checklist",
            Pane::Signoff => "Sign-off",
            Pane::Canary => "Canary",
            Pane::Logs => "Logs",
            Pane::Train => "Train",
        }
    }

    /// The panes shown: the Train pane only in a release train's session.
    pub fn shown(train: bool) -> Vec<Pane> {
        Pane::ORDER
            .into_iter()
            .filter(|p| train || *p != Pane::Train)
            .collect()
    }

    /// The pane `by` steps along the focus order (wrapping), among the
    /// panes shown.
    pub fn step(self, by: isize, train: bool) -> Pane {
        let order = Pane::shown(train);
        let i = order.iter().position(|p| *p == self).unwrap_or(0) as isize;
        let n = order.len() as isize;
        order[((i + by).rem_euclid(n)) as usize]
    }
}

/// Where a key press lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// A pane of the main screen, focused.
    Pane(Pane),
    /// The start screen (sessions and scenarios).
    Start,
    /// A one-line prompt: characters are text.
    Prompt,
    /// A yes/no confirmation.
    Confirm,
    /// The release notes, read.
    Notes,
    /// The release notes' editor: characters are text.
    Editor,
    /// The manifest of components.
    Manifest,
    /// The picker of who is at the keyboard.
    People,
    /// The help.
    Help,
    /// The session's timeline.
    Timeline,
    /// The status line's last messages.
    Messages,
}

impl Place {
    /// "in the Logs pane", "in prompts": the end of a sentence.
    pub fn describe(self) -> String {
        match self {
            Place::Pane(p) => format!("in the {} pane", p.title()),
            Place::Start => "on the start screen".into(),
            Place::Prompt => "in prompts".into(),
            Place::Confirm => "in confirmations".into(),
            Place::Notes => "in the release notes".into(),
            Place::Editor => "in the notes editor".into(),
            Place::Manifest => "in the manifest".into(),
            Place::People => "in the people picker".into(),
            Place::Help => "in the help".into(),
            Place::Timeline => "in the timeline".into(),
            Place::Messages => "in the messages".into(),
        }
    }

    /// Does typing there enter text (printable characters are text, not
    /// keys)?
    pub fn takes_text(self) -> bool {
        matches!(self, Place::Prompt | Place::Editor)
    }
}
