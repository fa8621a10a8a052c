//! Following a file like `tail -F`: start with its last lines, read what
//! is appended, notice rotation by rename (a new file at the path),
//! truncation (the file got shorter), a file that does not exist yet or
//! went away (keep waiting, and say so), and a file that cannot be read
//! (say why, retry).

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use super::batch::{Batcher, Control, nap};
use super::feed::{Closed, SourceStatus};
use super::line::LineSplitter;
use super::time::now_millis;

/// How often an idle file is looked at again: four times a second, so a
/// line shows within a quarter second while a followed file costs an idle
/// cockpit next to nothing (each look wakes this thread and, with new
/// lines, the app).
const POLL: Duration = Duration::from_millis(250);
/// How often a missing or unreadable file is tried again.
const RETRY: Duration = Duration::from_millis(500);
const CHUNK: usize = 256 * 1024;

struct Open {
    file: File,
    /// (device, inode): a different pair at the path means rotation.
    identity: (u64, u64),
    offset: u64,
}

fn identity(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// Follow `path` until stopped or the pane goes away.
pub(crate) fn run(
    path: &Path,
    backlog: usize,
    out: &mut Batcher,
    control: &Control,
) -> Result<(), Closed> {
    let shown = path.display().to_string();
    let mut open: Option<Open> = None;
    let mut splitter = LineSplitter::new();
    let mut buf = vec![0u8; CHUNK];
    // The last problem reported, so a retry loop says it once.
    let mut said: Option<String> = None;
    // The first open starts at the backlog; later ones (rotation, a file
    // that appeared) read the new file from its start.
    let mut first_open = true;
    let mut gone_said = false;

    while !control.stopped() {
        let Some(cur) = open.as_mut() else {
            match open_at(path, if first_open { Some(backlog) } else { None }) {
                Ok(o) => {
                    out.status(SourceStatus::Following {
                        what: shown.clone(),
                    })?;
                    open = Some(o);
                    first_open = false;
                    said = None;
                    gone_said = false;
                }
                Err(e) => {
                    let msg = if e.kind() == io::ErrorKind::NotFound {
                        out_waiting(&shown)
                    } else {
                        format!("cannot read {shown}: {}; retrying", plain(&e))
                    };
                    if said.as_deref() != Some(msg.as_str()) {
                        let status = if e.kind() == io::ErrorKind::NotFound {
                            SourceStatus::Waiting {
                                reason: msg.clone(),
                            }
                        } else {
                            SourceStatus::Failed {
                                reason: msg.clone(),
                            }
                        };
                        out.status(status)?;
                        said = Some(msg);
                    }
                    nap(RETRY, control);
                }
            }
            continue;
        };

        match cur.file.read(&mut buf) {
            Ok(0) => {
                out.flush()?;
                match std::fs::metadata(path) {
                    Ok(m) if identity(&m) != cur.identity => {
                        // Rotated: read what the old file got since, then
                        // switch to the new one from its start.
                        while let Ok(n @ 1..) = cur.file.read(&mut buf) {
                            out.chunk(&mut splitter, &buf[..n])?;
                        }
                        finish_partial(&mut splitter, out)?;
                        out.status(SourceStatus::Notice {
                            message: format!("{shown} was rotated; following the new file"),
                        })?;
                        open = None;
                        continue;
                    }
                    Ok(m) if m.len() < cur.offset => {
                        finish_partial(&mut splitter, out)?;
                        if let Err(e) = cur.file.seek(SeekFrom::Start(0)) {
                            out.status(SourceStatus::Failed {
                                reason: format!("cannot read {shown} again: {}", plain(&e)),
                            })?;
                            open = None;
                            continue;
                        }
                        cur.offset = 0;
                        out.status(SourceStatus::Notice {
                            message: format!("{shown} was truncated; reading from its start"),
                        })?;
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        // Renamed or removed: keep reading the old file
                        // (a writer may still finish a line there) until
                        // a new one appears.
                        if !gone_said {
                            out.status(SourceStatus::Waiting {
                                reason: format!(
                                    "{shown} was moved or removed; waiting for it to appear again"
                                ),
                            })?;
                            gone_said = true;
                        }
                    }
                    Err(_) => {}
                }
                nap(POLL, control);
            }
            Ok(n) => {
                cur.offset += n as u64;
                out.chunk(&mut splitter, &buf[..n])?;
                out.flush_if_due()?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let msg = format!("cannot read {shown}: {}; retrying", plain(&e));
                if said.as_deref() != Some(msg.as_str()) {
                    out.status(SourceStatus::Failed {
                        reason: msg.clone(),
                    })?;
                    said = Some(msg);
                }
                open = None;
                nap(RETRY, control);
            }
        }
    }
    finish_partial(&mut splitter, out)?;
    out.status(SourceStatus::Stopped)
}

fn out_waiting(shown: &str) -> String {
    format!("{shown} does not exist yet; waiting for it")
}

/// An unfinished last line is shown when its file is left behind.
fn finish_partial(splitter: &mut LineSplitter, out: &mut Batcher) -> Result<(), Closed> {
    let received = now_millis();
    let mut result = Ok(());
    splitter.finish(|l, dropped| result = out.line(l, dropped, received));
    result?;
    out.flush()
}

/// Open `path`; with `backlog`, positioned at the start of its last
/// `backlog` lines, else at its start.
fn open_at(path: &Path, backlog: Option<usize>) -> io::Result<Open> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::other("it is a directory"));
    }
    let offset = match backlog {
        Some(n) if meta.is_file() => tail_offset(&mut file, meta.len(), n)?,
        _ => 0,
    };
    file.seek(SeekFrom::Start(offset))?;
    Ok(Open {
        file,
        identity: identity(&meta),
        offset,
    })
}

