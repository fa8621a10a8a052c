//! The canary judge: statistics against scipy reference values
//! (tests/fixtures/judge, made by `python3 scripts/judge_fixtures.py`) and
//! the verdict rules.

use greenlight::canary::shift::ci_rank;
use greenlight::canary::{
    Alternative, Direction, JudgeConfig, Judgement, MetricData, MetricSpec, Outcome, Statistic,
    Thresholds, Verdict, hodges_lehmann, judge, judge_metric, mann_whitney_u,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

// ---------------------------------------------------------------- fixtures

#[derive(Deserialize)]
struct Fixture {
    generated_by: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    x: Vec<String>,
    y: Vec<String>,
    dropped: usize,
    mwu: Option<BTreeMap<String, Mwu>>,
    hl: Option<Vec<Hl>>,
}

#[derive(Deserialize)]
struct Mwu {
    u: f64,
    p: f64,
}

#[derive(Deserialize)]
struct Hl {
    confidence: f64,
    k: usize,
    estimate: f64,
    low: f64,
    high: f64,
}

fn parse(values: &[String]) -> Vec<f64> {
    values
        .iter()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{v}: {e}")))
        .collect()
}

fn load(file: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/judge")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let fixture: Fixture = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture.generated_by, "python3 scripts/judge_fixtures.py");
    assert!(!fixture.cases.is_empty());
    fixture.cases
}

fn assert_close(what: &str, got: f64, want: f64, rtol: f64) {
    let ok = got == want || (got - want).abs() <= rtol * want.abs().max(f64::MIN_POSITIVE);
    assert!(ok, "{what}: got {got:e}, scipy {want:e}");
}

fn alternative(name: &str) -> Alternative {
    match name {
        "two-sided" => Alternative::TwoSided,
        "less" => Alternative::Less,
        "greater" => Alternative::Greater,
        other => panic!("unknown alternative {other}"),
    }
}

/// Every case of a fixture file: U exactly, p to 1e-12 relative, the CI rank
/// exactly, the shift and its bounds to 1e-12 relative (they are the same
/// f64 differences; only the even-count median averages two of them).
fn check_fixture(file: &str) -> usize {
    let cases = load(file);
    for case in &cases {
        let (x, y) = (parse(&case.x), parse(&case.y));
        let name = &case.name;
        let spec = MetricSpec::new(name.clone(), Direction::Either);
        assert_eq!(
            judge_metric(&spec, &x, &y).dropped_non_finite,
            case.dropped,
            "{name}"
        );
        match &case.mwu {
            None => {
                for alt in [
                    Alternative::TwoSided,
                    Alternative::Less,
                    Alternative::Greater,
                ] {
                    assert!(mann_whitney_u(&x, &y, alt).is_none(), "{name}");
                }
            }
            Some(refs) => {
                assert_eq!(refs.len(), 3, "{name}");
                for (alt, want) in refs {
                    let got = mann_whitney_u(&x, &y, alternative(alt)).unwrap();
                    assert_close(&format!("{name} {alt} U"), got.u, want.u, 0.0);
                    assert_close(&format!("{name} {alt} p"), got.p_value, want.p, 1e-12);
                }
            }
        }
        match &case.hl {
            None => assert!(hodges_lehmann(&x, &y, 0.95).is_none(), "{name}"),
            Some(refs) => {
                for want in refs {
                    let c = want.confidence;
                    let got = hodges_lehmann(&x, &y, c).unwrap();
                    let m = x.iter().filter(|v| v.is_finite()).count();
                    let n = y.iter().filter(|v| v.is_finite()).count();
                    assert_eq!(ci_rank(m, n, c), Some(want.k), "{name} k at {c}");
                    assert_close(&format!("{name} HL"), got.estimate, want.estimate, 1e-12);
                    assert_close(&format!("{name} low {c}"), got.low, want.low, 1e-12);
                    assert_close(&format!("{name} high {c}"), got.high, want.high, 1e-12);
                    assert_eq!(got.confidence, c);
                }
            }
        }
    }
    cases.len()
}

#[test]
fn scipy_ties() {
    assert_eq!(check_fixture("ties.json"), 4);
}

#[test]
fn scipy_small_samples() {
    assert_eq!(check_fixture("small.json"), 8);
}

#[test]
fn scipy_large_samples() {
    assert_eq!(check_fixture("large.json"), 2);
}

#[test]
fn scipy_identical_data_has_p_one_and_no_shift() {
    assert_eq!(check_fixture("identical.json"), 2);
    let all_equal = [0.25; 12];
    for alt in [
        Alternative::TwoSided,
        Alternative::Less,
        Alternative::Greater,
    ] {
        assert_eq!(
            mann_whitney_u(&all_equal, &[0.25; 9], alt).unwrap().p_value,
            1.0
        );
    }
    let s = hodges_lehmann(&all_equal, &[0.25; 9], 0.95).unwrap();
    assert_eq!((s.estimate, s.low, s.high), (0.0, 0.0, 0.0));
}

#[test]
fn scipy_empty_sample() {
    assert_eq!(check_fixture("empty.json"), 3);
}

#[test]
fn scipy_non_finite_dropped_first() {
    assert_eq!(check_fixture("nonfinite.json"), 1);
}

// ---------------------------------------------------------------- verdicts

/// Deterministic "random" numbers for test data (SplitMix64).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Normal(mean, sd) by Box-Muller.
    fn normal(&mut self, mean: f64, sd: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let u1 = self.uniform().max(1e-300);
                let u2 = self.uniform();
                mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect()
    }
}

