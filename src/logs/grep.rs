//! Scanning whole files fast, for `greenlight logs --grep RE --count FILE`.
//!
//! Big reads into one reusable buffer, the pattern searched across the
//! whole buffer (not line by line) with `memmem` for a literal or a
//! bytes regex otherwise, and only the lines that match are delimited. No
//! allocation per line, no UTF-8 decoding, and no level detection unless
//! a level is asked for. A big file on a machine with two cores or more
//! is cut in two at a line's start: a second thread reads and scans the
//! second half while this one does the first, and the second half's
//! passing lines follow the first's, in order.
//!
//! A line longer than the cap (64 MiB) is examined and shown up to the
//! cap; the rest of it is skipped, and the scan says which line it was
//! and how much was left out, so nobody takes "no match" for an answer
//! about bytes that were never looked at.

use std::io::{self, Read};
use std::sync::mpsc;

use memchr::memmem;
use regex::bytes::{Regex, RegexBuilder};

use super::level::{self, Level};

/// Read size; the buffer grows only for a line longer than this.
const READ: usize = 1 << 17;
/// A regular file at least this long is scanned in two halves at once
/// (when there is a second core).
const SPLIT_FROM: u64 = 2 << 20;
/// The second half's passing lines go to this thread in batches of about
/// this many bytes, a few at a time (memory stays bounded whatever
/// passes).
const BATCH: usize = 256 << 10;
/// A line longer than this is examined up to here and the rest skipped
/// (and reported); keeps memory bounded on a file with no newlines.
pub const MAX_LINE: usize = 64 << 20;

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
#[derive(Debug, Clone)]
pub struct LineFilter {
    search: Option<Search>,
    min_level: Option<Level>,
    /// Longest line examined whole, in bytes ([`MAX_LINE`]).
    max_line: usize,
}

/// A line longer than the cap: its first bytes (up to the cap) were
/// examined, and shown if they passed; the rest was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutLine {
    /// 1-based line number in the input.
    pub line: u64,
    /// Bytes of the line past the cap: neither examined nor shown.
    pub skipped: u64,
}

