//! `run`: simulate a range of years of a plan, accumulate the statistics and, with an
//! output directory, write the result files.

use super::{IoAction, Loaded, Progress, RunError};
use crate::check::{Status, Verdict};
use crate::engine::YearOutcome;
use crate::plan::Plan;
use crate::report::{self, CsvRows, OutputDir};
use crate::run::{Format, NoFormat, Partial, RunTotals, YearSink, simulate_years_formatted};
use crate::stats::{
    Accumulator, AccumulatorState, Breakdown, RunIdentity, RunMeta, Summary, sha256_hex,
};
use crate::time::Duration;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration as WallDuration, Instant};

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
    /// Whether `out` gets summary.json and the report without years.csv and outages.csv
    /// (`--summary-only`: a CI job's artefacts, without the rows that grow with the years).
    pub summary_only: bool,
    /// With a growth, the run goes on past `years` in doubling steps until its goal.
    pub growth: Option<Growth>,
}

/// How a run grows past its first years (`check --until-decided`, `run
/// --target-ci-width`): it doubles its years (N, 2N, 4N, … from N = the length of
/// `years`, the last step ending at `max_years`) until the goal is reached after a step.
/// Years are keyed by their index, so a run that ends at M years has the bytes of a plain
/// run of M years, on any number of threads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Growth {
    /// The cap: the run ends at this year whether or not the goal is reached.
    pub max_years: u64,
    /// When the run may stop.
    pub until: Until,
}

/// The goal of a growing run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Until {
    /// Every SLO target is decided: pass or miss, none inconclusive.
    Decided,
    /// The 95% CI of the availability is at most this wide, as downtime per horizon.
    CiWidth(Duration),
}

impl Until {
    /// Whether the statistics so far reach the goal; `judge` gives their SLO verdicts.
    fn reached(self, stats: &Accumulator, judge: Judge<'_>) -> bool {
        match self {
            Until::Decided => judge(stats)
                .iter()
                .all(|verdict| verdict.status != Status::Inconclusive),
            Until::CiWidth(width) => stats
                .downtime(0)
                .ci95_half_width()
                .is_some_and(|half| 2.0 * half <= width.as_secs_f64()),
        }
    }
}

/// How a growing run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grown {
    /// Steps simulated, the first included.
    pub steps: u32,
    /// Whether the goal was reached (otherwise the run stopped at the cap).
    pub reached: bool,
}

/// The years of the step after `done`, or `None` when the run is over: doubled from the
/// first year of the run, and never past the cap.
fn next_step(
    request: &RunRequest<'_>,
    done: &Range<u64>,
    stats: &Accumulator,
    judge: Judge<'_>,
) -> Option<Range<u64>> {
    let growth = request.growth?;
    if done.end >= growth.max_years || growth.until.reached(stats, judge) {
        return None;
    }
    let doubled = done.end.saturating_add(done.end - request.years.start);
    Some(done.end..doubled.min(growth.max_years))
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
    pub elapsed: WallDuration,
    /// How the run grew, when the request asked it to.
    pub grown: Option<Grown>,
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
    simulate_writing(request, stats, progress, stop, &|_| Vec::new(), |_, _| {
        Ok(())
    })
}

/// Judges a run's statistics for its report.html: the SLO verdicts of `check`, none for
/// `run` (whose statistics count no years below a target).
pub(super) type Judge<'a> = &'a dyn Fn(&Accumulator) -> Vec<Verdict>;

