//! What the requests measure accumulates over years, and its `summary.json` section.
//!
//! Counts of requests are kept as whole millionths of a request, in the exact integer
//! [`Moments`] and the [`Quantiles`] (which hold integers of millionths: microseconds for
//! durations, millionths of a request here, so their "seconds" are whole requests). Every
//! sum is of integers, so merging consecutive runs gives the bytes of adding their years
//! one by one.

use super::RequestsYear;
use crate::measure::{MeasureStats, Sections};
use crate::plan::DemandPlan;
use crate::stats::{Moments, Quantiles, nines};
use crate::time::Duration;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `requests` in millionths, rounded, as the statistics keep them.
pub(super) fn millionths(requests: f64) -> u64 {
    (requests * 1e6).round() as u64
}

/// A count of millionths as the integer carrier of [`Moments`] and [`Quantiles`].
fn carried(millionths: u64) -> Duration {
    Duration::from_micros(millionths)
}

/// What years of requests accumulate into, per expression with traffic (`up` first).
///
/// Without traffic it saves as `null`, so the saved state of a model without `[traffic]`
/// keeps its bytes (and a `null` reads back as no traffic).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(
    from = "Option<Vec<ExpressionStats>>",
    into = "Option<Vec<ExpressionStats>>"
)]
pub struct RequestsStats {
    expressions: Vec<ExpressionStats>,
}

impl From<Option<Vec<ExpressionStats>>> for RequestsStats {
    fn from(saved: Option<Vec<ExpressionStats>>) -> RequestsStats {
        RequestsStats {
            expressions: saved.unwrap_or_default(),
        }
    }
}

impl From<RequestsStats> for Option<Vec<ExpressionStats>> {
    fn from(stats: RequestsStats) -> Option<Vec<ExpressionStats>> {
        (!stats.expressions.is_empty()).then_some(stats.expressions)
    }
}

/// The requests of one expression over years.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ExpressionStats {
    /// Index among the plan's expressions (0 is `up`), and name.
    expression: usize,
    name: String,
    /// Requests arriving in one year (the same every year).
    requests: f64,
    /// The attempt schedule, from the arrival.
    offsets: Vec<Duration>,
    /// Failed requests per year.
    failed: Moments,
    yearly: Quantiles,
    /// Failed requests per outage of the expression.
    per_outage: Moments,
    outages: Quantiles,
    /// Outages in which no request failed.
    outages_without_failures: u64,
    /// `retried[k]`: requests whose first success was attempt k ≥ 1, in millionths.
    retried: Vec<u128>,
}

impl RequestsStats {
    /// Nothing yet, for the expressions with traffic: (index, name, requests, horizon).
    pub(super) fn new<'a>(
        expressions: impl Iterator<Item = (usize, String, &'a DemandPlan, Duration)>,
    ) -> RequestsStats {
        let expressions = expressions
            .map(|(expression, name, demand, horizon)| ExpressionStats {
                expression,
                name,
                requests: demand.requests(horizon),
                offsets: demand.offsets.clone(),
                retried: vec![0; demand.offsets.len()],
                ..ExpressionStats::default()
            })
            .collect();
        RequestsStats { expressions }
    }

    fn of(&self, expression: usize) -> Option<&ExpressionStats> {
        self.expressions.iter().find(|e| e.expression == expression)
    }

    /// The mean request success of `expression` (0 is `up`) over the years and its 95% CI,
    /// if its requests are counted.
    pub fn success(&self, expression: usize) -> Option<(f64, [f64; 2])> {
        self.of(expression).map(ExpressionStats::success_interval)
    }

    /// The failed requests per outage of `expression`, if its requests are counted: their
    /// figures "in seconds" are whole requests (see the module documentation).
    pub fn failed_per_outage(&self, expression: usize) -> Option<&Quantiles> {
        self.of(expression).map(|e| &e.outages)
    }
}

impl MeasureStats<RequestsYear> for RequestsStats {
    fn add(&mut self, year: &RequestsYear) {
        for (stats, counts) in self.expressions.iter_mut().zip(&year.counts) {
            let failed = carried(millionths(counts.failed));
            stats.failed.add(failed);
            stats.yearly.add(failed);
            let mut outage = |failed: f64| {
                let failed = millionths(failed);
                stats.per_outage.add(carried(failed));
                stats.outages.add(carried(failed));
                stats.outages_without_failures += u64::from(failed == 0);
            };
            if stats.expression == 0 {
                year.outage_failed.iter().for_each(|f| outage(*f));
            } else {
                counts.downs.iter().for_each(|d| outage(d.failed));
            }
            for (sum, retried) in stats.retried.iter_mut().zip(&counts.retried) {
                *sum += u128::from(millionths(*retried));
            }
        }
    }

