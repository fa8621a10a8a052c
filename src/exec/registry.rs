//! The recorded commands running now on this device: one small file per
//! command in the session's folder, `running/<pgid>.json` (never synced:
//! only `*.jsonl` is). Written once the command started, removed once its
//! end is recorded. When a greenlight dies without recording the end
//! (SIGKILL, a crash, a power cut), the next one to open the session for
//! writing finds the entry ([`reap`]): it kills the command's process
//! group if it is still alive and really the same process, and records
//! the run's end as interrupted (a `run` fails its step).
//!
//! A process is "the same" when the boot id and its start time (field 22
//! of `/proc/<pid>/stat`, clock ticks since boot) match what the entry
//! noted: a pid reused since is never signalled. Linux only: where `/proc`
//! is missing no entry is written and nothing is killed.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::group::{self, SIGKILL, SIGTERM};
use super::pipes::Stream;
use super::runner::{Outcome, OutputSink};
use super::step::{StepAction, StepCommand};
use crate::session::{Command, Payload, Session};
use crate::workspace::Workspace;

/// How long a left-over group gets to end after SIGTERM, then after SIGKILL.
const REAP_GRACE: Duration = Duration::from_secs(1);

/// The end recorded for a run whose group was still alive.
pub const KILLED: &str =
    "greenlight exited before the command ended; its process group was killed at the next start";
/// The end recorded for a run whose group had ended meanwhile.
pub const ENDED: &str =
    "greenlight exited before the command ended; it had already ended at the next start";
/// The end recorded for an open run with no entry (see [`reap`]).
pub const UNTRACKED: &str = "greenlight exited before the command ended and left no note of its process; it may still be running: check by hand";

/// Whose command: a step's (the end of a `run` completes or fails the
/// step) or the canary's `set_weight`/rollback (the end is only recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Step,
    Canary,
}

/// The run an entry stands for, as its `command_started` named it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Running {
    pub kind: Kind,
    pub step: String,
    pub action: StepAction,
    pub command: String,
}

/// One file of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The process group, led by the `sh` greenlight started (pid = pgid).
    pub pgid: u32,
    /// The leader's start time (field 22 of `/proc/<pgid>/stat`).
    pub start_time: u64,
    /// `/proc/sys/kernel/random/boot_id` when it started.
    pub boot_id: String,
    /// The greenlight that started it and records its end.
    pub owner_pid: u32,
    pub owner_start_time: u64,
    #[serde(flatten)]
    pub run: Running,
}

/// The `running/` folder of one session.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

impl Registry {
    pub fn of_session(session_dir: &Path) -> Registry {
        Registry {
            dir: session_dir.join("running"),
        }
    }

    fn path(&self, pgid: u32) -> PathBuf {
        self.dir.join(format!("{pgid}.json"))
    }

    /// Note the command that just started as the leader of `pgid`.
    pub fn add(&self, pgid: u32, run: &Running) -> io::Result<PathBuf> {
        let me = std::process::id();
        let unknown = || io::Error::other("no /proc entry to identify the process by");
        let entry = Entry {
            pgid,
            start_time: stat(pgid).ok_or_else(unknown)?.start_time,
            boot_id: boot_id().ok_or_else(unknown)?,
            owner_pid: me,
            owner_start_time: stat(me).ok_or_else(unknown)?.start_time,
            run: run.clone(),
        };
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(pgid);
        // Whole or not at all: a reader never sees half an entry.
        let tmp = self.dir.join(format!(".{pgid}.json.{me}.tmp"));
        std::fs::write(&tmp, serde_json::to_vec_pretty(&entry)?)?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }

