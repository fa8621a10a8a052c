//! Level detection: which severity a log line carries, in whatever format
//! it was written.
//!
//! Pure and fast: byte scanning with `memchr`, no regex and no allocation,
//! because it runs on every line a source reads (and on every line of a
//! file `greenlight logs --level` scans). Formats recognised, in order:
//! syslog priority `<3>`, JSON keys `"level"`/`"severity"`/`"lvl"` (string
//! or pino-style number), logfmt `level=`/`lvl=`/`severity=`, bracketed
//! words `[ERROR]`/`[error]`, bare upper-case words (`ERROR`, `WARN`, …),
//! and glog/klog prefixes (`E1126 14:03:11.123`).

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use serde::{Deserialize, Serialize};

/// A line's severity, least to most severe; `Unknown` sorts first so a
/// level filter leaves undetected lines out.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Level {
    #[default]
    Unknown = 0,
    Trace = 1,
    Debug = 2,
    Info = 3,
    Warn = 4,
    Error = 5,
    Fatal = 6,
}

impl Level {
    /// Every level, least severe first (the index is `level as usize`).
    pub const ALL: [Level; 7] = [
        Level::Unknown,
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// The upper-case label a pane shows ("ERROR 3 WARN 41").
    pub fn label(self) -> &'static str {
        match self {
            Level::Unknown => "OTHER",
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// Error or fatal: what "next error" jumps to and the error rate counts.
    pub fn is_error(self) -> bool {
        self >= Level::Error
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level name given by a person (`--level warn`) that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level `{0}`; levels: trace, debug, info, warn, error, fatal")]
pub struct ParseLevelError(pub String);

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Accepts the names and common spellings (`warning`, `err`, `crit`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        word_level(s.trim().as_bytes())
            .filter(|l| *l != Level::Unknown)
            .ok_or_else(|| ParseLevelError(s.to_string()))
    }
}

/// How far into a line bare and bracketed level words are looked for:
/// every common format puts its level near the start, and a word deep in
/// a message ("… returned ERROR") is more likely text than a level.
const WORD_SCAN_LIMIT: usize = 256;

/// The level a line carries, or `Unknown`.
pub fn detect(line: &[u8]) -> Level {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let line = &line[start..];
    if let Some(l) = syslog_priority(line) {
        return l;
    }
    if line.first() == Some(&b'{')
        && let Some(l) = json_level(line)
    {
        return l;
    }
    if let Some(l) = logfmt_level(line) {
        return l;
    }
    if let Some(l) = word_scan(&line[..line.len().min(WORD_SCAN_LIMIT)]) {
        return l;
    }
    glog_prefix(line).unwrap_or(Level::Unknown)
}

/// `<PRI>` at the start (RFC 3164/5424, journald, kmsg): severity is
/// `PRI % 8`.
fn syslog_priority(line: &[u8]) -> Option<Level> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let end = line.iter().take(5).position(|&b| b == b'>')?;
    let digits = &line[1..end];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pri: u32 = digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
    if pri > 191 {
        return None;
    }
    Some(match pri % 8 {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 | 6 => Level::Info,
        _ => Level::Debug,
    })
}

/// JSON keys that hold a level, most common first.
const JSON_KEYS: [&[u8]; 5] = [
    b"\"level\"",
    b"\"severity\"",
    b"\"lvl\"",
    b"\"log.level\"",
    b"\"loglevel\"",
];

/// Searchers built once: building one costs more than searching a
/// typical line with it, and every line is searched.
static JSON_FINDERS: LazyLock<[Finder<'static>; JSON_KEYS.len()]> =
    LazyLock::new(|| JSON_KEYS.map(Finder::new));

fn json_level(line: &[u8]) -> Option<Level> {
    for (key, finder) in JSON_KEYS.iter().zip(JSON_FINDERS.iter()) {
        let Some(pos) = finder.find(line) else {
            continue;
        };
        let rest = skip_ws(&line[pos + key.len()..]);
        let rest = skip_ws(rest.strip_prefix(b":")?);
        return match rest.first()? {
            b'"' => {
                let value = &rest[1..];
                let end = memchr::memchr(b'"', value)?;
                word_level(&value[..end])
            }
            b'0'..=b'9' => {
                let end = rest
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .unwrap_or(rest.len());
                numeric_level(&rest[..end])
            }
            _ => None,
        };
    }
    None
}

/// pino/bunyan numbers (10 trace … 60 fatal) and syslog-style 0–7.
fn numeric_level(digits: &[u8]) -> Option<Level> {
    if digits.len() > 3 {
        return None;
    }
    let n: u32 = digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
    Some(match n {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 | 6 => Level::Info,
        7 => Level::Debug,
        8..=14 => Level::Trace,
        15..=24 => Level::Debug,
        25..=34 => Level::Info,
        35..=44 => Level::Warn,
        45..=54 => Level::Error,
        _ => Level::Fatal,
    })
}

/// logfmt keys that hold a level, most trusted first.
const LOGFMT_KEYS: [&[u8]; 3] = [b"level", b"lvl", b"severity"];

/// One pass over the line's `=` signs (a handful in a logfmt line, often
/// none elsewhere) rather than a search per key. The first key in
/// [`LOGFMT_KEYS`] order that holds a level word wins, wherever it is.
fn logfmt_level(line: &[u8]) -> Option<Level> {
    let mut best: Option<(usize, Level)> = None;
    for eq in memchr::memchr_iter(b'=', line) {
        let Some(rank) = LOGFMT_KEYS
            .iter()
            .position(|key| logfmt_key_ends_at(line, eq, key))
        else {
            continue;
        };
        if best.is_some_and(|(b, _)| b <= rank) {
            continue;
        }
        let value = &line[eq + 1..];
        let value = value.strip_prefix(b"\"").unwrap_or(value);
        let end = value
            .iter()
            .position(|b| matches!(b, b' ' | b'"' | b'\t'))
            .unwrap_or(value.len());
        if let Some(l) = word_level(&value[..end]) {
            if rank == 0 {
                return Some(l);
            }
            best = Some((rank, l));
        }
    }
    best.map(|(_, l)| l)
}

/// Is `key` the whole key before the `=` at `eq` (at the line's start or
/// after a space or tab, so `xlevel=` is another key)?
fn logfmt_key_ends_at(line: &[u8], eq: usize, key: &[u8]) -> bool {
    let Some(start) = eq.checked_sub(key.len()) else {
        return false;
    };
    &line[start..eq] == key && (start == 0 || matches!(line[start - 1], b' ' | b'\t'))
}

/// The first level word in `window`: `[error]`/`[Warn]` in any case, or
/// an upper-case word standing on its own (`ERROR`, `WARN:`).
fn word_scan(window: &[u8]) -> Option<Level> {
    let mut i = 0;
    loop {
        // Most bytes of a line are neither an upper-case letter nor `[`
        // (together one range, 0x41..=0x5B): skip them in a tight loop.
        i += window
            .get(i..)?
            .iter()
            .position(|b| (b'A'..=b'[').contains(b))?;
        let b = window[i];
        if b == b'[' {
            let inner = &window[i + 1..];
            if let Some(end) = inner.iter().take(10).position(|&c| c == b']')
                && let Some(l) = word_level(&inner[..end])
            {
                return Some(l);
            }
        } else if matches!(
            b,
            b'C' | b'D' | b'E' | b'F' | b'I' | b'N' | b'P' | b'T' | b'W'
        ) && (i == 0 || !is_word_byte(window[i - 1]))
        {
            let end = window[i..]
                .iter()
                .position(|c| !c.is_ascii_uppercase())
                .map_or(window.len(), |p| i + p);
            let next_is_boundary = window.get(end).is_none_or(|&c| !is_word_byte(c));
            if end - i >= 3
                && next_is_boundary
                && let Some(l) = upper_word(&window[i..end])
            {
                return Some(l);
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every level word, with whether it counts standing bare in text
/// (upper-case only there: `error` in a sentence is prose) or only as a
/// value (after a key, in brackets), where any case counts.
const WORDS: [(&[u8], Level, Bare); 28] = [
    (b"TRACE", Level::Trace, Bare::Yes),
    (b"DEBUG", Level::Debug, Bare::Yes),
    (b"DBG", Level::Debug, Bare::Yes),
    (b"INFO", Level::Info, Bare::Yes),
    (b"NOTICE", Level::Info, Bare::Yes),
    (b"WARN", Level::Warn, Bare::Yes),
    (b"WARNING", Level::Warn, Bare::Yes),
    (b"WRN", Level::Warn, Bare::Yes),
    (b"ERROR", Level::Error, Bare::Yes),
    (b"ERR", Level::Error, Bare::Yes),
    (b"FATAL", Level::Fatal, Bare::Yes),
    (b"CRITICAL", Level::Fatal, Bare::Yes),
    (b"CRIT", Level::Fatal, Bare::Yes),
    (b"PANIC", Level::Fatal, Bare::Yes),
    (b"EMERG", Level::Fatal, Bare::Yes),
    (b"ALERT", Level::Fatal, Bare::Yes),
    (b"T", Level::Trace, Bare::No),
    (b"TRC", Level::Trace, Bare::No),
    (b"D", Level::Debug, Bare::No),
    (b"VERBOSE", Level::Debug, Bare::No),
    (b"I", Level::Info, Bare::No),
    (b"INF", Level::Info, Bare::No),
    (b"LOG", Level::Info, Bare::No),
    (b"W", Level::Warn, Bare::No),
    (b"E", Level::Error, Bare::No),
    (b"F", Level::Fatal, Bare::No),
    (b"FTL", Level::Fatal, Bare::No),
    (b"SEVERE", Level::Fatal, Bare::No),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bare {
    Yes,
    No,
}

/// The longest level word.
const LONGEST_WORD: usize = 8;

/// A word of up to 8 bytes as one number, ASCII letters upper-cased: one
/// compare per table entry instead of a byte-by-byte match.
const fn word_key(w: &[u8]) -> u64 {
    let mut k = 0u64;
    let mut i = 0;
    while i < w.len() && i < LONGEST_WORD {
        // Clearing bit 5 upper-cases an ASCII letter and turns no other
        // byte into one; words are letters, so nothing else can match.
        k |= ((w[i] & 0xDF) as u64) << (8 * i);
        i += 1;
    }
    k
}

/// The table's keys, computed at compile time.
const WORD_KEYS: [u64; WORDS.len()] = {
    let mut keys = [0u64; WORDS.len()];
    let mut i = 0;
    while i < WORDS.len() {
        keys[i] = word_key(WORDS[i].0);
        i += 1;
    }
    keys
};

/// The table entry for `w` (any case), if it is a level word.
fn lookup(w: &[u8]) -> Option<(Level, Bare)> {
    if w.is_empty() || w.len() > LONGEST_WORD {
        return None;
    }
    let key = word_key(w);
    let i = WORD_KEYS.iter().position(|&k| k == key)?;
    let (word, level, bare) = WORDS[i];
    // A space in `w` masks to 0, like the key's padding: lengths differ.
    (word.len() == w.len()).then_some((level, bare))
}

/// An upper-case word standing bare in text (`ERROR`, `WARN`).
fn upper_word(w: &[u8]) -> Option<Level> {
    match lookup(w)? {
        (level, Bare::Yes) if w.iter().all(u8::is_ascii_uppercase) => Some(level),
        _ => None,
    }
}

/// A level value in any case (`error`, `Error`, `WARNING`, `crit`, `E`).
fn word_level(w: &[u8]) -> Option<Level> {
    lookup(w).map(|(level, _)| level)
}

/// glog/klog: `E1126 14:03:11.123456 …` — a level letter, then mmdd.
fn glog_prefix(line: &[u8]) -> Option<Level> {
    let [l, a, b, c, d, b' ', ..] = line else {
        return None;
    };
    if ![a, b, c, d].iter().all(|x| x.is_ascii_digit()) {
        return None;
    }
    match l {
        b'I' => Some(Level::Info),
        b'W' => Some(Level::Warn),
        b'E' => Some(Level::Error),
        b'F' => Some(Level::Fatal),
        _ => None,
    }
}

fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Level {
        detect(s.as_bytes())
    }

    #[test]
    fn json_levels_in_every_spelling() {
        assert_eq!(d(r#"{"ts":1,"level":"error","msg":"x"}"#), Level::Error);
        assert_eq!(d(r#"{"severity": "WARNING", "msg":"x"}"#), Level::Warn);
        assert_eq!(d(r#"{"lvl":"crit"}"#), Level::Fatal);
        assert_eq!(d(r#"{"level":50,"msg":"pino"}"#), Level::Error);
        assert_eq!(d(r#"{"level":30}"#), Level::Info);
        assert_eq!(d(r#"  {"msg":"no level here"}"#), Level::Unknown);
    }

    #[test]
    fn logfmt_levels() {
        assert_eq!(d("ts=2024 level=error msg=boom"), Level::Error);
        assert_eq!(d(r#"time=x lvl="warn" msg="slow""#), Level::Warn);
        assert_eq!(d("level=info"), Level::Info);
        // `xlevel=` is another key.
        assert_eq!(d("xlevel=error msg=hi"), Level::Unknown);
    }

    #[test]
    fn bracketed_and_bare_words() {
        assert_eq!(
            d("2024-11-26 14:03:11 [ERROR] upstream timeout"),
            Level::Error
        );
        assert_eq!(d("[warn] disk 91% full"), Level::Warn);
        assert_eq!(d("2024-11-26T14:03:11Z WARN pool exhausted"), Level::Warn);
        assert_eq!(d("FATAL: out of memory"), Level::Fatal);
        assert_eq!(d("CRITICAL something"), Level::Fatal);
        assert_eq!(d("DEBUG cache miss"), Level::Debug);
        assert_eq!(d("12:00 INFO started"), Level::Info);
        // Prose and identifiers are not levels.
        assert_eq!(d("no error occurred"), Level::Unknown);
        assert_eq!(d("ERRORS_TOTAL=0"), Level::Unknown);
        assert_eq!(d("WARNINGS are fine"), Level::Unknown);
    }

    #[test]
    fn syslog_priority_and_glog() {
        assert_eq!(d("<3>Nov 26 14:03:11 host app: boom"), Level::Error);
        assert_eq!(d("<12>warn"), Level::Warn);
        assert_eq!(d("<6>kernel: ok"), Level::Info);
        assert_eq!(d("<0>panic"), Level::Fatal);
        assert_eq!(d("<999>x"), Level::Unknown);
        assert_eq!(d("E1126 14:03:11.123456   1 x.go:10] failed"), Level::Error);
        assert_eq!(d("I1126 14:03:11.123456   1 x.go:10] ok"), Level::Info);
    }

    #[test]
    fn the_word_table_holds_together() {
        for (i, (w, _, _)) in WORDS.iter().enumerate() {
            assert!(w.len() <= LONGEST_WORD && w.iter().all(u8::is_ascii_uppercase));
            // Keys are distinct, so the first equal key is the word.
            assert_eq!(WORD_KEYS.iter().position(|&k| k == WORD_KEYS[i]), Some(i));
        }
        assert_eq!(word_level(b"Warning"), Some(Level::Warn));
        assert_eq!(word_level(b"e"), Some(Level::Error));
        // Padding, spaces and bytes that mask to letters are not words.
        assert_eq!(word_level(b"ERR "), None);
        assert_eq!(word_level(b"E\0"), None);
        assert_eq!(word_level(b"\xc5RR"), None);
        assert_eq!(word_level(b"ERRORS"), None);
        assert_eq!(word_level(b"CRITICALS"), None);
        // Bare words count upper-case only; short forms never bare.
        assert_eq!(upper_word(b"ERROR"), Some(Level::Error));
        assert_eq!(upper_word(b"Error"), None);
        assert_eq!(upper_word(b"FTL"), None);
    }

    #[test]
    fn parse_and_order() {
        assert_eq!("warning".parse::<Level>(), Ok(Level::Warn));
        assert_eq!("ERROR".parse::<Level>(), Ok(Level::Error));
        assert!("loud".parse::<Level>().is_err());
        assert!(Level::Fatal > Level::Error && Level::Error > Level::Warn);
        assert!(Level::Unknown < Level::Trace);
    }

    #[test]
    fn odd_input_never_panics() {
        for s in [
            &b""[..],
            b"<",
            b"<>",
            b"{\"level\"",
            b"{\"level\":",
            b"{\"level\":\"",
            b"[",
            b"[]",
            b"level=",
            b"E",
            b"\xff\xfe\x00ERROR",
        ] {
            let _ = detect(s);
        }
        assert_eq!(detect(b"\xff\xfe ERROR x"), Level::Error);
    }
}
