//! The one way the CLI writes text for people. Everything it prints for a
//! reader (commit messages, notes, titles, file and person names, errors)
//! goes through [`say!`]/[`sayln!`] (stdout) or [`esay!`]/[`esayln!`]
//! (stderr), which escape what a terminal would obey instead of showing
//! (see [`crate::text`]); our own newlines and tabs are kept. JSON goes
//! through [`json`], exact: serde escapes what JSON must.
//!
//! Write errors do not panic (as `println!` would): the first one on
//! stdout is kept, and `main` ends with an error naming it, so a script
//! writing to a full disk learns that its output is incomplete.

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

use crate::text;

/// Print to stdout, escaped; like `print!`.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::out::stdout(::std::format_args!($($arg)*), false)
    };
}

/// Print a line to stdout, escaped; like `println!`.
macro_rules! sayln {
    ($($arg:tt)*) => {
        $crate::cli::out::stdout(::std::format_args!($($arg)*), true)
    };
}

/// Print to stderr, escaped; like `eprint!`.
macro_rules! esay {
    ($($arg:tt)*) => {
        $crate::cli::out::stderr(::std::format_args!($($arg)*), false)
    };
}

/// Print a line to stderr, escaped; like `eprintln!`.
macro_rules! esayln {
    ($($arg:tt)*) => {
        $crate::cli::out::stderr(::std::format_args!($($arg)*), true)
    };
}

pub(crate) use {esay, esayln, say, sayln};

/// The first error writing to stdout, if any.
static STDOUT_FAILED: OnceLock<String> = OnceLock::new();

/// `args` as text a terminal shows as it is: formatted once, escaped.
pub fn escaped(args: fmt::Arguments<'_>) -> String {
    match args.as_str() {
        Some(s) => text::escape(s).into_owned(),
        None => {
            let s = args.to_string();
            match text::escape(&s) {
                std::borrow::Cow::Borrowed(_) => s,
                std::borrow::Cow::Owned(e) => e,
            }
        }
    }
}

fn write(w: &mut dyn Write, args: fmt::Arguments<'_>, newline: bool) -> io::Result<()> {
    let mut s = escaped(args);
    if newline {
        s.push('\n');
    }
    w.write_all(s.as_bytes())?;
    w.flush()
}

/// What [`say!`] and [`sayln!`] call.
pub fn stdout(args: fmt::Arguments<'_>, newline: bool) {
    if let Err(e) = write(&mut io::stdout().lock(), args, newline) {
        failed(&e);
    }
}

/// What [`esay!`] and [`esayln!`] call. An error writing to stderr has
/// nowhere to be reported: it is ignored.
pub fn stderr(args: fmt::Arguments<'_>, newline: bool) {
    let _ = write(&mut io::stderr().lock(), args, newline);
}

/// JSON for scripts, written exactly (with a final newline).
pub fn json(text: &str) {
    let mut out = io::stdout().lock();
    let r = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = r {
        failed(&e);
    }
}

/// "1 file", "3 files".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text greenlight made itself for a program to read (a completion
/// script, a manual page), written exactly.
pub fn raw(text: &str) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        failed(&e);
    }
}

/// Keep the first stdout error for [`stdout_error`].
pub fn failed(e: &io::Error) {
    let _ = STDOUT_FAILED.set(e.to_string());
}

/// Why writing to stdout failed, if it did: the output is incomplete.
pub fn stdout_error() -> Option<&'static str> {
    STDOUT_FAILED.get().map(String::as_str)
}

/// An error as `main` and `canary judge` report it: `error: …`, then each
/// cause on a `because: …` line, escaped like every other output (an
/// error may quote a file name or a value from outside). With
/// `GREENLIGHT_DEBUG` set, the full report with its backtrace.
pub fn error(e: &color_eyre::eyre::Report) {
    if std::env::var_os("GREENLIGHT_DEBUG").is_some() {
        esayln!("{e:?}");
        return;
    }
    esayln!("error: {}", sentence(e.chain().next()));
    let mut last = e.to_string();
    for cause in e.chain().skip(1) {
        let text = sentence(Some(cause));
        // An error that repeats its cause (`{path}: {io error}` over the
        // io error) says it once.
        if last.ends_with(&text) {
            continue;
        }
        esayln!("  because: {text}");
        last = text;
    }
}

/// One error of a chain as a sentence: libgit2's without its class and
/// code numbers.
fn sentence(e: Option<&(dyn std::error::Error + 'static)>) -> String {
    match e {
        Some(e) => match e.downcast_ref::<git2::Error>() {
            Some(g) => crate::audit::git_sync::git_sentence(g),
            None => e.to_string(),
        },
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_text_is_escaped_but_keeps_our_layout() {
        let hostile = "fix\u{1b}]0;pwned\u{7}\u{9b}2J";
        assert_eq!(
            escaped(format_args!("commit:\t{hostile}\nnext")),
            "commit:\tfix\\e]0;pwned\\x07\\u{9b}2J\nnext"
        );
        assert_eq!(escaped(format_args!("plain")), "plain");
    }
}
