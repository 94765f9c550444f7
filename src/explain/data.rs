//! Data protection in closed form (SPEC section 7; `docs/statistics.md`): each incident's
//! RPO (the data lost) and RTO (its downtime), and the course's three layers of protection
//! (replicas, backups, a remote site) filled in with the model's own figures.
//!
//! The RPO of a restore follows `mechanics::backup::RpoLaw`, mixed over 64 equally likely
//! values of a drawn backup duration and detection (retention and earlier site losses are
//! ignored: `nines run` simulates them); a standby's is the lag.

use super::PhaseSummary;
use super::rv::{Combiner, Rv};
use crate::dist::Dist;
use crate::mechanics::backup::{RpoLaw, always_fails};
use crate::model::{Backup, IncidentKind, Model};
use serde::Serialize;

/// What `explain` says of data protection, for a model with incidents.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DataExplanation {
    /// Each incident, in model order.
    pub incidents: Vec<IncidentEstimate>,
    /// The three layers: replicas, backups, remote site.
    pub layers: Vec<Layer>,
}

/// One incident's recovery in closed form.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IncidentEstimate {
    /// Its name.
    pub name: String,
    /// `logical` or `site`.
    pub kind: &'static str,
    /// `backup`, `replication` or `none` (as in `incidents.csv`).
    pub recovered_from: &'static str,
    /// The data lost, seconds; `None` when unrecoverable.
    pub rpo: Option<PhaseSummary>,
    /// The downtime: detection and recovery, seconds.
    pub rto: PhaseSummary,
}

/// One layer of the course's table.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Layer {
    /// `replicas`, `backups` or `remote site`.
    pub layer: &'static str,
    /// What it protects against.
    pub protects_against: &'static str,
    /// Whether the model has it.
    pub present: bool,
    /// Its recovery time, seconds, where the model has it.
    pub rto: Option<PhaseSummary>,
    /// Its data lost, seconds, where the model has it.
    pub rpo: Option<PhaseSummary>,
}

/// The explanation of `model`'s data protection; `failover` is the replicas' own recovery
/// (the longest failover timeline). `None` without incidents.
pub(super) fn explain_data(
    model: &Model,
    failover: PhaseSummary,
    c: &mut Combiner,
) -> Option<DataExplanation> {
    let data = model.data();
    if data.is_empty() {
        return None;
    }
    let backup = data.backup.as_ref();
    // Backups that always fail restore nothing: an incident needing one is unrecoverable
    // (its downtime is still the detection and a restore of an empty copy).
    let usable = backup.filter(|b| !always_fails(b.fails));
    let offsite = usable.filter(|b| b.offsite);
    let incidents: Vec<IncidentEstimate> = (data.incidents.iter())
        .map(|incident| {
            let detect = Rv::dist(&incident.detect);
            let (from, rpo, recovery) = match incident.kind {
                IncidentKind::Logical => {
                    let law = usable.map(|b| restore_law(b, Some(&incident.detect)));
                    let restore = backup.map_or(Rv::constant(0.0), |b| Rv::dist(&b.restore));
                    (if law.is_some() { "backup" } else { "none" }, law, restore)
                }
                IncidentKind::Site => match (&data.replication, offsite) {
                    (Some(replication), _) => (
                        "replication",
                        Some(summary(&replication.lag)),
                        Rv::dist(&replication.failover),
                    ),
                    (None, Some(b)) => ("backup", Some(restore_law(b, None)), repair(incident)),
                    (None, None) => ("none", None, repair(incident)),
                },
            };
            IncidentEstimate {
                name: incident.name.clone(),
                kind: incident.kind.name(),
                recovered_from: from,
                rpo,
                rto: c.plus(&detect, &recovery).summary(),
            }
        })
        .collect();
    let zero = PhaseSummary {
        mean_s: 0.0,
        p99_s: 0.0,
    };
    // A layer the model's own incidents use shows the first such incident's figures, as its
    // row above does; otherwise what the layer gives at once (a restore begun as the damage
    // happens, a standby taking over).
    let first = |kind: IncidentKind, from: &[&str]| {
        (data.incidents.iter().zip(&incidents))
            .find(|(i, e)| i.kind == kind && from.contains(&e.recovered_from))
            .map(|(_, e)| (Some(e.rto), e.rpo))
    };
    let (backups_rto, backups_rpo) = first(IncidentKind::Logical, &["backup"]).unwrap_or((
        usable.map(|b| summary(&b.restore)),
        usable.map(|b| restore_law(b, None)),
    ));
    let (site_rto, site_rpo) = first(IncidentKind::Site, &["replication", "backup"])
        .unwrap_or_else(|| match (&data.replication, offsite) {
            (Some(r), _) => (Some(summary(&r.failover)), Some(summary(&r.lag))),
            (None, Some(b)) => (Some(summary(&b.restore)), Some(restore_law(b, None))),
            (None, None) => (None, None),
        });
    let layers = vec![
        Layer {
            layer: "replicas",
            protects_against: "hardware faults: a lost replica, pod or node",
            present: true,
            rto: Some(failover),
            rpo: Some(zero),
        },
        Layer {
            layer: "backups",
            protects_against: "logical errors: data deleted or corrupted (on every replica)",
            present: backup.is_some(),
            rto: backups_rto,
            rpo: backups_rpo,
        },
        Layer {
            layer: "remote site",
            protects_against: "the loss of the data centre (every replica with it)",
            present: data.replication.is_some() || offsite.is_some(),
            rto: site_rto,
            rpo: site_rpo,
        },
    ];
    Some(DataExplanation { incidents, layers })
}

/// Values a law's mixture takes of each drawn duration: its quantiles at the midpoints of
/// this many equal slices of probability.
const SLICES: usize = 64;

/// Equally likely values of `dist`, in seconds: the value itself when fixed.
fn slices(dist: &Dist) -> Vec<f64> {
    if dist.is_fixed() {
        return vec![dist.mean_secs()];
    }
    let ps: Vec<f64> = (0..SLICES)
        .map(|i| (i as f64 + 0.5) / SLICES as f64)
        .collect();
    dist.quantiles_secs(&ps)
}

/// The data lost restoring `backup` after damage noticed after `detect` (`None`: at once).
fn restore_law(backup: &Backup, detect: Option<&Dist>) -> PhaseSummary {
    let detects = detect.map_or_else(|| vec![0.0], slices);
    let law = RpoLaw::new(
        backup.every.as_secs_f64(),
        &slices(&backup.duration),
        &detects,
        backup.fails.min(0.999_999),
    );
    PhaseSummary {
        mean_s: law.mean(),
        p99_s: law.quantile(0.99),
    }
}

/// A site incident's repair (validation makes sure it has one).
fn repair(incident: &crate::model::Incident) -> Rv {
    incident.repair.as_ref().map_or(Rv::constant(0.0), Rv::dist)
}

fn summary(dist: &Dist) -> PhaseSummary {
    Rv::dist(dist).summary()
}
