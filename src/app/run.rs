//! `run`: simulate a range of years of a plan, accumulate the statistics and, with an
//! output directory, write the result files.

use super::{IoAction, Loaded, Progress, RunError};
use crate::engine::YearOutcome;
use crate::plan::Plan;
use crate::report::{self, CsvRows, OutputDir};
use crate::run::{Format, NoFormat, Partial, RunTotals, YearSink, simulate_years_formatted};
use crate::stats::{
    Accumulator, AccumulatorState, Breakdown, RunIdentity, RunMeta, Summary, sha256_hex,
};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// A run to simulate.
pub struct RunRequest<'a> {
    /// The model and its file.
    pub loaded: &'a Loaded,
    /// The model compiled with the seed of `loaded`.
    pub plan: &'a Plan,
    /// The years to simulate: `0..N` for a whole run of N years.
    pub years: Range<u64>,
    /// Worker threads; the results do not depend on them.
    pub threads: usize,
    /// The directory for summary.json, years.csv, outages.csv and, with the `plots`
    /// feature, the SVG plots and report.html; `None` writes nothing.
    pub out: Option<PathBuf>,
}

/// What a run found.
pub struct RunOutcome {
    /// The figures, as summary.json has them.
    pub summary: Summary,
    /// The accumulated statistics behind them.
    pub stats: Accumulator,
    /// Years and events simulated, for a performance line.
    pub totals: RunTotals,
    /// Wall-clock time of the simulation (without writing the result files).
    pub elapsed: Duration,
}

/// Simulates the years `request` asks for, with the statistics of `nines run`.
pub fn run(
    request: &RunRequest<'_>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<RunOutcome, RunError> {
    simulate(request, Accumulator::for_plan(request.plan), progress, stop)
}

