//! `[traffic]` and `[traffic.services.<name>]`: request rates, the daily profile and the
//! client's retry policy.

use super::slo::unknown_service;
use super::toolkit::{Ctx, Table, Value};
use super::values::{read_duration, read_int, read_number, read_table};
use crate::mechanics::retry::{MAX_ATTEMPTS, RetryPolicy};
use crate::model::{Demand, ModelErrorKind, Traffic};
use crate::time::Duration;
use toml::de::DeValue;

/// The highest rate a model may give, in requests per second: a year of it, in millionths
/// of a request (how the statistics count), stays within 64 bits.
const MAX_PER_SECOND: f64 = 100_000.0;

/// How far the profile's mean may be from 1 and be taken as written: room for multipliers
/// written to three decimals. Further off, the multipliers are scaled to mean 1.
const PROFILE_MEAN_TOLERANCE: f64 = 1e-3;

/// `[traffic]`: the system's requests, and those of the services named in `services` (the
/// keys of `[services]`, in file order), each service key defaulting to the system's.
pub(super) fn read_traffic(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    services: &[String],
) -> Option<Traffic> {
    let mut table = read_table(ctx, value, "traffic")?;
    let rate = table
        .required(ctx, "rate", ", e.g. rate = \"50/s\"")
        .and_then(|v| read_rate(ctx, v, "traffic.rate"));
    let mut scaled_profiles = Vec::new();
    let keys = read_keys(ctx, &mut table, &mut scaled_profiles);
    let system = (|| {
        Some(Demand {
            per_second: rate?,
            profile: keys.profile?,
            client: keys.client?.unwrap_or(RetryPolicy::NONE),
        })
    })();
    // A service's keys default to the system's; while those are wrong, the service's own
    // are still checked, against a stand-in.
    let fallback = Demand {
        per_second: 1.0,
        profile: None,
        client: RetryPolicy::NONE,
    };
    let services = table.get("services").map(|v| {
        let system = system.as_ref().unwrap_or(&fallback);
        read_service_traffic(ctx, v, services, system, &mut scaled_profiles)
    });
    table.finish(ctx);
    Some(Traffic {
        services: services.unwrap_or(Some(Vec::new()))?,
        system: system?,
        scaled_profiles,
    })
}

/// The optional keys of a traffic table: `Some(None)` when absent, `None` when wrong.
struct Keys {
    profile: Option<Option<[f64; 24]>>,
    client: Option<Option<RetryPolicy>>,
}

/// Reads them from `table`, noting in `scaled` a profile scaled to mean 1.
fn read_keys(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    scaled: &mut Vec<(String, f64)>,
) -> Keys {
    let profile = table.get("profile").map(|v| {
        let key = table.key("profile");
        let (profile, given_mean) = read_profile(ctx, v, &key)?;
        if let Some(mean) = given_mean {
            scaled.push((key, mean));
        }
        Some(profile)
    });
    let client = table.get("client").map(|v| {
        let key = table.key("client");
        read_client(ctx, v, &key)
    });
    Keys {
        profile: profile.map_or(Some(None), |p| p.map(Some)),
        client: client.map_or(Some(None), |c| c.map(Some)),
    }
}

/// `[traffic.services]`: one table per service, each key defaulting to `system`'s.
fn read_service_traffic(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    services: &[String],
    system: &Demand,
    scaled: &mut Vec<(String, f64)>,
) -> Option<Vec<(usize, Demand)>> {
    let table = read_table(ctx, value, "traffic.services")?;
    let names: Vec<&str> = services.iter().map(String::as_str).collect();
    let mut demands = Vec::new();
    let mut ok = true;
    for (key, value) in table.entries.iter() {
        let name = key.get_ref().as_ref();
        let path = format!("traffic.services.{name}");
        let Some(index) = names.iter().position(|n| *n == name) else {
            let message = unknown_service(name, &names);
            ctx.error(ModelErrorKind::UnknownName, key.span(), &path, message);
            ok = false;
            continue;
        };
        let Some(mut service) = read_table(ctx, value, &path) else {
            ok = false;
            continue;
        };
        let rate = service
            .get("rate")
            .map(|v| read_rate(ctx, v, &service.key("rate")));
        let keys = read_keys(ctx, &mut service, scaled);
        service.finish(ctx);
        let demand = (|| {
            Some(Demand {
                per_second: rate.unwrap_or(Some(system.per_second))?,
                profile: keys.profile?.or(system.profile),
                client: keys.client?.unwrap_or(system.client),
            })
        })();
        match demand {
            Some(demand) => demands.push((index, demand)),
            None => ok = false,
        }
    }
    ok.then_some(demands)
}

