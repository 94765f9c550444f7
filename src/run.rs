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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let batch = CHUNK_YEARS * CHUNKS_PER_THREAD * threads.max(1) as u64;
    pool.install(|| {
        let mut totals = RunTotals::default();
        let mut ready: Vec<Vec<YearOutcome>> = Vec::new();
        let mut next: u64 = 0;
        loop {
            let range = next..years.min(next.saturating_add(batch));
            next = range.end;
            let (simulated, consumed) = rayon::join(
                || simulate_batch(plan, range, stop),
                || consume(&ready, sink, &mut totals),
            );
            consumed?;
            if stop.load(Ordering::Relaxed) {
                return Err(Interrupted.into());
            }
            if simulated.is_empty() {
                return Ok(totals);
            }
            ready = simulated;
        }
    })
}

/// Simulates a range of years, chunk by chunk in parallel, returning chunks in order.
fn simulate_batch(plan: &Plan, years: Range<u64>, stop: &AtomicBool) -> Vec<Vec<YearOutcome>> {
    let starts: Vec<u64> = years.clone().step_by(CHUNK_YEARS as usize).collect();
    starts
        .into_par_iter()
        .map_init(
            || Engine::new(plan).with_stop(stop),
            |engine, start| {
                (start..years.end.min(start + CHUNK_YEARS))
                    .map(|year| engine.simulate(year).clone())
                    .collect()
            },
        )
        .collect()
}

fn consume(
    chunks: &[Vec<YearOutcome>],
    sink: &mut dyn YearSink,
    totals: &mut RunTotals,
) -> anyhow::Result<()> {
    for outcome in chunks.iter().flatten() {
        sink.year(outcome)?;
        totals.years += 1;
        totals.events += outcome.events;
    }
    Ok(())
}
