//! End-to-end tests of the binary on a model with `[traffic]`: the request columns and the
//! `requests` section of the result files, with exact values on a model whose every year is
//! the same, and `check`'s request targets.

use crate::cli::{nines, nines_ok, path_str, read};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// One server failing exactly every 10 days, each time down exactly 80 s (20 s to notice,
/// 1 min to repair): 36 outages in each year of 365 days, the same every year. The system
/// gets 50 requests a second with one attempt each; the service `read` (the same server)
/// 10 a second with attempts at 0, 30 and 60 s. `SLO` is appended. (100 years, so that
/// `check` can bound a 99th percentile of 3600 outages.)
fn model(dir: &Path, slo: &str) -> PathBuf {
    let path = dir.join("traffic.toml");
    let source = format!(
        r#"name = "one server with traffic"
up = "db"

[simulation]
years = 100

[services]
read = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = "10d"
  detect = "20s"
  repair = "1m"

[traffic]
rate = "50/s"
client = "none"

[traffic.services.read]
rate = "10/s"
client = {{ attempts = 3, backoff = "30s", multiplier = 1 }}

{slo}
"#
    );
    fs::write(&path, source).unwrap();
    path
}

/// The requests of one year at `per_second`: 365 days of 86,400 s.
fn per_year(per_second: f64) -> f64 {
    per_second * 365.0 * 86_400.0
}

#[test]
fn run_out_writes_the_exact_request_counts_in_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path(), "");
    let out = dir.path().join("out");
    nines_ok(&[
        "run",
        path_str(&path),
        "--years",
        "3",
        "--out",
        path_str(&out),
    ]);

    // One attempt: every request arriving in an outage fails, 50/s × 80 s = 4000 each.
    let years = read(out.join("years.csv"));
    let mut lines = years.lines();
    let header = lines.next().unwrap();
    assert!(header.ends_with(",requests_failed"), "{header}");
    let cells: Vec<&str> = lines.map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(cells, ["144000"; 3], "{years}");
    let outages = read(out.join("outages.csv"));
    let mut lines = outages.lines();
    assert!(lines.next().unwrap().ends_with(",failed_requests"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3 * 36, "{outages}");
    assert!(
        rows.iter()
            .all(|r| r.ends_with(",80,db/crash,20,0,60,4000")),
        "{outages}"
    );

    let summary: Value = serde_json::from_str(&read(out.join("summary.json"))).unwrap();
    let requests = &summary["requests"];
    assert_eq!(requests["per_year"], per_year(50.0));
    assert_eq!(requests["failed_per_year"]["mean"], 144_000.0);
    assert_eq!(requests["failed_per_outage"]["p99"], 4000.0);
    assert_eq!(requests["failed_per_outage"]["without_failures"], 0.0);
    let success = 1.0 - 144_000.0 / per_year(50.0);
    assert_eq!(requests["success"]["mean"], success);
    assert_eq!(
        requests["success"]["ci95"],
        serde_json::json!([success, success])
    );
    assert_eq!(requests["retry_delay_s"]["max"], 0.0);

    // Three attempts 30 s apart: of each outage's requests, those of its first 20 s fail
    // (their last attempt, 60 s later, is still in it): 10/s × 20 s = 200; those of the
    // next 30 s wait 60 s and the last 30 s wait 30 s, 27,000 request-seconds an outage.
    let read_service = &requests["services"]["read"];
    assert_eq!(read_service["per_year"], per_year(10.0));
    assert_eq!(read_service["failed_per_outage"]["mean"], 200.0);
    assert_eq!(read_service["failed_per_year"]["mean"], 36.0 * 200.0);
    assert_eq!(read_service["retry_delay_s"]["max"], 60.0);
    let delay = read_service["retry_delay_s"]["mean"].as_f64().unwrap();
    let expected = 36.0 * 27_000.0 / (per_year(10.0) - 36.0 * 200.0);
    assert!(
        (delay - expected).abs() <= 1e-12 * expected,
        "{delay} != {expected}"
    );

    // report.html shows request success beside the time-based availability.
    let html = read(out.join("report.html"));
    assert!(
        html.contains("<tr><td>requests</td><td>success 99.99087%")
            && html.contains("(time-based 99.99087%")
            && html.contains("<tr><td>requests read</td><td>success 99.99772%"),
        "{html}"
    );
    assert!(html.contains("failed/outage"), "{html}");
}

/// Runs `check --json` on a model with `slo`, returning the exit status and each
/// verdict as `scope target status`.
fn verdicts(slo: &str) -> (i32, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path(), slo);
    let output = nines(&["check", path_str(&path), "--json"]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("check --json is JSON");
    let verdicts = report["targets"]
        .as_array()
        .expect("a list of verdicts")
        .iter()
        .map(|v| format!("{} {} {}", v["scope"], v["target"], v["status"]).replace('"', ""))
        .collect();
    (
        output.status.code().expect("nines exits normally"),
        verdicts,
    )
}

#[test]
fn check_judges_request_targets_of_the_system_and_of_a_service() {
    // Success is 99.99087% for the system and 99.99772% for `read`, every year alike;
    // the system fails exactly 4000 requests an outage.
    let slo = "[slo]\nrequest_success = \"99.99%\"\nfailed_per_outage_p99 = 4000\n[slo.services.read]\nrequest_success = \"99.997%\"";
    let (code, judged) = verdicts(slo);
    assert_eq!(code, 0, "{judged:?}");
    assert_eq!(
        judged,
        [
            "up request_success pass",
            "up failed_per_outage_p99 pass",
            "read request_success pass"
        ]
    );
    let slo = "[slo]\nrequest_success = \"99.995%\"\nfailed_per_outage_p99 = 3999\n[slo.services.read]\nrequest_success = \"99.998%\"";
    let (code, judged) = verdicts(slo);
    assert_eq!(code, 1, "{judged:?}");
    assert_eq!(
        judged,
        [
            "up request_success miss",
            "up failed_per_outage_p99 miss",
            "read request_success miss"
        ]
    );
}

#[test]
fn explain_sets_failed_requests_per_failure_beside_time() {
    // Closed form of the same model: each failure an 80 s outage, 4000 requests of `up`
    // and 200 of `read`; the text shows request success beside the time-based estimate.
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path(), "");
    let json: Value =
        serde_json::from_str(&nines_ok(&["explain", path_str(&path), "--json"])).unwrap();
    let requests = &json["requests"];
    assert_eq!(requests[0]["name"], "up");
    assert_eq!(requests[0]["causes"][0]["cause"], "db/crash");
    assert_eq!(requests[0]["causes"][0]["window"], "outage");
    assert_eq!(requests[0]["causes"][0]["failed_per_window"], 4000.0);
    assert_eq!(requests[1]["name"], "read");
    assert_eq!(requests[1]["causes"][0]["failed_per_window"], 200.0);
    assert_eq!(requests[1]["last_attempt_s"], 60.0);
    let text = nines_ok(&["explain", path_str(&path)]);
    assert!(
        text.contains("  up: 1576800000 requests a year, 1 attempt\n    success ")
            && text
                .contains("  read: 315360000 requests a year, 3 attempts over 1m 0s\n    success "),
        "{text}"
    );
}
