//! What a person types to filter or search: a substring, or a regex
//! written between slashes (`/timeout|reset/`). Smart case: all lower
//! case matches any case; any upper-case letter makes it exact.

use std::fmt;
use std::ops::Range;

use memchr::memmem;
use regex::{Regex, RegexBuilder};

/// A filter or search pattern that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid pattern `{pattern}`: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

#[derive(Clone)]
enum Matcher {
    /// Exact substring: `memmem`, the fastest path.
    /// Boxed: a finder is large, and a pattern is made once.
    Literal(Box<memmem::Finder<'static>>),
    Regex(Regex),
}

/// A compiled pattern and the text it came from.
#[derive(Clone)]
pub struct Pattern {
    text: String,
    matcher: Matcher,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.text).finish()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// Regexes bigger than this are refused rather than stalling the screen.
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;

impl Pattern {
    /// `/re/` is a regex; anything else a substring.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        match text
            .strip_prefix('/')
            .and_then(|t| t.strip_suffix('/'))
            .filter(|t| !t.is_empty())
        {
            Some(re) => Pattern::regex(re).map(|p| Pattern {
                text: text.to_string(),
                ..p
            }),
            None => Ok(Pattern::literal(text)),
        }
    }

    /// A substring, smart case.
    pub fn literal(text: &str) -> Pattern {
        let matcher = if has_upper(text) || !text.chars().any(char::is_alphabetic) {
            Matcher::Literal(Box::new(memmem::Finder::new(text.as_bytes()).into_owned()))
        } else {
            match RegexBuilder::new(&regex::escape(text))
                .case_insensitive(true)
                .build()
            {
                Ok(re) => Matcher::Regex(re),
                // An escaped literal always compiles; stay exact if not.
                Err(_) => {
                    Matcher::Literal(Box::new(memmem::Finder::new(text.as_bytes()).into_owned()))
                }
            }
        };
        Pattern {
            text: text.to_string(),
            matcher,
        }
    }

    /// A regex, smart case.
    pub fn regex(re: &str) -> Result<Pattern, PatternError> {
        let compiled = RegexBuilder::new(re)
            .case_insensitive(!has_upper(re))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| PatternError {
                pattern: re.to_string(),
                reason: first_line(&e.to_string()),
            })?;
        Ok(Pattern {
            text: re.to_string(),
            matcher: Matcher::Regex(compiled),
        })
    }

    /// What was typed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        match &self.matcher {
            Matcher::Literal(f) => f.find(haystack.as_bytes()).is_some(),
            Matcher::Regex(re) => re.is_match(haystack),
        }
    }

    /// Byte ranges to highlight (non-empty matches only).
    pub fn find_ranges(&self, haystack: &str) -> Vec<Range<usize>> {
        match &self.matcher {
            Matcher::Literal(f) => {
                let n = f.needle().len();
                if n == 0 {
                    return Vec::new();
                }
                f.find_iter(haystack.as_bytes()).map(|s| s..s + n).collect()
            }
            Matcher::Regex(re) => re
                .find_iter(haystack)
                .map(|m| m.range())
                .filter(|r| !r.is_empty())
                .collect(),
        }
    }
}

fn has_upper(s: &str) -> bool {
    s.chars().any(char::is_uppercase)
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case_substrings() {
        let p = Pattern::parse("timeout").unwrap();
        assert!(p.is_match("upstream TIMEOUT"));
        let p = Pattern::parse("Timeout").unwrap();
        assert!(!p.is_match("upstream timeout"));
        assert!(p.is_match("Timeout!"));
        assert_eq!(p.find_ranges("a Timeout b Timeout"), vec![2..9, 12..19]);
    }

    #[test]
    fn slashes_make_a_regex() {
        let p = Pattern::parse("/time(out)?|reset/").unwrap();
        assert!(p.is_match("connection RESET by peer"));
        assert_eq!(p.as_str(), "/time(out)?|reset/");
        let err = Pattern::parse("/a(/").unwrap_err();
        assert!(err.to_string().contains("invalid pattern"), "{err}");
        // A lone slash is a substring.
        assert!(Pattern::parse("/").unwrap().is_match("a/b"));
    }
}
