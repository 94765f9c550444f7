//! `[[component]]`: replicas, quorum, leader, failure modes, and references between
//! components (placement, sessions), resolved once every name is known.

use super::dist::read_dist;
use super::failure::{RunBy, read_failures};
use super::kubernetes;
use super::maintenance::read_component_rollout;
use super::references::{Reference, ReferenceKind, resolve_references};
use super::toolkit::{Ctx, Table, Value};
use super::values::{read_int, read_name, read_table};
use crate::model::{Component, Kubernetes, Leader, ModelErrorKind};
use std::collections::BTreeSet;
use toml::de::DeValue;

/// Most replicas one component may have (`docs/model-reference.md`, limits).
const MAX_REPLICAS: i64 = 100_000;

/// Most components a model may have.
pub(super) const MAX_COMPONENTS: usize = 100_000;

/// The components, and the name of every `[[component]]` table whose name parsed (by index).
pub(super) fn read_components(
    ctx: &mut Ctx<'_>,
    top: &mut Table<'_, '_>,
    kubernetes: Option<&Kubernetes>,
    scheduled: bool,
) -> (Vec<Option<String>>, Option<Vec<Component>>) {
    let hint = ", at least one [[component]] table with a name, replicas and failure modes";
    let Some(value) = top.required(ctx, "component", hint) else {
        return (Vec::new(), None);
    };
    let Some(array) = value.get_ref().as_array() else {
        ctx.error(
            ModelErrorKind::WrongType,
            value.span(),
            "component",
            "write components as [[component]] tables (an array of tables), one per component",
        );
        return (Vec::new(), None);
    };
    if let Some(extra) = array.get(MAX_COMPONENTS) {
        let message = format!(
            "the model has {} components; at most {MAX_COMPONENTS} are allowed",
            array.len()
        );
        ctx.error(ModelErrorKind::TooLarge, extra.span(), "component", message);
        return (Vec::new(), None);
    }
    if array.is_empty() {
        ctx.error(
            ModelErrorKind::MissingKey,
            value.span(),
            "component",
            "the model needs at least one [[component]]",
        );
        return (Vec::new(), None);
    }
    let mut names = Vec::new();
    // A set, not a scan of `names`: a model may have 100,000 components.
    let mut seen = BTreeSet::new();
    let mut components = Vec::new();
    let mut references = Vec::new();
    for (index, item) in array.iter().enumerate() {
        let (name, component) =
            read_component(ctx, item, index, (kubernetes, scheduled), &mut references);
        if let Some(name) = &name
            && !seen.insert(name.clone())
        {
            let message = format!("two components are named `{name}`; names must be unique");
            ctx.error(
                ModelErrorKind::Duplicate,
                item.span(),
                &format!("component.{name}"),
                message,
            );
        }
        names.push(name);
        components.push(component);
    }
    let resolved = resolve_references(ctx, references, &names, &mut components, kubernetes);
    let all_valid = resolved && components.iter().all(Option::is_some);
    (
        names,
        all_valid.then(|| components.into_iter().flatten().collect()),
    )
}

