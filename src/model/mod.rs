//! Model files: parsing and validation into a [`Model`] that cannot be invalid.
//!
//! The only way to obtain a [`Model`] is [`Model::load`] or [`Model::parse`], which check
//! everything the model reference (`docs/model-reference.md`) states and report every
//! problem with its file, line, column and key. The rest of the crate can then trust the
//! model.

mod backup;
mod edit;
mod error;
mod maintenance;
mod parse;
mod pattern;
mod scale;
mod traffic;

pub use backup::{Backup, DataProtection, Incident, IncidentKind, Replication};
pub use edit::{Setting, set_value};
use error::LineIndex;
pub use error::{MAX_SHOWN_ERRORS, ModelError, ModelErrorKind, ModelErrors, Position};
pub use maintenance::{
    BadRollout, Maintenance, NodeDrain, PodRollout, Rollout, Schedule, Strategy,
};
pub use pattern::{apply_values, expand_key, resolve_settings};
pub use scale::{MAX_COPIES, scale_copies};
pub use traffic::{Demand, RetryPolicy, Traffic};

use crate::dist::Dist;
use crate::expr::Expr;
use crate::time::Duration;
use std::io::Read;
use std::path::Path;

/// A validated model of a cluster.
#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) up: Expression,
    pub(crate) services: Vec<Service>,
    pub(crate) simulation: Simulation,
    pub(crate) slo: Option<Slo>,
    pub(crate) components: Vec<Component>,
    pub(crate) kubernetes: Option<Kubernetes>,
    pub(crate) maintenance: Option<Maintenance>,
    pub(crate) traffic: Option<Traffic>,
    pub(crate) data: DataProtection,
}

/// A boolean expression over components, with the text it was written as.
#[derive(Clone, Debug)]
pub struct Expression {
    /// The expression as written in the model file.
    pub text: String,
    /// The parsed expression.
    pub expr: Expr,
}

/// An extra view of the system, reported like `up`.
#[derive(Clone, Debug)]
pub struct Service {
    /// The service's name, from the `[services]` table.
    pub name: String,
    /// When the service is up.
    pub up: Expression,
}

/// Run settings from `[simulation]`, with the documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// Independent simulated years (replications).
    pub years: u64,
    /// The master seed.
    pub seed: u64,
    /// The length of one replication.
    pub horizon: Duration,
}

impl Default for Simulation {
    fn default() -> Simulation {
        Simulation {
            years: 10_000,
            seed: 1,
            horizon: Duration::YEAR,
        }
    }
}

/// Service-level objectives from `[slo]`, judged by `nines check`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Slo {
    /// Targets for the system's `up` expression: the keys of `[slo]` itself.
    pub up: Targets,
    /// Targets for services, from `[slo.services.<name>]`, in file order.
    pub services: Vec<(String, Targets)>,
}

impl Slo {
    /// Whether no target at all is set.
    pub fn is_empty(&self) -> bool {
        self.up.is_empty() && self.services.iter().all(|(_, targets)| targets.is_empty())
    }
}

/// The targets for one expression (`up` or a service). Every one is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Targets {
    /// Lower bound on the mean availability over years, in (0, 1).
    pub availability: Option<f64>,
    /// Upper bound on the share of years whose own availability is below `availability`,
    /// in (0, 1); only with `availability`.
    pub miss_probability: Option<f64>,
    /// Upper bound on the share of the yearly error budget, (1 − `availability`) × horizon,
    /// that the mean yearly downtime consumes, in (0, 1]; only with `availability`.
    pub error_budget: Option<f64>,
    /// Upper bounds on percentiles of the run's distributions (`rto_p99`,
    /// `yearly_downtime_p95` and the like), in [`PercentileFigure::ALL`] order, then
    /// [`Percentile::ALL`] order.
    pub percentiles: Vec<PercentileBound>,
    /// Lower bound on the mean request success over years (1 − failed / requests), in
    /// (0, 1); only where `[traffic]` counts the expression's requests.
    pub request_success: Option<f64>,
    /// Upper bound on the 99th percentile of the failed requests per outage; only where
    /// `[traffic]` counts the expression's requests.
    pub failed_per_outage_p99: Option<f64>,
    /// Upper bound on the mean data lost per year to incidents; `up` only, with
    /// `[[incident]]`.
    pub data_lost_per_year: Option<Duration>,
    /// Upper bound on the share of years with an unrecoverable incident, in (0, 1); `up`
    /// only, with `[[incident]]`.
    pub unrecoverable_probability: Option<f64>,
}

