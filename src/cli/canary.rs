//! Canary subcommands: judge, weight, status, rollback.
//!
//! `greenlight canary judge` exits 0 on Promote, 1 on Hold, 2 on Roll back
//! and 3 on any error (including a mistyped command line), so scripts and
//! CI can act on the verdict.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, eyre};
use jiff::Timestamp;
use serde::Serialize;

use super::out::{esay, esayln, say, sayln};
use super::{Global, print_json};
use crate::canary::explain::{num, p_value};
use crate::canary::job::{self, CanaryJob, JobReport};
use crate::canary::judge::Outcome;
use crate::canary::ops;
use crate::canary::plan::{self, CanaryPlan, PlanAction, StepProgress};
use crate::canary::process::Finished;
use crate::canary::snapshot::{CanarySnapshot, MetricSeries};
use crate::canary::{CanaryConfig, MetricJudgement, Verdict, connect, judge_now};
use crate::config::RepoConfig;
use crate::session::{Command, Session};
use crate::workspace::Workspace;

/// Exit code of `canary judge` when it could not judge.
pub const EXIT_ERROR: u8 = 3;

#[derive(Debug, Subcommand)]
pub enum CanaryCmd {
    /// Judge the canary against its baseline now.
    ///
    /// Fetches every metric of [canary] in .greenlight.toml over the window
    /// ending now, judges it, and explains each metric (values, ratio,
    /// interval, the rule that decided) and the verdict.
    ///
    /// With source = "simulated", GREENLIGHT_SIM_REGRESSION=1 (or
    /// `regression = true` in [canary.simulated]) injects a regression into
    /// the canary.
    #[command(after_help = "Exit codes: 0 promote, 1 hold, 2 roll back, 3 error.")]
    Judge(JudgeArgs),
    /// Set the canary's traffic weight, as the plan allows (or with --override).
    ///
    /// Runs `set_weight` from [canary] (with GREENLIGHT_CANARY_WEIGHT set)
    /// when configured, recording its outcome, then records the weight in
    /// the session. Going up needs a Promote judged at the current weight
    /// after its observation time, or --override with a reason.
    Weight(WeightArgs),
    /// Show the canary plan's progress, the current weight, the last verdict
    /// and what comes next.
    Status(StatusArgs),
    /// Roll the canary back: run its rollback command and set the weight to 0.
    ///
    /// The command is the session's canary step `rollback`, else [canary]
    /// `rollback`, else `set_weight` with weight 0. Asks for confirmation
    /// unless --yes.
    Rollback(RollbackArgs),
}

