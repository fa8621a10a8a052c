//! What the logs pane shows of the buffer: filters (text, level, hidden
//! sources), the scroll position (following the newest line, or paused at
//! a line), search with next/previous match, next/previous error, and
//! the wrap flag.
//!
//! The view keeps the `seq`s of the lines that pass its filters, updated
//! with each batch (only new lines are looked at) and rebuilt when a
//! filter changes, so drawing a screenful costs a screenful, never a scan
//! of 100,000 lines. Positions are `seq`s: they stay put while old lines
//! fall out of the ring.

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;

use serde::Serialize;

use super::buffer::LogBuffer;
use super::level::Level;
use super::line::{LogLine, SourceId};
use super::pattern::{Pattern, PatternError};

#[derive(Debug, Clone)]
pub struct LogView {
    filter: Option<Pattern>,
    min_level: Option<Level>,
    hidden: BTreeSet<SourceId>,
    search: Option<Pattern>,
    follow: bool,
    wrap: bool,
    height: usize,
    /// `seq`s passing the filters, ascending.
    matches: VecDeque<u64>,
    /// Lines from here on have not been looked at yet.
    scanned: u64,
    /// When paused: the `seq` of the bottom line on screen.
    anchor: Option<u64>,
    selected: Option<u64>,
    /// Lines that passed the filters while paused.
    unseen: u64,
}

impl Default for LogView {
    fn default() -> Self {
        LogView::new()
    }
}

/// One line on screen.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub seq: u64,
    pub line: &'a LogLine,
    pub selected: bool,
}

/// What the pane's title line says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewStatus {
    pub following: bool,
    pub wrap: bool,
    /// New lines below the screen while paused.
    pub unseen: u64,
    pub filter: Option<String>,
    pub min_level: Option<Level>,
    pub search: Option<String>,
    /// Lines kept that pass the filters.
    pub shown: usize,
    /// Lines kept.
    pub kept: usize,
    pub hidden_sources: usize,
}

impl LogView {
    pub fn new() -> LogView {
        LogView {
            filter: None,
            min_level: None,
            hidden: BTreeSet::new(),
            search: None,
            follow: true,
            wrap: false,
            height: 20,
            matches: VecDeque::new(),
            scanned: 0,
            anchor: None,
            selected: None,
            unseen: 0,
        }
    }

    fn passes(&self, line: &LogLine) -> bool {
        self.min_level.is_none_or(|min| line.level() >= min)
            && !self.hidden.contains(&line.source())
            && self.filter.as_ref().is_none_or(|f| f.is_match(line.text()))
    }

    /// Take in lines added to the buffer since the last call (and forget
    /// the ones it dropped). Call after every batch.
    pub fn sync(&mut self, buf: &LogBuffer) {
        let first = buf.first();
        while self.matches.front().is_some_and(|&s| s < first) {
            self.matches.pop_front();
        }
        let anchor_lost = self.anchor.is_some_and(|a| a < first);
        if self.selected.is_some_and(|s| s < first) {
            self.selected = None;
        }
        let from = self.scanned.max(first);
        let mut added = 0;
        for (seq, line) in buf.iter_from(from) {
            if self.passes(line) {
                self.matches.push_back(seq);
                added += 1;
            }
        }
        self.scanned = buf.end();
        if anchor_lost {
            // Show the oldest lines kept, a full screen of them.
            let i = (self.height - 1).min(self.matches.len().saturating_sub(1));
            self.anchor = self.matches.get(i).copied();
        }
        if !self.follow {
            self.unseen += added;
        }
    }

    fn rebuild(&mut self, buf: &LogBuffer) {
        self.matches.clear();
        self.scanned = buf.first();
        let unseen = self.unseen;
        self.sync(buf);
        self.unseen = unseen;
    }

    /// Show only lines containing `text` (`/re/` for a regex); `None` or
    /// an empty text clears the filter. A bad regex leaves the view as it
    /// was and says why.
    pub fn set_filter(&mut self, buf: &LogBuffer, text: Option<&str>) -> Result<(), PatternError> {
        self.filter = match text.filter(|t| !t.is_empty()) {
            Some(t) => Some(Pattern::parse(t)?),
            None => None,
        };
        self.rebuild(buf);
        Ok(())
    }

    /// Show only lines at `level` or worse (`Error` shows error and fatal).
    pub fn set_min_level(&mut self, buf: &LogBuffer, level: Option<Level>) {
        self.min_level = level.filter(|l| *l != Level::Unknown);
        self.rebuild(buf);
    }

