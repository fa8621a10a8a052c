//! A fold checkpoint: the folded state of a large session saved beside its
//! journals, so opening it again reads only what was appended since.
//!
//! Why: folding reads, hashes and applies every event again. A session of
//! 100,000 events takes a fifth of a second, one of 1,000,000 seconds, at
//! every `status` and every start of the app. The checkpoint (`fold.cache`
//! in the session folder, never synced: only `*.jsonl` and set-aside files
//! are journal material) holds the state, and for each actor file how far
//! it was read, the link its next line must follow and a digest of its last
//! line read.
//!
//! It is trusted only when this very build wrote it (the executable's
//! identity is part of it, so a changed fold never reads an old state),
//! when every file it names is still the same file (device and inode: a
//! sync or a recovery replaces a journal, it never edits one in place), at
//! least as long, and when the last line it read is still the same bytes.
//! Like git's index, it trusts the unchanged start of a file without
//! reading it again; `audit verify` reads every byte. Anything unexpected
//! in the file (another build, a damaged or short file) means it is not
//! used: the session is folded from its journals, as without a checkpoint.

use std::collections::HashMap;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::chain::Link;
use super::event::{Hash32, Who};
use super::rules::Rule;
use super::state::{HistoryEntry, NoteEntry, SessionState, Stamp};

/// The checkpoint's file name in a session folder.
pub const FILE_NAME: &str = "fold.cache";

/// Sessions with fewer events fold faster than a checkpoint is written.
pub const WORTH_FROM: usize = 5_000;

const MAGIC: &[u8] = b"greenlight fold checkpoint\n";
/// Bumped when the layout changes (the source fingerprint changes too).
const FORMAT: &[u8] = b"format 2\n";

/// How far one actor file was read when the checkpoint was made.
#[derive(Debug, Clone, PartialEq)]
pub struct FileMark {
    /// The file's name in the session folder.
    pub name: String,
    pub dev: u64,
    pub ino: u64,
    /// Bytes read: just after a newline.
    pub offset: u64,
    /// Lines read.
    pub lines: usize,
    /// The last event read (None when its last line could not be read:
    /// such a session is never checkpointed, see [`Session`]).
    pub link: Option<Link>,
    /// Where the last line read starts, and the sha256 of its bytes.
    pub tail_start: u64,
    pub tail_digest: [u8; 32],
}

/// What one event does, in words, for the events the checkpoint does not
/// keep in memory (the history shows them). One string, sliced; read from
/// the checkpoint file one description at a time when opened from one
/// (`status` shows a handful of a session's 100,000).
#[derive(Debug, Clone, Default)]
pub struct Descriptions {
    /// Where each description ends in the text.
    ends: Vec<usize>,
    text: String,
    /// When the text was not read: the checkpoint file (kept open, so a
    /// newer checkpoint renamed over it changes nothing) and where the
    /// text starts in it.
    stored: Option<(Arc<std::fs::File>, u64)>,
}

impl PartialEq for Descriptions {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends
            && self.text == other.text
            && self.stored.is_none()
            && other.stored.is_none()
    }
}

impl Descriptions {
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    fn range(&self, i: usize) -> Option<(usize, usize)> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some((start, end))
    }

    pub fn get(&self, i: usize) -> Option<String> {
        let (start, end) = self.range(i)?;
        match &self.stored {
            None => self.text.get(start..end).map(str::to_string),
            Some((file, at)) => {
                let mut buf = vec![0u8; end - start];
                file.read_exact_at(&mut buf, at + start as u64).ok()?;
                String::from_utf8(buf).ok()
            }
        }
    }

    /// A copy with its text in memory, to add to.
    pub fn loaded(&self) -> std::io::Result<Descriptions> {
        let Some((file, at)) = &self.stored else {
            return Ok(self.clone());
        };
        let len = self.ends.last().copied().unwrap_or(0);
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, *at)?;
        let text = String::from_utf8(buf).map_err(std::io::Error::other)?;
        if self.ends.iter().any(|&e| !text.is_char_boundary(e)) {
            return Err(std::io::Error::other("descriptions out of range"));
        }
        Ok(Descriptions {
            ends: self.ends.clone(),
            text,
            stored: None,
        })
    }
}

/// A session folded up to the marks.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub session: String,
    /// Events folded.
    pub events: usize,
    /// The fold key `(lamport, actor, seq)` of the last event folded.
    pub last: Option<(u64, Arc<str>, u64)>,
    pub files: Vec<FileMark>,
    pub state: Arc<SessionState>,
    /// One per event folded, in fold order.
    pub descriptions: Descriptions,
}

/// Why a checkpoint was not used (for tests and the curious; callers only
/// fall back to folding).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unusable {
    #[error("no checkpoint")]
    Missing,
    #[error("written by another build of greenlight")]
    OtherBuild,
    #[error("not a checkpoint of this session")]
    OtherSession,
    #[error("damaged: {0}")]
    Damaged(&'static str),
    #[error("{0} changed since")]
    Changed(String),
}

/// This build's identity: the version, the checkpoint format and a
/// fingerprint of the source it was built from (`build.rs`), so a build
/// whose fold may differ never trusts a state folded by other code, while
/// the binary, examples and tests of one tree share their checkpoints.
fn build_identity() -> &'static str {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " source ",
        env!("GREENLIGHT_SOURCE_HASH")
    )
}

