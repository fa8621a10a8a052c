//! What every log source's thread shares: its stop flag and process group
//! (`Control`), the batching of its lines into the feed (`Batcher`), and
//! a sleep that wakes when stopped (`nap`). The sources
//! (`follow`, `command_source`, the sample stream in `source`) use these;
//! `source` starts them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::feed::{BATCH_INTERVAL, BATCH_LINES, Closed, FeedSender, LogMsg, SourceStatus};
use super::line::{LineSplitter, LogLine, SourceId};
use super::time::{TimeContext, now_millis};

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

    /// Is the last batch sent still waiting for the pane?
    pub(crate) fn undrained(&self) -> bool {
        self.tx.undrained()
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

/// Sleep up to `d` on a source's own thread, returning early when
/// stopped: `SourceHandle::stop` unparks it. One wake-up per nap (a
/// source following a quiet file, or the demo's sample stream, used to
/// wake every 20 ms to look at the stop flag).
pub(crate) fn nap(d: Duration, control: &Control) {
    let until = Instant::now() + d;
    while !control.stopped() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        thread::park_timeout(left);
    }
}
