//! The `[canary]` section of `.greenlight.toml`, typed.
//!
//! Serde catches unknown keys and wrongly typed values (with file, line and
//! column through [`crate::config::parse_toml`]); [`CanaryConfig::problems`]
//! catches values that parse but make no sense (a prometheus source without
//! a `url`, a query without `{track}`, a negative tolerance), naming the
//! metric. Everything but `source` has a default; `source = "simulated"`
//! alone is a complete configuration (the demo's).
//!
//! ```toml
//! [canary]
//! source = "prometheus"            # prometheus | command | simulated
//! url = "http://127.0.0.1:9090"
//! interval = "30s"                 # one judgement per interval
//! window = "10m"                   # samples compared per judgement
//! step = "10s"                     # query_range resolution (default window/60)
//! timeout = "5s"                   # per HTTP request or command run
//! pass = 90
//! marginal = 75
//! weights = [5, 25, 50, 100]       # or [[canary.steps]] weight/min_observation
//! min_observation = "5m"
//! set_weight = "./deploy/set-weight.sh"
//! rollback = "./deploy/rollback.sh"
//! auto_rollback = false
//! strategy = "canary"              # canary | blue-green
//!
//! [[canary.metrics]]
//! name = "error rate"
//! query = 'sum(rate(http_requests_total{track="{track}",code=~"5.."}[1m]))'
//! direction = "increase"
//! critical = true
//! max = 0.01
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::spec::{Direction, JudgeConfig, MetricSpec, Statistic, Thresholds};

/// Where samples come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The Prometheus HTTP API (`/api/v1/query_range`).
    Prometheus,
    /// A command that prints samples as JSON (see [`super::command_source`]).
    Command,
    /// Built-in noise for the demo and tests (see [`super::sim`]).
    Simulated,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Prometheus => "prometheus",
            SourceKind::Command => "command",
            SourceKind::Simulated => "simulated",
        }
    }
}

/// How traffic moves to the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Weight steps (5%, 25%, …), each judged before the next.
    #[default]
    Canary,
    /// A preview of the new stack with no live traffic (weight 0), judged,
    /// then one switch to 100%.
    BlueGreen,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Canary => "canary",
            Strategy::BlueGreen => "blue-green",
        }
    }
}

/// Several series in one query result: how they become one sample list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// Every series' samples in one list (e.g. per-pod latencies); the
    /// judgement says how many series were joined.
    #[default]
    Concat,
    /// Samples at the same timestamp added up (e.g. per-pod request rates).
    Sum,
}

/// What the simulated source generates for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimModel {
    /// Latency in ms, log-normal around a median.
    Latency,
    /// Share of failed requests, binomial around a small rate.
    ErrorRate,
    /// Requests per second, normal around a mean.
    Throughput,
}

/// A duration written as a humantime string ("30s", "10m", "1h 30m").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Dur(pub Duration);

impl TryFrom<String> for Dur {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        humantime::parse_duration(text.trim())
            .map(Dur)
            .map_err(|e| format!("`{text}` is not a duration such as \"30s\" or \"10m\": {e}"))
    }
}

impl From<Dur> for String {
    fn from(d: Dur) -> String {
        humantime::format_duration(d.0).to_string()
    }
}

impl std::fmt::Display for Dur {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

/// One `[[canary.metrics]]` entry: the judge's [`MetricSpec`] plus where
/// its samples come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    pub name: String,
    /// PromQL with a `{track}` placeholder (prometheus source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub critical: bool,
    #[serde(default)]
    pub must_have_data: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default)]
    pub statistic: Statistic,
    /// Several series in a result: `concat` (default) or `sum`.
    #[serde(default)]
    pub combine: Combine,
    /// Simulated source only: what to generate; default guessed from the
    /// name and direction (see [`MetricConfig::sim_model`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulate: Option<SimModel>,
}

