//! The full-screen release cockpit.
//!
//! - `app`: the state as plain data and `update`, the only place it changes;
//! - `action`: what goes into `update` and the effects that come out;
//! - `input` and `keymap`: terminal events to actions, keys configurable;
//! - `release`: the session's notes, the manifest, the audit sync state;
//! - `theme`: TOML themes, `NO_COLOR`;
//! - `ui`: `draw(frame, &App)`, pure, one file per pane;
//! - `collector`: the canary collector thread, judging off the UI thread;
//! - `driver`: executes effects against the core (`Workspace::perform`,
//!   `Session::refresh`, ...), the only way the app changes anything;
//! - `run`: the real terminal, its restore, and the event loop.

pub mod action;
pub mod app;
pub mod collector;
pub mod commands;
pub mod driver;
pub mod input;
pub mod keymap;
pub mod logs_pane;
pub mod release;
pub mod run;
pub mod sample;
pub mod scope;
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

/// Build the driver for a workspace: theme, keymap (a broken keymap is an
/// error naming the file and line), and the session or the start screen.
pub fn driver(ws: Workspace, opts: &Options) -> Result<driver::Driver> {
    let requested = opts.theme.clone().or_else(|| ws.user.theme.clone());
    let choice = theme::choose(
        requested.as_deref(),
        theme::user_dir().as_deref(),
        theme::no_color_env(),
    );
    let keymap = keymap::Keymap::load_user()?;
    let mut d = driver::Driver::new(ws, choice, keymap);
    d.start_logs(&opts.logs);
    d.app.keymap_file = crate::config::UserConfig::path().map(|p| p.display().to_string());
    d.boot(opts.session.as_deref())?;
    Ok(d)
}

/// Open the app on a workspace and run it until the person quits; the
/// exit code says how it ended (128 + a signal that ended it).
pub fn open(ws: Workspace, opts: &Options) -> Result<std::process::ExitCode> {
    // Before anything starts (log sources start in `driver`): from here
    // on an ending signal is the app's to handle, never lost. Without
    // the handlers the app still runs, and says so.
    let caught = crate::exec::signals::install().err();
    let mut d = driver(ws, opts)?;
    d.app.warnings.extend(caught.map(|e| {
        format!(
            "signals (SIGTERM, SIGHUP) will end the app without recording the running commands: {e}"
        )
    }));
    run::run(d)
}
