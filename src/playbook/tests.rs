//! Unit tests for parsing and every validation problem: each asserts the
//! file, line, column and text a person would see.

use std::time::Duration;

use super::*;

const FILE: &str = "pb.toml";

fn parse_file(text: &str) -> Result<Playbook, PlaybookErrors> {
    parse(text, Origin::File(FILE.into()))
}

/// All problems as (line, column, text).
fn problems(text: &str) -> Vec<(usize, usize, String)> {
    match parse_file(text) {
        Ok(p) => panic!("expected errors, parsed {p:?}"),
        Err(e) => {
            e.0.into_iter()
                .map(|e| {
                    assert_eq!(e.file, FILE);
                    (e.line, e.column, e.problem)
                })
                .collect()
        }
    }
}

/// The single problem in `text`.
fn problem(text: &str) -> (usize, usize, String) {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    all.remove(0)
}

const HEAD: &str = "id = \"pb\"\n";

#[test]
fn a_minimal_playbook_gets_defaults() {
    let p = parse_file("id = \"pb\"\n[[steps]]\nid = \"a\"\nowner = \"pm\"\n").unwrap();
    assert_eq!(p.id, "pb");
    assert_eq!(p.title, "pb", "title defaults to the id");
    assert_eq!(p.origin, Origin::File(FILE.into()));
    let a = &p.steps[0];
    assert_eq!(a.title, "a");
    assert_eq!(a.kind, StepKind::Check);
    assert_eq!(a.owner, Role::Pm);
    assert!(a.description.is_empty() && a.requires.is_empty() && !a.confirm);
    assert_eq!((a.run.as_deref(), a.timeout), (None, None));
}

#[test]
fn every_step_field_is_read() {
    let text = r#"
id = "pb"
title = "A playbook"
description = "Why it exists"

[[steps]]
id = "a"
owner = "developer"

[[steps]]
id = "ship"
title = "Ship it"
description = "How"
owner = "on-call"
with = ["tech-lead", "sre"]
kind = "command"
requires = ["a"]
run = "./deploy/promote.sh"
rollback = "./deploy/rollback.sh"
confirm = true
timeout = "1h 30m"
evidence = ["deploy log"]
covers = ["enable-for-all"]
"#;
    let p = parse_file(text).unwrap();
    assert_eq!(
        (p.title.as_str(), p.description.as_str()),
        ("A playbook", "Why it exists")
    );
    let ship = p.step("ship").unwrap();
    assert_eq!(
        ship,
        &Step {
            id: "ship".into(),
            title: "Ship it".into(),
            description: "How".into(),
            owner: Role::OnCall,
            with: vec![Role::TechLead, Role::Sre],
            kind: StepKind::Command,
            requires: vec!["a".into()],
            roles: vec![],
            run: Some("./deploy/promote.sh".into()),
            rollback: Some("./deploy/rollback.sh".into()),
            confirm: true,
            timeout: Some(Duration::from_secs(90 * 60)),
            evidence: vec!["deploy log".into()],
            covers: vec!["enable-for-all".into()],
            weights: vec![],
            min_observation: None,
            evidence_required: false,
            sarif: None,
            fail_on: None,
            manifest: false,
            ack: vec![],
            notify: None,
            options: vec![],
            when: Default::default(),
        }
    );
}

#[test]
fn the_design_example_parses_once_owners_are_given() {
    // DESIGN.md §4, with the owners the brief makes mandatory.
    let text = r#"
id = "feature-release"
title = "Ship a new feature to a live product"
[[steps]]
id = "impact"
title = "Assess the impact of the new version"
owner = "pm"
with = ["tech-lead"]
kind = "check"
[[steps]]
id = "canary"
owner = "developer"
kind = "canary"
requires = ["impact"]
[[steps]]
id = "go"
owner = "pm"
kind = "signoff"
roles = ["pm"]
requires = ["canary"]
[[steps]]
id = "enable-all"
owner = "developer"
kind = "command"
run = "./deploy/promote.sh"
rollback = "./deploy/rollback.sh"
confirm = true
timeout = "10m"
requires = ["go"]
"#;
    let p = parse_file(text).unwrap();
    assert_eq!(
        p.step_ids().collect::<Vec<_>>(),
        ["impact", "canary", "go", "enable-all"]
    );
    assert_eq!(p.step("go").unwrap().roles, [Role::Pm]);
    assert_eq!(
        p.step("enable-all").unwrap().timeout,
        Some(Duration::from_secs(600))
    );
}

