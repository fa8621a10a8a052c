//! Command-line front end.

/// Parse the command line and run the chosen subcommand.
pub fn run() -> color_eyre::Result<()> {
    Ok(())
}
