//! A saved `summary.json` to compare a run with (`nines check --baseline`): only the figures
//! the comparison uses are required, each checked to be in range as it is read, so that a
//! hand-written or damaged baseline is refused naming the key and its line rather than
//! judged against an impossible bound.

use crate::stats::Summary;
use crate::time::Duration;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A saved `summary.json` to compare a run with. It needs `model` and `availability.mean`;
/// `rto_s` (`count` and `p99`), `services` (each with its `availability.mean` and, if
/// given, `rto_s`), `seed`, `years` and `horizon_s` are compared when present, and every
/// other field a run writes is ignored, so the minimal summary of SPEC section 4 is a
/// baseline. A figure out of its range (an availability beyond [0, 1], a negative
/// duration) is an error of reading, naming the key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The model's name: a baseline of another model is refused unless asked for.
    pub model: String,
    /// The master seed, if given.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Simulated years (at least 1), if given.
    #[serde(default, deserialize_with = "years")]
    pub years: Option<u64>,
    /// Length of one simulated year in seconds (positive), if given.
    #[serde(default, deserialize_with = "horizon")]
    pub horizon_s: Option<f64>,
    /// The system's availability.
    pub availability: SavedAvailability,
    /// The system's outage durations, if given.
    #[serde(default)]
    pub rto_s: Option<SavedRto>,
    /// Each service's figures, by name.
    #[serde(default)]
    pub services: BTreeMap<String, SavedService>,
}

/// A baseline's availability: its mean over years (and the interval, checked if given).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedAvailability {
    /// Mean availability, a fraction from 0 to 1.
    #[serde(deserialize_with = "availability_mean")]
    pub mean: f64,
    /// Its 95% confidence interval, two fractions in order, if given.
    #[serde(default, deserialize_with = "availability_ci95")]
    pub ci95: Option<[f64; 2]>,
}

/// A baseline's outage durations: how many, and their 99th percentile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedRto {
    /// Outages over all years; with none, there is no p99 to compare with.
    pub count: u64,
    /// The 99th percentile outage duration, in seconds (at least 0).
    #[serde(deserialize_with = "rto_p99")]
    pub p99: f64,
}

/// A baseline's figures of one service.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedService {
    /// The service's availability.
    pub availability: SavedAvailability,
    /// Its outage durations, if given.
    #[serde(default)]
    pub rto_s: Option<SavedRto>,
}

impl SavedRto {
    /// The p99 to compare with: none without outages.
    pub fn p99(rto: Option<&SavedRto>) -> Option<f64> {
        rto.filter(|rto| rto.count > 0).map(|rto| rto.p99)
    }
}

impl Baseline {
    /// The baseline a run's summary makes (what `summary.json` holds, read back).
    pub fn of_summary(summary: &Summary) -> Baseline {
        let availability = |a: &crate::stats::Availability| SavedAvailability {
            mean: a.mean,
            ci95: Some(a.ci95),
        };
        let rto = |r: &crate::stats::RtoSummary| SavedRto {
            count: r.count,
            p99: r.p99,
        };
        Baseline {
            model: summary.model.clone(),
            seed: Some(summary.seed),
            years: Some(summary.years),
            horizon_s: Some(summary.horizon_s),
            availability: availability(&summary.availability),
            rto_s: Some(rto(&summary.rto_s)),
            services: summary
                .services
                .iter()
                .map(|(name, service)| {
                    let saved = SavedService {
                        availability: availability(&service.availability),
                        rto_s: Some(rto(&service.rto_s)),
                    };
                    (name.clone(), saved)
                })
                .collect(),
        }
    }

    /// Why the baseline may not be comparable with the run `summary` describes, one
    /// sentence each: another model, or another seed, number of years or horizon (then the
    /// two runs do not share their random numbers year by year, or do not measure the same
    /// thing); what the baseline does not give is not compared. Empty when they match.
    pub fn mismatches(&self, summary: &Summary) -> Vec<String> {
        let mut found = Vec::new();
        if self.model != summary.model {
            found.push(format!(
                "the baseline is of model `{}`, this run of `{}`",
                self.model, summary.model
            ));
        }
        let differs = |what: &str, baseline: Option<String>, run: String| {
            baseline
                .filter(|baseline| *baseline != run)
                .map(|baseline| {
                    format!("the baseline ran with {what} {baseline}, this run with {run}")
                })
        };
        let horizon = |secs: f64| Duration::from_secs_f64(secs).label();
        found.extend(
            [
                differs(
                    "seed",
                    self.seed.map(|seed| seed.to_string()),
                    summary.seed.to_string(),
                ),
                differs(
                    "years",
                    self.years.map(|years| years.to_string()),
                    summary.years.to_string(),
                ),
                differs(
                    "horizon",
                    self.horizon_s.map(horizon),
                    horizon(summary.horizon_s),
                ),
            ]
            .into_iter()
            .flatten(),
        );
        found
    }
}

/// The JSON value of `key`, read whatever its type, so that a value of the wrong type
/// (`null`, a string) is reported by its key as one out of range is.
fn value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<serde_json::Value, D::Error> {
    serde_json::Value::deserialize(deserializer)
}

