//! Actor files: reading them line by line, and the single writer that
//! appends to one.
//!
//! An append is one `write` of a whole line followed by `fdatasync`, and the
//! call returns only after both. A writer killed mid-write can leave a torn
//! last line (bytes without a newline); the next process that can take the
//! actor's lock moves those bytes to a side file and truncates the journal
//! back to its last complete line, so nothing is silently dropped.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use std::sync::Arc;

use super::chain::{Chain, Expect, Link};
use super::event::{Draft, Event, GENESIS, Hash32, Interner, Who, check_line_hash};
use super::files;
use super::lock::{ActorLock, LockError};
pub use super::names::actor_file_name;
use super::names::{legacy_actor_file_name, lock_file_name};
use crate::signing::Signer;

/// A problem found while reading a journal: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineProblem {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{problem}; nothing was written. `greenlight audit verify` gives the full report; `greenlight audit recover --reason …` restores the synced copy or sets the damaged part aside"
    )]
    Corrupt { problem: LineProblem },
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "{}: the session's Lamport clock is at its largest value, which only a forged event can set; nothing was written (run `greenlight audit verify`)",
        path.display()
    )]
    ClockExhausted { path: PathBuf },
    #[error("{0}; nothing was written")]
    Sign(#[from] crate::signing::SignError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads new complete lines of one file, remembering where it stopped, so a
/// live session re-reads only what was appended since.
#[derive(Debug, Clone)]
pub struct FileCursor {
    pub path: PathBuf,
    /// Bytes consumed: always just after a newline.
    pub offset: u64,
    /// Lines consumed.
    pub lines: usize,
    /// Bytes after the last newline at the last read: a line being written
    /// right now, or a torn one.
    pub partial_tail: u64,
    /// The session every line must belong to, when known.
    pub session: Option<String>,
    /// The links of the lines read so far.
    chain: Chain,
}

/// What one read of a cursor produced.
#[derive(Debug, Default)]
pub struct ReadBatch {
    pub events: Vec<Event>,
    pub problems: Vec<LineProblem>,
}

/// What one read of a cursor produced, with the events left in the runs
/// they were parsed in (each in file order, one after the other), so a
/// caller merging several files copies every event once.
#[derive(Debug, Default)]
pub struct ReadRuns {
    pub runs: Vec<Vec<Event>>,
    pub problems: Vec<LineProblem>,
}

impl ReadRuns {
    /// The events of all runs in file order.
    pub fn into_batch(self) -> ReadBatch {
        let mut runs = self.runs.into_iter();
        let mut events = runs.next().unwrap_or_default();
        for mut run in runs {
            events.append(&mut run);
        }
        ReadBatch {
            events,
            problems: self.problems,
        }
    }
}

impl FileCursor {
    pub fn new(path: PathBuf) -> Self {
        FileCursor {
            path,
            offset: 0,
            lines: 0,
            partial_tail: 0,
            session: None,
            chain: Chain::new(),
        }
    }

    /// A cursor that also checks every line belongs to `session`.
    pub fn for_session(path: PathBuf, session: &str) -> Self {
        FileCursor {
            session: Some(session.to_string()),
            ..FileCursor::new(path)
        }
    }

    /// A cursor picking up where a checkpoint left `path`: `lines` lines
    /// (`offset` bytes) read, the last of them `last`.
    pub fn resumed(
        path: PathBuf,
        session: &str,
        offset: u64,
        lines: usize,
        last: Option<Link>,
    ) -> Self {
        FileCursor {
            offset,
            lines,
            chain: Chain::resume(lines, last),
            ..FileCursor::for_session(path, session)
        }
    }

    /// The last event read, as the next line must link to it.
    pub fn last_link(&self) -> Option<Link> {
        self.chain.last()
    }

    fn file_name(&self) -> Option<String> {
        self.path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
    }

    /// Read what was appended since the last call. Each line is parsed and its
    /// own hash checked; a line that fails is reported and left out of the
    /// events (it is still on disk for `audit verify` and for people).
    pub fn read_new(&mut self) -> Result<ReadBatch, JournalError> {
        self.read_new_runs().map(ReadRuns::into_batch)
    }

    /// `read_new`, leaving the events in the runs they were parsed in.
    pub fn read_new_runs(&mut self) -> Result<ReadRuns, JournalError> {
        self.read_runs_to(None)
    }

    /// `read_new_runs`, reading no further than byte `limit` when given
    /// (the part of a file a checkpoint folded).
    pub fn read_runs_to(&mut self, limit: Option<u64>) -> Result<ReadRuns, JournalError> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ReadRuns::default()),
            Err(e) => return Err(io_err(&self.path)(e)),
        };
        let len = file.metadata().map_err(io_err(&self.path))?.len();
        let len = limit.map_or(len, |l| l.min(len));
        if len < self.offset {
            // The file shrank: only a repair of a torn tail does that, and it
            // never cuts below a complete line we consumed. Anything else is
            // reported by verify; start over to stay truthful.
            self.offset = 0;
            self.lines = 0;
            self.chain = Chain::new();
        }
        if len - self.offset > STREAM_ABOVE {
            return self.read_large(&file, len);
        }
        file.seek(SeekFrom::Start(self.offset))
            .map_err(io_err(&self.path))?;
        let mut buf = Vec::with_capacity((len - self.offset) as usize);
        (&mut file)
            .take(len - self.offset)
            .read_to_end(&mut buf)
            .map_err(io_err(&self.path))?;
        let complete = match buf.iter().rposition(|&b| b == b'\n') {
            Some(i) => i + 1,
            None => 0,
        };
        self.partial_tail = (buf.len() - complete) as u64;
        let name = self.file_name();
        let expect = Expect {
            session: self.session.as_deref(),
            file_name: name.as_deref(),
        };
        let mut batch = ReadBatch {
            events: Vec::with_capacity(memchr::memchr_iter(b'\n', &buf[..complete]).count()),
            problems: Vec::new(),
        };
        let lines = parse_into(
            &mut batch,
            &mut Interner::default(),
            &mut self.chain,
            expect,
            &self.path,
            &buf[..complete],
            self.lines,
        );
        self.lines += lines;
        self.offset += complete as u64;
        Ok(ReadRuns {
            runs: vec![batch.events],
            problems: batch.problems,
        })
    }
}

