//! `greenlight canary …` through the built binary, in temp repositories:
//! exit codes of `judge`, the simulated regression, recording into a
//! session, the weight plan with its set_weight command, rollback, and a
//! Prometheus source (a loopback stand-in) with credentials from the
//! environment.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};

use crate::common::{Sandbox, stderr};

const SIMULATED: &str = "[canary]\nsource = \"simulated\"\n";

fn sandbox(config: &str) -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(sb.repo.path().join(".greenlight.toml"), config).expect("write config");
    sb
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("no JSON ({e}):\n{}\n{}", stdout(o), stderr(o)))
}

#[test]
fn judge_exits_by_verdict_and_names_the_failing_metric() {
    let sb = sandbox(SIMULATED);
    let out = sb.run(&["canary", "judge", "--json"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let j = json(&out);
    assert_eq!(j["verdict"], "promote");
    assert_eq!(j["exit_code"], 0);
    assert_eq!(j["judgement"]["metrics"].as_array().map(Vec::len), Some(3));
    assert!(j.get("series").is_none());

    let out = sb
        .cmd()
        .args(["canary", "judge", "--json", "--series"])
        .env("GREENLIGHT_SIM_REGRESSION", "1")
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    let j = json(&out);
    assert_eq!(j["verdict"], "rollback");
    assert!(
        j["summary"]
            .as_str()
            .is_some_and(|s| s.contains("critical metric error rate failed")),
        "{}",
        j["summary"]
    );
    let errors = &j["judgement"]["metrics"][0];
    assert_eq!(errors["name"], "error rate");
    assert_eq!(errors["outcome"], "fail");
    assert_eq!(
        j["series"][0]["canary"].as_array().map(|a| a.len() >= 60),
        Some(true)
    );

    // The human form explains each metric and the verdict.
    let out = sb
        .cmd()
        .args(["canary", "judge"])
        .env("GREENLIGHT_SIM_REGRESSION", "1")
        .output()
        .expect("run");
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    assert!(
        text.contains("✘ error rate         FAIL (critical)"),
        "{text}"
    );
    assert!(text.contains("is above the absolute max 0.01"), "{text}");
    assert!(
        text.contains("ROLLBACK — critical metric error rate failed"),
        "{text}"
    );
}

#[test]
fn the_regression_can_be_configured() {
    let sb = sandbox("[canary]\nsource = \"simulated\"\n[canary.simulated]\nregression = true\n");
    let out = sb.run(&["canary", "judge"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
}

#[test]
fn errors_exit_3_with_the_reason() {
    let sb = Sandbox::new();
    let out = sb.run(&["canary", "judge"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no [canary] section in .greenlight.toml"),
        "{}",
        stderr(&out)
    );

    let sb = sandbox("[canary]\nsource = \"simulated\"\nwindwo = \"1m\"\n");
    let out = sb.run(&["canary", "judge"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains(".greenlight.toml:3:1: unknown field `windwo`"),
        "{}",
        stderr(&out)
    );

    let sb = sandbox(
        "[canary]\nsource = \"prometheus\"\n[[canary.metrics]]\nname = \"p99\"\nquery = \"x\"\n",
    );
    let out = sb.run(&["canary", "judge"]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("needs `url`"), "{err}");
    assert!(
        err.contains("metric `p99`: the query has no {track} placeholder"),
        "{err}"
    );

    // A mistyped command line must not read as "roll back" (2).
    let sb = sandbox(SIMULATED);
    let out = sb.run(&["canary", "judge", "--jsno"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    // Recording needs an open session.
    let out = sb.run(&["canary", "judge", "--record"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("no open session") || stderr(&out).contains("No open session"),
        "{}",
        stderr(&out)
    );

    // Prometheus down: exit 1 (Hold: nothing seen), the reason in the summary.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let sb = sandbox(&format!(
        "[canary]\nsource = \"prometheus\"\nurl = \"http://127.0.0.1:{port}\"\n[[canary.metrics]]\nname = \"p99\"\nquery = 'x{{track=\"{{track}}\"}}'\n"
    ));
    let out = sb.run(&["canary", "judge"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "HOLD — no data: cannot reach Prometheus at http://127.0.0.1:{port}: connection refused"
        )),
        "{}",
        stdout(&out)
    );
}

const CANARY_PLAYBOOK: &str = r#"
id = "canary-only"
title = "Canary only"

[[steps]]
id = "canary"
owner = "developer"
kind = "canary"
rollback = "sh deploy/rollback.sh"
timeout = "1m"

[[steps]]
id = "wrap-up"
owner = "developer"
kind = "check"
requires = ["canary"]
"#;

/// A repo with the simulated source, a set_weight script that logs the
/// weight it was given, a rollback script, and a canary-only playbook.
pub(crate) fn canary_repo(observation: &str) -> Sandbox {
    let sb = sandbox(&format!(
        "[canary]\nsource = \"simulated\"\nmin_observation = \"{observation}\"\nset_weight = \"sh deploy/set-weight.sh\"\n"
    ));
    let root = sb.repo.path();
    std::fs::create_dir_all(root.join("deploy")).expect("deploy dir");
    std::fs::create_dir_all(root.join(".greenlight/playbooks")).expect("playbooks dir");
    std::fs::write(
        root.join("deploy/set-weight.sh"),
        "echo \"$GREENLIGHT_CANARY_WEIGHT\" >> weights.log\necho \"weight now $GREENLIGHT_CANARY_WEIGHT\"\n",
    )
    .expect("script");
    std::fs::write(
        root.join("deploy/rollback.sh"),
        "echo \"rolled back $GREENLIGHT_SESSION $GREENLIGHT_STEP $GREENLIGHT_ACTION v$GREENLIGHT_VERSION from v$GREENLIGHT_PREVIOUS_VERSION to $GREENLIGHT_CANARY_WEIGHT\" > rollback.log\n",
    )
    .expect("script");
    std::fs::write(
        root.join(".greenlight/playbooks/canary-only.toml"),
        CANARY_PLAYBOOK,
    )
    .expect("playbook");
    sb
}

#[test]
fn the_plan_gates_weights_and_the_session_records_everything() {
    let sb = canary_repo("1h");
    sb.ok(&["new", "--scenario", "canary-only"]);
    sb.ok(&["step", "start", "canary"]);
    let status = sb.json(&["canary", "status", "--json"]);
    assert_eq!(status["next"]["action"], "set_weight");
    assert_eq!(status["next"]["weight"], 5);

    let out = sb.run(&["canary", "weight", "25"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("the plan's next weight is 5%, not 25%"),
        "{}",
        stderr(&out)
    );

    let out = sb.ok(&["canary", "weight", "5"]);
    assert!(out.contains("Canary weight set to 5%"), "{out}");
    let log = std::fs::read_to_string(sb.repo.path().join("weights.log")).expect("set_weight ran");
    assert_eq!(log, "5\n");

    // A Promote now does not skip the hour of observation.
    let out = sb.run(&["canary", "judge", "--record"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Recorded in session"),
        "{}",
        stdout(&out)
    );
    let out = sb.run(&["canary", "weight", "25"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("the plan watches 5% until"),
        "{}",
        stderr(&out)
    );

    // An override with a reason moves on, and is recorded.
    sb.ok(&[
        "canary",
        "weight",
        "25",
        "--override",
        "load test already covered this",
    ]);
    let status = sb.json(&["canary", "status", "--json"]);
    assert_eq!(status["weight"], 25);
    assert_eq!(status["progress"][0]["status"], "done");
    assert_eq!(status["progress"][0]["verdict"], "promote");
    assert_eq!(status["progress"][1]["status"], "current");
    assert_eq!(status["last_judgement"]["verdict"], "promote");

    // The regression: Roll back, then the plan proposes the rollback.
    let out = sb
        .cmd()
        .args(["canary", "judge", "--record"])
        .env("GREENLIGHT_SIM_REGRESSION", "1")
        .output()
        .expect("run");
    assert_eq!(code(&out), 2);
    let status = sb.json(&["canary", "status", "--json"]);
    assert_eq!(status["next"]["action"], "propose_rollback");
    assert_eq!(status["next"]["command"], "sh deploy/rollback.sh");
    let human = sb.ok(&["canary", "status"]);
    assert!(human.contains("Next: ROLL BACK"), "{human}");

    // Without a terminal, rollback wants --yes; nothing runs.
    let out = sb.run(&["canary", "rollback"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(!sb.repo.path().join("rollback.log").exists());

    sb.ok(&["canary", "rollback", "--yes"]);
    // The rollback command gets the session's environment, as a step's
    // rollback does, and the canary's own.
    let log = std::fs::read_to_string(sb.repo.path().join("rollback.log")).expect("rollback ran");
    let st = sb.json(&["status", "--json"]);
    let field = |k: &str| st["state"][k].as_str().unwrap_or_default().to_string();
    let (id, version, previous) = (field("id"), field("version"), field("previous_version"));
    assert!(!version.is_empty());
    assert_eq!(
        log.trim(),
        format!("rolled back {id} canary rollback v{version} from v{previous} to 0")
    );
    let status = sb.json(&["canary", "status", "--json"]);
    assert_eq!(status["weight"], 0);
    assert_eq!(status["next"]["action"], "rolled_back");
    // The canary step is rolled back: it is run again, or skipped.
    let s = sb.json(&["status", "--json"]);
    assert_eq!(s["state"]["steps"][0]["status"], "rolled_back");

    // The session's history holds every step of it, who and what.
    let s = sb.json(&["status", "--json"]);
    let kinds: Vec<&str> = s["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "session_started",
            "step_started",
            "command_started",
            "command_finished",
            "canary_weight_set",
            "canary_judged",
            "command_started",
            "command_finished",
            "canary_weight_set",
            "canary_judged",
            "rollback_started",
            "rollback_finished",
            "canary_weight_set",
        ]
    );
    let runs = &s["state"]["steps"][0]["runs"];
    assert_eq!(runs[0]["finished"][1]["exit_code"], 0);
    assert_eq!(runs[0]["finished"][1]["last_lines"][0], "weight now 5");
    assert_eq!(runs[2]["rollback"], true);
    assert_eq!(
        s["state"]["canary"]["weights"][1][1]["override_reason"],
        "load test already covered this"
    );
    let verify = sb.run(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );
}

#[test]
fn a_failing_set_weight_leaves_the_weight_alone() {
    let sb = canary_repo("0s");
    std::fs::write(
        sb.repo.path().join("deploy/set-weight.sh"),
        "echo 'kubectl: forbidden' >&2\nexit 1\n",
    )
    .expect("script");
    sb.ok(&["new", "--scenario", "canary-only"]);
    sb.ok(&["step", "start", "canary"]);
    let out = sb.run(&["canary", "weight", "5"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "set_weight `sh deploy/set-weight.sh` exited with code 1; the weight stays at unset"
        ),
        "{err}"
    );
    assert!(err.contains("kubectl: forbidden"), "{err}");
    let status = sb.json(&["canary", "status", "--json"]);
    assert_eq!(status["weight"], serde_json::Value::Null);
}

#[test]
fn with_no_observation_time_a_recorded_promote_opens_the_next_weight() {
    let sb = canary_repo("0s");
    sb.ok(&["new", "--scenario", "canary-only"]);
    sb.ok(&["step", "start", "canary"]);
    sb.ok(&["canary", "weight", "5"]);
    let out = sb.run(&["canary", "weight", "25"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("needs a Promote"), "{}", stderr(&out));
    let out = sb.run(&["canary", "judge", "--record"]);
    assert_eq!(code(&out), 0);
    sb.ok(&["canary", "weight", "25"]);
    // Going down is always allowed (a partial rollback).
    sb.ok(&["canary", "weight", "5"]);
}

/// A stand-in Prometheus: answers every query_range with the same
/// steady series and remembers the Authorization headers it saw.
fn fake_prometheus() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = vec![0u8; 16384];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            let auth = req
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .and_then(|h| h.split_once(':'))
                .map(|x| x.1.trim().to_owned());
            if let (Some(a), Ok(mut v)) = (auth, log.lock()) {
                v.push(a);
            }
            let values: Vec<String> = (0..30)
                .map(|i| format!("[{},\"{}\"]", 1_700_000_000 + i, 100 + (i * 7) % 5))
                .collect();
            let body = format!(
                "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{{\"metric\":{{}},\"values\":[{}]}}]}}}}",
                values.join(",")
            );
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

#[test]
fn prometheus_credentials_come_from_the_environment() {
    let (url, seen) = fake_prometheus();
    let metric = "[[canary.metrics]]\nname = \"p99\"\nquery = 'x{track=\"{track}\"}'\n";
    let sb = sandbox(&format!(
        "[canary]\nsource = \"prometheus\"\nurl = \"{url}\"\nbearer_token_env = \"MY_PROM_TOKEN\"\n{metric}"
    ));
    let out = sb
        .cmd()
        .args(["canary", "judge"])
        .env("MY_PROM_TOKEN", "s3cret")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        seen.lock().map(|v| v.clone()).unwrap_or_default(),
        vec!["Bearer s3cret"; 2]
    );

    let out = sb
        .cmd()
        .args(["canary", "judge"])
        .env_remove("MY_PROM_TOKEN")
        .output()
        .expect("run");
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains(
            "environment variable MY_PROM_TOKEN (named by `bearer_token_env`) is not set"
        ),
        "{}",
        stderr(&out)
    );

    let (url, seen) = fake_prometheus();
    let sb = sandbox(&format!(
        "[canary]\nsource = \"prometheus\"\nurl = \"{url}\"\nbasic_auth_user_env = \"PU\"\nbasic_auth_password_env = \"PP\"\n{metric}"
    ));
    let out = sb
        .cmd()
        .args(["canary", "judge"])
        .env("PU", "martin")
        .env("PP", "secret")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        seen.lock().map(|v| v.clone()).unwrap_or_default(),
        vec!["Basic bWFydGluOnNlY3JldA=="; 2]
    );
}

/// A set_weight that hangs: its output shows as it comes, Ctrl-C (SIGINT
/// to greenlight) kills its process group, the cancel is recorded and
/// the weight stays.
#[test]
fn ctrl_c_cancels_a_hanging_set_weight_and_records_it() {
    let sb = canary_repo("0s");
    std::fs::write(
        sb.repo.path().join("deploy/set-weight.sh"),
        "echo \"moving to $GREENLIGHT_CANARY_WEIGHT\"\nsleep 30\n",
    )
    .expect("script");
    sb.ok(&["new", "--scenario", "canary-only"]);
    sb.ok(&["step", "start", "canary"]);
    let mut child = sb
        .cmd()
        .args(["canary", "weight", "5"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = child.stderr.take().expect("stderr");
    // Wait for the command's own line, then interrupt greenlight.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut all = Vec::new();
        let mut buf = [0u8; 1024];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            let _ = tx.send(String::from_utf8_lossy(&all).into_owned());
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut seen = String::new();
    while !seen.contains("moving to 5") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        seen = rx
            .recv_timeout(left)
            .expect("the command's output, streamed");
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) sends SIGINT to the child we spawned; no memory effects.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let status = child.wait().expect("wait");
    assert!(!status.success());
    let st = sb.json(&["status", "--json"]);
    let runs = st["state"]["steps"][0]["runs"]
        .as_array()
        .expect("runs")
        .clone();
    let last = runs.last().expect("a run");
    assert_eq!(last["finished"][1]["cancelled"], true, "{last}");
    let status = sb.json(&["canary", "status", "--json"]);
    assert_eq!(status["weight"], serde_json::Value::Null);
}
