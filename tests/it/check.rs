//! End-to-end tests of `nines check`: exit statuses for pass, miss, inconclusive and bad
//! input; the JUnit report parsed as XML; baseline regressions; and the engine's per-service
//! outages that the service RTO targets read.

use crate::cli::{nines, path_str};
use nines::engine::Engine;
use nines::model::Model;
use nines::plan::Plan;
use nines::time::Duration;
use std::fs;
use std::path::{Path, PathBuf};

/// One server failing every 10 days on average and repaired in exactly 1 h, so every outage
/// lasts 1 h (but those cut at the end of a year) and the long-run availability is
/// 240/241 = 99.58506%. The service `read` is the same as `up`. `SLO` is the `[slo]` table.
fn model(dir: &Path, file: &str, repair: &str, slo: &str) -> PathBuf {
    let path = dir.join(file);
    let source = format!(
        r#"name = "one server"
up = "db"

[simulation]
years = 2000

[services]
read = "db"

{slo}

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = {{ dist = "exponential", mean = "10d" }}
  repair = "{repair}"
"#
    );
    fs::write(&path, source).unwrap();
    path
}

/// Runs `nines check` with `args` after the model, returning the exit status and stdout.
fn check(model: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["check", path_str(model)];
    all.extend_from_slice(args);
    let output = nines(&all);
    let code = output.status.code().expect("nines exits normally");
    (code, String::from_utf8(output.stdout).unwrap())
}

/// The `status` of each target in `check --json` output, as `scope target status`.
fn statuses(json: &str, list: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(json).expect("check --json is JSON");
    report[list]
        .as_array()
        .expect("a list of verdicts")
        .iter()
        .map(|v| format!("{} {} {}", v["scope"], v["target"], v["status"]).replace('"', ""))
        .collect()
}

#[test]
fn targets_that_hold_pass_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99%\"\nrto_p99 = \"2h\"\nmiss_probability = \"50%\"\nerror_budget = \"50%\"\nyearly_downtime_p95 = \"2d\"\n[slo.services.read]\nrto_p50 = \"1h30m\"";
    let path = model(dir.path(), "m.toml", "1h", slo);
    let (code, text) = check(&path, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("  pass  ")).count(), 6);
    assert!(
        text.ends_with("6 pass, 0 miss, 0 inconclusive: ok\n"),
        "{text}"
    );
    // The figure is printed with its interval and the bound.
    assert!(
        text.contains("  pass          up availability         99.58")
            && text.contains("bound >= 99.000%"),
        "{text}"
    );
}

#[test]
fn a_missed_target_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    // Every outage lasts 1 h: a 30 min p99 is missed, whatever the years.
    let path = model(
        dir.path(),
        "m.toml",
        "1h",
        "[slo]\navailability = \"99%\"\nrto_p99 = \"30m\"",
    );
    let (code, json) = check(&path, &["--json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        statuses(&json, "targets"),
        ["up availability pass", "up rto_p99 miss"]
    );
    // --allow-inconclusive does not excuse a miss.
    assert_eq!(check(&path, &["--allow-inconclusive"]).0, 1);
}

