//! Terminal events to actions. Every key goes through the keymap, read in
//! the place that has the keys (the focused pane, the start screen, or the
//! top overlay): in prompts and the notes editor printable characters are
//! text, their editing keys are the keymap's, and cancel's and quit's
//! keys leave them. Pure: the same event in the same place always gives
//! the same action.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

use super::action::Action;
use super::keymap::{Key, KeyAction, Keymap, resolve};
use super::place::Place;

pub fn translate(place: Place, keymap: &Keymap, ev: &Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(place, keymap, k),
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

/// A printable character typed without ctrl or alt.
fn printable(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn key(place: Place, keymap: &Keymap, k: &KeyEvent) -> Option<Action> {
    let action = resolve(keymap, Key::from_event(k), place);
    match place {
        Place::Prompt => {
            if let Some(c) = printable(k) {
                return Some(Action::Type(c));
            }
            match action {
                Some(a) if a.places().contains(&Place::Prompt) => Some(Action::Key(a)),
                Some(KeyAction::Cancel | KeyAction::Quit) => Some(Action::Key(KeyAction::Cancel)),
                _ => None,
            }
        }
        Place::Editor => match action {
            Some(KeyAction::SaveNotes) => Some(Action::Key(KeyAction::SaveNotes)),
            // Not a character: ctrl-c must not quit with unsaved text.
            Some(KeyAction::Cancel | KeyAction::Quit) if printable(k).is_none() => {
                Some(Action::Key(KeyAction::Cancel))
            }
            _ => Some(Action::EditorInput((*k).into())),
        },
        _ => action.map(Action::Key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(place: Place, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        translate(
            place,
            &Keymap::default(),
            &Event::Key(KeyEvent::new(code, mods)),
        )
    }

    #[test]
    fn prompts_take_characters_as_text_and_their_keys_from_the_keymap() {
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        assert!(matches!(
            press(Place::Prompt, KeyCode::Char('q'), none),
            Some(Action::Type('q'))
        ));
        assert!(matches!(
            press(Place::Prompt, KeyCode::Enter, none),
            Some(Action::Key(KeyAction::Submit))
        ));
        assert!(matches!(
            press(Place::Prompt, KeyCode::Char('c'), ctrl),
            Some(Action::Key(KeyAction::Cancel))
        ));
        assert!(matches!(
            press(Place::Prompt, KeyCode::Char('u'), ctrl),
            Some(Action::Key(KeyAction::ClearLine))
        ));
        assert!(press(Place::Prompt, KeyCode::Tab, none).is_none());
        // The editor: save and leave are the keymap's, the rest is text.
        assert!(matches!(
            press(Place::Editor, KeyCode::Char('s'), ctrl),
            Some(Action::Key(KeyAction::SaveNotes))
        ));
        assert!(matches!(
            press(Place::Editor, KeyCode::Char('c'), ctrl),
            Some(Action::Key(KeyAction::Cancel))
        ));
        assert!(matches!(
            press(Place::Editor, KeyCode::Char('q'), none),
            Some(Action::EditorInput(_))
        ));
        // A confirmation reads y and n; everything else as anywhere.
        assert!(matches!(
            press(Place::Confirm, KeyCode::Char('y'), none),
            Some(Action::Key(KeyAction::Yes))
        ));
        assert!(matches!(
            press(Place::Confirm, KeyCode::Esc, none),
            Some(Action::Key(KeyAction::Cancel))
        ));
    }
}
