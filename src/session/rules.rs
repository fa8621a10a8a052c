//! The rules of a release that a person may break on purpose with a
//! reason (an override, recorded as its own event), and how an action is
//! checked against them: requires, owners and roles (against the team the
//! session froze at its start), evidence, gates with a command or a SARIF
//! report, the manifest, acknowledgements, and the canary plan.
//!
//! Refusals nothing overrides (an unknown step, a closed session, a
//! missing reason) stay in [`super::state::SessionState::refusal`].

use serde::Serialize;

use super::event::Who;
use super::payload::{self, Payload};
use super::state::{RuleError, SessionState, Stamp, StepStatus};

/// A rule of the release that a person may break on purpose, saying why
/// (an override, recorded as its own event), as opposed to a refusal
/// nothing overrides (an unknown step, a closed session, a missing
/// reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The steps it requires are done or skipped.
    Requires,
    /// Only a person holding the step's owner (or `with`) role acts on it.
    Owner,
    /// Only a person holding the role signs for it.
    SignoffRole,
    /// Only a person holding the role acknowledges for it.
    AckRole,
    /// A step that requires evidence gets a note, a URL or a file.
    Evidence,
    /// A gate with a command passes only when its command exited 0.
    Gate,
    /// A gate with a SARIF report passes only without results at or
    /// above its level.
    Sarif,
    /// A manifest step passes only when the manifest check passes.
    Manifest,
    /// A step with `ack` completes only after each role acknowledged it.
    Ack,
    /// The canary's weight rises only while its step is in progress.
    CanaryStep,
    /// The canary's weight rises only after a Promote at the current one.
    CanaryPromote,
    /// The canary step completes only at its last weight, after a Promote
    /// judged there once the observation time passed.
    CanaryPlan,
    /// In a release train, only the train's dedicated delivery manager
    /// gives the DM sign-off.
    TrainDm,
}

impl Rule {
    pub const ALL: [Rule; 13] = [
        Rule::Requires,
        Rule::Owner,
        Rule::SignoffRole,
        Rule::AckRole,
        Rule::Evidence,
        Rule::Gate,
        Rule::Sarif,
        Rule::Manifest,
        Rule::Ack,
        Rule::CanaryStep,
        Rule::CanaryPromote,
        Rule::CanaryPlan,
        Rule::TrainDm,
    ];

    /// The name recorded in `rule_overridden` and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Requires => "requires",
            Rule::Owner => "owner",
            Rule::SignoffRole => "signoff-role",
            Rule::AckRole => "ack-role",
            Rule::Evidence => "evidence",
            Rule::Gate => "gate",
            Rule::Sarif => "sarif",
            Rule::Manifest => "manifest",
            Rule::Ack => "ack",
            Rule::CanaryStep => "canary-step",
            Rule::CanaryPromote => "canary-promote",
            Rule::CanaryPlan => "canary-plan",
            Rule::TrainDm => "train-dm",
        }
    }

    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// A rule an action would break, and the refusal that says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub rule: Rule,
    pub error: RuleError,
}

impl RuleError {
    /// Would an override let this through? (The rest are refusals.)
    pub fn rule(&self) -> Option<Rule> {
        Some(match self {
            RuleError::RequiresPending { .. } => Rule::Requires,
            RuleError::NotOwner { .. } => Rule::Owner,
            RuleError::RoleNotHeld { what, .. } if *what == "acknowledge" => Rule::AckRole,
            RuleError::RoleNotHeld { .. } => Rule::SignoffRole,
            RuleError::EvidenceRequired { .. } => Rule::Evidence,
            RuleError::GateNotPassed { .. } => Rule::Gate,
            RuleError::SarifMissing { .. } | RuleError::SarifFails { .. } => Rule::Sarif,
            RuleError::ManifestMissing { .. } | RuleError::ManifestBroken { .. } => Rule::Manifest,
            RuleError::AckMissing { .. } => Rule::Ack,
            RuleError::CanaryStepNotActive { .. } => Rule::CanaryStep,
            RuleError::CanaryNotPromoted { .. } => Rule::CanaryPromote,
            RuleError::CanaryIncomplete { .. } => Rule::CanaryPlan,
            RuleError::NotTrainDm { .. } => Rule::TrainDm,
            _ => return None,
        })
    }
}

