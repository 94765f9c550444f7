//! Simulating many years in parallel and handing them on in year order.
//!
//! Years are simulated in chunks by worker threads ([`pipeline`]), each with an engine of
//! its own, and handed on to one consumer strictly in year order, so everything it computes
//! is independent of the thread count (`docs/semantics.md`, determinism). On more than one
//! thread, statistics are computed chunk by chunk by the workers ([`Partial`]) and appended
//! in year order by the consumer, which gives the bytes of adding the years one by one, and
//! keeps the consumer's share of the work small; on one thread the consumer adds the years
//! itself.

use crate::engine::{Engine, YearOutcome};
use crate::plan::Plan;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

mod pipeline;
pub(crate) use pipeline::pipeline;

/// Years one task simulates with one engine before handing them on: a run of fewer years
/// runs on one thread (the workload estimate counts on it).
pub const CHUNK_YEARS: u64 = 32;

/// Years of a chunk of `variants` variants in lockstep: about [`CHUNK_YEARS`] years of all
/// the variants together, at least one year of each. The chunks in flight, a window per
/// thread, then hold at most as many year outcomes as a single run's, or one year of every
/// variant per chunk when the variants outnumber [`CHUNK_YEARS`]: the memory in flight
/// grows with the variants, never with the years (issue #13). A run of fewer chunks runs on
/// fewer threads (the workload estimate counts on it).
pub fn lockstep_chunk_years(variants: usize) -> u64 {
    let variants = u64::try_from(variants.max(1)).unwrap_or(u64::MAX);
    (CHUNK_YEARS / variants).max(1)
}

/// Receives each simulated year, in year order.
pub trait YearSink: Send {
    /// Why the sink may stop the run ([`std::convert::Infallible`] if it never does).
    type Error: Send;

    /// Takes one year's outcome. An error stops the run.
    fn year(&mut self, outcome: &YearOutcome) -> Result<(), Self::Error>;

    /// Takes what [`Format`] made of a chunk of years, after those years, one buffer per
    /// output in [`Format::outputs`] order. An error stops the run.
    fn formatted(&mut self, _outputs: &[Vec<u8>]) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Turns years into bytes (rows of CSV, say) in the parallel tasks, so that the sink,
/// which gets years in order on one thread, only copies bytes out. The bytes of a chunk
/// are those of its years in year order, whatever the thread count.
pub trait Format: Sync {
    /// How many buffers [`Format::format`] appends to.
    fn outputs(&self) -> usize;

    /// Appends what `outcome` gives to each of `outputs`.
    fn format(&self, outcome: &YearOutcome, outputs: &mut [Vec<u8>]);
}

/// Statistics of consecutive years, computed chunk by chunk by the workers: a chunk's
/// buffer starts, the first time, as a clone of the run's statistics before any year, takes
/// the chunk's years with [`Partial::add`], and is appended to the run's in year order,
/// which must leave exactly what adding every year one by one would have.
pub trait Partial: Clone + Send + Sync {
    /// Adds one year, the year after the last one added.
    fn add(&mut self, outcome: &YearOutcome);

    /// Appends `later`, the statistics of the years right after these, grown from a clone
    /// of the same statistics before any year (so made for the same plan), and leaves it
    /// as that clone was, holding no years, but with what it allocated kept, so that the
    /// next chunk in the same buffer grows its statistics without allocating.
    fn append(&mut self, later: &mut Self);
}

/// No statistics.
impl Partial for () {
    fn add(&mut self, _: &YearOutcome) {}

    fn append(&mut self, _: &mut ()) {}
}

/// Statistics kept or not, for the whole run.
impl<P: Partial> Partial for Option<P> {
    fn add(&mut self, outcome: &YearOutcome) {
        if let Some(stats) = self {
            stats.add(outcome);
        }
    }

    fn append(&mut self, later: &mut Option<P>) {
        if let (Some(stats), Some(later)) = (self, later) {
            stats.append(later);
        }
    }
}

/// A [`Format`] that formats nothing.
pub struct NoFormat;

impl Format for NoFormat {
    fn outputs(&self) -> usize {
        0
    }

