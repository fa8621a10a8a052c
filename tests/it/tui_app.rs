//! The whole app, scripted: key presses go through the real keymap and
//! `update`, effects run against the real core on a temp repository (its
//! own GREENLIGHT_HOME), and the screen is drawn into a `TestBackend`.

use crate::common::Sandbox;
use crate::common::TEAM;
use greenlight::identity::Overrides;
use greenlight::session::{SessionStatus, StepStatus, Store};
use greenlight::tui::action::Action;
use greenlight::tui::app::{self, Runtime as Driver, Screen};
use greenlight::tui::keymap::Keymap;
use greenlight::tui::overlay::Overlay;
use greenlight::tui::place::Pane;
use greenlight::tui::theme::{Choice, Theme};
use greenlight::workspace::Workspace;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

/// A short scenario: a check, a risky command, a PM sign-off.
const MINI: &str = r#"
id = "mini"
title = "A small release"

[[steps]]
id = "prep"
title = "Prepare"
owner = "developer"

[[steps]]
id = "ship"
title = "Ship it"
owner = "developer"
kind = "command"
run = "./deploy.sh"
rollback = "./undo.sh"
confirm = true
requires = ["prep"]

[[steps]]
id = "go"
title = "PM approves"
owner = "pm"
kind = "signoff"
roles = ["pm"]
requires = ["ship"]
"#;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let root = sb.repo.path();
    std::fs::write(root.join(".greenlight.toml"), TEAM).expect("config");
    std::fs::create_dir_all(root.join(".greenlight/playbooks")).expect("dir");
    std::fs::write(root.join(".greenlight/playbooks/mini.toml"), MINI).expect("playbook");
    script(
        root,
        "deploy.sh",
        "echo deploying $GREENLIGHT_STEP\necho deployed\n",
    );
    script(root, "undo.sh", "echo undoing $GREENLIGHT_STEP\n");
    sb
}

/// An executable shell script in the repository.
fn script(root: &std::path::Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = root.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// An outbox for background work (the collector, canary commands) and
/// the receiving end the test reads, as the terminal loop would.
fn outbox_channel() -> (
    greenlight::tui::collector::Outbox,
    std::sync::mpsc::Receiver<Action>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let outbox: greenlight::tui::collector::Outbox =
        std::sync::Arc::new(move |a| tx.lock().map(|t| t.send(a).is_ok()).unwrap_or(false));
    (outbox, rx)
}

/// Drain the logs and command ends until `done` holds (10 s at most).
fn wait(d: &mut Driver, what: &str, done: impl Fn(&greenlight::tui::app::App) -> bool) {
    assert!(
        d.pump_until(crate::common::PATIENCE, done),
        "timed out waiting for {what}; status: {}",
        status(d)
    );
}

fn workspace(sb: &Sandbox) -> Workspace {
    let mut ws = Workspace::open_in(
        sb.repo.path(),
        &Overrides::default(),
        Store::at(sb.home.path().to_path_buf()),
    )
    .expect("workspace");
    ws.user = Default::default();
    ws
}

fn driver(sb: &Sandbox) -> Driver {
    let choice = Choice {
        theme: Theme::no_color("default"),
        warning: None,
    };
    let mut d = Driver::new(workspace(sb), choice, Keymap::default());
    d.dispatch(Action::Resize {
        width: 100,
        height: 30,
    });
    d.boot(None).expect("boot");
    d
}

/// Press keys: words are key names (`enter`, `esc`, `tab`, `down`, ...),
/// anything else is typed character by character.
fn press(d: &mut Driver, script: &str) {
    for word in script.split(' ') {
        let codes: Vec<KeyCode> = match word {
            "enter" => vec![KeyCode::Enter],
            "esc" => vec![KeyCode::Esc],
            "tab" => vec![KeyCode::Tab],
            "down" => vec![KeyCode::Down],
            "up" => vec![KeyCode::Up],
            "space" => vec![KeyCode::Char(' ')],
            text => text.chars().map(KeyCode::Char).collect(),
        };
        for code in codes {
            let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
            if let Some(a) = d.app.translate(&ev) {
                d.dispatch(a);
            }
        }
    }
}

/// Draw a frame at 100x30 and give the app what it drew, as the
/// terminal loop does after each change.
fn frame(d: &mut Driver) {
    let mut t = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    let mut layout = None;
    t.draw(|f| layout = Some(app::draw(f, &d.app)))
        .expect("draw");
    d.app.drawn(layout.expect("drawn"));
}

/// The screen at 100x30, with times (which come from the real clock of
/// the journal) masked.
fn screen(d: &Driver) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    t.draw(|f| {
        app::draw(f, &d.app);
    })
    .expect("draw");
    let text = t
        .backend()
        .to_string()
        .replace(&d.ws().repo.name, "<repo name>");
    let time = regex::Regex::new(r"\d\d:\d\d:\d\d").expect("regex");
    let masked = time.replace_all(&text, "hh:mm:ss");
    let took = regex::Regex::new(r"after \d+\.\ds").expect("regex");
    let masked = took.replace_all(&masked, "after s.ss");
    regex::Regex::new(r"01[0-9A-Z]{24}")
        .expect("regex")
        .replace_all(&masked, "<session id>")
        .into_owned()
}