impl SessionState {
    /// The rules `payload` breaks that an override would let through, in
    /// the order they are explained. `who`: the person acting (None: rules
    /// about persons are skipped).
    pub fn breaches(&self, payload: &Payload, who: Option<&Who>) -> Vec<Breach> {
        let mut out = Vec::new();
        let mut push = |error: RuleError| {
            if let Some(rule) = error.rule() {
                out.push(Breach { rule, error });
            }
        };
        match payload {
            Payload::StepStarted(s) => {
                self.requires_breach(&s.step, &mut push);
                self.owner_breach(&s.step, who, "start", &mut push);
            }
            Payload::StepCompleted(c) => {
                self.requires_breach(&c.step, &mut push);
                self.owner_breach(&c.step, who, "complete", &mut push);
                self.completion_breaches(c, &mut push);
            }
            Payload::StepSkipped(s) => self.owner_breach(&s.step, who, "skip", &mut push),
            Payload::StepFailed(s) => self.owner_breach(&s.step, who, "fail", &mut push),
            Payload::CommandStarted(c) => {
                self.requires_breach(&c.step, &mut push);
                self.owner_breach(&c.step, who, "run", &mut push);
            }
            Payload::SignoffGiven(s) | Payload::SignoffRejected(s) => {
                self.requires_breach(&s.step, &mut push);
                self.role_breach(&s.role, who, "sign", &mut push);
                self.train_dm_breach(&s.role, who, &mut push);
            }
            Payload::StepAcknowledged(a) => {
                self.role_breach(&a.role, who, "acknowledge", &mut push)
            }
            Payload::CanaryWeightSet(w) => self.canary_weight_breaches(w, &mut push),
            _ => {}
        }
        out
    }

    fn requires_breach(&self, step: &str, push: &mut impl FnMut(RuleError)) {
        if let Some(p) = self.plan.step(step)
            && let Err(e) = self.require_ready(p)
        {
            push(e);
        }
    }

    fn owner_breach(
        &self,
        step: &str,
        who: Option<&Who>,
        verb: &'static str,
        push: &mut impl FnMut(RuleError),
    ) {
        let (Some(who), Some(p)) = (who, self.plan.step(step)) else {
            return;
        };
        if !self.roles_enforced() {
            return;
        }
        let mut needs = vec![p.owner.clone()];
        needs.extend(p.with.iter().cloned());
        let holds = self.roles_of(&who.email);
        if !holds.iter().any(|r| needs.contains(r)) {
            push(RuleError::NotOwner {
                step: step.to_string(),
                verb,
                person: who.name.clone(),
                needs,
                holds,
            });
        }
    }

    /// A train names its DM: the DM sign-off is theirs alone (whether or
    /// not `[[people]]` enforces roles).
    fn train_dm_breach(&self, role: &str, who: Option<&Who>, push: &mut impl FnMut(RuleError)) {
        let (Some(who), Some(dm)) = (who, self.train.as_ref().and_then(|t| t.dm.as_deref())) else {
            return;
        };
        if role == "dm" && !dm.trim().eq_ignore_ascii_case(who.email.trim()) {
            push(RuleError::NotTrainDm {
                person: who.name.clone(),
                dm: dm.to_owned(),
                train: self.train.as_ref().map_or(0, |t| t.number),
            });
        }
    }

    fn role_breach(
        &self,
        role: &str,
        who: Option<&Who>,
        what: &'static str,
        push: &mut impl FnMut(RuleError),
    ) {
        let Some(who) = who else { return };
        if self.roles_enforced() && !self.roles_of(&who.email).iter().any(|r| r == role) {
            push(RuleError::RoleNotHeld {
                person: who.name.clone(),
                role: role.to_string(),
                what,
            });
        }
    }

