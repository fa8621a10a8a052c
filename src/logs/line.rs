//! One stored log line, and how raw bytes become one.
//!
//! A line is built once, in the source's thread (never on the UI's): bytes
//! are decoded (invalid UTF-8 replaced), control characters escaped and
//! ANSI colour codes dropped so a terminal can draw it safely, a very long
//! line is cut for display with a marker saying how much was left out, and
//! its level and timestamp are detected. The text is one `Box<str>`: one
//! allocation per line, nothing else on the heap.

use std::fmt::Write as _;

use super::level::{self, Level};
use super::time::{self, Millis, TimeContext};

/// Where a line came from: an index into the pane's list of sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct SourceId(pub u16);

/// Longest line kept for display, in bytes; the rest is counted, not kept.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// One stored line: 32 bytes inline plus its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    text: Box<str>,
    /// When the line says it was written, else when it was read.
    at: Millis,
    source: SourceId,
    level: Level,
    flags: u8,
}

const FLAG_TRUNCATED: u8 = 1;
const FLAG_STAMPED: u8 = 2;

impl LogLine {
    /// Build a line from raw bytes (without the newline). `dropped` counts
    /// bytes of the original line already left out by the reader (a line
    /// longer than [`MAX_LINE_BYTES`]); `received` is the time it was read.
    pub fn from_bytes(
        source: SourceId,
        bytes: &[u8],
        dropped: u64,
        received: Millis,
        ctx: &TimeContext,
    ) -> LogLine {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let (bytes, dropped) = if bytes.len() > MAX_LINE_BYTES {
            (
                &bytes[..MAX_LINE_BYTES],
                dropped + (bytes.len() - MAX_LINE_BYTES) as u64,
            )
        } else {
            (bytes, dropped)
        };
        let level = level::detect(bytes);
        let stamp = time::detect(bytes, ctx);
        let text = display_text(bytes, dropped);
        let mut flags = 0;
        if dropped > 0 {
            flags |= FLAG_TRUNCATED;
        }
        if stamp.is_some() {
            flags |= FLAG_STAMPED;
        }
        LogLine {
            text,
            at: stamp.unwrap_or(received),
            source,
            level,
            flags,
        }
    }

    /// A line greenlight itself writes into a source's stream (a status,
    /// an exit): no detection, shown as given.
    pub fn note(source: SourceId, text: &str, level: Level, at: Millis) -> LogLine {
        LogLine {
            text: display_text(text.as_bytes(), 0),
            at,
            source,
            level,
            flags: 0,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn level(&self) -> Level {
        self.level
    }

    pub fn source(&self) -> SourceId {
        self.source
    }

    /// Milliseconds since the epoch: the line's own timestamp, or when it
    /// was read if it has none (see [`LogLine::has_timestamp`]).
    pub fn at(&self) -> Millis {
        self.at
    }

    pub fn has_timestamp(&self) -> bool {
        self.flags & FLAG_STAMPED != 0
    }

    /// The original line was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.flags & FLAG_TRUNCATED != 0
    }
}

/// Safe text for a terminal, in one allocation: valid UTF-8, no control
/// characters (escaped as `\xNN`; tabs become a space), no bidi
/// overrides or marks (escaped as `\u{202e}`), ANSI escape sequences
/// removed, and a marker when bytes were left out.
pub fn display_text(bytes: &[u8], dropped: u64) -> Box<str> {
    let clean = dropped == 0 && bytes.iter().all(|&b| (0x20..0x7f).contains(&b));
    if clean {
        // ASCII printable only: the common case, copied as is.
        return String::from_utf8_lossy(bytes).into();
    }
    let mut out = String::with_capacity(bytes.len() + if dropped > 0 { 32 } else { 0 });
    let text = String::from_utf8_lossy(bytes);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\t' => out.push(' '),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            // Bidi overrides, isolates and marks would reorder the line
            // (or the screen around it): shown, not obeyed.
            c if crate::text::is_unsafe(c) => crate::text::push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    if dropped > 0 {
        let _ = write!(out, " … [{} more bytes not shown]", dropped);
    }
    out.into_boxed_str()
}

/// Skip an ANSI escape: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`) or
/// a two-byte escape.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    chars.next();
                    break;
                }
            }
        }
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

