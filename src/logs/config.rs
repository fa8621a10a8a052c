//! `[[logs]]` and `[log_buffer]` in `.greenlight.toml`.
//!
//! ```toml
//! [log_buffer]
//! lines = 100000            # lines the pane keeps (counts cover all)
//!
//! [[logs]]
//! name = "web-api"
//! file = "/var/log/web-api/current"   # followed like `tail -F`
//! color = "cyan"
//! backlog = 1000                       # lines shown from before the start
//!
//! [[logs]]
//! name = "pods"
//! command = "kubectl logs -f -l app=web-api"   # sh -c in the repo root
//! ```
//!
//! Unknown keys, a source with both or neither of `file` and `command`,
//! and unknown colours are errors that name the file, line and column
//! (through `config::parse_toml`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::buffer;

/// Colours a source may be given; the TUI maps them to its theme.
pub const COLORS: [&str; 8] = [
    "cyan", "magenta", "yellow", "green", "blue", "white", "gray", "red",
];

/// Lines a file source shows from before it started, by default.
pub const DEFAULT_BACKLOG: usize = 1000;

/// Where a source's lines come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A file, followed like `tail -F`.
    File(PathBuf),
    /// A command's stdout and stderr (`sh -c` in the repository root).
    Command(String),
}

/// One `[[logs]]` entry, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLogSource", into = "RawLogSource")]
pub struct LogSourceConfig {
    pub name: String,
    pub kind: SourceKind,
    /// Index into [`COLORS`], when one was chosen.
    pub color: Option<u8>,
    /// File sources: lines shown from before greenlight started.
    pub backlog: usize,
}

/// `[[logs]]` as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogSource {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backlog: Option<usize>,
}

impl TryFrom<RawLogSource> for LogSourceConfig {
    type Error = String;

    fn try_from(r: RawLogSource) -> Result<Self, Self::Error> {
        let name = r.name.trim().to_string();
        if name.is_empty() {
            return Err("a log source needs a `name`".into());
        }
        let kind = match (r.file, r.command) {
            (Some(f), None) => SourceKind::File(f),
            (None, Some(c)) if !c.trim().is_empty() => SourceKind::Command(c),
            (None, Some(_)) => return Err(format!("log source `{name}`: `command` is empty")),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "log source `{name}` has both `file` and `command`; give one (two sources if you need both)"
                ));
            }
            (None, None) => {
                return Err(format!(
                    "log source `{name}` needs `file = \"/path/to/log\"` or `command = \"…\"`"
                ));
            }
        };
        let color = match r.color {
            None => None,
            Some(c) => Some(
                COLORS
                    .iter()
                    .position(|k| k.eq_ignore_ascii_case(c.trim()))
                    .ok_or_else(|| {
                        format!(
                            "log source `{name}`: unknown color `{c}`; colors: {}",
                            COLORS.join(", ")
                        )
                    })? as u8,
            ),
        };
        if r.backlog.is_some() && matches!(kind, SourceKind::Command(_)) {
            return Err(format!(
                "log source `{name}`: `backlog` applies to files only"
            ));
        }
        Ok(LogSourceConfig {
            name,
            kind,
            color,
            backlog: r.backlog.unwrap_or(DEFAULT_BACKLOG),
        })
    }
}

impl From<LogSourceConfig> for RawLogSource {
    fn from(c: LogSourceConfig) -> Self {
        let (file, command) = match c.kind {
            SourceKind::File(f) => (Some(f), None),
            SourceKind::Command(cmd) => (None, Some(cmd)),
        };
        let is_file = file.is_some();
        RawLogSource {
            name: c.name,
            file,
            command,
            color: c
                .color
                .and_then(|i| COLORS.get(usize::from(i)))
                .map(|s| s.to_string()),
            backlog: is_file.then_some(c.backlog),
        }
    }
}

/// `[log_buffer]`: how much the logs pane keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogBufferConfig {
    /// Lines kept in memory; level counts and the error rate cover all.
    #[serde(default = "default_lines")]
    pub lines: usize,
}

fn default_lines() -> usize {
    buffer::DEFAULT_CAPACITY
}

impl Default for LogBufferConfig {
    fn default() -> Self {
        LogBufferConfig {
            lines: default_lines(),
        }
    }
}

/// What the logs read of the repository's configuration: `[[logs]]` and
/// `[log_buffer]`, and nothing else (`crate::config::RepoConfig::logs_config`
/// lends it).
#[derive(Debug, Clone, Copy)]
pub struct LogsConfig<'a> {
    pub sources: &'a [LogSourceConfig],
    pub buffer: LogBufferConfig,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RepoConfig, parse_toml};
    use std::path::Path;

    fn parse(text: &str) -> Result<RepoConfig, crate::config::ConfigError> {
        parse_toml(text, Path::new(".greenlight.toml"))
    }

    #[test]
    fn sources_and_buffer_size_parse() {
        let c = parse(
            "[log_buffer]\nlines = 5000\n\n[[logs]]\nname = \"web\"\nfile = \"/var/log/web.log\"\ncolor = \"Cyan\"\n\n[[logs]]\nname = \"pods\"\ncommand = \"kubectl logs -f x\"\n",
        )
        .unwrap();
        assert_eq!(c.log_buffer.lines, 5000);
        assert_eq!(c.logs.len(), 2);
        assert_eq!(c.logs[0].kind, SourceKind::File("/var/log/web.log".into()));
        assert_eq!(c.logs[0].color, Some(0));
        assert_eq!(c.logs[0].backlog, DEFAULT_BACKLOG);
        assert_eq!(
            c.logs[1].kind,
            SourceKind::Command("kubectl logs -f x".into())
        );
        assert_eq!(parse("").unwrap().log_buffer.lines, 100_000);
    }

    #[test]
    fn mistakes_name_the_line() {
        let err = parse("[[logs]]\nname = \"web\"\nfile = \"/x\"\nfiel = 1\n").unwrap_err();
        assert!(err.message.contains("unknown field `fiel`"), "{err}");
        assert_eq!(err.line, 4, "{err}");

        let err = parse("[project]\nname = \"x\"\n\n[[logs]]\nname = \"web\"\n").unwrap_err();
        assert!(err.message.contains("needs `file"), "{err}");
        assert_eq!(err.line, 4, "{err}");

        let err = parse("[[logs]]\nname = \"w\"\nfile = \"/x\"\ncommand = \"y\"\n").unwrap_err();
        assert!(err.message.contains("both `file` and `command`"), "{err}");

        let err = parse("[[logs]]\nname = \"w\"\nfile = \"/x\"\ncolor = \"puce\"\n").unwrap_err();
        assert!(err.message.contains("unknown color `puce`"), "{err}");

        let err = parse("[log_buffer]\nsize = 3\n").unwrap_err();
        assert!(err.message.contains("unknown field `size`"), "{err}");
    }
}
