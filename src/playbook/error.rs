//! Playbook errors with a file, line and column, and the collector that
//! turns byte spans from the TOML parser into those positions.

use std::fmt;
use std::ops::Range;

/// One problem in a playbook file, pointing at the offending key or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {problem}")]
pub struct PlaybookError {
    /// The file as shown to people (`<built-in>` for embedded playbooks).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub problem: String,
}

/// Every problem found, in file and position order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlaybookErrors(pub Vec<PlaybookError>);

impl fmt::Display for PlaybookErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl PlaybookErrors {
    /// Sort by file then position, so people read them top to bottom.
    pub(super) fn sorted(mut self) -> Self {
        self.0
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        self
    }
}

/// Collects problems for one source text.
pub(super) struct Problems<'t> {
    file: String,
    text: &'t str,
    /// Byte offset where each line starts, so positions cost a binary
    /// search even when a broken file yields hundreds of problems.
    line_starts: Vec<usize>,
    found: Vec<PlaybookError>,
}

impl<'t> Problems<'t> {
    pub(super) fn new(file: String, text: &'t str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Problems {
            file,
            text,
            line_starts,
            found: Vec::new(),
        }
    }

    /// Record a problem at the start of `span`.
    pub(super) fn at(&mut self, span: Range<usize>, problem: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.found.push(PlaybookError {
            file: self.file.clone(),
            line,
            column,
            problem: problem.into(),
        });
    }

    /// 1-based line and column of a byte offset (clamped to the text).
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // The last line starting at or before `offset`; line_starts[0] == 0.
        let index = self
            .line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let line = index + 1;
        let line_start = self.line_starts.get(index).copied().unwrap_or(0);
        // Count characters, not bytes; an offset inside a character (never
        // produced by the parser) falls back to a byte count.
        let column = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub(super) fn into_errors(self) -> PlaybookErrors {
        PlaybookErrors(self.found).sorted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let p = Problems::new("f".into(), "ab\nçé = 1\n");
        assert_eq!(p.position(0), (1, 1));
        assert_eq!(p.position(3), (2, 1));
        // "çé" is four bytes, two characters.
        assert_eq!(p.position(7), (2, 3));
        assert_eq!(p.position(10_000), (3, 1));
        // Inside a character: no panic.
        assert_eq!(p.position(4), (2, 2));
    }

    #[test]
    fn errors_display_one_per_line() {
        let e = |line| PlaybookError {
            file: "a.toml".into(),
            line,
            column: 2,
            problem: "bad".into(),
        };
        let all = PlaybookErrors(vec![e(1), e(3)]);
        assert_eq!(all.to_string(), "a.toml:1:2: bad\na.toml:3:2: bad");
    }
}
