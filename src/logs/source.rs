//! Log sources: files followed like `tail -F`, commands (`kubectl logs -f`,
//! `journalctl -f`), the sample stream, each on its own thread, sending
//! batches of built lines and statuses through the feed.
//!
//! A source never blocks the pane: it waits for room in the bounded feed
//! (or drops display copies, for step output) and checks its stop flag
//! while it waits. A command that ends is reported, not restarted: a
//! source that fails at once would otherwise spin.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::batch::{Batcher, Control, nap};
use super::config::{LogSourceConfig, SourceKind};
use super::feed::{Closed, FeedSender, SourceStatus};
use super::line::SourceId;
use super::sample::{SampleConfig, SampleLog};
use super::time::now_millis;
use super::{command_source, follow};

/// What a source reads.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// Follow a file like `tail -F`, starting with its last `backlog` lines.
    File { path: PathBuf, backlog: usize },
    /// Run `sh -c` in `cwd`; stdout and stderr are the stream.
    Command { command: String, cwd: PathBuf },
    /// The sample stream, in real time at `config.lines_per_sec`.
    Sample { config: SampleConfig },
}

impl SourceSpec {
    /// A configured source; commands run in `repo_root`, relative file
    /// paths are read from it.
    pub fn from_config(c: &LogSourceConfig, repo_root: &Path) -> SourceSpec {
        match &c.kind {
            SourceKind::File(p) => SourceSpec::File {
                path: repo_root.join(p),
                backlog: c.backlog,
            },
            SourceKind::Command(cmd) => SourceSpec::Command {
                command: cmd.clone(),
                cwd: repo_root.to_path_buf(),
            },
        }
    }

    /// "file", "command" or "sample".
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::File { .. } => "file",
            SourceSpec::Command { .. } => "command",
            SourceSpec::Sample { .. } => "sample",
        }
    }

    /// What it reads, for a status line.
    pub fn describe(&self) -> String {
        match self {
            SourceSpec::File { path, .. } => path.display().to_string(),
            SourceSpec::Command { command, .. } => format!("`{command}`"),
            SourceSpec::Sample { config } => {
                format!("the sample stream ({} lines/s)", config.lines_per_sec)
            }
        }
    }
}

/// A running source. Dropping it stops the source (and its command).
pub struct SourceHandle {
    pub id: SourceId,
    control: Arc<Control>,
    thread: Option<JoinHandle<()>>,
}

impl SourceHandle {
    /// Ask the source to stop; a command's process group gets SIGTERM now
    /// (and SIGKILL from the source's thread if it lingers).
    pub fn stop(&self) {
        self.control.stop.store(true, Ordering::Release);
        // A source napping between reads wakes up to see the flag.
        if let Some(t) = &self.thread {
            t.thread().unpark();
        }
        let pgid = self.control.pgid.load(Ordering::Acquire);
        if pgid != 0 {
            let _ = crate::exec::group::signal_group(pgid, crate::exec::group::SIGTERM);
        }
    }

    /// Stop and wait up to `timeout` for the thread to end. A command
    /// still running then (it ignored SIGTERM) gets SIGKILL: greenlight is
    /// usually about to exit, and nothing it started may outlive it.
    pub fn stop_and_wait(mut self, timeout: Duration) {
        self.stop();
        let Some(t) = self.thread.take() else {
            return;
        };
        let until = Instant::now() + timeout;
        while !t.is_finished() && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        if t.is_finished() {
            let _ = t.join();
        } else {
            let pgid = self.control.pgid.load(Ordering::Acquire);
            if pgid != 0 {
                let _ = crate::exec::group::signal_group(pgid, crate::exec::group::SIGKILL);
            }
        }
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Sample sources: errors per 10,000 lines from now on (the demo's
    /// "bad canary"). Ignored by other sources.
    pub fn set_sample_errors_per_10k(&self, e: u32) {
        self.control.errors_per_10k.store(e, Ordering::Release);
    }
}

impl Drop for SourceHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Start a source on its own thread.
pub fn spawn(id: SourceId, spec: SourceSpec, tx: FeedSender) -> std::io::Result<SourceHandle> {
    let control = Arc::new(Control::default());
    if let SourceSpec::Sample { config } = &spec {
        control
            .errors_per_10k
            .store(config.errors_per_10k, Ordering::Release);
    }
    let c = control.clone();
    let thread = thread::Builder::new()
        .name(format!("log-source-{}", id.0))
        .spawn(move || {
            let mut out = Batcher::new(id, tx, c.clone());
            // `Closed` means the pane has gone: nothing left to tell.
            let _ = match spec {
                SourceSpec::File { path, backlog } => follow::run(&path, backlog, &mut out, &c),
                SourceSpec::Command { command, cwd } => {
                    command_source::run(&command, &cwd, &mut out, &c)
                }
                SourceSpec::Sample { config } => run_sample(config, &mut out, &c),
            };
        })?;
    Ok(SourceHandle {
        id,
        control,
        thread: Some(thread),
    })
}

/// The sample stream in real time: timestamps are the wall clock.
fn run_sample(
    mut config: SampleConfig,
    out: &mut Batcher,
    control: &Control,
) -> Result<(), Closed> {
    config.start = now_millis();
    let rate = u64::from(config.lines_per_sec.max(1));
    let mut log = SampleLog::new(config);
    let started = Instant::now();
    out.status(SourceStatus::Following {
        what: format!("the sample stream ({rate} lines/s)"),
    })?;
    while !control.stopped() {
        log.set_errors_per_10k(control.errors_per_10k.load(Ordering::Acquire));
        let due = started.elapsed().as_millis() as u64 * rate / 1000;
        let received = now_millis();
        while log.count() < due && !control.stopped() {
            let line = log.next_line().as_bytes().to_vec();
            out.line(&line, 0, received)?;
        }
        // The pane has not taken the batch sent a nap ago (its new lines
        // are out of sight; it drains once a second): no need to wake
        // sooner. Asked before this batch goes, which the pane cannot
        // have taken yet.
        let patience = if out.undrained() {
            SAMPLE_IDLE_INTERVAL
        } else {
            SAMPLE_INTERVAL
        };
        out.flush()?;
        nap(patience, control);
    }
    out.status(SourceStatus::Stopped)
}

/// How often the sample stream sends what it made: its lines keep their
/// own times, and five batches a second is as often as the Logs pane draws
/// new lines, while each batch wakes the app (more wake-ups only cost an
/// idle cockpit its CPU).
const SAMPLE_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// How often while the pane leaves the last batch in the feed.
const SAMPLE_IDLE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