/// Reads above this size stream through a small reused buffer on two
/// threads instead of loading the whole file: a large session then costs
/// no page faults for a file-sized buffer, and parsing uses both cores.
const STREAM_ABOVE: u64 = 8 << 20;
const CHUNK: usize = 1 << 20;

/// What one streamed range of a file gave.
struct Streamed {
    batch: ReadBatch,
    /// Lines in the range.
    lines: usize,
    /// Where the range's chain ended.
    chain: Chain,
}

impl FileCursor {
    fn read_large(&mut self, file: &File, len: u64) -> Result<ReadRuns, JournalError> {
        use std::os::unix::fs::FileExt;
        let path = self.path.clone();
        // The end of the last complete line.
        let mut end = len;
        let mut probe = vec![0u8; 64 * 1024];
        let complete_end = loop {
            let start = end.saturating_sub(probe.len() as u64).max(self.offset);
            let n = (end - start) as usize;
            file.read_exact_at(&mut probe[..n], start)
                .map_err(io_err(&path))?;
            if let Some(i) = memchr::memrchr(b'\n', &probe[..n]) {
                break start + i as u64 + 1;
            }
            if start == self.offset {
                break self.offset;
            }
            end = start;
        };
        // Split the complete range in two at a line boundary.
        let mid_guess = self.offset + (complete_end - self.offset) / 2;
        let mut mid = complete_end;
        let mut at = mid_guess;
        while at < complete_end {
            let n = ((complete_end - at) as usize).min(probe.len());
            file.read_exact_at(&mut probe[..n], at)
                .map_err(io_err(&path))?;
            if let Some(i) = memchr::memchr(b'\n', &probe[..n]) {
                mid = at + i as u64 + 1;
                break;
            }
            at += n as u64;
        }
        let name = self.file_name();
        let expect = Expect {
            session: self.session.as_deref(),
            file_name: name.as_deref(),
        };
        let first_chain = self.chain.clone();
        // The second half's first link is judged after, against the
        // first half's last event.
        let second_chain = Chain::resume(self.lines + 1, None);
        let (first, second) = std::thread::scope(|s| {
            let c2 = second_chain.clone();
            let p2 = &path;
            let second = s.spawn(move || stream_range(file, p2, mid, complete_end, c2, expect));
            let first = stream_range(file, &path, self.offset, mid, first_chain.clone(), expect);
            (first, second.join())
        });
        let first = first?;
        let mut second = match second {
            Ok(r) => r?,
            Err(_) => stream_range(file, &path, mid, complete_end, second_chain, expect)?,
        };
        let mut problems = first.batch.problems;
        for p in &mut problems {
            p.line += self.lines;
        }
        for p in &mut second.batch.problems {
            p.line += self.lines + first.lines;
        }
        problems.append(&mut second.batch.problems);
        if let (Some(last), Some(true)) = (first.chain.last(), second.chain.first_read())
            && let Some(ev) = second.batch.events.first()
        {
            for reason in super::chain::link_problems(last, ev) {
                problems.push(LineProblem {
                    file: self.path.clone(),
                    line: self.lines + first.lines + 1,
                    reason,
                });
            }
        }
        problems.sort_by_key(|p| p.line);
        self.chain = if second.lines > 0 {
            second.chain
        } else {
            first.chain
        };
        self.lines += first.lines + second.lines;
        self.partial_tail = len - complete_end;
        self.offset = complete_end;
        Ok(ReadRuns {
            runs: vec![first.batch.events, second.batch.events],
            problems,
        })
    }
}