#[test]
fn a_target_within_the_noise_is_inconclusive_and_says_how_many_years_decide_it() {
    let dir = tempfile::tempdir().unwrap();
    // The target sits 6e-7 below the exact availability; the 95% CI over 2000 years is
    // about ±3e-5 wide, so it cannot tell.
    let path = model(
        dir.path(),
        "m.toml",
        "1h",
        "[slo]\navailability = \"99.585%\"",
    );
    let (code, text) = check(&path, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("INCONCLUSIVE  up availability"), "{text}");
    let (code, json) = check(&path, &["--json", "--allow-inconclusive"]);
    assert_eq!(code, 0, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let target = &report["targets"][0];
    assert_eq!(target["status"], "inconclusive");
    // n·(h/d)² with the interval's half-width h and the distance d to the bound.
    let figure = target["figure"].as_f64().unwrap();
    let low = target["ci95"][0].as_f64().unwrap();
    let bound = target["bound"].as_f64().unwrap();
    let expected = 2000.0 * ((figure - low) / (figure - bound)).powi(2);
    let years = target["years_to_decide"].as_f64().unwrap();
    assert!(
        years >= expected && years <= expected * 1.1,
        "{years} vs {expected}"
    );
}

/// A model that can fail but showed no downtime in a short run is not passed on a CI of
/// zero width: with no year down, the interval is that of the share of years with any
/// downtime (Wilson's upper end for 0 of n, z²/(n + z²)), each such year down throughout.
/// A model that cannot fail at all passes.
#[test]
fn no_downtime_seen_is_not_proof_unless_the_model_cannot_go_down() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99.95%\"";
    // Failing once a century for 30 days: exactly 99.918% available, below the target; in
    // 20 years (seed 1) no failure strikes.
    let rare = dir.path().join("rare.toml");
    let failure = "[[component.failure]]\nname = \"c\"\n\
                   every = { dist = \"exponential\", mean = \"100y\" }\nrepair = \"30d\"\n";
    let text = |failure: &str| {
        format!("name = \"m\"\nup = \"a\"\n{slo}\n[[component]]\nname = \"a\"\n{failure}")
    };
    fs::write(&rare, text(failure)).unwrap();
    let (code, json) = check(&rare, &["--years", "20", "--json"]);
    assert_eq!(code, 1, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let target = &report["targets"][0];
    assert_eq!(target["status"], "inconclusive", "{json}");
    assert_eq!(
        target["figure"], 1.0,
        "no downtime in these 20 years: {json}"
    );
    let z2 = 1.959_963_984_540_054_f64.powi(2);
    let low = target["ci95"][0].as_f64().unwrap();
    assert!((low - (1.0 - z2 / (20.0 + z2))).abs() < 1e-12, "{json}");
    let (_, text_report) = check(&rare, &["--years", "20"]);
    assert!(
        text_report.contains("no downtime in 20 years"),
        "{text_report}"
    );

    let never = dir.path().join("never.toml");
    fs::write(&never, text("")).unwrap();
    let (code, json) = check(&never, &["--years", "20", "--json"]);
    assert_eq!(code, 0, "a model with nothing to fail passes: {json}");

    // The same for a percentile: no outage in 20 years says nothing of how long one lasts
    // (the RTO's upper end is unbounded), unless nothing can fail.
    let rto = |model: &str| text(model).replace(slo, "[slo]\nrto_p99 = \"1h\"");
    fs::write(&rare, rto(failure)).unwrap();
    let (code, json) = check(&rare, &["--years", "20", "--json"]);
    assert_eq!(code, 1, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["targets"][0]["status"], "inconclusive", "{json}");
    assert_eq!(
        report["targets"][0]["ci95"][1],
        serde_json::Value::Null,
        "{json}"
    );
    let (_, text_report) = check(&rare, &["--years", "20"]);
    assert!(
        text_report
            .contains("more years, enough to see some, would decide it  (no outages in 20 years)"),
        "{text_report}"
    );
    fs::write(&never, rto("")).unwrap();
    let (code, json) = check(&never, &["--years", "20", "--json"]);
    assert_eq!(code, 0, "no outage can happen: {json}");

    // A service of components with nothing to fail passes beside an `up` that can fail.
    let service = dir.path().join("service.toml");
    let source = format!(
        "{}[services]\nstatic = \"b\"\n[slo.services.static]\navailability = \"99.9%\"\n\
         [[component]]\nname = \"b\"\n",
        text(failure).replace("up = \"a\"", "up = \"a & b\"")
    );
    fs::write(&service, source).unwrap();
    let (code, json) = check(&service, &["--years", "20", "--json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        statuses(&json, "targets"),
        ["up availability inconclusive", "static availability pass"],
        "{json}"
    );
}

#[test]
fn bad_models_baselines_and_usage_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let typo = model(
        dir.path(),
        "typo.toml",
        "1h",
        "[slo]\navailabilty = \"99%\"",
    );
    let output = nines(&["check", path_str(&typo)]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            ":11:1: slo.availabilty: unknown key `availabilty`; did you mean `availability`?"
        ),
        "{stderr}"
    );
    let unknown_service = model(
        dir.path(),
        "service.toml",
        "1h",
        "[slo.services.write]\navailability = \"99%\"",
    );
    let output = nines(&["check", path_str(&unknown_service)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no service is named `write`"));
    let no_slo = model(dir.path(), "none.toml", "1h", "");
    let output = nines(&["check", path_str(&no_slo)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("sets no [slo] targets"));
    let fine = model(
        dir.path(),
        "fine.toml",
        "1h",
        "[slo]\navailability = \"99%\"",
    );
    let bad_baseline = dir.path().join("baseline.json");
    fs::write(&bad_baseline, "{\"model\": \"x\"}").unwrap();
    let output = nines(&[
        "check",
        path_str(&fine),
        "--baseline",
        path_str(&bad_baseline),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a summary.json"));
    // An endless file is read no further than a summary.json could be long.
    let output = nines(&["check", path_str(&fine), "--baseline", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/dev/zero") && stderr.contains("larger than 64 MiB"),
        "{stderr}"
    );
    assert_eq!(
        nines(&["check", path_str(&fine), "--years", "0"])
            .status
            .code(),
        Some(2)
    );
}

/// The JUnit report may sit in the output directory: written on its own, it leaves the
/// marker summary.json and every result file beside it in place.
#[test]
fn a_junit_report_inside_the_output_directory_keeps_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path(), "m.toml", "1h", "[slo]\navailability = \"99%\"");
    let out = dir.path().join("out");
    let junit = out.join("slo.xml");
    let args = [
        "--years",
        "200",
        "--out",
        path_str(&out),
        "--junit",
        path_str(&junit),
    ];
    assert_eq!(check(&path, &args).0, 0);
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "accumulator.json",
            "downtime-histogram.svg",
            "outage-cdf.svg",
            "outages.csv",
            "report.html",
            "slo.xml",
            "summary.json",
            "timeline.svg",
            "years.csv"
        ]
    );
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
    // A second check replaces both, and still leaves summary.json.
    assert_eq!(check(&path, &args).0, 0);
    assert!(out.join("summary.json").is_file());
    assert_eq!(fs::read_to_string(&junit).unwrap(), xml);
}

/// A JUnit path that names a directory is refused, and the directory stays.
#[test]
fn a_junit_report_never_replaces_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path(), "m.toml", "1h", "[slo]\navailability = \"99%\"");
    let junit = dir.path().join("slo.xml");
    fs::create_dir(&junit).unwrap();
    let output = nines(&[
        "check",
        path_str(&path),
        "--years",
        "50",
        "--junit",
        path_str(&junit),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: cannot write the JUnit report {}: it exists and is not a regular file",
            junit.display()
        )),
        "{stderr}"
    );
    assert!(junit.is_dir());
}