fn spec(name: &str, direction: Direction) -> MetricSpec {
    MetricSpec::new(name, direction)
}

fn run(metrics: &[(MetricSpec, Vec<f64>, Vec<f64>)]) -> Judgement {
    run_with(metrics, &JudgeConfig::default())
}

fn run_with(metrics: &[(MetricSpec, Vec<f64>, Vec<f64>)], config: &JudgeConfig) -> Judgement {
    let data: Vec<MetricData<'_>> = metrics
        .iter()
        .map(|(spec, canary, baseline)| MetricData {
            spec,
            canary,
            baseline,
        })
        .collect();
    let j = judge(&data, config);
    // Whatever the verdict, it must survive the audit trail / --json: every
    // number finite (serde_json would write NaN as null and fail to read it
    // back), everything else exact. serde_json's default float parser may be
    // off by an ulp, hence the tolerance on numbers.
    let json = serde_json::to_value(&j).unwrap();
    let back: Judgement = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back.verdict, j.verdict);
    assert_eq!(back.summary, j.summary);
    let text = serde_json::to_string(&j).unwrap();
    let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_json_close(&reparsed, &json);
    j
}

fn assert_json_close(a: &serde_json::Value, b: &serde_json::Value) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-15 * y.abs(), "{x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).for_each(|(x, y)| assert_json_close(x, y));
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len());
            for (k, v) in x {
                assert_json_close(v, &y[k]);
            }
        }
        _ => assert_eq!(a, b),
    }
}

fn outcome(j: &Judgement, name: &str) -> Outcome {
    j.metrics.iter().find(|m| m.name == name).unwrap().outcome
}

fn rule<'a>(j: &'a Judgement, name: &str) -> &'a str {
    &j.metrics.iter().find(|m| m.name == name).unwrap().rule
}

/// Latency, error rate and throughput of a healthy service.
fn healthy(rng: &mut Rng, n: usize) -> [(MetricSpec, Vec<f64>, Vec<f64>); 3] {
    let error_rate = MetricSpec {
        critical: true,
        max: Some(0.01),
        ..spec("error_rate", Direction::Increase)
    };
    [
        (
            spec("latency_p50_ms", Direction::Increase),
            rng.normal(120.0, 15.0, n),
            rng.normal(120.0, 15.0, n),
        ),
        (
            error_rate,
            rng.normal(0.002, 0.0005, n),
            rng.normal(0.002, 0.0005, n),
        ),
        (
            spec("throughput_rps", Direction::Decrease),
            rng.normal(500.0, 40.0, n),
            rng.normal(500.0, 40.0, n),
        ),
    ]
}

#[test]
fn healthy_canary_promotes() {
    let mut rng = Rng(1);
    let j = run(&healthy(&mut rng, 300));
    assert_eq!(j.verdict, Verdict::Promote, "{}", j.summary);
    assert_eq!(j.score, Some(100.0));
    assert!(j.summary.starts_with("PROMOTE"), "{}", j.summary);
    for m in &j.metrics {
        assert_eq!(m.outcome, Outcome::Pass, "{}", m.rule);
        assert!(m.rule.ends_with("→ PASS"), "{}", m.rule);
        let shift = m.shift.unwrap();
        assert!(shift.low <= shift.estimate && shift.estimate <= shift.high);
        assert_eq!(shift.confidence, 0.95);
    }
    assert!(rule(&j, "error_rate").contains("within the absolute limit max 0.01"));
}