    /// What completing a step needs beyond its requires and owner: the
    /// evidence, the gate's command or report, the manifest, the
    /// acknowledgements, the canary plan.
    fn completion_breaches(&self, c: &payload::StepWithNote, push: &mut impl FnMut(RuleError)) {
        let Some(p) = self.plan.step(&c.step) else {
            return;
        };
        let step = &c.step;
        if p.evidence_required
            && c.note.as_deref().is_none_or(|n| n.trim().is_empty())
            && c.evidence.is_empty()
            && c.sarif.is_none()
        {
            push(RuleError::EvidenceRequired {
                step: step.clone(),
                expected: p.evidence.clone(),
            });
        }
        if p.is_gate()
            && let Some(command) = &p.run
        {
            let last = self.step(step).and_then(|s| {
                s.runs
                    .iter()
                    .rev()
                    .find(|r| !r.rollback && r.finished.is_some())
            });
            match last.and_then(|r| r.finished.as_ref()) {
                Some((_, f)) if f.succeeded() => {}
                Some((_, f)) => push(RuleError::GateNotPassed {
                    step: step.clone(),
                    command: command.clone(),
                    last: format!(
                        "its last run {}",
                        f.exit_code.map_or_else(
                            || "did not exit by itself".into(),
                            |c| format!("exited {c}")
                        )
                    ),
                }),
                None => push(RuleError::GateNotPassed {
                    step: step.clone(),
                    command: command.clone(),
                    last: "it has not run yet".into(),
                }),
            }
        }
        if let Some(path) = &p.sarif {
            match &c.sarif {
                None => push(RuleError::SarifMissing {
                    step: step.clone(),
                    path: path.clone(),
                }),
                Some(s) if s.at_or_above(p.sarif_fail_on()) > 0 => push(RuleError::SarifFails {
                    step: step.clone(),
                    path: s.path.clone(),
                    error: s.error,
                    warning: s.warning,
                    note: s.note,
                    fail_on: p.sarif_fail_on().as_str(),
                }),
                Some(_) => {}
            }
        }
        if p.manifest {
            match &c.manifest {
                None => push(RuleError::ManifestMissing { step: step.clone() }),
                Some(m) if !m.problems.is_empty() => push(RuleError::ManifestBroken {
                    step: step.clone(),
                    problems: m.problems.clone(),
                }),
                Some(_) => {}
            }
        }
        if !p.ack.is_empty() {
            let acked: Vec<&String> = self
                .step(step)
                .map(|s| s.acks.iter().map(|(_, r)| r).collect())
                .unwrap_or_default();
            let missing: Vec<String> = p
                .ack
                .iter()
                .filter(|r| !acked.contains(r))
                .cloned()
                .collect();
            if !missing.is_empty() {
                push(RuleError::AckMissing {
                    step: step.clone(),
                    roles: missing,
                });
            }
        }
        if p.is_canary()
            && let Some(why) = self.canary_short_of_plan()
        {
            push(RuleError::CanaryIncomplete {
                step: step.clone(),
                why,
            });
        }
    }

    /// Where the canary stands against its plan, when it has not reached
    /// the end: "at 25%, last verdict ROLL BACK at 10:02:13".
    pub fn canary_short_of_plan(&self) -> Option<String> {
        let last_weight = self
            .canary_plan
            .as_ref()
            .and_then(|c| c.weights.last().copied())
            .unwrap_or(100);
        let observe = self
            .canary_plan
            .as_ref()
            .map_or(0, |c| c.min_observation_secs);
        let verdict = |j: &(Stamp, payload::CanaryJudged)| {
            format!(
                "last verdict {} at {}",
                crate::canary::Verdict::parse(&j.1.verdict).map_or_else(
                    || crate::text::escape(&j.1.verdict).to_uppercase(),
                    |v| v.shout().to_owned()
                ),
                super::words::clock_time(&j.0.at)
            )
        };
        let latest = self.canary.judgements.last();
        let Some(weight) = self.canary.weight else {
            return Some(format!(
                "no weight was ever set (the plan ends at {last_weight}%)"
            ));
        };
        if weight != last_weight {
            return Some(format!(
                "at {weight}% (the plan ends at {last_weight}%){}",
                latest
                    .map(|j| format!(", {}", verdict(j)))
                    .unwrap_or_default()
            ));
        }
        let reached = self
            .canary
            .weights
            .iter()
            .rev()
            .find(|(_, w)| w.weight == last_weight)
            .and_then(|(by, _)| parse_time(&by.at));
        let promoted = self.canary.judgements.iter().any(|(by, j)| {
            j.verdict == "promote"
                && j.weight == Some(last_weight)
                && match (reached, parse_time(&by.at)) {
                    (Some(from), Some(at)) => at.as_second() - from.as_second() >= observe as i64,
                    _ => false,
                }
        });
        if promoted {
            return None;
        }
        let there = self
            .canary
            .judgements
            .iter()
            .rev()
            .find(|(_, j)| j.weight == Some(last_weight));
        Some(match there {
            Some(j) => format!(
                "at {weight}%, no Promote judged after {observe}s of watching there; {}",
                verdict(j)
            ),
            None => format!("at {weight}%, not judged there yet"),
        })
    }