#[test]
fn junit_report_has_one_test_case_per_target_and_fails_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99%\"\nrto_p99 = \"30m\"\n[slo.services.read]\navailability = \"99.585%\"";
    let path = model(dir.path(), "m.toml", "1h", slo);
    let junit = dir.path().join("reports/junit.xml");
    fs::create_dir_all(junit.parent().unwrap()).unwrap();
    for (allow, failures, skipped) in [(false, 2, 0), (true, 1, 1)] {
        let mut args = vec!["--junit", path_str(&junit)];
        if allow {
            args.push("--allow-inconclusive");
        }
        assert_eq!(check(&path, &args).0, 1);
        let xml = fs::read_to_string(&junit).unwrap();
        let doc = roxmltree::Document::parse(&xml).expect("the JUnit report is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("3"));
        assert_eq!(
            root.attribute("failures"),
            Some(failures.to_string().as_str())
        );
        let cases: Vec<(String, Option<String>)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|case| {
                let name = format!(
                    "{} {}",
                    case.attribute("classname").unwrap(),
                    case.attribute("name").unwrap()
                );
                let outcome = case
                    .children()
                    .find(|c| c.has_tag_name("failure") || c.has_tag_name("skipped"))
                    .map(|c| {
                        format!(
                            "{} {}",
                            c.tag_name().name(),
                            c.attribute("type").unwrap_or("-")
                        )
                    });
                (name, outcome)
            })
            .collect();
        let inconclusive = if allow {
            "skipped -"
        } else {
            "failure inconclusive"
        };
        assert_eq!(
            cases,
            [
                ("nines.slo.up availability".to_string(), None),
                (
                    "nines.slo.up rto_p99".to_string(),
                    Some("failure miss".to_string())
                ),
                (
                    "nines.slo.read availability".to_string(),
                    Some(inconclusive.to_string())
                ),
            ]
        );
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(
            suite.attribute("skipped"),
            Some(skipped.to_string().as_str())
        );
    }
}

