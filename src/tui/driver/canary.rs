//! Canary jobs (`canary::job`) in the app: checked and their start
//! recorded here, their command run on a thread of its own (its output a
//! Logs source, `x` cancels it), their end and weight recorded when it
//! comes back. The same job the CLI runs with `canary::job::run_job`.

use super::Driver;
use crate::canary::job::CanaryJob;
use crate::exec::StepEnv;
use crate::logs::LogsModel;
use crate::session::{Command, Payload, Who};
use crate::tui::action::{Action, CanaryCommandDone};

impl Driver {
    /// Start a canary job: refuse what the session would not record, else
    /// record the command's start and run it off the UI thread (inline
    /// without an outbox); without a command, record the weight now.
    pub(super) fn start_canary(&mut self, job: CanaryJob, logs: &mut LogsModel) -> Vec<Action> {
        // Through the app, so the pane's "running" mark clears.
        let not_started = |this: &Self, job: CanaryJob, why: String| {
            let mut out = this.loaded();
            if job.command.is_some() {
                out.push(Action::CanaryCommandDone(Box::new(CanaryCommandDone {
                    job,
                    result: Err(format!("was not started: {why}")),
                })));
            } else {
                out.push(Action::Failed(why));
            }
            out
        };
        if let Some(session) = self.session.as_mut() {
            let checked = session
                .refresh()
                .map_err(|e| e.to_string())
                .and_then(|_| job.check(session.state()).map_err(|e| e.to_string()));
            if let Err(why) = checked {
                return not_started(self, job, why);
            }
            if let Some((command, _)) = &job.command
                && let Err(e) = self
                    .ws
                    .confirm_canary_command(session.state(), &job.step, command)
            {
                return not_started(self, job, format!("{e:#}"));
            }
        }
        let (Some(started), Some(running)) = (job.started(), job.running()) else {
            return self.record_all(vec![job.weight_set()], &job.who);
        };
        if let Err(why) = self.record(started, &job.who.clone()) {
            return not_started(self, job, why);
        }
        let env = match self.session.as_ref() {
            Some(s) => StepEnv::from_state(s.state(), &self.ws.repo.root, &self.ws.actor()),
            None => return not_started(self, job, "no session is open".into()),
        };
        let name = if job.is_rollback() {
            "↶ canary"
        } else {
            "canary"
        };
        let (mut sink, cancel, done_tx) = self.canary_run(name, running, logs);
        let run = move || {
            let result = job
                .run_command(&env, &cancel, &mut sink)
                .and_then(|f| f.ok_or_else(|| "has no command".to_string()));
            let done = CanaryCommandDone { job, result };
            // Also to the driver itself, which waits for it when quitting.
            let _ = done_tx.send(done.clone());
            Action::CanaryCommandDone(Box::new(done))
        };
        let mut out = self.loaded();
        match &self.outbox {
            Some(outbox) => {
                let outbox = outbox.clone();
                std::thread::spawn(move || outbox(run()));
            }
            None => out.push(run()),
        }
        out
    }

    /// Record `payloads` in order as `who`, stopping at the first refusal:
    /// the session as it is now, then what was recorded or why not.
    fn record_all(&mut self, payloads: Vec<Payload>, who: &Who) -> Vec<Action> {
        let mut summaries = Vec::new();
        let mut last = None;
        for p in payloads {
            match self.record(p.clone(), who) {
                Ok(summary) => {
                    summaries.push(summary);
                    last = Some(p);
                }
                Err(why) => {
                    let mut out = self.loaded();
                    out.push(Action::Failed(why));
                    return out;
                }
            }
        }
        let mut out = self.loaded();
        if let Some(p) = last {
            out.push(Action::Performed {
                cmd: Command::Record(p),
                summary: summaries.join("; "),
            });
        }
        out
    }

    /// A canary command ended: record how, then the weight it set.
    pub(super) fn finish_canary(&mut self, done: CanaryCommandDone) -> Vec<Action> {
        let registration = self.canary_ended();
        let CanaryCommandDone { job, result } = done;
        let Some((command, _)) = job.command.clone() else {
            return Vec::new();
        };
        let what = job.what();
        let finished = match result {
            Ok(f) => f,
            Err(why) => {
                let mut out = self.loaded();
                out.push(Action::Failed(format!("{what} {why}")));
                return out;
            }
        };
        let mut records = job.finished(&finished).into_iter();
        if let Some(end) = records.next()
            && let Err(why) = self.record(end, &job.who)
        {
            let mut out = self.loaded();
            out.push(Action::Failed(why));
            return out;
        }
        if let Some(r) = registration {
            r.remove();
        }
        if !finished.succeeded() {
            let lines = finished.last_lines(3);
            let mut out = self.loaded();
            out.push(Action::Failed(format!(
                "{what} `{command}` {}; the weight is left as it was{}",
                finished.how(job.timeout),
                if lines.is_empty() {
                    String::new()
                } else {
                    format!(" (it printed: {})", lines.join(" / "))
                }
            )));
            return out;
        }
        self.record_all(records.collect(), &job.who)
    }
}