/// Simulates the years `request` asks for, feeding `stats` (an empty accumulator, with miss
/// thresholds, say); with an output directory, writes the result files, all of them or
/// none (an interrupt or an error leaves the previous ones untouched).
pub fn simulate(
    request: &RunRequest<'_>,
    stats: Accumulator,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<RunOutcome, RunError> {
    simulate_writing(request, stats, progress, stop, |_, _| Ok(()))
}

/// As [`simulate`]; with an output directory, `extra` also writes its files (a shard's
/// manifest, say) among the run's, committed with them.
pub(super) fn simulate_writing(
    request: &RunRequest<'_>,
    stats: Accumulator,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
    extra: impl FnOnce(&mut OutputDir, &Breakdown) -> Result<(), RunError>,
) -> Result<RunOutcome, RunError> {
    let plan = request.plan;
    let mut output = match &request.out {
        Some(dir) => {
            Some(OutputDir::create(dir).map_err(RunError::io(IoAction::CreateDir(dir.clone())))?)
        }
        None => None,
    };
    let files = CsvFiles(CsvRows::new(plan));
    let mut sink = RunSink::new(&files.0, output.as_mut(), progress)?;
    let format: &dyn Format = if output.is_some() { &files } else { &NoFormat };
    let mut run_stats = RunStats {
        stats,
        breakdown: output
            .is_some()
            .then(|| Breakdown::new(plan.components.iter().map(|c| c.causes.len()))),
    };
    let started = Instant::now();
    let totals = simulate_years_formatted(
        plan,
        request.years.clone(),
        request.threads,
        format,
        &mut run_stats,
        &mut sink,
        stop,
    )?;
    let elapsed = started.elapsed();
    let meta = RunMeta {
        model: request.loaded.model.name().to_string(),
        seed: request.loaded.seed,
    };
    sink.finish()?;
    let RunStats { stats, breakdown } = run_stats;
    let mut summary = stats.summary(meta, &plan.expression_names[1..]);
    summary.cost_per_year = request.loaded.model.cost_per_year();
    if let Some(mut output) = output {
        output
            .write("summary.json", &report::summary_json(&summary))
            .map_err(RunError::io(IoAction::Write(output.path("summary.json"))))?;
        // What a later merge of this run with the runs of the years around it needs.
        let identity = RunIdentity {
            model: request.loaded.model.name().to_string(),
            model_sha256: sha256_hex(request.loaded.source.as_bytes()),
            seed: request.loaded.seed,
        };
        let state = AccumulatorState::FILE_NAME;
        output
            .write(state, &stats.to_state(identity).to_json())
            .map_err(RunError::io(IoAction::Write(output.path(state))))?;
        if let Some(breakdown) = &breakdown {
            extra(&mut output, breakdown)?;
            #[cfg(feature = "plots")]
            write_run_report(&mut output, request, &summary, &stats, breakdown)?;
        }
        let dir = output.path("");
        output
            .commit()
            .map_err(RunError::io(IoAction::Commit(dir)))?;
    }
    Ok(RunOutcome {
        summary,
        stats,
        totals,
        elapsed,
    })
}

/// Writes the plots and report.html of a run; the timeline traces the year with the most
/// downtime again, exactly as the run simulated it.
#[cfg(feature = "plots")]
pub(super) fn write_run_report(
    output: &mut OutputDir,
    request: &RunRequest<'_>,
    summary: &Summary,
    stats: &Accumulator,
    breakdown: &Breakdown,
) -> Result<(), RunError> {
    let loaded = request.loaded;
    let facts = report::RunFacts {
        file: &loaded.file.display().to_string(),
        hash: &report::sha256_hex(loaded.source.as_bytes()),
        plan: request.plan,
        availability_target: loaded.model.slo().and_then(|slo| slo.up.availability),
    };
    let year = breakdown
        .worst_year()
        .map_or(request.years.start, |(year, _)| year);
    let mut timeline = report::Timeline::new(request.plan, year);
    crate::engine::Engine::new(request.plan).simulate_traced(year, &mut timeline);
    let plots = report::run_plots(&facts, stats, breakdown, &timeline);
    write_plots(output, &plots)?;
    let page = report::run_page(&facts, summary, &plots);
    output
        .write("report.html", page.as_bytes())
        .map_err(RunError::io(IoAction::Write(output.path("report.html"))))
}

/// Writes each plot as its SVG file.
#[cfg(feature = "plots")]
pub(super) fn write_plots(output: &mut OutputDir, plots: &[report::Plot]) -> Result<(), RunError> {
    for plot in plots {
        output
            .write(plot.file, plot.svg.as_bytes())
            .map_err(RunError::io(IoAction::Write(output.path(plot.file))))?;
    }
    Ok(())
}

/// The rows of years.csv, outages.csv and, with incidents, incidents.csv, formatted in the
/// parallel tasks (in this order).
struct CsvFiles(CsvRows);

impl Format for CsvFiles {
    fn outputs(&self) -> usize {
        if self.0.has_incidents() {
            CSV_FILES.len()
        } else {
            CSV_FILES.len() - 1
        }
    }

    fn format(&self, outcome: &YearOutcome, outputs: &mut [Vec<u8>]) {
        self.0.year_row(&mut outputs[0], outcome);
        self.0.outage_rows(&mut outputs[1], outcome);
        if let Some(incidents) = outputs.get_mut(2) {
            self.0.incident_rows(incidents, outcome);
        }
    }
}

/// The CSV files of a run, in the order [`CsvFiles`] formats them (the last only with
/// incidents).
const CSV_FILES: [&str; 3] = ["years.csv", "outages.csv", "incidents.csv"];

/// What a run accumulates, chunk by chunk in the parallel tasks: the statistics and, with
/// an output directory, what the plots need.
#[derive(Clone)]
struct RunStats {
    stats: Accumulator,
    breakdown: Option<Breakdown>,
}

impl Partial for RunStats {
    fn add(&mut self, outcome: &YearOutcome) {
        Partial::add(&mut self.stats, outcome);
        self.breakdown.add(outcome);
    }

    fn append(&mut self, later: RunStats) {
        Partial::append(&mut self.stats, later.stats);
        self.breakdown.append(later.breakdown);
    }
}

/// What a run does with each year in year order, beyond its statistics: CSV rows, progress.
struct RunSink<'p> {
    /// years.csv, outages.csv and incidents.csv, with an output directory.
    csv: Option<Vec<CsvFile>>,
    progress: &'p mut dyn Progress,
}

