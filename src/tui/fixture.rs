//! Deterministic sample sessions for snapshot tests, benchmarks and docs:
//! real events (checked by the rules, sealed and folded like a journal),
//! with fixed people and fixed times, so a drawn screen never changes
//! between runs. (The app around them: `app::fixture`.)

use std::collections::HashMap;

use crate::session::event::{Draft, Event, GENESIS, Hash32};
use crate::session::state::{RuleError, fold};
use crate::session::{Command, Plan, SessionState, Who};

use super::ctx::Member;

/// When sample sessions start.
pub const START: &str = "2026-11-26T14:00:00Z";

pub fn dana() -> Who {
    Who {
        name: "Dana Developer".into(),
        email: "dana@example.com".into(),
    }
}

pub fn pat() -> Who {
    Who {
        name: "Pat Product".into(),
        email: "pat@example.com".into(),
    }
}

pub fn dee() -> Who {
    Who {
        name: "Dee Delivery".into(),
        email: "dee@example.com".into(),
    }
}

/// The demo's team: a developer, a PM and a DM.
pub fn team() -> Vec<Member> {
    [(dana(), "developer"), (pat(), "pm"), (dee(), "dm")]
        .into_iter()
        .map(|(w, r)| Member {
            name: w.name,
            email: w.email,
            roles: vec![r.into()],
        })
        .collect()
}

/// The built-in playbook `id`, frozen as a plan.
pub fn plan(id: &str) -> Plan {
    crate::playbook::builtins()
        .iter()
        .find(|p| p.id == id)
        .map(Plan::from)
        .unwrap_or(Plan {
            playbook: id.into(),
            title: id.into(),
            steps: Vec::new(),
        })
}

/// A session built event by event with a fake clock.
pub struct Sample {
    id: String,
    events: Vec<Event>,
    clock: jiff::Timestamp,
    prev: HashMap<String, Hash32>,
    seq: HashMap<String, u64>,
}

impl Sample {
    /// A session of `plan` started by Dana at [`START`].
    pub fn new(plan: Plan, version: Option<&str>) -> Sample {
        Sample::started(crate::session::payload::SessionStarted {
            plan,
            version: version.map(str::to_string),
            previous_version: None,
            repo: "web-api".into(),
            source: None,
            ..Default::default()
        })
    }

    /// A session started by Dana at [`START`] with this start event.
    pub fn started(started: crate::session::payload::SessionStarted) -> Sample {
        let mut s = Sample {
            id: "01JSAMPLE0000000000000000".into(),
            events: Vec::new(),
            clock: START.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            prev: HashMap::new(),
            seq: HashMap::new(),
        };
        s.push(&dana(), &crate::session::Payload::SessionStarted(started));
        s
    }

    /// Move the clock on.
    pub fn wait(&mut self, secs: i64) -> &mut Self {
        self.clock = self
            .clock
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap_or(self.clock);
        self
    }

    fn push(&mut self, who: &Who, payload: &crate::session::Payload) {
        let actor = format!("{}/sample", who.email);
        let seq = self.seq.entry(actor.clone()).or_insert(0);
        *seq += 1;
        let prev = self.prev.get(&actor).copied().unwrap_or(GENESIS);
        let lamport = self.events.len() as u64 + 1;
        let Ok(data) = payload.to_data() else { return };
        let sealed = Event::seal(Draft {
            session: &self.id,
            actor: &actor,
            seq: *seq,
            lamport,
            at: self.clock.to_string(),
            who,
            kind: payload.kind(),
            data: &data,
            prev: &prev,
            key: None,
        });
        if let Ok((ev, _)) = sealed {
            self.prev.insert(actor, ev.hash);
            self.events.push(ev);
        }
    }

    /// Record a command as `who`, if the rules allow it now.
    pub fn cmd(&mut self, who: &Who, cmd: Command) -> Result<&mut Self, RuleError> {
        let payload = self.state().check(&cmd)?;
        self.push(who, &payload);
        Ok(self)
    }

