//! The integration-test binary: one module per concern.

/// End-to-end tests of the `nines` binary.
mod cli;

/// What-if analysis: sweeps and comparisons on common random numbers, plots, report.html.
mod sweep;
