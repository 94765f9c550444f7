//! Reads a model file's spanned TOML tree into a validated [`Model`].
//!
//! The walker asks each table for the keys it knows; whatever is left is reported as an
//! unknown key, with a suggestion when it looks like a typo. Every reader records its errors
//! and carries on, so one pass reports all the problems of a file.

mod kubernetes;

use super::error::LineIndex;
use super::{
    Component, Detect, Expression, FailureMode, Kubernetes, Leader, Model, ModelError,
    ModelErrorKind, ModelErrors, Percentile, PercentileBound, Placement, Pod, Repair, Service,
    Session, Simulation, Slo, Targets,
};
use crate::dist::{Dist, DistError};
use crate::expr::{Expr, is_name_char};
use crate::time::Duration;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

type Value<'i> = Spanned<DeValue<'i>>;

/// Most replicas one component may have (SPEC section 2).
const MAX_REPLICAS: i64 = 100_000;

/// Most years one run may simulate from the model file.
const MAX_YEARS: i64 = 1_000_000_000_000;

pub(super) fn parse(source: &str, file: &str) -> Result<Model, ModelErrors> {
    let mut ctx = Ctx {
        source,
        file,
        lines: LineIndex::new(source),
        errors: Vec::new(),
    };
    if source.trim().is_empty() {
        ctx.error(
            ModelErrorKind::Empty,
            0..0,
            "",
            "the model file is empty; it needs at least `name`, `up` and one [[component]]",
        );
        return Err(ctx.into_errors());
    }
    let root = match DeTable::parse(source) {
        Ok(root) => root,
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = format!("not valid TOML: {}", err.message().trim_end());
            ctx.error(ModelErrorKind::Syntax, span, "", message);
            return Err(ctx.into_errors());
        }
    };
    let model = read_model(&mut ctx, &root);
    match model {
        Some(model) if ctx.errors.is_empty() => Ok(model),
        _ => Err(ctx.into_errors()),
    }
}

/// The source being read and the errors found so far.
struct Ctx<'s> {
    source: &'s str,
    file: &'s str,
    /// Where the lines of `source` start, to place each error.
    lines: LineIndex<'s>,
    errors: Vec<ModelError>,
}

impl Ctx<'_> {
    fn error(
        &mut self,
        kind: ModelErrorKind,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) {
        let error = ModelError::at(kind, self.file, &self.lines, span, key, message.into());
        self.errors.push(error);
    }

    /// The value as written in the file, for quoting in messages.
    fn quote(&self, value: &Value<'_>) -> String {
        let text = self.source.get(value.span()).unwrap_or("").trim();
        let mut quoted: String = text.chars().take(60).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        quoted
    }

    fn into_errors(mut self) -> ModelErrors {
        self.errors.sort_by_key(ModelError::sort_key);
        ModelErrors {
            errors: self.errors,
        }
    }
}

/// A table being read. It remembers the keys asked for, so `finish` can report the rest.
struct Table<'a, 'i> {
    entries: &'a DeTable<'i>,
    span: Range<usize>,
    path: String,
    known: Vec<&'static str>,
}

impl<'a, 'i> Table<'a, 'i> {
    fn new(entries: &'a DeTable<'i>, span: Range<usize>, path: String) -> Self {
        Table {
            entries,
            span,
            path,
            known: Vec::new(),
        }
    }