fn status(d: &Driver) -> String {
    d.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// The app on session `id`, drawn at every size from the smallest
/// designed up, each pane focused and zoomed, each overlay open, the start
/// screen, and each step's details; `check` reads every frame's text.
pub(crate) fn draw_everything(sb: &Sandbox, id: &str, check: fn(&str, &str)) {
    let choice = Choice {
        theme: Theme::no_color("default"),
        warning: None,
    };
    let mut d = Driver::new(workspace(sb), choice, Keymap::default());
    d.boot(Some(id)).expect("boot");
    assert_eq!(d.app.screen, Screen::Main, "{}", status(&d));
    for (w, h) in [(60, 16), (80, 24), (120, 40), (200, 60)] {
        d.dispatch(Action::Resize {
            width: w,
            height: h,
        });
        let frame = |d: &Driver, what: &str| {
            let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
            t.draw(|f| {
                app::draw(f, &d.app);
            })
            .expect("draw");
            check(&format!("{w}x{h} {what}"), &t.backend().to_string());
        };
        for pane in 0..4 {
            frame(&d, &format!("pane {pane}"));
            press(&mut d, "z");
            frame(&d, &format!("pane {pane} zoomed"));
            press(&mut d, "esc tab");
        }
        for step in 0..5 {
            frame(&d, &format!("step {step}"));
            press(&mut d, "j");
        }
        for overlay in ["?", "R", "M", "@", "S"] {
            press(&mut d, overlay);
            frame(&d, overlay);
            press(&mut d, "j");
            frame(&d, &format!("{overlay} scrolled"));
            press(&mut d, "esc");
        }
    }
}

/// A driver's session as the journal on disk has it, read afresh.
fn on_disk(sb: &Sandbox) -> greenlight::session::Session {
    workspace(sb).session(None).expect("session")
}

#[test]
fn a_release_from_the_start_screen_to_the_last_sign_off() {
    let sb = sandbox();
    let mut d = driver(&sb);
    assert_eq!(d.app.screen, Screen::Start);
    // Scenarios are listed by id: feature-release, hotfix, mini, ...
    let items = d
        .app
        .start
        .data
        .scenarios
        .iter()
        .map(|s| s.id.as_str())
        .collect::<Vec<_>>();
    let mini = items
        .iter()
        .position(|i| *i == "mini")
        .expect("mini listed");
    for _ in 0..mini {
        press(&mut d, "j");
    }
    press(&mut d, "enter");
    assert!(matches!(d.app.overlay(), Some(Overlay::Prompt(_))));
    press(&mut d, "not-a-version enter");
    let Some(Overlay::Prompt(p)) = d.app.overlay() else {
        panic!("the prompt closed on a bad version")
    };
    assert!(
        p.error
            .as_deref()
            .unwrap_or("")
            .contains("not a semantic version")
    );
    // ctrl-u clears the line.
    d.dispatch(Action::Key(greenlight::tui::keymap::KeyAction::ClearLine));
    press(&mut d, "2.0.0 enter");
    assert_eq!(d.app.screen, Screen::Main, "{}", status(&d));
    insta::assert_snapshot!("app_started", screen(&d));

    // prep, a plain check: a note with c, then one key completes it
    // (nothing to start, no empty prompt).
    press(&mut d, "c checked space the space runbook enter");
    press(&mut d, "enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[0].status, StepStatus::Done);
    assert_eq!(st.steps[0].started, None, "completed in one key");
    assert_eq!(
        st.notes.last().map(|n| n.text.as_str()),
        Some("checked the runbook")
    );
    // The selection moved on to the next step: the risky one.
    assert_eq!(d.app.panes.checklist.selected, 1);

    // ship asks first; `n` leaves it alone, `y` runs its command, which
    // completes the step when it exits 0.
    press(&mut d, "enter");
    assert!(matches!(d.app.overlay(), Some(Overlay::Confirm(_))));
    insta::assert_snapshot!("app_confirm", screen(&d));
    press(&mut d, "n");
    assert_eq!(d.app.state().unwrap().steps[1].status, StepStatus::Pending);
    press(&mut d, "enter y");
    assert_eq!(
        d.app.state().unwrap().steps[1].status,
        StepStatus::InProgress
    );
    wait(&mut d, "ship done", |a| {
        a.state().unwrap().steps[1].status == StepStatus::Done
    });

    // go is a sign-off: enter takes us to it; Dana is not a PM.
    assert_eq!(d.app.panes.checklist.selected, 2);
    press(&mut d, "enter");
    assert_eq!(d.app.focus, Pane::Signoff);
    press(&mut d, "a enter");
    let s = status(&d);
    assert!(s.contains("does not hold role `pm`"), "{s}");
    assert!(s.contains("@ hands the keyboard"), "{s}");
    assert!(s.contains("o overrides with a reason"), "{s}");
    assert_eq!(d.app.state().unwrap().steps[2].status, StepStatus::Pending);

    // Hand the keyboard to Pat, who approves.
    press(&mut d, "@ j enter");
    assert_eq!(d.app.person().unwrap().name, "Pat Product");
    press(&mut d, "a ship space it enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[2].status, StepStatus::Done, "{}", status(&d));
    assert_eq!(st.status, SessionStatus::Completed);
    // tag_on_complete is unset: the app offers to tag the release.
    let Some(Overlay::Confirm(c)) = d.app.overlay() else {
        panic!("no tag offered: {:?}", d.app.overlay());
    };
    assert_eq!(c.title, "Tag the release v2.0.0?");
    insta::assert_snapshot!("app_tag_offer", screen(&d));
    press(&mut d, "y");
    assert!(
        status(&d).contains("tagged the release v2.0.0"),
        "{}",
        status(&d)
    );
    let tags = d.app.state().unwrap().tags.clone();
    assert_eq!(tags.len(), 1);
    let repo = git2::Repository::open(sb.repo.path()).expect("repo");
    assert!(repo.revparse_single("refs/tags/v2.0.0").is_ok());
    insta::assert_snapshot!("app_completed", screen(&d));

    // The journal says who did what, all in this process's actor file.
    let session = on_disk(&sb);
    let st = session.state();
    assert_eq!(st.status, SessionStatus::Completed);
    let go = st.step("go").unwrap();
    let d0 = &go.decisions[0];
    assert_eq!(
        (d0.by.who.name.as_str(), d0.comment.as_deref()),
        ("Pat Product", Some("ship it"))
    );
    assert!(
        d0.by.actor.starts_with("dana@example.com/"),
        "{}",
        d0.by.actor
    );
    assert_eq!(
        st.step("prep").unwrap().completed[0].who.name,
        "Dana Developer"
    );
    assert_eq!(st.started.as_ref().unwrap().who.name, "Dana Developer");
    let files: Vec<_> = session.files().collect();
    assert_eq!(files.len(), 1, "one actor file: {files:?}");

    // Starting 2.0.0 again asks first: no starts nothing, yes does.
    let start_again = |d: &mut Driver| {
        if d.app.screen != Screen::Start {
            press(d, "S");
        }
        wait(d, "the start screen", |a| {
            a.screen == Screen::Start && !a.start.data.scenarios.is_empty()
        });
        let mini = d.app.start.items().iter().position(|i| {
            matches!(i, greenlight::tui::start::StartItem::Scenario(n)
                if d.app.start.data.scenarios[*n].id == "mini")
        });
        d.app.start.selected = mini.expect("mini listed");
        press(d, "enter 2.0.0 enter");
    };
    start_again(&mut d);
    let Some(Overlay::Confirm(c)) = d.app.overlay() else {
        panic!("no question: {:?} {}", d.app.overlay(), status(&d));
    };
    assert_eq!(c.title, "Start another release of 2.0.0?");
    assert!(
        c.lines[0].contains("already has a completed session here"),
        "{:?}",
        c.lines
    );
    press(&mut d, "n");
    let sessions = |sb: &Sandbox| {
        workspace(sb)
            .store
            .summaries(&workspace(sb).repo.key)
            .expect("list")
            .len()
    };
    assert_eq!(sessions(&sb), 1);
    start_again(&mut d);
    press(&mut d, "y");
    assert_eq!(sessions(&sb), 2, "{}", status(&d));
    assert_eq!(d.app.state().unwrap().status, SessionStatus::Open);
}

/// The rules refuse at the key press, before anything is typed; `o`
/// asks why, then opens the refused prompt, and what it submits is
/// recorded with the override. `A` acknowledges as the person's role.
#[test]
fn a_refusal_comes_before_typing_and_o_overrides_it_with_a_reason() {
    let sb = sandbox();
    let root = sb.repo.path();
    let acked = MINI.replace("id = \"prep\"", "id = \"prep\"\nack = [\"pm\"]");
    std::fs::write(root.join(".greenlight/playbooks/mini.toml"), acked).expect("playbook");
    sb.ok(&["new", "--scenario", "mini", "--version", "1.0.0"]);
    let mut d = driver(&sb);
    assert_eq!(d.app.screen, Screen::Main, "{}", status(&d));

    // prep waits for the PM's acknowledgement: Dana's enter completes
    // nothing, and says so at once (no prompt to type into).
    press(&mut d, "enter");
    assert_eq!(
        d.app.state().unwrap().steps[0].status,
        StepStatus::InProgress
    );
    press(&mut d, "enter");
    assert!(
        d.app.overlay().is_none(),
        "a prompt opened for a refused completion"
    );
    let s = status(&d);
    assert!(s.contains("acknowledge"), "{s}");
    assert!(s.contains("o overrides"), "{s}");
    // Dana cannot acknowledge as the PM either.
    press(&mut d, "A");
    assert!(d.app.overlay().is_none());
    assert!(
        status(&d).contains("does not hold role `pm`"),
        "{}",
        status(&d)
    );
    // Pat can.
    press(&mut d, "@ j enter");
    assert_eq!(d.app.person().unwrap().name, "Pat Product");
    press(&mut d, "A");
    press(&mut d, "looks space fine enter");
    let st = d.app.state().unwrap();
    let acks = &st.step("prep").unwrap().acks;
    assert_eq!(acks.len(), 1, "{}", status(&d));
    press(&mut d, "@ k enter");
    assert_eq!(d.app.person().unwrap().name, "Dana Developer");
    // No note wanted: one key completes it.
    press(&mut d, "enter");
    assert_eq!(
        d.app.state().unwrap().steps[0].status,
        StepStatus::Done,
        "{}",
        status(&d)
    );

    // o with nothing refused says so.
    press(&mut d, "o");
    assert!(d.app.overlay().is_none());
    assert!(status(&d).contains("nothing was refused"), "{}", status(&d));
    assert_eq!(d.app.panes.checklist.selected, 1);
    press(&mut d, "s");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Prompt(_))),
        "{}",
        status(&d)
    );
    press(&mut d, "skipped space for space the space test enter");
    assert_eq!(
        d.app.state().unwrap().steps[1].status,
        StepStatus::Skipped,
        "{}",
        status(&d)
    );

    // Dana approves the PM's sign-off: refused before the comment prompt.
    press(&mut d, "j enter a");
    assert!(d.app.overlay().is_none());
    assert!(status(&d).contains("does not hold role `pm`"));
    // o asks why; an empty reason is not taken.
    press(&mut d, "o");
    assert!(matches!(d.app.overlay(), Some(Overlay::Prompt(_))));
    press(&mut d, "enter");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Prompt(_))),
        "an empty reason closed it"
    );
    press(&mut d, "Pat space is space on space a space plane enter");
    // The refused prompt opens in its place.
    assert!(matches!(d.app.overlay(), Some(Overlay::Prompt(_))));
    press(&mut d, "approved space by space phone enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[2].status, StepStatus::Done, "{}", status(&d));
    assert_eq!(st.overrides.len(), 1);
    let o = &st.overrides[0].1;
    assert_eq!(o.reason, "Pat is on a plane");
    assert_eq!(o.rules, vec!["signoff-role".to_string()]);
    assert_eq!(o.step.as_deref(), Some("go"));
    // The header counts it.
    assert!(screen(&d).contains("1 override"), "{}", screen(&d));
    // And the journal on disk has it, with the decision after it.
    let st = on_disk(&sb).state().clone();
    assert_eq!(st.overrides.len(), 1);
    assert_eq!(st.status, SessionStatus::Completed);
}

