//! The top level of a model file: `name`, `up`, and the sections in their order of need.

use super::backup::{DataValues, read_data_protection};
use super::component::read_components;
use super::kubernetes;
use super::maintenance::read_maintenance;
use super::services::{read_expression, read_services};
use super::simulation::read_simulation;
use super::slo::read_slo;
use super::toolkit::{Ctx, Table, Value};
use super::traffic::read_traffic;
use super::values::{name_length_ok, printable_ok, read_str};
use crate::model::{Model, Simulation};
use std::collections::BTreeMap;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The whole model from the root table; `None` when anything is wrong (see `ctx`).
pub(super) fn read_model(ctx: &mut Ctx<'_>, root: &Spanned<DeTable<'_>>) -> Option<Model> {
    let mut top = Table::new(root.get_ref(), 0..0, String::new());
    let name = top
        .required(ctx, "name", ", e.g. name = \"three-node etcd\"")
        .and_then(|v| {
            let name = read_str(ctx, v, "name")?;
            let fits = name_length_ok(ctx, name, v.span(), "name", "model");
            (fits && printable_ok(ctx, name, v.span(), "name")).then(|| name.to_string())
        });
    let up_value = top.required(ctx, "up", ", e.g. up = \"etcd & proxy\"");
    let simulation = match top.get("simulation") {
        Some(value) => read_simulation(ctx, value),
        None => Some(Simulation::default()),
    };
    let slo_value = top.get("slo");
    let services_value = top.get("services");
    let traffic_value = top.get("traffic");
    let kubernetes = match top.get("kubernetes") {
        Some(value) => kubernetes::read_kubernetes(ctx, value).map(Some),
        None => Some(None),
    };
    // A [kubernetes] table with errors still makes the components Kubernetes workloads,
    // so their keys are checked as such rather than reported as unknown.
    let fallback = kubernetes::defaults();
    let cluster = match &kubernetes {
        Some(settings) => settings.as_ref(),
        None => Some(&fallback),
    };
    let maintenance_value = top.get("maintenance");
    let data_values = DataValues {
        backup: top.get("backup"),
        replication: top.get("replication"),
        incident: top.get("incident"),
    };
    let components = read_components(ctx, &mut top, cluster, maintenance_value.is_some());
    top.finish(ctx);

    // Expressions are checked against every name that parsed, even when a component has
    // other errors, so one pass reports both kinds of problem.
    let (names, components) = components;
    // Without any [[component]] list, every name would be "unknown": say nothing of them.
    let up = match (&up_value, names.is_empty()) {
        (Some(value), false) => read_expression(ctx, value, "up", &names),
        _ => None,
    };
    let services = match (services_value, names.is_empty()) {
        (Some(value), false) => read_services(ctx, value, &names),
        (Some(_), true) => None,
        (None, _) => Some(Vec::new()),
    };
    let service_names = services_value.map_or_else(Vec::new, table_keys);
    let traffic = match traffic_value {
        Some(value) => read_traffic(ctx, value, &service_names).map(Some),
        None => Some(None),
    };
    let counted = |service: Option<&str>| match (&traffic, service) {
        (Some(Some(_)), None) => true,
        (Some(Some(traffic)), Some(name)) => (traffic.services.iter())
            .any(|(index, _)| service_names.get(*index).is_some_and(|n| n == name)),
        // With a wrong [traffic] table, request targets are not blamed for it.
        (None, _) => true,
        (Some(None), _) => false,
    };
    let incidents = data_values.incident.is_some();
    let slo = slo_value.map(|value| read_slo(ctx, value, &service_names, &counted, incidents));
    let maintenance = match maintenance_value {
        Some(value) => {
            read_maintenance(ctx, value, &name_index(&names), cluster.is_some()).map(Some)
        }
        None => Some(None),
    };
    let data = read_data_protection(ctx, &data_values);
    Some(Model {
        name: name?,
        up: up?,
        services: services?,
        simulation: simulation?,
        slo: slo.flatten(),
        components: components?,
        kubernetes: kubernetes?,
        maintenance: maintenance?,
        traffic: traffic?,
        data: data?,
    })
}

/// Looks names up among the components whose names parsed. While some component has no
/// valid name, an unknown name may well be that one: it is let through (the model has an
/// error already), so only the component's own error is reported.
pub(super) fn resolve(names: &[Option<String>]) -> impl Fn(&str) -> Option<usize> + '_ {
    let incomplete = names.iter().any(Option::is_none);
    let index = name_index(names);
    move |name| {
        let found = index.get(name).copied();
        if incomplete { found.or(Some(0)) } else { found }
    }
}

/// Each name's first index: looked up once per name in expressions and references, which
/// a scan would make quadratic in the number of components. A B-tree, not a hash map, so
/// that parsing runs the same code on every run (as a fuzzer needs).
pub(super) fn name_index(names: &[Option<String>]) -> BTreeMap<&str, usize> {
    let mut index = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(name) = name {
            index.entry(name.as_str()).or_insert(i);
        }
    }
    index
}

/// The keys of a table, in file order (none if it is not a table).
fn table_keys(value: &Value<'_>) -> Vec<String> {
    match value.get_ref() {
        DeValue::Table(entries) => entries
            .iter()
            .map(|(key, _)| key.get_ref().to_string())
            .collect(),
        _ => Vec::new(),
    }
}
