//! `nines optimize` against exact answers: an exponential level-1 k-of-n component, whose
//! availability for every replica count is a birth-death chain (the binomial in the long
//! run), so the cheapest replica count that passes a target is known in closed form; the
//! screen, the frontier, the close ones and the exit statuses.

use crate::cli::{nines, nines_ok, path_str};
use crate::markov::Ctmc;
use serde_json::Value;

const YEAR_S: f64 = 31_536_000.0;

/// A component of which 2 replicas must be up, each failing after an exponential 5 days
/// of up time and repaired in an exponential 6 h, at 100 a month per replica.
const TWO_OF_N: &str = r#"name = "two of n"
up = "db"

[slo]
availability = "99.99%"

[[component]]
name = "db"
replicas = 3
needs = 2
cost = "100/month"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "5d" }
  detect = "0s"
  repair = { dist = "exponential", mean = "6h" }
"#;

/// The exact mean availability over one year started all up of `n` independent replicas
/// (fail rate 1/5 d, repair rate 1/6 h each) of which 2 must be up: the birth-death chain
/// on the number down, its transient included; with the exact standard error of a year.
fn two_of_n(n: usize) -> (f64, f64) {
    let (fail, repair) = (1.0 / (5.0 * 86_400.0), 1.0 / (6.0 * 3_600.0));
    let mut chain = Ctmc::new(n + 1);
    for down in 0..n {
        chain.add(down, down + 1, (n - down) as f64 * fail);
        chain.add(down + 1, down, (down + 1) as f64 * repair);
    }
    let mut p0 = vec![0.0; n + 1];
    p0[0] = 1.0;
    let reward: Vec<f64> = (0..=n).map(|down| f64::from(n - down < 2)).collect();
    let unavailability = chain.time_average(&p0, &reward, YEAR_S);
    let variance = chain.time_average_variance(&p0, &reward, YEAR_S);
    (1.0 - unavailability, variance.sqrt())
}

fn optimize_json(model: &tempfile::NamedTempFile, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["optimize", path_str(model.path()), "--json"];
    args.extend_from_slice(extra);
    let output = nines(&args);
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (json, output.status.code().unwrap())
}

