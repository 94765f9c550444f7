//! Measuring speed: the engine against the random-number floors, side by side.
//!
//! [`compare`] runs the engine alone (years simulated and handed on in order, then
//! dropped), the engine with the statistics `nines run` keeps, optionally a whole `nines run`
//! process, the floor ([`crate::floor`]) and the independent floor
//! ([`crate::floor::Independent`]) on the same plan and years, one after the other, round
//! after round, so that whatever else the machine does slows all alike; it reports the
//! median years per second of each and their ratios to the floors. With a [`Reference`] (another
//! simulator of the same model, SimPy for one), each round also times its whole process, so
//! that `nines run` and it are compared side by side too. `nines bench` and the benchmarks in
//! `benches/` are built on it.

use crate::engine::YearOutcome;
use crate::floor::{FloorTotals, Independent, draw_years};
use crate::plan::Plan;
use crate::run::{SimulateError, YearSink, simulate_years};
use crate::stats::Accumulator;
use std::convert::Infallible;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

mod process;

pub use process::{Reference, ReferenceError, time_process};

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
    /// The `nines run` process could not be started, or failed: why (the error starting
    /// it, or its exit status and the last line it wrote on stderr).
    #[error("cannot time the `nines run` process: {0}")]
    Process(String),
    /// The reference could not be started, or failed.
    #[error("cannot time the reference `{command}`: {why}")]
    Reference {
        /// The reference's command line.
        command: String,
        /// Why, as for [`BenchError::Process`].
        why: String,
    },
}

/// Times a whole `nines run` process of the given years on the given threads.
pub type ProcessTimer<'a> = dyn FnMut(u64, usize) -> Result<Timing, BenchError> + 'a;

/// Times one whole process of a reference (see [`Reference::time`]).
pub type ReferenceTimer<'a> = dyn FnMut() -> Result<Timing, BenchError> + 'a;

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
    /// The reference's processes, in round order (none when not measured): one a round,
    /// the same at every thread count, as the reference runs as it will.
    pub reference: Vec<Timing>,
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

    /// Median years per second of the reference's whole process (0 when not measured).
    pub fn reference_years_per_sec(&self) -> f64 {
        median(self.reference.iter().map(Timing::years_per_sec))
    }

    /// Median over rounds of the `nines run` process's years per second divided by the
    /// reference's in the same round: how many times faster nines is (0 when either was not
    /// measured).
    pub fn process_against_reference(&self) -> f64 {
        ratio(&self.process, &self.reference)
    }

    /// Median over rounds of the floor's years per second divided by the reference's in
    /// the same round: the most times faster than the reference that any engine drawing the
    /// same numbers with the same streams and samplers could be.
    pub fn floor_against_reference(&self) -> f64 {
        ratio(&self.floor, &self.reference)
    }
}

/// Median over rounds of `timings`' years per second divided by the floor's in the same round.
fn ratio(timings: &[Timing], floor: &[Timing]) -> f64 {
    median(round_ratios(timings, floor))
}

/// Each round's `timings`' years per second divided by `base`'s in the same round.
fn round_ratios<'a>(timings: &'a [Timing], base: &'a [Timing]) -> impl Iterator<Item = f64> + 'a {
    timings
        .iter()
        .zip(base)
        .map(|(timing, base)| timing.years_per_sec() / base.years_per_sec())
}

/// The least and the greatest of the rounds' ratios of `timings` to `base` (see
/// [`Side::engine_ratio`]): how far one round can be from the median. `None` with fewer
/// than two rounds.
pub fn ratio_range(timings: &[Timing], base: &[Timing]) -> Option<(f64, f64)> {
    let ratios: Vec<f64> = round_ratios(timings, base).collect();
    if ratios.len() < 2 {
        return None;
    }
    let least = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let greatest = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((least, greatest))
}

