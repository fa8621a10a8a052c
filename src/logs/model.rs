//! The logs pane's model: the buffer, the view, and the sources with
//! their names, colours and latest status. The TUI draws from this and
//! feeds it from the feed; the CLI can use it too. Nothing here knows of
//! a terminal.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::buffer::LogBuffer;
use super::config::{COLORS, LogsConfig};
use super::feed::{FeedReceiver, FeedSender, LogMsg, SourceStatus};
use super::level::Level;
use super::line::{LogLine, SourceId};
use super::rate::ErrorRate;
use super::source::{self, SourceHandle, SourceSpec};
use super::time::{Millis, now_millis};
use super::view::LogView;

/// One source as the pane lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInfo {
    pub id: SourceId,
    pub name: String,
    /// "file", "command", "sample" or "step".
    pub kind: &'static str,
    /// Index into [`COLORS`]; the theme decides the actual colour.
    pub color: u8,
    /// The latest status it sent.
    pub status: Option<SourceStatus>,
    /// Lines received from it.
    pub lines: u64,
}

/// What one drain did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drained {
    pub lines: usize,
    pub messages: usize,
    /// Stopped at the budget with messages left: drain again soon (the
    /// waker will not fire for those).
    pub more: bool,
}

/// The pane's counts line: "ERROR 3  WARN 41".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Error and fatal.
    pub errors: u64,
    pub warnings: u64,
    pub info: u64,
    pub debug: u64,
    pub other: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Default)]
pub struct LogsModel {
    pub buffer: LogBuffer,
    pub view: LogView,
    sources: Vec<SourceInfo>,
    /// Display lines dropped because the pane fell behind, in all.
    dropped: u64,
}

impl LogsModel {
    /// A model keeping `capacity` lines.
    pub fn new(capacity: usize) -> LogsModel {
        LogsModel {
            buffer: LogBuffer::new(capacity),
            view: LogView::new(),
            sources: Vec::new(),
            dropped: 0,
        }
    }

    /// Register a source; `color` is an index into [`COLORS`], else the
    /// next one in turn (red is kept for errors).
    pub fn add_source(&mut self, name: &str, kind: &'static str, color: Option<u8>) -> SourceId {
        let id = SourceId(u16::try_from(self.sources.len()).unwrap_or(u16::MAX));
        let auto = (self.sources.len() % (COLORS.len() - 1)) as u8;
        self.sources.push(SourceInfo {
            id,
            name: name.to_string(),
            kind,
            color: color.unwrap_or(auto),
            status: None,
            lines: 0,
        });
        id
    }

