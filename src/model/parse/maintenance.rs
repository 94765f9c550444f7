//! Planned work (`docs/model-reference.md`, "Planned work"): the `[maintenance]` table and
//! the keys saying how each component is replaced during an upgrade.
//!
//! Kubernetes' defaults and validation are those of the Deployment and PodDisruptionBudget
//! APIs (kubernetes/website `concepts/workloads/controllers/deployment.md`,
//! `concepts/workloads/pods/disruptions.md`): `maxSurge` and `maxUnavailable` default to
//! 25%, a percentage of surge rounds up and one of unavailability down, and both may not be
//! zero; a budget's percentages round up.

use super::dist::read_dist;
use super::slo::parse_percentage;
use super::toolkit::{Ctx, Table, Value};
use super::values::{
    number, read_duration, read_int, read_positive_duration, read_str, read_table,
};
use crate::dist::Dist;
use crate::mechanics::rollout::{Rounding, fenceposts, scaled};
use crate::model::{
    BadRollout, Maintenance, ModelErrorKind, NodeDrain, Pod, PodRollout, Rollout, Schedule,
    Strategy, Workload,
};
use crate::time::Duration;
use std::collections::BTreeMap;
use toml::de::DeValue;

/// Keys of a component that say how Kubernetes replaces its pods.
pub(super) const POD_ROLLOUT_KEYS: [&str; 6] = [
    "strategy",
    "max_surge",
    "max_unavailable",
    "min_ready",
    "stop",
    "disruption_budget",
];

/// Kubernetes' default `maxSurge` and `maxUnavailable`: 25%.
const DEFAULT_SHARE: Amount = Amount::Percent(25);

/// Assumption: a process that exits promptly on SIGTERM.
const DEFAULT_STOP: Duration = Duration::from_secs(2);

/// Reads `[maintenance]`; `names` finds a component's index by name, `pods` says whether
/// the model runs pods on nodes (`[kubernetes]`), which node drains need.
pub(super) fn read_maintenance(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    names: &BTreeMap<&str, usize>,
    pods: bool,
) -> Option<Maintenance> {
    let mut table = read_table(ctx, value, "maintenance")?;
    let drain_value = table.get("node_drain");
    let upgrade = match (table.get("upgrade"), drain_value) {
        (Some(v), _) => read_schedule(ctx, v, "maintenance.upgrade").map(Some),
        (None, Some(_)) => Some(None),
        (None, None) => table
            .required(
                ctx,
                "upgrade",
                ", e.g. upgrade = { every = \"30d\", start = \"2d\" }",
            )
            .and(None::<Option<Schedule>>),
    };
    let order = match table.get("order") {
        Some(v) => read_order(ctx, v, names),
        None => Some(Vec::new()),
    };
    let bad_rollout = table.get("bad_rollout").map(|v| read_bad_rollout(ctx, v));
    let node_drain = drain_value.map(|v| read_node_drain(ctx, v, pods));
    table.finish(ctx);
    Some(Maintenance {
        upgrade: upgrade?,
        order: order?,
        bad_rollout: bad_rollout.map_or(Some(None), |b| b.map(Some))?,
        node_drain: node_drain.map_or(Some(None), |d| d.map(Some))?,
    })
}

/// `node_drain = { every, start, reboot }`: a level-2 table, since only pods run on nodes.
fn read_node_drain(ctx: &mut Ctx<'_>, value: &Value<'_>, pods: bool) -> Option<NodeDrain> {
    let key = "maintenance.node_drain";
    if !pods {
        let message = "node drains move pods between Kubernetes nodes; add a [kubernetes] table \
            with the nodes, or remove `node_drain`";
        ctx.error(ModelErrorKind::Conflict, value.span(), key, message);
        return None;
    }
    let mut table = read_table(ctx, value, key)?;
    let schedule = schedule_keys(ctx, &mut table, "drains of every node");
    let reboot = table
        .required(
            ctx,
            "reboot",
            ", how long a drained node takes to reboot, e.g. reboot = \"5m\"",
        )
        .and_then(|v| read_dist(ctx, v, &format!("{key}.reboot")));
    table.finish(ctx);
    Some(NodeDrain {
        schedule: schedule?,
        reboot: reboot?,
    })
}

