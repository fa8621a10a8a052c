//! Who is at the keyboard: the roster, the person acting marked; enter
//! hands the keyboard over (actions are recorded as that person, in this
//! process's actor file).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::{Drawn, Fate};
use crate::tui::ctx::{Ctx, Member, move_selection};
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::{Ask, Out};
use crate::tui::ui;

#[derive(Debug, Clone, PartialEq)]
pub struct People {
    pub selected: usize,
    /// The roster as it was when the picker opened.
    pub people: Vec<Member>,
    /// Who was at the keyboard then.
    pub at: usize,
}

impl People {
    pub fn new(people: &[Member], at: usize) -> People {
        People {
            selected: at,
            people: people.to_vec(),
            at,
        }
    }

    pub(super) fn key(&mut self, k: KeyAction, out: &mut Out) -> Fate {
        match k {
            KeyAction::Act => {
                if self.selected < self.people.len() {
                    out.ask(Ask::HandOver(self.selected));
                }
                Fate::Close
            }
            KeyAction::Cancel | KeyAction::SwitchPerson | KeyAction::Quit => Fate::Close,
            k => {
                move_selection(&mut self.selected, self.people.len(), k);
                Fate::Stay
            }
        }
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        vec![
            Hint::pair(ctx.keymap, KeyAction::Down, KeyAction::Up, "move"),
            Hint::of(ctx.keymap, KeyAction::Act, "hand over"),
            Hint::of(ctx.keymap, KeyAction::Cancel, "cancel"),
        ]
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let mut lines: Vec<Line> = vec![Line::styled(
            "Who is at the keyboard? Actions are recorded as this person.",
            theme.dim,
        )];
        for (i, m) in self.people.iter().enumerate() {
            let mark = if i == self.at { "⌨ " } else { "  " };
            let text = format!(
                "{mark}{:<22} {:<26} {}",
                m.name,
                m.email,
                m.roles.join(", ")
            );
            let style = if i == self.selected {
                theme.selected
            } else {
                theme.base
            };
            lines.push(Line::styled(text, style));
        }
        let width = lines
            .iter()
            .map(|l| l.width() as u16)
            .max()
            .unwrap_or(40)
            .saturating_add(4)
            .min(area.width.saturating_sub(2));
        let height = lines.len() as u16 + 2;
        let r = ui::centered(area, width, height);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(lines).block(ui::frame_block("At the keyboard".into(), theme)),
            r,
        );
        Drawn::default()
    }
}