    /// The value of `key`, if present.
    fn get(&mut self, key: &'static str) -> Option<&'a Value<'i>> {
        self.known.push(key);
        self.entries
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// The value of `key`, or an error saying it is missing.
    fn required(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        hint: &str,
    ) -> Option<&'a Value<'i>> {
        let value = self.get(key);
        if value.is_none() {
            let where_ = if self.path.is_empty() {
                "the model".to_string()
            } else {
                format!("`{}`", self.path)
            };
            ctx.error(
                ModelErrorKind::MissingKey,
                self.span.clone(),
                &self.key(key),
                format!("{where_} needs `{key}`{hint}"),
            );
        }
        value
    }

    /// The dotted path of `key` in this table.
    fn key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Reports every key that was not asked for.
    fn finish(self, ctx: &mut Ctx<'_>) {
        for (key, _) in self.entries.iter() {
            let name = key.get_ref().as_ref();
            if self.known.contains(&name) {
                continue;
            }
            let message = {
                let mut message = format!("unknown key `{name}`");
                match closest(name, &self.known) {
                    Some(suggestion) => {
                        message.push_str(&format!("; did you mean `{suggestion}`?"))
                    }
                    None => {
                        let mut allowed: Vec<&str> = Vec::new();
                        for key in &self.known {
                            if !allowed.contains(key) {
                                allowed.push(key);
                            }
                        }
                        message.push_str(&format!("; allowed here: {}", allowed.join(", ")));
                    }
                }
                message
            };
            ctx.error(
                ModelErrorKind::UnknownKey,
                key.span(),
                &self.key(name),
                message,
            );
        }
    }
}

/// The known key closest to `name` by edit distance, if it is a plausible typo.
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

fn read_model(ctx: &mut Ctx<'_>, root: &Spanned<DeTable<'_>>) -> Option<Model> {
    let mut top = Table::new(root.get_ref(), 0..0, String::new());
    let name = top
        .required(ctx, "name", ", e.g. name = \"three-node etcd\"")
        .and_then(|v| read_str(ctx, v, "name"))
        .map(str::to_string);
    let up_value = top.required(ctx, "up", ", e.g. up = \"etcd & proxy\"");
    let simulation = match top.get("simulation") {
        Some(value) => read_simulation(ctx, value),
        None => Some(Simulation::default()),
    };
    let slo_value = top.get("slo");
    let services_value = top.get("services");
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
    let components = read_components(ctx, &mut top, cluster);
    top.finish(ctx);

    // Expressions are checked against every name that parsed, even when a component has
    // other errors, so one pass reports both kinds of problem.
    let (names, components) = components;
    // Without any [[component]] list, every name would be "unknown": say nothing of them.
    let up = match (&up_value, names.is_empty()) {
        (Some(value), false) => read_expression(ctx, value, "up", &resolve(&names)),
        _ => None,
    };
    let services = match (services_value, names.is_empty()) {
        (Some(value), false) => read_services(ctx, value, &resolve(&names)),
        (Some(_), true) => None,
        (None, _) => Some(Vec::new()),
    };
    let service_names = services_value.map_or_else(Vec::new, table_keys);
    let slo = slo_value.map(|value| read_slo(ctx, value, &service_names));
    Some(Model {
        name: name?,
        up: up?,
        services: services?,
        simulation: simulation?,
        slo: slo.flatten(),
        components: components?,
        kubernetes: kubernetes?,
    })
}

/// Looks names up among the components whose names parsed. While some component has no
/// valid name, an unknown name may well be that one: it is let through (the model has an
/// error already), so only the component's own error is reported.
fn resolve(names: &[Option<String>]) -> impl Fn(&str) -> Option<usize> + '_ {
    let incomplete = names.iter().any(Option::is_none);
    move |name| {
        let found = names.iter().position(|n| n.as_deref() == Some(name));
        if incomplete { found.or(Some(0)) } else { found }
    }
}

