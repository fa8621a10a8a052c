//! What completing a step records as its proof: evidence a person gives
//! (URLs, and files named by path, size and sha256, never their content),
//! a gate's SARIF report counted by level, and the manifest of components
//! as it stands. Both front ends build a completion here, so the CLI and
//! the app record the same thing.
//!
//! SARIF is read with three fields of serde_json rather than a crate that
//! types the whole schema: scanners write reports that stray from the
//! schema in small ways, and the gate needs only each result's level.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::playbook::SarifLevel;
use crate::session::PlanStep;
use crate::session::payload::{
    ComponentVersion, Evidence, ManifestSnapshot, SarifSummary, StepWithNote,
};

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("evidence {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a SARIF report ({why})", path.display())]
    NotSarif { path: PathBuf, why: String },
    #[error(
        "{} (the report gate `{step}` judges) cannot be read: {source}; run the scanner first, or override the gate with a reason",
        path.display()
    )]
    SarifMissing {
        step: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the manifest cannot be read for step `{step}`: {why}")]
    Manifest { step: String, why: String },
}

/// One `--evidence` argument: a URL as it is, else a file (relative to
/// `cwd`) by path, size and sha256, read once as a stream.
pub fn evidence(arg: &str, cwd: &Path) -> Result<Evidence, EvidenceError> {
    let trimmed = arg.trim();
    if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
        return Ok(Evidence::Url {
            url: trimmed.to_string(),
        });
    }
    let path = cwd.join(trimmed);
    let (bytes, sha256) = hash_file(&path).map_err(|source| EvidenceError::File {
        path: path.clone(),
        source,
    })?;
    Ok(Evidence::File {
        path: trimmed.to_string(),
        bytes,
        sha256,
    })
}

/// Size and sha256 of a file, streamed.
fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let got = f.read(&mut buf)?;
        if got == 0 {
            break;
        }
        n += got as u64;
        h.update(&buf[..got]);
    }
    Ok((n, hex::encode(h.finalize())))
}

/// The parts of a SARIF log the gate reads.
#[derive(Deserialize)]
struct Log {
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    #[serde(default)]
    tool: Option<Tool>,
    #[serde(default)]
    results: Option<Vec<SarifResult>>,
}

#[derive(Deserialize)]
struct Tool {
    driver: Driver,
}

#[derive(Deserialize)]
struct Driver {
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "defaultConfiguration")]
    default_configuration: Option<Configuration>,
}

#[derive(Deserialize)]
struct Configuration {
    #[serde(default)]
    level: Option<String>,
}

#[derive(Deserialize)]
struct SarifResult {
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, rename = "ruleId")]
    rule_id: Option<String>,
    #[serde(default, rename = "ruleIndex")]
    rule_index: Option<usize>,
}

