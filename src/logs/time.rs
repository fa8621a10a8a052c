//! Timestamps in log lines: RFC 3339 / ISO-ish prefixes, syslog
//! `Nov 26 14:03:11`, JSON `ts`/`time`/`timestamp` (strings or epoch
//! numbers) and logfmt `ts=`/`time=`.
//!
//! Pure and allocation-free. Zone-less times are read in the zone the
//! caller gives (the machine's, normally); syslog times have no year, so
//! the caller's "now" picks the year that puts them in the recent past.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil;
use jiff::tz::TimeZone;
use memchr::memmem::Finder;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// What a zone-less or year-less timestamp is read against.
#[derive(Debug, Clone)]
pub struct TimeContext {
    pub zone: TimeZone,
    /// Now; the year of syslog stamps is chosen so they are not more than
    /// a day in the future of this.
    pub now: Millis,
}

impl TimeContext {
    /// The machine's zone and clock.
    pub fn system() -> TimeContext {
        TimeContext {
            zone: TimeZone::system(),
            now: now_millis(),
        }
    }

    /// UTC at a fixed instant: for tests and reproducible runs.
    pub fn utc_at(now: Millis) -> TimeContext {
        TimeContext {
            zone: TimeZone::UTC,
            now,
        }
    }
}

/// The wall clock in milliseconds.
pub fn now_millis() -> Millis {
    Timestamp::now().as_millisecond()
}

/// An RFC 3339 instant (as the journal writes `at`) in milliseconds: the
/// step's start time for [`crate::logs::LogsModel::error_rate`].
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    s.trim()
        .parse::<Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// How far into a line a leading timestamp may start (after a syslog
/// `<PRI>`, a `[`, a container prefix).
const PREFIX_SCAN: usize = 48;

/// The time a line says it was written, if it says.
pub fn detect(line: &[u8], ctx: &TimeContext) -> Option<Millis> {
    let trimmed = skip_prefix_noise(line);
    if trimmed.first() == Some(&b'{') {
        return json_time(trimmed, ctx);
    }
    if let Some(t) = iso_at_start(trimmed, ctx) {
        return Some(t);
    }
    if let Some(t) = syslog_at_start(trimmed, ctx) {
        return Some(t);
    }
    if let Some(t) = logfmt_time(line, ctx) {
        return Some(t);
    }
    // An ISO stamp a little way in ("web-1 | 2024-11-26T…").
    let window = &line[..line.len().min(PREFIX_SCAN)];
    let mut from = 0;
    while let Some(p) = memchr::memchr2(b'1', b'2', &window[from..]) {
        let at = from + p;
        if let Some(t) = iso_at_start(&line[at..], ctx) {
            return Some(t);
        }
        from = at + 1;
    }
    None
}

/// Skip whitespace, a syslog `<PRI>` and an opening `[`.
fn skip_prefix_noise(line: &[u8]) -> &[u8] {
    let mut s = skip_ws(line);
    if s.first() == Some(&b'<')
        && let Some(end) = s.iter().take(5).position(|&b| b == b'>')
    {
        s = &s[end + 1..];
        // RFC 5424: `<PRI>1 2024-…`
        if let [b'1', b' ', rest @ ..] = s {
            s = rest;
        }
    }
    if let Some(rest) = s.strip_prefix(b"[") {
        s = rest;
    }
    s
}

const JSON_KEYS: [&[u8]; 5] = [
    b"\"ts\"",
    b"\"time\"",
    b"\"timestamp\"",
    b"\"@timestamp\"",
    b"\"t\"",
];

