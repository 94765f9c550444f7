//! Adding a measure is one place: a test-only measure, declared below and nowhere else,
//! reaches the engine's years, the accumulator (and its exact merge, directly and through
//! saved states), `summary.json` and both CSV files, without changing what the shipped
//! measures record.

use super::*;
use crate::engine::{Engine, TraceEvent, YearOutcome};
use crate::report::CsvRows;
use crate::stats::{Accumulator, AccumulatorState, RunIdentity, RunMeta};
use serde::Deserialize;

/// Counts the times a component starts or stops serving, per year, and per system outage
/// the count so far when it ended.
#[derive(Debug)]
struct ServingChanges;

/// What [`ServingChanges`] records in one year.
#[derive(Clone, Debug, Default, PartialEq)]
struct ChangesYear {
    changes: u64,
    at_outage_end: Vec<u64>,
}

/// Exact integer totals over years.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ChangesStats {
    total: u64,
    most_in_a_year: u64,
}

impl Measure for ServingChanges {
    type Year = ChangesYear;
    type Stats = ChangesStats;

    fn for_plan(_plan: &Plan) -> ServingChanges {
        ServingChanges
    }

    fn start_year(&self, year: &mut ChangesYear) {
        year.changes = 0;
        year.at_outage_end.clear();
    }

    fn serving_changed(&self, year: &mut ChangesYear, _: Duration, _: u32, _: bool) {
        year.changes += 1;
    }

    fn outage_ended(&self, year: &mut ChangesYear, _outage: &Outage) {
        year.at_outage_end.push(year.changes);
    }

    fn years_columns(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b",serving_changes");
    }

    fn year_cells(&self, out: &mut Vec<u8>, year: &ChangesYear) {
        out.extend_from_slice(format!(",{}", year.changes).as_bytes());
    }

    fn outages_columns(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b",serving_changes_so_far");
    }

    fn outage_cells(&self, out: &mut Vec<u8>, year: &ChangesYear, outage: usize) {
        out.extend_from_slice(format!(",{}", year.at_outage_end[outage]).as_bytes());
    }
}

impl MeasureStats<ChangesYear> for ChangesStats {
    fn add(&mut self, year: &ChangesYear) {
        self.total += year.changes;
        self.most_in_a_year = self.most_in_a_year.max(year.changes);
    }

    fn merge(&mut self, other: &mut ChangesStats) {
        self.total += std::mem::take(&mut other.total);
        self.most_in_a_year = self
            .most_in_a_year
            .max(std::mem::take(&mut other.most_in_a_year));
    }

    fn inconsistency(&self, years: u64) -> Option<&'static str> {
        (self.total < self.most_in_a_year || self.total > self.most_in_a_year * years)
            .then_some("serving changes that no years give")
    }

    fn summarize(&self, years: u64, sections: &mut Sections) {
        let per_year = self.total as f64 / years.max(1) as f64;
        sections.insert(
            "serving_changes".into(),
            serde_json::json!({ "per_year": per_year, "max": self.most_in_a_year }),
        );
    }
}

const YEARS: u64 = 300;

fn plan() -> Plan {
    crate::fixtures::plan(crate::fixtures::MODEL, 11)
}

/// Years `years` of `plan`, with the test measure.
fn simulate(plan: &Plan, years: std::ops::Range<u64>) -> Vec<YearOutcome<ChangesYear>> {
    let mut engine = Engine::<ServingChanges>::with_measures(plan);
    years.map(|year| engine.simulate(year).clone()).collect()
}

fn accumulate(plan: &Plan, years: std::ops::Range<u64>) -> Accumulator<ServingChanges> {
    let mut stats = Accumulator::<ServingChanges>::with_measures(plan).starting_at(years.start);
    for outcome in simulate(plan, years) {
        stats.add(&outcome);
    }
    stats
}

/// The bytes a run gives: its summary.json and its saved state.
fn bytes(stats: &Accumulator<ServingChanges>) -> (Vec<u8>, Vec<u8>) {
    let meta = RunMeta {
        model: "floor".into(),
        seed: 11,
    };
    let identity = RunIdentity {
        model: "floor".into(),
        model_sha256: "00".repeat(32),
        seed: 11,
    };
    (
        crate::report::summary_json(&stats.summary(meta, &[])),
        stats.to_state(identity).to_json(),
    )
}

#[test]
fn the_engine_fills_the_measure_on_serving_changes_and_outage_ends() {
    let plan = plan();
    let mut shipped = Engine::new(&plan);
    let mut measured = Engine::<ServingChanges>::with_measures(&plan);
    for year in 0..YEARS {
        let mut trace = Vec::new();
        let outcome = measured.simulate_traced(year, &mut trace);
        let changes = trace
            .iter()
            .filter(|(_, e)| matches!(e, TraceEvent::ComponentChanged { .. }))
            .count() as u64;
        assert_eq!(outcome.measures.changes, changes, "year {year}");
        assert_eq!(outcome.measures.at_outage_end.len(), outcome.outages.len());
        // The measure changes nothing that the shipped measures record.
        assert_eq!(outcome.expressions, shipped.simulate(year).expressions);
    }
}

