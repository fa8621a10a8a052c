//! The Prometheus source end to end against a real Prometheus on loopback.
//!
//! The test serves its own exporter (a std TcpListener thread answering
//! `/metrics` in the Prometheus text format), starts `prometheus` on a
//! free port with a temporary TSDB and a 500 ms scrape of that exporter,
//! waits (at most 30 s) until every metric has enough samples, then judges
//! through `PrometheusSource`: a healthy canary promotes, a degraded one
//! rolls back, a bad query and a stopped server give clear messages.
//!
//! Skips (with the reason printed) when `prometheus` is not installed,
//! unless `CI` is set: then it fails. `GREENLIGHT_PROMETHEUS` names the
//! binary when it is not `/usr/bin/prometheus` or on `PATH`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use greenlight::canary::config::CanaryConfig;
use greenlight::canary::judge::Outcome;
use greenlight::canary::prometheus::PrometheusSource;
use greenlight::canary::{CanarySnapshot, SourceError, Verdict, Window, judge_now};

/// Longest wait for Prometheus to start and collect enough samples.
const DATA_WAIT: Duration = Duration::from_secs(30);

fn prometheus_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GREENLIGHT_PROMETHEUS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let fixed = PathBuf::from("/usr/bin/prometheus");
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("prometheus"))
            .find(|p| p.is_file())
    })
}

/// What the exporter serves: two apps (`good`, `bad`), each with a canary
/// and a baseline track.
struct Exporter {
    scrapes: u64,
    requests: u64,
    errors: [u64; 4],
    rng: u64,
}

const TRACKS: [(&str, &str); 4] = [
    ("good", "canary"),
    ("good", "baseline"),
    ("bad", "canary"),
    ("bad", "baseline"),
];

impl Exporter {
    fn uniform(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// One scrape: every track served 1000 more requests. Errors: 1 in
    /// 1000 everywhere but the bad canary (50 in 1000). Latency: ~100 ms,
    /// 1.6× on the bad canary.
    fn scrape(&mut self) -> String {
        self.scrapes += 1;
        self.requests += 1000;
        let mut out = String::from("# TYPE app_latency_seconds gauge\n");
        for (i, (app, track)) in TRACKS.iter().enumerate() {
            let degraded = i == 2;
            self.errors[i] += if degraded { 50 } else { 1 };
            let latency = 0.1 * if degraded { 1.6 } else { 1.0 } * (0.05 * self.normal()).exp();
            out.push_str(&format!(
                "app_latency_seconds{{app=\"{app}\",track=\"{track}\"}} {latency}\n"
            ));
        }
        out.push_str("# TYPE http_requests_total counter\n");
        for (i, (app, track)) in TRACKS.iter().enumerate() {
            out.push_str(&format!(
                "http_requests_total{{app=\"{app}\",track=\"{track}\",code=\"200\"}} {}\n",
                self.requests - self.errors[i]
            ));
            out.push_str(&format!(
                "http_requests_total{{app=\"{app}\",track=\"{track}\",code=\"500\"}} {}\n",
                self.errors[i]
            ));
        }
        out
    }
}

/// Serves `/metrics` on a free loopback port until the test process ends.
fn serve_exporter() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind exporter");
    let port = listener.local_addr().expect("exporter address").port();
    let state = Arc::new(Mutex::new(Exporter {
        scrapes: 0,
        requests: 0,
        errors: [0; 4],
        rng: 7,
    }));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = Arc::clone(&state);
            std::thread::spawn(move || answer(stream, &state));
        }
    });
    port
}

fn answer(stream: TcpStream, state: &Mutex<Exporter>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let (status, body) = if request_line.starts_with("GET /metrics") {
        let body = state.lock().map(|mut s| s.scrape()).unwrap_or_default();
        ("200 OK", body)
    } else {
        ("404 Not Found", "not found\n".to_owned())
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A Prometheus process, killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(bin: &Path, exporter_port: u16) -> Prometheus {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n  evaluation_interval: 1m\n\
                 scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:{exporter_port}']\n"
            ),
        )
        .expect("write prometheus.yml");
        let port = free_port();
        let log = dir.path().join("prometheus.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
    }
}

fn config(url: &str, app: &str) -> CanaryConfig {
    let text = format!(
        r#"
source = "prometheus"
url = "{url}"
window = "15s"
step = "500ms"
timeout = "2s"

[[metrics]]
name = "error rate"
query = 'sum(rate(http_requests_total{{app="{app}",track="{{track}}",code="500"}}[2s])) / sum(rate(http_requests_total{{app="{app}",track="{{track}}"}}[2s]))'
critical = true
max = 0.01
tolerance = 0.5
min_samples = 10

[[metrics]]
name = "latency"
query = 'app_latency_seconds{{app="{app}",track="{{track}}"}}'
min_samples = 10
"#
    );
    let c: CanaryConfig = toml::from_str(&text).expect("test config parses");
    assert!(c.problems().is_empty(), "{:?}", c.problems());
    c
}

