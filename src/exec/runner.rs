//! Running one command to its end: output streamed to a sink as it comes,
//! a timeout, cancellation that kills the whole process group (SIGTERM,
//! then SIGKILL after a grace period), and an [`Outcome`] that says how it
//! ended.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::group::{self, SIGKILL, SIGTERM};
use super::output::OutputRecorder;
use super::pipes::{PipeEvent, Pipes, Stream};
use crate::session::payload::CommandFinished;

/// Timeout when a step gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);
/// How long to keep reading after the command exited, for output its
/// background children still print; they are not waited for beyond this.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);
/// How long to keep reading after SIGKILL.
const DRAIN_AFTER_KILL: Duration = Duration::from_millis(500);
/// How often the clock and the cancel flag are looked at.
const TICK: Duration = Duration::from_millis(25);

/// What to run, where, and for how long at most.
#[derive(Debug, Clone)]
pub struct ExecSpec {
    /// Run with `sh -c`.
    pub command: String,
    pub cwd: PathBuf,
    /// Added to the environment (never pasted into the command line).
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    pub grace: Duration,
}

impl ExecSpec {
    pub fn new(command: impl Into<String>, cwd: impl Into<PathBuf>) -> ExecSpec {
        ExecSpec {
            command: command.into(),
            cwd: cwd.into(),
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            grace: DEFAULT_GRACE,
        }
    }
}

/// Asks a running command to stop. Cheap to clone; any clone cancels.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<Cancel>);

#[derive(Debug, Default)]
struct Cancel {
    cancelled: AtomicBool,
    /// Set when greenlight itself is ending (a signal, its terminal gone)
    /// rather than a person cancelling: the record says so.
    interrupted: OnceLock<String>,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
    }

    /// Cancel because greenlight is ending: `why` ("SIGTERM", "the
    /// terminal closed") goes into the outcome and the record. The first
    /// reason given stays.
    pub fn interrupt(&self, why: &str) {
        let _ = self.0.interrupted.set(why.to_string());
        self.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Why greenlight interrupted it, when it did.
    pub fn interrupted(&self) -> Option<&str> {
        self.0.interrupted.get().map(String::as_str)
    }
}

/// Where output goes as it arrives (the terminal, the logs pane).
pub trait OutputSink {
    /// The command started as the leader of process group `pgid` (the
    /// registry of running commands notes it here).
    fn started(&mut self, _pgid: u32) {}
    fn output(&mut self, stream: Stream, bytes: &[u8]);
    /// The command's output has ended (flush a partial line).
    fn finish(&mut self) {}
}

impl<F: FnMut(Stream, &[u8])> OutputSink for F {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        self(stream, bytes)
    }
}

/// A sink that drops everything (the record still gets digest and tail).
pub fn discard() -> impl OutputSink {
    |_: Stream, _: &[u8]| {}
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Exit code, when it exited by itself (127: not found).
    pub exit_code: Option<i32>,
    /// The signal that ended it.
    pub signal: Option<i32>,
    pub duration: Duration,
    pub timed_out: bool,
    pub cancelled: bool,
    /// Cancelled because greenlight was ending, and why ("SIGTERM", "the
    /// terminal closed"); `None` for a person's cancel.
    pub interrupted: Option<String>,
    /// SIGKILL was needed: it ignored SIGTERM for the whole grace period.
    pub killed: bool,
    pub output_sha256: String,
    pub output_bytes: u64,
    pub last_lines: Vec<String>,
    /// It could not be started at all (recorded as exit 127).
    pub spawn_error: Option<String>,
}

impl Outcome {
    /// Exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled
    }

    /// "exited 0 after 1.2s", "was cancelled after 3.0s (killed)", …
    pub fn describe(&self) -> String {
        let secs = self.duration.as_secs_f64();
        let how = if let Some(e) = &self.spawn_error {
            format!("could not start: {e}")
        } else if let Some(why) = &self.interrupted {
            format!("was interrupted ({why})")
        } else if self.cancelled {
            "was cancelled".to_string()
        } else if self.timed_out {
            "timed out".to_string()
        } else if self.exit_code == Some(127) {
            "exited 127 (command not found)".to_string()
        } else if self.exit_code == Some(126) {
            "exited 126 (not executable)".to_string()
        } else if let Some(c) = self.exit_code {
            format!("exited {c}")
        } else if let Some(s) = self.signal {
            format!("was killed by signal {s} ({})", super::signals::name(s))
        } else {
            "ended".to_string()
        };
        let killed = if self.killed {
            " (ignored SIGTERM; killed)"
        } else {
            ""
        };
        format!("{how} after {secs:.1}s{killed}")
    }

    /// The event payload for the session.
    pub fn to_finished(&self, step: &str, command: &str) -> CommandFinished {
        CommandFinished {
            step: step.to_string(),
            command: command.to_string(),
            exit_code: self.exit_code,
            signal: self.signal,
            duration_ms: u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX),
            timed_out: self.timed_out,
            cancelled: self.cancelled,
            interrupted: self.interrupted.clone(),
            output_sha256: self.output_sha256.clone(),
            output_bytes: self.output_bytes,
            last_lines: self.last_lines.clone(),
        }
    }
}

