//! Who may sign: an allowed-signers file in git's (and `ssh-keygen -Y
//! verify`'s) format, so the file a team already keeps for signed commits
//! names greenlight's signers too.
//!
//! Each line is `principals [options] keytype base64-key [comment]`:
//! principals are comma-separated patterns (`*` and `?` wildcards, `!`
//! negates) matched against an email; options are `namespaces="a,b"`,
//! `valid-after="YYYYMMDD[HHMM[SS]][Z]"`, `valid-before=…` and
//! `cert-authority` (certificates are not supported: such a line is
//! reported and skipped). Blank lines and `#` comments are ignored.

use ssh_key::PublicKey;

/// One usable line of the file.
#[derive(Debug, Clone)]
pub struct Signer {
    /// 1-based line number, for messages.
    pub line: usize,
    pub principals: Vec<String>,
    /// `None`: any namespace.
    pub namespaces: Option<Vec<String>>,
    pub valid_after: Option<jiff::Timestamp>,
    pub valid_before: Option<jiff::Timestamp>,
    pub key: PublicKey,
    /// `SHA256:…` of `key`: what an event names as its signer.
    pub fingerprint: String,
}

/// A parsed allowed-signers file: the usable lines and the problems of the
/// others (`file:line: why`), which never stop the rest from being used.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    pub signers: Vec<Signer>,
    pub problems: Vec<String>,
}

/// Why a key may not sign as a person, in words for `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAllowed {
    #[error("key {fingerprint} is not in the allowed signers")]
    UnknownKey { fingerprint: String },
    #[error("key {fingerprint} may sign as {principals}, not as {email}")]
    NotPrincipal {
        fingerprint: String,
        email: String,
        principals: String,
    },
    #[error("key {fingerprint} is not allowed to sign in namespace `{namespace}`")]
    Namespace {
        fingerprint: String,
        namespace: String,
    },
    #[error("key {fingerprint} is not valid for {email} at {at} ({why})")]
    Expired {
        fingerprint: String,
        email: String,
        at: String,
        why: String,
    },
}

impl AllowedSigners {
    /// Parse `text`, naming `origin` (a path, or `HEAD:.greenlight/…`) in
    /// problems.
    pub fn parse(text: &str, origin: &str) -> AllowedSigners {
        let mut out = AllowedSigners::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line, i + 1) {
                Ok(Some(s)) => out.signers.push(s),
                Ok(None) => {}
                Err(why) => {
                    out.problems
                        .push(format!("{origin}:{}: {}", i + 1, crate::text::escape(&why)))
                }
            }
        }
        out
    }

    /// The key an event names by its fingerprint, if the file holds it.
    pub fn key_for(&self, fingerprint: &str) -> Option<&PublicKey> {
        self.signers
            .iter()
            .find(|s| s.fingerprint == fingerprint)
            .map(|s| &s.key)
    }

    /// The principals `key` may sign as in `namespace` at `at` (for the
    /// verify report: which key maps to whom).
    pub fn principals_of(
        &self,
        key: &PublicKey,
        namespace: &str,
        at: Option<jiff::Timestamp>,
    ) -> Vec<String> {
        self.signers
            .iter()
            .filter(|s| s.key.key_data() == key.key_data())
            .filter(|s| s.allows_namespace(namespace) && s.valid_at(at).is_ok())
            .flat_map(|s| s.principals.iter().cloned())
            .collect()
    }

    /// May `key` sign as `email` in `namespace` at `at`? As `ssh-keygen -Y
    /// verify -I email` decides: some line with this key must match the
    /// principal, allow the namespace and be valid at that time.
    pub fn check(
        &self,
        key: &PublicKey,
        email: &str,
        namespace: &str,
        at: Option<jiff::Timestamp>,
    ) -> Result<(), NotAllowed> {
        let fingerprint = key.fingerprint(ssh_key::HashAlg::Sha256).to_string();
        let lines: Vec<&Signer> = self
            .signers
            .iter()
            .filter(|s| s.key.key_data() == key.key_data())
            .collect();
        if lines.is_empty() {
            return Err(NotAllowed::UnknownKey { fingerprint });
        }
        let for_email: Vec<&&Signer> = lines
            .iter()
            .filter(|s| principal_matches(&s.principals, email))
            .collect();
        if for_email.is_empty() {
            let mut principals: Vec<String> = lines
                .iter()
                .flat_map(|s| s.principals.iter().cloned())
                .collect();
            principals.dedup();
            return Err(NotAllowed::NotPrincipal {
                fingerprint,
                email: email.to_string(),
                principals: principals.join(", "),
            });
        }
        let in_namespace: Vec<&&&Signer> = for_email
            .iter()
            .filter(|s| s.allows_namespace(namespace))
            .collect();
        if in_namespace.is_empty() {
            return Err(NotAllowed::Namespace {
                fingerprint,
                namespace: namespace.to_string(),
            });
        }
        let mut why = String::new();
        for s in in_namespace {
            match s.valid_at(at) {
                Ok(()) => return Ok(()),
                Err(w) => why = w,
            }
        }
        Err(NotAllowed::Expired {
            fingerprint,
            email: email.to_string(),
            at: at.map(|t| t.to_string()).unwrap_or_default(),
            why,
        })
    }
}

