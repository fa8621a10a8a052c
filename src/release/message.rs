//! Parsing one commit message as a Conventional Commit.
//!
//! `type(scope)!: subject`, a body, and footers (`BREAKING CHANGE:`,
//! `BREAKING-CHANGE:`, `Release-As: x.y.z`, any `Token: value` or
//! `Token #value`). Parsing never fails: a message that is not conventional
//! becomes [`CommitKind::Other`], because real histories are full of
//! "Merge branch ...", "Revert ..." and "wip" commits and a release must
//! still be computable.
//!
//! The strict grammar is `git-conventional`'s. When it rejects a message
//! whose first line *is* a conventional header (typically a body that does
//! not start after a blank line), the header is still honoured and footers
//! are read from the last paragraph, so a sloppy `feat:` still counts.

use semver::Version;
use serde::Serialize;

/// What a commit means for the version, read from its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitKind {
    /// `feat` (or `feature`).
    Feature,
    /// `fix`.
    Fix,
    /// `perf`.
    Performance,
    /// Any other type (`docs`, `chore`, ...) and non-conventional messages.
    Other,
}

/// One footer (git trailer) of a commit message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Footer {
    pub token: String,
    pub value: String,
}

/// A commit message, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedMessage {
    /// The first line as written, e.g. `feat(api)!: add export`.
    pub header: String,
    /// Whether the first line is a conventional header.
    pub conventional: bool,
    pub kind: CommitKind,
    /// The conventional type as written (`feat`, `Docs`, ...).
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub scope: Option<String>,
    /// `!` after the type/scope, or a `BREAKING CHANGE` / `BREAKING-CHANGE` footer.
    pub breaking: bool,
    /// The footer's text, or the subject when only `!` was used.
    pub breaking_description: Option<String>,
    /// The description after `type: `, or the whole first line if not conventional.
    pub subject: String,
    pub body: Option<String>,
    pub footers: Vec<Footer>,
    /// A valid `Release-As:` footer (a leading `v` is accepted). An invalid
    /// one is ignored here but stays visible in `footers`.
    pub release_as: Option<Version>,
}

/// Parse a commit message. Never fails; see the module docs.
pub fn parse_message(message: &str) -> ParsedMessage {
    let message = message.trim_matches(|c| c == '\n' || c == '\r');
    let header = message.lines().next().unwrap_or_default().trim().to_owned();
    if let Ok(commit) = git_conventional::Commit::parse(message) {
        let footers: Vec<Footer> = commit
            .footers()
            .iter()
            .map(|f| Footer {
                token: f.token().as_str().to_owned(),
                value: f.value().to_owned(),
            })
            .collect();
        let type_ = commit.type_().as_str().to_owned();
        return ParsedMessage {
            header,
            conventional: true,
            kind: kind_of(&type_),
            scope: commit.scope().map(|s| s.as_str().to_owned()),
            breaking: commit.breaking(),
            breaking_description: commit.breaking_description().map(str::to_owned),
            subject: commit.description().to_owned(),
            body: commit.body().map(str::to_owned),
            release_as: release_as(&footers),
            footers,
            type_: Some(type_),
        };
    }
    lenient(message, header)
}

/// The fallback for messages the strict grammar rejects: honour a
/// conventional first line if there is one, read trailers by hand.
fn lenient(message: &str, header: String) -> ParsedMessage {
    let (first, rest) = match message.split_once('\n') {
        Some((first, rest)) => (first.trim_end_matches('\r'), rest),
        None => (message, ""),
    };
    let (body, footers) = split_trailers(rest);
    let footer_breaking = footers.iter().find(|f| is_breaking_token(&f.token));
    let release_as = release_as(&footers);
    match git_conventional::Commit::parse(first) {
        Ok(parsed) => {
            let type_ = parsed.type_().as_str().to_owned();
            let subject = parsed.description().to_owned();
            let breaking_description = footer_breaking
                .map(|f| f.value.clone())
                .or_else(|| parsed.breaking().then(|| subject.clone()));
            ParsedMessage {
                header,
                conventional: true,
                kind: kind_of(&type_),
                scope: parsed.scope().map(|s| s.as_str().to_owned()),
                breaking: breaking_description.is_some(),
                breaking_description,
                subject,
                body,
                footers,
                release_as,
                type_: Some(type_),
            }
        }
        Err(_) => ParsedMessage {
            header,
            conventional: false,
            kind: CommitKind::Other,
            type_: None,
            scope: None,
            breaking: footer_breaking.is_some(),
            breaking_description: footer_breaking.map(|f| f.value.clone()),
            subject: first.trim().to_owned(),
            body,
            footers,
            release_as,
        },
    }
}

fn kind_of(type_: &str) -> CommitKind {
    match type_.to_ascii_lowercase().as_str() {
        "feat" | "feature" => CommitKind::Feature,
        "fix" => CommitKind::Fix,
        "perf" => CommitKind::Performance,
        _ => CommitKind::Other,
    }
}

fn is_breaking_token(token: &str) -> bool {
    token == "BREAKING CHANGE" || token == "BREAKING-CHANGE"
}

/// The first `Release-As:` footer whose value parses as semver.
fn release_as(footers: &[Footer]) -> Option<Version> {
    footers
        .iter()
        .filter(|f| f.token.eq_ignore_ascii_case("release-as"))
        .find_map(|f| {
            let v = f.value.trim();
            Version::parse(v.strip_prefix('v').unwrap_or(v)).ok()
        })
}

