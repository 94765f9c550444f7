//! `[[component.failure]]`: failure modes, their time to failure, detection and repair.

use super::dist::read_time_to_failure;
use super::kubernetes;
use super::toolkit::{Ctx, Value};
use super::values::{read_name, read_table};
use crate::dist::Dist;
use crate::model::{Detect, FailureMode, ModelErrorKind, Pod, Repair};
use crate::time::Duration;

/// What runs a component's replicas, for the failure modes that need a pod.
#[derive(Clone, Copy)]
pub(super) enum RunBy<'p> {
    /// A Kubernetes workload.
    Pod(&'p Pod),
    /// A Kubernetes workload whose pod keys have errors (reported already): its failure
    /// modes are still checked, so that every error comes in one pass, knowing only
    /// whether it gives a liveness probe.
    BrokenPod {
        /// Whether the component has a `liveness` key.
        liveness: bool,
    },
    /// No `[kubernetes]` table: level 1.
    NoKubernetes,
    /// `workload = "external"` in a model with Kubernetes: outside the cluster.
    External,
}

impl<'p> RunBy<'p> {
    /// Whether Kubernetes runs the component.
    fn has_pod(self) -> bool {
        matches!(self, RunBy::Pod(_) | RunBy::BrokenPod { .. })
    }

    /// Whether the component has a liveness probe (a workload whose pod had errors: whether
    /// it gives one).
    fn has_liveness(self) -> bool {
        match self {
            RunBy::Pod(pod) => pod.liveness.is_some(),
            RunBy::BrokenPod { liveness } => liveness,
            _ => false,
        }
    }

    /// What to do about a value that needs a pod where there is none.
    fn without_pod(self) -> &'static str {
        match self {
            RunBy::External => {
                "needs a Kubernetes workload, and the component is `workload = \"external\"`, \
                 which Kubernetes does not run: give a distribution, or run it in the cluster"
            }
            _ => "needs a Kubernetes workload: add a [kubernetes] table, or give a distribution",
        }
    }
}

/// The `[[component.failure]]` array of a component run by `run_by`, with unique names.
pub(super) fn read_failures(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    run_by: RunBy<'_>,
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
        match read_failure(ctx, item, &format!("{key}[{index}]"), key, run_by) {
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

/// One failure mode; `path` names it until its name is known, under `parent`.
fn read_failure(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    path: &str,
    parent: &str,
    run_by: RunBy<'_>,
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
            .filter(|detect| detect_fits_pod(ctx, detect, run_by, v, &table.key("detect"))),
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
            if matches!(repair, Repair::Restart) && !run_by.has_pod() {
                let message = format!("\"restart\" {}", run_by.without_pod());
                ctx.error(ModelErrorKind::Conflict, v.span(), &key, message);
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

/// Whether `detect` can apply to a replica run by `run_by`; reports why not.
fn detect_fits_pod(
    ctx: &mut Ctx<'_>,
    detect: &Detect,
    run_by: RunBy<'_>,
    value: &Value<'_>,
    key: &str,
) -> bool {
    let problem = match detect {
        Detect::After(_) => return true,
        _ if !run_by.has_pod() => run_by.without_pod(),
        Detect::Liveness if !run_by.has_liveness() => {
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
