//! Reading the TOML document into a draft: syntax, keys and value types.
//!
//! The draft keeps the source span of everything later checks point at.
//! Each key is read on its own, so one bad value never hides another: all
//! problems land in [`Problems`] and reading goes on.

use std::ops::Range;
use std::str::FromStr;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::Problems;
use super::model::{Role, StepKind};
use super::suggest;

type Span = Range<usize>;
type Value<'i> = Spanned<DeValue<'i>>;

pub(super) const PLAYBOOK_KEYS: &[&str] = &["id", "title", "description", "steps"];
pub(super) const STEP_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "owner",
    "with",
    "kind",
    "requires",
    "roles",
    "run",
    "rollback",
    "confirm",
    "timeout",
    "evidence",
    "covers",
    "weights",
    "min_observation",
    "evidence_required",
    "sarif",
    "fail_on",
    "manifest",
    "ack",
    "notify",
    "options",
    "when",
];

/// A value together with where its key and the value itself were written.
#[derive(Debug, Clone)]
pub(super) struct Keyed<T> {
    pub key: Span,
    pub span: Span,
    pub value: T,
}

/// The playbook as written, before cross-step checks.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub id: Option<Keyed<String>>,
    pub title: Option<String>,
    pub description: String,
    /// Where to point "no steps": the `steps` key, or the start of the file.
    pub steps_span: Span,
    /// `steps` was written with the wrong shape (already reported).
    pub steps_malformed: bool,
    /// `id` was written, valid or not.
    pub id_written: bool,
    pub steps: Vec<DraftStep>,
}

/// One `when` condition: the decision step named (with its span) and
/// the option it must have chosen (with its span).
pub(super) type Condition = (Spanned<String>, Spanned<String>);

/// One step as written. A field whose value was wrong is left at its
/// default; the problem is already recorded.
#[derive(Debug, Default)]
pub(super) struct DraftStep {
    /// The step's table: its `[[steps]]` header.
    pub header: Span,
    pub id: Option<Keyed<String>>,
    pub title: Option<String>,
    pub description: String,
    pub owner: Option<Role>,
    /// The keys that were written, valid or not, so that a key with a bad
    /// value is not also reported as missing.
    pub written: Vec<String>,
    pub with: Vec<Role>,
    /// `None` when `kind` was written but is not a valid kind.
    pub kind: Option<StepKind>,
    /// Where `kind` was written, if it was.
    pub kind_span: Option<Span>,
    pub requires: Vec<Spanned<String>>,
    pub roles: Option<Keyed<Vec<Role>>>,
    /// `roles` listed something, even if no entry was a valid role.
    pub roles_had_entries: bool,
    pub run: Option<Keyed<String>>,
    pub rollback: Option<Keyed<String>>,
    pub confirm: bool,
    pub timeout: Option<Keyed<Duration>>,
    pub evidence: Vec<String>,
    pub covers: Vec<Spanned<String>>,
    pub weights: Option<Keyed<Vec<u32>>>,
    pub min_observation: Option<Keyed<Duration>>,
    pub evidence_required: Option<Keyed<bool>>,
    pub sarif: Option<Keyed<String>>,
    pub fail_on: Option<Keyed<super::model::SarifLevel>>,
    pub manifest: Option<Keyed<bool>>,
    pub ack: Option<Keyed<Vec<Role>>>,
    pub notify: Option<Keyed<super::model::StepNotify>>,
    pub options: Option<Keyed<Vec<Spanned<String>>>>,
    pub when: Option<Keyed<Vec<Condition>>>,
}

impl DraftStep {
    /// Whether `key` was written in this step, whatever its value.
    pub(super) fn wrote(&self, key: &str) -> bool {
        self.written.iter().any(|k| k == key)
    }
}