/// Split what follows the first line into a body and trailers: the last
/// paragraph is a trailer block when each of its lines is `Token: value`,
/// `Token #value` or an indented continuation.
fn split_trailers(rest: &str) -> (Option<String>, Vec<Footer>) {
    let text = rest.trim_matches(|c: char| c == '\n' || c == '\r');
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    let Some(last) = paragraphs.last() else {
        return (None, Vec::new());
    };
    let mut footers: Vec<Footer> = Vec::new();
    let mut is_trailer_block = !last.trim().is_empty();
    for line in last.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(footer) = trailer_line(line) {
            footers.push(footer);
        } else if let (Some(prev), true) = (footers.last_mut(), line.starts_with([' ', '\t'])) {
            prev.value.push('\n');
            prev.value.push_str(line.trim());
        } else {
            is_trailer_block = false;
            break;
        }
    }
    let body_part = if is_trailer_block {
        paragraphs[..paragraphs.len() - 1].join("\n\n")
    } else {
        footers.clear();
        text.to_owned()
    };
    let body = Some(body_part.trim().to_owned()).filter(|b| !b.is_empty());
    (body, footers)
}

fn trailer_line(line: &str) -> Option<Footer> {
    let (token, value) = if let Some(value) = line.strip_prefix("BREAKING CHANGE:") {
        ("BREAKING CHANGE", value)
    } else {
        let end = line.find([':', ' '])?;
        let token = &line[..end];
        let value = line[end..]
            .strip_prefix(':')
            .or_else(|| line[end..].strip_prefix(" #"))?;
        let valid =
            !token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            return None;
        }
        (token, value)
    };
    Some(Footer {
        token: token.to_owned(),
        value: value.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_feature_with_scope() {
        let m = parse_message("feat(api): add export\n");
        assert!(m.conventional);
        assert_eq!(m.kind, CommitKind::Feature);
        assert_eq!(m.scope.as_deref(), Some("api"));
        assert_eq!(m.subject, "add export");
        assert!(!m.breaking);
        assert_eq!(m.header, "feat(api): add export");
    }

    #[test]
    fn bang_is_breaking() {
        let m = parse_message("fix!: drop the v1 endpoint");
        assert_eq!(m.kind, CommitKind::Fix);
        assert!(m.breaking);
        assert_eq!(
            m.breaking_description.as_deref(),
            Some("drop the v1 endpoint")
        );
        assert_eq!(m.header, "fix!: drop the v1 endpoint");
    }

    #[test]
    fn breaking_footers_both_spellings() {
        for token in ["BREAKING CHANGE", "BREAKING-CHANGE"] {
            let m = parse_message(&format!(
                "refactor(db): rename tables\n\nLong body.\n\n{token}: tables are renamed\n"
            ));
            assert!(m.breaking, "{token}");
            assert_eq!(
                m.breaking_description.as_deref(),
                Some("tables are renamed")
            );
            assert_eq!(m.body.as_deref(), Some("Long body."));
            assert_eq!(m.kind, CommitKind::Other);
        }
    }

    #[test]
    fn release_as_footer() {
        let m = parse_message("chore: release\n\nRelease-As: v2.0.0");
        assert_eq!(m.release_as, Some(Version::new(2, 0, 0)));
        let m = parse_message("chore: release\n\nrelease-as: 3.1.4-rc.1");
        assert_eq!(m.release_as, Some(Version::parse("3.1.4-rc.1").unwrap()));
        let bad = parse_message("chore: release\n\nRelease-As: soon");
        assert_eq!(bad.release_as, None);
        assert_eq!(bad.footers.len(), 1);
    }

    #[test]
    fn non_conventional_is_other_and_never_errors() {
        for msg in [
            "Merge branch 'feature/x'",
            "Merge pull request #12 from o/feat\n\nfeat: things",
            "Revert \"feat: add export\"\n\nThis reverts commit abc.",
            "fixup! fix: typo",
            "",
            "\n\n",
            "   ",
            "WIP",
            "feat add export",
            "feat(: broken",
        ] {
            let m = parse_message(msg);
            assert_eq!(m.kind, CommitKind::Other, "{msg:?}");
            assert!(!m.conventional, "{msg:?}");
            assert!(!m.breaking);
        }
    }

    #[test]
    fn unknown_type_is_conventional_other() {
        let m = parse_message("docs: explain tags");
        assert!(m.conventional);
        assert_eq!(m.kind, CommitKind::Other);
        assert_eq!(m.type_.as_deref(), Some("docs"));
    }

    #[test]
    fn missing_blank_line_still_honours_header_and_trailers() {
        let m = parse_message("feat: add thing\nmore detail here\n\nRelease-As: 1.0.0");
        assert!(m.conventional);
        assert_eq!(m.kind, CommitKind::Feature);
        assert_eq!(m.body.as_deref(), Some("more detail here"));
        assert_eq!(m.release_as, Some(Version::new(1, 0, 0)));
    }

    #[test]
    fn non_conventional_trailers_are_read() {
        let m = parse_message("Big rewrite\n\nBREAKING CHANGE: everything\nRelease-As: 5.0.0");
        assert!(!m.conventional);
        assert!(m.breaking);
        assert_eq!(m.release_as, Some(Version::new(5, 0, 0)));
        // A last paragraph of prose is a body, not trailers.
        let m = parse_message("Tidy\n\nThis fixes: the thing that broke.");
        assert!(m.footers.is_empty());
        assert_eq!(m.body.as_deref(), Some("This fixes: the thing that broke."));
    }

    #[test]
    fn case_insensitive_types_and_crlf() {
        let m = parse_message("FEAT(Api): shout\r\n\r\nbody\r\n");
        assert_eq!(m.kind, CommitKind::Feature);
        assert_eq!(m.scope.as_deref(), Some("Api"));
    }
}
