//! Readers for level 2 (`docs/kubernetes.md`): `[kubernetes]`, pods and probes, `raft` and `lease` leaders,
//! sessions, and the `exit` / `liveness` / `restart` forms of failure modes.
//!
//! Every default is the upstream default, cited where it is defined; see
//! docs/kubernetes.md for the mechanics and sources.

use super::dist::{read_dist, read_time_to_failure};
use super::toolkit::{Ctx, Table, Value};
use super::values::{read_duration, read_int, read_positive_duration, read_str, read_table};
use crate::dist::Dist;
use crate::model::{
    Detect, Kubernetes, Leader, ModelErrorKind, NodeFailure, Placement, Pod, Probe, Reassign,
    Repair, Workload,
};
use crate::time::Duration;
use toml::de::DeValue;

/// Kubernetes defaults (kubernetes/website "Configure Probes", "Nodes", "Taints and
/// Tolerations"; kubernetes/kubernetes pkg/kubelet/kubelet.go).
const NODES: i64 = 6;
const NODE_MONITOR_GRACE_PERIOD: Duration = Duration::from_secs(50);
const NODE_MONITOR_PERIOD: Duration = Duration::from_secs(5);
const TOLERATION_SECONDS: Duration = Duration::from_secs(300);
const ENDPOINT_PROPAGATION: Duration = Duration::from_secs(1);
const EXIT_DETECTION: Duration = Duration::from_secs(1);
const TERMINATION_GRACE_PERIOD: Duration = Duration::from_secs(30);
const PROBE_PERIOD: Duration = Duration::from_secs(10);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
const PROBE_FAILURE_THRESHOLD: i64 = 3;
/// The API's minimum for periodSeconds and timeoutSeconds.
const PROBE_MINIMUM: Duration = Duration::from_secs(1);
/// etcd's defaults (etcd-io/etcd server/embed/config.go: ElectionMs 1000, TickMs 100).
const RAFT_ELECTION_TIMEOUT: Duration = Duration::from_secs(1);
const RAFT_HEARTBEAT: Duration = Duration::from_micros(100_000);
/// Assumption: one round trip inside a cluster network.
const RAFT_ROUND_TRIP: Duration = Duration::from_micros(1_000);

/// Keys of a component that describe its pod.
pub(super) const POD_KEYS: [&str; 7] = [
    "workload",
    "start",
    "liveness",
    "readiness",
    "startup",
    "termination_grace_period",
    "placement",
];

/// The settings of an empty `[kubernetes]` table.
pub(super) fn defaults() -> Kubernetes {
    Kubernetes {
        nodes: NODES as u32,
        node_failure: None,
        node_monitor_grace_period: NODE_MONITOR_GRACE_PERIOD,
        node_monitor_period: NODE_MONITOR_PERIOD,
        toleration_seconds: TOLERATION_SECONDS,
        endpoint_propagation: ENDPOINT_PROPAGATION,
        exit_detection: EXIT_DETECTION,
        node_cost_per_year: None,
    }
}

/// Reads `[kubernetes]`.
pub(super) fn read_kubernetes(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<Kubernetes> {
    let mut table = read_table(ctx, value, "kubernetes")?;
    let nodes = match table.get("nodes") {
        Some(v) => read_int(ctx, v, "kubernetes.nodes", 1, 100_000),
        None => Some(NODES),
    };
    let node_failure = table.get("node_failure").map(|v| read_node_failure(ctx, v));
    let mut duration = |name: &'static str, default: Duration| match table.get(name) {
        Some(v) => read_duration(ctx, v, &format!("kubernetes.{name}")),
        None => Some(default),
    };
    let grace = duration("node_monitor_grace_period", NODE_MONITOR_GRACE_PERIOD);
    let monitor = duration("node_monitor_period", NODE_MONITOR_PERIOD);
    let toleration = duration("toleration_seconds", TOLERATION_SECONDS);
    let propagation = duration("endpoint_propagation", ENDPOINT_PROPAGATION);
    let exit = duration("exit_detection", EXIT_DETECTION);
    let node_cost = table
        .get("node_cost")
        .map(|v| super::cost::read_cost(ctx, v, "kubernetes.node_cost"));
    table.finish(ctx);
    Some(Kubernetes {
        nodes: nodes? as u32,
        node_failure: node_failure.map_or(Some(None), |f| f.map(Some))?,
        node_monitor_grace_period: grace?,
        node_monitor_period: monitor?,
        toleration_seconds: toleration?,
        endpoint_propagation: propagation?,
        exit_detection: exit?,
        node_cost_per_year: node_cost.map_or(Some(None), |c| c.map(Some))?,
    })
}

