//! `nines explain`: failover timelines and availability estimates in closed form.
//!
//! Nothing here is simulated. Each phase of a failure (detect, elect, repair) is a random
//! variable built from the model's distributions and the Kubernetes and consensus
//! mechanics, read from their statements in `mechanics` (the ones the engine samples);
//! means are exact, a single distribution's 99th percentile too, and 99th percentiles of
//! sums and minima are computed from quantile grids, deterministically (`rv`).
//!
//! The availability estimate treats replicas as independent alternating renewal
//! processes: a replica with failure modes of rates `λ_m` and mean downtimes `D_m` is down
//! a fraction `Σ λ_m D_m / (1 + Σ λ_m D_m)` of the time when its times to failure are
//! exponential (or it has one mode), and with modes of other distributions, which race
//! afresh after each repair, `Σ P_m D_m / (E[min T] + Σ P_m D_m)` (`race`); both are exact
//! in the long run by renewal-reward. A component needing `k` of `n` is up with the
//! binomial probability of at least `k` up replicas; a leader adds the downtime of an
//! election at every loss of the leader and every return to `k` up replicas after too
//! few; the system combines independent components through its expression, conditioning on
//! the components it names more than once (`expression`). The estimate is exact for
//! components without a leader, node failures or sessions; elsewhere it shows the orders of
//! magnitude and where the naive `1-(1-A)^n` goes wrong, and `nines run` gives the exact
//! figure.

mod data;
mod drain;
mod exact;
mod expression;
mod race;
mod requests;
mod rv;
mod upgrade;

pub use drain::DrainEstimate;
pub use exact::{exact_availability, exact_availability_of, structurally_exact};
pub use upgrade::UpgradeEstimate;

use crate::dist::Dist;
use crate::expr::Expr;
use crate::math;
use crate::mechanics::failure::{Detect, Repair};
use crate::mechanics::leader::Leader;
use crate::mechanics::lease;
use crate::mechanics::node::{NodeFailure, NodeLifecycle};
use crate::mechanics::pod::Pod;
use crate::model::Model;
use crate::plan;
use crate::time::Duration;
pub use data::{DataExplanation, IncidentEstimate, Layer};
pub use requests::{CauseRequests, RequestEstimate, Window};
pub use rv::Combinations;
use rv::{Combiner, GRID, Rv};
use serde::Serialize;

/// A phase's mean and 99th percentile, in seconds.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct PhaseSummary {
    /// Mean.
    pub mean_s: f64,
    /// 99th percentile.
    pub p99_s: f64,
}

/// The failover timeline of one failure mode of one component.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Timeline {
    /// `component/mode`.
    pub cause: String,
    /// Failures of one replica per year: its rate in up time times the share of the time it
    /// is up (for one failure mode, `1y / (MTTF + mean downtime)`).
    pub per_replica_per_year: f64,
    /// Failure to noticed.
    pub detect: PhaseSummary,
    /// The election when the failing replica held the leader office (zero without one).
    pub elect: PhaseSummary,
    /// Noticed to serving again by the replica's own repair.
    pub repair: PhaseSummary,
    /// With reassignment, the mean time the share's reload adds to detect + repair
    /// (negative when another replica loads it sooner than the restart); zero without.
    /// The means of detect and repair and this add up to the mean of `down`.
    pub reload_s: f64,
    /// The replica's whole downtime: detect + repair, or with reassignment until its share
    /// serves again.
    pub down: PhaseSummary,
    /// The failure mode's mean time to failure, in seconds of up time.
    pub mttf_s: f64,
    /// When the component's failure modes race and not all are exponential: the
    /// probability that this mode is the first to strike after a repair (`P_i =
    /// ∫ Π_{j≠i} S_j dF_i`); with exponential modes only it is the mode's share of the rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<f64>,
    /// The component's index in the model.
    #[serde(skip)]
    pub component: usize,
}

/// A phase that takes no time.
const NO_TIME: PhaseSummary = PhaseSummary {
    mean_s: 0.0,
    p99_s: 0.0,
};

/// The phases of one timeline.
struct Phases<'a> {
    detect: &'a Rv,
    elect: Option<&'a Rv>,
    repair: PhaseSummary,
    down: &'a Rv,
}

impl Timeline {
    fn new(cause: String, component: usize, rate: f64, phases: Phases<'_>) -> Timeline {
        Timeline {
            cause,
            per_replica_per_year: rate * Duration::YEAR.as_secs_f64(),
            detect: phases.detect.summary(),
            elect: phases.elect.map_or(NO_TIME, Rv::summary),
            repair: phases.repair,
            reload_s: phases.down.mean - phases.detect.mean - phases.repair.mean_s,
            down: phases.down.summary(),
            mttf_s: 1.0 / rate,
            first: None,
            component,
        }
    }
}

/// The phase from `start` to `end`: the difference of the means, and `end`'s p99 less
/// `start`'s mean (a p99 of a difference is not in the summaries).
fn between(start: &Rv, end: &Rv) -> PhaseSummary {
    PhaseSummary {
        mean_s: end.mean - start.mean,
        p99_s: end.p99() - start.mean,
    }
}

