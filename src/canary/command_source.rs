//! The command source: runs `[canary] command` with `sh -c` in the
//! repository root and reads samples from what it prints.
//!
//! # What the command gets
//!
//! | variable | value |
//! |---|---|
//! | `GREENLIGHT_CANARY_START`, `GREENLIGHT_CANARY_END` | the window, Unix seconds |
//! | `GREENLIGHT_CANARY_STEP` | seconds between samples |
//! | `GREENLIGHT_CANARY_METRICS` | JSON: `[{"name": "...", "query": "..."}]` (query when configured) |
//!
//! # What it prints (stdout)
//!
//! ```json
//! {"metrics": {
//!   "error rate":  {"canary": [0.001, 0.002], "baseline": [0.001, 0.001]},
//!   "p99 latency": {"canary": [[1700000000, 120.5], [1700000010, "NaN"]],
//!                   "baseline": [[1700000000, 118.0]]}
//! }}
//! ```
//!
//! A sample is a number, a string (`"NaN"`, `"+Inf"`, `"-Inf"` or a
//! decimal, as Prometheus writes them), `null` (a gap, dropped like NaN),
//! or a `[unix seconds, value]` pair. Samples without a time are spread
//! evenly over the window for charts. A configured metric missing from the
//! output is an error for that metric alone; metrics not configured are
//! ignored. Output that is not this JSON, a non-zero exit or a timeout fail
//! the whole source, with the first bytes of stdout or the last lines of
//! stderr in the message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::config::{CanaryConfig, MetricConfig};
use super::process::run_shell;
use super::prometheus::parse_value;
use super::source::{MetricSamples, MetricSource, Point, SourceError, Window, snippet};

/// A command that prints samples as JSON.
pub struct CommandSource {
    command: String,
    root: PathBuf,
    timeout: Duration,
}

#[derive(Deserialize)]
struct Output {
    metrics: BTreeMap<String, Tracks>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tracks {
    #[serde(default)]
    canary: Vec<Sample>,
    #[serde(default)]
    baseline: Vec<Sample>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Sample {
    Pair(f64, Value),
    Value(Value),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Value {
    Number(f64),
    Text(String),
    Null(()),
}

impl Value {
    fn get(&self) -> Option<f64> {
        match self {
            Value::Number(v) => Some(*v),
            Value::Text(t) => parse_value(t.trim()),
            Value::Null(()) => Some(f64::NAN),
        }
    }
}

impl CommandSource {
    pub fn new(command: impl Into<String>, root: impl Into<PathBuf>, timeout: Duration) -> Self {
        CommandSource {
            command: command.into(),
            root: root.into(),
            timeout,
        }
    }

    pub fn from_config(config: &CanaryConfig, root: &Path) -> Result<CommandSource, SourceError> {
        let command = config
            .command
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| SourceError::Config("source = \"command\" needs `command`".into()))?;
        Ok(CommandSource::new(command, root, config.timeout()))
    }

    fn env(metrics: &[MetricConfig], window: &Window) -> Vec<(String, String)> {
        let list: Vec<serde_json::Value> = metrics
            .iter()
            .map(|m| match &m.query {
                Some(q) => serde_json::json!({"name": m.name, "query": q}),
                None => serde_json::json!({"name": m.name}),
            })
            .collect();
        vec![
            (
                "GREENLIGHT_CANARY_START".into(),
                format!("{:.3}", window.start),
            ),
            ("GREENLIGHT_CANARY_END".into(), format!("{:.3}", window.end)),
            (
                "GREENLIGHT_CANARY_STEP".into(),
                format!("{}", window.step.as_secs_f64()),
            ),
            (
                "GREENLIGHT_CANARY_METRICS".into(),
                serde_json::Value::Array(list).to_string(),
            ),
        ]
    }
}

/// Reads the command's output (see the module docs) into one result per
/// configured metric.
pub fn parse_output(
    command: &str,
    stdout: &str,
    metrics: &[MetricConfig],
    window: &Window,
) -> Result<Vec<Result<MetricSamples, SourceError>>, SourceError> {
    let bad = |what: String| SourceError::CommandOutput {
        command: command.to_owned(),
        what,
        snippet: snippet(stdout, 120),
    };
    if stdout.trim().is_empty() {
        return Err(bad(
            "nothing on stdout (expected JSON: {\"metrics\": {…}})".into()
        ));
    }
    let out: Output = serde_json::from_str(stdout)
        .map_err(|e| bad(format!("output that is not the expected JSON ({e})")))?;
    let named: Vec<String> = out.metrics.keys().cloned().collect();
    let mut results = Vec::with_capacity(metrics.len());
    for m in metrics {
        let Some(tracks) = out.metrics.get(&m.name) else {
            results.push(Err(SourceError::MetricMissing {
                metric: m.name.clone(),
                named: named.clone(),
            }));
            continue;
        };
        let side = |samples: &[Sample], track: &str| -> Result<Vec<Point>, SourceError> {
            let n = samples.len().max(1) as f64;
            let span = window.end - window.start;
            samples
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (t, v) = match s {
                        Sample::Pair(t, v) => (*t, v),
                        Sample::Value(v) => (window.start + span * (i as f64 + 1.0) / n, v),
                    };
                    v.get().map(|v| (t, v)).ok_or_else(|| {
                        bad(format!(
                            "a {track} sample of `{}` that is not a number",
                            m.name
                        ))
                    })
                })
                .collect()
        };
        results.push(Ok(MetricSamples {
            canary: side(&tracks.canary, "canary")?,
            baseline: side(&tracks.baseline, "baseline")?,
            notes: Vec::new(),
        }));
    }
    Ok(results)
}