/// Mark how far `path` was read: its identity and the digest of the last
/// line before `offset` (which starts at `tail_start`).
pub fn mark(
    path: &Path,
    offset: u64,
    lines: usize,
    link: Option<Link>,
) -> std::io::Result<FileMark> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let (tail_start, tail_digest) = last_line(&file, offset)?;
    Ok(FileMark {
        name: path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string(),
        dev: meta.dev(),
        ino: meta.ino(),
        offset,
        lines,
        link,
        tail_start,
        tail_digest,
    })
}

/// Where the line ending at `offset` starts, and its digest.
fn last_line(file: &std::fs::File, offset: u64) -> std::io::Result<(u64, [u8; 32])> {
    if offset == 0 {
        return Ok((0, [0; 32]));
    }
    // Lines are a few hundred bytes; look back in growing windows.
    let mut window = 4096u64;
    loop {
        let start = offset.saturating_sub(window);
        let mut buf = vec![0u8; (offset - start) as usize];
        file.read_exact_at(&mut buf, start)?;
        // The byte at offset-1 is the line's own newline.
        let body = &buf[..buf.len().saturating_sub(1)];
        if let Some(i) = memchr::memrchr(b'\n', body) {
            let line = &buf[i + 1..];
            return Ok((start + i as u64 + 1, Sha256::digest(line).into()));
        }
        if start == 0 {
            return Ok((0, Sha256::digest(&buf).into()));
        }
        window *= 4;
    }
}

/// Is the file at `path` still the one `m` marked, grown or not?
fn still_holds(dir: &Path, m: &FileMark) -> Result<(), Unusable> {
    let path = dir.join(&m.name);
    let changed = || Unusable::Changed(m.name.clone());
    let file = std::fs::File::open(&path).map_err(|_| changed())?;
    let meta = file.metadata().map_err(|_| changed())?;
    if meta.dev() != m.dev || meta.ino() != m.ino || meta.len() < m.offset {
        return Err(changed());
    }
    if m.offset == 0 {
        return Ok(());
    }
    let len = m.offset.checked_sub(m.tail_start).ok_or_else(changed)?;
    let mut buf = vec![0u8; usize::try_from(len).map_err(|_| changed())?];
    file.read_exact_at(&mut buf, m.tail_start)
        .map_err(|_| changed())?;
    let digest: [u8; 32] = Sha256::digest(&buf).into();
    if digest != m.tail_digest {
        return Err(changed());
    }
    Ok(())
}

/// Ask the kernel to back a large, fresh allocation with huge pages.
///
/// Why: reading a large checkpoint fills tens of megabytes of new memory,
/// and on the machines measured most of the time went to faulting it in
/// 4 KiB at a time; with 2 MiB pages that cost mostly goes. Only advice:
/// where transparent huge pages are off, or the range holds no whole huge
/// page, nothing changes.
fn advise_huge<T>(v: &Vec<T>) {
    const HUGE: usize = 2 << 20;
    let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
    if bytes < 2 * HUGE {
        return;
    }
    let start = v.as_ptr() as usize;
    let first = start.next_multiple_of(HUGE);
    let end = (start + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: madvise only advises the kernel about a range of this
        // process's own allocation (whole pages inside it); it reads and
        // writes no memory and cannot invalidate the Vec.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

/// Read the checkpoint of session `id` in `dir`, if it can be trusted.
pub fn read(dir: &Path, id: &str) -> Result<Checkpoint, Unusable> {
    let file = std::fs::File::open(path(dir)).map_err(|_| Unusable::Missing)?;
    let len = file.metadata().map_err(|_| Unusable::Missing)?.len();
    // The file ends with where the descriptions' text starts; everything
    // before it is read now, the text only when a description is asked for.
    let mut trailer = [0u8; 8];
    let trailer_at = len.checked_sub(8).ok_or(Unusable::Damaged("cut short"))?;
    file.read_exact_at(&mut trailer, trailer_at)
        .map_err(|_| Unusable::Damaged("cut short"))?;
    let text_at = u64::from_le_bytes(trailer);
    if text_at > trailer_at {
        return Err(Unusable::Damaged("a text past the end"));
    }
    // Streamed through a small buffer: measured as fast as reading it
    // whole into memory first, and that memory is not needed.
    let mut cp = decode_head(Src::File(&file), text_at, NOTES_THREAD_FROM)?;
    let text_len = usize::try_from(trailer_at - text_at).ok();
    if cp.descriptions.ends.last().copied().unwrap_or(0) != text_len.unwrap_or(usize::MAX) {
        return Err(Unusable::Damaged("descriptions out of range"));
    }
    cp.descriptions.stored = Some((Arc::new(file), text_at));
    if cp.session != id {
        return Err(Unusable::OtherSession);
    }
    for m in &cp.files {
        still_holds(dir, m)?;
    }
    Ok(cp)
}

/// Write the checkpoint durably enough for a cache: a temporary file
/// renamed over the old one, so a reader sees a whole file or none.
pub fn write(dir: &Path, cp: &Checkpoint) -> std::io::Result<()> {
    let bytes = encode(cp)?;
    let tmp = dir.join(format!("{FILE_NAME}.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path(dir)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The path of the checkpoint in a session folder.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

// ---- encoding ------------------------------------------------------------

/// Strings and people written once and named by number: a session's
/// stamps share a handful of people and devices.
#[derive(Default)]
struct Tables<'a> {
    strings: Numbered<'a, str>,
    people: Numbered<'a, Who>,
}

impl<'a> Tables<'a> {
    fn string(&mut self, s: &'a str) -> u64 {
        self.strings.number(s)
    }

    fn person(&mut self, w: &'a Who) -> u64 {
        self.people.number(w)
    }
}

/// Distinct values in first-seen order, each named by its position.
struct Numbered<'a, T: ?Sized> {
    items: Vec<&'a T>,
    numbers: HashMap<&'a T, u64>,
}

impl<T: ?Sized> Default for Numbered<'_, T> {
    fn default() -> Self {
        Numbered {
            items: Vec::new(),
            numbers: HashMap::new(),
        }
    }
}

impl<'a, T: ?Sized + Eq + std::hash::Hash> Numbered<'a, T> {
    fn number(&mut self, x: &'a T) -> u64 {
        if let Some(&i) = self.numbers.get(x) {
            return i;
        }
        let i = self.items.len() as u64;
        self.items.push(x);
        self.numbers.insert(x, i);
        i
    }
}

fn put_uint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_uint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_stamp<'a>(out: &mut Vec<u8>, t: &mut Tables<'a>, s: &'a Stamp) {
    put_uint(out, t.person(&s.who));
    put_uint(out, t.string(&s.actor));
    put_uint(out, t.string(&s.at));
    put_uint(out, s.lamport);
    match &s.on_device_of {
        Some(o) => put_uint(out, t.string(o) + 1),
        None => put_uint(out, 0),
    }
}

fn put_opt_string<'a>(out: &mut Vec<u8>, t: &mut Tables<'a>, s: Option<&'a str>) {
    match s {
        Some(s) => put_uint(out, t.string(s) + 1),
        None => put_uint(out, 0),
    }
}

