//! A log line taken apart for reading: its message first, the other
//! fields after it. JSON objects and logfmt give their `msg`/`message`
//! field and the rest as `key=value`; the time and level fields are left
//! out (a reader shows them in their own columns). Other lines give their
//! text after a leading timestamp and level word. Pure; nothing here
//! knows of a terminal.

use std::borrow::Cow;

/// Keys that hold the message.
const MESSAGE_KEYS: [&str; 4] = ["msg", "message", "MESSAGE", "Message"];
/// Keys that hold the time or the level (shown in columns of their own).
const SKIPPED_KEYS: [&str; 10] = [
    "ts",
    "time",
    "timestamp",
    "@timestamp",
    "level",
    "lvl",
    "severity",
    "LEVEL",
    "log.level",
    "t",
];

/// What a reader sees of a line: the message, and the other fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts<'a> {
    pub message: Cow<'a, str>,
    /// `key=value` pairs, in the line's order.
    pub fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// Take `text` apart (see the module comment). A line with no structure
/// is its own message.
pub fn split(text: &str) -> Parts<'_> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{')
        && let Some(p) = json(trimmed)
    {
        return p;
    }
    if let Some(p) = logfmt(text) {
        return p;
    }
    Parts {
        message: Cow::Borrowed(plain(text)),
        fields: Vec::new(),
    }
}

/// A JSON object's members in the line's order (serde_json's map sorts
/// them).
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = a.next_entry()? {
                    out.push(pair);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

fn json(text: &str) -> Option<Parts<'_>> {
    let Ordered(map) = serde_json::from_str(text).ok()?;
    let mut message = None;
    let mut fields = Vec::new();
    for (k, v) in map {
        let value = match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        if message.is_none() && MESSAGE_KEYS.contains(&k.as_str()) {
            message = Some(value);
        } else if !SKIPPED_KEYS.contains(&k.as_str()) {
            fields.push((Cow::Owned(k), Cow::Owned(value)));
        }
    }
    Some(Parts {
        message: Cow::Owned(message.unwrap_or_default()),
        fields,
    })
}

/// `key=value key="quoted value"` with at least a message or two pairs.
fn logfmt(text: &str) -> Option<Parts<'_>> {
    let mut pairs = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = &rest[..eq];
        if key.is_empty() || key.contains(char::is_whitespace) || key.contains('"') {
            return None;
        }
        rest = &rest[eq + 1..];
        let value: Cow<str>;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in quoted.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let end = end?;
            let raw = &quoted[..end];
            value = if raw.contains('\\') {
                Cow::Owned(raw.replace("\\\"", "\"").replace("\\\\", "\\"))
            } else {
                Cow::Borrowed(raw)
            };
            rest = &quoted[end + 1..];
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            value = Cow::Borrowed(&rest[..end]);
            rest = &rest[end..];
        }
        pairs.push((key, value));
        rest = rest.trim_start();
    }
    let has_message = pairs.iter().any(|(k, _)| MESSAGE_KEYS.contains(k));
    if !has_message && pairs.len() < 2 {
        return None;
    }
    let mut message = None;
    let mut fields = Vec::new();
    for (k, v) in pairs {
        if message.is_none() && MESSAGE_KEYS.contains(&k) {
            message = Some(v);
        } else if !SKIPPED_KEYS.contains(&k) {
            fields.push((Cow::Borrowed(k), v));
        }
    }
    Some(Parts {
        message: message.unwrap_or_default(),
        fields,
    })
}

/// A plain line without its leading timestamp and level word (shown in
/// their own columns): `2026-11-27T09:49:53Z [ERROR] upstream timeout` →
/// `upstream timeout`.
fn plain(text: &str) -> &str {
    let mut rest = text.trim_start();
    let first = rest.split_whitespace().next().unwrap_or("");
    let looks_like_time = first.len() >= 8
        && first.as_bytes()[0].is_ascii_digit()
        && (first.contains(':') || first.contains('-'))
        && first
            .bytes()
            .all(|b| b.is_ascii_digit() || b":-.TZ+,".contains(&b));
    if looks_like_time {
        rest = rest[first.len()..].trim_start();
        // A date then a time ("2026-11-27 09:49:53.279").
        let next = rest.split_whitespace().next().unwrap_or("");
        if next.len() >= 5
            && next.as_bytes()[0].is_ascii_digit()
            && next.contains(':')
            && next
                .bytes()
                .all(|b| b.is_ascii_digit() || b":.,Z+-".contains(&b))
        {
            rest = rest[next.len()..].trim_start();
        }
    }
    let word = rest.split_whitespace().next().unwrap_or("");
    let bare = word
        .trim_matches(|c| c == '[' || c == ']' || c == ':')
        .to_ascii_uppercase();
    if matches!(
        bare.as_str(),
        "ERROR" | "ERR" | "WARN" | "WARNING" | "INFO" | "DEBUG" | "TRACE" | "FATAL" | "CRITICAL"
    ) {
        rest = rest[word.len()..].trim_start();
    }
    if rest.is_empty() { text } else { rest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(p: &Parts) -> Vec<String> {
        p.fields.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    #[test]
    fn json_gives_its_message_first_and_leaves_time_and_level_out() {
        let p = split(
            r#"{"ts":"2026-11-27T09:49:53.279Z","level":"debug","msg":"cache hit","route":"/api/orders","ms":3}"#,
        );
        assert_eq!(p.message, "cache hit");
        assert_eq!(fields(&p), ["route=/api/orders", "ms=3"]);
        let p = split(r#"{"message":"boom","err":{"code":5}}"#);
        assert_eq!(p.message, "boom");
        assert_eq!(fields(&p), [r#"err={"code":5}"#]);
    }

    #[test]
    fn logfmt_gives_its_message_first() {
        let p =
            split(r#"ts=2026-11-27T09:49:53Z level=warn msg="slow \"query\"" db=orders ms=812"#);
        assert_eq!(p.message, r#"slow "query""#);
        assert_eq!(fields(&p), ["db=orders", "ms=812"]);
    }

    #[test]
    fn plain_lines_lose_their_leading_time_and_level_only() {
        assert_eq!(
            split("2026-11-27T09:49:53.279Z [ERROR] upstream timeout").message,
            "upstream timeout"
        );
        assert_eq!(
            split("2026-11-27 09:49:53,279 WARN disk 91%").message,
            "disk 91%"
        );
        assert_eq!(split("a=b is not logfmt").message, "a=b is not logfmt");
        assert_eq!(split("just text").message, "just text");
        assert_eq!(split("{not json").message, "{not json");
    }
}
