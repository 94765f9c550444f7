//! The application layer: what each command does, as requests in and results out.
//!
//! A front end (the `nines` binary, or any other) reads a model ([`Loaded`]), asks whether a
//! run of that size may start ([`admit`]), resolves its arguments once into a request
//! ([`RunRequest`], [`CheckRequest`], [`VariantsRequest`]) and gets typed results back
//! ([`RunOutcome`], [`CheckOutcome`], [`VariantsOutcome`]) or a typed [`RunError`];
//! [`trace`] writes the event log of one year; [`run_shard`] writes one shard of a run and
//! [`merge`] joins the shards into the whole run's results; [`PreparedVariants::run_shard`]
//! and [`read_sweep_shards`] do the same for a sweep. Nothing here prints or exits: what a run has
//! to say besides its results (a slow run, a baseline of another model, seeds that differ)
//! comes back as data, progress goes to a [`Progress`], and a stop flag (set by a Ctrl-C
//! handler, say) interrupts a run.

mod calc;
mod check;
mod compare;
mod error;
mod figure;
mod load;
mod optimize;
mod run;
mod sensitivity;
mod shard;
mod sweep_shard;
mod trace;

pub use calc::{CalcRequest, CalcSimulation, simulate_calc};
pub use check::{CheckOutcome, CheckRequest, check};
pub use compare::{
    PairedOutcome, PreparedVariants, VariantsOutcome, VariantsRequest, prepare_variants,
};
pub use error::{IoAction, RunError};
pub use load::{Admission, Loaded, admit, admit_trace, admit_workload};
pub use optimize::{OptimizeOutcome, OptimizeRequest, Screened, Simulated, optimize};
pub use run::{Grown, Growth, RunOutcome, RunRequest, Until, run, simulate};
pub use sensitivity::{
    Change, ParameterResult, SensitivityOutcome, SensitivityRequest, sensitivity,
};
pub use shard::{CheckShard, MANIFEST, Merged, ShardError, merge, run_shard};
pub use sweep_shard::{
    SWEEP_MANIFEST, SweepShards, SweepSource, is_sweep_shard, read_sweep_shards,
};
pub use trace::{trace, worst_year};

/// Told of a run's progress, year by year (a progress bar, say); it never touches the
/// results.
pub trait Progress: Send {
    /// One more year (of every variant, in a comparison) has been accumulated.
    fn year(&mut self);

    /// The simulation has ended; result files may still be written.
    fn finish(&mut self) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn year(&mut self) {}
}
