//! Data protection (`docs/model-reference.md`, "Data protection"): `[backup]`,
//! `[replication]` and `[[incident]]`, and the checks that need all three.

use super::dist::{read_dist, read_time_to_failure};
use super::maintenance::read_probability;
use super::toolkit::{Ctx, Value};
use super::values::{read_duration, read_name, read_positive_duration, read_str, read_table};
use crate::model::{Backup, DataProtection, Incident, IncidentKind, ModelErrorKind, Replication};
use crate::time::Duration;
use std::collections::BTreeSet;
use toml::de::DeValue;

/// The values of the three tables, as the top level found them.
pub(super) struct DataValues<'a, 'i> {
    /// `[backup]`.
    pub backup: Option<&'a Value<'i>>,
    /// `[replication]`.
    pub replication: Option<&'a Value<'i>>,
    /// `[[incident]]`.
    pub incident: Option<&'a Value<'i>>,
}

/// Reads the data-protection tables; `None` when any has an error.
pub(super) fn read_data_protection(
    ctx: &mut Ctx<'_>,
    values: &DataValues<'_, '_>,
) -> Option<DataProtection> {
    let backup = values.backup.map(|v| read_backup(ctx, v));
    let replication = values.replication.map(|v| read_replication(ctx, v));
    let incidents = match values.incident {
        Some(value) => read_incidents(ctx, value, values),
        None => Some(Vec::new()),
    };
    Some(DataProtection {
        backup: backup.map_or(Some(None), |b| b.map(Some))?,
        replication: replication.map_or(Some(None), |r| r.map(Some))?,
        incidents: incidents?,
    })
}