/// `[kubernetes.node_failure]`: time to a node's failure and its repair.
fn read_node_failure(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<NodeFailure> {
    let mut table = read_table(ctx, value, "kubernetes.node_failure")?;
    let every = table
        .required(ctx, "every", ", the time to a node's failure")
        .and_then(|v| read_time_to_failure(ctx, v, "kubernetes.node_failure.every"));
    let repair = table
        .required(
            ctx,
            "repair",
            ", the time until a failed node runs pods again",
        )
        .and_then(|v| read_dist(ctx, v, "kubernetes.node_failure.repair"));
    table.finish(ctx);
    Some(NodeFailure {
        every: every?,
        repair: repair?,
    })
}

/// What a component table says about its pod: `None` on error, `Some(None)` for a
/// component Kubernetes does not run (level 1, or `workload = "external"`).
///
/// `placement = { with = ... }` names a component; its index is resolved by the caller,
/// which gets the name and its span back.
pub(super) fn read_pod<'a, 'i>(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'a, 'i>,
    kubernetes: Option<&Kubernetes>,
) -> Option<(Option<Pod>, PlacementWith<'a, 'i>)> {
    // Claim every pod key up front, so none is reported as unknown whatever fails below.
    let present: Vec<(&'static str, &'a Value<'i>)> = POD_KEYS
        .iter()
        .filter_map(|key| table.get(key).map(|value| (*key, value)))
        .collect();
    let Some(kubernetes) = kubernetes else {
        let Some((_, first)) = present.first() else {
            return Some((None, None));
        };
        let keys: Vec<String> = present.iter().map(|(key, _)| format!("`{key}`")).collect();
        let message = format!(
            "{} describe{} a Kubernetes workload; add a [kubernetes] table to the model, or remove {}",
            keys.join(", "),
            if keys.len() == 1 { "s" } else { "" },
            if keys.len() == 1 { "it" } else { "them" },
        );
        ctx.error(ModelErrorKind::Conflict, first.span(), &table.path, message);
        return None;
    };
    let workload = match present.iter().find(|(key, _)| *key == "workload") {
        None => Workload::Deployment,
        Some((_, v)) => match read_str(ctx, v, &table.key("workload"))? {
            "deployment" => Workload::Deployment,
            "statefulset" => Workload::StatefulSet,
            "external" => {
                if let Some((key, value)) = present.iter().find(|(key, _)| *key != "workload") {
                    let message =
                        format!("an external component has no pod, so `{key}` does not apply");
                    ctx.error(
                        ModelErrorKind::Conflict,
                        value.span(),
                        &table.key(key),
                        message,
                    );
                    return None;
                }
                return Some((None, None));
            }
            other => {
                let message = format!(
                    "unknown workload `{other}`; use \"deployment\", \"statefulset\" or \"external\""
                );
                ctx.error(
                    ModelErrorKind::OutOfRange,
                    v.span(),
                    &table.key("workload"),
                    message,
                );
                return None;
            }
        },
    };
    let start = table
        .required(
            ctx,
            "start",
            ", the time from container start to the process serving, e.g. start = \"20s\"",
        )
        .and_then(|v| read_dist(ctx, v, &table.key("start")));
    let liveness = read_optional_probe(ctx, table, "liveness", false);
    let readiness = read_optional_probe(ctx, table, "readiness", true);
    let startup = read_optional_probe(ctx, table, "startup", false);
    let grace = match table.get("termination_grace_period") {
        Some(v) => read_duration(ctx, v, &table.key("termination_grace_period")),
        None => Some(TERMINATION_GRACE_PERIOD),
    };
    let placement = match table.get("placement") {
        Some(v) => read_placement(ctx, v, &table.key("placement"), kubernetes.nodes),
        None => Some((Placement::Spread, None)),
    };
    let (placement, with) = placement?;
    Some((
        Some(Pod {
            workload,
            start: start?,
            liveness: liveness?,
            readiness: readiness?,
            startup: startup?,
            termination_grace_period: grace?,
            placement,
        }),
        with,
    ))
}

/// The probe at key `name`, if the component has one.
fn read_optional_probe(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    name: &'static str,
    may_need_successes: bool,
) -> Option<Option<Probe>> {
    match table.get(name) {
        Some(v) => read_probe(ctx, v, &table.key(name), may_need_successes).map(Some),
        None => Some(None),
    }
}

/// A probe table; `success_threshold` other than 1 only for readiness probes (the API
/// requires 1 for liveness and startup).
fn read_probe(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    may_need_successes: bool,
) -> Option<Probe> {
    let mut table = read_table(ctx, value, key)?;
    let period = read_probe_interval(ctx, &mut table, "period", PROBE_PERIOD);
    let timeout = read_probe_interval(ctx, &mut table, "timeout", PROBE_TIMEOUT);
    let failures = match table.get("failure_threshold") {
        Some(v) => read_int(ctx, v, &table.key("failure_threshold"), 1, 1_000),
        None => Some(PROBE_FAILURE_THRESHOLD),
    };
    let successes = match table.get("success_threshold") {
        Some(v) if !may_need_successes => {
            let parsed = read_int(ctx, v, &table.key("success_threshold"), 1, 1_000)?;
            if parsed != 1 {
                let message = format!(
                    "`{parsed}` is not allowed: success_threshold must be 1 for liveness and \
                     startup probes (Kubernetes API validation)"
                );
                ctx.error(
                    ModelErrorKind::OutOfRange,
                    v.span(),
                    &table.key("success_threshold"),
                    message,
                );
                return None;
            }
            Some(1)
        }
        Some(v) => read_int(ctx, v, &table.key("success_threshold"), 1, 1_000),
        None => Some(1),
    };
    let initial_delay = match table.get("initial_delay") {
        Some(v) => read_duration(ctx, v, &table.key("initial_delay")),
        None => Some(Duration::ZERO),
    };
    table.finish(ctx);
    Some(Probe {
        period: period?,
        timeout: timeout?,
        failure_threshold: failures? as u32,
        success_threshold: successes? as u32,
        initial_delay: initial_delay?,
    })
}

/// A probe's `period` or `timeout`: whole seconds (the API's periodSeconds and
/// timeoutSeconds are integers), at least one.
fn read_probe_interval(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    name: &'static str,
    default: Duration,
) -> Option<Duration> {
    let Some(value) = table.get(name) else {
        return Some(default);
    };
    let key = table.key(name);
    let duration = read_duration(ctx, value, &key)?;
    let problem = if duration < PROBE_MINIMUM {
        "is too short"
    } else if duration.as_micros() % PROBE_MINIMUM.as_micros() != 0 {
        "is not whole seconds"
    } else {
        return Some(duration);
    };
    let message = format!(
        "{duration} {problem}: a probe's {name} is whole seconds, at least 1s (Kubernetes API validation)"
    );
    ctx.error(ModelErrorKind::OutOfRange, value.span(), &key, message);
    None
}

/// A `placement = { with = NAME }` still to resolve: the value and the name.
type PlacementWith<'a, 'i> = Option<(&'a Value<'i>, String)>;

/// `placement`: pinned `nodes`, or `with` another component (resolved by the caller).
fn read_placement<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Value<'i>,
    key: &str,
    nodes: u32,
) -> Option<(Placement, PlacementWith<'a, 'i>)> {
    let mut table = read_table(ctx, value, key)?;
    let listed = table.get("nodes");
    let with = table.get("with");
    table.finish(ctx);
    match (listed, with) {
        (Some(list), None) => {
            let Some(array) = list.get_ref().as_array() else {
                ctx.error(
                    ModelErrorKind::WrongType,
                    list.span(),
                    &format!("{key}.nodes"),
                    "write node numbers as a list, e.g. nodes = [0, 1, 2]",
                );
                return None;
            };
            let max = i64::from(nodes) - 1;
            let numbers: Option<Vec<u32>> = array
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    read_int(ctx, v, &format!("{key}.nodes[{i}]"), 0, max).map(|n| n as u32)
                })
                .collect();
            let numbers = numbers?;
            if numbers.is_empty() {
                ctx.error(
                    ModelErrorKind::OutOfRange,
                    list.span(),
                    &format!("{key}.nodes"),
                    "list at least one node",
                );
                return None;
            }
            Some((Placement::Nodes(numbers), None))
        }
        (None, Some(with)) => {
            let name = read_str(ctx, with, &format!("{key}.with"))?.to_string();
            Some((Placement::Spread, Some((with, name))))
        }
        _ => {
            let message = "give either `nodes = [...]` (pin replicas to nodes) or `with = \"component\"` (share its nodes)";
            ctx.error(ModelErrorKind::Conflict, value.span(), key, message);
            None
        }
    }
}