/// One component, and its name whenever the name itself is valid. References to other
/// components are added to `references`, to be resolved when every name is known.
/// `scheduled` says whether the model has a `[maintenance]` table, which a level-1
/// `maintenance` key needs.
fn read_component<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Value<'i>,
    index: usize,
    (kubernetes, scheduled): (Option<&Kubernetes>, bool),
    references: &mut Vec<Reference<'a, 'i>>,
) -> (Option<String>, Option<Component>) {
    let Some(mut table) = read_table(ctx, value, &format!("component[{index}]")) else {
        return (None, None);
    };
    let name = table
        .required(ctx, "name", ", e.g. name = \"etcd\"")
        .and_then(|v| read_name(ctx, v, &table.key("name"), "component"));
    if let Some(name) = &name {
        table.path = format!("component.{name}");
    }
    let replicas = match table.get("replicas") {
        Some(v) => read_int(ctx, v, &table.key("replicas"), 1, MAX_REPLICAS).map(|n| n as u32),
        None => Some(1),
    };
    let needs = table.get("needs").map(|v| (v, table.key("needs")));
    let cost = table
        .get("cost")
        .map(|v| super::cost::read_cost(ctx, v, &table.key("cost")));
    let leader = table
        .get("leader")
        .map(|v| read_leader(ctx, v, &table.key("leader")));
    let pod = kubernetes::read_pod(ctx, &mut table, kubernetes);
    let failures = match (table.get("failure"), &pod) {
        (Some(v), Some((pod, _))) => {
            let run_by = match (pod, kubernetes) {
                (Some(pod), _) => RunBy::Pod(pod),
                (None, Some(_)) => RunBy::External,
                (None, None) => RunBy::NoKubernetes,
            };
            read_failures(ctx, v, &table.key("failure"), run_by)
        }
        (Some(v), None) => {
            // The pod's errors are reported; the failure modes' own are reported too.
            let run_by = RunBy::BrokenPod {
                liveness: table.get("liveness").is_some(),
            };
            read_failures(ctx, v, &table.key("failure"), run_by).and(None)
        }
        (None, _) => Some(Vec::new()),
    };
    let rollout = read_component_rollout(
        ctx,
        &mut table,
        pod.as_ref().map(|(pod, _)| pod.as_ref()),
        replicas,
        (kubernetes.is_some(), scheduled),
    );
    let reassign = table
        .get("reassign")
        .map(|v| (v, kubernetes::read_reassign(ctx, v, &table.key("reassign"))));
    let session = table.get("session").map(|v| {
        let key = table.key("session");
        let session = kubernetes::read_session(ctx, v, &key);
        if let (Some((store, _, _)), Some((None, _))) = (&session, &pod) {
            ctx.error(
                ModelErrorKind::Conflict,
                store.span(),
                &format!("{key}.store"),
                "a session needs a Kubernetes workload, which restarts when it is lost",
            );
            return None;
        }
        session.map(|(store, store_name, ttl)| Reference {
            from: index,
            value: store,
            key: format!("{key}.store"),
            name: store_name,
            kind: ReferenceKind::SessionStore(ttl),
        })
    });
    let path = table.path.clone();
    table.finish(ctx);
    let needs_all = needs.as_ref().is_some_and(
        |(value, _)| matches!(value.get_ref(), DeValue::String(t) if t.as_ref() == "all"),
    );
    let needs = match (needs, replicas) {
        (Some((value, key)), replicas) => read_needs(ctx, value, &key, replicas),
        (None, _) => Some(1),
    };
    let (pod, placed_with) = match pod {
        Some((pod, with)) => (Some(pod), with),
        None => (None, None),
    };
    if let Some((with, with_name)) = placed_with {
        references.push(Reference {
            from: index,
            value: with,
            key: format!("{path}.placement.with"),
            name: with_name,
            kind: ReferenceKind::PlacedWith,
        });
    }
    let reassign = match (reassign, &session) {
        (None, _) => Some(None),
        (Some((_, None)), _) => None,
        (Some((_, Some(reassign))), Some(_)) => Some(Some(reassign)),
        (Some((value, Some(_))), None) => {
            let message = "a failed replica is noticed through its session expiring: add \
                session = { store = \"etcd\", ttl = \"30s\" } to the component";
            ctx.error(
                ModelErrorKind::Conflict,
                value.span(),
                &format!("{path}.reassign"),
                message,
            );
            None
        }
    };
    let session_ok = match session {
        Some(Some(reference)) => {
            references.push(reference);
            true
        }
        Some(None) => false,
        None => true,
    };
    let component = (|| {
        Some(Component {
            name: name.clone()?,
            replicas: replicas?,
            needs: needs?,
            needs_all,
            cost_per_year: cost.map_or(Some(None), |c| c.map(Some))?,
            leader: leader.flatten(),
            failures: failures?,
            pod: pod?,
            session: session_ok.then_some(None)?,
            reassign: reassign?,
            rollout: rollout?,
        })
    })();
    (name, component)
}

/// `needs`: an integer from 1 to `replicas`, `"majority"` (floor(n/2) + 1) or `"all"`.
/// With `replicas` invalid (`None`, reported already) its form is still checked, so that
/// every problem of the model is reported at once; the value is then `None`.
fn read_needs(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    replicas: Option<u32>,
) -> Option<u32> {
    match value.get_ref() {
        DeValue::String(text) if text.as_ref() == "majority" => Some(replicas? / 2 + 1),
        DeValue::String(text) if text.as_ref() == "all" => replicas,
        DeValue::Integer(_) => {
            let needs = read_int(ctx, value, key, 1, MAX_REPLICAS)? as u32;
            let replicas = replicas?;
            if needs > replicas {
                let message =
                    format!("needs {needs} replicas up, but the component has only {replicas}");
                ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
                return None;
            }
            Some(needs)
        }
        _ => {
            let range = replicas.map_or(String::new(), |replicas| format!(" (1 to {replicas})"));
            let message = format!(
                "`{}` is not allowed; write a number of replicas{range}, \"majority\" or \"all\"",
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
            None
        }
    }
}

/// `leader`: exactly one of `election = DIST`, `raft = {...}` or `lease = {...}`.
fn read_leader(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Leader> {
    let mut table = read_table(ctx, value, key)?;
    let given: Vec<&str> = ["election", "raft", "lease"]
        .into_iter()
        .filter(|k| {
            table
                .entries
                .iter()
                .any(|(name, _)| name.get_ref().as_ref() == *k)
        })
        .collect();
    if given.len() != 1 {
        let kind = if given.is_empty() {
            ModelErrorKind::MissingKey
        } else {
            ModelErrorKind::Conflict
        };
        let message = if given.is_empty() {
            "a leader needs one of `election` (a distribution), `raft = { ... }` or `lease = { ... }`, \
             e.g. leader = { election = { dist = \"uniform\", min = \"1s\", max = \"2s\" } }"
                .to_string()
        } else {
            format!(
                "give only one of {}",
                given
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // Still look at the keys, so typos among them are reported too.
        for k in ["election", "raft", "lease"] {
            table.get(k);
        }
        table.finish(ctx);
        ctx.error(kind, value.span(), key, message);
        return None;
    }
    let leader = match table.get("election") {
        Some(v) => read_dist(ctx, v, &table.key("election")).map(Leader::Election),
        None => kubernetes::read_consensus_leader(ctx, &mut table).flatten(),
    };
    table.finish(ctx);
    leader
}
