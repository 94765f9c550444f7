//! Data loss (SPEC section 7): each incident's downtime, the data it lost (its RPO) or
//! that it was unrecoverable, `incidents.csv`, and `summary.json`'s `data_loss` section.
//!
//! A model without `[[incident]]` records nothing and its statistics save as `null`, so it
//! writes the same bytes as before the measure existed.

use super::cells::{Decimal, push_secs};
use super::{Measure, MeasureStats, Sections};
use crate::engine::IncidentRecord;
use crate::model::PercentileFigure;
use crate::plan::Plan;
use crate::stats::{Moments, Quantiles};
use crate::time::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The incidents of every year and what they cost.
#[derive(Clone, Debug)]
pub struct DataLoss {
    /// The incidents' names and kinds, in model order; `None` without `[[incident]]`.
    incidents: Option<Vec<(String, &'static str)>>,
}

/// What [`DataLoss`] records in one year: its incidents, in the order they struck.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataLossYear {
    /// The year's incidents.
    pub incidents: Vec<IncidentRecord>,
}

impl DataLoss {
    /// Whether the model has incidents (and so `incidents.csv`).
    pub fn has_incidents(&self) -> bool {
        self.incidents.is_some()
    }

    /// The header of `incidents.csv`.
    pub fn incidents_header(out: &mut Vec<u8>) {
        out.extend_from_slice(
            b"year,start_s,incident,kind,downtime_s,data_lost_s,recovered_from\n",
        );
    }

    /// Appends one row of `incidents.csv` per incident of `year` (the year's index).
    pub fn incident_rows(&self, out: &mut Vec<u8>, index: u64, year: &DataLossYear) {
        let Some(names) = &self.incidents else {
            return;
        };
        let index = Decimal::new(index);
        for record in &year.incidents {
            let (name, kind) = &names[record.incident as usize];
            index.push(out);
            out.push(b',');
            push_secs(out, record.start);
            out.push(b',');
            out.extend_from_slice(name.as_bytes());
            out.push(b',');
            out.extend_from_slice(kind.as_bytes());
            out.push(b',');
            push_secs(out, record.downtime);
            out.push(b',');
            if let Some(lost) = record.lost {
                push_secs(out, lost);
            }
            out.push(b',');
            out.extend_from_slice(record.recovered_from.name().as_bytes());
            out.push(b'\n');
        }
    }
}

impl Measure for DataLoss {
    type Year = DataLossYear;
    type Stats = DataLossStats;

    fn for_plan(plan: &Plan) -> DataLoss {
        DataLoss {
            incidents: plan.data.as_ref().map(|data| {
                (data.incidents.iter())
                    .map(|i| (i.name.clone(), i.kind.name()))
                    .collect()
            }),
        }
    }

    #[inline]
    fn start_year(&self, year: &mut DataLossYear) {
        year.incidents.clear();
    }

    #[inline(always)]
    fn incident(&self, year: &mut DataLossYear, record: &IncidentRecord) {
        year.incidents.push(*record);
    }

    fn new_stats(&self) -> DataLossStats {
        DataLossStats(self.incidents.as_ref().map(|names| {
            LossStats {
                by_incident: (names.iter())
                    .map(|(name, _)| IncidentStats {
                        name: name.clone(),
                        ..IncidentStats::default()
                    })
                    .collect(),
                ..LossStats::default()
            }
        }))
    }
}

/// What [`DataLoss`] accumulates: nothing (saved as `null`) without `[[incident]]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DataLossStats(Option<LossStats>);

/// The data lost over years.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct LossStats {
    /// Years added.
    years: u64,
    /// Incidents over all years.
    incidents: u64,
    /// Unrecoverable incidents over all years.
    unrecoverable: u64,
    /// Years with at least one unrecoverable incident.
    years_unrecoverable: u64,
    /// The data lost by each recovered incident.
    lost: Moments,
    /// Its percentiles.
    lost_quantiles: Quantiles,
    /// The data lost in each year.
    per_year: Moments,
    /// Its percentiles.
    per_year_quantiles: Quantiles,
    /// Each incident's own figures, in model order.
    by_incident: Vec<IncidentStats>,
}