/// `raft = {...}` or `lease = {...}` inside `leader`, if present.
pub(super) fn read_consensus_leader(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
) -> Option<Option<Leader>> {
    if let Some(value) = table.get("raft") {
        let key = table.key("raft");
        let mut raft = read_table(ctx, value, &key)?;
        let timeout = match raft.get("election_timeout") {
            Some(v) => read_positive_duration(ctx, v, &raft.key("election_timeout")),
            None => Some(RAFT_ELECTION_TIMEOUT),
        };
        let heartbeat_value = raft.get("heartbeat");
        let heartbeat = match heartbeat_value {
            Some(v) => read_positive_duration(ctx, v, &raft.key("heartbeat")),
            None => Some(RAFT_HEARTBEAT),
        };
        let round_trip = match raft.get("round_trip") {
            Some(v) => read_duration(ctx, v, &raft.key("round_trip")),
            None => Some(RAFT_ROUND_TRIP),
        };
        raft.finish(ctx);
        let (election_timeout, heartbeat) = (timeout?, heartbeat?);
        if heartbeat >= election_timeout {
            let span = heartbeat_value.map_or(value.span(), |v| v.span());
            let message = format!(
                "the heartbeat ({heartbeat}) must be below the election timeout ({election_timeout}), \
                 or followers would campaign against a live leader (etcd recommends about a tenth)"
            );
            ctx.error(
                ModelErrorKind::OutOfRange,
                span,
                &format!("{key}.heartbeat"),
                message,
            );
            return None;
        }
        return Some(Some(Leader::Raft {
            election_timeout,
            heartbeat,
            round_trip: round_trip?,
        }));
    }
    if let Some(value) = table.get("lease") {
        let key = table.key("lease");
        let mut lease = read_table(ctx, value, &key)?;
        let ttl = lease
            .required(ctx, "ttl", ", the lease's time to live, e.g. ttl = \"30s\"")
            .and_then(|v| read_positive_duration(ctx, v, &format!("{key}.ttl")));
        let renew = lease.get("renew").map(|v| {
            let key = lease.key("renew");
            let renew = read_positive_duration(ctx, v, &key)?;
            if let Some(ttl) = ttl.filter(|&ttl| renew > ttl) {
                let message = format!(
                    "`{}` is longer than the ttl `{ttl}`: the holder renews its lease at least \
                     once a `ttl`, or it would lapse while the holder is up",
                    ctx.quote(v)
                );
                ctx.error(ModelErrorKind::OutOfRange, v.span(), &key, message);
                return None;
            }
            Some(renew)
        });
        let takeover = match lease.get("takeover") {
            Some(v) => read_dist(ctx, v, &lease.key("takeover")),
            None => Some(Dist::fixed(Duration::ZERO)),
        };
        lease.finish(ctx);
        let ttl = ttl?;
        return Some(Some(Leader::Lease {
            ttl,
            renew: renew.unwrap_or(Some(crate::mechanics::lease::default_renewal(ttl)))?,
            takeover: takeover?,
        }));
    }
    Some(None)
}

