//! What the record keeps of a command's output: a sha256 digest and the
//! byte count of all of it, and its last lines. Constant memory whatever
//! the command prints: a million lines a second costs a hash update and
//! a copy into a fixed window, never a line-by-line allocation.

use std::collections::VecDeque;

use sha2::{Digest, Sha256};

use crate::logs::line::display_text;

/// Lines kept for the record.
pub const LAST_LINES: usize = 20;
/// Longest line kept for the record, in bytes.
pub const LAST_LINE_BYTES: usize = 500;
/// The window the last lines are cut from.
const TAIL_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct OutputRecorder {
    hash: Sha256,
    bytes: u64,
    tail: VecDeque<u8>,
}

impl Default for OutputRecorder {
    fn default() -> Self {
        OutputRecorder {
            hash: Sha256::new(),
            bytes: 0,
            tail: VecDeque::with_capacity(TAIL_BYTES),
        }
    }
}

impl OutputRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Take in a chunk, as received (stdout and stderr interleaved).
    pub fn add(&mut self, chunk: &[u8]) {
        self.hash.update(chunk);
        self.bytes += chunk.len() as u64;
        let keep = &chunk[chunk.len().saturating_sub(TAIL_BYTES)..];
        let overflow = (self.tail.len() + keep.len()).saturating_sub(TAIL_BYTES);
        self.tail.drain(..overflow);
        self.tail.extend(keep);
    }

    /// Bytes seen so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The digest (hex), the byte count and the last lines, made safe to
    /// store and print.
    pub fn finish(self) -> (String, u64, Vec<String>) {
        let digest = hex::encode(self.hash.finalize());
        let (a, b) = self.tail.as_slices();
        let mut tail = Vec::with_capacity(a.len() + b.len());
        tail.extend_from_slice(a);
        tail.extend_from_slice(b);
        (digest, self.bytes, last_lines(&tail, LAST_LINES))
    }
}

/// The last `n` lines of `bytes` (a trailing newline ends the last line),
/// each cut to [`LAST_LINE_BYTES`] and escaped for display.
pub fn last_lines(bytes: &[u8], n: usize) -> Vec<String> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = body
        .rsplit(|&b| b == b'\n')
        .take(n)
        .map(|l| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            let cut = l.len().saturating_sub(LAST_LINE_BYTES) as u64;
            display_text(&l[..l.len().min(LAST_LINE_BYTES)], cut).into_string()
        })
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_and_count_cover_everything_and_tail_is_bounded() {
        let mut r = OutputRecorder::new();
        let mut all = Vec::new();
        for i in 0..100_000 {
            let line = format!("line {i}\n");
            r.add(line.as_bytes());
            all.extend_from_slice(line.as_bytes());
        }
        assert!(r.tail.len() <= TAIL_BYTES);
        let (digest, bytes, last) = r.finish();
        assert_eq!(bytes, all.len() as u64);
        assert_eq!(digest, hex::encode(Sha256::digest(&all)));
        assert_eq!(last.len(), LAST_LINES);
        assert_eq!(last.last().map(String::as_str), Some("line 99999"));
        assert_eq!(last[0], "line 99980");
    }

    #[test]
    fn last_lines_handles_odd_endings() {
        assert!(last_lines(b"", 5).is_empty());
        assert_eq!(last_lines(b"a\nb", 5), ["a", "b"]);
        assert_eq!(last_lines(b"a\r\n\nb\n", 2), ["", "b"]);
        let long = vec![b'x'; 2000];
        let l = &last_lines(&long, 1)[0];
        assert!(l.ends_with("[1500 more bytes not shown]"), "{l}");
    }
}