/// One incident's figures over years.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct IncidentStats {
    /// Its name.
    name: String,
    /// The data lost by each of its recovered strikes.
    lost: Moments,
    /// Its percentiles.
    lost_quantiles: Quantiles,
    /// The downtime of each strike.
    downtime: Moments,
    /// Its percentiles.
    downtime_quantiles: Quantiles,
}

impl DataLossStats {
    /// The data lost per year, with `[[incident]]`: its moments over years.
    pub fn lost_per_year(&self) -> Option<&Moments> {
        self.0.as_ref().map(|stats| &stats.per_year)
    }

    /// With `[[incident]]`: the data lost by every recovered incident, then by each
    /// incident's (named), for the plots.
    pub fn lost_by_incident(&self) -> Option<Vec<(&str, &Quantiles)>> {
        let stats = self.0.as_ref()?;
        let each = (stats.by_incident.iter()).map(|i| (i.name.as_str(), &i.lost_quantiles));
        Some(
            std::iter::once(("all incidents", &stats.lost_quantiles))
                .chain(each)
                .collect(),
        )
    }

    /// With `[[incident]]`: the incidents over all years, and how many of them were
    /// unrecoverable.
    pub fn incidents(&self) -> Option<(u64, u64)> {
        (self.0.as_ref()).map(|stats| (stats.incidents, stats.unrecoverable))
    }

    /// With `[[incident]]`: the years with an unrecoverable incident, and the years.
    pub fn unrecoverable_years(&self) -> Option<(u64, u64)> {
        (self.0.as_ref()).map(|stats| (stats.years_unrecoverable, stats.years))
    }
}

impl MeasureStats<DataLossYear> for DataLossStats {
    fn add(&mut self, year: &DataLossYear) {
        let Some(stats) = &mut self.0 else {
            return;
        };
        stats.years += 1;
        let mut lost_in_year = Duration::ZERO;
        let mut unrecoverable = false;
        for record in &year.incidents {
            stats.incidents += 1;
            let own = &mut stats.by_incident[record.incident as usize];
            own.downtime.add(record.downtime);
            own.downtime_quantiles.add(record.downtime);
            match record.lost {
                Some(lost) => {
                    stats.lost.add(lost);
                    stats.lost_quantiles.add(lost);
                    own.lost.add(lost);
                    own.lost_quantiles.add(lost);
                    lost_in_year = lost_in_year.saturating_add(lost);
                }
                None => {
                    stats.unrecoverable += 1;
                    unrecoverable = true;
                }
            }
        }
        stats.years_unrecoverable += u64::from(unrecoverable);
        stats.per_year.add(lost_in_year);
        stats.per_year_quantiles.add(lost_in_year);
    }

    fn merge(&mut self, other: &mut DataLossStats) {
        let (Some(mine), Some(theirs)) = (&mut self.0, &mut other.0) else {
            return;
        };
        mine.years += std::mem::take(&mut theirs.years);
        mine.incidents += std::mem::take(&mut theirs.incidents);
        mine.unrecoverable += std::mem::take(&mut theirs.unrecoverable);
        mine.years_unrecoverable += std::mem::take(&mut theirs.years_unrecoverable);
        mine.lost.append(&mut theirs.lost);
        mine.lost_quantiles.append(&mut theirs.lost_quantiles);
        mine.per_year.append(&mut theirs.per_year);
        mine.per_year_quantiles
            .append(&mut theirs.per_year_quantiles);
        for (mine, theirs) in mine.by_incident.iter_mut().zip(&mut theirs.by_incident) {
            mine.lost.append(&mut theirs.lost);
            mine.lost_quantiles.append(&mut theirs.lost_quantiles);
            mine.downtime.append(&mut theirs.downtime);
            mine.downtime_quantiles
                .append(&mut theirs.downtime_quantiles);
        }
    }