/// One component's availability, estimated and naive.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ComponentEstimate {
    /// The component's name.
    pub name: String,
    /// Replicas.
    pub replicas: u32,
    /// Replicas needed to serve.
    pub needs: u32,
    /// One replica's availability.
    pub replica_availability: f64,
    /// When the failure modes race and not all are exponential: a replica's mean up time
    /// between repairs, `E[min T] = ∫ Π S_i(t) dt` over the modes' survival functions, in
    /// seconds (the availability is then `E[min T] / (E[min T] + Σ P_i D_i)`, `P_i` each
    /// mode's [`Timeline::first`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_up_s: Option<f64>,
    /// The estimate: at least `needs` up, less elections.
    pub availability: f64,
    /// The probability that at least `needs` independent replicas are up.
    pub quorum: f64,
    /// The share of time lost to elections while a quorum is up.
    pub election_loss: f64,
    /// The naive `1-(1-A)^n`.
    pub naive: f64,
    /// Why the two differ.
    pub why: Vec<Reason>,
}

/// Component names of the Milvus roles (coordinators, workers, standalone), by which a model
/// is taken for a Milvus layout.
const MILVUS_ROLES: [&str; 10] = [
    "rootcoord",
    "querycoord",
    "datacoord",
    "indexcoord",
    "mixcoord",
    "querynode",
    "datanode",
    "indexnode",
    "streamingnode",
    "standalone",
];

/// Whether `model` is a Milvus layout: a component is named after a Milvus role. The
/// course's rules of thumb are about Milvus, so `explain` shows them for such a model only
/// (or when asked).
pub fn is_milvus_layout(model: &Model) -> bool {
    model
        .components()
        .iter()
        .any(|c| MILVUS_ROLES.contains(&c.name.as_str()))
}

/// Everything `nines explain` reports.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Explanation {
    /// The model's name.
    pub model: String,
    /// One timeline per failure mode (and per node failure, as `component/node`).
    pub timelines: Vec<Timeline>,
    /// One estimate per component.
    pub components: Vec<ComponentEstimate>,
    /// The system's estimated availability.
    pub availability: f64,
    /// The system's naive availability.
    pub naive: f64,
    /// Each service's estimated and naive availability.
    pub services: Vec<(String, f64, f64)>,
    /// Common rules of thumb (the Milvus course's among them) checked against the model.
    pub rules_of_thumb: Vec<RuleOfThumb>,
    /// The causes whose figures are beyond what the closed form can evaluate (an extreme
    /// shape makes a mean or a percentile infinite, or longer than any model duration);
    /// when there are any, no figure of the explanation is meaningful.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub beyond_closed_form: Vec<String>,
    /// For a model with planned work, each upgraded component's downtime per upgrade.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upgrades: Vec<UpgradeEstimate>,
    /// For a model with node drains, each pod component's downtime per drain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drains: Vec<DrainEstimate>,
    /// The causes whose percentiles (and the means of races, such as a restart against a
    /// session's expiry) come from a coarse grid: a model of thousands of distinct
    /// components needs more combinations of distributions than `explain` evaluates in full.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<String>,
    /// The expressions (`up`, or a service's name) that name so many components more than
    /// once that their estimates treat each name as an independent copy (the product
    /// formula) instead of conditioning on the repeated components: only approximations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repeated_as_independent: Vec<String>,
    /// For a model with `[traffic]`: the system's and each counted service's failed
    /// requests per cause and request success, beside the time-based estimate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestEstimate>,
    /// For a model with incidents: each one's RPO and RTO, and the three layers of data
    /// protection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_protection: Option<DataExplanation>,
    /// The downtime the availability estimates leave out, which `nines run` counts:
    /// `incidents` and `planned work`, for a model with them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_in_estimates: Vec<&'static str>,
}

impl Explanation {
    /// Whether every figure is one the closed form could evaluate.
    pub fn is_evaluable(&self) -> bool {
        self.beyond_closed_form.is_empty()
    }
}

/// Whether a figure in seconds is one the closed form evaluated: finite, not negative, and
/// within the longest duration a model can state.
fn evaluated(secs: f64) -> bool {
    secs.is_finite() && (0.0..=Duration::MAX_MODEL.as_secs_f64()).contains(&secs)
}

/// The causes of `timelines` with a figure beyond evaluation.
fn beyond_closed_form(timelines: &[Timeline]) -> Vec<String> {
    timelines
        .iter()
        .filter(|t| {
            let phases = [t.detect, t.elect, t.repair, t.down];
            !t.per_replica_per_year.is_finite()
                || phases
                    .iter()
                    .any(|p| !evaluated(p.mean_s) || !evaluated(p.p99_s))
        })
        .map(|t| t.cause.clone())
        .collect()
}

/// Why a component's estimate differs from the naive `1-(1-A)^n` (`report` says it in
/// words, in the JSON too).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reason {
    /// The component needs more than one replica up.
    Quorum {
        /// Replicas needed.
        needs: u32,
        /// Replicas.
        replicas: u32,
    },
    /// Every loss of the leader, and every return to enough replicas after too few, costs
    /// an election.
    Election {
        /// The election's mean, in seconds.
        mean_s: f64,
        /// Its 99th percentile, in seconds.
        p99_s: f64,
        /// The share of the time lost to elections.
        unavailability: f64,
    },
    /// Replicas share failing nodes, which the estimate treats as independent.
    SharedNodes,
    /// The liveness probe kills a restarted container before it serves (CrashLoopBackOff,
    /// which the estimate leaves out).
    LivenessKillsStart {
        /// The probability, per restart.
        probability: f64,
    },
}

