//! A child's stdout and stderr read by two small threads into one
//! bounded channel of chunks, so the caller can wait on output, the
//! clock and a cancel flag at once without blocking on either pipe.

use std::io::{self, Read};
use std::process::Child;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::Duration;

use serde::Serialize;

/// Which pipe bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Read size: large enough that a flood costs few wake-ups.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight: bounds memory when the reader falls behind (the
/// child then waits on its pipe, as it would writing to a terminal).
const IN_FLIGHT: usize = 8;

#[derive(Debug)]
pub enum PipeEvent {
    Data(Stream, Vec<u8>),
    /// The pipe reached end of file (or failed: the error is kept).
    Closed(Stream, Option<io::Error>),
}

/// Both pipes of a child.
pub struct Pipes {
    rx: Receiver<PipeEvent>,
    open: usize,
}

impl Pipes {
    /// Take the child's stdout and stderr (whichever were piped).
    pub fn attach(child: &mut Child) -> Pipes {
        let (tx, rx) = mpsc::sync_channel(IN_FLIGHT);
        let mut open = 0;
        if let Some(out) = child.stdout.take() {
            open += 1;
            reader(out, Stream::Stdout, tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            open += 1;
            reader(err, Stream::Stderr, tx);
        }
        Pipes { rx, open }
    }

    /// Both pipes reached end of file.
    pub fn all_closed(&self) -> bool {
        self.open == 0
    }

    /// The next event, or `None` after `timeout` (or when all are closed).
    pub fn next(&mut self, timeout: Duration) -> Option<PipeEvent> {
        if self.open == 0 {
            return None;
        }
        match self.rx.recv_timeout(timeout) {
            Ok(ev) => {
                if matches!(ev, PipeEvent::Closed(..)) {
                    self.open -= 1;
                }
                Some(ev)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                self.open = 0;
                None
            }
        }
    }
}

fn reader(mut pipe: impl Read + Send + 'static, stream: Stream, tx: SyncSender<PipeEvent>) {
    let on_failure = tx.clone();
    let spawned = thread::Builder::new()
        .name(format!("pipe-{stream:?}"))
        .spawn(move || {
            loop {
                let mut buf = vec![0u8; CHUNK];
                match pipe.read(&mut buf) {
                    Ok(0) => {
                        let _ = tx.send(PipeEvent::Closed(stream, None));
                        return;
                    }
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(PipeEvent::Data(stream, buf)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(PipeEvent::Closed(stream, Some(e)));
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        // No thread: report the pipe as closed with the reason rather than
        // wait on it forever.
        let _ = on_failure.send(PipeEvent::Closed(stream, Some(e)));
    }
}
