//! Whole-model tests of the readers: messages, kinds and spans of errors, defaults.

use super::parse;
use crate::model::{Detect, ModelErrorKind, Percentile, PercentileFigure, Placement, Simulation};
use crate::time::Duration;

const MINIMAL: &str = r#"
name = "one"
up = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  repair = "1m"
"#;

fn errors(source: &str) -> Vec<String> {
    match parse(source, "m.toml") {
        Ok(_) => Vec::new(),
        Err(errs) => errs.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn minimal_model_takes_defaults() {
    let model = parse(MINIMAL, "m.toml").unwrap();
    assert_eq!(model.simulation, Simulation::default());
    let db = &model.components[0];
    assert_eq!((db.replicas, db.needs), (1, 1));
    assert!(matches!(&db.failures[0].detect, Detect::After(d) if d.is_fixed()));
}

#[test]
fn needs_keywords_resolve() {
    for (needs, replicas, expected) in [
        ("\"majority\"", 3, 2),
        ("\"majority\"", 4, 3),
        ("\"all\"", 5, 5),
        ("2", 3, 2),
    ] {
        let source = MINIMAL.replace(
            "name = \"db\"",
            &format!("name = \"db\"\nreplicas = {replicas}\nneeds = {needs}"),
        );
        let model = parse(&source, "m.toml").unwrap();
        assert_eq!(model.components[0].needs, expected, "{needs} of {replicas}");
    }
}

#[test]
fn typo_gets_a_suggestion_with_position() {
    let source = MINIMAL.replace("name = \"db\"", "name = \"db\"\nreplica = 3");
    assert_eq!(
        errors(&source),
        ["m.toml:7:1: component.db.replica: unknown key `replica`; did you mean `replicas`?"]
    );
}

#[test]
fn bare_number_duration_is_rejected() {
    let source = MINIMAL.replace("repair = \"1m\"", "repair = 60");
    assert_eq!(
        errors(&source),
        [
            "m.toml:11:12: component.db.failure.crash.repair: `60` is a bare number; durations need a unit, e.g. \"60s\" or \"60ms\""
        ]
    );
}

#[test]
fn reports_several_errors_in_file_order() {
    let source = MINIMAL
        .replace("up = \"db\"", "up = \"db & cache\"")
        .replace("mean = \"30d\"", "mean = \"30 days\"");
    let found = errors(&source);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("m.toml:3:6: up: in \"db & cache\": no component is named `cache`")
    );
    assert!(found[1].contains("component.db.failure.crash.every.mean"));
}

#[test]
fn zero_time_to_failure_is_rejected() {
    let source = MINIMAL.replace(
        "every = { dist = \"exponential\", mean = \"30d\" }",
        "every = \"0s\"",
    );
    assert_eq!(
        errors(&source),
        [
            "m.toml:10:11: component.db.failure.crash.every: `\"0s\"` is zero, but times to failure must be positive"
        ]
    );
}

#[test]
fn contradictory_distribution_parameters_are_rejected() {
    let cases = [
        (
            "{ dist = \"uniform\", min = \"2s\", max = \"1s\" }",
            "`min` (2s) is larger than `max` (1s)",
        ),
        (
            "{ dist = \"weibull\", shape = 2, mean = \"1s\", scale = \"1s\" }",
            "give either `scale` or `mean`, not both",
        ),
        ("{ dist = \"weibull\", mean = \"1s\" }", "needs `shape`"),
        (
            "{ dist = \"lognormal\", mean = \"1s\" }",
            "lognormal needs either",
        ),
        (
            "{ dist = \"exponential\", mean = \"1s\", sd = \"1s\" }",
            "unknown key `sd`",
        ),
        (
            "{ dist = \"poisson\", mean = \"1s\" }",
            "unknown distribution `poisson`",
        ),
    ];
    for (dist, expected) in cases {
        let source = MINIMAL.replace("repair = \"1m\"", &format!("repair = {dist}"));
        let found = errors(&source);
        assert!(
            found.len() == 1 && found[0].contains(expected),
            "{dist}: {found:?}"
        );
    }
}

#[test]
fn structural_errors_name_the_key() {
    let cases = [
        ("", "the model file is empty"),
        ("name = ", "not valid TOML"),
        ("name = \"x\"\nup = \"a\"\n", "needs `component`"),
        (
            &MINIMAL.replace("name = \"db\"", "name = \"db\"\nreplicas = 0"),
            "component.db.replicas: `0` is out of range",
        ),
        (
            &MINIMAL.replace("name = \"db\"", "name = \"db\"\nneeds = 2"),
            "needs 2 replicas up, but the component has only 1",
        ),
        (
            &MINIMAL.replace("name = \"db\"", "name = \"DB\""),
            "may use only lowercase letters",
        ),
        (
            &MINIMAL.replace("name = \"db\"", "name = \"db\"\nstart = \"20s\""),
            "add a [kubernetes] table",
        ),
        (
            &format!("{MINIMAL}\n[kubernetes]\nnodes = 3\n"),
            "`component.db` needs `start`",
        ),
        (
            &format!("{MINIMAL}\n[slo]\navailability = \"101%\"\n"),
            "slo.availability",
        ),
    ];
    for (source, expected) in cases {
        let found = errors(source);
        assert!(
            found.iter().any(|e| e.contains(expected)),
            "{expected}: {found:?}"
        );
    }
}

/// A duplicate key is named with its table, wherever it is: the TOML parser's message
/// alone says only "duplicate key".
#[test]
fn duplicate_keys_are_named_with_their_table() {
    let cases = [
        (
            format!("up = \"db\"\n{MINIMAL}"),
            "up: not valid TOML: duplicate key `up`",
        ),
        (
            MINIMAL.replace("name = \"db\"", "name = \"db\"\n\"name\" = \"x\""),
            "component[0].name: not valid TOML: duplicate key `name`",
        ),
        (
            format!("{MINIMAL}\n[slo]\navailability = \"99%\"\n[slo]\nrto_p99 = \"1m\"\n"),
            "slo: not valid TOML: duplicate key: the table [slo] appears above already",
        ),
        (
            format!("{MINIMAL}\n[simulation]\na.b = 1\na.b = 2\n"),
            "simulation.a.b: not valid TOML: duplicate key `b`",
        ),
        (
            MINIMAL.replace(
                "repair = \"1m\"",
                "repair = { dist = \"fixed\", value = \"1m\", value = \"2m\" }",
            ),
            "value: not valid TOML: duplicate key `value`",
        ),
    ];
    for (source, expected) in cases {
        let found = errors(&source);
        assert!(
            found.len() == 1 && found[0].contains(expected),
            "{expected}: {found:?}"
        );
    }
}

const SLO: &str = r#"
[services]
read = "db"

[slo]
availability = "99.999%"
miss_probability = "5%"
error_budget = 0.8
rto_p99 = "30s"
rto_p50 = "5s"
yearly_downtime_p95 = "5m"

[slo.services.read]
availability = 0.9995
rto_p999 = "1m"
"#;

#[test]
fn slo_targets_for_up_and_services() {
    let model = parse(&format!("{MINIMAL}{SLO}"), "m.toml").unwrap();
    let slo = model.slo().unwrap();
    // The percentage is read exactly: the double nearest 0.99999, not 99.999 / 100.
    assert_eq!(slo.up.availability, Some(0.99999));
    assert_eq!(slo.up.miss_probability, Some(0.05));
    assert_eq!(slo.up.error_budget, Some(0.8));
    let bounds: Vec<_> = slo
        .up
        .percentiles
        .iter()
        .map(|b| (b.figure, b.percentile, b.bound))
        .collect();
    assert_eq!(
        bounds[..2],
        [
            (
                PercentileFigure::Rto,
                Percentile::P50,
                Duration::from_secs(5)
            ),
            (
                PercentileFigure::Rto,
                Percentile::P99,
                Duration::from_secs(30)
            )
        ]
    );
    assert_eq!(
        (bounds[2].0, bounds[2].1),
        (PercentileFigure::YearlyDowntime, Percentile::P95)
    );
    let (name, read) = &slo.services[0];
    assert_eq!((name.as_str(), read.availability), ("read", Some(0.9995)));
    let first = read.percentiles[0];
    assert_eq!(
        (first.figure, first.percentile),
        (PercentileFigure::Rto, Percentile::P999)
    );
}

#[test]
fn slo_errors_name_the_key() {
    let cases = [
        (
            "rto_p99 = \"30s\"",
            "rto_p98 = \"30s\"",
            "slo.rto_p98: unknown key `rto_p98`; did you mean",
        ),
        (
            "error_budget = 0.8",
            "error_budget = \"150%\"",
            "slo.error_budget: `\"150%\"` is not a share of the error budget",
        ),
        (
            "miss_probability = \"5%\"",
            "miss_probability = 0",
            "slo.miss_probability: `0` is not a share of years",
        ),
        (
            "rto_p50 = \"5s\"",
            "rto_p50 = \"0s\"",
            "slo.rto_p50: must be longer than zero",
        ),
        (
            "[slo.services.read]",
            "[slo.services.raed]",
            "slo.services.raed: no service is named `raed`; did you mean `read`?",
        ),
        (
            "rto_p999 = \"1m\"",
            "rto_p999 = \"1m\"\nmiss_probability = \"1%\"\navailabilty = \"99%\"",
            "slo.services.read.availabilty: unknown key `availabilty`; did you mean `availability`?",
        ),
    ];
    for (from, to, expected) in cases {
        let source = format!("{MINIMAL}{}", SLO.replace(from, to));
        let found = errors(&source);
        assert!(
            found.len() == 1 && found[0].contains(expected),
            "{to}: {found:?}"
        );
    }
    // A share of years needs the availability target it is measured against.
    let source = format!(
        "{MINIMAL}{}",
        SLO.replace("availability = \"99.999%\"\n", "")
    );
    let found = errors(&source);
    assert!(
        found.len() == 2
            && found
                .iter()
                .all(|e| e.contains("is measured against the availability target")),
        "{found:?}"
    );
}

#[test]
fn duplicate_component_names_are_rejected() {
    let source = format!("{MINIMAL}\n[[component]]\nname = \"db\"\n");
    let found = errors(&source);
    assert!(
        found
            .iter()
            .any(|e| e.contains("two components are named `db`")),
        "{found:?}"
    );
}

/// Each error's kind and the text its span covers.
fn kinds_and_spans(source: &str) -> Vec<(ModelErrorKind, &str)> {
    let errors = parse(source, "m.toml").unwrap_err().errors;
    errors
        .iter()
        .map(|e| (e.kind(), &source[e.position().unwrap().span()]))
        .collect()
}

#[test]
fn errors_have_a_kind_and_the_span_of_the_culprit() {
    use ModelErrorKind::*;
    let cases = [
        (
            "name = \"db\"",
            "name = \"db\"\nreplica = 3",
            (UnknownKey, "replica"),
        ),
        (
            "name = \"db\"",
            "name = \"db\"\nreplicas = 0",
            (OutOfRange, "0"),
        ),
        ("name = \"db\"", "name = \"DB\"", (BadName, "\"DB\"")),
        ("repair = \"1m\"", "repair = 60", (BadDuration, "60")),
        (
            "repair = \"1m\"",
            "repair = \"1 min\"",
            (BadDuration, "\"1 min\""),
        ),
        ("repair = \"1m\"", "repair = true", (WrongType, "true")),
        (
            "repair = \"1m\"",
            "repair = { dist = \"poisson\" }",
            (BadDistribution, "\"poisson\""),
        ),
        ("up = \"db\"", "up = \"db &\"", (BadExpression, "\"db &\"")),
        (
            "every",
            "detect = \"exit\"\n  every",
            (Conflict, "\"exit\""),
        ),
    ];
    for (from, to, expected) in cases {
        let source = MINIMAL.replace(from, to);
        assert_eq!(kinds_and_spans(&source), [expected], "{to}");
    }
    let duplicate = format!("{MINIMAL}\n[[component]]\nname = \"db\"\n");
    assert_eq!(kinds_and_spans(&duplicate), [(Duplicate, "[[component]]")]);
    let missing = MINIMAL.replace("repair = \"1m\"", "");
    let errors = parse(&missing, "m.toml").unwrap_err().errors;
    assert_eq!(errors[0].kind(), MissingKey);
    assert_eq!(errors[0].key(), "component.db.failure.crash.repair");
    assert_eq!(kinds_and_spans(""), [(Empty, "")]);
    assert_eq!(kinds_and_spans("name = ")[0].0, Syntax);
}

#[test]
fn many_errors_each_get_their_own_line() {
    // One unknown key per line: placing each error must not rescan the file.
    let keys: String = (0..20_000).map(|i| format!("k{i} = 1\n")).collect();
    let source = format!("{keys}{MINIMAL}");
    let errors = parse(&source, "m.toml").unwrap_err().errors;
    assert_eq!(errors.len(), 20_000);
    let last = errors[19_999].position().unwrap();
    assert_eq!((last.line(), last.column()), (20_000, 1));
    assert_eq!(errors[19_999].kind(), ModelErrorKind::UnknownKey);
}

#[test]
fn placement_chains_resolve_to_the_nodes_they_mean() {
    let source = r#"
name = "chain"
up = "a & b & c"
[kubernetes]
nodes = 3
[[component]]
name = "a"
replicas = 3
start = "5s"
placement = { with = "b" }
[[component]]
name = "b"
replicas = 2
start = "5s"
placement = { with = "c" }
[[component]]
name = "c"
replicas = 3
start = "5s"
placement = { nodes = [2, 0, 1] }
"#;
    let model = parse(source, "m.toml").unwrap();
    let placement = |i: usize| model.components[i].pod.as_ref().unwrap().placement.clone();
    // a's replicas sit beside b's 0, 1, 0, which sit beside c's 0, 1, 0: nodes 2, 0, 2.
    assert_eq!(placement(0), Placement::Nodes(vec![2, 0, 2]));
    assert_eq!(placement(1), Placement::With(2));
    assert_eq!(placement(2), Placement::Nodes(vec![2, 0, 1]));
}

#[test]
fn a_hundred_thousand_components_parse() {
    // Names are looked up in an index: a scan per name would take minutes here.
    let count = super::component::MAX_COMPONENTS;
    let names: Vec<String> = (0..count).map(|i| format!("c{i}")).collect();
    let mut source = format!("name = \"wide\"\nup = \"{}\"\n", names.join(" & "));
    for name in &names {
        source.push_str(&format!("[[component]]\nname = \"{name}\"\n"));
    }
    let model = parse(&source, "m.toml").unwrap();
    assert_eq!(model.components.len(), count);
    assert_eq!(model.components[count - 1].name, names[count - 1]);
}

/// The naming rule takes the article its noun needs ("a incident" was a user's find).
#[test]
fn the_naming_rule_reads_as_english() {
    assert!(super::values::name_rule("incident").starts_with("an incident name may use"));
    assert!(super::values::name_rule("component").starts_with("a component name may use"));
}