#[test]
fn baseline_flags_a_regression_and_not_an_identical_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99%\"";
    let before = model(dir.path(), "before.toml", "1h", slo);
    let base = dir.path().join("base");
    crate::cli::nines_ok(&["run", path_str(&before), "--out", path_str(&base)]);
    let summary = base.join("summary.json");
    // The same model and seed give the same years: nothing moves, nothing is flagged.
    let (code, json) = check(&before, &["--json", "--baseline", path_str(&summary)]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        statuses(&json, "baseline"),
        [
            "up baseline_availability pass",
            "up baseline_rto_p99 pass",
            "read baseline_availability pass",
            "read baseline_rto_p99 pass"
        ]
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(
        report["baseline"][0]["figure"],
        saved["availability"]["mean"]
    );
    // A repair 10 minutes longer: 17% more downtime, far beyond the noise, and every
    // outage (so the p99) 10 minutes longer. The SLO itself still passes.
    let after = model(dir.path(), "after.toml", "1h10m", slo);
    let (code, json) = check(&after, &["--json", "--baseline", path_str(&summary)]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(statuses(&json, "targets"), ["up availability pass"]);
    assert_eq!(
        statuses(&json, "baseline"),
        [
            "up baseline_availability miss",
            "up baseline_rto_p99 miss",
            "read baseline_availability miss",
            "read baseline_rto_p99 miss"
        ]
    );
}

/// A baseline needs only what the comparison uses: SPEC section 4's minimal summary (no
/// `p99_ci95`, a service without `rto_s`) is compared; a figure out of range is refused
/// before simulating (exit status 2) naming the file, the key and its line. A tolerance of
/// a bare 0 is the default; a share of the budget beyond 100% is refused naming the limit.
#[test]
fn baselines_need_only_what_is_compared_and_figures_in_range() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99%\"";
    let path = model(dir.path(), "m.toml", "1h", slo);
    let minimal = dir.path().join("minimal.json");
    let spec = r#"{
  "model": "one server", "seed": 1, "years": 2000, "horizon_s": 31536000,
  "availability": { "mean": 0.99, "ci95": [0.98, 0.995], "nines": 2.0 },
  "downtime_per_year_s": { "mean": 11983.0, "p50": 11000.0, "p90": 20000.0, "p99": 31000.0 },
  "outages_per_year": { "mean": 4.1 },
  "rto_s": { "count": 41000, "mean": 2922.0, "p50": 1800.0, "p90": 6000.0, "p99": 14000.0, "max": 40000.0 },
  "services": { "read": { "availability": { "mean": 0.99, "ci95": [0.98, 0.995], "nines": 2.0 } } }
}"#;
    fs::write(&minimal, spec).unwrap();
    for tolerance in ["0", "0s", "0%"] {
        let args = [
            "--json",
            "--baseline",
            path_str(&minimal),
            "--baseline-tolerance",
            tolerance,
        ];
        let (code, json) = check(&path, &args);
        assert_eq!(code, 0, "{tolerance}: {json}");
        assert_eq!(
            statuses(&json, "baseline"),
            [
                "up baseline_availability pass",
                "up baseline_rto_p99 pass",
                "read baseline_availability pass"
            ]
        );
    }
    let beyond = dir.path().join("beyond.json");
    fs::write(&beyond, spec.replace("\"mean\": 0.99,", "\"mean\": 1.5,")).unwrap();
    let output = nines(&["check", path_str(&path), "--baseline", path_str(&beyond)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(path_str(&beyond))
            && stderr.contains("availability.mean: 1.5 is not an availability")
            && stderr.contains("at line 3"),
        "{stderr}"
    );
    let output = nines(&[
        "check",
        path_str(&path),
        "--baseline",
        path_str(&minimal),
        "--baseline-tolerance",
        "150%",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("from 0% to 100%"), "{stderr}");
}

/// A baseline of another model is refused before simulating (exit status 2, nothing on
/// standard output), unless --allow-other-model; then it is warned about, as a baseline of
/// another seed or length always is.
#[test]
fn a_baseline_of_another_model_is_refused_and_of_another_seed_or_length_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99%\"";
    let path = model(dir.path(), "m.toml", "1h", slo);
    let base = dir.path().join("base");
    crate::cli::nines_ok(&[
        "run",
        path_str(&path),
        "--years",
        "200",
        "--out",
        path_str(&base),
    ]);
    let summary = base.join("summary.json");
    let stderr = |model: &Path, args: &[&str]| {
        let mut all = vec!["check", path_str(model), "--baseline", path_str(&summary)];
        all.extend_from_slice(args);
        String::from_utf8(nines(&all).stderr).unwrap()
    };
    assert!(!stderr(&path, &["--years", "200"]).contains("warning"));
    let renamed = dir.path().join("renamed.toml");
    let source = fs::read_to_string(&path).unwrap();
    fs::write(&renamed, source.replace("one server", "another server")).unwrap();
    let refused = nines(&[
        "check",
        path_str(&renamed),
        "--baseline",
        path_str(&summary),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        format!(
            "error: the baseline {} is of model `one server`, this run of `another server`, so \
             the comparison would be meaningless; give the baseline of this model, or \
             --allow-other-model to compare anyway\n",
            summary.display()
        )
    );
    let warnings = stderr(
        &renamed,
        &["--years", "300", "--seed", "5", "--allow-other-model"],
    );
    for expected in [
        "warning: the baseline is of model `one server`, this run of `another server`",
        "warning: the baseline ran with seed 1, this run with 5",
        "warning: the baseline ran with years 200, this run with 300",
    ] {
        assert!(warnings.contains(expected), "{expected:?} in {warnings}");
    }
}

#[test]
fn check_output_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\navailability = \"99.585%\"\nrto_p99 = \"2h\"\nmiss_probability = \"50%\"";
    let path = model(dir.path(), "m.toml", "1h", slo);
    let one = check(&path, &["--json", "--threads", "1", "--years", "700"]);
    let two = check(&path, &["--json", "--threads", "2", "--years", "700"]);
    assert_eq!(one, two);
}

