//! Measuring speed: the engine against the random-number floors, side by side.
//!
//! [`compare`] runs the engine alone (years simulated and handed on in order, then
//! dropped), the engine with the statistics `nines run` keeps, optionally a whole `nines run`
//! process, the floor ([`crate::floor`]) and the independent floor
//! ([`crate::floor::Independent`]) on the same plan and years, one after the other, round
//! after round, so that whatever else the machine does slows all alike; it reports the
//! median years per second of each and their ratios to the floors. `nines bench` and the
//! benchmarks in `benches/` are built on it.

use crate::engine::YearOutcome;
use crate::floor::{FloorTotals, Independent, draw_years};
use crate::plan::Plan;
use crate::run::{SimulateError, YearSink, simulate_years};
use crate::stats::Accumulator;
use std::convert::Infallible;
use std::path::Path;
use std::process::{Command, Stdio};
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

/// Why a timed run failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Its worker threads could not be started.
    #[error(transparent)]
    Simulate(#[from] SimulateError<Infallible>),
    /// The `nines run` process could not be run, or failed.
    #[error("cannot time the `nines run` process: {0}")]
    Process(std::io::Error),
}

/// Times a whole `nines run` process of the given years on the given threads.
pub type ProcessTimer<'a> = dyn FnMut(u64, usize) -> std::io::Result<Timing> + 'a;

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
    time_draws(|| {
        draw_years(plan, years, threads, &AtomicBool::new(false))
            .map_err(|interrupted| SimulateError::from(interrupted).into())
    })
}

/// Draws the independent floor's years `0..years` on `threads` threads, timed.
pub fn time_independent(
    independent: &Independent,
    years: u64,
    threads: usize,
) -> Result<Timing, BenchError> {
    time_draws(|| independent.draw_years(years, threads))
}

/// Times the draws of a floor.
fn time_draws(
    draw: impl FnOnce() -> Result<FloorTotals, BenchError>,
) -> Result<Timing, BenchError> {
    let started = Instant::now();
    let totals = draw()?;
    let secs = started.elapsed().as_secs_f64();
    std::hint::black_box(totals.checksum);
    Ok(Timing {
        years: totals.years,
        work: totals.draws,
        secs,
    })
}

/// Times one whole `nines run MODEL --years N --threads T` process of `binary` (with
/// `--seed` when given), its output discarded.
pub fn time_process(
    binary: &Path,
    model: &Path,
    seed: Option<u64>,
    years: u64,
    threads: usize,
) -> std::io::Result<Timing> {
    let mut command = Command::new(binary);
    command
        .arg("run")
        .arg(model)
        .args(["--years", &years.to_string()])
        .args(["--threads", &threads.to_string()]);
    if let Some(seed) = seed {
        command.args(["--seed", &seed.to_string()]);
    }
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        let message = format!("`nines run` exited with {status}");
        return Err(std::io::Error::other(message));
    }
    Ok(Timing {
        years,
        work: 0,
        secs,
    })
}

/// Timings of the engine, the run, the process and the floors at one thread count, one of
/// each per round.
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
    /// The independent floor's runs, in round order.
    pub independent: Vec<Timing>,
    /// The whole `nines run` processes, in round order (none when not measured).
    pub process: Vec<Timing>,
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

    /// Median years per second of the independent floor.
    pub fn independent_years_per_sec(&self) -> f64 {
        median(self.independent.iter().map(Timing::years_per_sec))
    }

    /// Median years per second of the whole `nines run` process (0 when not measured).
    pub fn process_years_per_sec(&self) -> f64 {
        median(self.process.iter().map(Timing::years_per_sec))
    }

    /// Median over rounds of `timings`' years per second divided by the independent
    /// floor's in the same round: how close to the limit (1 = at it).
    pub fn against_independent(&self, timings: &[Timing]) -> f64 {
        ratio(timings, &self.independent)
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

/// Runs the engine, the run, the process (when `process` is given), the floor and the
/// independent floor on `years` years of `plan` for `rounds` rounds, each round timing them
/// in turn at every thread count. The independent floor's draws are counted first, in an
/// untimed run of the engine over the same years.
pub fn compare(
    plan: &Plan,
    years: u64,
    threads: &[usize],
    rounds: usize,
    mut process: Option<&mut ProcessTimer<'_>>,
) -> Result<Vec<Side>, BenchError> {
    let independent = Independent::count(plan, years);
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
            if let Some(process) = process.as_mut() {
                let timing = process(years, side.threads).map_err(BenchError::Process)?;
                side.process.push(timing);
            }
            side.floor.push(time_floor(plan, years, side.threads)?);
            side.independent
                .push(time_independent(&independent, years, side.threads)?);
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
        let mut processes = 0;
        let mut process = |years: u64, _threads: usize| {
            processes += 1;
            Ok(Timing {
                years,
                work: 0,
                secs: 1.0,
            })
        };
        let sides = compare(&plan, 64, &[1, 2], 3, Some(&mut process)).unwrap();
        assert_eq!(processes, 6);
        assert_eq!(sides.len(), 2);
        for side in &sides {
            assert_eq!(side.engine.len(), 3);
            assert_eq!(side.run.len(), 3);
            assert_eq!(side.floor.len(), 3);
            assert!(side.engine.iter().all(|t| t.years == 64 && t.work > 64));
            assert_eq!(side.engine[0].work, side.run[0].work);
            assert!(side.floor.iter().all(|t| t.years == 64 && t.work > 64));
            assert!(side.engine_ratio() > 0.0 && side.run_ratio() > 0.0);
            assert_eq!(side.independent.len(), 3);
            assert_eq!(side.process_years_per_sec(), 64.0);
            assert!(side.against_independent(&side.engine) > 0.0);
        }
    }
}
