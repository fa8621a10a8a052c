//! A journal is input: it may come from another clone, written by anyone.
//! Lines that are valid (sealed, chained) but carry non-ASCII text,
//! control characters and overlong values in every string field never
//! make greenlight panic: `status`, `report`, `audit verify` and the
//! app's draw all go through them, and what they print is inert. A
//! release tag whose commit is not a hex id is refused by the fold.

use greenlight::identity::Overrides;
use greenlight::session::event::{Draft, Event, GENESIS, Hash32};
use greenlight::session::payload::{
    CanaryJudged, CanaryWeightSet, CommandFinished, CommandStarted, Note, ReleaseNotesSet,
    ReleaseTagged, SessionStarted, Signoff, StepRef, StepWithNote, StepWithReason,
};
use greenlight::session::{Payload, Plan, PlanStep, Store, Who};

use crate::common::Sandbox;

/// Text from nowhere good: accents and CJK, an emoji, a colour escape, a
/// bell, a bidi override, a C1 CSI, a carriage return, a NUL, a tab, and
/// then a great deal more of it.
fn nasty(tag: &str, long: usize) -> String {
    format!(
        "{tag} é漢字🎉 \x1b[31mred\x1b[0m \x07bell \u{202e}rtl \u{9b}2J \rCR \0NUL\ttab {}",
        "ж".repeat(long)
    )
}

/// Nothing a terminal would obey: no ESC, BEL, C1 CSI or bidi override.
fn assert_inert(what: &str, text: &str) {
    for (bad, name) in [
        ('\x1b', "ESC"),
        ('\x07', "BEL"),
        ('\u{9b}', "C1 CSI"),
        ('\u{202e}', "U+202E"),
        ('\0', "NUL"),
    ] {
        assert!(!text.contains(bad), "{what}: raw {name} in\n{text}");
    }
}

/// Writes sealed, chained events as one actor into a session folder.
struct Writer {
    session: String,
    actor: String,
    who: Who,
    seq: u64,
    lamport: u64,
    prev: Hash32,
    lines: String,
}

impl Writer {
    fn push(&mut self, payload: Payload) {
        self.seq += 1;
        self.lamport += 1;
        let data = payload.to_data().expect("data");
        let (ev, line) = Event::seal(Draft {
            session: &self.session,
            actor: &self.actor,
            seq: self.seq,
            lamport: self.lamport,
            at: format!("2026-01-02T03:04:{:02}Z", self.seq.min(59)),
            who: &self.who,
            kind: payload.kind(),
            data: &data,
            prev: &self.prev,
            key: None,
        })
        .expect("seal");
        self.prev = ev.hash;
        self.lines.push_str(&line);
        self.lines.push('\n');
    }
}

fn step(id: &str, kind: &str) -> PlanStep {
    PlanStep {
        id: id.into(),
        title: nasty("title", 300),
        description: nasty("description", 20_000),
        owner: nasty("owner", 50),
        with: vec![nasty("with", 50)],
        kind: kind.into(),
        evidence: vec![nasty("evidence", 500)],
        ..Default::default()
    }
}

