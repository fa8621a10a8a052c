//! The start screen: open sessions to resume, scenarios to start (the
//! version proposed from the commits), past sessions to read. Its list
//! is read off the UI thread (playbooks, every session's journal, git
//! history) and arrives as `Action::StartLoaded`.

mod draw;

use crate::session::SessionStatus;
use crate::tui::action::{Effect, StartData};
use crate::tui::ctx::{Ctx, move_selection};
use crate::tui::keymap::Hint;
use crate::tui::keymap::{KeyAction, Keymap};
use crate::tui::out::Out;
use crate::tui::overlay::{HelpEntry, Prompt, Purpose};

/// One line of the start screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartItem {
    /// An index into `StartData::sessions`.
    Session(usize),
    /// An index into `StartData::scenarios`.
    Scenario(usize),
}

#[derive(Debug, Clone, Default)]
pub struct StartScreen {
    pub data: StartData,
    pub selected: usize,
    /// The list is being read.
    pub loading: bool,
}

impl StartScreen {
    /// The screen's lines: open sessions, scenarios, past sessions.
    pub fn items(&self) -> Vec<StartItem> {
        let open = |i: &usize| self.data.sessions[*i].status == SessionStatus::Open;
        let idx: Vec<usize> = (0..self.data.sessions.len()).collect();
        let mut items: Vec<StartItem> = idx
            .iter()
            .filter(|i| open(i))
            .map(|i| StartItem::Session(*i))
            .collect();
        items.extend((0..self.data.scenarios.len()).map(StartItem::Scenario));
        items.extend(
            idx.iter()
                .filter(|i| !open(i))
                .take(10)
                .map(|i| StartItem::Session(*i)),
        );
        items
    }

    /// The list arrived. The selection starts on the session open in the
    /// app (`S` then `enter` goes back to it, never starts another
    /// release), else on the scenario the history proposes (the hotfix
    /// when every change since the last release is a fix), else the first
    /// line.
    pub fn loaded(&mut self, data: StartData, current: Option<&str>) {
        self.data = data;
        self.loading = false;
        let items = self.items();
        let proposed = self.proposed_scenario();
        let at = items.iter().position(|it| match it {
            StartItem::Session(i) => current.is_some_and(|c| self.data.sessions[*i].id == c),
            StartItem::Scenario(_) => false,
        });
        let at = at.or_else(|| {
            items.iter().position(|it| match it {
                StartItem::Scenario(i) => proposed.is_some_and(|p| p == *i),
                StartItem::Session(_) => false,
            })
        });
        self.selected = at.unwrap_or(0).min(items.len().saturating_sub(1));
    }

    /// The index of the scenario the history proposes, if one is listed.
    pub fn proposed_scenario(&self) -> Option<usize> {
        let id = self
            .data
            .proposal
            .as_ref()?
            .as_ref()
            .ok()?
            .scenario
            .as_deref()?;
        self.data.scenarios.iter().position(|s| s.id == id)
    }

    /// A key on the start screen; false leaves it to the app.
    pub fn key(&mut self, k: KeyAction, keymap: &Keymap, out: &mut Out) -> bool {
        let items = self.items();
        if move_selection(&mut self.selected, items.len(), k) {
            return true;
        }
        if k != KeyAction::Act {
            return false;
        }
        match items.get(self.selected) {
            Some(StartItem::Session(i)) => {
                if let Some(s) = self.data.sessions.get(*i) {
                    out.effect(Effect::OpenSession(s.id.clone()));
                }
            }
            Some(StartItem::Scenario(i)) => {
                if let Some(sc) = self.data.scenarios.get(*i) {
                    out.open(self.version_prompt(sc.id.clone(), &sc.title, keymap));
                }
            }
            None => {}
        }
        true
    }

    /// Starting `scenario`: its version, proposed from the commits.
    fn version_prompt(&self, scenario: String, title: &str, k: &Keymap) -> Prompt {
        let mut hint = vec![title.to_string()];
        let mut prefill = None;
        match &self.data.proposal {
            Some(Ok(p)) => {
                hint.push(format!("From the commits: {}", p.headline));
                hint.push(p.reason.clone());
                prefill = p.version.clone();
            }
            Some(Err(why)) => hint.push(format!("No version proposed: {why}")),
            None => {}
        }
        hint.push(match prefill {
            Some(_) => format!(
                "Version being released (edit it; {} clears it for none):",
                k.label(KeyAction::ClearLine)
            ),
            None => "Version being released (e.g. 1.4.0), or empty for none:".into(),
        });
        let p = Prompt::new(
            format!("Start {scenario}"),
            hint,
            false,
            Purpose::Version { scenario },
        );
        match prefill {
            Some(v) => p.with_text(&v),
            None => p,
        }
    }

    pub fn hints(&self, ctx: &Ctx, has_session: bool) -> Vec<Hint> {
        let k = ctx.keymap;
        let mut v = vec![
            Hint::of(k, KeyAction::Help, "help"),
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "move"),
            Hint::of(k, KeyAction::Act, "open / start"),
            Hint::of(k, KeyAction::SwitchPerson, "person"),
        ];
        if has_session {
            v.push(Hint::of(k, KeyAction::Cancel, "back"));
        }
        v.push(Hint::of(k, KeyAction::Quit, "quit"));
        v
    }

    pub fn help() -> Vec<HelpEntry> {
        use KeyAction as K;
        vec![
            HelpEntry::keys(&[K::Down, K::Up], "select a line"),
            HelpEntry::keys(&[K::Act], "open a session, start a scenario"),
            HelpEntry::keys(&[K::Cancel, K::Sessions], "back to the open session"),
        ]
    }
}
