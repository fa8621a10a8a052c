//! Text from outside greenlight (journals synced from other clones, commit
//! messages, notes, names, log lines, file names from a remote) made safe
//! for a terminal.
//!
//! A terminal interprets some characters instead of showing them: escape
//! sequences retitle the window or write the clipboard (OSC 52), a
//! carriage return overwrites what a line said, bidi overrides reorder it.
//! Every human-readable output of the CLI goes through here, so none of
//! them reaches the terminal as anything but visible text; `--json` output
//! stays exact (JSON escapes what it must).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Does `c` act on a terminal instead of being shown? C0 controls (but
/// newline and tab, which print as layout), DEL, C1 controls, and the
/// characters that change the direction of text around them.
pub fn is_unsafe(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c if c.is_control() => true,
        // Left-to-right / right-to-left marks, Arabic letter mark.
        '\u{200E}' | '\u{200F}' | '\u{061C}' => true,
        // Embeddings, overrides and isolates.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// How an unsafe character is shown: `\e`-style names for the common
/// ones, `\xNN` for other C0/DEL, `\u{NNNN}` for the rest. Public for
/// text built a character at a time (log lines).
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with every unsafe character shown escaped; newlines and tabs kept.
/// Borrowed when there is nothing to escape (the common case).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, is_unsafe)
}

/// `s` as one line: like [`escape`], and newlines and tabs escaped too, for
/// a value shown inside a line of ours (a name, a reason, a file name).
pub fn one_line(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n' || c == '\t' || is_unsafe(c))
}

fn escape_with(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.char_indices().find(|(_, c)| bad(*c)).map(|(i, _)| i) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if bad(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes that may not be UTF-8 (a log line, a file): valid UTF-8 escaped
/// as [`escape`] does, every invalid byte shown as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return escape(s);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    Cow::Owned(out)
}

/// A quick test for bytes that can be written as they are: printable
/// ASCII, tabs, and UTF-8 lead bytes that cannot start an unsafe
/// character. Used on hot paths (matched log lines) before the full
/// escape.
pub fn bytes_are_plain(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("hello, wörld ✔"), Cow::Borrowed(_)));
        assert!(matches!(escape("two\nlines\tand a tab"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_controls_are_shown_not_obeyed() {
        // OSC 52 (write the clipboard), a title change, CSI, BEL.
        let hostile = "fix: x\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\r";
        let shown = escape(hostile);
        assert_eq!(
            shown,
            "fix: x\\e]52;c;ZXZpbA==\\x07\\e]0;pwned\\x07\\e[2J\\r"
        );
        assert!(!shown.chars().any(is_unsafe));
    }

    #[test]
    fn c1_and_bidi_are_escaped() {
        assert_eq!(escape("a\u{9b}31m"), "a\\u{9b}31m");
        assert_eq!(escape("user\u{202e}gnp.exe"), "user\\u{202e}gnp.exe");
        assert_eq!(escape("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(escape("\u{200f}"), "\\u{200f}");
    }

    #[test]
    fn one_line_escapes_layout_too() {
        assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn invalid_utf8_bytes_are_named() {
        assert_eq!(escape_bytes(b"ok\xff\x1b["), "ok\\xff\\e[");
        assert_eq!(escape_bytes("é".as_bytes()), "é");
    }

    #[test]
    fn plain_bytes_check_is_conservative() {
        assert!(bytes_are_plain(b"GET /x 200\t12ms"));
        assert!(!bytes_are_plain(b"\x1b[31m"));
        assert!(!bytes_are_plain("é".as_bytes()));
    }
}