    /// Hide or show one source's lines.
    pub fn toggle_source(&mut self, buf: &LogBuffer, source: SourceId) {
        if !self.hidden.remove(&source) {
            self.hidden.insert(source);
        }
        self.rebuild(buf);
    }

    /// Show only `only` (hiding every other of `all`), or every source.
    /// One rebuild, however many sources change.
    pub fn show_only(&mut self, buf: &LogBuffer, all: &[SourceId], only: Option<SourceId>) {
        self.hidden = match only {
            Some(keep) => all.iter().copied().filter(|s| *s != keep).collect(),
            None => BTreeSet::new(),
        };
        self.rebuild(buf);
    }

    pub fn is_hidden(&self, source: SourceId) -> bool {
        self.hidden.contains(&source)
    }

    /// What `n`/`N` look for; highlighted on screen. Does not filter.
    pub fn set_search(&mut self, text: Option<&str>) -> Result<(), PatternError> {
        self.search = match text.filter(|t| !t.is_empty()) {
            Some(t) => Some(Pattern::parse(t)?),
            None => None,
        };
        Ok(())
    }

    pub fn search(&self) -> Option<&Pattern> {
        self.search.as_ref()
    }

    pub fn filter(&self) -> Option<&Pattern> {
        self.filter.as_ref()
    }

    /// Byte ranges of the search pattern in `text`, to highlight.
    pub fn search_ranges(&self, text: &str) -> Vec<Range<usize>> {
        self.search
            .as_ref()
            .map(|p| p.find_ranges(text))
            .unwrap_or_default()
    }

    pub fn is_following(&self) -> bool {
        self.follow
    }

    /// Stick to the newest line again.
    pub fn follow(&mut self) {
        self.follow = true;
        self.anchor = None;
        self.selected = None;
        self.unseen = 0;
    }

    /// Stop where the screen is; new lines are counted, not shown.
    pub fn pause(&mut self) {
        if self.follow {
            self.follow = false;
            self.anchor = self.matches.back().copied();
        }
    }

    pub fn toggle_follow(&mut self) {
        if self.follow {
            self.pause();
        } else {
            self.follow();
        }
    }

