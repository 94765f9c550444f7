//! `run --shard K/M` and `merge`: a run split into shards that run apart, each writing its
//! years' rows and mergeable statistics with a manifest (`shard.json`), and merged back
//! into the result files of the whole run, byte for byte.

use super::check::{Targets, write_junit};
use super::run::simulate_writing;
use super::{IoAction, Loaded, Progress, RunError, RunOutcome, RunRequest};
use crate::check::CheckReport;
use crate::model::Model;
use crate::plan::Plan;
use crate::report::{self, OutputDir};
use crate::shard::Shard;
use crate::stats::{Accumulator, AccumulatorState, Breakdown, RunMeta, sha256_hex};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The file a shard directory is recognised by.
pub const MANIFEST: &str = "shard.json";

/// The manifest's format; bumped whenever it changes.
const FORMAT: u32 = 1;

/// What a shard directory holds besides its rows and `accumulator.json`: which run and
/// which part of it, and what the plots of the whole run need.
#[derive(Serialize, Deserialize)]
struct Manifest {
    /// [`FORMAT`] when written.
    format: u32,
    /// The version of nines that wrote it: results are the same bytes only within one.
    nines: String,
    /// The SHA-256 of the model file.
    model_sha256: String,
    /// The master seed.
    seed: u64,
    /// N, the years of the whole run.
    years: u64,
    /// K.
    shard: u64,
    /// M.
    shards: u64,
    /// The model file as the user named it (report.html names it).
    file: PathBuf,
    /// The model file's text, so that a merge needs nothing but the shards.
    source: String,
    /// Outage durations by cause and the worst year, for the plots.
    breakdown: Breakdown,
    /// A check's shard: what its verdicts need; none for a run's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<CheckShard>,
}

/// What marks a shard as a check's (`check --shard K/M`), with what the merge needs to
/// judge the whole run as `check` would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckShard {
    /// `--allow-inconclusive`: inconclusive targets succeed, as long as none is missed.
    pub allow_inconclusive: bool,
}

/// What a merge found: the whole run and, for a check's shards, its report.
pub struct Merged {
    /// The whole run.
    pub run: RunOutcome,
    /// The check report of the whole run, when the shards are a check's.
    pub check: Option<CheckReport>,
}