/// A common claim about failover (the Milvus course's among them), and this model's
/// figures for it (`report` says it in words, in the JSON too).
#[derive(Clone, Debug, PartialEq)]
pub enum RuleOfThumb {
    /// "A failure is noticed within 3-5 s."
    Detection {
        /// Causes noticed within 5 s on average.
        within: usize,
        /// All causes.
        causes: usize,
        /// Mean detection times over the causes.
        detection: Span,
    },
    /// "Failover (a new leader) takes 5-15 s."
    Failover {
        /// Mean election times over the causes with an election.
        elections: Span,
    },
    /// "A failed replica is back in tens of seconds (RTO 10-38 s)."
    Recovery {
        /// Mean replica downtimes over the causes.
        down: Span,
    },
    /// "Availability is 1-(1-A)^n."
    Naive {
        /// The naive formula's system availability.
        naive: f64,
        /// The estimate's.
        estimate: f64,
    },
}

impl RuleOfThumb {
    /// Whether the model bears the claim out.
    pub fn holds(&self) -> bool {
        match self {
            RuleOfThumb::Detection { detection, .. } => detection.high <= 5.0,
            RuleOfThumb::Failover { elections } => elections.low >= 5.0 && elections.high <= 15.0,
            RuleOfThumb::Recovery { down } => down.high <= 38.0,
            RuleOfThumb::Naive { naive, estimate } => {
                let (down, naive_down) = (1.0 - estimate, 1.0 - naive);
                (down - naive_down).abs() <= 0.1 * down.max(naive_down)
            }
        }
    }
}

/// The least and the greatest of one figure over several causes, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// The least.
    pub low: f64,
    /// The cause with the least.
    pub low_cause: String,
    /// The greatest.
    pub high: f64,
    /// The cause with the greatest.
    pub high_cause: String,
}

impl Span {
    /// The span of `pick` over `timelines`; `None` when there are none.
    fn of(pick: fn(&Timeline) -> f64, timelines: &[&Timeline]) -> Option<Span> {
        let low = timelines
            .iter()
            .min_by(|a, b| pick(a).total_cmp(&pick(b)))?;
        let high = timelines
            .iter()
            .max_by(|a, b| pick(a).total_cmp(&pick(b)))?;
        Some(Span {
            low: pick(low),
            low_cause: low.cause.clone(),
            high: pick(high),
            high_cause: high.cause.clone(),
        })
    }
}

/// The replicas' own recovery: the longest failover of any failure mode of a component
/// whose replicas take over from one another (more replicas than it needs, or a leader):
/// the election where the failing replica led; none (0) where no leader is lost.
fn failover(timelines: &[Timeline], model: &Model) -> PhaseSummary {
    // A set, not a scan of the components per cause: 100,000 components made that
    // quadratic.
    let takes_over: std::collections::HashSet<&str> = (model.components().iter())
        .filter(|c| c.replicas > c.needs || c.leader.is_some())
        .map(|c| c.name.as_str())
        .collect();
    let redundant = |t: &&Timeline| {
        let name = t.cause.split_once('/').map_or("", |(name, _)| name);
        takes_over.contains(name)
    };
    // A leader's office is filled from the failure on (the election or the lease's expiry
    // does not wait for the detection): that is the outage. Losing another replica of a
    // redundant component is none (the others serve; its requests fail until the loss is
    // noticed, which the requests' figures count), and its `elect` is 0.
    let zero = PhaseSummary {
        mean_s: 0.0,
        p99_s: 0.0,
    };
    timelines
        .iter()
        .filter(redundant)
        .map(|t| t.elect)
        .fold(zero, |a, b| if b.mean_s > a.mean_s { b } else { a })
}

/// Builds the explanation of `model`.
pub fn explain(model: &Model) -> Explanation {
    explain_with(model, &mut Combiner::default())
}

/// Builds the explanation of `model` as [`explain`] does, taking the grids of combinations
/// that earlier explanations made from `made` and keeping its own there: the same
/// explanation, made faster for models alike (the variants of a comparison).
pub fn explain_reusing(model: &Model, made: &mut Combinations) -> Explanation {
    let mut c = Combiner::default();
    std::mem::swap(&mut c.made, made);
    let explanation = explain_with(model, &mut c);
    std::mem::swap(&mut c.made, made);
    explanation
}