#[test]
fn changes_made_by_another_process_show_up() {
    let sb = sandbox();
    sb.ok(&["new", "--scenario", "mini", "--version", "1.0.0"]);
    let mut d = driver(&sb);
    assert_eq!(d.app.screen, Screen::Main, "opens the current session");
    // "Another terminal": Pat notes something with the CLI.
    let out = sb
        .cmd_as("Pat Product", "pat@example.com")
        .args(["note", "--step", "prep", "runbook reviewed"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(d.app.state().unwrap().notes.is_empty());
    // The watcher's message arrives: the app re-reads the journals.
    assert!(d.dispatch(Action::JournalChanged));
    assert_eq!(d.app.state().unwrap().notes.len(), 1);
    let s = status(&d);
    assert_eq!(s, "Pat Product: note on prep: runbook reviewed");
    // Nothing new: nothing to redraw.
    assert!(!d.dispatch(Action::JournalChanged));
}

#[test]
fn focus_zoom_help_and_clicks() {
    let sb = sandbox();
    sb.ok(&["new", "--scenario", "mini"]);
    let mut d = driver(&sb);
    press(&mut d, "tab");
    assert_eq!(d.app.focus, Pane::Signoff);
    press(&mut d, "tab tab tab");
    assert_eq!(d.app.focus, Pane::Checklist);
    let ev = Event::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    let a = d.app.translate(&ev).expect("shift-tab");
    d.dispatch(a);
    assert_eq!(d.app.focus, Pane::Logs);
    press(&mut d, "z");
    assert!(d.app.zoom);
    assert!(screen(&d).contains("no log source configured"));
    press(&mut d, "esc");
    assert!(!d.app.zoom);
    press(&mut d, "?");
    assert!(matches!(d.app.overlay(), Some(Overlay::Help(_))));
    insta::assert_snapshot!("app_help", screen(&d));
    press(&mut d, "?");
    assert!(d.app.overlay().is_none());

    // Clicking a pane focuses it; clicking a step row selects it (as
    // the last frame drew them).
    frame(&mut d);
    let l = d.app.layout.clone().expect("drawn");
    let canary = l.pane(Pane::Canary).expect("canary drawn").area;
    // (Its title line: the pane has nothing to show here, so that is
    // all of it.)
    d.dispatch(Action::Click {
        column: canary.x + 3,
        row: canary.y,
    });
    assert_eq!(d.app.focus, Pane::Canary);
    let rows = l.pane(Pane::Checklist).expect("checklist drawn").rows;
    d.dispatch(Action::Click {
        column: rows.x + 5,
        row: rows.y + 1,
    });
    assert_eq!(
        (d.app.focus, d.app.panes.checklist.selected),
        (Pane::Checklist, 1)
    );
    press(&mut d, "j j j k");
    assert_eq!(d.app.panes.checklist.selected, 1);

    // A waiting step says what it waits on and writes nothing.
    press(&mut d, "enter");
    assert!(status(&d).contains("ship waits on prep"), "{}", status(&d));
    // Skipping needs a reason; the reason is recorded.
    press(&mut d, "k s enter");
    assert!(matches!(d.app.overlay(), Some(Overlay::Prompt(_))));
    press(&mut d, "no space prep space needed enter");
    let st = on_disk(&sb);
    let (_, why) = st.state().step("prep").unwrap().skipped.clone().unwrap();
    assert_eq!(why, "no prep needed");
    // The start screen lists the open session; esc goes back.
    press(&mut d, "S");
    assert_eq!(d.app.screen, Screen::Start);
    press(&mut d, "esc");
    assert_eq!(d.app.screen, Screen::Main);
    press(&mut d, "q");
    assert!(d.app.quit);
}

#[test]
fn two_apps_of_the_same_person_both_write_one_journal() {
    let sb = sandbox();
    sb.ok(&["new", "--scenario", "mini"]);
    let mut first = driver(&sb);
    let mut second = driver(&sb);
    assert!(first.app.session.as_ref().unwrap().read_only.is_none());
    assert!(second.app.session.as_ref().unwrap().read_only.is_none());
    press(&mut first, "enter");
    press(&mut second, "c from space the space second enter");
    sb.ok(&["note", "from the CLI"]);
    let st = on_disk(&sb);
    assert!(st.problems().is_empty(), "{:?}", st.problems());
    let notes: Vec<&str> = st.state().notes.iter().map(|n| n.text.as_str()).collect();
    assert!(
        notes.contains(&"from the second") && notes.contains(&"from the CLI"),
        "{notes:?}"
    );
    // The first app's enter completed the plain check in one key.
    assert_eq!(st.state().steps[0].status, StepStatus::Done);
    assert!(sb.ok(&["audit", "verify"]).contains("audit ok"));
}

/// The bindings the other scripts do not press: fail, note, reject, top,
/// bottom, f1, ctrl-c.
#[test]
fn fail_note_reject_and_the_remaining_keys() {
    let sb = sandbox();
    sb.ok(&["new", "--scenario", "mini"]);
    sb.ok(&["step", "start", "prep"]);
    let mut d = driver(&sb);
    // G and g: last and first step.
    press(&mut d, "G");
    assert_eq!(d.app.panes.checklist.selected, 2);
    press(&mut d, "g");
    assert_eq!(d.app.panes.checklist.selected, 0);
    // f fails a step in progress, with a reason.
    press(&mut d, "f disk space full enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[0].status, StepStatus::Failed, "{}", status(&d));
    assert_eq!(st.steps[0].failed.as_ref().unwrap().1, "disk full");
    // enter on a failed step starts it again; enter completes it (no
    // note wanted).
    press(&mut d, "enter enter");
    assert_eq!(d.app.state().unwrap().steps[0].status, StepStatus::Done);
    // c adds a note about the selected step.
    press(&mut d, "g c looks space good enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.notes.last().map(|n| n.text.as_str()), Some("looks good"));
    assert_eq!(
        st.notes.last().and_then(|n| n.step.as_deref()),
        Some("prep")
    );
    // x rejects a sign-off as Pat: a reason is required.
    press(&mut d, "j enter y");
    wait(&mut d, "ship done", |a| {
        a.state().unwrap().steps[1].status == StepStatus::Done
    });
    press(&mut d, "@ j enter tab x enter");
    let Some(Overlay::Prompt(p)) = d.app.overlay() else {
        panic!("the reject prompt closed without a reason")
    };
    assert!(p.error.is_some());
    press(&mut d, "no space release space note enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[2].status, StepStatus::Rejected, "{}", status(&d));
    let dec = &st.steps[2].decisions[0];
    assert_eq!(
        (
            dec.by.who.name.as_str(),
            dec.approve,
            dec.comment.as_deref()
        ),
        ("Pat Product", false, Some("no release note"))
    );
    // f1 opens the help as ? does; ctrl-c quits.
    let f1 = Event::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE));
    let a = d.app.translate(&f1).expect("f1");
    d.dispatch(a);
    assert!(matches!(d.app.overlay(), Some(Overlay::Help(_))));
    press(&mut d, "esc");
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let a = d.app.translate(&ctrl_c).expect("ctrl-c");
    d.dispatch(a);
    assert!(d.app.quit);
}

/// `@` is recorded: what Pat does on Dana's device reads as "Pat Product
/// on Dana Developer's device" in the app, `status` and the report; where
/// sign-offs must be signed, Pat cannot approve on Dana's device, and the
/// app says at the key press how to approve from her own terminal.
#[test]
fn a_hand_over_is_recorded_and_shown_and_a_signed_sign_off_waits_for_its_owner() {
    let sb = sandbox();
    let root = sb.repo.path();
    let cfg = std::fs::read_to_string(root.join(".greenlight.toml")).expect("config");
    std::fs::write(
        root.join(".greenlight.toml"),
        format!("{cfg}\n[audit]\nrequire_signatures = \"signoffs\"\n"),
    )
    .expect("config");
    sb.ok(&["new", "--scenario", "mini"]);
    let mut d = driver(&sb);
    press(&mut d, "enter enter enter");
    press(&mut d, "g j enter y");
    wait(&mut d, "ship done", |a| {
        a.state().unwrap().steps[1].status == StepStatus::Done
    });
    press(&mut d, "@ j enter");
    let st = d.app.state().unwrap();
    let (by, h) = st.handovers.last().expect("the hand-over is recorded");
    assert_eq!(
        (by.who.name.as_str(), h.to.name.as_str()),
        ("Dana Developer", "Pat Product")
    );
    // Pat adds a note on Dana's device: the record says where.
    press(&mut d, "c checked space the space dashboards enter");
    let st = d.app.state().unwrap();
    let note = st.notes.last().expect("note");
    assert_eq!(note.by.person(), "Pat Product on Dana Developer's device");
    // Pat cannot approve here: refused at the key, with the way out.
    press(&mut d, "tab a");
    assert!(
        d.app.overlay().is_none(),
        "a prompt opened for a refused approval"
    );
    let said = status(&d);
    assert!(
        said.contains("greenlight signoff --role pm --approve"),
        "{said}"
    );
    assert_eq!(
        d.app.state().unwrap().steps[2].status,
        StepStatus::Pending,
        "{said}"
    );
    drop(d);
    let out = sb.ok(&["report"]);
    assert!(
        out.contains("Pat Product on Dana Developer's device"),
        "{out}"
    );
    let out = sb.ok(&["status"]);
    assert!(out.contains("handed the keyboard to Pat Product"), "{out}");
}

#[test]
fn a_broken_theme_or_unknown_theme_is_a_warning_in_the_status_line() {
    let sb = sandbox();
    sb.ok(&["new", "--scenario", "mini"]);
    let choice = greenlight::tui::theme::choose(Some("solarized-ish"), None, false);
    let mut d = Driver::new(workspace(&sb), choice, Keymap::default());
    d.boot(None).expect("boot");
    let s = screen(&d);
    assert!(
        s.contains("⚠ no theme named `solarized-ish`; themes: default, light, high-contrast"),
        "{s}"
    );
}

#[test]
fn a_bad_keymap_stops_the_app_naming_file_and_line() {
    let sb = sandbox();
    let config = sb.home.path().join("config.toml");
    std::fs::write(&config, "theme = \"light\"\n\n[keys]\nlaunch = \"l\"\n").expect("write");
    let out = sb
        .cmd()
        .env("GREENLIGHT_CONFIG", &config)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:4:1: unknown action `launch` in [keys]",
            config.display()
        )),
        "{err}"
    );
}

#[test]
fn without_a_terminal_the_app_says_to_use_the_subcommands() {
    let sb = sandbox();
    let out = sb.cmd().output().expect("run");
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("the full-screen app needs a terminal"),
        "{err}"
    );
}

