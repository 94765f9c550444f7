//! Simulating many years in parallel and handing them on in year order.
//!
//! Years are simulated in chunks on a rayon pool; each batch of chunks is collected in
//! order, and while one batch is being consumed the next is being simulated. The consumer
//! sees years strictly in order, so everything it computes is independent of the thread
//! count (SPEC section 5).

use crate::engine::{Engine, YearOutcome};
use crate::plan::Plan;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// Years one task simulates with one engine before handing them on.
const CHUNK_YEARS: u64 = 32;

/// Chunks per thread in one batch: enough to keep every thread busy while the previous
/// batch is consumed.
const CHUNKS_PER_THREAD: u64 = 8;

/// Receives each simulated year, in year order.
pub trait YearSink: Send {
    /// Takes one year's outcome. An error stops the run.
    fn year(&mut self, outcome: &YearOutcome) -> anyhow::Result<()>;
}

/// Totals of a run, for the performance line (not part of the results).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Years simulated.
    pub years: u64,
    /// Events handled, over all years.
    pub events: u64,
}

/// The run was stopped through its stop flag before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Simulates years `0..years` of `plan` on `threads` threads, feeding `sink` in year order.
///
/// Setting `stop` (from a Ctrl-C handler, say) ends the run within milliseconds with an
/// [`Interrupted`] error; the sink then has received a prefix of the years, never a
/// partial one.
pub fn simulate_years(
    plan: &Plan,
    years: u64,
    threads: usize,
    sink: &mut dyn YearSink,
    stop: &AtomicBool,
) -> anyhow::Result<RunTotals> {
    let mut totals = RunTotals::default();
    pipeline(
        years,
        threads,
        stop,
        || Engine::new(plan).with_stop(stop),
        |engine, range| simulate_chunk(engine, range),
        |chunk: &Vec<YearOutcome>| {
            for outcome in chunk {
                sink.year(outcome)?;
                totals.years += 1;
                totals.events += outcome.events;
            }
            Ok(())
        },
    )?;
    Ok(totals)
}

/// Receives each simulated year of every variant of a comparison, in year order.
pub trait VariantsSink: Send {
    /// Takes year k's outcome of every variant, in variant order. An error stops the run.
    fn years(&mut self, outcomes: &[&YearOutcome]) -> anyhow::Result<()>;
}

/// Simulates years `0..years` of every plan in lockstep on `threads` threads: each chunk
/// of years is simulated for every variant by one task, and `sink` gets year k of all
/// variants together, in year order. Memory stays bounded whatever `years` is.
pub fn simulate_variants(
    plans: &[Plan],
    years: u64,
    threads: usize,
    sink: &mut dyn VariantsSink,
    stop: &AtomicBool,
) -> anyhow::Result<RunTotals> {
    let mut totals = RunTotals::default();
    pipeline(
        years,
        threads,
        stop,
        || {
            plans
                .iter()
                .map(|plan| Engine::new(plan).with_stop(stop))
                .collect::<Vec<_>>()
        },
        |engines, range| {
            engines
                .iter_mut()
                .map(|engine| simulate_chunk(engine, range.clone()))
                .collect::<Vec<_>>()
        },
        |chunk: &Vec<Vec<YearOutcome>>| {
            let Some(first) = chunk.first() else {
                return Ok(());
            };
            let mut row: Vec<&YearOutcome> = Vec::with_capacity(chunk.len());
            for index in 0..first.len() {
                row.clear();
                row.extend(chunk.iter().map(|variant| &variant[index]));
                sink.years(&row)?;
                totals.years += row.len() as u64;
                totals.events += row.iter().map(|outcome| outcome.events).sum::<u64>();
            }
            Ok(())
        },
    )?;
    Ok(totals)
}

fn simulate_chunk(engine: &mut Engine<'_>, years: Range<u64>) -> Vec<YearOutcome> {
    years.map(|year| engine.simulate(year).clone()).collect()
}

/// The parallel pipeline both entry points share: `simulate` turns a chunk of years into a
/// result with the state `init` makes once per worker, and `consume` gets the chunks in
/// year order, one batch behind the simulation. Setting `stop` ends it with [`Interrupted`]
/// before the batch being simulated is consumed.
fn pipeline<E, C: Send + Sync>(
    years: u64,
    threads: usize,
    stop: &AtomicBool,
    init: impl Fn() -> E + Sync + Send,
    simulate: impl Fn(&mut E, Range<u64>) -> C + Sync + Send,
    mut consume: impl FnMut(&C) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let batch = CHUNK_YEARS * CHUNKS_PER_THREAD * threads.max(1) as u64;
    pool.install(|| {
        let mut ready: Vec<C> = Vec::new();
        let mut next: u64 = 0;
        loop {
            let range = next..years.min(next.saturating_add(batch));
            next = range.end;
            let (simulated, consumed) = rayon::join(
                || simulate_batch(range, &init, &simulate),
                || ready.iter().try_for_each(&mut consume),
            );
            consumed?;
            if stop.load(Ordering::Relaxed) {
                return Err(Interrupted.into());
            }
            if simulated.is_empty() {
                return Ok(());
            }
            ready = simulated;
        }
    })
}

/// Simulates a range of years, chunk by chunk in parallel, returning chunks in order.
fn simulate_batch<E, C: Send>(
    years: Range<u64>,
    init: &(impl Fn() -> E + Sync + Send),
    simulate: &(impl Fn(&mut E, Range<u64>) -> C + Sync + Send),
) -> Vec<C> {
    let starts: Vec<u64> = years.clone().step_by(CHUNK_YEARS as usize).collect();
    starts
        .into_par_iter()
        .map_init(init, |state, start| {
            simulate(state, start..years.end.min(start + CHUNK_YEARS))
        })
        .collect()
}