#[test]
fn toml_syntax_errors_point_at_the_broken_spot() {
    let (line, column, text) = problem("id = \"pb\"\n[[steps]\nid = \"a\"\n");
    assert_eq!((line, column), (2, 9));
    assert_eq!(text, "invalid TOML: unclosed array table, expected `]`");
}

#[test]
fn every_syntax_error_is_reported() {
    let all = problems("id = \"pb\"\n[[steps]\nid = \"a\"\nowner = = \"pm\"\n");
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!((all[0].0, all[1].0), (2, 4));
}

#[test]
fn a_duplicate_key_is_named() {
    assert_eq!(
        problem("id = \"pb\"\nid = \"other\"\n"),
        (2, 1, "invalid TOML: duplicate key `id`".into())
    );
}

#[test]
fn an_unknown_top_level_key_is_named_with_the_allowed_keys() {
    let text = format!("{HEAD}titel = \"x\"\n[[steps]]\nid = \"a\"\nowner = \"pm\"\n");
    assert_eq!(
        problem(&text),
        (
            2,
            1,
            "unknown key `titel` at the top level (did you mean `title`?); \
             allowed keys: id, title, description, steps"
                .into()
        )
    );
}

#[test]
fn an_unknown_step_key_is_named_with_the_step_and_the_allowed_keys() {
    let text = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\n  needs = [\"b\"]\n");
    let (line, column, msg) = problem(&text);
    assert_eq!((line, column), (5, 3));
    assert_eq!(
        msg,
        "unknown key `needs` in step `a`; allowed keys: id, title, description, owner, \
         with, kind, requires, roles, run, rollback, confirm, timeout, evidence, covers, \
         weights, min_observation, evidence_required, sarif, fail_on, manifest, ack, notify, options, when"
    );
}

#[test]
fn an_unknown_role_lists_the_valid_roles_and_suggests_one() {
    let text = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"techlead\"\n");
    assert_eq!(
        problem(&text),
        (
            4,
            9,
            "unknown role `techlead` (did you mean `tech-lead`?); valid roles: \
             pm, dm, developer, tech-lead, on-call, security, sre"
                .into()
        )
    );
}

#[test]
fn unknown_roles_in_with_and_roles_point_at_each_entry() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nwith = [\"dm\", \"qa\"]\n\
         kind = \"signoff\"\nroles = [\"boss\"]\n"
    );
    let all = problems(&text);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!((all[0].0, all[0].1), (5, 15));
    assert!(
        all[0]
            .2
            .starts_with("unknown role `qa`; valid roles: pm, dm,")
    );
    assert_eq!((all[1].0, all[1].1), (7, 10));
    assert!(all[1].2.starts_with("unknown role `boss`;"));
}

#[test]
fn an_unknown_kind_lists_the_valid_kinds() {
    let text = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nkind = \"manual\"\n");
    assert_eq!(
        problem(&text),
        (
            5,
            8,
            "unknown kind `manual`; valid kinds: check, command, canary, signoff, gate, decision"
                .into()
        )
    );
}

#[test]
fn a_duplicate_step_id_says_where_the_first_one_is() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\n[[steps]]\nid = \"a\"\nowner = \"dm\"\n"
    );
    assert_eq!(
        problem(&text),
        (
            6,
            6,
            "duplicate step id `a`; the first one is at line 3, column 6".into()
        )
    );
}

