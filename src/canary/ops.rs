//! What the command line (`greenlight canary …`) and the cockpit both do
//! around a session's canary: find its canary step, build its plan, and
//! make the events of a weight change and of the `set_weight`/rollback
//! commands. Pure: running the commands and recording the events stay
//! with the caller (the CLI waits, the TUI runs them off the UI thread).

use std::path::Path;
use std::time::Duration;

use super::config::CanaryConfig;
use super::plan::{self, CanaryPlan};
use super::process::Finished;
use crate::session::payload::{CanaryWeightSet, CommandFinished, CommandStarted};
use crate::session::{Payload, Plan, PlanStep, SessionState};

/// How long `set_weight` and `rollback` may run when the session's canary
/// step gives no timeout.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// The plan's first step of kind `canary`.
pub fn canary_step(plan: &Plan) -> Option<&PlanStep> {
    plan.steps.iter().find(|p| p.kind == "canary")
}

/// The canary plan of `[canary]`, its rollback taken from the session's
/// canary step `step` when that step has one.
pub fn plan_for(
    config: &CanaryConfig,
    state: Option<&SessionState>,
    step: Option<&str>,
) -> CanaryPlan {
    let mut p = CanaryPlan::from_config(config);
    let Some(plan_step) = state.zip(step).and_then(|(s, id)| s.plan.step(id)) else {
        return p;
    };
    if plan_step.rollback.is_some() {
        p.rollback_command = plan_step.rollback.clone();
    }
    let own_observation = plan_step.min_observation_secs.map(Duration::from_secs);
    // The playbook's own weights (a hotfix may go faster than the
    // repository's default plan); blue/green keeps its two steps.
    if config.strategy == crate::canary::Strategy::Canary && !plan_step.weights.is_empty() {
        let observe = plan_step
            .min_observation_secs
            .map_or_else(|| config.min_observation(), Duration::from_secs);
        p.steps = plan_step
            .weights
            .iter()
            .map(|&weight| crate::canary::plan::WeightStep {
                weight,
                min_observation: observe,
                label: format!("{weight}%"),
            })
            .collect();
    } else if let Some(observe) = own_observation {
        // Only the observation time: over the repository's weights, or
        // blue/green's preview (its switch is not watched).
        match config.strategy {
            crate::canary::Strategy::BlueGreen => {
                if let Some(preview) = p.steps.first_mut() {
                    preview.min_observation = observe;
                }
            }
            crate::canary::Strategy::Canary => {
                for s in &mut p.steps {
                    s.min_observation = observe;
                }
            }
        }
    }
    p
}

/// The step's `timeout`, else [`COMMAND_TIMEOUT`].
pub fn step_timeout(state: &SessionState, step: &str) -> Duration {
    state
        .plan
        .step(step)
        .and_then(|p| p.timeout_secs)
        .map_or(COMMAND_TIMEOUT, Duration::from_secs)
}

/// `command_started` (or `rollback_started`) of a canary command.
pub fn command_started(
    step: &str,
    command: &str,
    rollback: bool,
    confirmed_by: Option<String>,
) -> Payload {
    let started = CommandStarted {
        step: step.to_owned(),
        command: command.to_owned(),
        confirmed_by,
    };
    if rollback {
        Payload::RollbackStarted(started)
    } else {
        Payload::CommandStarted(started)
    }
}

/// `command_finished` (or `rollback_finished`) of a canary command: how it
/// ended, the digest of its output (as for step commands) and its last
/// lines.
pub fn command_finished(step: &str, command: &str, rollback: bool, done: &Finished) -> Payload {
    let finished = CommandFinished {
        step: step.to_owned(),
        command: command.to_owned(),
        exit_code: done.exit_code,
        signal: done.signal,
        duration_ms: done.duration.as_millis() as u64,
        timed_out: done.timed_out,
        cancelled: done.cancelled,
        interrupted: done.interrupted.clone(),
        output_sha256: done.output_sha256.clone(),
        output_bytes: done.output_bytes,
        last_lines: done.last_lines(10),
    };
    if rollback {
        Payload::RollbackFinished(finished)
    } else {
        Payload::CommandFinished(finished)
    }
}

/// `canary_weight_set`; an empty override reason counts as none.
pub fn weight_set(step: &str, weight: u32, override_reason: Option<&str>) -> Payload {
    Payload::CanaryWeightSet(CanaryWeightSet {
        step: step.to_owned(),
        weight,
        override_reason: override_reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
        rollback: false,
    })
}

/// What undoes the canary: the plan's rollback command (with the
/// `set_weight` environment for weight 0), else `set_weight` with weight 0.
pub fn rollback_command(
    plan: &CanaryPlan,
    config: &CanaryConfig,
) -> Option<(String, Vec<(String, String)>)> {
    match &plan.rollback_command {
        Some(c) => Some((
            c.clone(),
            plan::set_weight_command(config, 0)
                .map(|x| x.1)
                .unwrap_or_default(),
        )),
        None => plan::set_weight_command(config, 0),
    }
}