/// A rate such as `"50/s"`, `"3000/min"` or `"180000/h"`, in requests per second.
fn read_rate(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<f64> {
    let quoted = ctx.quote(value);
    let DeValue::String(text) = value.get_ref() else {
        let message = format!("expected a rate such as \"50/s\", found `{quoted}`");
        ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
        return None;
    };
    let parsed = text.split_once('/').and_then(|(count, unit)| {
        let seconds = match unit.trim() {
            "s" => 1.0,
            "min" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        let count: f64 = count.trim().parse().ok()?;
        Some(count / seconds)
    });
    match parsed {
        Some(rate) if rate > 0.0 && rate <= MAX_PER_SECOND => Some(rate),
        Some(_) => {
            let message =
                format!("{quoted}: a rate must be above zero and at most {MAX_PER_SECOND}/s");
            ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
            None
        }
        None => {
            let message = format!(
                "{quoted}: expected requests per unit of time, \"N/s\", \"N/min\" or \"N/h\""
            );
            ctx.error(ModelErrorKind::BadSetting, value.span(), key, message);
            None
        }
    }
}

/// A daily profile: 24 hourly multipliers, none negative, not all zero; scaled to mean 1
/// (so that the rate stays the mean rate) when the file's mean is further from 1 than
/// [`PROFILE_MEAN_TOLERANCE`], with that mean.
fn read_profile(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
) -> Option<([f64; 24], Option<f64>)> {
    let quoted = ctx.quote(value);
    let DeValue::Array(items) = value.get_ref() else {
        let message = format!("expected an array of 24 hourly multipliers, found `{quoted}`");
        ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
        return None;
    };
    if items.len() != 24 {
        let message = format!(
            "{} multipliers; a profile has one for each of the 24 hours of the day",
            items.len()
        );
        ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
        return None;
    }
    let mut profile = [0.0; 24];
    for (hour, item) in items.iter().enumerate() {
        let multiplier = read_number(ctx, item, &format!("{key}[{hour}]"))?;
        if multiplier < 0.0 {
            let message = format!("hour {hour}'s multiplier {multiplier} is negative");
            ctx.error(ModelErrorKind::OutOfRange, item.span(), key, message);
            return None;
        }
        profile[hour] = multiplier;
    }
    // Each term divided first: 24 multipliers of 1e308 have a mean, not an infinite sum.
    let mean: f64 = profile.iter().map(|m| m / 24.0).sum();
    if mean == 0.0 {
        let message = "every multiplier is 0: a profile must send requests in some hour \
                       (leave out [traffic] for a system without requests)"
            .to_string();
        ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
        return None;
    }
    if (mean - 1.0).abs() <= PROFILE_MEAN_TOLERANCE {
        return Some((profile, None));
    }
    Some((profile.map(|m| m / mean), Some(mean)))
}

/// `"pymilvus"`, `"none"`, or a table `{ attempts, backoff, multiplier, max_backoff,
/// deadline }`.
fn read_client(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<RetryPolicy> {
    if let DeValue::String(preset) = value.get_ref() {
        return match preset.as_ref() {
            "pymilvus" => Some(RetryPolicy::PYMILVUS),
            "none" => Some(RetryPolicy::NONE),
            other => {
                let message = format!(
                    "unknown client `{other}`; allowed: \"pymilvus\", \"none\", or a table \
                     {{ attempts, backoff, multiplier, max_backoff, deadline }}"
                );
                ctx.error(ModelErrorKind::BadSetting, value.span(), key, message);
                None
            }
        };
    }
    let mut table = read_table(ctx, value, key)?;
    let attempts = table
        .required(ctx, "attempts", ", e.g. attempts = 4")
        .and_then(|v| read_int(ctx, v, &format!("{key}.attempts"), 1, MAX_ATTEMPTS.into()));
    let mut duration = |ctx: &mut Ctx<'_>, name: &'static str| {
        let value = table.get(name)?;
        Some(read_duration(ctx, value, &format!("{key}.{name}")))
    };
    let backoff = duration(ctx, "backoff").unwrap_or(Some(Duration::ZERO));
    let max_backoff = duration(ctx, "max_backoff").unwrap_or(Some(Duration::NEVER));
    let deadline = duration(ctx, "deadline").map_or(Some(None), |d| d.map(Some));
    let multiplier = table.get("multiplier").map_or(Some(1.0), |v| {
        let key = format!("{key}.multiplier");
        let multiplier = read_number(ctx, v, &key)?;
        if multiplier > 0.0 {
            return Some(multiplier);
        }
        ctx.error(
            ModelErrorKind::OutOfRange,
            v.span(),
            &key,
            format!("{multiplier}: the back-off multiplier must be above zero"),
        );
        None
    });
    table.finish(ctx);
    Some(RetryPolicy {
        attempts: attempts? as u32,
        backoff: backoff?,
        multiplier: multiplier?,
        max_backoff: max_backoff?,
        deadline: deadline?,
    })
}

#[cfg(test)]
mod tests {
    use crate::model::{Model, RetryPolicy};
    use crate::time::Duration;

    const MODEL: &str = r#"
name = "one"
up = "db"

[services]
read = "db"
write = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  repair = "1m"

[traffic]
"#;

    fn parse(traffic: &str) -> Result<Model, Vec<String>> {
        Model::parse(&format!("{MODEL}{traffic}"), "m.toml")
            .map_err(|errs| errs.errors.iter().map(ToString::to_string).collect())
    }

    fn errors(traffic: &str) -> Vec<String> {
        parse(traffic).err().unwrap_or_default()
    }

    /// SPEC section 8's own example profile averages 0.954: it is scaled to mean 1, so
    /// that the rate stays the mean rate, and the scaling is noted for a warning; a profile
    /// within three decimals of mean 1 is taken as written.
    #[test]
    fn a_profile_is_scaled_to_mean_one() {
        let spec = "[0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.2, 1.4, 1.4, 1.3, 1.3, 1.2, 1.3, 1.3, \
                    1.3, 1.3, 1.3, 1.2, 1.1, 1.0, 0.9, 0.7, 0.5]";
        let model = parse(&format!(
            "rate = \"50/s\"\nprofile = {spec}\n[traffic.services.write]\nrate = \"1/s\"\n"
        ))
        .unwrap();
        let traffic = model.traffic().unwrap();
        let profile = traffic.system.profile.unwrap();
        let mean = 22.9 / 24.0;
        assert!((profile[0] - 0.4 / mean).abs() < 1e-15, "{profile:?}");
        assert!((profile.iter().sum::<f64>() - 24.0).abs() < 1e-12);
        assert_eq!(traffic.services[0].1.profile, Some(profile));
        let [(key, given)] = traffic.scaled_profiles.as_slice() else {
            panic!("{:?}", traffic.scaled_profiles);
        };
        assert_eq!(key, "traffic.profile");
        assert!((given - mean).abs() < 1e-15);
        let nearly = ["1.0009"; 24].join(", ");
        let model = parse(&format!("rate = \"1/s\"\nprofile = [{nearly}]")).unwrap();
        assert_eq!(model.traffic().unwrap().system.profile, Some([1.0009; 24]));
        assert!(model.traffic().unwrap().scaled_profiles.is_empty());
    }

    #[test]
    fn rates_profiles_and_clients_are_read_and_services_inherit() {
        let flat = format!("profile = [{}]", ["1.0"; 24].join(", "));
        let model = parse(&format!(
            "rate = \"3000/min\"\nclient = \"pymilvus\"\n{flat}\n\
             [traffic.services.write]\nrate = \"36000/h\"\n\
             client = {{ attempts = 4, backoff = \"100ms\", multiplier = 2, max_backoff = \"1s\", deadline = \"10s\" }}\n"
        ))
        .unwrap();
        let traffic = model.traffic().unwrap();
        assert_eq!(traffic.system.per_second, 50.0);
        assert_eq!(traffic.system.client, RetryPolicy::PYMILVUS);
        assert_eq!(traffic.system.profile, Some([1.0; 24]));
        let (service, write) = &traffic.services[0];
        assert_eq!((*service, write.per_second), (1, 10.0));
        assert_eq!(write.profile, Some([1.0; 24]));
        assert_eq!(
            write.client,
            RetryPolicy {
                attempts: 4,
                backoff: Duration::from_micros(100_000),
                multiplier: 2.0,
                max_backoff: Duration::from_secs(1),
                deadline: Some(Duration::from_secs(10)),
            }
        );
        let plain = parse("rate = \"50/s\"").unwrap();
        assert_eq!(plain.traffic().unwrap().system.client, RetryPolicy::NONE);
        assert!(plain.traffic().unwrap().services.is_empty());
    }

    #[test]
    fn bad_traffic_is_reported_at_its_key() {
        assert_eq!(
            errors(""),
            ["m.toml:17:1: traffic.rate: `traffic` needs `rate`, e.g. rate = \"50/s\""]
        );
        assert_eq!(
            errors("rate = \"50/day\""),
            [
                "m.toml:18:8: traffic.rate: \"50/day\": expected requests per unit of time, \
                 \"N/s\", \"N/min\" or \"N/h\""
            ]
        );
        assert_eq!(
            errors("rate = \"0/s\""),
            ["m.toml:18:8: traffic.rate: \"0/s\": a rate must be above zero and at most 100000/s"]
        );
        assert_eq!(
            errors("rate = 50"),
            ["m.toml:18:8: traffic.rate: expected a rate such as \"50/s\", found `50`"]
        );
        let short = errors("rate = \"1/s\"\nprofile = [1.0, 1.0]");
        assert_eq!(
            short,
            [
                "m.toml:19:11: traffic.profile: 2 multipliers; a profile has one for each of \
                 the 24 hours of the day"
            ]
        );
        let none = errors(&format!(
            "rate = \"1/s\"\nprofile = [{}]",
            ["0"; 24].join(", ")
        ));
        assert!(none[0].contains("every multiplier is 0"), "{none:?}");
        let huge = parse(&format!(
            "rate = \"1/s\"\nprofile = [{}]",
            ["1e308"; 24].join(", ")
        ))
        .unwrap();
        let scaled = huge.traffic().unwrap().system.profile.unwrap();
        assert!(scaled.iter().all(|m| (m - 1.0).abs() < 1e-15), "{scaled:?}");
        let client = errors("rate = \"1/s\"\nclient = \"grpc\"");
        assert!(client[0].starts_with("m.toml:19:10: traffic.client: unknown client `grpc`"));
        let attempts = errors("rate = \"1/s\"\nclient = { attempts = 0 }");
        assert_eq!(
            attempts,
            ["m.toml:19:23: traffic.client.attempts: `0` is out of range; allowed: 1 to 1000"]
        );
        let unknown = errors("rate = \"1/s\"\n[traffic.services.raed]\nrate = \"1/s\"");
        assert_eq!(
            unknown,
            [
                "m.toml:19:19: traffic.services.raed: no service is named `raed`; did you mean \
                 `read`?"
            ]
        );
        let typo = errors("rate = \"1/s\"\nclinet = \"none\"");
        assert!(
            typo[0].contains("unknown key `clinet`; did you mean `client`?"),
            "{typo:?}"
        );
    }

    #[test]
    fn request_targets_need_the_requests_of_their_scope() {
        let slo =
            "[slo]\nrequest_success = \"99.9%\"\n[slo.services.read]\nfailed_per_outage_p99 = 10\n";
        let source = MODEL.replace("[traffic]\n", slo);
        let errors: Vec<String> = Model::parse(&source, "m.toml")
            .unwrap_err()
            .errors
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "m.toml:18:19: slo.request_success: `request_success` needs the requests of \
                 [traffic]: add a [traffic] table",
                "m.toml:20:25: slo.services.read.failed_per_outage_p99: `failed_per_outage_p99` \
                 needs the requests of [traffic]: add [traffic] with a [traffic.services.read] table"
            ]
        );
        let counted = format!("{slo}[traffic]\nrate = \"1/s\"\n[traffic.services.read]\n");
        let model = Model::parse(&MODEL.replace("[traffic]\n", &counted), "m.toml").unwrap();
        let slo = model.slo().unwrap();
        assert_eq!(slo.up.request_success, Some(0.999));
        assert_eq!(slo.services[0].1.failed_per_outage_p99, Some(10.0));
    }
}