/// Parse the complete lines in `[start, end)` of a file through a reused
/// buffer, checking links from `chain`; line numbers in problems count
/// from the start of the range.
fn stream_range(
    file: &File,
    path: &Path,
    start: u64,
    end: u64,
    mut chain: Chain,
    expect: Expect<'_>,
) -> Result<Streamed, JournalError> {
    use std::os::unix::fs::FileExt;
    // Events are ~300 bytes on disk: size the vector once instead of
    // growing (and copying) it a dozen times.
    let mut out = ReadBatch {
        events: Vec::with_capacity(((end - start) / 256) as usize),
        problems: Vec::new(),
    };
    let mut interner = Interner::default();
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0usize;
    let mut pos = start;
    let mut lines = 0usize;
    while pos < end || filled > 0 {
        if pos < end {
            if filled == buf.len() {
                // One line longer than the buffer: grow for it.
                buf.resize(buf.len() * 2, 0);
            }
            let want = ((end - pos) as usize).min(buf.len() - filled);
            file.read_exact_at(&mut buf[filled..filled + want], pos)
                .map_err(io_err(path))?;
            pos += want as u64;
            filled += want;
        }
        let upto = match memchr::memrchr(b'\n', &buf[..filled]) {
            Some(i) => i + 1,
            None if pos >= end => filled,
            None => continue,
        };
        lines += parse_into(
            &mut out,
            &mut interner,
            &mut chain,
            expect,
            path,
            &buf[..upto],
            lines,
        );
        buf.copy_within(upto..filled, 0);
        filled -= upto;
        if pos >= end && filled == 0 {
            break;
        }
    }
    // Links inside the range were judged from `chain`; the range's own
    // first link (when resumed without a known last event) is judged by
    // the caller.
    Ok(Streamed {
        batch: out,
        lines,
        chain,
    })
}

