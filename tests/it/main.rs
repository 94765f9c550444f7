//! The integration-test binary: one module per concern.

/// Exact answers (closed forms, Markov chains) against simulated figures.
mod analytic;
/// The corpus of malformed models and the exact messages they must produce.
mod bad_models;
/// `nines bench`: the engine against the random-number floor.
mod bench;
/// `nines check`: SLO verdicts, exit statuses, JUnit and baseline comparisons.
mod check;
/// End-to-end tests of `nines run` and `nines trace`.
mod cli;
/// Property tests: no input panics the parser or the engine.
/// `nines explain` against simulations where its closed forms are exact.
mod explain;
mod fuzz;
/// Kubernetes and consensus mechanics against their exact answers.
mod kubernetes;
/// A small dense Markov-chain solver for the exact answers.
mod markov;
/// The capacity planner's questions: causes, variants, cost, sensitivity, optimize.
mod planner;
/// Output paths, standard streams, signals and limits: no crash, no hang, no damage.
mod robustness;
/// What-if analysis: sweeps and comparisons on common random numbers, plots, report.html.
mod sweep;
/// Running the binary on temporary models.
mod util;
