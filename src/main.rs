//! Entry point: install error reporting, run the CLI, print errors plainly.

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    // No colours in reports: every error goes through the CLI's escaping
    // (`cli::out`), which would show colour codes as text.
    let hook = color_eyre::config::HookBuilder::default().theme(color_eyre::config::Theme::new());
    if hook.install().is_err() {
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
