//! Terminal events to actions. While a prompt is open keys are text; while
//! a confirmation is open `y`/`n` answer it; otherwise keys go through the
//! keymap. Pure: the same event and state always give the same action.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

use super::action::{Action, Edit};
use super::app::{App, Overlay};
use super::keymap::{Key, KeyAction};
use super::release::NotesKey;

pub fn translate(app: &App, ev: &Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(app, k),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                column: m.column,
                row: m.row,
            }),
            MouseEventKind::ScrollUp => Some(Action::Key(KeyAction::Up)),
            MouseEventKind::ScrollDown => Some(Action::Key(KeyAction::Down)),
            _ => None,
        },
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

fn key(app: &App, k: &KeyEvent) -> Option<Action> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match &app.overlay {
        Some(Overlay::Prompt(_)) => {
            let e = match k.code {
                KeyCode::Enter => Edit::Submit,
                KeyCode::Esc => Edit::Cancel,
                KeyCode::Char('c') if ctrl => Edit::Cancel,
                KeyCode::Char('u') if ctrl => Edit::Clear,
                KeyCode::Char('a') if ctrl => Edit::Home,
                KeyCode::Char('e') if ctrl => Edit::End,
                KeyCode::Backspace => Edit::Backspace,
                KeyCode::Delete => Edit::Delete,
                KeyCode::Left => Edit::Left,
                KeyCode::Right => Edit::Right,
                KeyCode::Home => Edit::Home,
                KeyCode::End => Edit::End,
                KeyCode::Char(c) if !ctrl && !k.modifiers.contains(KeyModifiers::ALT) => {
                    Edit::Insert(c)
                }
                _ => return None,
            };
            Some(Action::Edit(e))
        }
        // The notes editor takes every key but its own two: ctrl-s saves,
        // esc (or ctrl-c, which must not quit with unsaved text) leaves.
        Some(Overlay::Notes(n)) if n.editor.is_some() => Some(Action::Notes(match k.code {
            KeyCode::Char('s') if ctrl => NotesKey::Save,
            KeyCode::Esc => NotesKey::Discard,
            KeyCode::Char('c') if ctrl => NotesKey::Discard,
            _ => NotesKey::Input((*k).into()),
        })),
        Some(Overlay::Notes(_)) => match k.code {
            KeyCode::Char('e') if !ctrl => Some(Action::Notes(NotesKey::Edit)),
            KeyCode::Char('d') if !ctrl => Some(Action::Notes(NotesKey::Draft)),
            _ => app.keymap.lookup(Key::from_event(k)).map(Action::Key),
        },
        Some(Overlay::Confirm(_)) => match k.code {
            KeyCode::Char('y' | 'Y') if !ctrl => Some(Action::Answer(true)),
            KeyCode::Char('n' | 'N') if !ctrl => Some(Action::Answer(false)),
            _ => app.keymap.lookup(Key::from_event(k)).map(Action::Key),
        },
        _ => super::scope::lookup(app, Key::from_event(k)).map(Action::Key),
    }
}
