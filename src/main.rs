//! Entry point: install error reporting, parse the command line, dispatch.

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    greenlight::cli::run()
}