/// Runs the engine, the run, the process (when `process` is given), the floor and the
/// independent floor on `years` years of `plan` for `rounds` rounds, each round timing them
/// in turn at every thread count, after the reference (when given) once. The independent
/// floor's draws are counted first, in an untimed run of the engine over the same years,
/// but after the first round's reference, so that a reference that fails does so at once.
pub fn compare(
    plan: &Plan,
    years: u64,
    threads: &[usize],
    rounds: usize,
    mut process: Option<&mut ProcessTimer<'_>>,
    mut reference: Option<&mut ReferenceTimer<'_>>,
) -> Result<Vec<Side>, BenchError> {
    let mut time_reference = || reference.as_mut().map(|time| time()).transpose();
    let first_reference = time_reference()?;
    let mut case = Case::new(plan, years, threads, Some(Independent::count(plan, years)));
    for round in 0..rounds {
        let reference = match round {
            0 => first_reference,
            _ => time_reference()?,
        };
        if let Some(timing) = reference {
            case.sides
                .iter_mut()
                .for_each(|side| side.reference.push(timing));
        }
        case.time_round(process.as_deref_mut())?;
    }
    Ok(case.sides)
}

/// One size of a cluster in [`scaling`]: the plan of `copies` copies of a model's
/// components, and its timings.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// Copies of the model's components.
    pub copies: u32,
    /// Replicas in the plan.
    pub replicas: usize,
    /// Years per timed run.
    pub years: u64,
    /// Timings of the engine, the run and the floor at each thread count (no process, as a
    /// `nines run` reads the model as written, and no independent floor).
    pub sides: Vec<Side>,
}

impl Scale {
    /// Median replica-years per second (years per second times replicas) of `of`'s timings
    /// at thread count index `side`.
    pub fn replica_years_per_sec(&self, side: usize, of: fn(&Side) -> &[Timing]) -> f64 {
        median(of(&self.sides[side]).iter().map(Timing::years_per_sec)) * self.replicas as f64
    }

    /// How much a replica-year of `of` costs here against `first`, at thread count index
    /// `side`: the median over rounds of `first`'s replica-years per second divided by
    /// this size's in the same round (1 = flat, 2 = twice the cost per replica).
    pub fn cost_against(&self, first: &Scale, side: usize, of: fn(&Side) -> &[Timing]) -> f64 {
        let years = ratio(of(&first.sides[side]), of(&self.sides[side]));
        years * first.replicas as f64 / self.replicas as f64
    }
}

/// Times the engine, the run and the floor on each size of a cluster in `sizes` (copies,
/// its plan and years per run, which should give every size about the same replica-years)
/// for `rounds` rounds, each round timing every size in turn at every thread count, so that
/// the cost per replica at each size is compared in the same conditions.
pub fn scaling(
    sizes: &[(u32, Plan, u64)],
    threads: &[usize],
    rounds: usize,
) -> Result<Vec<Scale>, BenchError> {
    let mut cases: Vec<Case> = sizes
        .iter()
        .map(|(_, plan, years)| Case::new(plan, *years, threads, None))
        .collect();
    for _ in 0..rounds {
        for case in &mut cases {
            case.time_round(None)?;
        }
    }
    Ok(sizes
        .iter()
        .zip(cases)
        .map(|((copies, plan, years), case)| Scale {
            copies: *copies,
            replicas: plan.replica_count(),
            years: *years,
            sides: case.sides,
        })
        .collect())
}

/// Years per timed run at `copies` copies for the same replica-years as `years` at
/// `first` copies (at least one year).
pub fn same_replica_years(years: u64, first: u32, copies: u32) -> u64 {
    (u128::from(years) * u128::from(first) / u128::from(copies.max(1))).max(1) as u64
}

/// One plan being timed, round after round, at each thread count.
struct Case<'p> {
    plan: &'p Plan,
    years: u64,
    /// The independent floor's draws, when it is timed too.
    independent: Option<Independent>,
    sides: Vec<Side>,
}