/// A number for which `ok` holds: otherwise the error names `key`, the value, and what the
/// number `must` be.
fn checked<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &str,
    ok: impl Fn(f64) -> bool,
    must: &str,
) -> Result<f64, D::Error> {
    let value = value(deserializer)?;
    match value.as_f64() {
        Some(number) if ok(number) => Ok(number),
        _ => Err(D::Error::custom(format!("{key}: {value} is {must}"))),
    }
}

/// Whether `x` is a fraction from 0 to 1.
fn is_fraction(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fn availability_mean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    checked(
        deserializer,
        "availability.mean",
        is_fraction,
        "not an availability: a fraction from 0 to 1 (0.9995, not 99.95)",
    )
}

fn availability_ci95<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<[f64; 2]>, D::Error> {
    let value = value(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    let ends: Option<Vec<f64>> = value
        .as_array()
        .map(|ends| ends.iter().filter_map(serde_json::Value::as_f64).collect());
    match ends.as_deref() {
        Some(&[low, high]) if is_fraction(low) && is_fraction(high) && low <= high => {
            Ok(Some([low, high]))
        }
        _ => Err(D::Error::custom(format!(
            "availability.ci95: {value} is not an interval of availabilities: two fractions from 0 to 1, the lower first"
        ))),
    }
}

fn rto_p99<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    checked(
        deserializer,
        "rto_s.p99",
        |secs| secs >= 0.0,
        "not a duration in seconds: a number at least 0",
    )
}

fn horizon<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let value = value(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(secs) if secs > 0.0 && secs <= Duration::MAX_MODEL.as_secs_f64() => Ok(Some(secs)),
        _ => Err(D::Error::custom(format!(
            "horizon_s: {value} is not the length of a simulated year in seconds: a number above 0, at most 10000y"
        ))),
    }
}

fn years<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = value(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    match value.as_u64() {
        Some(years) if years > 0 => Ok(Some(years)),
        _ => Err(D::Error::custom(format!(
            "years: {value} is not a number of simulated years: a whole number at least 1"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Baseline, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    /// The minimal summary of SPEC section 4 is a baseline: what the comparison does not
    /// use (`p99_ci95`, `causes`, services without `rto_s`) may be left out.
    #[test]
    fn the_spec_summary_is_a_baseline() {
        let spec = r#"{
  "model": "three-node etcd", "seed": 1, "years": 10000, "horizon_s": 31536000,
  "availability": { "mean": 0.99962, "ci95": [0.99960, 0.99964], "nines": 3.42 },
  "downtime_per_year_s": { "mean": 11983.0, "p50": 11000.0, "p90": 20000.0, "p99": 31000.0 },
  "outages_per_year": { "mean": 4.1 },
  "rto_s": { "count": 41000, "mean": 2922.0, "p50": 1800.0, "p90": 6000.0, "p99": 14000.0, "max": 40000.0 },
  "services": { "read": { "availability": { "mean": 0.9999, "ci95": [0.99989, 0.99991], "nines": 4.0 } } }
}"#;
        let baseline = read(spec).unwrap();
        assert_eq!(baseline.availability.mean, 0.99962);
        assert_eq!(SavedRto::p99(baseline.rto_s.as_ref()), Some(14000.0));
        assert_eq!(baseline.services["read"].rto_s, None);
        let least = read(r#"{"model": "m", "availability": {"mean": 0.5}}"#).unwrap();
        assert_eq!((least.seed, least.years, least.rto_s), (None, None, None));
    }

    /// Figures out of range are refused, naming the key, its line and what is allowed.
    #[test]
    fn figures_out_of_range_are_refused_by_key_and_line() {
        let cases = [
            (
                "\"availability\": {\"mean\": 1.5}",
                "availability.mean: 1.5 is not an availability",
            ),
            (
                "\"availability\": {\"mean\": -0.1}",
                "availability.mean: -0.1 is not an availability",
            ),
            (
                "\"availability\": {\"mean\": 0.9, \"ci95\": [0.95, 0.85]}",
                "availability.ci95: [0.95,0.85] is not an interval",
            ),
            (
                "\"availability\": {\"mean\": 0.9}, \"rto_s\": {\"count\": 3, \"p99\": -1}",
                "rto_s.p99: -1 is not a duration",
            ),
            (
                "\"availability\": {\"mean\": 0.9}, \"horizon_s\": 0",
                "horizon_s: 0 is not the length",
            ),
            (
                "\"availability\": {\"mean\": 0.9}, \"years\": 0",
                "years: 0 is not a number",
            ),
            (
                "\"availability\": {\"mean\": null}",
                "availability.mean: null is not an availability",
            ),
            (
                "\"availability\": {\"mean\": \"99.9%\"}",
                "availability.mean: \"99.9%\" is not an availability",
            ),
            (
                "\"availability\": {\"mean\": 0.9}, \"services\": {\"r\": {\"availability\": {\"mean\": 2}}}",
                "availability.mean: 2 is not an availability",
            ),
        ];
        for (fields, needle) in cases {
            let json = format!("{{\"model\": \"m\",\n{fields}}}");
            let error = read(&json).unwrap_err();
            assert!(
                error.contains(needle) && error.contains("at line 2"),
                "{json}: {error}"
            );
        }
        let error = read(r#"{"model": "m"}"#).unwrap_err();
        assert!(error.contains("missing field `availability`"), "{error}");
    }
}
