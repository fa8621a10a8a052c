//! The error rate: errors per minute now, against the ten minutes before
//! the release step started. This is what "validate production logs"
//! reads: the same service, the same logs, before and after.
//!
//! Lines are counted into ten-second buckets by their own timestamp (or
//! when they were read), for as long as a day; the ring buffer may forget
//! the lines, the buckets keep the counts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::time::Millis;

/// Width of one bucket.
pub const BUCKET_MS: Millis = 10_000;
/// Buckets kept: one day. The oldest go first.
pub const MAX_BUCKETS: usize = 8_640;
/// The baseline: this long before the step started.
pub const BASELINE_MS: Millis = 10 * 60_000;
/// "Now": this long before now.
pub const RECENT_MS: Millis = 60_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bucket {
    lines: u32,
    errors: u32,
}

/// Line and error counts per ten seconds.
#[derive(Debug, Clone, Default)]
pub struct ErrorHistory {
    buckets: BTreeMap<Millis, Bucket>,
}

impl ErrorHistory {
    pub fn record(&mut self, at: Millis, is_error: bool) {
        let key = at.div_euclid(BUCKET_MS);
        let b = self.buckets.entry(key).or_default();
        b.lines = b.lines.saturating_add(1);
        b.errors = b.errors.saturating_add(u32::from(is_error));
        if self.buckets.len() > MAX_BUCKETS {
            self.buckets.pop_first();
        }
    }

    /// (lines, errors) in `[from, to)`, at bucket resolution.
    pub fn count(&self, from: Millis, to: Millis) -> (u64, u64) {
        let (a, b) = (from.div_euclid(BUCKET_MS), to.div_euclid(BUCKET_MS));
        self.buckets.range(a..b).fold((0, 0), |(l, e), (_, v)| {
            (l + u64::from(v.lines), e + u64::from(v.errors))
        })
    }

    /// The earliest time with a count, if any.
    pub fn earliest(&self) -> Option<Millis> {
        self.buckets.keys().next().map(|k| k * BUCKET_MS)
    }
}

/// Errors per minute now and before the step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorRate {
    /// Errors per minute over the last minute.
    pub now_per_min: f64,
    /// Errors per minute over the ten minutes before the step started.
    pub baseline_per_min: f64,
    /// Lines seen in the baseline window: zero means there is no baseline
    /// (logs not followed then), not a clean one.
    pub baseline_lines: u64,
    /// Lines seen in the last minute.
    pub recent_lines: u64,
}

impl ErrorRate {
    /// Compute from the history. Pure: the caller gives both instants.
    pub fn compute(history: &ErrorHistory, step_started: Millis, now: Millis) -> ErrorRate {
        let (recent_lines, recent_errors) = history.count(now - RECENT_MS, now);
        let (baseline_lines, baseline_errors) =
            history.count(step_started - BASELINE_MS, step_started);
        ErrorRate {
            now_per_min: recent_errors as f64 * 60_000.0 / RECENT_MS as f64,
            baseline_per_min: baseline_errors as f64 * 60_000.0 / BASELINE_MS as f64,
            baseline_lines,
            recent_lines,
        }
    }

    /// Now over before; `None` without a baseline, or when both are zero.
    pub fn ratio(&self) -> Option<f64> {
        if self.baseline_lines == 0 {
            return None;
        }
        if self.baseline_per_min == 0.0 {
            return if self.now_per_min == 0.0 {
                None
            } else {
                Some(f64::INFINITY)
            };
        }
        Some(self.now_per_min / self.baseline_per_min)
    }

    /// One line for the pane's header and the step's note.
    pub fn summary(&self) -> String {
        let now = format!("errors/min {:.1} now", self.now_per_min);
        if self.baseline_lines == 0 {
            return format!("{now}; no baseline (no log lines in the 10 min before the step)");
        }
        let before = format!("{:.1} in the 10 min before the step", self.baseline_per_min);
        match self.ratio() {
            Some(r) if r.is_infinite() => format!("{now} vs {before} (new errors)"),
            Some(r) => format!("{now} vs {before} (×{r:.1})"),
            None => format!("{now} vs {before}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: Millis = 1_000_000_000;

    #[test]
    fn compares_the_last_minute_with_the_ten_before_the_step() {
        let mut h = ErrorHistory::default();
        // Baseline: 20 errors in 10 minutes, plus ordinary lines.
        for i in 0..600 {
            h.record(STEP - BASELINE_MS + i * 1000, i % 30 == 0);
        }
        // Before the baseline: not counted.
        for i in 0..100 {
            h.record(STEP - BASELINE_MS - 60_000 + i * 10, true);
        }
        let now = STEP + 30 * 60_000;
        for i in 0..60 {
            h.record(now - RECENT_MS + i * 1000, i % 6 == 0);
        }
        let r = ErrorRate::compute(&h, STEP, now);
        assert_eq!(r.baseline_per_min, 2.0);
        assert_eq!(r.now_per_min, 10.0);
        assert_eq!(r.baseline_lines, 600);
        assert_eq!(r.recent_lines, 60);
        assert_eq!(r.ratio(), Some(5.0));
        assert!(r.summary().contains("×5.0"), "{}", r.summary());
    }

    #[test]
    fn no_baseline_is_said_plainly() {
        let mut h = ErrorHistory::default();
        h.record(STEP + 10, true);
        let r = ErrorRate::compute(&h, STEP, STEP + 20_000);
        assert_eq!(r.ratio(), None);
        assert!(r.summary().contains("no baseline"), "{}", r.summary());
        h.record(STEP - 5000, false);
        let r = ErrorRate::compute(&h, STEP, STEP + 20_000);
        assert_eq!(r.ratio(), Some(f64::INFINITY));
        assert!(r.summary().contains("new errors"));
    }

    #[test]
    fn history_is_bounded() {
        let mut h = ErrorHistory::default();
        for i in 0..(MAX_BUCKETS as i64 + 100) {
            h.record(i * BUCKET_MS, false);
        }
        assert_eq!(h.buckets.len(), MAX_BUCKETS);
        assert_eq!(h.earliest(), Some(100 * BUCKET_MS));
    }
}