    /// Remove entries half-written by a greenlight that died before it
    /// renamed them into place (`.<pgid>.json.<owner pid>.tmp`).
    fn remove_stale_temporaries(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let owner = name
                .strip_suffix(".tmp")
                .and_then(|n| n.rsplit('.').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            if let Some(pid) = owner
                && stat(pid).is_none()
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Every entry, with its file; an unreadable one as its error.
    fn entries(&self) -> Vec<(PathBuf, Result<Entry, String>)> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<_> = dir
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let entry = std::fs::read(&p)
                    .map_err(|e| e.to_string())
                    .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()));
                (p, entry)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// The entry of one running command, shared between the runner (which
/// writes it when the command starts) and whoever records the end (which
/// removes it after). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Registration(Arc<Mutex<Option<PathBuf>>>);

impl Registration {
    fn set(&self, path: PathBuf) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(path);
    }

    /// The end is recorded: forget the command. Quiet when nothing was
    /// written; a file that cannot be removed is closed at the next start
    /// (its run has an end by then, so nothing more is recorded).
    pub fn remove(&self) {
        let path = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(p) = path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A sink that notes the command in `registry` when it starts, then hands
/// everything on to `inner`.
pub struct Registering<S> {
    inner: S,
    registry: Option<Registry>,
    run: Running,
    registration: Registration,
}

impl<S: OutputSink> Registering<S> {
    /// The sink, and the handle to remove the entry with once the end is
    /// recorded. Without a registry it only passes the output on.
    pub fn new(
        inner: S,
        registry: Option<Registry>,
        run: Running,
    ) -> (Registering<S>, Registration) {
        let registration = Registration::default();
        let sink = Registering {
            inner,
            registry,
            run,
            registration: registration.clone(),
        };
        (sink, registration)
    }
}

impl<S: OutputSink> OutputSink for Registering<S> {
    fn started(&mut self, pgid: u32) {
        // Best effort: without the entry, a greenlight that dies mid-run
        // leaves an open run the next start closes as untracked.
        if let Some(Ok(path)) = self.registry.as_ref().map(|r| r.add(pgid, &self.run)) {
            self.registration.set(path);
        }
        self.inner.started(pgid);
    }

    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        self.inner.output(stream, bytes);
    }

    fn finish(&mut self) {
        self.inner.finish();
    }
}

/// A borrowed sink as an owned one, for [`Registering`].
pub struct Borrowed<'a>(pub &'a mut dyn OutputSink);

impl OutputSink for Borrowed<'_> {
    fn started(&mut self, pgid: u32) {
        self.0.started(pgid);
    }

    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        self.0.output(stream, bytes);
    }

    fn finish(&mut self) {
        self.0.finish();
    }
}

/// Close what greenlights of this device left running in `session`, just
/// opened for writing. Returns what it did and what failed, one sentence
/// each (the record says it too).
///
/// - An entry whose owner is alive is left alone (a command running now).
/// - An entry whose owner is gone: its group is killed if it is still
///   alive and the same (SIGTERM, SIGKILL a second later), the run's end
///   is recorded as interrupted ([`KILLED`] or [`ENDED`]; a `run` fails
///   its step), and the entry is removed. An entry whose run already has
///   an end (greenlight died between the two) is only removed.
/// - A run started by this process's own actor with no end and no entry
///   (greenlight died as the command started, or a greenlight without the
///   registry ran it) is recorded as interrupted ([`UNTRACKED`]) and
///   nothing is killed: there is no process to check it against. That is
///   safe because the session is open for writing as that actor: its lock
///   is ours, so no other greenlight is running anything as it. Open runs
///   of other actors are left to their own greenlight.
pub fn reap(ws: &Workspace, session: &mut Session) -> Vec<String> {
    if session.writer().is_none() {
        return Vec::new();
    }
    let registry = Registry::of_session(session.dir());
    let mut notes = Vec::new();
    let mut tracked: Vec<Running> = Vec::new();
    for (path, entry) in registry.entries() {
        let entry = match entry {
            Ok(e) => e,
            Err(why) => {
                notes.push(format!(
                    "an unreadable note of a running command was removed ({}: {why})",
                    path.display()
                ));
                let _ = std::fs::remove_file(&path);
                continue;
            }
        };
        tracked.push(entry.run.clone());
        if owner_alive(&entry) {
            continue;
        }
        let why = match stop_group(&entry) {
            Ok(true) => KILLED,
            Ok(false) => ENDED,
            Err(e) => {
                notes.push(format!(
                    "`{}` ({}) was left running by a greenlight that exited, and its process group {} could not be killed: {e}",
                    entry.run.command, entry.run.step, entry.pgid
                ));
                continue;
            }
        };
        if open_run(session, &entry.run) {
            notes.extend(record(ws, session, &entry.run, why));
        }
        let _ = std::fs::remove_file(&path);
    }
    registry.remove_stale_temporaries();
    let me = ws.actor();
    for run in untracked(session, &me, &tracked) {
        notes.extend(record(ws, session, &run, UNTRACKED));
    }
    notes
}

