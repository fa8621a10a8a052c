//! The playbook model: roles, step kinds, steps and playbooks.
//!
//! These types are what the rest of greenlight works with. They are only
//! ever built by [`crate::playbook::parse`], which validates them, so code
//! holding a `Playbook` can rely on its invariants (unique ids, known
//! `requires`, no cycles).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::graph;

/// Who is accountable for a step, or must approve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Product manager.
    Pm,
    /// Delivery manager.
    Dm,
    Developer,
    TechLead,
    OnCall,
    Security,
    /// Service reliability.
    Sre,
}

impl Role {
    /// Every role, in the order they are listed to people.
    pub const ALL: [Role; 7] = [
        Role::Pm,
        Role::Dm,
        Role::Developer,
        Role::TechLead,
        Role::OnCall,
        Role::Security,
        Role::Sre,
    ];

    /// The name used in TOML, on the command line and in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Pm => "pm",
            Role::Dm => "dm",
            Role::Developer => "developer",
            Role::TechLead => "tech-lead",
            Role::OnCall => "on-call",
            Role::Security => "security",
            Role::Sre => "sre",
        }
    }

    /// A spelled-out name for screens and help text.
    pub fn label(self) -> &'static str {
        match self {
            Role::Pm => "product manager",
            Role::Dm => "delivery manager",
            Role::Developer => "developer",
            Role::TechLead => "tech lead",
            Role::OnCall => "on-call engineer",
            Role::Security => "security",
            Role::Sre => "service reliability",
        }
    }

    /// The valid names joined with ", " for error messages.
    pub fn names() -> String {
        join_names(Role::ALL.iter().map(|r| r.as_str()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; valid roles: {roles}", roles = Role::names())]
pub struct ParseRoleError(pub String);

impl FromStr for Role {
    type Err = ParseRoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseRoleError(s.to_owned()))
    }
}

/// What kind of work a step is, which decides how a session runs it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A person does something and ticks it off.
    #[default]
    Check,
    /// greenlight runs `run` with `sh -c` in the repository root.
    Command,
    /// A canary (or blue/green) judged against its baseline.
    Canary,
    /// One approval is needed from each of `roles`.
    Signoff,
    /// A condition that must hold before later steps may start.
    Gate,
    /// A choice among named `options`; later steps may run only `when`
    /// it chose one of them.
    Decision,
}

impl StepKind {
    /// Every kind, in the order they are listed to people.
    pub const ALL: [StepKind; 6] = [
        StepKind::Check,
        StepKind::Command,
        StepKind::Canary,
        StepKind::Signoff,
        StepKind::Gate,
        StepKind::Decision,
    ];

    /// The name used in TOML and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Check => "check",
            StepKind::Command => "command",
            StepKind::Canary => "canary",
            StepKind::Signoff => "signoff",
            StepKind::Gate => "gate",
            StepKind::Decision => "decision",
        }
    }

    /// The valid names joined with ", " for error messages.
    pub fn names() -> String {
        join_names(StepKind::ALL.iter().map(|k| k.as_str()))
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`StepKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{0}`; valid kinds: {kinds}", kinds = StepKind::names())]
pub struct ParseStepKindError(pub String);

impl FromStr for StepKind {
    type Err = ParseStepKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StepKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseStepKindError(s.to_owned()))
    }
}

fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// One step of a playbook.
///
/// `Deserialize` reads the JSON form written by `Serialize` (for example a
/// playbook recorded in a session); it does not validate. TOML goes through
/// [`crate::playbook::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    /// Defaults to the id when the TOML has no `title`.
    pub title: String,
    /// The how and why shown in the step's details; may be empty.
    #[serde(default)]
    pub description: String,
    pub owner: Role,
    /// Roles that help the owner.
    #[serde(default)]
    pub with: Vec<Role>,
    #[serde(default)]
    pub kind: StepKind,
    /// Ids of the steps that must be done (or skipped) first.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Signoff steps only: one approval is needed from each role.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Command steps only: run with `sh -c` in the repository root.
    #[serde(default)]
    pub run: Option<String>,
    /// How to undo this step (command and canary steps).
    #[serde(default)]
    pub rollback: Option<String>,
    /// A person must confirm before the step runs: it is risky.
    #[serde(default)]
    pub confirm: bool,
    #[serde(default, with = "humantime_opt")]
    pub timeout: Option<Duration>,
    /// What must be recorded to complete the step (e.g. "test report link").
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Tags naming the release-management responsibilities this step
    /// carries out (e.g. "vulnerability-scan"), so coverage can be checked.
    #[serde(default)]
    pub covers: Vec<String>,
    /// Canary steps only: the traffic weights for this scenario (rising to
    /// 100), instead of `[canary] weights` (a hotfix may go faster).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<u32>,
    /// Canary steps only: how long each weight is watched at least,
    /// instead of `[canary] min_observation`.
    #[serde(
        default,
        with = "humantime_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_observation: Option<Duration>,
    /// Completing the step needs evidence (a note, a URL or a file). Gates
    /// require it unless they say `evidence_required = false`.
    #[serde(default)]
    pub evidence_required: bool,
    /// Gate steps: a SARIF report that must have no result at or above
    /// `fail_on` for the gate to pass (path relative to the repository).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sarif: Option<String>,
    /// The lowest SARIF level that fails the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<SarifLevel>,
    /// The step completes only when the manifest check passes; completing
    /// it snapshots the manifest into the session.
    #[serde(default)]
    pub manifest: bool,
    /// Roles that must acknowledge the step before it completes (the
    /// delivery manager walking the checklist with the developer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ack: Vec<Role>,
    /// Completing the step sends this notification to the `[[notify]]`
    /// targets listening for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<StepNotify>,
    /// Decision steps: the options one of which is chosen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The step runs only when each named decision chose the given option
    /// (`when = { independence-decision = "train" }`); otherwise it is
    /// skipped, with the decision as the reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub when: BTreeMap<String, String>,
}

/// What completing a step announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepNotify {
    /// The release is done (the `completed` moment).
    Completed,
    /// The session's release notes, to their audiences (`release_notes`).
    ReleaseNotes,
}

impl StepNotify {
    pub const ALL: [StepNotify; 2] = [StepNotify::Completed, StepNotify::ReleaseNotes];

    pub fn as_str(self) -> &'static str {
        match self {
            StepNotify::Completed => "completed",
            StepNotify::ReleaseNotes => "release_notes",
        }
    }
}

impl FromStr for StepNotify {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StepNotify::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| format!("unknown notify `{s}`; valid: completed, release_notes"))
    }
}

/// SARIF result levels, lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SarifLevel {
    Note,
    Warning,
    Error,
}

impl SarifLevel {
    pub const ALL: [SarifLevel; 3] = [SarifLevel::Note, SarifLevel::Warning, SarifLevel::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            SarifLevel::Note => "note",
            SarifLevel::Warning => "warning",
            SarifLevel::Error => "error",
        }
    }
}

impl FromStr for SarifLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SarifLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown SARIF level `{s}`; valid levels: note, warning, error"))
    }
}

/// Where a playbook came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Embedded in the binary from `assets/playbooks/`.
    Builtin,
    /// Read from a file, usually `<repo>/.greenlight/playbooks/*.toml`.
    File(PathBuf),
}

impl Origin {
    /// The name used for this origin in error messages.
    pub fn display_name(&self) -> String {
        match self {
            Origin::Builtin => "<built-in>".to_owned(),
            Origin::File(path) => path.display().to_string(),
        }
    }
}

/// A validated playbook: one scenario's play-by-play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playbook {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<Step>,
    pub origin: Origin,
}

impl Playbook {
    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Step ids in file order.
    pub fn step_ids(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.id.as_str())
    }

    /// Steps ordered so that every step comes after the steps it requires;
    /// ties keep file order, so a well-written file reads unchanged.
    pub fn topological_order(&self) -> Vec<&Step> {
        let edges = self.edges();
        // A validated playbook has no cycle; should one slip through (a
        // hand-built value), fall back to file order rather than lose steps.
        match graph::topological_order(&edges) {
            Some(order) => order.into_iter().map(|i| &self.steps[i]).collect(),
            None => self.steps.iter().collect(),
        }
    }

    /// Every step that must be done before `id`, directly or through
    /// other steps (empty for an unknown id).
    pub fn prerequisites(&self, id: &str) -> BTreeSet<&str> {
        let Some(start) = self.steps.iter().position(|s| s.id == id) else {
            return BTreeSet::new();
        };
        graph::reachable(&self.edges(), start)
            .into_iter()
            .map(|i| self.steps[i].id.as_str())
            .collect()
    }

    /// `requires` (and the decisions of `when`) as step indices; unknown
    /// ids are left out.
    fn edges(&self) -> Vec<Vec<usize>> {
        self.steps
            .iter()
            .map(|s| {
                s.requires
                    .iter()
                    .chain(s.when.keys())
                    .filter_map(|r| self.steps.iter().position(|t| &t.id == r))
                    .collect()
            })
            .collect()
    }
}

/// `Option<Duration>` as a humantime string ("10m") in JSON.
mod humantime_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| humantime::parse_duration(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}
