//! The screen, drawn into ratatui's `TestBackend` and compared with insta
//! snapshots: each pane, the overlays, the start screen and the
//! too-small screen, at 80x24 and 160x48, and every theme. Sample sessions
//! have fixed people and times (`tui::fixture`, `tui::app::fixture`), so
//! the snapshots are deterministic.

use greenlight::session::{Command, SessionStatus, SessionSummary};
use greenlight::tui::action::{Action, Effect, ScenarioRow, StartData, VersionProposal};
use greenlight::tui::app::{self, App, Screen, fixture};
use greenlight::tui::fixture as sample;
use greenlight::tui::keymap::KeyAction;
use greenlight::tui::manifest::{ManifestState, ManifestView};
use greenlight::tui::overlay::Overlay;
use greenlight::tui::place::Pane;
use greenlight::tui::theme::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| {
        app::draw(f, app);
    })
    .expect("draw");
    t
}

/// Draw a frame and give the app what it drew (as the terminal loop
/// does), so the keys that follow read that layout.
fn frame(app: &mut App, w: u16, h: u16) {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    let mut layout = None;
    t.draw(|f| layout = Some(app::draw(f, app))).expect("draw");
    app.drawn(layout.expect("drawn"));
}

fn text(app: &App, w: u16, h: u16) -> String {
    draw(app, w, h).backend().to_string()
}

fn buffer(app: &App, w: u16, h: u16) -> Buffer {
    draw(app, w, h).backend().buffer().clone()
}

fn default_theme() -> Theme {
    Theme::default_theme()
}

fn early() -> App {
    fixture::app(sample::early().expect("sample"), default_theme())
}

fn late() -> App {
    fixture::app(sample::late().expect("sample"), default_theme())
}

fn key(app: &mut App, k: KeyAction) {
    let effects = app.update(Action::Key(k));
    assert!(effects.is_empty(), "{k:?} asked the core for {effects:?}");
}

#[test]
fn checklist_80x24() {
    insta::assert_snapshot!(text(&early(), 80, 24));
}

#[test]
fn checklist_160x48() {
    insta::assert_snapshot!(text(&early(), 160, 48));
}

#[test]
fn checklist_zoomed_160x48_puts_details_beside_the_list() {
    let mut app = early();
    key(&mut app, KeyAction::Zoom);
    insta::assert_snapshot!(text(&app, 160, 48));
}