fn encode(cp: &Checkpoint) -> std::io::Result<Vec<u8>> {
    // The state without its two long lists, as JSON: small, and every
    // type in it already reads and writes JSON.
    let rest = cp.state.without_lists();
    let state_json = serde_json::to_vec(&rest).map_err(std::io::Error::other)?;
    let pending_json =
        serde_json::to_vec(&cp.state.pending_overrides).map_err(std::io::Error::other)?;

    let mut t = Tables::default();
    let mut history = Vec::with_capacity(cp.events * 12);
    put_uint(&mut history, cp.state.history.len() as u64);
    for h in &cp.state.history {
        put_stamp(&mut history, &mut t, &h.by);
        put_uint(&mut history, h.seq);
        put_uint(&mut history, t.string(&h.kind));
        put_uint(&mut history, h.index as u64);
        match &h.not_applied {
            Some(why) => {
                history.push(1);
                put_bytes(&mut history, why.as_bytes());
            }
            None => history.push(0),
        }
        put_opt_string(&mut history, &mut t, h.broke.map(Rule::as_str));
    }
    let mut notes = Vec::with_capacity(cp.state.notes.len() * 64);
    put_uint(&mut notes, cp.state.notes.len() as u64);
    for n in &cp.state.notes {
        put_bytes(&mut notes, n.text.as_bytes());
        put_opt_string(&mut notes, &mut t, n.step.as_deref());
        put_stamp(&mut notes, &mut t, &n.by);
    }
    let descriptions = cp.descriptions.loaded()?;
    let mut ends = Vec::with_capacity(descriptions.ends.len() * 2);
    put_uint(&mut ends, descriptions.ends.len() as u64);
    let mut prev = 0;
    for &end in &descriptions.ends {
        put_uint(&mut ends, (end - prev) as u64);
        prev = end;
    }
    let mut tables = Vec::new();
    put_uint(&mut tables, t.strings.items.len() as u64);
    for s in &t.strings.items {
        put_bytes(&mut tables, s.as_bytes());
    }
    put_uint(&mut tables, t.people.items.len() as u64);
    for w in &t.people.items {
        put_bytes(&mut tables, w.name.as_bytes());
        put_bytes(&mut tables, w.email.as_bytes());
    }

    let mut out = Vec::with_capacity(
        tables.len() + history.len() + notes.len() + ends.len() + state_json.len() + 4096,
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(FORMAT);
    put_bytes(&mut out, build_identity().as_bytes());
    put_bytes(&mut out, cp.session.as_bytes());
    put_uint(&mut out, cp.events as u64);
    match &cp.last {
        Some((lamport, actor, seq)) => {
            out.push(1);
            put_uint(&mut out, *lamport);
            put_bytes(&mut out, actor.as_bytes());
            put_uint(&mut out, *seq);
        }
        None => out.push(0),
    }
    put_uint(&mut out, cp.files.len() as u64);
    for m in &cp.files {
        put_bytes(&mut out, m.name.as_bytes());
        put_uint(&mut out, m.dev);
        put_uint(&mut out, m.ino);
        put_uint(&mut out, m.offset);
        put_uint(&mut out, m.lines as u64);
        match &m.link {
            Some(l) => {
                out.push(1);
                out.extend_from_slice(&l.hash.0);
                put_uint(&mut out, l.seq);
                put_uint(&mut out, l.lamport);
            }
            None => out.push(0),
        }
        put_uint(&mut out, m.tail_start);
        out.extend_from_slice(&m.tail_digest);
    }
    put_bytes(&mut out, &state_json);
    put_bytes(&mut out, &pending_json);
    // Where the history, the notes and the descriptions start: the notes
    // are read on a thread of their own (see `decode_sections`).
    let history_at = (out.len() + 24 + tables.len()) as u64;
    let notes_at = history_at + history.len() as u64;
    let desc_at = notes_at + notes.len() as u64;
    for at in [history_at, notes_at, desc_at] {
        out.extend_from_slice(&at.to_le_bytes());
    }
    out.extend_from_slice(&tables);
    out.extend_from_slice(&history);
    out.extend_from_slice(&notes);
    out.extend_from_slice(&ends);
    let text_at = out.len() as u64;
    out.extend_from_slice(descriptions.text.as_bytes());
    out.extend_from_slice(&text_at.to_le_bytes());
    Ok(out)
}

// ---- decoding ------------------------------------------------------------

/// Where a checkpoint's bytes are: its file, read at the offset asked
/// (so two threads can read two sections at once), or memory (tests).
#[derive(Clone, Copy)]
enum Src<'a> {
    File(&'a std::fs::File),
    #[cfg(test)]
    Bytes(&'a [u8]),
}

/// `src` read on from byte `at`.
struct At<'a> {
    src: Src<'a>,
    at: u64,
}

impl std::io::Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match self.src {
            Src::File(f) => f.read_at(buf, self.at)?,
            #[cfg(test)]
            Src::Bytes(b) => {
                let rest = usize::try_from(self.at)
                    .ok()
                    .and_then(|a| b.get(a..))
                    .unwrap_or_default();
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                n
            }
        };
        self.at += n as u64;
        Ok(n)
    }
}

