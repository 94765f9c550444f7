//! The outage-kind and planned-work measure ([`Planned`]) end to end, after the pattern of
//! `tests.rs`: what the engine records against its trace, the exact merge at split points
//! and through saved states, the `kind` column, and nothing at all without `[maintenance]`.

use super::*;
use crate::engine::{Engine, TraceEvent};
use crate::plan::OutageKind;
use crate::report::CsvRows;
use crate::stats::{Accumulator, AccumulatorState, RunIdentity, RunMeta};

const YEARS: u64 = 200;

/// Two replicas needing both, upgraded weekly for 2 h each, failing every few days: planned
/// and failure outages, and failures during upgrades.
const MODEL: &str = r#"
name = "planned"
up = "db"
[maintenance]
upgrade = { every = "7d", start = "1d" }
bad_rollout = { probability = "20%", detect = "1h", rollback = "30m" }
[[component]]
name = "db"
replicas = 2
needs = 2
maintenance = { duration = { dist = "uniform", min = "1h", max = "3h" } }
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "5d" }
  repair = { dist = "exponential", mean = "4h" }
"#;

/// The statistics of `years` of `plan` (shared with the other measures' tests).
pub(super) fn accumulate(plan: &Plan, years: std::ops::Range<u64>) -> Accumulator {
    let mut stats = Accumulator::for_plan(plan).starting_at(years.start);
    let mut engine = Engine::new(plan);
    for year in years {
        stats.add(engine.simulate(year));
    }
    stats
}

/// The bytes of `stats`' `summary.json` and saved state.
pub(super) fn bytes(stats: &Accumulator) -> (Vec<u8>, Vec<u8>) {
    let meta = RunMeta {
        model: "planned".into(),
        seed: 3,
    };
    let identity = RunIdentity {
        model: "planned".into(),
        model_sha256: "00".repeat(32),
        seed: 3,
    };
    (
        crate::report::summary_json(&stats.summary(meta, &[])),
        stats.to_state(identity).to_json(),
    )
}

#[test]
fn each_outage_has_the_kind_of_its_cause_and_each_upgrade_its_downtime() {
    let plan = crate::fixtures::plan(MODEL, 3);
    let component = &plan.components[0];
    let mut engine = Engine::new(&plan);
    let mut kinds_seen = [0; 3];
    for year in 0..YEARS {
        let mut trace = Vec::new();
        let outcome = engine.simulate_traced(year, &mut trace);
        let planned = &outcome.measures.1;
        assert_eq!(planned.kinds.len(), outcome.outages.len());
        let mut by_kind = [Duration::ZERO; 3];
        for (outage, kind) in outcome.outages.iter().zip(&planned.kinds) {
            assert_eq!(*kind, component.cause_kind(outage.mode), "year {year}");
            by_kind[*kind as usize] = by_kind[*kind as usize].saturating_add(outage.duration);
            kinds_seen[*kind as usize] += 1;
        }
        assert_eq!(planned.by_kind, by_kind);
        let total = by_kind
            .iter()
            .fold(Duration::ZERO, |a, b| a.saturating_add(*b));
        assert_eq!(total, outcome.downtime[0], "kinds add up to the downtime");
        let begun = trace
            .iter()
            .filter(|(_, e)| matches!(e, TraceEvent::UpgradeStarted { .. }))
            .count();
        assert_eq!(planned.per_upgrade.len(), begun);
        let planned_total = planned
            .per_upgrade
            .iter()
            .fold(Duration::ZERO, |a, b| a.saturating_add(*b));
        assert_eq!(planned_total, by_kind[OutageKind::Maintenance as usize]);
    }
    assert!(kinds_seen[0] > 100 && kinds_seen[1] > 100, "{kinds_seen:?}");
}

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
    let kinds = &summary["downtime_by_kind_s"];
    let sum: f64 = ["failure", "maintenance", "incident"]
        .iter()
        .map(|k| kinds[k].as_f64().unwrap())
        .sum();
    let mean = summary["downtime_per_year_s"]["mean"].as_f64().unwrap();
    assert!((sum - mean).abs() <= 1e-9 * mean, "{sum} against {mean}");
    assert_eq!(kinds["incident"], 0.0);
    assert_eq!(summary["maintenance"]["upgrades_per_year"], 52);
}

#[test]
fn without_maintenance_the_measure_writes_nothing() {
    let plan = crate::fixtures::plan(crate::fixtures::MODEL, 11);
    let stats = accumulate(&plan, 0..20);
    let (summary, state) = bytes(&stats);
    let summary = String::from_utf8(summary).unwrap();
    assert!(!summary.contains("downtime_by_kind_s") && !summary.contains("maintenance"));
    assert!(
        String::from_utf8(state)
            .unwrap()
            .contains("\"measures\":[null,null,null]")
    );
    let rows = CsvRows::new(&plan);
    let mut header = Vec::new();
    rows.outages_header(&mut header);
    assert!(!String::from_utf8(header).unwrap().contains("kind"));
}

#[test]
fn outages_csv_ends_with_the_kind() {
    let plan = crate::fixtures::plan(MODEL, 3);
    let rows = CsvRows::new(&plan);
    let mut engine = Engine::new(&plan);
    let mut out = Vec::new();
    rows.outages_header(&mut out);
    let outcome = engine.simulate(0);
    rows.outage_rows(&mut out, outcome);
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().ends_with(",repair_s,kind"));
    for (line, kind) in lines.zip(&outcome.measures.1.kinds) {
        assert!(line.ends_with(&format!(",{}", kind.name())), "{line}");
        let maintenance = line.contains("db/upgrade") || line.contains("db/bad-rollout");
        assert_eq!(maintenance, *kind == OutageKind::Maintenance, "{line}");
    }
}