impl<'p> Case<'p> {
    /// No timings yet.
    fn new(
        plan: &'p Plan,
        years: u64,
        threads: &[usize],
        independent: Option<Independent>,
    ) -> Case<'p> {
        let sides = threads
            .iter()
            .map(|&threads| Side {
                threads,
                ..Side::default()
            })
            .collect();
        Case {
            plan,
            years,
            independent,
            sides,
        }
    }

    /// Times each of the engine, the run, the process (when given), the floor and the
    /// independent floor (when counted) once at every thread count.
    fn time_round(&mut self, mut process: Option<&mut ProcessTimer<'_>>) -> Result<(), BenchError> {
        let (plan, years) = (self.plan, self.years);
        for side in &mut self.sides {
            side.engine
                .push(time_engine(plan, years, side.threads, Sink::Nothing)?);
            side.run
                .push(time_engine(plan, years, side.threads, Sink::Statistics)?);
            if let Some(process) = process.as_mut() {
                side.process.push(process(years, side.threads)?);
            }
            side.floor.push(time_floor(plan, years, side.threads)?);
            if let Some(independent) = &self.independent {
                side.independent
                    .push(time_independent(independent, years, side.threads)?);
            }
        }
        Ok(())
    }
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
        // Round r's processes simulate 100 (r + 1) years a second at both thread counts, its
        // reference 20, 10 and 50: the median of the rounds' ratios (5, 20, 6) is 6, where
        // the ratio of the medians (200 / 20) would be 10.
        let mut processes = 0;
        let mut process = |_years: u64, _threads: usize| {
            processes += 1;
            Ok(Timing {
                years: 100 * (1 + (processes - 1) / 2),
                work: 0,
                secs: 1.0,
            })
        };
        let mut references = 0;
        let mut reference = || {
            references += 1;
            Ok(Timing {
                years: [20, 10, 50][references - 1],
                work: 0,
                secs: 1.0,
            })
        };
        let sides = compare(
            &plan,
            64,
            &[1, 2],
            3,
            Some(&mut process),
            Some(&mut reference),
        )
        .unwrap();
        assert_eq!(processes, 6);
        // Once a round, whatever the thread counts.
        assert_eq!(references, 3);
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
            assert_eq!(side.process_years_per_sec(), 200.0);
            assert!(side.against_independent(&side.engine) > 0.0);
            assert_eq!(side.reference_years_per_sec(), 20.0);
            assert_eq!(side.process_against_reference(), 6.0);
        }
    }

    #[test]
    fn scaling_times_every_size_round_and_thread_count() {
        let source = crate::fixtures::MODEL;
        let doubled = crate::model::scale_copies(source, "floor.toml", 2).unwrap();
        let plan = |source| Plan::compile(&Model::parse(source, "floor.toml").unwrap(), 1);
        let sizes = [(1, plan(source), 64), (2, plan(&doubled), 32)];
        let scales = scaling(&sizes, &[1, 2], 3).unwrap();
        assert_eq!(scales.len(), 2);
        assert_eq!(scales[1].replicas, 2 * scales[0].replicas);
        for (scale, (copies, _, years)) in scales.iter().zip(sizes) {
            assert_eq!((scale.copies, scale.years), (copies, years));
            assert_eq!(scale.sides.len(), 2);
            for side in &scale.sides {
                for timings in [&side.engine, &side.run, &side.floor] {
                    assert_eq!(timings.len(), 3);
                    assert!(timings.iter().all(|t| t.years == years));
                }
                assert!(side.process.is_empty() && side.independent.is_empty());
                assert!(side.reference.is_empty());
            }
        }
    }

    #[test]
    fn cost_per_replica_is_paired_by_round() {
        let timings = |secs: [f64; 3]| {
            secs.map(|secs| Timing {
                years: 100,
                work: 0,
                secs,
            })
            .to_vec()
        };
        let scale = |copies, replicas, engine| Scale {
            copies,
            replicas,
            years: 100,
            sides: vec![Side {
                threads: 1,
                engine,
                ..Side::default()
            }],
        };
        let one = scale(1, 10, timings([1.0, 2.0, 1.0]));
        // Ten times the replicas: 12, 30 and 14 times the time, so a replica-year costs 1.2,
        // 1.5 and 1.4 times as much in rounds 1, 2 and 3.
        let ten = scale(10, 100, timings([12.0, 30.0, 14.0]));
        let cost = ten.cost_against(&one, 0, |side| &side.engine);
        assert!((cost - 1.4).abs() < 1e-12, "{cost}");
        assert_eq!(one.cost_against(&one, 0, |side| &side.engine), 1.0);
        assert!((one.replica_years_per_sec(0, |side| &side.engine) - 1000.0).abs() < 1e-9);
        assert_eq!(same_replica_years(20_000, 1, 100), 200);
        assert_eq!(same_replica_years(20_000, 10, 100), 2000);
        assert_eq!(same_replica_years(5, 1, 100), 1);
    }
}
