//! A step command's output as a logs-pane source: split into lines,
//! built off the UI thread, and offered to the feed without ever waiting.
//! A command must not be slowed by a screen that cannot keep up, so when
//! the feed is full the display copy is dropped and counted (the record's
//! digest and byte count still cover every byte), and the count is told
//! once there is room again.

use super::pipes::Stream;
use super::runner::OutputSink;
use crate::logs::feed::{FeedSender, LogMsg, SourceStatus};
use crate::logs::line::{LineSplitter, LogLine, SourceId};
use crate::logs::time::{TimeContext, now_millis};

/// Output sink feeding a logs source (named after the step by whoever
/// registered `source`).
pub struct LogsSink {
    source: SourceId,
    tx: FeedSender,
    ctx: TimeContext,
    stdout: LineSplitter,
    stderr: LineSplitter,
    dropped: u64,
}

impl LogsSink {
    pub fn new(source: SourceId, tx: FeedSender) -> LogsSink {
        LogsSink {
            source,
            tx,
            ctx: TimeContext::system(),
            stdout: LineSplitter::new(),
            stderr: LineSplitter::new(),
            dropped: 0,
        }
    }

    /// Display lines dropped so far because the feed was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn offer(&mut self, lines: Vec<LogLine>) {
        if lines.is_empty() {
            return;
        }
        if self.dropped > 0 {
            let note = LogMsg::Status {
                source: self.source,
                status: SourceStatus::Dropped {
                    lines: self.dropped,
                },
            };
            if self.tx.try_send(note).is_err() {
                self.dropped += lines.len() as u64;
                return;
            }
            self.dropped = 0;
        }
        let n = lines.len() as u64;
        let msg = LogMsg::Lines {
            source: self.source,
            lines,
        };
        if self.tx.try_send(msg).is_err() {
            self.dropped += n;
        }
    }
}

impl OutputSink for LogsSink {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        let received = now_millis();
        let (source, ctx) = (self.source, &self.ctx);
        let mut lines = Vec::new();
        let splitter = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        splitter.feed(bytes, |l, dropped| {
            lines.push(LogLine::from_bytes(source, l, dropped, received, ctx));
        });
        self.offer(lines);
    }

    fn finish(&mut self) {
        let received = now_millis();
        let (source, ctx) = (self.source, &self.ctx);
        let mut lines = Vec::new();
        for s in [&mut self.stdout, &mut self.stderr] {
            s.finish(|l, dropped| {
                lines.push(LogLine::from_bytes(source, l, dropped, received, ctx));
            });
        }
        self.offer(lines);
        if self.dropped > 0 {
            // Last word: wait briefly for room so the count is not lost.
            let note = LogMsg::Status {
                source: self.source,
                status: SourceStatus::Dropped {
                    lines: self.dropped,
                },
            };
            let until = std::time::Instant::now() + std::time::Duration::from_millis(500);
            let _ = self.tx.send(note, &|| std::time::Instant::now() < until);
        }
    }
}
