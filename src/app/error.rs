//! Why a command of the application layer failed.

use crate::model::ModelErrors;
use crate::run::SimulateError;
use std::fmt;
use std::path::PathBuf;

/// A failure of a run, a check or a comparison. Every variant but [`RunError::Interrupted`]
/// is something the user must fix. Each message is complete on its own (it includes the
/// underlying error), so none has a separate source.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The model file cannot be read or is invalid.
    #[error(transparent)]
    Model(#[from] ModelErrors),
    /// The run is estimated to be too large to start without `force`.
    #[error(
        "{}: {reason}. Lower --years, check the model's rates, or pass --force to run it anyway",
        file.display()
    )]
    Refused {
        /// The model file.
        file: PathBuf,
        /// What is too large (the workload's verdict).
        reason: String,
    },
    /// `calc --simulate` of members that fail and are repaired too often to simulate (it has
    /// no `--force`: its model is generated, and a smaller one says the same).
    #[error(
        "calc --simulate: {reason}. The members fail and are repaired too often to \
         simulate: lengthen --mttr (each member's cycle of failure and repair scales with it)"
    )]
    CalcTooLarge {
        /// What is too large (the workload's verdict).
        reason: String,
    },
    /// `check` of a model without `[slo]` targets.
    #[error(
        "{}: slo: the model sets no [slo] targets, so there is nothing to check; add e.g. [slo] availability = \"99.9%\"",
        file.display()
    )]
    NoTargets {
        /// The model file.
        file: PathBuf,
    },
    /// The baseline is not a summary written by `nines run --out`.
    #[error(
        "the baseline {} is not a summary.json written by `nines run --out`: {error}",
        path.display()
    )]
    BadBaseline {
        /// The baseline file.
        path: PathBuf,
        /// What the JSON reader found.
        error: serde_json::Error,
    },
    /// A baseline of another model, compared only when asked to.
    #[error(
        "the baseline {} is of model `{baseline}`, this run of `{model}`, so the comparison would be meaningless; give the baseline of this model, or --allow-other-model to compare anyway",
        path.display()
    )]
    OtherModelBaseline {
        /// The baseline file.
        path: PathBuf,
        /// The model the baseline ran.
        baseline: String,
        /// The model of this run.
        model: String,
    },
    /// `--baseline-tolerance` that cannot apply to this model.
    #[error("{}: --baseline-tolerance: {error}", file.display())]
    BadTolerance {
        /// The model file.
        file: PathBuf,
        /// Why.
        error: crate::check::ToleranceError,
    },
    /// `optimize` of a model whose combinations do not all have a cost.
    #[error(
        "{}: no cost is given{}, so there is nothing to minimise; add e.g. cost = \"100/month\" to every component (or [kubernetes] node_cost)",
        file.display(),
        label.as_ref().map(|label| format!(" with {label}")).unwrap_or_default()
    )]
    NoCost {
        /// The model file.
        file: PathBuf,
        /// The combination without a cost (`key=value` pairs), when the model itself has
        /// one, so that it is the combination's values that lose it.
        label: Option<String>,
    },
    /// `optimize` without `--target` of a model without `[slo] availability`.
    #[error(
        "{}: slo.availability: no availability target to meet; pass --target 99.95% or add [slo] availability = \"99.95%\"",
        file.display()
    )]
    NoAvailabilityTarget {
        /// The model file.
        file: PathBuf,
    },
    /// A comparison was asked of no variant at all.
    #[error("a comparison needs at least one variant")]
    NoVariants,
    /// The stop flag was set: nothing was written.
    #[error("interrupted; no result files were written")]
    Interrupted,
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(std::io::Error),
    /// A file could not be read or written.
    #[error("cannot {action}: {error}")]
    Io {
        /// What was being done.
        action: IoAction,
        /// The error.
        error: std::io::Error,
    },
}

/// What a run was doing with a file when it failed, for [`RunError::Io`].
#[derive(Debug)]
pub enum IoAction {
    /// Creating the output directory.
    CreateDir(PathBuf),
    /// Writing one result file (its path in the output directory).
    Write(PathBuf),
    /// Renaming the result files into place in the output directory.
    Commit(PathBuf),
    /// Reading the baseline summary.
    ReadBaseline(PathBuf),
    /// Writing the JUnit report.
    WriteJunit(PathBuf),
}

impl fmt::Display for IoAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoAction::CreateDir(dir) => {
                write!(f, "create the output directory {}", dir.display())
            }
            IoAction::Write(path) => write!(f, "write {}", path.display()),
            IoAction::Commit(dir) => {
                write!(f, "move the result files into place in {}", dir.display())
            }
            IoAction::ReadBaseline(path) => write!(f, "read the baseline {}", path.display()),
            IoAction::WriteJunit(path) => write!(f, "write the JUnit report {}", path.display()),
        }
    }
}

impl RunError {
    /// A closure for `map_err` that files an I/O error under `action`.
    pub(crate) fn io(action: IoAction) -> impl FnOnce(std::io::Error) -> RunError {
        move |error| RunError::Io { action, error }
    }
}

impl From<SimulateError<RunError>> for RunError {
    fn from(error: SimulateError<RunError>) -> RunError {
        match error {
            SimulateError::Interrupted => RunError::Interrupted,
            SimulateError::Threads(error) => RunError::Threads(error),
            SimulateError::Sink(error) => error,
        }
    }
}

impl From<SimulateError<std::convert::Infallible>> for RunError {
    fn from(error: SimulateError<std::convert::Infallible>) -> RunError {
        match error {
            SimulateError::Interrupted => RunError::Interrupted,
            SimulateError::Threads(error) => RunError::Threads(error),
            SimulateError::Sink(never) => match never {},
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_what_failed() {
        let io = RunError::Io {
            action: IoAction::CreateDir(PathBuf::from("out/x")),
            error: std::io::Error::other("denied"),
        };
        assert_eq!(
            io.to_string(),
            "cannot create the output directory out/x: denied"
        );
        let refused = RunError::Refused {
            file: PathBuf::from("m.toml"),
            reason: "the run is too large".to_string(),
        };
        assert_eq!(
            refused.to_string(),
            "m.toml: the run is too large. Lower --years, check the model's rates, or pass \
             --force to run it anyway"
        );
    }
}