/// Where the last `lines` lines of a file of `len` bytes start: read
/// backwards in blocks counting newlines (a final newline ends the last
/// line, it does not start another).
fn tail_offset(file: &mut File, len: u64, lines: usize) -> io::Result<u64> {
    if lines == 0 {
        return Ok(len);
    }
    const BLOCK: u64 = 64 * 1024;
    let mut buf = vec![0u8; BLOCK as usize];
    let mut end = len;
    let mut seen = 0usize;
    let mut skip_final = true;
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        let mut block = &buf[..n];
        if skip_final {
            if block.last() == Some(&b'\n') {
                block = &block[..n - 1];
            }
            skip_final = false;
        }
        for pos in memchr::memrchr_iter(b'\n', block) {
            seen += 1;
            if seen == lines {
                return Ok(start + pos as u64 + 1);
            }
        }
        end = start;
    }
    Ok(0)
}

/// An I/O error as a person reads it: "permission denied", without the
/// "(os error 13)" suffix.
pub fn plain(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_offset_finds_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"a\nbb\nccc\n").unwrap();
        let mut f = File::open(&p).unwrap();
        assert_eq!(tail_offset(&mut f, 9, 1).unwrap(), 5);
        assert_eq!(tail_offset(&mut f, 9, 2).unwrap(), 2);
        assert_eq!(tail_offset(&mut f, 9, 3).unwrap(), 0);
        assert_eq!(tail_offset(&mut f, 9, 10).unwrap(), 0);
        assert_eq!(tail_offset(&mut f, 9, 0).unwrap(), 9);
        // Without a final newline the partial line counts as the last.
        std::fs::write(&p, b"a\nbb\nccc").unwrap();
        let mut f = File::open(&p).unwrap();
        assert_eq!(tail_offset(&mut f, 8, 1).unwrap(), 5);
        // Across blocks.
        let big: Vec<u8> = (0..100_000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        std::fs::write(&p, &big).unwrap();
        let mut f = File::open(&p).unwrap();
        let off = tail_offset(&mut f, big.len() as u64, 30_000).unwrap() as usize;
        assert_eq!(&big[off..off + 6], b"70000\n");
    }
}
