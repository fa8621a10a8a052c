//! The release train across repositories: a system repository, two
//! component repositories and a monorepo with two components, real git
//! and the real binary, sessions in the components at different stages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::check_ok;

/// Run real git in `dir`.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A new repository at `dir` whose person is Dana.
fn init(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Dana Developer"]);
    git(dir, &["config", "user.email", "dana@example.com"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
    git(dir, &["config", "tag.gpgsign", "false"]);
}

/// Write `files` and commit them with `message`.
fn commit(dir: &Path, files: &[(&str, &str)], message: &str) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        git(dir, &["add", path]);
    }
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// The four repositories side by side and one data dir.
struct Train {
    root: tempfile::TempDir,
    home: tempfile::TempDir,
}

const SYSTEM_MANIFEST: &str = r#"# The system: what ships together.
[system]
version = "4.0.0"

[components.billing]
version = "2.4.0"
repo = "../billing"
requires = { ledger = "^1.2" }

[components.ledger]
version = "1.2.0"
repo = "../ledger"

[components.auth]
version = "1.3.0"
repo = "../platform"
path = "services/auth"

[components.search]
version = "0.9.0"
repo = "../platform"
path = "services/search"
requires = { auth = ">=1.4" }
"#;

const PLATFORM_MANIFEST: &str = r#"[system]
version = "1.0.0"
[components.auth]
version = "1.3.0"
path = "services/auth"
[components.search]
version = "0.9.0"
path = "services/search"
"#;

const TRAIN_CONFIG: &str = r#"
[train]
cadence = "2w"
first = 2026-11-02
dm = "morgan@example.com"
teams = [
  { name = "payments", components = ["billing", "ledger"] },
  { name = "platform", components = ["auth", "search"] },
]
"#;

impl Train {
    fn new() -> Train {
        let t = Train {
            root: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        let system = t.dir("system");
        init(&system);
        commit(
            &system,
            &[
                ("release-manifest.toml", SYSTEM_MANIFEST),
                (".greenlight.toml", TRAIN_CONFIG),
            ],
            "chore: the train's manifest",
        );
        git(&system, &["tag", "v4.0.0"]);

        let billing = t.dir("billing");
        init(&billing);
        commit(&billing, &[("src/lib.rs", "// billing\n")], "feat: billing");
        git(&billing, &["tag", "v2.4.0"]);
        commit(
            &billing,
            &[("src/email.rs", "// e-mail\n")],
            "feat: invoices by e-mail",
        );
        commit(
            &billing,
            &[("README.md", "billing\n")],
            "docs: how invoices go out",
        );

        let ledger = t.dir("ledger");
        init(&ledger);
        commit(
            &ledger,
            &[("src/lib.rs", "// ledger\n")],
            "fix: first ledger",
        );
        git(&ledger, &["tag", "v1.2.0"]);
        commit(
            &ledger,
            &[("src/round.rs", "// round\n")],
            "fix: rounding of cents",
        );

        let platform = t.dir("platform");
        init(&platform);
        commit(
            &platform,
            &[
                ("release-manifest.toml", PLATFORM_MANIFEST),
                ("services/auth/main.rs", "// auth\n"),
                ("services/search/main.rs", "// search\n"),
            ],
            "feat: the platform",
        );
        git(&platform, &["tag", "auth-v1.3.0"]);
        git(&platform, &["tag", "search-v0.9.0"]);
        // A feature in search only: not auth's.
        commit(
            &platform,
            &[("services/search/facets.rs", "// facets\n")],
            "feat(search): facets",
        );
        // A fix in auth only.
        commit(
            &platform,
            &[("services/auth/token.rs", "// expiry\n")],
            "fix(auth): tokens expire on time",
        );
        t
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    fn cmd(&self, repo: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_greenlight"));
        c.current_dir(self.dir(repo))
            .env("GREENLIGHT_HOME", self.home.path())
            .env(
                "GREENLIGHT_CONFIG",
                self.home.path().join("no-user-config.toml"),
            )
            .env_remove("GREENLIGHT_USER_NAME")
            .env_remove("GREENLIGHT_USER_EMAIL")
            .env("NO_COLOR", "1");
        c
    }

    fn run(&self, repo: &str, args: &[&str]) -> Output {
        self.cmd(repo).args(args).output().expect("run greenlight")
    }

    fn ok(&self, repo: &str, args: &[&str]) -> String {
        check_ok(self.run(repo, args), args)
    }

    fn json(&self, repo: &str, args: &[&str]) -> Value {
        let out = self.ok(repo, args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: no JSON ({e}):\n{out}"))
    }
}

fn component<'a>(t: &'a Value, name: &str) -> &'a Value {
    t["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name} in {t:#}"))
}

#[test]
fn train_status_reads_every_component_from_its_own_repository() {
    let t = Train::new();
    // A monorepo component counts only the commits touching its folder.
    let auth = t.json(
        "platform",
        &["version", "next", "--component", "auth", "--json"],
    );
    assert_eq!(auth["next"], "1.3.1", "{auth:#}");
    assert_eq!(auth["previous_tag"], "auth-v1.3.0");
    assert_eq!(auth["commits"].as_array().unwrap().len(), 1, "{auth:#}");
    let search = t.json(
        "platform",
        &["version", "next", "--component", "search", "--json"],
    );
    assert_eq!(
        search["next"], "0.9.1",
        "below 1.0 a feature is a patch: {search:#}"
    );
    assert_eq!(search["commits"].as_array().unwrap().len(), 1);

    // Sessions at different stages: billing's feature release has one step
    // done; auth's hotfix (of the monorepo) has just started.
    t.ok("billing", &["new", "--scenario", "feature-release"]);
    t.ok("billing", &["step", "start", "impact"]);
    t.ok(
        "billing",
        &["step", "done", "impact", "--note", "invoices only"],
    );
    let out = t.ok(
        "platform",
        &["new", "--scenario", "hotfix", "--component", "auth"],
    );
    assert!(out.contains("Version 1.3.1"), "{out}");

    let s = t.json("system", &["train", "status", "--json"]);
    assert_eq!(s["system_version"], "4.0.0");
    assert_eq!(s["next_system_version"], "4.1.0", "{s:#}");
    assert_eq!(s["system_bump"], "minor");
    assert!(
        s["system_reason"]
            .as_str()
            .unwrap()
            .starts_with("billing 2.4.0 → 2.5.0"),
        "{s:#}"
    );
    assert_eq!(s["dm"], "morgan@example.com");
    let d = &s["departure"];
    assert!(d["number"].as_u64().unwrap() >= 1, "{d:#}");
    assert!((0..14).contains(&d["days_left"].as_i64().unwrap()), "{d:#}");

    let billing = component(&s, "billing");
    assert_eq!(billing["team"], "payments");
    assert_eq!(billing["manifest_version"], "2.4.0");
    assert_eq!(billing["next_version"], "2.5.0");
    assert_eq!(billing["last_tag"], "v2.4.0");
    assert_eq!(billing["bump"], "minor");
    assert_eq!(billing["commits"].as_array().unwrap().len(), 2);
    assert_eq!(billing["requirements_hold"], true);
    assert_eq!(billing["readiness"], "releasing");
    assert_eq!(billing["train_version"], "2.5.0");
    assert_eq!(billing["location"]["kind"], "checkout");
    let bs = &billing["session"];
    assert_eq!(bs["scenario"], "feature-release");
    assert_eq!(bs["version"], "2.5.0");
    assert_eq!(bs["status"], "open");
    assert_eq!(bs["steps_done"], 1);
    assert!(bs["steps_total"].as_u64().unwrap() > 5);
    assert_eq!(bs["canary_weight"], Value::Null);

    let ledger = component(&s, "ledger");
    assert_eq!(ledger["next_version"], "1.2.1");
    assert_eq!(ledger["commits"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["session"], Value::Null);
    assert_eq!(ledger["readiness"], "waiting");

    let auth = component(&s, "auth");
    assert_eq!(auth["path"], "services/auth");
    assert_eq!(auth["next_version"], "1.3.1");
    assert_eq!(auth["commits"].as_array().unwrap().len(), 1, "{auth:#}");
    assert_eq!(
        auth["commits"][0]["header"],
        "fix(auth): tokens expire on time"
    );
    assert_eq!(auth["session"]["scenario"], "hotfix");
    assert_eq!(auth["session"]["steps_done"], 0);
    assert_eq!(auth["readiness"], "releasing");

    let search = component(&s, "search");
    assert_eq!(search["next_version"], "0.9.1");
    assert_eq!(search["commits"][0]["header"], "feat(search): facets");
    // The auth hotfix is auth's, not search's.
    assert_eq!(search["session"], Value::Null);
    assert_eq!(search["requirements_hold"], false);
    assert_eq!(search["readiness"], "blocked");
    assert_eq!(
        search["requirement_problems"][0],
        "search 0.9.0 requires auth >=1.4, but auth is 1.3.0"
    );

    let blockers: Vec<&str> = s["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(blockers.len(), 4, "{blockers:#?}");
    // In component order (the manifest's, by name).
    let auth_id = auth["session"]["id"].as_str().unwrap();
    let billing_id = bs["id"].as_str().unwrap();
    assert_eq!(
        blockers,
        vec![
            format!(
                "auth: its release session {auth_id} is open at 0/{} steps",
                auth["session"]["steps_total"]
            ),
            format!(
                "billing: its release session {billing_id} is open at 1/{} steps",
                bs["steps_total"]
            ),
            "ledger: 1 commit to release as 1.2.1, and no release session yet".to_owned(),
            "search: search 0.9.0 requires auth >=1.4, but auth is 1.3.0".to_owned(),
        ]
    );

    // The human table says the same.
    let text = t.ok("system", &["train", "status"]);
    assert!(
        text.contains("System 4.0.0 → 4.1.0 (minor: billing 2.4.0 → 2.5.0"),
        "{text}"
    );
    assert!(text.contains("4 things block the train:"), "{text}");
    let row = text.lines().find(|l| l.starts_with("search")).unwrap();
    assert!(row.contains("BROKEN") && row.ends_with("blocked"), "{row}");

    // The train's notes group the commits by component.
    let notes = t.ok("system", &["train", "notes"]);
    assert!(notes.starts_with("## System 4.1.0\n"), "{notes}");
    assert!(notes.contains("### billing 2.4.0 → 2.5.0"), "{notes}");
    assert!(notes.contains("### auth 1.3.0 → 1.3.1"), "{notes}");
    let auth_part = &notes[notes.find("### auth").unwrap()
        ..notes
            .find("### billing")
            .unwrap_or(notes.len())
            .max(notes.find("### auth").unwrap())];
    assert!(
        !auth_part.contains("facets"),
        "search's commit is not auth's: {notes}"
    );
}

#[test]
fn a_component_session_completed_elsewhere_shows_at_once() {
    let t = Train::new();
    // A one-step playbook in ledger, so its release completes here.
    std::fs::create_dir_all(t.dir("ledger").join(".greenlight/playbooks")).unwrap();
    std::fs::write(
        t.dir("ledger").join(".greenlight/playbooks/quick.toml"),
        "id = \"quick\"\n[[steps]]\nid = \"ship\"\nowner = \"developer\"\n",
    )
    .unwrap();
    t.ok("ledger", &["new", "--scenario", "quick"]);
    let s = t.json("system", &["train", "status", "--json"]);
    assert_eq!(component(&s, "ledger")["readiness"], "releasing");
    t.ok("ledger", &["step", "start", "ship"]);
    t.ok("ledger", &["step", "done", "ship"]);
    let s = t.json("system", &["train", "status", "--json"]);
    let ledger = component(&s, "ledger");
    assert_eq!(ledger["session"]["status"], "complete", "{ledger:#}");
    assert_eq!(ledger["session"]["steps_done"], 1);
    // Released as the version its history proposes (the tag may follow).
    assert_eq!(ledger["readiness"], "released", "{ledger:#}");
    assert!(
        !s["blockers"].to_string().contains("ledger"),
        "{:#}",
        s["blockers"]
    );
}

#[test]
fn a_component_known_only_by_its_remote_is_read_from_a_cached_clone() {
    let t = Train::new();
    // ledger is published to a bare remote and known only by its URL.
    let bare = t.dir("ledger.git");
    git(
        t.root.path(),
        &["clone", "-q", "--bare", "ledger", "ledger.git"],
    );
    let manifest = SYSTEM_MANIFEST.replace(
        "repo = \"../ledger\"",
        &format!("remote = \"{}\"", bare.display()),
    );
    commit(
        &t.dir("system"),
        &[("release-manifest.toml", &manifest)],
        "chore: ledger by its remote",
    );
    let s = t.json("system", &["train", "status", "--json"]);
    let ledger = component(&s, "ledger");
    assert_eq!(ledger["location"]["kind"], "remote", "{ledger:#}");
    assert_eq!(ledger["next_version"], "1.2.1", "{ledger:#}");
    // A remote that is not there: a sentence naming it, the rest still reads.
    let gone = SYSTEM_MANIFEST.replace(
        "repo = \"../ledger\"",
        &format!("remote = \"{}\"", t.dir("nowhere.git").display()),
    );
    commit(
        &t.dir("system"),
        &[("release-manifest.toml", &gone)],
        "chore: gone",
    );
    let s = t.json("system", &["train", "status", "--json"]);
    let ledger = component(&s, "ledger");
    assert_eq!(ledger["readiness"], "unreadable");
    assert!(
        ledger["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot clone "),
        "{ledger:#}"
    );
    assert_eq!(component(&s, "billing")["next_version"], "2.5.0");
}

#[test]
fn a_train_session_releases_the_system_version_and_its_dm_signs_for_it() {
    let t = Train::new();
    let out = t.ok("system", &["new", "--scenario", "release-train"]);
    assert!(out.contains("Version 4.1.0"), "{out}");
    assert!(
        out.contains("Train ") && out.contains("DM morgan@example.com"),
        "{out}"
    );
    let st = t.json("system", &["status", "--json"]);
    assert_eq!(
        st["state"]["version"], "4.1.0",
        "{:#}",
        st["state"]["train"]
    );
    assert_eq!(st["state"]["train"]["dm"], "morgan@example.com");
    // A second train for the same departure needs a reason.
    let again = t.run("system", &["new", "--scenario", "release-train", "--again"]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("already has session") && err.contains("--off-schedule REASON"),
        "{err}"
    );
    // The independence decision: independent skips every train step.
    for s in [
        "impact",
        "backward-compatibility",
        "api-versions",
        "feature-flags",
    ] {
        t.ok("system", &["step", "start", s]);
        t.ok("system", &["step", "done", s, "--note", "ok"]);
    }
    let bad = t.run(
        "system",
        &[
            "step",
            "decide",
            "independence-decision",
            "bus",
            "--note",
            "x",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("`bus` is not an option of decision `independence-decision`; its options: independent, train"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    t.ok("system", &["step", "start", "independence-decision"]);
    t.ok(
        "system",
        &[
            "step",
            "decide",
            "independence-decision",
            "independent",
            "--note",
            "flags make each service safe alone",
        ],
    );
    let status = t.ok("system", &["status"]);
    let line = status.lines().find(|l| l.contains(" train-dm ")).unwrap();
    assert!(
        line.contains("by decision: independence-decision chose independent"),
        "{line}"
    );
    let st = t.json("system", &["status", "--json"]);
    let steps = st["state"]["steps"].as_array().unwrap();
    let step = |id: &str| steps.iter().find(|s| s["id"] == id).unwrap();
    assert_eq!(step("signoff")["status"], "skipped");
    assert_eq!(step("signoff")["skipped_by_decision"][1], "independent");
    assert_eq!(step("independent-releases")["status"], "pending");
    assert_eq!(step("independence-decision")["choice"], "independent");
    let status = t.ok("system", &["status"]);
    assert!(
        status.contains("Train ") && status.contains(" · DM morgan@example.com"),
        "{status}"
    );
    let report = t.ok("system", &["report"]);
    assert!(
        report.contains("- Release train: train ")
            && report.contains("dedicated DM morgan@example.com"),
        "{report}"
    );
    assert!(
        report.contains("skipped by decision: `independence-decision` chose `independent`"),
        "{report}"
    );
}

#[test]
fn only_the_trains_dm_gives_its_dm_signoff() {
    let t = Train::new();
    t.ok("system", &["new", "--scenario", "release-train"]);
    for s in [
        "impact",
        "backward-compatibility",
        "api-versions",
        "feature-flags",
    ] {
        t.ok("system", &["step", "start", s]);
        t.ok("system", &["step", "done", s, "--note", "ok"]);
    }
    t.ok("system", &["step", "start", "independence-decision"]);
    t.ok(
        "system",
        &[
            "step",
            "decide",
            "independence-decision",
            "train",
            "--note",
            "shared schema",
        ],
    );
    // Straight to the sign-off, past everything else, with an override for
    // the requires: the DM rule is what is tested here.
    let out = t
        .cmd("system")
        .env("GREENLIGHT_USER_NAME", "Dana Developer")
        .env("GREENLIGHT_USER_EMAIL", "dana@example.com")
        .args([
            "signoff",
            "--role",
            "dm",
            "--approve",
            "--step",
            "signoff",
            "--override",
            "test",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "an override gets past it: {err}");
    let st = t.json("system", &["status", "--json"]);
    let overrides = st["state"]["overrides"].as_array().unwrap();
    let rules: Vec<String> = overrides
        .iter()
        .flat_map(|o| {
            o[1]["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
        })
        .collect();
    assert!(rules.contains(&"train-dm".to_owned()), "{rules:?}");
    // Without an override, someone else is refused with the DM named.
    let out = t
        .cmd("system")
        .env("GREENLIGHT_USER_NAME", "Pat Product")
        .env("GREENLIGHT_USER_EMAIL", "pat@example.com")
        .args([
            "signoff",
            "--role",
            "dm",
            "--reject",
            "--comment",
            "no",
            "--step",
            "signoff",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("DM sign-off is given by its dedicated delivery manager, morgan@example.com, not Pat Product"),
        "{err}"
    );
}

/// The app on a release-train session: the Train pane shows every
/// component, and a component's session completing in its own repository
/// shows at the next read, one second of the app's clock later (the reads
/// are driven by the app's ticks; the wall time it took is printed).
#[test]
fn the_train_pane_follows_a_component_completing_elsewhere() {
    use greenlight::train::Readiness;
    use greenlight::tui::action::Action;
    use greenlight::tui::app::{self, Runtime};
    use greenlight::tui::place::Pane;

    let t = Train::new();
    std::fs::create_dir_all(t.dir("ledger").join(".greenlight/playbooks")).unwrap();
    std::fs::write(
        t.dir("ledger").join(".greenlight/playbooks/quick.toml"),
        "id = \"quick\"\n[[steps]]\nid = \"ship\"\nowner = \"developer\"\n",
    )
    .unwrap();
    t.ok("ledger", &["new", "--scenario", "quick"]);
    t.ok("ledger", &["step", "start", "ship"]);
    t.ok("system", &["new", "--scenario", "release-train"]);

    let mut d = app_on_system(&t);
    assert!(d.app.is_train());
    let clock: jiff::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
    let readiness = |app: &greenlight::tui::app::App, name: &str| {
        app.train
            .status
            .as_ref()
            .and_then(|s| s.component(name))
            .map(|c| c.readiness)
    };
    d.dispatch(Action::Tick(clock));
    assert!(
        d.pump_until(crate::common::PATIENCE, |a| readiness(a, "ledger")
            .is_some()),
        "the first read of the train"
    );
    assert_eq!(readiness(&d.app, "ledger"), Some(Readiness::Releasing));
    // Half a second later: no second read yet.
    d.dispatch(Action::Tick(
        clock
            .checked_add(jiff::SignedDuration::from_millis(500))
            .unwrap(),
    ));
    assert_eq!(d.app.train.asked, Some(clock));

    // Elsewhere: ledger's release completes.
    t.ok("ledger", &["step", "done", "ship"]);
    let completed = std::time::Instant::now();
    let next = clock
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap();
    d.dispatch(Action::Tick(next));
    assert_eq!(
        d.app.train.asked,
        Some(next),
        "a read is asked a second after the last"
    );
    assert!(
        d.pump_until(crate::common::PATIENCE, |a| {
            readiness(a, "ledger") == Some(Readiness::Released)
        }),
        "the pane follows ledger's completion"
    );
    eprintln!(
        "the Train pane showed ledger released {:?} after its session completed",
        completed.elapsed()
    );

    // On screen: the pane, its rows, the header's system version and train.
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let mut layout = None;
    term.draw(|f| layout = Some(app::draw(f, &d.app))).unwrap();
    d.app.drawn(layout.unwrap());
    let screen = term.backend().to_string();
    assert!(screen.contains("system 4.1.0 · train "), "{screen}");
    assert!(screen.contains(" Train "), "{screen}");
    assert!(screen.contains("✔ released"), "{screen}");
    assert!(screen.contains("ledger"), "{screen}");
    // Focus reaches the Train pane; enter shows a component's details.
    d.app.focus = Pane::Train;
    d.dispatch(Action::Key(greenlight::tui::keymap::KeyAction::Down));
    d.dispatch(Action::Key(greenlight::tui::keymap::KeyAction::Down));
    d.dispatch(Action::Key(greenlight::tui::keymap::KeyAction::Act));
    term.draw(|f| {
        app::draw(f, &d.app);
    })
    .unwrap();
    let screen = term.backend().to_string();
    assert!(
        screen.contains("fix: rounding of cents"),
        "ledger's commits: {screen}"
    );

    // The release notes the app drafts are the system's, by component.
    d.dispatch(Action::Key(
        greenlight::tui::keymap::KeyAction::ReleaseNotes,
    ));
    d.dispatch(Action::Key(greenlight::tui::keymap::KeyAction::DraftNotes));
    let drawn = |d: &Runtime| {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        term.draw(|f| {
            app::draw(f, &d.app);
        })
        .unwrap();
        term.backend().to_string()
    };
    let mut screen = String::new();
    for _ in 0..200 {
        d.pump_until(std::time::Duration::from_millis(20), |_| false);
        screen = drawn(&d);
        if screen.contains("## System 4.1.0") {
            break;
        }
    }
    assert!(screen.contains("## System 4.1.0"), "{screen}");
    assert!(screen.contains("### billing 2.4.0 → 2.5.0"), "{screen}");
    d.shutdown();
}

/// In the app, a decision step asks for its option (then why) and a wrong
/// option keeps the prompt open saying which ones there are.
#[test]
fn the_app_decides_with_an_option_and_skips_what_it_rules_out() {
    use greenlight::session::StepStatus;
    use greenlight::tui::action::Action;
    use greenlight::tui::keymap::KeyAction;
    use greenlight::tui::pane::Component;

    let t = Train::new();
    t.ok("system", &["new", "--scenario", "release-train"]);
    for s in [
        "impact",
        "backward-compatibility",
        "api-versions",
        "feature-flags",
    ] {
        t.ok("system", &["step", "start", s]);
        t.ok("system", &["step", "done", s, "--note", "ok"]);
    }
    let mut d = app_on_system(&t);
    let index = d
        .app
        .state()
        .unwrap()
        .plan
        .steps
        .iter()
        .position(|s| s.id == "independence-decision")
        .unwrap();
    d.app.panes.checklist.select(index);
    d.dispatch(Action::Key(KeyAction::Act)); // decide: the prompt
    let status = format!("{:?}", d.app.status);
    let prompt = d
        .app
        .overlays
        .prompt_mut()
        .unwrap_or_else(|| panic!("the decision prompt; status: {status}"));
    assert!(
        prompt
            .hint
            .iter()
            .any(|h| h == "Options: independent, train."),
        "{:?}",
        prompt.hint
    );
    for c in "bus because".chars() {
        d.dispatch(Action::Type(c));
    }
    d.dispatch(Action::Key(KeyAction::Submit));
    let prompt = d.app.overlays.prompt_mut().expect("still open");
    assert_eq!(
        prompt.error.as_deref(),
        Some("`bus` is not one of the options: independent, train")
    );
    d.dispatch(Action::Key(KeyAction::ClearLine));
    for c in "independent flags make each service safe alone".chars() {
        d.dispatch(Action::Type(c));
    }
    d.dispatch(Action::Key(KeyAction::Submit));
    assert!(
        d.pump_until(crate::common::PATIENCE, |a| {
            a.state()
                .and_then(|s| s.step("independence-decision"))
                .is_some_and(|s| s.choice.as_deref() == Some("independent"))
        }),
        "the decision is recorded"
    );
    let st = d.app.state().unwrap();
    assert_eq!(st.step("canary").unwrap().status, StepStatus::Skipped);
    assert_eq!(
        st.step("independence-decision")
            .unwrap()
            .completion_note
            .as_deref(),
        Some("flags make each service safe alone")
    );
    d.shutdown();
}

/// A second train for one departure: the app asks why, and records it.
#[test]
fn the_app_asks_why_an_extra_train_leaves() {
    use greenlight::session::Who;
    use greenlight::tui::action::{Action, Effect};
    use greenlight::tui::keymap::KeyAction;

    let t = Train::new();
    t.ok("system", &["new", "--scenario", "release-train"]);
    let mut d = app_on_system(&t);
    let first = d.app.state().unwrap().id.clone();
    d.open_with(Effect::StartSession {
        scenario: "release-train".into(),
        version: Some(semver::Version::new(4, 1, 0)),
        who: Who {
            name: "Dana Developer".into(),
            email: "dana@example.com".into(),
        },
        again: true,
        off_schedule: None,
    });
    let prompt = d.app.overlays.prompt_mut().expect("asks why");
    assert!(
        prompt.hint[0].contains("already has session"),
        "{:?}",
        prompt.hint
    );
    for c in "the ledger fix cannot wait two weeks".chars() {
        d.dispatch(Action::Type(c));
    }
    d.dispatch(Action::Key(KeyAction::Submit));
    assert!(
        d.pump_until(crate::common::PATIENCE, |a| a
            .state()
            .is_some_and(|s| s.id != first)),
        "the extra train starts"
    );
    let train = d.app.state().unwrap().train.clone().expect("a train");
    assert_eq!(
        train.off_schedule.as_deref(),
        Some("the ledger fix cannot wait two weeks")
    );
    d.shutdown();
}

/// The whole app (real core, no terminal) on the system repository, as
/// Dana, at 120x40, booted into its current session.
fn app_on_system(t: &Train) -> greenlight::tui::app::Runtime {
    use greenlight::identity::Overrides;
    use greenlight::session::Store;
    use greenlight::tui::action::Action;
    use greenlight::tui::keymap::Keymap;
    use greenlight::tui::theme::{Choice, Theme};
    use greenlight::workspace::Workspace;
    let mut ws = Workspace::open_in(
        &t.dir("system"),
        &Overrides::default(),
        Store::at(t.home.path().to_path_buf()),
    )
    .expect("workspace");
    ws.user = Default::default();
    let choice = Choice {
        theme: Theme::no_color("default"),
        warning: None,
    };
    let mut d = greenlight::tui::app::Runtime::new(ws, choice, Keymap::default());
    d.dispatch(Action::Resize {
        width: 120,
        height: 40,
    });
    d.boot(None).expect("boot");
    d
}
