//! Metric sources against real processes and sockets: the command source
//! running real shell scripts, and the Prometheus client against loopback
//! servers that misbehave (never answer, answer a proxy's 502, refuse).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use greenlight::canary::command_source::CommandSource;
use greenlight::canary::config::{CanaryConfig, MetricConfig, SourceKind};
use greenlight::canary::prometheus::PrometheusSource;
use greenlight::canary::spec::Direction;
use greenlight::canary::{MetricSource, SourceError, Verdict, Window, judge_now};

fn window() -> Window {
    Window::ending_at(
        1_700_000_000.0,
        Duration::from_secs(60),
        Duration::from_secs(10),
    )
}

fn metrics(names: &[&str]) -> Vec<MetricConfig> {
    names
        .iter()
        .map(|n| {
            let mut m = MetricConfig::new(*n, Direction::Increase);
            m.query = Some(format!("{n}{{track=\"{{track}}\"}}"));
            m
        })
        .collect()
}

fn script(dir: &Path, body: &str) -> String {
    let path = dir.join("metrics.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    "sh ./metrics.sh".to_owned()
}

#[test]
fn command_source_gets_the_window_and_metrics_and_runs_in_the_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cmd = script(
        dir.path(),
        r#"pwd > where.txt
echo "$GREENLIGHT_CANARY_START $GREENLIGHT_CANARY_END $GREENLIGHT_CANARY_STEP" > window.txt
echo "$GREENLIGHT_CANARY_METRICS" > metrics.txt
cat <<'JSON'
{"metrics": {
  "latency": {"canary": [101, 99, 100, 102, 98, 100, 101, 99, 100, 100],
              "baseline": [100, 101, 99, 100, 100, 98, 102, 100, 99, 101]},
  "errors":  {"canary": [[1699999950, "0.5"], [1699999960, "NaN"]], "baseline": []}
}}
JSON"#,
    );
    let mut src = CommandSource::new(cmd, dir.path(), Duration::from_secs(5));
    let out = src
        .fetch(&metrics(&["latency", "errors"]), &window())
        .expect("runs");
    let latency = out[0].as_ref().expect("latency samples");
    assert_eq!(latency.canary.len(), 10);
    let errors = out[1].as_ref().expect("errors samples");
    assert_eq!(errors.canary[0], (1_699_999_950.0, 0.5));
    assert!(errors.canary[1].1.is_nan());

    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect(f);
    assert_eq!(
        read("where.txt").trim(),
        dir.path()
            .canonicalize()
            .expect("canonical")
            .display()
            .to_string()
    );
    assert_eq!(
        read("window.txt").trim(),
        "1699999940.000 1700000000.000 10"
    );
    let listed: serde_json::Value = serde_json::from_str(&read("metrics.txt")).expect("JSON list");
    assert_eq!(listed[0]["name"], "latency");
    assert_eq!(listed[1]["query"], "errors{track=\"{track}\"}");
}

#[test]
fn command_failures_are_clear() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut src = CommandSource::new(
        script(dir.path(), "echo 'token expired' >&2; exit 4"),
        dir.path(),
        Duration::from_secs(5),
    );
    let err = src.fetch(&metrics(&["a"]), &window()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "canary command `sh ./metrics.sh` exited with code 4; it printed: token expired"
    );

    let mut src = CommandSource::new(
        script(dir.path(), "echo '<html>oops</html>'"),
        dir.path(),
        Duration::from_secs(5),
    );
    let err = src
        .fetch(&metrics(&["a"]), &window())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("printed output that is not the expected JSON"),
        "{err}"
    );
    assert!(err.ends_with("first bytes: \"<html>oops</html>\""), "{err}");

    let mut src = CommandSource::new(
        script(dir.path(), "sleep 60"),
        dir.path(),
        Duration::from_millis(300),
    );
    let t = Instant::now();
    let err = src.fetch(&metrics(&["a"]), &window()).unwrap_err();
    // Killed at the timeout, not waited out.
    assert!(t.elapsed() < crate::common::PATIENCE, "{:?}", t.elapsed());
    assert_eq!(
        err.to_string(),
        "canary command `sh ./metrics.sh` did not finish within 300ms (killed)"
    );
}

#[test]
fn a_failed_command_makes_every_metric_no_data_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = CanaryConfig::new(SourceKind::Command);
    c.command = Some("exit 1".into());
    c.metrics = metrics(&["latency"]);
    let mut src = CommandSource::from_config(&c, dir.path()).expect("source");
    let snap = judge_now(&mut src, &c, jiff::Timestamp::now(), None);
    assert_eq!(snap.judgement.verdict, Verdict::Hold);
    assert_eq!(
        snap.judgement.summary,
        "HOLD — no data: canary command `exit 1` exited with code 1"
    );
    assert_eq!(
        snap.error.as_deref(),
        Some("canary command `exit 1` exited with code 1")
    );
}

/// A loopback server that answers each connection with `respond`.
fn serve(respond: impl Fn(&mut std::net::TcpStream) + Send + 'static) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            respond(&mut s);
        }
    });
    url
}

#[test]
fn prometheus_timeout_is_reported_with_the_query() {
    let url = serve(|_s| std::thread::sleep(Duration::from_secs(60)));
    let src = PrometheusSource::new(&url, Duration::from_millis(300));
    let t = Instant::now();
    let err = src
        .query_range("up{track=\"canary\"}", &window())
        .unwrap_err();
    // Given up at the timeout, not waited out.
    assert!(t.elapsed() < crate::common::PATIENCE, "{:?}", t.elapsed());
    assert_eq!(
        err.to_string(),
        format!("Prometheus at {url} did not answer within 300 ms (query: up{{track=\"canary\"}})")
    );
}

#[test]
fn prometheus_behind_a_broken_proxy() {
    let url = serve(|s| {
        let body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        let _ = write!(
            s,
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    let src = PrometheusSource::new(&url, Duration::from_secs(2));
    let err = src.query_range("up", &window()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Prometheus answered HTTP 502 with a body that is not Prometheus JSON: \"<html><body><h1>502 Bad Gateway</h1></body></html>\" (query: up)"
    );
}

#[test]
fn prometheus_not_listening_is_cannot_reach_for_all_metrics_at_once() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}");
    let mut src = PrometheusSource::new(&url, Duration::from_secs(2));
    match src.fetch(&metrics(&["a", "b", "c"]), &window()) {
        Err(SourceError::Unreachable { url: u, reason }) => {
            assert_eq!(u, url);
            assert_eq!(reason, "connection refused");
        }
        other => panic!("expected cannot reach, got {other:?}"),
    }
}
