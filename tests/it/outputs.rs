//! Outputs for CI: `--summary-only` writes the small result files without the rows, and
//! `check --out` shows the SLO verdicts in report.html.

use super::cli::{nines, path_str};
use serde_json::Value;
use std::fs;
use std::path::Path;

const MODEL: &str = "models/etcd-quorum.toml";

/// The names of the files in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// `command` of MODEL over 200 years into `out`, with `extra` arguments.
fn simulate_into(command: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![command, MODEL, "--years", "200", "--out", path_str(out)];
    args.extend(extra);
    let output = nines(&args);
    // A check exits 1 when a target is inconclusive after so few years.
    let ok: &[i32] = if command == "check" { &[0, 1] } else { &[0] };
    assert!(
        output.status.code().is_some_and(|code| ok.contains(&code)),
        "nines {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// With --summary-only, `run` and `check` write every result file but years.csv and
/// outages.csv, and those they write are the bytes of the full output.
#[test]
fn summary_only_leaves_out_the_rows_and_nothing_else() {
    for command in ["run", "check"] {
        let dir = tempfile::tempdir().unwrap();
        let (full, small) = (dir.path().join("full"), dir.path().join("small"));
        simulate_into(command, &full, &[]);
        simulate_into(command, &small, &["--summary-only"]);
        let mut expected = names(&full);
        expected.retain(|name| name != "years.csv" && name != "outages.csv");
        assert!(
            expected.contains(&"summary.json".to_string()),
            "{expected:?}"
        );
        assert!(
            expected.contains(&"report.html".to_string()),
            "{expected:?}"
        );
        assert_eq!(names(&small), expected, "{command}");
        for name in &expected {
            let (a, b) = (fs::read(full.join(name)), fs::read(small.join(name)));
            assert!(a.unwrap() == b.unwrap(), "{command}: {name} differs");
        }
    }
}

/// A `--summary-only` run into the directory of a full run, then a sweep into it, leaves
/// only the result files of the last command (and a file nines never writes).
#[test]
fn a_later_command_removes_the_result_files_it_does_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    simulate_into("run", &out, &[]);
    fs::write(out.join("notes.txt"), "mine").unwrap();
    simulate_into("run", &out, &["--summary-only"]);
    let small = dir.path().join("small");
    simulate_into("run", &small, &["--summary-only"]);
    let mut expected = names(&small);
    expected.push("notes.txt".to_string());
    expected.sort();
    assert_eq!(names(&out), expected);
    let sweep = nines(&[
        "sweep",
        MODEL,
        "--set",
        "component.etcd.replicas=3,5",
        "--years",
        "20",
        "--out",
        path_str(&out),
    ]);
    assert_eq!(sweep.status.code(), Some(0), "{sweep:?}");
    let left = names(&out);
    assert!(left.contains(&"sweep.csv".to_string()), "{left:?}");
    for gone in [
        "summary.json",
        "accumulator.json",
        "years.csv",
        "timeline.svg",
    ] {
        assert!(!left.contains(&gone.to_string()), "{gone} stayed: {left:?}");
    }
    assert!(left.contains(&"notes.txt".to_string()), "{left:?}");
}

#[test]
fn summary_only_needs_out_and_no_shard() {
    let without_out = nines(&["run", MODEL, "--years", "10", "--summary-only"]);
    assert_eq!(without_out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(dir.path());
    let args = ["run", MODEL, "--years", "10", "--summary-only"];
    let sharded = nines(&[&args[..], &["--shard", "0/2", "--out", out]].concat());
    assert_eq!(sharded.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&sharded.stderr);
    assert!(stderr.contains("--shard"), "{stderr}");
}

/// check's report.html has a table of the SLO verdicts: one row per target of the JSON
/// report, with its status and figure; run's report has none.
#[test]
fn check_report_html_shows_every_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("check");
    let json = simulate_into("check", &out, &["--json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let table = html
        .split("<h2>SLO targets</h2>")
        .nth(1)
        .expect("an SLO section")
        .split("</table>")
        .next()
        .unwrap();
    let targets = report["targets"].as_array().unwrap();
    assert!(targets.len() >= 3, "{targets:?}");
    assert_eq!(table.matches("<tr>").count(), targets.len() + 1, "{table}");
    let text = String::from_utf8(nines(&["check", MODEL, "--years", "200"]).stdout).unwrap();
    for target in targets {
        let name = format!(
            "{} {}",
            target["scope"].as_str().unwrap(),
            target["target"].as_str().unwrap()
        );
        let line = text.lines().find(|line| line.contains(&name)).unwrap();
        let status = line.split_whitespace().next().unwrap();
        assert!(
            table.contains(&format!("<td>{status}</td><td>{name}</td>")),
            "{name}: {table}"
        );
    }
    let run = dir.path().join("run");
    simulate_into("run", &run, &[]);
    let html = fs::read_to_string(run.join("report.html")).unwrap();
    assert!(!html.contains("SLO targets"));
}

/// A model whose availability target is its exact availability (a 30-day mean time to
/// failure, one fixed hour of repair: 720/721 = 99.8613%, to 7 digits): no number of years
/// decides it.
const ON_THE_BOUND: &str = r#"
name = "on the bound"
up = "db"
[simulation]
seed = 3
[slo]
availability = "99.8613%"
[[component]]
name = "db"
[[component.failure]]
name = "crash"
every = { dist = "exponential", mean = "30d" }
repair = "1h"
"#;

/// The stderr line of a growing run, and its JSON report or summary.
fn grow(args: &[&str]) -> (String, Value) {
    let output = nines(args);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "nines {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    let line = stderr
        .lines()
        .find(|line| line.starts_with("until decided") || line.starts_with("target CI width"))
        .unwrap_or_else(|| panic!("no growth line in {stderr}"))
        .to_string();
    (line, serde_json::from_slice(&output.stdout).unwrap())
}

/// Every file in `dir`, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// A clear case is decided early, in doubling steps from --years, and the result files
/// are those of a plain check of the years reached, byte for byte, on any thread count.
#[test]
fn until_decided_stops_when_every_target_is_decided() {
    let dir = tempfile::tempdir().unwrap();
    let grown = dir.path().join("grown");
    let args = [
        "check",
        MODEL,
        "--years",
        "10",
        "--until-decided",
        "--max-years",
        "100000",
    ];
    let out = ["--threads", "3", "--json", "--out", path_str(&grown)];
    let (line, report) = grow(&[&args[..], &out].concat());
    let years = report["years"].as_u64().unwrap();
    assert!(
        line.starts_with("until decided: every target decided after "),
        "{line}"
    );
    assert!(line.contains(&format!(" {years} years (")), "{line}");
    // Doubling from 10: 10, 20, 40, ...; decided well before the cap.
    assert!(
        years < 100_000 && (years / 10).is_power_of_two() && years % 10 == 0,
        "{years}"
    );
    let targets = report["targets"].as_array().unwrap();
    assert!(
        targets.iter().all(|t| t["status"] != "inconclusive"),
        "{report}"
    );
    // One step fewer leaves a target undecided.
    let half = (years / 2).to_string();
    let output = nines(&["check", MODEL, "--years", &half, "--json"]);
    let earlier: Value = serde_json::from_slice(&output.stdout).unwrap();
    let undecided = earlier["targets"].as_array().unwrap();
    assert!(
        undecided.iter().any(|t| t["status"] == "inconclusive"),
        "{earlier}"
    );
    // The same bytes as a plain check of those years on one thread.
    let plain = dir.path().join("plain");
    let years = years.to_string();
    nines(&[
        "check",
        MODEL,
        "--years",
        &years,
        "--threads",
        "1",
        "--out",
        path_str(&plain),
    ]);
    assert_eq!(files(&grown), files(&plain));
}

/// A target on its exact value stays inconclusive: the run stops at the cap, says so,
/// and exits 1.
#[test]
fn until_decided_stops_at_the_cap_when_undecidable() {
    let model = super::util::write_model(ON_THE_BOUND);
    let path = path_str(model.path());
    let args = [
        "check",
        path,
        "--years",
        "50",
        "--until-decided",
        "--max-years",
        "300",
        "--json",
    ];
    let (line, report) = grow(&args);
    assert_eq!(
        line,
        "until decided: not reached at the cap of 300 years (4 steps); raise --max-years to go on"
    );
    assert_eq!(report["years"], 300);
    assert_eq!(report["targets"][0]["status"], "inconclusive");
    assert_eq!(nines(&args).status.code(), Some(1));
}

/// `run --target-ci-width` stops at the first step whose availability CI is that narrow
/// (as downtime a year), with the summary of a plain run of those years.
#[test]
fn target_ci_width_grows_until_the_interval_is_that_narrow() {
    let width_s = 60.0;
    let args = [
        "run",
        MODEL,
        "--years",
        "100",
        "--target-ci-width",
        "1m",
        "--json",
    ];
    let (line, summary) = grow(&args);
    let years = summary["years"].as_u64().unwrap();
    assert!(
        line.starts_with(&format!("target CI width 1m: reached after {years} years")),
        "{line}"
    );
    let width = |summary: &Value| {
        let ci = &summary["availability"]["ci95"];
        let horizon = summary["horizon_s"].as_f64().unwrap();
        (ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) * horizon
    };
    assert!(width(&summary) <= width_s * (1.0 + 1e-9), "{summary}");
    let plain = |years: u64| {
        let years = years.to_string();
        let output = nines(&["run", MODEL, "--years", &years, "--json"]);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    assert_eq!(plain(years), summary);
    assert!(years > 100, "{years}");
    assert!(
        width(&plain(years / 2)) > width_s,
        "the step before was not narrow enough"
    );
}

#[test]
fn growth_flags_are_checked() {
    let refused = [
        &["run", MODEL, "--years", "10", "--max-years", "100"][..],
        &[
            "check",
            MODEL,
            "--years",
            "10",
            "--until-decided",
            "--max-years",
            "5",
        ],
    ];
    for args in refused {
        let output = nines(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--max-years"), "{stderr}");
    }
}