impl<'a> Src<'a> {
    /// A reader of bytes `from..to`.
    fn reader(self, from: u64, to: u64) -> R<Reader<At<'a>>> {
        let len = to
            .checked_sub(from)
            .ok_or(Unusable::Damaged("sections out of order"))?;
        Ok(Reader::new(
            At {
                src: self,
                at: from,
            },
            len,
        ))
    }

    /// `decode` bytes `from..to`, which must take every byte.
    fn read_whole<T>(
        self,
        from: u64,
        to: u64,
        decode: impl FnOnce(&mut Reader<At<'a>>) -> R<T>,
    ) -> R<T> {
        let mut r = self.reader(from, to)?;
        let out = decode(&mut r)?;
        if r.at != r.len {
            return Err(Unusable::Damaged("bytes after the end"));
        }
        Ok(out)
    }
}

/// Reads what `encode` wrote, refusing anything short or out of range,
/// from any source, through its own buffer: numbers (most of a checkpoint)
/// are decoded straight from the buffer, and a large checkpoint is never
/// held whole in memory.
struct Reader<S> {
    src: S,
    buf: Vec<u8>,
    /// The unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    /// Bytes consumed, and how many there are.
    at: u64,
    len: u64,
    /// A reused buffer for text that is copied on (shared strings).
    scratch: Vec<u8>,
}

type R<T> = Result<T, Unusable>;

const SHORT: Unusable = Unusable::Damaged("cut short");

/// The reader's buffer: large enough that refills are rare, small enough
/// to stay in cache.
const BUFFER: usize = 256 << 10;

impl<S: std::io::Read> Reader<S> {
    fn new(src: S, len: u64) -> Self {
        Reader {
            src,
            buf: vec![0; BUFFER],
            pos: 0,
            end: 0,
            at: 0,
            len,
            scratch: Vec::new(),
        }
    }

    /// Bytes left to read.
    fn left(&self) -> usize {
        usize::try_from(self.len - self.at).unwrap_or(usize::MAX)
    }

    /// Make at least `want` bytes (up to the buffer's size) buffered,
    /// or as many as are left.
    fn refill(&mut self, want: usize) -> R<()> {
        let want = want.min(self.buf.len());
        if self.end - self.pos >= want {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        // Never read past `len`: what follows (the descriptions) is not ours.
        while self.end < want {
            let room = usize::try_from(self.len - (self.at + self.end as u64))
                .unwrap_or(usize::MAX)
                .min(self.buf.len() - self.end);
            if room == 0 {
                break;
            }
            let n = self
                .src
                .read(&mut self.buf[self.end..self.end + room])
                .map_err(|_| SHORT)?;
            if n == 0 {
                break;
            }
            self.end += n;
        }
        Ok(())
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        self.pos += n;
        self.at += n as u64;
    }

    fn byte(&mut self) -> R<u8> {
        self.refill(1)?;
        let b = *self.buf[self.pos..self.end].first().ok_or(SHORT)?;
        self.advance(1);
        Ok(b)
    }

    /// Most numbers (table indexes, small counts) fit in one byte: read
    /// those without the general loop.
    #[inline]
    fn uint(&mut self) -> R<u64> {
        if let Some(&b) = self.buf[..self.end].get(self.pos)
            && b < 0x80
        {
            self.advance(1);
            return Ok(u64::from(b));
        }
        self.uint_long()
    }

    fn uint_long(&mut self) -> R<u64> {
        if self.end - self.pos < 10 {
            self.refill(10)?;
        }
        let mut v = 0u64;
        for (i, &b) in self.buf[self.pos..self.end].iter().take(10).enumerate() {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.advance(i + 1);
                return Ok(v);
            }
        }
        if self.end - self.pos >= 10 {
            Err(Unusable::Damaged("a number too long"))
        } else {
            Err(SHORT)
        }
    }

