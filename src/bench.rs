//! Measuring speed: the engine against the random-number floor, side by side.
//!
//! [`compare`] runs the engine alone (years simulated and handed on in order, then
//! dropped), the engine with the statistics `nines run` keeps, and the floor
//! ([`crate::floor`]) on the same plan and years, one after the other, round after round, so
//! that whatever else the machine does slows all alike; it reports the median years per
//! second of each and their ratios to the floor. `nines bench` and the benchmarks in
//! `benches/` are built on it.

use crate::engine::YearOutcome;
use crate::floor::draw_years;
use crate::plan::Plan;
use crate::run::{SimulateError, YearSink, simulate_years};
use crate::stats::Accumulator;
use std::convert::Infallible;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// One timed run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Years simulated (or drawn).
    pub years: u64,
    /// Events the engine handled, or durations the floor drew.
    pub work: u64,
    /// Wall-clock seconds.
    pub secs: f64,
}

impl Timing {
    /// Years per second.
    pub fn years_per_sec(&self) -> f64 {
        self.years as f64 / self.secs.max(1e-9)
    }

    /// Events (engine) or draws (floor) per second.
    pub fn work_per_sec(&self) -> f64 {
        self.work as f64 / self.secs.max(1e-9)
    }
}

/// Looks at each year as it is handed on (the statistics are the pipeline's).
struct Look;

impl YearSink for Look {
    type Error = Infallible;

    fn year(&mut self, outcome: &YearOutcome) -> Result<(), Infallible> {
        std::hint::black_box(outcome);
        Ok(())
    }
}

/// What the engine's years go into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// Nothing: the simulation alone.
    Nothing,
    /// The statistics `nines run` keeps (without `--out`).
    Statistics,
}

/// Why a timed run failed: its worker threads could not be started.
pub type BenchError = SimulateError<Infallible>;

/// Simulates years `0..years` of `plan` on `threads` threads into `sink`, timed.
pub fn time_engine(
    plan: &Plan,
    years: u64,
    threads: usize,
    sink: Sink,
) -> Result<Timing, BenchError> {
    let mut stats = match sink {
        Sink::Nothing => None,
        Sink::Statistics => Some(Accumulator::for_plan(plan)),
    };
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let totals = simulate_years(plan, 0..years, threads, &mut stats, &mut Look, &stop)?;
    let secs = started.elapsed().as_secs_f64();
    std::hint::black_box(&stats);
    Ok(Timing {
        years: totals.years,
        work: totals.events,
        secs,
    })
}

/// Draws the floor of years `0..years` of `plan` on `threads` threads, timed.
pub fn time_floor(plan: &Plan, years: u64, threads: usize) -> Result<Timing, BenchError> {
    let started = Instant::now();
    let totals = draw_years(plan, years, threads, &AtomicBool::new(false))?;
    let secs = started.elapsed().as_secs_f64();
    std::hint::black_box(totals.checksum);
    Ok(Timing {
        years: totals.years,
        work: totals.draws,
        secs,
    })
}

/// Timings of the engine, the run and the floor at one thread count, one of each per round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Side {
    /// Threads used.
    pub threads: usize,
    /// The engine's runs without statistics, in round order.
    pub engine: Vec<Timing>,
    /// The engine's runs with statistics, in round order.
    pub run: Vec<Timing>,
    /// The floor's runs, in round order.
    pub floor: Vec<Timing>,
}

impl Side {
    /// Median years per second of the engine.
    pub fn engine_years_per_sec(&self) -> f64 {
        median(self.engine.iter().map(Timing::years_per_sec))
    }

    /// Median years per second of the engine with statistics.
    pub fn run_years_per_sec(&self) -> f64 {
        median(self.run.iter().map(Timing::years_per_sec))
    }

    /// Median years per second of the floor.
    pub fn floor_years_per_sec(&self) -> f64 {
        median(self.floor.iter().map(Timing::years_per_sec))
    }

    /// Median events per second of the engine.
    pub fn events_per_sec(&self) -> f64 {
        median(self.engine.iter().map(Timing::work_per_sec))
    }

    /// Median draws per second of the floor.
    pub fn draws_per_sec(&self) -> f64 {
        median(self.floor.iter().map(Timing::work_per_sec))
    }

    /// Median over rounds of the engine's years per second divided by the floor's in the
    /// same round: the engine's cost beyond its random numbers (1 = none).
    pub fn engine_ratio(&self) -> f64 {
        ratio(&self.engine, &self.floor)
    }

    /// As [`Side::engine_ratio`], for the engine with statistics.
    pub fn run_ratio(&self) -> f64 {
        ratio(&self.run, &self.floor)
    }
}

/// Median over rounds of `timings`' years per second divided by the floor's in the same round.
fn ratio(timings: &[Timing], floor: &[Timing]) -> f64 {
    median(
        timings
            .iter()
            .zip(floor)
            .map(|(timing, floor)| timing.years_per_sec() / floor.years_per_sec()),
    )
}

/// Runs the engine, the run and the floor on `years` years of `plan` for `rounds` rounds,
/// each round timing the three in turn at every thread count.
pub fn compare(
    plan: &Plan,
    years: u64,
    threads: &[usize],
    rounds: usize,
) -> Result<Vec<Side>, BenchError> {
    let mut sides: Vec<Side> = threads
        .iter()
        .map(|&threads| Side {
            threads,
            ..Side::default()
        })
        .collect();
    for _ in 0..rounds {
        for side in &mut sides {
            side.engine
                .push(time_engine(plan, years, side.threads, Sink::Nothing)?);
            side.run
                .push(time_engine(plan, years, side.threads, Sink::Statistics)?);
            side.floor.push(time_floor(plan, years, side.threads)?);
        }
    }
    Ok(sides)
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.collect();
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
        assert_eq!(median([4.0, 1.0, 2.0, 3.0].into_iter()), 2.5);
        assert_eq!(median(std::iter::empty()), 0.0);
    }

    #[test]
    fn compare_times_every_round_and_thread_count() {
        let model = Model::parse(crate::fixtures::MODEL, "floor.toml").unwrap();
        let plan = Plan::compile(&model, 1);
        let sides = compare(&plan, 64, &[1, 2], 3).unwrap();
        assert_eq!(sides.len(), 2);
        for side in &sides {
            assert_eq!(side.engine.len(), 3);
            assert_eq!(side.run.len(), 3);
            assert_eq!(side.floor.len(), 3);
            assert!(side.engine.iter().all(|t| t.years == 64 && t.work > 64));
            assert_eq!(side.engine[0].work, side.run[0].work);
            assert!(side.floor.iter().all(|t| t.years == 64 && t.work > 64));
            assert!(side.engine_ratio() > 0.0 && side.run_ratio() > 0.0);
        }
    }
}
