//! A step command's output as a logs-pane source: split into lines,
//! built off the UI thread, and offered to the feed without ever waiting.
//! A command must not be slowed by a screen that cannot keep up, so when
//! the feed is full the display copy is dropped and counted beside the
//! channel (the record's digest and byte count still cover every byte);
//! the pane notes the count at its next drain.

use std::time::{Duration, Instant};

use super::pipes::Stream;
use super::runner::OutputSink;
use crate::logs::feed::{FeedSender, LogMsg};
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
    /// After the feed was found full, lines are only counted (not built)
    /// until then: building them costs more than the screen can use.
    backoff_until: Option<Instant>,
}

/// How long to only count lines after the feed was full.
const BACKOFF: Duration = Duration::from_millis(50);

impl LogsSink {
    pub fn new(source: SourceId, tx: FeedSender) -> LogsSink {
        LogsSink {
            source,
            tx,
            ctx: TimeContext::system(),
            stdout: LineSplitter::new(),
            stderr: LineSplitter::new(),
            dropped: 0,
            backoff_until: None,
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
        let n = lines.len() as u64;
        let msg = LogMsg::Lines {
            source: self.source,
            lines,
        };
        if self.tx.try_send(msg).is_err() {
            self.drop_lines(n);
            self.backoff_until = Some(Instant::now() + BACKOFF);
        }
    }

    fn drop_lines(&mut self, n: u64) {
        self.dropped += n;
        self.tx.count_dropped(self.source, n);
    }
}

impl OutputSink for LogsSink {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        if self.backoff_until.is_some_and(|t| Instant::now() < t) {
            let splitter = match stream {
                Stream::Stdout => &mut self.stdout,
                Stream::Stderr => &mut self.stderr,
            };
            let mut n = 0;
            splitter.feed(bytes, |_, _| n += 1);
            self.drop_lines(n);
            return;
        }
        self.backoff_until = None;
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
    }
}
