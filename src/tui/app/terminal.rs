//! The live app in a real terminal: set it up, restore it whatever
//! happens (quit, error, panic), and run the loop.
//!
//! Five sources feed one channel: a thread reading terminal events, a
//! clock thread ticking once a second, a `notify` watcher on the open
//! session's folder, background work (the canary collector, canary
//! commands), and the ending signals (SIGTERM, SIGHUP, SIGQUIT, SIGINT;
//! see `crate::exec::signals`). The loop blocks on the channel, so an idle
//! screen costs nothing; it redraws only after a change that shows, at
//! most ~30 times a second (new log lines alone: at most 5, and only when
//! the Logs pane shows the tail). While the session's clock runs, work
//! that comes round on its own (a canary judgement, the live sync) and
//! log lines that land out of sight wait for the clock's next frame.
//!
//! Every way out takes the same path: the terminal is restored, then
//! `Runtime::shutdown` stops the running commands and records them.
//!
//! Each frame's layout goes back to the app (`App::drawn`): the keys and
//! the mouse read what the last frame showed. A
//! signal or a terminal that went away does it without asking, records
//! the commands as interrupted, and exits with 128 + the signal (129, as
//! a SIGHUP, for a terminal gone).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, bail};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use super::{Runtime, draw};
use crate::exec::signals;
use crate::tui::action::{Action, Effect};

/// At most this many frames a second.
const FRAME: Duration = Duration::from_millis(33);

/// At most this often for new log lines alone: a person reads lines
/// followed at 20 a second no better at 30 frames a second than at 5, and
/// each frame costs a draw and its bytes (at 10 frames a second the
/// following cockpit used 2.7 % of a core).
const LINES_FRAME: Duration = Duration::from_millis(200);

/// What a message asks of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Redraw {
    /// Nothing on screen changed.
    No,
    /// Only new log lines at the tail of the Logs pane: drawn within
    /// [`LINES_FRAME`].
    Lines,
    /// Anything else: drawn within [`FRAME`].
    Now,
}

impl Redraw {
    /// How long after the last frame the next one may be drawn.
    fn after(self) -> Duration {
        match self {
            Redraw::Lines => LINES_FRAME,
            Redraw::No | Redraw::Now => FRAME,
        }
    }
}

/// Set to anything, the app panics right after its first frame: the
/// end-to-end test proves the terminal is restored on a panic.
pub const TEST_PANIC_ENV: &str = "GREENLIGHT_TEST_PANIC";

enum Msg {
    Term(Event),
    Tick(jiff::Timestamp),
    Journal,
    InputClosed(String),
    /// A result of background work (a canary judgement, a command).
    Background(Box<Action>),
    /// The log feed (or a finished command) has something.
    Logs,
    /// An ending signal came.
    Signal(i32),
}

/// How the loop ended.
enum Ending {
    /// The person quit.
    Quit,
    /// An ending signal came.
    Signal(i32),
    /// Reading the terminal failed or ended: it went away.
    TerminalGone(String),
}

/// Put the terminal back: leave raw mode and the alternate screen, stop
/// mouse reporting, show the cursor. Safe to call more than once.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

/// Restores the terminal before the previous hook prints the panic, so
/// the message lands on a normal screen.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Restores on drop: covers early returns and errors.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Draw a frame and give the app its layout.
fn frame(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    rt: &mut Runtime,
) -> Result<()> {
    let mut layout = None;
    terminal.draw(|f| layout = Some(draw(f, &rt.app)))?;
    if let Some(l) = layout {
        rt.app.drawn(l);
    }
    // A wait ended: the terminal's bell (BEL), once.
    if std::mem::take(&mut rt.app.ring) {
        use std::io::Write;
        let out = terminal.backend_mut();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }
    Ok(())
}