#[test]
fn the_demo_makes_a_repository_with_a_session_in_its_own_home() {
    let tmp = tempfile::tempdir().expect("tmp");
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .env_remove("GREENLIGHT_HOME")
        .env("TMPDIR", tmp.path())
        .args(["demo", "--no-open"])
        .output()
        .expect("run");
    let stdout = crate::common::check_ok(out, &["demo", "--no-open"]);
    let demo = std::fs::read_dir(tmp.path())
        .expect("read tmp")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("greenlight-demo-"))
        })
        .expect("a greenlight-demo- folder in TMPDIR");
    let repo = demo.join("web-api");
    assert!(
        stdout.contains(&format!("The demo repository is {}", repo.display())),
        "{stdout}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .current_dir(&repo)
        .env("GREENLIGHT_HOME", demo.join("home"))
        .env("GREENLIGHT_CONFIG", tmp.path().join("none.toml"))
        .env_remove("GREENLIGHT_USER_NAME")
        .env_remove("GREENLIGHT_USER_EMAIL")
        .args(["status", "--json"])
        .output()
        .expect("status");
    let json: serde_json::Value =
        serde_json::from_str(&crate::common::check_ok(out, &["status", "--json"])).expect("json");
    assert_eq!(json["summary"]["playbook"], "feature-release");
    assert_eq!(json["summary"]["version"], "1.4.0");
    assert_eq!(json["summary"]["status"], "open");
    assert_eq!(json["history"][0]["who"], "Dana Developer");
}

/// A canary step (rolled back with ./deploy/rollback.sh, absent here),
/// then the PM's sign-off.
const CANARY_PLAY: &str = r#"
id = "canary-only"
title = "Prove it on a canary"

[[steps]]
id = "canary"
title = "Validate on a canary"
owner = "developer"
kind = "canary"
rollback = "./deploy/rollback.sh"

[[steps]]
id = "go"
title = "PM approves"
owner = "pm"
kind = "signoff"
roles = ["pm"]
requires = ["canary"]
"#;

/// The team, a simulated canary with a `set_weight` command that prints
/// its weight, and a session of [`CANARY_PLAY`].
fn canary_sandbox() -> Sandbox {
    canary_sandbox_with("[5, 25, 100]", "echo weight=$GREENLIGHT_CANARY_WEIGHT")
}

/// [`canary_sandbox`] with other weights and `set_weight` command.
fn canary_sandbox_with(weights: &str, set_weight: &str) -> Sandbox {
    let sb = sandbox();
    let root = sb.repo.path();
    let config = format!(
        "{TEAM}\n[canary]\nsource = \"simulated\"\nweights = {weights}\nset_weight = \"{set_weight}\"\n"
    );
    std::fs::write(root.join(".greenlight.toml"), config).expect("config");
    std::fs::write(
        root.join(".greenlight/playbooks/canary-only.toml"),
        CANARY_PLAY,
    )
    .expect("playbook");
    sb.ok(&["new", "--scenario", "canary-only", "--version", "1.4.0"]);
    // The weight moves only while the canary step is in progress.
    sb.ok(&["step", "start", "canary"]);
    sb
}

fn recorded(sb: &Sandbox) -> Vec<(String, Option<u32>)> {
    on_disk(sb)
        .state()
        .canary
        .judgements
        .iter()
        .map(|(_, j)| (j.verdict.clone(), j.weight))
        .collect()
}

/// The lines the Logs pane holds, oldest first.
fn log_texts(d: &Driver) -> Vec<String> {
    let m = &d.app.panes.logs.model;
    m.buffer
        .iter_from(m.buffer.first())
        .map(|(_, l)| l.text().to_string())
        .collect()
}

/// At the plan's last weight, the Promote the canary step waits for (one
/// judged after the observation time) is recorded although nothing else
/// about it is new; then the step completes from the app.
#[test]
fn the_promote_that_completes_the_canary_is_recorded_once() {
    use greenlight::tui::fixture as sample;
    // One weight, watched for 3 s (the journal's clock is the real one;
    // the first two judgements must come before it ends, also on a
    // loaded machine).
    let sb = canary_sandbox_with("[100]\nmin_observation = \"3s\"", "true");
    sb.ok(&["canary", "weight", "100"]);
    let mut d = driver(&sb);
    let judge = |d: &mut Driver| {
        let mut snap = sample::canary_snapshot(jiff::Timestamp::now(), false);
        snap.weight = Some(100);
        d.dispatch(Action::CanaryJudged(Box::new(snap)));
    };
    judge(&mut d);
    assert_eq!(recorded(&sb), [("promote".to_owned(), Some(100))]);
    judge(&mut d);
    assert_eq!(recorded(&sb).len(), 1, "a repeat is not recorded");
    // Completing now is refused at the key, saying where the plan stands.
    press(&mut d, "enter");
    assert!(d.app.overlay().is_none());
    let s = status(&d);
    assert!(s.contains("no Promote judged after 3s"), "{s}");
    // Past the observation time: recorded, once.
    std::thread::sleep(std::time::Duration::from_millis(3100));
    judge(&mut d);
    assert_eq!(recorded(&sb).len(), 2);
    judge(&mut d);
    assert_eq!(recorded(&sb).len(), 2);
    // Now enter completes it (no note asked for).
    press(&mut d, "enter");
    assert!(d.app.overlay().is_none(), "{}", status(&d));
    assert_eq!(
        on_disk(&sb).state().step("canary").unwrap().status,
        StepStatus::Done,
        "{}",
        status(&d)
    );
}

#[test]
fn canary_judgements_show_in_the_pane_and_are_recorded_when_they_say_something_new() {
    use greenlight::tui::fixture as sample;
    let sb = canary_sandbox();
    let mut d = driver(&sb);
    assert!(d.app.panes.canary.snapshot.is_none());
    let s = screen(&d);
    assert!(s.contains("judging the simulated canary every"), "{s}");
    let now = jiff::Timestamp::now();
    let healthy = sample::canary_snapshot(now, false);
    d.dispatch(Action::CanaryJudged(Box::new(healthy.clone())));
    let s = screen(&d);
    assert!(s.contains("✔ PROMOTE"), "{s}");
    assert!(s.contains("5% now (w sets it)"), "{s}");
    assert_eq!(recorded(&sb), [("promote".to_owned(), None)]);
    // Recorded as the canary judge on Dana's device, not as Dana.
    let by = on_disk(&sb).state().canary.judgements[0].0.who.clone();
    assert_eq!(by.name, "canary judge on Dana Developer's device");
    assert_eq!(by.email, "dana@example.com");
    // The same verdict at the same weight again: shown, not recorded.
    for _ in 0..10 {
        d.dispatch(Action::CanaryJudged(Box::new(healthy.clone())));
    }
    assert_eq!(recorded(&sb).len(), 1);

    // `w` in the Canary pane: the plan's first weight, its command
    // behind a confirmation, both recorded.
    press(&mut d, "tab tab");
    assert_eq!(d.app.focus, Pane::Canary);
    press(&mut d, "w");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Confirm(_))),
        "{}",
        status(&d)
    );
    press(&mut d, "y");
    assert_eq!(status(&d), "✔ Dana Developer set canary weight 5%");
    let session = on_disk(&sb);
    assert_eq!(session.state().canary.weight, Some(5));
    let run = session.state().step("canary").unwrap().runs.last().cloned();
    let run = run.expect("the set_weight run is recorded");
    assert_eq!(run.command, "echo weight=$GREENLIGHT_CANARY_WEIGHT");
    assert_eq!(
        run.finished.as_ref().map(|f| f.1.last_lines.clone()),
        Some(vec!["weight=5".to_owned()])
    );
    // Its output streamed into Logs, as a source of its own.
    wait(&mut d, "set_weight's output in Logs", |a| {
        let m = &a.panes.logs.model;
        m.buffer
            .iter_from(m.buffer.first())
            .any(|(_, l)| l.text() == "weight=5")
    });
    // The next judgement carries the new weight: recorded.
    d.dispatch(Action::CanaryJudged(Box::new(healthy.clone())));
    assert_eq!(recorded(&sb).last(), Some(&("promote".to_owned(), Some(5))));
    // `w` again: the plan watches 5% for 30 s; an override asks why.
    press(&mut d, "w");
    let Some(Overlay::Prompt(p)) = d.app.overlay() else {
        panic!("an override prompt, got {:?}", d.app.overlay());
    };
    assert_eq!(p.title, "Set the canary to 25% anyway?");
    press(&mut d, "enter");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Prompt(_))),
        "a reason is required"
    );
    press(&mut d, "hotfix space window space closing enter");
    let st = on_disk(&sb).state().clone();
    assert_eq!(st.canary.weight, Some(25));
    assert_eq!(
        st.canary
            .weights
            .last()
            .and_then(|w| w.1.override_reason.clone()),
        Some("hotfix window closing".to_owned())
    );

    // `!` flips the simulated source's switch; the collector judges at
    // once: Roll back, naming the metric that failed.
    let sim = greenlight::canary::sim::SimulatedSource::new(42);
    let (outbox, rx) = outbox_channel();
    let collector = greenlight::tui::collector::Collector::with_source(
        greenlight::canary::CanaryConfig::new(greenlight::canary::SourceKind::Simulated),
        Box::new(sim.clone()),
        outbox,
    );
    d.use_collector(collector);
    assert_eq!(d.app.panes.canary.regression, Some(false));
    press(&mut d, "!");
    assert!(sim.regression(), "the key flips the source's switch");
    assert_eq!(
        status(&d),
        "regression injected into the canary: error rate and latency degrade"
    );
    // The simulated regression degrades latency first and the error rate
    // a moment later: wait for the Roll back that names the error rate
    // (how soon depends on the machine's speed, not on the judge).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while d
        .app
        .panes
        .canary
        .snapshot
        .as_ref()
        .map(|s| s.judgement.verdict)
        != Some(greenlight::canary::Verdict::Rollback)
        || !screen(&d).contains("critical metric error rate failed")
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let a = rx
            .recv_timeout(left)
            .expect("a Roll back within the deadline");
        d.dispatch(a);
    }
    let s = screen(&d);
    assert!(s.contains("✘ ROLL BACK"), "{s}");
    assert!(s.contains("critical metric error rate failed"), "{s}");
    assert!(s.contains("▸ error rate: canary median"), "{s}");
    assert_eq!(
        recorded(&sb).last(),
        Some(&("rollback".to_owned(), Some(25)))
    );

    // `r`: the rollback, behind one confirmation. The sandbox has no
    // ./deploy/rollback.sh: the failure is recorded and the weight stays.
    press(&mut d, "r");
    let Some(Overlay::Confirm(c)) = d.app.overlay() else {
        panic!("a confirmation, got {:?}", d.app.overlay());
    };
    assert_eq!(c.title, "Roll back the canary?");
    press(&mut d, "y");
    let st = on_disk(&sb).state().clone();
    let run = st.step("canary").unwrap().runs.last().cloned().unwrap();
    assert!(
        run.rollback && run.confirmed_by.as_deref() == Some("Dana Developer <dana@example.com>")
    );
    assert_eq!(st.canary.weight, Some(25));
    assert!(
        status(&d).starts_with("✘ rollback `./deploy/rollback.sh` exited with code 127"),
        "{}",
        status(&d)
    );
    // `!` again clears the regression.
    press(&mut d, "!");
    assert!(!sim.regression());
}

