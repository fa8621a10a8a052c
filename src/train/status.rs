//! The train as a whole: every component's reading, whether their
//! requirements hold, the system version they add up to, and what blocks
//! the train. `greenlight train status` prints it; the app's Train pane
//! draws it.

use std::collections::BTreeMap;
use std::path::Path;

use semver::Version;
use serde::Serialize;

use super::component::{self, ComponentReading};
use super::config::TrainConfig;
use super::schedule::{self, Departure};
use crate::release::manifest::{Change, change};
use crate::release::{Manifest, ManifestProblem};
use crate::session::Store;

/// Where a component stands for the train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// Its release session completed.
    Released,
    /// Nothing to release since its last tag, and no session running.
    Unchanged,
    /// Its release session is open.
    Releasing,
    /// Changes to release, and no session yet.
    Waiting,
    /// Its requirements do not hold, or its session is in trouble.
    Blocked,
    /// Its repository could not be read.
    Unreadable,
}

impl Readiness {
    pub fn word(self) -> &'static str {
        match self {
            Readiness::Released => "released",
            Readiness::Unchanged => "unchanged",
            Readiness::Releasing => "releasing",
            Readiness::Waiting => "waiting",
            Readiness::Blocked => "blocked",
            Readiness::Unreadable => "unreadable",
        }
    }
}

/// One component's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentStatus {
    pub name: String,
    pub team: Option<String>,
    /// Its version in the manifest.
    pub manifest_version: String,
    /// What it requires of the others, as the manifest says.
    pub requires: BTreeMap<String, String>,
    pub requirements_hold: bool,
    /// Each broken requirement, in words.
    pub requirement_problems: Vec<String>,
    pub readiness: Readiness,
    /// The version it brings to this train: its proposed next version
    /// when it has changes, else the manifest's.
    pub train_version: String,
    #[serde(flatten)]
    pub reading: ComponentReading,
}

/// The whole train.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainStatus {
    /// The manifest's system version now.
    pub system_version: String,
    /// The system version this train releases.
    pub next_system_version: String,
    /// none, patch, minor, major, release-as.
    pub system_bump: String,
    pub system_reason: String,
    pub departure: Option<Departure>,
    pub dm: Option<String>,
    pub components: Vec<ComponentStatus>,
    /// What stops the train from leaving, one sentence each.
    pub blockers: Vec<String>,
    /// `[train]` problems (a bad cadence, say): the rest still reads.
    pub warnings: Vec<String>,
}

impl TrainStatus {
    pub fn component(&self, name: &str) -> Option<&ComponentStatus> {
        self.components.iter().find(|c| c.name == name)
    }
}

/// What to read the train with.
pub struct TrainInputs<'a> {
    pub system_root: &'a Path,
    pub manifest: &'a Manifest,
    pub config: Option<&'a TrainConfig>,
    pub store: &'a Store,
    /// Where remotes are cloned.
    pub cache: &'a Path,
    /// Fetch remotes again (otherwise only the first time).
    pub fetch: bool,
    pub today: jiff::civil::Date,
    /// A `Release-As` for the system, from the system repository's commits.
    pub release_as: Option<Version>,
}

