//! The Canary pane: the live judgement from the collector (recorded when
//! it says something new), the plan's next step, and the canary's keys:
//! `w` sets the plan's next weight (or asks why not, for an override),
//! `r` rolls the canary back behind one confirmation, `x` cancels its
//! running command, `!` flips the demo's regression switch, `j`/`k`
//! select a metric. With `auto_rollback`, a recorded Roll back at a live
//! weight rolls the canary back at once (`canary::job::auto_rollback_due`,
//! the CLI's rule).

mod draw;

use crate::canary::job::{self, CanaryJob};
use crate::canary::plan::{self as canary_plan, CanaryPlan, PlanAction};
use crate::canary::snapshot::CanarySnapshot;
use crate::canary::{CanaryConfig, Outcome, Verdict, ops};
use crate::config::RepoConfig;
use crate::session::{PlanStep, SessionState, SessionStatus};

use super::Component;
use crate::tui::action::Effect;
use crate::tui::ctx::{CanaryGlance, Ctx, move_selection};
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::out::Out;
use crate::tui::overlay::{Confirm, HelpEntry, Intent, Prompt, Purpose};
use crate::tui::theme::Tone;

pub use draw::spark;

/// The live canary: its configuration, the latest judgement from the
/// collector, and what the pane selects.
#[derive(Debug, Clone, Default)]
pub struct Canary {
    /// `[canary]`, when configured and usable.
    pub config: Option<CanaryConfig>,
    /// Why nothing is judged although `[canary]` exists (an unusable
    /// section, a source that could not be made).
    pub problem: Option<String>,
    /// The latest judgement; its series are the previous one's, marked
    /// stale, when the fetch failed.
    pub snapshot: Option<CanarySnapshot>,
    /// Judgements received.
    pub judged: u64,
    /// The selected metric (index into the judgement's metrics).
    pub selected: usize,
    /// The simulated source's regression switch as last set; `None` when
    /// the source has no switch (the key then explains why).
    pub regression: Option<bool>,
    /// A canary command running in the background.
    pub running: Option<String>,
    /// Why the last judgement could not be recorded.
    pub record_error: Option<String>,
}

impl Canary {
    /// The pane for `config`'s `[canary]`: usable, or why not.
    pub fn new(config: &RepoConfig) -> Canary {
        let mut v = Canary::default();
        if let Some(c) = &config.canary {
            let problems = c.problems();
            if problems.is_empty() {
                v.config = Some(c.clone());
            } else {
                v.problem = Some(format!(
                    "[canary] in {} is not usable: {}",
                    RepoConfig::FILE,
                    problems.join("; ")
                ));
            }
        }
        v
    }

    /// What the Checklist shows of it (in a canary step's details).
    pub fn glance(&self) -> CanaryGlance {
        CanaryGlance {
            configured: self.config.is_some(),
            verdict: self.snapshot.as_ref().map(|s| s.judgement.verdict),
            score: self.snapshot.as_ref().and_then(|s| s.judgement.score),
            at: self.snapshot.as_ref().map(|s| s.at),
            stale: self.snapshot.as_ref().is_some_and(|s| s.stale),
        }
    }

