//! What the engine can report as it simulates, for `nines trace` and for tests.

use super::Outage;
use crate::time::Duration;

/// One thing that happened in a simulated year. Component and replica numbers are indices:
/// components in model order, replicas within their component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// The year starts with every replica up and every office held.
    YearStart {
        /// The year's index.
        year: u64,
    },
    /// A replica fails; it will be down for `detect` + `repair`.
    ReplicaFailed {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
        /// Failure mode index within the component.
        mode: u32,
        /// Drawn time until the failure is noticed.
        detect: Duration,
        /// Drawn time from noticed to serving again; [`Duration::NEVER`] when the replica
        /// does not serve again within the year (each restart killed before it serves).
        repair: Duration,
    },
    /// A replica serves again.
    ReplicaRepaired {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
    },
    /// A leader office is vacated.
    LeaderLost {
        /// Component index.
        component: u32,
    },
    /// An election starts and will last `duration`.
    ElectionStarted {
        /// Component index.
        component: u32,
        /// Drawn election duration.
        duration: Duration,
        /// Whether the last leader stopped gracefully, handing the office over.
        handover: bool,
        /// Whether the failed leader's lease had already run out, while no standby was up.
        lease_ran_out: bool,
    },
    /// An election ends with a leader.
    LeaderElected {
        /// Component index.
        component: u32,
        /// The new leader, within the component.
        replica: u32,
    },
    /// An election ends without enough replicas up; the office waits.
    ElectionFailed {
        /// Component index.
        component: u32,
    },
    /// A component starts or stops serving.
    ComponentChanged {
        /// Component index.
        component: u32,
        /// Whether it serves now.
        serving: bool,
        /// Replicas up now.
        up: u32,
    },
    /// An expression changes: index 0 is the system's `up`, then the services.
    ExpressionChanged {
        /// Expression index.
        expression: usize,
        /// Whether it is up now.
        up: bool,
    },
    /// A system outage ends (or is cut at the end of the year).
    OutageEnded {
        /// The complete outage record.
        outage: Outage,
    },
    /// A node fails, for `down_for`; every pod replica on it goes down.
    NodeFailed {
        /// The node.
        node: u32,
        /// How long it stays down.
        down_for: Duration,
    },
    /// A node runs pods again.
    NodeRepaired {
        /// The node.
        node: u32,
    },
    /// A Deployment replica is evicted from a failed node and recreated elsewhere.
    Evicted {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
        /// The node its replacement goes to; `None` when no node is up.
        to: Option<u32>,
    },
    /// A component's sessions expired: its replicas shut down until the store is back.
    SessionLost {
        /// Component index.
        component: u32,
    },
    /// Upgrade `upgrade` of the year (from 0) begins.
    UpgradeStarted {
        /// The upgrade's index in the year.
        upgrade: u64,
    },
    /// Upgrade `upgrade` is done: every upgraded component runs the new version.
    UpgradeFinished {
        /// The upgrade's index in the year.
        upgrade: u64,
    },
    /// Upgrade `upgrade`, a bad one, is rolled back: its broken replicas serve the old
    /// version again and nothing further is upgraded.
    UpgradeRolledBack {
        /// The upgrade's index in the year.
        upgrade: u64,
    },
    /// A step of a replica's upgrade.
    UpgradeStep {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
        /// What happened.
        step: UpgradeStep,
    },
    /// A step of a failed replica's failover, planned when it failed: `at` is when the step
    /// happens, at or after the instant the event is reported. A later event about the
    /// same replica ([`TraceEvent::FailoverReplanned`]) supersedes the steps still ahead.
    FailoverStep {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
        /// When the step happens.
        at: Duration,
        /// What happens.
        step: FailoverStep,
    },
    /// A down replica is taken down again (its node failed, its session expired, it was
    /// evicted or upgraded): the failover steps still ahead of it will not happen.
    FailoverReplanned {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
    },
    /// A step of an incident (`docs/semantics.md`, "Data protection"), decided when it
    /// struck: `at` is when the step happens, at or after the instant it is reported.
    IncidentStep {
        /// The incident's index among the model's incidents.
        incident: u32,
        /// When the step happens.
        at: Duration,
        /// What happens.
        step: IncidentStep,
    },
    /// Drain `drain` of the year (from 0) begins: every node in turn is drained.
    DrainStarted {
        /// The drain's index in the year.
        drain: u64,
    },
    /// A node is cordoned: nothing new is placed on it, and its pods are evicted.
    NodeCordoned {
        /// The node.
        node: u32,
    },
    /// The eviction of a replica waits: its disruption budget allows none now.
    EvictionWaits {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
    },
    /// A replica is evicted by a drain and stops gracefully.
    DrainEvicted {
        /// Component index.
        component: u32,
        /// Replica index within the component.
        replica: u32,
        /// The node its replacement starts on; `None` when it waits for a node (a
        /// StatefulSet's pod for its own).
        to: Option<u32>,
    },
    /// Every pod of a drained node has been evicted: it reboots, back at `back`.
    NodeRebooting {
        /// The node.
        node: u32,
        /// When it runs pods again.
        back: Duration,
    },
    /// A drained node is back from its reboot and uncordoned.
    NodeRebooted {
        /// The node.
        node: u32,
    },
    /// Drain `drain` is done: every node has been drained and rebooted.
    DrainFinished {
        /// The drain's index in the year.
        drain: u64,
    },
    /// The year ends.
    YearEnd,
}

