//! The Prometheus source: `/api/v1/query_range` for canary and baseline
//! over the same window, from PromQL templates whose `{track}` placeholder
//! becomes `canary` or `baseline`.
//!
//! Answers are read by [`parse_response`], a pure function: sample values
//! are strings and may be `"NaN"`, `"+Inf"` or `"-Inf"` (kept as such; the
//! judge drops and counts them); an empty result is no samples, said in a
//! note; an error answer (any status) reports Prometheus' `errorType` and
//! `error` with the query; a body that is not Prometheus JSON (a proxy's
//! 502 page) reports the HTTP status and its first bytes.
//!
//! Several series in one result are joined as the metric's `combine` says:
//! `concat` (default) puts every series' samples in one list, as if each
//! were another instance of the same measurement; `sum` adds the samples
//! that share a timestamp. Either way the judgement notes how many series
//! were joined: a query that should aggregate but does not is visible.
//!
//! The first request that cannot connect or times out ends the fetch for
//! every metric (they would all wait the same timeout).

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;

use super::config::{CanaryConfig, Combine, MetricConfig};
use super::source::{MetricSamples, MetricSource, Point, SourceError, Window, snippet};

/// Largest answer read, so a runaway query cannot exhaust memory.
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// One series of a result: its labels and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<Point>,
}

/// A successful answer: the series and Prometheus' warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryResult {
    pub series: Vec<Series>,
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
    /// Instant vectors carry one `value` instead of `values`.
    #[serde(default)]
    value: Option<(f64, String)>,
}

/// A Prometheus sample value: a decimal, `NaN`, `+Inf` or `-Inf`.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse::<f64>().ok(),
    }
}

/// Reads one answer of the HTTP API. `status` is the HTTP status, `query`
/// the PromQL sent (for messages).
pub fn parse_response(status: u16, body: &str, query: &str) -> Result<QueryResult, SourceError> {
    let bad = |what: &str| SourceError::BadResponse {
        status,
        what: what.to_owned(),
        snippet: snippet(body, 200),
        query: query.to_owned(),
    };
    let envelope: Envelope = match serde_json::from_str(body) {
        Ok(e) => e,
        Err(_) if body.trim().is_empty() => return Err(bad("an empty body")),
        Err(_) => return Err(bad("a body that is not Prometheus JSON")),
    };
    if envelope.status != "success" || !(200..300).contains(&status) {
        return Err(SourceError::Api {
            status: Some(status).filter(|s| !(200..300).contains(s)),
            error_type: envelope
                .error_type
                .unwrap_or_else(|| format!("status {}", envelope.status)),
            error: envelope.error.unwrap_or_else(|| "(no message)".to_owned()),
            query: query.to_owned(),
        });
    }
    let data = envelope
        .data
        .ok_or_else(|| bad("a success without `data`"))?;
    let series = match data.result_type.as_str() {
        "matrix" | "vector" => {
            let raw: Vec<RawSeries> = serde_json::from_value(data.result)
                .map_err(|_| bad("a result that is not a list of series"))?;
            raw.into_iter()
                .map(|r| {
                    let pairs = r.values.into_iter().chain(r.value);
                    let points = pairs
                        .map(|(t, v)| parse_value(&v).map(|v| (t, v)))
                        .collect::<Option<Vec<Point>>>()
                        .ok_or_else(|| bad("a sample value that is not a number"))?;
                    Ok(Series {
                        labels: r.metric,
                        points,
                    })
                })
                .collect::<Result<Vec<_>, SourceError>>()?
        }
        "scalar" => {
            let (t, v): (f64, String) = serde_json::from_value(data.result)
                .map_err(|_| bad("a scalar that is not [time, value]"))?;
            let v = parse_value(&v).ok_or_else(|| bad("a sample value that is not a number"))?;
            vec![Series {
                labels: BTreeMap::new(),
                points: vec![(t, v)],
            }]
        }
        other => return Err(bad(&format!("a result of type `{other}`"))),
    };
    Ok(QueryResult {
        series,
        warnings: envelope.warnings,
    })
}

/// The series of a result as one sample list (see the module docs), and a
/// note when that was not simply one series.
pub fn combine(series: Vec<Series>, how: Combine) -> (Vec<Point>, Option<String>) {
    let n = series.len();
    let note = match (n, how) {
        (0, _) => Some("the query returned no series".to_owned()),
        (1, _) => None,
        (n, Combine::Concat) => Some(format!("{n} series concatenated")),
        (n, Combine::Sum) => Some(format!("{n} series summed")),
    };
    let points = match how {
        Combine::Concat => {
            let mut all: Vec<Point> = series.into_iter().flat_map(|s| s.points).collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            all
        }
        Combine::Sum => {
            // Key by whole milliseconds: query_range timestamps are exact
            // multiples of the step, identical across series.
            let mut by_time: BTreeMap<i64, f64> = BTreeMap::new();
            for (t, v) in series.into_iter().flat_map(|s| s.points) {
                *by_time.entry((t * 1000.0).round() as i64).or_insert(0.0) += v;
            }
            by_time
                .into_iter()
                .map(|(ms, v)| (ms as f64 / 1000.0, v))
                .collect()
        }
    };
    (points, note)
}