#[test]
fn degraded_critical_metric_rolls_back_and_names_it() {
    let mut rng = Rng(2);
    let mut metrics = healthy(&mut rng, 300);
    metrics[1].0.max = None; // the statistical test alone must catch it
    metrics[1].1 = rng.normal(0.008, 0.001, 300);
    let j = run(&metrics);
    assert_eq!(j.verdict, Verdict::Rollback);
    assert!(
        j.summary.contains("critical metric error_rate failed"),
        "{}",
        j.summary
    );
    let m = j.metrics.iter().find(|m| m.name == "error_rate").unwrap();
    assert_eq!(m.outcome, Outcome::Fail);
    assert!(m.ratio.unwrap() > 3.5);
    assert!(m.p_value.unwrap() < 1e-9);
    let r = &m.rule;
    assert!(r.starts_with("error_rate: canary median 0.00"), "{r}");
    assert!(r.contains("× baseline"), "{r}");
    assert!(
        r.contains("above the +10% tolerance and significant"),
        "{r}"
    );
    assert!(r.contains("increase is bad → FAIL (critical)"), "{r}");
    // Two of three pass: the score alone would only be marginal/failing.
    let score = j.score.unwrap();
    assert!((score - 200.0 / 3.0).abs() < 1e-9, "{score}");
}

#[test]
fn marginal_outcome_and_marginal_score_hold() {
    // Evenly spread values: baseline 100..200 (median 150, band ±15);
    // canary shifted by +17: beyond the band, significant, but the 95%
    // interval of the shift reaches below 15.
    let baseline: Vec<f64> = (0..100).map(|i| 100.0 + i as f64).collect();
    let canary: Vec<f64> = baseline.iter().map(|v| v + 17.0).collect();
    let latency = spec("latency", Direction::Increase);
    let m = judge_metric(&latency, &canary, &baseline);
    assert_eq!(m.outcome, Outcome::Marginal, "{}", m.rule);
    let shift = m.shift.unwrap();
    assert_eq!(shift.estimate, 17.0);
    assert!(shift.low < 15.0 && shift.high > 17.0, "{shift:?}");
    assert!(
        m.rule.contains("interval reaches into the band"),
        "{}",
        m.rule
    );

    // One marginal (½) and one pass (1): score 75, on the marginal line.
    let mut rng = Rng(3);
    let metrics = [
        (latency, canary, baseline),
        (
            spec("cpu", Direction::Increase),
            rng.normal(0.5, 0.05, 100),
            rng.normal(0.5, 0.05, 100),
        ),
    ];
    let j = run(&metrics);
    assert_eq!(j.score, Some(75.0));
    assert_eq!(j.verdict, Verdict::Hold, "{}", j.summary);
    assert!(
        j.summary.contains("is marginal (pass ≥ 90, marginal ≥ 75)"),
        "{}",
        j.summary
    );

    // A stricter marginal threshold turns the same score into a rollback.
    let config = JudgeConfig {
        thresholds: Thresholds {
            pass: 90.0,
            marginal: 80.0,
        },
        ..JudgeConfig::default()
    };
    let j = run_with(&metrics, &config);
    assert_eq!(j.verdict, Verdict::Rollback, "{}", j.summary);
}

#[test]
fn critical_marginal_metric_holds() {
    let baseline: Vec<f64> = (0..100).map(|i| 100.0 + i as f64).collect();
    let canary: Vec<f64> = baseline.iter().map(|v| v + 17.0).collect();
    let mut rng = Rng(4);
    let mut metrics: Vec<_> = (0..9)
        .map(|i| {
            (
                spec(&format!("m{i}"), Direction::Either),
                rng.normal(1.0, 0.1, 50),
                rng.normal(1.0, 0.1, 50),
            )
        })
        .collect();
    let critical = MetricSpec {
        critical: true,
        ..spec("latency", Direction::Increase)
    };
    metrics.push((critical, canary, baseline));
    let j = run(&metrics);
    assert_eq!(j.score, Some(95.0));
    assert_eq!(j.verdict, Verdict::Hold);
    assert!(
        j.summary.contains("critical metric latency is marginal"),
        "{}",
        j.summary
    );
    assert!(rule(&j, "latency").ends_with("→ MARGINAL (critical)"));
}