/// The rollback in words, for a confirmation.
pub fn rollback_words(plan: &CanaryPlan, config: &CanaryConfig) -> String {
    match rollback_command(plan, config) {
        Some((c, _)) => format!("run `{c}` and set the weight to 0"),
        None => "set the weight to 0 (no rollback command is configured)".to_owned(),
    }
}

/// Should the simulated source start with its regression injected:
/// `regression = true` in `[canary.simulated]`, or
/// `GREENLIGHT_SIM_REGRESSION` set to 1/true/yes/on. The CLI and the
/// cockpit read it the same way, so they judge the same canary.
pub fn regression_requested(config: &CanaryConfig) -> bool {
    config.simulated.as_ref().is_some_and(|s| s.regression)
        || std::env::var("GREENLIGHT_SIM_REGRESSION").is_ok_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
}

/// Whether the regression marker file is there: the cockpit's `!` writes
/// it so that `greenlight canary judge` in another terminal judges the same
/// (degraded) simulated canary as the pane.
pub fn regression_marked(marker: &Path) -> bool {
    marker.exists()
}

/// Put or remove the regression marker.
pub fn mark_regression(marker: &Path, on: bool) -> std::io::Result<()> {
    if on {
        if let Some(dir) = marker.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(
            marker,
            b"the simulated canary has a regression injected (greenlight cockpit `!`)\n",
        )
    } else {
        match std::fs::remove_file(marker) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Who a recorded judgement is by: the canary judge, running on
/// `person`'s device. A verdict is the judge's reading of the metrics, not
/// something the person decided, so the history must not say they did.
pub fn judge_on_device_of(person: &crate::session::Who) -> crate::session::Who {
    crate::session::Who {
        name: format!("canary judge on {}'s device", person.name),
        email: person.email.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::config::SourceKind;

    #[test]
    fn a_playbook_canary_step_sets_its_own_weights() {
        let mut config = CanaryConfig::new(SourceKind::Simulated);
        config.weights = Some(vec![5, 25, 50, 100]);
        let step = crate::session::PlanStep {
            id: "canary".into(),
            kind: "canary".into(),
            weights: vec![10, 100],
            min_observation_secs: Some(120),
            rollback: Some("./undo.sh".into()),
            ..Default::default()
        };
        let mut state = crate::session::SessionState::empty("s");
        state.plan.steps.push(step);
        let p = plan_for(&config, Some(&state), Some("canary"));
        let weights: Vec<(u32, u64)> = p
            .steps
            .iter()
            .map(|s| (s.weight, s.min_observation.as_secs()))
            .collect();
        assert_eq!(weights, vec![(10, 120), (100, 120)]);
        assert_eq!(p.rollback_command.as_deref(), Some("./undo.sh"));
        // Without its own weights, the repository's plan, watched for the
        // playbook's time.
        state.plan.steps[0].weights.clear();
        let p = plan_for(&config, Some(&state), Some("canary"));
        let weights: Vec<(u32, u64)> = p
            .steps
            .iter()
            .map(|s| (s.weight, s.min_observation.as_secs()))
            .collect();
        assert_eq!(weights, vec![(5, 120), (25, 120), (50, 120), (100, 120)]);
    }

    #[test]
    fn payloads_name_the_step_and_the_kind() {
        let done = Finished {
            stdout: b"ok\n".to_vec(),
            stderr: Vec::new(),
            exit_code: Some(0),
            signal: None,
            timed_out: false,
            cancelled: false,
            interrupted: None,
            duration: Duration::from_millis(12),
            output_sha256: "0".repeat(64),
            output_bytes: 3,
        };
        let Payload::RollbackFinished(f) = command_finished("canary", "./rb.sh", true, &done)
        else {
            panic!("a rollback makes rollback_finished");
        };
        assert_eq!(
            (f.exit_code, f.output_bytes, f.duration_ms),
            (Some(0), 3, 12)
        );
        assert_eq!(f.last_lines, ["ok"]);
        assert!(matches!(
            command_started("canary", "./w.sh", false, None),
            Payload::CommandStarted(_)
        ));
        let Payload::CanaryWeightSet(w) = weight_set("canary", 25, Some("  ")) else {
            panic!("weight");
        };
        assert_eq!((w.weight, w.override_reason), (25, None));
    }

    #[test]
    fn rollback_falls_back_to_set_weight_zero() {
        let mut c = CanaryConfig::new(SourceKind::Simulated);
        let p = CanaryPlan::from_config(&c);
        assert_eq!(
            rollback_words(&p, &c),
            "set the weight to 0 (no rollback command is configured)"
        );
        c.set_weight = Some("./w.sh".into());
        let (cmd, env) = rollback_command(&p, &c).unwrap();
        assert_eq!(cmd, "./w.sh");
        assert!(env.contains(&("GREENLIGHT_CANARY_WEIGHT".into(), "0".into())));
    }

    #[test]
    fn the_regression_marker_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("repo").join("simulated-regression");
        assert!(!regression_marked(&marker));
        mark_regression(&marker, true).unwrap();
        assert!(regression_marked(&marker));
        mark_regression(&marker, false).unwrap();
        mark_regression(&marker, false).unwrap();
        assert!(!regression_marked(&marker));
    }
}