impl<'p> RunSink<'p> {
    fn new(
        rows: &CsvRows,
        output: Option<&mut OutputDir>,
        progress: &'p mut dyn Progress,
    ) -> Result<RunSink<'p>, RunError> {
        let csv = match output {
            Some(output) => {
                let mut header = Vec::new();
                rows.years_header(&mut header);
                let years = csv_file(output, CSV_FILES[0], &header)?;
                header.clear();
                rows.outages_header(&mut header);
                let outages = csv_file(output, CSV_FILES[1], &header)?;
                let mut files = vec![years, outages];
                if rows.has_incidents() {
                    header.clear();
                    rows.incidents_header(&mut header);
                    files.push(csv_file(output, CSV_FILES[2], &header)?);
                }
                Some(files)
            }
            None => None,
        };
        Ok(RunSink { csv, progress })
    }

    /// Ends the progress and flushes the CSV files.
    fn finish(self) -> Result<(), RunError> {
        self.progress.finish();
        if let Some(files) = self.csv {
            for mut file in files {
                file.writer
                    .flush()
                    .map_err(RunError::io(IoAction::Write(file.path)))?;
            }
        }
        Ok(())
    }
}

/// A CSV result file being written, and its path for error messages.
struct CsvFile {
    writer: BufWriter<File>,
    path: PathBuf,
}

impl CsvFile {
    fn write(&mut self, bytes: &[u8]) -> Result<(), RunError> {
        self.writer.write_all(bytes).map_err(|error| RunError::Io {
            action: IoAction::Write(self.path.clone()),
            error,
        })
    }
}

/// Opens the result file `name` and writes its `header`.
fn csv_file(output: &mut OutputDir, name: &str, header: &[u8]) -> Result<CsvFile, RunError> {
    let path = output.path(name);
    let writer = output
        .file(name)
        .map_err(RunError::io(IoAction::Write(path.clone())))?;
    let mut file = CsvFile { writer, path };
    file.write(header)?;
    Ok(file)
}