/// Splits a byte stream into lines without ever holding more than
/// [`MAX_LINE_BYTES`] of one line: a 10 MB line costs 16 KiB, and the
/// bytes past the cap are counted so the marker can say how many.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    dropped: u64,
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes; `line(bytes, dropped)` is called for every complete
    /// line, borrowing from `chunk` when the line lies wholly inside it.
    pub fn feed(&mut self, mut chunk: &[u8], mut line: impl FnMut(&[u8], u64)) {
        while let Some(nl) = memchr::memchr(b'\n', chunk) {
            let piece = &chunk[..nl];
            if self.partial.is_empty() && self.dropped == 0 {
                line(piece, 0);
            } else {
                self.push_partial(piece);
                line(&self.partial, self.dropped);
                self.partial.clear();
                self.dropped = 0;
            }
            chunk = &chunk[nl + 1..];
        }
        self.push_partial(chunk);
    }

    /// The unfinished last line, if any (at the end of a stream).
    pub fn finish(&mut self, mut line: impl FnMut(&[u8], u64)) {
        if !self.partial.is_empty() || self.dropped > 0 {
            line(&self.partial, self.dropped);
        }
        self.partial.clear();
        self.dropped = 0;
    }

    /// Bytes of an unfinished line waiting for its newline.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }

    fn push_partial(&mut self, piece: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        let take = room.min(piece.len());
        self.partial.extend_from_slice(&piece[..take]);
        self.dropped += (piece.len() - take) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeContext {
        TimeContext::utc_at(0)
    }

    #[test]
    fn clean_ascii_is_kept_and_detected() {
        let l = LogLine::from_bytes(
            SourceId(2),
            b"2024-11-26T14:03:11Z ERROR upstream timeout\r",
            0,
            7,
            &ctx(),
        );
        assert_eq!(l.text(), "2024-11-26T14:03:11Z ERROR upstream timeout");
        assert_eq!(l.level(), Level::Error);
        assert_eq!(l.at(), 1_732_629_791_000);
        assert!(l.has_timestamp() && !l.is_truncated());
        assert_eq!(l.source(), SourceId(2));
        assert_eq!(std::mem::size_of::<LogLine>(), 32);
    }

    #[test]
    fn invalid_utf8_and_binary_junk_are_made_safe() {
        let l = LogLine::from_bytes(
            SourceId(0),
            b"WARN caf\xc3\xa9 \xff\xfe\x00\x07\tend",
            0,
            5,
            &ctx(),
        );
        assert_eq!(l.text(), "WARN café \u{fffd}\u{fffd}\\x00\\x07 end");
        assert_eq!(l.level(), Level::Warn);
        assert_eq!(l.at(), 5);
        assert!(!l.has_timestamp());
    }

    #[test]
    fn bidi_overrides_are_shown_not_obeyed() {
        let t = display_text(
            "invoice\u{202e}fdp.exe \u{2066}x\u{2069} \u{200f}".as_bytes(),
            0,
        );
        assert_eq!(&*t, "invoice\\u{202e}fdp.exe \\u{2066}x\\u{2069} \\u{200f}");
    }

    #[test]
    fn ansi_colours_are_removed() {
        let t = display_text(b"\x1b[31mERROR\x1b[0m boom \x1b]0;title\x07x", 0);
        assert_eq!(&*t, "ERROR boom x");
    }

    #[test]
    fn a_huge_line_is_cut_with_a_marker() {
        let big = vec![b'a'; 10 * 1024 * 1024];
        let mut s = LineSplitter::new();
        let mut got = Vec::new();
        s.feed(&big[..4_000_000], |l, d| got.push((l.len(), d)));
        assert!(got.is_empty());
        assert!(s.pending() <= MAX_LINE_BYTES);
        s.feed(&big[4_000_000..], |l, d| got.push((l.len(), d)));
        s.feed(b"\nnext\n", |l, d| got.push((l.len(), d)));
        assert_eq!(
            got,
            vec![
                (MAX_LINE_BYTES, (10 * 1024 * 1024 - MAX_LINE_BYTES) as u64),
                (4, 0)
            ]
        );
        let l = LogLine::from_bytes(SourceId(0), &big, 0, 0, &ctx());
        assert!(l.is_truncated());
        assert!(
            l.text().ends_with("more bytes not shown]"),
            "{}",
            &l.text()[16380..]
        );
        assert!(l.text().len() < MAX_LINE_BYTES + 64);
    }

    #[test]
    fn splitter_joins_lines_across_chunks() {
        let mut s = LineSplitter::new();
        let mut got: Vec<String> = Vec::new();
        for chunk in [&b"one\ntw"[..], b"o", b"\nthree\n\nfour"] {
            s.feed(chunk, |l, _| got.push(String::from_utf8_lossy(l).into()));
        }
        s.finish(|l, _| got.push(String::from_utf8_lossy(l).into()));
        assert_eq!(got, ["one", "two", "three", "", "four"]);
    }
}