impl MetricConfig {
    /// A metric with every default.
    pub fn new(name: impl Into<String>, direction: Direction) -> Self {
        MetricConfig {
            name: name.into(),
            query: None,
            direction,
            critical: false,
            must_have_data: false,
            group: None,
            weight: None,
            tolerance: None,
            alpha: None,
            min_samples: None,
            max: None,
            min: None,
            statistic: Statistic::default(),
            combine: Combine::default(),
            simulate: None,
        }
    }

    /// The judge's view of this metric, the judge's defaults filling gaps.
    pub fn spec(&self) -> MetricSpec {
        let mut s = MetricSpec::new(self.name.clone(), self.direction);
        s.group = self.group.clone();
        s.critical = self.critical;
        s.must_have_data = self.must_have_data;
        s.max = self.max;
        s.min = self.min;
        s.statistic = self.statistic;
        if let Some(w) = self.weight {
            s.weight = w;
        }
        if let Some(t) = self.tolerance {
            s.tolerance = t;
        }
        if let Some(a) = self.alpha {
            s.alpha = a;
        }
        if let Some(n) = self.min_samples {
            s.min_samples = n;
        }
        s
    }

    /// The query for one track: `{track}` replaced by `canary` or
    /// `baseline`.
    pub fn query_for(&self, track: &str) -> Option<String> {
        self.query.as_ref().map(|q| q.replace("{track}", track))
    }

    /// What the simulated source generates: `simulate` if given, else an
    /// error rate for names mentioning errors, throughput when a decrease
    /// is bad, latency otherwise.
    pub fn sim_model(&self) -> SimModel {
        if let Some(m) = self.simulate {
            return m;
        }
        let lower = self.name.to_lowercase();
        if lower.contains("error") || lower.contains("5xx") || lower.contains("fail") {
            SimModel::ErrorRate
        } else if self.direction == Direction::Decrease {
            SimModel::Throughput
        } else {
            SimModel::Latency
        }
    }
}

/// One weight step of a canary: its traffic share and how long to watch
/// it before moving on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_observation: Option<Dur>,
}

/// `[canary.simulated]`: the demo's knobs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Same seed, same samples. Default 42.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Start with the regression injected into the canary (the CLI also
    /// reads `GREENLIGHT_SIM_REGRESSION=1`).
    #[serde(default)]
    pub regression: bool,
}

/// The whole `[canary]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryConfig {
    pub source: SourceKind,
    /// Prometheus base URL, e.g. `http://127.0.0.1:9090`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Command source: run with `sh -c` in the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Dur>,
    /// Resolution of the samples; default `window / 60` (at least 1 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<Dur>,
    /// Per HTTP request or command run. Default 5 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Dur>,
    #[serde(default = "default_pass")]
    pub pass: f64,
    #[serde(default = "default_marginal")]
    pub marginal: f64,
    /// Weight of each metric group in the score; groups not listed weigh 1.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_weights: BTreeMap<String, f64>,
    /// Traffic weight steps, in percent. Default `[5, 25, 50, 100]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<u32>>,
    /// Weight steps with their own observation times (instead of `weights`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepConfig>,
    /// How long each step is watched before the next; default 5 min
    /// (30 s with the simulated source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_observation: Option<Dur>,
    #[serde(default)]
    pub strategy: Strategy,
    /// Command that sets the weight; gets `GREENLIGHT_CANARY_WEIGHT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<String>,
    /// Command that undoes the canary when the session's canary step has
    /// no `rollback` of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// Run the rollback without asking when the verdict is Roll back.
    #[serde(default)]
    pub auto_rollback: bool,
    /// Names of environment variables holding credentials (never the
    /// credentials themselves: this file is committed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth_user_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth_password_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated: Option<SimConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricConfig>,
}

fn default_pass() -> f64 {
    Thresholds::default().pass
}
fn default_marginal() -> f64 {
    Thresholds::default().marginal
}

/// The weights used when none are configured.
pub const DEFAULT_WEIGHTS: [u32; 4] = [5, 25, 50, 100];