/// How requests prove who they are.
#[derive(Clone)]
enum Auth {
    None,
    /// The whole `Authorization` header value.
    Header(String),
}

/// Prometheus over HTTP (blocking; run it off the UI thread).
pub struct PrometheusSource {
    url: String,
    agent: ureq::Agent,
    timeout: Duration,
    auth: Auth,
}

impl PrometheusSource {
    /// A source for `url` (the base, e.g. `http://127.0.0.1:9090`).
    pub fn new(url: &str, timeout: Duration) -> PrometheusSource {
        let agent = crate::http::agent(timeout);
        PrometheusSource {
            url: url.trim().trim_end_matches('/').to_owned(),
            agent,
            timeout,
            auth: Auth::None,
        }
    }

    /// The source `[canary]` describes, credentials read from the
    /// environment variables it names.
    pub fn from_config(config: &CanaryConfig) -> Result<PrometheusSource, SourceError> {
        let url = config
            .url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| SourceError::Config("source = \"prometheus\" needs `url`".into()))?;
        let mut source = PrometheusSource::new(url, config.timeout());
        let env = |key: &str, var: &str| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    SourceError::Config(format!(
                        "environment variable {var} (named by `{key}`) is not set"
                    ))
                })
        };
        if let Some(var) = &config.bearer_token_env {
            source.auth = Auth::Header(format!("Bearer {}", env("bearer_token_env", var)?));
        } else if let (Some(u), Some(p)) =
            (&config.basic_auth_user_env, &config.basic_auth_password_env)
        {
            let pair = format!(
                "{}:{}",
                env("basic_auth_user_env", u)?,
                env("basic_auth_password_env", p)?
            );
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            source.auth = Auth::Header(format!("Basic {encoded}"));
        }
        Ok(source)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// One `query_range` request, answered or failed.
    pub fn query_range(&self, query: &str, window: &Window) -> Result<QueryResult, SourceError> {
        let endpoint = format!("{}/api/v1/query_range", self.url);
        let mut req = self
            .agent
            .get(&endpoint)
            .query("query", query)
            .query("start", format!("{:.3}", window.start))
            .query("end", format!("{:.3}", window.end))
            .query("step", format!("{}", window.step.as_secs_f64()));
        if let Auth::Header(h) = &self.auth {
            req = req.header("Authorization", h);
        }
        let mut resp = req.call().map_err(|e| self.http_error(e, query))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| self.http_error(e, query))?;
        parse_response(status, &String::from_utf8_lossy(&bytes), query)
    }

    fn http_error(&self, e: ureq::Error, query: &str) -> SourceError {
        let unreachable = |reason: String| SourceError::Unreachable {
            url: self.url.clone(),
            reason,
        };
        match e {
            ureq::Error::Timeout(_) => SourceError::Timeout {
                url: self.url.clone(),
                timeout_ms: self.timeout.as_millis() as u64,
                query: query.to_owned(),
            },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                unreachable("connection refused".into())
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                SourceError::Timeout {
                    url: self.url.clone(),
                    timeout_ms: self.timeout.as_millis() as u64,
                    query: query.to_owned(),
                }
            }
            ureq::Error::HostNotFound => unreachable("host not found".into()),
            ureq::Error::BadUri(u) => SourceError::Config(format!("bad Prometheus url: {u}")),
            ureq::Error::BodyExceedsLimit(_) => SourceError::BadResponse {
                status: 200,
                what: format!("an answer over {} MB", MAX_BODY / 1024 / 1024),
                snippet: String::new(),
                query: query.to_owned(),
            },
            other => unreachable(other.to_string()),
        }
    }

    /// Both tracks of one metric.
    fn fetch_metric(
        &self,
        metric: &MetricConfig,
        window: &Window,
    ) -> Result<MetricSamples, SourceError> {
        let mut out = MetricSamples::default();
        for track in ["canary", "baseline"] {
            let query = metric.query_for(track).ok_or_else(|| {
                SourceError::Config(format!("metric `{}` has no `query`", metric.name))
            })?;
            let result = self.query_range(&query, window)?;
            let (points, note) = combine(result.series, metric.combine);
            if let Some(n) = note {
                out.notes.push(format!("{track}: {n}"));
            }
            for w in result.warnings {
                out.notes.push(format!("{track}: Prometheus warns: {w}"));
            }
            match track {
                "canary" => out.canary = points,
                _ => out.baseline = points,
            }
        }
        Ok(out)
    }
}

impl MetricSource for PrometheusSource {
    fn describe(&self) -> String {
        format!("prometheus at {}", self.url)
    }