/// As [`simulate`]; with an output directory, report.html shows the verdicts of `judge`,
/// and `extra` also writes its files (a shard's manifest, say) among the run's, committed
/// with them.
pub(super) fn simulate_writing(
    request: &RunRequest<'_>,
    stats: Accumulator,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
    judge: Judge<'_>,
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
    let rows = output.as_mut().filter(|_| !request.summary_only);
    let format: &dyn Format = if rows.is_some() { &files } else { &NoFormat };
    let mut sink = RunSink::new(&files.0, rows, progress)?;
    let mut run_stats = RunStats {
        stats,
        breakdown: output
            .is_some()
            .then(|| Breakdown::new(plan.components.iter().map(|c| c.causes.len()))),
    };
    let started = Instant::now();
    let (totals, grown) = simulate_steps(request, format, &mut run_stats, &mut sink, stop, judge)?;
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
            {
                let verdicts = judge(&stats);
                let run = RunReport {
                    summary: &summary,
                    stats: &stats,
                    breakdown,
                    verdicts: &verdicts,
                };
                write_run_report(&mut output, request, &run)?;
            }
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
        grown,
    })
}

/// Simulates the years of `request` into `run_stats` and `sink` and, for a growing run, the
/// steps after them until the goal or the cap.
fn simulate_steps(
    request: &RunRequest<'_>,
    format: &dyn Format,
    run_stats: &mut RunStats,
    sink: &mut RunSink<'_>,
    stop: &AtomicBool,
    judge: Judge<'_>,
) -> Result<(RunTotals, Option<Grown>), RunError> {
    let (plan, threads) = (request.plan, request.threads);
    let empty = run_stats.clone();
    let mut years = request.years.clone();
    let mut totals =
        simulate_years_formatted(plan, years.clone(), threads, format, run_stats, sink, stop)?;
    let mut steps = 1;
    while let Some(next) = next_step(request, &years, &run_stats.stats, judge) {
        // Each step's statistics grow from empty ones and are appended in year order, as
        // the chunks of one step are.
        let mut step = empty.clone();
        let more =
            simulate_years_formatted(plan, next.clone(), threads, format, &mut step, sink, stop)?;
        run_stats.append(&mut step);
        totals.years += more.years;
        totals.events += more.events;
        steps += 1;
        years = next;
    }
    let grown = request.growth.map(|growth| Grown {
        steps,
        reached: growth.until.reached(&run_stats.stats, judge),
    });
    Ok((totals, grown))
}

/// What report.html shows of a run.
#[cfg(feature = "plots")]
pub(super) struct RunReport<'a> {
    pub(super) summary: &'a Summary,
    pub(super) stats: &'a Accumulator,
    pub(super) breakdown: &'a Breakdown,
    /// The SLO verdicts, in the order of the check report; none for `run`.
    pub(super) verdicts: &'a [Verdict],
}

/// Writes the plots and report.html of a run; the timeline traces the year with the most
/// downtime again, exactly as the run simulated it.
#[cfg(feature = "plots")]
pub(super) fn write_run_report(
    output: &mut OutputDir,
    request: &RunRequest<'_>,
    run: &RunReport<'_>,
) -> Result<(), RunError> {
    let RunReport {
        summary,
        stats,
        breakdown,
        verdicts,
    } = *run;
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
    let page = report::run_page(&facts, summary, verdicts, &plots);
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

/// The CSV files a full run of `plan` writes, each with its header row, in the order
/// [`CsvFiles`] formats them: what a merge expects of every shard.
pub(super) fn csv_headers(plan: &crate::plan::Plan) -> Vec<(&'static str, Vec<u8>)> {
    let rows = CsvRows::new(plan);
    let mut files = Vec::new();
    let mut years = Vec::new();
    rows.years_header(&mut years);
    files.push((CSV_FILES[0], years));
    let mut outages = Vec::new();
    rows.outages_header(&mut outages);
    files.push((CSV_FILES[1], outages));
    if rows.has_incidents() {
        let mut incidents = Vec::new();
        rows.incidents_header(&mut incidents);
        files.push((CSV_FILES[2], incidents));
    }
    files
}

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

    fn append(&mut self, later: &mut RunStats) {
        Partial::append(&mut self.stats, &mut later.stats);
        self.breakdown.append(&mut later.breakdown);
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
            summary_only: false,
            growth: None,
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
            summary_only: false,
            growth: None,
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
                summary_only: false,
                growth: None,
            },
            baseline: None,
            allow_other_model: false,
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
