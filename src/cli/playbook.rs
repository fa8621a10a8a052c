//! `greenlight playbook list|show|validate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use color_eyre::eyre::{Result, eyre};

use super::out::{esayln, sayln};
use super::{Global, print_json};
use crate::playbook::{Catalog, Origin, Playbook};

#[derive(Debug, Subcommand)]
pub enum PlaybookCmd {
    /// List the playbooks: built-ins and the repository's own.
    List {
        /// Print the playbooks as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a playbook's steps.
    Show {
        /// The playbook's id (see `greenlight playbook list`).
        name: String,
        /// Print the playbook as JSON (every step and field).
        #[arg(long)]
        json: bool,
    },
    /// Check playbook files; every problem is named with file:line:column.
    Validate {
        /// The playbook files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Check what a scenario needs from this repository before anything
    /// runs: each command's program, each SARIF report's folder, [canary]
    /// for canary steps, a manifest for manifest steps. Exits 1 when
    /// something is missing.
    Check {
        /// The scenario; default: every playbook.
        scenario: Option<String>,
        /// Print the warnings as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn catalog(g: &Global) -> Result<Catalog> {
    // Outside a repository the built-ins are still listed.
    let dir = match &g.repo {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let root = crate::repo::RepoContext::discover(&dir)
        .ok()
        .map(|r| r.root);
    Catalog::load(root.as_deref()).map_err(|e| eyre!("{e}"))
}

fn origin_label(p: &Playbook) -> String {
    match &p.origin {
        Origin::Builtin => "built-in".into(),
        Origin::File(f) => f.display().to_string(),
    }
}

pub fn run(g: &Global, c: PlaybookCmd) -> Result<ExitCode> {
    match c {
        PlaybookCmd::Check { scenario, json } => {
            let ws = g.workspace()?;
            let cat = ws.playbooks()?;
            let chosen: Vec<&crate::playbook::Playbook> = match &scenario {
                Some(id) => vec![cat.get(id).ok_or_else(|| {
                    let ids: Vec<&str> = cat.list().map(|p| p.id.as_str()).collect();
                    eyre!("unknown scenario `{id}`; playbooks: {}", ids.join(", "))
                })?],
                None => cat.list().collect(),
            };
            let mut all = Vec::new();
            for p in chosen {
                for w in crate::playbook::preflight::check(p, &ws.repo.root, &ws.config) {
                    all.push((p.id.clone(), w));
                }
            }
            if json {
                let v: Vec<serde_json::Value> = all
                    .iter()
                    .map(|(p, w)| {
                        serde_json::json!({"playbook": p, "step": w.step, "problem": w.problem, "fix": w.fix})
                    })
                    .collect();
                print_json(&v)?;
            } else if all.is_empty() {
                sayln!(
                    "ready: every command, report folder and configuration the steps need is here"
                );
            } else {
                for (p, w) in &all {
                    sayln!("{p}: {w}");
                }
            }
            Ok(if all.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        PlaybookCmd::List { json } => {
            let cat = catalog(g)?;
            if json {
                let v: Vec<_> = cat.list().collect();
                print_json(&v)?;
            } else {
                for p in cat.list() {
                    sayln!(
                        "{:<18} {:>2} steps  {}  ({})",
                        p.id,
                        p.steps.len(),
                        p.title,
                        origin_label(p)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PlaybookCmd::Show { name, json } => {
            let cat = catalog(g)?;
            let p = cat.get(&name).ok_or_else(|| {
                let ids: Vec<&str> = cat.list().map(|p| p.id.as_str()).collect();
                eyre!("unknown playbook `{name}`; playbooks: {}", ids.join(", "))
            })?;
            if json {
                print_json(p)?;
            } else {
                sayln!("{} · {} ({})", p.id, p.title, origin_label(p));
                if !p.description.is_empty() {
                    sayln!("{}", p.description.trim());
                }
                for (i, s) in p.steps.iter().enumerate() {
                    let mut extra = Vec::new();
                    if !s.with.is_empty() {
                        extra.push(format!(
                            "with {}",
                            s.with
                                .iter()
                                .map(|r| r.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    if !s.requires.is_empty() {
                        extra.push(format!("after {}", s.requires.join(", ")));
                    }
                    if !s.roles.is_empty() {
                        extra.push(format!(
                            "sign-off by {}",
                            s.roles
                                .iter()
                                .map(|r| r.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    if let Some(r) = &s.run {
                        extra.push(format!("runs `{r}`"));
                    }
                    if s.rollback.is_some() {
                        extra.push("has rollback".into());
                    }
                    if !s.weights.is_empty() {
                        let steps: Vec<String> =
                            s.weights.iter().map(|w| format!("{w}%")).collect();
                        let watch = s
                            .min_observation
                            .map(|d| format!(", each watched ≥ {}", humantime::format_duration(d)))
                            .unwrap_or_default();
                        extra.push(format!("weights {}{watch}", steps.join(" → ")));
                    }
                    sayln!(
                        "{:>2}. {:<24} [{}] {} — {}",
                        i + 1,
                        s.id,
                        s.kind,
                        s.owner,
                        s.title
                    );
                    if !extra.is_empty() {
                        sayln!("    {}", extra.join("; "));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PlaybookCmd::Validate { paths } => {
            let mut failed = false;
            for path in paths {
                let text = match crate::playbook::read_playbook(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        esayln!("{e}");
                        failed = true;
                        continue;
                    }
                };
                match crate::playbook::parse(&text, Origin::File(path.clone())) {
                    Ok(p) => sayln!(
                        "{}: ok ({} · {} steps)",
                        path.display(),
                        p.id,
                        p.steps.len()
                    ),
                    Err(errs) => {
                        esayln!("{errs}");
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