#[test]
fn a_missing_requirement_is_named_with_the_closest_step() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"impact\"\nowner = \"pm\"\n\
         [[steps]]\nid = \"go\"\nowner = \"pm\"\nrequires = [\"impcat\", \"nothing-like-it\"]\n"
    );
    let all = problems(&text);
    assert_eq!(
        all,
        vec![
            (
                8,
                13,
                "step `go` requires `impcat`, which is not a step of this playbook \
                 (did you mean `impact`?)"
                    .to_owned()
            ),
            (
                8,
                23,
                "step `go` requires `nothing-like-it`, which is not a step of this playbook"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn a_cycle_is_named_step_by_step() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nrequires = [\"c\"]\n\
         [[steps]]\nid = \"b\"\nowner = \"pm\"\nrequires = [\"a\"]\n\
         [[steps]]\nid = \"c\"\nowner = \"pm\"\nrequires = [\"b\"]\n"
    );
    assert_eq!(
        problem(&text),
        (
            5,
            13,
            "`requires` makes a cycle: a -> c -> b -> a (each step requires the next)".into()
        )
    );
}

#[test]
fn a_step_requiring_itself_is_a_cycle() {
    let text = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nrequires = [\"a\"]\n");
    assert_eq!(
        problem(&text),
        (
            5,
            13,
            "`requires` makes a cycle: a -> a (each step requires the next)".into()
        )
    );
}

#[test]
fn a_command_step_needs_run() {
    let text = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nkind = \"command\"\n");
    assert_eq!(
        problem(&text),
        (
            5,
            8,
            "command step `a` has no `run`: give the command to run with sh -c".into()
        )
    );
}

#[test]
fn an_empty_run_is_reported() {
    let text =
        format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nkind = \"command\"\nrun = \" \"\n");
    assert_eq!(
        problem(&text),
        (6, 7, "`run` is empty: give the command to run".into())
    );
}

#[test]
fn run_and_rollback_belong_to_command_steps() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nrun = \"make\"\nrollback = \"undo\"\n"
    );
    assert_eq!(
        problems(&text),
        vec![
            (
                5,
                1,
                "`run` is only allowed on command and gate steps, and step `a` is kind = \"check\""
                    .into()
            ),
            (
                6,
                1,
                "`rollback` is only allowed on command and canary steps, and step `a` is \
                 kind = \"check\""
                    .into()
            ),
        ]
    );
}

#[test]
fn a_signoff_step_needs_roles() {
    let text = format!("{HEAD}[[steps]]\nid = \"go\"\nowner = \"pm\"\nkind = \"signoff\"\n");
    assert_eq!(
        problem(&text),
        (
            5,
            8,
            "signoff step `go` has no `roles`: list who must approve, e.g. roles = [\"pm\"]".into()
        )
    );
}

#[test]
fn a_signoff_step_needs_at_least_one_role() {
    let text =
        format!("{HEAD}[[steps]]\nid = \"go\"\nowner = \"pm\"\nkind = \"signoff\"\nroles = []\n");
    assert_eq!(
        problem(&text),
        (
            6,
            9,
            "`roles` is empty: signoff step `go` needs at least one role to approve".into()
        )
    );
}

#[test]
fn roles_are_only_for_signoff_steps() {
    let text = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nroles = [\"dm\"]\n");
    assert_eq!(
        problem(&text),
        (
            5,
            1,
            "`roles` is only allowed on signoff steps, and step `a` is kind = \"check\" \
             (use `with` for helpers)"
                .into()
        )
    );
}

#[test]
fn step_ids_must_be_lowercase_words_joined_by_dashes() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"\"\nowner = \"pm\"\n[[steps]]\nid = \"Run Tests\"\nowner = \"pm\"\n"
    );
    assert_eq!(
        problems(&text),
        vec![
            (3, 6, "step id is empty".into()),
            (
                6,
                6,
                "step id `Run Tests` may only contain lowercase letters, digits and '-'".into()
            ),
        ]
    );
}

#[test]
fn a_playbook_needs_steps() {
    assert_eq!(
        problem(HEAD),
        (
            1,
            1,
            "the playbook has no steps: add at least one `[[steps]]` table".into()
        )
    );
    assert_eq!(
        problem(&format!("{HEAD}steps = []\n")),
        (
            2,
            1,
            "the playbook has no steps: add at least one `[[steps]]` table".into()
        )
    );
}

#[test]
fn steps_must_be_an_array_of_tables() {
    let (line, column, text) = problem(&format!("{HEAD}[steps]\nid = \"a\"\n"));
    assert_eq!((line, column), (2, 1));
    assert_eq!(
        text,
        "`steps` must be an array of tables (write each step under `[[steps]]`), found table"
    );
    assert_eq!(
        problem(&format!("{HEAD}steps = [1]\n")),
        (2, 10, "each step must be a table, found integer".into())
    );
}