    fn merge(&mut self, other: &mut RequestsStats) {
        for (mine, theirs) in self.expressions.iter_mut().zip(&mut other.expressions) {
            mine.failed.append(&mut theirs.failed);
            mine.yearly.append(&mut theirs.yearly);
            mine.per_outage.append(&mut theirs.per_outage);
            mine.outages.append(&mut theirs.outages);
            mine.outages_without_failures += std::mem::take(&mut theirs.outages_without_failures);
            for (sum, retried) in mine.retried.iter_mut().zip(&mut theirs.retried) {
                *sum += std::mem::take(retried);
            }
        }
    }

    fn mismatch(&self, other: &RequestsStats) -> Option<&'static str> {
        let same = |a: &ExpressionStats, b: &ExpressionStats| {
            (a.expression, &a.name, a.requests.to_bits(), &a.offsets)
                == (b.expression, &b.name, b.requests.to_bits(), &b.offsets)
        };
        let all_same = self.expressions.len() == other.expressions.len()
            && self
                .expressions
                .iter()
                .zip(&other.expressions)
                .all(|(a, b)| same(a, b));
        (!all_same).then_some("traffic")
    }

    fn inconsistency(&self, years: u64) -> Option<&'static str> {
        self.expressions
            .iter()
            .any(|e| {
                e.failed.count() != years
                    || e.retried.len() != e.offsets.len()
                    || e.outages_without_failures > e.per_outage.count()
            })
            .then_some("request counts that no years give")
    }

    fn summarize(&self, years: u64, sections: &mut Sections) {
        let Some((system, services)) = self.expressions.split_first() else {
            return;
        };
        let mut section = system.summary(years);
        if !services.is_empty() {
            let services: serde_json::Map<String, Value> = services
                .iter()
                .map(|s| (s.name.clone(), s.summary(years)))
                .collect();
            section["services"] = Value::Object(services);
        }
        sections.insert("requests".into(), section);
    }
}

impl ExpressionStats {
    /// The `summary.json` figures of these requests over `years` years.
    fn summary(&self, years: u64) -> Value {
        let [p50, p99] = self.yearly.quantiles_secs([0.5, 0.99]);
        let [outage_p50, outage_p99] = self.outages.quantiles_secs([0.5, 0.99]);
        json!({
            "per_year": self.requests,
            "failed_per_year": { "mean": self.failed.mean_secs(), "p50": p50, "p99": p99 },
            "success": self.success(),
            "failed_per_outage": {
                "mean": self.per_outage.mean_secs(),
                "p50": outage_p50,
                "p99": outage_p99,
                "without_failures": self.without_failures_share(),
            },
            "retry_delay_s": self.retry_delay(years),
        })
    }

    /// Mean over years of 1 − failed / requests, its 95% CI across years, and nines.
    fn success(&self) -> Value {
        let (mean, ci95) = self.success_interval();
        json!({ "mean": mean, "ci95": ci95, "nines": nines(mean) })
    }

    /// Mean over years of 1 − failed / requests, and its 95% CI across years.
    fn success_interval(&self) -> (f64, [f64; 2]) {
        let mean = 1.0 - self.failed.mean_secs() / self.requests;
        let ci95 = match self.failed.ci95_half_width() {
            Some(half) => {
                let half = half / self.requests;
                [(mean - half).clamp(0.0, 1.0), (mean + half).clamp(0.0, 1.0)]
            }
            None => [0.0, 1.0],
        };
        (mean, ci95)
    }

    /// The share of outages in which no request failed.
    fn without_failures_share(&self) -> Option<f64> {
        let count = self.per_outage.count();
        (count > 0).then(|| self.outages_without_failures as f64 / count as f64)
    }

    /// The delay retries added to the requests that succeeded: mean, p99, p999 and max, in
    /// seconds (the attempt schedule's offset of each request's first success).
    fn retry_delay(&self, years: u64) -> Value {
        let succeeded =
            self.requests * years as f64 - self.failed.mean_secs() * self.failed.count() as f64;
        let weight = |k: usize| self.retried[k] as f64 / 1e6;
        // Folded from +0.0: an empty float sum is −0.0, which JSON would show.
        let retried = (1..self.offsets.len()).map(weight).fold(0.0, |a, b| a + b);
        let delay = (1..self.offsets.len())
            .map(|k| weight(k) * self.offsets[k].as_secs_f64())
            .fold(0.0, |a, b| a + b);
        let max = (1..self.offsets.len())
            .rev()
            .find(|k| self.retried[*k] > 0)
            .map_or(0.0, |k| self.offsets[k].as_secs_f64());
        let percentile = |q: f64| {
            let mut below = succeeded - retried;
            for (k, offset) in self.offsets.iter().enumerate() {
                if k > 0 {
                    below += weight(k);
                }
                if below >= q * succeeded {
                    return offset.as_secs_f64();
                }
            }
            max
        };
        let mean = if succeeded > 0.0 {
            delay / succeeded
        } else {
            0.0
        };
        json!({ "mean": mean, "p99": percentile(0.99), "p999": percentile(0.999), "max": max })
    }
}
