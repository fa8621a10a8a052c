//! Scanning whole files fast, for `greenlight logs --grep RE --count FILE`.
//!
//! Big reads into one reusable buffer, the pattern searched across the
//! whole buffer (not line by line) with `memmem` for a literal or a
//! bytes regex otherwise, and only the lines that match are delimited. No
//! allocation per line, no UTF-8 decoding, and no level detection unless
//! a level is asked for.

use std::io::{self, Read};

use memchr::memmem;
use regex::bytes::{Regex, RegexBuilder};

use super::level::{self, Level};

/// Read size; the buffer grows only for a line longer than this.
const READ: usize = 1 << 20;
/// A line longer than this is cut into pieces of this size (each piece
/// then counts as a line); keeps memory bounded on a file with no
/// newlines.
const MAX_LINE: usize = 64 << 20;

/// A pattern that does not compile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid regex `{pattern}`: {reason}")]
pub struct GrepError {
    pub pattern: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
enum Search {
    /// Boxed: a finder is large, and a filter is made once.
    Literal(Box<memmem::Finder<'static>>),
    /// Multi-line mode, so `^`/`$` hold at line boundaries in a buffer.
    Regex(Regex),
}

/// Which lines to keep: those matching the pattern (if any) and at the
/// level or worse (if any).
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    search: Option<Search>,
    min_level: Option<Level>,
}

impl LineFilter {
    /// `pattern` is a regex (like grep -E); one with no special
    /// characters is searched as a plain string, the fastest path.
    pub fn new(
        pattern: Option<&str>,
        ignore_case: bool,
        min_level: Option<Level>,
    ) -> Result<LineFilter, GrepError> {
        let search = match pattern {
            None => None,
            Some(p) if !ignore_case && is_literal(p) => Some(Search::Literal(Box::new(
                memmem::Finder::new(p.as_bytes()).into_owned(),
            ))),
            Some(p) => Some(Search::Regex(
                RegexBuilder::new(p)
                    .case_insensitive(ignore_case)
                    .multi_line(true)
                    .build()
                    .map_err(|e| GrepError {
                        pattern: p.to_string(),
                        reason: e
                            .to_string()
                            .lines()
                            .rfind(|l| !l.trim().is_empty())
                            .unwrap_or("")
                            .trim()
                            .to_string(),
                    })?,
            )),
        };
        Ok(LineFilter {
            search,
            min_level: min_level.filter(|l| *l != Level::Unknown),
        })
    }

    /// Does one line (without its newline) pass?
    pub fn is_match(&self, line: &[u8]) -> bool {
        self.matches_text(line) && self.level_ok(line)
    }

    /// Does the pattern (alone) match? For lines whose level is known.
    pub fn matches_text(&self, line: &[u8]) -> bool {
        match &self.search {
            None => true,
            Some(Search::Literal(f)) => f.find(line).is_some(),
            Some(Search::Regex(re)) => re.is_match(line),
        }
    }

    /// The level asked for, if any.
    pub fn min_level(&self) -> Option<Level> {
        self.min_level
    }

    fn level_ok(&self, line: &[u8]) -> bool {
        self.min_level.is_none_or(|min| level::detect(line) >= min)
    }

    /// Call `hit` with every passing line of `hay`, which holds whole
    /// lines (each ending in `\n`, except perhaps the last).
    fn scan(&self, hay: &[u8], hit: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let line_at = |at: usize| -> (usize, usize) {
            let start = memchr::memrchr(b'\n', &hay[..at]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &hay[at..]).map_or(hay.len(), |p| at + p);
            (start, end)
        };
        match &self.search {
            None => {
                let mut start = 0;
                for nl in memchr::memchr_iter(b'\n', hay) {
                    let line = &hay[start..nl];
                    if self.level_ok(line) {
                        hit(line)?;
                    }
                    start = nl + 1;
                }
                if start < hay.len() && self.level_ok(&hay[start..]) {
                    hit(&hay[start..])?;
                }
            }
            Some(Search::Literal(f)) => {
                let mut pos = 0;
                while pos < hay.len() {
                    let Some(m) = f.find(&hay[pos..]) else { break };
                    let (s, e) = line_at(pos + m);
                    let line = &hay[s..e];
                    if self.level_ok(line) {
                        hit(line)?;
                    }
                    pos = e + 1;
                }
            }
            Some(Search::Regex(re)) => {
                let mut pos = 0;
                while pos <= hay.len() {
                    let Some(m) = re.find_at(hay, pos) else { break };
                    let (s, e) = line_at(m.start().min(hay.len()));
                    let line = &hay[s..e];
                    // A match found across a newline is re-checked on the
                    // line alone.
                    let within = m.end() <= e || re.is_match(line);
                    if within && self.level_ok(line) {
                        hit(line)?;
                    }
                    pos = e + 1;
                }
            }
        }
        Ok(())
    }