    fn usize(&mut self) -> R<usize> {
        usize::try_from(self.uint()?).map_err(|_| Unusable::Damaged("a number too large"))
    }

    /// A count of items that each take at least one byte: never more
    /// than the bytes left, so a damaged count cannot ask for memory.
    fn count(&mut self) -> R<usize> {
        let n = self.usize()?;
        if n > self.left() {
            return Err(Unusable::Damaged("a count past the end"));
        }
        Ok(n)
    }

    fn fill(&mut self, out: &mut [u8]) -> R<()> {
        if out.len() > self.left() {
            return Err(SHORT);
        }
        let mut done = 0;
        while done < out.len() {
            self.refill(out.len() - done)?;
            let n = (self.end - self.pos).min(out.len() - done);
            if n == 0 {
                return Err(SHORT);
            }
            out[done..done + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.advance(n);
            done += n;
        }
        Ok(())
    }

    /// A length-prefixed run of bytes, owned.
    fn bytes(&mut self) -> R<Vec<u8>> {
        let n = self.count()?;
        if self.end - self.pos < n {
            self.refill(n)?;
        }
        if let Some(run) = self.buf[..self.end].get(self.pos..self.pos + n) {
            // The common case, a short text already buffered: one copy,
            // no zeroing first.
            let out = run.to_vec();
            self.advance(n);
            return Ok(out);
        }
        let mut out = vec![0u8; n];
        self.fill(&mut out)?;
        Ok(out)
    }

    /// Length-prefixed text, owned.
    fn string(&mut self) -> R<String> {
        String::from_utf8(self.bytes()?).map_err(|_| Unusable::Damaged("text that is not UTF-8"))
    }

    /// Length-prefixed text, borrowed until the next read.
    fn str(&mut self) -> R<&str> {
        let n = self.count()?;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(n, 0);
        let filled = self.fill(&mut scratch);
        self.scratch = scratch;
        filled?;
        std::str::from_utf8(&self.scratch).map_err(|_| Unusable::Damaged("text that is not UTF-8"))
    }

    fn hash(&mut self) -> R<[u8; 32]> {
        let mut h = [0u8; 32];
        self.fill(&mut h)?;
        Ok(h)
    }
}

/// The tables read back, shared as the fold shares them.
struct Shared {
    strings: Vec<Arc<str>>,
    people: Vec<Arc<Who>>,
}

impl Shared {
    fn string(&self, i: u64) -> R<Arc<str>> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.strings.get(i))
            .cloned()
            .ok_or(Unusable::Damaged("a string out of range"))
    }

    fn opt_string(&self, i: u64) -> R<Option<Arc<str>>> {
        match i {
            0 => Ok(None),
            i => self.string(i - 1).map(Some),
        }
    }

    fn stamp(&self, r: &mut Reader<At<'_>>) -> R<Stamp> {
        let who = usize::try_from(r.uint()?)
            .ok()
            .and_then(|i| self.people.get(i))
            .cloned()
            .ok_or(Unusable::Damaged("a person out of range"))?;
        Ok(Stamp {
            who,
            actor: self.string(r.uint()?)?,
            at: self.string(r.uint()?)?,
            lamport: r.uint()?,
            on_device_of: self.opt_string(r.uint()?)?,
        })
    }
}

/// A whole checkpoint in memory (the file's bytes); the notes are read on
/// a thread of their own whatever their length.
#[cfg(test)]
fn decode(bytes: &[u8]) -> R<Checkpoint> {
    decode_with(bytes, 0)
}

/// [`decode`], the notes on a thread of their own from `notes_thread_from`
/// bytes (`u64::MAX`: never, so a panic reaches the caller).
#[cfg(test)]
fn decode_with(bytes: &[u8], notes_thread_from: u64) -> R<Checkpoint> {
    let split = bytes
        .len()
        .checked_sub(8)
        .ok_or(Unusable::Damaged("cut short"))?;
    let mut trailer = [0u8; 8];
    trailer.copy_from_slice(&bytes[split..]);
    let text_at = usize::try_from(u64::from_le_bytes(trailer))
        .ok()
        .filter(|&t| t <= split)
        .ok_or(Unusable::Damaged("a text past the end"))?;
    let mut cp = decode_head(Src::Bytes(bytes), text_at as u64, notes_thread_from)?;
    let text = std::str::from_utf8(&bytes[text_at..split])
        .map_err(|_| Unusable::Damaged("text that is not UTF-8"))?;
    let d = &cp.descriptions;
    if d.ends.last().copied().unwrap_or(0) != text.len()
        || d.ends.iter().any(|&e| !text.is_char_boundary(e))
    {
        return Err(Unusable::Damaged("descriptions out of range"));
    }
    cp.descriptions.text = text.to_string();
    Ok(cp)
}

