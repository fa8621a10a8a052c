//! Synthetic sessions of any size, written without fsync, for benchmarks,
//! comparison scripts and large-input tests. The lines are real events
//! (sealed, chained), exactly as the journal writes them.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::event::{Draft, Event, GENESIS, Hash32, Who};
use super::journal::actor_file_name;
use super::payload::{self, Payload, SessionStarted};
use super::plan::{Plan, PlanStep};

/// The id synthetic sessions are written under: a real ULID (dated
/// 2025-12-06), so `status` and `sessions` see them like any other.
pub const SYNTHETIC_ID: &str = "01KBSYNTHE7C0000000000000A";

fn plan(steps: usize) -> Plan {
    Plan {
        playbook: "synthetic".into(),
        title: "Synthetic session".into(),
        steps: (0..steps)
            .map(|i| PlanStep {
                id: format!("step-{i}"),
                title: format!("Step {i}"),
                description: String::new(),
                owner: "developer".into(),
                with: vec![],
                kind: "check".into(),
                requires: if i == 0 {
                    vec![]
                } else {
                    vec![format!("step-{}", i - 1)]
                },
                roles: vec![],
                run: None,
                rollback: None,
                confirm: false,
                timeout_secs: None,
                evidence: vec![],
                ..Default::default()
            })
            .collect(),
    }
}

/// Write a session of `events` events spread round-robin over `actors`
/// actor files in `dir`: a start, then step completions and notes.
pub fn write_synthetic(
    dir: &Path,
    session: &str,
    events: usize,
    actors: usize,
) -> std::io::Result<()> {
    write_synthetic_signed(dir, session, events, actors, &[])
}

/// [`write_synthetic`] with every event of actor `i` signed by
/// `signers[i % signers.len()]` (none: unsigned).
pub fn write_synthetic_signed(
    dir: &Path,
    session: &str,
    events: usize,
    actors: usize,
    signers: &[crate::signing::Signer],
) -> std::io::Result<()> {
    write_synthetic_at(dir, session, events, actors, signers, SYNTHETIC_AT)
}

/// When the events of [`write_synthetic`] happened.
const SYNTHETIC_AT: &str = "2026-11-26T14:00:00.000Z";

/// [`write_synthetic_signed`], every event made at `at` (RFC 3339).
pub fn write_synthetic_at(
    dir: &Path,
    session: &str,
    events: usize,
    actors: usize,
    signers: &[crate::signing::Signer],
    at: &str,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let actors = actors.max(1);
    let ids: Vec<String> = (0..actors)
        .map(|i| format!("person{i}@example.com/dev{i}"))
        .collect();
    let whos: Vec<Who> = (0..actors)
        .map(|i| Who {
            name: format!("Person {i}"),
            email: format!("person{i}@example.com"),
        })
        .collect();
    let mut files = ids
        .iter()
        .map(|a| {
            std::fs::File::create(dir.join(actor_file_name(a)))
                .map(|f| BufWriter::with_capacity(1 << 20, f))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut prev: Vec<Hash32> = vec![GENESIS; actors];
    let mut seq = vec![0u64; actors];
    let steps = 20;
    for n in 0..events {
        let a = n % actors;
        let p = if n == 0 {
            Payload::SessionStarted(SessionStarted {
                plan: plan(steps),
                version: Some("1.0.0".into()),
                previous_version: None,
                repo: "synthetic".into(),
                source: None,
                ..Default::default()
            })
        } else if n <= steps {
            Payload::StepCompleted(payload::StepWithNote::new(
                format!("step-{}", n - 1),
                Some("evidence: ci run 4812".into()),
            ))
        } else {
            Payload::NoteAdded(payload::Note {
                text: format!("observation {n}: error rate steady, p99 within budget"),
                step: None,
            })
        };
        let data = p.to_data().map_err(std::io::Error::other)?;
        seq[a] += 1;
        let signer = (!signers.is_empty()).then(|| &signers[a % signers.len()]);
        let (mut ev, mut line): (Event, String) = Event::seal(Draft {
            session,
            actor: &ids[a],
            seq: seq[a],
            lamport: n as u64 + 1,
            at: at.into(),
            who: &whos[a],
            kind: p.kind(),
            data: &data,
            prev: &prev[a],
            key: signer.map(|s| s.fingerprint()),
        })
        .map_err(std::io::Error::other)?;
        if let Some(signer) = signer {
            let sig = signer
                .sign(ev.hash.to_hex().as_bytes())
                .map_err(std::io::Error::other)?;
            ev.attach_signature(&mut line, sig);
        }
        files[a].write_all(line.as_bytes())?;
        files[a].write_all(b"\n")?;
        prev[a] = ev.hash;
    }
    for f in &mut files {
        f.flush()?;
    }
    Ok(())
}
