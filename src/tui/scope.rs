//! Keys per pane: some actions only mean something in one pane (`f`
//! follows in Logs and fails a step elsewhere; `x` cancels a running
//! command in the Checklist and rejects a sign-off elsewhere). A key
//! bound to several actions resolves to the one of the focused pane,
//! else to the first that works everywhere.

use super::app::{App, Pane, Screen};
use super::keymap::{Key, KeyAction, Keymap};

/// The panes an action belongs to; none for actions that work anywhere.
pub fn scope(a: KeyAction) -> &'static [Pane] {
    match a {
        KeyAction::Filter
        | KeyAction::NextMatch
        | KeyAction::PrevMatch
        | KeyAction::NextError
        | KeyAction::PrevError
        | KeyAction::Follow
        | KeyAction::Wrap
        | KeyAction::Level
        | KeyAction::PageUp
        | KeyAction::PageDown
        | KeyAction::Source => &[Pane::Logs],
        // `r` (rollback) works in the Checklist (the selected command
        // step) and in the Canary pane (the canary): unscoped, each pane's
        // handler decides.
        // `x` cancels the selected step's command, or the canary's.
        KeyAction::CancelRun => &[Pane::Checklist, Pane::Canary],
        _ => &[],
    }
}

/// Where `a` and `b` both work, if a focused pane cannot tell them apart
/// there ("everywhere", "in the Logs pane"); `None` when one belongs to
/// some panes and the other works everywhere else (the pane's wins in
/// it), or their panes differ. The keymap refuses a key for two actions
/// that share a place.
pub fn shared_place(a: KeyAction, b: KeyAction) -> Option<String> {
    match (scope(a), scope(b)) {
        ([], []) => Some("everywhere".into()),
        ([], _) | (_, []) => None,
        (pa, pb) => pa
            .iter()
            .find(|p| pb.contains(p))
            .map(|p| format!("in the {} pane", p.title())),
    }
}

/// What `key` does with `focus` focused (`None`: on the start screen or
/// under an overlay, where no pane has the keys).
pub fn resolve(keymap: &Keymap, key: Key, focus: Option<Pane>) -> Option<KeyAction> {
    let all = keymap.lookup_all(key);
    all.iter()
        .copied()
        .find(|a| focus.is_some_and(|f| scope(*a).contains(&f)))
        .or_else(|| all.iter().copied().find(|a| scope(*a).is_empty()))
}

/// The pane that has the keys now, if any.
pub fn focus(app: &App) -> Option<Pane> {
    (app.screen == Screen::Main && app.overlay.is_none()).then_some(app.focus)
}

/// What a key press asks for in the app as it is.
pub fn lookup(app: &App, key: Key) -> Option<KeyAction> {
    resolve(&app.keymap, key, focus(app))
}

/// Does the help for `pane` list `a`: it works there, and one of its keys
/// (if it has any) reaches it there.
pub fn in_help(keymap: &Keymap, a: KeyAction, pane: Pane) -> bool {
    if !scope(a).is_empty() && !scope(a).contains(&pane) {
        return false;
    }
    // The Logs pane's help is about reading logs: the keys for steps and
    // sign-offs are listed where they are used.
    if pane == Pane::Logs
        && matches!(
            a,
            KeyAction::Act
                | KeyAction::Approve
                | KeyAction::Reject
                | KeyAction::Skip
                | KeyAction::Fail
                | KeyAction::Note
        )
    {
        return false;
    }
    let keys = keymap.keys_for(a);
    keys.is_empty()
        || keys
            .iter()
            .any(|k| resolve(keymap, *k, Some(pane)) == Some(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_means_what_the_focused_pane_says() {
        let m = Keymap::default();
        let f = Key::char('f');
        let x = Key::char('x');
        assert_eq!(resolve(&m, f, Some(Pane::Logs)), Some(KeyAction::Follow));
        assert_eq!(resolve(&m, f, Some(Pane::Checklist)), Some(KeyAction::Fail));
        assert_eq!(resolve(&m, f, None), Some(KeyAction::Fail));
        assert_eq!(
            resolve(&m, x, Some(Pane::Checklist)),
            Some(KeyAction::CancelRun)
        );
        assert_eq!(resolve(&m, x, Some(Pane::Signoff)), Some(KeyAction::Reject));
        assert_eq!(resolve(&m, Key::char('e'), Some(Pane::Signoff)), None);
        assert_eq!(
            resolve(&m, Key::char('e'), Some(Pane::Logs)),
            Some(KeyAction::NextError)
        );
        assert!(!in_help(&m, KeyAction::Fail, Pane::Logs));
        assert!(in_help(&m, KeyAction::Follow, Pane::Logs));
        assert!(!in_help(&m, KeyAction::Reject, Pane::Checklist));
        assert!(!in_help(&m, KeyAction::Wrap, Pane::Checklist));
        assert!(in_help(&m, KeyAction::Quit, Pane::Logs));
    }
}
