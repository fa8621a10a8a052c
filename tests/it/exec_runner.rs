//! The step-command runner on real processes: exit codes, streaming,
//! digests, environment, timeouts, cancellation of whole process groups
//! (including commands that ignore SIGTERM), and commands that do not
//! exist.

use std::path::Path;
use std::time::{Duration, Instant};

use greenlight::exec::{self, CancelToken, ExecSpec, Stream};
use sha2::{Digest, Sha256};

use crate::common::{PATIENCE, wait_for_pid, wait_until};

fn spec(cmd: &str, dir: &Path) -> ExecSpec {
    let mut s = ExecSpec::new(cmd, dir);
    s.grace = Duration::from_millis(500);
    s
}

/// Run and collect what the sink saw, per stream.
fn run(s: &ExecSpec) -> (exec::Outcome, Vec<u8>, Vec<u8>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let o = exec::run(
        s,
        &CancelToken::new(),
        &mut |st: Stream, b: &[u8]| match st {
            Stream::Stdout => out.extend_from_slice(b),
            Stream::Stderr => err.extend_from_slice(b),
        },
    );
    (o, out, err)
}

/// Is a process with this pid still alive (and not a zombie)?
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn output_streams_and_is_digested() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec("echo one; echo two >&2; printf three", dir.path());
    let (mut out, mut err, mut all) = (Vec::new(), Vec::new(), Vec::new());
    let o = exec::run(&s, &CancelToken::new(), &mut |st: Stream, b: &[u8]| {
        all.extend_from_slice(b);
        match st {
            Stream::Stdout => out.extend_from_slice(b),
            Stream::Stderr => err.extend_from_slice(b),
        }
    });
    assert!(o.succeeded(), "{o:?}");
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(out, b"one\nthree");
    assert_eq!(err, b"two\n");
    // The digest covers both streams in the order they arrived.
    assert_eq!(o.output_bytes, 13);
    assert_eq!(o.output_sha256, hex::encode(Sha256::digest(&all)));
    assert!(
        o.last_lines.iter().any(|l| l == "one"),
        "{:?}",
        o.last_lines
    );
    assert!(
        o.describe().starts_with("exited 0 after"),
        "{}",
        o.describe()
    );
}

#[test]
fn digest_matches_the_bytes_of_a_single_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (o, out, _) = run(&spec("seq 1 20000", dir.path()));
    assert_eq!(o.output_sha256, hex::encode(Sha256::digest(&out)));
    assert_eq!(o.output_bytes, out.len() as u64);
    assert_eq!(o.last_lines.last().map(String::as_str), Some("20000"));
    assert_eq!(o.last_lines.len(), exec::output::LAST_LINES);
}

#[test]
fn exit_codes_and_signals_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (o, _, _) = run(&spec("echo failing >&2; exit 3", dir.path()));
    assert_eq!(o.exit_code, Some(3));
    assert!(!o.succeeded());
    assert_eq!(o.last_lines, ["failing"]);
    let (o, _, _) = run(&spec("kill -9 $$", dir.path()));
    assert_eq!((o.exit_code, o.signal), (None, Some(9)));
    assert!(
        o.describe().contains("killed by signal 9"),
        "{}",
        o.describe()
    );
}

#[test]
fn a_command_that_does_not_exist_is_exit_127_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let (o, _, err) = run(&spec("./deploy/does-not-exist.sh", dir.path()));
    assert_eq!(o.exit_code, Some(127));
    assert!(
        o.describe().contains("command not found"),
        "{}",
        o.describe()
    );
    assert!(String::from_utf8_lossy(&err).contains("not found"));
    assert!(o.spawn_error.is_none());
}

#[test]
fn a_missing_working_directory_is_an_outcome_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let (o, _, err) = run(&spec("true", &gone));
    assert_eq!(o.exit_code, Some(127));
    assert!(
        o.spawn_error.as_deref().unwrap_or("").contains("gone"),
        "{o:?}"
    );
    assert!(String::from_utf8_lossy(&err).contains("greenlight: cannot run"));
    assert!(
        o.describe().starts_with("could not start"),
        "{}",
        o.describe()
    );
}