#[test]
fn signoff_80x24() {
    let mut app = late();
    key(&mut app, KeyAction::FocusNext);
    assert_eq!(app.focus, Pane::Signoff);
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn signoff_zoomed_160x48() {
    let mut app = late();
    key(&mut app, KeyAction::FocusNext);
    key(&mut app, KeyAction::Zoom);
    insta::assert_snapshot!(text(&app, 160, 48));
}

#[test]
fn canary_zoomed_80x24() {
    let mut app = early();
    key(&mut app, KeyAction::FocusNext);
    key(&mut app, KeyAction::FocusNext);
    assert_eq!(app.focus, Pane::Canary);
    key(&mut app, KeyAction::Zoom);
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn logs_zoomed_80x24() {
    let mut app = early();
    key(&mut app, KeyAction::FocusPrev);
    assert_eq!(app.focus, Pane::Logs);
    key(&mut app, KeyAction::Zoom);
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn busy_sources_160x48() {
    let mut app = late();
    fixture::busy(&mut app, 40);
    insta::assert_snapshot!(text(&app, 160, 48));
}

/// `?` lists every binding of the keymap, grouped by where it works, and
/// at 120x40 all of it is on screen at once (in columns).
#[test]
fn the_help_lists_every_binding_and_fits_120x40() {
    let mut app = early();
    key(&mut app, KeyAction::Help);
    let listed: std::collections::HashSet<KeyAction> = app
        .help_sections()
        .iter()
        .flat_map(|s| s.entries.iter().flat_map(|e| e.actions.iter().copied()))
        .collect();
    for a in KeyAction::ALL {
        assert!(listed.contains(&a), "{} is not in the help", a.name());
    }
    let screen = text(&app, 120, 40);
    assert!(!screen.contains("scroll · lines"), "{screen}");
    for title in [
        "Everywhere",
        "Checklist",
        "Sign-off",
        "Canary",
        "Logs",
        "Start screen",
        "Prompts and confirmations",
        "Release notes",
        "Manifest, people",
        "ctrl-s",
        "esc ctrl-c",
    ] {
        assert!(screen.contains(title), "`{title}` missing:\n{screen}");
    }
}

#[test]
fn help_80x24() {
    let mut app = early();
    key(&mut app, KeyAction::Help);
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn help_160x48() {
    let mut app = early();
    key(&mut app, KeyAction::Help);
    insta::assert_snapshot!(text(&app, 160, 48));
}

#[test]
fn people_overlay_80x24() {
    let mut app = early();
    key(&mut app, KeyAction::SwitchPerson);
    key(&mut app, KeyAction::Down);
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn complete_prompt_80x24() {
    let mut app = early();
    // The sample leaves `version` in progress and selects it: `c`, a
    // note about it (enter alone would complete it, no note wanted).
    key(&mut app, KeyAction::Note);
    assert!(matches!(app.overlay(), Some(Overlay::Prompt(_))));
    for c in "v1.4.0 agreed".chars() {
        app.update(Action::Type(c));
    }
    insta::assert_snapshot!(text(&app, 80, 24));
}

/// A feature release whose risky canary step is ready to start.
fn canary_ready() -> App {
    let mut s = sample::Sample::new(sample::plan("feature-release"), Some("1.4.0"));
    for step in [
        "impact",
        "security-impact",
        "version",
        "hotfix-plan",
        "release-candidate-tests",
        "vulnerability-scan",
        "checklist",
    ] {
        s.wait(60)
            .cmd(&sample::dana(), Command::Start { step: step.into() })
            .expect("start");
        if step == "checklist" {
            s.wait(30)
                .cmd(
                    &sample::dee(),
                    Command::Acknowledge {
                        step: step.into(),
                        role: "dm".into(),
                        note: None,
                    },
                )
                .expect("ack");
        }
        // Gates need their evidence.
        let gate = matches!(
            step,
            "security-impact" | "release-candidate-tests" | "vulnerability-scan"
        );
        s.wait(60)
            .cmd(
                &sample::dana(),
                Command::Complete {
                    step: step.into(),
                    note: gate.then(|| "ci run 4812: green".into()),
                },
            )
            .expect("complete");
    }
    fixture::app(s.state(), default_theme())
}

#[test]
fn risky_step_asks_for_confirmation_80x24() {
    let mut app = canary_ready();
    key(&mut app, KeyAction::Act);
    assert!(matches!(app.overlay(), Some(Overlay::Confirm(_))));
    insta::assert_snapshot!(text(&app, 80, 24));
    // No: nothing is asked of the core.
    assert!(app.update(Action::Key(KeyAction::No)).is_empty());
    assert!(app.overlay().is_none());
    // Yes: the step starts, as the person at the keyboard.
    key(&mut app, KeyAction::Act);
    let effects = app.update(Action::Key(KeyAction::Yes));
    assert_eq!(
        effects,
        vec![Effect::Perform {
            cmd: Command::Start {
                step: "canary".into()
            },
            who: sample::dana(),
            override_reason: None,
        }]
    );
}

fn start_app() -> App {
    let mut app = App::new("web-api", sample::team(), 0, default_theme());
    let scenarios = greenlight::playbook::builtins()
        .iter()
        .map(|p| ScenarioRow {
            id: p.id.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            steps: p.steps.len(),
        })
        .collect();
    let summary = |id: &str, status, done| SessionSummary {
        id: id.into(),
        playbook: "hotfix".into(),
        version: Some("1.3.1".into()),
        status,
        done,
        total: 9,
        started_at: Some("2026-11-20T09:12:00Z".into()),
        started_by: Some("Dana Developer <dana@example.com>".into()),
        pulled: false,
    };
    app.update(Action::StartLoaded(StartData {
        scenarios,
        sessions: vec![
            summary("01JOPEN000000000000000000", SessionStatus::Open, 4),
            summary("01JDONE000000000000000000", SessionStatus::Completed, 9),
        ],
        error: None,
        proposal: Some(Ok(VersionProposal {
            version: Some("1.3.2".into()),
            headline: "v1.3.1 → v1.3.2 (patch)".into(),
            reason: "fix(cart): empty totals (1c8ea43) is a fix → patch".into(),
            scenario: Some("hotfix".into()),
        })),
    }));
    assert_eq!(app.screen, Screen::Start);
    app
}

#[test]
fn start_80x24() {
    let mut app = start_app();
    key(&mut app, KeyAction::Down);
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn start_160x48() {
    insta::assert_snapshot!(text(&start_app(), 160, 48));
}

#[test]
fn too_small() {
    insta::assert_snapshot!("too_small_59x16", text(&early(), 59, 16));
    insta::assert_snapshot!("too_small_30x6", text(&early(), 30, 6));
}

#[test]
fn the_minimum_size_shows_the_cockpit() {
    let screen = text(&early(), 60, 16);
    for word in ["Checklist", "Sign-off", "Canary", "Logs", "web-api"] {
        assert!(screen.contains(word), "{word} missing at 60x16:\n{screen}");
    }
}

#[test]
fn every_theme_with_its_styles() {
    for (name, _) in theme::BUILTIN {
        let t = theme::load(name, None).expect("built-in theme");
        let app = fixture::app(sample::late().expect("sample"), t);
        insta::assert_debug_snapshot!(format!("theme_{name}"), buffer(&app, 60, 16));
    }
    let app = fixture::app(sample::late().expect("sample"), Theme::no_color("default"));
    insta::assert_debug_snapshot!("theme_no_color", buffer(&app, 60, 16));
}

/// Without colour, every state still reads: icons and words.
#[test]
fn no_color_keeps_meaning_in_icons_and_words() {
    let app = fixture::app(sample::early().expect("sample"), Theme::no_color("default"));
    let b = buffer(&app, 160, 48);
    for cell in b.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "a coloured cell");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "a coloured cell");
    }
    let screen = text(&app, 160, 48);
    for mark in [
        "✔  impact",
        "done",
        "↷  security-impact",
        "skipped",
        "▶  version",
        "in progress",
        "·  checklist",
        "waiting",
    ] {
        assert!(screen.contains(mark), "`{mark}` missing:\n{screen}");
    }
}

/// No size, zoom or overlay makes the draw panic, from 1x1 to 300x100.
#[test]
fn no_panic_at_any_size() {
    let mut sizes: Vec<u16> = (1..=300).step_by(11).collect();
    sizes.extend([2, 3, 59, 60, 61, 80, 100, 119, 120, 160, 299, 300]);
    let heights: Vec<u16> = (1..=100)
        .step_by(7)
        .chain([2, 15, 16, 17, 24, 48, 99, 100])
        .collect();
    let mut states = vec![early(), late(), start_app()];
    let mut zoomed = late();
    key(&mut zoomed, KeyAction::Zoom);
    states.push(zoomed);
    for k in [
        KeyAction::Help,
        KeyAction::SwitchPerson,
        KeyAction::Note,
        KeyAction::Messages,
    ] {
        let mut a = early();
        key(&mut a, k);
        states.push(a);
    }
    let mut busy = late();
    fixture::busy(&mut busy, 200);
    states.push(busy);
    // The release overlays: notes (reading, editing), the manifest.
    let mut notes = late();
    key(&mut notes, KeyAction::ReleaseNotes);
    states.push(notes.clone());
    notes.update(Action::Key(KeyAction::EditNotes));
    states.push(notes);
    let mut manifest = manifest_app();
    manifest.update(Action::Key(KeyAction::Manifest));
    states.push(manifest);
    for app in &states {
        for &w in &sizes {
            for &h in &heights {
                draw(app, w, h);
            }
        }
    }
}

/// The canary sample: weight 25%, a live simulated judgement.
fn canary(regression: bool) -> App {
    fixture::canary_app(default_theme(), regression).expect("sample")
}

fn focus_canary(app: &mut App) {
    while app.focus != Pane::Canary {
        key(app, KeyAction::FocusNext);
    }
}

#[test]
fn canary_promote_80x24() {
    let mut app = canary(false);
    focus_canary(&mut app);
    let screen = text(&app, 80, 24);
    assert!(screen.contains("✔ PROMOTE"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn canary_promote_160x48() {
    let app = canary(false);
    let screen = text(&app, 160, 48);
    for want in [
        "✔ PROMOTE",
        "weight 25% · step 2/4 · next: 50% after Promote (18s left)",
        "error rate",
        "latency",
        "throughput",
        "✔ pass",
    ] {
        assert!(screen.contains(want), "`{want}` missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn canary_rollback_names_the_failing_metric_160x48() {
    let mut app = canary(true);
    focus_canary(&mut app);
    let screen = text(&app, 160, 48);
    for want in [
        "✘ ROLL BACK",
        "critical metric error rate failed",
        "✘ FAIL",
        "above the absolute max 0.01",
        "next: ROLL BACK (r in this pane)",
    ] {
        assert!(screen.contains(want), "`{want}` missing:\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn canary_rollback_zoomed_80x24() {
    let mut app = canary(true);
    focus_canary(&mut app);
    key(&mut app, KeyAction::Zoom);
    let screen = text(&app, 80, 24);
    assert!(screen.contains("above the absolute max 0.01"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn canary_zoomed_160x48_has_a_chart_per_metric() {
    let mut app = canary(true);
    focus_canary(&mut app);
    key(&mut app, KeyAction::Zoom);
    let screen = text(&app, 160, 48);
    assert_eq!(
        screen.matches("⣿ canary  • baseline").count(),
        3,
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn canary_stale_after_a_failed_fetch_80x24_and_160x48() {
    let mut app = canary(false);
    focus_canary(&mut app);
    let good = app.panes.canary.snapshot.clone().expect("judged");
    let at = good
        .at
        .checked_add(jiff::SignedDuration::from_secs(5))
        .unwrap();
    let failed = sample::canary_failed(at, "the simulated outage", Some(&good));
    app.update(Action::CanaryJudged(Box::new(failed)));
    let snap = app.panes.canary.snapshot.as_ref().unwrap();
    assert!(snap.stale && snap.series == good.series);
    let small = text(&app, 80, 24);
    assert!(small.contains("STALE"), "{small}");
    insta::assert_snapshot!("canary_stale_80x24", small);
    let big = text(&app, 160, 48);
    assert!(big.contains("⚠ source error:"), "{big}");
    assert!(big.contains("canary (stale)"), "{big}");
    insta::assert_snapshot!("canary_stale_160x48", big);
}

#[test]
fn canary_source_error_without_data_160x48() {
    let mut app = canary(false);
    app.panes.canary.snapshot = None;
    let failed = sample::canary_failed(app.now.unwrap(), "nothing answers", None);
    app.update(Action::CanaryJudged(Box::new(failed)));
    let screen = text(&app, 160, 48);
    assert!(screen.contains("‖ HOLD"), "{screen}");
    assert!(screen.contains("no data"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn canary_high_contrast_theme_80x24() {
    let t = theme::load("high-contrast", None).expect("built-in theme");
    let app = fixture::canary_app(t, true).expect("sample");
    insta::assert_debug_snapshot!("canary_high_contrast_80x24", buffer(&app, 80, 24));
}

#[test]
fn canary_without_colour_still_reads() {
    for (regression, wants) in [
        (false, ["✔ PROMOTE", "✔ pass"]),
        (true, ["✘ ROLL BACK", "✘ FAIL"]),
    ] {
        let app = fixture::canary_app(Theme::no_color("default"), regression).expect("sample");
        let screen = text(&app, 160, 48);
        for want in wants {
            assert!(screen.contains(want), "`{want}` missing:\n{screen}");
        }
    }
}

/// The Logs pane over a fixed buffer: the sample stream from ten
/// minutes before the release to now (one line a second), a step's
/// output, and one very long line; filtered by `timeout`, the newest
/// error selected.
fn logs_app(w: u16, h: u16, zoom: bool) -> App {
    use greenlight::logs::line::LogLine;
    use greenlight::logs::sample::{SampleConfig, SampleLog};
    use greenlight::logs::time::{TimeContext, parse_rfc3339};

    let mut app = early();
    app.update(Action::Resize {
        width: w,
        height: h,
    });
    let start = parse_rfc3339(sample::START).expect("start") - 10 * 60_000;
    let cfg = SampleConfig {
        start,
        lines_per_sec: 1,
        errors_per_10k: 300,
        ..SampleConfig::default()
    };
    let ctx = TimeContext::utc_at(start);
    let m = &mut app.panes.logs.model;
    let web = m.add_source("web-api", "file", None);
    let step = m.add_source("enable-all", "step", None);
    let mut g = SampleLog::new(cfg);
    for i in 0..3200u32 {
        let line = g.next_line().to_string();
        m.buffer
            .push(LogLine::from_bytes(web, line.as_bytes(), 0, start, &ctx));
        if i % 400 == 399 {
            let text = format!("promote: upstream timeout from the load balancer, retry {i}");
            m.buffer
                .push(LogLine::from_bytes(step, text.as_bytes(), 0, start, &ctx));
        }
    }
    let long = format!(
        "ERROR upstream timeout with a huge payload {}",
        "x".repeat(300)
    );
    m.buffer.push(LogLine::from_bytes(
        web,
        long.as_bytes(),
        70_000,
        start,
        &ctx,
    ));
    m.view.sync(&m.buffer);
    app.focus = Pane::Logs;
    app.zoom = zoom;
    frame(&mut app, w, h);
    key(&mut app, KeyAction::Filter);
    for c in "timeout".chars() {
        app.update(Action::Type(c));
    }
    app.update(Action::Key(KeyAction::Submit));
    key(&mut app, KeyAction::PrevError);
    key(&mut app, KeyAction::PrevError);
    app
}

#[test]
fn logs_filtered_with_an_error_selected_80x24() {
    let app = logs_app(80, 24, true);
    let title = app.panes.logs.model.title();
    assert!(title.contains("filter: \"timeout\""), "{title}");
    assert!(title.contains("paused"), "{title}");
    assert!(app.panes.logs.model.view.selected().is_some());
    insta::assert_snapshot!(text(&app, 80, 24));
}

#[test]
fn logs_filtered_with_an_error_selected_160x48() {
    let app = logs_app(160, 48, false);
    insta::assert_snapshot!(text(&app, 160, 48));
    // Errors are red and the selected row stands out.
    let buf = buffer(&app, 160, 48);
    let row = (0..48)
        .find(|y| {
            (0..160)
                .map(|x| buf[(x, *y)].symbol())
                .collect::<String>()
                .contains("▸14:42")
        })
        .expect("a selected row");
    let x = (0..160)
        .find(|x| buf[(*x, row)].symbol() == "▸")
        .expect("marker");
    assert_eq!(buf[(x, row)].style().bg, app.theme.selected.bg);
}

/// `enter` in Logs shows one line as it came, whole and wrapped (the
/// selected one, here the newest error matching the filter), marked `≡`;
/// the lines around it keep the message first; `enter` again puts it
/// back.
#[test]
fn enter_in_logs_shows_the_selected_line_raw_and_whole() {
    let (w, h) = (120, 40);
    let mut app = logs_app(w, h, false);
    let seq = app
        .panes
        .logs
        .model
        .view
        .selected()
        .expect("a selected line");
    let raw = app
        .panes
        .logs
        .model
        .buffer
        .get(seq)
        .expect("the line")
        .text()
        .to_string();
    // Its raw form (with its own timestamp and level) is not what the
    // pane shows of it before `enter`.
    // The Logs pane's columns only (the right one at this size).
    let joined = |app: &App| {
        let screen = text(app, w, h);
        let x = screen
            .lines()
            .find_map(|l| {
                l.trim_matches('"')
                    .split("┏ Logs")
                    .next()
                    .filter(|head| head.len() < l.len() - 2)
                    .map(|head| head.chars().count())
            })
            .expect("the Logs pane focused");
        screen
            .lines()
            .map(|l| l.trim_matches('"').chars().skip(x).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let squash = |t: &str| {
        t.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let before = joined(&app);
    assert!(!squash(&before).contains(&squash(&raw)), "{before}");
    key(&mut app, KeyAction::Act);
    assert_eq!(app.panes.logs.raw, Some(seq));
    let after = joined(&app);
    assert!(after.contains('≡'), "{after}");
    // The whole raw text is on screen (wrapped over rows).
    assert!(squash(&after).contains(&squash(&raw)), "{raw}\n{after}");
    insta::assert_snapshot!(text(&app, w, h));
    key(&mut app, KeyAction::Act);
    assert_eq!(app.panes.logs.raw, None);
    assert!(!joined(&app).contains('≡'));
}

/// The Notes overlay over the late sample (notes set before the PM's
/// approval), then its editor with a line typed.
#[test]
fn release_notes_overlay_and_editor_80x24() {
    let mut app = late();
    key(&mut app, KeyAction::ReleaseNotes);
    insta::assert_snapshot!("release_notes_80x24", text(&app, 80, 24));
    let effects = app.update(Action::Key(KeyAction::EditNotes));
    assert!(effects.is_empty());
    for c in "Reviewed.".chars() {
        app.update(Action::EditorInput(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    insta::assert_snapshot!("release_notes_editing_80x24", text(&app, 80, 24));
    // ctrl-s records the edited text as the person at the keyboard.
    let effects = app.update(Action::Key(KeyAction::SaveNotes));
    let [Effect::Perform { cmd, who, .. }] = effects.as_slice() else {
        panic!("save asked for {effects:?}")
    };
    assert_eq!(who.name, "Dana Developer");
    let Command::Record(greenlight::session::Payload::ReleaseNotesSet(n)) = cmd else {
        panic!("save records {cmd:?}")
    };
    assert!(
        n.markdown.starts_with("Reviewed.## web-api 1.4.0"),
        "{}",
        n.markdown
    );
}

/// A session without notes: the overlay says how to get them.
#[test]
fn release_notes_none_yet_80x24() {
    let mut app = early();
    key(&mut app, KeyAction::ReleaseNotes);
    insta::assert_snapshot!(text(&app, 80, 24));
}

fn manifest_app() -> App {
    let mut app = late();
    let m = greenlight::release::Manifest::parse(
        "[system]\nversion = \"3.2.0\"\n\
         [components.web-api]\nversion = \"1.4.0\"\nrequires = { auth = \"^2.1\", billing = \">=1.7\" }\n\
         [components.auth]\nversion = \"2.3.1\"\n\
         [components.billing]\nversion = \"1.6.0\"\nrequires = { auth = \"^2.0\" }\n",
    )
    .expect("manifest");
    app.manifest = ManifestState::Loaded {
        path: "release-manifest.toml".into(),
        view: ManifestView::of(&m),
    };
    app
}

/// The manifest overlay: components, requirements marked, the broken one
/// explained; the Sign-off pane's line says it is broken.
#[test]
fn manifest_overlay_80x24() {
    let mut app = manifest_app();
    let signoff = text(&app, 120, 40);
    assert!(signoff.contains("Manifest: ✘ system 3.2.0"), "{signoff}");
    let effects = app.update(Action::Key(KeyAction::Manifest));
    assert_eq!(effects, vec![Effect::LoadManifest]);
    insta::assert_snapshot!(text(&app, 80, 24));
}

/// The header's audit badge: long when there is room, short when not,
/// and a failed sync in its own words.
#[test]
fn header_shows_the_audit_sync_state() {
    let mut app = late();
    let now = app.now.expect("sample clock");
    app.sync.status = Some(Ok(greenlight::audit::git_sync::SyncStatus {
        remote: "origin".into(),
        remote_exists: true,
        last_seen: Some(now.as_second() - 300),
        unpushed_events: 3,
        last_synced: None,
    }));
    let wide = text(&app, 160, 48);
    let first = wide.lines().next().unwrap_or_default().to_string();
    assert!(
        first.contains("audit: 3 unpushed, synced 5m ago"),
        "{first}"
    );
    assert!(first.contains("greenlight · web-api v1.4.0"), "{first}");
    let first = text(&app, 100, 30)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.contains("audit: 3 unpushed"), "{first}");
    let narrow = text(&app, 80, 24);
    let first = narrow.lines().next().unwrap_or_default().to_string();
    assert!(first.contains("⇅3"), "{first}");
    // Following the remote (live, the default with a remote), a failed
    // pull says the remote is away; with `live = false`, the sync failed.
    app.sync.failed = Some("no remote named `origin`".into());
    let first = text(&app, 100, 30)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.contains("audit: offline"), "{first}");
    app.sync.live = Some(false);
    let first = text(&app, 100, 30)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.contains("audit: sync failed"), "{first}");
    let first = text(&app, 80, 24)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.contains("⇅✘"), "{first}");
    app.sync.failed = None;
    app.sync.status = Some(Ok(greenlight::audit::git_sync::SyncStatus {
        remote: "origin".into(),
        remote_exists: true,
        last_seen: Some(now.as_second() - 30),
        unpushed_events: 0,
        last_synced: None,
    }));
    insta::assert_snapshot!(
        "header_synced_120x30",
        text(&app, 120, 30).lines().next().unwrap_or_default()
    );
}

/// Starting a scenario pre-fills the version history proposes, with why.
#[test]
fn start_prompt_proposes_the_version_80x24() {
    let mut app = start_app();
    // The first scenario follows the open session.
    key(&mut app, KeyAction::Down);
    key(&mut app, KeyAction::Act);
    let Some(Overlay::Prompt(p)) = app.overlay() else {
        panic!("no prompt")
    };
    assert_eq!(p.input.text, "1.3.2");
    insta::assert_snapshot!(text(&app, 80, 24));
}

/// Notes changed after an approval: the Sign-off pane says who approved
/// other notes than the ones now in the session.
#[test]
fn notes_changed_after_an_approval_are_flagged() {
    let app = late();
    assert!(!text(&app, 160, 48).contains("changed after"));
    let mut s = sample::late_sample().expect("sample");
    s.wait(60)
        .cmd(
            &sample::dana(),
            Command::Record(greenlight::session::Payload::ReleaseNotesSet(
                greenlight::session::payload::ReleaseNotesSet {
                    markdown: "## web-api 1.4.0\n\nRewritten.\n".into(),
                },
            )),
        )
        .expect("notes");
    let app = fixture::app(s.state(), default_theme());
    let screen = text(&app, 160, 48);
    assert!(
        screen.contains("changed after Pat Product approved"),
        "{screen}"
    );
}

/// A release train's session with its components read.
fn train_app() -> App {
    let mut app = fixture::app(sample::train_session().expect("sample"), default_theme());
    app.update(Action::TrainRead(Box::new(Ok(sample::train_status()))));
    app
}

#[test]
fn train_120x40() {
    let app = train_app();
    assert!(app.is_train());
    insta::assert_snapshot!(text(&app, 120, 40));
}

#[test]
fn train_80x24() {
    insta::assert_snapshot!(text(&train_app(), 80, 24));
}

#[test]
fn train_component_details_zoomed_80x24() {
    let mut app = train_app();
    key(&mut app, KeyAction::FocusNext);
    key(&mut app, KeyAction::FocusNext);
    assert_eq!(app.focus, Pane::Train);
    key(&mut app, KeyAction::Down);
    key(&mut app, KeyAction::Act);
    key(&mut app, KeyAction::Zoom);
    insta::assert_snapshot!(text(&app, 80, 24));
}

/// The four size classes the layouts are designed for.
const SIZES: [(u16, u16); 4] = [(200, 50), (120, 40), (80, 24), (60, 16)];

/// The built-in playbooks (`assets/playbooks`).
const SCENARIOS: [&str; 4] = ["mvp-launch", "feature-release", "release-train", "hotfix"];

/// A session of `scenario` a few minutes in: its first ready step
/// started and completed with a note, a note on the session; and its
/// timeline.
fn scenario_sample(scenario: &str) -> (sample::Sample, Vec<greenlight::session::timeline::Entry>) {
    let mut s = sample::Sample::new(sample::plan(scenario), Some("1.4.0"));
    let first = s.state().ready_steps().first().map(|p| p.id.clone());
    if let Some(step) = first {
        s.wait(60);
        s.cmd(&sample::dana(), Command::Start { step: step.clone() })
            .expect("start");
        s.wait(90);
        s.cmd(
            &sample::dana(),
            Command::Complete {
                step,
                note: Some("checked with the on-call engineer".into()),
            },
        )
        .expect("complete");
    }
    s.wait(30);
    s.cmd(
        &sample::pat(),
        Command::Note {
            text: "customers told about the maintenance window".into(),
            step: None,
        },
    )
    .expect("note");
    let entries = greenlight::session::timeline::entries(&s.state(), s.events());
    assert!(entries.len() >= 2, "{scenario}");
    (s, entries)
}

/// `key`, whatever the core is asked for (an overlay that loads
/// something asks the driver).
fn press(app: &mut App, k: KeyAction) {
    app.update(Action::Key(k));
}

/// Every overlay over each built-in scenario at the four size classes:
/// the help, the people picker, the release notes, the manifest, the
/// note and skip prompts, a confirmation, a refusal and its override
/// prompt, and the start screen with the session picker (the timeline
/// and the message log are in [`every_scenario_at_the_four_sizes`]).
/// Each closes with `esc` (or its no) back to the main screen. One
/// snapshot per scenario and size.
#[test]
fn every_overlay_at_the_four_sizes() {
    for scenario in SCENARIOS {
        let (s, _) = scenario_sample(scenario);
        for (w, h) in SIZES {
            let mut app = fixture::app(s.state(), default_theme());
            let mut out = String::new();
            let mut shot = |app: &App, what: &str| {
                out.push_str(&format!("--- {what}\n{}\n", text(app, w, h)));
            };
            let closes = |app: &mut App, k: KeyAction, what: &str| {
                press(app, k);
                assert!(app.overlay().is_none(), "{scenario} {w}x{h}: {what} stays");
            };
            for (k, what) in [
                (KeyAction::Help, "help (?)"),
                (KeyAction::SwitchPerson, "people (@)"),
                (KeyAction::ReleaseNotes, "release notes (R)"),
                (KeyAction::Manifest, "manifest (M)"),
            ] {
                press(&mut app, k);
                assert!(app.overlay().is_some(), "{scenario} {w}x{h}: {what}");
                shot(&app, what);
                closes(&mut app, KeyAction::Cancel, what);
            }
            // The release notes' editor, a line typed (esc leaves the
            // editor, a second esc the overlay).
            press(&mut app, KeyAction::ReleaseNotes);
            app.update(Action::Key(KeyAction::EditNotes));
            assert!(
                matches!(app.overlay(), Some(Overlay::Notes(n)) if n.editor.is_some()),
                "{scenario} {w}x{h}: the notes editor"
            );
            for c in "Reviewed with the team.".chars() {
                app.update(Action::EditorInput(ratatui_textarea::Input {
                    key: ratatui_textarea::Key::Char(c),
                    ..Default::default()
                }));
            }
            shot(&app, "release notes editor (R, e), typed");
            for _ in 0..3 {
                if app.overlay().is_none() {
                    break;
                }
                press(&mut app, KeyAction::Cancel);
            }
            assert!(
                app.overlay().is_none(),
                "{scenario} {w}x{h}: the notes editor stays"
            );
            // A step's prompts, on the step the session selects.
            press(&mut app, KeyAction::Note);
            assert!(matches!(app.overlay(), Some(Overlay::Prompt(_))));
            for c in "v1.4.0 agreed with the team".chars() {
                app.update(Action::Type(c));
            }
            shot(&app, "note prompt (c), typed");
            closes(&mut app, KeyAction::Cancel, "the note prompt");
            press(&mut app, KeyAction::Skip);
            assert!(matches!(app.overlay(), Some(Overlay::Prompt(_))));
            shot(&app, "skip prompt (s)");
            closes(&mut app, KeyAction::Cancel, "the skip prompt");
            // A confirmation (the tag offered at the end of a release).
            app.update(Action::OfferTag {
                version: "1.4.0".into(),
                tag: "v1.4.0".into(),
            });
            assert!(matches!(app.overlay(), Some(Overlay::Confirm(_))));
            shot(&app, "confirm (tag offer)");
            closes(&mut app, KeyAction::No, "the confirmation");
            // A refusal names its way out; the override asks why.
            let step = app
                .state()
                .and_then(|st| st.plan.steps.last().map(|p| p.id.clone()))
                .expect("a step");
            app.update(Action::Refused {
                why: format!("`{step}` waits on the steps before it (rules: requires)"),
                cmd: Command::Start { step },
                who: sample::dana(),
            });
            shot(&app, "refused (status line, override offered)");
            press(&mut app, KeyAction::Override);
            assert!(matches!(app.overlay(), Some(Overlay::Prompt(_))));
            shot(&app, "override prompt");
            closes(&mut app, KeyAction::Cancel, "the override prompt");
            // `S`: the start screen, the open session selected.
            press(&mut app, KeyAction::Sessions);
            app.update(Action::StartLoaded(start_data(&app)));
            assert_eq!(app.screen, Screen::Start);
            shot(&app, "start screen / session picker (S)");
            insta::assert_snapshot!(format!("overlays_{scenario}_{w}x{h}"), out);
        }
    }
}

/// The text inside `pane` as the frame drew it, row by row.
fn pane_text(app: &App, w: u16, h: u16, pane: Pane) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    let mut layout = None;
    t.draw(|f| layout = Some(app::draw(f, app))).expect("draw");
    let area = layout
        .and_then(|l| l.pane(pane).map(|d| d.area))
        .expect("the pane drawn");
    let buf = t.backend().buffer();
    (area.top()..area.bottom())
        .map(|y| {
            (area.left()..area.right())
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Letters and digits only: text wrapped over rows compares equal to the
/// text whole.
fn squash(t: &str) -> String {
    t.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// A rejection's reason and an approval's comment are read whole in the
/// Sign-off pane at every size (wrapped, not cut), and what a step waits
/// on is read whole in the Checklist at 120x40 and wider.
#[test]
fn reasons_and_waits_read_whole_at_every_size() {
    let reason = "the release note draft is missing the CSV export and the migration warning for the orders table";
    let mut s = sample::signoff_sample().expect("sample");
    s.wait(60)
        .cmd(
            &sample::pat(),
            Command::Signoff {
                step: None,
                role: "pm".into(),
                approve: false,
                comment: Some(reason.into()),
            },
        )
        .expect("reject");
    let mut app = fixture::app(s.state(), default_theme());
    for (w, h) in SIZES {
        app.focus = Pane::Signoff;
        let text = pane_text(&app, w, h, Pane::Signoff);
        assert!(
            squash(&text).contains(&squash(reason)),
            "{w}x{h}: the reason is cut:\n{text}"
        );
        insta::assert_snapshot!(format!("signoff_reason_{w}x{h}"), text);
    }
    // Every step's waits-on, whole, in the Checklist of a fresh release.
    let fresh = fixture::app(
        sample::Sample::new(sample::plan("feature-release"), Some("1.4.0")).state(),
        default_theme(),
    );
    let waits = "security-impact, hotfix-plan, release-candidate-tests, vulnerability-scan";
    for (w, h) in [(200, 50), (120, 40)] {
        let text = pane_text(&fresh, w, h, Pane::Checklist);
        let list: String = text
            .lines()
            .take_while(|l| !l.contains("Details"))
            .collect();
        assert!(
            squash(&list).contains(&squash(waits)),
            "{w}x{h}: waits on is cut:\n{text}"
        );
    }
}

/// What the start screen lists over `app`'s session: the built-in
/// scenarios, the open session and a completed one, a proposal.
fn start_data(app: &App) -> StartData {
    let st = app.state().expect("a session");
    let scenarios = greenlight::playbook::builtins()
        .iter()
        .map(|p| ScenarioRow {
            id: p.id.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            steps: p.steps.len(),
        })
        .collect();
    let (done, total) = st.progress();
    let open = SessionSummary {
        id: st.id.clone(),
        playbook: st.plan.playbook.clone(),
        version: st.version.clone(),
        status: SessionStatus::Open,
        done,
        total,
        started_at: Some("2026-11-26T14:00:00Z".into()),
        started_by: Some("Dana Developer <dana@example.com>".into()),
        pulled: false,
    };
    let done = SessionSummary {
        id: "01JDONE000000000000000000".into(),
        version: Some("1.3.1".into()),
        status: SessionStatus::Completed,
        done: total,
        started_at: Some("2026-11-20T09:12:00Z".into()),
        ..open.clone()
    };
    StartData {
        scenarios,
        sessions: vec![open, done],
        error: None,
        proposal: Some(Ok(VersionProposal {
            version: Some("1.4.1".into()),
            headline: "v1.4.0 → v1.4.1 (patch)".into(),
            reason: "fix(cart): empty totals (1c8ea43) is a fix → patch".into(),
            scenario: Some("hotfix".into()),
        })),
    }
}

/// Every built-in scenario at the four size classes (≥160, 120x40,
/// 80x24, the 60x16 minimum): the main screen with each pane focused
/// (below 100 columns the focused pane opens and the others keep their
/// title line; panes with nothing to show collapse), then the timeline
/// (`T`) and the message log (`L`) over it. One snapshot per scenario and
/// size.
#[test]
fn every_scenario_at_the_four_sizes() {
    for scenario in SCENARIOS {
        let (s, entries) = scenario_sample(scenario);
        let mut app = fixture::app(s.state(), default_theme());
        app.update(Action::Info(format!(
            "{scenario}: a status message long enough to need a second row at the narrow sizes, where the status line wraps instead of cutting it"
        )));
        for (w, h) in SIZES {
            let mut out = String::new();
            for pane in Pane::shown(app.is_train()) {
                app.focus = pane;
                out.push_str(&format!(
                    "--- focus {}\n{}\n",
                    pane.title(),
                    text(&app, w, h)
                ));
            }
            app.focus = Pane::Checklist;
            app.update(Action::Key(KeyAction::Timeline));
            app.update(Action::TimelineRead(entries.clone()));
            let timeline = text(&app, w, h);
            if h >= 24 {
                assert!(
                    timeline.contains("customers told"),
                    "{scenario} {w}x{h}:\n{timeline}"
                );
            }
            out.push_str(&format!("--- timeline (T)\n{timeline}\n"));
            app.update(Action::Key(KeyAction::Cancel));
            app.update(Action::Key(KeyAction::Messages));
            out.push_str(&format!("--- messages (L)\n{}\n", text(&app, w, h)));
            app.update(Action::Key(KeyAction::Cancel));
            insta::assert_snapshot!(format!("scenario_{scenario}_{w}x{h}"), out);
        }
    }
}

/// The hotfix has no sign-off step: its Sign-off pane collapses to its
/// title line, at every size, leaving the rows to the Checklist.
#[test]
fn the_hotfix_sign_off_pane_collapses() {
    let s = sample::Sample::new(sample::plan("hotfix"), Some("1.3.1"));
    let app = fixture::app(s.state(), default_theme());
    for (w, h) in SIZES {
        let screen = text(&app, w, h);
        assert!(!screen.contains("no sign-off steps"), "{w}x{h}:\n{screen}");
        let line = screen
            .lines()
            .find(|l| l.contains("Sign-off"))
            .unwrap_or_else(|| panic!("{w}x{h}: no Sign-off title:\n{screen}"));
        assert!(
            line.contains("─ Sign-off") || line.contains("┌ Sign-off") || line.contains("Sign-off")
        );
        let rows = screen.lines().filter(|l| l.contains("Sign-off")).count();
        assert_eq!(rows, 1, "{w}x{h}:\n{screen}");
    }
}

/// `t` cycles the four built-in themes at runtime, round to the first.
#[test]
fn t_cycles_the_themes() {
    let mut app = early();
    let mut seen = vec![app.theme.name.clone()];
    for _ in 0..4 {
        app.update(Action::Key(KeyAction::CycleTheme));
        seen.push(app.theme.name.clone());
    }
    assert_eq!(
        seen,
        [
            "default",
            "light",
            "high-contrast",
            "colour-blind",
            "default"
        ]
    );
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("theme: default"))
    );
}

/// `S` on the main screen: the start screen selects the open session, so
/// a reflex enter goes back to it instead of starting another release.
#[test]
fn s_selects_the_open_session() {
    let mut app = early();
    let id = app.state().expect("state").id.clone();
    let scenarios = vec![ScenarioRow {
        id: "hotfix".into(),
        title: "Ship an urgent fix".into(),
        description: String::new(),
        steps: 14,
    }];
    let open = SessionSummary {
        id: id.clone(),
        playbook: "feature-release".into(),
        version: Some("1.4.0".into()),
        status: SessionStatus::Open,
        done: 3,
        total: 13,
        started_at: None,
        started_by: None,
        pulled: false,
    };
    let mut other = open.clone();
    other.id = "01JOTHER00000000000000000".into();
    app.update(Action::StartLoaded(StartData {
        scenarios,
        sessions: vec![other, open],
        error: None,
        proposal: None,
    }));
    let items = app.start.items();
    match items.get(app.start.selected) {
        Some(greenlight::tui::start::StartItem::Session(i)) => {
            assert_eq!(app.start.data.sessions[*i].id, id)
        }
        other => panic!("selected {other:?}"),
    }
    let effects = app.update(Action::Key(KeyAction::Act));
    assert_eq!(effects, vec![Effect::OpenSession(id)]);
}