/// Builds the explanation of `model`, combining variables with `c`.
fn explain_with(model: &Model, c: &mut Combiner) -> Explanation {
    let mut timelines: Vec<Timeline> = Vec::new();
    let mut components = Vec::new();
    let mut approximate = Vec::new();
    // Beside each timeline, the windows in which its failures fail requests; per component,
    // its election.
    let mut windows: Vec<requests::Windows> = Vec::new();
    let mut elections = Vec::new();
    let kubernetes = model.kubernetes();
    let nodes = kubernetes.and_then(|k| {
        let failure = plan::node_failure(k.node_failure.as_ref()?);
        Some((failure, plan::node_lifecycle(k)))
    });
    for (index, component) in model.components().iter().enumerate() {
        let (first_timeline, coarse_before) = (timelines.len(), c.coarse());
        let pod = component
            .pod
            .as_ref()
            .zip(kubernetes)
            .map(|(pod, kubernetes)| plan::pod(pod, kubernetes));
        let pod = pod.as_ref();
        let elect = component
            .leader
            .as_ref()
            .map(|leader| election(&plan::leader(leader), component.replicas, c));
        let mut rates_and_downs: Vec<(f64, f64)> = Vec::new();
        let mut everys: Vec<&Dist> = Vec::new();
        for mode in &component.failures {
            everys.push(&mode.every);
            let rate = 1.0 / mode.every.mean_secs();
            let detect_mode = plan::detect(&mode.detect, kubernetes);
            let detect = detection(&detect_mode, pod);
            let repair = recovery(&plan::repair(&mode.repair), &detect_mode, pod, c);
            let down = with_reassignment(c.plus(&detect, &repair), component, c);
            rates_and_downs.push((rate, down.mean));
            windows.push(requests::Windows {
                component: components.len(),
                routed: routed(&detect, &detect_mode, pod, c),
                down: down.clone(),
            });
            let cause = format!("{}/{}", component.name, mode.name);
            let phases = Phases {
                detect: &detect,
                elect: elect.as_ref(),
                repair: repair.summary(),
                down: &down,
            };
            timelines.push(Timeline::new(cause, index, rate, phases));
        }
        if let Some((rate, (detect, down))) = pod
            .zip(nodes.as_ref())
            .map(|(pod, (failure, lifecycle))| node_failure(failure, lifecycle, pod, c))
        {
            // A replica lost with its node stops renewing its session as one that crashed.
            let down = with_reassignment(down, component, c);
            everys.extend(nodes.as_ref().map(|(failure, _)| &failure.every));
            rates_and_downs.push((rate, down.mean));
            let propagation = Rv::duration(pod.map_or(Duration::ZERO, |p| p.endpoint_propagation));
            windows.push(requests::Windows {
                component: components.len(),
                routed: c.plus(&detect, &propagation),
                down: down.clone(),
            });
            // Repair: eviction or the node's return, after detection.
            let phases = Phases {
                detect: &detect,
                elect: elect.as_ref(),
                repair: between(&detect, &down),
                down: &down,
            };
            let cause = format!("{}/node", component.name);
            timelines.push(Timeline::new(cause, index, rate, phases));
        }
        if c.coarse() > coarse_before {
            approximate.extend(timelines[first_timeline..].iter().map(|t| t.cause.clone()));
        }
        let first = timelines.len() - rates_and_downs.len();
        let up = replica_up(
            &everys,
            &rates_and_downs,
            &mut timelines[first..],
            &mut c.made,
        );
        let (replica, rate_while_up) = (up.availability, up.rate_while_up);
        let quorum = at_least(component.replicas, component.needs, replica);
        let election_loss = elect.as_ref().map_or(0.0, |e| {
            elections_per_year(component.replicas, component.needs, replica, rate_while_up) * e.mean
        });
        let naive = 1.0 - math::powi(1.0 - replica, component.replicas);
        let mut why = reasons(
            component.replicas,
            component.needs,
            election_loss,
            elect.as_ref(),
            model,
        );
        let kills = pod.and_then(|pod| liveness_kills_start(pod, c));
        if let Some(probability) = kills.filter(|p| *p > 1e-3) {
            why.push(Reason::LivenessKillsStart { probability });
        }
        elections.push(elect);
        components.push(ComponentEstimate {
            name: component.name.clone(),
            replicas: component.replicas,
            needs: component.needs,
            replica_availability: replica,
            mean_up_s: up.mean_up_s,
            availability: (quorum - election_loss).clamp(0.0, 1.0),
            quorum,
            election_loss,
            naive,
            why,
        });
    }
    let estimated: Vec<f64> = components.iter().map(|c| c.availability).collect();
    let naive: Vec<f64> = components.iter().map(|c| c.naive).collect();
    let mut repeated_as_independent = Vec::new();
    let mut evaluate = |name: &str, expr: &Expr| {
        let (estimate, naive) = (
            expression::availability(expr, &estimated),
            expression::availability(expr, &naive),
        );
        if estimate.approximate {
            repeated_as_independent.push(name.to_string());
        }
        (estimate.value, naive.value)
    };
    let (availability, naive_availability) = evaluate("up", &model.up().expr);
    let services = model.services().iter().map(|s| {
        let (estimate, naive) = evaluate(&s.name, &s.up.expr);
        (s.name.clone(), estimate, naive)
    });
    let services: Vec<(String, f64, f64)> = services.collect();
    let rules_of_thumb = rules_of_thumb(&timelines, availability, naive_availability);
    let beyond_closed_form = beyond_closed_form(&timelines);
    let estimates: Vec<f64> = std::iter::once(availability)
        .chain(services.iter().map(|s| s.1))
        .collect();
    let requests = requests::estimates(
        model,
        &timelines,
        &windows,
        &elections,
        &components,
        &estimates,
    );
    let data_protection = data::explain_data(model, failover(&timelines, model), c);
    Explanation {
        not_in_estimates: not_in_estimates(model),
        requests,
        data_protection,
        beyond_closed_form,
        upgrades: upgrade::upgrades(model, c),
        drains: drain::drains(model, c),
        approximate,
        repeated_as_independent,
        model: model.name().to_string(),
        timelines,
        availability,
        naive: naive_availability,
        rules_of_thumb,
        services,
        components,
    }
}

