//! A small shell-command runner with a timeout, for the command source and
//! the canary's `set_weight`/`rollback` commands.
//!
//! Stand-in: the step-command runner `crate::exec` (process groups,
//! cancellation, streamed output) replaces this once it lands. Kept
//! minimal: `sh -c` in a directory, extra environment, stdin closed,
//! stdout and stderr captured, the whole process group killed on timeout.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

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
    pub duration: Duration,
}

impl Finished {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }

    /// "exited with code 3", "was killed by signal 9", "did not finish
    /// within 5s (killed)".
    pub fn how(&self, timeout: Duration) -> String {
        if self.timed_out {
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
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills what it started too.
        .process_group(0)
        .spawn()?;
    let pgid = child.id() as i32;
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    let pipes: [(bool, Option<Box<dyn Read + Send>>); 2] = [
        (true, child.stdout.take().map(|s| Box::new(s) as _)),
        (false, child.stderr.take().map(|s| Box::new(s) as _)),
    ];
    for (is_stdout, pipe) in pipes {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(mut p) = pipe {
                let mut buf = [0u8; 8192];
                loop {
                    match p.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let room = MAX_CAPTURE.saturating_sub(kept.len());
                            kept.extend_from_slice(&buf[..n.min(room)]);
                        }
                    }
                }
            }
            // The receiver may have given up after a timeout; nothing to do.
            let _ = tx.send((is_stdout, kept));
        });
    }
    drop(tx);

    let deadline = started + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            kill_group(pgid);
            break child.wait()?;
        }
        thread::sleep(Duration::from_millis(5));
    };

    // Something it left running in the background may hold the pipes
    // open: wait for them until the deadline, then end the group.
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(200));
        let got = match rx.recv_timeout(wait) {
            Ok(g) => Some(g),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill_group(pgid);
                rx.recv_timeout(Duration::from_secs(1)).ok()
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => None,
        };
        match got {
            Some((true, bytes)) => stdout = bytes,
            Some((false, bytes)) => stderr = bytes,
            None => break,
        }
    }
    Ok(Finished {
        stdout,
        stderr,
        exit_code: status.code(),
        signal: status.signal(),
        timed_out,
        duration: started.elapsed(),
    })
}

fn kill_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; it has
    // no memory effects. The group is the one spawned above (pgid = pid).
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