/// Is there a run of `run`'s step, action and command with no end?
fn open_run(session: &Session, run: &Running) -> bool {
    let rollback = run.action == StepAction::Rollback;
    session.state().step(&run.step).is_some_and(|st| {
        st.runs
            .iter()
            .any(|r| r.finished.is_none() && r.rollback == rollback && r.command == run.command)
    })
}

/// The open runs started by `actor` that no entry stands for.
fn untracked(session: &Session, actor: &str, tracked: &[Running]) -> Vec<Running> {
    let st = session.state();
    let mut out = Vec::new();
    for step in &st.steps {
        let kind = match st.plan.step(&step.id) {
            Some(p) if p.kind == "canary" => Kind::Canary,
            _ => Kind::Step,
        };
        for r in &step.runs {
            let run = Running {
                kind,
                step: step.id.clone(),
                action: if r.rollback {
                    StepAction::Rollback
                } else {
                    StepAction::Run
                },
                command: r.command.clone(),
            };
            let known = tracked
                .iter()
                .any(|t| t.step == run.step && t.action == run.action && t.command == run.command);
            if r.finished.is_none() && *r.started.actor == *actor && !known && !out.contains(&run) {
                out.push(run);
            }
        }
    }
    out
}

/// Record the end of `run` as interrupted for `why`: `command_finished`
/// (or `rollback_finished`), then for a step's `run` the step failed with
/// that reason, as a cancelled run records it. What went wrong, if
/// anything.
fn record(ws: &Workspace, session: &mut Session, run: &Running, why: &str) -> Vec<String> {
    let started = session.state().step(&run.step).and_then(|st| {
        st.runs
            .iter()
            .rev()
            .find(|r| {
                r.finished.is_none()
                    && r.command == run.command
                    && r.rollback == (run.action == StepAction::Rollback)
            })
            .and_then(|r| r.started.at.parse::<jiff::Timestamp>().ok())
    });
    let ran_for = started
        .and_then(|t| Duration::try_from(jiff::Timestamp::now().duration_since(t)).ok())
        .unwrap_or_default();
    let outcome = Outcome {
        exit_code: None,
        signal: None,
        duration: ran_for,
        timed_out: false,
        cancelled: why == KILLED,
        interrupted: Some(why.to_string()),
        killed: false,
        output_sha256: String::new(),
        output_bytes: 0,
        last_lines: Vec::new(),
        spawn_error: None,
    };
    let cmds = match run.kind {
        Kind::Step => StepCommand {
            step: run.step.clone(),
            title: String::new(),
            action: run.action,
            command: run.command.clone(),
            needs_confirmation: false,
            timeout: Duration::ZERO,
        }
        .finished(&outcome),
        Kind::Canary => {
            let f = outcome.to_finished(&run.step, &run.command);
            let rollback = run.action == StepAction::Rollback;
            vec![Command::Record(if rollback {
                Payload::RollbackFinished(f)
            } else {
                Payload::CommandFinished(f)
            })]
        }
    };
    let mut problems = Vec::new();
    for (i, cmd) in cmds.iter().enumerate() {
        if let Err(e) = ws.perform(session, cmd) {
            // The step may have been settled meanwhile: the run's end is
            // what matters; say so only when that failed.
            if i == 0 {
                problems.push(format!(
                    "`{}` ({}) was left open by a greenlight that exited, and its end could not be recorded: {e:#}",
                    run.command, run.step
                ));
            }
            break;
        }
    }
    problems
}

