//! The playbook as a session froze it at its start.
//!
//! A session's state must be a fold over its events alone, so the
//! `session_started` event carries a copy of the steps. Editing a playbook
//! file later never changes a session that is already running.

use serde::{Deserialize, Serialize};

use crate::playbook::{Playbook, Step};

/// One step, with roles and kinds as plain strings so an old session still
/// reads after the playbook model grows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirm: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Canary steps: the playbook's weights, when it sets its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<u32>,
    /// Canary steps: the playbook's observation time per weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_observation_secs: Option<u64>,
    /// Completing it needs evidence: a note, a URL or a file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub evidence_required: bool,
    /// Gate steps: the SARIF report judged, and the level that fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sarif: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<crate::playbook::SarifLevel>,
    /// It completes only when the manifest check passes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manifest: bool,
    /// Roles that must acknowledge it before it completes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ack: Vec<String>,
    /// Completing it sends this notification (`completed`, `release_notes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<String>,
    /// Decision steps: the options, one of which completing it chooses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Runs only when each named decision chose the given option.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub when: std::collections::BTreeMap<String, String>,
}

impl PlanStep {
    pub fn is_signoff(&self) -> bool {
        self.kind == "signoff"
    }

    pub fn is_canary(&self) -> bool {
        self.kind == "canary"
    }

    pub fn is_gate(&self) -> bool {
        self.kind == "gate"
    }

    pub fn is_decision(&self) -> bool {
        self.kind == "decision"
    }

    /// What it waits on: its `requires`, then the decisions of its `when`.
    pub fn waits_on(&self) -> impl Iterator<Item = &String> {
        self.requires
            .iter()
            .chain(self.when.keys().filter(|k| !self.requires.contains(k)))
    }

    /// The level that fails its SARIF report (error by default).
    pub fn sarif_fail_on(&self) -> crate::playbook::SarifLevel {
        self.fail_on.unwrap_or(crate::playbook::SarifLevel::Error)
    }
}

/// The frozen playbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub playbook: String,
    pub title: String,
    pub steps: Vec<PlanStep>,
}

impl Plan {
    pub fn step(&self, id: &str) -> Option<&PlanStep> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}

impl From<&Step> for PlanStep {
    fn from(s: &Step) -> Self {
        PlanStep {
            id: s.id.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            owner: s.owner.to_string(),
            with: s.with.iter().map(|r| r.to_string()).collect(),
            kind: s.kind.to_string(),
            requires: s.requires.clone(),
            roles: s.roles.iter().map(|r| r.to_string()).collect(),
            run: s.run.clone(),
            rollback: s.rollback.clone(),
            confirm: s.confirm,
            timeout_secs: s.timeout.map(|t| t.as_secs()),
            evidence: s.evidence.clone(),
            weights: s.weights.clone(),
            min_observation_secs: s.min_observation.map(|d| d.as_secs()),
            evidence_required: s.evidence_required,
            sarif: s.sarif.clone(),
            fail_on: s.fail_on,
            manifest: s.manifest,
            ack: s.ack.iter().map(|r| r.to_string()).collect(),
            notify: s.notify.map(|n| n.as_str().to_string()),
            options: s.options.clone(),
            when: s.when.clone(),
        }
    }
}

impl From<&Playbook> for Plan {
    fn from(p: &Playbook) -> Self {
        Plan {
            playbook: p.id.clone(),
            title: p.title.clone(),
            steps: p.steps.iter().map(PlanStep::from).collect(),
        }
    }
}