/// What a scan found: how many lines passed, and which lines were too
/// long to examine whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scanned {
    pub matched: u64,
    pub cut: Vec<CutLine>,
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
            max_line: MAX_LINE,
        })
    }

    /// The same filter with another cap on the line length examined
    /// (at least 1 byte); tests use a small one instead of writing
    /// 64 MiB lines.
    pub fn with_max_line(mut self, bytes: usize) -> LineFilter {
        self.max_line = bytes.max(1);
        self
    }

    /// Longest line examined whole, in bytes.
    pub fn max_line(&self) -> usize {
        self.max_line
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

    /// Every passing line of `input`, in order, each as soon as it is
    /// read (for pipes and commands). Returns how many passed, and the
    /// lines longer than the cap (examined up to it, the rest skipped).
    pub fn for_each(
        &self,
        input: &mut dyn Read,
        hit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<Scanned> {
        let mut matched = 0u64;
        let mut counted = |line: &[u8]| {
            matched += 1;
            hit(line)
        };
        let (cut, _) = self.read_lines(input, &mut counted)?;
        Ok(Scanned { matched, cut })
    }

    /// [`LineFilter::for_each`] over a file, from where it stands to its
    /// end (where it is left). With a second core and a file of some
    /// megabytes, the file is cut in two at a line's start and both halves
    /// are read and scanned at once (reading a big file costs about as
    /// much as detecting levels in it): the second half on a thread of its
    /// own, its passing lines kept in bounded batches until the first half
    /// is done. `hit` is still called on this thread, in order.
    pub fn for_each_in_file(
        &self,
        file: &mut std::fs::File,
        hit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<Scanned> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let from = if cores >= 2 { SPLIT_FROM } else { u64::MAX };
        self.for_each_in_halves(file, hit, from)
    }

    /// [`LineFilter::for_each_in_file`], in two halves when the file has
    /// `split_from` bytes or more left.
    fn for_each_in_halves(
        &self,
        file: &mut std::fs::File,
        hit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
        split_from: u64,
    ) -> io::Result<Scanned> {
        use std::io::Seek;
        let start = file.stream_position()?;
        let meta = file.metadata()?;
        let left = meta.len().saturating_sub(start);
        let split = if meta.is_file() && left >= split_from {
            line_start_from(file, start + left / 2)?
        } else {
            None
        };
        let Some(split) = split else {
            return self.for_each(file, hit);
        };
        let file = &*file;
        let mut matched = 0u64;
        let mut counted = |line: &[u8]| {
            matched += 1;
            hit(line)
        };
        let cut = std::thread::scope(|scope| -> io::Result<_> {
            let (batches, passed) = mpsc::sync_channel::<Batch>(4);
            let second = scope.spawn(move || {
                let mut batch = Batch::default();
                let mut keep = |line: &[u8]| {
                    batch.push(line);
                    if batch.bytes.len() >= BATCH {
                        batches
                            .send(std::mem::take(&mut batch))
                            .map_err(|_| io::Error::other("the scan has ended"))?;
                    }
                    Ok(())
                };
                let mut region = Region::new(file, split, None);
                let scanned = self.read_lines(&mut region, &mut keep);
                // The last batch, even after an error (it comes first).
                let _ = batches.send(batch);
                scanned.map(|(cut, _)| (cut, region.at))
            });
            let (mut cut, first_lines) =
                self.read_lines(&mut Region::new(file, start, Some(split)), &mut counted)?;
            for batch in passed {
                batch.lines().try_for_each(&mut counted)?;
            }
            let (second_cut, read_to) = second
                .join()
                .map_err(|_| io::Error::other("the scanning thread stopped"))??;
            // Where one thread reading it all would have left the file.
            let mut at = file;
            at.seek(io::SeekFrom::Start(read_to))?;
            // The second half's line numbers count from the split.
            cut.extend(second_cut.into_iter().map(|c| CutLine {
                line: c.line + first_lines,
                ..c
            }));
            Ok(cut)
        })?;
        Ok(Scanned { matched, cut })
    }

    /// The reading half of [`LineFilter::for_each`]: big reads, cut at
    /// the last newline, whole lines scanned, passing lines to `hit`.
    /// Returns the lines cut, and how many newlines were read.
    fn read_lines(
        &self,
        input: &mut dyn Read,
        hit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<(Vec<CutLine>, u64)> {
        let mut cut = Vec::new();
        let mut buf = vec![0u8; READ.min(self.max_line)];
        // Bytes of an unfinished line kept at the front of `buf`.
        let mut kept = 0;
        // Newlines before `buf[0]`: the line there is number this + 1.
        let mut lines_before = 0u64;
        // The rest of a line longer than the cap, being skipped.
        let mut skipping: Option<CutLine> = None;
        loop {
            if kept == buf.len() {
                if buf.len() >= self.max_line {
                    // No newline in max_line bytes: examine them as the
                    // line, skip the rest of it.
                    self.scan(&buf[..kept], hit)?;
                    skipping = Some(CutLine {
                        line: lines_before + 1,
                        skipped: 0,
                    });
                    kept = 0;
                } else {
                    buf.resize((buf.len() * 2).min(self.max_line), 0);
                }
            }
            let n = match input.read(&mut buf[kept..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                match skipping {
                    Some(c) if c.skipped > 0 => cut.push(c),
                    Some(_) => {}
                    None if kept > 0 => self.scan(&buf[..kept], hit)?,
                    None => {}
                }
                break;
            }
            let mut filled = kept + n;
            if let Some(c) = skipping.as_mut() {
                // `kept` is 0 while skipping: the read is all this line's.
                let Some(nl) = memchr::memchr(b'\n', &buf[..filled]) else {
                    c.skipped += filled as u64;
                    continue;
                };
                c.skipped += nl as u64;
                if c.skipped > 0 {
                    cut.push(*c);
                }
                skipping = None;
                lines_before += 1;
                buf.copy_within(nl + 1..filled, 0);
                filled -= nl + 1;
            }
            match memchr::memrchr(b'\n', &buf[kept..filled]) {
                Some(p) => {
                    let end = kept + p + 1;
                    // Vectorised: costs little next to the search.
                    lines_before += memchr::memchr_iter(b'\n', &buf[..end]).count() as u64;
                    // Whole lines, without the final newline (so an empty
                    // last line is not invented).
                    self.scan(&buf[..end - 1], hit)?;
                    buf.copy_within(end..filled, 0);
                    kept = filled - end;
                }
                None => kept = filled,
            }
        }
        Ok((cut, lines_before))
    }

    /// How many lines of `input` pass (and which were cut).
    pub fn count(&self, input: &mut dyn Read) -> io::Result<Scanned> {
        self.for_each(input, &mut |_| Ok(()))
    }
}

/// Passing lines of the second half, kept until the first is done.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Batch {
    fn push(&mut self, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.ends.push(self.bytes.len());
    }

    fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(s, &e)| &self.bytes[s..e])
    }
}

