//! Telling people where they already are: the moments of a session that a
//! team wants to hear about, and their delivery to webhooks (Slack-style
//! or a documented JSON body) and commands.
//!
//! - `moments`: what happened, derived from the applied events (pure).
//! - `message`: the bodies, saying what happened, who, the release, and
//!   what the reader is asked to do.
//! - `deliver`: sending one message to one target.
//! - `outbox`: what is due. Every attempt is a `notification_sent` event
//!   keyed by target, moment and the event that caused it, so pending
//!   deliveries are read from the journal: they survive a crash, and a
//!   delivery that succeeded is never sent again.

pub mod deliver;
pub mod message;
pub mod moments;
pub mod outbox;

use serde::{Deserialize, Serialize};

/// A moment of a session a target can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// A sign-off step became ready: the people of its roles are asked.
    SignoffRequested,
    SignedOff,
    Rejected,
    CanaryVerdictChanged,
    RolledBack,
    StepFailed,
    Override,
    Completed,
    /// The session's release notes (a `notify = "release_notes"` step).
    ReleaseNotes,
    /// A notification sent on purpose (`greenlight notify test`).
    Test,
}

impl Moment {
    pub fn as_str(self) -> &'static str {
        match self {
            Moment::SignoffRequested => "signoff_requested",
            Moment::SignedOff => "signed_off",
            Moment::Rejected => "rejected",
            Moment::CanaryVerdictChanged => "canary_verdict_changed",
            Moment::RolledBack => "rolled_back",
            Moment::StepFailed => "step_failed",
            Moment::Override => "override",
            Moment::Completed => "completed",
            Moment::ReleaseNotes => "release_notes",
            Moment::Test => "test",
        }
    }
}

/// How a webhook's body is shaped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// greenlight's own JSON body (see `message::Body`).
    #[default]
    Json,
    /// `{"text": …}`, as Slack, Mattermost and Rocket.Chat incoming
    /// webhooks take it.
    Slack,
}

/// Where a target delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An HTTP POST to the URL in the environment variable `url_env`.
    Webhook,
    /// A command (`sh -c`, in the repository) with the JSON body on stdin.
    Command,
    /// Mail over SMTP to the people of `roles` and the `audiences`.
    Email,
}

/// `[[notify]]` in `.greenlight.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The name deliveries are recorded under; default `<kind>-<n>`.
    #[serde(default)]
    pub name: Option<String>,
    pub on: Vec<Moment>,
    pub kind: Kind,
    /// Webhook: the environment variable holding the URL (never the URL
    /// itself: it is a secret, and files and journals are shared).
    #[serde(default)]
    pub url_env: Option<String>,
    #[serde(default)]
    pub format: Format,
    /// Command: what runs, with the notification as JSON on stdin.
    #[serde(default)]
    pub command: Option<String>,
    /// Email: the environment variable holding the SMTP URL, credentials
    /// included (`smtps://user:pass@host` for TLS,
    /// `smtp://user:pass@host:587?tls=required` for STARTTLS).
    #[serde(default)]
    pub smtp_url_env: Option<String>,
    /// Email: the sender (`Release bot <release@example.com>`).
    #[serde(default)]
    pub from: Option<String>,
    /// Email: the people of these roles (from the session's team).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Email: these lists of `[audiences]`.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// How long one attempt may take (`"10s"` for webhooks and mail,
    /// `"30s"` for commands unless set).
    #[serde(default)]
    pub timeout: Option<String>,
}

impl Target {
    /// The target's name: its own, or `<kind>-<n>` by its place.
    pub fn name_at(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| {
            format!(
                "{}-{}",
                match self.kind {
                    Kind::Webhook => "webhook",
                    Kind::Command => "command",
                    Kind::Email => "email",
                },
                index + 1
            )
        })
    }

    /// One attempt's time limit.
    pub fn time_limit(&self) -> std::time::Duration {
        let default = match self.kind {
            Kind::Command => std::time::Duration::from_secs(30),
            Kind::Webhook | Kind::Email => std::time::Duration::from_secs(10),
        };
        self.timeout
            .as_deref()
            .and_then(|t| humantime::parse_duration(t.trim()).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(default)
    }

    /// What is wrong with it, for `playbook check`-style messages.
    pub fn problem(&self, index: usize) -> Option<String> {
        let name = self.name_at(index);
        if let Some(t) = &self.timeout
            && humantime::parse_duration(t.trim()).map_or(true, |d| d.is_zero())
        {
            return Some(format!(
                "[[notify]] {name}: timeout `{t}` is not a duration (e.g. \"10s\")"
            ));
        }
        match self.kind {
            Kind::Webhook if self.url_env.as_deref().is_none_or(str::is_empty) => Some(format!(
                "[[notify]] {name}: a webhook needs url_env, the environment variable holding its URL"
            )),
            Kind::Command if self.command.as_deref().is_none_or(|c| c.trim().is_empty()) => {
                Some(format!("[[notify]] {name}: a command target needs command"))
            }
            Kind::Email if self.smtp_url_env.as_deref().is_none_or(str::is_empty) => Some(format!(
                "[[notify]] {name}: an email target needs smtp_url_env, the environment variable holding the SMTP URL"
            )),
            Kind::Email if self.from.as_deref().is_none_or(|f| f.trim().is_empty()) => Some(
                format!("[[notify]] {name}: an email target needs from, the sender's address"),
            ),
            Kind::Email if self.roles.is_empty() && self.audiences.is_empty() => Some(format!(
                "[[notify]] {name}: an email target needs roles or audiences to write to"
            )),
            _ if self.on.is_empty() => Some(format!(
                "[[notify]] {name}: `on` lists no moment, so it is never told anything"
            )),
            _ => None,
        }
    }
}

/// The targets a session froze at its start: names and moments (how to
/// reach them stays in the configuration and the environment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenTarget {
    pub name: String,
    pub on: Vec<Moment>,
}