fn read_simulation(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<Simulation> {
    let mut table = read_table(ctx, value, "simulation")?;
    let defaults = Simulation::default();
    let years = table
        .get("years")
        .map(|v| read_int(ctx, v, "simulation.years", 1, MAX_YEARS).map(|n| n as u64));
    let seed = table
        .get("seed")
        .map(|v| read_int(ctx, v, "simulation.seed", 0, i64::MAX).map(|n| n as u64));
    let horizon = table
        .get("horizon")
        .map(|v| read_positive_duration(ctx, v, "simulation.horizon"));
    table.finish(ctx);
    Some(Simulation {
        years: years.unwrap_or(Some(defaults.years))?,
        seed: seed.unwrap_or(Some(defaults.seed))?,
        horizon: horizon.unwrap_or(Some(defaults.horizon))?,
    })
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

/// `[slo]`: targets for `up`, and `[slo.services.<name>]` tables of targets for services.
fn read_slo(ctx: &mut Ctx<'_>, value: &Value<'_>, service_names: &[String]) -> Option<Slo> {
    let mut table = read_table(ctx, value, "slo")?;
    let up = read_targets(ctx, &mut table);
    let services = table
        .get("services")
        .map(|v| read_slo_services(ctx, v, service_names));
    table.finish(ctx);
    Some(Slo {
        up: up?,
        services: services.unwrap_or(Some(Vec::new()))?,
    })
}

fn read_slo_services(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    service_names: &[String],
) -> Option<Vec<(String, Targets)>> {
    let table = read_table(ctx, value, "slo.services")?;
    let service_names: Vec<&str> = service_names.iter().map(String::as_str).collect();
    let mut services = Vec::new();
    let mut ok = true;
    for (key, value) in table.entries.iter() {
        let name = key.get_ref().as_ref();
        let path = format!("slo.services.{name}");
        if !service_names.contains(&name) {
            let mut message = format!("no service is named `{name}`");
            match closest(name, &service_names) {
                Some(suggestion) => message.push_str(&format!("; did you mean `{suggestion}`?")),
                None if service_names.is_empty() => {
                    message.push_str("; the model has no [services] table")
                }
                None => message.push_str(&format!(
                    "; the model's services are {}",
                    service_names.join(", ")
                )),
            }
            ctx.error(ModelErrorKind::UnknownName, key.span(), &path, message);
            ok = false;
            continue;
        }
        let Some(mut targets_table) = read_table(ctx, value, &path) else {
            ok = false;
            continue;
        };
        let targets = read_targets(ctx, &mut targets_table);
        targets_table.finish(ctx);
        match targets {
            Some(targets) => services.push((name.to_string(), targets)),
            None => ok = false,
        }
    }
    ok.then_some(services)
}

/// Keys of the bounds on outage-duration percentiles, in [`Percentile::ALL`] order.
const RTO_KEYS: [&str; 5] = ["rto_p50", "rto_p90", "rto_p95", "rto_p99", "rto_p999"];

/// Keys of the bounds on yearly-downtime percentiles, in [`Percentile::ALL`] order.
const YEARLY_DOWNTIME_KEYS: [&str; 5] = [
    "yearly_downtime_p50",
    "yearly_downtime_p90",
    "yearly_downtime_p95",
    "yearly_downtime_p99",
    "yearly_downtime_p999",
];

/// The targets of one SLO table (for `up` or for a service); the caller reports unknown keys.
fn read_targets(ctx: &mut Ctx<'_>, table: &mut Table<'_, '_>) -> Option<Targets> {
    let mut ok = true;
    let availability = table.get("availability");
    let target = availability
        .map(|v| read_share(ctx, v, &table.key("availability"), ShareKind::Availability));
    let mut dependent = |ctx: &mut Ctx<'_>, key: &'static str, kind: ShareKind| {
        let value = table.get(key)?;
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
    let mut bounds = |ctx: &mut Ctx<'_>, keys: [&'static str; 5]| {
        let mut bounds = Vec::new();
        for (key, percentile) in keys.into_iter().zip(Percentile::ALL) {
            let Some(value) = table.get(key) else {
                continue;
            };
            match read_positive_duration(ctx, value, &table.key(key)) {
                Some(bound) => bounds.push(PercentileBound { percentile, bound }),
                None => ok = false,
            }
        }
        bounds
    };
    let rto = bounds(ctx, RTO_KEYS);
    let yearly_downtime = bounds(ctx, YEARLY_DOWNTIME_KEYS);
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
        rto,
        yearly_downtime,
    };
    ok.then_some(targets)
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
            let quoted = ctx.quote(value);
            ctx.error(
                ModelErrorKind::OutOfRange,
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
fn parse_percentage(digits: &str) -> Option<f64> {
    let digits = digits.trim();
    let plain = digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    plain
        .then(|| format!("{digits}e-2").parse::<f64>().ok())
        .flatten()
}

fn read_services(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Option<Vec<Service>> {
    let table = read_table(ctx, value, "services")?;
    let mut services = Vec::new();
    let mut ok = true;
    for (key, value) in table.entries.iter() {
        let name = key.get_ref().as_ref();
        let path = format!("services.{name}");
        if !valid_name(name) {
            ctx.error(
                ModelErrorKind::BadName,
                key.span(),
                &path,
                name_rule("service"),
            );
            ok = false;
            continue;
        }
        match read_expression(ctx, value, &path, resolve) {
            Some(up) => services.push(Service {
                name: name.to_string(),
                up,
            }),
            None => ok = false,
        }
    }
    ok.then_some(services)
}

fn read_expression(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Option<Expression> {
    let text = read_str(ctx, value, key)?;
    match Expr::parse(text, resolve) {
        Ok(expr) => Some(Expression {
            text: text.to_string(),
            expr,
        }),
        Err(err) => {
            let quoted = ctx.quote(value);
            ctx.error(
                ModelErrorKind::BadExpression,
                value.span(),
                key,
                format!("in {quoted}: {err}"),
            );
            None
        }
    }
}

/// The components, and the name of every `[[component]]` table whose name parsed (by index).
fn read_components(
    ctx: &mut Ctx<'_>,
    top: &mut Table<'_, '_>,
    kubernetes: Option<&Kubernetes>,
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
    let mut components = Vec::new();
    let mut references = Vec::new();
    for (index, item) in array.iter().enumerate() {
        let (name, component) = read_component(ctx, item, index, kubernetes, &mut references);
        if let Some(name) = &name
            && names.contains(&Some(name.clone()))
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
    let mut resolved = true;
    for reference in references {
        resolved &= resolve_reference(ctx, reference, &names, &mut components);
    }
    let all_valid = resolved && components.iter().all(Option::is_some);
    (
        names,
        all_valid.then(|| components.into_iter().flatten().collect()),
    )
}

/// A component's reference to another by name, resolved once every name is known.
struct Reference<'a, 'i> {
    from: usize,
    value: &'a Value<'i>,
    key: String,
    name: String,
    kind: ReferenceKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReferenceKind {
    /// `placement = { with = NAME }`: share the named component's nodes.
    PlacedWith,
    /// `session = { store = NAME, ttl }`: keep a session in the named component.
    SessionStore(Duration),
}

/// Resolves one reference into `components[from]`; false (with an error) when it names
/// nothing usable.
fn resolve_reference(
    ctx: &mut Ctx<'_>,
    reference: Reference<'_, '_>,
    names: &[Option<String>],
    components: &mut [Option<Component>],
) -> bool {
    let target = names
        .iter()
        .position(|n| n.as_deref() == Some(reference.name.as_str()));
    let problem = match target {
        None => Some(format!("no component is named `{}`", reference.name)),
        Some(target) if target == reference.from => {
            Some("a component cannot refer to itself".to_string())
        }
        Some(target)
            if reference.kind == ReferenceKind::PlacedWith
                && components[target].as_ref().is_some_and(|c| c.pod.is_none()) =>
        {
            Some(format!(
                "`{}` runs on no node (it is not a Kubernetes workload)",
                reference.name
            ))
        }
        Some(_) => None,
    };
    if let Some(problem) = problem {
        ctx.error(
            ModelErrorKind::UnknownName,
            reference.value.span(),
            &reference.key,
            problem,
        );
        return false;
    }
    let (Some(target), Some(Some(component))) = (target, components.get_mut(reference.from)) else {
        return true;
    };
    match reference.kind {
        ReferenceKind::PlacedWith => {
            if let Some(pod) = &mut component.pod {
                pod.placement = Placement::With(target);
            }
        }
        ReferenceKind::SessionStore(ttl) => {
            component.session = Some(Session { store: target, ttl });
        }
    }
    true
}

/// One component, and its name whenever the name itself is valid. References to other
/// components are added to `references`, to be resolved when every name is known.
fn read_component<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Value<'i>,
    index: usize,
    kubernetes: Option<&Kubernetes>,
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
    let leader = table
        .get("leader")
        .map(|v| read_leader(ctx, v, &table.key("leader")));
    let pod = kubernetes::read_pod(ctx, &mut table, kubernetes);
    let failures = match (table.get("failure"), &pod) {
        (Some(v), Some((pod, _))) => read_failures(ctx, v, &table.key("failure"), pod.as_ref()),
        (Some(_), None) => None,
        (None, _) => Some(Vec::new()),
    };
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
    let needs = match (needs, replicas) {
        (Some((value, key)), Some(replicas)) => read_needs(ctx, value, &key, replicas),
        (Some(_), None) => None,
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
            leader: leader.flatten(),
            failures: failures?,
            pod: pod?,
            session: session_ok.then_some(None)?,
            reassign: reassign?,
        })
    })();
    (name, component)
}

/// `needs`: an integer from 1 to `replicas`, `"majority"` (floor(n/2) + 1) or `"all"`.
fn read_needs(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str, replicas: u32) -> Option<u32> {
    match value.get_ref() {
        DeValue::String(text) if text.as_ref() == "majority" => Some(replicas / 2 + 1),
        DeValue::String(text) if text.as_ref() == "all" => Some(replicas),
        DeValue::Integer(_) => {
            let needs = read_int(ctx, value, key, 1, MAX_REPLICAS)? as u32;
            if needs > replicas {
                let message =
                    format!("needs {needs} replicas up, but the component has only {replicas}");
                ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
                return None;
            }
            Some(needs)
        }
        _ => {
            let message = format!(
                "`{}` is not allowed; write a number of replicas (1 to {replicas}), \"majority\" or \"all\"",
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

fn read_failures(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    pod: Option<&Pod>,
) -> Option<Vec<FailureMode>> {
    let Some(array) = value.get_ref().as_array() else {
        ctx.error(
            ModelErrorKind::WrongType,
            value.span(),
            key,
            "write failure modes as [[component.failure]] tables",
        );
        return None;
    };
    let mut modes: Vec<FailureMode> = Vec::new();
    let mut ok = true;
    for (index, item) in array.iter().enumerate() {
        match read_failure(ctx, item, &format!("{key}[{index}]"), key, pod) {
            Some(mode) if modes.iter().any(|m| m.name == mode.name) => {
                let message = format!(
                    "two failure modes are named `{}`; names must be unique within a component",
                    mode.name
                );
                ctx.error(
                    ModelErrorKind::Duplicate,
                    item.span(),
                    &format!("{key}.{}", mode.name),
                    message,
                );
                ok = false;
            }
            Some(mode) => modes.push(mode),
            None => ok = false,
        }
    }
    ok.then_some(modes)
}

fn read_failure(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    path: &str,
    parent: &str,
    pod: Option<&Pod>,
) -> Option<FailureMode> {
    let mut table = read_table(ctx, value, path)?;
    let name = table
        .required(ctx, "name", ", e.g. name = \"crash\"")
        .and_then(|v| read_name(ctx, v, &table.key("name"), "failure mode"));
    if let Some(name) = &name {
        table.path = format!("{parent}.{name}");
    }
    let every = table
        .required(
            ctx,
            "every",
            ", the time to this failure, e.g. every = { dist = \"exponential\", mean = \"30d\" }",
        )
        .and_then(|v| read_time_to_failure(ctx, v, &table.key("every")));
    let detect = match table.get("detect") {
        Some(v) => kubernetes::read_detect(ctx, v, &table.key("detect"))
            .filter(|detect| detect_fits_pod(ctx, detect, pod, v, &table.key("detect"))),
        None => Some(Detect::After(Dist::fixed(Duration::ZERO))),
    };
    let repair = table
        .required(
            ctx,
            "repair",
            ", the time from noticed to serving again, e.g. repair = \"30s\"",
        )
        .and_then(|v| {
            let key = table.key("repair");
            let repair = kubernetes::read_repair(ctx, v, &key)?;
            if matches!(repair, Repair::Restart) && pod.is_none() {
                ctx.error(ModelErrorKind::Conflict, v.span(), &key, "\"restart\" needs a Kubernetes workload: add a [kubernetes] table, or give a distribution");
                return None;
            }
            Some(repair)
        });
    table.finish(ctx);
    Some(FailureMode {
        name: name?,
        every: every?,
        detect: detect?,
        repair: repair?,
    })
}

/// Whether `detect` can apply to a replica run by `pod`; reports why not.
fn detect_fits_pod(
    ctx: &mut Ctx<'_>,
    detect: &Detect,
    pod: Option<&Pod>,
    value: &Value<'_>,
    key: &str,
) -> bool {
    let problem = match (detect, pod) {
        (Detect::After(_), _) => return true,
        (_, None) => {
            "needs a Kubernetes workload: add a [kubernetes] table, or give a distribution"
        }
        (Detect::Liveness, Some(pod)) if pod.liveness.is_none() => {
            "needs a liveness probe: add e.g. liveness = { period = \"10s\", timeout = \"1s\", failure_threshold = 3 }"
        }
        _ => return true,
    };
    let quoted = ctx.quote(value);
    ctx.error(
        ModelErrorKind::Conflict,
        value.span(),
        key,
        format!("`{quoted}` {problem}"),
    );
    false
}

/// A time to failure: a distribution whose draws are positive (SPEC section 1).
fn read_time_to_failure(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Dist> {
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

fn read_dist(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Dist> {
    match value.get_ref() {
        DeValue::Table(_) => read_dist_table(ctx, value, key),
        _ => read_duration(ctx, value, key).map(Dist::fixed),
    }
}

const DIST_KINDS: &str = "fixed, exponential, weibull, lognormal, gamma, uniform, empirical";

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
                DistError::NotPositive { name, .. } => format!("{key}.{name}"),
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
    let samples: Vec<Option<Duration>> = array
        .iter()
        .enumerate()
        .map(|(i, v)| read_duration(ctx, v, &format!("{key}[{i}]")))
        .collect();
    samples.into_iter().collect()
}

fn read_number_key(
    ctx: &mut Ctx<'_>,
    table: &mut Table<'_, '_>,
    name: &'static str,
) -> Option<f64> {
    let value = table.required(ctx, name, "")?;
    read_number(ctx, value, &table.key(name))
}

fn read_table<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Value<'i>,
    path: &str,
) -> Option<Table<'a, 'i>> {
    match value.get_ref() {
        DeValue::Table(entries) => Some(Table::new(entries, value.span(), path.to_string())),
        other => {
            let message = format!(
                "expected a table, found {} `{}`",
                other.type_str(),
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), path, message);
            None
        }
    }
}

fn read_str<'a>(ctx: &mut Ctx<'_>, value: &'a Value<'_>, key: &str) -> Option<&'a str> {
    match value.get_ref() {
        DeValue::String(text) => Some(text.as_ref()),
        other => {
            let message = format!(
                "expected a string, found {} `{}`",
                other.type_str(),
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
            None
        }
    }
}

fn read_name(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str, what: &str) -> Option<String> {
    let name = read_str(ctx, value, key)?;
    if valid_name(name) {
        Some(name.to_string())
    } else {
        ctx.error(
            ModelErrorKind::BadName,
            value.span(),
            key,
            format!("`{name}`: {}", name_rule(what)),
        );
        None
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_name_char)
}

fn name_rule(what: &str) -> String {
    format!("a {what} name may use only lowercase letters, digits, `_` and `-`")
}

/// An integer within `[min, max]`.
fn read_int(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
    let quoted = ctx.quote(value);
    let parsed = match value.get_ref() {
        DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix()).ok(),
        _ => {
            ctx.error(
                ModelErrorKind::WrongType,
                value.span(),
                key,
                format!("expected a whole number, found `{quoted}`"),
            );
            return None;
        }
    };
    match parsed {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            ctx.error(
                ModelErrorKind::OutOfRange,
                value.span(),
                key,
                format!("`{quoted}` is out of range; allowed: {min} to {max}"),
            );
            None
        }
    }
}

/// A finite number, integer or float.
fn read_number(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<f64> {
    let parsed = number(value.get_ref()).filter(|n| n.is_finite());
    if parsed.is_none() {
        let quoted = ctx.quote(value);
        ctx.error(
            ModelErrorKind::WrongType,
            value.span(),
            key,
            format!("expected a finite number, found `{quoted}`"),
        );
    }
    parsed
}

fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(float) => float.as_str().parse().ok(),
        _ => None,
    }
}

fn read_duration(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Duration> {
    let quoted = ctx.quote(value);
    match value.get_ref() {
        DeValue::String(text) => match Duration::parse(text) {
            Ok(duration) => Some(duration),
            Err(err) => {
                ctx.error(
                    ModelErrorKind::BadDuration,
                    value.span(),
                    key,
                    format!("{quoted}: {err}"),
                );
                None
            }
        },
        DeValue::Integer(_) | DeValue::Float(_) => {
            let message = format!(
                "`{quoted}` is a bare number; durations need a unit, e.g. \"{quoted}s\" or \"{quoted}ms\""
            );
            ctx.error(ModelErrorKind::BadDuration, value.span(), key, message);
            None
        }
        other => {
            let message = format!(
                "expected a duration such as \"30s\" or a distribution table, found {} `{quoted}`",
                other.type_str()
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
            None
        }
    }
}

fn read_positive_duration(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Duration> {
    let duration = read_duration(ctx, value, key)?;
    if duration == Duration::ZERO {
        ctx.error(
            ModelErrorKind::OutOfRange,
            value.span(),
            key,
            "must be longer than zero",
        );
        return None;
    }
    Some(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "one"
up = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  repair = "1m"
"#;

    fn errors(source: &str) -> Vec<String> {
        match parse(source, "m.toml") {
            Ok(_) => Vec::new(),
            Err(errs) => errs.errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn minimal_model_takes_defaults() {
        let model = parse(MINIMAL, "m.toml").unwrap();
        assert_eq!(model.simulation, Simulation::default());
        let db = &model.components[0];
        assert_eq!((db.replicas, db.needs), (1, 1));
        assert!(matches!(&db.failures[0].detect, Detect::After(d) if d.is_fixed()));
    }

    #[test]
    fn needs_keywords_resolve() {
        for (needs, replicas, expected) in [
            ("\"majority\"", 3, 2),
            ("\"majority\"", 4, 3),
            ("\"all\"", 5, 5),
            ("2", 3, 2),
        ] {
            let source = MINIMAL.replace(
                "name = \"db\"",
                &format!("name = \"db\"\nreplicas = {replicas}\nneeds = {needs}"),
            );
            let model = parse(&source, "m.toml").unwrap();
            assert_eq!(model.components[0].needs, expected, "{needs} of {replicas}");
        }
    }

    #[test]
    fn typo_gets_a_suggestion_with_position() {
        let source = MINIMAL.replace("name = \"db\"", "name = \"db\"\nreplica = 3");
        assert_eq!(
            errors(&source),
            ["m.toml:7:1: component.db.replica: unknown key `replica`; did you mean `replicas`?"]
        );
    }

    #[test]
    fn bare_number_duration_is_rejected() {
        let source = MINIMAL.replace("repair = \"1m\"", "repair = 60");
        assert_eq!(
            errors(&source),
            [
                "m.toml:11:12: component.db.failure.crash.repair: `60` is a bare number; durations need a unit, e.g. \"60s\" or \"60ms\""
            ]
        );
    }

    #[test]
    fn reports_several_errors_in_file_order() {
        let source = MINIMAL
            .replace("up = \"db\"", "up = \"db & cache\"")
            .replace("mean = \"30d\"", "mean = \"30 days\"");
        let found = errors(&source);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0]
                .starts_with("m.toml:3:6: up: in \"db & cache\": no component is named `cache`")
        );
        assert!(found[1].contains("component.db.failure.crash.every.mean"));
    }

    #[test]
    fn zero_time_to_failure_is_rejected() {
        let source = MINIMAL.replace(
            "every = { dist = \"exponential\", mean = \"30d\" }",
            "every = \"0s\"",
        );
        assert_eq!(
            errors(&source),
            [
                "m.toml:10:11: component.db.failure.crash.every: `\"0s\"` is zero, but times to failure must be positive"
            ]
        );
    }

    #[test]
    fn contradictory_distribution_parameters_are_rejected() {
        let cases = [
            (
                "{ dist = \"uniform\", min = \"2s\", max = \"1s\" }",
                "`min` (2s) is larger than `max` (1s)",
            ),
            (
                "{ dist = \"weibull\", shape = 2, mean = \"1s\", scale = \"1s\" }",
                "give either `scale` or `mean`, not both",
            ),
            ("{ dist = \"weibull\", mean = \"1s\" }", "needs `shape`"),
            (
                "{ dist = \"lognormal\", mean = \"1s\" }",
                "lognormal needs either",
            ),
            (
                "{ dist = \"exponential\", mean = \"1s\", sd = \"1s\" }",
                "unknown key `sd`",
            ),
            (
                "{ dist = \"poisson\", mean = \"1s\" }",
                "unknown distribution `poisson`",
            ),
        ];
        for (dist, expected) in cases {
            let source = MINIMAL.replace("repair = \"1m\"", &format!("repair = {dist}"));
            let found = errors(&source);
            assert!(
                found.len() == 1 && found[0].contains(expected),
                "{dist}: {found:?}"
            );
        }
    }

    #[test]
    fn structural_errors_name_the_key() {
        let cases = [
            ("", "the model file is empty"),
            ("name = ", "not valid TOML"),
            ("name = \"x\"\nup = \"a\"\n", "needs `component`"),
            (
                &MINIMAL.replace("name = \"db\"", "name = \"db\"\nreplicas = 0"),
                "component.db.replicas: `0` is out of range",
            ),
            (
                &MINIMAL.replace("name = \"db\"", "name = \"db\"\nneeds = 2"),
                "needs 2 replicas up, but the component has only 1",
            ),
            (
                &MINIMAL.replace("name = \"db\"", "name = \"DB\""),
                "may use only lowercase letters",
            ),
            (
                &MINIMAL.replace("name = \"db\"", "name = \"db\"\nstart = \"20s\""),
                "add a [kubernetes] table",
            ),
            (
                &format!("{MINIMAL}\n[kubernetes]\nnodes = 3\n"),
                "`component.db` needs `start`",
            ),
            (
                &format!("{MINIMAL}\n[slo]\navailability = \"101%\"\n"),
                "slo.availability",
            ),
        ];
        for (source, expected) in cases {
            let found = errors(source);
            assert!(
                found.iter().any(|e| e.contains(expected)),
                "{expected}: {found:?}"
            );
        }
    }

    const SLO: &str = r#"
[services]
read = "db"

[slo]
availability = "99.999%"
miss_probability = "5%"
error_budget = 0.8
rto_p99 = "30s"
rto_p50 = "5s"
yearly_downtime_p95 = "5m"

[slo.services.read]
availability = 0.9995
rto_p999 = "1m"
"#;

    #[test]
    fn slo_targets_for_up_and_services() {
        let model = parse(&format!("{MINIMAL}{SLO}"), "m.toml").unwrap();
        let slo = model.slo().unwrap();
        // The percentage is read exactly: the double nearest 0.99999, not 99.999 / 100.
        assert_eq!(slo.up.availability, Some(0.99999));
        assert_eq!(slo.up.miss_probability, Some(0.05));
        assert_eq!(slo.up.error_budget, Some(0.8));
        let rto: Vec<_> = slo.up.rto.iter().map(|b| (b.percentile, b.bound)).collect();
        assert_eq!(
            rto,
            [
                (Percentile::P50, Duration::from_secs(5)),
                (Percentile::P99, Duration::from_secs(30))
            ]
        );
        assert_eq!(slo.up.yearly_downtime[0].percentile, Percentile::P95);
        let (name, read) = &slo.services[0];
        assert_eq!((name.as_str(), read.availability), ("read", Some(0.9995)));
        assert_eq!(read.rto[0].percentile, Percentile::P999);
    }

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

    #[test]
    fn slo_errors_name_the_key() {
        let cases = [
            (
                "rto_p99 = \"30s\"",
                "rto_p98 = \"30s\"",
                "slo.rto_p98: unknown key `rto_p98`; did you mean",
            ),
            (
                "error_budget = 0.8",
                "error_budget = \"150%\"",
                "slo.error_budget: `\"150%\"` is not a share of the error budget",
            ),
            (
                "miss_probability = \"5%\"",
                "miss_probability = 0",
                "slo.miss_probability: `0` is not a share of years",
            ),
            (
                "rto_p50 = \"5s\"",
                "rto_p50 = \"0s\"",
                "slo.rto_p50: must be longer than zero",
            ),
            (
                "[slo.services.read]",
                "[slo.services.raed]",
                "slo.services.raed: no service is named `raed`; did you mean `read`?",
            ),
            (
                "rto_p999 = \"1m\"",
                "rto_p999 = \"1m\"\nmiss_probability = \"1%\"\navailabilty = \"99%\"",
                "slo.services.read.availabilty: unknown key `availabilty`; did you mean `availability`?",
            ),
        ];
        for (from, to, expected) in cases {
            let source = format!("{MINIMAL}{}", SLO.replace(from, to));
            let found = errors(&source);
            assert!(
                found.len() == 1 && found[0].contains(expected),
                "{to}: {found:?}"
            );
        }
        // A share of years needs the availability target it is measured against.
        let source = format!(
            "{MINIMAL}{}",
            SLO.replace("availability = \"99.999%\"\n", "")
        );
        let found = errors(&source);
        assert!(
            found.len() == 2
                && found
                    .iter()
                    .all(|e| e.contains("is measured against the availability target")),
            "{found:?}"
        );
    }

    #[test]
    fn duplicate_component_names_are_rejected() {
        let source = format!("{MINIMAL}\n[[component]]\nname = \"db\"\n");
        let found = errors(&source);
        assert!(
            found
                .iter()
                .any(|e| e.contains("two components are named `db`")),
            "{found:?}"
        );
    }

    /// Each error's kind and the text its span covers.
    fn kinds_and_spans(source: &str) -> Vec<(ModelErrorKind, &str)> {
        let errors = parse(source, "m.toml").unwrap_err().errors;
        errors
            .iter()
            .map(|e| (e.kind(), &source[e.position().unwrap().span()]))
            .collect()
    }

    #[test]
    fn errors_have_a_kind_and_the_span_of_the_culprit() {
        use ModelErrorKind::*;
        let cases = [
            (
                "name = \"db\"",
                "name = \"db\"\nreplica = 3",
                (UnknownKey, "replica"),
            ),
            (
                "name = \"db\"",
                "name = \"db\"\nreplicas = 0",
                (OutOfRange, "0"),
            ),
            ("name = \"db\"", "name = \"DB\"", (BadName, "\"DB\"")),
            ("repair = \"1m\"", "repair = 60", (BadDuration, "60")),
            (
                "repair = \"1m\"",
                "repair = \"1 min\"",
                (BadDuration, "\"1 min\""),
            ),
            ("repair = \"1m\"", "repair = true", (WrongType, "true")),
            (
                "repair = \"1m\"",
                "repair = { dist = \"poisson\" }",
                (BadDistribution, "\"poisson\""),
            ),
            ("up = \"db\"", "up = \"db &\"", (BadExpression, "\"db &\"")),
            (
                "every",
                "detect = \"exit\"\n  every",
                (Conflict, "\"exit\""),
            ),
        ];
        for (from, to, expected) in cases {
            let source = MINIMAL.replace(from, to);
            assert_eq!(kinds_and_spans(&source), [expected], "{to}");
        }
        let duplicate = format!("{MINIMAL}\n[[component]]\nname = \"db\"\n");
        assert_eq!(kinds_and_spans(&duplicate), [(Duplicate, "[[component]]")]);
        let missing = MINIMAL.replace("repair = \"1m\"", "");
        let errors = parse(&missing, "m.toml").unwrap_err().errors;
        assert_eq!(errors[0].kind(), MissingKey);
        assert_eq!(errors[0].key(), "component.db.failure.crash.repair");
        assert_eq!(kinds_and_spans(""), [(Empty, "")]);
        assert_eq!(kinds_and_spans("name = ")[0].0, Syntax);
    }

    #[test]
    fn positions_of_many_errors_are_found_quickly() {
        // One unknown key per line: placing each error must not rescan the file.
        let keys: String = (0..20_000).map(|i| format!("k{i} = 1\n")).collect();
        let source = format!("{keys}{MINIMAL}");
        let errors = parse(&source, "m.toml").unwrap_err().errors;
        assert_eq!(errors.len(), 20_000);
        let last = errors[19_999].position().unwrap();
        assert_eq!((last.line(), last.column()), (20_000, 1));
        assert_eq!(errors[19_999].kind(), ModelErrorKind::UnknownKey);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("replica", "replicas"), 1);
        assert_eq!(edit_distance("neds", "needs"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }
}
