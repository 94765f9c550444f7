//! Years per second of the engine against the random-number floor.
//!
//! For every model in `models/` and the synthetic `benches/large.toml` (320 replicas),
//! criterion measures, in years per second: the engine alone on 1 and 2 threads, the engine
//! with the statistics of `nines run` on 1 thread, and the floor (the same draws without
//! queue, state or statistics) on 1 and 2 threads. Then, outside criterion, it runs the
//! three interleaved round after round and prints the medians and the ratios to the floor
//! measured side by side, with events and draws per second (the table of `nines bench`).
//!
//! Run: `cargo bench -p nines-bench` (a filter such as `-- milvus` limits criterion's part;
//! `NINES_BENCH_ROUNDS` sets the interleaved rounds, 7 by default).

use criterion::{Criterion, Throughput};
use nines::bench::{Sink, compare, time_engine, time_floor};
use nines::model::Model;
use nines::plan::Plan;
use nines::report::{BenchFacts, bench_text};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Events the engine should handle in one timed run: about a tenth of a second's worth.
const EVENTS_PER_RUN: u64 = 1_000_000;

/// One model to measure.
struct Case {
    name: String,
    model: Model,
    plan: Plan,
    years: u64,
}

fn main() {
    let cases = cases();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for case in &cases {
        measure(&mut criterion, case);
    }
    criterion.final_summary();
    let rounds = std::env::var("NINES_BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(7);
    for case in &cases {
        side_by_side(case, rounds);
    }
}

/// Every shipped model, then the synthetic large one, each with a number of years per timed
/// run that makes it last about a tenth of a second.
fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("../models"))
        .expect("the repository's models/ directory")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files.push(root.join("large.toml"));
    files.iter().map(|file| load(file)).collect()
}

fn load(file: &Path) -> Case {
    let source = Model::read_source(file).expect("a readable model");
    let model = Model::parse(&source, &file.display().to_string()).expect("a valid model");
    let plan = Plan::compile(&model, model.simulation().seed);
    let probe = time_engine(&plan, 64, 1, Sink::Nothing).expect("a probe run");
    let events_per_year = (probe.work / probe.years).max(1);
    let name = file
        .file_stem()
        .map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
    Case {
        name,
        model,
        plan,
        years: (EVENTS_PER_RUN / events_per_year).clamp(32, 200_000),
    }
}

/// Criterion's measurements of one model, as years per second.
fn measure(criterion: &mut Criterion, case: &Case) {
    let mut group = criterion.benchmark_group(&case.name);
    group.throughput(Throughput::Elements(case.years));
    let (plan, years) = (&case.plan, case.years);
    for threads in [1, 2] {
        group.bench_function(format!("engine/{threads}t"), |b| {
            b.iter(|| time_engine(plan, years, threads, Sink::Nothing))
        });
    }
    group.bench_function("run/1t", |b| {
        b.iter(|| time_engine(plan, years, 1, Sink::Statistics))
    });
    for threads in [1, 2] {
        group.bench_function(format!("floor/{threads}t"), |b| {
            b.iter(|| time_floor(plan, years, threads))
        });
    }
    group.finish();
}

/// The interleaved comparison, printed as `nines bench` prints it.
fn side_by_side(case: &Case, rounds: usize) {
    let sides = compare(&case.plan, case.years, &[1, 2], rounds).expect("benchmark runs");
    let facts = BenchFacts {
        model: case.model.name(),
        replicas: case.plan.replica_count(),
        years: case.years,
        rounds,
    };
    println!("\n{}", bench_text(&facts, &sides));
}
