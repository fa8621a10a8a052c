//! The signals that ask a terminal program to end: SIGINT (Ctrl-C),
//! SIGTERM (`kill`, systemd, a container stop), SIGHUP (the terminal or
//! the ssh connection went away, a tmux pane closed) and SIGQUIT
//! (Ctrl-\). Caught, so that greenlight stops its commands' process
//! groups and records how they ended before it exits with 128 + the
//! signal, as a shell reports a death by that signal.
//!
//! [`install`] registers the handlers at once, on the calling thread
//! (signal-hook's `Signals`), so a front end calls it before it spawns
//! anything: from then on none of these signals kills greenlight with the
//! default action, and none is lost. A signal that comes before anyone
//! listens is kept and handed to the first [`on_signal`] listener. (The
//! handler used to be registered by `tokio::signal::ctrl_c` on a thread of
//! its own: a Ctrl-C right after a command started could come before the
//! registration, or between it and the first poll, and be lost.)
//!
//! Process-wide by nature (a signal's disposition is): installed once, for
//! the rest of the process's life.

use std::io::{self, Write as _};
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

/// The signals caught.
pub const ENDING: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

type Listener = Box<dyn Fn(i32) + Send>;

struct Caught {
    installed: bool,
    /// The first signal caught, if any.
    first: Option<i32>,
    listeners: Vec<Listener>,
}

static CAUGHT: Mutex<Caught> = Mutex::new(Caught {
    installed: false,
    first: None,
    listeners: Vec::new(),
});

fn caught() -> std::sync::MutexGuard<'static, Caught> {
    // A listener that panicked leaves the list usable: keep going.
    CAUGHT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Catch [`ENDING`] from now on, in this whole process. Idempotent. An
/// error leaves the default actions in place.
pub fn install() -> io::Result<()> {
    let mut c = caught();
    if c.installed {
        return Ok(());
    }
    // The thread first: if it cannot be made, nothing is registered yet
    // (registered handlers without it would swallow every signal).
    let (tx, rx) = mpsc::channel::<Signals>();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Ok(mut signals) = rx.recv() {
                for sig in signals.forever() {
                    deliver(sig);
                }
            }
        })?;
    // Registered here, synchronously: from this line on, none is lost.
    let signals = Signals::new(ENDING)?;
    if tx.send(signals).is_err() {
        return Err(io::Error::other("the signal thread ended at once"));
    }
    c.installed = true;
    Ok(())
}

fn deliver(sig: i32) {
    let mut c = caught();
    c.first.get_or_insert(sig);
    for l in &c.listeners {
        l(sig);
    }
}

/// Call `f` (on the signal thread) with every signal caught from now on,
/// and at once with the first one if one came already. Installs the
/// handlers if [`install`] was not called yet. `f` must be quick and must
/// not call back into this module.
pub fn on_signal(f: impl Fn(i32) + Send + 'static) -> io::Result<()> {
    install()?;
    let mut c = caught();
    if let Some(sig) = c.first {
        f(sig);
    }
    c.listeners.push(Box::new(f));
    Ok(())
}

/// The first of [`ENDING`] caught so far, if any.
pub fn received() -> Option<i32> {
    caught().first
}

/// "SIGTERM" for 15, as a record or a message names it.
pub fn name(sig: i32) -> &'static str {
    match sig {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        SIGQUIT => "SIGQUIT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// 128 + the signal: what a shell reports for a death by it.
pub fn exit_code(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(u8::MAX)
}

/// Why a command stopped early because of `sig`: `None` for SIGINT, a
/// person's Ctrl-C, which is recorded as the cancel it is; the signal's
/// name for the others, which end greenlight itself.
pub fn interruption(sig: i32) -> Option<&'static str> {
    (sig != SIGINT).then(|| name(sig))
}

/// Print a line on stderr without the panic of `eprintln!` when the
/// terminal is gone (after a SIGHUP every write to it fails): what ends
/// greenlight must still record and exit.
pub fn say(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(name(SIGTERM), "SIGTERM");
        assert_eq!(exit_code(SIGTERM), 143);
        assert_eq!(exit_code(SIGHUP), 129);
        assert_eq!(exit_code(SIGINT), 130);
        assert_eq!(interruption(SIGINT), None);
        assert_eq!(interruption(SIGQUIT), Some("SIGQUIT"));
    }
}