impl Signer {
    fn allows_namespace(&self, namespace: &str) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|ns| ns.iter().any(|n| pattern_matches(n, namespace)))
    }

    /// Valid at `at` (an event's time); without a time only lines with no
    /// validity window apply.
    fn valid_at(&self, at: Option<jiff::Timestamp>) -> Result<(), String> {
        if self.valid_after.is_none() && self.valid_before.is_none() {
            return Ok(());
        }
        let Some(at) = at else {
            return Err("the event has no readable time".into());
        };
        if let Some(after) = self.valid_after
            && at < after
        {
            return Err(format!("valid only after {after} (line {})", self.line));
        }
        if let Some(before) = self.valid_before
            && at >= before
        {
            return Err(format!("valid only before {before} (line {})", self.line));
        }
        Ok(())
    }
}

/// Key types OpenSSH writes in the key field (what tells options apart
/// from the key).
fn is_key_type(word: &str) -> bool {
    word.starts_with("ssh-")
        || word.starts_with("ecdsa-sha2-")
        || word.starts_with("sk-ssh-")
        || word.starts_with("sk-ecdsa-")
}

/// One non-comment line; `Ok(None)` for a line that is valid but unused
/// (a certificate authority).
fn parse_line(line: &str, number: usize) -> Result<Option<Signer>, String> {
    let (principals, rest) = split_token(line);
    if principals.is_empty() || rest.is_empty() {
        return Err("expected `principals [options] keytype key`".into());
    }
    let (second, after_second) = split_token(rest);
    let (options, key_text) = if is_key_type(second) {
        ("", rest)
    } else {
        (second, after_second)
    };
    let mut signer_opts = Options::default();
    for opt in split_options(options)? {
        signer_opts.apply(&opt)?;
    }
    if signer_opts.cert_authority {
        return Err(
            "cert-authority lines are not supported by greenlight (list each person's key instead)"
                .into(),
        );
    }
    let (kind, after_kind) = split_token(key_text);
    let (blob, _comment) = split_token(after_kind);
    if !is_key_type(kind) || blob.is_empty() {
        return Err(format!("`{kind}` is not a key type this file can hold"));
    }
    let key = PublicKey::from_openssh(&format!("{kind} {blob}"))
        .map_err(|e| format!("the {kind} key does not decode: {e}"))?;
    Ok(Some(Signer {
        line: number,
        principals: principals
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        namespaces: signer_opts.namespaces,
        valid_after: signer_opts.valid_after,
        valid_before: signer_opts.valid_before,
        fingerprint: key.fingerprint(ssh_key::HashAlg::Sha256).to_string(),
        key,
    }))
}

#[derive(Default)]
struct Options {
    cert_authority: bool,
    namespaces: Option<Vec<String>>,
    valid_after: Option<jiff::Timestamp>,
    valid_before: Option<jiff::Timestamp>,
}

impl Options {
    fn apply(&mut self, opt: &str) -> Result<(), String> {
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(unquote(v)?)),
            None => (opt, None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", None) => self.cert_authority = true,
            ("namespaces", Some(v)) => {
                self.namespaces = Some(v.split(',').map(|s| s.trim().to_string()).collect())
            }
            ("valid-after", Some(v)) => self.valid_after = Some(parse_time(&v)?),
            ("valid-before", Some(v)) => self.valid_before = Some(parse_time(&v)?),
            (other, _) => return Err(format!("unknown option `{other}`")),
        }
        Ok(())
    }
}

/// The first whitespace-separated token (quotes keep spaces inside) and
/// the rest, trimmed.
fn split_token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (&s[..i], s[i..].trim_start()),
            _ => {}
        }
    }
    (s, "")
}

/// `a,b="x,y",c` split on commas outside quotes.
fn split_options(s: &str) -> Result<Vec<String>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("an option's quote is not closed".into());
    }
    out.push(cur);
    Ok(out)
}

fn unquote(v: &str) -> Result<String, String> {
    match v.strip_prefix('"') {
        Some(inner) => inner
            .strip_suffix('"')
            .map(str::to_string)
            .ok_or_else(|| "an option's quote is not closed".to_string()),
        None => Ok(v.to_string()),
    }
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, with `Z` for UTC; as
/// for `ssh-keygen`, a time without `Z` is the local time zone.
fn parse_time(v: &str) -> Result<jiff::Timestamp, String> {
    let bad = || format!("`{v}` is not a time (YYYYMMDD[HHMM[SS]][Z])");
    let (digits, utc) = match v.strip_suffix(['Z', 'z']) {
        Some(d) => (d, true),
        None => (v, false),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i32, String> {
        digits.get(r).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let (h, m, s) = match digits.len() {
        8 => (0, 0, 0),
        12 => (num(8..10)?, num(10..12)?, 0),
        14 => (num(8..10)?, num(10..12)?, num(12..14)?),
        _ => return Err(bad()),
    };
    let civil = jiff::civil::DateTime::new(
        i16::try_from(num(0..4)?).map_err(|_| bad())?,
        i8::try_from(num(4..6)?).map_err(|_| bad())?,
        i8::try_from(num(6..8)?).map_err(|_| bad())?,
        i8::try_from(h).map_err(|_| bad())?,
        i8::try_from(m).map_err(|_| bad())?,
        i8::try_from(s).map_err(|_| bad())?,
        0,
    )
    .map_err(|_| bad())?;
    let zone = if utc {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::system()
    };
    zone.to_ambiguous_zoned_datetime(civil)
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|_| bad())
}

/// Does any of `patterns` match `name`? A match on a negated pattern
/// (`!pat`) refuses whatever else matched, as in OpenSSH.
fn principal_matches(patterns: &[String], name: &str) -> bool {
    let mut matched = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if pattern_matches(neg, name) {
                return false;
            }
        } else if pattern_matches(p, name) {
            matched = true;
        }
    }
    matched
}