impl CanaryConfig {
    /// A configuration of `source` with every default.
    pub fn new(source: SourceKind) -> Self {
        CanaryConfig {
            source,
            url: None,
            command: None,
            interval: None,
            window: None,
            step: None,
            timeout: None,
            pass: default_pass(),
            marginal: default_marginal(),
            group_weights: BTreeMap::new(),
            weights: None,
            steps: Vec::new(),
            min_observation: None,
            strategy: Strategy::default(),
            set_weight: None,
            rollback: None,
            auto_rollback: false,
            bearer_token_env: None,
            basic_auth_user_env: None,
            basic_auth_password_env: None,
            simulated: None,
            metrics: Vec::new(),
        }
    }

    fn simulated_source(&self) -> bool {
        self.source == SourceKind::Simulated
    }

    /// Time between judgements: default 30 s (5 s simulated).
    pub fn interval(&self) -> Duration {
        self.interval
            .map(|d| d.0)
            .unwrap_or(if self.simulated_source() {
                Duration::from_secs(5)
            } else {
                Duration::from_secs(30)
            })
    }

    /// Samples compared per judgement: default 10 min (1 min simulated).
    pub fn window(&self) -> Duration {
        self.window
            .map(|d| d.0)
            .unwrap_or(if self.simulated_source() {
                Duration::from_secs(60)
            } else {
                Duration::from_secs(600)
            })
    }

    /// Resolution of the samples: `step`, else `window / 60` rounded down
    /// to whole seconds and at least 1 s, so a window holds about 60
    /// samples a side whatever its length.
    pub fn step(&self) -> Duration {
        self.step
            .map(|d| d.0)
            .unwrap_or_else(|| Duration::from_secs((self.window().as_secs() / 60).max(1)))
    }

    /// Per request or command run; default 5 s.
    pub fn timeout(&self) -> Duration {
        self.timeout.map(|d| d.0).unwrap_or(Duration::from_secs(5))
    }

