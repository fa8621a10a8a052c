//! Checks on the draft as a whole: required keys, what each kind needs,
//! id format, duplicate ids, `requires` targets and cycles. Builds the
//! [`Playbook`] only when nothing is wrong.

use std::collections::HashMap;

use super::error::Problems;
use super::graph;
use super::model::{Origin, Playbook, Role, Step, StepKind};
use super::read::{Draft, DraftStep};
use super::suggest;

/// Check everything, then build the playbook if no problem was found
/// (here or while reading).
pub(super) fn validate(draft: Draft, origin: Origin, p: &mut Problems<'_>) -> Option<Playbook> {
    check_playbook(&draft, p);
    for step in &draft.steps {
        check_step(step, p);
    }
    check_graph(&draft.steps, p);
    if !p.is_empty() {
        return None;
    }
    build(draft, origin)
}

fn check_playbook(draft: &Draft, p: &mut Problems<'_>) {
    match &draft.id {
        None if draft.id_written => {}
        None => p.at(
            0..0,
            "missing key `id`: every playbook needs an id such as \"feature-release\"",
        ),
        Some(id) => check_id(p, "playbook id", &id.value, id.span.clone()),
    }
    if draft.steps.is_empty() && !draft.steps_malformed {
        p.at(
            draft.steps_span.clone(),
            "the playbook has no steps: add at least one `[[steps]]` table",
        );
    }
}

fn check_step(step: &DraftStep, p: &mut Problems<'_>) {
    let name = step.id.as_ref().map_or_else(
        || "this step".to_owned(),
        |id| format!("step `{}`", id.value),
    );
    match &step.id {
        Some(id) => check_id(p, "step id", &id.value, id.span.clone()),
        None if !step.wrote("id") => p.at(step.header.clone(), "a step has no `id`"),
        None => {}
    }
    if !step.wrote("owner") {
        p.at(
            step.header.clone(),
            format!("{name} has no `owner`; valid roles: {}", Role::names()),
        );
    }
    for tag in &step.covers {
        if !is_valid_id(tag.get_ref()) {
            p.at(
                tag.span(),
                format!(
                    "`covers` tag `{}` may only contain lowercase letters, digits and '-'",
                    tag.get_ref()
                ),
            );
        }
    }
    for (key, field) in [("run", &step.run), ("rollback", &step.rollback)] {
        if let Some(f) = field
            && f.value.trim().is_empty()
        {
            p.at(
                f.span.clone(),
                format!("`{key}` is empty: give the command to run"),
            );
        }
    }
    // An unknown kind is already reported; what it would need is unknowable.
    if let Some(kind) = step.kind {
        check_kind_needs(step, kind, &name, p);
    }
}