#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// Print the judgement as JSON.
    #[arg(long)]
    pub json: bool,
    /// Record the judgement (canary_judged) in the open session.
    #[arg(long)]
    pub record: bool,
    /// With --json: include the samples (time, value) of every metric.
    #[arg(long)]
    pub series: bool,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct WeightArgs {
    /// The traffic weight, 0–100 (percent).
    #[arg(value_parser = clap::value_parser!(u32).range(0..=100))]
    pub weight: u32,
    /// Set it although the plan does not allow it yet; the reason is recorded.
    #[arg(long = "override", value_name = "REASON")]
    pub override_reason: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the plan, the weight and the verdicts as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct Target {
    /// The session (id or prefix); default: the last open session.
    #[arg(long, value_name = "SESSION")]
    pub session: Option<String>,
    /// The session's canary step; default: its first step of kind canary.
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
}

pub fn run(g: &Global, cmd: CanaryCmd) -> Result<ExitCode> {
    match cmd {
        CanaryCmd::Judge(a) => Ok(judge(g, a).unwrap_or_else(|e| {
            super::out::error(&e);
            ExitCode::from(EXIT_ERROR)
        })),
        CanaryCmd::Weight(a) => super::step_run::unless_signalled_err(weight(g, a)),
        CanaryCmd::Status(a) => status(g, a),
        CanaryCmd::Rollback(a) => super::step_run::unless_signalled_err(rollback(g, a)),
    }
}

/// Exit code for a command line clap rejects: the error code for `canary`
/// commands (2 would read as "roll back"), `None` to keep clap's.
pub fn usage_exit_code(args: &[std::ffi::OsString]) -> Option<u8> {
    args.iter().any(|a| a == "canary").then_some(EXIT_ERROR)
}

/// The `[canary]` section, checked.
fn load_config(config: &RepoConfig) -> Result<CanaryConfig> {
    let c = config.canary.clone().ok_or_else(|| {
        eyre!(
            "no [canary] section in {}; add one (for a demo: `[canary]` with `source = \"simulated\"`)",
            RepoConfig::FILE
        )
    })?;
    let problems = c.problems();
    if !problems.is_empty() {
        return Err(eyre!(
            "{} [canary] is not usable:\n  - {}",
            RepoConfig::FILE,
            problems.join("\n  - ")
        ));
    }
    Ok(c)
}

/// The session's canary step: `--step`, else its first step of kind canary.
fn canary_step(session: &Session, wanted: Option<&str>) -> Result<String> {
    let plan = &session.state().plan;
    if let Some(s) = wanted {
        return plan.step(s).map(|p| p.id.clone()).ok_or_else(|| {
            let ids: Vec<&str> = plan.steps.iter().map(|p| p.id.as_str()).collect();
            eyre!("unknown step `{s}`; valid steps: {}", ids.join(", "))
        });
    }
    plan.steps
        .iter()
        .find(|p| p.kind == "canary")
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            eyre!(
                "the session's playbook `{}` has no canary step; name one with --step",
                plan.playbook
            )
        })
}

/// The plan, its rollback taken from the session's canary step if it has one.
fn plan_for(config: &CanaryConfig, session: Option<&Session>, step: Option<&str>) -> CanaryPlan {
    ops::plan_for(config, session.map(|s| s.state()), step)
}

fn open_for_writing(ws: &Workspace, prefix: Option<&str>) -> Result<Session> {
    let session = ws.session_for_writing(prefix)?;
    super::say_opening(&session);
    Ok(session)
}

/// JSON of `canary judge`.
#[derive(Serialize)]
struct JudgeJson<'a> {
    verdict: &'static str,
    exit_code: u8,
    score: Option<f64>,
    summary: &'a str,
    weight: Option<u32>,
    source: &'a str,
    at: Timestamp,
    window: Window,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded_in: Option<&'a str>,
    judgement: &'a crate::canary::Judgement,
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<&'a [MetricSeries]>,
}

#[derive(Serialize)]
struct Window {
    start: f64,
    end: f64,
}

fn exit_code(v: Verdict) -> u8 {
    match v {
        Verdict::Promote => 0,
        Verdict::Hold => 1,
        Verdict::Rollback => 2,
    }
}

