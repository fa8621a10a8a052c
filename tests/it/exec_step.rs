//! The step-command API as the TUI drives it, on a real session in a
//! temp store: plan, record the start, run on a thread with the output
//! going to the logs pane as a source named after the step, cancel or
//! wait, record the end. And `run_step`, which the CLI uses, on a fake
//! journal that refuses to record.

use std::time::Duration;

use greenlight::exec::{
    self, CancelToken, ExecError, Journal, LogsSink, StepAction, StepCommand, StepEnv,
};
use greenlight::logs::{LogsModel, feed};
use greenlight::session::payload::SessionStarted;
use greenlight::session::{Command, Event, Plan, PlanStep, Session, SessionState, Store, Who};

fn plan_step(id: &str, run: &str, rollback: Option<&str>, confirm: bool) -> PlanStep {
    PlanStep {
        id: id.into(),
        title: id.into(),
        description: String::new(),
        owner: "developer".into(),
        with: vec![],
        kind: "command".into(),
        requires: vec![],
        roles: vec![],
        run: Some(run.into()),
        rollback: rollback.map(Into::into),
        confirm,
        timeout_secs: Some(30),
        evidence: vec![],
        ..Default::default()
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    session: Session,
    who: Who,
}

fn fixture(steps: Vec<PlanStep>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path().to_path_buf());
    let who = Who {
        name: "Olu On-call".into(),
        email: "olu@example.com".into(),
    };
    let session = store
        .create_session(
            "repo-key",
            SessionStarted {
                plan: Plan {
                    playbook: "t".into(),
                    title: "T".into(),
                    steps,
                },
                version: Some("2.4.1".into()),
                previous_version: Some("2.4.0".into()),
                repo: "web-api".into(),
                source: None,
                ..Default::default()
            },
            "olu@example.com/dev1",
            &who,
        )
        .unwrap();
    Fixture {
        _dir: dir,
        session,
        who,
    }
}

/// A journal on a real session (what `WorkspaceJournal` does, minus the
/// workspace around it).
struct Real<'a>(&'a mut Session, &'a Who);

impl Journal for Real<'_> {
    fn state(&self) -> &SessionState {
        self.0.state()
    }
    fn perform(&mut self, cmd: &Command) -> Result<Vec<Event>, ExecError> {
        self.0
            .execute(self.1, cmd)
            .map_err(|e| ExecError::Record(e.to_string()))
    }
}

#[test]
fn the_tui_flow_streams_output_to_the_logs_pane_and_records_it() {
    let mut f = fixture(vec![plan_step(
        "promote",
        "echo promoting $GREENLIGHT_VERSION from $GREENLIGHT_PREVIOUS_VERSION; echo '[WARN] slow' >&2",
        Some("echo back"),
        true,
    )]);
    let plan = StepCommand::plan(f.session.state(), "promote", StepAction::Run).unwrap();
    assert!(plan.needs_confirmation);
    assert!(matches!(
        plan.require_confirmation(None),
        Err(ExecError::NotConfirmed { .. })
    ));
    // 1. Record the start (on the UI thread).
    let who = format!("{} <{}>", f.who.name, f.who.email);
    f.session
        .execute(&f.who, &Command::Record(plan.started(Some(who.clone()))))
        .unwrap();
    // 2. Run on a thread, output into the logs pane as a source.
    let (tx, rx) = feed::channel(feed::DEFAULT_CAPACITY, None);
    let mut model = LogsModel::new(1000);
    let source = model.add_source("promote", "step", None);
    let env = StepEnv::from_state(f.session.state(), f._dir.path(), "olu@example.com/dev1");
    let handle = exec::spawn(
        plan.exec_spec(&env, f._dir.path()),
        LogsSink::new(source, tx),
    )
    .unwrap();
    crate::common::wait_until("the command to end", crate::common::PATIENCE, || {
        model.drain(&rx, 10_000, Duration::from_millis(5));
        handle.is_finished()
    });
    let outcome = handle.join().unwrap();
    model.drain(&rx, 10_000, Duration::from_millis(50));
    let mut texts: Vec<&str> = model
        .view
        .rows(&model.buffer)
        .iter()
        .map(|r| r.line.text())
        .collect();
    texts.sort();
    assert_eq!(texts, ["[WARN] slow", "promoting 2.4.1 from 2.4.0"]);
    assert_eq!(model.counts().warnings, 1);
    assert_eq!(model.source(source).unwrap().name, "promote");
    // 3. Record the end.
    for cmd in plan.finished(&outcome) {
        f.session.execute(&f.who, &cmd).unwrap();
    }
    let st = f.session.state().step("promote").unwrap();
    assert_eq!(st.status, greenlight::session::StepStatus::Done);
    assert_eq!(st.runs[0].confirmed_by.as_deref(), Some(who.as_str()));
    let (_, fin) = st.runs[0].finished.as_ref().unwrap();
    assert_eq!(fin.exit_code, Some(0));
    assert_eq!(fin.output_bytes, outcome.output_bytes);
}

