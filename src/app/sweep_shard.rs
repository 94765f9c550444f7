//! `sweep --shard K/M` and the merge of its shards: each shard simulates its years of every
//! variant and saves the comparison's statistics with what the sweep was
//! (`sweep-shard.json`); the merge appends them in shard order to the statistics of the
//! whole sweep, which the sweep's own path then reports, byte for byte.

use super::shard::{ShardError, in_shard_order};
use super::{IoAction, PreparedVariants, Progress, RunError};
use crate::compare::{Comparison, ComparisonState};
use crate::shard::Shard;
use crate::stats::{RunIdentity, sha256_hex};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The file a sweep shard's directory is recognised by.
pub const SWEEP_MANIFEST: &str = "sweep-shard.json";

/// The manifest's format; bumped whenever it changes.
const FORMAT: u32 = 1;

/// What a sweep was asked, as its command line gave it: enough to prepare it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSource {
    /// The model file as the user named it.
    pub file: String,
    /// The model file's text.
    pub source: String,
    /// Each `--set KEY=V1,V2,...`, as given.
    pub settings: Vec<String>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// `--years`, if given.
    pub years: Option<u64>,
    /// `--independent`.
    pub independent: bool,
}

/// A sweep shard's directory: which sweep, which part, and its statistics.
#[derive(Serialize, Deserialize)]
struct Manifest {
    format: u32,
    nines: String,
    shard: u64,
    shards: u64,
    sweep: SweepSource,
    comparison: ComparisonState,
}

impl PreparedVariants {
    /// Simulates shard `shard` of the sweep `sweep` describes (prepared as `self`) into the
    /// request's output directory, as `sweep-shard.json`, written whole and atomically.
    pub fn run_shard(
        &self,
        sweep: &SweepSource,
        shard: Shard,
        progress: &mut dyn Progress,
        stop: &AtomicBool,
    ) -> Result<(), ShardError> {
        let years = shard.years(self.years)?;
        let mut output = self.output()?.ok_or(ShardError::NoOutput)?;
        let (comparison, _) = self.simulate(years, progress, stop)?;
        let identities = self
            .request()
            .variants
            .iter()
            .zip(&self.seeds)
            .map(|(variant, seed)| RunIdentity {
                model: variant.model.name().to_string(),
                model_sha256: sha256_hex(sweep.source.as_bytes()),
                seed: *seed,
            })
            .collect();
        let manifest = Manifest {
            format: FORMAT,
            nines: env!("CARGO_PKG_VERSION").to_string(),
            shard: shard.index,
            shards: shard.count,
            sweep: sweep.clone(),
            comparison: comparison.to_state(identities),
        };
        let mut bytes = serde_json::to_vec(&manifest).unwrap_or_default();
        bytes.push(b'\n');
        let path = output.path(SWEEP_MANIFEST);
        output
            .write(SWEEP_MANIFEST, &bytes)
            .map_err(RunError::io(IoAction::Write(path)))?;
        let dir = output.path("");
        Ok(output
            .commit()
            .map_err(RunError::io(IoAction::Commit(dir)))?)
    }

    /// The comparison of the whole sweep from its shards' `states`, in shard order.
    pub fn merge_shards(&self, states: SweepShards) -> Result<Comparison, ShardError> {
        let mut comparison = self.comparison();
        for (dir, state) in states.parts {
            comparison
                .append(state)
                .map_err(|problem| ShardError::Shard {
                    dir,
                    problem: format!("does not merge with the shards before it: {problem}"),
                })?;
        }
        Ok(comparison)
    }
}

/// The shards of one sweep, checked and in shard order.
pub struct SweepShards {
    /// What the sweep was.
    pub sweep: SweepSource,
    parts: Vec<(PathBuf, ComparisonState)>,
}

impl SweepShards {
    /// How many shards there are.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether there are none (never, once read).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// Whether `dir` holds a sweep shard (rather than a run's).
pub fn is_sweep_shard(dir: &Path) -> bool {
    dir.join(SWEEP_MANIFEST).is_file()
}

/// Reads the sweep shard directories `dirs` (in any order) and checks that they are every
/// shard of one sweep, once each.
pub fn read_sweep_shards(dirs: &[PathBuf]) -> Result<SweepShards, ShardError> {
    let mut parts = dirs
        .iter()
        .map(|dir| read_manifest(dir).map(|manifest| (dir.clone(), manifest)))
        .collect::<Result<Vec<_>, _>>()?;
    let Some((first_dir, first)) = parts.first() else {
        return Err(ShardError::Missing(
            Shard { index: 0, count: 1 },
            "no directory".into(),
        ));
    };
    let (sweep, count) = (first.sweep.clone(), first.shards);
    if let Some((dir, _)) = parts
        .iter()
        .find(|(_, manifest)| manifest.sweep != sweep || manifest.shards != count)
    {
        return Err(ShardError::Shard {
            dir: dir.clone(),
            problem: format!(
                "a shard of another sweep than {} (model, --set, seed, years or shard count differ)",
                first_dir.display()
            ),
        });
    }
    in_shard_order(&mut parts, count, |(dir, manifest)| (dir, manifest.shard))?;
    Ok(SweepShards {
        sweep,
        parts: parts
            .into_iter()
            .map(|(dir, manifest)| (dir, manifest.comparison))
            .collect(),
    })
}

/// One sweep shard's manifest, of this version of nines.
fn read_manifest(dir: &Path) -> Result<Manifest, ShardError> {
    let bad = |problem: String| ShardError::Shard {
        dir: dir.to_path_buf(),
        problem,
    };
    let bytes = fs::read(dir.join(SWEEP_MANIFEST)).map_err(|error| {
        bad(format!(
            "not a sweep shard: cannot read {SWEEP_MANIFEST} ({error}); write them with `nines sweep --shard K/M --out DIR`"
        ))
    })?;
    /// The format and version alone, read first so that another version is named.
    #[derive(Deserialize)]
    struct Versioned {
        format: u32,
        nines: String,
    }
    let versioned: Versioned = serde_json::from_slice(&bytes).map_err(|error| {
        bad(format!(
            "{SWEEP_MANIFEST} is not a sweep shard manifest: {error}"
        ))
    })?;
    let ours = env!("CARGO_PKG_VERSION");
    if versioned.format != FORMAT || versioned.nines != ours {
        return Err(bad(format!(
            "written by nines {} (sweep shard format {}); this is nines {ours} (format {FORMAT}): run every shard with the same version",
            versioned.nines, versioned.format
        )));
    }
    serde_json::from_slice(&bytes)
        .map_err(|error| bad(format!("{SWEEP_MANIFEST} is damaged: {error}")))
}
