//! `greenlight demo`: a throwaway git repository in a temp folder, with a
//! short conventional-commit history, a team in `.greenlight.toml`, its
//! own data dir, and a `feature-release` session for 1.4.0, so a newcomer
//! sees the product in seconds with no setup. Made with git2, no shelling
//! out.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr};

use crate::session::{Session, Store};
use crate::workspace::Workspace;

/// The files of the demo repository: (path, text, executable).
const FILES: [(&str, &str, bool); 7] = [
    ("README.md", include_str!("../assets/demo/README.md"), false),
    (
        "release-manifest.toml",
        include_str!("../assets/demo/release-manifest.toml"),
        false,
    ),
    (
        ".greenlight.toml",
        include_str!("../assets/demo/greenlight.toml"),
        false,
    ),
    (
        "logs/web-api.log",
        include_str!("../assets/demo/web-api.log"),
        false,
    ),
    (
        "deploy/promote.sh",
        include_str!("../assets/demo/promote.sh"),
        true,
    ),
    (
        "deploy/rollback.sh",
        include_str!("../assets/demo/rollback.sh"),
        true,
    ),
    (
        "src/health.rs",
        "pub fn health() -> &'static str {\n    \"ok\"\n}\n",
        false,
    ),
];

/// The scenario and version the demo session runs.
pub const SCENARIO: &str = "feature-release";
pub const VERSION: &str = "1.4.0";

/// A demo made on disk.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The folder holding everything (remove it to clean up).
    pub dir: PathBuf,
    /// The git repository.
    pub repo: PathBuf,
    /// The data dir sessions go to, when the demo has its own (it does
    /// unless `GREENLIGHT_HOME` was set).
    pub home: Option<PathBuf>,
}

impl Demo {
    /// The store the demo uses: its own, or the user's `GREENLIGHT_HOME`.
    pub fn store(&self) -> Result<Store> {
        match &self.home {
            Some(h) => Ok(Store::at(h.clone())),
            None => Ok(Store::from_env()?),
        }
    }

    /// What to print when the demo ends.
    pub fn farewell(&self) -> String {
        let home = match &self.home {
            Some(h) => format!("GREENLIGHT_HOME={} ", h.display()),
            None => String::new(),
        };
        format!(
            "The demo repository is {repo}\n\
             Try the command line on it:\n  \
             cd {repo} && {home}greenlight status\n\
             Open the cockpit again:\n  \
             cd {repo} && {home}greenlight\n\
             Remove it with: rm -rf {dir}",
            repo = self.repo.display(),
            dir = self.dir.display(),
        )
    }
}

fn write_file(root: &Path, rel: &str, text: &str, executable: bool) -> Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, text).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    Ok(())
}

/// Commit everything in the working tree as Dana, at `when` (seconds since
/// the epoch), on HEAD.
fn commit(repo: &git2::Repository, message: &str, when: i64) -> Result<git2::Oid> {
    let mut index = repo.index()?;
    index.add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = git2::Signature::new(
        "Dana Developer",
        "dana@example.com",
        &git2::Time::new(when, 0),
    )?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    Ok(repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)?)
}