    fn mismatch(&self, other: &DataLossStats) -> Option<&'static str> {
        let names = |s: &LossStats| {
            s.by_incident
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
        };
        match (&self.0, &other.0) {
            (None, None) => None,
            (Some(mine), Some(theirs)) if names(mine) == names(theirs) => None,
            _ => Some("incidents"),
        }
    }

    fn inconsistency(&self, years: u64) -> Option<&'static str> {
        let stats = self.0.as_ref()?;
        let strikes: u64 = stats.by_incident.iter().map(|i| i.downtime.count()).sum();
        let recovered: u64 = stats.by_incident.iter().map(|i| i.lost.count()).sum();
        let fits = stats.years == years
            && stats.per_year.count() == years
            && strikes == stats.incidents
            && recovered == stats.lost.count()
            && stats.lost.count() + stats.unrecoverable == stats.incidents
            && stats.years_unrecoverable <= stats.unrecoverable.min(years)
            && stats.lost_quantiles.count() == stats.lost.count();
        (!fits).then_some("incidents or data lost that no years give")
    }

    fn summarize(&self, years: u64, sections: &mut Sections) {
        let Some(stats) = &self.0 else {
            return;
        };
        let [p99] = stats.per_year_quantiles.quantiles_secs([0.99]);
        let summary = DataLossSummary {
            incidents_per_year: stats.incidents as f64 / years.max(1) as f64,
            unrecoverable: stats.unrecoverable,
            lost_s: LostDistribution::of(&stats.lost, &stats.lost_quantiles),
            lost_per_year_s: MeanP99 {
                mean: stats.per_year.mean_secs(),
                p99,
            },
            by_incident: (stats.by_incident.iter())
                .map(|i| {
                    let [p99] = i.downtime_quantiles.quantiles_secs([0.99]);
                    let figures = IncidentSummary {
                        count: i.downtime.count(),
                        lost_s: LostDistribution::of(&i.lost, &i.lost_quantiles),
                        downtime_s: MeanP99 {
                            mean: i.downtime.mean_secs(),
                            p99,
                        },
                    };
                    (i.name.clone(), figures)
                })
                .collect(),
        };
        // Plain numbers and maps of them always serialize.
        if let Ok(section) = serde_json::to_value(summary) {
            sections.insert(DataLossSummary::KEY.to_string(), section);
        }
    }

    fn percentiles(&self, figure: PercentileFigure, expression: usize) -> Option<&Quantiles> {
        let stats = self.0.as_ref()?;
        (figure == PercentileFigure::Rpo && expression == 0).then_some(&stats.lost_quantiles)
    }
}

/// `summary.json`'s `data_loss` section (SPEC section 7), in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataLossSummary {
    /// Incidents a year, over all years.
    pub incidents_per_year: f64,
    /// Unrecoverable incidents over all years.
    pub unrecoverable: u64,
    /// The data lost by each recovered incident (the RPO).
    pub lost_s: LostDistribution,
    /// The data lost in a year.
    pub lost_per_year_s: MeanP99,
    /// Each incident's figures, by name.
    pub by_incident: BTreeMap<String, IncidentSummary>,
}

impl DataLossSummary {
    /// Its key in `summary.json`.
    pub const KEY: &'static str = "data_loss";
}

/// The distribution of the data lost by recovered incidents, in seconds (zeros when none).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LostDistribution {
    /// How many incidents were recovered.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// The largest.
    pub max: f64,
}

impl LostDistribution {
    fn of(moments: &Moments, quantiles: &Quantiles) -> LostDistribution {
        let [p50, p90, p99] = quantiles.quantiles_secs([0.5, 0.9, 0.99]);
        LostDistribution {
            count: moments.count(),
            mean: moments.mean_secs(),
            p50,
            p90,
            p99,
            max: quantiles.max_secs(),
        }
    }
}

/// A mean and a 99th percentile, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanP99 {
    /// Mean.
    pub mean: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// One incident's figures in `data_loss.by_incident`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    /// Its strikes over all years.
    pub count: u64,
    /// The data lost by its recovered strikes.
    pub lost_s: LostDistribution,
    /// The downtime of a strike.
    pub downtime_s: MeanP99,
}
