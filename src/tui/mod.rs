//! The full-screen release cockpit.
//!
//! The shape (gitui's components, television's draw, helix's overlay
//! stack), and where a new feature moves in:
//!
//! - `app`: the root. [`app::App`] holds the screen, the panes, the
//!   overlay stack, who is at the keyboard and the status line, and its
//!   `update` is the only place they change. It routes: a key goes to the
//!   top overlay, else the focused pane (or the start screen), else the
//!   keys that work everywhere; a message goes to the pane or overlay it
//!   concerns. Its children are the only files that import it: `draw`
//!   (the frame, composed from the components' draws; it returns the
//!   [`app::Layout`] it drew, which the mouse and scrolling read),
//!   `runtime` (the app and the driver together: actions in, effects out,
//!   results back in) and `terminal` (the real terminal and its loop).
//! - `pane/<name>/`: a pane of the main screen (checklist, signoff,
//!   canary, logs). Each owns its state, its keys, its footer and help
//!   hints and its draw ([`pane::Component`]), sees a read-only
//!   [`ctx::Ctx`] (the session, the person at the keyboard, the keymap,
//!   the clock, whether the session can be written), never the app, and
//!   hands back what it wants done in an [`out::Out`]. No pane imports
//!   another. A new pane is a new folder, a variant of [`place::Pane`],
//!   and a line in the app's routing and draw.
//! - `overlay/`: what opens over the screen, as a stack: the one
//!   confirmation (a typed [`overlay::Intent`] on yes), prompts (a
//!   [`overlay::Purpose`] saying who gets the text), the help, the people
//!   picker, the release notes, the manifest. Closing one shows the one
//!   below.
//! - `start/`: the start screen (sessions and scenarios).
//! - `keymap`, `place`, `input`: every key, the keys of prompts,
//!   confirmations and the notes editor too, is a keymap action that
//!   belongs to places (a pane, prompts, ...) or works everywhere;
//!   `input` reads terminal events in the place that has the keys. The
//!   help lists every binding, by place, as the components give them.
//! - `action`: what goes into `update` (actions) and comes out (effects).
//! - `driver/`: executes effects against the core (`Workspace`,
//!   `Session`, `canary::job`, `exec`), the slow ones off the UI thread,
//!   and answers with actions; it never sees the app.
//! - `ctx`, `out`: what components read, and what they hand back.
//! - `ui/`: what every draw shares (frames, hints, header, status and key
//!   lines, the last scrub of text from outside). Only draws import it:
//!   update code (the app's routing, the panes' and the start screen's
//!   `mod.rs`) reads what the last frame drew from the layout, never
//!   drawing arithmetic.
//! - `collector`: the canary collector thread, judging off the UI thread;
//!   `manifest`, `sync`: the app's view of the manifest and of the audit
//!   trail's sync; `theme`: TOML themes, `NO_COLOR`; `fixture`: fixed
//!   sample sessions for snapshots, benches and docs.

pub mod action;
pub mod app;
pub mod collector;
pub mod ctx;
pub mod driver;
pub mod fixture;
pub mod input;
pub mod keymap;
pub mod manifest;
pub mod next;
pub mod out;
pub mod overlay;
pub mod pane;
pub mod place;
pub mod start;
pub mod sync;
pub mod theme;
pub mod ui;

use color_eyre::eyre::Result;

use crate::workspace::Workspace;

/// How to open the app.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--theme`; else the user config's `theme`; else the default.
    pub theme: Option<String>,
    /// A session id (prefix) to open instead of the current one.
    pub session: Option<String>,
    /// Log sources beside `[[logs]]` (the demo's sample stream).
    pub logs: Vec<(String, crate::logs::SourceSpec)>,
}

/// The app on a workspace, nothing open yet: theme, keymap (a broken
/// keymap is an error naming the file and line), log sources.
pub fn runtime(ws: Workspace, opts: &Options) -> Result<app::Runtime> {
    let requested = opts.theme.clone().or_else(|| ws.user.theme.clone());
    let choice = theme::choose(
        requested.as_deref(),
        theme::user_dir().as_deref(),
        theme::no_color_env(),
    );
    let keymap = keymap::Keymap::load_user()?;
    let mut rt = app::Runtime::new(ws, choice, keymap);
    rt.start_logs(&opts.logs);
    rt.app.keymap_file = crate::config::UserConfig::path().map(|p| p.display().to_string());
    rt.app.bell = rt.driver.ws.user.bell.unwrap_or(true);
    Ok(rt)
}

/// Open the app on a workspace and run it until the person quits; the
/// exit code says how it ended (128 + a signal that ended it).
pub fn open(ws: Workspace, opts: &Options) -> Result<std::process::ExitCode> {
    // Before anything starts (log sources start in `runtime`): from here
    // on an ending signal is the app's to handle, never lost. Without
    // the handlers the app still runs, and says so.
    let caught = crate::exec::signals::install().err();
    let mut rt = runtime(ws, opts)?;
    rt.app.warnings.extend(caught.map(|e| {
        format!(
            "signals (SIGTERM, SIGHUP) will end the app without recording the running commands: {e}"
        )
    }));
    // A session that cannot be found is said before the screen changes.
    let first = rt.driver.boot(opts.session.as_deref())?;
    app::terminal::run(rt, first)
}
