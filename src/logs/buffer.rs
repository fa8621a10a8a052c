//! The bounded ring of recent lines, with counts of everything ever seen.
//!
//! Lines are numbered by arrival (`seq`) for the life of the buffer, so a
//! view can hold a position that survives the oldest lines being dropped.
//! Level counts and the error history cover every line, including the
//! ones the ring has forgotten.

use std::collections::VecDeque;
use std::ops::Range;

use super::level::Level;
use super::line::LogLine;
use super::rate::{ErrorHistory, ErrorRate};
use super::time::Millis;

/// Lines kept when nothing else is configured.
pub const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// `seq` of `lines[0]`.
    first: u64,
    counts: [u64; Level::ALL.len()],
    truncated: u64,
    history: ErrorHistory,
}

impl Default for LogBuffer {
    fn default() -> Self {
        LogBuffer::new(DEFAULT_CAPACITY)
    }
}

impl LogBuffer {
    /// A buffer keeping at most `capacity` lines (at least one).
    pub fn new(capacity: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            first: 0,
            counts: [0; Level::ALL.len()],
            truncated: 0,
            history: ErrorHistory::default(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Add one line, forgetting the oldest if full. Returns its `seq`.
    pub fn push(&mut self, line: LogLine) -> u64 {
        self.counts[line.level() as usize] += 1;
        if line.is_truncated() {
            self.truncated += 1;
        }
        self.history.record(line.at(), line.level().is_error());
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.first += 1;
        }
        self.lines.push_back(line);
        self.end() - 1
    }

    /// Add a batch; returns the `seq`s it was given.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) -> Range<u64> {
        let start = self.end();
        for l in lines {
            self.push(l);
        }
        start..self.end()
    }

    /// The line numbered `seq`, if still kept.
    pub fn get(&self, seq: u64) -> Option<&LogLine> {
        let i = seq.checked_sub(self.first)?;
        self.lines.get(usize::try_from(i).ok()?)
    }

    /// `seq` of the oldest line kept.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// One past the newest `seq` = every line ever added.
    pub fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    /// Lines kept now.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Kept lines with their `seq`, oldest first, from `seq` on.
    pub fn iter_from(&self, seq: u64) -> impl DoubleEndedIterator<Item = (u64, &LogLine)> {
        let skip = seq.saturating_sub(self.first).min(self.lines.len() as u64) as usize;
        let first = self.first;
        self.lines
            .range(skip..)
            .enumerate()
            .map(move |(i, l)| (first + (skip + i) as u64, l))
    }

    /// Lines ever seen at this level.
    pub fn count(&self, level: Level) -> u64 {
        self.counts[level as usize]
    }

    /// Lines ever seen at error or fatal.
    pub fn errors(&self) -> u64 {
        self.count(Level::Error) + self.count(Level::Fatal)
    }

    /// Lines ever seen that were cut for display.
    pub fn truncated(&self) -> u64 {
        self.truncated
    }

    pub fn history(&self) -> &ErrorHistory {
        &self.history
    }

    /// Errors per minute now against the ten minutes before `step_started`.
    pub fn error_rate(&self, step_started: Millis, now: Millis) -> ErrorRate {
        ErrorRate::compute(&self.history, step_started, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::SourceId;

    fn line(text: &str, level: Level) -> LogLine {
        LogLine::note(SourceId(0), text, level, 0)
    }

    #[test]
    fn keeps_the_newest_and_counts_everything() {
        let mut b = LogBuffer::new(3);
        let seqs = b.extend((0..5).map(|i| {
            line(
                &format!("l{i}"),
                if i % 2 == 0 {
                    Level::Error
                } else {
                    Level::Info
                },
            )
        }));
        assert_eq!(seqs, 0..5);
        assert_eq!(b.len(), 3);
        assert_eq!((b.first(), b.end()), (2, 5));
        assert!(b.get(1).is_none());
        assert_eq!(b.get(4).map(LogLine::text), Some("l4"));
        assert_eq!(b.count(Level::Error), 3);
        assert_eq!(b.errors(), 3);
        assert_eq!(b.count(Level::Info), 2);
        let texts: Vec<_> = b
            .iter_from(3)
            .map(|(s, l)| (s, l.text().to_string()))
            .collect();
        assert_eq!(texts, [(3, "l3".to_string()), (4, "l4".to_string())]);
        assert_eq!(b.iter_from(0).count(), 3);
        assert_eq!(b.iter_from(99).count(), 0);
    }
}