#[test]
fn a_command_step_streams_its_output_records_its_exit_and_rolls_back() {
    let sb = sandbox();
    let root = sb.repo.path();
    // Fails until `.ok` exists, saying why on stderr.
    script(
        root,
        "deploy.sh",
        "echo deploying $GREENLIGHT_STEP\nsleep 0.2\nif [ -f .ok ]; then echo deployed; else echo 'boom: no .ok' >&2; exit 3; fi\n",
    );
    sb.ok(&["new", "--scenario", "mini"]);
    let mut d = driver(&sb);
    press(&mut d, "enter enter enter");
    assert_eq!(d.app.state().unwrap().steps[0].status, StepStatus::Done);

    // enter on the command step asks (confirm = true), y runs it.
    press(&mut d, "enter");
    assert!(matches!(d.app.overlay(), Some(Overlay::Confirm(_))));
    press(&mut d, "y");
    assert_eq!(d.app.panes.checklist.runs.len(), 1, "{}", status(&d));
    wait(&mut d, "ship to fail", |a| {
        a.panes.checklist.runs.is_empty()
    });
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[1].status, StepStatus::Failed);
    let s = status(&d);
    assert!(s.contains("ship failed"), "{s}");
    assert!(s.contains("exited 3"), "{s}");
    assert!(s.contains("boom: no .ok"), "{s}");
    assert!(s.contains("enter: retry · r: roll back"), "{s}");
    // Its output reached the Logs pane, as a source named after the step.
    let logs = log_texts(&d);
    assert!(logs.iter().any(|l| l == "deploying ship"), "{logs:?}");
    assert!(logs.iter().any(|l| l == "boom: no .ok"), "{logs:?}");
    let sources = d.app.panes.logs.model.sources();
    assert_eq!(sources[0].name, "ship");
    // The journal has the run, its exit code, and the failure.
    let session = on_disk(&sb);
    let ship = session.state().step("ship").unwrap().clone();
    let (_, fin) = ship.runs[0].finished.clone().expect("finished");
    assert_eq!(fin.exit_code, Some(3));
    assert_eq!(
        ship.runs[0].confirmed_by.as_deref(),
        Some("Dana Developer <dana@example.com>")
    );
    assert!(ship.failed.unwrap().1.contains("exited 3"));

    // r asks once, then runs the rollback; recorded as a rollback.
    press(&mut d, "r");
    let Some(Overlay::Confirm(c)) = d.app.overlay() else {
        panic!("r did not ask: {}", status(&d))
    };
    assert_eq!(c.title, "Roll back ship?");
    press(&mut d, "y");
    wait(&mut d, "the rollback", |a| {
        a.panes.checklist.runs.is_empty()
    });
    let s = status(&d);
    assert!(s.contains("rolled back ship"), "{s}");
    assert!(log_texts(&d).iter().any(|l| l == "undoing ship"));
    let session = on_disk(&sb);
    let runs = &session.state().step("ship").unwrap().runs;
    assert_eq!(runs.len(), 2);
    assert!(runs[1].rollback);
    assert_eq!(
        runs[1].finished.as_ref().map(|(_, f)| f.exit_code),
        Some(Some(0))
    );
    let kinds: Vec<String> = session
        .events()
        .iter()
        .map(|e| e.kind.to_string())
        .collect();
    for k in [
        "command_started",
        "command_finished",
        "rollback_started",
        "rollback_finished",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    // The step is rolled back: its own mark and word, and what requires
    // it waits again.
    assert_eq!(
        session.state().step("ship").unwrap().status,
        StepStatus::RolledBack
    );
    frame(&mut d);
    assert!(screen(&d).contains("↶"), "{}", screen(&d));

    // enter retries; now it succeeds and completes the step.
    std::fs::write(root.join(".ok"), "").unwrap();
    press(&mut d, "k j enter y");
    wait(&mut d, "ship done", |a| {
        a.state().unwrap().steps[1].status == StepStatus::Done
    });
    assert!(status(&d).contains("ship is done"), "{}", status(&d));

    // A rollback that fails is the most urgent thing on screen.
    script(root, "undo.sh", "echo cannot undo >&2\nexit 3\n");
    press(&mut d, "k r y");
    wait(&mut d, "the failed rollback", |a| {
        a.state().unwrap().steps[1].status == StepStatus::RollbackFailed
    });
    let s = screen(&d);
    assert!(
        s.lines()
            .next()
            .unwrap_or("")
            .contains("⚠ ROLLBACK FAILED: ship"),
        "{s}"
    );
}

const SLOW: &str = r#"
id = "slow"
title = "A slow command"

[[steps]]
id = "wait"
title = "Wait a long time"
owner = "developer"
kind = "command"
run = "echo waiting; sleep 30"
"#;

#[test]
fn x_cancels_a_running_command_and_q_asks_first() {
    let sb = sandbox();
    std::fs::write(sb.repo.path().join(".greenlight/playbooks/slow.toml"), SLOW).unwrap();
    sb.ok(&["new", "--scenario", "slow"]);
    let mut d = driver(&sb);
    // No confirm = true: enter runs it at once.
    press(&mut d, "enter");
    assert_eq!(d.app.panes.checklist.runs.len(), 1, "{}", status(&d));
    wait(&mut d, "its output", |a| {
        a.panes
            .logs
            .model
            .buffer
            .iter_from(0)
            .any(|(_, l)| l.text() == "waiting")
    });
    press(&mut d, "x");
    wait(&mut d, "the cancel", |a| a.panes.checklist.runs.is_empty());
    let s = status(&d);
    assert!(s.contains("was cancelled"), "{s}");
    let session = on_disk(&sb);
    let step = session.state().step("wait").unwrap().clone();
    let (_, fin) = step.runs[0].finished.clone().expect("finished");
    assert!(fin.cancelled, "{fin:?}");
    assert_eq!(step.status, StepStatus::Failed);

    // Again, then q: it asks; n stays; y quits, cancelling and recording.
    press(&mut d, "enter");
    assert_eq!(d.app.panes.checklist.runs.len(), 1, "{}", status(&d));
    press(&mut d, "q");
    assert!(matches!(d.app.overlay(), Some(Overlay::Confirm(_))));
    assert!(!d.app.quit);
    press(&mut d, "n");
    assert!(!d.app.quit && d.app.overlay().is_none());
    press(&mut d, "q y");
    assert!(d.app.quit);
    d.shutdown();
    let session = on_disk(&sb);
    let runs = &session.state().step("wait").unwrap().runs;
    assert_eq!(runs.len(), 2);
    assert!(runs[1].finished.as_ref().is_some_and(|(_, f)| f.cancelled));
}

/// A key with ctrl held, through the real input translation.
fn ctrl(d: &mut Driver, c: char) {
    let ev = Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    if let Some(a) = d.app.translate(&ev) {
        d.dispatch(a);
    }
}

/// The sandbox with a bare remote `origin` and `[audit]` settings.
fn sandbox_with_remote(audit: &str) -> (Sandbox, tempfile::TempDir) {
    let sb = sandbox();
    let origin = tempfile::tempdir().expect("origin dir");
    git2::Repository::init_bare(origin.path()).expect("bare");
    let repo = git2::Repository::open(sb.repo.path()).expect("repo");
    repo.remote("origin", &origin.path().to_string_lossy())
        .expect("remote");
    let root = sb.repo.path();
    let config = std::fs::read_to_string(root.join(".greenlight.toml")).expect("config");
    std::fs::write(
        root.join(".greenlight.toml"),
        format!("{config}\n[audit]\n{audit}\n"),
    )
    .expect("config");
    (sb, origin)
}

/// Start the `mini` scenario from the start screen with the version the
/// prompt proposes.
fn start_mini(d: &mut Driver) -> String {
    let mini = d
        .app
        .start
        .data
        .scenarios
        .iter()
        .position(|s| s.id == "mini")
        .expect("mini listed");
    for _ in 0..mini {
        press(d, "j");
    }
    press(d, "enter");
    let Some(Overlay::Prompt(p)) = d.app.overlay() else {
        panic!("no version prompt")
    };
    let proposed = p.input.text.clone();
    press(d, "enter");
    assert_eq!(d.app.screen, Screen::Main, "{}", status(d));
    proposed
}