/// The downtime of `model` that the availability estimates leave out: its incidents' and
/// its planned work's (each has figures of its own in the explanation, where a closed form
/// exists).
fn not_in_estimates(model: &Model) -> Vec<&'static str> {
    let incidents = (!model.data().is_empty()).then_some("incidents");
    let planned = model.maintenance().map(|_| "planned work");
    incidents.into_iter().chain(planned).collect()
}

/// Failure to noticed: a drawn delay, the kubelet's next re-list, or the liveness probe's
/// detection over a uniform ticker phase.
fn detection(detect: &Detect, pod: Option<&Pod>) -> Rv {
    match detect {
        Detect::After(dist) => Rv::dist(dist),
        Detect::Exit { within } => Rv::uniform(0.0, within.as_secs_f64()),
        Detect::Liveness => match pod.and_then(|p| p.probes.liveness) {
            Some(probe) => {
                let fixed = probe.hang_detected_after_first_tick().as_secs_f64();
                Rv::uniform(fixed, fixed + probe.period.as_secs_f64())
            }
            None => Rv::constant(0.0),
        },
    }
}

/// How long a failed replica stays routed, as `mechanics::routing::routed_for` states it:
/// until detection, or the readiness probe's for a hang if that comes first, then endpoint
/// propagation.
fn routed(detect: &Rv, mode: &Detect, pod: Option<&Pod>, c: &mut Combiner) -> Rv {
    let readiness = pod
        .and_then(|p| p.probes.readiness)
        .filter(|_| matches!(mode, Detect::Liveness))
        .map(|probe| {
            let fixed = probe.hang_detected_after_first_tick().as_secs_f64();
            Rv::uniform(fixed, fixed + probe.period.as_secs_f64())
        });
    let noticed = match readiness {
        Some(readiness) => c.min(detect, &readiness),
        None => detect.clone(),
    };
    let propagation = pod.map_or(Duration::ZERO, |p| p.endpoint_propagation);
    c.plus(&noticed, &Rv::duration(propagation))
}

/// Noticed to serving again: a drawn repair, or a first restart (no back-off): the kill
/// of a hung process, start, the first passing readiness tick, propagation.
fn recovery(repair: &Repair, detect: &Detect, pod: Option<&Pod>, c: &mut Combiner) -> Rv {
    match (repair, pod) {
        (Repair::After(dist), _) => Rv::dist(dist),
        (Repair::Restart, Some(pod)) => {
            let kill = Rv::duration(detect.kill_delay(pod.termination_grace_period));
            let serving = start_to_serving(pod, c);
            c.plus(&kill, &serving)
        }
        (Repair::Restart, None) => Rv::constant(0.0),
    }
}

/// From container start to serving: start, then readiness, then propagation.
fn start_to_serving(pod: &Pod, c: &mut Combiner) -> Rv {
    let started = Rv::dist(&pod.start);
    let ready = match &pod.probes.readiness {
        Some(probe) => {
            let period = probe.period.as_secs_f64();
            let waits = started.at_least(probe.initial_delay.as_secs_f64());
            let ticked = c.plus(&waits, &Rv::uniform(0.0, period));
            c.plus(&ticked, &Rv::duration(probe.successes_after_first()))
        }
        None => started,
    };
    c.plus(&ready, &Rv::duration(pod.endpoint_propagation))
}

/// [`liveness_kills_start`] on its own, for the model warnings of `run` and `sweep`.
pub fn liveness_kill_chance(pod: &Pod) -> Option<f64> {
    liveness_kills_start(pod, &mut Combiner::default())
}

/// The probability that the liveness probe kills a restarted container before its process
/// serves: the start outlasting the first probe after `initial_delay` plus
/// `failure_threshold - 1` periods. Zero with a startup probe, which holds liveness off.
fn liveness_kills_start(pod: &Pod, c: &mut Combiner) -> Option<f64> {
    let probe = pod
        .probes
        .liveness
        .filter(|_| pod.probes.startup.is_none())?;
    let period = probe.period.as_secs_f64();
    let window = c.plus(
        &Rv::uniform(0.0, period),
        &Rv::duration(
            probe
                .initial_delay
                .saturating_add(probe.failures_after_first()),
        ),
    );
    let start = Rv::dist(&pod.start);
    // The window's grid is sorted (a uniform grid, shifted), so the windows a start
    // outlasts are a prefix of it.
    let killed = start
        .grid
        .iter()
        .map(|s| window.grid.partition_point(|w| s > w))
        .sum::<usize>();
    Some(killed as f64 / (GRID * GRID) as f64)
}

