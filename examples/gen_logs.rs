//! Write a mixed-format sample log (JSON lines, logfmt, plain `[WARN]`)
//! for benchmarks and comparison scripts:
//! `cargo run --release --example gen_logs -- LINES [SEED] > app.log`.

use std::io::{BufWriter, Write};

use greenlight::logs::sample::{SampleConfig, SampleLog};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let lines: u64 = match args.next() {
        Some(n) => n.parse()?,
        None => {
            eprintln!("usage: gen_logs LINES [SEED] > FILE");
            std::process::exit(2);
        }
    };
    let seed = args.next().map(|s| s.parse()).transpose()?.unwrap_or(42);
    let mut log = SampleLog::new(SampleConfig {
        seed,
        ..SampleConfig::default()
    });
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    log.write_lines(lines, &mut out)?;
    out.flush()?;
    Ok(())
}