impl Targets {
    /// Whether no target is set.
    pub fn is_empty(&self) -> bool {
        self.request_success.is_none()
            && self.failed_per_outage_p99.is_none()
            && self.availability.is_none()
            && self.miss_probability.is_none()
            && self.error_budget.is_none()
            && self.percentiles.is_empty()
            && self.data_lost_per_year.is_none()
            && self.unrecoverable_probability.is_none()
    }
}

/// An upper bound on one percentile of a distribution of durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PercentileBound {
    /// Whose distribution.
    pub figure: PercentileFigure,
    /// Which percentile.
    pub percentile: Percentile,
    /// The largest value the percentile may take.
    pub bound: Duration,
}

/// A distribution of durations whose percentiles `[slo]` may bound, with the keys
/// `<name>_p50` to `<name>_p999`. This is the format's side of a measure's targets: the
/// measure that records the figure judges it (`measure::MeasureStats::percentiles`), so a
/// new measure with percentile targets adds its variant here and answers for it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PercentileFigure {
    /// Outage durations (`rto_p99`).
    Rto,
    /// Downtime per year (`yearly_downtime_p99`).
    YearlyDowntime,
    /// The data lost by a recovered incident (`rpo_p99`; system-wide, with `[[incident]]`).
    Rpo,
}

impl PercentileFigure {
    /// Every figure, in the order `nines check` judges them.
    pub const ALL: [PercentileFigure; 3] = [
        PercentileFigure::Rto,
        PercentileFigure::YearlyDowntime,
        PercentileFigure::Rpo,
    ];

    /// Its `[slo]` keys, in [`Percentile::ALL`] order.
    pub fn keys(self) -> [&'static str; 5] {
        match self {
            PercentileFigure::Rto => ["rto_p50", "rto_p90", "rto_p95", "rto_p99", "rto_p999"],
            PercentileFigure::YearlyDowntime => [
                "yearly_downtime_p50",
                "yearly_downtime_p90",
                "yearly_downtime_p95",
                "yearly_downtime_p99",
                "yearly_downtime_p999",
            ],
            PercentileFigure::Rpo => ["rpo_p50", "rpo_p90", "rpo_p95", "rpo_p99", "rpo_p999"],
        }
    }

    /// The `[slo]` key bounding `percentile` of this figure.
    pub fn key(self, percentile: Percentile) -> &'static str {
        let index = Percentile::ALL.iter().position(|p| *p == percentile);
        self.keys()[index.unwrap_or_default()]
    }
}

/// The percentiles an SLO may bound: the usual ones of SRE dashboards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Percentile {
    /// The median.
    P50,
    /// The 90th percentile.
    P90,
    /// The 95th percentile.
    P95,
    /// The 99th percentile.
    P99,
    /// The 99.9th percentile.
    P999,
}

impl Percentile {
    /// Every percentile, in increasing order.
    pub const ALL: [Percentile; 5] = [
        Percentile::P50,
        Percentile::P90,
        Percentile::P95,
        Percentile::P99,
        Percentile::P999,
    ];

    /// The percentile as a quantile in (0, 1).
    pub fn quantile(self) -> f64 {
        match self {
            Percentile::P50 => 0.5,
            Percentile::P90 => 0.9,
            Percentile::P95 => 0.95,
            Percentile::P99 => 0.99,
            Percentile::P999 => 0.999,
        }
    }
}

/// One component: a group of identical replicas.
#[derive(Clone, Debug)]
pub struct Component {
    /// Unique name, `[a-z0-9_-]+`.
    pub name: String,
    /// Number of replicas, 1 to 100000.
    pub replicas: u32,
    /// Replicas that must be up for the component to serve, 1 to `replicas`.
    pub needs: u32,
    /// Whether `needs = "all"` was written, so that `needs` follows `replicas`.
    pub needs_all: bool,
    /// What one replica costs per 365-day year (`cost`), if given.
    pub cost_per_year: Option<f64>,
    /// The leader office, if the component has one.
    pub leader: Option<Leader>,
    /// Failure modes, competing for each replica.
    pub failures: Vec<FailureMode>,
    /// How Kubernetes runs the replicas; `None` at level 1 and for `external` components.
    pub pod: Option<Pod>,
    /// A session the component keeps in another component (an etcd lease, say).
    pub session: Option<Session>,
    /// How the share of a failed replica is taken over by the others, if it can be.
    pub reassign: Option<Reassign>,
    /// How its replicas are replaced during an upgrade.
    pub rollout: Rollout,
}