/// Parse complete lines (each ending in `\n`) from the start of a file,
/// checking every link; `first_line` is the number of lines before them.
pub fn parse_lines(path: &Path, bytes: &[u8], first_line: usize) -> ReadBatch {
    // One event per line at most: count them (memchr is cheap next to
    // parsing) to size the vector once.
    let mut out = ReadBatch {
        events: Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count()),
        problems: Vec::new(),
    };
    let name = path.file_name().and_then(|n| n.to_str());
    let mut chain = Chain::resume(first_line, None);
    parse_into(
        &mut out,
        &mut Interner::default(),
        &mut chain,
        Expect {
            session: None,
            file_name: name,
        },
        path,
        bytes,
        first_line,
    );
    out
}

/// Parse lines appending to `out` (a streamed read pushes every event of
/// its range straight into one vector, instead of a vector per chunk
/// regrown line by line and then copied over), checking each link with
/// `chain`. An event whose links are broken is kept (the state shows what
/// the journal says) and its problem reported, so readers can refuse to
/// act on it. Returns the number of lines read.
fn parse_into(
    out: &mut ReadBatch,
    interner: &mut Interner,
    chain: &mut Chain,
    expect: Expect<'_>,
    path: &Path,
    bytes: &[u8],
    first_line: usize,
) -> usize {
    let mut start = 0;
    let mut lines = 0;
    // Every line ends with a newline (the caller passes complete lines).
    for (i, end) in memchr::memchr_iter(b'\n', bytes).enumerate() {
        let line = &bytes[start..end];
        start = end + 1;
        lines += 1;
        let line_no = first_line + i + 1;
        let mut problem = |reason: String| {
            out.problems.push(LineProblem {
                file: path.to_path_buf(),
                line: line_no,
                reason,
            })
        };
        match parse_line_with(interner, line) {
            Ok(ev) => {
                for reason in chain.next(&ev, expect) {
                    problem(reason);
                }
                out.events.push(ev);
            }
            Err(reason) => {
                chain.unreadable();
                problem(reason);
            }
        }
    }
    lines
}

/// Parse one line and check its own hash.
pub fn parse_line(line: &[u8]) -> Result<Event, String> {
    parse_line_with(&mut Interner::default(), line)
}

fn parse_line_with(interner: &mut Interner, line: &[u8]) -> Result<Event, String> {
    if line.is_empty() {
        return Err("empty line".into());
    }
    // Syntax first: "not an event" says more than "bad hash" about garbage.
    let probe = interner
        .parse(line, Hash32::ZERO)
        .map_err(|e| format!("not a valid event: {e}"))?;
    let hash = check_line_hash(line).map_err(|e| e.to_string())?;
    Ok(Event { hash, ..probe })
}

/// The only process allowed to append to one actor file.
#[derive(Debug)]
pub struct JournalWriter {
    lock_path: PathBuf,
    file: File,
    path: PathBuf,
    session: String,
    actor: String,
    last_seq: u64,
    last_hash: Hash32,
    last_lamport: u64,
    /// Where the torn tail found on open was put, if there was one.
    pub set_aside: Option<PathBuf>,
    /// The person's key: when set, every event is signed before it is
    /// written (under the lock, so the signature covers the final hash).
    signer: Option<Arc<Signer>>,
}

