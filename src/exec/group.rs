//! Child processes in their own process group: started with `sh -c`, and
//! signalled as a group so a script's children die with it.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Start `sh -c <line>` in `cwd` as the leader of a new process group,
/// stdin closed, stdout and stderr piped. `env` is added to greenlight's
/// own environment: values travel as variables, never inside the line.
pub fn spawn_shell(line: &str, cwd: &Path, env: &[(String, String)]) -> io::Result<Child> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(line)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: the terminal's Ctrl-C goes to greenlight, which
        // decides (and records) what happens to the command.
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn()
}

/// Send `signal` to every process in the group led by `pgid`. A group
/// that is already gone is not an error.
pub fn signal_group(pgid: u32, signal: i32) -> io::Result<()> {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    };
    if pgid <= 1 {
        // -1 would signal every process we may signal, 0 our own group.
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    // SAFETY: kill(2) takes plain integers and touches no memory of ours;
    // a negative pid addresses the process group, checked above to be a
    // real group id and never 0 or -1.
    let rc = unsafe { libc::kill(-pgid, signal) };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) {
        Ok(())
    } else {
        Err(err)
    }
}

pub const SIGTERM: i32 = libc::SIGTERM;
pub const SIGKILL: i32 = libc::SIGKILL;