#[test]
fn required_keys_are_reported_at_the_step_header() {
    let all = problems("[[steps]]\ntitle = \"nothing else\"\n");
    assert_eq!(
        all,
        vec![
            (
                1,
                1,
                "missing key `id`: every playbook needs an id such as \"feature-release\"".into()
            ),
            (1, 1, "a step has no `id`".into()),
            (
                1,
                1,
                "this step has no `owner`; valid roles: pm, dm, developer, tech-lead, on-call, \
                 security, sre"
                    .into()
            ),
        ]
    );
}

#[test]
fn wrong_value_types_are_named() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\n\
         [[steps]]\nid = \"b\"\nowner = \"pm\"\nconfirm = \"yes\"\nrequires = \"a\"\ntitle = 3\n"
    );
    assert_eq!(
        problems(&text),
        vec![
            (
                8,
                11,
                "`confirm` must be true or false, found string".into()
            ),
            (
                9,
                12,
                "`requires` must be an array of strings (write requires = [\"…\"]), found string"
                    .into()
            ),
            (10, 9, "`title` must be a string, found integer".into()),
        ]
    );
}

#[test]
fn a_bad_value_is_not_also_reported_as_missing() {
    // A wrong-typed `owner` or `run` is one problem, not two.
    let text =
        format!("{HEAD}[[steps]]\nid = \"a\"\nowner = 1\nkind = \"command\"\nrun = [\"make\"]\n");
    assert_eq!(problems(&text).len(), 2);
    let bad_id = problems("id = 7\n[[steps]]\nid = \"a\"\nowner = \"pm\"\n");
    assert_eq!(
        bad_id,
        vec![(1, 6, "`id` must be a string, found integer".into())]
    );
}

#[test]
fn timeouts_are_humantime_durations_above_zero() {
    let step = |t: &str| format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\ntimeout = {t}\n");
    let (line, column, text) = problem(&step("\"10 parsecs\""));
    assert_eq!((line, column), (5, 11));
    assert!(text.starts_with("`timeout` is not a duration ("), "{text}");
    assert!(
        text.ends_with("write e.g. \"30s\", \"10m\" or \"1h\""),
        "{text}"
    );
    assert_eq!(
        problem(&step("\"0s\"")),
        (5, 11, "`timeout` must be longer than zero".into())
    );
    assert_eq!(
        problem(&step("600")),
        (
            5,
            11,
            "`timeout` must be a duration string such as \"10m\", found integer".into()
        )
    );
    let ok = parse_file(&step("\"30s\"")).unwrap();
    assert_eq!(ok.steps[0].timeout, Some(Duration::from_secs(30)));
}

#[test]
fn covers_tags_use_the_id_alphabet() {
    let text =
        format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\ncovers = [\"Canary Release\"]\n");
    assert_eq!(
        problem(&text),
        (
            5,
            11,
            "`covers` tag `Canary Release` may only contain lowercase letters, digits and '-'"
                .into()
        )
    );
}

#[test]
fn all_problems_are_reported_in_position_order() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"boss\"\nrequires = [\"zz\"]\n\
         [[steps]]\nid = \"a\"\nowner = \"pm\"\nkind = \"signoff\"\nextra = 1\n"
    );
    let all = problems(&text);
    let positions: Vec<(usize, usize)> = all.iter().map(|(l, c, _)| (*l, *c)).collect();
    assert_eq!(
        positions,
        [(4, 9), (5, 13), (7, 6), (9, 8), (10, 1)],
        "{all:#?}"
    );
}

#[test]
fn errors_display_file_line_column_and_problem() {
    let errors = parse_file("id = \"pb\"\n").unwrap_err();
    assert_eq!(
        errors.to_string(),
        "pb.toml:1:1: the playbook has no steps: add at least one `[[steps]]` table"
    );
    let builtin = parse("id = \"pb\"\n", Origin::Builtin).unwrap_err();
    assert_eq!(builtin.0[0].file, "<built-in>");
}