/// What each kind of step needs, and what it must not have.
fn check_kind_needs(step: &DraftStep, kind: StepKind, name: &str, p: &mut Problems<'_>) {
    let kind_span = step.kind_span.clone().unwrap_or(step.header.clone());
    match (kind, &step.run) {
        (StepKind::Command, None) if !step.wrote("run") => p.at(
            kind_span.clone(),
            format!("command {name} has no `run`: give the command to run with sh -c"),
        ),
        (StepKind::Command | StepKind::Gate, _) | (_, None) => {}
        (_, Some(run)) => p.at(
            run.key.clone(),
            format!(
                "`run` is only allowed on command and gate steps, and {name} is kind = \"{kind}\""
            ),
        ),
    }
    for (key, span) in [
        ("sarif", step.sarif.as_ref().map(|w| w.key.clone())),
        ("fail_on", step.fail_on.as_ref().map(|m| m.key.clone())),
    ] {
        if let Some(span) = span
            && kind != StepKind::Gate
        {
            p.at(
                span,
                format!("`{key}` is only allowed on gate steps, and {name} is kind = \"{kind}\""),
            );
        }
    }
    if let Some(sarif) = &step.sarif
        && sarif.value.trim().is_empty()
    {
        p.at(
            sarif.span.clone(),
            "`sarif` is empty: give the report's path, relative to the repository",
        );
    }
    if let (Some(fail_on), None) = (&step.fail_on, &step.sarif) {
        p.at(
            fail_on.key.clone(),
            format!("`fail_on` needs `sarif` (the report it judges) in {name}"),
        );
    }
    if let Some(m) = &step.manifest
        && m.value
        && matches!(
            kind,
            StepKind::Signoff | StepKind::Canary | StepKind::Command
        )
    {
        p.at(
            m.key.clone(),
            format!(
                "`manifest = true` is for check and gate steps, and {name} is kind = \"{kind}\""
            ),
        );
    }
    match (&step.options, kind) {
        (None, StepKind::Decision) => p.at(
            kind_span.clone(),
            format!(
                "decision {name} has no `options`: name the choices, e.g. options = [\"independent\", \"train\"]"
            ),
        ),
        (Some(o), StepKind::Decision) => {
            if o.value.len() < 2 {
                p.at(
                    o.span.clone(),
                    format!("decision {name} needs at least two `options` to choose from"),
                );
            }
            for (i, opt) in o.value.iter().enumerate() {
                if !is_valid_id(opt.get_ref()) {
                    p.at(
                        opt.span(),
                        format!(
                            "option `{}` may only contain lowercase letters, digits and '-'",
                            opt.get_ref()
                        ),
                    );
                } else if o.value[..i].iter().any(|x| x.get_ref() == opt.get_ref()) {
                    p.at(
                        opt.span(),
                        format!("option `{}` is listed twice", opt.get_ref()),
                    );
                }
            }
        }
        (Some(o), _) => p.at(
            o.key.clone(),
            format!("`options` is only allowed on decision steps, and {name} is kind = \"{kind}\""),
        ),
        (None, _) => {}
    }
    if let Some(ack) = &step.ack
        && kind == StepKind::Signoff
    {
        p.at(
            ack.key.clone(),
            format!("`ack` is not for signoff steps ({name} already asks its `roles` to approve)"),
        );
    }
    match (kind, &step.roles) {
        (StepKind::Signoff, None) if !step.wrote("roles") => p.at(
            kind_span.clone(),
            format!("signoff {name} has no `roles`: list who must approve, e.g. roles = [\"pm\"]"),
        ),
        (StepKind::Signoff, Some(roles)) if roles.value.is_empty() && !step.roles_had_entries => {
            p.at(
                roles.span.clone(),
                format!("`roles` is empty: signoff {name} needs at least one role to approve"),
            );
        }
        (StepKind::Signoff, _) | (_, None) => {}
        (_, Some(roles)) => p.at(
            roles.key.clone(),
            format!(
                "`roles` is only allowed on signoff steps, and {name} is kind = \"{kind}\" (use `with` for helpers)"
            ),
        ),
    }
    for (key, span) in [
        ("weights", step.weights.as_ref().map(|w| w.key.clone())),
        (
            "min_observation",
            step.min_observation.as_ref().map(|m| m.key.clone()),
        ),
    ] {
        if let Some(span) = span
            && kind != StepKind::Canary
        {
            p.at(
                span,
                format!("`{key}` is only allowed on canary steps, and {name} is kind = \"{kind}\""),
            );
        }
    }
    if let Some(rollback) = &step.rollback
        && !matches!(kind, StepKind::Command | StepKind::Canary)
    {
        p.at(
            rollback.key.clone(),
            format!(
                "`rollback` is only allowed on command and canary steps, and {name} is kind = \"{kind}\""
            ),
        );
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_id(p: &mut Problems<'_>, what: &str, id: &str, span: std::ops::Range<usize>) {
    if id.is_empty() {
        p.at(span, format!("{what} is empty"));
    } else if !is_valid_id(id) {
        p.at(
            span,
            format!("{what} `{id}` may only contain lowercase letters, digits and '-'"),
        );
    }
}

/// Duplicate ids, `requires` naming a missing step, and cycles.
fn check_graph(steps: &[DraftStep], p: &mut Problems<'_>) {
    // The first step with each id; later ones are duplicates.
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        let Some(id) = &step.id else { continue };
        match first.get(id.value.as_str()) {
            Some(&j) => {
                let (line, column) = steps[j]
                    .id
                    .as_ref()
                    .map_or((0, 0), |f| p.position(f.span.start));
                p.at(
                    id.span.clone(),
                    format!(
                        "duplicate step id `{}`; the first one is at line {line}, column {column}",
                        id.value
                    ),
                );
            }
            None => {
                first.insert(&id.value, i);
            }
        }
    }

    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, step) in steps.iter().enumerate() {
        for target in &step.requires {
            match first.get(target.get_ref().as_str()) {
                Some(&j) => edges[i].push(j),
                None => {
                    let hint = suggest::closest(target.get_ref(), first.keys().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    let who = step
                        .id
                        .as_ref()
                        .map_or_else(|| "a step".to_owned(), |id| format!("step `{}`", id.value));
                    p.at(
                        target.span(),
                        format!(
                            "{who} requires `{}`, which is not a step of this playbook{hint}",
                            target.get_ref()
                        ),
                    );
                }
            }
        }
    }

    for (i, step) in steps.iter().enumerate() {
        let Some(when) = &step.when else { continue };
        let who = step
            .id
            .as_ref()
            .map_or_else(|| "a step".to_owned(), |id| format!("step `{}`", id.value));
        for (decision, option) in &when.value {
            let Some(&j) = first.get(decision.get_ref().as_str()) else {
                let hint = suggest::closest(decision.get_ref(), first.keys().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                p.at(
                    decision.span(),
                    format!(
                        "{who} has a `when` on `{}`, which is not a step of this playbook{hint}",
                        decision.get_ref()
                    ),
                );
                continue;
            };
            edges[i].push(j);
            let target = &steps[j];
            if target.kind != Some(StepKind::Decision) {
                p.at(
                    decision.span(),
                    format!(
                        "{who} depends on `{}` in `when`, which is not a decision step (kind = \"decision\" with `options`)",
                        decision.get_ref()
                    ),
                );
                continue;
            }
            let options: Vec<&str> = target
                .options
                .as_ref()
                .map(|o| o.value.iter().map(|x| x.get_ref().as_str()).collect())
                .unwrap_or_default();
            if !options.is_empty() && !options.contains(&option.get_ref().as_str()) {
                let hint = suggest::closest(option.get_ref(), options.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                p.at(
                    option.span(),
                    format!(
                        "`{}` is not an option of decision `{}`{hint}; its options: {}",
                        option.get_ref(),
                        decision.get_ref(),
                        options.join(", ")
                    ),
                );
            }
        }
    }

    for cycle in graph::cycles(&edges) {
        let id_of = |i: usize| steps[i].id.as_ref().map_or("?", |f| f.value.as_str());
        let mut names: Vec<&str> = cycle.iter().map(|&i| id_of(i)).collect();
        names.push(id_of(cycle[0]));
        // Point at the entry of the first step's `requires` (or `when`)
        // that starts the cycle.
        let next = names[1];
        let first_step = &steps[cycle[0]];
        let through_when = first_step
            .when
            .as_ref()
            .and_then(|w| w.value.iter().find(|(d, _)| d.get_ref() == next))
            .map(|(d, _)| d.span());
        let span = first_step
            .requires
            .iter()
            .find(|r| r.get_ref() == next)
            .map(|r| r.span())
            .or(through_when)
            .unwrap_or(first_step.header.clone());
        let any_when = cycle
            .iter()
            .any(|&i| steps[i].when.as_ref().is_some_and(|w| !w.value.is_empty()));
        let (what, each) = if any_when {
            ("`requires` and `when` make", "waits on")
        } else {
            ("`requires` makes", "requires")
        };
        p.at(
            span,
            format!(
                "{what} a cycle: {} (each step {each} the next)",
                names.join(" -> ")
            ),
        );
    }
}

/// Turn a draft that passed every check into the model.
fn build(draft: Draft, origin: Origin) -> Option<Playbook> {
    let id = draft.id?.value;
    let steps = draft
        .steps
        .into_iter()
        .map(|s| {
            let id = s.id?.value;
            Some(Step {
                title: s.title.unwrap_or_else(|| id.clone()),
                id,
                description: s.description,
                owner: s.owner?,
                with: s.with,
                kind: s.kind?,
                requires: s.requires.into_iter().map(|r| r.into_inner()).collect(),
                roles: s.roles.map(|r| r.value).unwrap_or_default(),
                run: s.run.map(|r| r.value),
                rollback: s.rollback.map(|r| r.value),
                confirm: s.confirm,
                timeout: s.timeout.map(|t| t.value),
                evidence: s.evidence,
                covers: s.covers.into_iter().map(|c| c.into_inner()).collect(),
                weights: s.weights.map(|w| w.value).unwrap_or_default(),
                min_observation: s.min_observation.map(|m| m.value),
                evidence_required: s
                    .evidence_required
                    .map_or(s.kind == Some(super::model::StepKind::Gate), |e| e.value),
                sarif: s.sarif.map(|x| x.value),
                fail_on: s.fail_on.map(|x| x.value),
                manifest: s.manifest.is_some_and(|m| m.value),
                ack: s.ack.map(|a| a.value).unwrap_or_default(),
                notify: s.notify.map(|n| n.value),
                options: s
                    .options
                    .map(|o| o.value.into_iter().map(|x| x.into_inner()).collect())
                    .unwrap_or_default(),
                when: s
                    .when
                    .map(|w| {
                        w.value
                            .into_iter()
                            .map(|(d, o)| (d.into_inner(), o.into_inner()))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect::<Option<Vec<Step>>>()?;
    Some(Playbook {
        title: draft.title.unwrap_or_else(|| id.clone()),
        id,
        description: draft.description,
        steps,
        origin,
    })
}