/// A replica's downtime `down` (from its failure until it serves again) for a component
/// whose share of data is reassigned (Milvus query nodes): the share needs a load either
/// way, on the restarted replica, or on another once the session expired, whichever comes
/// first (`engine::replicas::with_reload`). Without reassignment, `down` unchanged.
fn with_reassignment(down: Rv, component: &crate::model::Component, c: &mut Combiner) -> Rv {
    let (Some(reassign), Some(session)) = (&component.reassign, &component.session) else {
        return down;
    };
    let expired = Rv::dist(&lease::remaining(session.ttl));
    let first = c.min(&down, &expired);
    c.plus(&first, &Rv::dist(&reassign.load))
}

/// A node failure as seen by a replica of `pod`: the rate (per replica, per second), and
/// (detection, whole downtime).
fn node_failure(
    failure: &NodeFailure,
    lifecycle: &NodeLifecycle,
    pod: &Pod,
    c: &mut Combiner,
) -> (f64, (Rv, Rv)) {
    let detect = c.plus(
        &Rv::duration(lifecycle.grace),
        &Rv::uniform(0.0, lifecycle.monitor_period.as_secs_f64()),
    );
    let serving = start_to_serving(pod, c);
    let back_in_place = c.plus(&Rv::dist(&failure.repair), &serving);
    let down = if pod.moves_off_failed_nodes {
        let evicted = c.plus(&detect, &Rv::duration(lifecycle.toleration));
        let restarted = c.plus(&evicted, &serving);
        c.min(&restarted, &back_in_place)
    } else {
        back_in_place
    };
    (1.0 / failure.every.mean_secs(), (detect, down))
}

/// One replica's long-run figures: its availability, its failures a second while up, and
/// with racing modes not all exponential its mean up time between repairs.
struct ReplicaUp {
    availability: f64,
    rate_while_up: f64,
    mean_up_s: Option<f64>,
}

/// One replica's long-run availability from its failure modes' times to failure `everys`
/// and their (rate, mean downtime)s, setting each mode's failures a year in `timelines`
/// (the replica's, in the same order). With one mode, or exponential modes only, a replica
/// with failure rates `λ_m` and mean downtimes `D_m` is up a share `1 / (1 + Σ λ_m D_m)`;
/// otherwise the modes race ([`race`]) and the share is `E[min T] / (E[min T] + Σ P_m D_m)`.
/// Both are exact in the long run by renewal-reward, as the engine draws every mode afresh
/// after each repair.
fn replica_up(
    everys: &[&Dist],
    rates_and_downs: &[(f64, f64)],
    timelines: &mut [Timeline],
    made: &mut Combinations,
) -> ReplicaUp {
    if everys.len() <= 1 || everys.iter().all(|every| every.is_exponential()) {
        let load: f64 = rates_and_downs.iter().map(|(rate, down)| rate * down).sum();
        // A replica fails only while up, a share 1 / (1 + load) of the time: a failure
        // every millisecond of up time with a two-year repair is half a failure a year.
        for timeline in timelines.iter_mut() {
            timeline.per_replica_per_year /= 1.0 + load;
        }
        return ReplicaUp {
            availability: 1.0 / (1.0 + load),
            rate_while_up: rates_and_downs.iter().map(|(rate, _)| rate).sum(),
            mean_up_s: None,
        };
    }
    let race = made.race(everys);
    let down: f64 = (race.first.iter().zip(rates_and_downs))
        .map(|(first, (_, down))| first * down)
        .sum();
    let cycle = race.mean_up_s + down;
    for (timeline, first) in timelines.iter_mut().zip(&race.first) {
        timeline.per_replica_per_year = first / cycle * Duration::YEAR.as_secs_f64();
        timeline.first = Some(*first);
    }
    ReplicaUp {
        availability: race.mean_up_s / cycle,
        rate_while_up: 1.0 / race.mean_up_s,
        mean_up_s: Some(race.mean_up_s),
    }
}

/// Elections a year of a leader office among `n` replicas that each fail at `rate` a year
/// while up and are up a share `a` of the time, `needs` of them needed (see
/// `docs/semantics.md`: the office is vacated when the leader fails and when fewer than
/// `needs` are up, and an election runs once `needs` are up again). Two kinds, each
/// costing an election of downtime:
/// - the leader (always an up replica) fails while at least `needs` others are up, so an
///   election starts at once: `rate · P(at least needs + 1 of n up)`;
/// - the component comes back to `needs` up after too few, as often as it falls from
///   `needs` to one fewer: `P(exactly needs up) · needs · rate` (in the long run each way
///   across the boundary is crossed equally often).
///
/// With `needs = n` only the second kind occurs: every failure costs an election after its
/// repair.
fn elections_per_year(n: u32, needs: u32, a: f64, rate: f64) -> f64 {
    let spare = rate * at_least(n, needs + 1, a);
    let exactly_needs = at_least(n, needs, a) - at_least(n, needs + 1, a);
    spare + exactly_needs * f64::from(needs) * rate
}