#[test]
fn no_input_makes_the_parser_panic() {
    // Deterministic mutations of every built-in: cut, deleted, duplicated
    // and replaced bytes. Any result is fine; a panic is not.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let noise = [
        "\"",
        "[",
        "]]",
        "=",
        "\n",
        "ü",
        "#",
        "{",
        ",",
        "requires = [\"x\"]\n",
    ];
    for (_, text) in catalog_texts() {
        for _ in 0..150 {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..=next(4) {
                let at = next(bytes.len());
                match next(4) {
                    0 => bytes.truncate(at),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 => {}
                    2 => {
                        let piece = noise[next(noise.len())].as_bytes();
                        bytes.splice(at..at, piece.iter().copied());
                    }
                    _ => {
                        let piece = text.as_bytes()[..next(text.len())].to_vec();
                        bytes.splice(at..at, piece);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let mutated = String::from_utf8_lossy(&bytes);
            let _ = parse_file(&mutated);
        }
    }
}

fn catalog_texts() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "feature-release",
            include_str!("../../assets/playbooks/feature-release.toml"),
        ),
        ("hotfix", include_str!("../../assets/playbooks/hotfix.toml")),
        (
            "mvp-launch",
            include_str!("../../assets/playbooks/mvp-launch.toml"),
        ),
        (
            "release-train",
            include_str!("../../assets/playbooks/release-train.toml"),
        ),
    ]
}

#[test]
fn topological_order_keeps_file_order_where_it_can() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"go\"\nowner = \"pm\"\nrequires = [\"b\", \"a\"]\n\
         [[steps]]\nid = \"a\"\nowner = \"pm\"\n\
         [[steps]]\nid = \"b\"\nowner = \"pm\"\nrequires = [\"a\"]\n"
    );
    let p = parse_file(&text).unwrap();
    let order: Vec<&str> = p
        .topological_order()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(order, ["a", "b", "go"]);
    assert_eq!(
        p.prerequisites("go").into_iter().collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(p.prerequisites("a").is_empty());
    assert!(p.prerequisites("missing").is_empty());
    assert!(p.step("missing").is_none());
}