/// Make the demo repository in a new folder under `base` (usually the
/// system temp dir). `own_home`: give it its own data dir (false when the
/// user set `GREENLIGHT_HOME`).
pub fn create(base: &Path, own_home: bool) -> Result<Demo> {
    let id = ulid::Ulid::new().to_string().to_lowercase();
    let dir = base.join(format!("greenlight-demo-{}", &id[id.len() - 8..]));
    let root = dir.join("web-api");
    std::fs::create_dir_all(&root).wrap_err_with(|| format!("cannot create {}", root.display()))?;
    let repo = git2::Repository::init(&root)
        .wrap_err_with(|| format!("cannot create a git repository in {}", root.display()))?;
    {
        let mut cfg = repo.config()?;
        cfg.set_str("user.name", "Dana Developer")?;
        cfg.set_str("user.email", "dana@example.com")?;
    }
    // History: a start, v1.3.0, then a fix and a feature since.
    let day = 86_400;
    let t0 = jiff::Timestamp::now().as_second() - 20 * day;
    for (path, text, exec) in &FILES[..4] {
        write_file(&root, path, text, *exec)?;
    }
    commit(&repo, "chore: start web-api", t0)?;
    write_file(&root, FILES[6].0, FILES[6].1, false)?;
    let v130 = commit(&repo, "feat: add a /health endpoint", t0 + 2 * day)?;
    let sig = git2::Signature::new(
        "Dana Developer",
        "dana@example.com",
        &git2::Time::new(t0 + 2 * day + 600, 0),
    )?;
    repo.tag(
        "v1.3.0",
        &repo.find_object(v130, None)?,
        &sig,
        "web-api 1.3.0",
        false,
    )?;
    write_file(
        &root,
        "src/cart.rs",
        "pub fn total(items: &[u64]) -> u64 {\n    items.iter().sum()\n}\n",
        false,
    )?;
    commit(
        &repo,
        "fix: handle empty cart totals\n\nAn empty cart returned an error instead of 0.",
        t0 + 9 * day,
    )?;
    for (path, text, exec) in &FILES[4..6] {
        write_file(&root, path, text, *exec)?;
    }
    write_file(
        &root,
        "src/export.rs",
        "pub fn orders_csv() -> String {\n    \"id,total\\n\".into()\n}\n",
        false,
    )?;
    commit(&repo, "feat: export orders as CSV", t0 + 15 * day)?;
    // The team's shared remote, a bare repository beside it: the audit
    // trail syncs there (`Y` in the app, `greenlight audit sync`).
    let origin = dir.join("origin.git");
    git2::Repository::init_bare(&origin)
        .wrap_err_with(|| format!("cannot create {}", origin.display()))?;
    repo.remote("origin", &origin.to_string_lossy())?;
    let home = own_home.then(|| dir.join("home"));
    Ok(Demo {
        dir,
        repo: root,
        home,
    })
}

/// The demo's log stream, named `demo` (generated, never production):
/// the sample generator (`[[logs]]` reads files and commands only), about
/// 20 lines a second with an occasional `upstream timeout` among the
/// errors.
pub fn log_sources() -> Vec<(String, crate::logs::SourceSpec)> {
    let config = crate::logs::sample::SampleConfig {
        seed: jiff::Timestamp::now().as_second().unsigned_abs(),
        lines_per_sec: 20,
        errors_per_10k: 150,
        ..Default::default()
    };
    vec![("demo".into(), crate::logs::SourceSpec::Sample { config })]
}

/// Start the demo's session (feature-release 1.4.0).
pub fn start_session(ws: &Workspace) -> Result<Session> {
    let version = semver::Version::parse(VERSION)?;
    ws.start_session(SCENARIO, Some(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_repository_has_history_tags_and_a_team() {
        let base = tempfile::tempdir().unwrap();
        let d = create(base.path(), true).unwrap();
        let repo = git2::Repository::open(&d.repo).unwrap();
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        let messages: Vec<String> = walk
            .map(|oid| {
                let c = repo.find_commit(oid.unwrap()).unwrap();
                c.summary().unwrap().unwrap_or_default().to_string()
            })
            .collect();
        assert_eq!(
            messages,
            [
                "feat: export orders as CSV",
                "fix: handle empty cart totals",
                "feat: add a /health endpoint",
                "chore: start web-api"
            ]
        );
        assert_eq!(
            repo.tag_names(None).unwrap().get(0).unwrap(),
            Some("v1.3.0")
        );
        let cfg = crate::config::RepoConfig::load(&d.repo).unwrap();
        let roles: Vec<(&str, &str)> = cfg
            .people
            .iter()
            .map(|p| (p.name.as_str(), p.roles[0].as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                ("Dana Developer", "developer"),
                ("Pat Product", "pm"),
                ("Dee Delivery", "dm")
            ]
        );
        // The cockpit's Canary pane is live at once: a simulated source
        // (judged every 5 s) with nothing to set up.
        let canary = cfg.canary.as_ref().expect("[canary]");
        assert_eq!(canary.source, crate::canary::SourceKind::Simulated);
        assert!(canary.problems().is_empty(), "{:?}", canary.problems());
        assert_eq!(canary.interval(), std::time::Duration::from_secs(5));
        assert!(d.home.unwrap().starts_with(&d.dir));
        assert!(d.dir.starts_with(base.path()));
        assert!(
            repo.statuses(None).unwrap().is_empty(),
            "everything committed"
        );
    }
}