/// The duration of an election after the leader's loss with `replicas` members: the
/// candidates are the other members.
fn election(leader: &Leader, replicas: u32, c: &mut Combiner) -> Rv {
    match leader {
        Leader::Election(dist) => Rv::dist(dist),
        Leader::Raft(raft) => {
            let k = replicas.saturating_sub(1);
            let first = Rv::from_quantile(raft.first_timeout_mean_secs(k), |p| {
                raft.first_timeout_quantile_secs(k, p)
            });
            let h = raft.heartbeat.as_secs_f64();
            let spread = c.plus(&first, &Rv::uniform(-h, 0.0));
            c.plus(&spread, &Rv::duration(raft.rounds()))
        }
        Leader::Lease(lease) => c.plus(&Rv::dist(&lease.remaining()), &Rv::dist(&lease.takeover)),
    }
}

/// P(at least `needs` of `n` independent replicas up), each up with probability `a`.
fn at_least(n: u32, needs: u32, a: f64) -> f64 {
    if n <= DIRECT_BINOMIAL {
        at_least_direct(n, needs, a)
    } else {
        at_least_in_logs(n, needs, a)
    }
}

/// The largest `n` whose binomial coefficients are all finite in `f64` (C(1020, 510) is
/// about 1e306): up to it the terms are products of the coefficient and the powers, which
/// give the shipped models' estimates to the last bit.
const DIRECT_BINOMIAL: u32 = 1020;

/// [`at_least`] as the sum of `C(n, k) a^k (1-a)^(n-k)`, each coefficient from the one
/// before.
fn at_least_direct(n: u32, needs: u32, a: f64) -> f64 {
    let mut coefficient = 1.0;
    let mut sum = 0.0;
    for k in 0..=n {
        if k >= needs {
            sum += coefficient * math::powi(a, k) * math::powi(1.0 - a, n - k);
        }
        coefficient = coefficient * f64::from(n - k) / f64::from(k + 1);
    }
    sum
}

/// [`at_least`] for a large `n`: the terms in log space, each from the one before, so that
/// no coefficient overflows and no power underflows into `inf * 0`.
fn at_least_in_logs(n: u32, needs: u32, a: f64) -> f64 {
    if a >= 1.0 {
        return 1.0;
    }
    if a <= 0.0 {
        return f64::from(u8::from(needs == 0));
    }
    let odds = math::ln(a / (1.0 - a));
    // ln P(exactly k up), from k = 0 on.
    let mut log_term = f64::from(n) * math::ln_1p(-a);
    let mut sum = 0.0;
    for k in 0..=n {
        if k >= needs {
            sum += math::exp(log_term);
        }
        log_term += math::ln(f64::from(n - k) / f64::from(k + 1)) + odds;
    }
    sum.min(1.0)
}

/// Checks the usual claims (detection in 3-5 s, failover in 5-15 s, the naive formula)
/// against the model's timelines and estimates.
fn rules_of_thumb(timelines: &[Timeline], availability: f64, naive: f64) -> Vec<RuleOfThumb> {
    let mut rules = Vec::new();
    let all: Vec<&Timeline> = timelines.iter().collect();
    if let Some(detection) = Span::of(|t| t.detect.mean_s, &all) {
        rules.push(RuleOfThumb::Detection {
            within: all.iter().filter(|t| t.detect.mean_s <= 5.0).count(),
            causes: all.len(),
            detection,
        });
    }
    let led: Vec<&Timeline> = timelines.iter().filter(|t| t.elect.mean_s > 0.0).collect();
    if let Some(elections) = Span::of(|t| t.elect.mean_s, &led) {
        rules.push(RuleOfThumb::Failover { elections });
    }
    if let Some(down) = Span::of(|t| t.down.mean_s, &all) {
        rules.push(RuleOfThumb::Recovery { down });
    }
    rules.push(RuleOfThumb::Naive {
        naive,
        estimate: availability,
    });
    rules
}

fn reasons(
    replicas: u32,
    needs: u32,
    election_loss: f64,
    elect: Option<&Rv>,
    model: &Model,
) -> Vec<Reason> {
    let mut why = Vec::new();
    if replicas > 1 && needs > 1 {
        why.push(Reason::Quorum { needs, replicas });
    }
    if let Some(elect) = elect {
        why.push(Reason::Election {
            mean_s: elect.mean,
            p99_s: elect.p99(),
            unavailability: election_loss,
        });
    }
    if model.kubernetes().is_some_and(|k| k.node_failure.is_some()) && replicas > 1 {
        why.push(Reason::SharedNodes);
    }
    why
}

#[cfg(test)]
mod tests {

    /// The two kinds of elections against the binomial terms written out by hand (the
    /// simulation checks the formula itself: `tests/it/explain.rs`).
    #[test]
    fn elections_a_year_count_leader_losses_and_returns_to_quorum() {
        let (a, rate) = (0.9, 10.0);
        // All needed: no spare, so only the returns, as often as the falls from both up.
        let all = elections_per_year(2, 2, a, rate);
        assert!((all - a * a * 2.0 * rate).abs() < 1e-12, "{all}");
        // One replica alone: every failure, once repaired.
        let alone = elections_per_year(1, 1, a, rate);
        assert!((alone - a * rate).abs() < 1e-12, "{alone}");
        // One of three needed: the leader's failures while another is up (two or three up),
        // and the returns from none up (as often as exactly one up falls, at its rate).
        let spare = rate * (3.0 * a * a * (1.0 - a) + a * a * a);
        let exactly_one = 3.0 * a * (1.0 - a) * (1.0 - a);
        let one_of_three = elections_per_year(3, 1, a, rate);
        assert!((one_of_three - spare - exactly_one * rate).abs() < 1e-12);
    }
    use super::*;

