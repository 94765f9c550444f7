//! The integration-test binary: one module per concern.

/// End-to-end tests of the `nines` binary.
mod cli;

/// `nines check`: SLO verdicts, exit statuses, JUnit and baseline comparisons.
mod check;
