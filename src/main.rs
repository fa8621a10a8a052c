//! Entry point: install error reporting, run the CLI, print errors plainly.

use std::process::ExitCode;

fn main() -> ExitCode {
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