#[test]
fn too_little_data_holds() {
    let mut rng = Rng(5);
    let metrics = healthy(&mut rng, 6); // below the default 10 samples
    let j = run(&metrics);
    assert_eq!(j.verdict, Verdict::Hold);
    assert_eq!(j.score, None);
    assert!(j.summary.contains("inconclusive"), "{}", j.summary);
    for m in &j.metrics {
        assert_eq!(m.outcome, Outcome::Inconclusive);
        assert!(
            m.rule
                .contains("too little data (canary 6, baseline 6 samples; 10 needed")
        );
        assert_eq!(m.p_value, None);
    }

    // Healthy metrics with data do not promote while another is inconclusive.
    let mut metrics = healthy(&mut rng, 200).to_vec();
    metrics.push((
        spec("queue_depth", Direction::Increase),
        vec![1.0, 2.0],
        vec![1.0; 40],
    ));
    let j = run(&metrics);
    assert_eq!(j.score, Some(100.0));
    assert_eq!(j.verdict, Verdict::Hold);
    assert!(j.summary.contains("queue_depth"), "{}", j.summary);
}

#[test]
fn missing_data_fails_only_when_required() {
    let mut rng = Rng(6);
    let mut metrics = healthy(&mut rng, 100).to_vec();
    metrics.push((
        spec("optional", Direction::Increase),
        vec![],
        rng.normal(1.0, 0.1, 50),
    ));
    let j = run(&metrics);
    assert_eq!(outcome(&j, "optional"), Outcome::NoData);
    assert!(rule(&j, "optional").contains("no canary samples"));
    assert_eq!(j.verdict, Verdict::Promote, "not scored: {}", j.summary);

    let required = MetricSpec {
        must_have_data: true,
        ..spec("required", Direction::Increase)
    };
    metrics.push((required, vec![f64::NAN, f64::NAN], vec![]));
    let j = run(&metrics);
    assert_eq!(outcome(&j, "required"), Outcome::Fail);
    let r = rule(&j, "required");
    assert!(
        r.contains("no samples on either side and the metric must have data → FAIL"),
        "{r}"
    );
    assert!(
        r.contains("Ignored 2 non-finite samples (canary 2, baseline 0)"),
        "{r}"
    );
    assert_eq!(j.score, Some(75.0));
    assert_eq!(j.verdict, Verdict::Hold);

    // No metric with any data at all: inconclusive, not a rollback.
    let j = run(&[(spec("a", Direction::Increase), vec![], vec![])]);
    assert_eq!(j.verdict, Verdict::Hold);
    assert_eq!(j.summary, "HOLD — inconclusive: no metric has data");
}

#[test]
fn absolute_limit_fails_even_when_the_test_passes() {
    let mut rng = Rng(7);
    // Canary and baseline alike, both around 2% errors: the rank test sees
    // no change, the absolute limit of 1% does.
    let error_rate = MetricSpec {
        max: Some(0.01),
        ..spec("error_rate", Direction::Increase)
    };
    let canary = rng.normal(0.02, 0.002, 100);
    let baseline = rng.normal(0.02, 0.002, 100);
    let m = judge_metric(&error_rate, &canary, &baseline);
    assert_eq!(m.outcome, Outcome::Fail);
    assert!(m.absolute.unwrap().violated);
    assert!(
        m.rule.starts_with("error_rate: canary median 0.0"),
        "{}",
        m.rule
    );
    assert!(
        m.rule.ends_with("; canary median 0.0199 is above the absolute max 0.01 (the rank test alone: PASS) → FAIL"),
        "{}",
        m.rule
    );

    // On another statistic, and a minimum.
    let spec_p99 = MetricSpec {
        max: Some(10.0),
        statistic: Statistic::P99,
        ..spec("latency", Direction::Increase)
    };
    let mut canary: Vec<f64> = vec![5.0; 95];
    canary.extend([50.0; 5]); // median 5, p99 50
    let m = judge_metric(&spec_p99, &canary, &canary);
    assert_eq!(m.outcome, Outcome::Fail, "{}", m.rule);
    assert!(
        m.rule
            .contains("canary p99 50 is above the absolute max 10"),
        "{}",
        m.rule
    );
    let success = MetricSpec {
        min: Some(0.99),
        ..spec("success_rate", Direction::Decrease)
    };
    let m = judge_metric(&success, &[0.95; 20], &[0.95; 20]);
    assert_eq!(m.outcome, Outcome::Fail);
    assert!(
        m.rule.contains("is below the absolute min 0.99"),
        "{}",
        m.rule
    );
}