/// Parse `text` as TOML and read it into a draft; `None` when the TOML
/// itself is broken (every syntax error is recorded).
pub(super) fn read(text: &str, problems: &mut Problems<'_>) -> Option<Draft> {
    let (document, mut errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.span().map_or(0, |s| s.start));
        let mut broken = false;
        let mut last_line = 0;
        for error in errors {
            let span = error.span().unwrap_or(0..0);
            let line = problems.position(span.start).0;
            let duplicate = error.message() == "duplicate key";
            // One mistake can confuse the parser for the rest of its line:
            // report the first complaint per line. And after a broken line
            // its recovery may file later keys under the wrong table, so
            // "duplicate key" from then on is noise.
            if line == last_line || (duplicate && broken) {
                continue;
            }
            last_line = line;
            broken |= !duplicate;
            let mut message = format!("invalid TOML: {}", one_line(error.message()));
            if duplicate && let Some(key) = text.get(span.clone()) {
                message.push_str(&format!(" `{}`", one_line(key)));
            }
            problems.at(span, message);
        }
        return None;
    }
    Some(read_playbook(document.get_ref(), problems))
}

fn read_playbook(table: &DeTable<'_>, p: &mut Problems<'_>) -> Draft {
    let mut draft = Draft::default();
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        match name {
            "id" => {
                draft.id_written = true;
                draft.id = keyed(key, value, string(p, name, value));
            }
            "title" => draft.title = string(p, name, value),
            "description" => draft.description = string(p, name, value).unwrap_or_default(),
            "steps" => {
                draft.steps_span = key.span();
                match read_steps(value, p) {
                    Some(steps) => draft.steps = steps,
                    None => draft.steps_malformed = true,
                }
            }
            _ => unknown_key(p, key, "at the top level", PLAYBOOK_KEYS),
        }
    }
    draft
}

/// `None` when `steps` is not an array of tables (already reported).
fn read_steps(value: &Value<'_>, p: &mut Problems<'_>) -> Option<Vec<DraftStep>> {
    let Some(items) = value.get_ref().as_array() else {
        p.at(
            value.span(),
            format!(
                "`steps` must be an array of tables (write each step under `[[steps]]`), found {}",
                value.get_ref().type_str()
            ),
        );
        return None;
    };
    let mut steps = Vec::new();
    let mut all_tables = true;
    for item in items.iter() {
        match item.get_ref().as_table() {
            Some(table) => steps.push(read_step(item.span(), table, p)),
            None => {
                all_tables = false;
                let found = item.get_ref().type_str();
                p.at(
                    item.span(),
                    format!("each step must be a table, found {found}"),
                );
            }
        }
    }
    all_tables.then_some(steps)
}

fn read_step(header: Span, table: &DeTable<'_>, p: &mut Problems<'_>) -> DraftStep {
    let mut step = DraftStep {
        header,
        kind: Some(StepKind::default()),
        ..DraftStep::default()
    };
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        step.written.push(name.to_owned());
        match name {
            "id" => step.id = keyed(key, value, string(p, name, value)),
            "title" => step.title = string(p, name, value),
            "description" => step.description = string(p, name, value).unwrap_or_default(),
            "owner" => step.owner = role(p, value),
            "with" => step.with = roles(p, name, value),
            "kind" => {
                step.kind_span = Some(value.span());
                step.kind = kind(p, value);
            }
            "requires" => step.requires = strings(p, name, value),
            "roles" => {
                step.roles_had_entries = value.get_ref().as_array().is_some_and(|a| !a.is_empty());
                step.roles = keyed(key, value, Some(roles(p, name, value)));
            }
            "run" => step.run = keyed(key, value, string(p, name, value)),
            "rollback" => step.rollback = keyed(key, value, string(p, name, value)),
            "confirm" => step.confirm = boolean(p, name, value).unwrap_or(false),
            "timeout" => step.timeout = keyed(key, value, duration(p, value)),
            "evidence" => {
                step.evidence = strings(p, name, value)
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect();
            }
            "covers" => step.covers = strings(p, name, value),
            "weights" => step.weights = keyed(key, value, weights(p, value)),
            "evidence_required" => {
                step.evidence_required = keyed(key, value, boolean(p, name, value));
            }
            "sarif" => step.sarif = keyed(key, value, string(p, name, value)),
            "fail_on" => step.fail_on = keyed(key, value, sarif_level(p, value)),
            "manifest" => step.manifest = keyed(key, value, boolean(p, name, value)),
            "ack" => step.ack = keyed(key, value, Some(roles(p, name, value))),
            "notify" => step.notify = keyed(key, value, step_notify(p, value)),
            "options" => step.options = keyed(key, value, Some(strings(p, name, value))),
            "when" => step.when = keyed(key, value, conditions(p, value)),
            "min_observation" => {
                let d = duration_named(p, name, value).filter(|d| {
                    // The session keeps whole seconds: "500ms" would be 0.
                    let whole = d.as_secs() >= 1;
                    if !whole {
                        p.at(
                            value.span(),
                            "`min_observation` must be at least one second",
                        );
                    }
                    whole
                });
                step.min_observation = keyed(key, value, d);
            }
            _ => {
                let context = match table.get("id").and_then(|v| v.get_ref().as_str()) {
                    Some(id) => format!("in step `{id}`"),
                    None => "in a step".to_owned(),
                };
                unknown_key(p, key, &context, STEP_KEYS);
            }
        }
    }
    step
}