/// A step of one failed replica's way back to serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverStep {
    /// The failure is noticed: by the liveness probe, by the kubelet seeing the container
    /// exit, or after the mode's drawn detection delay.
    Detected {
        /// How it was noticed.
        by: Detection,
    },
    /// A hung container is killed, the termination grace period after detection.
    Killed,
    /// The kubelet waits `delay` (CrashLoopBackOff) before starting the container again.
    BackOff {
        /// The back-off delay.
        delay: Duration,
    },
    /// The liveness or startup probe killed a container that had not finished starting;
    /// a new attempt follows.
    KilledStarting {
        /// The containers killed so far in this restart sequence, the first started at
        /// the sequence's first `Started` step.
        attempts: u32,
    },
    /// The container starts.
    Started,
    /// The process inside serves (its start is over).
    ProcessUp,
    /// The readiness probe passed: the pod is ready.
    Ready,
    /// The endpoints reached the load balancers: the replica takes traffic.
    Propagated,
    /// A drawn repair (level 1) is over, but the share it held still has to load.
    Repaired,
    /// The replica's session in its store expired: its coordinator reassigns its share.
    SessionExpired,
    /// The replica's share of data is loaded again and serves: on another replica
    /// (`elsewhere`) or on the restarted one.
    ShareReloaded {
        /// Whether another replica loaded it.
        elsewhere: bool,
    },
}

/// How a failure was noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detection {
    /// The liveness probe failed its threshold.
    Probe,
    /// The kubelet saw the container exit.
    Exit,
    /// The failure mode's drawn detection delay passed.
    Delay,
}

/// A step of one replica's upgrade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeStep {
    /// Its turn came while it was down from a failure: it is upgraded when it is back.
    AwaitingBack,
    /// It stops, and is back (its replacement serving) at `back`.
    Stopped {
        /// When it serves again.
        back: Duration,
    },
    /// A new pod starts beside it, available at `available`; the old pod stops then.
    Surged {
        /// When the new pod counts as available.
        available: Duration,
    },
    /// Its new version is broken: it does not serve until the rollback ends at `until`.
    Broken {
        /// When the rollback ends.
        until: Duration,
    },
    /// Its upgrade is done.
    Done,
}

/// Receives every event of a simulated year, in order.
pub trait Tracer {
    /// Called for each event, at simulated time `at`.
    fn event(&mut self, at: Duration, event: TraceEvent);
}

/// A step of an incident, from its strike to the service serving again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentStep {
    /// The incident strikes: the system is down from now.
    Struck,
    /// It is noticed.
    Detected,
    /// Recovery starts from the backup started at `start` (from the beginning of the
    /// year), losing the data written since: `lost`.
    FromBackup {
        /// The backup's start; `None` when it started before the year.
        start: Option<Duration>,
        /// The data lost.
        lost: Duration,
    },
    /// The standby site takes over, losing the replication lag.
    FromStandby {
        /// The data lost.
        lag: Duration,
    },
    /// No backup is usable and no standby holds the data: it is lost for good; the
    /// service comes back (empty) after the repair or restore.
    Unrecoverable,
    /// The service serves again.
    ServiceBack,
}

/// A tracer that ignores everything; the engine's fast path.
pub struct NoTrace;

impl Tracer for NoTrace {
    #[inline(always)]
    fn event(&mut self, _at: Duration, _event: TraceEvent) {}
}

/// Collects events in memory, for tests.
impl Tracer for Vec<(Duration, TraceEvent)> {
    fn event(&mut self, at: Duration, event: TraceEvent) {
        self.push((at, event));
    }
}