    /// The session's canary step (its first step of kind canary).
    fn step<'a>(ctx: &Ctx<'a>) -> Option<&'a PlanStep> {
        ops::canary_step(&ctx.state()?.plan)
    }

    /// The canary plan: `[canary]`'s steps, the rollback of the session's
    /// canary step.
    pub fn plan(&self, ctx: &Ctx) -> Option<CanaryPlan> {
        let config = self.config.as_ref()?;
        let step = Canary::step(ctx).map(|p| p.id.as_str());
        Some(ops::plan_for(config, ctx.state(), step))
    }

    /// What quitting would cancel, as a phrase.
    pub fn running_phrase(&self) -> Option<String> {
        self.running.as_ref().map(|c| format!("`{c}` (canary)"))
    }

    /// Why the canary cannot be changed from here now, if it cannot.
    fn blocked(&self, ctx: &Ctx) -> Option<String> {
        if self.config.is_none() {
            return Some(self.problem.clone().unwrap_or_else(|| {
                "no canary is configured ([canary] in .greenlight.toml)".into()
            }));
        }
        let Some(v) = ctx.session else {
            return Some("no session is open".into());
        };
        if let Some(why) = &v.read_only {
            return Some(format!("this session is open read-only: {why}"));
        }
        if v.state.status != SessionStatus::Open {
            return Some("the session is closed".into());
        }
        if Canary::step(ctx).is_none() {
            return Some(format!(
                "the session's playbook `{}` has no canary step",
                v.state.plan.playbook
            ));
        }
        if let Some(cmd) = &self.running {
            return Some(format!("`{cmd}` is still running"));
        }
        None
    }

    /// A job setting the weight (as the person at the keyboard).
    fn weight_job(
        &self,
        ctx: &Ctx,
        step: &str,
        weight: u32,
        override_reason: Option<String>,
    ) -> Option<CanaryJob> {
        let config = self.config.as_ref()?;
        Some(CanaryJob::set_weight(
            config,
            ctx.state(),
            step,
            weight,
            override_reason,
            ctx.person?.who(),
        ))
    }

    /// Hand a canary job to the core; its command runs in the background.
    pub fn run_job(&mut self, job: CanaryJob, ctx: &Ctx, out: &mut Out) {
        if let Some((cmd, _)) = &job.command {
            self.running = Some(cmd.clone());
            out.say(
                Tone::Info,
                format!(
                    "running `{cmd}`… (its output is in Logs; {} here cancels it)",
                    ctx.key(KeyAction::CancelRun)
                ),
            );
        }
        out.effect(Effect::Canary(Box::new(job)));
    }

    /// The override prompt was answered: set the weight with the reason.
    pub fn override_weight(
        &mut self,
        step: String,
        weight: u32,
        reason: String,
        ctx: &Ctx,
        out: &mut Out,
    ) {
        if let Some(job) = self.weight_job(ctx, &step, weight, Some(reason)) {
            self.run_job(job, ctx, out);
        }
    }

    /// `w`: the plan's next weight, or an override.
    fn set_weight(&mut self, ctx: &Ctx, out: &mut Out) {
        if let Some(why) = self.blocked(ctx) {
            out.say(Tone::Warn, format!("cannot set the canary weight: {why}"));
            return;
        }
        let (Some(plan), Some(st), Some(step)) = (
            self.plan(ctx),
            ctx.state(),
            Canary::step(ctx).map(|p| p.id.clone()),
        ) else {
            return;
        };
        let now = ctx.now_or_real();
        let current = st.canary.weight;
        let overriding = |out: &mut Out, weight: u32, why: String| {
            out.open(Prompt::new(
                format!("Set the canary to {weight}% anyway?"),
                vec![
                    why,
                    "Why move on anyway? (required, kept in the audit trail)".into(),
                ],
                true,
                Purpose::WeightOverride {
                    step: step.clone(),
                    weight,
                },
            ));
        };
        match canary_plan::next_action(&plan, &st.canary, now) {
            PlanAction::SetWeight { weight, .. } => {
                let Some(job) = self.weight_job(ctx, &step, weight, None) else {
                    return;
                };
                match &job.command {
                    Some((cmd, _)) => {
                        let lines = vec![
                            format!(
                                "from {} to {weight}%, as the plan says",
                                current.map_or("unset".into(), |c| format!("{c}%"))
                            ),
                            format!("runs:      {cmd}"),
                        ];
                        out.open(Confirm::new(
                            format!("Set the canary to {weight}%?"),
                            lines,
                            Intent::Canary(Box::new(job)),
                        ));
                    }
                    None => self.run_job(job, ctx, out),
                }
            }
            PlanAction::Wait { weight, until } => {
                let Some(next) = plan.next_after(weight).map(|s| s.weight) else {
                    return;
                };
                let left = until.duration_since(now).as_secs().max(0);
                overriding(
                    out,
                    next,
                    format!(
                        "The plan watches {weight}% for another {left}s, then wants a Promote."
                    ),
                );
            }
            PlanAction::NeedsPromote {
                weight,
                next,
                verdict,
                ..
            } => overriding(
                out,
                next,
                format!(
                    "Going from {weight}% to {next}% needs a Promote (latest verdict at {weight}%: {}).",
                    verdict.as_deref().unwrap_or("none yet")
                ),
            ),
            PlanAction::ProposeRollback { .. } => out.say(
                Tone::Bad,
                format!(
                    "the latest verdict is Roll back: press {} to roll the canary back",
                    ctx.key(KeyAction::Rollback)
                ),
            ),
            PlanAction::RolledBack => {
                out.say(Tone::Dim, "the canary was rolled back; nothing more to set")
            }
            PlanAction::Done { weight } => out.say(
                Tone::Ok,
                format!("the canary reached its last step ({weight}%)"),
            ),
        }
    }

    /// `enter` here at the plan's last weight: complete the canary step
    /// (the rules still judge it), and back to the Checklist for what
    /// comes next. Anywhere else in the plan, not this pane's key.
    fn complete_step(&mut self, ctx: &Ctx, out: &mut Out) -> bool {
        let (Some(plan), Some(st), Some(step), Some(m)) =
            (self.plan(ctx), ctx.state(), Canary::step(ctx), ctx.person)
        else {
            return false;
        };
        let in_progress = st
            .step(&step.id)
            .is_some_and(|s| s.status == crate::session::StepStatus::InProgress);
        if !in_progress
            || !matches!(
                canary_plan::next_action(&plan, &st.canary, ctx.now_or_real()),
                PlanAction::Done { .. }
            )
        {
            return false;
        }
        let cmd = crate::session::Command::Complete {
            step: step.id.clone(),
            note: None,
        };
        match ctx.refusal(&cmd) {
            Some((why, true)) => out.ask(crate::tui::out::Ask::Refused {
                why,
                offer: crate::tui::out::Offer::Perform(Box::new((cmd, m.who()))),
            }),
            Some((why, false)) => out.say(Tone::Bad, format!("✘ {why}")),
            None => {
                out.effect(Effect::Perform {
                    cmd,
                    who: m.who(),
                    override_reason: None,
                });
                out.ask(crate::tui::out::Ask::Focus(
                    crate::tui::place::Pane::Checklist,
                ));
            }
        }
        true
    }

    /// `r`: roll the canary back, behind one confirmation.
    fn rollback(&mut self, ctx: &Ctx, out: &mut Out) {
        if let Some(why) = self.blocked(ctx) {
            out.say(Tone::Warn, format!("cannot roll the canary back: {why}"));
            return;
        }
        let (Some(plan), Some(st), Some(step), Some(config), Some(m)) = (
            self.plan(ctx),
            ctx.state(),
            Canary::step(ctx).map(|p| p.id.clone()),
            self.config.as_ref(),
            ctx.person,
        ) else {
            return;
        };
        let mut lines = Vec::new();
        if let Some(s) = &self.snapshot {
            lines.push(s.judgement.summary.clone());
        }
        lines.push(format!(
            "weight now: {}",
            st.canary
                .weight
                .map_or("not set".into(), |w| format!("{w}%"))
        ));
        lines.push(format!("This will {}.", ops::rollback_words(&plan, config)));
        let who = m.who();
        let confirmed_by = Some(who.to_string());
        let job = CanaryJob::rollback(config, &plan, st, &step, who, confirmed_by);
        out.open(Confirm::new(
            "Roll back the canary?",
            lines,
            Intent::Canary(Box::new(job)),
        ));
    }

    /// `x`: cancel the running command.
    fn cancel(&mut self, out: &mut Out) {
        match &self.running {
            Some(cmd) => {
                out.say(Tone::Warn, format!("cancelling `{cmd}`…"));
                out.effect(Effect::CancelCanary);
            }
            None => out.say(Tone::Dim, "no canary command is running"),
        }
    }

    /// `!` (the demo; from any pane): flip the simulated source's
    /// regression switch.
    pub fn regression(&mut self, out: &mut Out) {
        let Some(on) = self.regression else {
            let why = match &self.config {
                Some(c) => format!(
                    "only the simulated canary source has a regression switch; this one is {}",
                    c.source.as_str()
                ),
                None => "no canary is configured".into(),
            };
            out.say(Tone::Dim, why);
            return;
        };
        let on = !on;
        self.regression = Some(on);
        if on {
            out.say(
                Tone::Warn,
                "regression injected into the canary: error rate and latency degrade",
            );
        } else {
            out.say(
                Tone::Info,
                "regression cleared: the canary is healthy again",
            );
        }
        out.effect(Effect::SetRegression(on));
    }

    /// Should this judgement be recorded as `canary_judged`? Recording
    /// every judgement (every 5 s in the demo) would bury the journal in
    /// repeats, so one is recorded when it says something new:
    /// - the first judgement, or a verdict different from the latest
    ///   recorded one (by anyone: the CLI's count too);
    /// - a weight different from the latest recorded judgement's;
    /// - a Promote while the plan waits for one (it unlocks the next
    ///   weight), or the one the canary step waits for to complete.
    ///
    /// Nothing else: a repeat of the same verdict at the same weight is
    /// shown, not recorded.
    pub fn wants_record(
        &self,
        snap: &CanarySnapshot,
        state: &SessionState,
        plan: Option<&CanaryPlan>,
    ) -> bool {
        let Some((_, last)) = state.canary.judgements.last() else {
            return true;
        };
        if Verdict::parse(&last.verdict) != Some(snap.judgement.verdict)
            || last.weight != snap.weight
        {
            return true;
        }
        if snap.judgement.verdict == Verdict::Promote
            && plan.is_some_and(|p| {
                matches!(
                    canary_plan::next_action(p, &state.canary, snap.at),
                    PlanAction::NeedsPromote { .. }
                )
            })
        {
            return true;
        }
        snap.judgement.verdict == Verdict::Promote
            && state.promote_completes_canary(snap.weight, snap.at)
    }

    /// A judgement arrived: show it, and record it when it says something
    /// new.
    pub fn judged(&mut self, mut snap: CanarySnapshot, ctx: &Ctx, out: &mut Out) {
        // The collector does not know the session: the weight is the one
        // the session holds when the judgement arrives (as `canary judge`
        // reads it).
        if snap.weight.is_none() {
            snap.weight = ctx.state().and_then(|s| s.canary.weight);
        }
        let n = snap.judgement.metrics.len();
        self.selected = self.selected.min(n.saturating_sub(1));
        self.judged += 1;
        if let Some(i) = metric_to_show(self.snapshot.as_ref(), &snap) {
            self.selected = i;
        }
        let writable = ctx.not_writable().is_none();
        let plan = self.plan(ctx);
        let record = ctx
            .state()
            .filter(|_| writable)
            .map(|st| self.wants_record(&snap, st, plan.as_ref()));
        if record == Some(true) {
            let step = Canary::step(ctx).map(|p| p.id.clone());
            out.effect(Effect::RecordJudgement(snap.payload(step)));
            self.record_error = None;
        }
        self.snapshot = Some(snap);
    }

    /// A judgement was recorded: with `auto_rollback`, a Roll back at a
    /// live weight rolls the canary back now, once (as the CLI does when
    /// it records one), unless a canary command is already running.
    pub fn recorded(&mut self, ctx: &Ctx, out: &mut Out) {
        let (Some(plan), Some(st), Some(step), Some(config), Some(m)) = (
            self.plan(ctx),
            ctx.state(),
            Canary::step(ctx).map(|p| p.id.clone()),
            self.config.as_ref(),
            ctx.person,
        ) else {
            return;
        };
        if self.running.is_some() || !job::auto_rollback_due(&plan, &st.canary, ctx.now_or_real()) {
            return;
        }
        let job = CanaryJob::rollback(config, &plan, st, &step, m.who(), None);
        out.say(
            Tone::Bad,
            "auto_rollback is on and the verdict is Roll back: rolling back now",
        );
        self.run_job(job, ctx, out);
    }
}