/// A writer that wrote nothing leaves nothing behind: a command refused
/// by the session's rules must not leave an empty actor file (which sync
/// would carry to every clone). Under the actor's lock, and only while
/// the file is still empty: another process of this person that opened it
/// makes it again when it appends.
impl Drop for JournalWriter {
    fn drop(&mut self) {
        let Ok(_lock) = ActorLock::wait(&self.lock_path) else {
            return;
        };
        if std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl JournalWriter {
    /// Open the actor's journal in `dir` for appending, repairing a torn
    /// tail first (under the actor's lock). Refuses a file whose chain does
    /// not verify: appending to a broken chain would bury the damage under
    /// new events. The lock is not kept: each append takes it.
    pub fn open(dir: &Path, session: &str, actor: &str) -> Result<JournalWriter, JournalError> {
        files::create_dir_all(dir).map_err(io_err(dir))?;
        let name = writer_file_name(dir, actor);
        let path = dir.join(&name);
        let lock_path = dir.join(lock_file_name(&name));
        let lock = ActorLock::wait(&lock_path)?;
        let set_aside = repair_torn_tail(&path)?;
        let mut file = files::open_append(&path).map_err(io_err(&path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_err(&path))?;
        drop(lock);
        let batch = parse_lines(&path, &bytes, 0);
        if let Some(problem) = batch.problems.into_iter().next() {
            return Err(JournalError::Corrupt { problem });
        }
        let last = batch.events.last().map(Link::of);
        // The batch holds the file's events in file order, every line
        // read (a problem line returned above): position + 1 is the line.
        if let Some((i, ev)) = batch
            .events
            .iter()
            .enumerate()
            .find(|(_, e)| &*e.actor != actor || &*e.session != session)
        {
            return Err(JournalError::Corrupt {
                problem: LineProblem {
                    file: path.clone(),
                    line: i + 1,
                    reason: format!(
                        "event of actor {} in session {} does not belong in this file",
                        ev.actor, ev.session
                    ),
                },
            });
        }
        Ok(JournalWriter {
            lock_path,
            file,
            path,
            session: session.to_string(),
            actor: actor.to_string(),
            last_seq: last.map_or(0, |l| l.seq),
            last_hash: last.map_or(GENESIS, |l| l.hash),
            last_lamport: last.map_or(0, |l| l.lamport),
            set_aside,
            signer: None,
        })
    }

    /// Sign every event written from now on with `signer`.
    pub fn set_signer(&mut self, signer: Option<Arc<Signer>>) {
        self.signer = signer;
    }

    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    pub fn last_lamport(&self) -> u64 {
        self.last_lamport
    }

    /// Append one event and make it durable before returning. `lamport` must
    /// already be one more than the largest lamport seen in the session; it
    /// is raised if this file alone has seen more.
    pub fn append(
        &mut self,
        kind: &str,
        data: &RawValue,
        who: &Who,
        lamport: u64,
    ) -> Result<Event, JournalError> {
        let mut events = self.append_all(&[(kind, data)], who, lamport)?;
        events
            .pop()
            .ok_or_else(|| io_err(&self.path)(std::io::Error::other("nothing was appended")))
    }

    /// Append events one after the other in one write, with nothing of
    /// another process between them (an override and the action it lets
    /// through), durable before returning. Takes the actor's lock for the
    /// write and reads the file's last line under it first: another process
    /// of the same person may have appended since.
    pub fn append_all(
        &mut self,
        items: &[(&str, &RawValue)],
        who: &Who,
        lamport: u64,
    ) -> Result<Vec<Event>, JournalError> {
        let _lock = ActorLock::wait(&self.lock_path)?;
        // A writer of this actor that wrote nothing took its empty file
        // away when it closed (see `Drop`): make it again.
        if !self.path.exists() {
            self.file = files::open_append(&self.path).map_err(io_err(&self.path))?;
        }
        self.catch_up()?;
        let first = lamport.max(self.last_lamport.saturating_add(1));
        let (mut seq, mut prev) = (self.last_seq, self.last_hash);
        let mut out = Vec::with_capacity(items.len());
        let mut text = String::new();
        for (i, (kind, data)) in items.iter().enumerate() {
            // Checked: a forged clock near the top must not wrap.
            let lamport = u64::try_from(i)
                .ok()
                .and_then(|i| first.checked_add(i))
                .unwrap_or(u64::MAX);
            if lamport == u64::MAX || seq == u64::MAX {
                return Err(JournalError::ClockExhausted {
                    path: self.path.clone(),
                });
            }
            let key = self.signer.as_ref().map(|s| s.fingerprint());
            let (mut event, mut line) = Event::seal(Draft {
                session: &self.session,
                actor: &self.actor,
                seq: seq + 1,
                lamport,
                at: now_rfc3339(),
                who,
                kind,
                data,
                prev: &prev,
                key,
            })?;
            if let Some(signer) = &self.signer {
                let sig = signer.sign(event.hash.to_hex().as_bytes())?;
                event.attach_signature(&mut line, sig);
            }
            text.push_str(&line);
            text.push('\n');
            seq = event.seq;
            prev = event.hash;
            out.push(event);
        }
        let before = self.file.metadata().map_err(io_err(&self.path))?.len();
        if let Err(e) = self
            .file
            .write_all(text.as_bytes())
            .and_then(|_| self.file.sync_data())
        {
            // Leave no torn line behind us on a failed write (disk full...).
            let _ = self.file.set_len(before);
            let _ = self.file.sync_data();
            return Err(io_err(&self.path)(e));
        }
        if let Some(last) = out.last() {
            self.last_seq = last.seq;
            self.last_hash = last.hash;
            self.last_lamport = last.lamport;
        }
        Ok(out)
    }

    /// Under the lock: pick up lines another process appended since our
    /// last write (the same person's app or CLI), so `seq` and `prev`
    /// continue from the file's real last line. A torn tail left by one of
    /// them is set aside first.
    fn catch_up(&mut self) -> Result<(), JournalError> {
        use std::os::unix::fs::FileExt;
        if let Some(side) = repair_torn_tail(&self.path)? {
            self.set_aside.get_or_insert(side);
        }
        let len = self.file.metadata().map_err(io_err(&self.path))?.len();
        if len == 0 {
            return Ok(());
        }
        // The last line: scan back a window at a time (lines are small).
        let mut window = 4096u64;
        loop {
            let start = len.saturating_sub(window);
            let mut buf = vec![0u8; (len - start) as usize];
            self.file
                .read_exact_at(&mut buf, start)
                .map_err(io_err(&self.path))?;
            let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
            match memchr::memrchr(b'\n', body) {
                Some(i) => return self.take_last(&body[i + 1..]),
                None if start == 0 => return self.take_last(body),
                None => window = window.saturating_mul(4),
            }
        }
    }

    fn take_last(&mut self, line: &[u8]) -> Result<(), JournalError> {
        let ev = parse_line(line).map_err(|reason| JournalError::Corrupt {
            problem: LineProblem {
                file: self.path.clone(),
                line: 0,
                reason: format!("its last line: {reason}"),
            },
        })?;
        if ev.seq >= self.last_seq {
            self.last_seq = ev.seq;
            self.last_hash = ev.hash;
            self.last_lamport = self.last_lamport.max(ev.lamport);
        }
        Ok(())
    }
}

/// The current time as RFC 3339 UTC with millisecond precision.
pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    format!("{:.3}", now)
}

/// The journal file an actor writes in `dir`: its name, or the name the
/// first versions of greenlight gave it when that file exists and is this
/// actor's (so an upgrade never starts a second chain for one person).
fn writer_file_name(dir: &Path, actor: &str) -> String {
    let name = actor_file_name(actor);
    let legacy = legacy_actor_file_name(actor);
    if legacy == name || dir.join(&name).exists() || !dir.join(&legacy).exists() {
        return name;
    }
    let first_line_is_ours = File::open(dir.join(&legacy))
        .ok()
        .and_then(|f| {
            let mut line = Vec::new();
            std::io::BufRead::read_until(&mut std::io::BufReader::new(f), b'\n', &mut line).ok()?;
            parse_line(line.strip_suffix(b"\n")?).ok()
        })
        .is_some_and(|ev| *ev.actor == *actor);
    if first_line_is_ours { legacy } else { name }
}

/// If `path` ends with bytes after its last newline, move them to
/// `<path>.torn-<n>` (fsynced) and cut the file back. Returns the side
/// file. The caller must hold the actor lock. Linear in the size of the
/// tail: the tail is found by scanning back once and copied once.
pub fn repair_torn_tail(path: &Path) -> Result<Option<PathBuf>, JournalError> {
    use std::os::unix::fs::FileExt;
    let mut file = match files::open_rw(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let len = file.metadata().map_err(io_err(path))?.len();
    if len == 0 {
        return Ok(None);
    }
    // Scan back from the end for the last newline, one window at a time.
    let mut window = vec![0u8; 64 * 1024];
    let mut end = len;
    let complete = loop {
        let start = end.saturating_sub(window.len() as u64);
        let n = (end - start) as usize;
        file.read_exact_at(&mut window[..n], start)
            .map_err(io_err(path))?;
        if let Some(i) = memchr::memrchr(b'\n', &window[..n]) {
            break start + i as u64 + 1;
        }
        if start == 0 {
            break 0;
        }
        end = start;
    };
    if complete == len {
        return Ok(None);
    }
    let (side, mut out) = create_side_file(path, "torn")?;
    file.seek(SeekFrom::Start(complete)).map_err(io_err(path))?;
    std::io::copy(&mut (&file).take(len - complete), &mut out)
        .and_then(|_| out.sync_all())
        .map_err(io_err(&side))?;
    file.set_len(complete).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))?;
    Ok(Some(side))
}

/// A new side file `<path>.<what>-<n>` with the first free `n`, created
/// exclusively (never through a link planted there).
pub fn create_side_file(path: &Path, what: &str) -> Result<(PathBuf, File), JournalError> {
    for n in 1..=10_000 {
        let candidate = PathBuf::from(format!("{}.{what}-{n}", path.display()));
        match files::create_new(&candidate) {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err(&candidate)(e)),
        }
    }
    Err(io_err(path)(std::io::Error::other(format!(
        "10,000 `.{what}-N` files already sit beside it; move them away"
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Who {
        Who {
            name: "A".into(),
            email: "a@x".into(),
        }
    }

    fn data() -> Box<RawValue> {
        serde_json::value::to_raw_value(&serde_json::json!({"text": "hi"})).unwrap()
    }

    #[test]
    fn appends_chain_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
        let e1 = w.append("note_added", &data(), &who(), 1).unwrap();
        let e2 = w.append("note_added", &data(), &who(), 1).unwrap();
        assert_ne!(e2.hash, e1.hash);
        let report = crate::audit::verify::verify_session(dir.path(), "S").unwrap();
        assert!(report.ok() && report.events() == 2, "{report:?}");
        assert_eq!(e2.seq, 2);
        assert_eq!(e2.lamport, 2, "lamport never goes back within a file");
        let mut c = FileCursor::new(w.path().to_path_buf());
        let b = c.read_new().unwrap();
        assert_eq!(b.events.len(), 2);
        assert!(b.problems.is_empty());
        assert_eq!(c.lines, 2);
    }

    #[test]
    fn an_event_of_another_actor_is_named_by_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path;
        {
            let mut w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
            w.append("note_added", &data(), &who(), 1).unwrap();
            w.append("note_added", &data(), &who(), 1).unwrap();
            path = w.path().to_path_buf();
        }
        // A third line, chained right, but written as another actor.
        let last = FileCursor::new(path.clone())
            .read_new()
            .unwrap()
            .events
            .pop()
            .unwrap();
        let (_, line) = crate::session::event::Event::seal(crate::session::event::Draft {
            session: "S",
            actor: "b@x/d2",
            seq: 9,
            lamport: 3,
            at: "2026-11-26T14:00:00Z".into(),
            who: &who(),
            kind: "note_added",
            data: &data(),
            prev: &last.hash,
            key: None,
        })
        .unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(format!("{line}\n").as_bytes()).unwrap();
        drop(f);
        match JournalWriter::open(dir.path(), "S", "a@x/d1") {
            Err(JournalError::Corrupt { problem }) => {
                assert_eq!(problem.line, 3, "{problem:?}");
                assert!(problem.reason.contains("b@x/d2"), "{problem:?}");
            }
            other => panic!("expected a corrupt file, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn torn_tail_is_set_aside_and_writer_continues() {
        let dir = tempfile::tempdir().unwrap();
        let path;
        {
            let mut w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
            w.append("note_added", &data(), &who(), 1).unwrap();
            path = w.path().to_path_buf();
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"v\":1,\"sess").unwrap();
        drop(f);
        let mut w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
        let side = w.set_aside.clone().expect("torn tail set aside");
        assert_eq!(std::fs::read(&side).unwrap(), b"{\"v\":1,\"sess");
        let e = w.append("note_added", &data(), &who(), 1).unwrap();
        assert_eq!(e.seq, 2);
        let b = FileCursor::new(path).read_new().unwrap();
        assert_eq!(b.events.len(), 2);
        assert!(b.problems.is_empty());
    }

    #[test]
    fn a_link_planted_where_a_side_file_goes_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path;
        {
            let mut w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
            w.append("note_added", &data(), &who(), 1).unwrap();
            path = w.path().to_path_buf();
        }
        let outside = dir.path().join("outside");
        std::os::unix::fs::symlink(&outside, format!("{}.torn-1", path.display())).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"v\":1,\"sess").unwrap();
        drop(f);
        let w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
        let side = w.set_aside.clone().expect("set aside");
        assert!(
            side.to_string_lossy().ends_with(".torn-2"),
            "{}",
            side.display()
        );
        assert!(!outside.exists(), "the link was followed");
    }

    #[test]
    fn reader_leaves_a_partial_line_for_later() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, b"{\"partial").unwrap();
        let mut c = FileCursor::new(path);
        let b = c.read_new().unwrap();
        assert!(b.events.is_empty() && b.problems.is_empty());
        assert_eq!(c.partial_tail, 9);
        assert_eq!(c.offset, 0);
    }