#[test]
fn the_measure_is_accumulated_and_merges_exactly_across_split_points() {
    let plan = plan();
    let outcomes = simulate(&plan, 0..YEARS);
    let whole = accumulate(&plan, 0..YEARS);
    let total: u64 = outcomes.iter().map(|o| o.measures.changes).sum();
    assert!(total > YEARS, "only {total} serving changes");
    assert_eq!(whole.measures().total, total);
    let most = outcomes.iter().map(|o| o.measures.changes).max();
    assert_eq!(Some(whole.measures().most_in_a_year), most);
    let expected = bytes(&whole);
    for split in [0, 1, YEARS / 2, YEARS - 1, YEARS] {
        let mut first = accumulate(&plan, 0..split);
        first.merge(accumulate(&plan, split..YEARS)).unwrap();
        assert_eq!(bytes(&first), expected, "split at {split}");
        // And through saved states.
        let saved = |years| {
            let json = bytes(&accumulate(&plan, years)).1;
            Accumulator::<ServingChanges>::restore(AccumulatorState::parse(&json).unwrap()).unwrap()
        };
        let mut first = saved(0..split);
        first.merge(saved(split..YEARS)).unwrap();
        assert_eq!(bytes(&first), expected, "states split at {split}");
    }
    let summary: serde_json::Value = serde_json::from_slice(&expected.0).unwrap();
    let section = &summary["serving_changes"];
    assert_eq!(section["max"], most.unwrap());
    assert_eq!(section["per_year"], total as f64 / YEARS as f64);
}

#[test]
fn the_shipped_summary_has_no_section_of_the_measure() {
    let plan = plan();
    let mut stats = Accumulator::for_plan(&plan);
    let mut engine = Engine::new(&plan);
    for year in 0..10 {
        stats.add(engine.simulate(year));
    }
    let meta = RunMeta {
        model: "floor".into(),
        seed: 11,
    };
    let summary = stats.summary(meta, &[]);
    assert!(summary.measures.is_empty());
    let json = String::from_utf8(crate::report::summary_json(&summary)).unwrap();
    assert!(!json.contains("serving_changes"));
}

#[test]
fn the_measure_adds_csv_columns_after_the_existing_ones() {
    let plan = plan();
    let shipped = CsvRows::new(&plan);
    let measured = CsvRows::<ServingChanges>::with_measures(&plan);
    let mut engine = Engine::new(&plan);
    let (mut before, mut after) = (Vec::new(), Vec::new());
    shipped.years_header(&mut before);
    measured.years_header(&mut after);
    shipped.outages_header(&mut before);
    measured.outages_header(&mut after);
    let outcomes = simulate(&plan, 0..YEARS);
    let mut cells = Vec::new();
    for outcome in &outcomes {
        let without = engine.simulate(outcome.year);
        shipped.year_row(&mut before, without);
        measured.year_row(&mut after, outcome);
        cells.push(outcome.measures.changes.to_string());
        shipped.outage_rows(&mut before, without);
        measured.outage_rows(&mut after, outcome);
        cells.extend(outcome.measures.at_outage_end.iter().map(u64::to_string));
    }
    let (before, after) = (
        String::from_utf8(before).unwrap(),
        String::from_utf8(after).unwrap(),
    );
    assert!(before.lines().count() > YEARS as usize + 2, "no outages");
    let mut expected = vec![
        "serving_changes".to_string(),
        "serving_changes_so_far".into(),
    ];
    expected.extend(cells);
    assert_eq!(before.lines().count(), after.lines().count());
    for ((line, longer), cell) in before.lines().zip(after.lines()).zip(&expected) {
        assert_eq!(longer, format!("{line},{cell}"));
    }
}

#[test]
fn a_state_with_inconsistent_measure_statistics_is_refused() {
    let plan = plan();
    let identity = RunIdentity {
        model: "floor".into(),
        model_sha256: "00".repeat(32),
        seed: 11,
    };
    let mut state = accumulate(&plan, 0..20).to_state(identity);
    state.measures.total = state.measures.most_in_a_year - 1;
    let error = Accumulator::<ServingChanges>::restore(state).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the accumulator state is inconsistent: serving changes that no years give"
    );
}

#[test]
fn every_percentile_target_is_judged_on_the_measure_that_records_it() {
    let plan = plan();
    let stats = accumulate(&plan, 0..50);
    // The data lost (`rpo_*`) is recorded for the system of a model with incidents
    // (`data_loss_tests.rs`); this plan has none.
    for figure in PercentileFigure::ALL
        .into_iter()
        .filter(|f| *f != PercentileFigure::Rpo)
    {
        for expression in 0..plan.expressions.len() {
            assert!(
                stats.percentiles(figure, expression).is_some(),
                "no measure records {figure:?} of expression {expression}"
            );
        }
    }
    let rto = stats.percentiles(PercentileFigure::Rto, 0).unwrap();
    assert_eq!(rto.count(), stats.outages(0).moments.count());
    let yearly = stats
        .percentiles(PercentileFigure::YearlyDowntime, 0)
        .unwrap();
    assert_eq!(yearly.count(), 50);
}