/// `{ every = DURATION, start = DURATION }`: `every` positive, `start` 0 by default.
fn read_schedule(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Schedule> {
    let mut table = read_table(ctx, value, key)?;
    let schedule = schedule_keys(ctx, &mut table, "upgrades");
    table.finish(ctx);
    schedule
}

/// A schedule's `every` (positive) and `start` (0 by default) in `table`, of what `what`
/// names.
fn schedule_keys(ctx: &mut Ctx<'_>, table: &mut Table<'_, '_>, what: &str) -> Option<Schedule> {
    let hint = format!(", the time between two {what}, e.g. every = \"30d\"");
    let every = table
        .required(ctx, "every", &hint)
        .and_then(|v| read_positive_duration(ctx, v, &table.key("every")));
    let start = match table.get("start") {
        Some(v) => read_duration(ctx, v, &table.key("start")),
        None => Some(Duration::ZERO),
    };
    Some(Schedule {
        every: every?,
        start: start?,
    })
}

/// `order`: a list of distinct component names.
fn read_order(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    names: &BTreeMap<&str, usize>,
) -> Option<Vec<usize>> {
    let Some(array) = value.get_ref().as_array() else {
        ctx.error(
            ModelErrorKind::WrongType,
            value.span(),
            "maintenance.order",
            "write the order as a list of component names, e.g. order = [\"rootcoord\", \"proxy\"]",
        );
        return None;
    };
    let mut order = Vec::new();
    let mut ok = true;
    for (i, item) in array.iter().enumerate() {
        let key = format!("maintenance.order[{i}]");
        let Some(name) = read_str(ctx, item, &key) else {
            ok = false;
            continue;
        };
        match names.get(name) {
            Some(index) if order.contains(index) => {
                let message = format!("`{name}` is listed twice; list each component once");
                ctx.error(ModelErrorKind::Duplicate, item.span(), &key, message);
                ok = false;
            }
            Some(index) => order.push(*index),
            None => {
                let message = format!("unknown component `{name}`");
                ctx.error(ModelErrorKind::UnknownName, item.span(), &key, message);
                ok = false;
            }
        }
    }
    ok.then_some(order)
}

/// `bad_rollout = { probability, detect, rollback }`.
fn read_bad_rollout(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<BadRollout> {
    let key = "maintenance.bad_rollout";
    let mut table = read_table(ctx, value, key)?;
    let probability = table
        .required(
            ctx,
            "probability",
            ", the chance that an upgrade is bad, e.g. \"2%\"",
        )
        .and_then(|v| read_probability(ctx, v, &table.key("probability")));
    let mut dist = |name: &'static str, hint: &str| {
        table
            .required(ctx, name, hint)
            .and_then(|v| read_dist(ctx, v, &format!("{key}.{name}")))
    };
    let detect = dist("detect", ", the time until a bad version is noticed");
    let rollback = dist("rollback", ", the time a rollback takes");
    table.finish(ctx);
    Some(BadRollout {
        probability: probability?,
        detect: detect?,
        rollback: rollback?,
    })
}

/// A probability: a percentage such as `"2%"` or a number such as `0.02`, in [0, 1].
pub(super) fn read_probability(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<f64> {
    let share = match value.get_ref() {
        DeValue::String(text) => text.trim().strip_suffix('%').and_then(parse_percentage),
        DeValue::Float(_) | DeValue::Integer(_) => number(value.get_ref()),
        _ => None,
    };
    match share {
        Some(share) if (0.0..=1.0).contains(&share) => Some(share),
        _ => {
            let message = format!(
                "`{}` is not a probability; write a percentage such as \"2%\" or a fraction such as 0.02, from 0 to 1",
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
            None
        }
    }
}

/// A count or a percentage of the replicas, as Kubernetes' IntOrString.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Amount {
    Count(u32),
    Percent(u32),
}

impl Amount {
    fn resolve(self, replicas: u32, rounding: Rounding) -> u32 {
        match self {
            Amount::Count(count) => count,
            Amount::Percent(percent) => scaled(percent, replicas, rounding),
        }
    }

    fn is_zero(self) -> bool {
        matches!(self, Amount::Count(0) | Amount::Percent(0))
    }
}

/// A whole number of replicas (0 to 100000) or a whole percentage `"N%"` (0 to 100).
fn read_amount(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Amount> {
    if let DeValue::Integer(_) = value.get_ref() {
        return read_int(ctx, value, key, 0, 100_000).map(|n| Amount::Count(n as u32));
    }
    let percent = match value.get_ref() {
        DeValue::String(text) => text
            .trim()
            .strip_suffix('%')
            .and_then(|digits| digits.trim().parse::<u32>().ok())
            .filter(|p| *p <= 100),
        _ => None,
    };
    if percent.is_none() {
        let message = format!(
            "`{}` is neither a number of replicas nor a whole percentage such as \"25%\"",
            ctx.quote(value)
        );
        ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
    }
    percent.map(Amount::Percent)
}

/// The component keys of planned work: `maintenance` (level 1) or the pod's rollout keys
/// (level 2). `pod` is the component's pod: `Some(None)` for a component Kubernetes does not
/// run, `None` when the pod had errors; `level2` whether the model has `[kubernetes]` (so a
/// component without a pod is `external`); `scheduled` whether the model has
/// `[maintenance]`. Every key is claimed, so none is reported as unknown.
pub(super) fn read_component_rollout(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    pod: Option<Option<&Pod>>,
    replicas: Option<u32>,
    (level2, scheduled): (bool, bool),
) -> Option<Rollout> {
    let level1 = table.get("maintenance");
    let present: Vec<(&'static str, &Value<'_>)> = POD_ROLLOUT_KEYS
        .iter()
        .filter_map(|key| table.get(key).map(|value| (*key, value)))
        .collect();
    if let (Some(value), false) = (level1, scheduled) {
        let message = "`maintenance` says how this component is upgraded, but the model has no \
            [maintenance] table with the upgrade schedule; add one, e.g. \
            [maintenance] upgrade = { every = \"30d\" }";
        ctx.error(
            ModelErrorKind::Conflict,
            value.span(),
            &table.key("maintenance"),
            message,
        );
        return None;
    }
    let pod = pod?;
    match (level1, pod) {
        (Some(value), Some(_)) => {
            let message = "a pod is replaced as its `strategy` says, with its own start and \
                readiness; `maintenance` is for level-1 components";
            ctx.error(
                ModelErrorKind::Conflict,
                value.span(),
                &table.key("maintenance"),
                message,
            );
            None
        }
        (Some(value), None) if level2 => {
            let message = "an `external` component is not run by Kubernetes, and a rollout does \
                not upgrade it (SPEC section 6); remove `maintenance`, or give the service's own \
                maintenance windows as a failure mode with a fixed `every` and `repair`";
            ctx.error(
                ModelErrorKind::Conflict,
                value.span(),
                &table.key("maintenance"),
                message,
            );
            None
        }
        (Some(value), None) => {
            if let Some((key, extra)) = present.first() {
                let message = format!(
                    "`{key}` describes how Kubernetes replaces pods; a level-1 component has only `maintenance`"
                );
                ctx.error(
                    ModelErrorKind::Conflict,
                    extra.span(),
                    &table.key(key),
                    message,
                );
                return None;
            }
            read_replace(ctx, value, &table.key("maintenance")).map(Rollout::Replace)
        }
        (None, None) => match present.first() {
            Some((key, extra)) => {
                let message = format!(
                    "`{key}` describes how Kubernetes replaces pods; this component has none"
                );
                ctx.error(
                    ModelErrorKind::Conflict,
                    extra.span(),
                    &table.key(key),
                    message,
                );
                None
            }
            None => Some(Rollout::None),
        },
        (None, Some(pod)) => {
            read_pod_rollout(ctx, table, &present, pod, replicas?).map(Rollout::Pods)
        }
    }
}

/// `maintenance = { duration = DIST }`.
fn read_replace(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Dist> {
    let mut table = read_table(ctx, value, key)?;
    let duration = table
        .required(
            ctx,
            "duration",
            ", how long each replica is down while upgraded, e.g. duration = \"2m\"",
        )
        .and_then(|v| read_dist(ctx, v, &table.key("duration")));
    table.finish(ctx);
    duration
}

/// The pod's rollout keys, with Kubernetes' defaults.
fn read_pod_rollout(
    ctx: &mut Ctx<'_>,
    table: &Table<'_, '_>,
    present: &[(&'static str, &Value<'_>)],
    pod: &Pod,
    replicas: u32,
) -> Option<PodRollout> {
    let find = |name: &str| {
        present
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, v)| *v)
    };
    let statefulset = pod.workload == Workload::StatefulSet;
    if statefulset
        && let Some((key, value)) = present
            .iter()
            .find(|(key, _)| matches!(*key, "max_surge" | "max_unavailable"))
    {
        let message =
            format!("`{key}` applies to a Deployment; a StatefulSet replaces one pod at a time");
        ctx.error(
            ModelErrorKind::Conflict,
            value.span(),
            &table.key(key),
            message,
        );
        return None;
    }
    let strategy = match find("strategy") {
        None => Some(Strategy::Rolling),
        Some(value) => match read_str(ctx, value, &table.key("strategy"))? {
            "rolling" => Some(Strategy::Rolling),
            "recreate" if !statefulset => Some(Strategy::Recreate),
            "none" => Some(Strategy::None),
            other => {
                let message = if other == "recreate" {
                    "a StatefulSet has no Recreate strategy; use \"rolling\"".to_string()
                } else {
                    format!("unknown strategy `{other}`; use \"rolling\", \"recreate\" or \"none\"")
                };
                ctx.error(
                    ModelErrorKind::OutOfRange,
                    value.span(),
                    &table.key("strategy"),
                    message,
                );
                None
            }
        },
    };
    let mut amount = |name: &str| match find(name) {
        Some(value) => read_amount(ctx, value, &table.key(name)).map(|a| (a, Some(value))),
        None => Some((DEFAULT_SHARE, None)),
    };
    let surge = amount("max_surge");
    let unavailable = amount("max_unavailable");
    if let (Some((surge, _)), Some((unavailable, Some(value)))) = (surge, unavailable)
        && surge.is_zero()
        && unavailable.is_zero()
    {
        let message = "max_surge and max_unavailable are both 0, so no pod could ever be replaced (Kubernetes API validation)";
        ctx.error(
            ModelErrorKind::OutOfRange,
            value.span(),
            &table.key("max_unavailable"),
            message,
        );
        return None;
    }
    let min_ready = match find("min_ready") {
        Some(value) => read_duration(ctx, value, &table.key("min_ready")),
        None => Some(Duration::ZERO),
    };
    let stop = match find("stop") {
        Some(value) => read_duration(ctx, value, &table.key("stop")),
        None => Some(DEFAULT_STOP),
    };
    let budget = match find("disruption_budget") {
        Some(value) => read_budget(ctx, value, &table.key("disruption_budget"), replicas).map(Some),
        None => Some(None),
    };
    let (max_surge, max_unavailable) = fenceposts(
        surge?.0.resolve(replicas, Rounding::Up),
        unavailable?.0.resolve(replicas, Rounding::Down),
    );
    Some(PodRollout {
        strategy: strategy?,
        max_surge,
        max_unavailable,
        min_ready: min_ready?,
        // The kubelet kills a container still running at the end of its grace period.
        stop: stop?.min(pod.termination_grace_period),
        disruption_budget: budget?,
    })
}

/// `disruption_budget = { min_available = N }` or `{ max_unavailable = N }` (a count or a
/// percentage, rounded up): the evictions it allows with every pod up, at least one.
fn read_budget(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str, replicas: u32) -> Option<u32> {
    let mut table = read_table(ctx, value, key)?;
    let min_available = table.get("min_available");
    let max_unavailable = table.get("max_unavailable");
    table.finish(ctx);
    let allowed = match (min_available, max_unavailable) {
        (Some(v), None) => {
            let min = read_amount(ctx, v, &format!("{key}.min_available"))?;
            replicas.saturating_sub(min.resolve(replicas, Rounding::Up))
        }
        (None, Some(v)) => {
            read_amount(ctx, v, &format!("{key}.max_unavailable"))?.resolve(replicas, Rounding::Up)
        }
        _ => {
            let message = "give one of `min_available` or `max_unavailable`, e.g. disruption_budget = { min_available = 1 }";
            ctx.error(ModelErrorKind::Conflict, value.span(), key, message);
            return None;
        }
    };
    if allowed == 0 {
        let message = format!(
            "with {replicas} replica{}, this budget never allows an eviction, so a node drain would wait forever",
            if replicas == 1 { "" } else { "s" }
        );
        ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
        return None;
    }
    Some(allowed)
}