impl MetricSource for CommandSource {
    fn describe(&self) -> String {
        format!("command `{}`", self.command)
    }

    fn fetch(
        &mut self,
        metrics: &[MetricConfig],
        window: &Window,
    ) -> Result<Vec<Result<MetricSamples, SourceError>>, SourceError> {
        let env = Self::env(metrics, window);
        let done = run_shell(&self.command, &self.root, &env, self.timeout).map_err(|e| {
            SourceError::CommandSpawn {
                command: self.command.clone(),
                reason: e.to_string(),
            }
        })?;
        if !done.succeeded() {
            let stderr = String::from_utf8_lossy(&done.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(SourceError::CommandFailed {
                command: self.command.clone(),
                how: done.how(self.timeout),
                stderr: snippet(&tail.join(" / "), 300),
            });
        }
        parse_output(
            &self.command,
            &String::from_utf8_lossy(&done.stdout),
            metrics,
            window,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::spec::Direction;

    fn window() -> Window {
        Window::ending_at(1000.0, Duration::from_secs(100), Duration::from_secs(10))
    }

    fn metrics(names: &[&str]) -> Vec<MetricConfig> {
        names
            .iter()
            .map(|n| MetricConfig::new(*n, Direction::Increase))
            .collect()
    }

    #[test]
    fn reads_numbers_strings_nulls_and_pairs() {
        let out = r#"{"metrics": {
            "a": {"canary": [1, "2.5", "NaN", null, "+Inf"], "baseline": [[950, 3], [960, "-Inf"]]},
            "unused": {"canary": [], "baseline": []}
        }}"#;
        let r = parse_output("x", out, &metrics(&["a"]), &window()).unwrap();
        let a = r[0].as_ref().unwrap();
        assert_eq!(a.canary.len(), 5);
        assert_eq!(a.canary[0], (920.0, 1.0));
        assert_eq!(a.canary[4], (1000.0, f64::INFINITY));
        assert!(a.canary[2].1.is_nan() && a.canary[3].1.is_nan());
        assert_eq!(a.baseline, vec![(950.0, 3.0), (960.0, f64::NEG_INFINITY)]);
    }

    #[test]
    fn a_missing_metric_is_an_error_for_that_metric_only() {
        let out = r#"{"metrics": {"a": {"canary": [1], "baseline": [1]}}}"#;
        let r = parse_output("x", out, &metrics(&["a", "b"]), &window()).unwrap();
        assert!(r[0].is_ok());
        assert_eq!(
            r[1].as_ref().unwrap_err().to_string(),
            "no samples for `b` in the output of the canary command (it named: a)"
        );
    }

    #[test]
    fn bad_json_shows_the_first_bytes() {
        let e = parse_output(
            "./m.sh",
            "Traceback (most recent call last): boom",
            &metrics(&["a"]),
            &window(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("canary command `./m.sh` printed output that is not the expected JSON"),
            "{e}"
        );
        assert!(
            e.ends_with("first bytes: \"Traceback (most recent call last): boom\""),
            "{e}"
        );
        let e = parse_output("x", "", &metrics(&["a"]), &window()).unwrap_err();
        assert!(e.to_string().contains("nothing on stdout"), "{e}");
        let e = parse_output(
            "x",
            r#"{"metrics":{"a":{"canary":["lots"]}}}"#,
            &metrics(&["a"]),
            &window(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("a canary sample of `a` that is not a number"),
            "{e}"
        );
    }
}
