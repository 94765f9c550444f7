//! The command line, in ripgrep's shape: clap arguments, resolved once into a request of
//! the library's application layer ([`nines::app`]), whose typed result is printed through
//! [`nines::report`] and mapped to an exit status (0, 1 for a check that fails, 2 for a bad
//! model, bad usage or an output error, 130 for an interrupt, 141 when standard output is a
//! closed pipe). The progress bar and the
//! Ctrl-C handler live here, not in the library.

mod bench;
mod calc;
mod check;
mod compare;
mod docs;
mod explain;
mod merge;
mod optimize;
mod progress;
mod run;
mod sensitivity;
mod streams;
mod trace;

use nines::app::{Admission, Loaded, RunError, admit};
use nines::model::ModelErrors;
use nines::run::RunTotals;
use nines::workload::RunShape;

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as WallDuration;

/// Most years one run may simulate.
pub(crate) const MAX_YEARS: u64 = 1_000_000_000_000;

/// The largest master seed: a model's `seed` is a TOML integer, at most 2^63 − 1, and a seed
/// given on the command line can always be written into a model.
pub(crate) const MAX_SEED: u64 = i64::MAX as u64;

/// Most worker threads (`--threads`): far more than any machine's cores, and few enough
/// that starting them, each with its engine, takes no time (65,535 took minutes).
pub(crate) const MAX_THREADS: i64 = 256;

/// The long description of `nines --help` and of the manual page: what a user without the
/// README needs to write a model and trust its figures.
const GUIDE: &str = "Predict the availability of a highly available cluster by simulating many \
independent years of its failures, detections, elections and repairs (a deterministic \
discrete-event Monte Carlo simulation), and report availability with its 95% confidence \
interval, downtime per year and outage durations (RTO percentiles).