/// Is the greenlight that started it still running?
fn owner_alive(e: &Entry) -> bool {
    boot_id().as_deref() == Some(e.boot_id.as_str())
        && stat(e.owner_pid).is_some_and(|s| s.start_time == e.owner_start_time && s.state != 'Z')
}

/// Stop what is left of the entry's group: true when something was still
/// alive (and is now killed), false when it had all ended.
fn stop_group(e: &Entry) -> io::Result<bool> {
    if boot_id().as_deref() != Some(e.boot_id.as_str()) {
        return Ok(false);
    }
    // A leader with another start time is another process that got the
    // pid: the group ended (a pid is never reused while its group lives).
    if stat(e.pgid).is_some_and(|s| s.start_time != e.start_time) {
        return Ok(false);
    }
    if members(e).is_empty() {
        return Ok(false);
    }
    for signal in [SIGTERM, SIGKILL] {
        group::signal_group(e.pgid, signal)?;
        let until = Instant::now() + REAP_GRACE;
        while !members(e).is_empty() {
            if Instant::now() >= until {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if members(e).is_empty() {
            return Ok(true);
        }
    }
    Err(io::Error::other("it is still alive after SIGKILL"))
}

/// The live (not zombie) processes of the entry's group that started no
/// earlier than its leader.
fn members(e: &Entry) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|d| d.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            stat(pid).is_some_and(|s| {
                u32::try_from(s.pgrp) == Ok(e.pgid)
                    && s.state != 'Z'
                    && s.start_time >= e.start_time
            })
        })
        .collect()
}

/// What greenlight reads of `/proc/<pid>/stat`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stat {
    state: char,
    pgrp: i64,
    start_time: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Fields 3 (state), 5 (pgrp) and 22 (starttime). The name (field 2) is in
/// parentheses and may hold spaces and parentheses: split after the last
/// `)`.
fn parse_stat(s: &str) -> Option<Stat> {
    let rest = s.get(s.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: f.first()?.chars().next()?,
        pgrp: f.get(2)?.parse().ok()?,
        start_time: f.get(19)?.parse().ok()?,
    })
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_survive_odd_names() {
        let line = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 0 0";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                state: 'S',
                pgrp: 4242,
                start_time: 987654
            })
        );
        assert_eq!(parse_stat("12 (x) S 1"), None);
    }

    #[test]
    fn our_own_process_is_alive_and_identified() {
        let me = std::process::id();
        let s = stat(me).expect("/proc/self");
        let entry = Entry {
            pgid: 0,
            start_time: 0,
            boot_id: boot_id().expect("boot id"),
            owner_pid: me,
            owner_start_time: s.start_time,
            run: Running {
                kind: Kind::Step,
                step: "s".into(),
                action: StepAction::Run,
                command: "true".into(),
            },
        };
        assert!(owner_alive(&entry));
        let reused = Entry {
            owner_start_time: s.start_time + 1,
            ..entry.clone()
        };
        assert!(!owner_alive(&reused), "a reused pid is not the owner");
        let rebooted = Entry {
            boot_id: "another boot".into(),
            ..entry
        };
        assert!(!owner_alive(&rebooted));
    }

    #[test]
    fn entries_round_trip_flat() {
        let dir = tempfile::tempdir().expect("dir");
        let reg = Registry::of_session(dir.path());
        let run = Running {
            kind: Kind::Canary,
            step: "canary".into(),
            action: StepAction::Rollback,
            command: "./rb.sh".into(),
        };
        let path = reg.add(std::process::id(), &run).expect("add");
        let text = std::fs::read_to_string(&path).expect("read");
        for field in [
            "\"pgid\"",
            "\"boot_id\"",
            "\"owner_pid\"",
            "\"action\": \"rollback\"",
        ] {
            assert!(text.contains(field), "{field} in {text}");
        }
        let all = reg.entries();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1.as_ref().map(|e| e.run.clone()), Ok(run));
    }
}