/// Recovery by reassignment (Milvus query nodes): when a replica fails, a coordinator
/// notices through the replica's session expiring and has an up replica load its share
/// of the data, so the share serves again before the failed replica's own restart.
#[derive(Clone, Debug)]
pub struct Reassign {
    /// How long another replica takes to load the failed one's share.
    pub load: Dist,
}

/// How a vacant leader office is filled.
#[derive(Clone, Debug)]
pub enum Leader {
    /// An election lasting one draw of the distribution (`docs/semantics.md`, level 1).
    Election(Dist),
    /// Raft: a follower campaigns after a randomised election timeout in [T, 2T) less the
    /// time since the last heartbeat, then a pre-vote and a vote round.
    Raft {
        /// The election timeout T.
        election_timeout: Duration,
        /// The leader's heartbeat interval, below T.
        heartbeat: Duration,
        /// One network round trip between members.
        round_trip: Duration,
    },
    /// Active-standby through a lease: the standby takes over when the failed holder's
    /// lease expires (2/3 of the TTL to the TTL after an abrupt failure), then `takeover`.
    Lease {
        /// The lease's time to live.
        ttl: Duration,
        /// How often the holder renews it, at most `ttl` (etcd's clients: a third of it).
        renew: Duration,
        /// From noticing the expiry to serving as the new holder.
        takeover: Dist,
    },
}

/// Cluster-wide Kubernetes settings from `[kubernetes]` (`docs/kubernetes.md`).
#[derive(Clone, Debug)]
pub struct Kubernetes {
    /// Worker nodes.
    pub nodes: u32,
    /// How often a node fails and how long it takes to come back; `None`: never.
    pub node_failure: Option<NodeFailure>,
    /// Node heartbeat silence before the node lifecycle controller marks it NotReady.
    pub node_monitor_grace_period: Duration,
    /// How often the node lifecycle controller checks node heartbeats.
    pub node_monitor_period: Duration,
    /// How long pods tolerate a not-ready or unreachable node before eviction.
    pub toleration_seconds: Duration,
    /// From a readiness change to load balancers seeing it.
    pub endpoint_propagation: Duration,
    /// How often the kubelet re-lists containers, which bounds how soon it sees an exit.
    pub exit_detection: Duration,
    /// What one node costs per 365-day year (`node_cost`), if given.
    pub node_cost_per_year: Option<f64>,
}

/// Node failures.
#[derive(Clone, Debug)]
pub struct NodeFailure {
    /// Time to failure of each node, in up time.
    pub every: Dist,
    /// From failure to the node running pods again.
    pub repair: Dist,
}

/// How Kubernetes runs a component's replicas.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Deployment (replicas move off failed nodes) or StatefulSet (they wait for theirs).
    pub workload: Workload,
    /// From container start to the process serving.
    pub start: Dist,
    /// The liveness probe, which restarts a container that stops answering.
    pub liveness: Option<Probe>,
    /// The readiness probe, which gates traffic to the container.
    pub readiness: Option<Probe>,
    /// The startup probe, which holds the other probes off until the container started.
    pub startup: Option<Probe>,
    /// SIGTERM to SIGKILL when a container is killed.
    pub termination_grace_period: Duration,
    /// Which node each replica runs on.
    pub placement: Placement,
}

/// The kind of workload controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Replicas are recreated on another node after eviction.
    Deployment,
    /// Replicas wait for their own node to return.
    StatefulSet,
}

/// A kubelet probe's settings: the model holds them as the mechanics reads them, so they are
/// stated once.
pub use crate::mechanics::pod::Probe;

/// Where a component's replicas run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Replica i on node i mod nodes.
    Spread,
    /// Replica i on the i-th listed node (cycling).
    Nodes(Vec<u32>),
    /// Replica i on the node of replica i of the named component (by index).
    With(usize),
}