#[test]
fn values_travel_as_environment_never_as_shell_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(r#"printf '%s' "$GREENLIGHT_VERSION""#, dir.path());
    let nasty = "1.0.0; touch pwned $(touch pwned2)";
    s.env.push(("GREENLIGHT_VERSION".into(), nasty.into()));
    let (o, out, _) = run(&s);
    assert!(o.succeeded());
    assert_eq!(out, nasty.as_bytes());
    assert!(!dir.path().join("pwned").exists());
    assert!(!dir.path().join("pwned2").exists());
}

#[test]
fn runs_in_the_given_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out, _) = run(&spec("pwd", dir.path()));
    let got = String::from_utf8_lossy(&out).trim().to_string();
    assert_eq!(
        Path::new(&got).canonicalize().unwrap(),
        dir.path().canonicalize().unwrap()
    );
}

#[test]
fn timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let mut s = spec(
        &format!("sleep 30 & echo $! > {}; wait", pidfile.display()),
        dir.path(),
    );
    s.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let (o, _, _) = run(&s);
    assert!(o.timed_out && !o.cancelled, "{o:?}");
    assert!(!o.succeeded());
    // Not the 30 s the command asked for.
    assert!(started.elapsed() < PATIENCE, "{:?}", started.elapsed());
    let child = wait_for_pid(&pidfile);
    wait_until("the background sleep to die", PATIENCE, || !alive(child));
    assert!(o.describe().starts_with("timed out"), "{}", o.describe());
}

#[test]
fn cancel_from_another_thread_stops_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let to = seen.clone();
    let sink = move |_: Stream, b: &[u8]| to.lock().unwrap().extend_from_slice(b);
    let h = exec::spawn(spec("echo started; sleep 30", dir.path()), sink).unwrap();
    wait_until("its first line", PATIENCE, || {
        seen.lock().unwrap().starts_with(b"started")
    });
    assert!(!h.is_finished());
    let t = Instant::now();
    h.cancel();
    let o = h.join().expect("outcome");
    assert!(o.cancelled && !o.timed_out, "{o:?}");
    // Not the 30 s the command asked for.
    assert!(t.elapsed() < PATIENCE, "{:?}", t.elapsed());
    assert_eq!(o.signal, Some(15));
    assert_eq!(o.last_lines, ["started"]);
    assert!(o.describe().starts_with("was cancelled"));
}

#[test]
fn a_command_that_ignores_sigterm_still_dies() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let mut s = spec(
        &format!(
            "trap '' TERM; echo $$ > {}; echo ready; while :; do sleep 0.05; done",
            pidfile.display()
        ),
        dir.path(),
    );
    s.grace = Duration::from_millis(300);
    let h = exec::spawn(s, exec::discard()).unwrap();
    // The trap is set before the pid is written.
    let pid = wait_for_pid(&pidfile);
    let t = Instant::now();
    h.cancel();
    let o = h.join().expect("outcome");
    assert!(o.cancelled && o.killed, "{o:?}");
    assert_eq!(o.signal, Some(9));
    // The grace first, then SIGKILL: not the endless loop.
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert!(t.elapsed() < PATIENCE, "{:?}", t.elapsed());
    assert!(!alive(pid));
    assert!(
        o.describe().contains("ignored SIGTERM; killed"),
        "{}",
        o.describe()
    );
}

#[test]
fn a_background_child_holding_the_pipe_does_not_hang_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    // The child keeps stdout open for 30 s after the shell exits.
    let (o, out, _) = run(&spec("echo done; (sleep 30) &", dir.path()));
    assert!(o.succeeded(), "{o:?}");
    assert_eq!(out, b"done\n");
    // Not the 30 s the background child holds the pipe.
    assert!(t.elapsed() < PATIENCE, "{:?}", t.elapsed());
}

#[test]
fn dropping_a_running_handle_cancels_it() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let h = exec::spawn(
        spec(
            &format!("echo $$ > {}; sleep 30", pidfile.display()),
            dir.path(),
        ),
        exec::discard(),
    )
    .unwrap();
    let pid = wait_for_pid(&pidfile);
    drop(h);
    wait_until("the dropped command to die", PATIENCE, || !alive(pid));
}