    /// Observation time of a step without its own: default 5 min (30 s
    /// simulated, the demo's pace).
    pub fn min_observation(&self) -> Duration {
        self.min_observation
            .map(|d| d.0)
            .unwrap_or(if self.simulated_source() {
                Duration::from_secs(30)
            } else {
                Duration::from_secs(300)
            })
    }

    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            pass: self.pass,
            marginal: self.marginal,
        }
    }

    pub fn judge_config(&self) -> JudgeConfig {
        JudgeConfig {
            thresholds: self.thresholds(),
            group_weights: self.group_weights.clone(),
        }
    }

    /// The metrics judged: those configured, or for the simulated source
    /// with none configured, [`default_sim_metrics`].
    pub fn effective_metrics(&self) -> Vec<MetricConfig> {
        if self.metrics.is_empty() && self.simulated_source() {
            default_sim_metrics()
        } else {
            self.metrics.clone()
        }
    }

    /// Weight steps with their observation times: `[[canary.steps]]`, else
    /// `weights`, else [`DEFAULT_WEIGHTS`].
    pub fn weight_steps(&self) -> Vec<(u32, Duration)> {
        let global = self.min_observation();
        if !self.steps.is_empty() {
            return self
                .steps
                .iter()
                .map(|s| (s.weight, s.min_observation.map_or(global, |d| d.0)))
                .collect();
        }
        self.weights
            .clone()
            .unwrap_or_else(|| DEFAULT_WEIGHTS.to_vec())
            .into_iter()
            .map(|w| (w, global))
            .collect()
    }

    /// Everything wrong with this section that serde cannot see, one line
    /// each, naming the metric or key. Empty when it is usable.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.source {
            SourceKind::Prometheus => match self.url.as_deref().map(str::trim) {
                None | Some("") => out.push(
                    "source = \"prometheus\" needs `url` (e.g. \"http://127.0.0.1:9090\")".into(),
                ),
                Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
                    out.push(format!("url `{u}` must start with http:// or https://"))
                }
                Some(_) => {}
            },
            SourceKind::Command => {
                if self.command.as_deref().is_none_or(|c| c.trim().is_empty()) {
                    out.push("source = \"command\" needs `command` (run with sh -c in the repository root)".into());
                }
            }
            SourceKind::Simulated => {}
        }
        if self.source != SourceKind::Simulated && self.metrics.is_empty() {
            out.push("no [[canary.metrics]]: name at least one metric to judge".into());
        }
        for (key, d) in [
            ("interval", self.interval),
            ("window", self.window),
            ("step", self.step),
            ("timeout", self.timeout),
        ] {
            if d.is_some_and(|d| d.0.is_zero()) {
                out.push(format!("`{key}` must be longer than zero"));
            }
        }
        if self.step() > self.window() {
            out.push(format!(
                "`step` {} is longer than `window` {}",
                Dur(self.step()),
                Dur(self.window())
            ));
        }
        out.extend(self.thresholds().problems());
        for (g, w) in &self.group_weights {
            if !(w.is_finite() && *w >= 0.0) {
                out.push(format!("group_weights.{g}: must be a finite number ≥ 0"));
            }
        }
        out.extend(self.step_problems());
        for key in [
            ("bearer_token_env", &self.bearer_token_env),
            ("basic_auth_user_env", &self.basic_auth_user_env),
            ("basic_auth_password_env", &self.basic_auth_password_env),
        ] {
            if key.1.as_deref().is_some_and(|v| v.trim().is_empty()) {
                out.push(format!("`{}` names no environment variable", key.0));
            }
        }
        if self.basic_auth_user_env.is_some() != self.basic_auth_password_env.is_some() {
            out.push(
                "basic auth needs both `basic_auth_user_env` and `basic_auth_password_env`".into(),
            );
        }
        if self.bearer_token_env.is_some() && self.basic_auth_user_env.is_some() {
            out.push("choose one of bearer token and basic auth, not both".into());
        }
        out.extend(self.metric_problems());
        out
    }

    fn step_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.weights.is_some() && !self.steps.is_empty() {
            out.push("give either `weights` or [[canary.steps]], not both".into());
        }
        let steps = self.weight_steps();
        if steps.is_empty() {
            out.push("the canary needs at least one weight step".into());
        }
        let mut prev: Option<u32> = None;
        for (w, _) in &steps {
            if *w > 100 {
                out.push(format!("weight {w} is above 100"));
            }
            if self.strategy == Strategy::Canary && *w == 0 {
                out.push("a canary weight step of 0 sends no traffic; start above 0".into());
            }
            if prev.is_some_and(|p| *w <= p) {
                out.push(format!(
                    "weights must rise step by step: {w} comes after {}",
                    prev.unwrap_or_default()
                ));
            }
            prev = Some(*w);
        }
        if self.strategy == Strategy::BlueGreen
            && (self.weights.is_some() || !self.steps.is_empty())
        {
            out.push(
                "strategy = \"blue-green\" has fixed steps (preview, then switch): drop `weights`/[[canary.steps]]".into(),
            );
        }
        out
    }

    fn metric_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (i, m) in self.metrics.iter().enumerate() {
            let name = m.name.trim();
            let label = if name.is_empty() {
                format!("metric #{}", i + 1)
            } else {
                format!("metric `{name}`")
            };
            if name.is_empty() {
                out.push(format!("{label}: `name` is empty"));
            } else if seen.contains(&name) {
                out.push(format!("{label}: the name is used twice"));
            }
            seen.push(name);
            for p in m.spec().problems() {
                // MetricSpec says "<name>: why"; say "metric `<name>`: why".
                let why = p.strip_prefix(&format!("{}: ", m.name)).unwrap_or(&p);
                out.push(format!("{label}: {why}"));
            }
            if self.source == SourceKind::Prometheus {
                match m.query.as_deref().map(str::trim) {
                    None | Some("") => out.push(format!(
                        "{label}: `query` is needed with source = \"prometheus\""
                    )),
                    Some(q) if !q.contains("{track}") => out.push(format!(
                        "{label}: the query has no {{track}} placeholder, so canary and baseline would be the same series"
                    )),
                    Some(_) => {}
                }
            }
        }
        out
    }
}

