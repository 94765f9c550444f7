//! Outage kinds and planned work (SPEC part two, section 6): the downtime of each kind of
//! outage (`downtime_by_kind_s`), the `kind` column of `outages.csv`, and the `maintenance`
//! section (upgrades and drains per year, downtime per upgrade).
//!
//! A model without `[maintenance]` has none of them: the measure then records nothing,
//! writes no column and no section, and its statistics save as `null`, as they did before
//! the measure existed, so such a model writes the same bytes.

use super::{Measure, MeasureStats, Sections};
use crate::engine::Outage;
use crate::plan::{OutageKind, Plan};
use crate::stats::{Moments, Quantiles};
use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// The kind of every outage, its downtime per year, and planned work's figures.
#[derive(Clone, Debug)]
pub struct Planned {
    /// For a model with the tables that give outages kinds: each component's causes' kinds.
    kinds: Option<Vec<Vec<OutageKind>>>,
    /// Upgrades each year schedules.
    upgrades_per_year: u64,
    /// Node drains each year schedules.
    drains_per_year: u64,
    /// Each component's cause index of a node drain, whose downtime is no upgrade's.
    drain_causes: Vec<u32>,
    /// Whether the model has `[maintenance]` (outages may have kinds without it).
    maintenance: bool,
}

/// What [`Planned`] records in one year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlannedYear {
    /// Downtime of each kind, in [`OutageKind::ALL`] order.
    pub by_kind: [Duration; 3],
    /// The kind of each system outage, in outage order.
    pub kinds: Vec<OutageKind>,
    /// The planned downtime of each upgrade begun, in order: the outages of kind
    /// `maintenance` that ended after it began and before the next began.
    pub per_upgrade: Vec<Duration>,
    /// When each upgrade of `per_upgrade` began.
    pub upgrade_starts: Vec<Duration>,
}

impl Measure for Planned {
    type Year = PlannedYear;
    type Stats = PlannedStats;

    fn for_plan(plan: &Plan) -> Planned {
        let kinds = plan.has_outage_kinds().then(|| {
            (plan.components.iter().enumerate())
                .map(|(index, c)| {
                    (0..c.causes.len() as u32)
                        .map(|i| plan.cause_kind(index, i))
                        .collect()
                })
                .collect()
        });
        let maintenance = plan.maintenance.as_ref();
        Planned {
            kinds,
            upgrades_per_year: maintenance.map_or(0, |m| m.upgrades_per_year),
            drains_per_year: maintenance
                .and_then(|m| m.drain.as_ref())
                .map_or(0, |d| d.drains_per_year),
            drain_causes: plan.components.iter().map(|c| c.drain_cause()).collect(),
            maintenance: plan.maintenance.is_some(),
        }
    }

    #[inline]
    fn start_year(&self, year: &mut PlannedYear) {
        year.by_kind = [Duration::ZERO; 3];
        year.kinds.clear();
        year.per_upgrade.clear();
        year.upgrade_starts.clear();
    }

    #[inline(always)]
    fn outage_ended(&self, year: &mut PlannedYear, outage: &Outage) {
        let Some(kinds) = &self.kinds else {
            return;
        };
        let kind = kinds[outage.component as usize][outage.mode as usize];
        let total = &mut year.by_kind[kind as usize];
        *total = total.saturating_add(outage.duration);
        year.kinds.push(kind);
        let drained = self.drain_causes[outage.component as usize] == outage.mode;
        // By when it ended, not by when the engine tells it: an outage is told once time
        // has moved on from its end, after an upgrade that begins at that same instant.
        let end = outage.start.saturating_add(outage.duration);
        if kind == OutageKind::Maintenance
            && !drained
            && let Some(upgrade) = year.upgrade_starts.iter().rposition(|&at| at < end)
        {
            let downtime = &mut year.per_upgrade[upgrade];
            *downtime = downtime.saturating_add(outage.duration);
        }
    }

    #[inline(always)]
    fn upgrade_started(&self, year: &mut PlannedYear, at: Duration, _upgrade: u64) {
        year.per_upgrade.push(Duration::ZERO);
        year.upgrade_starts.push(at);
    }

    fn new_stats(&self) -> PlannedStats {
        PlannedStats(self.kinds.as_ref().map(|_| KindStats {
            upgrades_per_year: self.upgrades_per_year,
            drains_per_year: self.drains_per_year,
            no_maintenance: !self.maintenance,
            ..KindStats::default()
        }))
    }

    fn outages_columns(&self, out: &mut Vec<u8>) {
        if self.kinds.is_some() {
            out.extend_from_slice(b",kind");
        }
    }

    fn outage_cells(&self, out: &mut Vec<u8>, year: &PlannedYear, outage: usize) {
        if self.kinds.is_some() {
            out.push(b',');
            out.extend_from_slice(year.kinds[outage].name().as_bytes());
        }
    }
}

/// What [`Planned`] accumulates: nothing (saved as `null`) for a model without the tables
/// that give outages kinds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlannedStats(Option<KindStats>);