#[test]
fn direction_decrease_and_either() {
    let mut rng = Rng(8);
    let baseline = rng.normal(500.0, 40.0, 200);
    let dropped = rng.normal(350.0, 40.0, 200);
    let raised = rng.normal(650.0, 40.0, 200);

    let throughput = spec("throughput", Direction::Decrease);
    let m = judge_metric(&throughput, &dropped, &baseline);
    assert_eq!(m.outcome, Outcome::Fail);
    assert!(
        m.rule.contains("below the -10% tolerance and significant"),
        "{}",
        m.rule
    );
    assert!(m.rule.contains("decrease is bad → FAIL"), "{}", m.rule);
    let m = judge_metric(&throughput, &raised, &baseline);
    assert_eq!(m.outcome, Outcome::Pass);
    assert!(
        m.p_value.unwrap() > 0.99,
        "one-sided: a rise is no evidence"
    );
    assert!(
        m.rule.contains("shows no significant decrease"),
        "{}",
        m.rule
    );

    let latency = spec("latency", Direction::Increase);
    assert_eq!(
        judge_metric(&latency, &dropped, &baseline).outcome,
        Outcome::Pass
    );
    assert_eq!(
        judge_metric(&latency, &raised, &baseline).outcome,
        Outcome::Fail
    );

    let memory = spec("memory", Direction::Either);
    for canary in [&dropped, &raised] {
        let m = judge_metric(&memory, canary, &baseline);
        assert_eq!(m.outcome, Outcome::Fail, "{}", m.rule);
        assert!(m.rule.contains("change is bad"), "{}", m.rule);
    }
    // A significant but small change stays inside the band.
    let nudged: Vec<f64> = baseline.iter().map(|v| v * 1.05).collect();
    let m = judge_metric(&memory, &nudged, &baseline);
    assert_eq!(m.outcome, Outcome::Pass);
    assert!(
        m.rule.contains("but within the ±10% tolerance"),
        "{}",
        m.rule
    );
}

#[test]
fn non_finite_samples_are_dropped_and_reported() {
    let mut rng = Rng(9);
    let mut canary = rng.normal(10.0, 1.0, 50);
    let baseline = rng.normal(10.0, 1.0, 50);
    canary.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
    let m = judge_metric(&spec("x", Direction::Increase), &canary, &baseline);
    assert_eq!(m.dropped_non_finite, 3);
    assert_eq!(m.canary_n, 50);
    assert!(
        m.rule
            .ends_with("Ignored 3 non-finite samples (canary 3, baseline 0)"),
        "{}",
        m.rule
    );
    assert_eq!(m.outcome, Outcome::Pass);
}

#[test]
fn group_weights_shape_the_score() {
    let mut rng = Rng(10);
    let bad = rng.normal(200.0, 10.0, 100);
    let good = rng.normal(100.0, 10.0, 100);
    let in_group = |name: &str, group: &str, weight: f64| MetricSpec {
        group: Some(group.to_owned()),
        weight,
        ..spec(name, Direction::Increase)
    };
    let metrics = [
        (in_group("a1", "latency", 1.0), good.clone(), good.clone()),
        (in_group("a2", "latency", 3.0), bad.clone(), good.clone()),
        (in_group("b1", "errors", 1.0), good.clone(), good.clone()),
    ];
    // Groups weigh 1 each: latency 25 (weights 1 pass, 3 fail), errors 100.
    let j = run(&metrics);
    assert_eq!(j.groups.len(), 2);
    assert_eq!(j.groups[0].score, Some(25.0));
    assert_eq!(j.groups[1].score, Some(100.0));
    assert_eq!(j.score, Some(62.5));
    assert_eq!(j.verdict, Verdict::Rollback);
    assert!(j.summary.contains("failing: a2"), "{}", j.summary);

    let config = JudgeConfig {
        group_weights: BTreeMap::from([("errors".to_owned(), 9.0)]),
        ..JudgeConfig::default()
    };
    let j = run_with(&metrics, &config);
    let score = j.score.unwrap();
    assert!(
        (score - (25.0 + 9.0 * 100.0) / 10.0).abs() < 1e-9,
        "{score}"
    );
    assert_eq!(j.verdict, Verdict::Promote, "{}", j.summary);
}