impl YearSink for RunSink<'_> {
    type Error = RunError;

    fn year(&mut self, _outcome: &YearOutcome) -> Result<(), RunError> {
        self.progress.year();
        Ok(())
    }

    fn formatted(&mut self, outputs: &[Vec<u8>]) -> Result<(), RunError> {
        if let Some(files) = &mut self.csv {
            for (file, bytes) in files.iter_mut().zip(outputs) {
                file.write(bytes)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{CheckRequest, NoProgress, check};
    use crate::fixtures::MODEL;
    use crate::model::Model;
    use std::path::Path;

    fn loaded() -> Loaded {
        Loaded {
            file: PathBuf::from("floor.toml"),
            source: MODEL.to_string(),
            model: Model::parse(MODEL, "floor.toml").unwrap(),
            seed: 5,
        }
    }

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_run_writes_every_result_file_and_an_interrupted_one_none() {
        let loaded = loaded();
        let plan = Plan::compile(&loaded.model, loaded.seed);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let request = RunRequest {
            loaded: &loaded,
            plan: &plan,
            years: 0..50,
            threads: 2,
            out: Some(out.clone()),
        };
        let stop = AtomicBool::new(true);
        let interrupted = run(&request, &mut NoProgress, &stop);
        assert!(matches!(interrupted, Err(RunError::Interrupted)));
        assert!(!out.exists(), "an interrupted run leaves nothing");
        stop.store(false, std::sync::atomic::Ordering::Relaxed);
        let outcome = run(&request, &mut NoProgress, &stop).unwrap();
        assert_eq!(outcome.summary.years, 50);
        assert_eq!(outcome.totals.years, 50);
        let mut expected = vec![
            "accumulator.json",
            "outages.csv",
            "summary.json",
            "years.csv",
        ];
        if cfg!(feature = "plots") {
            expected.extend([
                "downtime-histogram.svg",
                "outage-cdf.svg",
                "report.html",
                "timeline.svg",
            ]);
            expected.sort();
        }
        assert_eq!(names(&out), expected);
    }

    /// Runs `years` of `plan` on two threads into `out`.
    fn run_years(loaded: &Loaded, plan: &Plan, years: Range<u64>, out: &Path) -> RunOutcome {
        let request = RunRequest {
            loaded,
            plan,
            years,
            threads: 2,
            out: Some(out.to_path_buf()),
        };
        run(&request, &mut NoProgress, &AtomicBool::new(false)).unwrap()
    }

    /// The saved state beside summary.json reads back to the run's own statistics, and two
    /// runs of consecutive years merged from their saved states give the whole run's
    /// summary.json, byte for byte.
    #[test]
    fn saved_states_merge_to_the_summary_of_the_whole_run() {
        let loaded = loaded();
        let plan = Plan::compile(&loaded.model, loaded.seed);
        let dir = tempfile::tempdir().unwrap();
        let run_into = |years: Range<u64>, name: &str| {
            let out = dir.path().join(name);
            run_years(&loaded, &plan, years, &out);
            let state = std::fs::read(out.join(AccumulatorState::FILE_NAME)).unwrap();
            let summary = std::fs::read(out.join("summary.json")).unwrap();
            (state, summary)
        };
        let (_, whole) = run_into(0..60, "whole");
        let (first, _) = run_into(0..25, "first");
        let (second, _) = run_into(25..60, "second");
        let read = |bytes: &[u8]| {
            let state = AccumulatorState::from_json(bytes).unwrap();
            assert_eq!(
                state.identity.model_sha256,
                sha256_hex(loaded.source.as_bytes())
            );
            Accumulator::from_state(state).unwrap()
        };
        let mut merged = read(&first);
        merged.merge(read(&second)).unwrap();
        let meta = RunMeta {
            model: loaded.model.name().to_string(),
            seed: loaded.seed,
        };
        let summary = merged.summary(meta, &plan.expression_names[1..]);
        assert_eq!(report::summary_json(&summary), whole);
    }

    /// A range of years accumulates exactly those years: its years.csv rows are the
    /// matching rows of the whole run.
    #[test]
    fn a_range_of_years_is_that_part_of_the_whole_run() {
        let loaded = loaded();
        let plan = Plan::compile(&loaded.model, loaded.seed);
        let dir = tempfile::tempdir().unwrap();
        let years_csv = |years: Range<u64>, name: &str| {
            let out = dir.path().join(name);
            let outcome = run_years(&loaded, &plan, years, &out);
            let text = std::fs::read_to_string(out.join("years.csv")).unwrap();
            (outcome.summary.years, text)
        };
        let (whole_years, whole) = years_csv(0..60, "whole");
        let (part_years, part) = years_csv(20..60, "part");
        assert_eq!((whole_years, part_years), (60, 40));
        let whole: Vec<&str> = whole.lines().collect();
        let part: Vec<&str> = part.lines().collect();
        assert_eq!(part[0], whole[0], "the same header");
        assert_eq!(part[1..], whole[21..]);
    }

    #[test]
    fn a_check_needs_targets() {
        let loaded = loaded();
        let plan = Plan::compile(&loaded.model, loaded.seed);
        let request = CheckRequest {
            run: RunRequest {
                loaded: &loaded,
                plan: &plan,
                years: 0..10,
                threads: 1,
                out: None,
            },
            baseline: None,
            baseline_tolerance: None,
            junit: None,
            allow_inconclusive: false,
        };
        let error = check(&request, &mut NoProgress, &AtomicBool::new(false)).err();
        assert!(
            matches!(&error, Some(RunError::NoTargets { file }) if file == &loaded.file),
            "{error:?}"
        );
    }
}