    /// The sample's clock: the time of the next event.
    pub fn clock(&self) -> jiff::Timestamp {
        self.clock
    }

    pub fn state(&self) -> SessionState {
        fold(&self.id, &self.events)
    }

    /// The events so far, in the fold's order (each one's clock is one
    /// more than the one before).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The time `secs` after the start.
    pub fn at(secs: i64) -> jiff::Timestamp {
        START
            .parse::<jiff::Timestamp>()
            .ok()
            .and_then(|t| t.checked_add(jiff::SignedDuration::from_secs(secs)).ok())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

fn start(step: &str) -> Command {
    Command::Start { step: step.into() }
}

fn done(step: &str, note: Option<&str>) -> Command {
    Command::Complete {
        step: step.into(),
        note: note.map(str::to_string),
    }
}

/// Complete `step` as its kind asks: a gate with its evidence, the canary
/// through its whole plan (a Promote judged at each weight, the last at
/// 100%), anything else plainly.
fn finish(s: &mut Sample, who: &Who, step: &str) -> Result<(), RuleError> {
    let kind = s.state().plan.step(step).map(|p| p.kind.clone());
    let acks = s
        .state()
        .plan
        .step(step)
        .map(|p| p.ack.clone())
        .unwrap_or_default();
    for role in acks {
        s.wait(60).cmd(
            &dee(),
            Command::Acknowledge {
                step: step.into(),
                role,
                note: None,
            },
        )?;
    }
    match kind.as_deref() {
        Some("gate") => {
            s.wait(180)
                .cmd(who, done(step, Some("ci run 4812: green, report attached")))?;
        }
        Some("canary") => {
            for weight in [5, 25, 50, 100] {
                s.wait(30).cmd(
                    who,
                    Command::Record(crate::canary::ops::weight_set(step, weight, None)),
                )?;
                let judged =
                    crate::session::Payload::CanaryJudged(crate::session::payload::CanaryJudged {
                        step: Some(step.into()),
                        verdict: "promote".into(),
                        score: Some(100.0),
                        weight: Some(weight),
                        summary: "PROMOTE — score 100/100 meets the pass threshold 80".into(),
                        judgement: serde_json::Value::Null,
                    });
                s.wait(40).cmd(who, Command::Record(judged))?;
            }
            s.wait(10).cmd(who, done(step, None))?;
        }
        _ => {
            s.wait(180).cmd(who, done(step, None))?;
        }
    }
    Ok(())
}

/// A feature release a quarter of the way through: steps done, skipped,
/// in progress, ready and waiting, and notes.
pub fn early() -> Result<SessionState, RuleError> {
    let mut s = Sample::new(plan("feature-release"), Some("1.4.0"));
    s.wait(70).cmd(&pat(), start("impact"))?;
    s.wait(290)
        .cmd(&pat(), done("impact", Some("docs/impact-1.4.md")))?;
    s.wait(60).cmd(
        &pat(),
        Command::Skip {
            step: "security-impact".into(),
            reason: "no new data, users or connections".into(),
        },
    )?;
    s.wait(45).cmd(&dana(), start("hotfix-plan"))?;
    s.wait(200).cmd(&dana(), done("hotfix-plan", None))?;
    s.wait(30).cmd(&dana(), start("version"))?;
    s.wait(20).cmd(
        &dee(),
        Command::Note {
            text: "support briefed on the CSV export".into(),
            step: Some("impact".into()),
        },
    )?;
    Ok(s.state())
}

/// A feature release past its canary: the PM has rejected once, then
/// approved; enabling for everyone is in progress.
/// The late sample's release notes, as `greenlight notes` drafts them
/// and a person then edits.
pub const RELEASE_NOTES: &str = "## web-api 1.4.0\n\n### Features\n\n- export orders as CSV (69d17b7) by Dana Developer\n\n### Fixes\n\n- handle empty cart totals (1c8ea43) by Dana Developer\n\nThanks to support for the CSV idea.\n";

pub fn late() -> Result<SessionState, RuleError> {
    Ok(late_sample()?.state())
}

/// The late sample as a builder, to go on from.
pub fn late_sample() -> Result<Sample, RuleError> {
    late_rest(signoff_sample()?)
}

/// A feature release whose steps up to the canary are done: the PM's
/// sign-off is open.
pub fn signoff_sample() -> Result<Sample, RuleError> {
    let mut s = Sample::new(plan("feature-release"), Some("1.4.0"));
    for step in [
        "impact",
        "security-impact",
        "version",
        "hotfix-plan",
        "release-candidate-tests",
        "vulnerability-scan",
        "checklist",
        "canary",
    ] {
        s.wait(120).cmd(&dana(), start(step))?;
        finish(&mut s, &dana(), step)?;
    }
    Ok(s)
}

/// The late sample from an open sign-off on: a rejection, the notes set,
/// the approval, enabling for everyone started.
fn late_rest(mut s: Sample) -> Result<Sample, RuleError> {
    s.wait(60).cmd(
        &pat(),
        Command::Signoff {
            step: None,
            role: "pm".into(),
            approve: false,
            comment: Some("release note draft missing".into()),
        },
    )?;
    s.wait(300).cmd(
        &dana(),
        Command::Record(crate::session::Payload::ReleaseNotesSet(
            crate::session::payload::ReleaseNotesSet {
                markdown: RELEASE_NOTES.into(),
            },
        )),
    )?;
    s.wait(300).cmd(
        &pat(),
        Command::Signoff {
            step: None,
            role: "pm".into(),
            approve: true,
            comment: Some("canary clean at 100%".into()),
        },
    )?;
    s.wait(30).cmd(&dana(), start("enable-all"))?;
    Ok(s)
}

/// A feature release in its canary: the checklist done, the canary step
/// in progress, 5% promoted and the weight at 25% since 12 s before the
/// returned time (the app's clock).
pub fn canary_session() -> Result<(SessionState, jiff::Timestamp), RuleError> {
    let s = canary_sample()?;
    Ok((s.state(), s.clock()))
}

/// [`canary_session`] as a [`Sample`], to add events to.
pub fn canary_sample() -> Result<Sample, RuleError> {
    use crate::canary::ops;
    let mut s = Sample::new(plan("feature-release"), Some("1.4.0"));
    for step in [
        "impact",
        "security-impact",
        "version",
        "hotfix-plan",
        "release-candidate-tests",
        "vulnerability-scan",
        "checklist",
        "canary",
    ] {
        s.wait(60).cmd(&dana(), start(step))?;
        if step != "canary" {
            let gate = s.state().plan.step(step).map(|p| p.kind.as_str()) == Some("gate");
            if step == "checklist" {
                s.wait(30).cmd(
                    &dee(),
                    Command::Acknowledge {
                        step: step.into(),
                        role: "dm".into(),
                        note: None,
                    },
                )?;
            }
            s.wait(60)
                .cmd(&dana(), done(step, gate.then_some("ci run 4812: green")))?;
        }
    }
    s.wait(30)
        .cmd(&dana(), Command::Record(ops::weight_set("canary", 5, None)))?;
    let judged = crate::session::Payload::CanaryJudged(crate::session::payload::CanaryJudged {
        step: Some("canary".into()),
        verdict: "promote".into(),
        score: Some(100.0),
        weight: Some(5),
        summary: "PROMOTE — score 100/100 meets the pass threshold 80".into(),
        judgement: serde_json::Value::Null,
    });
    s.wait(40).cmd(&dana(), Command::Record(judged))?;
    s.wait(5).cmd(
        &dana(),
        Command::Record(ops::weight_set("canary", 25, None)),
    )?;
    s.wait(12);
    Ok(s)
}

/// The simulated judgement the sample canary shows at `at`: seed 42,
/// healthy or with the regression injected.
pub fn canary_snapshot(
    at: jiff::Timestamp,
    regression: bool,
) -> crate::canary::snapshot::CanarySnapshot {
    use crate::canary::{CanaryConfig, SourceKind, judge_now, sim::SimulatedSource};
    let config = CanaryConfig::new(SourceKind::Simulated);
    let mut sim = SimulatedSource::new(crate::canary::sim::DEFAULT_SEED);
    sim.set_regression(regression);
    judge_now(&mut sim, &config, at, None)
}

/// A judgement whose whole fetch failed with `error`; with `previous`,
/// its series are carried forward and marked stale.
pub fn canary_failed(
    at: jiff::Timestamp,
    error: &str,
    previous: Option<&crate::canary::snapshot::CanarySnapshot>,
) -> crate::canary::snapshot::CanarySnapshot {
    use crate::canary::snapshot::{CanarySnapshot, judge_fetched};
    use crate::canary::{CanaryConfig, SourceError, SourceKind};
    let config = CanaryConfig::new(SourceKind::Simulated);
    let metrics = config.effective_metrics();
    let (judgement, series, error) = judge_fetched(
        &metrics,
        Err(SourceError::Config(error.to_owned())),
        &config.judge_config(),
    );
    let snap = CanarySnapshot {
        at,
        weight: None,
        source: "simulated (seed 42)".into(),
        window_start: at.as_second() as f64 - 60.0,
        window_end: at.as_second() as f64,
        judgement,
        series,
        error,
        stale: false,
    };
    match previous {
        Some(p) => snap.carry_forward(p),
        None => snap,
    }
}

/// A release train's session: train 3 leaving Mon 2026-11-30 with Morgan
/// as its DM, the independence decided (`train`), the train steps under
/// way.
pub fn train_session() -> Result<SessionState, RuleError> {
    let mut s = Sample::started(crate::session::payload::SessionStarted {
        plan: plan("release-train"),
        version: Some("4.1.0".into()),
        previous_version: Some("4.0.0".into()),
        repo: "system".into(),
        train: Some(Box::new(crate::session::payload::FrozenTrain {
            number: 3,
            departs: "2026-11-30".into(),
            dm: Some("morgan@example.com".into()),
            off_schedule: None,
        })),
        ..Default::default()
    });
    for step in [
        "impact",
        "backward-compatibility",
        "api-versions",
        "feature-flags",
    ] {
        s.wait(120).cmd(&dana(), start(step))?;
        s.wait(60).cmd(&dana(), done(step, Some("checked")))?;
    }
    s.wait(60).cmd(&dana(), start("independence-decision"))?;
    let mut decided = crate::session::payload::StepWithNote::new(
        "independence-decision",
        Some("billing and ledger share the invoice schema".into()),
    );
    decided.choice = Some("train".into());
    s.wait(60).cmd(&dana(), Command::CompleteWith(decided))?;
    s.wait(60).cmd(&dana(), start("train-dm"))?;
    Ok(s.state())
}

/// The train its session shows: four components read by hand (no
/// repositories), one releasing, one waiting, one blocked, one released.
pub fn train_status() -> crate::train::TrainStatus {
    use crate::train::component::{
        CommitLine, ComponentReading, ComponentSession, Location, SignoffLine,
    };
    const MANIFEST: &str = r#"[system]
version = "4.0.0"
[components.billing]
version = "2.4.0"
repo = "../billing"
requires = { ledger = "^1.2" }
[components.ledger]
version = "1.2.0"
repo = "../ledger"
[components.auth]
version = "1.3.0"
repo = "../platform"
path = "services/auth"
[components.search]
version = "0.9.0"
repo = "../platform"
path = "services/search"
requires = { auth = ">=1.4" }
"#;
    let reading = |path: Option<&str>,
                   last: &str,
                   next: &str,
                   bump: &str,
                   commits: &[(&str, &str)],
                   session: Option<ComponentSession>| ComponentReading {
        location: Location::Checkout {
            path: format!("/src/{}", path.map_or("repo", |_| "platform")),
        },
        path: path.map(str::to_owned),
        tag_pattern: Some("v{version}".into()),
        last_tag: Some(last.into()),
        next_version: Some(next.into()),
        next_tag: Some(format!("v{next}")),
        bump: Some(bump.into()),
        reason: Some(format!(
            "{} is a change → {bump}",
            commits.first().map_or("", |c| c.1)
        )),
        commits: commits
            .iter()
            .map(|(id, header)| CommitLine {
                id: (*id).into(),
                header: (*header).into(),
            })
            .collect(),
        head: None,
        session,
        error: None,
    };
    let session =
        |scenario: &str, version: &str, status: &str, done: usize, total: usize| ComponentSession {
            id: "01JSAMPLE0000000000000001".into(),
            scenario: scenario.into(),
            version: Some(version.into()),
            status: status.into(),
            steps_done: done,
            steps_total: total,
            canary_weight: None,
            canary_verdict: None,
            signoffs: Vec::new(),
            troubles: Vec::new(),
            source: "this machine's sessions".into(),
        };
    let mut billing_session = session("feature-release", "2.5.0", "open", 9, 13);
    billing_session.canary_weight = Some(25);
    billing_session.canary_verdict = Some("PROMOTE".into());
    billing_session.signoffs.push(SignoffLine {
        role: "pm".into(),
        approved: true,
        by: "Pat Product".into(),
    });
    let readings = vec![
        reading(
            Some("services/auth"),
            "auth-v1.3.0",
            "1.3.1",
            "patch",
            &[("5e1f2a3", "fix(auth): tokens expire on time")],
            Some(session("hotfix", "1.3.1", "complete", 14, 14)),
        ),
        reading(
            None,
            "v2.4.0",
            "2.5.0",
            "minor",
            &[
                ("a1b2c3d", "feat: invoices by e-mail"),
                ("d4e5f6a", "docs: how invoices go out"),
            ],
            Some(billing_session),
        ),
        reading(
            None,
            "v1.2.0",
            "1.2.1",
            "patch",
            &[("0badf00", "fix: rounding of cents")],
            None,
        ),
        reading(
            Some("services/search"),
            "search-v0.9.0",
            "0.9.1",
            "patch",
            &[("c0ffee1", "feat(search): facets")],
            None,
        ),
    ];
    let config: Option<crate::train::TrainConfig> = toml::from_str(
        "cadence = \"2w\"\nfirst = 2026-11-02\ndm = \"morgan@example.com\"\nteams = [{ name = \"payments\", components = [\"billing\", \"ledger\"] }, { name = \"platform\", components = [\"auth\", \"search\"] }]",
    )
    .ok();
    let manifest = match crate::release::Manifest::parse(MANIFEST) {
        Ok(m) => m,
        Err(_) => return empty_train(),
    };
    let store = crate::session::Store::at(std::path::PathBuf::from("/nonexistent"));
    let today = "2026-11-27"
        .parse()
        .unwrap_or(jiff::civil::Date::constant(2026, 11, 27));
    crate::train::status::assemble(
        &crate::train::TrainInputs {
            system_root: std::path::Path::new("/src/system"),
            manifest: &manifest,
            config: config.as_ref(),
            store: &store,
            cache: std::path::Path::new("/nonexistent"),
            fetch: false,
            today,
            release_as: None,
        },
        readings,
    )
}

fn empty_train() -> crate::train::TrainStatus {
    crate::train::TrainStatus {
        system_version: String::new(),
        next_system_version: String::new(),
        system_bump: "none".into(),
        system_reason: String::new(),
        departure: None,
        dm: None,
        components: Vec::new(),
        blockers: Vec::new(),
        warnings: Vec::new(),
    }
}