#[test]
fn specs_and_config_deserialise_with_documented_defaults() {
    let spec: MetricSpec = serde_json::from_str(r#"{"name": "latency"}"#).unwrap();
    assert_eq!(spec, MetricSpec::new("latency", Direction::Increase));
    assert_eq!(
        (spec.tolerance, spec.alpha, spec.min_samples, spec.weight),
        (0.1, 0.05, 10, 1.0)
    );
    assert!(spec.problems().is_empty());
    let spec: MetricSpec = serde_json::from_str(
        r#"{"name": "rps", "direction": "decrease", "statistic": "p95", "min": 100, "critical": true}"#,
    )
    .unwrap();
    assert_eq!(spec.direction, Direction::Decrease);
    assert_eq!(spec.statistic, Statistic::P95);
    assert_eq!(spec.min, Some(100.0));
    let config: JudgeConfig = serde_json::from_str(r#"{"thresholds": {"pass": 95}}"#).unwrap();
    assert_eq!(
        config.thresholds,
        Thresholds {
            pass: 95.0,
            marginal: 75.0
        }
    );
    assert_eq!(
        Thresholds::default(),
        Thresholds {
            pass: 90.0,
            marginal: 75.0
        }
    );

    let bad = MetricSpec {
        alpha: 2.0,
        tolerance: f64::NAN,
        min_samples: 0,
        min: Some(5.0),
        max: Some(1.0),
        ..MetricSpec::new("bad", Direction::Either)
    };
    assert_eq!(bad.problems().len(), 4, "{:?}", bad.problems());
    let t = Thresholds {
        pass: 50.0,
        marginal: 80.0,
    };
    assert_eq!(t.problems().len(), 1);

    let m = judge_metric(
        &MetricSpec::new("x", Direction::Either),
        &[1.0; 10],
        &[1.0; 10],
    );
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["outcome"], "pass");
    assert_eq!(json["direction"], "either");
    let no_data = judge_metric(&MetricSpec::new("x", Direction::Either), &[], &[]);
    assert_eq!(serde_json::to_value(no_data).unwrap()["outcome"], "no_data");
}

#[test]
fn hostile_inputs_never_panic_and_always_serialise() {
    let huge = vec![
        f64::MAX,
        -f64::MAX,
        f64::MAX,
        1e308,
        -1e308,
        0.0,
        5e-324,
        -0.0,
        1.0,
        2.0,
        3.0,
    ];
    let samples: Vec<Vec<f64>> = vec![
        vec![],
        vec![f64::NAN; 30],
        vec![f64::INFINITY, f64::NEG_INFINITY],
        vec![0.0; 30],
        vec![-0.0; 30],
        huge.clone(),
        huge.iter().rev().copied().collect(),
        vec![5e-324; 15],
        (0..40).map(|i| i as f64 * 1e300).collect(),
    ];
    let specs = [
        MetricSpec::new("plain", Direction::Either),
        MetricSpec {
            weight: f64::NAN,
            tolerance: -1.0,
            alpha: f64::NAN,
            min_samples: 0,
            max: Some(f64::NAN),
            min: Some(f64::NEG_INFINITY),
            statistic: Statistic::Mean,
            must_have_data: true,
            critical: true,
            ..MetricSpec::new("weird", Direction::Decrease)
        },
        MetricSpec {
            max: Some(0.0),
            statistic: Statistic::P99,
            min_samples: 1,
            ..MetricSpec::new("limits", Direction::Increase)
        },
    ];
    let mut all = Vec::new();
    for spec in &specs {
        for canary in &samples {
            for baseline in &samples {
                let m = judge_metric(spec, canary, baseline);
                assert!(!m.rule.is_empty());
                all.push((spec.clone(), canary.clone(), baseline.clone()));
            }
        }
    }
    let weird_config = JudgeConfig {
        thresholds: Thresholds {
            pass: f64::NAN,
            marginal: -5.0,
        },
        group_weights: BTreeMap::from([("default".to_owned(), f64::INFINITY)]),
    };
    for config in [JudgeConfig::default(), weird_config] {
        let j = run_with(&all, &config);
        assert!(!j.summary.is_empty());
    }
}