    pub fn wrap(&self) -> bool {
        self.wrap
    }

    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
    }

    /// Rows the pane has; scrolling by a page and centring use it.
    pub fn set_height(&mut self, height: usize) {
        self.height = height.max(1);
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Index in `matches` of the bottom line on screen.
    fn bottom_index(&self) -> Option<usize> {
        if self.matches.is_empty() {
            return None;
        }
        match (self.follow, self.anchor) {
            (false, Some(a)) => Some(self.matches.partition_point(|&s| s <= a).saturating_sub(1)),
            _ => Some(self.matches.len() - 1),
        }
    }

    /// Indices in `matches` of the lines on screen.
    fn screen(&self) -> Range<usize> {
        self.screen_of(self.height)
    }

    /// Indices in `matches` of the lines a screen of `height` rows shows.
    fn screen_of(&self, height: usize) -> Range<usize> {
        match self.bottom_index() {
            Some(b) => b.saturating_sub(height.max(1) - 1)..b + 1,
            None => 0..0,
        }
    }

    /// Scroll towards older lines (pauses).
    pub fn scroll_up(&mut self, n: usize) {
        let Some(b) = self.bottom_index() else {
            return;
        };
        // Keep a full screen when there is one.
        let lowest = (self.height - 1).min(self.matches.len() - 1);
        let to = b.saturating_sub(n).max(lowest);
        self.pause();
        self.anchor = self.matches.get(to).copied();
    }

    /// Scroll towards newer lines; stays paused (End resumes following).
    pub fn scroll_down(&mut self, n: usize) {
        let Some(b) = self.bottom_index() else {
            return;
        };
        if self.follow {
            return;
        }
        let to = (b + n).min(self.matches.len() - 1);
        self.anchor = self.matches.get(to).copied();
        if to == self.matches.len() - 1 {
            self.unseen = 0;
        }
    }

    pub fn page_up(&mut self) {
        self.scroll_up(self.height.saturating_sub(1).max(1));
    }

    pub fn page_down(&mut self) {
        self.scroll_down(self.height.saturating_sub(1).max(1));
    }

    /// The oldest line kept.
    pub fn top(&mut self) {
        self.pause();
        let i = (self.height - 1).min(self.matches.len().saturating_sub(1));
        self.anchor = self.matches.get(i).copied();
    }

    /// The newest line, following again.
    pub fn bottom(&mut self) {
        self.follow();
    }

    /// Select the next line (older → newer) matching the search; `false`
    /// when there is none (or no search).
    pub fn next_match(&mut self, buf: &LogBuffer) -> bool {
        let Some(p) = self.search.clone() else {
            return false;
        };
        self.jump(buf, true, |l| p.is_match(l.text()))
    }

    /// Select the previous (older) line matching the search.
    pub fn prev_match(&mut self, buf: &LogBuffer) -> bool {
        let Some(p) = self.search.clone() else {
            return false;
        };
        self.jump(buf, false, |l| p.is_match(l.text()))
    }

    /// Select the next error or fatal line.
    pub fn next_error(&mut self, buf: &LogBuffer) -> bool {
        self.jump(buf, true, |l| l.level().is_error())
    }

    /// Select the previous error or fatal line.
    pub fn prev_error(&mut self, buf: &LogBuffer) -> bool {
        self.jump(buf, false, |l| l.level().is_error())
    }

    /// Move the selection to the nearest shown line satisfying `hit`,
    /// forwards or backwards from the selection (or, with none, from the
    /// top of the screen forwards / its bottom backwards), and scroll so
    /// it is on screen.
    fn jump(&mut self, buf: &LogBuffer, forward: bool, hit: impl Fn(&LogLine) -> bool) -> bool {
        let screen = self.screen();
        if screen.is_empty() {
            return false;
        }
        let found = match (self.selected, forward) {
            (Some(sel), true) => {
                let from = self.matches.partition_point(|&s| s <= sel);
                self.find(buf, from..self.matches.len(), true, &hit)
            }
            (Some(sel), false) => {
                let to = self.matches.partition_point(|&s| s < sel);
                self.find(buf, 0..to, false, &hit)
            }
            (None, true) => self.find(buf, screen.start..self.matches.len(), true, &hit),
            (None, false) => self.find(buf, 0..screen.end, false, &hit),
        };
        let Some(i) = found else {
            return false;
        };
        self.pause();
        self.selected = Some(self.matches[i]);
        let screen = self.screen();
        if !screen.contains(&i) {
            let bottom = (i + self.height / 2)
                .max(self.height - 1)
                .min(self.matches.len() - 1);
            self.anchor = Some(self.matches[bottom]);
        }
        true
    }

    fn find(
        &self,
        buf: &LogBuffer,
        range: Range<usize>,
        forward: bool,
        hit: &impl Fn(&LogLine) -> bool,
    ) -> Option<usize> {
        let ok = |i: &usize| buf.get(self.matches[*i]).is_some_and(hit);
        if forward {
            range.into_iter().find(ok)
        } else {
            range.into_iter().rev().find(ok)
        }
    }

    /// The selected line's `seq`, if any.
    pub fn selected(&self) -> Option<u64> {
        self.selected
    }

    /// The lines on screen, oldest first: at most `height` of them.
    pub fn rows<'a>(&self, buf: &'a LogBuffer) -> Vec<Row<'a>> {
        self.rows_in(buf, self.height)
    }

    /// The lines a screen of `height` rows shows, oldest first, ending at
    /// the same line as [`LogView::rows`] (a draw that has more or fewer
    /// rows than the view last heard of).
    pub fn rows_in<'a>(&self, buf: &'a LogBuffer, height: usize) -> Vec<Row<'a>> {
        self.screen_of(height)
            .filter_map(|i| {
                let seq = self.matches[i];
                buf.get(seq).map(|line| Row {
                    seq,
                    line,
                    selected: self.selected == Some(seq),
                })
            })
            .collect()
    }

    pub fn status(&self, buf: &LogBuffer) -> ViewStatus {
        ViewStatus {
            following: self.follow,
            wrap: self.wrap,
            unseen: self.unseen,
            filter: self.filter.as_ref().map(|p| p.as_str().to_string()),
            min_level: self.min_level,
            search: self.search.as_ref().map(|p| p.as_str().to_string()),
            shown: self.matches.len(),
            kept: buf.len(),
            hidden_sources: self.hidden.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(n: usize, capacity: usize) -> LogBuffer {
        let mut b = LogBuffer::new(capacity);
        b.extend((0..n).map(|i| {
            let level = if i % 10 == 3 {
                Level::Error
            } else {
                Level::Info
            };
            let text = if i % 7 == 0 {
                format!("line {i} upstream timeout")
            } else {
                format!("line {i}")
            };
            LogLine::note(SourceId((i % 2) as u16), &text, level, 0)
        }));
        b
    }

    /// The first two words of each row ("line 7").
    fn texts(v: &LogView, b: &LogBuffer) -> Vec<String> {
        v.rows(b)
            .iter()
            .map(|r| {
                r.line
                    .text()
                    .split(' ')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn follows_the_newest_lines() {
        let mut b = buf(50, 1000);
        let mut v = LogView::new();
        v.set_height(3);
        v.sync(&b);
        assert_eq!(texts(&v, &b), ["line 47", "line 48", "line 49"]);
        b.push(LogLine::note(SourceId(0), "line 50", Level::Info, 0));
        v.sync(&b);
        assert_eq!(texts(&v, &b), ["line 48", "line 49", "line 50"]);
        assert_eq!(v.status(&b).unseen, 0);
    }

    #[test]
    fn pausing_holds_the_screen_and_counts_new_lines() {
        let mut b = buf(50, 1000);
        let mut v = LogView::new();
        v.set_height(3);
        v.sync(&b);
        v.scroll_up(10);
        assert!(!v.is_following());
        assert_eq!(texts(&v, &b), ["line 37", "line 38", "line 39"]);
        b.extend((0..5).map(|i| LogLine::note(SourceId(0), &format!("new {i}"), Level::Info, 0)));
        v.sync(&b);
        assert_eq!(texts(&v, &b), ["line 37", "line 38", "line 39"]);
        assert_eq!(v.status(&b).unseen, 5);
        v.scroll_down(1000);
        assert_eq!(texts(&v, &b), ["new 2", "new 3", "new 4"]);
        v.top();
        assert_eq!(texts(&v, &b), ["line 0", "line 1", "line 2"]);
        v.scroll_up(5);
        assert_eq!(texts(&v, &b), ["line 0", "line 1", "line 2"]);
        v.bottom();
        assert!(v.is_following());
        assert_eq!(v.status(&b).unseen, 0);
    }

    #[test]
    fn level_and_text_filters_combine() {
        let b = buf(100, 1000);
        let mut v = LogView::new();
        v.set_height(100);
        v.sync(&b);
        v.set_min_level(&b, Some(Level::Error));
        assert_eq!(v.status(&b).shown, 10);
        v.set_filter(&b, Some("timeout")).unwrap();
        // i % 10 == 3 and i % 7 == 0: only 63.
        assert_eq!(texts(&v, &b), ["line 63"]);
        assert!(v.set_filter(&b, Some("/(/")).is_err());
        v.set_min_level(&b, None);
        v.set_filter(&b, None).unwrap();
        v.toggle_source(&b, SourceId(1));
        assert_eq!(v.status(&b).shown, 50);
        assert!(v.is_hidden(SourceId(1)));
    }

    #[test]
    fn next_and_previous_error_and_match() {
        let b = buf(100, 1000);
        let mut v = LogView::new();
        v.set_height(5);
        v.sync(&b);
        // From the bottom, the previous error is line 93.
        assert!(v.prev_error(&b));
        assert_eq!(v.selected(), Some(93));
        assert!(!v.is_following());
        assert!(v.prev_error(&b));
        assert_eq!(v.selected(), Some(83));
        assert!(v.rows(&b).iter().any(|r| r.selected && r.seq == 83));
        assert!(v.next_error(&b));
        assert_eq!(v.selected(), Some(93));
        assert!(!v.next_error(&b));
        assert_eq!(v.selected(), Some(93));

        assert!(!v.next_match(&b), "no search yet");
        v.set_search(Some("TIMEOUT")).unwrap();
        assert!(!v.next_match(&b), "smart case: upper case is exact");
        v.set_search(Some("timeout")).unwrap();
        assert!(v.next_match(&b));
        assert_eq!(v.selected(), Some(98));
        assert!(v.prev_match(&b));
        assert_eq!(v.selected(), Some(91));
        assert_eq!(v.search_ranges("x timeout"), vec![2..9]);
    }

    #[test]
    fn positions_survive_old_lines_falling_out() {
        let mut b = buf(20, 20);
        let mut v = LogView::new();
        v.set_height(3);
        v.sync(&b);
        v.top();
        assert_eq!(texts(&v, &b), ["line 0", "line 1", "line 2"]);
        b.extend((0..25).map(|i| LogLine::note(SourceId(0), &format!("new {i}"), Level::Info, 0)));
        v.sync(&b);
        assert_eq!(v.status(&b).shown, 20);
        // The anchor fell out: the view shows the oldest kept lines.
        assert_eq!(texts(&v, &b), ["new 5", "new 6", "new 7"]);
    }
}