    /// A model sized by `[log_buffer]`, with every `[[logs]]` source of
    /// the repository started (commands in `repo_root`). A source whose
    /// thread cannot start is noted in the stream, not fatal.
    pub fn start_configured(
        config: LogsConfig<'_>,
        repo_root: &std::path::Path,
        tx: &FeedSender,
    ) -> (LogsModel, Vec<SourceHandle>) {
        let mut model = LogsModel::new(config.buffer.lines);
        let mut handles = Vec::new();
        for c in config.sources {
            let spec = SourceSpec::from_config(c, repo_root);
            match model.start(&c.name, c.color, spec, tx.clone()) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    let id = SourceId(u16::try_from(model.sources.len() - 1).unwrap_or(0));
                    model.apply(LogMsg::Status {
                        source: id,
                        status: SourceStatus::Failed {
                            reason: format!("cannot start: {e}"),
                        },
                    });
                }
            }
        }
        model.view.sync(&model.buffer);
        (model, handles)
    }

    /// Register and start a source.
    pub fn start(
        &mut self,
        name: &str,
        color: Option<u8>,
        spec: SourceSpec,
        tx: FeedSender,
    ) -> std::io::Result<SourceHandle> {
        let id = self.add_source(name, spec.kind(), color);
        source::spawn(id, spec, tx)
    }

    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// The source shown after `current`'s when cycling "only this source":
    /// every source → the first alone → the next alone → … → every
    /// source. `None` means every source.
    pub fn next_solo(&self) -> Option<SourceId> {
        if self.sources.len() < 2 {
            return None;
        }
        let shown: Vec<usize> = (0..self.sources.len())
            .filter(|i| !self.view.is_hidden(self.sources[*i].id))
            .collect();
        match shown.as_slice() {
            [only] => self.sources.get(only + 1).map(|s| s.id),
            _ => self.sources.first().map(|s| s.id),
        }
    }

    /// Show only `only`, or every source.
    pub fn show_only(&mut self, only: Option<SourceId>) {
        let all: Vec<SourceId> = self.sources.iter().map(|s| s.id).collect();
        self.view.show_only(&self.buffer, &all, only);
    }

    pub fn source(&self, id: SourceId) -> Option<&SourceInfo> {
        self.sources.get(usize::from(id.0))
    }

    /// Take one message in. Call [`LogView::sync`] after a run of these
    /// (or use [`LogsModel::drain`], which does).
    pub fn apply(&mut self, msg: LogMsg) -> usize {
        match msg {
            LogMsg::Lines { source, lines } => {
                let n = lines.len();
                if let Some(s) = self.sources.get_mut(usize::from(source.0)) {
                    s.lines += n as u64;
                }
                self.buffer.extend(lines);
                n
            }
            LogMsg::Status { source, status } => {
                if let SourceStatus::Dropped { lines } = status {
                    self.dropped += lines;
                }
                if status.is_notable() {
                    let name = self
                        .source(source)
                        .map_or_else(|| format!("source {}", source.0), |s| s.name.clone());
                    // A note in the stream, at no level: it is greenlight
                    // speaking, not the service, so counts stay true.
                    let text = format!("── {name}: {} ──", status.describe());
                    self.buffer
                        .push(LogLine::note(source, &text, Level::Unknown, now_millis()));
                }
                if let Some(s) = self.sources.get_mut(usize::from(source.0)) {
                    s.status = Some(status);
                }
                usize::from(false)
            }
        }
    }

    /// Take in what the feed holds, up to about `max_lines` lines and
    /// `max_time`, then bring the view up to date. Never blocks.
    pub fn drain(&mut self, rx: &FeedReceiver, max_lines: usize, max_time: Duration) -> Drained {
        rx.rearm();
        let started = Instant::now();
        let mut d = Drained::default();
        while d.lines < max_lines && started.elapsed() < max_time {
            let Some(msg) = rx.try_recv() else {
                break;
            };
            d.lines += self.apply(msg);
            d.messages += 1;
        }
        if d.lines >= max_lines || started.elapsed() >= max_time {
            d.more = true;
        }
        for (source, lines) in rx.take_dropped() {
            self.apply(LogMsg::Status {
                source,
                status: SourceStatus::Dropped { lines },
            });
        }
        self.view.sync(&self.buffer);
        d
    }

    /// Display lines dropped because the pane fell behind, in all (the
    /// counts and the error rate still cover them).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Level counts of everything ever seen.
    pub fn counts(&self) -> Counts {
        let b = &self.buffer;
        Counts {
            errors: b.errors(),
            warnings: b.count(Level::Warn),
            info: b.count(Level::Info),
            debug: b.count(Level::Debug) + b.count(Level::Trace),
            other: b.count(Level::Unknown),
            total: b.end(),
        }
    }

    /// The pane's title line: "ERROR 3  WARN 41  filter: /timeout/  following".
    pub fn title(&self) -> String {
        let c = self.counts();
        let s = self.view.status(&self.buffer);
        let mut t = format!("ERROR {}  WARN {}", c.errors, c.warnings);
        if let Some(l) = s.min_level {
            t.push_str(&format!("  level: {l}+"));
        }
        let shown: Vec<&SourceInfo> = self
            .sources
            .iter()
            .filter(|src| !self.view.is_hidden(src.id))
            .collect();
        if s.hidden_sources > 0 {
            match shown.as_slice() {
                [only] => t.push_str(&format!("  only: {}", only.name)),
                _ => t.push_str(&format!("  {} sources hidden", s.hidden_sources)),
            }
        }
        if let Some(f) = &s.filter {
            if f.starts_with('/') {
                t.push_str(&format!("  filter: {f}"));
            } else {
                t.push_str(&format!("  filter: \"{f}\""));
            }
        }
        if let Some(q) = s.search.as_ref().filter(|q| s.filter.as_ref() != Some(*q)) {
            t.push_str(&format!("  search: {q}"));
        }
        if s.following {
            t.push_str("  following");
        } else if s.unseen > 0 {
            t.push_str(&format!("  paused ({} new)", s.unseen));
        } else {
            t.push_str("  paused");
        }
        t
    }

    /// Errors per minute now against the ten minutes before the step.
    pub fn error_rate(&self, step_started: Millis, now: Millis) -> ErrorRate {
        self.buffer.error_rate(step_started, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::feed;

    #[test]
    fn one_source_at_a_time_then_all_again() {
        let (tx, rx) = feed::channel(8, None);
        let mut m = LogsModel::new(100);
        let a = m.add_source("web", "file", None);
        let b = m.add_source("pods", "command", None);
        for (s, t) in [(a, "from web"), (b, "from pods")] {
            tx.try_send(LogMsg::Lines {
                source: s,
                lines: vec![LogLine::note(s, t, Level::Info, 0)],
            })
            .unwrap();
        }
        m.drain(&rx, 10_000, Duration::from_millis(50));
        assert_eq!(m.view.status(&m.buffer).shown, 2);
        let mut seen = Vec::new();
        for _ in 0..3 {
            let next = m.next_solo();
            m.show_only(next);
            seen.push((next, m.view.status(&m.buffer).shown, m.title()));
        }
        assert_eq!(
            seen,
            vec![
                (
                    Some(a),
                    1,
                    "ERROR 0  WARN 0  only: web  following".to_string()
                ),
                (
                    Some(b),
                    1,
                    "ERROR 0  WARN 0  only: pods  following".to_string()
                ),
                (None, 2, "ERROR 0  WARN 0  following".to_string()),
            ]
        );
    }

    #[test]
    fn drains_batches_and_statuses_into_buffer_and_view() {
        let (tx, rx) = feed::channel(8, None);
        let mut m = LogsModel::new(100);
        let a = m.add_source("web", "file", None);
        let b = m.add_source("pods", "command", Some(3));
        assert_eq!(m.source(b).map(|s| s.color), Some(3));
        assert_eq!(m.source(a).map(|s| s.color), Some(0));
        let line = |s, t: &str| LogLine::note(s, t, Level::Error, 0);
        tx.try_send(LogMsg::Lines {
            source: a,
            lines: vec![line(a, "one"), line(a, "two")],
        })
        .unwrap();
        tx.try_send(LogMsg::Status {
            source: b,
            status: SourceStatus::Exited {
                code: Some(1),
                signal: None,
            },
        })
        .unwrap();
        let d = m.drain(&rx, 10_000, Duration::from_millis(50));
        assert_eq!((d.lines, d.messages, d.more), (2, 2, false));
        assert_eq!(m.counts().errors, 2);
        assert_eq!(m.counts().other, 1);
        assert_eq!(m.source(a).map(|s| s.lines), Some(2));
        assert_eq!(m.title(), "ERROR 2  WARN 0  following");
        m.view.set_filter(&m.buffer, Some("/on|tw/")).unwrap();
        m.view.set_min_level(&m.buffer, Some(Level::Error));
        m.view.pause();
        assert_eq!(
            m.title(),
            "ERROR 2  WARN 0  level: error+  filter: /on|tw/  paused"
        );
        m.view.set_filter(&m.buffer, None).unwrap();
        m.view.set_min_level(&m.buffer, None);
        m.view.follow();
        let rows = m.view.rows(&m.buffer);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[2].line.text(),
            "── pods: command exited with code 1; not restarted ──"
        );
        assert!(matches!(
            m.source(b).and_then(|s| s.status.clone()),
            Some(SourceStatus::Exited { code: Some(1), .. })
        ));
    }

    #[test]
    fn a_drain_stops_at_its_budget() {
        let (tx, rx) = feed::channel(8, None);
        let mut m = LogsModel::new(100);
        let a = m.add_source("web", "file", None);
        for _ in 0..3 {
            tx.try_send(LogMsg::Lines {
                source: a,
                lines: vec![LogLine::note(a, "x", Level::Info, 0); 10],
            })
            .unwrap();
        }
        let d = m.drain(&rx, 15, Duration::from_secs(1));
        assert_eq!((d.lines, d.more), (20, true));
        let d = m.drain(&rx, 15, Duration::from_secs(1));
        assert_eq!((d.lines, d.more), (10, false));
    }
}
