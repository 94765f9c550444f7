//! Runs split into consecutive parts and merged, directly or through saved states, give the
//! bytes of the run in one piece.

use super::*;
use crate::engine::{Outage, Phases, YearOutcome};
use crate::measure::DowntimeYear;
use crate::stats::causes::Causes;
use crate::time::Duration;

/// Years of the synthetic run; with [`OUTAGES_PER_YEAR`] its outages pass the exact limit.
const YEARS: u64 = 1000;
const OUTAGES_PER_YEAR: u64 = 70;

/// A fixed, well-mixed number for year `year`, item `item`.
fn mix(year: u64, item: u64) -> u64 {
    let mut x = (year << 32 | item).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

/// One synthetic year: outages of two components with two causes each, and two services.
fn year(year: u64) -> YearOutcome {
    let outages: Vec<Outage> = (0..OUTAGES_PER_YEAR)
        .map(|i| {
            let x = mix(year, i);
            let phase = |shift: u32| Duration::from_micros((x >> shift) % 5_000_000_000);
            let phases = Phases {
                detect: phase(3),
                elect: if x.is_multiple_of(3) {
                    Duration::ZERO
                } else {
                    phase(7)
                },
                repair: phase(11),
            };
            Outage {
                start: Duration::from_micros(i),
                duration: micros(&[phases.detect, phases.elect, phases.repair]),
                component: (x % 2) as u32,
                mode: (x >> 1 & 1) as u32,
                phases,
            }
        })
        .collect();
    let durations: Vec<Duration> = outages.iter().map(|o| o.duration).collect();
    let up = micros(&durations);
    let service = |n: u64| -> Vec<Duration> {
        (0..(mix(year, 1000 + n) % 4))
            .map(|i| Duration::from_micros(mix(year, 2000 + 10 * n + i) % 900_000_000))
            .collect()
    };
    let service_outages = vec![service(0), service(1)];
    let downtime = std::iter::once(up)
        .chain(service_outages.iter().map(|d| micros(d)))
        .collect();
    YearOutcome {
        year,
        expressions: DowntimeYear {
            downtime,
            outages,
            service_outages,
        },
        measures: Default::default(),
        events: 0,
    }
}

/// The sum of `durations`.
fn micros(durations: &[Duration]) -> Duration {
    Duration::from_micros(durations.iter().map(|d| d.as_micros()).sum())
}

fn empty() -> Accumulator {
    let mut accumulator = Accumulator::new(Duration::YEAR, 3).with_miss_thresholds(vec![
        Some(Duration::from_secs(400_000)),
        None,
        None,
    ]);
    accumulator.expressions.causes = Causes::new(vec![
        vec!["db/crash".into(), "db/node".into()],
        vec!["proxy/crash".into(), "proxy/session".into()],
    ]);
    accumulator
}

fn run(years: std::ops::Range<u64>) -> (Accumulator, Breakdown) {
    let mut accumulator = empty().starting_at(years.start);
    let mut breakdown = Breakdown::new([2, 2]);
    for y in years {
        let outcome = year(y);
        accumulator.add(&outcome);
        breakdown.add(&outcome);
    }
    (accumulator, breakdown)
}

fn identity() -> RunIdentity {
    RunIdentity {
        model: "synthetic".into(),
        model_sha256: "00".repeat(32),
        seed: 7,
    }
}

/// The bytes a run writes: its `summary.json`, and its saved state.
fn bytes(accumulator: &Accumulator) -> (String, String) {
    let meta = RunMeta {
        model: "synthetic".into(),
        seed: 7,
    };
    let names = ["read".to_string(), "write".to_string()];
    let summary = crate::report::summary_json(&accumulator.summary(meta, &names));
    let state = accumulator.to_state(identity()).to_json();
    (
        String::from_utf8(summary).unwrap(),
        String::from_utf8(state).unwrap(),
    )
}

/// What the plots read from a breakdown.
fn breakdown_answers(breakdown: &Breakdown) -> String {
    let causes: Vec<_> = breakdown
        .by_cause()
        .into_iter()
        .map(|(c, m, q)| (c, m, q.count(), q.quantiles_secs([0.5, 0.99]), q.max_secs()))
        .collect();
    format!("{causes:?} {:?}", breakdown.worst_year())
}

#[test]
fn merged_halves_give_the_bytes_of_the_whole_run() {
    let (whole, whole_breakdown) = run(0..YEARS);
    assert!(whole.outages(0).quantiles.count() > Quantiles::EXACT_LIMIT as u64);
    let expected = bytes(&whole);
    // 0, 1, n − 1, n; the middle (neither half past the exact limit, the whole is); and 950
    // (the first half alone past it).
    for split in [0, 1, YEARS / 2, 950, YEARS - 1, YEARS] {
        let (mut first, mut first_breakdown) = run(0..split);
        let (second, second_breakdown) = run(split..YEARS);
        first.merge(second).unwrap();
        first_breakdown.merge(second_breakdown).unwrap();
        assert_eq!(first.year_range(), 0..YEARS, "split at {split}");
        assert_eq!(bytes(&first), expected, "split at {split}");
        assert_eq!(
            breakdown_answers(&first_breakdown),
            breakdown_answers(&whole_breakdown),
            "split at {split}"
        );
    }
}

#[test]
fn shards_merged_through_saved_states_give_the_bytes_of_the_whole_run() {
    let expected = bytes(&run(0..YEARS).0);
    for shards in [3, 7] {
        let mut merged = empty();
        for k in 0..shards {
            let years = k * YEARS / shards..(k + 1) * YEARS / shards;
            let json = run(years.clone()).0.to_state(identity()).to_json();
            let state = AccumulatorState::from_json(&json).unwrap();
            assert_eq!(
                (state.identity.clone(), state.years.clone()),
                (identity(), years)
            );
            merged
                .merge(Accumulator::from_state(state).unwrap())
                .unwrap();
        }
        assert_eq!(bytes(&merged), expected, "{shards} shards");
    }
}

#[test]
fn a_state_reads_back_to_an_accumulator_that_goes_on_identically() {
    for years in [0..0, 10..11, 0..300, 0..YEARS] {
        let (saved, _) = run(years.clone());
        let json = saved.to_state(identity()).to_json();
        let mut read =
            Accumulator::from_state(AccumulatorState::from_json(&json).unwrap()).unwrap();
        assert_eq!(bytes(&read), bytes(&saved), "{years:?}");
        // It also takes the following years exactly as the saved one would.
        let mut original = saved;
        for y in years.end..years.end + 3 {
            read.add(&year(y));
            original.add(&year(y));
        }
        assert_eq!(bytes(&read), bytes(&original), "{years:?} then 3 years");
    }
}

#[test]
fn runs_that_do_not_follow_each_other_do_not_merge() {
    let (mut first, _) = run(0..10);
    let before = bytes(&first);
    assert_eq!(
        first.merge(run(11..20).0),
        Err(MergeError::NotContiguous { end: 10, start: 11 })
    );
    let other_horizon = Accumulator::new(Duration::from_secs(3600), 3);
    assert_eq!(
        first.merge(other_horizon),
        Err(MergeError::Mismatch("horizons"))
    );
    assert_eq!(
        first.merge(Accumulator::new(Duration::YEAR, 3)),
        Err(MergeError::Mismatch("availability targets"))
    );
    assert_eq!(bytes(&first), before);
    // An empty run merges anywhere.
    first.merge(empty().starting_at(500)).unwrap();
    assert_eq!(bytes(&first), before);
}

#[test]
fn states_of_another_version_or_inconsistent_ones_are_refused() {
    let mut state = run(0..5).0.to_state(identity());
    state.version = AccumulatorState::VERSION + 1;
    let error = AccumulatorState::from_json(&state.to_json()).unwrap_err();
    assert!(
        matches!(error, StateError::Version { found, expected: AccumulatorState::VERSION }
            if found == AccumulatorState::VERSION + 1),
        "{error}"
    );
    let mut state = run(0..5).0.to_state(identity());
    state.years = 0..6;
    let error = Accumulator::from_state(state).unwrap_err();
    assert!(matches!(error, StateError::Inconsistent(_)), "{error}");
    assert!(matches!(
        AccumulatorState::from_json(
            format!("{{\"version\": {}}}", AccumulatorState::VERSION).as_bytes()
        ),
        Err(StateError::Json(_))
    ));
}
