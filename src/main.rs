//! Entry point: install error reporting, run the CLI, print errors plainly.

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    if color_eyre::install().is_err() {
        eprintln!("warning: could not install the error reporter");
    }
    match greenlight::cli::run() {
        Ok(code) => code,
        Err(e) => {
            if std::env::var_os("GREENLIGHT_DEBUG").is_some() {
                eprintln!("{e:?}");
            } else {
                eprintln!("error: {e}");
                for cause in e.chain().skip(1) {
                    eprintln!("  because: {cause}");
                }
            }
            ExitCode::FAILURE
        }
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