/// OpenSSH's pattern: `*` any run, `?` any one character, case-sensitive.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative wildcard match with backtracking to the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK9RwdLNAF4/LjHmYpCLo2lY3w1j/H2xa6ZlFWAb6Rqa";
    const OTHER: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHPIIcSdVCG2Umr0tYVjTwWQnSVLPkexw+zV16KX0CLk";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    fn at(s: &str) -> Option<jiff::Timestamp> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn principals_namespaces_and_validity_decide() {
        let text = format!(
            "# the team\n\
             pat@example.com,pm@example.com namespaces=\"greenlight,git\" {KEY} pat laptop\n\
             *@ops.example.com,!mallory@ops.example.com valid-after=\"20260101Z\",valid-before=\"20270101Z\" {OTHER}\n"
        );
        let a = AllowedSigners::parse(&text, "allowed_signers");
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        assert_eq!(a.signers.len(), 2);
        let k = key(KEY);
        assert_eq!(a.check(&k, "pat@example.com", "greenlight", None), Ok(()));
        assert_eq!(a.check(&k, "pm@example.com", "git", None), Ok(()));
        assert!(matches!(
            a.check(&k, "dana@example.com", "greenlight", None),
            Err(NotAllowed::NotPrincipal { .. })
        ));
        assert!(matches!(
            a.check(&k, "pat@example.com", "file", None),
            Err(NotAllowed::Namespace { .. })
        ));
        let o = key(OTHER);
        assert_eq!(
            a.check(
                &o,
                "sre@ops.example.com",
                "greenlight",
                at("2026-11-27T10:00:00Z")
            ),
            Ok(())
        );
        assert!(matches!(
            a.check(
                &o,
                "mallory@ops.example.com",
                "greenlight",
                at("2026-11-27T10:00:00Z")
            ),
            Err(NotAllowed::NotPrincipal { .. })
        ));
        assert!(matches!(
            a.check(
                &o,
                "sre@ops.example.com",
                "greenlight",
                at("2027-02-01T00:00:00Z")
            ),
            Err(NotAllowed::Expired { .. })
        ));
        assert_eq!(
            a.principals_of(&k, "greenlight", None),
            vec!["pat@example.com", "pm@example.com"]
        );
    }

    #[test]
    fn unknown_keys_and_broken_lines_are_named() {
        let text = format!(
            "pat@example.com {KEY}\nbroken\nx@y cert-authority {OTHER}\nz@y bogus=1 {OTHER}\nq@y ssh-ed25519 notbase64!\n"
        );
        let a = AllowedSigners::parse(&text, "f");
        assert_eq!(a.signers.len(), 1);
        assert_eq!(a.problems.len(), 4, "{:?}", a.problems);
        assert!(a.problems[0].starts_with("f:2: "), "{:?}", a.problems);
        assert!(a.problems[1].contains("cert-authority"));
        assert!(a.problems[2].contains("unknown option `bogus`"));
        assert!(matches!(
            a.check(&key(OTHER), "pat@example.com", "greenlight", None),
            Err(NotAllowed::UnknownKey { .. })
        ));
    }

    #[test]
    fn patterns_match_as_openssh_does() {
        assert!(pattern_matches("*@example.com", "pat@example.com"));
        assert!(pattern_matches("p?t@*", "pat@x"));
        assert!(!pattern_matches("p?t@*", "paat@x"));
        assert!(pattern_matches("*", ""));
        assert!(!pattern_matches("a", "A"));
        assert!(principal_matches(&["a*".into(), "!ab".into()], "ac"));
        assert!(!principal_matches(&["a*".into(), "!ab".into()], "ab"));
    }

    #[test]
    fn times_parse_with_and_without_seconds() {
        assert_eq!(
            parse_time("20260102Z").unwrap(),
            "2026-01-02T00:00:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(
            parse_time("202601021530Z").unwrap(),
            "2026-01-02T15:30:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(
            parse_time("20260102153045Z").unwrap(),
            "2026-01-02T15:30:45Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert!(parse_time("2026").is_err());
        assert!(parse_time("20261302Z").is_err());
    }
}