/// Replicas 2 to 6 and two repair times: the slower repair costs the same and is down
/// more, exactly, so the closed form rules those five out; each simulated availability is
/// its chain's within four standard errors; the frontier is every replica count; and the
/// cheapest that passes 99.99% is 5 replicas: 4 are down 4.2e-4 of the time, 5 only
/// 2.5e-5 (the binomial: P(at most 1 of n up)).
#[test]
fn the_cheapest_passing_replica_count_is_the_binomial_one() {
    let model = crate::util::write_model(TWO_OF_N);
    let years = 2000;
    let (json, code) = optimize_json(
        &model,
        &[
            "--vary",
            "component.db.replicas=2,3,4,5,6",
            "--vary",
            "component.db.failure.crash.repair.mean=6h,8h",
            "--years",
            &years.to_string(),
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    let combinations = json["combinations"].as_array().unwrap();
    assert_eq!(combinations.len(), 5, "the 8 h repairs are screened out");
    let screened = json["screened"].as_array().unwrap();
    assert_eq!(screened.len(), 5);
    assert_eq!(
        json["exact"], 10,
        "exponential, independent, repairs short: all exact"
    );
    for s in screened {
        assert_eq!(s["values"][1], "8h");
        assert_eq!(s["dominated_by"][0], s["values"][0]);
        assert_eq!(s["dominated_by"][1], "6h");
    }
    for (n, combination) in (2..=6).zip(combinations) {
        assert_eq!(
            combination["values"]["component.db.replicas"],
            n.to_string()
        );
        let cost = combination["cost_per_year"].as_f64().unwrap();
        assert!(
            (cost - n as f64 * 1200.0 * 365.0 / 360.0).abs() < 1e-6,
            "{cost}"
        );
        let (exact, sd) = two_of_n(n);
        let se = sd / (years as f64).sqrt();
        let simulated = combination["availability"].as_f64().unwrap();
        println!("{n} replicas: exact {exact:.8}, simulated {simulated:.8}, se {se:.2e}");
        assert!(
            (simulated - exact).abs() <= 4.0 * se.max(1e-12),
            "{n}: {simulated} against exact {exact} (se {se})"
        );
    }
    let frontier: Vec<&Value> = json["frontier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["values"]["component.db.replicas"])
        .collect();
    assert_eq!(frontier, ["2", "3", "4", "5", "6"]);
    assert_eq!(
        json["cheapest"]["values"],
        serde_json::json!({
            "component.db.replicas": "5",
            "component.db.failure.crash.repair.mean": "6h"
        })
    );
    assert_eq!(json["target_from"], "slo");
    assert_eq!(json["undecided"], serde_json::json!([]));
}

/// A target just inside a combination's interval leaves it inconclusive: with the target
/// a quarter of the half-width above the mean, the interval's upper end must shrink to a
/// quarter, so about 16 times the years decide it (the 1/√n scaling). Nothing passes: exit 1.
#[test]
fn a_close_combination_gets_the_years_that_would_decide_it() {
    let model = crate::util::write_model(TWO_OF_N);
    let years = "400";
    let vary = ["--vary", "component.db.replicas=3", "--years", years];
    let (first, _) = optimize_json(&model, &vary);
    let only = &first["combinations"][0];
    let mean = only["availability"].as_f64().unwrap();
    let high = only["ci95"][1].as_f64().unwrap();
    let target = format!("{:.15}", mean + (high - mean) / 4.0);
    let mut args = vary.to_vec();
    args.extend(["--target", &target]);
    let (json, code) = optimize_json(&model, &args);
    assert_eq!(code, 1, "nothing passes: {json:#}");
    assert!(json["cheapest"].is_null());
    assert_eq!(json["combinations"][0]["status"], "inconclusive");
    let undecided = json["undecided"].as_array().unwrap();
    assert_eq!(undecided.len(), 1);
    let decide = json["combinations"][0]["years_to_decide"].as_u64().unwrap();
    assert!((6_400..=6_500).contains(&decide), "{decide}");
    let text = nines(&[
        "optimize",
        path_str(model.path()),
        "--vary",
        "component.db.replicas=3",
        "--years",
        years,
        "--target",
        &target,
    ]);
    let stdout = String::from_utf8(text.stdout).unwrap();
    assert!(stdout.contains("no combination passes"), "{stdout}");
    assert!(stdout.contains("years would decide it"), "{stdout}");
}

#[test]
fn bad_keys_targets_and_models_without_cost_or_target_exit_2() {
    let model = crate::util::write_model(TWO_OF_N);
    let file = path_str(model.path());
    let vary = "component.db.replicas=2,3";
    let cases: [(&[&str], &str); 3] = [
        (
            &["--vary", "component.db.replicaz=2,3"],
            "component.db.replicaz: unknown key `replicaz`",
        ),
        (&["--vary", vary, "--target", "100.5%"], "--target"),
        (&["--vary", vary, "--target", "0"], "--target"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["optimize", file];
        args.extend_from_slice(extra);
        let output = nines(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let no_target = crate::util::write_model(&TWO_OF_N.replace("availability = \"99.99%\"", ""));
    let output = nines(&["optimize", path_str(no_target.path()), "--vary", vary]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("slo.availability: no availability target"),
        "{stderr}"
    );
    let no_cost = crate::util::write_model(&TWO_OF_N.replace("cost = \"100/month\"", ""));
    let output = nines(&["optimize", path_str(no_cost.path()), "--vary", vary]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    // The model has no cost at all: the message does not blame the --vary values.
    assert_eq!(
        stderr,
        format!(
            "error: {}: no cost is given, so there is nothing to minimise; add e.g. cost = \
             \"100/month\" to every component (or [kubernetes] node_cost)\n",
            no_cost.path().display()
        )
    );
}

/// The heading says in words what the closed form ruled out and where it is exact.
#[test]
fn the_heading_says_what_the_closed_form_ruled_out() {
    let model = crate::util::write_model(TWO_OF_N);
    let heading = |extra: &[&str]| {
        let mut args = vec!["optimize", path_str(model.path()), "--years", "20"];
        args.extend_from_slice(extra);
        let output = nines(&args);
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout.lines().next().unwrap().to_string()
    };
    let vary = ["--vary", "component.db.replicas=3,4"];
    assert!(
        heading(&vary).ends_with("seed 1; none ruled out by the closed form, exact for all 2"),
        "{}",
        heading(&vary)
    );
    let slow = [
        "--vary",
        "component.db.replicas=3,4",
        "--vary",
        "component.db.failure.crash.repair.mean=6h,8h",
    ];
    assert!(
        heading(&slow).ends_with("seed 1; 2 ruled out by the closed form, exact for all 4"),
        "{}",
        heading(&slow)
    );
    let weibull = crate::util::write_model(&TWO_OF_N.replace(
        "every = { dist = \"exponential\", mean = \"5d\" }",
        "every = { dist = \"weibull\", shape = 2.0, mean = \"5d\" }",
    ));
    let output = nines(&[
        "optimize",
        path_str(weibull.path()),
        "--years",
        "20",
        "--vary",
        "component.db.replicas=3,4",
    ]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.lines().next().unwrap().ends_with(
            "seed 1; none ruled out before simulating: the closed form is exact for none of the 2"
        ),
        "{stdout}"
    );
}

/// Parses an SVG and returns the text of its `<text>` elements.
pub(crate) fn svg_texts(path: &std::path::Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect()
}

#[test]
fn out_writes_the_frontier_and_the_tornado_as_svg() {
    let model = crate::util::write_model(TWO_OF_N);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("optimize");
    nines_ok(&[
        "optimize",
        path_str(model.path()),
        "--vary",
        "component.db.replicas=3,4,5",
        "--years",
        "50",
        "--out",
        path_str(&out),
    ]);
    let texts = svg_texts(&out.join("frontier.svg"));
    for expected in [
        "Cost against availability: the Pareto frontier",
        "Pareto frontier",
        "target 99.99%",
        "cost per year",
    ] {
        assert!(texts.iter().any(|t| t == expected), "{expected}: {texts:?}");
    }
    let out = dir.path().join("sensitivity");
    nines_ok(&[
        "sensitivity",
        path_str(model.path()),
        "--years",
        "50",
        "--out",
        path_str(&out),
    ]);
    let texts = svg_texts(&out.join("tornado.svg"));
    // One row per parameter, named by its key, and both sides in the legend.
    for expected in [
        "component.db.replicas",
        "component.db.failure.crash.every.mean",
        "component.db.failure.crash.repair.mean",
        "halved (replicas −1)",
        "doubled (replicas +1)",
    ] {
        assert!(texts.iter().any(|t| t == expected), "{expected}: {texts:?}");
    }
}