    /// A model of `n` components with one failure mode each, whose repairs all differ (or
    /// are all alike): each cause is one combination, its detection plus its repair.
    fn many_components(n: usize, alike: bool) -> Model {
        let mut text = String::from("name = \"many\"\nup = \"c0\"\n");
        for i in 0..n {
            let mean = if alike { 10 } else { 10 + i };
            text.push_str(&format!(
                "[[component]]\nname = \"c{i}\"\n[[component.failure]]\nname = \"f\"\n\
                 every = \"30d\"\ndetect = {{ dist = \"uniform\", min = \"0s\", max = \"1s\" }}\n\
                 repair = {{ dist = \"lognormal\", mean = \"{mean}s\", sd = \"5s\" }}\n"
            ));
        }
        crate::fixtures::model(&text)
    }

    /// Reusing the grids of earlier explanations changes no figure, whatever came before
    /// (the shipped models, and a model past the budget of full combinations, in turn), and
    /// an explanation made again forms no pair.
    #[test]
    fn explaining_again_with_kept_grids_is_the_same_explanation() {
        let mut models: Vec<Model> = std::fs::read_dir("models")
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .map(|path| crate::fixtures::model(&std::fs::read_to_string(path).unwrap()))
            .collect();
        models.push(many_components(rv::FULL_COMBINATIONS + 20, false));
        let json = |e: &Explanation| serde_json::to_string(e).unwrap();
        let mut made = Combinations::default();
        for model in models.iter().chain(models.iter().rev()) {
            assert_eq!(
                json(&explain_reusing(model, &mut made)),
                json(&explain(model))
            );
        }
        let model = &models[0];
        let mut again = Combiner::default();
        std::mem::swap(&mut again.made, &mut made);
        explain_with(model, &mut again);
        assert_eq!(again.pairs, 0, "every full combination was kept");
    }

    /// The work of explaining grows linearly with the components: combinations of every
    /// pair of grid points up to a budget, coarse ones (one pair a grid point) past it, and
    /// components alike combined once; the causes past the budget are named.
    #[test]
    fn explaining_many_components_costs_linear_work() {
        use rv::FULL_COMBINATIONS;
        let n = FULL_COMBINATIONS + 300;
        let mut c = Combiner::default();
        let explanation = explain_with(&many_components(n, false), &mut c);
        let (grid, full) = (GRID as u64, FULL_COMBINATIONS as u64);
        // A full sum pairs the grids' points, then the points with the tail's.
        let points = rv::POINTS as u64;
        assert_eq!(c.pairs, full * (grid * grid + points * points) + 300 * grid);
        assert_eq!(explanation.approximate.len(), 300);
        assert_eq!(
            explanation.approximate[0],
            format!("c{FULL_COMBINATIONS}/f")
        );
        assert_eq!(explanation.timelines.len(), n);
        let mut alike = Combiner::default();
        let explanation = explain_with(&many_components(n, true), &mut alike);
        assert_eq!(
            alike.pairs,
            grid * grid + points * points,
            "one combination for all"
        );
        assert!(explanation.approximate.is_empty());
        let first = &explanation.timelines[0];
        assert!(explanation.timelines.iter().all(|t| t.down == first.down));
    }

    /// Past the coefficients `f64` holds, the sum in logs is finite and agrees with the
    /// normal approximation of the binomial; below, the two forms agree.
    #[test]
    fn quorum_of_many_replicas_is_finite() {
        for (n, needs, a) in [(3, 2, 0.99), (1020, 511, 0.6), (200, 101, 0.5)] {
            let (direct, logs) = (at_least_direct(n, needs, a), at_least_in_logs(n, needs, a));
            assert!((direct - logs).abs() < 1e-9, "{n}: {direct} {logs}");
        }
        // 100,000 replicas each up 99.99% of the time: all but a handful are up.
        assert!((at_least(100_000, 50_001, 0.9999) - 1.0).abs() < 1e-12);
        // Needing exactly the mean of Bin(100000, 0.5) up or more: one half, plus half the
        // probability of the mean itself (about 1/sqrt(2 pi n p q) = 0.0025).
        let half = at_least(100_000, 50_000, 0.5);
        let mode = 1.0 / (2.0 * std::f64::consts::PI * 25_000.0).sqrt();
        assert!((half - (0.5 + mode / 2.0)).abs() < 1e-6, "{half}");
    }

    #[test]
    fn binomial_quorum_of_three() {
        let a = 0.99;
        assert!((at_least(3, 2, a) - (3.0 * a * a - 2.0 * a * a * a)).abs() < 1e-12);
        assert!((at_least(3, 1, a) - (1.0 - math::powi(1.0 - a, 3))).abs() < 1e-12);
    }
}