fn judge(g: &Global, a: JudgeArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let config = load_config(&ws.config)?;
    let mut session = if a.record {
        Some(open_for_writing(&ws, a.target.session.as_deref())?)
    } else {
        // Read the open session (if any) only for the current weight.
        ws.store
            .resolve(&ws.repo.key, a.target.session.as_deref())
            .ok()
            .and_then(|id| Session::open_cached(&id, ws.store.session_dir(&ws.repo.key, &id)).ok())
    };
    let step = match &session {
        Some(s) if a.record => Some(canary_step(s, a.target.step.as_deref())?),
        Some(s) => canary_step(s, a.target.step.as_deref()).ok(),
        None => None,
    };
    let weight = session.as_ref().and_then(|s| s.state().canary.weight);
    let regression =
        ops::regression_requested(&config) || ops::regression_marked(&ws.regression_marker());
    let mut src = connect::connect(&config, &ws.repo.root, regression)?;
    let snap = judge_now(src.as_mut(), &config, Timestamp::now(), weight);

    let mut recorded = None;
    if let (true, Some(s)) = (a.record, session.as_mut()) {
        let judge = ops::judge_on_device_of(&ws.who);
        ws.perform_as(&judge, s, &Command::Record(snap.payload(step.clone())))?;
        recorded = Some(s.id().to_owned());
    }
    let code = exit_code(snap.judgement.verdict);
    if a.json {
        print_json(&JudgeJson {
            verdict: snap.judgement.verdict.word(),
            exit_code: code,
            score: snap.judgement.score,
            summary: &snap.judgement.summary,
            weight: snap.weight,
            source: &snap.source,
            at: snap.at,
            window: Window {
                start: snap.window_start,
                end: snap.window_end,
            },
            error: snap.error.as_deref(),
            recorded_in: recorded.as_deref(),
            judgement: &snap.judgement,
            series: a.series.then_some(snap.series.as_slice()),
        })?;
    } else {
        say!("{}", render_judgement(&snap, &config));
        if let Some(id) = &recorded {
            sayln!("Recorded in session {id}.");
        }
    }
    // Automatic rollback, when configured and the recorded verdict says so.
    if let (true, Some(s), Some(step)) = (a.record, session.as_mut(), step.as_deref()) {
        let plan = plan_for(&config, Some(s), Some(step));
        if job::auto_rollback_due(&plan, &s.state().canary, Timestamp::now()) {
            esayln!("auto_rollback is on and the verdict is Roll back: rolling back now");
            do_rollback(&ws, s, &config, &plan, step, None)?;
        }
    }
    Ok(ExitCode::from(code))
}

fn mark(o: Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Pass => ("✔", "PASS"),
        Outcome::Marginal => ("~", "MARGINAL"),
        Outcome::Fail => ("✘", "FAIL"),
        Outcome::NoData => ("?", "NO DATA"),
        Outcome::Inconclusive => ("…", "INCONCLUSIVE"),
    }
}

fn hms(t: Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}

fn hms_secs(secs: f64) -> String {
    Timestamp::from_millisecond((secs * 1000.0) as i64)
        .map(hms)
        .unwrap_or_else(|_| format!("{secs}"))
}

/// The human explanation of one judgement: per metric its values and the
/// rule that decided, then the verdict.
fn render_judgement(snap: &CanarySnapshot, config: &CanaryConfig) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Canary{} · {} · window {}–{} UTC ({}, step {})",
        snap.weight.map(|w| format!(" at {w}%")).unwrap_or_default(),
        snap.source,
        hms_secs(snap.window_start),
        hms_secs(snap.window_end),
        humantime::format_duration(config.window()),
        humantime::format_duration(config.step()),
    );
    for m in &snap.judgement.metrics {
        let _ = write!(out, "{}", metric_block(m));
    }
    let _ = writeln!(out, "\n{}", snap.judgement.summary);
    out
}

fn metric_block(m: &MetricJudgement) -> String {
    let (icon, word) = mark(m.outcome);
    let mut facts = Vec::new();
    if let (Some(c), Some(b)) = (m.canary_median, m.baseline_median) {
        facts.push(format!("canary {} · baseline {}", num(c), num(b)));
    }
    if let Some(r) = m.ratio {
        facts.push(format!("ratio {}", num(r)));
    }
    if let Some(s) = m.shift {
        facts.push(format!(
            "shift {} [{}, {}]",
            num(s.estimate),
            num(s.low),
            num(s.high)
        ));
    }
    if let Some(p) = m.p_value {
        facts.push(format!("p={}", p_value(p)));
    }
    facts.push(format!("n={}/{}", m.canary_n, m.baseline_n));
    let word = if m.critical {
        format!("{word} (critical)")
    } else {
        word.to_owned()
    };
    let mut out = format!(
        "  {icon} {:<18} {:<19} {}\n",
        m.name,
        word,
        facts.join(" · ")
    );
    let _ = writeln!(out, "      {}", m.rule);
    out
}

