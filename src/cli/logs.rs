//! `greenlight logs`: read, filter and follow logs headless, for on-call
//! use and scripts. Files are scanned with the fast whole-buffer search
//! of `logs::grep`; `--follow` uses the same sources as the logs pane.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use super::Global;
use super::out::esayln;
use super::step_run::{cancel_on_interrupt, unless_ended};
use crate::exec::{self, CancelToken, ExecSpec, Stream};
use crate::logs::Level;
use crate::logs::config::SourceKind;
use crate::logs::feed::{self, LogMsg};
use crate::logs::grep::{CutLine, LineFilter, Scanned};
use crate::logs::line::{LineSplitter, MAX_LINE_BYTES, SourceId};
use crate::logs::source::{self, SourceHandle, SourceSpec};
use crate::text;
use crate::workspace::Workspace;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when a line matched, 1 when none did, 2 on an error (like grep).\n\
With no FILE and no --cmd, the repository's [[logs]] sources from .greenlight.toml are read.\n\n\
Examples:\n  greenlight logs --grep ERROR --count /var/log/web-api/current\n  \
greenlight logs --level error --follow /var/log/web-api/current\n  \
greenlight logs --follow --cmd 'kubectl logs -f -l app=web-api' --grep 'timeout|reset'"
)]
pub struct LogsArgs {
    /// Log files to read (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Run a command (sh -c) and read its stdout and stderr; repeatable.
    #[arg(long = "cmd", value_name = "CMD")]
    pub cmds: Vec<String>,
    /// Keep reading: files like `tail -F` (rotation, truncation, files that
    /// do not exist yet), commands until they end. Ctrl-C stops.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only lines matching this regex (a plain word is searched as a string).
    #[arg(short = 'e', long, value_name = "RE")]
    pub grep: Option<String>,
    /// Match --grep in any case.
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// Only lines at this level or worse, in any format (JSON, logfmt,
    /// [ERROR], syslog <3>…): error (error and fatal), warn, info, debug.
    #[arg(short = 'l', long, value_name = "LEVEL")]
    pub level: Option<Level>,
    /// Print how many lines match (per file when several) instead of them.
    #[arg(short = 'c', long, conflicts_with = "follow")]
    pub count: bool,
    /// With --follow: start with each file's last N lines.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    pub lines: usize,
}

/// One thing to read.
enum Input {
    File(PathBuf),
    Stdin,
    Command(String),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "(standard input)".into(),
            Input::Command(c) => c.clone(),
        }
    }
}

pub fn run(g: &Global, a: LogsArgs) -> Result<ExitCode> {
    let filter = LineFilter::new(a.grep.as_deref(), a.ignore_case, a.level)?;
    let cwd = match &g.repo {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let mut inputs: Vec<(String, Input)> = Vec::new();
    for f in &a.files {
        let input = if f.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(f.clone())
        };
        inputs.push((input.name(), input));
    }
    for c in &a.cmds {
        inputs.push((c.clone(), Input::Command(c.clone())));
    }
    let mut root = cwd.clone();
    if inputs.is_empty() {
        let ws = g.workspace().wrap_err(
            "no FILE or --cmd given, and the repository's [[logs]] sources could not be read",
        )?;
        root = ws.repo.root.clone();
        inputs = configured(&ws)?;
    }
    if a.follow {
        follow(&filter, inputs, &root, a.lines)
    } else {
        scan(&filter, inputs, &root, a.count)
    }
}

fn configured(ws: &Workspace) -> Result<Vec<(String, Input)>> {
    if ws.config.logs.is_empty() {
        bail!(
            "no FILE or --cmd given, and {} has no [[logs]] sources; name a file, or add one:\n\n[[logs]]\nname = \"web-api\"\nfile = \"/var/log/web-api/current\"",
            crate::config::RepoConfig::FILE
        );
    }
    Ok(ws
        .config
        .logs
        .iter()
        .map(|l| {
            let input = match &l.kind {
                SourceKind::File(p) => Input::File(ws.repo.root.join(p)),
                SourceKind::Command(c) => Input::Command(c.clone()),
            };
            (l.name.clone(), input)
        })
        .collect())
}

