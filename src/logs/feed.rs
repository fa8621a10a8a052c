//! The channel from sources to the pane: bounded, carrying owned batches
//! of lines, never blocking the receiver.
//!
//! Sources run on their own threads and build their lines there (decode,
//! level, timestamp), so the UI thread only appends. When the pane falls
//! behind, a source waits for room (a followed file or `kubectl logs` just
//! pauses), or, for a step command's output, which must never be slowed,
//! drops the display copy and says how many lines it dropped. A waker
//! tells the UI loop there is something to drain, once per drain.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

use super::line::{LogLine, SourceId};

/// Lines per batch a source sends at most.
pub const BATCH_LINES: usize = 1024;
/// A source sends what it has at least this often.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);
/// Batches in flight: with [`BATCH_LINES`], at most ~64k lines queued.
pub const DEFAULT_CAPACITY: usize = 64;

/// What a source says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SourceStatus {
    /// Reading and following.
    Following { what: String },
    /// Nothing to read yet (a file that does not exist); still trying.
    Waiting { reason: String },
    /// Something the person should know (rotated, truncated); still going.
    Notice { message: String },
    /// Cannot read now; retrying.
    Failed { reason: String },
    /// A command ended; it is not restarted.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// Display copies of lines dropped because the pane fell behind.
    Dropped { lines: u64 },
    /// Stopped by greenlight.
    Stopped,
}

impl SourceStatus {
    /// A sentence for a status line or the stream itself.
    pub fn describe(&self) -> String {
        match self {
            SourceStatus::Following { what } => format!("following {what}"),
            SourceStatus::Waiting { reason } => reason.clone(),
            SourceStatus::Notice { message } => message.clone(),
            SourceStatus::Failed { reason } => reason.clone(),
            SourceStatus::Exited {
                code: Some(c),
                signal: _,
            } => format!("command exited with code {c}; not restarted"),
            SourceStatus::Exited {
                code: None,
                signal: Some(s),
            } => format!("command was killed by signal {s}; not restarted"),
            SourceStatus::Exited { .. } => "command ended; not restarted".into(),
            SourceStatus::Dropped { lines } => {
                format!(
                    "{lines} lines not shown: the screen could not keep up (the record keeps them all)"
                )
            }
            SourceStatus::Stopped => "stopped".into(),
        }
    }

    /// Worth a line in the stream, not just the status bar.
    pub fn is_notable(&self) -> bool {
        !matches!(self, SourceStatus::Following { .. } | SourceStatus::Stopped)
    }
}

/// One message from a source.
#[derive(Debug, Clone, PartialEq)]
pub enum LogMsg {
    Lines {
        source: SourceId,
        lines: Vec<LogLine>,
    },
    Status {
        source: SourceId,
        status: SourceStatus,
    },
}

/// Called (at most once per drain) when a message is waiting.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

struct Shared {
    pending: AtomicBool,
    waker: Option<Waker>,
    /// Display lines dropped per source since the pane last looked: kept
    /// beside the channel, so the count arrives even while it is full.
    dropped: Mutex<Vec<(SourceId, u64)>>,
}

/// The sources' end. Cheap to clone; one per source.
#[derive(Clone)]
pub struct FeedSender {
    tx: SyncSender<LogMsg>,
    shared: Arc<Shared>,
}

/// The pane's end.
pub struct FeedReceiver {
    rx: Receiver<LogMsg>,
    shared: Arc<Shared>,
}

/// The receiver has gone: the source should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the logs pane has gone")]
pub struct Closed;

/// A channel holding at most `capacity` batches; `waker` (optional) is
/// how the UI loop learns there is something to drain.
pub fn channel(capacity: usize, waker: Option<Waker>) -> (FeedSender, FeedReceiver) {
    let (tx, rx) = mpsc::sync_channel(capacity.max(1));
    let shared = Arc::new(Shared {
        pending: AtomicBool::new(false),
        waker,
        dropped: Mutex::new(Vec::new()),
    });
    (
        FeedSender {
            tx,
            shared: shared.clone(),
        },
        FeedReceiver { rx, shared },
    )
}