impl Component for Canary {
    fn has_content(&self, ctx: &Ctx) -> bool {
        self.config.is_some() || Canary::step(ctx).is_some()
    }

    fn key(&mut self, k: KeyAction, ctx: &Ctx, out: &mut Out) -> bool {
        match k {
            KeyAction::Up | KeyAction::Down | KeyAction::Top | KeyAction::Bottom => {
                let len = self
                    .snapshot
                    .as_ref()
                    .map_or(0, |s| s.judgement.metrics.len());
                move_selection(&mut self.selected, len, k);
            }
            KeyAction::SetWeight => self.set_weight(ctx, out),
            KeyAction::Rollback => self.rollback(ctx, out),
            KeyAction::CancelRun => self.cancel(out),
            KeyAction::Act => return self.complete_step(ctx, out),
            _ => return false,
        }
        true
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        let mut v = vec![
            Hint::of(k, KeyAction::Help, "help"),
            Hint::of(k, KeyAction::FocusNext, "pane"),
            Hint::pair(k, KeyAction::Down, KeyAction::Up, "metric"),
        ];
        if self.config.is_some() {
            v.push(Hint::of(k, KeyAction::SetWeight, "weight"));
            v.push(Hint::of(k, KeyAction::Rollback, "roll back"));
        }
        if self.running.is_some() {
            v.push(Hint::of(k, KeyAction::CancelRun, "cancel command"));
        }
        // `!` only where there is a switch to flip (the demo).
        if self.regression.is_some() {
            v.push(Hint::of(k, KeyAction::Regression, "regression"));
        }
        v.extend([
            Hint::of(k, KeyAction::Zoom, "zoom"),
            Hint::of(k, KeyAction::SwitchPerson, "person"),
            Hint::of(k, KeyAction::Quit, "quit"),
        ]);
        v
    }