#[test]
fn the_start_screen_proposes_the_version_from_history() {
    let sb = sandbox();
    let repo = git2::Repository::open(sb.repo.path()).expect("repo");
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let sig = git2::Signature::now("Dana Developer", "dana@example.com").unwrap();
    repo.tag("v1.3.0", head.as_object(), &sig, "1.3.0", false)
        .unwrap();
    let tree = head.tree().unwrap();
    let fix = repo
        .commit(
            Some("HEAD"),
            &sig,
            &sig,
            "fix: empty carts",
            &tree,
            &[&head],
        )
        .unwrap();
    let fix = repo.find_commit(fix).unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "feat: csv export", &tree, &[&fix])
        .unwrap();
    let mut d = driver(&sb);
    let screen_text = screen(&d);
    assert!(
        screen_text.contains("v1.3.0 → v1.4.0 (minor)"),
        "{screen_text}"
    );
    let proposed = start_mini(&mut d);
    assert_eq!(proposed, "1.4.0");
    assert_eq!(d.app.state().unwrap().version.as_deref(), Some("1.4.0"));
    assert_eq!(
        d.app.state().unwrap().previous_version.as_deref(),
        Some("1.3.0")
    );
}

#[test]
fn notes_drafted_edited_and_saved_then_synced_and_tagged_from_the_app() {
    let (sb, origin) = sandbox_with_remote("auto_sync = true\ntag_on_complete = true");
    let mut d = driver(&sb);
    let version = start_mini(&mut d);
    // Opened: the badge counts what is not pushed; nothing synced yet.
    let st = match &d.app.sync.status {
        Some(Ok(st)) => st.clone(),
        other => panic!("no sync status: {other:?}"),
    };
    assert!(st.remote_exists);
    assert_eq!(st.unpushed_events, 1, "session_started only");
    assert!(screen(&d).contains("audit: 1 unpushed"), "{}", screen(&d));
    let sign = screen(&d);
    assert!(sign.contains("Notes: ○ none yet"), "{sign}");

    // R opens the notes; d drafts them from the commits; the draft is
    // an edit, not saved until ctrl-s.
    press(&mut d, "R");
    assert!(matches!(d.app.overlay(), Some(Overlay::Notes(_))));
    press(&mut d, "d");
    let Some(Overlay::Notes(n)) = d.app.overlay() else {
        panic!("notes closed")
    };
    let draft = n
        .editor
        .as_ref()
        .expect("the draft is in the editor")
        .text();
    assert!(draft.contains("first commit"), "{draft}");
    assert!(d.app.state().unwrap().release_notes.is_none());
    press(&mut d, "Reviewed space by space Dee.");
    // esc with unsaved edits asks once; a key in between cancels that.
    press(&mut d, "esc");
    assert!(status(&d).contains("unsaved edits"), "{}", status(&d));
    ctrl(&mut d, 's');
    let Some(Overlay::Notes(n)) = d.app.overlay() else {
        panic!("notes closed on save")
    };
    assert!(n.editor.is_none(), "saved: back to reading");
    let (_, saved) = d.app.state().unwrap().release_notes.clone().expect("saved");
    assert!(saved.contains("first commit") && saved.contains("Reviewed by Dee."));
    let disk = on_disk(&sb);
    assert_eq!(
        disk.state().release_notes.as_ref().map(|(_, t)| t.as_str()),
        Some(saved.as_str())
    );
    // auto_sync pushed it: nothing left unpushed, and the remote has it.
    assert!(d.app.sync.failed.is_none(), "{:?}", d.app.sync.failed);
    match &d.app.sync.status {
        Some(Ok(st)) => assert_eq!(st.unpushed_events, 0),
        other => panic!("no sync status: {other:?}"),
    }
    let bare = git2::Repository::open_bare(origin.path()).expect("bare");
    assert!(bare.refname_to_id("refs/greenlight/audit").is_ok());
    press(&mut d, "esc");
    let main = screen(&d);
    assert!(main.contains("audit: synced"), "{main}");
    assert!(main.contains("Notes: ✔ set by Dana Developer"), "{main}");

    // M shows the manifest: none yet; then a broken one, re-read.
    press(&mut d, "M");
    assert!(screen(&d).contains("No manifest"), "{}", screen(&d));
    press(&mut d, "esc");
    std::fs::write(
        sb.repo.path().join("release-manifest.toml"),
        "[system]\nversion = \"2.0.0\"\n[components.api]\nversion = \"2.0.0\"\nrequires = { db = \"^3\" }\n[components.db]\nversion = \"2.9.0\"\n",
    )
    .expect("manifest");
    press(&mut d, "M");
    let m = screen(&d);
    assert!(m.contains("1 broken requirement"), "{m}");
    assert!(
        m.contains("api 2.0.0 requires db ^3, but db is 2.9.0"),
        "{m}"
    );
    // Select db, enter, give it 3.0.0: the file changes (the system
    // version follows), the requirement holds, the session notes it.
    press(&mut d, "down enter");
    let Some(Overlay::Prompt(p)) = d.app.overlay() else {
        panic!("no version prompt: {:?}", d.app.overlay())
    };
    assert_eq!(p.input.text, "2.9.0");
    ctrl(&mut d, 'u');
    press(&mut d, "three enter");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Prompt(_))),
        "a bad version keeps the prompt"
    );
    ctrl(&mut d, 'u');
    press(&mut d, "3.0.0 enter");
    assert!(matches!(d.app.overlay(), Some(Overlay::Manifest { .. })));
    let m = screen(&d);
    assert!(m.contains("✔ every requirement holds"), "{m}");
    let file = std::fs::read_to_string(sb.repo.path().join("release-manifest.toml")).unwrap();
    assert!(file.contains("version = \"3.0.0\""), "{file}");
    let noted = on_disk(&sb)
        .state()
        .notes
        .iter()
        .any(|n| n.text == "manifest: db 2.9.0 → 3.0.0; system 2.0.0 → 3.0.0");
    assert!(noted, "{}", status(&d));
    // The same version again changes nothing and notes nothing; esc in
    // the prompt goes back to the manifest.
    let notes_before = on_disk(&sb).state().notes.len();
    press(&mut d, "enter enter");
    assert!(status(&d).contains("db is already 3.0.0"), "{}", status(&d));
    assert_eq!(on_disk(&sb).state().notes.len(), notes_before);
    press(&mut d, "enter esc");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Manifest(m)) if m.selected == 1),
        "{:?}",
        d.app.overlay()
    );
    press(&mut d, "esc");
    assert!(
        screen(&d).contains("Manifest: ✔ system 3.0.0, 2 components"),
        "{}",
        screen(&d)
    );

    // Y syncs by hand and says so.
    press(&mut d, "Y");
    assert!(status(&d).contains("synced with origin"), "{}", status(&d));

    // Finish the release: tag_on_complete tags HEAD, named after the
    // session, and records it; the tag is in the audit trail too.
    press(&mut d, "enter enter enter");
    press(&mut d, "enter y");
    wait(&mut d, "ship done", |a| {
        a.state().unwrap().steps[1].status == StepStatus::Done
    });
    press(&mut d, "@ j enter");
    press(&mut d, "enter a enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.status, SessionStatus::Completed, "{}", status(&d));
    let tag = format!("v{version}");
    assert_eq!(st.tags.len(), 1, "{}", status(&d));
    let repo = git2::Repository::open(sb.repo.path()).expect("repo");
    let t = repo
        .find_reference(&format!("refs/tags/{tag}"))
        .expect("tagged")
        .peel_to_tag()
        .expect("annotated");
    let message = String::from_utf8_lossy(t.message_bytes().unwrap_or_default()).into_owned();
    assert!(message.contains(st.id.as_str()), "{message}");
}

#[test]
fn a_failing_auto_sync_never_blocks_the_session() {
    let (sb, _origin) = sandbox_with_remote("remote = \"nowhere\"\nauto_sync = true");
    let mut d = driver(&sb);
    start_mini(&mut d);
    match &d.app.sync.status {
        Some(Ok(st)) => assert!(!st.remote_exists),
        other => panic!("no sync status: {other:?}"),
    }
    assert!(screen(&d).contains("audit: local only"), "{}", screen(&d));
    press(&mut d, "enter");
    let st = d.app.state().unwrap();
    assert_eq!(st.steps[0].status, StepStatus::Done, "{}", status(&d));
    assert!(
        status(&d).contains("audit sync failed (the session goes on"),
        "{}",
        status(&d)
    );
    assert!(screen(&d).contains("audit: sync failed"), "{}", screen(&d));
    // Nothing lost: the step is on disk.
    assert_eq!(on_disk(&sb).state().steps[0].status, StepStatus::Done);
}