/// Everything but the descriptions' text: the first `text_at` bytes of
/// `src` (a notes section of `notes_thread_from` bytes or more is read on
/// a thread of its own).
fn decode_head(src: Src<'_>, text_at: u64, notes_thread_from: u64) -> R<Checkpoint> {
    let mut r = src.reader(0, text_at)?;
    let mut magic = [0u8; MAGIC.len()];
    if r.fill(&mut magic).is_err() || magic != MAGIC {
        return Err(Unusable::Damaged("not a checkpoint"));
    }
    let mut format = [0u8; FORMAT.len()];
    if r.fill(&mut format).is_err() || format != FORMAT {
        return Err(Unusable::OtherBuild);
    }
    if r.bytes()?.as_slice() != build_identity().as_bytes() {
        return Err(Unusable::OtherBuild);
    }
    let session = r.str()?.to_string();
    let events = r.usize()?;
    let last = match r.byte()? {
        0 => None,
        _ => Some((r.uint()?, Arc::<str>::from(r.str()?), r.uint()?)),
    };
    let nfiles = r.count()?;
    let mut files = Vec::with_capacity(nfiles);
    for _ in 0..nfiles {
        let name = r.str()?.to_string();
        if !name.ends_with(".jsonl") || name.contains(['/', '\\', '\0']) {
            return Err(Unusable::Damaged("a file name that is not a journal's"));
        }
        let dev = r.uint()?;
        let ino = r.uint()?;
        let offset = r.uint()?;
        let lines = r.usize()?;
        let link = match r.byte()? {
            0 => None,
            _ => Some(Link {
                hash: Hash32(r.hash()?),
                seq: r.uint()?,
                lamport: r.uint()?,
            }),
        };
        let tail_start = r.uint()?;
        let tail_digest = r.hash()?;
        files.push(FileMark {
            name,
            dev,
            ino,
            offset,
            lines,
            link,
            tail_start,
            tail_digest,
        });
    }
    let mut state: SessionState = serde_json::from_slice(&r.bytes()?)
        .map_err(|_| Unusable::Damaged("the state does not read"))?;
    state.pending_overrides = serde_json::from_slice(&r.bytes()?)
        .map_err(|_| Unusable::Damaged("the overrides do not read"))?;
    let mut sections = [0u64; 3];
    for at in &mut sections {
        let mut b = [0u8; 8];
        r.fill(&mut b)?;
        *at = u64::from_le_bytes(b);
    }
    let [history_at, notes_at, desc_at] = sections;
    let tables_at = r.at;
    if !(tables_at <= history_at
        && history_at <= notes_at
        && notes_at <= desc_at
        && desc_at <= text_at)
    {
        return Err(Unusable::Damaged("sections out of order"));
    }
    let (history, notes, ends) = decode_sections(
        src,
        [tables_at, history_at, notes_at, desc_at, text_at],
        notes_thread_from,
    )?;
    state.history = history;
    state.notes = notes;
    if ends.len() != events || state.history.len() != events {
        return Err(Unusable::Damaged("counts that disagree"));
    }
    Ok(Checkpoint {
        session,
        events,
        last,
        files,
        state: Arc::new(state),
        descriptions: Descriptions {
            ends,
            text: String::new(),
            stored: None,
        },
    })
}

/// A notes section at least this long is read on a thread of its own.
const NOTES_THREAD_FROM: u64 = 1 << 20;

/// The history, the notes and where each description ends, read from
/// their sections (the offsets: the tables, the history, the notes, the
/// descriptions, their end). A large session's notes are read on a
/// second thread, with tables of its own: sharing the first thread's
/// would have both count references to the same few people and names,
/// slower than one thread.
fn decode_sections(
    src: Src<'_>,
    [tables_at, history_at, notes_at, desc_at, end]: [u64; 5],
    notes_thread_from: u64,
) -> R<(Vec<HistoryEntry>, Vec<NoteEntry>, Vec<usize>)> {
    let tables = || src.read_whole(tables_at, history_at, decode_tables);
    let notes = |shared: &Shared| src.read_whole(notes_at, desc_at, |r| decode_notes(r, shared));
    let apart = desc_at - notes_at >= notes_thread_from
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    std::thread::scope(|scope| {
        let side = apart.then(|| scope.spawn(|| notes(&tables()?)));
        let shared = tables()?;
        let history = src.read_whole(history_at, notes_at, |r| decode_history(r, &shared))?;
        let ends = src.read_whole(desc_at, end, decode_ends)?;
        let notes = match side {
            Some(thread) => thread
                .join()
                .map_err(|_| Unusable::Damaged("the notes did not read"))??,
            None => notes(&shared)?,
        };
        Ok((history, notes, ends))
    })
}

fn decode_tables(r: &mut Reader<At<'_>>) -> R<Shared> {
    let nstrings = r.count()?;
    let mut strings = Vec::with_capacity(nstrings);
    for _ in 0..nstrings {
        strings.push(Arc::<str>::from(r.str()?));
    }
    let npeople = r.count()?;
    let mut people = Vec::with_capacity(npeople);
    for _ in 0..npeople {
        people.push(Arc::new(Who {
            name: r.str()?.to_string(),
            email: r.str()?.to_string(),
        }));
    }
    Ok(Shared { strings, people })
}

fn decode_history(r: &mut Reader<At<'_>>, shared: &Shared) -> R<Vec<HistoryEntry>> {
    let nhistory = r.count()?;
    // Capacity for what the bytes left can hold at most (an entry takes
    // ten bytes or more), so a damaged count cannot reserve gigabytes.
    let mut history = Vec::with_capacity(nhistory.min(r.left() / 10));
    advise_huge(&history);
    for _ in 0..nhistory {
        let by = shared.stamp(r)?;
        let seq = r.uint()?;
        let kind = shared.string(r.uint()?)?;
        let index = r.usize()?;
        let not_applied = match r.byte()? {
            0 => None,
            _ => Some(r.string()?),
        };
        let broke = match shared.opt_string(r.uint()?)? {
            None => None,
            Some(name) => Some(Rule::parse(&name).ok_or(Unusable::Damaged("an unknown rule"))?),
        };
        history.push(HistoryEntry {
            by,
            seq,
            kind,
            index,
            not_applied,
            broke,
        });
    }
    Ok(history)
}