/// Count a SARIF report's results by level, as SARIF 2.1.0 §3.27.10
/// defines a result's level: its own `level`; else, for a result of kind
/// `fail` (the default kind), its rule's `defaultConfiguration.level`,
/// else `warning`; a result of another kind (pass, open, ...) is `none`.
pub fn sarif_summary(path: &Path, shown: &str) -> Result<SarifSummary, EvidenceError> {
    let bytes = std::fs::read(path).map_err(|source| EvidenceError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let log: Log = serde_json::from_slice(&bytes).map_err(|e| EvidenceError::NotSarif {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    let mut s = SarifSummary {
        path: shown.to_string(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        error: 0,
        warning: 0,
        note: 0,
        none: 0,
    };
    for run in &log.runs {
        let rules = run.tool.as_ref().map_or(&[][..], |t| &t.driver.rules);
        for r in run.results.iter().flatten() {
            let rule_level = || {
                r.rule_index
                    .and_then(|i| rules.get(i))
                    .or_else(|| {
                        r.rule_id
                            .as_deref()
                            .and_then(|id| rules.iter().find(|x| x.id.as_deref() == Some(id)))
                    })
                    .and_then(|x| x.default_configuration.as_ref()?.level.clone())
            };
            let level = match (&r.level, r.kind.as_deref()) {
                (Some(l), _) => l.clone(),
                (None, None | Some("fail")) => rule_level().unwrap_or_else(|| "warning".into()),
                (None, Some(_)) => "none".into(),
            };
            match level.as_str() {
                "error" => s.error += 1,
                "warning" => s.warning += 1,
                "note" => s.note += 1,
                _ => s.none += 1,
            }
        }
    }
    Ok(s)
}

/// The manifest as it stands, for a manifest step's completion: every
/// component's version, the system version, the broken requirements in
/// words, and the file's blob id naming the snapshot.
pub fn manifest_snapshot(repo_root: &Path, step: &str) -> Result<ManifestSnapshot, EvidenceError> {
    let path = repo_root.join(crate::release::MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(|e| EvidenceError::Manifest {
        step: step.to_string(),
        why: format!("{}: {e}", path.display()),
    })?;
    let manifest = crate::release::Manifest::load(&path).map_err(|e| EvidenceError::Manifest {
        step: step.to_string(),
        why: e.to_string(),
    })?;
    let blob = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)
        .map(|o| o.to_string())
        .unwrap_or_default();
    Ok(ManifestSnapshot {
        blob,
        system: Some(manifest.system_version().to_string()),
        components: manifest
            .components()
            .iter()
            .map(|(name, c)| ComponentVersion {
                name: name.clone(),
                version: c.version.to_string(),
                commit: crate::train::component::release_commit(name, c, repo_root),
            })
            .collect(),
        problems: manifest.check().iter().map(ToString::to_string).collect(),
    })
}

/// A step's completion with everything it asks for: the person's note and
/// evidence (`args`, URLs or files relative to `cwd`), the gate's SARIF
/// report counted, the manifest snapshot. What is missing or failing is
/// left for the session's rules to refuse (or a person to override).
pub fn completion(
    step: &PlanStep,
    note: Option<String>,
    args: &[String],
    repo_root: &Path,
    cwd: &Path,
) -> Result<StepWithNote, EvidenceError> {
    let mut c = StepWithNote::new(step.id.clone(), note);
    for a in args {
        c.evidence.push(evidence(a, cwd)?);
    }
    if let Some(report) = &step.sarif {
        let path = repo_root.join(report);
        c.sarif = match sarif_summary(&path, report) {
            Ok(s) => Some(s),
            Err(EvidenceError::File { source, .. }) => {
                return Err(EvidenceError::SarifMissing {
                    step: step.id.clone(),
                    path,
                    source,
                });
            }
            Err(e) => return Err(e),
        };
    }
    if step.manifest {
        c.manifest = Some(manifest_snapshot(repo_root, &step.id)?);
    }
    Ok(c)
}

/// "2 errors, 4 warnings, 9 notes — fails at warning".
pub fn describe_sarif(s: &SarifSummary, fail_on: SarifLevel) -> String {
    format!(
        "{} errors, {} warnings, {} notes — fails at {} or above",
        s.error,
        s.warning,
        s.note,
        fail_on.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_sarif_rules() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.sarif");
        std::fs::write(
            &p,
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","rules":[
                {"id":"A","defaultConfiguration":{"level":"error"}},
                {"id":"B"}]}},
              "results":[
                {"ruleId":"A","message":{"text":"a"}},
                {"ruleIndex":1,"message":{"text":"b"}},
                {"level":"note","ruleId":"A","message":{"text":"c"}},
                {"kind":"pass","message":{"text":"d"}},
                {"level":"error","message":{"text":"e"}}]},
              {"tool":{"driver":{"name":"y"}}}]}"#,
        )
        .unwrap();
        let s = sarif_summary(&p, "r.sarif").unwrap();
        assert_eq!((s.error, s.warning, s.note, s.none), (2, 1, 1, 1));
        assert_eq!(s.at_or_above(SarifLevel::Error), 2);
        assert_eq!(s.at_or_above(SarifLevel::Warning), 3);
        std::fs::write(&p, b"{\"not\": \"sarif\"}").unwrap();
        assert!(matches!(
            sarif_summary(&p, "r.sarif"),
            Err(EvidenceError::NotSarif { .. })
        ));
    }

    #[test]
    fn files_are_named_by_size_and_digest_and_urls_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("junit.xml"), b"<testsuite/>").unwrap();
        match evidence("junit.xml", dir.path()).unwrap() {
            Evidence::File { bytes, sha256, .. } => {
                assert_eq!(bytes, 12);
                assert_eq!(sha256, hex::encode(Sha256::digest(b"<testsuite/>")));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            evidence("https://ci.example.com/run/812", dir.path()).unwrap(),
            Evidence::Url { .. }
        ));
        assert!(evidence("missing.xml", dir.path()).is_err());
    }
}