fn weight(g: &Global, a: WeightArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let config = load_config(&ws.config)?;
    let mut session = open_for_writing(&ws, a.target.session.as_deref())?;
    let step = canary_step(&session, a.target.step.as_deref())?;
    let plan = plan_for(&config, Some(&session), Some(&step));
    let now = Timestamp::now();
    let current = session.state().canary.weight;
    let reason = a
        .override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if a.override_reason.is_some() && reason.is_none() {
        return Err(eyre!("--override needs a reason"));
    }
    if current == Some(a.weight) {
        return Err(eyre!("the canary is already at {}%", a.weight));
    }
    let going_down = current.is_some_and(|c| a.weight < c);
    if reason.is_none() && !going_down {
        let action = plan::next_action(&plan, &session.state().canary, now);
        if action
            != (PlanAction::SetWeight {
                weight: a.weight,
                from: current,
            })
        {
            return Err(eyre!("{}", refusal(&action, a.weight, now)));
        }
    }
    let job = CanaryJob::set_weight(
        &config,
        Some(session.state()),
        &step,
        a.weight,
        reason.map(str::to_owned),
        ws.who.clone(),
    );
    // Refuse before running anything the session would not record.
    session.refresh()?;
    let report = run_job(&ws, &mut session, &job)?;
    if let Some(done) = report.finished.as_ref().filter(|d| !d.succeeded()) {
        return Err(eyre!(
            "set_weight `{}` {}; the weight stays at {}{}",
            job.command.as_ref().map_or("", |(c, _)| c.as_str()),
            done.how(job.timeout),
            current.map_or("unset".to_owned(), |c| format!("{c}%")),
            tail(done)
        ));
    }
    sayln!(
        "Canary weight set to {}%{}{}",
        a.weight,
        current.map(|c| format!(" (was {c}%)")).unwrap_or_default(),
        reason
            .map(|r| format!("; override: {r}"))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// Why the plan does not allow `wanted` now, and what to do instead.
fn refusal(action: &PlanAction, wanted: u32, now: Timestamp) -> String {
    let or_override = format!("or give --override REASON to set {wanted}% anyway");
    match action {
        PlanAction::SetWeight { weight, .. } => {
            format!("the plan's next weight is {weight}%, not {wanted}%; {or_override}")
        }
        PlanAction::Wait { weight, until } => {
            let left = Duration::from_secs(until.duration_since(now).as_secs().max(0) as u64);
            format!(
                "the plan watches {weight}% until {} UTC (another {}); judge again then, {or_override}",
                hms(*until),
                humantime::format_duration(left)
            )
        }
        PlanAction::NeedsPromote {
            weight,
            next,
            since,
            verdict,
        } => format!(
            "going from {weight}% to {next}% needs a Promote judged{} (latest verdict at {weight}%: {}); run `greenlight canary judge --record`, {or_override}",
            since
                .map(|s| format!(" after {} UTC", hms(s)))
                .unwrap_or_default(),
            verdict.as_deref().unwrap_or("none yet")
        ),
        PlanAction::ProposeRollback { summary, .. } => format!(
            "the latest verdict is Roll back ({summary}); run `greenlight canary rollback`, {or_override}"
        ),
        PlanAction::RolledBack => format!("the canary was rolled back; {or_override}"),
        PlanAction::Done { weight } => {
            format!("the canary is at its last step ({weight}%); {or_override}")
        }
    }
}

fn tail(done: &Finished) -> String {
    let lines = done.last_lines(5);
    if lines.is_empty() {
        String::new()
    } else {
        format!("; it printed:\n  {}", lines.join("\n  "))
    }
}

/// Runs a canary job (set_weight or rollback): its command in the
/// repository root, recording `command_started`/`command_finished` (or
/// the rollback pair), then the weight when the command succeeded. Its
/// output streams to the terminal as it comes; Ctrl-C cancels it (its
/// process group is killed) and the cancel is recorded.
fn run_job(ws: &Workspace, session: &mut Session, job: &CanaryJob) -> Result<JobReport> {
    // Before the start is recorded: a signal from here on stops the
    // command and is recorded, never lost.
    let cancel = crate::exec::CancelToken::new();
    super::step_run::cancel_on_interrupt(
        cancel.clone(),
        Some("cancelling the command (its end is recorded)…"),
    );
    if let Some((command, _)) = &job.command {
        esayln!("running: {command}");
    }
    // Both streams to stderr: stdout stays greenlight's own (scripts read
    // it). The terminal going away must not stop the command.
    let mut echo = |_: crate::exec::Stream, bytes: &[u8]| {
        use std::io::Write as _;
        let _ = std::io::stderr().write_all(bytes);
    };
    let who = job.who.clone();
    let env = crate::exec::StepEnv::from_state(session.state(), &ws.repo.root, &ws.actor());
    Ok(job::run_job(
        &mut ws.journal(session, &who),
        job,
        &env,
        &cancel,
        &mut echo,
    )?)
}

/// JSON of `canary status`.
#[derive(Serialize)]
struct StatusJson<'a> {
    session: Option<&'a str>,
    strategy: &'static str,
    source: &'static str,
    weight: Option<u32>,
    progress: Vec<StepProgress>,
    last_judgement: Option<LastJudgement<'a>>,
    next: Option<PlanAction>,
}

#[derive(Serialize)]
struct LastJudgement<'a> {
    verdict: &'a str,
    score: Option<f64>,
    weight: Option<u32>,
    summary: &'a str,
    at: &'a str,
    by: &'a str,
}

