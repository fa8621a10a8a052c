//! Shell commands whose output the canary needs whole: the command
//! source's samples, and the `set_weight`/`rollback` commands' record.
//! They run through the step-command runner `crate::exec` (process
//! group, timeout, cancel, pipes drained); this keeps stdout and stderr
//! apart for parsing and says how a run ended in the canary's words.

use std::path::Path;
use std::time::Duration;

use crate::exec::{CancelToken, ExecSpec, OutputSink, Stream};

/// Most bytes kept per stream; the rest is read and dropped.
const MAX_CAPTURE: usize = 16 * 1024 * 1024;

/// How a command ended and what it printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The exit code, when it exited by itself.
    pub exit_code: Option<i32>,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    /// Killed because it ran past the timeout.
    pub timed_out: bool,
    /// Stopped because someone cancelled it.
    pub cancelled: bool,
    /// Cancelled because greenlight was ending, and why (see
    /// `crate::exec::Outcome::interrupted`).
    pub interrupted: Option<String>,
    pub duration: Duration,
    /// The digest of everything it printed, as `crate::exec` keeps it for
    /// step commands: sha256 and byte count of all output (not only what
    /// was captured), computed once, as it streamed.
    pub output_sha256: String,
    pub output_bytes: u64,
}

impl Finished {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled
    }

    /// "exited with code 3", "was killed by signal 9", "did not finish
    /// within 5s (killed)".
    pub fn how(&self, timeout: Duration) -> String {
        if let Some(why) = &self.interrupted {
            format!("was interrupted ({why})")
        } else if self.cancelled {
            "was cancelled".to_owned()
        } else if self.timed_out {
            format!(
                "did not finish within {} (killed)",
                humantime::format_duration(timeout)
            )
        } else if let Some(c) = self.exit_code {
            format!("exited with code {c}")
        } else if let Some(s) = self.signal {
            format!("was killed by signal {s}")
        } else {
            "ended without an exit code".to_owned()
        }
    }

    /// The last `n` non-empty lines of stdout then stderr, for the record.
    pub fn last_lines(&self, n: usize) -> Vec<String> {
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        );
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| l.to_string())
            .collect()
    }
}

/// Runs `command` with `sh -c` in `dir`, with `env` added, and waits at
/// most `timeout`. An error only when it could not start.
pub fn run_shell(
    command: &str,
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> std::io::Result<Finished> {
    run_shell_with(
        command,
        dir,
        env,
        timeout,
        &CancelToken::new(),
        &mut crate::exec::discard(),
    )
}

/// [`run_shell`], cancellable through `cancel`, with the output also
/// handed to `sink` as it arrives (the app streams a canary command into
/// its Logs pane). Runs through `crate::exec`: its own process group,
/// SIGTERM then SIGKILL on timeout or cancel, pipes drained.
pub fn run_shell_with(
    command: &str,
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
    cancel: &CancelToken,
    sink: &mut dyn OutputSink,
) -> std::io::Result<Finished> {
    let mut spec = ExecSpec::new(command, dir);
    spec.env = env.to_vec();
    spec.timeout = timeout;
    let mut capture = Capture {
        stdout: Vec::new(),
        stderr: Vec::new(),
        also: sink,
    };
    let outcome = crate::exec::run(&spec, cancel, &mut capture);
    if let Some(why) = outcome.spawn_error {
        return Err(std::io::Error::other(why));
    }
    Ok(Finished {
        stdout: capture.stdout,
        stderr: capture.stderr,
        exit_code: outcome.exit_code,
        signal: outcome.signal,
        timed_out: outcome.timed_out,
        cancelled: outcome.cancelled,
        interrupted: outcome.interrupted,
        duration: outcome.duration,
        output_sha256: outcome.output_sha256,
        output_bytes: outcome.output_bytes,
    })
}

/// Keeps what a command prints (up to [`MAX_CAPTURE`] per stream) and
/// passes it on.
struct Capture<'a> {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    also: &'a mut dyn OutputSink,
}

impl OutputSink for Capture<'_> {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        let kept = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        let room = MAX_CAPTURE.saturating_sub(kept.len());
        kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.also.output(stream, bytes);
    }

    fn started(&mut self, pgid: u32) {
        self.also.started(pgid);
    }

    fn finish(&mut self) {
        self.also.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn run(cmd: &str, timeout_ms: u64) -> Finished {
        run_shell(
            cmd,
            Path::new("/"),
            &[("GL_TEST".into(), "hi".into())],
            Duration::from_millis(timeout_ms),
        )
        .unwrap()
    }

    #[test]
    fn captures_output_env_and_exit_code() {
        let f = run("echo out $GL_TEST; echo err >&2; pwd; exit 3", 5000);
        assert_eq!(String::from_utf8_lossy(&f.stdout), "out hi\n/\n");
        assert_eq!(String::from_utf8_lossy(&f.stderr), "err\n");
        assert_eq!(f.exit_code, Some(3));
        assert!(!f.succeeded());
        assert_eq!(f.how(Duration::from_secs(1)), "exited with code 3");
        assert_eq!(f.last_lines(2), vec!["/".to_owned(), "err".to_owned()]);
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let t = Instant::now();
        let f = run("sleep 30 & sleep 30; echo never", 300);
        assert!(f.timed_out);
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert!(f.stdout.is_empty());
        assert_eq!(
            f.how(Duration::from_millis(300)),
            "did not finish within 300ms (killed)"
        );
    }

    #[test]
    fn a_background_child_holding_the_pipe_does_not_hang_us() {
        let t = Instant::now();
        let f = run("echo done; sleep 30 &", 500);
        assert!(!f.timed_out);
        assert_eq!(f.exit_code, Some(0));
        assert_eq!(String::from_utf8_lossy(&f.stdout), "done\n");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }

    #[test]
    fn cancelling_stops_it_and_the_sink_saw_the_output() {
        let cancel = CancelToken::new();
        let later = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            later.cancel();
        });
        let mut seen = Vec::new();
        let mut sink = |_: Stream, b: &[u8]| seen.extend_from_slice(b);
        let t = Instant::now();
        let f = run_shell_with(
            "echo started; sleep 30",
            Path::new("/"),
            &[],
            Duration::from_secs(60),
            &cancel,
            &mut sink,
        )
        .unwrap();
        assert!(f.cancelled && !f.succeeded());
        assert_eq!(f.how(Duration::from_secs(60)), "was cancelled");
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        assert_eq!(String::from_utf8_lossy(&seen), "started\n");
        assert_eq!(String::from_utf8_lossy(&f.stdout), "started\n");
    }
}