fn decode_notes(r: &mut Reader<At<'_>>, shared: &Shared) -> R<Vec<NoteEntry>> {
    let nnotes = r.count()?;
    let mut notes = Vec::with_capacity(nnotes.min(r.left() / 7));
    advise_huge(&notes);
    for _ in 0..nnotes {
        let text = r.string()?;
        let step = shared.opt_string(r.uint()?)?.map(|s| s.to_string());
        let by = shared.stamp(r)?;
        notes.push(NoteEntry { text, step, by });
    }
    Ok(notes)
}

/// Where each description ends in their text.
fn decode_ends(r: &mut Reader<At<'_>>) -> R<Vec<usize>> {
    let ndesc = r.count()?;
    let mut ends = Vec::with_capacity(ndesc);
    let mut end = 0usize;
    for _ in 0..ndesc {
        end = end
            .checked_add(r.usize()?)
            .ok_or(Unusable::Damaged("a description too long"))?;
        ends.push(end);
    }
    Ok(ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::journal::JournalWriter;
    use crate::session::payload::{Note, Payload};
    use crate::session::state::describe;
    use crate::session::synth::{SYNTHETIC_ID, write_synthetic};
    use crate::session::{Event, Session};

    const N: usize = WORTH_FROM + 1_000;

    fn hashes(events: &[Event]) -> Vec<Hash32> {
        events.iter().map(|e| e.hash).collect()
    }

    /// Opening from a checkpoint gives what folding every journal gives:
    /// the state, the events, and what each did.
    fn same_as_folded(dir: &Path) -> Session {
        let folded = Session::open(SYNTHETIC_ID, dir.to_path_buf()).expect("open");
        let cached = Session::open_cached(SYNTHETIC_ID, dir.to_path_buf()).expect("open cached");
        assert_eq!(cached.state(), folded.state());
        assert_eq!(cached.event_count(), folded.events().len());
        for i in [0, 1, folded.events().len() / 2, folded.events().len() - 1] {
            assert_eq!(
                cached.describe_event(i),
                Some(describe(&folded.events()[i])),
                "event {i}"
            );
        }
        assert_eq!(hashes(cached.events()), hashes(folded.events()));
        cached
    }

    fn note(text: &str) -> Payload {
        Payload::NoteAdded(Note {
            text: text.into(),
            step: None,
        })
    }

    #[test]
    fn a_large_session_reopens_from_its_checkpoint_as_folded() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_synthetic(dir.path(), SYNTHETIC_ID, N, 3).expect("write");
        assert_eq!(read(dir.path(), SYNTHETIC_ID), Err(Unusable::Missing));
        // The first open folds and writes the checkpoint; the next reads it.
        let first = same_as_folded(dir.path());
        assert!(first.from_checkpoint().is_none());
        let cp = read(dir.path(), SYNTHETIC_ID).expect("a checkpoint");
        assert_eq!(cp.events, N);
        let again = same_as_folded(dir.path());
        assert!(
            again.from_checkpoint().is_some(),
            "opened from the checkpoint"
        );
        assert_eq!(
            read(dir.path(), "01KBSYNTHE7C0000000000000B"),
            Err(Unusable::OtherSession)
        );
    }

    #[test]
    fn events_appended_after_the_checkpoint_are_folded_on_top() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_synthetic(dir.path(), SYNTHETIC_ID, N, 3).expect("write");
        drop(Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open"));
        let mut s = Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open");
        assert!(s.from_checkpoint().is_some());
        let who = Who {
            name: "Person 1".into(),
            email: "person1@example.com".into(),
        };
        s.attach("person1@example.com/dev1").expect("attach");
        s.record(&who, &note("after the checkpoint"))
            .expect("record");
        let reopened = same_as_folded(dir.path());
        assert!(reopened.from_checkpoint().is_some());
        assert_eq!(
            reopened.state().notes.last().map(|n| n.text.as_str()),
            Some("after the checkpoint")
        );
        // The live session, too, agrees with a fold of everything.
        let folded = Session::open(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open");
        assert_eq!(s.state(), folded.state());
        assert_eq!(hashes(s.events()), hashes(folded.events()));
    }

    #[test]
    fn an_event_that_sorts_before_the_checkpoint_refolds_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_synthetic(dir.path(), SYNTHETIC_ID, N, 3).expect("write");
        drop(Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open"));
        // Another clone's note, written long ago by its clock, synced now.
        let who = Who {
            name: "Late Larry".into(),
            email: "late@example.com".into(),
        };
        let data = note("from a clone that was offline")
            .to_data()
            .expect("data");
        let mut w = JournalWriter::open(dir.path(), SYNTHETIC_ID, "late@example.com/laptop")
            .expect("writer");
        w.append("note_added", &data, &who, 3).expect("append");
        let s = same_as_folded(dir.path());
        assert!(
            s.from_checkpoint().is_none(),
            "folded again from the journals"
        );
    }

    #[test]
    fn a_replaced_or_edited_journal_or_a_damaged_checkpoint_is_not_trusted() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_synthetic(dir.path(), SYNTHETIC_ID, N, 3).expect("write");
        drop(Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open"));
        let good = std::fs::read(path(dir.path())).expect("checkpoint");
        let journal = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .expect("a journal");
        let bytes = std::fs::read(&journal).expect("journal");

        // Replaced by the same bytes (as a sync does): another file.
        let tmp = journal.with_extension("tmp");
        std::fs::write(&tmp, &bytes).expect("write");
        std::fs::rename(&tmp, &journal).expect("rename");
        assert!(matches!(
            read(dir.path(), SYNTHETIC_ID),
            Err(Unusable::Changed(_))
        ));
        same_as_folded(dir.path());

        // Its last line edited in place.
        std::fs::write(path(dir.path()), &good).expect("restore");
        drop(Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open"));
        let mut edited = bytes.clone();
        let at = edited.len() - 30;
        edited[at] = if edited[at] == b'0' { b'1' } else { b'0' };
        std::fs::OpenOptions::new()
            .write(true)
            .open(&journal)
            .and_then(|mut f| std::io::Write::write_all(&mut f, &edited))
            .expect("edit in place");
        assert!(matches!(
            read(dir.path(), SYNTHETIC_ID),
            Err(Unusable::Changed(_))
        ));
        let s = Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open");
        assert!(s.from_checkpoint().is_none());
        assert!(!s.problems().is_empty(), "the edit is reported");

        // A checkpoint cut short or with a flipped byte is not used.
        std::fs::write(&journal, &bytes).expect("restore journal");
        drop(Session::open_cached(SYNTHETIC_ID, dir.path().to_path_buf()).expect("open"));
        let good = std::fs::read(path(dir.path())).expect("checkpoint");
        for damaged in [
            good[..good.len() / 2].to_vec(),
            good[..MAGIC.len() + 3].to_vec(),
            {
                let mut d = good.clone();
                let at = d.len() - 7;
                d[at] ^= 0xff;
                d
            },
            [good.as_slice(), b"x"].concat(),
        ] {
            std::fs::write(path(dir.path()), &damaged).expect("damage");
            assert!(read(dir.path(), SYNTHETIC_ID).is_err());
            same_as_folded(dir.path());
        }
    }

    #[test]
    fn numbers_round_trip_and_damage_is_refused() {
        let mut out = Vec::new();
        for v in [0, 1, 127, 128, 300, u64::MAX] {
            put_uint(&mut out, v);
        }
        let mut r = Reader::new(&out[..], out.len() as u64);
        for v in [0, 1, 127, 128, 300, u64::MAX] {
            assert_eq!(r.uint(), Ok(v));
        }
        assert_eq!(r.uint(), Err(SHORT));
        let long = [0xffu8; 11];
        let mut r = Reader::new(&long[..], long.len() as u64);
        assert!(r.uint().is_err());
    }

    /// A sample session as the checkpoint of all its events.
    fn checkpoint_of(sample: &crate::tui::fixture::Sample) -> Checkpoint {
        let state = sample.state();
        let mut descriptions = Descriptions::default();
        for ev in sample.events() {
            descriptions.push(&describe(ev));
        }
        Checkpoint {
            session: state.id.clone(),
            events: sample.events().len(),
            last: sample
                .events()
                .last()
                .map(|e| (e.lamport, e.actor.clone(), e.seq)),
            files: Vec::new(),
            state: Arc::new(state),
            descriptions,
        }
    }

    /// Every part of a full release's state (steps, sign-offs, canary,
    /// overrides, hand-overs, notes) reads back as it was written.
    #[test]
    fn rich_states_round_trip() {
        for sample in [
            crate::tui::fixture::late_sample().expect("late"),
            crate::tui::fixture::canary_sample().expect("canary"),
        ] {
            let cp = checkpoint_of(&sample);
            let back = decode(&encode(&cp).expect("encode")).expect("decode");
            assert_eq!(back, cp);
        }
    }

    /// Any one byte of a checkpoint flipped, or the file cut anywhere, is
    /// refused or read; never a panic, whichever section it hits (the
    /// offsets of the sections included, and the notes on their thread).
    #[test]
    fn no_damaged_byte_panics() {
        let cp = checkpoint_of(&crate::tui::fixture::late_sample().expect("late"));
        let good = encode(&cp).expect("encode");
        assert_eq!(decode(&good).expect("decode"), cp);
        // Every byte of a file this size takes a minute in a debug build:
        // every 13th, spread over every section. The notes are read on
        // this thread, where a panic fails the test (on their own thread
        // it would be taken for damage).
        assert!(good.len() > 2_000, "a sample with every section");
        for at in (0..good.len()).step_by(13) {
            let mut bad = good.clone();
            bad[at] ^= 0x5a;
            let _ = decode_with(&bad, u64::MAX);
            let _ = decode_with(&good[..at], u64::MAX);
        }
    }

    #[test]
    fn descriptions_slice_back() {
        let mut d = Descriptions::default();
        d.push("started");
        d.push("");
        d.push("note: héllo");
        assert_eq!(d.get(0).as_deref(), Some("started"));
        assert_eq!(d.get(1).as_deref(), Some(""));
        assert_eq!(d.get(2).as_deref(), Some("note: héllo"));
        assert_eq!(d.get(3), None);
    }
}