    fn format(&self, _: &YearOutcome, _: &mut [Vec<u8>]) {}
}

/// A chunk of simulated years, with what [`Format`] made of them and, on more than one
/// thread, their statistics (emptied by the consumer, kept for the buffer's next chunk).
struct Chunk<P> {
    outcomes: Vec<YearOutcome>,
    formatted: Vec<Vec<u8>>,
    stats: Option<P>,
}

impl<P> Default for Chunk<P> {
    fn default() -> Self {
        Chunk {
            outcomes: Vec::new(),
            formatted: Vec::new(),
            stats: None,
        }
    }
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

/// Why a run of years ended before its last year; `E` is the sink's error.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError<E> {
    /// The stop flag was set.
    #[error("interrupted")]
    Interrupted,
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(std::io::Error),
    /// The sink stopped the run.
    #[error(transparent)]
    Sink(E),
}

impl<E> From<Interrupted> for SimulateError<E> {
    fn from(_: Interrupted) -> SimulateError<E> {
        SimulateError::Interrupted
    }
}

/// Simulates `years` of `plan` on `threads` threads, feeding `sink` in year order and
/// adding them to `stats`, which must hold no years yet (each chunk's statistics start as
/// a clone of it). The whole run is `0..N`; a sub-range simulates exactly those years of
/// it, each as the whole run would (a year depends only on the plan and its index).
///
/// Setting `stop` (from a Ctrl-C handler, say) ends the run within milliseconds with
/// [`SimulateError::Interrupted`]; the sink and `stats` then have received a prefix of the
/// years, never a partial one.
pub fn simulate_years<S: YearSink + ?Sized, P: Partial>(
    plan: &Plan,
    years: Range<u64>,
    threads: usize,
    stats: &mut P,
    sink: &mut S,
    stop: &AtomicBool,
) -> Result<RunTotals, SimulateError<S::Error>> {
    simulate_years_formatted(plan, years, threads, &NoFormat, stats, sink, stop)
}

/// As [`simulate_years`], also formatting every year with `format` in the parallel tasks
/// and handing the bytes of each chunk to [`YearSink::formatted`] after its years.
pub fn simulate_years_formatted<S: YearSink + ?Sized, P: Partial>(
    plan: &Plan,
    years: Range<u64>,
    threads: usize,
    format: &dyn Format,
    stats: &mut P,
    sink: &mut S,
    stop: &AtomicBool,
) -> Result<RunTotals, SimulateError<S::Error>> {
    let mut totals = RunTotals::default();
    // On one thread the consumer runs after each chunk's simulation anyway, so partial
    // statistics would take nothing off a critical path and cost an append per chunk: the
    // consumer adds the years itself (the same bytes, as the append promises).
    let empty = (threads > 1).then(|| stats.clone());
    pipeline(
        years,
        CHUNK_YEARS,
        threads,
        stop,
        || Engine::new(plan).with_stop(stop),
        |engine, range, chunk: &mut Chunk<P>| {
            simulate_chunk(engine, range, &mut chunk.outcomes);
            chunk.formatted.resize_with(format.outputs(), Vec::new);
            chunk.formatted.iter_mut().for_each(Vec::clear);
            // A buffer's first chunk clones the empty statistics; later ones reuse them.
            let mut partial = empty
                .as_ref()
                .map(|empty| chunk.stats.get_or_insert_with(|| empty.clone()));
            for outcome in &chunk.outcomes {
                format.format(outcome, &mut chunk.formatted);
                if let Some(partial) = &mut partial {
                    partial.add(outcome);
                }
            }
        },
        |chunk: &mut Chunk<P>| {
            for outcome in &chunk.outcomes {
                sink.year(outcome)?;
                totals.years += 1;
                totals.events += outcome.events;
                if chunk.stats.is_none() {
                    stats.add(outcome);
                }
            }
            if let Some(partial) = &mut chunk.stats {
                stats.append(partial);
            }
            sink.formatted(&chunk.formatted)
        },
    )?;
    Ok(totals)
}

/// Receives each simulated year of every variant of a comparison, in year order.
pub trait VariantsSink: Send {
    /// Why the sink may stop the run ([`std::convert::Infallible`] if it never does).
    type Error: Send;