/// Run the app until the person quits (exit 0), or a signal or the
/// terminal going away ends it (128 + the signal; 129 for a terminal
/// that can no longer be read or drawn on). `first` opens the session
/// or the start screen, once background work has somewhere to answer.
pub fn run(mut rt: Runtime, first: Effect) -> Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "the full-screen app needs a terminal; in scripts use the subcommands (greenlight status, greenlight step …)"
        );
    }
    install_panic_hook();
    enable_raw_mode().wrap_err("cannot put the terminal in raw mode")?;
    let guard = Guard;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = terminal.size()?;
    rt.dispatch(Action::Resize {
        width: size.width,
        height: size.height,
    });
    rt.dispatch(Action::Tick(jiff::Timestamp::now()));

    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    spawn_clock(tx.clone());
    let background = tx.clone();
    rt.start_background(std::sync::Arc::new(move |a| {
        background.send(Msg::Background(Box::new(a))).is_ok()
    }));
    let logs_tx = tx.clone();
    rt.set_waker(std::sync::Arc::new(move || {
        let _ = logs_tx.send(Msg::Logs);
    }));
    let signal_tx = tx.clone();
    if let Err(e) = signals::on_signal(move |sig| {
        let _ = signal_tx.send(Msg::Signal(sig));
    }) {
        rt.app.warnings.push(format!(
            "signals (SIGTERM, SIGHUP) will end the app without recording the running commands: {e}"
        ));
    }
    rt.open_with(first);
    let mut watch = Watch::new(tx);
    follow(&mut watch, &mut rt);

    frame(&mut terminal, &mut rt)?;
    if std::env::var_os(TEST_PANIC_ENV).is_some() {
        panic!("{TEST_PANIC_ENV} is set: panicking on purpose to test the terminal restore");
    }
    let ended = event_loop(&mut rt, &mut terminal, &rx, &mut watch);
    drop(guard);
    // ratatui's `Terminal` shows the cursor when dropped and, when it
    // cannot, says so with `eprintln!`: a panic (then an abort) on a
    // terminal that is gone. Show it now; if that fails the restore has
    // done what can be done, and the `Terminal` goes without its drop.
    if terminal.show_cursor().is_err() {
        std::mem::forget(terminal);
    }
    // A signal may have broken the drawing first (a hung-up terminal): it
    // names the ending then.
    let signal = signals::received().or(match &ended {
        Ok(Ending::Signal(sig)) => Some(*sig),
        _ => None,
    });
    let (why, code) = match (signal, &ended) {
        (Some(sig), _) => (
            signals::interruption(sig).map(str::to_string),
            ExitCode::from(signals::exit_code(sig)),
        ),
        // Reading it failed, or drawing on it: either way it is gone
        // for us, as after a SIGHUP.
        (None, Ok(Ending::TerminalGone(_)) | Err(_)) => (
            Some("the terminal closed".to_string()),
            ExitCode::from(signals::exit_code(libc::SIGHUP)),
        ),
        (None, Ok(_)) => (None, ExitCode::SUCCESS),
    };
    if let Some(why) = &why {
        rt.interrupt(why);
    }
    rt.shutdown();
    // Said here, not returned: printing an error on a terminal that is
    // gone would panic.
    match &ended {
        Ok(Ending::TerminalGone(e)) => {
            signals::say(&format!("greenlight: cannot read the terminal: {e}"));
        }
        Err(e) => signals::say(&format!("greenlight: cannot draw on the terminal: {e}")),
        Ok(_) => {}
    }
    Ok(code)
}

