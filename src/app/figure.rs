//! The one figure that `sensitivity` (`tornado.svg`) and `optimize` (`frontier.svg`) write
//! into `--out DIR`: the directory is opened before the simulation, so that one that
//! cannot be written is said at once, and the figure appears whole or not at all.

use super::{IoAction, RunError};
use crate::report::OutputDir;
use std::path::Path;

/// Opens the output directory, if one was asked for.
pub(super) fn open(out: Option<&Path>) -> Result<Option<OutputDir>, RunError> {
    out.map(|dir| {
        OutputDir::create(dir).map_err(RunError::io(IoAction::CreateDir(dir.to_path_buf())))
    })
    .transpose()
}

/// Writes `svg` as `file` and commits the directory.
#[cfg(feature = "plots")]
pub(super) fn write(mut output: OutputDir, file: &str, svg: &str) -> Result<(), RunError> {
    output
        .write(file, svg.as_bytes())
        .map_err(RunError::io(IoAction::Write(output.path(file))))?;
    commit(output)
}

/// Commits the directory: without the `plots` feature there is no figure to write.
pub(super) fn commit(output: OutputDir) -> Result<(), RunError> {
    let dir = output.path("");
    output.commit().map_err(RunError::io(IoAction::Commit(dir)))
}