/// A canary command that hangs: its output streams into Logs while it
/// runs, `x` in the Canary pane cancels it, the cancel is recorded and
/// the weight stays where it was.
#[test]
fn x_in_the_canary_pane_cancels_a_hanging_canary_command() {
    let sb = canary_sandbox_with(
        "[5, 100]",
        "echo moving to $GREENLIGHT_CANARY_WEIGHT; sleep 30",
    );
    let mut d = driver(&sb);
    // Background work answers through a channel, as in the terminal.
    let (outbox, rx) = outbox_channel();
    d.start_background(outbox);
    press(&mut d, "tab tab");
    assert_eq!(d.app.focus, Pane::Canary);
    press(&mut d, "w y");
    assert!(
        d.app.panes.canary.running.is_some(),
        "running: {}",
        status(&d)
    );
    assert!(status(&d).contains("x here cancels it"), "{}", status(&d));
    wait(&mut d, "the command's first line in Logs", |a| {
        let m = &a.panes.logs.model;
        m.buffer
            .iter_from(m.buffer.first())
            .any(|(_, l)| l.text() == "moving to 5")
    });
    press(&mut d, "x");
    assert!(status(&d).contains("cancelling"), "{}", status(&d));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while d.app.panes.canary.running.is_some() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let a = rx
            .recv_timeout(left)
            .expect("the command ends once cancelled");
        d.dispatch(a);
    }
    assert!(status(&d).contains("was cancelled"), "{}", status(&d));
    let st = on_disk(&sb).state().clone();
    assert_eq!(st.canary.weight, None, "the weight stays unset");
    let run = st.step("canary").unwrap().runs.last().cloned().unwrap();
    assert!(
        run.finished.as_ref().is_some_and(|f| f.1.cancelled),
        "{run:?}"
    );
}

/// Quitting while a canary command runs asks first, then cancels it and
/// records its end before the app goes: nothing it did is lost.
#[test]
fn quitting_while_a_canary_command_runs_asks_and_records_its_end() {
    let sb = canary_sandbox_with(
        "[5, 100]",
        "echo moving to $GREENLIGHT_CANARY_WEIGHT; sleep 30",
    );
    let mut d = driver(&sb);
    let (outbox, _rx) = outbox_channel();
    d.start_background(outbox);
    press(&mut d, "tab tab w y");
    assert!(d.app.panes.canary.running.is_some(), "{}", status(&d));
    press(&mut d, "q");
    let Some(Overlay::Confirm(c)) = d.app.overlay() else {
        panic!(
            "quit asks while the canary command runs: {:?}",
            d.app.overlay()
        )
    };
    assert!(c.lines[0].contains("(canary) is still running"), "{c:?}");
    press(&mut d, "y");
    assert!(d.app.quit);
    d.shutdown();
    let st = on_disk(&sb).state().clone();
    let run = st.step("canary").unwrap().runs.last().cloned().unwrap();
    assert!(
        run.finished.as_ref().is_some_and(|f| f.1.cancelled),
        "the end is recorded: {run:?}"
    );
    assert_eq!(st.canary.weight, None);
}

/// The team of the built-in feature release, for [`the_built_in_feature_release_through_the_app`].
const FEATURE_TEAM: &str = r#"
[[people]]
name = "Dana Developer"
email = "dana@example.com"
roles = ["developer"]

[[people]]
name = "Pat Product"
email = "pat@example.com"
roles = ["pm"]

[[people]]
name = "Dee Delivery"
email = "dee@example.com"
roles = ["dm"]

[[people]]
name = "Sam Security"
email = "sam@example.com"
roles = ["security"]

[canary]
source = "simulated"
weights = [50, 100]
min_observation = "1s"
"#;

