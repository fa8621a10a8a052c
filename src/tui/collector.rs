//! The canary collector: a thread that fetches and judges the canary every
//! `[canary] interval` and sends each judgement, owned, into the UI loop as
//! an [`Action::CanaryJudged`] (DESIGN §6: collectors send owned snapshots).
//! Sources block (HTTP, a command), so they never run on the UI thread.
//!
//! A fetch that fails entirely keeps the previous good series on screen,
//! marked stale ([`CanarySnapshot::carry_forward`]); its error shows in
//! the pane. The thread ends when the UI side hangs up: the collector
//! handle is dropped, or sending fails.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use crate::canary::connect;
use crate::canary::snapshot::{CanarySnapshot, judge_now};
use crate::canary::source::MetricSource;
use crate::canary::{CanaryConfig, ops};

use super::action::Action;

/// Where background work sends its results: true while the UI listens.
pub type Outbox = Arc<dyn Fn(Action) -> bool + Send + Sync>;

/// The running collector.
pub struct Collector {
    /// The simulated source's regression switch.
    switch: Option<Arc<AtomicBool>>,
    /// A message asks for a judgement now; dropping it stops the thread.
    wake: Sender<()>,
}

impl Collector {
    /// Make the source `config` names (a failure is the pane's message)
    /// and start judging it, first at once.
    pub fn spawn(
        config: &CanaryConfig,
        root: &Path,
        regression_marker: &Path,
        outbox: Outbox,
    ) -> Result<Collector, String> {
        let regression =
            ops::regression_requested(config) || ops::regression_marked(regression_marker);
        let source = connect::connect(config, root, regression).map_err(|e| e.to_string())?;
        Ok(Collector::with_source(config.clone(), source, outbox))
    }

    /// Start judging `source` (tests give their own).
    pub fn with_source(
        config: CanaryConfig,
        mut source: Box<dyn MetricSource>,
        outbox: Outbox,
    ) -> Collector {
        let switch = source.regression_switch();
        let (wake, woken) = mpsc::channel::<()>();
        let interval = config.interval().max(Duration::from_millis(200));
        std::thread::Builder::new()
            .name("canary collector".into())
            .spawn(move || {
                let mut last_good: Option<CanarySnapshot> = None;
                loop {
                    let snap = judge(source.as_mut(), &config, last_good.as_ref());
                    if snap.error.is_none() {
                        last_good = Some(snap.clone());
                    }
                    if !outbox(Action::CanaryJudged(Box::new(snap))) {
                        break;
                    }
                    match woken.recv_timeout(interval) {
                        Ok(()) => {
                            // Several wake-ups at once make one judgement.
                            while woken.try_recv().is_ok() {}
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
            .ok();
        Collector { switch, wake }
    }

    /// The regression switch's position, when the source has one.
    pub fn regression(&self) -> Option<bool> {
        self.switch.as_ref().map(|s| s.load(Ordering::Relaxed))
    }

    /// Set the regression switch and judge again now. False when the
    /// source has no switch.
    pub fn set_regression(&self, on: bool) -> bool {
        let Some(s) = &self.switch else { return false };
        s.store(on, Ordering::Relaxed);
        self.judge_now();
        true
    }

    /// Ask for a judgement now rather than at the next interval.
    pub fn judge_now(&self) {
        let _ = self.wake.send(());
    }
}

/// One judgement now; a whole-source failure keeps `last_good`'s series,
/// marked stale.
pub fn judge(
    source: &mut dyn MetricSource,
    config: &CanaryConfig,
    last_good: Option<&CanarySnapshot>,
) -> CanarySnapshot {
    let snap = judge_now(source, config, jiff::Timestamp::now(), None);
    match last_good {
        Some(prev) if snap.error.is_some() => snap.carry_forward(prev),
        _ => snap,
    }
}