    fn help(&self) -> Vec<HelpEntry> {
        use KeyAction as K;
        vec![
            HelpEntry::keys(&[K::Down, K::Up], "select a metric"),
            HelpEntry::keys(&[K::SetWeight], "set the plan's next weight"),
            HelpEntry::keys(&[K::Rollback], "roll the canary back (asks first)"),
            HelpEntry::keys(&[K::CancelRun], "cancel its running command"),
            HelpEntry::keys(&[K::Regression], "demo: inject or clear a regression"),
        ]
    }
}

/// The metric to select as a judgement arrives, if the selection should
/// move: the one the verdict rests on, when the verdict turns against the
/// canary or that metric changes under the same verdict (a Roll back on
/// the score, then on a critical metric failing), so its rule (the
/// explanation) is the one on screen. Otherwise the person's choice stays.
fn metric_to_show(previous: Option<&CanarySnapshot>, snap: &CanarySnapshot) -> Option<usize> {
    let now = (snap.judgement.verdict, deciding_metric(snap));
    let before = previous.map(|s| (s.judgement.verdict, deciding_metric(s)));
    if before == Some(now) || snap.judgement.verdict == Verdict::Promote {
        return None;
    }
    now.1
}

/// The metric a judgement's verdict rests on: the first critical metric
/// that failed, else the first that failed, was marginal or lacked data.
fn deciding_metric(snap: &CanarySnapshot) -> Option<usize> {
    let metrics = &snap.judgement.metrics;
    metrics
        .iter()
        .position(|m| m.critical && m.outcome == Outcome::Fail)
        .or_else(|| {
            [Outcome::Fail, Outcome::Marginal, Outcome::Inconclusive]
                .iter()
                .find_map(|o| metrics.iter().position(|m| m.outcome == *o))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixture::canary_snapshot;

    /// A Roll back that first rests on a failing latency, then on the
    /// critical error rate failing too, moves the selection to the error
    /// rate (its rule explains the headline); the same judgement again
    /// leaves the person's choice alone, and so does a Promote.
    #[test]
    fn the_selection_follows_the_metric_the_verdict_rests_on() {
        let at = jiff::Timestamp::from_second(1_800_000_000).expect("time");
        let both = canary_snapshot(at, true);
        let i = |name: &str| {
            both.judgement
                .metrics
                .iter()
                .position(|m| m.name == name)
                .expect("metric")
        };
        let (error_rate, latency) = (i("error rate"), i("p99 latency"));
        assert!(both.judgement.metrics[error_rate].critical);
        assert_eq!(both.judgement.metrics[error_rate].outcome, Outcome::Fail);
        let mut latency_only = both.clone();
        latency_only.judgement.metrics[error_rate].outcome = Outcome::Pass;
        latency_only.judgement.verdict = Verdict::Rollback;

        assert_eq!(metric_to_show(None, &latency_only), Some(latency));
        assert_eq!(
            metric_to_show(Some(&latency_only), &both),
            Some(error_rate),
            "same verdict, a critical metric now decides it"
        );
        assert_eq!(metric_to_show(Some(&both), &both), None);
        let healthy = canary_snapshot(at, false);
        assert_eq!(healthy.judgement.verdict, Verdict::Promote);
        assert_eq!(metric_to_show(Some(&both), &healthy), None);
    }
}
