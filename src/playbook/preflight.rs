//! Before anything runs: what a playbook's steps need from this
//! repository and machine, checked up front, so a missing
//! `./deploy/promote.sh` is found when the session starts and not when
//! someone presses enter on "Enable the release for all customers".
//!
//! Each command's program (the first word of `run` and `rollback`, as a
//! path or on PATH), each SARIF report's folder, and the configuration
//! each kind of step needs (`[canary]` for canary steps, a manifest for
//! manifest steps). Warnings, never refusals: a repository may add the
//! script before the step comes.

use std::path::Path;

use serde::Serialize;

use super::model::{Playbook, StepKind};
use crate::config::RepoConfig;

/// One thing a step needs that is not there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub step: String,
    pub problem: String,
    pub fix: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step `{}`: {}; {}", self.step, self.problem, self.fix)
    }
}

/// Words `sh` runs without a program file.
const SHELL_BUILTINS: &[&str] = &[
    ":", ".", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exec",
    "exit", "export", "false", "fg", "getopts", "hash", "jobs", "kill", "printf", "pwd", "read",
    "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type", "ulimit",
    "umask", "unalias", "unset", "wait", "if", "for", "while", "until", "case", "{", "(", "!",
];

/// Every warning for `playbook` in the repository at `root`.
pub fn check(playbook: &Playbook, root: &Path, config: &RepoConfig) -> Vec<Warning> {
    let mut out = Vec::new();
    for step in &playbook.steps {
        let mut warn = |problem: String, fix: String| {
            out.push(Warning {
                step: step.id.clone(),
                problem,
                fix,
            })
        };
        for (field, command) in [("run", &step.run), ("rollback", &step.rollback)] {
            let Some(command) = command else { continue };
            if let Some(problem) = program_problem(command, root) {
                warn(
                    format!("its `{field}` ({command}) {problem}"),
                    "add it to the repository (executable), or change the step in a playbook of .greenlight/playbooks/".into(),
                );
            }
        }
        if let Some(report) = &step.sarif {
            let dir = root.join(report);
            let parent = dir.parent().unwrap_or(root);
            if !parent.is_dir() {
                warn(
                    format!(
                        "its SARIF report {report} goes in {}, which does not exist",
                        parent.display()
                    ),
                    "have the scanner write it there before the gate".into(),
                );
            }
        }
        if step.kind == StepKind::Canary && config.canary.is_none() && step.weights.is_empty() {
            warn(
                "it is a canary step and .greenlight.toml has no [canary]".into(),
                "configure [canary] (source, metrics, weights); without it the step can only be skipped or overridden".into(),
            );
        }
        if step.manifest && !root.join(crate::release::MANIFEST_FILE).is_file() {
            warn(
                format!(
                    "it approves the manifest and there is no {}",
                    crate::release::MANIFEST_FILE
                ),
                format!(
                    "add {} (greenlight manifest check explains its format)",
                    crate::release::MANIFEST_FILE
                ),
            );
        }
    }
    out
}

/// Why a shell command's program cannot run here, if it cannot: the first
/// word that is not a `NAME=value` assignment, as a path (relative to the
/// repository) or a program on PATH.
fn program_problem(command: &str, root: &Path) -> Option<String> {
    let program = command
        .split_whitespace()
        .find(|w| !is_assignment(w))?
        .trim_end_matches(';');
    if SHELL_BUILTINS.contains(&program) || program.starts_with('$') {
        return None;
    }
    if program.contains('/') {
        let path = root.join(program);
        return match std::fs::metadata(&path) {
            Err(_) => Some(format!("runs {program}, which does not exist")),
            Ok(m) if !is_executable(&m) => Some(format!("runs {program}, which is not executable")),
            Ok(_) => None,
        };
    }
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            std::fs::metadata(dir.join(program)).is_ok_and(|m| m.is_file() && is_executable(&m))
        })
    });
    (!on_path).then(|| format!("runs `{program}`, which is not on PATH"))
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_as_paths_on_path_or_builtins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
        std::fs::write(dir.path().join("deploy/ok.sh"), "#!/bin/sh\n").unwrap();
        std::fs::write(dir.path().join("deploy/noexec.sh"), "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("deploy/ok.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let root = dir.path();
        assert_eq!(program_problem("./deploy/ok.sh --all", root), None);
        assert!(
            program_problem("./deploy/promote.sh", root)
                .unwrap()
                .contains("does not exist")
        );
        assert!(
            program_problem("./deploy/noexec.sh", root)
                .unwrap()
                .contains("not executable")
        );
        assert_eq!(program_problem("ENV=prod sh -c 'x'", root), None);
        assert_eq!(program_problem("echo hi > x", root), None);
        assert!(
            program_problem("no-such-tool-xyz --now", root)
                .unwrap()
                .contains("PATH")
        );
    }
}
