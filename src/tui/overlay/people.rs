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

    /// The roster: name, email and roles in columns as wide as their
    /// longest entry; on a screen too narrow for all three the emails go
    /// (the roles say who may sign what), and the intro wraps.
    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let room = usize::from(area.width.saturating_sub(4));
        let col = |f: fn(&Member) -> usize| self.people.iter().map(f).max().unwrap_or(0);
        let name_w = col(|m| m.name.chars().count());
        let email_w = col(|m| m.email.chars().count());
        let roles_w = col(|m| m.roles.join(", ").chars().count());
        let with_email = 2 + name_w + 1 + email_w + 1 + roles_w <= room;
        let rows: Vec<String> = self
            .people
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mark = if i == self.at { "⌨ " } else { "  " };
                let roles = m.roles.join(", ");
                if with_email {
                    format!("{mark}{:<name_w$} {:<email_w$} {roles}", m.name, m.email)
                } else {
                    format!("{mark}{:<name_w$} {roles}", m.name)
                }
            })
            .collect();
        let intro = "Who is at the keyboard? Actions are recorded as this person.";
        let widest = rows
            .iter()
            .map(|r| r.chars().count())
            .max()
            .unwrap_or(0)
            .max(intro.chars().count().min(room));
        let inner_w = widest.min(room).max(1);
        let mut lines: Vec<Line> = ui::wrap(intro, inner_w)
            .into_iter()
            .map(|l| Line::styled(l, theme.dim))
            .collect();
        for (i, text) in rows.into_iter().enumerate() {
            let style = if i == self.selected {
                theme.selected
            } else {
                theme.base
            };
            lines.push(Line::styled(text, style));
        }
        let width = u16::try_from(inner_w + 2).unwrap_or(u16::MAX);
        let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        let r = ui::centered(area, width, height);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(lines).block(ui::frame_block("At the keyboard".into(), theme)),
            r,
        );
        Drawn::default()
    }
}
