//! The integration-test binary: one module per concern.
// The exact answers here are computed in the tests themselves and compared with tolerances
// far above a last bit, so the platform's functions serve; only results must be pinned
// (clippy.toml, src/math.rs).
#![allow(clippy::disallowed_methods)]

/// Exact answers (closed forms, Markov chains) against simulated figures.
mod analytic;
/// The corpus of malformed models and the exact messages they must produce.
mod bad_models;
/// `nines bench`: the engine against the random-number floor.
mod bench;
/// `nines calc`: availability arithmetic, its formulas, JSON, errors and simulations.
mod calc;
/// `nines check`: SLO verdicts, exit statuses, JUnit and baseline comparisons.
mod check;
/// End-to-end tests of `nines run` and `nines trace`.
mod cli;
/// Backups, incidents and the data lost (`[backup]`, `[replication]`, `[[incident]]`).
mod data_loss;
/// The book's links to its headings and its tables.
mod docs;
/// Node drains and disruption budgets against their exact answers.
mod drain;
/// Property tests: no input panics the parser or the engine.
/// `nines explain` against simulations where its closed forms are exact.
mod explain;
mod fuzz;
/// Kubernetes and consensus mechanics against their exact answers.
mod kubernetes;
/// Planned work: upgrades and rollouts against their exact answers.
mod maintenance;
/// A small dense Markov-chain solver for the exact answers.
mod markov;
/// `nines optimize`: the cheapest passing design against exact answers.
mod optimize;
/// Outputs for CI: `--summary-only`, the verdicts in report.html.
mod outputs;
/// The capacity planner's questions: causes, variants, cost, sensitivity, optimize.
mod planner;
/// Requests end to end: the request columns and sections, and check's request targets.
mod requests;
/// Output paths, standard streams, signals and limits: no crash, no hang, no damage.
mod robustness;
/// `run --shard K/M` and `merge`: shards merged byte for byte into the single run.
mod shard;
/// What-if analysis: sweeps and comparisons on common random numbers, plots, report.html.
mod sweep;
/// `nines trace` for a class: clock times, one duration format, --seconds, --worst.
mod trace;
/// Every command of docs/tutorial.md against the output it shows.
mod tutorial;
/// Running the binary on temporary models.
mod util;