/// `[backup]`.
fn read_backup(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<Backup> {
    let mut table = read_table(ctx, value, "backup")?;
    let every = table
        .required(
            ctx,
            "every",
            ", the time between two backups, e.g. every = \"24h\"",
        )
        .and_then(|v| read_positive_duration(ctx, v, "backup.every"));
    let start = match table.get("start") {
        Some(v) => read_duration(ctx, v, "backup.start"),
        None => Some(Duration::ZERO),
    };
    let duration = table
        .required(
            ctx,
            "duration",
            ", the time a backup takes, e.g. duration = \"1h\"",
        )
        .and_then(|v| read_dist(ctx, v, "backup.duration"));
    let fails = match table.get("fails") {
        Some(v) => read_probability(ctx, v, "backup.fails"),
        None => Some(0.0),
    };
    let retention_value = table.get("retention");
    let retention = match retention_value {
        Some(v) => read_positive_duration(ctx, v, "backup.retention").map(Some),
        None => Some(None),
    };
    let offsite = match table.get("offsite") {
        Some(v) => read_bool(ctx, v, "backup.offsite"),
        None => Some(false),
    };
    let restore = table
        .required(
            ctx,
            "restore",
            ", the time a restore takes, e.g. restore = \"2h\"",
        )
        .and_then(|v| read_dist(ctx, v, "backup.restore"));
    table.finish(ctx);
    if let (Some(Some(kept)), Some(every), Some(v)) = (retention, every, retention_value)
        && kept < every
    {
        let message = format!(
            "backups are kept {kept} but start every {every}: there would be times with no \
             backup at all; keep them at least as long as `every`"
        );
        ctx.error(
            ModelErrorKind::Conflict,
            v.span(),
            "backup.retention",
            message,
        );
        return None;
    }
    Some(Backup {
        every: every?,
        start: start?,
        duration: duration?,
        fails: fails?,
        retention: retention?,
        offsite: offsite?,
        restore: restore?,
    })
}

/// `[replication]`.
fn read_replication(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<Replication> {
    let mut table = read_table(ctx, value, "replication")?;
    let lag = table
        .required(
            ctx,
            "lag",
            ", the data not yet at the standby, e.g. lag = \"2s\"",
        )
        .and_then(|v| read_dist(ctx, v, "replication.lag"));
    let failover = table
        .required(
            ctx,
            "failover",
            ", the time until the standby serves, e.g. failover = \"30m\"",
        )
        .and_then(|v| read_dist(ctx, v, "replication.failover"));
    table.finish(ctx);
    Some(Replication {
        lag: lag?,
        failover: failover?,
    })
}

/// `[[incident]]`: an array of tables with distinct names.
fn read_incidents(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    values: &DataValues<'_, '_>,
) -> Option<Vec<Incident>> {
    let Some(array) = value.get_ref().as_array() else {
        let message =
            "write incidents as [[incident]] tables (an array of tables), one per incident";
        ctx.error(ModelErrorKind::WrongType, value.span(), "incident", message);
        return None;
    };
    let mut names = BTreeSet::new();
    let mut incidents = Vec::new();
    let mut ok = true;
    for (index, item) in array.iter().enumerate() {
        match read_incident(ctx, item, index, values) {
            Some(incident) if !names.insert(incident.name.clone()) => {
                let message = format!(
                    "two incidents are named `{}`; names must be unique",
                    incident.name
                );
                let key = format!("incident.{}", incident.name);
                ctx.error(ModelErrorKind::Duplicate, item.span(), &key, message);
                ok = false;
            }
            Some(incident) => incidents.push(incident),
            None => ok = false,
        }
    }
    ok.then_some(incidents)
}

/// One `[[incident]]` table, the `index`-th.
fn read_incident(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    index: usize,
    values: &DataValues<'_, '_>,
) -> Option<Incident> {
    let mut table = read_table(ctx, value, &format!("incident[{index}]"))?;
    let name = table
        .required(ctx, "name", ", e.g. name = \"dropped-collection\"")
        .and_then(|v| read_name(ctx, v, &format!("incident[{index}].name"), "incident"));
    // Once named, the incident's keys are reported under its name.
    if let Some(name) = &name {
        table.path = format!("incident.{name}");
    }
    let kind_value = table.required(ctx, "kind", ", \"logical\" or \"site\"");
    let kind = kind_value.and_then(|v| read_kind(ctx, v, &table.key("kind")));
    let every = table
        .required(
            ctx,
            "every",
            ", the time between incidents, e.g. { dist = \"exponential\", mean = \"2y\" }",
        )
        .and_then(|v| read_time_to_failure(ctx, v, &table.key("every")));
    let detect = table
        .required(
            ctx,
            "detect",
            ", the time until the incident is noticed, e.g. detect = \"1h\"",
        )
        .and_then(|v| read_dist(ctx, v, &table.key("detect")));
    let repair_value = table.get("repair");
    let repair = match repair_value {
        Some(v) => read_dist(ctx, v, &table.key("repair")).map(Some),
        None => Some(None),
    };
    let key = |name: &str| format!("{}.{name}", table.path);
    let (kind_key, repair_key, span) = (key("kind"), key("repair"), table.span.clone());
    table.finish(ctx);
    let kind = kind?;
    let way_back = match kind {
        IncidentKind::Logical if values.backup.is_none() => Some(
            "a logical incident is undone only by restoring a backup, and the model has no \
             [backup]; add one (its `restore` is the way back)",
        ),
        IncidentKind::Logical if repair_value.is_some() => {
            let message = "`repair` is for site incidents; a logical incident is undone by \
                 restoring a backup ([backup] restore)";
            ctx.error(
                ModelErrorKind::Conflict,
                repair_value?.span(),
                &repair_key,
                message,
            );
            return None;
        }
        IncidentKind::Site if repair_value.is_none() => Some(if values.replication.is_some() {
            "a site incident needs `repair`, the time to rebuild the lost site as the new \
             standby, e.g. repair = \"7d\""
        } else {
            "a site incident with no way back: the model has no [replication] and the \
             incident no `repair`; add `repair`, the time to rebuild the site and restore, \
             e.g. repair = { dist = \"uniform\", min = \"3d\", max = \"30d\" }"
        }),
        _ => None,
    };
    if let Some(message) = way_back {
        let at = kind_value.map_or(span, Value::span);
        ctx.error(ModelErrorKind::Conflict, at, &kind_key, message);
        return None;
    }
    Some(Incident {
        name: name?,
        kind,
        every: every?,
        detect: detect?,
        repair: repair?,
    })
}

/// `kind = "logical"` or `"site"`.
fn read_kind(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<IncidentKind> {
    match read_str(ctx, value, key)? {
        "logical" => Some(IncidentKind::Logical),
        "site" => Some(IncidentKind::Site),
        other => {
            let message = format!(
                "unknown incident kind `{other}`; write \"logical\" (data deleted or corrupted) \
                 or \"site\" (the primary site lost)"
            );
            ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
            None
        }
    }
}

/// `true` or `false`.
fn read_bool(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<bool> {
    match value.get_ref() {
        DeValue::Boolean(flag) => Some(*flag),
        other => {
            let message = format!(
                "expected true or false, found {} `{}`",
                other.type_str(),
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
            None
        }
    }
}
