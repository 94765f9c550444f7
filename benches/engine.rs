//! Years per second of the engine against the random-number floors.
//!
//! For every model in `models/` and the synthetic `benches/large.toml` (320 replicas),
//! criterion measures, in years per second: the engine alone on 1 and 2 threads, the engine
//! with the statistics of `nines run` on 1 thread, the floor (the same draws without queue,
//! state or statistics) and the independent floor (the same count of draws from one ChaCha8
//! stream per year with the fastest samplers) on 1 and 2 threads. Then, outside criterion,
//! it runs them interleaved round after round, with a whole `nines run` process when the
//! release binary has been built (`cargo build --release`, or the binary named by
//! `NINES_BIN`), and prints the medians and the ratios to both floors measured side by side
//! (the tables of `nines bench`); and, for the models `benches/simpy_reference.py` reads, the
//! same model in SimPy (`python3` with `simpy`), timed as a whole process in the same rounds
//! (the reference table of `nines bench --reference`). Last, for
//! `models/milvus-ha-l1.toml` at 1, 10 and 100 copies of its components, the cost of a
//! replica-year as the cluster grows (the table of `nines bench --copies 1,10,100`).
//!
//! Run: `cargo bench -p nines-bench` (a filter such as `-- milvus` limits criterion's part;
//! `NINES_BENCH_ROUNDS` sets the interleaved rounds, 7 by default).

use criterion::{Criterion, Throughput};
use nines::app::Loaded;
use nines::bench::{
    ProcessTimer, Reference, ReferenceTimer, Sink, compare, same_replica_years, scaling,
    time_engine, time_floor, time_independent, time_process,
};
use nines::floor::Independent;
use nines::model::Model;
use nines::plan::Plan;
use nines::report::{BenchFacts, bench_text, independent_text, reference_text, scaling_text};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Events the engine should handle in one timed run: about a tenth of a second's worth.
const EVENTS_PER_RUN: u64 = 1_000_000;

/// The model whose cost per replica is measured as the cluster grows, and the sizes.
const GROWN: (&str, [u32; 3]) = ("milvus-ha-l1", [1, 10, 100]);

/// One model to measure.
struct Case {
    name: String,
    file: PathBuf,
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
    if let Some(case) = cases.iter().find(|case| case.name == GROWN.0) {
        grow(case, &GROWN.1, rounds);
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
        file: file.to_path_buf(),
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
    let independent = Independent::count(plan, years);
    for threads in [1, 2] {
        group.bench_function(format!("floor/{threads}t"), |b| {
            b.iter(|| time_floor(plan, years, threads))
        });
        group.bench_function(format!("independent/{threads}t"), |b| {
            b.iter(|| time_independent(&independent, years, threads))
        });
    }
    group.finish();
}

/// The interleaved comparison, printed as `nines bench` prints it, with SimPy as the
/// reference where it runs the model.
fn side_by_side(case: &Case, rounds: usize) {
    let binary = nines_binary();
    let mut timed = binary
        .as_deref()
        .map(|binary| move |years, threads| time_process(binary, &case.file, None, years, threads));
    let timer = timed.as_mut().map(|timed| timed as &mut ProcessTimer<'_>);
    let simpy = simpy(case);
    let mut time_simpy = simpy.as_ref().map(|simpy| move || simpy.time());
    let simpy_timer = time_simpy
        .as_mut()
        .map(|time| time as &mut ReferenceTimer<'_>);
    let sides = compare(&case.plan, case.years, &[1, 2], rounds, timer, simpy_timer)
        .expect("benchmark runs");
    let facts = BenchFacts {
        model: case.model.name(),
        replicas: case.plan.replica_count(),
        years: case.years,
        rounds,
    };
    println!(
        "\n{}{}",
        bench_text(&facts, &sides),
        independent_text(&sides)
    );
    if binary.is_none() {
        println!("(no process column: build the binary with `cargo build --release` first)");
    }
    if let Some(simpy) = &simpy {
        print!(
            "{}",
            reference_text(&simpy.command_line(), simpy.years(), &sides)
        );
    }
}

/// The cost of a replica-year of `case`'s model at each number of copies in `sizes`, each
/// simulating the replica-years of the case's years at the first.
fn grow(case: &Case, sizes: &[u32], rounds: usize) {
    let loaded = Loaded::read(&case.file, None).expect("a valid model");
    let plans: Vec<(u32, Plan, u64)> = sizes
        .iter()
        .map(|&copies| {
            let copied = loaded.with_copies(copies).expect("copies of a valid model");
            let years = same_replica_years(case.years, sizes[0], copies);
            (copies, Plan::compile(&copied.model, copied.seed), years)
        })
        .collect();
    let scales = scaling(&plans, &[1], rounds).expect("benchmark runs");
    println!("\n{}", scaling_text(case.model.name(), rounds, &scales));
}

/// The release binary, if built: `NINES_BIN`, else the workspace's `target/release/nines`.
fn nines_binary() -> Option<PathBuf> {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/nines");
    std::env::var_os("NINES_BIN")
        .map(PathBuf::from)
        .or(Some(built))
        .filter(|path| path.is_file())
}

/// The SimPy reference on the case's model, calibrated to runs of about
/// [`Reference::CALIBRATED_SECS`]; `None` where it cannot run (no python3 or simpy, or a
/// model it does not read: the calibration's trial run fails).
fn simpy(case: &Case) -> Option<Reference> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("simpy_reference.py");
    let words = [
        "python3",
        &script.display().to_string(),
        "{model}",
        "{years}",
    ];
    let words = words.map(str::to_owned).to_vec();
    let reference = Reference::from_words(words, &case.file, Reference::TRIAL_YEARS).ok()?;
    reference.calibrated().ok()
}