/// `when = { decision = "option", … }`: each condition with the spans of
/// the step it names and of the option.
fn conditions(p: &mut Problems<'_>, value: &Value<'_>) -> Option<Vec<Condition>> {
    let Some(table) = value.get_ref().as_table() else {
        wrong_type(
            p,
            "when",
            "a table of decision = \"option\" (e.g. when = { go = \"yes\" })",
            value,
        );
        return None;
    };
    let mut out = Vec::new();
    for (k, v) in table.iter() {
        match v.get_ref().as_str() {
            Some(option) => out.push((
                Spanned::new(k.span(), k.get_ref().to_string()),
                Spanned::new(v.span(), option.to_owned()),
            )),
            None => wrong_type(
                p,
                &format!("when.{}", k.get_ref()),
                "the name of one of its options",
                v,
            ),
        }
    }
    Some(out)
}

fn keyed<T>(key: &Spanned<impl Sized>, value: &Value<'_>, read: Option<T>) -> Option<Keyed<T>> {
    read.map(|v| Keyed {
        key: key.span(),
        span: value.span(),
        value: v,
    })
}

fn unknown_key(
    p: &mut Problems<'_>,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    context: &str,
    allowed: &[&str],
) {
    let name = key.get_ref().as_ref();
    let hint = suggest::closest(name, allowed.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    p.at(
        key.span(),
        format!(
            "unknown key `{name}` {context}{hint}; allowed keys: {}",
            allowed.join(", ")
        ),
    );
}

fn wrong_type(p: &mut Problems<'_>, key: &str, expected: &str, value: &Value<'_>) {
    p.at(
        value.span(),
        format!(
            "`{key}` must be {expected}, found {}",
            value.get_ref().type_str()
        ),
    );
}

fn string(p: &mut Problems<'_>, key: &str, value: &Value<'_>) -> Option<String> {
    match value.get_ref().as_str() {
        Some(s) => Some(s.to_owned()),
        None => {
            wrong_type(p, key, "a string", value);
            None
        }
    }
}

fn boolean(p: &mut Problems<'_>, key: &str, value: &Value<'_>) -> Option<bool> {
    let b = value.get_ref().as_bool();
    if b.is_none() {
        wrong_type(p, key, "true or false", value);
    }
    b
}

/// An array of strings; a bad element is reported and left out.
fn strings(p: &mut Problems<'_>, key: &str, value: &Value<'_>) -> Vec<Spanned<String>> {
    let Some(items) = value.get_ref().as_array() else {
        let example = if value.get_ref().is_str() {
            format!(" (write {key} = [\"…\"])")
        } else {
            String::new()
        };
        p.at(
            value.span(),
            format!(
                "`{key}` must be an array of strings{example}, found {}",
                value.get_ref().type_str()
            ),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item.get_ref().as_str() {
            Some(s) => Some(Spanned::new(item.span(), s.to_owned())),
            None => {
                wrong_type(p, &format!("each entry of `{key}`"), "a string", item);
                None
            }
        })
        .collect()
}

/// Parse a name with `FromStr`, or report it with a suggestion and the
/// valid names.
fn named<T: FromStr + Copy>(
    p: &mut Problems<'_>,
    what: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
    value: &Spanned<String>,
) -> Option<T> {
    let text = value.get_ref().as_str();
    if let Ok(v) = text.parse::<T>() {
        return Some(v);
    }
    let names: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
    let hint = suggest::closest(text, names.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    p.at(
        value.span(),
        format!(
            "unknown {what} `{text}`{hint}; valid {what}s: {}",
            names.join(", ")
        ),
    );
    None
}

fn role(p: &mut Problems<'_>, value: &Value<'_>) -> Option<Role> {
    let text = Spanned::new(value.span(), string(p, "owner", value)?);
    named(p, "role", &Role::ALL, Role::as_str, &text)
}

fn roles(p: &mut Problems<'_>, key: &str, value: &Value<'_>) -> Vec<Role> {
    strings(p, key, value)
        .iter()
        .filter_map(|s| named(p, "role", &Role::ALL, Role::as_str, s))
        .collect()
}

fn sarif_level(p: &mut Problems<'_>, value: &Value<'_>) -> Option<super::model::SarifLevel> {
    use super::model::SarifLevel;
    let text = Spanned::new(value.span(), string(p, "fail_on", value)?);
    named(
        p,
        "SARIF level",
        &SarifLevel::ALL,
        SarifLevel::as_str,
        &text,
    )
}

fn step_notify(p: &mut Problems<'_>, value: &Value<'_>) -> Option<super::model::StepNotify> {
    use super::model::StepNotify;
    let text = Spanned::new(value.span(), string(p, "notify", value)?);
    named(p, "notify", &StepNotify::ALL, StepNotify::as_str, &text)
}

fn kind(p: &mut Problems<'_>, value: &Value<'_>) -> Option<StepKind> {
    let text = Spanned::new(value.span(), string(p, "kind", value)?);
    named(p, "kind", &StepKind::ALL, StepKind::as_str, &text)
}

/// A humantime duration such as "10m" or "1h 30m", greater than zero.
fn duration(p: &mut Problems<'_>, value: &Value<'_>) -> Option<Duration> {
    duration_named(p, "timeout", value)
}

/// [`duration`] for the key `key`.
fn duration_named(p: &mut Problems<'_>, key: &str, value: &Value<'_>) -> Option<Duration> {
    let Some(text) = value.get_ref().as_str() else {
        wrong_type(p, key, "a duration string such as \"10m\"", value);
        return None;
    };
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => {
            p.at(value.span(), format!("`{key}` must be longer than zero"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            p.at(
                value.span(),
                format!("`{key}` is not a duration ({e}); write e.g. \"30s\", \"10m\" or \"1h\""),
            );
            None
        }
    }
}

/// A canary step's traffic weights: percentages rising to 100, e.g.
/// `[10, 50, 100]`. Every problem is reported at the entry that has it.
fn weights(p: &mut Problems<'_>, value: &Value<'_>) -> Option<Vec<u32>> {
    let Some(items) = value.get_ref().as_array() else {
        wrong_type(
            p,
            "weights",
            "an array of percentages such as [10, 50, 100]",
            value,
        );
        return None;
    };
    let mut out: Vec<u32> = Vec::new();
    let mut ok = true;
    for item in items {
        let w = item
            .get_ref()
            .as_integer()
            .and_then(|i| i.as_str().parse::<u32>().ok())
            .filter(|w| (1..=100).contains(w));
        match w {
            None => {
                p.at(
                    item.span(),
                    "each weight must be a whole percentage from 1 to 100",
                );
                ok = false;
            }
            Some(w) if out.last().is_some_and(|last| *last >= w) => {
                p.at(
                    item.span(),
                    format!(
                        "weights must rise: {w} comes after {}",
                        out.last().copied().unwrap_or(0)
                    ),
                );
                ok = false;
            }
            Some(w) => out.push(w),
        }
    }
    if ok && out.last() != Some(&100) {
        p.at(
            value.span(),
            "the last weight must be 100: the canary ends with all the traffic",
        );
        ok = false;
    }
    ok.then_some(out)
}

/// Parser messages may span lines; ours are one line each.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
