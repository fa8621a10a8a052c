//! Where metric samples come from: one trait, three implementations
//! ([`super::prometheus`], [`super::command_source`], [`super::sim`]), and the
//! typed errors they return. A source never panics on bad input: every
//! failure is a [`SourceError`] value, which the judgement run turns into
//! "no data, because …" for the metric it hit.

use std::time::Duration;

use super::config::{CanaryConfig, MetricConfig};

/// A time point, as Unix seconds (Prometheus' own unit; fractions allowed).
pub type Seconds = f64;

/// One sample: when, and the value.
pub type Point = (Seconds, f64);

/// The time range a judgement compares, canary and baseline alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub start: Seconds,
    pub end: Seconds,
    /// Resolution: one sample per step.
    pub step: Duration,
}

impl Window {
    /// The `length` of time that ends at `end`.
    pub fn ending_at(end: Seconds, length: Duration, step: Duration) -> Window {
        Window {
            start: end - length.as_secs_f64(),
            end,
            step,
        }
    }

    /// The window a judgement made at `now` looks at.
    pub fn for_config(config: &CanaryConfig, now: jiff::Timestamp) -> Window {
        let end = now.as_millisecond() as f64 / 1000.0;
        Window::ending_at(end, config.window(), config.step())
    }
}

/// The samples of one metric over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSamples {
    pub canary: Vec<Point>,
    pub baseline: Vec<Point>,
    /// What the judgement should mention about how the samples were made
    /// (e.g. "canary: 3 series concatenated").
    pub notes: Vec<String>,
}

impl MetricSamples {
    pub fn canary_values(&self) -> Vec<f64> {
        self.canary.iter().map(|p| p.1).collect()
    }
    pub fn baseline_values(&self) -> Vec<f64> {
        self.baseline.iter().map(|p| p.1).collect()
    }
}

/// Why a source gave no samples. Clone so one failure of the whole source
/// can be reported on every metric it hit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    #[error("cannot reach Prometheus at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Prometheus at {url} did not answer within {timeout_ms} ms (query: {query})")]
    Timeout {
        url: String,
        timeout_ms: u64,
        query: String,
    },
    /// Prometheus answered with its error JSON.
    #[error("Prometheus answered {}{error_type}: {error} (query: {query})", status.map(|s| format!("HTTP {s}, ")).unwrap_or_default())]
    Api {
        status: Option<u16>,
        error_type: String,
        error: String,
        query: String,
    },
    /// Prometheus (or a proxy in front of it) answered something else.
    #[error("Prometheus answered HTTP {status} with {what}: {snippet:?} (query: {query})")]
    BadResponse {
        status: u16,
        what: String,
        snippet: String,
        query: String,
    },
    #[error("the canary source is misconfigured: {0}")]
    Config(String),
    #[error("canary command `{command}` could not run: {reason}")]
    CommandSpawn { command: String, reason: String },
    #[error("canary command `{command}` {how}{}", if stderr.is_empty() { String::new() } else { format!("; it printed: {stderr}") })]
    CommandFailed {
        command: String,
        how: String,
        stderr: String,
    },
    #[error("canary command `{command}` printed {what}; first bytes: {snippet:?}")]
    CommandOutput {
        command: String,
        what: String,
        snippet: String,
    },
    #[error("no samples for `{metric}` in the output of the canary command (it named: {})", if named.is_empty() { "no metrics".to_owned() } else { named.join(", ") })]
    MetricMissing { metric: String, named: Vec<String> },
}

/// A source of canary and baseline samples.
///
/// `Send` so the TUI can move it into a background task; `&mut self` so a
/// source can keep state (connections, a simulated clock).
pub trait MetricSource: Send {
    /// Where samples come from, for messages ("prometheus at http://…").
    fn describe(&self) -> String;

    /// Samples of each metric over `window`. The outer error is a failure
    /// of the whole source (the command did not run); otherwise one result
    /// per metric, in the order given.
    fn fetch(
        &mut self,
        metrics: &[MetricConfig],
        window: &Window,
    ) -> Result<Vec<Result<MetricSamples, SourceError>>, SourceError>;

    /// The simulated source's regression switch (flip it to make the
    /// canary go bad); `None` for real sources.
    fn regression_switch(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        None
    }
}

/// The first `max` bytes of `text` (on a char boundary), for messages
/// about output that could not be read.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.trim().to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text[..end].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_cuts_on_a_char_boundary() {
        assert_eq!(snippet("  short ", 10), "short");
        assert_eq!(snippet("ééééé", 3), "é…");
    }

    #[test]
    fn window_ends_now() {
        let w = Window::ending_at(1000.0, Duration::from_secs(60), Duration::from_secs(1));
        assert_eq!((w.start, w.end), (940.0, 1000.0));
    }
}
