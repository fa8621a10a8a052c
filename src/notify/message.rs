//! What a notification says: greenlight's JSON body (documented here; it
//! is what `kind = "command"` gets on stdin too) and the `{"text": …}` of
//! Slack-compatible webhooks.

use serde::Serialize;

use super::moments::Notice;

/// The JSON body, version 1. Fields: `moment` (e.g. `signoff_requested`),
/// `repo`, `session`, `scenario`, `version` (absent when the session has
/// none), `who` (who caused it), `step` (when about one), `text` (one line:
/// what happened), `ask` (what the reader is asked to do, when anything),
/// `at` (RFC 3339, the causing event's time).
#[derive(Debug, Clone, Serialize)]
pub struct Body<'a> {
    pub greenlight: u32,
    pub moment: &'a str,
    pub repo: &'a str,
    pub session: &'a str,
    pub scenario: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    pub who: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'a str>,
    pub text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<&'a str>,
    pub at: &'a str,
}

/// The release a notification is about.
pub struct Release<'a> {
    pub repo: &'a str,
    pub session: &'a str,
    pub scenario: &'a str,
    pub version: Option<&'a str>,
}

impl<'a> Body<'a> {
    pub fn of(notice: &'a Notice, release: &'a Release<'a>) -> Body<'a> {
        Body {
            greenlight: 1,
            moment: notice.moment.as_str(),
            repo: release.repo,
            session: release.session,
            scenario: release.scenario,
            version: release.version,
            who: &notice.who,
            step: notice.step.as_deref(),
            text: &notice.text,
            ask: notice.ask.as_deref(),
            at: &notice.at,
        }
    }

    /// One message for a chat: the release, what happened, the ask.
    pub fn chat_text(&self) -> String {
        let release = match self.version {
            Some(v) => format!("{} {v}", self.repo),
            None => self.repo.to_string(),
        };
        let mut text = format!("[{release} · {}] {}", self.scenario, self.text);
        if let Some(ask) = self.ask {
            text.push('\n');
            text.push_str(ask);
        }
        text.push_str(&format!("\n(session {})", self.session));
        text
    }

    /// An e-mail subject: the release and what happened.
    pub fn subject(&self) -> String {
        let release = match self.version {
            Some(v) => format!("{} {v}", self.repo),
            None => self.repo.to_string(),
        };
        format!("[{release}] {}", self.text)
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn slack(&self) -> String {
        serde_json::json!({ "text": self.chat_text() }).to_string()
    }
}