    /// Would a Promote judged at `at`, at `weight`, be the one the canary
    /// step still waits for (at the plan's last weight, after its
    /// observation)? The app records such a judgement even when nothing
    /// else about it is new, so the step can complete.
    pub fn promote_completes_canary(&self, weight: Option<u32>, at: jiff::Timestamp) -> bool {
        let last_weight = self
            .canary_plan
            .as_ref()
            .and_then(|c| c.weights.last().copied())
            .unwrap_or(100);
        let observe = self
            .canary_plan
            .as_ref()
            .map_or(0, |c| c.min_observation_secs) as i64;
        if weight != Some(last_weight) || self.canary.weight != Some(last_weight) {
            return false;
        }
        let reached = self
            .canary
            .weights
            .iter()
            .rev()
            .find(|(_, w)| w.weight == last_weight)
            .and_then(|(by, _)| parse_time(&by.at));
        reached.is_some_and(|from| at.as_second() - from.as_second() >= observe)
            && self.canary_short_of_plan().is_some()
    }

    /// Raising the canary's weight: its step must be in progress, and the
    /// current weight judged Promote; an inline override reason (the
    /// weight's own) lets either through.
    fn canary_weight_breaches(
        &self,
        w: &payload::CanaryWeightSet,
        push: &mut impl FnMut(RuleError),
    ) {
        let current = self.canary.weight;
        let rising = w.weight > current.unwrap_or(0);
        let overridden = w
            .override_reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        if !rising || overridden {
            return;
        }
        if let Some(st) = self.step(&w.step)
            && st.status != StepStatus::InProgress
        {
            let waits = self
                .plan
                .step(&w.step)
                .map(|p| self.pending_requires(p))
                .unwrap_or_default();
            push(RuleError::CanaryStepNotActive {
                step: w.step.clone(),
                status: st.mark(!waits.is_empty()).1,
                waits,
            });
        }
        if let Some(from) = current
            && self.canary.verdict_at_current_weight() != Some("promote")
        {
            push(RuleError::CanaryNotPromoted {
                from,
                to: w.weight,
                verdict: self
                    .canary
                    .verdict_at_current_weight()
                    .unwrap_or("not judged yet")
                    .to_string(),
            });
        }
    }
}

