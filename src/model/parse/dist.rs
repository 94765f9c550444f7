//! Distributions: a duration (fixed) or a `{ dist = ... }` table (`docs/model-reference.md`, distributions).

use super::toolkit::{Ctx, Table, Value};
use super::values::{read_duration, read_number, read_str, read_table};
use crate::dist::{Dist, DistError};
use crate::model::ModelErrorKind;
use crate::time::Duration;
use toml::de::DeValue;

/// A time to failure: a distribution whose draws are positive (`docs/model-reference.md`, durations).
pub(super) fn read_time_to_failure(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
) -> Option<Dist> {
    let dist = read_dist(ctx, value, key)?;
    if dist.can_be_zero() {
        let quoted = ctx.quote(value);
        let verb = if dist.is_fixed() { "is" } else { "can be" };
        let message = format!("`{quoted}` {verb} zero, but times to failure must be positive");
        ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
        return None;
    }
    Some(dist)
}

/// A distribution: a `{ dist = ... }` table, or a duration for a fixed delay.
pub(super) fn read_dist(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Dist> {
    match value.get_ref() {
        DeValue::Table(_) => read_dist_table(ctx, value, key),
        _ => read_duration(ctx, value, key).map(Dist::fixed),
    }
}

/// The distributions a `dist` key may name.
const DIST_KINDS: &str = "fixed, exponential, weibull, lognormal, gamma, uniform, empirical";

/// A `{ dist = KIND, ... }` table with the parameters that KIND needs.
fn read_dist_table(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Dist> {
    let mut table = read_table(ctx, value, key)?;
    let kind_value = table.required(ctx, "dist", &format!(", one of {DIST_KINDS}"))?;
    let kind = read_str(ctx, kind_value, &table.key("dist"))?;
    let duration = |ctx: &mut Ctx<'_>, table: &mut Table<'_, '_>, name: &'static str| {
        let value = table.required(ctx, name, "")?;
        read_duration(ctx, value, &table.key(name))
    };
    let result = match kind {
        "fixed" => duration(ctx, &mut table, "value").map(|v| Ok(Dist::fixed(v))),
        "exponential" => duration(ctx, &mut table, "mean").map(|m| Ok(Dist::exponential(m))),
        "weibull" => read_weibull(ctx, &mut table),
        "lognormal" => read_lognormal(ctx, &mut table),
        "gamma" => {
            let shape = read_number_key(ctx, &mut table, "shape");
            let mean = duration(ctx, &mut table, "mean");
            Some(Dist::gamma(shape?, mean?))
        }
        "uniform" => {
            let min = duration(ctx, &mut table, "min");
            let max = duration(ctx, &mut table, "max");
            Some(Dist::uniform(min?, max?))
        }
        "empirical" => read_samples(ctx, &mut table).map(Dist::empirical),
        other => {
            let message = format!("unknown distribution `{other}`; use one of {DIST_KINDS}");
            ctx.error(
                ModelErrorKind::BadDistribution,
                kind_value.span(),
                &table.key("dist"),
                message,
            );
            return None;
        }
    };
    table.finish(ctx);
    match result? {
        Ok(dist) => Some(dist),
        Err(err) => {
            let key = match &err {
                DistError::NotPositive { name, .. } | DistError::Negative { name, .. } => {
                    format!("{key}.{name}")
                }
                DistError::ShapeTooSmallForMean { .. } => format!("{key}.shape"),
                _ => key.to_string(),
            };
            ctx.error(
                ModelErrorKind::BadDistribution,
                value.span(),
                &key,
                err.to_string(),
            );
            None
        }
    }
}

/// Weibull by `shape` and either `scale` or `mean`.
fn read_weibull(ctx: &mut Ctx<'_>, table: &mut Table<'_, '_>) -> Option<Result<Dist, DistError>> {
    let shape = read_number_key(ctx, table, "shape");
    let scale = table.get("scale");
    let mean = table.get("mean");
    let parameter = match (scale, mean) {
        (Some(_), Some(m)) => {
            ctx.error(
                ModelErrorKind::BadDistribution,
                m.span(),
                &table.key("mean"),
                "give either `scale` or `mean`, not both",
            );
            None
        }
        (None, None) => {
            ctx.error(
                ModelErrorKind::BadDistribution,
                table.span.clone(),
                &table.path,
                "weibull needs `shape` and one of `scale` or `mean`",
            );
            None
        }
        (Some(s), None) => read_duration(ctx, s, &table.key("scale")).map(|s| (true, s)),
        (None, Some(m)) => read_duration(ctx, m, &table.key("mean")).map(|m| (false, m)),
    };
    let shape = shape?;
    Some(match parameter? {
        (true, scale) => Dist::weibull_scale(shape, scale),
        (false, mean) => Dist::weibull_mean(shape, mean),
    })
}

/// Lognormal by `mean` and `sd`, or by `median` and `sigma`.
fn read_lognormal(ctx: &mut Ctx<'_>, table: &mut Table<'_, '_>) -> Option<Result<Dist, DistError>> {
    let mean = table.get("mean");
    let sd = table.get("sd");
    let median = table.get("median");
    let sigma = table.get("sigma");
    match (mean, sd, median, sigma) {
        (Some(mean), Some(sd), None, None) => {
            let mean = read_duration(ctx, mean, &table.key("mean"));
            let sd = read_duration(ctx, sd, &table.key("sd"));
            Some(Ok(Dist::lognormal_mean_sd(mean?, sd?)))
        }
        (None, None, Some(median), Some(sigma)) => {
            let median = read_duration(ctx, median, &table.key("median"));
            let sigma = read_number(ctx, sigma, &table.key("sigma"));
            Some(Dist::lognormal_median_sigma(median?, sigma?))
        }
        _ => {
            let message =
                "lognormal needs either `mean` and `sd`, or `median` and `sigma` (the sd of ln X)";
            ctx.error(
                ModelErrorKind::BadDistribution,
                table.span.clone(),
                &table.path,
                message,
            );
            None
        }
    }
}

/// Most samples an empirical distribution may list.
const MAX_SAMPLES: usize = 1_000_000;

/// The `samples` of an empirical distribution: a list of durations.
fn read_samples(ctx: &mut Ctx<'_>, table: &mut Table<'_, '_>) -> Option<Vec<Duration>> {
    let value = table.required(ctx, "samples", ", e.g. samples = [\"12s\", \"40s\"]")?;
    let key = table.key("samples");
    let Some(array) = value.get_ref().as_array() else {
        ctx.error(
            ModelErrorKind::WrongType,
            value.span(),
            &key,
            "write samples as a list of durations, e.g. [\"12s\", \"40s\"]",
        );
        return None;
    };
    if let Some(extra) = array.get(MAX_SAMPLES) {
        let message = format!(
            "the list has {} samples; at most {MAX_SAMPLES} are allowed",
            array.len()
        );
        ctx.error(ModelErrorKind::TooLarge, extra.span(), &key, message);
        return None;
    }
    let samples: Vec<Option<Duration>> = array
        .iter()
        .enumerate()
        .map(|(i, v)| read_duration(ctx, v, &format!("{key}[{i}]")))
        .collect();
    samples.into_iter().collect()
}

/// The finite number at the required key `name`.
fn read_number_key(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    name: &'static str,
) -> Option<f64> {
    let value = table.required(ctx, name, "")?;
    read_number(ctx, value, &table.key(name))
}
