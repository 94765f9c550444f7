//! The data-loss measure ([`DataLoss`]) end to end, after the pattern of `tests.rs`: the
//! exact merge at split points and through saved states, `rpo_*` answered for the system,
//! `incidents.csv`, and no `maintenance` section for a model with incidents alone.

use super::planned_tests::{accumulate, bytes};
use super::*;
use crate::engine::Engine;
use crate::report::CsvRows;
use crate::stats::{Accumulator, AccumulatorState};

const YEARS: u64 = 120;

/// A replica failing every few days, daily backups (some failing), a standby site and
/// frequent incidents of both kinds, so that they overlap outages and each other.
const MODEL: &str = r#"
name = "data"
up = "db"
[backup]
every = "1d"
duration = { dist = "uniform", min = "30m", max = "2h" }
fails = "10%"
retention = "3d"
offsite = true
restore = { dist = "exponential", mean = "3h" }
[replication]
lag = { dist = "exponential", mean = "2s" }
failover = "20m"
[[incident]]
name = "dropped"
kind = "logical"
every = { dist = "exponential", mean = "20d" }
detect = { dist = "exponential", mean = "1d" }
[[incident]]
name = "fire"
kind = "site"
every = { dist = "exponential", mean = "90d" }
detect = "5m"
repair = "60d"
[[component]]
name = "db"
replicas = 1
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "5d" }
  repair = { dist = "exponential", mean = "4h" }
"#;

#[test]
fn the_measure_merges_exactly_across_split_points_and_saved_states() {
    let plan = crate::fixtures::plan(MODEL, 3);
    let whole = accumulate(&plan, 0..YEARS);
    let expected = bytes(&whole);
    for split in [0, 1, YEARS / 2, YEARS - 1, YEARS] {
        let mut first = accumulate(&plan, 0..split);
        first.merge(accumulate(&plan, split..YEARS)).unwrap();
        assert_eq!(bytes(&first), expected, "split at {split}");
        let saved = |years| {
            let json = bytes(&accumulate(&plan, years)).1;
            Accumulator::restore(AccumulatorState::parse(&json).unwrap()).unwrap()
        };
        let mut first = saved(0..split);
        first.merge(saved(split..YEARS)).unwrap();
        assert_eq!(bytes(&first), expected, "states split at {split}");
    }
    let summary: serde_json::Value = serde_json::from_slice(&expected.0).unwrap();
    let loss = &summary["data_loss"];
    let recovered = loss["lost_s"]["count"].as_f64().unwrap();
    let unrecoverable = loss["unrecoverable"].as_f64().unwrap();
    let incidents = loss["incidents_per_year"].as_f64().unwrap() * YEARS as f64;
    assert!(recovered > 100.0 && unrecoverable > 0.0, "{loss}");
    assert_eq!(recovered + unrecoverable, incidents.round());
    assert!(
        summary.get("maintenance").is_none(),
        "incidents alone: no maintenance section"
    );
    let kinds = &summary["downtime_by_kind_s"];
    let sum = kinds["failure"].as_f64().unwrap() + kinds["incident"].as_f64().unwrap();
    let mean = summary["downtime_per_year_s"]["mean"].as_f64().unwrap();
    assert!((sum - mean).abs() <= 1e-9 * mean, "{sum} against {mean}");
    assert!(kinds["incident"].as_f64().unwrap() > 0.0);
}

#[test]
fn the_data_lost_is_the_system_s_rpo_figure() {
    let plan = crate::fixtures::plan(MODEL, 5);
    let stats = accumulate(&plan, 0..20);
    let rpo = stats
        .percentiles(PercentileFigure::Rpo, 0)
        .expect("rpo of up");
    assert!(rpo.count() > 0);
    assert!(stats.percentiles(PercentileFigure::Rpo, 1).is_none());
}

#[test]
fn incidents_csv_has_a_row_per_incident() {
    let plan = crate::fixtures::plan(MODEL, 7);
    let rows = CsvRows::new(&plan);
    assert!(rows.has_incidents());
    let mut out = Vec::new();
    rows.incidents_header(&mut out);
    let mut engine = Engine::new(&plan);
    let mut count = 0;
    for year in 0..10 {
        let outcome = engine.simulate(year);
        count += outcome.measures.2.incidents.len();
        rows.incident_rows(&mut out, outcome);
    }
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("year,start_s,incident,kind,downtime_s,data_lost_s,recovered_from")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), count);
    for row in &rows {
        assert_eq!(row.len(), 7, "{row:?}");
        match row[6] {
            "none" => assert_eq!(row[5], ""),
            "backup" | "replication" => assert!(row[5].parse::<f64>().unwrap() >= 0.0),
            other => panic!("recovered_from {other}"),
        }
        let kind = if row[2] == "dropped" {
            "logical"
        } else {
            "site"
        };
        assert_eq!(row[3], kind);
    }
}

#[test]
fn without_incidents_nothing_is_written() {
    let plan = crate::fixtures::plan(crate::fixtures::MODEL, 11);
    assert!(!CsvRows::new(&plan).has_incidents());
    let (summary, _) = bytes(&accumulate(&plan, 0..5));
    assert!(!String::from_utf8(summary).unwrap().contains("data_loss"));
}