/// The metrics the simulated source judges when none are configured: a
/// critical error rate with an absolute limit of 1%, p99 latency, and
/// throughput.
pub fn default_sim_metrics() -> Vec<MetricConfig> {
    let mut errors = MetricConfig::new("error rate", Direction::Increase);
    errors.critical = true;
    errors.max = Some(0.01);
    // Error counts are noisy: judge them mainly on the absolute limit.
    errors.tolerance = Some(0.5);
    errors.simulate = Some(SimModel::ErrorRate);
    let mut latency = MetricConfig::new("p99 latency", Direction::Increase);
    latency.simulate = Some(SimModel::Latency);
    let mut throughput = MetricConfig::new("throughput", Direction::Decrease);
    throughput.simulate = Some(SimModel::Throughput);
    vec![errors, latency, throughput]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CanaryConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn simulated_alone_is_complete() {
        let c = parse("source = \"simulated\"").unwrap();
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        assert_eq!(c.effective_metrics().len(), 3);
        assert_eq!(c.interval(), Duration::from_secs(5));
        assert_eq!(c.step(), Duration::from_secs(1));
        assert_eq!(
            c.weight_steps(),
            vec![
                (5, Duration::from_secs(30)),
                (25, Duration::from_secs(30)),
                (50, Duration::from_secs(30)),
                (100, Duration::from_secs(30))
            ]
        );
    }

    #[test]
    fn metric_fields_map_onto_the_spec() {
        let c = parse(
            r#"
source = "prometheus"
url = "http://x:9090"
[[metrics]]
name = "errors"
query = 'rate(x{track="{track}"}[1m])'
critical = true
max = 0.01
tolerance = 0.2
group = "health"
weight = 2
statistic = "p95"
"#,
        )
        .unwrap();
        let s = c.metrics[0].spec();
        assert!(s.critical);
        assert_eq!(s.max, Some(0.01));
        assert_eq!(s.tolerance, 0.2);
        assert_eq!(s.group.as_deref(), Some("health"));
        assert_eq!(s.weight, 2.0);
        assert_eq!(s.statistic, Statistic::P95);
        assert_eq!(s.alpha, 0.05);
        assert_eq!(
            c.metrics[0].query_for("canary").as_deref(),
            Some(r#"rate(x{track="canary"}[1m])"#)
        );
        assert!(c.problems().is_empty(), "{:?}", c.problems());
    }

    #[test]
    fn problems_name_the_metric_and_key() {
        let c = parse(
            r#"
source = "prometheus"
pass = 70
marginal = 80
weights = [5, 50, 25]
[[metrics]]
name = "latency"
query = "histogram_quantile(0.99, x)"
tolerance = -1
[[metrics]]
name = "latency"
"#,
        )
        .unwrap();
        let p = c.problems().join("\n");
        for want in [
            "needs `url`",
            "marginal threshold 80 is above the pass threshold 70",
            "weights must rise step by step: 25 comes after 50",
            "metric `latency`: tolerance must be a finite number ≥ 0",
            "metric `latency`: the query has no {track} placeholder",
            "metric `latency`: the name is used twice",
            "metric `latency`: `query` is needed",
        ] {
            assert!(p.contains(want), "missing {want:?} in:\n{p}");
        }
    }

    #[test]
    fn bad_duration_is_a_parse_error() {
        let e = parse("source = \"simulated\"\nwindow = \"ten minutes\"").unwrap_err();
        assert!(e.to_string().contains("not a duration"), "{e}");
    }

    #[test]
    fn sim_model_is_guessed_from_name_and_direction() {
        assert_eq!(
            MetricConfig::new("HTTP 5xx errors", Direction::Increase).sim_model(),
            SimModel::ErrorRate
        );
        assert_eq!(
            MetricConfig::new("rps", Direction::Decrease).sim_model(),
            SimModel::Throughput
        );
        assert_eq!(
            MetricConfig::new("p50", Direction::Increase).sim_model(),
            SimModel::Latency
        );
    }
}