    fn fetch(
        &mut self,
        metrics: &[MetricConfig],
        window: &Window,
    ) -> Result<Vec<Result<MetricSamples, SourceError>>, SourceError> {
        let mut out = Vec::with_capacity(metrics.len());
        for m in metrics {
            match self.fetch_metric(m, window) {
                Err(e @ (SourceError::Unreachable { .. } | SourceError::Timeout { .. })) => {
                    return Err(e);
                }
                r => out.push(r),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: &str = "up{track=\"canary\"}";

    #[test]
    fn matrix_with_special_values() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"track":"canary","pod":"a"},"values":[[100,"1.5"],[101,"NaN"],[102,"+Inf"],[103,"-Inf"],[104,"2e-3"]]}
        ]}}"#;
        let r = parse_response(200, body, Q).unwrap();
        assert_eq!(r.series.len(), 1);
        assert_eq!(r.series[0].labels["pod"], "a");
        let p = &r.series[0].points;
        assert_eq!(p[0], (100.0, 1.5));
        assert!(p[1].1.is_nan());
        assert_eq!(p[2].1, f64::INFINITY);
        assert_eq!(p[3].1, f64::NEG_INFINITY);
        assert_eq!(p[4], (104.0, 0.002));
    }

    #[test]
    fn empty_result_is_no_samples_with_a_note() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        let r = parse_response(200, body, Q).unwrap();
        let (points, note) = combine(r.series, Combine::Concat);
        assert!(points.is_empty());
        assert_eq!(note.as_deref(), Some("the query returned no series"));
    }

    #[test]
    fn error_json_names_type_message_and_query() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#;
        let e = parse_response(400, body, "sum(up").unwrap_err();
        let text = e.to_string();
        assert_eq!(
            text,
            "Prometheus answered HTTP 400, bad_data: 1:5: parse error: unclosed left parenthesis (query: sum(up)"
        );
        // The same JSON with a 200 (never seen, but cheap to be sure of).
        assert!(matches!(
            parse_response(200, body, Q),
            Err(SourceError::Api { status: None, .. })
        ));
        let timeout = r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#;
        assert!(
            parse_response(503, timeout, Q)
                .unwrap_err()
                .to_string()
                .contains("HTTP 503, timeout: query timed out")
        );
    }

    #[test]
    fn non_json_502_shows_status_and_first_bytes() {
        let body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        let e = parse_response(502, body, Q).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("Prometheus answered HTTP 502 with a body that is not Prometheus JSON: \"<html><head><title>502 Bad Gateway"), "{text}");
        assert!(text.ends_with(&format!("(query: {Q})")), "{text}");
        assert!(
            parse_response(502, "", Q)
                .unwrap_err()
                .to_string()
                .contains("an empty body")
        );
    }

    #[test]
    fn malformed_values_and_shapes_are_errors() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"lots"]]}]}}"#;
        assert!(
            parse_response(200, body, Q)
                .unwrap_err()
                .to_string()
                .contains("not a number")
        );
        let body = r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#;
        assert!(
            parse_response(200, body, Q)
                .unwrap_err()
                .to_string()
                .contains("type `string`")
        );
    }

    #[test]
    fn vector_and_scalar_are_read_too() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[5,"3"]}]},"warnings":["partial"]}"#;
        let r = parse_response(200, body, Q).unwrap();
        assert_eq!(r.series[0].points, vec![(5.0, 3.0)]);
        assert_eq!(r.warnings, vec!["partial".to_owned()]);
        let body = r#"{"status":"success","data":{"resultType":"scalar","result":[5,"NaN"]}}"#;
        assert!(
            parse_response(200, body, Q).unwrap().series[0].points[0]
                .1
                .is_nan()
        );
    }

    #[test]
    fn several_series_concatenate_or_sum() {
        let s = |pod: &str, pts: &[(f64, f64)]| Series {
            labels: [("pod".to_owned(), pod.to_owned())].into(),
            points: pts.to_vec(),
        };
        let two = vec![
            s("a", &[(1.0, 1.0), (2.0, 2.0)]),
            s("b", &[(1.0, 10.0), (3.0, 30.0)]),
        ];
        let (p, note) = combine(two.clone(), Combine::Concat);
        assert_eq!(p, vec![(1.0, 1.0), (1.0, 10.0), (2.0, 2.0), (3.0, 30.0)]);
        assert_eq!(note.as_deref(), Some("2 series concatenated"));
        let (p, note) = combine(two, Combine::Sum);
        assert_eq!(p, vec![(1.0, 11.0), (2.0, 2.0), (3.0, 30.0)]);
        assert_eq!(note.as_deref(), Some("2 series summed"));
    }

    #[test]
    fn credentials_come_from_the_named_environment_variables() {
        let mut c = CanaryConfig::new(super::super::config::SourceKind::Prometheus);
        c.url = Some("http://127.0.0.1:9".into());
        c.bearer_token_env = Some("GREENLIGHT_TEST_SURELY_UNSET_TOKEN".into());
        let err = PrometheusSource::from_config(&c)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "the canary source is misconfigured: environment variable GREENLIGHT_TEST_SURELY_UNSET_TOKEN (named by `bearer_token_env`) is not set"
            )
        );
    }
}
