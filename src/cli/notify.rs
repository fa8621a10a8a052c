//! `greenlight notify`: test the `[[notify]]` targets, and send what this
//! device owes now (what every writing command does after it acts).

use std::process::ExitCode;

use clap::Subcommand;
use color_eyre::Result;

use super::Global;
use super::out::{esayln, sayln};

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// Send a test message to every [[notify]] target and say how each answered.
    Test,
    /// Send the notifications this device owes for a session now (failed
    /// ones are retried with a growing wait); each attempt is recorded.
    Flush {
        /// The session (id or prefix); default: the open one, else the last completed.
        #[arg(long, value_name = "SESSION")]
        session: Option<String>,
    },
}

pub fn run(g: &Global, c: NotifyCmd) -> Result<ExitCode> {
    let ws = g.workspace()?;
    match c {
        NotifyCmd::Test => {
            let results = ws.notify_test();
            if results.is_empty() {
                sayln!(
                    "no [[notify]] targets in {}: nothing to test",
                    crate::config::RepoConfig::FILE
                );
                return Ok(ExitCode::SUCCESS);
            }
            let mut failed = false;
            for (name, result) in results {
                match result {
                    Ok(answer) => sayln!("✔ {name}: {answer}"),
                    Err(why) => {
                        failed = true;
                        esayln!("✘ {name}: {why}");
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        NotifyCmd::Flush { session } => {
            let id = ws
                .store
                .resolve_for_reading(&ws.repo.key, session.as_deref())?;
            let mut s = ws.session(Some(&id))?;
            ws.attach(&mut s)?;
            let before = s.state().notifications.len();
            let messages = ws.deliver_notifications(&mut s);
            for m in &messages {
                esayln!("{m}");
            }
            let sent = &s.state().notifications[before..];
            for (_, n) in sent.iter().filter(|(_, n)| n.ok) {
                sayln!(
                    "notified {} of {} ({})",
                    n.target,
                    n.moment.replace('_', " "),
                    n.result
                );
            }
            for (target, moment, why) in crate::notify::outbox::given_up(s.state()) {
                esayln!(
                    "given up: {target} was never told of {} ({why})",
                    moment.replace('_', " ")
                );
            }
            if sent.is_empty() {
                sayln!("nothing to send");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
