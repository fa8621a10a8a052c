//! The signature rules a session froze when it started: which events must
//! be signed (`[audit] require_signatures`) and which keys may sign as
//! whom (the allowed-signers file of the commit the session started on).
//!
//! The checks here are cheap (an event's named key against the file, no
//! cryptography), so they run in the fold and before every write: an
//! event signed by a key that may not sign as its `who` is refused when
//! written and not applied when it arrives from another clone. The
//! signatures themselves are checked by `audit verify`.

use serde::{Deserialize, Serialize};

use crate::signing::AllowedSigners;
use crate::signing::sig::NAMESPACE;

/// Which events must be signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    /// None must be (events are signed anyway when a key is configured).
    #[default]
    None,
    /// Sign-offs (given or rejected), acknowledgements and overrides.
    Signoffs,
    /// Every event.
    All,
}

impl Require {
    pub fn as_str(self) -> &'static str {
        match self {
            Require::None => "none",
            Require::Signoffs => "signoffs",
            Require::All => "all",
        }
    }

    /// Must an event of `kind` be signed?
    pub fn covers(self, kind: &str) -> bool {
        match self {
            Require::None => false,
            Require::All => true,
            Require::Signoffs => SIGNOFF_KINDS.contains(&kind),
        }
    }
}

/// What `signoffs` covers: the events that approve or let something past.
pub const SIGNOFF_KINDS: &[&str] = &[
    "signoff_given",
    "signoff_rejected",
    "step_acknowledged",
    "rule_overridden",
];

/// The signature rules as `session_started` records them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenSignatures {
    #[serde(default)]
    pub require: Require,
    /// The allowed-signers file's text, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_signers: Option<String>,
    /// Where it was read (`HEAD:.greenlight/allowed_signers`, a path).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}

impl FrozenSignatures {
    pub fn is_default(&self) -> bool {
        *self == FrozenSignatures::default()
    }
}

/// The rules in force, the allowed signers parsed once. Compared and
/// written out as what was frozen.
#[derive(Debug, Clone, Default)]
pub struct SignatureRules {
    pub frozen: FrozenSignatures,
    pub allowed: Option<AllowedSigners>,
}

impl PartialEq for SignatureRules {
    fn eq(&self, other: &Self) -> bool {
        self.frozen == other.frozen
    }
}

impl Serialize for SignatureRules {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.frozen.serialize(s)
    }
}

/// Read back as written: what was frozen, the allowed signers parsed again.
impl<'de> serde::Deserialize<'de> for SignatureRules {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        FrozenSignatures::deserialize(d).map(|f| SignatureRules::from_frozen(&f))
    }
}

/// Why an event may not stand as signed (or unsigned) as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureProblem {
    #[error(
        "{kind} must be signed in this session (require_signatures = \"{require}\"), and it is not: set up an SSH signing key (`git config --global gpg.format ssh` and `git config --global user.signingkey ~/.ssh/id_ed25519.pub`, or `[signing] key` in greenlight's config.toml)"
    )]
    Unsigned { kind: String, require: &'static str },
    #[error("signed by key {fingerprint}, which is not in the allowed signers ({origin})")]
    UnknownKey { fingerprint: String, origin: String },
    #[error("{0}")]
    NotAllowed(String),
    #[error(
        "{person} cannot {what} on another person's device: this session requires it signed with their own key. From your own terminal: `{how}`"
    )]
    HandedOver {
        person: String,
        what: String,
        how: String,
    },
}

impl SignatureRules {
    pub fn from_frozen(f: &FrozenSignatures) -> SignatureRules {
        SignatureRules {
            frozen: f.clone(),
            allowed: f
                .allowed_signers
                .as_deref()
                .map(|text| AllowedSigners::parse(text, &f.origin)),
        }
    }

    /// Is this a sign-off (or acknowledgement, or override) by a person on
    /// a device that is not theirs (the keyboard handed over), where the
    /// session requires such events signed? Their key is not on this
    /// device; they approve from their own terminal.
    pub fn handed_over(
        &self,
        payload: &super::payload::Payload,
        email: &str,
        device_owner: &str,
    ) -> Option<SignatureProblem> {
        use super::payload::Payload;
        let required = matches!(self.frozen.require, Require::Signoffs | Require::All)
            && SIGNOFF_KINDS.contains(&payload.kind());
        if !required || email.eq_ignore_ascii_case(device_owner) {
            return None;
        }
        let (what, how) = match payload {
            Payload::SignoffGiven(s) => (
                format!("approve as {}", s.role),
                format!("greenlight signoff --role {} --approve", s.role),
            ),
            Payload::SignoffRejected(s) => (
                format!("reject as {}", s.role),
                format!(
                    "greenlight signoff --role {} --reject --comment WHY",
                    s.role
                ),
            ),
            Payload::StepAcknowledged(a) => (
                format!("acknowledge {} as {}", a.step, a.role),
                format!("greenlight step ack {}", a.step),
            ),
            _ => (
                "override a rule".to_string(),
                "greenlight … --override REASON".to_string(),
            ),
        };
        Some(SignatureProblem::HandedOver {
            person: crate::text::escape(email).into_owned(),
            what: crate::text::escape(&what).into_owned(),
            how: crate::text::escape(&how).into_owned(),
        })
    }

    /// May an event of `kind` by `email`, naming signing key `key` (None:
    /// unsigned), stand? `at` is its time, for keys valid for a while.
    pub fn problem(
        &self,
        kind: &str,
        email: &str,
        key: Option<&str>,
        at: Option<jiff::Timestamp>,
    ) -> Option<SignatureProblem> {
        let Some(fingerprint) = key else {
            let require = self.frozen.require;
            return require.covers(kind).then(|| SignatureProblem::Unsigned {
                kind: kind.to_string(),
                require: require.as_str(),
            });
        };
        let allowed = self.allowed.as_ref()?;
        let Some(public) = allowed.key_for(fingerprint) else {
            return Some(SignatureProblem::UnknownKey {
                fingerprint: crate::text::escape(fingerprint).into_owned(),
                origin: self.frozen.origin.clone(),
            });
        };
        allowed
            .check(public, email, NAMESPACE, at)
            .err()
            .map(|e| SignatureProblem::NotAllowed(crate::text::escape(&e.to_string()).into_owned()))
    }
}