    /// Every passing line of `input`, in order. Returns how many passed.
    pub fn for_each(
        &self,
        input: &mut dyn Read,
        hit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<u64> {
        let mut count = 0u64;
        let mut counted = |line: &[u8]| {
            count += 1;
            hit(line)
        };
        let mut buf = vec![0u8; READ];
        // Bytes of an unfinished line kept at the front of `buf`.
        let mut kept = 0;
        loop {
            if kept == buf.len() {
                if buf.len() >= MAX_LINE {
                    // No newline in MAX_LINE bytes: treat it as a line.
                    self.scan(&buf[..kept], &mut counted)?;
                    kept = 0;
                } else {
                    buf.resize(buf.len() * 2, 0);
                }
            }
            let n = match input.read(&mut buf[kept..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                if kept > 0 {
                    self.scan(&buf[..kept], &mut counted)?;
                }
                break;
            }
            let filled = kept + n;
            match memchr::memrchr(b'\n', &buf[kept..filled]) {
                Some(p) => {
                    let end = kept + p + 1;
                    // Whole lines, without the final newline (so an empty
                    // last line is not invented).
                    self.scan(&buf[..end - 1], &mut counted)?;
                    buf.copy_within(end..filled, 0);
                    kept = filled - end;
                }
                None => kept = filled,
            }
        }
        Ok(count)
    }

    /// How many lines of `input` pass.
    pub fn count(&self, input: &mut dyn Read) -> io::Result<u64> {
        self.for_each(input, &mut |_| Ok(()))
    }
}

/// No regex meta characters: search it as a plain string.
fn is_literal(p: &str) -> bool {
    !p.is_empty()
        && !p.chars().any(|c| {
            matches!(
                c,
                '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(f: &LineFilter, input: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let n = f
            .for_each(&mut &input[..], &mut |l| {
                out.push(String::from_utf8_lossy(l).into_owned());
                Ok(())
            })
            .unwrap();
        assert_eq!(n as usize, out.len());
        out
    }

    const TEXT: &[u8] = b"a ERROR one\nb info\n{\"level\":\"error\",\"msg\":\"x\"}\nERROR ERROR twice\nlevel=warn y\nlast ERROR";

    #[test]
    fn literal_counts_each_line_once() {
        let f = LineFilter::new(Some("ERROR"), false, None).unwrap();
        assert_eq!(
            lines(&f, TEXT),
            ["a ERROR one", "ERROR ERROR twice", "last ERROR"]
        );
    }

    #[test]
    fn regex_anchors_hold_per_line() {
        let f = LineFilter::new(Some("^b|y$"), false, None).unwrap();
        assert_eq!(lines(&f, TEXT), ["b info", "level=warn y"]);
        let f = LineFilter::new(Some("error"), true, None).unwrap();
        assert_eq!(lines(&f, TEXT).len(), 4);
        // A pattern that could span lines only counts lines that match alone.
        let f = LineFilter::new(Some(r"one\sb"), false, None).unwrap();
        assert!(lines(&f, TEXT).is_empty());
        assert!(LineFilter::new(Some("("), false, None).is_err());
    }

    #[test]
    fn level_filter_matches_every_format() {
        let f = LineFilter::new(None, false, Some(Level::Error)).unwrap();
        assert_eq!(
            lines(&f, TEXT),
            [
                "a ERROR one",
                "{\"level\":\"error\",\"msg\":\"x\"}",
                "ERROR ERROR twice",
                "last ERROR"
            ]
        );
        let f = LineFilter::new(None, false, Some(Level::Warn)).unwrap();
        assert_eq!(lines(&f, TEXT).len(), 5);
        let f = LineFilter::new(Some("twice|y"), false, Some(Level::Warn)).unwrap();
        assert_eq!(lines(&f, TEXT), ["ERROR ERROR twice", "level=warn y"]);
    }

    #[test]
    fn lines_across_reads_and_long_lines() {
        // A reader that hands out 7 bytes at a time.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(7).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let f = LineFilter::new(Some("ERROR"), false, None).unwrap();
        assert_eq!(f.count(&mut Trickle(TEXT)).unwrap(), 3);
        let mut big = vec![b'x'; 3 * READ];
        big.extend_from_slice(b"ERROR\nERROR\n");
        assert_eq!(f.count(&mut &big[..]).unwrap(), 2);
        let all = LineFilter::new(None, false, None).unwrap();
        assert_eq!(all.count(&mut &b"a\n\nb\n"[..]).unwrap(), 3);
        assert_eq!(all.count(&mut &b""[..]).unwrap(), 0);
    }
}