/// A session of this repository, started here, whose every string is
/// hostile. Returns its id.
fn hostile_session(sb: &Sandbox) -> String {
    // The repository's folder in the store, from a session the CLI makes.
    sb.ok(&["new", "--scenario", "hotfix"]);
    let sessions = sb.session_dirs()[0]
        .parent()
        .expect("sessions folder")
        .to_path_buf();
    // A later id than the CLI's: a ULID of now sorts after it.
    std::thread::sleep(std::time::Duration::from_millis(2));
    let id = ulid::Ulid::new().to_string();
    let dir = sessions.join(&id);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join(greenlight::session::store::CREATED_HERE),
        "this session was started on this device\n",
    )
    .expect("marker");
    let odd_id = nasty("id", 40);
    let role = nasty("role", 40);
    let mut plan_steps = vec![step("check", "check"), step(&odd_id, "command")];
    plan_steps[1].run = Some(nasty("run", 2000));
    plan_steps[1].rollback = Some(nasty("rollback", 2000));
    plan_steps[1].requires = vec!["check".into()];
    plan_steps[1].confirm = true;
    plan_steps.push(step("canary", "canary"));
    let mut go = step("go", "signoff");
    go.roles = vec![role.clone()];
    plan_steps.push(go);
    let actor = format!("{}/{}", nasty("mallory@example.com", 5), nasty("dev", 5));
    let mut w = Writer {
        session: id.clone(),
        actor: actor.clone(),
        who: Who {
            name: nasty("Mallory", 100),
            email: nasty("mallory@example.com", 100),
        },
        seq: 0,
        lamport: 0,
        prev: GENESIS,
        lines: String::new(),
    };
    w.push(Payload::SessionStarted(SessionStarted {
        plan: Plan {
            playbook: nasty("playbook", 100),
            title: nasty("plan title", 100),
            steps: plan_steps,
        },
        version: Some(nasty("1.0.0", 100)),
        previous_version: Some(nasty("0.9.0", 100)),
        repo: nasty("repo", 100),
        source: None,
        ..Default::default()
    }));
    w.push(Payload::NoteAdded(Note {
        text: nasty("note", 5000),
        step: Some("check".into()),
    }));
    w.push(Payload::NoteAdded(Note {
        text: nasty("session note", 100),
        step: None,
    }));
    w.push(Payload::StepStarted(StepRef {
        step: "check".into(),
    }));
    let mut completed = StepWithNote::new("check", Some(nasty("done note", 3000)));
    completed.evidence = vec![
        greenlight::session::payload::Evidence::Url {
            url: nasty("url", 300),
        },
        greenlight::session::payload::Evidence::File {
            path: nasty("file", 300),
            bytes: u64::MAX,
            sha256: nasty("sha", 100),
        },
    ];
    w.push(Payload::StepCompleted(completed));
    let started = CommandStarted {
        step: odd_id.clone(),
        command: nasty("run", 2000),
        confirmed_by: Some(nasty("confirmer", 100)),
    };
    let finished = CommandFinished {
        step: odd_id.clone(),
        command: nasty("run", 2000),
        exit_code: Some(3),
        signal: Some(9),
        duration_ms: 1200,
        timed_out: false,
        cancelled: true,
        interrupted: Some(nasty("interrupted", 100)),
        output_sha256: nasty("sha", 100),
        output_bytes: 10,
        last_lines: vec![nasty("last line", 1000), nasty("another", 10)],
    };
    w.push(Payload::CommandStarted(started.clone()));
    w.push(Payload::CommandFinished(finished.clone()));
    w.push(Payload::StepFailed(StepWithReason {
        step: odd_id.clone(),
        reason: nasty("reason", 2000),
    }));
    w.push(Payload::RollbackStarted(started));
    w.push(Payload::RollbackFinished(finished));
    w.push(Payload::CanaryWeightSet(CanaryWeightSet {
        step: "canary".into(),
        weight: 5,
        override_reason: Some(nasty("override", 500)),
        rollback: false,
    }));
    w.push(Payload::CanaryJudged(CanaryJudged {
        step: Some("canary".into()),
        verdict: nasty("verdict", 200),
        score: Some(f64::MAX),
        weight: Some(5),
        summary: nasty("summary", 3000),
        judgement: serde_json::Value::String(nasty("judgement", 100)),
    }));
    w.push(Payload::SignoffRejected(Signoff {
        step: "go".into(),
        role: role.clone(),
        comment: Some(nasty("comment", 2000)),
        manifest: Some(nasty("manifest", 200)),
    }));
    w.push(Payload::ReleaseNotesSet(ReleaseNotesSet {
        markdown: nasty("# notes", 10_000),
    }));
    // A tag naming no commit: refused by the fold (was a panic when the
    // commit was cut at a byte inside a character).
    w.push(Payload::ReleaseTagged(ReleaseTagged {
        tag: nasty("v1", 100),
        commit: "é".repeat(20),
        version: Some(nasty("1.0.0", 10)),
    }));
    w.push(Payload::ReleaseTagged(ReleaseTagged {
        tag: nasty("v1", 100),
        commit: "3b0c44298fc1c149afbf4c8996fb92427ae41e46".into(),
        version: Some(nasty("1.0.0", 10)),
    }));
    w.push(Payload::StepSkipped(StepWithReason {
        step: "canary".into(),
        reason: nasty("skip", 100),
    }));
    let file = dir.join(greenlight::session::names::actor_file_name(&actor));
    std::fs::write(&file, &w.lines).expect("journal");
    id
}

#[test]
fn hostile_text_in_every_field_is_shown_inert_and_never_panics() {
    let sb = Sandbox::new();
    let id = hostile_session(&sb);

    // The fold applies what the rules allow and refuses the bad tag.
    let ws = greenlight::workspace::Workspace::open_in(
        sb.repo.path(),
        &Overrides::default(),
        Store::at(sb.home.path().to_path_buf()),
    )
    .expect("workspace");
    let session = ws.session(Some(&id)).expect("open");
    let st = session.state();
    assert_eq!(st.notes.len(), 2);
    assert_eq!(st.tags.len(), 1, "only the tag naming a hex commit");
    assert!(
        st.history.iter().any(|h| h
            .not_applied
            .as_deref()
            .is_some_and(|w| w.contains("hex id"))),
        "the bad commit is named as refused"
    );

    // JSON keeps the text exact (it escapes the C0 controls itself).
    let json = sb.json(&["status", &id, "--json"]);
    assert!(json.to_string().contains("\\u001b[31mred"), "{json}");
    for args in [
        vec!["status", &id],
        vec!["sessions"],
        vec!["report", &id],
        vec!["audit", "verify", &id],
    ] {
        let out = sb.run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
        assert!(
            out.status.code().is_some_and(|c| c <= 2),
            "{args:?} ended with {}:\n{stderr}",
            out.status
        );
        assert_inert(&format!("{args:?} stdout"), &stdout);
        assert_inert(&format!("{args:?} stderr"), &stderr);
    }

    // The app draws it at every size, in every pane and overlay.
    crate::tui_app::draw_everything(&sb, &id, assert_inert);
}