/// Service outages are the maximal intervals in which the service is down: for a service
/// equal to `up` they are the system's outages, and they add up to its downtime.
#[test]
fn service_outages_match_the_system_outages_for_the_same_expression() {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path(), "m.toml", "1h", "");
    let source = fs::read_to_string(&path).unwrap().replace(
        "repair = \"1h\"",
        "repair = { dist = \"exponential\", mean = \"1h\" }",
    );
    let model = Model::parse(&source, "m.toml").unwrap();
    let plan = Plan::compile(&model, 7);
    let mut engine = Engine::new(&plan);
    let mut outages = 0;
    for year in 0..200 {
        let outcome = engine.simulate(year);
        let system: Vec<Duration> = outcome.outages.iter().map(|o| o.duration).collect();
        assert_eq!(outcome.service_outages[0], system, "year {year}");
        let total = outcome.service_outages[0]
            .iter()
            .fold(Duration::ZERO, |sum, d| sum.saturating_add(*d));
        assert_eq!(total, outcome.downtime[1], "year {year}");
        outages += system.len();
    }
    assert!(outages > 1000, "{outages} outages: the test must see many");
}

/// A p99 of 200 years has no upper 95% bound (0.99^200 = 13% > 2.5%): the inconclusive line
/// says why the CI is unbounded, then how many years would bound it (ln 0.025 / ln 0.99 =
/// 367.04, so 368, rounded up to two digits: 370).
#[test]
fn an_unbounded_percentile_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let slo = "[slo]\nyearly_downtime_p99 = \"30d\"";
    let path = model(dir.path(), "m.toml", "1h", slo);
    let (code, text) = check(&path, &["--years", "200"]);
    assert_eq!(code, 1, "{text}");
    let line = text
        .lines()
        .find(|line| line.contains("yearly_downtime_p99"))
        .unwrap();
    assert!(line.starts_with("  INCONCLUSIVE"), "{line}");
    assert!(
        line.ends_with(
            ", unbounded]  bound <= 30d  (too few years for an upper 95% bound: even the \
             largest may lie below the true percentile)  about 370 years would decide it"
        ),
        "{line}"
    );
}

