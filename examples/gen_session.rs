//! Write a synthetic session for benchmarks and comparison scripts:
//! `cargo run --release --example gen_session -- DIR EVENTS [ACTORS [KEY...]]`.
//! With key files, actor `i`'s events are signed with key `i % keys`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, events, rest @ ..] = args.as_slice() else {
        eprintln!("usage: gen_session DIR EVENTS [ACTORS [KEY...]]");
        std::process::exit(2);
    };
    let actors = rest.first().map(|a| a.parse()).transpose()?.unwrap_or(3);
    let signers = rest
        .iter()
        .skip(1)
        .map(|key| {
            greenlight::signing::Signer::load(&greenlight::signing::key::KeySetting {
                key: key.clone(),
                program: "ssh-keygen".into(),
                origin: "gen_session".into(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let id = greenlight::session::synth::SYNTHETIC_ID;
    greenlight::session::synth::write_synthetic_signed(
        std::path::Path::new(dir),
        id,
        events.parse()?,
        actors,
        &signers,
    )?;
    println!("{id}");
    Ok(())
}