/// Read every component (in parallel: each is its own repository) and put
/// the train together.
pub fn read(i: &TrainInputs<'_>) -> TrainStatus {
    let entries: Vec<(&String, &crate::release::Component)> =
        i.manifest.components().iter().collect();
    let readings: Vec<ComponentReading> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .iter()
            .map(|(name, c)| {
                scope.spawn(move || {
                    component::read(name, c, i.system_root, i.store, i.cache, i.fetch)
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&entries)
            .map(|(h, (name, c))| {
                h.join().unwrap_or_else(|_| {
                    let mut r = component::read_nothing(c);
                    r.error = Some(format!("reading `{name}` failed unexpectedly"));
                    r
                })
            })
            .collect()
    });
    assemble(i, readings)
}

/// The pure half: readings in, the train out.
pub fn assemble(i: &TrainInputs<'_>, readings: Vec<ComponentReading>) -> TrainStatus {
    let problems = i.manifest.check();
    let mut warnings = Vec::new();
    let departure = i.config.and_then(|cfg| {
        let days = cfg
            .cadence_days()
            .map_err(|e| warnings.push(e.to_string()))
            .ok()?;
        let first = cfg
            .first_date()
            .map_err(|e| warnings.push(e.to_string()))
            .ok()?;
        schedule::next_departure(first, days, i.today)
    });
    let mut components = Vec::new();
    let mut blockers = Vec::new();
    let mut largest = Change::None;
    let mut deciding = String::new();
    for ((name, c), reading) in i.manifest.components().iter().zip(readings) {
        let mine: Vec<String> = problems
            .iter()
            .filter(|p| match p {
                ManifestProblem::UnknownComponent { component, .. }
                | ManifestProblem::RequirementNotMet { component, .. } => component == name,
            })
            .map(ToString::to_string)
            .collect();
        let releasable = reading.bump.as_deref().is_some_and(|b| b != "none");
        let next = reading
            .next_version
            .as_deref()
            .and_then(|v| Version::parse(v).ok());
        let train_version = match next {
            Some(n) if releasable && n > c.version => n,
            _ => c.version.clone(),
        };
        let change = change(&c.version, &train_version);
        if change > largest {
            largest = change;
            deciding = format!("{name} {} → {train_version}", c.version);
        }
        let session = reading.session.as_ref();
        let troubled = session.is_some_and(|s| !s.troubles.is_empty() && s.status == "open");
        let readiness = if reading.error.is_some() {
            Readiness::Unreadable
        } else if !mine.is_empty() || troubled {
            Readiness::Blocked
        } else {
            match session.map(|s| s.status.as_str()) {
                Some("open") => Readiness::Releasing,
                // Released: nothing new since its tag, or its completed
                // session released the version its history proposes (the
                // tag may still be missing).
                Some("complete")
                    if !releasable
                        || session.and_then(|s| s.version.as_deref())
                            == reading.next_version.as_deref() =>
                {
                    Readiness::Released
                }
                _ if releasable => Readiness::Waiting,
                Some("complete") => Readiness::Released,
                _ => Readiness::Unchanged,
            }
        };
        match readiness {
            Readiness::Unreadable => blockers.push(format!(
                "{name}: {}",
                reading.error.as_deref().unwrap_or("cannot be read")
            )),
            Readiness::Blocked => {
                for p in &mine {
                    blockers.push(format!("{name}: {p}"));
                }
                if let Some(s) = session.filter(|_| troubled) {
                    blockers.push(format!(
                        "{name}: its release session {} has {}",
                        s.id,
                        s.troubles.join(", ")
                    ));
                }
            }
            Readiness::Releasing => {
                if let Some(s) = session {
                    blockers.push(format!(
                        "{name}: its release session {} is open at {}/{} steps",
                        s.id, s.steps_done, s.steps_total
                    ));
                }
            }
            Readiness::Waiting => blockers.push(format!(
                "{name}: {} commit{} to release as {train_version}, and no release session yet",
                reading.commits.len(),
                if reading.commits.len() == 1 { "" } else { "s" }
            )),
            Readiness::Released | Readiness::Unchanged => {}
        }
        components.push(ComponentStatus {
            name: name.clone(),
            team: i
                .config
                .and_then(|cfg| cfg.team_of(name))
                .map(str::to_owned),
            manifest_version: c.version.to_string(),
            requires: c
                .requires
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            requirements_hold: mine.is_empty(),
            requirement_problems: mine,
            readiness,
            train_version: train_version.to_string(),
            reading,
        });
    }
    let system = i.manifest.system_version().clone();
    let (next, bump, reason) = match &i.release_as {
        Some(v) if *v > system => (
            v.clone(),
            "release-as".to_owned(),
            format!("Release-As: {v} in the system repository"),
        ),
        _ if largest == Change::None => (
            system.clone(),
            "none".to_owned(),
            "no component brings a change".to_owned(),
        ),
        _ => (
            largest.apply(&system),
            largest.as_bump().to_string(),
            format!("{deciding} is the largest change"),
        ),
    };
    TrainStatus {
        system_version: system.to_string(),
        next_system_version: next.to_string(),
        system_bump: bump,
        system_reason: reason,
        departure,
        dm: i.config.and_then(|c| c.dm.clone()),
        components,
        blockers,
        warnings,
    }
}

/// `train status` for people.
pub fn render(t: &TrainStatus) -> String {
    let esc = |s: &str| crate::text::one_line(s).into_owned();
    let mut out = String::new();
    if let Some(d) = &t.departure {
        out.push_str(&d.label());
        if let Some(dm) = &t.dm {
            out.push_str(&format!(" · DM {}", esc(dm)));
        }
        out.push('\n');
    }
    for w in &t.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    if t.system_bump == "none" {
        out.push_str(&format!(
            "System {}: no release needed ({})\n\n",
            t.system_version, t.system_reason
        ));
    } else {
        out.push_str(&format!(
            "System {} → {} ({}: {})\n\n",
            t.system_version,
            t.next_system_version,
            t.system_bump,
            esc(&t.system_reason)
        ));
    }
    let rows: Vec<[String; 8]> = t
        .components
        .iter()
        .map(|c| {
            let session = match &c.reading.session {
                Some(s) => {
                    let mut x = format!(
                        "{} {}/{} {}",
                        esc(&s.scenario),
                        s.steps_done,
                        s.steps_total,
                        esc(&s.status)
                    );
                    if let (Some(w), Some(v)) = (s.canary_weight, &s.canary_verdict) {
                        x.push_str(&format!(" · canary {w}% {}", esc(v)));
                    }
                    x
                }
                None => "-".into(),
            };
            [
                esc(&c.name),
                c.team.as_deref().map_or("-".into(), esc),
                c.manifest_version.clone(),
                c.reading.next_version.clone().unwrap_or_else(|| "-".into()),
                c.reading.commits.len().to_string(),
                session,
                if c.requirements_hold {
                    "ok".into()
                } else {
                    "BROKEN".into()
                },
                c.readiness.word().into(),
            ]
        })
        .collect();
    let head = [
        "COMPONENT",
        "TEAM",
        "MANIFEST",
        "NEXT",
        "COMMITS",
        "SESSION",
        "REQUIRES",
        "STATE",
    ];
    let mut widths = head.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                l.push_str(cell);
                l.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        l.trim_end().to_owned() + "\n"
    };
    out.push_str(&line(head.to_vec()));
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out.push('\n');
    if t.blockers.is_empty() {
        out.push_str("Nothing blocks the train.\n");
    } else {
        out.push_str(&format!(
            "{} thing{} block{} the train:\n",
            t.blockers.len(),
            if t.blockers.len() == 1 { "" } else { "s" },
            if t.blockers.len() == 1 { "s" } else { "" }
        ));
        for b in &t.blockers {
            out.push_str(&format!("- {}\n", esc(b)));
        }
    }
    out
}