/// An RPO target is judged on the incidents recovered from a backup: with every backup
/// failing none can be, so every incident loses all its data and the target misses (it
/// passed for want of values); with rare incidents and none seen it is inconclusive; with
/// hourly backups every loss is below 1 h 1 m and it passes.
#[test]
fn an_rpo_target_misses_when_no_incident_can_be_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpo.toml");
    let write = |fails: &str, every: &str| {
        let source = format!(
            "name = \"m\"\nup = \"db\"\n[slo]\nrpo_p99 = \"1h1m\"\n\
             [[component]]\nname = \"db\"\n\
             [backup]\nevery = \"1h\"\nduration = \"1m\"\nfails = \"{fails}\"\nrestore = \"1h\"\n\
             [[incident]]\nname = \"dropped\"\nkind = \"logical\"\nevery = \"{every}\"\n\
             detect = \"0s\"\n"
        );
        fs::write(&path, source).unwrap();
    };
    write("100%", "10d");
    let (code, json) = check(&path, &["--years", "50", "--json"]);
    assert_eq!(code, 1, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let target = &report["targets"][0];
    assert_eq!(target["status"], "miss", "{json}");
    assert_eq!(target["figure"], serde_json::Value::Null, "{json}");
    assert!(
        target["note"]
            .as_str()
            .unwrap()
            .starts_with("every incident loses all its data"),
        "{json}"
    );
    let (_, text) = check(&path, &["--years", "50"]);
    assert!(
        text.contains("MISS          up rpo_p99  all  95% CI [all, all]  bound <= 1h 1m"),
        "{text}"
    );

    write("0%", "1000y");
    let (code, json) = check(&path, &["--years", "20", "--json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(statuses(&json, "targets"), ["up rpo_p99 inconclusive"]);

    write("0%", "10d");
    let (code, json) = check(&path, &["--years", "50", "--json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(statuses(&json, "targets"), ["up rpo_p99 pass"]);
}

/// Backups kept 7 days and damage noticed after 8: no incident can be recovered, so both
/// data-loss targets miss (they passed at 0 s, or stayed inconclusive however many years
/// ran). Where some could be, a run that recovered none, or saw no incident, is
/// inconclusive, not a pass at 0 s nor a certain miss (one seed's luck). With some
/// incidents recovered, the data lost per year says how many it leaves out.
#[test]
fn data_loss_targets_miss_when_no_incident_of_the_run_was_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retention.toml");
    let write = |detect: &str| {
        let source = format!(
            "name = \"m\"\nup = \"db\"\n[slo]\nrpo_p99 = \"1d\"\ndata_lost_per_year = \"1h\"\n\
             [[component]]\nname = \"db\"\n\
             [backup]\nevery = \"1d\"\nduration = \"1m\"\nretention = \"7d\"\nrestore = \"1h\"\n\
             [[incident]]\nname = \"dropped\"\nkind = \"logical\"\nevery = \"180d\"\n\
             detect = {detect}\n"
        );
        fs::write(&path, source).unwrap();
    };
    write("\"8d\"");
    let (code, text) = check(&path, &["--years", "100"]);
    assert_eq!(code, 1, "{text}");
    for target in ["rpo_p99  ", "data_lost_per_year  "] {
        let line = text.lines().find(|l| l.contains(target)).unwrap();
        assert!(line.starts_with("  MISS"), "{text}");
        assert!(line.contains("every incident loses all its data"), "{text}");
    }
    // Noticed after 6 to 8 days: the last clean backup is kept long enough only in the
    // first of those days; a year's two incidents (seed 3) were both too late.
    write("{ dist = \"uniform\", min = \"6d\", max = \"8d\" }");
    let (_, text) = check(&path, &["--years", "1", "--seed", "3"]);
    for target in ["rpo_p99  ", "data_lost_per_year  "] {
        let line = text.lines().find(|l| l.contains(target)).unwrap();
        assert!(line.starts_with("  INCONCLUSIVE"), "{text}");
        assert!(
            line.contains("(none of the 2 incidents in 1 year was recovered"),
            "{text}"
        );
    }
    // No incident in the run: nothing says how much a recovered one loses.
    write("{ dist = \"uniform\", min = \"4d\", max = \"8d\" }");
    let rare = fs::read_to_string(&path)
        .unwrap()
        .replace("\"180d\"", "\"1000y\"");
    fs::write(&path, rare).unwrap();
    let (_, text) = check(&path, &["--years", "5"]);
    let line = text
        .lines()
        .find(|l| l.contains("data_lost_per_year"))
        .unwrap();
    assert!(line.starts_with("  INCONCLUSIVE"), "{text}");
    assert!(line.contains("(no incidents in 5 years)"), "{text}");
    // About half the incidents are noticed while the last clean backup is kept (6 days
    // at most, with daily backups): the rest are left out.
    write("{ dist = \"uniform\", min = \"4d\", max = \"8d\" }");
    let (_, json) = check(&path, &["--years", "100", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let targets = report["targets"].as_array().unwrap();
    let lost = (targets.iter())
        .find(|t| t["target"] == "data_lost_per_year")
        .unwrap();
    assert!(lost["figure"].as_f64().unwrap() > 0.0, "{json}");
    assert!(
        lost["note"].as_str().unwrap().starts_with("leaves out "),
        "{json}"
    );
}