fn judge(c: &CanaryConfig) -> CanarySnapshot {
    let mut source = PrometheusSource::from_config(c).expect("source");
    judge_now(&mut source, c, jiff::Timestamp::now(), Some(25))
}

/// Judges until no metric lacks samples, at most [`DATA_WAIT`] after `t0`.
fn judge_when_ready(c: &CanaryConfig, prom: &Prometheus, t0: Instant) -> CanarySnapshot {
    loop {
        let snap = judge(c);
        let ready = snap
            .judgement
            .metrics
            .iter()
            .all(|m| !matches!(m.outcome, Outcome::NoData | Outcome::Inconclusive));
        if ready {
            return snap;
        }
        assert!(
            t0.elapsed() < DATA_WAIT,
            "Prometheus had too few samples after {DATA_WAIT:?}: {}\nrules:\n{}\nprometheus log:\n{}",
            snap.judgement.summary,
            snap.judgement
                .metrics
                .iter()
                .map(|m| m.rule.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            prom.log_tail()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn judges_a_real_prometheus_end_to_end() {
    let Some(bin) = prometheus_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "prometheus is not installed, and CI is set: install the Debian package `prometheus`"
        );
        eprintln!(
            "skipping judges_a_real_prometheus_end_to_end: prometheus is not installed (apt-get install prometheus)"
        );
        return;
    };
    let t0 = Instant::now();
    let exporter = serve_exporter();
    let mut prom = Prometheus::start(&bin, exporter);

    let good = config(&prom.url, "good");
    let healthy = judge_when_ready(&good, &prom, t0);
    assert_eq!(
        healthy.judgement.verdict,
        Verdict::Promote,
        "{}\n{:#?}",
        healthy.judgement.summary,
        healthy.judgement.metrics
    );
    assert_eq!(healthy.weight, Some(25));
    assert!(
        healthy
            .series
            .iter()
            .all(|s| s.canary.len() >= 10 && s.baseline.len() >= 10)
    );
    let errors = &healthy.judgement.metrics[0];
    assert!(
        (errors.canary_median.unwrap_or(0.0) - 0.001).abs() < 1e-9,
        "{}",
        errors.rule
    );

    let bad = config(&prom.url, "bad");
    let degraded = judge_when_ready(&bad, &prom, t0);
    assert_eq!(
        degraded.judgement.verdict,
        Verdict::Rollback,
        "{}",
        degraded.judgement.summary
    );
    assert!(
        degraded
            .judgement
            .summary
            .contains("critical metric error rate failed"),
        "{}",
        degraded.judgement.summary
    );
    let latency = &degraded.judgement.metrics[1];
    assert_eq!(latency.outcome, Outcome::Fail, "{}", latency.rule);
    assert!(
        latency.rule.contains("above the +10% tolerance"),
        "{}",
        latency.rule
    );

    // A bad query: Prometheus' errorType and error, with the query.
    let source = PrometheusSource::from_config(&good).expect("source");
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let window = Window::ending_at(now, Duration::from_secs(10), Duration::from_secs(1));
    let err = source.query_range("sum(rate(x[1m])", &window).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SourceError::Api { .. }), "{text}");
    assert!(text.contains("HTTP 400, bad_data: "), "{text}");
    assert!(text.ends_with("(query: sum(rate(x[1m]))"), "{text}");

    // The same through a judgement: the rule names it, no Promote.
    let mut half = good.clone();
    half.metrics[1].query = Some("rate(app_latency_seconds{track=\"{track}\"".into());
    let snap = judge(&half);
    assert_eq!(
        snap.judgement.verdict,
        Verdict::Hold,
        "{}",
        snap.judgement.summary
    );
    assert!(
        snap.judgement.metrics[1].rule.contains("bad_data"),
        "{}",
        snap.judgement.metrics[1].rule
    );
    assert!(
        snap.judgement
            .summary
            .contains("the source failed for latency"),
        "{}",
        snap.judgement.summary
    );

    // Prometheus stopped: "cannot reach", for every metric, quickly.
    prom.stop();
    let down = Instant::now();
    let snap = judge(&good);
    let error = snap.error.clone().unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "cannot reach Prometheus at {}: connection refused",
            prom.url
        )),
        "{error}"
    );
    // The message says refused (not a timeout); this only bounds a hang.
    assert!(
        down.elapsed() < crate::common::PATIENCE,
        "{:?}",
        down.elapsed()
    );
    assert_eq!(snap.judgement.verdict, Verdict::Hold);
    assert_eq!(snap.judgement.summary, format!("HOLD — no data: {error}"));
    eprintln!("prometheus end to end took {:?}", t0.elapsed());
}