/// A file's bytes from `at` up to `to` (None: its end, however far it
/// grows), read where asked, so two threads can read one file.
struct Region<'f> {
    file: &'f std::fs::File,
    at: u64,
    to: Option<u64>,
}

impl<'f> Region<'f> {
    fn new(file: &'f std::fs::File, at: u64, to: Option<u64>) -> Region<'f> {
        Region { file, at, to }
    }
}

impl Read for Region<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let want = match self.to {
            Some(to) => {
                usize::try_from(to.saturating_sub(self.at)).map_or(buf.len(), |n| n.min(buf.len()))
            }
            None => buf.len(),
        };
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Where the first line starting at or after `at` starts (just after a
/// newline), if one does before the end of `file`.
fn line_start_from(file: &std::fs::File, at: u64) -> io::Result<Option<u64>> {
    let mut window = vec![0u8; 64 << 10];
    // The byte before `at`: a newline there means a line starts at `at`.
    let mut from = at.saturating_sub(1);
    let mut region = Region::new(file, from, None);
    loop {
        let n = match region.read(&mut window) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(None);
        }
        if let Some(p) = memchr::memchr(b'\n', &window[..n]) {
            return Ok(Some(from + p as u64 + 1));
        }
        from += n as u64;
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
            .unwrap()
            .matched;
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
        assert_eq!(f.count(&mut Trickle(TEXT)).unwrap().matched, 3);
        let mut big = vec![b'x'; 3 * READ];
        big.extend_from_slice(b"ERROR\nERROR\n");
        assert_eq!(f.count(&mut &big[..]).unwrap().matched, 2);
        let all = LineFilter::new(None, false, None).unwrap();
        assert_eq!(all.count(&mut &b"a\n\nb\n"[..]).unwrap().matched, 3);
        assert_eq!(all.count(&mut &b""[..]).unwrap().matched, 0);
    }

    #[test]
    fn a_line_past_the_cap_is_examined_to_it_and_reported() {
        // Cap 8: line 2 is 22 bytes, line 4 too, with no newline (end of input).
        let input = b"ERROR a\nERROR 0123456789 ERROR\nWARN ok\nERROR tail with no end";
        let all = LineFilter::new(None, false, None).unwrap().with_max_line(8);
        let mut got = Vec::new();
        let s = all
            .for_each(&mut &input[..], &mut |l| {
                got.push(String::from_utf8_lossy(l).into_owned());
                Ok(())
            })
            .unwrap();
        assert_eq!(got, ["ERROR a", "ERROR 01", "WARN ok", "ERROR ta"]);
        assert_eq!(s.matched, 4, "a cut line counts once");
        assert_eq!(
            s.cut,
            [
                CutLine {
                    line: 2,
                    skipped: 14
                },
                CutLine {
                    line: 4,
                    skipped: 14
                }
            ]
        );
        // The same, read 7 bytes at a time, and filtered by level.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(7).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let errors = LineFilter::new(None, false, Some(Level::Error))
            .unwrap()
            .with_max_line(8);
        let s = errors.count(&mut Trickle(input)).unwrap();
        assert_eq!(s.matched, 3);
        assert_eq!(s.cut.iter().map(|c| c.line).collect::<Vec<_>>(), [2, 4]);
        // A line of exactly the cap is whole: nothing to report.
        let s = all.count(&mut &b"12345678\nx\n"[..]).unwrap();
        assert_eq!((s.matched, s.cut.len()), (2, 0));
    }

    #[test]
    fn the_second_thread_changes_nothing() {
        let mut big = vec![b'x'; 3 * READ + 5];
        big.extend_from_slice(b" ERROR\nlevel=error a\n\n[WARN] b\nERROR");
        let many: Vec<u8> = (0..200_000)
            .flat_map(|i| {
                format!("{i} {}\n", ["ERROR x", "info y", "[WARN] z"][i % 3]).into_bytes()
            })
            .collect();
        // A long line across the middle, and one in the second half.
        let mut long = many[..many.len() / 2 - 7].to_vec();
        long.extend_from_slice(&[b'e'; 40]);
        long.extend_from_slice(&many[many.len() / 2..]);
        long.extend_from_slice(b"ERROR 0123456789 0123456789\nlast");
        let inputs: [&[u8]; 7] = [
            TEXT,
            &big,
            &many,
            &long,
            b"",
            b"\n",
            b"ERROR a\nERROR 0123456789 ERROR\nx",
        ];
        let filters = [
            LineFilter::new(None, false, Some(Level::Error)).unwrap(),
            LineFilter::new(Some("ERROR"), false, None).unwrap(),
            LineFilter::new(Some("error|warn"), true, Some(Level::Warn)).unwrap(),
            LineFilter::new(None, false, None).unwrap().with_max_line(8),
            LineFilter::new(None, false, None)
                .unwrap()
                .with_max_line(READ + 3),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, input) in inputs.iter().enumerate() {
            let path = dir.path().join(format!("{i}.log"));
            std::fs::write(&path, input).unwrap();
            for f in &filters {
                let mut one = Vec::new();
                let whole = f
                    .for_each(&mut &input[..], &mut |l| {
                        one.push(l.to_vec());
                        Ok(())
                    })
                    .unwrap();
                let mut two = Vec::new();
                let mut file = std::fs::File::open(&path).unwrap();
                let halves = f
                    .for_each_in_halves(
                        &mut file,
                        &mut |l| {
                            two.push(l.to_vec());
                            Ok(())
                        },
                        0,
                    )
                    .unwrap();
                assert_eq!((halves, two), (whole, one), "input {i}, {f:?}");
                // Left at its end, as one thread reading it would leave it.
                use std::io::Seek;
                assert_eq!(file.stream_position().unwrap(), input.len() as u64);
            }
        }
        // A failing `hit` (a closed pipe) stops the scan with its error,
        // in the first half and in the second.
        let path = dir.path().join("2.log");
        let all = LineFilter::new(None, false, None).unwrap();
        for stop in [1000, 150_000] {
            let mut seen = 0;
            let err = all
                .for_each_in_halves(
                    &mut std::fs::File::open(&path).unwrap(),
                    &mut |_| {
                        seen += 1;
                        if seen == stop {
                            Err(io::Error::from(io::ErrorKind::BrokenPipe))
                        } else {
                            Ok(())
                        }
                    },
                    0,
                )
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            assert_eq!(seen, stop);
        }
    }
}
