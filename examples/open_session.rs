//! Open and fold a session folder, printing how long it took: used to
//! profile `Session::open` (`cargo run --release --example open_session --
//! DIR`). With `--cached`, open it as the store does, from its fold
//! checkpoint when one can be trusted (writing one when worth it).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cached = args.iter().any(|a| a == "--cached");
    let dir = args
        .iter()
        .find(|a| *a != "--cached")
        .ok_or("usage: open_session [--cached] DIR")?;
    let dir = std::path::PathBuf::from(dir);
    let id = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("01KBSYNTHE7C0000000000000A")
        .to_string();
    let t = std::time::Instant::now();
    let s = if cached {
        greenlight::session::Session::open_cached(&id, dir)?
    } else {
        greenlight::session::Session::open(&id, dir)?
    };
    println!(
        "{} events ({} from the checkpoint), {} problems, {:?}",
        s.event_count(),
        s.from_checkpoint().unwrap_or(0),
        s.problems().len(),
        t.elapsed()
    );
    // As `status` does: the process ends now, freeing is wasted time.
    std::mem::forget(s);
    Ok(())
}
