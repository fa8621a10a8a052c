//! `[canary]` in `.greenlight.toml`: fixtures that must load, and fixtures
//! whose errors must say where (file:line:col) or what (the metric).

use std::path::{Path, PathBuf};
use std::time::Duration;

use greenlight::canary::config::{Combine, SourceKind, Strategy};
use greenlight::canary::{CanaryPlan, SourceError, connect};
use greenlight::config::{RepoConfig, parse_toml};

fn fixture(name: &str) -> (String, PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/canary")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    (text, path)
}

fn load(name: &str) -> Result<RepoConfig, greenlight::config::ConfigError> {
    let (text, path) = fixture(name);
    parse_toml::<RepoConfig>(&text, &path)
}

#[test]
fn the_design_example_loads_with_every_field() {
    let c = load("valid.toml").expect("valid.toml loads");
    let canary = c.canary.expect("[canary]");
    assert!(canary.problems().is_empty(), "{:?}", canary.problems());
    assert_eq!(canary.source, SourceKind::Prometheus);
    assert_eq!(canary.interval(), Duration::from_secs(30));
    assert_eq!(canary.window(), Duration::from_secs(600));
    assert_eq!(canary.step(), Duration::from_secs(10));
    assert_eq!(canary.timeout(), Duration::from_secs(3));
    assert_eq!(canary.metrics.len(), 3);
    assert_eq!(canary.metrics[1].combine, Combine::Sum);
    let spec = canary.metrics[0].spec();
    assert!(spec.critical);
    assert_eq!(spec.max, Some(0.01));
    assert!(canary.metrics[2].spec().must_have_data);
    assert_eq!(canary.judge_config().group_weights["health"], 2.0);
    let plan = CanaryPlan::from_config(&canary);
    assert_eq!(
        plan.steps.iter().map(|s| s.weight).collect::<Vec<_>>(),
        vec![5, 25, 50, 100]
    );
}

#[test]
fn an_unknown_key_names_file_line_and_column() {
    let err = load("unknown_key.toml").expect_err("treshold is not a key");
    assert_eq!((err.line, err.column), (8, 1), "{err}");
    assert!(err.message.contains("unknown field `treshold`"), "{err}");
    assert!(err.to_string().contains("unknown_key.toml:8:1: "), "{err}");
}

#[test]
fn a_bad_duration_or_source_names_the_line() {
    let err = load("bad_duration.toml").expect_err("not a duration");
    assert_eq!(err.line, 3, "{err}");
    assert!(
        err.message.contains("`ten minutes` is not a duration"),
        "{err}"
    );
    let err = load("bad_source.toml").expect_err("unknown source");
    assert_eq!(err.line, 2, "{err}");
    assert!(err.message.contains("datadog"), "{err}");
    assert!(err.message.contains("prometheus"), "{err}");
}

#[test]
fn values_that_parse_but_make_no_sense_are_listed_by_metric() {
    let c = load("bad_values.toml").expect("parses");
    let problems = c.canary.expect("[canary]").problems();
    let text = problems.join("\n");
    for want in [
        "source = \"prometheus\" needs `url`",
        "score thresholds must be between 0 and 100",
        "weights must rise step by step: 25 comes after 50",
        "metric `error rate`: alpha must be between 0 and 1",
        "metric `error rate`: the query has no {track} placeholder",
        "metric `latency`: min 10 is above max 1",
        "metric `latency`: `query` is needed with source = \"prometheus\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert_eq!(problems.len(), 7, "{text}");
}

#[test]
fn simulated_alone_and_blue_green_are_usable() {
    let c = load("simulated.toml")
        .expect("loads")
        .canary
        .expect("[canary]");
    assert!(c.problems().is_empty());
    assert_eq!(c.effective_metrics().len(), 3);
    let mut src = connect::connect(&c, Path::new("."), false).expect("simulated source");
    assert_eq!(src.describe(), "simulated (seed 42)");
    let snap = greenlight::canary::judge_now(src.as_mut(), &c, jiff::Timestamp::now(), None);
    assert_eq!(snap.series.len(), 3);

    let c = load("blue_green.toml")
        .expect("loads")
        .canary
        .expect("[canary]");
    assert!(c.problems().is_empty(), "{:?}", c.problems());
    assert_eq!(c.strategy, Strategy::BlueGreen);
    let plan = CanaryPlan::from_config(&c);
    assert_eq!(
        plan.steps
            .iter()
            .map(|s| (s.weight, s.label.as_str()))
            .collect::<Vec<_>>(),
        vec![(0, "preview"), (100, "switch")]
    );
    assert_eq!(plan.steps[0].min_observation, Duration::from_secs(120));
    assert_eq!(
        plan.rollback_command.as_deref(),
        Some("./deploy/switch-back.sh")
    );
    let src = connect::connect(&c, Path::new("."), false).expect("simulated source");
    assert_eq!(src.describe(), "simulated (seed 7, regression injected)");
}

#[test]
fn a_missing_credential_variable_is_a_typed_error() {
    let (text, path) = fixture("valid.toml");
    let c = parse_toml::<RepoConfig>(
        &text.replace("PROMETHEUS_TOKEN", "GREENLIGHT_TEST_NO_SUCH_TOKEN"),
        &path,
    )
    .expect("loads")
    .canary
    .expect("[canary]");
    match connect::connect(&c, Path::new("."), false) {
        Err(SourceError::Config(m)) => assert!(m.contains("GREENLIGHT_TEST_NO_SUCH_TOKEN"), "{m}"),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a missing token must be an error"),
    }
}