fn status(g: &Global, a: StatusArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let config = load_config(&ws.config)?;
    let session =
        match &a.target.session {
            Some(_) => Some(ws.session(a.target.session.as_deref())?),
            None => ws.store.resolve(&ws.repo.key, None).ok().and_then(|id| {
                Session::open_cached(&id, ws.store.session_dir(&ws.repo.key, &id)).ok()
            }),
        };
    let step = session
        .as_ref()
        .and_then(|s| canary_step(s, a.target.step.as_deref()).ok());
    let plan = plan_for(&config, session.as_ref(), step.as_deref());
    let empty = Default::default();
    let state = session.as_ref().map_or(&empty, |s| &s.state().canary);
    let progress = plan::progress(&plan, state);
    let now = Timestamp::now();
    let next = session
        .as_ref()
        .map(|_| plan::next_action(&plan, state, now));
    let last = state.judgements.last().map(|(by, j)| LastJudgement {
        verdict: &j.verdict,
        score: j.score,
        weight: j.weight,
        summary: &j.summary,
        at: &by.at,
        by: &by.who.name,
    });
    if a.json {
        print_json(&StatusJson {
            session: session.as_ref().map(|s| s.id()),
            strategy: plan.strategy.as_str(),
            source: config.source.as_str(),
            weight: state.weight,
            progress,
            last_judgement: last,
            next,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let steps: Vec<String> = plan.steps.iter().map(|s| s.label.clone()).collect();
    let _ = writeln!(
        out,
        "Canary plan ({}): {} · source {} · judged every {} over {}",
        plan.strategy.as_str(),
        steps.join(" → "),
        config.source.as_str(),
        humantime::format_duration(config.interval()),
        humantime::format_duration(config.window()),
    );
    for (p, s) in progress.iter().zip(&plan.steps) {
        let icon = match p.status {
            plan::StepStatus::Done => "✔",
            plan::StepStatus::Current => "▶",
            plan::StepStatus::Pending => "○",
        };
        let word = p.status.word();
        let line = format!(
            "  {icon} {:<8} {:<8} watch {:<6} {}",
            p.label,
            word,
            humantime::format_duration(s.min_observation).to_string(),
            p.verdict
                .as_deref()
                .map(|v| format!("last verdict: {v}"))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    match &session {
        None => {
            let _ = writeln!(
                out,
                "No open session: start one with `greenlight new --scenario feature-release`."
            );
        }
        Some(s) => {
            let _ = writeln!(out, "Session {}", s.id());
            let weight = state.weights.last().map(|(by, w)| {
                format!(
                    "{}% (set {} UTC by {}{})",
                    w.weight,
                    crate::session::clock_time(&by.at),
                    by.who.name,
                    w.override_reason
                        .as_deref()
                        .map(|r| format!(", override: {r}"))
                        .unwrap_or_default()
                )
            });
            let _ = writeln!(
                out,
                "Current weight: {}",
                weight.unwrap_or_else(|| "not set".into())
            );
            match &last {
                Some(l) => {
                    let _ = writeln!(
                        out,
                        "Last verdict: {} ({} UTC{})",
                        l.summary,
                        crate::session::clock_time(l.at),
                        l.weight.map(|w| format!(", at {w}%")).unwrap_or_default()
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "Last verdict: none yet (`greenlight canary judge --record`)"
                    );
                }
            }
            if let Some(n) = &next {
                let _ = writeln!(out, "Next: {}", next_words(n, now));
            }
        }
    }
    say!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn next_words(action: &PlanAction, now: Timestamp) -> String {
    match action {
        PlanAction::SetWeight { weight, .. } => {
            format!("set the weight to {weight}% (`greenlight canary weight {weight}`)")
        }
        PlanAction::Wait { weight, until } => format!(
            "keep watching {weight}% until {} UTC (another {}s), then judge",
            hms(*until),
            until.duration_since(now).as_secs().max(0)
        ),
        PlanAction::NeedsPromote { next, .. } => {
            format!("a Promote is needed before {next}% (`greenlight canary judge --record`)")
        }
        PlanAction::ProposeRollback {
            command, automatic, ..
        } => format!(
            "ROLL BACK{} (`greenlight canary rollback`{})",
            if *automatic { ", automatically" } else { "" },
            command
                .as_deref()
                .map(|c| format!(" runs {c}"))
                .unwrap_or_default()
        ),
        PlanAction::RolledBack => "nothing: the canary was rolled back".to_owned(),
        PlanAction::Done { weight } => format!("nothing: the canary reached {weight}%"),
    }
}

fn rollback(g: &Global, a: RollbackArgs) -> Result<ExitCode> {
    let ws = g.workspace()?;
    let config = load_config(&ws.config)?;
    let mut session = open_for_writing(&ws, a.target.session.as_deref())?;
    let step = canary_step(&session, a.target.step.as_deref())?;
    let plan = plan_for(&config, Some(&session), Some(&step));
    let what = rollback_words(&plan, &config);
    let confirmed_by = if a.yes {
        Some(ws.who.to_string())
    } else if std::io::stdin().is_terminal() {
        esay!("Roll back the canary: {what}? [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            sayln!("Not rolled back.");
            return Ok(ExitCode::SUCCESS);
        }
        Some(ws.who.to_string())
    } else {
        return Err(eyre!(
            "rolling back needs a confirmation: run it in a terminal, or pass --yes ({what})"
        ));
    };
    do_rollback(&ws, &mut session, &config, &plan, &step, confirmed_by)?;
    Ok(ExitCode::SUCCESS)
}

fn rollback_words(plan: &CanaryPlan, config: &CanaryConfig) -> String {
    ops::rollback_words(plan, config)
}

/// Runs the rollback command (recorded as rollback_started/finished) and
/// records weight 0.
fn do_rollback(
    ws: &Workspace,
    session: &mut Session,
    config: &CanaryConfig,
    plan: &CanaryPlan,
    step: &str,
    confirmed_by: Option<String>,
) -> Result<()> {
    let job = CanaryJob::rollback(
        config,
        plan,
        session.state(),
        step,
        ws.who.clone(),
        confirmed_by,
    );
    if let Some((command, _)) = &job.command {
        ws.confirm_canary_command(session.state(), step, command)?;
    }
    let report = run_job(ws, session, &job)?;
    if let Some(done) = report.finished.as_ref().filter(|d| !d.succeeded()) {
        return Err(eyre!(
            "rollback `{}` {}; the weight is left as it was{}",
            job.command.as_ref().map_or("", |(c, _)| c.as_str()),
            done.how(job.timeout),
            tail(done)
        ));
    }
    sayln!("Canary rolled back: weight 0%.");
    Ok(())
}
