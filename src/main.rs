//! Entry point: install error reporting, run the CLI, print errors plainly.

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    // SAFETY: first thing in main, before any thread exists.
    unsafe { greenlight::git_tls::defer() };
    if install_error_reporting().is_err() {
        greenlight::cli::out::stderr(
            format_args!("warning: could not install the error reporter"),
            true,
        );
    }
    let code = match greenlight::cli::run() {
        Ok(code) => code,
        Err(e) => {
            greenlight::cli::out::error(&e);
            return ExitCode::FAILURE;
        }
    };
    match greenlight::cli::out::stdout_error() {
        Some(why) => {
            greenlight::cli::out::stderr(
                format_args!(
                    "error: the output is incomplete: cannot write to standard output: {why}"
                ),
                true,
            );
            ExitCode::FAILURE
        }
        None => code,
    }
}

/// A panic is a bug: color-eyre's panic report, with a backtrace when
/// `RUST_BACKTRACE` asks for one. An error is what the person meets (a
/// missing file, a refused action): `main` prints its message and causes
/// (`cli::out::error`), never a backtrace, so none is captured. (color-eyre
/// captures and symbolises one for every error when `RUST_BACKTRACE` is
/// set, which made a failing command take 200–270 ms and 150 MB.)
/// `GREENLIGHT_DEBUG` brings color-eyre's full report back.
fn install_error_reporting() -> Result<(), color_eyre::eyre::InstallError> {
    // No colours in reports: every error goes through the CLI's escaping
    // (`cli::out`), which would show colour codes as text.
    let (panic, report) = color_eyre::config::HookBuilder::default()
        .theme(color_eyre::config::Theme::new())
        .display_env_section(false)
        .into_hooks();
    panic.install();
    if std::env::var_os("GREENLIGHT_DEBUG").is_some() {
        return report.install();
    }
    color_eyre::eyre::set_hook(Box::new(|_| Box::new(Plain)))
}

/// An error's report without a backtrace: its message and causes.
struct Plain;

impl color_eyre::eyre::EyreHandler for Plain {
    fn debug(
        &self,
        error: &(dyn std::error::Error + 'static),
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        write!(f, "{error}")?;
        let mut cause = error.source();
        while let Some(c) = cause {
            write!(f, "\n  because: {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

/// `greenlight status | head` must end quietly when `head` closes the pipe,
/// as every Unix tool does, instead of panicking in `println!`. Rust ignores
/// SIGPIPE by default; put the default action back.
fn restore_default_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; it only
    // resets the disposition of one signal to the system default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