/// Why shards cannot be merged (or a shard not written): each names the directory.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// A directory that is not a shard of this version, or does not fit the others.
    #[error("{}: {problem}", dir.display())]
    Shard {
        /// The shard directory.
        dir: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Two directories hold the same shard.
    #[error("{} and {} are both shard {shard}", first.display(), second.display())]
    Duplicate {
        /// The first directory.
        first: PathBuf,
        /// The second.
        second: PathBuf,
        /// Their shard.
        shard: Shard,
    },
    /// A shard of the run is not among the directories.
    #[error("shard {0} is missing (the directories given hold {1})")]
    Missing(Shard, String),
    /// The shard is not a part of the run (`K/M` with M above the years, say).
    #[error(transparent)]
    Spec(#[from] crate::shard::ShardSpecError),
    /// A shard was asked for without an output directory to write it to.
    #[error("a shard needs an output directory (--out)")]
    NoOutput,
    /// `--junit` for the shards of a run, which has no verdicts.
    #[error("--junit needs the shards of a check (`nines check --shard K/M`); these are a run's")]
    JunitWithoutCheck,
    /// Writing the merged result failed.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Simulates shard `shard` of the whole run of `years` years that `request` describes
/// (its own `years` are ignored) into `request.out`, with the manifest a merge needs; with
/// `check`, a check's shard, whose statistics count the years below its targets (the model
/// must set some). A shard run again replaces its directory's files whole, so an index may
/// run twice.
pub fn run_shard(
    request: &RunRequest<'_>,
    shard: Shard,
    years: u64,
    check: Option<CheckShard>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<RunOutcome, ShardError> {
    let range = shard.years(years)?;
    let request = RunRequest {
        years: range,
        out: request.out.clone(),
        // A merge concatenates the shards' rows, of the years the shard names.
        summary_only: false,
        growth: None,
        ..*request
    };
    let loaded = request.loaded;
    let write_manifest = |output: &mut OutputDir, breakdown: &Breakdown| {
        let manifest = Manifest {
            format: FORMAT,
            nines: env!("CARGO_PKG_VERSION").to_string(),
            model_sha256: sha256_hex(loaded.source.as_bytes()),
            seed: loaded.seed,
            years,
            shard: shard.index,
            shards: shard.count,
            file: loaded.file.clone(),
            source: loaded.source.clone(),
            breakdown: breakdown.clone(),
            check,
        };
        let mut bytes = serde_json::to_vec(&manifest).unwrap_or_default();
        bytes.push(b'\n');
        output
            .write(MANIFEST, &bytes)
            .map_err(RunError::io(IoAction::Write(output.path(MANIFEST))))
    };
    let targets = check
        .map(|_| Targets::of(loaded, request.plan))
        .transpose()?;
    let stats = empty_stats(targets.as_ref(), request.plan);
    let judge = |stats: &Accumulator| targets.as_ref().map_or_else(Vec::new, |t| t.judge(stats));
    Ok(simulate_writing(
        &request,
        stats,
        progress,
        stop,
        &judge,
        write_manifest,
    )?)
}

/// The empty statistics of a shard: a check's (with `targets`) also count the years below
/// each target, as `check`'s do.
fn empty_stats(targets: Option<&Targets<'_>>, plan: &Plan) -> Accumulator {
    targets.map_or_else(|| Accumulator::for_plan(plan), Targets::stats)
}

/// One shard directory, read and checked on its own.
struct Part {
    dir: PathBuf,
    manifest: Manifest,
    stats: Accumulator,
    identity: crate::stats::RunIdentity,
}

impl Part {
    fn problem(dir: &Path, problem: impl Into<String>) -> ShardError {
        ShardError::Shard {
            dir: dir.to_path_buf(),
            problem: problem.into(),
        }
    }

    fn read(dir: &Path) -> Result<Part, ShardError> {
        let bad = |problem: String| Part::problem(dir, problem);
        let manifest = fs::read(dir.join(MANIFEST)).map_err(|error| {
            bad(format!(
                "not a shard: cannot read {MANIFEST} ({error}); write shards with `nines run --shard K/M --out DIR`"
            ))
        })?;
        /// The format and version alone, read first so that another version is named.
        #[derive(Deserialize)]
        struct Versioned {
            format: u32,
            nines: String,
        }
        let versioned: Versioned = serde_json::from_slice(&manifest)
            .map_err(|error| bad(format!("{MANIFEST} is not a shard manifest: {error}")))?;
        let ours = env!("CARGO_PKG_VERSION");
        if versioned.format != FORMAT || versioned.nines != ours {
            return Err(bad(format!(
                "written by nines {} (shard format {}); this is nines {ours} (format {FORMAT}): run every shard with the same version",
                versioned.nines, versioned.format
            )));
        }
        let manifest: Manifest = serde_json::from_slice(&manifest)
            .map_err(|error| bad(format!("{MANIFEST} is damaged: {error}")))?;
        let name = AccumulatorState::FILE_NAME;
        let state = fs::read(dir.join(name))
            .map_err(|error| bad(format!("cannot read {name}: {error}")))
            .and_then(|bytes| {
                AccumulatorState::from_json(&bytes).map_err(|error| bad(format!("{name}: {error}")))
            })?;
        let identity = state.identity.clone();
        let stats =
            Accumulator::from_state(state).map_err(|error| bad(format!("{name}: {error}")))?;
        let shard = Shard {
            index: manifest.shard,
            count: manifest.shards,
        };
        if identity.model_sha256 != manifest.model_sha256
            || identity.model_sha256 != sha256_hex(manifest.source.as_bytes())
            || identity.seed != manifest.seed
            || Ok(stats.year_range()) != shard.years(manifest.years)
        {
            return Err(bad(format!(
                "{name} and {MANIFEST} do not belong together (files of two runs mixed?)"
            )));
        }
        Ok(Part {
            dir: dir.to_path_buf(),
            manifest,
            stats,
            identity,
        })
    }

    /// What differs between this shard's run and `first`'s, if anything.
    fn mismatch(&self, first: &Part) -> Option<String> {
        let (mine, theirs) = (&self.manifest, &first.manifest);
        let differs = |what: &str, mine: String, theirs: String| {
            Some(format!(
                "a shard of another run than {}: {what} {mine}, there {theirs}",
                first.dir.display()
            ))
        };
        if mine.model_sha256 != theirs.model_sha256 {
            differs(
                "model",
                format!("{} (sha256 {})", mine.file.display(), mine.model_sha256),
                format!("{} (sha256 {})", theirs.file.display(), theirs.model_sha256),
            )
        } else if mine.seed != theirs.seed {
            differs("seed", mine.seed.to_string(), theirs.seed.to_string())
        } else if mine.years != theirs.years {
            differs("years", mine.years.to_string(), theirs.years.to_string())
        } else if mine.check.is_some() != theirs.check.is_some() {
            let kind = |manifest: &Manifest| match manifest.check {
                Some(_) => "a check's shard (`nines check --shard`)",
                None => "a run's shard (`nines run --shard`)",
            };
            Some(format!(
                "{}, but {} is {}: merge the shards of one command",
                kind(mine),
                first.dir.display(),
                kind(theirs)
            ))
        } else if mine.check != theirs.check {
            let allow = |manifest: &Manifest| match manifest.check {
                Some(CheckShard {
                    allow_inconclusive: true,
                }) => "with --allow-inconclusive".to_string(),
                _ => "without --allow-inconclusive".to_string(),
            };
            differs("check options", allow(mine), allow(theirs))
        } else if mine.shards != theirs.shards {
            differs(
                "shard count",
                mine.shards.to_string(),
                theirs.shards.to_string(),
            )
        } else {
            None
        }
    }

    /// Checks that the shard holds each of the CSV files `csv` (names and header rows)
    /// that a shard of its model writes, before anything is written.
    fn has_csv_files(&self, csv: &[(&str, Vec<u8>)]) -> Result<(), ShardError> {
        for (name, _) in csv {
            let path = self.dir.join(name);
            match fs::metadata(&path) {
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    let names: Vec<&str> = csv.iter().map(|(name, _)| *name).collect();
                    return Err(Part::problem(
                        &self.dir,
                        format!(
                            "{name} is missing: a shard of this model holds {} beside {MANIFEST}; run the shard again, or copy its whole directory",
                            names.join(", ")
                        ),
                    ));
                }
                Err(error) => {
                    return Err(Part::problem(
                        &self.dir,
                        format!("cannot read {name}: {error}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Reads the shard directories `dirs` (in any order) and checks that they are every shard
/// of one run, once each; returns them in shard order.
fn read_parts(dirs: &[PathBuf]) -> Result<Vec<Part>, ShardError> {
    let mut parts = dirs
        .iter()
        .map(|dir| Part::read(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(first) = parts.first() else {
        return Err(ShardError::Missing(
            Shard { index: 0, count: 1 },
            "no directory".into(),
        ));
    };
    if let Some((part, problem)) = parts[1..]
        .iter()
        .find_map(|part| part.mismatch(first).map(|problem| (part, problem)))
    {
        return Err(Part::problem(&part.dir, problem));
    }
    let count = first.manifest.shards;
    in_shard_order(&mut parts, count, |part| (&part.dir, part.manifest.shard))?;
    Ok(parts)
}

/// Sorts `parts` into shard order and checks that they hold each of the `count` shards
/// exactly once; `locate` gives a part's directory and shard index.
pub(super) fn in_shard_order<T>(
    parts: &mut [T],
    count: u64,
    locate: impl Fn(&T) -> (&PathBuf, u64),
) -> Result<(), ShardError> {
    parts.sort_by_key(|part| locate(part).1);
    let shard = |index| Shard { index, count };
    if let Some(pair) = parts
        .windows(2)
        .find(|pair| locate(&pair[0]).1 == locate(&pair[1]).1)
    {
        let ((first, index), (second, _)) = (locate(&pair[0]), locate(&pair[1]));
        return Err(ShardError::Duplicate {
            first: first.clone(),
            second: second.clone(),
            shard: shard(index),
        });
    }
    if let Some(index) =
        (0..count).find(|&k| parts.get(k as usize).is_none_or(|part| locate(part).1 != k))
    {
        let held: Vec<String> = parts
            .iter()
            .map(|part| shard(locate(part).1).to_string())
            .collect();
        return Err(ShardError::Missing(shard(index), held.join(", ")));
    }
    Ok(())
}

/// Merges the shard directories `dirs`, in any order, into `out`: the result files of the
/// whole run, byte for byte, all of them or none. The shards of a check are judged as
/// `check` judges the whole run, with report.html showing the verdicts; with `junit`, the
/// report is also written there as JUnit XML.
pub fn merge(dirs: &[PathBuf], out: &Path, junit: Option<&Path>) -> Result<Merged, ShardError> {
    let started = std::time::Instant::now();
    let parts = read_parts(dirs)?;
    let first = &parts[0];
    let file = first.manifest.file.clone();
    let model = Model::parse(&first.manifest.source, &file.display().to_string())
        .map_err(RunError::from)?;
    let loaded = Loaded {
        file,
        source: first.manifest.source.clone(),
        model,
        seed: first.manifest.seed,
    };
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let identity = first.identity.clone();
    let csv = super::run::csv_headers(&plan);
    for part in &parts {
        part.has_csv_files(&csv)?;
    }
    let check = first.manifest.check;
    if check.is_none() && junit.is_some() {
        return Err(ShardError::JunitWithoutCheck);
    }
    let targets = check.map(|_| Targets::of(&loaded, &plan)).transpose()?;
    let mut stats = empty_stats(targets.as_ref(), &plan);
    let mut breakdown = Breakdown::new(plan.components.iter().map(|c| c.causes.len()));
    let mut output =
        OutputDir::create(out).map_err(RunError::io(IoAction::CreateDir(out.to_path_buf())))?;
    for (name, header) in &csv {
        concatenate(&mut output, name, header, &parts)?;
    }
    for part in parts {
        let mismatch = |error: crate::stats::MergeError| {
            Part::problem(
                &part.dir,
                format!("does not merge with the shards before it: {error}"),
            )
        };
        stats.merge(part.stats).map_err(mismatch)?;
        breakdown.merge(part.manifest.breakdown).map_err(mismatch)?;
    }
    let meta = RunMeta {
        model: loaded.model.name().to_string(),
        seed: loaded.seed,
    };
    let mut summary = stats.summary(meta, &plan.expression_names[1..]);
    summary.cost_per_year = loaded.model.cost_per_year();
    let verdicts = targets
        .as_ref()
        .map_or_else(Vec::new, |targets| targets.judge(&stats));
    let write = |output: &mut OutputDir, name: &str, bytes: &[u8]| {
        output
            .write(name, bytes)
            .map_err(RunError::io(IoAction::Write(output.path(name))))
    };
    write(&mut output, "summary.json", &report::summary_json(&summary))?;
    write(
        &mut output,
        AccumulatorState::FILE_NAME,
        &stats.to_state(identity).to_json(),
    )?;
    // The plots and report.html of the whole run, drawn from the merged breakdown.
    #[cfg(feature = "plots")]
    {
        let request = RunRequest {
            loaded: &loaded,
            plan: &plan,
            years: stats.year_range(),
            threads: 1,
            out: None,
            summary_only: false,
            growth: None,
        };
        let run = super::run::RunReport {
            summary: &summary,
            stats: &stats,
            breakdown: &breakdown,
            verdicts: &verdicts,
        };
        super::run::write_run_report(&mut output, &request, &run)?;
    }
    output
        .commit()
        .map_err(RunError::io(IoAction::Commit(out.to_path_buf())))?;
    let report = check
        .map(|check| CheckReport::new(&summary, verdicts, Vec::new(), check.allow_inconclusive));
    if let (Some(report), Some(junit)) = (&report, junit) {
        write_junit(report, junit)?;
    }
    let run = RunOutcome {
        summary,
        stats,
        totals: crate::run::RunTotals::default(),
        elapsed: started.elapsed(),
        grown: None,
    };
    Ok(Merged { run, check: report })
}

/// Writes `name` as `header` and the rows of every shard's file, in shard order, streamed
/// (a shard's file may be larger than memory). Each shard's file must have that header,
/// and rows of the shard's own years only, in year order (in `years.csv`, one row for each
/// of them), so that a file copied from another shard or cut short is refused, naming it.
fn concatenate(
    output: &mut OutputDir,
    name: &str,
    header: &[u8],
    parts: &[Part],
) -> Result<(), ShardError> {
    let target = output.path(name);
    let written = |error| RunError::Io {
        action: IoAction::Write(target.clone()),
        error,
    };
    let mut writer = output.file(name).map_err(written)?;
    io::Write::write_all(&mut writer, header).map_err(written)?;
    let every_year = name == "years.csv";
    let mut line = Vec::new();
    for part in parts {
        let path = part.dir.join(name);
        let bad = |problem: String| Part::problem(&part.dir, format!("{name}: {problem}"));
        let unreadable = |error: io::Error| bad(format!("cannot read it: {error}"));
        let mut reader = BufReader::new(File::open(&path).map_err(unreadable)?);
        line.clear();
        reader.read_until(b'\n', &mut line).map_err(unreadable)?;
        if line != header {
            return Err(bad(format!(
                "its header is not that of this model's {name} (`{}`): a file of another model or version?",
                String::from_utf8_lossy(header).trim_end()
            )));
        }
        let years = part.stats.year_range();
        let mut rows = RowYears::new(years.clone(), every_year);
        for number in 2.. {
            line.clear();
            if reader.read_until(b'\n', &mut line).map_err(unreadable)? == 0 {
                break;
            }
            rows.check(&line, number).map_err(bad)?;
            io::Write::write_all(&mut writer, &line).map_err(written)?;
        }
        rows.finish().map_err(bad)?;
    }
    Ok(io::Write::flush(&mut writer).map_err(written)?)
}

/// The years of a shard's CSV rows as they are read: each must be one of the shard's years
/// `years`, in order, and with `every_year` (`years.csv`) each of them exactly once.
struct RowYears {
    years: std::ops::Range<u64>,
    every_year: bool,
    /// The year of the last row read, if any.
    last: Option<u64>,
}

impl RowYears {
    fn new(years: std::ops::Range<u64>, every_year: bool) -> RowYears {
        RowYears {
            years,
            every_year,
            last: None,
        }
    }

    /// The shard's years, as the messages name them.
    fn shown(&self) -> String {
        format!("{}–{}", self.years.start, self.years.end.saturating_sub(1))
    }

    /// Checks the row `line` (with its line end), line `number` of the file.
    fn check(&mut self, line: &[u8], number: u64) -> Result<(), String> {
        let Some(row) = line.strip_suffix(b"\n") else {
            return Err(format!(
                "line {number} has no line end: the file is cut short"
            ));
        };
        let field = row.split(|&b| b == b',').next().unwrap_or_default();
        let year = std::str::from_utf8(field)
            .ok()
            .and_then(|field| field.parse::<u64>().ok())
            .ok_or_else(|| {
                format!(
                    "line {number}: `{}` is not a year",
                    String::from_utf8_lossy(field)
                )
            })?;
        if !self.years.contains(&year) {
            return Err(format!(
                "line {number} is of year {year}, but this shard holds years {}: a file of another shard?",
                self.shown()
            ));
        }
        let due = self.last.map_or(self.years.start, |last| last + 1);
        if self.every_year && year != due {
            return Err(format!(
                "line {number} is of year {year} where year {due} was due: each of this shard's years {} has one row, in order",
                self.shown()
            ));
        }
        if let Some(last) = self.last.filter(|&last| year < last) {
            return Err(format!(
                "line {number} is of year {year}, after a row of year {last}: rows are in year order"
            ));
        }
        self.last = Some(year);
        Ok(())
    }

    /// Checks that, with `every_year`, no year of the shard lacks its row.
    fn finish(&self) -> Result<(), String> {
        let next = self.last.map_or(self.years.start, |last| last + 1);
        if self.every_year && next != self.years.end {
            return Err(format!(
                "it ends before year {next}: each of this shard's years {} has one row (the file is cut short?)",
                self.shown()
            ));
        }
        Ok(())
    }
}