/// Hand the keyboard to `name` with `@`, as a person would.
fn hand_to(d: &mut Driver, name: &str) {
    let to = d
        .app
        .people
        .iter()
        .position(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the roster"));
    let from = d.app.at_keyboard;
    press(d, "@");
    let moves = if to >= from { "j" } else { "k" };
    for _ in 0..to.abs_diff(from) {
        press(d, moves);
    }
    press(d, "enter");
    assert_eq!(d.app.person().map(|m| m.name.as_str()), Some(name));
}

/// Select `step` in the Checklist (focused).
fn select(d: &mut Driver, step: &str) {
    while d.app.focus != Pane::Checklist {
        press(d, "tab");
    }
    let i = d
        .app
        .state()
        .unwrap()
        .plan
        .steps
        .iter()
        .position(|p| p.id == step)
        .expect("step in the plan");
    d.app.panes.checklist.selected = i;
}

/// Complete `step` as the person at the keyboard: a plain check in one
/// key (with `note` added first with `c`), any other step started, then
/// completed with `note` where it asks for one (evidence).
fn start_and_complete(d: &mut Driver, step: &str, note: &str) {
    let typed = note.replace(' ', " space ");
    select(d, step);
    let plain = {
        let st = d.app.state().unwrap();
        let p = st.plan.step(step).unwrap();
        p.kind == "check" && p.run.is_none() && !p.evidence_required && p.ack.is_empty()
    };
    if plain {
        press(d, &format!("c {typed} enter"));
        select(d, step);
        press(d, "enter");
        let st = d.app.state().unwrap().step(step).unwrap().status;
        assert_eq!(st, StepStatus::Done, "{step}: {}", status(d));
        return;
    }
    press(d, "enter");
    // A gate with nothing to run opens its evidence prompt at once.
    if matches!(d.app.overlay(), Some(Overlay::Prompt(_))) {
        press(d, &format!("{typed} enter"));
        let st = d.app.state().unwrap().step(step).unwrap().status;
        assert_eq!(st, StepStatus::Done, "{step}: {}", status(d));
        return;
    }
    let st = d.app.state().unwrap().step(step).unwrap().status;
    assert_eq!(st, StepStatus::InProgress, "{step}: {}", status(d));
    select(d, step);
    press(d, "enter");
    if matches!(d.app.overlay(), Some(Overlay::Prompt(_))) {
        press(d, &format!("{typed} enter"));
    }
    let st = d.app.state().unwrap().step(step).unwrap().status;
    assert_eq!(st, StepStatus::Done, "{step}: {}", status(d));
}

/// A judgement of the simulated canary now, as the collector sends it.
fn judge_now(d: &mut Driver) {
    let snap = greenlight::tui::fixture::canary_snapshot(jiff::Timestamp::now(), false);
    d.dispatch(Action::CanaryJudged(Box::new(snap)));
}

/// The built-in feature release, start to end, through the app: each
/// owner at the keyboard for their steps, the gates' evidence asked for,
/// the DM's `A`, the canary plan to 100 %, the PM's sign-off, and
/// `enable-all` rolled back in the middle and run again. `status` and
/// `report` then read as what happened.
#[test]
fn the_built_in_feature_release_through_the_app() {
    let sb = Sandbox::new();
    let root = sb.repo.path();
    std::fs::write(root.join(".greenlight.toml"), FEATURE_TEAM).expect("config");
    std::fs::create_dir_all(root.join("deploy")).expect("deploy");
    script(
        root,
        "deploy/promote.sh",
        "echo \"promote $GREENLIGHT_VERSION\" >> deploy.log\n",
    );
    script(
        root,
        "deploy/rollback.sh",
        "echo \"rollback $GREENLIGHT_STEP\" >> deploy.log\n",
    );
    sb.ok(&["new", "--scenario", "feature-release", "--version", "1.4.0"]);
    let mut d = driver(&sb);
    assert_eq!(d.app.screen, Screen::Main, "{}", status(&d));

    hand_to(&mut d, "Pat Product");
    start_and_complete(&mut d, "impact", "no breaking change");
    hand_to(&mut d, "Sam Security");
    // A gate asks for its evidence: an empty answer is not taken.
    select(&mut d, "security-impact");
    press(&mut d, "enter");
    select(&mut d, "security-impact");
    press(&mut d, "enter enter");
    assert!(
        matches!(d.app.overlay(), Some(Overlay::Prompt(_))),
        "an empty evidence closed the prompt"
    );
    press(&mut d, "esc");
    select(&mut d, "security-impact");
    press(&mut d, "enter https://sec.example.com/77 enter");
    assert_eq!(
        d.app
            .state()
            .unwrap()
            .step("security-impact")
            .unwrap()
            .status,
        StepStatus::Done,
        "{}",
        status(&d)
    );
    hand_to(&mut d, "Dana Developer");
    start_and_complete(&mut d, "version", "1.4.0 agreed");
    start_and_complete(&mut d, "hotfix-plan", "reviewed");
    start_and_complete(
        &mut d,
        "release-candidate-tests",
        "https://ci.example.com/run/812",
    );
    start_and_complete(
        &mut d,
        "vulnerability-scan",
        "https://ci.example.com/scan/812",
    );
    select(&mut d, "checklist");
    press(&mut d, "enter");
    hand_to(&mut d, "Dee Delivery");
    select(&mut d, "checklist");
    press(&mut d, "A");
    hand_to(&mut d, "Dana Developer");
    select(&mut d, "checklist");
    press(&mut d, "enter");
    assert_eq!(
        d.app.state().unwrap().step("checklist").unwrap().status,
        StepStatus::Done,
        "{}",
        status(&d)
    );

    // The canary, in its pane: w sets the plan's weights, each after a
    // Promote judged there; the step completes at 100 %.
    select(&mut d, "canary");
    press(&mut d, "enter");
    if matches!(d.app.overlay(), Some(Overlay::Confirm(_))) {
        press(&mut d, "y");
    }
    assert_eq!(
        d.app.state().unwrap().step("canary").unwrap().status,
        StepStatus::InProgress,
        "{}",
        status(&d)
    );
    // The next-action line: the canary's first weight, `w` from here.
    let n = d.app.next_action().map(|n| n.text).unwrap_or_default();
    assert!(n.contains("start the canary at 50 % · w"), "{n}");
    // w works from the Checklist: the Canary pane takes the focus.
    press(&mut d, "w");
    assert_eq!(d.app.focus, Pane::Canary);
    assert_eq!(
        d.app.state().unwrap().canary.weight,
        Some(50),
        "{}",
        status(&d)
    );
    let n = d.app.next_action().map(|n| n.text).unwrap_or_default();
    assert!(n.contains("canary at 50 %"), "{n}");
    judge_now(&mut d);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    judge_now(&mut d);
    press(&mut d, "w");
    assert_eq!(
        d.app.state().unwrap().canary.weight,
        Some(100),
        "{}",
        status(&d)
    );
    judge_now(&mut d);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    judge_now(&mut d);
    select(&mut d, "canary");
    press(&mut d, "enter enter");
    assert_eq!(
        d.app.state().unwrap().step("canary").unwrap().status,
        StepStatus::Done,
        "{}",
        status(&d)
    );

    // The next-action line names whose approval the release waits for,
    // and how to get it from here.
    let next = |d: &Driver| d.app.next_action().map(|n| n.text).unwrap_or_default();
    let n = next(&d);
    assert!(n.contains("Pat Product's approval (pm)"), "{n}");
    assert!(n.contains("@ hands them the keyboard"), "{n}");
    assert!(n.contains("greenlight signoff --role pm --approve"), "{n}");
    hand_to(&mut d, "Pat Product");
    let n = next(&d);
    assert!(
        n.contains("Pat Product's approval (pm) · a approves"),
        "{n}"
    );
    select(&mut d, "pm-signoff");
    press(&mut d, "enter a canary space clean enter");
    let n = next(&d);
    assert!(n.contains("`enable-all`") && n.contains("enter"), "{n}");
    assert_eq!(
        d.app.state().unwrap().step("pm-signoff").unwrap().status,
        StepStatus::Done,
        "{}",
        status(&d)
    );

    // enable-all runs, is rolled back, and runs again.
    hand_to(&mut d, "Dana Developer");
    select(&mut d, "enable-all");
    press(&mut d, "enter y");
    wait(&mut d, "enable-all done", |a| {
        a.state().unwrap().step("enable-all").unwrap().status == StepStatus::Done
    });
    select(&mut d, "enable-all");
    press(&mut d, "r y");
    wait(&mut d, "enable-all rolled back", |a| {
        a.state().unwrap().step("enable-all").unwrap().status == StepStatus::RolledBack
    });
    // What requires it waits again.
    select(&mut d, "verify-production");
    press(&mut d, "enter");
    assert_eq!(
        d.app
            .state()
            .unwrap()
            .step("verify-production")
            .unwrap()
            .status,
        StepStatus::Pending
    );
    assert!(status(&d).contains("enable-all"), "{}", status(&d));
    select(&mut d, "enable-all");
    press(&mut d, "enter y");
    wait(&mut d, "enable-all done again", |a| {
        a.state().unwrap().step("enable-all").unwrap().status == StepStatus::Done
    });
    start_and_complete(&mut d, "verify-production", "dashboards green");
    start_and_complete(&mut d, "notify-complete", "told PM and DM");
    hand_to(&mut d, "Pat Product");
    start_and_complete(&mut d, "release-note", "published");
    assert_eq!(d.app.state().unwrap().status, SessionStatus::Completed);
    assert!(next(&d).contains("the release is complete"), "{}", next(&d));
    // The tag is offered; not now.
    assert!(matches!(d.app.overlay(), Some(Overlay::Confirm(_))));
    press(&mut d, "n");

    let log = std::fs::read_to_string(root.join("deploy.log")).expect("log");
    assert_eq!(log, "promote 1.4.0\nrollback enable-all\npromote 1.4.0\n");
    let st = sb.json(&["status", "--json"]);
    assert_eq!(st["summary"]["status"], "completed");
    assert_eq!(st["state"]["overrides"].as_array().map(Vec::len), Some(0));
    let report = sb.ok(&["report"]);
    for want in [
        "Roles: enforced",
        "`enable-all` rolled back",
        "acknowledged by Dee Delivery on Dana Developer's device as dm",
        "https://sec.example.com/77",
        "canary clean",
        "PROMOTE",
    ] {
        assert!(report.contains(want), "`{want}` missing:\n{report}");
    }
    let verify = sb.run(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        crate::common::stderr(&verify)
    );
}

/// Two clones, two data dirs, one bare remote: Dana's app follows the
/// remote. Pat approves on her clone and syncs; at Dana's app's next live
/// pull (`[audit] pull_interval`, here 2 s of the app's clock) the
/// approval is in Dana's cockpit, with nobody pressing `Y`.
#[test]
fn the_open_app_follows_a_sign_off_given_on_another_clone() {
    use crate::common::clones::{Machine, setup};
    let root = tempfile::tempdir().expect("root");
    let config = format!("{TEAM}\n[audit]\npull_interval = \"2s\"\n");
    let (_bare, clones) = setup(
        root.path(),
        &[
            (".greenlight.toml", config.as_str()),
            (".greenlight/playbooks/mini.toml", MINI),
        ],
        2,
    );
    let dana = Machine::new(&clones[0], "Dana Developer", "dana@example.com");
    let pat = Machine::new(&clones[1], "Pat Product", "pat@example.com");
    for (name, body) in [
        ("deploy.sh", "echo deploying\n"),
        ("undo.sh", "echo undoing\n"),
    ] {
        script(&clones[0], name, body);
    }
    dana.ok(&["new", "--scenario", "mini"]);
    dana.ok(&["step", "done", "prep"]);
    dana.ok(&["step", "run", "ship", "--yes"]);
    dana.ok(&["audit", "sync"]);
    let ws = Workspace::open_in(
        &clones[0],
        &Overrides {
            name: Some("Dana Developer".into()),
            email: Some("dana@example.com".into()),
        },
        Store::at(dana.home.path().to_path_buf()),
    )
    .expect("workspace");
    let choice = Choice {
        theme: Theme::no_color("default"),
        warning: None,
    };
    let mut d = Driver::new(ws, choice, Keymap::default());
    d.dispatch(Action::Resize {
        width: 100,
        height: 30,
    });
    d.boot(None).expect("boot");
    let t0 = jiff::Timestamp::now();
    d.dispatch(Action::Tick(t0));
    assert!(
        d.app.sync.is_live(),
        "the app follows the remote: {:?}",
        d.app.sync.status
    );

    // Pat, on her own clone, pulls the session and approves it.
    pat.ok(&["audit", "sync"]);
    let id = dana.session_dirs()[0]
        .file_name()
        .expect("id")
        .to_string_lossy()
        .into_owned();
    pat.ok(&["signoff", "--session", &id, "--role", "pm", "--approve"]);
    pat.ok(&["audit", "sync"]);
    // Not yet due: nothing comes in.
    d.dispatch(Action::Tick(t0 + jiff::SignedDuration::from_secs(1)));
    assert_eq!(
        d.app.state().unwrap().steps[2].status,
        StepStatus::Pending,
        "{}",
        status(&d)
    );
    // Due: the live pull brings the approval in.
    d.dispatch(Action::Tick(t0 + jiff::SignedDuration::from_secs(2)));
    let st = d.app.state().unwrap();
    assert_eq!(st.status, SessionStatus::Completed, "{}", status(&d));
    let dec = &st.steps[2].decisions[0];
    assert_eq!(dec.by.who.name, "Pat Product");
    assert!(d.app.sync.failed.is_none(), "{:?}", d.app.sync.failed);
}

/// The app tells `[[notify]]` targets too: completing the step before a
/// sign-off sends `signoff_requested` (off the UI thread in a terminal;
/// here, scripted, at once). The target fails the first time; the app
/// tries again on its own a little later, and the sign-off step's details
/// list both attempts.
#[test]
fn the_app_notifies_when_a_sign_off_becomes_ready_and_retries_on_its_own() {
    let sb = sandbox();
    let root = sb.repo.path();
    let cfg = std::fs::read_to_string(root.join(".greenlight.toml")).expect("config");
    std::fs::write(
        root.join(".greenlight.toml"),
        format!(
            "{cfg}\n[[notify]]\nname = \"log\"\nkind = \"command\"\ncommand = \"if [ ! -f seen ]; then touch seen; echo busy >&2; exit 1; fi; cat >> notified.log; echo >> notified.log\"\non = [\"signoff_requested\"]\n"
        ),
    )
    .expect("config");
    sb.ok(&["new", "--scenario", "mini"]);
    let mut d = driver(&sb);
    press(&mut d, "enter enter enter");
    press(&mut d, "g j enter y");
    wait(&mut d, "ship done", |a| {
        a.state().unwrap().steps[1].status == StepStatus::Done
    });
    let st = d.app.state().unwrap();
    assert_eq!(st.notifications.len(), 1);
    assert!(!st.notifications[0].1.ok, "{:?}", st.notifications[0].1);
    // The wait after a first failure is 2 s; the app looks again on its tick.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let t0 = jiff::Timestamp::now();
    d.dispatch(Action::Tick(t0));
    d.dispatch(Action::Tick(t0 + jiff::SignedDuration::from_secs(20)));
    let st = d.app.state().unwrap();
    assert_eq!(st.notifications.len(), 2, "{:?}", st.notifications);
    assert!(st.notifications[1].1.ok, "{:?}", st.notifications[1].1);
    let log = std::fs::read_to_string(root.join("notified.log")).unwrap_or_default();
    let bodies: Vec<&str> = log.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(bodies.len(), 1, "{log}");
    assert!(
        bodies[0].contains("\"moment\":\"signoff_requested\""),
        "{}",
        bodies[0]
    );
    assert!(bodies[0].contains("--role pm --approve"), "{}", bodies[0]);
    // The sign-off step's record names its deliveries.
    select(&mut d, "go");
    let screen = screen(&d);
    assert!(
        screen.contains("✉✘ hh:mm:ss log told of signoff requested: exit"),
        "{screen}"
    );
    assert!(
        screen.contains("✉ hh:mm:ss log told of signoff requested: exit 0"),
        "{screen}"
    );
}