#[test]
fn cancelling_from_the_ui_records_cancelled_and_fails_the_step() {
    let mut f = fixture(vec![plan_step("wait", "echo start; sleep 60", None, false)]);
    let plan = StepCommand::plan(f.session.state(), "wait", StepAction::Run).unwrap();
    let env = StepEnv::from_state(f.session.state(), f._dir.path(), "a/d");
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    // Cancelled once it runs: its first line is out.
    let mut sink = move |_: exec::Stream, b: &[u8]| {
        if b.starts_with(b"start") {
            c2.cancel();
        }
    };
    let report = exec::run_step(
        &mut Real(&mut f.session, &f.who),
        &plan,
        &env,
        None,
        &cancel,
        &mut sink,
    )
    .unwrap();
    assert!(report.outcome.cancelled);
    assert_eq!(report.status, Some(greenlight::session::StepStatus::Failed));
    assert_eq!(report.events.len(), 3, "started, finished, failed");
    let st = f.session.state().step("wait").unwrap();
    assert!(st.failed.as_ref().unwrap().1.contains("was cancelled"));
    // Retry is allowed; rollback is refused clearly (there is none).
    assert!(StepCommand::plan(f.session.state(), "wait", StepAction::Run).is_ok());
    let err = StepCommand::plan(f.session.state(), "wait", StepAction::Rollback).unwrap_err();
    assert!(err.to_string().contains("has no rollback command"), "{err}");
}

/// A journal that records the start but not the end (a full disk, say).
struct Flaky {
    state: SessionState,
    calls: usize,
}

impl Journal for Flaky {
    fn state(&self) -> &SessionState {
        &self.state
    }
    fn perform(&mut self, _: &Command) -> Result<Vec<Event>, ExecError> {
        self.calls += 1;
        if self.calls == 1 {
            Ok(vec![])
        } else {
            Err(ExecError::Record("no space left on device".into()))
        }
    }
}

#[test]
fn a_failure_to_record_the_end_still_returns_the_outcome() {
    let f = fixture(vec![plan_step("s", "echo hi", None, false)]);
    let plan = StepCommand::plan(f.session.state(), "s", StepAction::Run).unwrap();
    let mut j = Flaky {
        state: f.session.state().clone(),
        calls: 0,
    };
    let env = StepEnv {
        repo_root: f._dir.path().to_path_buf(),
        ..StepEnv::default()
    };
    let report = exec::run_step(
        &mut j,
        &plan,
        &env,
        None,
        &CancelToken::new(),
        &mut exec::discard(),
    )
    .unwrap();
    assert!(report.outcome.succeeded());
    assert!(report.record_error.unwrap().contains("no space left"));
}

#[test]
fn refusals_happen_before_anything_runs() {
    let f = fixture(vec![plan_step("s", "touch ran", None, true)]);
    let plan = StepCommand::plan(f.session.state(), "s", StepAction::Run).unwrap();
    let mut j = Flaky {
        state: f.session.state().clone(),
        calls: 0,
    };
    let env = StepEnv {
        repo_root: f._dir.path().to_path_buf(),
        ..StepEnv::default()
    };
    let err = exec::run_step(
        &mut j,
        &plan,
        &env,
        None,
        &CancelToken::new(),
        &mut exec::discard(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("needs a person to confirm"),
        "{err}"
    );
    assert_eq!(j.calls, 0);
    assert!(!f._dir.path().join("ran").exists());
    let err = StepCommand::plan(f.session.state(), "nope", StepAction::Run).unwrap_err();
    assert!(err.to_string().contains("unknown step `nope`"), "{err}");
}

#[test]
fn a_screen_that_cannot_keep_up_never_slows_the_command() {
    let dir = tempfile::tempdir().unwrap();
    // Room for two batches, and nobody drains until the command is done.
    let (tx, rx) = feed::channel(2, None);
    let mut model = LogsModel::new(1000);
    let source = model.add_source("flood", "step", None);
    let mut spec = exec::ExecSpec::new("seq 1 200000", dir.path());
    spec.timeout = Duration::from_secs(60);
    let outcome = exec::run(&spec, &CancelToken::new(), &mut LogsSink::new(source, tx));
    assert!(outcome.succeeded());
    assert_eq!(outcome.output_bytes, 1_288_895);
    model.drain(&rx, 1_000_000, Duration::from_secs(1));
    // What was shown, plus a note saying how much was not.
    let note = model
        .view
        .rows(&model.buffer)
        .iter()
        .map(|r| r.line.text().to_string())
        .find(|t| t.contains("lines not shown"));
    assert!(note.is_some(), "no note about dropped lines");
    assert!(model.counts().total < 200_000);
}
