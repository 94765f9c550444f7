//! `[slo]`: targets for `up`, and `[slo.services.<name>]` targets for services.

use super::toolkit::{Ctx, Table, Value, closest};
use super::values::{number, read_duration, read_number, read_positive_duration, read_table};
use crate::model::{ModelErrorKind, Percentile, PercentileBound, PercentileFigure, Slo, Targets};
use crate::time::Duration;
use toml::de::DeValue;

/// `[slo]`: targets for `up`, and `[slo.services.<name>]` tables of targets for services.
/// `counted` tells whether `[traffic]` counts the requests of `up` (`None`) or of a service.
pub(super) fn read_slo(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    service_names: &[String],
    counted: &dyn Fn(Option<&str>) -> bool,
    incidents: bool,
) -> Option<Slo> {
    let mut table = read_table(ctx, value, "slo")?;
    let up = read_targets(ctx, &mut table, counted(None), incidents);
    let data = read_data_targets(ctx, &mut table, incidents);
    let up = up.zip(data).map(|(up, (lost, unrecoverable))| Targets {
        data_lost_per_year: lost,
        unrecoverable_probability: unrecoverable,
        ..up
    });
    let services = table
        .get("services")
        .map(|v| read_slo_services(ctx, v, service_names, counted));
    table.finish(ctx);
    Some(Slo {
        up: up?,
        services: services.unwrap_or(Some(Vec::new()))?,
    })
}

/// `[slo.services]`: targets per service, each naming one of `service_names`.
fn read_slo_services(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    service_names: &[String],
    counted: &dyn Fn(Option<&str>) -> bool,
) -> Option<Vec<(String, Targets)>> {
    let table = read_table(ctx, value, "slo.services")?;
    let service_names: Vec<&str> = service_names.iter().map(String::as_str).collect();
    let mut services = Vec::new();
    let mut ok = true;
    for (key, value) in table.entries.iter() {
        let name = key.get_ref().as_ref();
        let path = format!("slo.services.{name}");
        if !service_names.contains(&name) {
            let message = unknown_service(name, &service_names);
            ctx.error(ModelErrorKind::UnknownName, key.span(), &path, message);
            ok = false;
            continue;
        }
        let Some(mut targets_table) = read_table(ctx, value, &path) else {
            ok = false;
            continue;
        };
        let targets = read_targets(ctx, &mut targets_table, counted(Some(name)), false);
        targets_table.finish(ctx);
        match targets {
            Some(targets) => services.push((name.to_string(), targets)),
            None => ok = false,
        }
    }
    ok.then_some(services)
}

/// Why `name` names no service of `names`, with a suggestion or the services there are.
pub(super) fn unknown_service(name: &str, names: &[&str]) -> String {
    let mut message = format!("no service is named `{name}`");
    match closest(name, names) {
        Some(suggestion) => message.push_str(&format!("; did you mean `{suggestion}`?")),
        None if names.is_empty() => message.push_str("; the model has no [services] table"),
        None => message.push_str(&format!("; the model's services are {}", names.join(", "))),
    }
    message
}

/// The targets of one SLO table (for `up` or for a service, whose requests `[traffic]`
/// counts if `counted`; `incidents` when the data lost is measured there, for `up` with
/// `[[incident]]`); the caller reports unknown keys.
fn read_targets(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    counted: bool,
    incidents: bool,
) -> Option<Targets> {
    let mut ok = true;
    let (request_success, failed_per_outage_p99) = read_request_targets(ctx, table, counted);
    let availability = table.get("availability");
    let target = availability
        .map(|v| read_share(ctx, v, &table.key("availability"), ShareKind::Availability));
    let mut dependent = |ctx: &mut Ctx<'_>, key: &'static str, kind: ShareKind| {
        let value = table.get(key)?;
        if availability.is_none() && table.misspelt("availability") {
            // `availability` is there, misspelt: the unknown key's error says so, and the
            // model is refused with it.
            return Some(None);
        }
        if availability.is_none() {
            let message = format!(
                "`{key}` is measured against the availability target; add `availability` to \
                 this table"
            );
            ctx.error(
                ModelErrorKind::Conflict,
                value.span(),
                &table.key(key),
                message,
            );
            return Some(None);
        }
        Some(read_share(ctx, value, &table.key(key), kind))
    };
    let miss_probability = dependent(ctx, "miss_probability", ShareKind::MissProbability);
    let error_budget = dependent(ctx, "error_budget", ShareKind::ErrorBudget);
    let mut percentiles = Vec::new();
    for figure in PercentileFigure::ALL {
        for (key, percentile) in figure.keys().into_iter().zip(Percentile::ALL) {
            let Some(value) = table.get(key) else {
                continue;
            };
            if figure == PercentileFigure::Rpo && !incidents {
                no_incidents(ctx, value, &table.key(key));
                ok = false;
                continue;
            }
            match read_positive_duration(ctx, value, &table.key(key)) {
                Some(bound) => percentiles.push(PercentileBound {
                    figure,
                    percentile,
                    bound,
                }),
                None => ok = false,
            }
        }
    }
    let mut present = |read: Option<Option<f64>>| match read {
        Some(Some(share)) => Some(share),
        Some(None) => {
            ok = false;
            None
        }
        None => None,
    };
    let targets = Targets {
        availability: present(target),
        miss_probability: present(miss_probability),
        error_budget: present(error_budget),
        percentiles,
        request_success: present(request_success),
        failed_per_outage_p99: present(failed_per_outage_p99),
        data_lost_per_year: None,
        unrecoverable_probability: None,
    };
    ok.then_some(targets)
}

