//! Open and fold a session folder, printing how long it took: used to
//! profile `Session::open` (`cargo run --release --example open_session -- DIR`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: open_session DIR")?;
    let dir = std::path::PathBuf::from(dir);
    let id = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("01KBSYNTHE7C0000000000000A")
        .to_string();
    let t = std::time::Instant::now();
    let s = greenlight::session::Session::open(&id, dir)?;
    println!(
        "{} events, {} problems, {:?}",
        s.events().len(),
        s.problems().len(),
        t.elapsed()
    );
    Ok(())
}
