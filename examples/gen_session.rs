//! Write a synthetic session for benchmarks and comparison scripts:
//! `cargo run --release --example gen_session -- DIR EVENTS [ACTORS]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, events, rest @ ..] = args.as_slice() else {
        eprintln!("usage: gen_session DIR EVENTS [ACTORS]");
        std::process::exit(2);
    };
    let actors = rest.first().map(|a| a.parse()).transpose()?.unwrap_or(3);
    let id = greenlight::session::synth::SYNTHETIC_ID;
    greenlight::session::synth::write_synthetic(
        std::path::Path::new(dir),
        id,
        events.parse()?,
        actors,
    )?;
    println!("{id}");
    Ok(())
}