/// Searchers built once (building one costs more than a search).
static JSON_FINDERS: LazyLock<[Finder<'static>; JSON_KEYS.len()]> =
    LazyLock::new(|| JSON_KEYS.map(Finder::new));

fn json_time(line: &[u8], ctx: &TimeContext) -> Option<Millis> {
    for (key, finder) in JSON_KEYS.iter().zip(JSON_FINDERS.iter()) {
        let Some(pos) = finder.find(line) else {
            continue;
        };
        let rest = skip_ws(&line[pos + key.len()..]);
        let rest = skip_ws(rest.strip_prefix(b":")?);
        return match rest.first()? {
            b'"' => iso_at_start(&rest[1..], ctx),
            b'0'..=b'9' => epoch_number(rest),
            _ => None,
        };
    }
    None
}

const LOGFMT_KEYS: [&[u8]; 3] = [b"ts=", b"time=", b"timestamp="];

static LOGFMT_FINDERS: LazyLock<[Finder<'static>; LOGFMT_KEYS.len()]> =
    LazyLock::new(|| LOGFMT_KEYS.map(Finder::new));

fn logfmt_time(line: &[u8], ctx: &TimeContext) -> Option<Millis> {
    for (key, finder) in LOGFMT_KEYS.iter().zip(LOGFMT_FINDERS.iter()) {
        let Some(pos) = finder.find(line) else {
            continue;
        };
        if pos > 0 && !matches!(line[pos - 1], b' ' | b'\t') {
            continue;
        }
        let value = &line[pos + key.len()..];
        let value = value.strip_prefix(b"\"").unwrap_or(value);
        if let Some(t) = iso_at_start(value, ctx) {
            return Some(t);
        }
        if value.first().is_some_and(u8::is_ascii_digit) {
            return epoch_number(value);
        }
    }
    None
}

/// Epoch seconds (`1732629791`, `1732629791.123`) or milliseconds
/// (`1732629791123`), told apart by size.
fn epoch_number(s: &[u8]) -> Option<Millis> {
    let int_len = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    if int_len == 0 || int_len > 19 {
        return None;
    }
    let int: i64 = digits(&s[..int_len])?;
    if int_len >= 12 {
        // Milliseconds (or finer: micro/nanoseconds are scaled down).
        return Some(match int_len {
            12..=14 => int,
            15..=17 => int / 1_000,
            _ => int / 1_000_000,
        });
    }
    let mut ms = int.checked_mul(1000)?;
    if s.get(int_len) == Some(&b'.') {
        let frac = &s[int_len + 1..];
        let n = frac
            .iter()
            .take(3)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n > 0 {
            let mut f: i64 = digits(&frac[..n])?;
            for _ in n..3 {
                f *= 10;
            }
            ms += f;
        }
    }
    Some(ms)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` at the start of `s`.
fn iso_at_start(s: &[u8], ctx: &TimeContext) -> Option<Millis> {
    if s.len() < 19 {
        return None;
    }
    let b = s;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ' | b't') || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let year: i16 = digits(&b[0..4])?;
    let month: i8 = digits(&b[5..7])?;
    let day: i8 = digits(&b[8..10])?;
    let hour: i8 = digits(&b[11..13])?;
    let minute: i8 = digits(&b[14..16])?;
    let second: i8 = digits(&b[17..19])?;
    let mut i = 19;
    let mut millis: i64 = 0;
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = &b[start..i];
        let n = frac.len().min(3);
        if n > 0 {
            millis = digits(&frac[..n])?;
            for _ in n..3 {
                millis *= 10;
            }
        }
    }
    let dt = civil::DateTime::new(year, month, day, hour, minute, second.min(59), 0).ok()?;
    let offset_secs: Option<i32> = match b.get(i) {
        Some(b'Z' | b'z') => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (hh, mm) = match rest {
                [h1, h2, b':', m1, m2, ..] => (digits::<i32>(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                [h1, h2, m1, m2, ..] if [m1, m2].iter().all(|d| d.is_ascii_digit()) => {
                    (digits::<i32>(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                [h1, h2, ..] => (digits::<i32>(&[*h1, *h2])?, 0),
                _ => return None,
            };
            let secs = hh * 3600 + mm * 60;
            Some(if sign == b'-' { -secs } else { secs })
        }
        _ => None,
    };
    let secs = match offset_secs {
        Some(off) => {
            let utc = TimeZone::UTC.to_timestamp(dt).ok()?.as_second();
            utc - i64::from(off)
        }
        None => ctx.zone.to_timestamp(dt).ok()?.as_second(),
    };
    Some(secs * 1000 + millis)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `Nov 26 14:03:11` (day space-padded), in the context's zone and the
/// year that keeps it at most a day ahead of now.
fn syslog_at_start(s: &[u8], ctx: &TimeContext) -> Option<Millis> {
    if s.len() < 15 || s[3] != b' ' || s[6] != b' ' || s[9] != b':' || s[12] != b':' {
        return None;
    }
    let month = MONTHS.iter().position(|m| &s[..3] == *m)? as i8 + 1;
    let day_txt = if s[4] == b' ' { &s[5..6] } else { &s[4..6] };
    let day: i8 = digits(day_txt)?;
    let hour: i8 = digits(&s[7..9])?;
    let minute: i8 = digits(&s[10..12])?;
    let second: i8 = digits(&s[13..15])?;
    let now_year = Timestamp::from_millisecond(ctx.now)
        .ok()?
        .to_zoned_datetime(ctx.zone.clone())
        .year();
    for year in [now_year, now_year - 1] {
        let dt = civil::DateTime::new(year, month, day, hour, minute, second.min(59), 0).ok();
        let Some(ts) = dt.and_then(|dt| ctx.zone.to_timestamp(dt).ok()) else {
            continue;
        };
        let ms = ts.as_millisecond();
        if ms <= ctx.now + 86_400_000 {
            return Some(ms);
        }
    }
    None
}

fn digits<T: TryFrom<i64>>(s: &[u8]) -> Option<T> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = s.iter().try_fold(0i64, |acc, d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })?;
    T::try_from(v).ok()
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

    /// 2024-11-26T14:03:11Z
    const T: Millis = 1_732_629_791_000;

    fn ctx() -> TimeContext {
        TimeContext::utc_at(T + 3_600_000)
    }

    fn d(s: &str) -> Option<Millis> {
        detect(s.as_bytes(), &ctx())
    }

    #[test]
    fn iso_and_rfc3339() {
        assert_eq!(d("2024-11-26T14:03:11Z ERROR x"), Some(T));
        assert_eq!(d("2024-11-26T14:03:11.250Z x"), Some(T + 250));
        assert_eq!(d("2024-11-26 15:03:11+01:00 x"), Some(T));
        assert_eq!(d("2024-11-26T09:03:11-0500 x"), Some(T));
        assert_eq!(d("2024-11-26 14:03:11,5 x"), Some(T + 500));
        // No zone: the context's zone (UTC here).
        assert_eq!(d("[2024-11-26 14:03:11] x"), Some(T));
        assert_eq!(d("web-1  | 2024-11-26T14:03:11Z x"), Some(T));
        assert_eq!(d("2024-13-26T14:03:11Z"), None);
    }

    #[test]
    fn json_and_logfmt() {
        assert_eq!(
            d(r#"{"ts":"2024-11-26T14:03:11Z","level":"info"}"#),
            Some(T)
        );
        assert_eq!(d(r#"{"time":1732629791.5}"#), Some(T + 500));
        assert_eq!(d(r#"{"timestamp":1732629791000}"#), Some(T));
        assert_eq!(d(r#"{"msg":"none"}"#), None);
        assert_eq!(d("level=info ts=2024-11-26T14:03:11Z msg=x"), Some(T));
        assert_eq!(d("time=1732629791 msg=x"), Some(T));
    }

    #[test]
    fn syslog_picks_the_recent_year() {
        assert_eq!(d("Nov 26 14:03:11 host app[1]: x"), Some(T));
        assert_eq!(d("<3>Nov 26 14:03:11 host x"), Some(T));
        // Dec 31 seen on Nov 26 is last year's.
        let t = d("Dec 31 23:59:59 host x").unwrap();
        assert!(t < T, "{t}");
        assert_eq!(d("Foo 26 14:03:11 host"), None);
    }

    #[test]
    fn journal_instants_parse() {
        assert_eq!(parse_rfc3339("2024-11-26T14:03:11Z"), Some(T));
        assert_eq!(parse_rfc3339("2024-11-26T15:03:11.5+01:00"), Some(T + 500));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn junk_is_none() {
        for s in [
            "",
            "2024",
            "2024-11-26T",
            "{\"ts\":",
            "ts=",
            "\u{fffd}\u{fffd}",
        ] {
            assert_eq!(d(s), None, "{s}");
        }
    }
}