/// Read every input to its end; print matching lines or counts.
fn scan(
    filter: &LineFilter,
    inputs: Vec<(String, Input)>,
    cwd: &std::path::Path,
    count: bool,
) -> Result<ExitCode> {
    let several = inputs.len() > 1;
    let cancel = CancelToken::new();
    if inputs.iter().any(|(_, i)| matches!(i, Input::Command(_))) {
        // Ctrl-C stops the command (its whole group), not just us.
        cancel_on_interrupt(cancel.clone(), None);
    }
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 * 1024, stdout.lock());
    let mut matched = 0u64;
    let mut failed = false;
    for (name, input) in inputs {
        // A source's name comes from the command line or .greenlight.toml:
        // shown escaped, like everything else.
        let shown = text::one_line(&name).into_owned();
        let prefix = if several && !count {
            format!("{shown}:")
        } else {
            String::new()
        };
        let mut print = |line: &[u8]| -> io::Result<()> {
            if count {
                return Ok(());
            }
            out.write_all(prefix.as_bytes())?;
            write_line(&mut out, line)
        };
        let result: io::Result<u64> = match &input {
            Input::File(p) => match File::open(p) {
                Ok(mut f) => filter.for_each_in_file(&mut f, &mut print),
                Err(e) => Err(e),
            },
            Input::Stdin => filter.for_each(&mut io::stdin().lock(), &mut print),
            Input::Command(c) => run_command(filter, c, cwd, &cancel, &mut print),
        }
        .map(|scanned| {
            if !scanned.cut.is_empty() {
                out.flush().ok();
                note_cuts(&name, filter.max_line(), &scanned.cut);
            }
            scanned.matched
        });
        match result {
            Ok(n) => {
                matched += n;
                if count {
                    if several {
                        writeln!(out, "{shown}:{n}")?;
                    } else {
                        writeln!(out, "{n}")?;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
            Err(e) => {
                out.flush().ok();
                esayln!(
                    "greenlight: cannot read {name}: {}",
                    crate::logs::follow::plain(&e)
                );
                failed = true;
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(unless_ended(if failed {
        ExitCode::from(2)
    } else if matched > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }))
}

/// Say on stderr which lines were too long to examine whole: at most a
/// few, then how many more. `what` is a file name, or a command and its
/// stream.
fn note_cuts(what: &str, cap: usize, cuts: &[CutLine]) {
    const SHOWN: usize = 3;
    let cap = size(cap as u64);
    for c in cuts.iter().take(SHOWN) {
        esayln!(
            "greenlight: {what}:{}: line longer than {cap}: only its first {cap} were examined (and printed if they matched), the other {} were not",
            c.line,
            size(c.skipped)
        );
    }
    if cuts.len() > SHOWN {
        esayln!(
            "greenlight: {what}: {} more lines longer than {cap} were cut the same way",
            cuts.len() - SHOWN
        );
    }
}

/// Bytes for people: whole KiB/MiB as such, otherwise the exact count.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        1 => "1 byte".into(),
        b => format!("{b} bytes"),
    }
}

/// Write a matched line and its newline: as it is when it is plain
/// printable ASCII (the fast path, most lines), else escaped as
/// `text::escape_bytes` does (controls, bidi overrides, invalid UTF-8 as
/// `\xNN`). A final carriage return (a CRLF file) is written as it is:
/// before the newline it can hide nothing, and escaping it would mark
/// every line of such a file.
fn write_line(out: &mut impl Write, line: &[u8]) -> io::Result<()> {
    let (body, cr) = match line.strip_suffix(b"\r") {
        Some(body) => (body, true),
        None => (line, false),
    };
    if text::bytes_are_plain(body) {
        out.write_all(body)?;
    } else {
        out.write_all(text::escape_bytes(body).as_bytes())?;
    }
    if cr {
        out.write_all(b"\r")?;
    }
    out.write_all(b"\n")
}

/// Run a command to its end, filtering its output line by line. Its
/// lines are cut at the log sources' cap (`MAX_LINE_BYTES`); those cut
/// are noted on stderr per stream, and not returned.
fn run_command(
    filter: &LineFilter,
    command: &str,
    cwd: &std::path::Path,
    cancel: &CancelToken,
    print: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<Scanned> {
    let mut spec = ExecSpec::new(command, cwd);
    spec.timeout = Duration::from_secs(365 * 24 * 3600);
    spec.grace = Duration::from_secs(1);
    let mut out = LineSplitter::new();
    let mut err = LineSplitter::new();
    let mut n = 0u64;
    let mut write_err: Option<io::Error> = None;
    // Per stream (stdout, stderr): lines seen, lines cut.
    let mut lines = [0u64; 2];
    let mut cut: [Vec<CutLine>; 2] = Default::default();
    let mut on_line = |stream: usize, l: &[u8], dropped: u64| {
        lines[stream] += 1;
        if dropped > 0 {
            cut[stream].push(CutLine {
                line: lines[stream],
                skipped: dropped,
            });
        }
        if write_err.is_none() && filter.is_match(l) {
            n += 1;
            if let Err(e) = print(l) {
                write_err = Some(e);
            }
        }
    };
    let outcome = exec::run(
        &spec,
        cancel,
        &mut |stream: Stream, bytes: &[u8]| match stream {
            Stream::Stdout => out.feed(bytes, |l, d| on_line(0, l, d)),
            Stream::Stderr => err.feed(bytes, |l, d| on_line(1, l, d)),
        },
    );
    out.finish(|l, d| on_line(0, l, d));
    err.finish(|l, d| on_line(1, l, d));
    if let Some(e) = write_err {
        return Err(e);
    }
    for (stream, cuts) in ["stdout", "stderr"].into_iter().zip(&cut) {
        if !cuts.is_empty() {
            note_cuts(&format!("`{command}` {stream}"), MAX_LINE_BYTES, cuts);
        }
    }
    if !outcome.succeeded() && !outcome.cancelled {
        esayln!("greenlight: `{command}` {}", outcome.describe());
    }
    Ok(Scanned {
        matched: n,
        cut: Vec::new(),
    })
}

/// Follow every input until Ctrl-C (or until every command has ended
/// and there is no file to wait on).
fn follow(
    filter: &LineFilter,
    inputs: Vec<(String, Input)>,
    cwd: &std::path::Path,
    backlog: usize,
) -> Result<ExitCode> {
    let several = inputs.len() > 1;
    // Before any command starts: a signal from here on stops them all.
    let stop = CancelToken::new();
    cancel_on_interrupt(stop.clone(), None);
    let (tx, rx) = feed::channel(feed::DEFAULT_CAPACITY, None);
    let mut names = Vec::new();
    let mut handles: Vec<SourceHandle> = Vec::new();
    let mut files = 0;
    for (i, (name, input)) in inputs.into_iter().enumerate() {
        let id = SourceId(u16::try_from(i).map_err(|_| eyre!("too many sources"))?);
        let spec = match input {
            Input::File(path) => {
                files += 1;
                SourceSpec::File { path, backlog }
            }
            Input::Command(command) => SourceSpec::Command {
                command,
                cwd: cwd.to_path_buf(),
            },
            Input::Stdin => bail!("--follow reads files and commands, not standard input"),
        };
        handles.push(source::spawn(id, spec, tx.clone())?);
        names.push(text::one_line(&name).into_owned());
    }
    drop(tx);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let min_level = filter.min_level();
    while !stop.is_cancelled() {
        let Some(msg) = rx.recv_timeout(Duration::from_millis(100)) else {
            out.flush().ok();
            if files == 0 && handles.iter().all(SourceHandle::is_finished) {
                break;
            }
            continue;
        };
        match msg {
            LogMsg::Lines { source, lines } => {
                let name = names.get(usize::from(source.0)).map_or("", String::as_str);
                for l in lines {
                    if min_level.is_some_and(|m| l.level() < m)
                        || !filter.matches_text(l.text().as_bytes())
                    {
                        continue;
                    }
                    let r = if several {
                        writeln!(out, "{name}: {}", l.text())
                    } else {
                        writeln!(out, "{}", l.text())
                    };
                    if r.is_err() {
                        stop.cancel();
                        break;
                    }
                }
            }
            LogMsg::Status { source, status } => {
                let name = names.get(usize::from(source.0)).map_or("", String::as_str);
                out.flush().ok();
                esayln!("greenlight: {name}: {}", status.describe());
            }
        }
    }
    out.flush().ok();
    for h in handles {
        h.stop_and_wait(Duration::from_secs(2));
    }
    Ok(unless_ended(ExitCode::SUCCESS))
}