Model file (TOML):
  name = \"three-node etcd\"
  up = \"etcd\"                  # when the system is up: component names, &, |, ( )
  [simulation]                 # optional: years = 10000, seed = 1, horizon = \"1y\"
  [services]                   # optional extra views, reported like up: read = \"etcd\"
  [slo]                        # optional targets for `nines check`, e.g.
                               # availability = \"99.999%\", rto_p99 = \"5s\"
  [[component]]
  name = \"etcd\"                # [a-z0-9_-]+, unique
  replicas = 3                 # default 1
  needs = \"majority\"           # replicas up to serve: a number, \"majority\" or \"all\"
  leader = { election = { dist = \"uniform\", min = \"1s\", max = \"2s\" } }  # optional
    [[component.failure]]      # any number of failure modes per replica
    name = \"crash\"
    every = { dist = \"exponential\", mean = \"30d\" }   # time to failure, in up time
    detect = \"0s\"                                    # failure -> noticed
    repair = { dist = \"lognormal\", mean = \"45s\", sd = \"15s\" }  # noticed -> serving

Durations carry units (ms, s, m, h, d, w, y; \"1h30m\", \"1.5s\"); a bare number is an error. A \
distribution is a duration (fixed) or a table with dist = fixed (value), exponential (mean), \
weibull (shape and scale or mean), lognormal (mean and sd, or median and sigma), gamma \
(shape, mean), uniform (min, max) or empirical (samples = [\"12s\", ...]). Every problem in a \
model is reported before anything runs, with its file, line, column and key.

Determinism: year K draws from random streams keyed by the seed, K and what draws, so the \
results depend only on the model, the seed and the years: never on --threads, and the first \
N years of a longer run are the N-year run.

Limits: a run (or a sweep or comparison, all variants together) expected to take over a \
minute gets a note; one over 1e9 events in one simulated year, 1e11 events in all, 4 GiB of \
memory or 16 GiB of result files is refused unless --force. Ctrl-C, SIGTERM and SIGHUP stop a \
run with exit status 130 and write nothing. Result files (--out DIR) appear only when the \
whole run succeeded; whenever DIR/summary.json exists, every file beside it comes from the \
same run; a later run into DIR removes the temporary files of a killed one.";

/// Predict the availability of a highly available cluster by simulating many years.
#[derive(Debug, Parser)]
#[command(name = "nines", version, about, long_about = GUIDE, propagate_version = true)]
#[command(after_help = "Examples:
  nines run models/milvus-ha-l1.toml
  nines run models/etcd-quorum.toml --years 100000 --out results/etcd
  nines check models/etcd-quorum.toml --junit slo.xml --baseline results/etcd-quorum/summary.json
  nines trace models/etcd-quorum.toml --year 42
  nines sweep models/milvus-ha-l1.toml --set component.querynode.replicas=2,3 --out sweep
  nines calc parallel 99% 99%

`nines --help` describes the model file, determinism and limits; `nines help COMMAND` a
command. `nines man` prints this as a manual page (`nines man run` the page of `run`),
`nines completions bash` a completion script (also zsh, fish, elvish, powershell).")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate the model and print its availability, downtime and outage durations.
    #[command(after_help = "Examples:
  nines run models/milvus-ha-l1.toml
  nines run models/milvus-ha-l1.toml --years 100000 --threads 2 --out results/milvus
  nines run models/etcd-quorum.toml --json | jq .availability

Exit status: 0 on success, 2 on a bad model, bad usage or an output error.")]
    Run(run::RunArgs),
    /// Simulate, then judge the model's [slo] targets: one line per target with the figure,
    /// its 95% CI, the bound and pass, miss or inconclusive.
    #[command(after_help = "Examples:
  nines check models/etcd-quorum.toml
  nines check models/etcd-quorum.toml --years 100000 --junit slo-junit.xml
  nines check model.toml --baseline baseline/summary.json --allow-inconclusive

Exit status: 0 when every target passes (inconclusive ones too with --allow-inconclusive),
1 when a target is missed, inconclusive, or regressed against the baseline, 2 on a bad
model, a bad baseline, bad usage or an output error.")]
    Check(check::CheckArgs),
    /// Merge the shard directories of `run`, `check` or `sweep` `--shard K/M` into the
    /// result files of the whole run (or sweep), byte for byte; a check's are judged too.
    #[command(after_help = "Examples:
  for k in 0 1 2 3; do nines run model.toml --years 100000 --shard $k/4 --out shards/$k; done
  nines merge shards/* --out results
  for k in 0 1; do nines sweep model.toml --set component.db.replicas=2,3 --shard $k/2 --out s/$k; done
  nines merge s/* --out sweep
  for k in 0 1; do nines check model.toml --years 100000 --shard $k/2 --out c/$k; done
  nines merge c/* --out results --junit results/check.xml

The directories may come in any order; a shard may have run twice (the last run wins). The
merge of a sweep's shards prints and writes what the single sweep does; that of a check's
prints, writes and exits as the single check does.

Exit status: 0 on success (for a check's shards, when every target passes), 1 when a check's
target is missed or inconclusive (unless its shards had --allow-inconclusive), 2 when the
directories are not every shard of one run exactly once (another model, seed, year count,
shard count, kind of shard or nines version; a missing or duplicate shard), on bad usage or
on an output error.")]
    Merge(merge::MergeArgs),
    /// Print the event log of one simulated year, exactly as `run` simulated it.
    #[command(after_help = "Examples:
  nines trace models/etcd-quorum.toml --year 0
  nines trace models/milvus-ha-l1.toml --year 17 --seed 5 | grep outage")]
    Trace(trace::TraceArgs),
    /// Explain the model in closed form: each failure mode's failover timeline (detect,
    /// elect, repair) and availability estimates beside the naive 1-(1-A)^n.
    #[command(after_help = "Examples:
  nines explain models/etcd-quorum.toml
  nines explain models/milvus-ha.toml --json | jq .components

Nothing is simulated; `nines run` gives the exact figures, correlations included.")]
    Explain(explain::ExplainArgs),
    /// Run variants of a model on common random numbers: a table with paired differences.
    #[command(
        after_help = "Key paths: tables by key (simulation.horizon, slo.availability),
components and failure modes by name (component.querynode.replicas,
component.querynode.failure.crash.repair.mean, component.etcd.leader.election). Values are TOML
values or bare strings (3, \"all\", 10s, majority); commas inside braces do not split.
Several --set make a grid; variant 0 takes every first value. Braces link keys that take
each value together (component.{proxy,querynode}.liveness.period=10s,3s); `*` names every
element that has the rest of the path (component.*.liveness.period). A key named twice is
an error.

Examples:
  nines sweep models/milvus-ha-l1.toml --set component.querynode.replicas=2,3,4
  nines sweep models/milvus-ha-l1.toml --set component.querynode.failure.crash.repair.mean=1m,2m,4m --out sweep
  nines sweep models/etcd-quorum.toml --set component.etcd.replicas=3,5 --set component.etcd.failure.crash.every=30d,60d

Exit status: 0 on success, 2 on a bad model, bad key path, bad usage or an output error."
    )]
    Sweep(compare::SweepArgs),
    /// Compare two model files on common random numbers: the same table as sweep.
    #[command(after_help = "Examples:
  nines compare models/etcd-quorum.toml my-etcd.toml
  nines compare a.toml b.toml --years 100000 --out compare-ab

Exit status: 0 on success, 2 on a bad model, bad usage or an output error.")]
    Compare(compare::CompareArgs),
    /// Which parameter matters: every numeric parameter halved and doubled (replicas -1 and
    /// +1) on common random numbers, with the paired change in downtime per year.
    #[command(after_help = "Examples:
  nines sensitivity models/milvus-ha.toml --years 1000
  nines sensitivity models/etcd-quorum.toml --json | jq '.parameters[0]'

Every duration, number and count of the components that can affect up (and of
[kubernetes]) is a parameter; a change that makes the model invalid is skipped with a note.

Exit status: 0 on success, 2 on a bad model, bad usage or an output error.")]
    Sensitivity(sensitivity::SensitivityArgs),
    /// The cheapest design that meets an availability target: every combination of the
    /// --vary values with its cost and availability (95% CI), the Pareto frontier of cost
    /// against availability, and the cheapest combination that passes with 95% confidence.
    #[command(after_help = "Examples:
  nines optimize models/two-of-n.toml --vary component.db.replicas=2,3,4,5,6 --target 99.99%
  nines optimize model.toml --vary 'component.{proxy,querynode}.replicas=2,3' --json | jq .cheapest
  nines optimize model.toml --vary component.db.replicas=1,2,3,4,5 --out optimize

Key paths, links and wildcards are sweep's. Every combination needs a cost (cost on its
components, or [kubernetes] node_cost). Where explain's closed form is exact (independent
replicas, exponential times to failure, no [kubernetes]), a combination that costs at least
as much as another and is down clearly more is ruled out before simulating, and said so;
every figure shown is simulated, the combinations in lockstep on common random numbers. At
most 4096 combinations.

Exit status: 0 when a combination passes the target, 1 when none does (the close ones are
listed with the years that would decide them), 2 on a bad model, bad key path, bad target,
no target or no cost, bad usage or an output error.")]
    Optimize(optimize::OptimizeArgs),
    /// Measure the engine's years per second against the random-number floor (the same
    /// draws with no event queue, state or statistics), interleaved, as medians and ratios.
    #[command(after_help = "Examples:
  nines bench models/milvus-ha-l1.toml
  nines bench models/milvus-ha-l1.toml --years 50000 --threads 1,2 --rounds 9
  nines bench models/milvus-ha-l1.toml --copies 1,10,100 --threads 1 --rounds 3
  nines bench models/milvus-ha-l1.toml --reference \"python3 benches/simpy_reference.py {model} {years}\"

The floor draws the random numbers the engine draws, with no event queue, state or
statistics, so engine/floor is the engine's cost beyond its draws (1 = none); the
independent floor draws as many numbers of each distribution from one stream a year with
the fastest samplers. With several --copies, each size simulates about the same
replica-years, and the table gives what a replica-year costs against the first size (1 =
flat). With --reference, a third table gives how many times faster the `nines run` process
is than the reference, both timed as whole processes in the same rounds. Results are not
written anywhere.

Exit status: 0 on success, 2 on a bad model, bad usage, or a process or reference that
cannot be run or fails.")]
    Bench(bench::BenchArgs),
    /// Availability arithmetic with its formula: nines, downtime per period, a component's
    /// MTTF and MTTR, series, parallel and k-of-n compositions, error budgets and burn rates.
    #[command(after_help = "Examples:
  nines calc nines 99.95%
  nines calc downtime 4h --per year
  nines calc component --mttf 30d --mttr 5m
  nines calc series 99.99% 99.95%
  nines calc parallel 99% 99% --simulate
  nines calc kofn 2 99.9% 99.9% 99.9%
  nines calc budget 99.9% --window 30d

Availabilities are percentages (99.9%) or fractions (0.999); durations carry units (30d, 5m).
Exit status: 0 on success, 2 on an argument that cannot be read or does not fit.")]
    Calc(calc::CalcArgs),
    /// Print the manual page (roff) of nines, of one command, or of one form of `calc`.
    #[command(after_help = "Examples:
  nines man | man -l -
  nines man check > nines-check.1
  nines man calc parallel > nines-calc-parallel.1")]
    Man(docs::ManArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or powershell.
    #[command(after_help = "Examples:
  nines completions bash > ~/.local/share/bash-completion/completions/nines
  nines completions zsh > ~/.zfunc/_nines
  nines completions fish > ~/.config/fish/completions/nines.fish")]
    Completions(docs::CompletionsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ModelArgs {
    /// The model file (TOML).
    pub(crate) model: PathBuf,
    /// Master seed, 0 to 2^63 − 1; overrides [simulation] seed.
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=MAX_SEED))]
    pub(crate) seed: Option<u64>,
}

impl ModelArgs {
    /// Reads and validates the model.
    pub(crate) fn load(&self) -> Result<Loaded, ModelErrors> {
        Loaded::read(&self.model, self.seed)
    }
}

/// A model, possibly edited by `--set` into one variant, for the commands that inspect one
/// (`trace`, `explain`).
#[derive(Debug, Args)]
pub(crate) struct VariantModelArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// KEY=VALUE: inspect the variant with this value, as `sweep --set` would run it (linked
    /// keys and wildcards too); repeat for several keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) settings: Vec<nines::model::Setting>,
}

impl VariantModelArgs {
    /// Reads the model, applies the settings, and validates the variant.
    pub(crate) fn load(&self) -> Result<Loaded, ModelErrors> {
        Loaded::read_variant(&self.model.model, self.model.seed, &self.settings)
    }
}

/// A failure the user must fix: reported as `error: …` with exit status 2 (130 for an
/// interrupt).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The run, the check or the comparison failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// Shards that cannot be written or merged.
    #[error(transparent)]
    Shard(#[from] nines::app::ShardError),
    /// The arguments name something that does not exist.
    #[error("{0}")]
    Usage(String),
    /// Standard output (or the trace) could not be written.
    #[error("cannot write {what}: {error}")]
    Output {
        /// What was being written.
        what: &'static str,
        /// The error.
        error: std::io::Error,
    },
    /// `nines bench` could not find its own binary, to time a `nines run` process.
    #[error("cannot time the `nines run` process: {0}")]
    Process(std::io::Error),
    /// `nines bench` could not time a `nines run` process or its reference.
    #[error(transparent)]
    Bench(nines::bench::BenchError),
}

impl From<ModelErrors> for CliError {
    fn from(errors: ModelErrors) -> CliError {
        CliError::Run(RunError::Model(errors))
    }
}

impl CliError {
    /// The exit status for this error: 130 (128 + SIGINT) for an interrupt (by SIGINT,
    /// SIGTERM or SIGHUP), 141 (128 + SIGPIPE, what a shell reports for a tool the signal
    /// killed) for a standard output whose reader has gone, else 2.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Run(RunError::Interrupted)
            | CliError::Shard(nines::app::ShardError::Run(RunError::Interrupted)) => 130,
            _ if self.is_quiet() => 141,
            _ => 2,
        }
    }

    /// Whether the error goes unsaid: a closed pipe (`nines trace … | head`) ends the
    /// command quietly, as it does other Unix tools, though not with success.
    pub fn is_quiet(&self) -> bool {
        matches!(self, CliError::Output { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// Writes one line to stderr. A full or closed stderr loses the line; it never panics
/// (`eprintln!` would) and never changes the exit status.
pub(crate) fn say(line: std::fmt::Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_fmt(line)
        .and_then(|()| stderr.write_all(b"\n"));
}

/// How long a stop request may go unseen before the process ends anyway.
const STOP_GRACE: WallDuration = WallDuration::from_secs(5);

/// The flag a Ctrl-C (or SIGTERM, SIGHUP) sets; the handler is installed on first use.
/// A run looks at the flag within milliseconds; a process blocked elsewhere (opening a FIFO
/// whose other end no process opens, writing to a pipe that nobody reads) cannot, nor can a
/// step that does not look at it (a closed-form analysis of an extreme model), so the
/// handler ends it with exit status 130 once [`STOP_GRACE`] has passed. Temporary files
/// it then leaves are removed by the next run into the same directory.
pub(crate) fn interrupt_flag() -> &'static AtomicBool {
    static FLAG: OnceLock<&'static AtomicBool> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        // Without a handler Ctrl-C still stops the process, only less tidily.
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(STOP_GRACE);
            say(format_args!(
                "error: interrupted, and still busy after {} s (blocked on a file or a pipe, \
                 or in a step that does not look for a stop): ending now",
                STOP_GRACE.as_secs()
            ));
            std::process::exit(130);
        });
        flag
    })
}

/// Checks the estimated size of simulating `loaded` in a run of `shape`: refuses a too
/// large one unless `force`, and warns about a slow or a forced one.
pub(crate) fn check_workload(
    loaded: &Loaded,
    shape: RunShape,
    force: bool,
) -> Result<(), CliError> {
    say_admission(&admit(loaded, shape, force)?);
    Ok(())
}

/// Says each model warning on stderr, one line each, the first
/// [`MAX_SHOWN_ERRORS`](nines::model::MAX_SHOWN_ERRORS) of them as errors are, then how many
/// more: 100,000 components without failure modes would otherwise write 100,000 lines.
pub(crate) fn say_warnings(warnings: impl IntoIterator<Item = nines::warnings::Warning>) {
    let shown = nines::model::MAX_SHOWN_ERRORS;
    let mut more = 0usize;
    for (index, warning) in warnings.into_iter().enumerate() {
        if index >= shown {
            more += 1;
            continue;
        }
        say(format_args!(
            "warning: {}",
            nines::report::warning_text(&warning)
        ));
    }
    match more {
        0 => {}
        1 => say(format_args!("warning: … and 1 more warning")),
        more => say(format_args!("warning: … and {more} more warnings")),
    }
}

/// Warns on stderr about a slow or a forced run.
pub(crate) fn say_admission(admission: &Admission) {
    match admission {
        Admission::Fine => {}
        Admission::Slow(reason) => say(format_args!("note: {reason}")),
        Admission::Forced(reason) => {
            say(format_args!("warning: {reason}; running anyway (--force)"));
        }
    }
}

impl Cli {
    /// Parses the command line, or prints why it cannot (or the help or the version) and
    /// returns the exit status: 0 for help and version printed, 2 for a usage error or for
    /// help that cannot be written (141 for a closed pipe).
    pub fn parse_or_exit_code() -> Result<Cli, ExitCode> {
        let error = match Cli::try_parse() {
            Ok(cli) => return Ok(cli),
            Err(error) => error,
        };
        if error.use_stderr() {
            // A usage error: said on stderr, as well as stderr allows.
            let _ = error.print();
            return Err(ExitCode::from(2));
        }
        // Help or the version: printed on standard output, if it is open.
        let printed = streams::stdout().and_then(|mut stdout| {
            error
                .print()
                .and_then(|()| stdout.flush())
                .map_err(|error| CliError::Output {
                    what: "to standard output",
                    error,
                })
        });
        match printed {
            Ok(()) => Err(ExitCode::SUCCESS),
            Err(error) => {
                if !error.is_quiet() {
                    say(format_args!("error: {error}"));
                }
                Err(ExitCode::from(error.exit_code()))
            }
        }
    }

    /// Runs the command, returning its exit status.
    pub fn execute(self) -> Result<ExitCode, CliError> {
        match self.command {
            Command::Run(args) => run::run(args),
            Command::Check(args) => check::check(args),
            Command::Trace(args) => trace::trace(args),
            Command::Merge(args) => merge::merge(args),
            Command::Explain(args) => explain::explain_command(args),
            Command::Sweep(args) => compare::sweep(args),
            Command::Compare(args) => compare::compare(args),
            Command::Sensitivity(args) => sensitivity::sensitivity_command(args),
            Command::Optimize(args) => optimize::optimize_command(args),
            Command::Bench(args) => bench::bench(args),
            Command::Calc(args) => calc::calc_command(args),
            Command::Man(args) => docs::man(args),
            Command::Completions(args) => docs::completions(args),
        }
    }
}

/// Writes `bytes` to standard output and flushes it.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = streams::stdout()?;
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::Output {
            what: "to standard output",
            error,
        })
}

pub(crate) fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The worker threads of `--threads`, all cores when not given. More threads than cores
/// are allowed (the results do not depend on them) but only take turns, so they get a note.
pub(crate) fn worker_threads(asked: Option<u16>) -> usize {
    let cores = available_threads();
    match asked {
        None => cores,
        Some(threads) => {
            let threads = usize::from(threads);
            if threads > cores {
                say(format_args!(
                    "note: --threads {threads} on {}: the threads take turns, so the run is no faster than with {cores} (and the results are the same)",
                    nines::report::count(cores as u64, "core")
                ));
            }
            threads
        }
    }
}

pub(crate) fn performance_line(totals: RunTotals, elapsed: WallDuration, threads: usize) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    format!(
        "simulated {} in {} on {}: {:.0} years/s, {:.2} M events/s",
        nines::report::count(totals.years, "year"),
        nines::report::duration(secs),
        nines::report::count(threads as u64, "thread"),
        totals.years as f64 / secs,
        totals.events as f64 / secs / 1e6
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nines::workload::{
        MAX_EVENTS, MAX_EVENTS_PER_YEAR, MAX_MEMORY_BYTES, MAX_OUTPUT_BYTES, WARN_SECONDS,
    };

    /// The limits `nines --help` and `--force` state are the ones the workload applies.
    #[test]
    fn the_help_states_the_workload_limits() {
        assert_eq!(MAX_EVENTS_PER_YEAR, 1e9);
        assert_eq!(MAX_EVENTS, 1e11);
        assert_eq!(MAX_MEMORY_BYTES, 4.0 * (1024.0 * 1024.0 * 1024.0));
        assert_eq!(WARN_SECONDS, 60.0);
        assert_eq!(MAX_OUTPUT_BYTES, 16.0 * (1024.0 * 1024.0 * 1024.0));
        for limit in [
            "16 GiB of result files",
            "over a minute",
            "1e9 events in one",
            "1e11 events in all",
            "4 GiB",
        ] {
            assert!(GUIDE.contains(limit), "{limit}");
        }
    }
}