impl FeedSender {
    fn wake(&self) {
        if !self.shared.pending.swap(true, Ordering::AcqRel)
            && let Some(w) = &self.shared.waker
        {
            w();
        }
    }

    /// Send, waiting while the pane is behind. `keep_going` is asked
    /// between tries so a stopped source never hangs here.
    pub fn send(&self, mut msg: LogMsg, keep_going: &dyn Fn() -> bool) -> Result<(), Closed> {
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => {
                    self.wake();
                    return Ok(());
                }
                Err(TrySendError::Disconnected(_)) => return Err(Closed),
                Err(TrySendError::Full(m)) => {
                    if !keep_going() {
                        return Err(Closed);
                    }
                    self.wake();
                    msg = m;
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    }

    /// Note `lines` display lines of `source` dropped (the pane fell
    /// behind); the pane reads the count with [`FeedReceiver::take_dropped`].
    pub fn count_dropped(&self, source: SourceId, lines: u64) {
        if lines == 0 {
            return;
        }
        {
            let mut d = self
                .shared
                .dropped
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match d.iter_mut().find(|(s, _)| *s == source) {
                Some((_, n)) => *n += lines,
                None => d.push((source, lines)),
            }
        }
        self.wake();
    }

    /// Is something sent still waiting for the pane to drain it? (The
    /// pane may drain only once a second while its new lines are out of
    /// sight; a source that makes its own lines need not make them
    /// faster.)
    pub fn undrained(&self) -> bool {
        self.shared.pending.load(Ordering::Acquire)
    }

    /// Send if there is room; hand the message back if not.
    pub fn try_send(&self, msg: LogMsg) -> Result<(), TrySendError<LogMsg>> {
        self.tx.try_send(msg)?;
        self.wake();
        Ok(())
    }
}

impl FeedReceiver {
    /// The next message, if one is waiting. Never blocks.
    pub fn try_recv(&self) -> Option<LogMsg> {
        self.rx.try_recv().ok()
    }

    /// Wait up to `timeout` for a message (for headless use; the UI uses
    /// [`FeedReceiver::try_recv`]).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<LogMsg> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Lines dropped per source since the last call.
    pub fn take_dropped(&self) -> Vec<(SourceId, u64)> {
        std::mem::take(
            &mut *self
                .shared
                .dropped
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Re-arm the waker: call before draining.
    pub fn rearm(&self) {
        self.shared.pending.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn msg(n: u16) -> LogMsg {
        LogMsg::Status {
            source: SourceId(n),
            status: SourceStatus::Stopped,
        }
    }

    #[test]
    fn bounded_try_send_hands_back_and_waker_coalesces() {
        let woke = Arc::new(AtomicUsize::new(0));
        let w = woke.clone();
        let (tx, rx) = channel(
            2,
            Some(Arc::new(move || {
                w.fetch_add(1, Ordering::SeqCst);
            })),
        );
        tx.try_send(msg(0)).unwrap();
        tx.try_send(msg(1)).unwrap();
        assert!(matches!(tx.try_send(msg(2)), Err(TrySendError::Full(_))));
        assert_eq!(woke.load(Ordering::SeqCst), 1);
        rx.rearm();
        assert_eq!(rx.try_recv(), Some(msg(0)));
        tx.try_send(msg(3)).unwrap();
        assert_eq!(woke.load(Ordering::SeqCst), 2);
        // A stopped source gives up waiting for room.
        tx.try_send(msg(4)).ok();
        assert_eq!(tx.send(msg(5), &|| false), Err(Closed));
        tx.count_dropped(SourceId(1), 5);
        tx.count_dropped(SourceId(1), 2);
        assert_eq!(rx.take_dropped(), vec![(SourceId(1), 7)]);
        assert!(rx.take_dropped().is_empty());
        drop(rx);
        assert_eq!(tx.send(msg(6), &|| true), Err(Closed));
    }
}
