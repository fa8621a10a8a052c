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
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::config::{LogSourceConfig, SourceKind};
use super::feed::{BATCH_INTERVAL, BATCH_LINES, Closed, FeedSender, LogMsg, SourceStatus};
use super::line::{LineSplitter, LogLine, SourceId};
use super::sample::{SampleConfig, SampleLog};
use super::time::{TimeContext, now_millis};
use super::{command, follow};

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

/// Shared between a source's thread and its handle.
#[derive(Debug, Default)]
pub(crate) struct Control {
    pub stop: AtomicBool,
    /// The command's process group, while one runs (0: none).
    pub pgid: AtomicU32,
    /// The sample stream's errors per 10,000 lines.
    pub errors_per_10k: AtomicU32,
}

impl Control {
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
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
                SourceSpec::Command { command, cwd } => command::run(&command, &cwd, &mut out, &c),
                SourceSpec::Sample { config } => run_sample(config, &mut out, &c),
            };
        })?;
    Ok(SourceHandle {
        id,
        control,
        thread: Some(thread),
    })
}

/// Collects a source's lines into batches and sends them: when a batch
/// is full, or [`BATCH_INTERVAL`] after its first line.
pub(crate) struct Batcher {
    source: SourceId,
    tx: FeedSender,
    control: Arc<Control>,
    lines: Vec<LogLine>,
    first_at: Option<Instant>,
    ctx: TimeContext,
    ctx_at: Instant,
}

impl Batcher {
    pub(crate) fn new(source: SourceId, tx: FeedSender, control: Arc<Control>) -> Batcher {
        Batcher {
            source,
            tx,
            control,
            lines: Vec::with_capacity(BATCH_LINES),
            first_at: None,
            ctx: TimeContext::system(),
            ctx_at: Instant::now(),
        }
    }

    /// Add a line read now.
    pub(crate) fn line(&mut self, bytes: &[u8], dropped: u64, received: i64) -> Result<(), Closed> {
        self.lines.push(LogLine::from_bytes(
            self.source,
            bytes,
            dropped,
            received,
            &self.ctx,
        ));
        self.first_at.get_or_insert_with(Instant::now);
        if self.lines.len() >= BATCH_LINES {
            self.flush()?;
        }
        Ok(())
    }

    /// Feed a chunk through `splitter`, adding every complete line.
    pub(crate) fn chunk(
        &mut self,
        splitter: &mut LineSplitter,
        bytes: &[u8],
    ) -> Result<(), Closed> {
        let received = now_millis();
        let mut result = Ok(());
        splitter.feed(bytes, |l, dropped| {
            if result.is_ok() {
                result = self.line(l, dropped, received);
            }
        });
        result
    }

    /// Send what is waiting if the oldest line has waited long enough.
    pub(crate) fn flush_if_due(&mut self) -> Result<(), Closed> {
        match self.first_at {
            Some(t) if t.elapsed() >= BATCH_INTERVAL => self.flush(),
            _ => Ok(()),
        }
    }

    pub(crate) fn flush(&mut self) -> Result<(), Closed> {
        if self.ctx_at.elapsed() > Duration::from_secs(60) {
            // Keep "now" fresh for year-less syslog stamps.
            self.ctx = TimeContext::system();
            self.ctx_at = Instant::now();
        }
        self.first_at = None;
        if self.lines.is_empty() {
            return Ok(());
        }
        let lines = std::mem::replace(&mut self.lines, Vec::with_capacity(BATCH_LINES));
        let control = self.control.clone();
        self.tx.send(
            LogMsg::Lines {
                source: self.source,
                lines,
            },
            &|| !control.stopped(),
        )
    }

    /// Send a status (after the lines before it).
    pub(crate) fn status(&mut self, status: SourceStatus) -> Result<(), Closed> {
        self.flush()?;
        let control = self.control.clone();
        self.tx.send(
            LogMsg::Status {
                source: self.source,
                status,
            },
            &|| !control.stopped(),
        )
    }
}

/// Sleep up to `d` in small steps, returning early when stopped.
pub(crate) fn nap(d: Duration, control: &Control) {
    let until = Instant::now() + d;
    while !control.stopped() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        thread::sleep(left.min(Duration::from_millis(20)));
    }
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
        out.flush()?;
        nap(BATCH_INTERVAL, control);
    }
    out.status(SourceStatus::Stopped)
}