/// A failure mode's `detect`: `"exit"`, `"liveness"` or a distribution.
pub(super) fn read_detect(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Detect> {
    match value.get_ref() {
        DeValue::String(text) if text.as_ref() == "exit" => Some(Detect::Exit),
        DeValue::String(text) if text.as_ref() == "liveness" => Some(Detect::Liveness),
        _ if is_word(value) => {
            let allowed = "\"exit\" (the process exits), \"liveness\" (its liveness probe notices) or a duration such as \"30s\"";
            unknown_word(ctx, value, key, allowed)
        }
        _ => read_dist(ctx, value, key).map(Detect::After),
    }
}

/// A failure mode's `repair`: `"restart"` or a distribution.
pub(super) fn read_repair(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Repair> {
    match value.get_ref() {
        DeValue::String(text) if text.as_ref() == "restart" => Some(Repair::Restart),
        _ if is_word(value) => {
            let allowed =
                "\"restart\" (Kubernetes restarts the container) or a duration such as \"5m\"";
            unknown_word(ctx, value, key, allowed)
        }
        _ => read_dist(ctx, value, key).map(Repair::After),
    }
}

/// Whether `value` is a string of letters alone: a keyword, never a duration (which starts
/// with a number), so that a mistyped keyword is named as one.
fn is_word(value: &Value<'_>) -> bool {
    matches!(value.get_ref(), DeValue::String(text)
        if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Reports `value`, a word that is not a keyword of `key`, with what is `allowed`.
fn unknown_word<T>(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str, allowed: &str) -> Option<T> {
    let message = format!("`{}` is not allowed; write {allowed}", ctx.quote(value));
    ctx.error(ModelErrorKind::BadDuration, value.span(), key, message);
    None
}

/// `reassign = { load = DIST }`: how long an up replica takes to load a failed one's share.
pub(super) fn read_reassign(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Reassign> {
    let mut table = read_table(ctx, value, key)?;
    let load = table
        .required(
            ctx,
            "load",
            ", the time another replica takes to load the failed one's share, e.g. load = \"2m\"",
        )
        .and_then(|v| read_dist(ctx, v, &format!("{key}.load")));
    table.finish(ctx);
    Some(Reassign { load: load? })
}

/// `session = { store = "etcd", ttl = "30s" }`: the store's name (resolved by the caller,
/// with its span) and the TTL.
pub(super) fn read_session<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Value<'i>,
    key: &str,
) -> Option<(&'a Value<'i>, String, Duration)> {
    let mut table = read_table(ctx, value, key)?;
    let store = table.required(
        ctx,
        "store",
        ", the component holding the session, e.g. store = \"etcd\"",
    );
    let name = store.and_then(|v| read_str(ctx, v, &format!("{key}.store")));
    let ttl = table
        .required(
            ctx,
            "ttl",
            ", the session's time to live, e.g. ttl = \"30s\"",
        )
        .and_then(|v| read_positive_duration(ctx, v, &format!("{key}.ttl")));
    table.finish(ctx);
    Some((store?, name?.to_string(), ttl?))
}