/// A session the component keeps alive in a store component (Milvus in etcd): when the
/// store stops serving for longer than the session's remaining lifetime, every replica
/// shuts down and comes back only after the store serves again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// The store's component index.
    pub store: usize,
    /// The session's time to live.
    pub ttl: Duration,
}

/// One way a replica fails, and how long it takes to come back.
#[derive(Clone, Debug)]
pub struct FailureMode {
    /// Name, unique within the component.
    pub name: String,
    /// Time to this failure, counted in up time.
    pub every: Dist,
    /// Failure to noticed.
    pub detect: Detect,
    /// Noticed to serving again.
    pub repair: Repair,
}

/// How a failure is noticed.
#[derive(Clone, Debug)]
pub enum Detect {
    /// After a drawn delay (level 1).
    After(Dist),
    /// The process exits; the kubelet sees it at its next container re-list.
    Exit,
    /// The process hangs; only the liveness probe sees it.
    Liveness,
}

/// How a replica comes back once the failure is noticed.
#[derive(Clone, Debug)]
pub enum Repair {
    /// After a drawn delay (level 1).
    After(Dist),
    /// The kubelet restarts the container: back-off, start, first passing readiness probe.
    Restart,
}

impl Model {
    /// Reads and validates the model file at `path`.
    pub fn load(path: &Path) -> Result<Model, ModelErrors> {
        let source = Model::read_source(path)?;
        Model::parse(&source, &path.display().to_string())
    }

    /// Reads the model file at `path` as text, without validating it (to edit it first,
    /// say); the error names the file, and the line of the first byte that is not UTF-8.
    pub fn read_source(path: &Path) -> Result<String, ModelErrors> {
        let file = path.display().to_string();
        let cannot_read = |err: std::io::Error| {
            ModelErrors::single(ModelError::whole_file(&file, format!("cannot read: {err}")))
        };
        // Read one byte past the limit, no more (the file may be endless, as /dev/zero):
        // `parse` then refuses the text, at the place the limit is passed.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                f.take(parse::MAX_FILE_BYTES as u64 + 1)
                    .read_to_end(&mut bytes)
            })
            .map_err(cannot_read)?;
        if bytes.len() > parse::MAX_FILE_BYTES {
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
        String::from_utf8(bytes).map_err(|err| {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let bad = valid.len()..valid.len() + err.utf8_error().error_len().unwrap_or(0);
            ModelErrors::single(ModelError::at(
                ModelErrorKind::Unreadable,
                &file,
                &LineIndex::new(&text),
                bad,
                "",
                "the file is not valid UTF-8 text".to_string(),
            ))
        })
    }

    /// Validates the model text `source`; `file` names it in error messages.
    pub fn parse(source: &str, file: &str) -> Result<Model, ModelErrors> {
        parse::parse(source, file)
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The expression saying when the system is up.
    pub fn up(&self) -> &Expression {
        &self.up
    }

    /// Extra views of the system, in name order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// Run settings from the model file (the command line may override them).
    pub fn simulation(&self) -> Simulation {
        self.simulation
    }

    /// The model's service-level objectives, if it has any.
    pub fn slo(&self) -> Option<&Slo> {
        self.slo.as_ref()
    }

    /// The components, in file order.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// `[traffic]`, if the model counts requests.
    pub fn traffic(&self) -> Option<&Traffic> {
        self.traffic.as_ref()
    }

    /// The `[kubernetes]` settings, for a level-2 model.
    pub fn kubernetes(&self) -> Option<&Kubernetes> {
        self.kubernetes.as_ref()
    }

    /// The `[maintenance]` settings: planned work.
    pub fn maintenance(&self) -> Option<&Maintenance> {
        self.maintenance.as_ref()
    }

    /// The data-protection tables: `[backup]`, `[replication]` and `[[incident]]`.
    pub fn data(&self) -> &DataProtection {
        &self.data
    }

    /// What the model costs per 365-day year: every replica at its component's `cost`
    /// and every node at `[kubernetes] node_cost`; `None` when no cost is given anywhere.
    pub fn cost_per_year(&self) -> Option<f64> {
        let replicas = self
            .components
            .iter()
            .filter_map(|c| c.cost_per_year.map(|cost| cost * f64::from(c.replicas)));
        let nodes = self
            .kubernetes()
            .and_then(|k| k.node_cost_per_year.map(|cost| cost * f64::from(k.nodes)));
        replicas.chain(nodes).reduce(|a, b| a + b)
    }
}