#[test]
fn roles_and_kinds_round_trip_through_their_names() {
    for role in Role::ALL {
        assert_eq!(role.to_string().parse::<Role>(), Ok(role));
        assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
    }
    assert_eq!("tech-lead".parse::<Role>(), Ok(Role::TechLead));
    assert_eq!(
        "boss".parse::<Role>().unwrap_err().to_string(),
        "unknown role `boss`; valid roles: pm, dm, developer, tech-lead, on-call, security, sre"
    );
    for kind in StepKind::ALL {
        assert_eq!(kind.to_string().parse::<StepKind>(), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    assert!("Check".parse::<StepKind>().is_err());
}

#[test]
fn json_shows_durations_as_text_and_round_trips() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"on-call\"\nkind = \"command\"\nrun = \"x\"\ntimeout = \"10m\"\n"
    );
    let p = parse_file(&text).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["steps"][0]["timeout"], "10m");
    assert_eq!(json["steps"][0]["owner"], "on-call");
    assert_eq!(json["origin"]["file"], FILE);
    let back: Playbook = serde_json::from_value(json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn a_canary_step_may_set_its_own_weights_and_observation() {
    let text = format!(
        "{HEAD}[[steps]]\nid = \"c\"\nowner = \"developer\"\nkind = \"canary\"\nweights = [10, 50, 100]\nmin_observation = \"2m\"\n"
    );
    let p = parse_file(&text).expect("valid");
    assert_eq!(p.steps[0].weights, vec![10, 50, 100]);
    assert_eq!(
        p.steps[0].min_observation,
        Some(std::time::Duration::from_secs(120))
    );
    let plan = crate::session::Plan::from(&p);
    assert_eq!(plan.steps[0].weights, vec![10, 50, 100]);
    assert_eq!(plan.steps[0].min_observation_secs, Some(120));
}

#[test]
fn bad_weights_are_reported_where_they_are() {
    let step = |w: &str| {
        format!(
            "{HEAD}[[steps]]\nid = \"c\"\nowner = \"developer\"\nkind = \"canary\"\nweights = {w}\n"
        )
    };
    assert_eq!(
        problem(&step("[10, 0, 100]")),
        (
            6,
            16,
            "each weight must be a whole percentage from 1 to 100".into()
        )
    );
    assert_eq!(
        problem(&step("[50, 10, 100]")),
        (6, 16, "weights must rise: 10 comes after 50".into())
    );
    assert_eq!(
        problem(&step("[10, 50]")),
        (
            6,
            11,
            "the last weight must be 100: the canary ends with all the traffic".into()
        )
    );
    assert_eq!(
        problem(&step("\"10%\"")),
        (
            6,
            11,
            "`weights` must be an array of percentages such as [10, 50, 100], found string".into()
        )
    );
    let check = format!(
        "{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nweights = [100]\nmin_observation = \"soon\"\n"
    );
    assert_eq!(
        problems(&check),
        vec![
            (
                5,
                1,
                "`weights` is only allowed on canary steps, and step `a` is kind = \"check\"".into()
            ),
            (
                6,
                19,
                "`min_observation` is not a duration (expected number at 0); write e.g. \"30s\", \"10m\" or \"1h\"".into()
            ),
        ]
    );
    let sub_second = format!(
        "{HEAD}[[steps]]\nid = \"c\"\nowner = \"developer\"\nkind = \"canary\"\nmin_observation = \"500ms\"\n"
    );
    assert_eq!(
        problem(&sub_second),
        (
            6,
            19,
            "`min_observation` must be at least one second".into()
        )
    );
    let check = format!("{HEAD}[[steps]]\nid = \"a\"\nowner = \"pm\"\nweights = [100]\n");
    assert_eq!(
        problem(&check),
        (
            5,
            1,
            "`weights` is only allowed on canary steps, and step `a` is kind = \"check\"".into()
        )
    );
}

/// Decision steps: options, `when` naming a decision and one of its
/// options, each mistake at its line and column.
#[test]
fn decisions_and_conditions_are_validated_where_written() {
    let good = r#"
id = "d"
[[steps]]
id = "go"
owner = "pm"
kind = "decision"
options = ["alone", "train"]
[[steps]]
id = "ride"
owner = "dm"
when = { go = "train" }
"#;
    let p = parse_file(good).unwrap();
    let ride = p.step("ride").unwrap();
    assert_eq!(ride.when.get("go").map(String::as_str), Some("train"));
    assert_eq!(p.step("go").unwrap().options, vec!["alone", "train"]);
    // `when` orders the steps like `requires`.
    let order: Vec<&str> = p
        .topological_order()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(order, vec!["go", "ride"]);

    let bad = |text: &str| -> Vec<String> {
        problems(text)
            .into_iter()
            .map(|(l, c, m)| format!("{l}:{c}: {m}"))
            .collect()
    };
    let unknown_step = bad(r#"id = "d"
[[steps]]
id = "go"
owner = "pm"
kind = "decision"
options = ["alone", "train"]
[[steps]]
id = "ride"
owner = "dm"
when = { og = "train" }
"#);
    assert_eq!(
        unknown_step,
        vec![
            "10:10: step `ride` has a `when` on `og`, which is not a step of this playbook (did you mean `go`?)"
        ]
    );
    let unknown_option = bad(r#"id = "d"
[[steps]]
id = "go"
owner = "pm"
kind = "decision"
options = ["alone", "train"]
[[steps]]
id = "ride"
owner = "dm"
when = { go = "trian" }
"#);
    assert_eq!(
        unknown_option,
        vec![
            "10:15: `trian` is not an option of decision `go` (did you mean `train`?); its options: alone, train"
        ]
    );
    let not_a_decision = bad(r#"id = "d"
[[steps]]
id = "go"
owner = "pm"
[[steps]]
id = "ride"
owner = "dm"
when = { go = "yes" }
"#);
    assert_eq!(not_a_decision.len(), 1, "{not_a_decision:?}");
    assert!(
        not_a_decision[0].starts_with(
            "8:10: step `ride` depends on `go` in `when`, which is not a decision step"
        ),
        "{not_a_decision:?}"
    );
    let cycle = bad(r#"id = "d"
[[steps]]
id = "go"
owner = "pm"
kind = "decision"
options = ["alone", "train"]
requires = ["ride"]
[[steps]]
id = "ride"
owner = "dm"
when = { go = "train" }
"#);
    assert_eq!(
        cycle,
        vec![
            "7:13: `requires` and `when` make a cycle: go -> ride -> go (each step waits on the next)"
        ]
    );
    let no_options = bad(r#"id = "d"
[[steps]]
id = "go"
owner = "pm"
kind = "decision"
options = ["only"]
[[steps]]
id = "x"
owner = "pm"
options = ["a", "b"]
"#);
    assert_eq!(
        no_options,
        vec![
            "6:11: decision step `go` needs at least two `options` to choose from",
            "10:1: `options` is only allowed on decision steps, and step `x` is kind = \"check\"",
        ]
    );
}