/// An RFC 3339 time as events carry it.
fn parse_time(at: &str) -> Option<jiff::Timestamp> {
    at.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::{Draft, Event, GENESIS, Who};
    use crate::session::payload::{
        FrozenCanary, ManifestSnapshot, RosterEntry, SarifSummary, SessionStarted, StepWithNote,
    };
    use crate::session::plan::{Plan, PlanStep};
    use crate::session::state::{Command, fold};

    fn step(id: &str, kind: &str, owner: &str, requires: &[&str]) -> PlanStep {
        PlanStep {
            id: id.into(),
            title: id.into(),
            owner: owner.into(),
            kind: kind.into(),
            requires: requires.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn plan() -> Plan {
        let mut gate = step("tests", "gate", "developer", &[]);
        gate.evidence_required = true;
        gate.evidence = vec!["test report".into()];
        let mut scan = step("scan", "gate", "developer", &[]);
        scan.sarif = Some("scan.sarif".into());
        scan.evidence_required = true;
        let mut ci = step("ci", "gate", "developer", &[]);
        ci.run = Some("./ci.sh".into());
        let mut manifest = step("manifest", "check", "dm", &[]);
        manifest.manifest = true;
        let mut checklist = step("checklist", "check", "developer", &[]);
        checklist.ack = vec!["dm".into()];
        let mut canary = step("canary", "canary", "developer", &[]);
        canary.rollback = Some("./rollback.sh".into());
        let mut go = step("go", "signoff", "pm", &["canary"]);
        go.roles = vec!["pm".into()];
        Plan {
            playbook: "t".into(),
            title: "T".into(),
            steps: vec![gate, scan, ci, manifest, checklist, canary, go],
        }
    }

    /// A person of the team (their roles are in [`team`]).
    fn person(name: &str) -> Who {
        Who {
            name: name.into(),
            email: format!("{}@x", name.to_lowercase()),
        }
    }

    /// An in-memory journal with a team: Dev (developer), Dee (dm), Pat
    /// (pm), Tess (tech-lead).
    struct Log {
        events: Vec<Event>,
        lamport: u64,
    }

    fn team() -> Vec<RosterEntry> {
        [
            ("Dev", "developer"),
            ("Dee", "dm"),
            ("Pat", "pm"),
            ("Tess", "tech-lead"),
        ]
        .iter()
        .map(|(n, r)| RosterEntry {
            name: n.to_string(),
            email: format!("{}@x", n.to_lowercase()),
            roles: vec![r.to_string()],
        })
        .collect()
    }

    impl Log {
        fn new(people: Vec<RosterEntry>, override_roles: &[&str]) -> Log {
            let mut l = Log {
                events: vec![],
                lamport: 0,
            };
            l.push(
                &person("Dev"),
                Payload::SessionStarted(SessionStarted {
                    plan: plan(),
                    repo: "r".into(),
                    people,
                    policy: payload::Policy {
                        override_roles: override_roles.iter().map(|s| s.to_string()).collect(),
                    },
                    canary: Some(FrozenCanary {
                        weights: vec![10, 100],
                        min_observation_secs: 60,
                    }),
                    ..Default::default()
                }),
                "2026-11-27T10:00:00Z",
            );
            l
        }

        fn push(&mut self, who: &Who, p: Payload, at: &str) {
            self.lamport += 1;
            let actor = format!("{}/dev", who.email);
            let seq = self.events.iter().filter(|e| *e.actor == *actor).count() as u64 + 1;
            let data = p.to_data().unwrap();
            let (ev, _) = Event::seal(Draft {
                session: "S",
                actor: &actor,
                seq,
                lamport: self.lamport,
                at: at.into(),
                who,
                kind: p.kind(),
                data: &data,
                prev: &GENESIS,
                key: None,
            })
            .unwrap();
            self.events.push(ev);
        }

        fn state(&self) -> SessionState {
            fold("S", &self.events)
        }

        /// As `Session::execute_with` does: refuse, or record the override
        /// and then the action.
        fn act(
            &mut self,
            who: &Who,
            cmd: Command,
            over: Option<&str>,
            at: &str,
        ) -> Result<(), RuleError> {
            let st = self.state();
            let p = st.prepare(&cmd, Some(who))?;
            let b = st.breaches(&p, Some(who));
            if let Some(first) = b.first() {
                let Some(reason) = over else {
                    return Err(first.error.clone());
                };
                let o = Payload::RuleOverridden(payload::RuleOverridden {
                    rules: b.iter().map(|x| x.rule.as_str().to_string()).collect(),
                    step: p.step().map(str::to_string),
                    action: p.kind().to_string(),
                    reason: reason.into(),
                });
                st.refusal(&o, Some(who))?;
                self.push(who, o, at);
            }
            self.push(who, p, at);
            Ok(())
        }

        fn status(&self, step: &str) -> StepStatus {
            self.state().step(step).unwrap().status
        }
    }

    const T: &str = "2026-11-27T10:00:00Z";

    fn start(s: &str) -> Command {
        Command::Start { step: s.into() }
    }

    fn done(s: &str) -> Command {
        Command::Complete {
            step: s.into(),
            note: None,
        }
    }

    #[test]
    fn owners_act_on_their_steps_and_an_override_lets_anyone_through() {
        let mut l = Log::new(team(), &[]);
        let pat = person("Pat");
        let err = l.act(&pat, start("checklist"), None, T).unwrap_err();
        assert_eq!(err.rule(), Some(Rule::Owner), "{err}");
        assert!(err.to_string().contains("belongs to developer"), "{err}");
        l.act(&pat, start("checklist"), Some("Dev is on a plane"), T)
            .unwrap();
        let st = l.state();
        assert_eq!(st.step("checklist").unwrap().status, StepStatus::InProgress);
        assert_eq!(st.overrides.len(), 1);
        assert_eq!(st.overrides[0].1.rules, vec!["owner"]);
        // Without a team nothing about persons is refused.
        let mut l = Log::new(vec![], &[]);
        l.act(&pat, start("checklist"), None, T).unwrap();
    }

    #[test]
    fn an_override_covers_only_the_next_event_of_its_actor() {
        let mut l = Log::new(team(), &[]);
        let pat = person("Pat");
        // An override followed by another action: it does not carry over.
        l.push(
            &pat,
            Payload::RuleOverridden(payload::RuleOverridden {
                rules: vec!["owner".into()],
                step: Some("checklist".into()),
                action: "step_started".into(),
                reason: "x".into(),
            }),
            T,
        );
        l.push(
            &pat,
            Payload::NoteAdded(payload::Note {
                text: "hi".into(),
                step: None,
            }),
            T,
        );
        l.push(
            &pat,
            Payload::StepStarted(payload::StepRef {
                step: "checklist".into(),
            }),
            T,
        );
        let st = l.state();
        assert_eq!(st.step("checklist").unwrap().status, StepStatus::Pending);
        assert!(
            st.history
                .last()
                .unwrap()
                .not_applied
                .as_deref()
                .unwrap()
                .contains("belongs to"),
        );
    }

    #[test]
    fn override_roles_limit_who_may_override() {
        let mut l = Log::new(team(), &["tech-lead"]);
        let err = l
            .act(&person("Pat"), start("checklist"), Some("because"), T)
            .unwrap_err();
        assert!(matches!(err, RuleError::OverrideNotAllowed { .. }), "{err}");
        l.act(
            &person("Tess"),
            start("checklist"),
            Some("covering for Dev"),
            T,
        )
        .unwrap();
    }

    #[test]
    fn evidence_is_required_on_gates() {
        let mut l = Log::new(team(), &[]);
        let dev = person("Dev");
        l.act(&dev, start("tests"), None, T).unwrap();
        let err = l.act(&dev, done("tests"), None, T).unwrap_err();
        assert!(matches!(err, RuleError::EvidenceRequired { .. }), "{err}");
        assert!(err.to_string().contains("test report"), "{err}");
        let mut with = StepWithNote::new("tests", None);
        with.evidence = vec![payload::Evidence::Url {
            url: "https://ci.example.com/run/812".into(),
        }];
        l.act(&dev, Command::CompleteWith(with), None, T).unwrap();
        assert_eq!(l.status("tests"), StepStatus::Done);
    }

    #[test]
    fn a_gate_with_a_command_passes_only_after_it_exited_0() {
        let mut l = Log::new(team(), &[]);
        let dev = person("Dev");
        l.act(&dev, start("ci"), None, T).unwrap();
        let err = l
            .act(
                &dev,
                Command::Complete {
                    step: "ci".into(),
                    note: Some("looked fine".into()),
                },
                None,
                T,
            )
            .unwrap_err();
        assert!(err.to_string().contains("has not run yet"), "{err}");
        let fin = |code| {
            Payload::CommandFinished(payload::CommandFinished {
                step: "ci".into(),
                command: "./ci.sh".into(),
                exit_code: Some(code),
                signal: None,
                duration_ms: 1,
                timed_out: false,
                cancelled: false,
                interrupted: None,
                output_sha256: String::new(),
                output_bytes: 0,
                last_lines: vec![],
            })
        };
        l.push(&dev, fin(3), T);
        let err = l
            .act(
                &dev,
                Command::Complete {
                    step: "ci".into(),
                    note: Some("x".into()),
                },
                None,
                T,
            )
            .unwrap_err();
        assert!(err.to_string().contains("exited 3"), "{err}");
        l.push(&dev, fin(0), T);
        l.act(
            &dev,
            Command::Complete {
                step: "ci".into(),
                note: Some("green".into()),
            },
            None,
            T,
        )
        .unwrap();
    }

    #[test]
    fn a_sarif_gate_fails_on_results_at_its_level() {
        let mut l = Log::new(team(), &[]);
        let dev = person("Dev");
        l.act(&dev, start("scan"), None, T).unwrap();
        let report = |error| SarifSummary {
            path: "scan.sarif".into(),
            sha256: "ab".into(),
            error,
            warning: 4,
            note: 9,
            none: 0,
        };
        let mut c = StepWithNote::new("scan", None);
        c.sarif = Some(report(2));
        let err = l
            .act(&dev, Command::CompleteWith(c.clone()), None, T)
            .unwrap_err();
        assert!(err.to_string().contains("2 errors"), "{err}");
        let err = l
            .act(
                &dev,
                Command::Complete {
                    step: "scan".into(),
                    note: Some("x".into()),
                },
                None,
                T,
            )
            .unwrap_err();
        assert!(matches!(err, RuleError::SarifMissing { .. }), "{err}");
        c.sarif = Some(report(0));
        l.act(&dev, Command::CompleteWith(c), None, T).unwrap();
        assert_eq!(
            l.state()
                .step("scan")
                .unwrap()
                .sarif
                .as_ref()
                .unwrap()
                .warning,
            4
        );
    }

    #[test]
    fn a_manifest_step_needs_a_passing_snapshot_and_sign_offs_name_it() {
        let mut l = Log::new(team(), &[]);
        let dee = person("Dee");
        let snap = |problems: Vec<String>| ManifestSnapshot {
            blob: "1a2b3c4d5e6f".into(),
            system: Some("4.0.0".into()),
            components: vec![],
            problems,
        };
        let mut c = StepWithNote::new("manifest", None);
        c.manifest = Some(snap(vec!["api 2.0 needs db >=3".into()]));
        let err = l
            .act(&dee, Command::CompleteWith(c.clone()), None, T)
            .unwrap_err();
        assert!(err.to_string().contains("api 2.0 needs db"), "{err}");
        c.manifest = Some(snap(vec![]));
        l.act(&dee, Command::CompleteWith(c), None, T).unwrap();
        let st = l.state();
        assert_eq!(st.manifest.as_ref().unwrap().1.blob, "1a2b3c4d5e6f");
        let p = st
            .prepare(
                &Command::Signoff {
                    step: Some("go".into()),
                    role: "pm".into(),
                    approve: true,
                    comment: None,
                },
                None,
            )
            .unwrap();
        match p {
            Payload::SignoffGiven(s) => assert_eq!(s.manifest.as_deref(), Some("1a2b3c4d5e6f")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_step_with_ack_waits_for_each_role() {
        let mut l = Log::new(team(), &[]);
        let dev = person("Dev");
        l.act(&dev, start("checklist"), None, T).unwrap();
        let err = l.act(&dev, done("checklist"), None, T).unwrap_err();
        assert!(err.to_string().contains("dm acknowledged"), "{err}");
        let ack = |role: &str| Command::Acknowledge {
            step: "checklist".into(),
            role: role.into(),
            note: None,
        };
        let err = l.act(&dev, ack("dm"), None, T).unwrap_err();
        assert_eq!(err.rule(), Some(Rule::AckRole), "{err}");
        l.act(&person("Dee"), ack("dm"), None, T).unwrap();
        l.act(&dev, done("checklist"), None, T).unwrap();
    }

    fn weight(w: u32) -> Command {
        Command::Record(crate::canary::ops::weight_set("canary", w, None))
    }

    fn judged(verdict: &str, w: u32) -> Command {
        Command::Record(Payload::CanaryJudged(payload::CanaryJudged {
            step: Some("canary".into()),
            verdict: verdict.into(),
            score: None,
            weight: Some(w),
            summary: String::new(),
            judgement: serde_json::Value::Null,
        }))
    }

    #[test]
    fn the_canary_step_completes_only_at_its_last_weight_after_a_promote_there() {
        let mut l = Log::new(team(), &[]);
        let dev = person("Dev");
        let err = l.act(&dev, weight(10), None, T).unwrap_err();
        assert_eq!(err.rule(), Some(Rule::CanaryStep), "{err}");
        l.act(&dev, start("canary"), None, T).unwrap();
        let err = l.act(&dev, done("canary"), None, T).unwrap_err();
        assert!(err.to_string().contains("no weight was ever set"), "{err}");
        l.act(&dev, weight(10), None, "2026-11-27T10:01:00Z")
            .unwrap();
        l.act(&dev, judged("rollback", 10), None, "2026-11-27T10:02:13Z")
            .unwrap();
        let err = l.act(&dev, done("canary"), None, T).unwrap_err();
        assert!(
            err.to_string()
                .contains("at 10% (the plan ends at 100%), last verdict ROLL BACK at 10:02:13"),
            "{err}"
        );
        l.act(&dev, judged("promote", 10), None, "2026-11-27T10:03:00Z")
            .unwrap();
        l.act(&dev, weight(100), None, "2026-11-27T10:04:00Z")
            .unwrap();
        // A Promote before the observation time passed does not count.
        let at = |t: &str| t.parse::<jiff::Timestamp>().unwrap();
        assert!(
            !l.state()
                .promote_completes_canary(Some(100), at("2026-11-27T10:04:30Z"))
        );
        l.act(&dev, judged("promote", 100), None, "2026-11-27T10:04:30Z")
            .unwrap();
        // One after it would: the app records it although nothing changed.
        assert!(
            l.state()
                .promote_completes_canary(Some(100), at("2026-11-27T10:05:10Z"))
        );
        assert!(
            !l.state()
                .promote_completes_canary(Some(10), at("2026-11-27T10:05:10Z"))
        );
        let err = l.act(&dev, done("canary"), None, T).unwrap_err();
        assert!(
            err.to_string().contains("no Promote judged after 60s"),
            "{err}"
        );
        l.act(&dev, judged("promote", 100), None, "2026-11-27T10:05:10Z")
            .unwrap();
        assert!(
            !l.state()
                .promote_completes_canary(Some(100), at("2026-11-27T10:05:20Z"))
        );
        l.act(&dev, done("canary"), None, "2026-11-27T10:05:20Z")
            .unwrap();
        assert_eq!(l.status("canary"), StepStatus::Done);
    }

    #[test]
    fn a_rollback_changes_the_state_and_the_steps_after_it_wait_again() {
        let mut l = Log::new(team(), &[]);
        let dev = person("Dev");
        l.act(&dev, start("canary"), None, T).unwrap();
        l.act(
            &dev,
            done("canary"),
            Some("canary watched by hand today"),
            T,
        )
        .unwrap();
        assert_eq!(l.status("canary"), StepStatus::Done);
        let rb = |code| {
            Payload::RollbackFinished(payload::CommandFinished {
                step: "canary".into(),
                command: "./rollback.sh".into(),
                exit_code: Some(code),
                signal: None,
                duration_ms: 1,
                timed_out: false,
                cancelled: false,
                interrupted: None,
                output_sha256: String::new(),
                output_bytes: 0,
                last_lines: vec![],
            })
        };
        l.push(&dev, rb(1), T);
        assert_eq!(l.status("canary"), StepStatus::RollbackFailed);
        l.push(&dev, rb(0), T);
        assert_eq!(l.status("canary"), StepStatus::RolledBack);
        let st = l.state();
        assert!(!st.step("canary").unwrap().status.is_settled());
        let go = st.plan.step("go").unwrap();
        assert_eq!(st.pending_requires(go), vec!["canary".to_string()]);
        // It can be started again.
        l.act(&dev, start("canary"), None, T).unwrap();
        assert_eq!(l.status("canary"), StepStatus::InProgress);
    }

    #[test]
    fn sign_offs_follow_the_team_the_session_froze() {
        let mut l = Log::new(team(), &[]);
        let sign = || Command::Signoff {
            step: Some("go".into()),
            role: "pm".into(),
            approve: true,
            comment: None,
        };
        let err = l.act(&person("Dev"), sign(), None, T).unwrap_err();
        // go requires canary: both are named.
        assert!(matches!(err, RuleError::RequiresPending { .. }), "{err}");
        let st = l.state();
        let p = st.prepare(&sign(), None).unwrap();
        let rules: Vec<Rule> = st
            .breaches(&p, Some(&person("Dev")))
            .iter()
            .map(|b| b.rule)
            .collect();
        assert_eq!(rules, vec![Rule::Requires, Rule::SignoffRole]);
        let rules: Vec<Rule> = st
            .breaches(&p, Some(&person("Pat")))
            .iter()
            .map(|b| b.rule)
            .collect();
        assert_eq!(rules, vec![Rule::Requires]);
    }
}