    #[test]
    fn writer_refuses_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let path;
        {
            let mut w = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap();
            w.append("note_added", &data(), &who(), 1).unwrap();
            path = w.path().to_path_buf();
        }
        let text = std::fs::read_to_string(&path).unwrap().replace("hi", "ho");
        std::fs::write(&path, text).unwrap();
        let err = JournalWriter::open(dir.path(), "S", "a@x/d1").unwrap_err();
        assert!(err.to_string().contains(":1: hash mismatch"), "{err}");
    }
}

#[cfg(test)]
mod large_tests {
    use super::*;

    /// A file above the streaming threshold reads exactly like a small one,
    /// with problems numbered by their line in the whole file.
    #[test]
    fn streamed_reads_match_whole_reads() {
        let dir = tempfile::tempdir().unwrap();
        crate::session::synth::write_synthetic(dir.path(), "S", 40_000, 1).unwrap();
        let path = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() as u64 > STREAM_ABOVE);
        // Corrupt line 30,000 (in the second half) and add a partial tail.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', &bytes).map(|i| i + 1))
            .collect();
        bytes[starts[29_999] + 5] ^= 1;
        bytes.extend_from_slice(b"{\"partial");
        std::fs::write(&path, &bytes).unwrap();
        let mut c = FileCursor::new(path.clone());
        let b = c.read_new().unwrap();
        assert_eq!(b.events.len(), 39_999);
        assert_eq!(b.problems.len(), 1);
        assert_eq!(b.problems[0].line, 30_000);
        assert_eq!(c.lines, 40_000);
        assert_eq!(c.partial_tail, 9);
        let seqs: Vec<u64> = b.events.iter().map(|e| e.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "order kept");
        // Nothing new: nothing read.
        assert!(c.read_new().unwrap().events.is_empty());
    }
}