/// Yearly downtime by kind, and planned work's figures.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct KindStats {
    /// Downtime per year of each kind, in [`OutageKind::ALL`] order.
    by_kind: [Moments; 3],
    /// Upgrades each year schedules.
    upgrades_per_year: u64,
    /// Node drains each year schedules: left out when 0, so statistics saved before drains
    /// existed read the same and a model without drains saves the same bytes.
    #[serde(default, skip_serializing_if = "no_drains")]
    drains_per_year: u64,
    /// The planned downtime of each upgrade begun.
    per_upgrade: Moments,
    /// Its percentiles.
    per_upgrade_quantiles: Quantiles,
    /// Set for a model with incidents but no `[maintenance]`: no `maintenance` section.
    /// Saved only when set, so the states of models with `[maintenance]` keep their bytes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    no_maintenance: bool,
}

/// Whether a model schedules no drains (serde's `skip_serializing_if` takes a reference).
fn no_drains(drains: &u64) -> bool {
    *drains == 0
}

impl MeasureStats<PlannedYear> for PlannedStats {
    fn add(&mut self, year: &PlannedYear) {
        let Some(stats) = &mut self.0 else {
            return;
        };
        for (moments, downtime) in stats.by_kind.iter_mut().zip(year.by_kind) {
            moments.add(downtime);
        }
        for downtime in &year.per_upgrade {
            stats.per_upgrade.add(*downtime);
            stats.per_upgrade_quantiles.add(*downtime);
        }
    }

    fn merge(&mut self, other: &mut PlannedStats) {
        let (Some(mine), Some(theirs)) = (&mut self.0, &mut other.0) else {
            return;
        };
        for (mine, theirs) in mine.by_kind.iter_mut().zip(&mut theirs.by_kind) {
            mine.append(theirs);
        }
        mine.per_upgrade.append(&mut theirs.per_upgrade);
        mine.per_upgrade_quantiles
            .append(&mut theirs.per_upgrade_quantiles);
    }

    fn mismatch(&self, other: &PlannedStats) -> Option<&'static str> {
        match (&self.0, &other.0) {
            (None, None) => None,
            (Some(mine), Some(theirs))
                if mine.upgrades_per_year == theirs.upgrades_per_year
                    && mine.drains_per_year == theirs.drains_per_year
                    && mine.no_maintenance == theirs.no_maintenance =>
            {
                None
            }
            _ => Some("planned work"),
        }
    }

    fn inconsistency(&self, years: u64) -> Option<&'static str> {
        let stats = self.0.as_ref()?;
        let counts_fit = stats.by_kind.iter().all(|m| m.count() == years)
            && stats.per_upgrade.count() == stats.per_upgrade_quantiles.count()
            && stats.per_upgrade.count() <= stats.upgrades_per_year.saturating_mul(years);
        (!counts_fit).then_some("downtime by kind or per upgrade that no years give")
    }

    fn summarize(&self, _years: u64, sections: &mut Sections) {
        let Some(stats) = &self.0 else {
            return;
        };
        let by_kind = DowntimeByKind {
            failure: stats.by_kind[OutageKind::Failure as usize].mean_secs(),
            maintenance: stats.by_kind[OutageKind::Maintenance as usize].mean_secs(),
            incident: stats.by_kind[OutageKind::Incident as usize].mean_secs(),
        };
        let [p50, p99] = stats.per_upgrade_quantiles.quantiles_secs([0.5, 0.99]);
        let maintenance = MaintenanceSummary {
            upgrades_per_year: stats.upgrades_per_year,
            drains_per_year: stats.drains_per_year,
            downtime_per_upgrade_s: PerUpgrade {
                mean: stats.per_upgrade.mean_secs(),
                p50,
                p99,
                max: stats.per_upgrade_quantiles.max_secs(),
            },
        };
        let maintenance = (!stats.no_maintenance).then_some(maintenance);
        for (key, section) in [
            (DowntimeByKind::KEY, serde_json::to_value(by_kind)),
            (MaintenanceSummary::KEY, serde_json::to_value(maintenance)),
        ] {
            if section.as_ref().is_ok_and(serde_json::Value::is_null) {
                continue;
            }
            // Plain numbers always serialize.
            if let Ok(section) = section {
                sections.insert(key.to_string(), section);
            }
        }
    }
}

/// `summary.json`'s `downtime_by_kind_s`: the mean downtime per year of each kind of
/// outage, in seconds; they add up to `downtime_per_year_s.mean`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DowntimeByKind {
    /// Component and node failures.
    pub failure: f64,
    /// Planned work.
    pub maintenance: f64,
    /// Incidents.
    pub incident: f64,
}

impl DowntimeByKind {
    /// Its key in `summary.json`.
    pub const KEY: &'static str = "downtime_by_kind_s";
}

/// `summary.json`'s `maintenance` section.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceSummary {
    /// Upgrades each year schedules.
    pub upgrades_per_year: u64,
    /// Node drains each year schedules.
    pub drains_per_year: u64,
    /// The planned downtime of one upgrade, in seconds.
    pub downtime_per_upgrade_s: PerUpgrade,
}

impl MaintenanceSummary {
    /// Its key in `summary.json`.
    pub const KEY: &'static str = "maintenance";
}

/// The distribution of the planned downtime of one upgrade, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerUpgrade {
    /// Mean over every upgrade of every year.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// The longest.
    pub max: f64,
}
