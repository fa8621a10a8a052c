//! Write a synthetic session for benchmarks and comparison scripts:
//!
//! - `gen_session --repo REPO EVENTS [ACTORS [KEY...]]`: a new session of
//!   the repository REPO, in the store `greenlight` itself uses
//!   (`GREENLIGHT_HOME`, else the data dir), under a fresh session id (a
//!   ULID of now) and marked as started on this device: `greenlight
//!   sessions` lists it and `greenlight status` (no id) shows it. Prints
//!   the session's folder.
//! - `gen_session DIR EVENTS [ACTORS [KEY...]]`: the session's actor files
//!   in DIR, whose name is the session id when it is one (else the
//!   synthetic id, [`greenlight::session::synth::SYNTHETIC_ID`]). Prints
//!   the id.
//!
//! With key files, actor `i`'s events are signed with key `i % keys`.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Where to write: a repository's store, or a folder.
    let (repo, dir, events, rest) = match args.as_slice() {
        [flag, repo, events, rest @ ..] if flag == "--repo" => {
            (Some(PathBuf::from(repo)), None, events, rest)
        }
        [dir, events, rest @ ..] if dir != "--repo" => {
            (None, Some(PathBuf::from(dir)), events, rest)
        }
        _ => {
            eprintln!("usage: gen_session (--repo REPO | DIR) EVENTS [ACTORS [KEY...]]");
            std::process::exit(2);
        }
    };
    let events: usize = events.parse()?;
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
    match (repo, dir) {
        (Some(repo), _) => {
            let ctx = greenlight::repo::RepoContext::discover(&repo)?;
            let store = greenlight::session::Store::from_env()?;
            let ulid = ulid::Ulid::new();
            let id = ulid.to_string();
            let dir = store.session_dir(&ctx.key, &id);
            let at = jiff::Timestamp::from_millisecond(i64::try_from(ulid.timestamp_ms())?)?;
            write(&dir, &id, events, actors, &signers, &at.to_string())?;
            std::fs::write(
                dir.join(greenlight::session::store::CREATED_HERE),
                "this session was started on this device\n",
            )?;
            println!("{}", dir.display());
        }
        (None, Some(dir)) => {
            let named = dir
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| greenlight::session::store::session_id_problem(n).is_none());
            let id = named.unwrap_or(greenlight::session::synth::SYNTHETIC_ID);
            write(
                &dir,
                id,
                events,
                actors,
                &signers,
                "2026-11-26T14:00:00.000Z",
            )?;
            println!("{id}");
        }
        // The usage above gives one or the other.
        (None, None) => {}
    }
    Ok(())
}

fn write(
    dir: &Path,
    id: &str,
    events: usize,
    actors: usize,
    signers: &[greenlight::signing::Signer],
    at: &str,
) -> std::io::Result<()> {
    greenlight::session::synth::write_synthetic_at(dir, id, events, actors, signers, at)
}