    /// Takes year k's outcome of every variant, in variant order. An error stops the run.
    fn years(&mut self, outcomes: &[&YearOutcome]) -> Result<(), Self::Error>;
}

/// Simulates `years` of every plan in lockstep on `threads` threads: each chunk of years
/// ([`lockstep_chunk_years`]) is simulated for every variant by one task, and `sink` gets
/// year k of all variants together, in year order. The year outcomes in flight stay
/// bounded whatever the number of years, and grow with the variants only beyond
/// [`CHUNK_YEARS`] of them.
pub fn simulate_variants<S: VariantsSink + ?Sized>(
    plans: &[Plan],
    years: Range<u64>,
    threads: usize,
    sink: &mut S,
    stop: &AtomicBool,
) -> Result<RunTotals, SimulateError<S::Error>> {
    let mut totals = RunTotals::default();
    pipeline(
        years,
        lockstep_chunk_years(plans.len()),
        threads,
        stop,
        || {
            plans
                .iter()
                .map(|plan| Engine::new(plan).with_stop(stop))
                .collect::<Vec<_>>()
        },
        |engines, range, chunk: &mut Vec<Vec<YearOutcome>>| {
            chunk.resize_with(engines.len(), Vec::new);
            for (engine, outcomes) in engines.iter_mut().zip(chunk.iter_mut()) {
                simulate_chunk(engine, range.clone(), outcomes);
            }
        },
        |chunk: &mut Vec<Vec<YearOutcome>>| {
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

/// Simulates `years` into `outcomes`, exchanging buffers with a chunk already consumed
/// (nothing is copied), so that no year allocates once the pipeline is primed. Once the
/// engine's stop flag is set the remaining years are left out: the chunk is incomplete, and
/// the pipeline, which looks at the flag before consuming it, discards it.
fn simulate_chunk(engine: &mut Engine<'_>, years: Range<u64>, outcomes: &mut Vec<YearOutcome>) {
    outcomes.truncate((years.end - years.start) as usize);
    for (index, year) in years.enumerate() {
        if engine.stop_requested() {
            outcomes.truncate(index);
            return;
        }
        match outcomes.get_mut(index) {
            Some(slot) => engine.simulate_into(year, slot),
            None => outcomes.push(engine.simulate(year).clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    /// Formats each year's index and event count on a line of its own.
    struct YearLines;

    impl Format for YearLines {
        fn outputs(&self) -> usize {
            1
        }

        fn format(&self, outcome: &YearOutcome, outputs: &mut [Vec<u8>]) {
            outputs[0].extend(format!("{} {}\n", outcome.year, outcome.events).bytes());
        }
    }

    /// Collects the years it gets and the bytes formatted for them.
    #[derive(Default)]
    struct Collect {
        years: Vec<(u64, u64)>,
        bytes: Vec<u8>,
    }

    impl YearSink for Collect {
        type Error = std::convert::Infallible;

        fn year(&mut self, outcome: &YearOutcome) -> Result<(), Self::Error> {
            self.years.push((outcome.year, outcome.events));
            Ok(())
        }

        fn formatted(&mut self, outputs: &[Vec<u8>]) -> Result<(), Self::Error> {
            self.bytes.extend_from_slice(&outputs[0]);
            Ok(())
        }
    }

    /// Formatted bytes arrive in year order and match the years, whatever the thread
    /// count, across many reuses of each chunk buffer.
    #[test]
    fn formatted_bytes_follow_the_years_in_order() {
        let model = Model::parse(crate::fixtures::MODEL, "floor.toml").unwrap();
        let plan = Plan::compile(&model, 5);
        let years = 72 * CHUNK_YEARS + 7;
        let stop = AtomicBool::new(false);
        let mut runs = Vec::new();
        for threads in [1, 3] {
            let mut sink = Collect::default();
            let totals = simulate_years_formatted(
                &plan,
                0..years,
                threads,
                &YearLines,
                &mut (),
                &mut sink,
                &stop,
            )
            .unwrap();
            assert_eq!(totals.years, years);
            let expected: String = sink
                .years
                .iter()
                .map(|(year, events)| format!("{year} {events}\n"))
                .collect();
            assert_eq!(String::from_utf8(sink.bytes.clone()).unwrap(), expected);
            assert!(sink.years.iter().map(|(year, _)| *year).eq(0..years));
            runs.push(sink.bytes);
        }
        assert_eq!(runs[0], runs[1]);
    }

    /// Statistics computed chunk by chunk in the parallel tasks and appended in order are
    /// the bytes of adding every year one by one, on any number of threads, across the
    /// switch of percentiles from exact values to histograms.
    #[test]
    fn chunked_statistics_are_the_years_added_one_by_one() {
        use crate::stats::{Accumulator, RunIdentity};
        let model = Model::parse(crate::fixtures::MODEL, "floor.toml").unwrap();
        let plan = Plan::compile(&model, 5);
        let years = 6000 + 7;
        let identity = RunIdentity {
            model: "floor".into(),
            model_sha256: String::new(),
            seed: 5,
        };
        let mut serial = Accumulator::for_plan(&plan);
        let mut engine = Engine::new(&plan);
        (0..years).for_each(|year| serial.add(engine.simulate(year)));
        let outages = serial.outages(0).quantiles.count();
        assert!(
            outages > crate::stats::Quantiles::EXACT_LIMIT as u64,
            "{outages} outages"
        );
        let expected = serial.to_state(identity.clone()).to_json();
        for threads in [1, 3] {
            let mut stats = Accumulator::for_plan(&plan);
            let mut sink = Collect::default();
            let stop = AtomicBool::new(false);
            simulate_years_formatted(
                &plan,
                0..years,
                threads,
                &YearLines,
                &mut stats,
                &mut sink,
                &stop,
            )
            .unwrap();
            assert_eq!(stats.to_state(identity.clone()).to_json(), expected);
        }
    }

    /// A chunk's statistics, appended to the run's and then reused for the next chunk, leave
    /// the bytes of adding every year one by one, for every measure a shipped model has
    /// (requests, planned work, incidents' data loss) and the plots' breakdown: each
    /// append empties what it takes.
    #[test]
    fn reused_chunk_statistics_are_the_years_added_one_by_one() {
        use crate::stats::{Accumulator, Breakdown, RunIdentity};
        let identity = RunIdentity {
            model: "reuse".into(),
            model_sha256: String::new(),
            seed: 3,
        };
        for name in [
            "milvus-ha-traffic",
            "milvus-ha-upgrades-operator",
            "milvus-dr",
        ] {
            let path = format!("{}/models/{name}.toml", env!("CARGO_MANIFEST_DIR"));
            let source = std::fs::read_to_string(&path).unwrap();
            let plan = Plan::compile(&Model::parse(&source, &path).unwrap(), 3);
            let breakdown = || Breakdown::new(plan.components.iter().map(|c| c.causes.len()));
            let (mut serial, mut serial_breakdown) = (Accumulator::for_plan(&plan), breakdown());
            let (mut chunked, mut chunked_breakdown) = (Accumulator::for_plan(&plan), breakdown());
            let (mut partial, mut partial_breakdown) = (chunked.clone(), chunked_breakdown.clone());
            let mut engine = Engine::new(&plan);
            for year in 0..7 * CHUNK_YEARS + 5 {
                let outcome = engine.simulate(year);
                serial.add(outcome);
                serial_breakdown.add(outcome);
                partial.add(outcome);
                partial_breakdown.add(outcome);
                if (year + 1) % CHUNK_YEARS == 0 {
                    Partial::append(&mut chunked, &mut partial);
                    Partial::append(&mut chunked_breakdown, &mut partial_breakdown);
                    assert_eq!(partial.years(), 0, "{name}");
                }
            }
            Partial::append(&mut chunked, &mut partial);
            Partial::append(&mut chunked_breakdown, &mut partial_breakdown);
            let json = |stats: &Accumulator| stats.to_state(identity.clone()).to_json();
            assert_eq!(json(&chunked), json(&serial), "{name}");
            let saved = |b: &Breakdown| serde_json::to_string(b).unwrap();
            assert_eq!(
                saved(&chunked_breakdown),
                saved(&serial_breakdown),
                "{name}"
            );
        }
    }

    /// Collects year k of every variant as (year, events) pairs.
    #[derive(Default)]
    struct Lockstep(Vec<Vec<(u64, u64)>>);

    impl VariantsSink for Lockstep {
        type Error = std::convert::Infallible;

        fn years(&mut self, outcomes: &[&YearOutcome]) -> Result<(), Self::Error> {
            self.0
                .push(outcomes.iter().map(|o| (o.year, o.events)).collect());
            Ok(())
        }
    }

    /// A lockstep chunk holds about [`CHUNK_YEARS`] years of all the variants together,
    /// and at least one year of each.
    #[test]
    fn lockstep_chunks_hold_about_a_chunk_of_years_in_all() {
        for variants in [0, 1, 2, 3, 31, 32, 33, 295] {
            let years = lockstep_chunk_years(variants);
            assert!(years >= 1, "{variants} variants");
            let held = years * variants.max(1) as u64;
            assert!(
                held <= CHUNK_YEARS.max(variants as u64),
                "{variants} variants"
            );
            assert!(held > CHUNK_YEARS / 2 || years == 1, "{variants} variants");
        }
        assert_eq!(lockstep_chunk_years(1), CHUNK_YEARS);
    }

    /// Each variant of a lockstep run, in chunks of a few years (3 variants) or of one
    /// (40), gets exactly the years of its plan run alone, in year order, on any number of
    /// threads.
    #[test]
    fn lockstep_variants_get_their_own_years_in_order() {
        let model = Model::parse(crate::fixtures::MODEL, "floor.toml").unwrap();
        let stop = AtomicBool::new(false);
        let years = 3 * CHUNK_YEARS + 5;
        for variants in [3, 40] {
            let plans: Vec<Plan> = (0..variants)
                .map(|seed| Plan::compile(&model, seed))
                .collect();
            let alone: Vec<Vec<(u64, u64)>> = plans
                .iter()
                .map(|plan| {
                    let mut sink = Collect::default();
                    let format = &YearLines;
                    simulate_years_formatted(plan, 0..years, 1, format, &mut (), &mut sink, &stop)
                        .unwrap();
                    sink.years
                })
                .collect();
            for threads in [1, 3] {
                let mut sink = Lockstep::default();
                let totals =
                    simulate_variants(&plans, 0..years, threads, &mut sink, &stop).unwrap();
                assert_eq!(totals.years, years * variants);
                assert_eq!(sink.0.len() as u64, years, "{variants} variants");
                for (index, own) in alone.iter().enumerate() {
                    let got: Vec<(u64, u64)> = sink.0.iter().map(|row| row[index]).collect();
                    assert_eq!(
                        &got, own,
                        "variant {index} of {variants}, {threads} threads"
                    );
                }
            }
        }
    }

    /// A chunk whose engine was stopped simulates no further year, so that a stop is not
    /// held up by the rest of a chunk of long years.
    #[test]
    fn a_stopped_chunk_simulates_no_more_years() {
        let model = Model::parse(crate::fixtures::MODEL, "floor.toml").unwrap();
        let plan = Plan::compile(&model, 5);
        let stop = AtomicBool::new(true);
        let mut engine = Engine::new(&plan).with_stop(&stop);
        let mut outcomes = Vec::new();
        simulate_chunk(&mut engine, 0..CHUNK_YEARS, &mut outcomes);
        assert!(outcomes.is_empty(), "{} years", outcomes.len());
    }

    /// A sub-range of years gives exactly those years of the whole run.
    #[test]
    fn a_range_of_years_is_that_slice_of_the_whole_run() {
        let model = Model::parse(crate::fixtures::MODEL, "floor.toml").unwrap();
        let plan = Plan::compile(&model, 5);
        let stop = AtomicBool::new(false);
        let run = |years: Range<u64>| {
            let mut sink = Collect::default();
            simulate_years_formatted(&plan, years, 2, &YearLines, &mut (), &mut sink, &stop)
                .unwrap();
            sink
        };
        let whole = run(0..900);
        let part = run(300..700);
        assert_eq!(part.years, whole.years[300..700]);
        let lines: Vec<&str> = std::str::from_utf8(&whole.bytes).unwrap().lines().collect();
        let expected: String = lines[300..700]
            .iter()
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(String::from_utf8(part.bytes).unwrap(), expected);
    }
}