fn event_loop(
    rt: &mut Runtime,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    rx: &Receiver<Msg>,
    watch: &mut Watch,
) -> Result<Ending> {
    let mut pending = Redraw::No;
    let mut last_draw = Instant::now();
    let mut drain_owed = false;
    loop {
        let msg = if pending > Redraw::No {
            match rx.recv_timeout(pending.after().saturating_sub(last_draw.elapsed())) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        match msg {
            Some(Msg::Signal(sig)) => return Ok(Ending::Signal(sig)),
            Some(Msg::InputClosed(why)) => return Ok(Ending::TerminalGone(why)),
            _ => {}
        }
        if let Some(msg) = msg {
            pending = pending.max(handle(rt, msg, &mut drain_owed)?);
            if rt.app.quit {
                break;
            }
            follow(watch, rt);
        }
        if pending > Redraw::No && last_draw.elapsed() >= pending.after() {
            frame(terminal, rt)?;
            last_draw = Instant::now();
            pending = Redraw::No;
        }
    }
    Ok(Ending::Quit)
}

/// Point the watcher at the open session; a failure becomes a warning.
fn follow(watch: &mut Watch, rt: &mut Runtime) {
    if let Err(why) = watch.follow(rt.session_dir().map(|p| p.to_path_buf()))
        && !rt.app.warnings.contains(&why)
    {
        rt.app.warnings.push(why);
    }
}

/// Apply one message; what it asks of the screen. `drain_owed` is set
/// when log lines that would land out of sight are left in the feed for
/// the clock's next tick (see [`defer_drain`]).
fn handle(rt: &mut Runtime, msg: Msg, drain_owed: &mut bool) -> Result<Redraw> {
    let now = |changed: bool| if changed { Redraw::Now } else { Redraw::No };
    Ok(match msg {
        Msg::Term(ev) => match rt.app.translate(&ev) {
            Some(a) => {
                let changed = rt.dispatch(a);
                // A key that brings the lines back into sight (follow,
                // unzoom) takes those left in the feed now, not at the tick.
                if *drain_owed && !defer_drain(rt) {
                    *drain_owed = false;
                    rt.dispatch(Action::LogsReady);
                }
                now(changed)
            }
            None => Redraw::No,
        },
        Msg::Tick(at) => {
            if std::mem::take(drain_owed) {
                rt.dispatch(Action::LogsReady);
            }
            let visible = rt.app.clock_visible();
            rt.dispatch(Action::Tick(at));
            now(visible)
        }
        Msg::Journal => now(rt.dispatch(Action::JournalChanged)),
        // Work that comes round on its own (a judgement every few
        // seconds, the live sync) waits for the clock's next frame, at
        // most a second: drawn at once, each would be a frame of its own.
        Msg::Background(a) => {
            let periodic = a.is_periodic();
            let changed = rt.dispatch(*a);
            now(changed && !(periodic && rt.app.clock_visible()))
        }
        Msg::Logs if defer_drain(rt) => {
            *drain_owed = true;
            Redraw::No
        }
        // New lines show only where the Logs pane follows the tail (see
        // `Runtime::dispatch`); what else a batch brings (a step's command
        // ending) is drawn at once.
        Msg::Logs => {
            let lines = rt.app.panes.logs.model.buffer.end();
            if rt.dispatch(Action::LogsReady) {
                Redraw::Now
            } else if rt.app.panes.logs.model.buffer.end() != lines && rt.app.logs_show_new_lines()
            {
                Redraw::Lines
            } else {
                Redraw::No
            }
        }
        // Both end the loop before they get here.
        Msg::Signal(_) | Msg::InputClosed(_) => Redraw::No,
    })
}

/// Can the waiting log lines stay in the feed until the clock's next
/// tick? Yes when they would land out of sight (the Logs pane paused,
/// scrolled back or hidden) and what they change (the pane's counts) is
/// drawn with the tick anyway; not while a command runs, whose end
/// comes through the same drain and is drawn at once. The feed's waker
/// stays quiet until the drain, so the sources stop waking the loop:
/// one drain a second instead of one per batch.
fn defer_drain(rt: &Runtime) -> bool {
    rt.app.clock_visible()
        && !rt.app.logs_show_new_lines()
        && !rt.running()
        && rt.app.panes.canary.running.is_none()
}

fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            match event::read() {
                Ok(ev) => {
                    if tx.send(Msg::Term(ev)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Msg::InputClosed(e.to_string()));
                    break;
                }
            }
        }
    });
}

/// Ticks on each whole second, so the clock moves in step with the wall.
fn spawn_clock(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let now = jiff::Timestamp::now();
            let into = now.subsec_nanosecond().max(0) as u64;
            std::thread::sleep(Duration::from_nanos(1_000_000_000 - into.min(999_999_999)));
            if tx.send(Msg::Tick(jiff::Timestamp::now())).is_err() {
                break;
            }
        }
    });
}

/// Watches the open session's folder; follows it when another opens.
struct Watch {
    tx: Sender<Msg>,
    watcher: Option<RecommendedWatcher>,
    dir: Option<PathBuf>,
}

impl Watch {
    fn new(tx: Sender<Msg>) -> Watch {
        Watch {
            tx,
            watcher: None,
            dir: None,
        }
    }

    fn follow(&mut self, dir: Option<PathBuf>) -> Result<(), String> {
        if dir == self.dir {
            return Ok(());
        }
        self.watcher = None;
        self.dir = dir.clone();
        let Some(dir) = dir else { return Ok(()) };
        let tx = self.tx.clone();
        let made = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // A write, a close after writing, a new or removed file:
            // refreshing is cheap and finds out what is new. Opens and
            // reads are ignored: our own refresh makes them.
            if let Ok(ev) = res
                && changes(&ev.kind)
            {
                let _ = tx.send(Msg::Journal);
            }
        });
        let watched = made.and_then(|mut w| {
            w.watch(&dir, RecursiveMode::NonRecursive)?;
            Ok(w)
        });
        match watched {
            Ok(w) => self.watcher = Some(w),
            Err(e) => {
                return Err(format!(
                    "cannot watch {} for changes by others ({e}); they show after your next action",
                    dir.display()
                ));
            }
        }
        Ok(())
    }
}

/// Does a file event mean the session's files may hold something new?
fn changes(kind: &notify::EventKind) -> bool {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, ModifyKind};

    #[test]
    fn only_writes_wake_the_app() {
        assert!(changes(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(changes(&EventKind::Create(CreateKind::File)));
        assert!(changes(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        // Our own refresh opens and reads the files: no feedback loop.
        assert!(!changes(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!changes(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(!changes(&EventKind::Access(AccessKind::Read)));
    }
}
