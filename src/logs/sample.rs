//! A realistic sample log stream for the demo, tests and benchmarks: a
//! web API writing JSON lines, logfmt and plain `[WARN]` lines, with the
//! occasional "upstream timeout" or "connection reset". Deterministic for
//! a seed and a start time, so a test or a benchmark file is the same on
//! every machine.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::time::Millis;

/// A small, fast, seedable generator (SplitMix64): no dependency, same
/// numbers everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// How the stream looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleConfig {
    pub seed: u64,
    /// Time of the first line (ms since the epoch).
    pub start: Millis,
    /// Lines per second of simulated time (spacing of timestamps).
    pub lines_per_sec: u32,
    /// Errors per 10,000 lines (default 50 = 0.5%).
    pub errors_per_10k: u32,
    /// Warnings per 10,000 lines.
    pub warnings_per_10k: u32,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig {
            seed: 42,
            // 2026-11-26T14:00:00Z
            start: 1_795_701_600_000,
            lines_per_sec: 200,
            errors_per_10k: 50,
            warnings_per_10k: 300,
        }
    }
}

const PATHS: [&str; 8] = [
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "/api/v1/cart",
    "/api/v1/users/me",
    "/api/v1/search",
    "/healthz",
    "/api/v1/payments",
    "/static/app.js",
];
const METHODS: [&str; 4] = ["GET", "GET", "POST", "PUT"];
const UPSTREAMS: [&str; 4] = ["payments", "inventory", "search", "auth"];
const ERRORS: [&str; 6] = [
    "upstream timeout",
    "connection reset by peer",
    "upstream timeout",
    "database query failed: deadline exceeded",
    "connection reset by peer",
    "panic recovered: index out of range",
];
const WARNINGS: [&str; 5] = [
    "slow request",
    "retrying upstream call",
    "connection pool near capacity",
    "cache miss storm",
    "deprecated API version used",
];
const INFOS: [&str; 4] = [
    "request completed",
    "cache refreshed",
    "feature flag evaluated",
    "session renewed",
];

/// The generator: call [`SampleLog::next_line`] for each line.
#[derive(Debug, Clone)]
pub struct SampleLog {
    cfg: SampleConfig,
    rng: Rng,
    n: u64,
    line: String,
}

/// The kind of line to write next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Info,
    Warn,
    Error,
    Debug,
}

impl SampleLog {
    pub fn new(cfg: SampleConfig) -> SampleLog {
        SampleLog {
            rng: Rng::new(cfg.seed),
            cfg,
            n: 0,
            line: String::with_capacity(256),
        }
    }

    /// Change the error share from now on (the demo's bad canary).
    pub fn set_errors_per_10k(&mut self, e: u32) {
        self.cfg.errors_per_10k = e.min(10_000);
    }

    /// Lines written so far.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The simulated time of the next line.
    pub fn now(&self) -> Millis {
        self.cfg.start + (self.n * 1000 / u64::from(self.cfg.lines_per_sec.max(1))) as i64
    }

    /// The next line, without its newline. Borrowed: no allocation per
    /// line once warmed up.
    pub fn next_line(&mut self) -> &str {
        let at = self.now();
        self.n += 1;
        let roll = self.rng.below(10_000) as u32;
        let kind = if roll < self.cfg.errors_per_10k {
            Kind::Error
        } else if roll < self.cfg.errors_per_10k + self.cfg.warnings_per_10k {
            Kind::Warn
        } else if roll.is_multiple_of(10) {
            Kind::Debug
        } else {
            Kind::Info
        };
        let format = self.rng.below(3);
        self.line.clear();
        let ts = Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
        let req = self.rng.next_u64() & 0xffff_ffff;
        let path = *self.rng.pick(&PATHS);
        let method = *self.rng.pick(&METHODS);
        let ms = 2 + self
            .rng
            .below(if kind == Kind::Error { 30_000 } else { 400 });
        let upstream = *self.rng.pick(&UPSTREAMS);
        let (level, msg) = match kind {
            Kind::Error => ("error", *self.rng.pick(&ERRORS)),
            Kind::Warn => ("warn", *self.rng.pick(&WARNINGS)),
            Kind::Info => ("info", *self.rng.pick(&INFOS)),
            Kind::Debug => ("debug", "cache lookup"),
        };
        let status = match kind {
            Kind::Error => *self.rng.pick(&[502u16, 503, 504, 500]),
            _ => *self.rng.pick(&[200u16, 200, 200, 201, 204, 304, 404]),
        };
        let l = &mut self.line;
        // Writing to a String cannot fail.
        let _ = match format {
            0 => write!(
                l,
                r#"{{"ts":"{ts:.3}","level":"{level}","msg":"{msg}","req":"{req:08x}","method":"{method}","path":"{path}","status":{status},"ms":{ms},"upstream":"{upstream}"}}"#
            ),
            1 => write!(
                l,
                r#"ts={ts:.3} level={level} msg="{msg}" req={req:08x} method={method} path={path} status={status} ms={ms} upstream={upstream}"#
            ),
            _ => write!(
                l,
                "{ts:.3} [{}] {msg} req={req:08x} {method} {path} -> {status} in {ms}ms (upstream {upstream})",
                level.to_ascii_uppercase()
            ),
        };
        &self.line
    }

    /// Write `n` lines (each ending in a newline) to `out`.
    pub fn write_lines(&mut self, n: u64, out: &mut impl std::io::Write) -> std::io::Result<()> {
        for _ in 0..n {
            let line = self.next_line();
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::level::{self, Level};
    use crate::logs::time::{self, TimeContext};

    #[test]
    fn deterministic_for_a_seed() {
        let a: Vec<String> = {
            let mut g = SampleLog::new(SampleConfig::default());
            (0..50).map(|_| g.next_line().to_string()).collect()
        };
        let mut g = SampleLog::new(SampleConfig::default());
        let b: Vec<String> = (0..50).map(|_| g.next_line().to_string()).collect();
        assert_eq!(a, b);
        let mut other = SampleLog::new(SampleConfig {
            seed: 7,
            ..SampleConfig::default()
        });
        assert_ne!(a[0], other.next_line());
    }

    #[test]
    fn every_line_has_a_level_and_a_time_and_errors_are_rare() {
        let cfg = SampleConfig::default();
        let mut g = SampleLog::new(cfg);
        let ctx = TimeContext::utc_at(cfg.start);
        let mut errors = 0;
        let mut formats = [false; 3];
        for i in 0..20_000u64 {
            let at = g.now();
            let line = g.next_line();
            let lvl = level::detect(line.as_bytes());
            assert_ne!(lvl, Level::Unknown, "{line}");
            assert_eq!(time::detect(line.as_bytes(), &ctx), Some(at), "{line}");
            errors += usize::from(lvl == Level::Error);
            formats[0] |= line.starts_with('{');
            formats[1] |= line.starts_with("ts=");
            formats[2] |= line.contains("] ");
            if lvl == Level::Error {
                assert!(line.contains("ERROR") || line.contains("error"), "{line}");
            }
            let _ = i;
        }
        assert!((50..200).contains(&errors), "{errors}");
        assert!(formats.iter().all(|f| *f));
    }
}
