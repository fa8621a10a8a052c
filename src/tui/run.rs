//! The live app in a real terminal: set it up, restore it whatever
//! happens (quit, error, panic), and run the loop.
//!
//! Four sources feed one channel: a thread reading terminal events, a
//! clock thread ticking once a second, a `notify` watcher on the open
//! session's folder, and background work (the canary collector, canary
//! commands). The loop blocks on the channel, so an idle screen
//! costs nothing; it redraws only after a change, at most ~30 times a
//! second.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
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

use super::action::Action;
use super::driver::Driver;
use super::input;
use super::ui;

/// At most this many frames a second.
const FRAME: Duration = Duration::from_millis(33);

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

/// Run the app until the person quits.
pub fn run(mut driver: Driver) -> Result<()> {
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
    driver.dispatch(Action::Resize {
        width: size.width,
        height: size.height,
    });
    driver.dispatch(Action::Tick(jiff::Timestamp::now()));

    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    spawn_clock(tx.clone());
    let background = tx.clone();
    driver.start_background(std::sync::Arc::new(move |a| {
        background.send(Msg::Background(Box::new(a))).is_ok()
    }));
    let logs_tx = tx.clone();
    driver.set_waker(std::sync::Arc::new(move || {
        let _ = logs_tx.send(Msg::Logs);
    }));
    let mut watch = Watch::new(tx);
    follow(&mut watch, &mut driver);

    terminal.draw(|f| ui::draw(f, &driver.app))?;
    if std::env::var_os(TEST_PANIC_ENV).is_some() {
        panic!("{TEST_PANIC_ENV} is set: panicking on purpose to test the terminal restore");
    }
    let result = event_loop(&mut driver, &mut terminal, &rx, &mut watch);
    drop(guard);
    driver.shutdown();
    result
}

fn event_loop(
    driver: &mut Driver,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    rx: &Receiver<Msg>,
    watch: &mut Watch,
) -> Result<()> {
    let mut dirty = false;
    let mut last_draw = Instant::now();
    loop {
        let msg = if dirty {
            match rx.recv_timeout(FRAME.saturating_sub(last_draw.elapsed())) {
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
        if let Some(msg) = msg {
            dirty |= handle(driver, msg)?;
            if driver.app.quit {
                break;
            }
            follow(watch, driver);
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| ui::draw(f, &driver.app))?;
            last_draw = Instant::now();
            dirty = false;
        }
    }
    Ok(())
}

/// Point the watcher at the open session; a failure becomes a warning.
fn follow(watch: &mut Watch, driver: &mut Driver) {
    if let Err(why) = watch.follow(driver.session_dir().map(|p| p.to_path_buf()))
        && !driver.app.warnings.contains(&why)
    {
        driver.app.warnings.push(why);
    }
}

/// Apply one message; true when the screen needs a redraw.
fn handle(driver: &mut Driver, msg: Msg) -> Result<bool> {
    Ok(match msg {
        Msg::Term(ev) => match input::translate(&driver.app, &ev) {
            Some(a) => driver.dispatch(a),
            None => false,
        },
        Msg::Tick(now) => {
            let visible = driver.app.clock_visible();
            driver.dispatch(Action::Tick(now));
            visible
        }
        Msg::Journal => driver.dispatch(Action::JournalChanged),
        Msg::Background(a) => driver.dispatch(*a),
        Msg::InputClosed(why) => bail!("cannot read the terminal: {why}"),
        Msg::Logs => driver.dispatch(Action::LogsReady),
    })
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
