//! Reading a model file, and deciding whether a run of it may start.

use super::RunError;
use crate::model::{
    Model, ModelError, ModelErrorKind, ModelErrors, Setting, apply_values, resolve_settings,
    scale_copies,
};
use crate::workload::{RunShape, Verdict, Workload};
use std::path::{Path, PathBuf};

/// A validated model and the file it came from.
pub struct Loaded {
    /// The model file as the user named it.
    pub file: PathBuf,
    /// The file's text, hashed in reports.
    pub source: String,
    /// The validated model.
    pub model: Model,
    /// The master seed: the one asked for, else the model's `[simulation] seed`.
    pub seed: u64,
}

impl Loaded {
    /// Reads and validates the model in `file`; `seed` overrides its `[simulation] seed`.
    pub fn read(file: &Path, seed: Option<u64>) -> Result<Loaded, ModelErrors> {
        let source = Model::read_source(file)?;
        let model = Model::parse(&source, &file.display().to_string())?;
        let seed = seed.unwrap_or(model.simulation().seed);
        Ok(Loaded {
            file: file.to_path_buf(),
            source,
            model,
            seed,
        })
    }

    /// The same model with `copies` copies of each component (see
    /// [`crate::model::scale_copies`]), for measuring how the cost per replica grows; the
    /// source becomes the scaled text.
    pub fn with_copies(&self, copies: u32) -> Result<Loaded, ModelErrors> {
        let file = self.file.display().to_string();
        let source = scale_copies(&self.source, &file, copies).map_err(ModelErrors::single)?;
        let model = Model::parse(&source, &file)?;
        Ok(Loaded {
            file: self.file.clone(),
            source,
            model,
            seed: self.seed,
        })
    }

    /// Reads the model in `file` with `settings` applied (one value each: a variant to
    /// inspect, as a sweep would run it), then validates it; `seed` overrides its
    /// `[simulation] seed`. Without settings this is [`Loaded::read`].
    pub fn read_variant(
        file: &Path,
        seed: Option<u64>,
        settings: &[Setting],
    ) -> Result<Loaded, ModelErrors> {
        if settings.is_empty() {
            return Loaded::read(file, seed);
        }
        let name = file.display().to_string();
        if let Some(setting) = settings.iter().find(|s| s.values.len() != 1) {
            return Err(ModelErrors::single(ModelError::unplaced(
                ModelErrorKind::BadSetting,
                &name,
                &setting.key,
                format!(
                    "{} values given; a variant to inspect takes one value per key (sweep \
                     runs several)",
                    setting.values.len()
                ),
            )));
        }
        let source = Model::read_source(file)?;
        let paths = resolve_settings(&source, &name, settings).map_err(ModelErrors::single)?;
        let values: Vec<String> = settings.iter().map(|s| s.values[0].clone()).collect();
        let edited = apply_values(&source, &name, &paths, &values).map_err(ModelErrors::single)?;
        let label: Vec<String> = settings
            .iter()
            .map(|s| format!("{}={}", s.key, s.values[0]))
            .collect();
        let model = Model::parse(&edited, &format!("{name} (with {})", label.join(" ")))?;
        let seed = seed.unwrap_or(model.simulation().seed);
        Ok(Loaded {
            file: file.to_path_buf(),
            source: edited,
            model,
            seed,
        })
    }
}

/// What the estimated size of a run calls for, when it may start.
#[derive(Clone, Debug, PartialEq)]
pub enum Admission {
    /// Nothing to say.
    Fine,
    /// The run will take a while; the reason says how long.
    Slow(String),
    /// The run is too large but was forced; the reason says what is too large.
    Forced(String),
}

/// Judges the estimated size of simulating `loaded` in a run of `shape`, before anything
/// large is allocated: a too large run is refused unless `force`.
pub fn admit(loaded: &Loaded, shape: RunShape, force: bool) -> Result<Admission, RunError> {
    admit_workload(
        &Workload::estimate(&loaded.model),
        shape,
        force,
        &loaded.file,
    )
}

/// As [`admit`], for `trace`: the simulation of `shape`, and the trace of one year, which
/// is refused unless `force` when it would be larger than anyone reads.
pub fn admit_trace(loaded: &Loaded, shape: RunShape, force: bool) -> Result<Admission, RunError> {
    admit_verdict(
        Workload::estimate(&loaded.model).judge_trace(shape),
        force,
        &loaded.file,
    )
}

/// Judges `workload` (of one model, or of the variants of a comparison together) in a run
/// of `shape`; a refusal names `file`.
pub fn admit_workload(
    workload: &Workload,
    shape: RunShape,
    force: bool,
    file: &Path,
) -> Result<Admission, RunError> {
    admit_verdict(workload.judge(shape), force, file)
}

/// What `verdict` calls for; a refusal names `file`.
fn admit_verdict(verdict: Verdict, force: bool, file: &Path) -> Result<Admission, RunError> {
    let reason = crate::report::workload_message(&verdict);
    match verdict {
        Verdict::Fine => Ok(Admission::Fine),
        Verdict::Slow(_) => Ok(Admission::Slow(reason)),
        Verdict::TooLarge(_) if force => Ok(Admission::Forced(reason)),
        Verdict::TooLarge(_) => Err(RunError::Refused {
            file: file.to_path_buf(),
            reason,
        }),
    }
}