/// `request_success` and `failed_per_outage_p99`: `Some(None)` when wrong, `None` when
/// absent. They need the requests `[traffic]` counts.
fn read_request_targets(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    counted: bool,
) -> (Option<Option<f64>>, Option<Option<f64>>) {
    let mut read = |ctx: &mut Ctx<'_>, key: &'static str| {
        let value = table.get(key)?;
        let path = table.key(key);
        if !counted {
            let scope = table.path.strip_prefix("slo.services.").map_or_else(
                || "add a [traffic] table".to_string(),
                |name| format!("add [traffic] with a [traffic.services.{name}] table"),
            );
            let message = format!("`{key}` needs the requests of [traffic]: {scope}");
            ctx.error(ModelErrorKind::Conflict, value.span(), &path, message);
            return Some(None);
        }
        Some(match key {
            "request_success" => read_share(ctx, value, &path, ShareKind::Availability),
            _ => read_count(ctx, value, &path),
        })
    };
    let success = read(ctx, "request_success");
    let per_outage = read(ctx, "failed_per_outage_p99");
    (success, per_outage)
}

/// A number of requests, at least zero.
fn read_count(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<f64> {
    let count = read_number(ctx, value, key)?;
    if count >= 0.0 {
        return Some(count);
    }
    let message = format!("{count}: a number of requests is at least 0");
    ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
    None
}

/// What a share (a percentage or a fraction) in `[slo]` bounds, and so its allowed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ShareKind {
    /// An availability target, strictly between 0 and 1.
    Availability,
    /// A share of years, strictly between 0 and 1.
    MissProbability,
    /// A share of the error budget, above 0 and at most 1.
    ErrorBudget,
}

impl ShareKind {
    fn allows(self, share: f64) -> bool {
        match self {
            ShareKind::Availability | ShareKind::MissProbability => share > 0.0 && share < 1.0,
            ShareKind::ErrorBudget => share > 0.0 && share <= 1.0,
        }
    }

    fn explain(self) -> &'static str {
        match self {
            ShareKind::Availability => {
                "is not an availability target; write a percentage such as \"99.95%\" or a \
                 fraction such as 0.9995, strictly between 0 and 1"
            }
            ShareKind::MissProbability => {
                "is not a share of years; write a percentage such as \"5%\" or a fraction \
                 such as 0.05, strictly between 0 and 1"
            }
            ShareKind::ErrorBudget => {
                "is not a share of the error budget; write a percentage such as \"80%\" or a \
                 fraction such as 0.8, above 0 and at most 100% (to allow more downtime, lower \
                 the availability target instead)"
            }
        }
    }
}

/// A share: a percentage such as `"99.95%"` or a number such as `0.9995`, within the range
/// `kind` allows.
fn read_share(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str, kind: ShareKind) -> Option<f64> {
    let share = match value.get_ref() {
        DeValue::String(text) => text.trim().strip_suffix('%').and_then(parse_percentage),
        DeValue::Float(_) | DeValue::Integer(_) => number(value.get_ref()),
        _ => None,
    };
    match share {
        Some(share) if kind.allows(share) => Some(share),
        _ => {
            // A number outside the range is out of range; anything else is no share at all.
            let error_kind = if share.is_some() {
                ModelErrorKind::OutOfRange
            } else {
                ModelErrorKind::WrongType
            };
            let quoted = ctx.quote(value);
            ctx.error(
                error_kind,
                value.span(),
                key,
                format!("`{quoted}` {}", kind.explain()),
            );
            None
        }
    }
}

/// A percentage's digits (`"99.999"`) as the fraction nearest the exact decimal value.
/// Dividing the parsed number by 100 would round twice (99.999 / 100 gives
/// 0.9999899999999999); writing the division as an exponent lets the parser round once.
pub(super) fn parse_percentage(digits: &str) -> Option<f64> {
    let digits = digits.trim();
    let plain = digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    plain
        .then(|| format!("{digits}e-2").parse::<f64>().ok())
        .flatten()
}

/// `data_lost_per_year` and `unrecoverable_probability` of `[slo]` (the system's only, and
/// only with `incidents`): `None` when wrong.
fn read_data_targets(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    incidents: bool,
) -> Option<(Option<Duration>, Option<f64>)> {
    let lost = table.get("data_lost_per_year");
    let unrecoverable = table.get("unrecoverable_probability");
    if !incidents {
        for (key, value) in [
            ("data_lost_per_year", lost),
            ("unrecoverable_probability", unrecoverable),
        ] {
            if let Some(value) = value {
                no_incidents(ctx, value, &table.key(key));
            }
        }
        return (lost.is_none() && unrecoverable.is_none()).then_some((None, None));
    }
    let lost = match lost {
        Some(v) => Some(read_duration(ctx, v, &table.key("data_lost_per_year"))?),
        None => None,
    };
    let unrecoverable = match unrecoverable {
        Some(v) => Some(read_share(
            ctx,
            v,
            &table.key("unrecoverable_probability"),
            ShareKind::MissProbability,
        )?),
        None => None,
    };
    Some((lost, unrecoverable))
}

/// Reports a data-loss target in a table where no incident is measured.
fn no_incidents(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) {
    let message = "data lost is measured for the system's incidents: this target belongs in \
        [slo] (not a service's table) of a model with [[incident]] tables";
    ctx.error(ModelErrorKind::Conflict, value.span(), key, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_to_the_nearest_double() {
        for (text, expected) in [
            ("99.999", 0.99999),
            ("99.95", 0.9995),
            ("5", 0.05),
            ("99.9999", 0.999999),
        ] {
            assert_eq!(parse_percentage(text), Some(expected), "{text}");
        }
        for bad in ["", ".", "1e2", "inf", "NaN", "9.9.9", "-5"] {
            assert_eq!(parse_percentage(bad), None, "{bad}");
        }
    }
}