/// Run `spec` on this thread until it ends, is cancelled or times out.
/// Never panics and never returns an error: a command that cannot start
/// is an outcome too (exit 127 with the reason), so it gets recorded.
pub fn run(spec: &ExecSpec, cancel: &CancelToken, sink: &mut dyn OutputSink) -> Outcome {
    let started = Instant::now();
    let mut rec = OutputRecorder::new();
    let mut child = match group::spawn_shell(&spec.command, &spec.cwd, &spec.env) {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("cannot run `sh -c` in {}: {e}", spec.cwd.display());
            let line = format!("greenlight: {msg}\n");
            sink.output(Stream::Stderr, line.as_bytes());
            sink.finish();
            rec.add(line.as_bytes());
            let (output_sha256, output_bytes, last_lines) = rec.finish();
            return Outcome {
                exit_code: Some(127),
                signal: None,
                duration: started.elapsed(),
                timed_out: false,
                cancelled: false,
                interrupted: None,
                killed: false,
                output_sha256,
                output_bytes,
                last_lines,
                spawn_error: Some(msg),
            };
        }
    };
    let pgid = child.id();
    sink.started(pgid);
    let mut pipes = Pipes::attach(&mut child);
    let deadline = started + spec.timeout;
    let mut status = None;
    let mut timed_out = false;
    let mut cancelled = false;
    let mut term_sent: Option<Instant> = None;
    let mut killed = false;
    let mut killed_at: Option<Instant> = None;
    let mut exited_at: Option<Instant> = None;

    loop {
        if let Some(ev) = pipes.next(TICK) {
            match ev {
                PipeEvent::Data(stream, bytes) => {
                    rec.add(&bytes);
                    sink.output(stream, &bytes);
                }
                PipeEvent::Closed(stream, Some(e)) => {
                    let line = format!("greenlight: reading {stream:?} failed: {e}\n");
                    rec.add(line.as_bytes());
                    sink.output(Stream::Stderr, line.as_bytes());
                }
                PipeEvent::Closed(_, None) => {}
            }
        }
        if status.is_none() {
            match child.try_wait() {
                Ok(Some(s)) => {
                    status = Some(s);
                    exited_at = Some(Instant::now());
                }
                Ok(None) => {}
                Err(_) => {
                    // Cannot wait on it: treat as gone, after making sure.
                    let _ = group::signal_group(pgid, SIGKILL);
                    status = child.wait().ok();
                    exited_at = Some(Instant::now());
                }
            }
        }
        let now = Instant::now();
        if term_sent.is_none() && status.is_none() {
            if cancel.is_cancelled() {
                cancelled = true;
            } else if now >= deadline {
                timed_out = true;
            }
            if cancelled || timed_out {
                let _ = group::signal_group(pgid, SIGTERM);
                term_sent = Some(now);
            }
        }
        if let Some(t) = term_sent
            && !killed
            && now >= t + spec.grace
            && (status.is_none() || !pipes.all_closed())
        {
            // It (or a child holding our pipes) ignored SIGTERM.
            let _ = group::signal_group(pgid, SIGKILL);
            killed = true;
            killed_at = Some(now);
        }
        match (status, exited_at) {
            (Some(_), _) if pipes.all_closed() => break,
            (Some(_), Some(at)) if term_sent.is_none() && now >= at + DRAIN_AFTER_EXIT => break,
            // Killed with SIGKILL: what is still open closes at once, or
            // belongs to a process outside the group; stop reading soon.
            (Some(_), _) if killed_at.is_some_and(|k| now >= k + DRAIN_AFTER_KILL) => break,
            _ => {}
        }
    }
    sink.finish();
    let status = status.or_else(|| child.wait().ok());
    use std::os::unix::process::ExitStatusExt;
    let (exit_code, signal) = match status {
        Some(s) => (s.code(), s.signal()),
        None => (None, None),
    };
    let (output_sha256, output_bytes, last_lines) = rec.finish();
    Outcome {
        exit_code,
        signal,
        duration: started.elapsed(),
        timed_out,
        cancelled,
        interrupted: cancelled
            .then(|| cancel.interrupted().map(str::to_string))
            .flatten(),
        killed,
        output_sha256,
        output_bytes,
        last_lines,
        spawn_error: None,
    }
}

/// A command running on its own thread.
pub struct RunHandle {
    cancel: CancelToken,
    thread: Option<JoinHandle<Outcome>>,
}

impl RunHandle {
    /// Ask it to stop: SIGTERM to its group now, SIGKILL after the grace.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Wait for the outcome. `None` only if the runner thread panicked
    /// (a bug), so the caller can still say something.
    pub fn join(mut self) -> Option<Outcome> {
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl Drop for RunHandle {
    /// A handle dropped while running cancels the command: nothing keeps
    /// running that nobody can see.
    fn drop(&mut self) {
        if self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            self.cancel.cancel();
        }
    }
}

/// Run `spec` on a new thread; output goes to `sink` on that thread.
pub fn spawn(
    spec: ExecSpec,
    mut sink: impl OutputSink + Send + 'static,
) -> std::io::Result<RunHandle> {
    let cancel = CancelToken::new();
    let token = cancel.clone();
    let thread = thread::Builder::new()
        .name("step-command".into())
        .spawn(move || run(&spec, &token, &mut sink))?;
    Ok(RunHandle {
        cancel,
        thread: Some(thread),
    })
}
