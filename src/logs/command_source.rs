//! A command as a log source (`kubectl logs -f …`, `journalctl -f`):
//! `sh -c` in the repository root, in its own process group, stdout and
//! stderr both read. When it ends it is reported with its exit code and
//! left ended: restarting a command that fails at once would spin.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::batch::{Batcher, Control};
use super::feed::{Closed, SourceStatus};
use super::line::LineSplitter;
use super::time::now_millis;
use crate::exec::group::{self, SIGKILL, SIGTERM};
use crate::exec::pipes::{PipeEvent, Pipes, Stream};

/// Between SIGTERM and SIGKILL when the source is stopped.
const STOP_GRACE: Duration = Duration::from_secs(1);
/// Output still read after the command exited (from its children).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(1);

pub(crate) fn run(
    command: &str,
    cwd: &Path,
    out: &mut Batcher,
    control: &Control,
) -> Result<(), Closed> {
    let mut child = match group::spawn_shell(command, cwd, &[]) {
        Ok(c) => c,
        Err(e) => {
            return out.status(SourceStatus::Failed {
                reason: format!("cannot run `{command}` in {}: {e}", cwd.display()),
            });
        }
    };
    let pgid = child.id();
    control.pgid.store(pgid, Ordering::Release);
    out.status(SourceStatus::Following {
        what: format!("`{command}`"),
    })?;
    let mut pipes = Pipes::attach(&mut child);
    let mut stdout = LineSplitter::new();
    let mut stderr = LineSplitter::new();
    let mut exited: Option<(std::process::ExitStatus, Instant)> = None;
    let mut stop_sent: Option<Instant> = None;

    let result = loop {
        if let Some(ev) = pipes.next(Duration::from_millis(25)) {
            let r = match ev {
                PipeEvent::Data(Stream::Stdout, b) => out.chunk(&mut stdout, &b),
                PipeEvent::Data(Stream::Stderr, b) => out.chunk(&mut stderr, &b),
                PipeEvent::Closed(_, Some(e)) => out.status(SourceStatus::Notice {
                    message: format!("reading `{command}` failed: {e}"),
                }),
                PipeEvent::Closed(_, None) => Ok(()),
            };
            if r.is_err() {
                break r;
            }
        }
        if let Err(e) = out.flush_if_due() {
            break Err(e);
        }
        if exited.is_none()
            && let Ok(Some(s)) = child.try_wait()
        {
            exited = Some((s, Instant::now()));
        }
        if control.stopped() {
            match stop_sent {
                None => {
                    let _ = group::signal_group(pgid, SIGTERM);
                    stop_sent = Some(Instant::now());
                }
                Some(t) if t.elapsed() >= STOP_GRACE => {
                    let _ = group::signal_group(pgid, SIGKILL);
                    if exited.is_some() || child.try_wait().ok().flatten().is_some() {
                        break Ok(());
                    }
                }
                Some(_) => {}
            }
            if exited.is_some() && pipes.all_closed() {
                break Ok(());
            }
            continue;
        }
        match exited {
            Some(_) if pipes.all_closed() => break Ok(()),
            Some((_, at)) if at.elapsed() >= DRAIN_AFTER_EXIT => break Ok(()),
            _ => {}
        }
    };
    control.pgid.store(0, Ordering::Release);
    if result.is_err() && exited.is_none() {
        // Nobody is reading any more: the command goes too.
        let _ = group::signal_group(pgid, SIGTERM);
        let _ = child.try_wait();
    }
    result?;
    let received = now_millis();
    for s in [&mut stdout, &mut stderr] {
        let mut r = Ok(());
        s.finish(|l, d| r = out.line(l, d, received));
        r?;
    }
    if control.stopped() {
        let _ = child.wait();
        return out.status(SourceStatus::Stopped);
    }
    use std::os::unix::process::ExitStatusExt;
    let status = exited.map(|(s, _)| s).or_else(|| child.wait().ok());
    out.status(SourceStatus::Exited {
        code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
    })
}
