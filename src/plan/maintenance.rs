//! Planned work compiled: the upgrade schedule and order, how each upgraded component is
//! replaced, and the kind of every outage cause.

use super::ComponentPlan;
use crate::dist::Dist;
use crate::mechanics::rollout::{PodRollout, Strategy, upgrades_within};
use crate::mechanics::streams::PlannedStreams;
use crate::model::{Maintenance, Model, Rollout, Schedule};
use crate::time::Duration;

/// What brought an outage about (SPEC part two): a failure, planned work or an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutageKind {
    /// Component and node failures.
    Failure = 0,
    /// Planned work: upgrades, bad rollouts and node drains.
    Maintenance = 1,
    /// Incidents (issue #15); none is produced yet.
    Incident = 2,
}

impl OutageKind {
    /// Every kind, in the order of `downtime_by_kind_s`.
    pub const ALL: [OutageKind; 3] = [
        OutageKind::Failure,
        OutageKind::Maintenance,
        OutageKind::Incident,
    ];

    /// The kind's name in `summary.json` and `outages.csv`.
    pub fn name(self) -> &'static str {
        match self {
            OutageKind::Failure => "failure",
            OutageKind::Maintenance => "maintenance",
            OutageKind::Incident => "incident",
        }
    }
}

/// `[maintenance]` compiled.
#[derive(Clone, Debug)]
pub struct MaintenancePlan {
    /// The first upgrade's start in each year.
    pub start: Duration,
    /// Time between two upgrade starts.
    pub every: Duration,
    /// How many upgrades each year schedules.
    pub upgrades_per_year: u64,
    /// The upgraded components' indices, in upgrade order.
    pub order: Vec<u32>,
    /// Upgrades that ship a broken version, if modelled.
    pub bad_rollout: Option<BadRolloutPlan>,
    /// Node drains, if modelled.
    pub drain: Option<DrainPlan>,
}

/// `node_drain` compiled: every node in turn cordoned, its pods evicted, then rebooted.
#[derive(Clone, Debug)]
pub struct DrainPlan {
    /// The first drain's start in each year.
    pub start: Duration,
    /// Time between two drain starts.
    pub every: Duration,
    /// How many drains each year schedules.
    pub drains_per_year: u64,
    /// How long a drained node takes to reboot.
    pub reboot: Dist,
    /// The stream reboot durations are drawn from.
    pub stream: usize,
}

/// `bad_rollout` compiled.
#[derive(Clone, Debug)]
pub struct BadRolloutPlan {
    /// The chance that one upgrade is bad.
    pub probability: f64,
    /// From the first broken replica being ready to the breakage being noticed.
    pub detect: Dist,
    /// From noticed to the old version serving again.
    pub rollback: Dist,
    /// The stream whether each upgrade is bad, and how long it lasts, are drawn from.
    pub stream: usize,
}

/// How one component is replaced during an upgrade.
#[derive(Clone, Debug)]
pub struct UpgradePlan {
    /// What replaces a replica.
    pub how: Replacement,
    /// The stream its upgrade draws come from.
    pub stream: usize,
}

/// What replaces a replica during an upgrade.
#[derive(Clone, Debug)]
pub enum Replacement {
    /// Level 1: down for one draw.
    Replace(Dist),
    /// Level 2: Kubernetes replaces its pod.
    Pods(PodRollout),
}

/// The components `model` upgrades, in order: those listed in `order`, then the others in
/// file order; only those with a rollout (not `strategy = "none"`).
pub fn upgrade_order(model: &Model) -> Vec<u32> {
    let Some(maintenance) = model.maintenance() else {
        return Vec::new();
    };
    let upgraded = |index: &usize| match &model.components()[*index].rollout {
        Rollout::None => false,
        Rollout::Pods(pods) => pods.strategy != Strategy::None,
        Rollout::Replace(_) => true,
    };
    let listed = maintenance.order.iter().copied();
    let rest = (0..model.components().len()).filter(|i| !maintenance.order.contains(i));
    listed
        .chain(rest)
        .filter(upgraded)
        .map(|i| i as u32)
        .collect()
}

/// `[maintenance]` compiled, for years of `horizon`; gives each upgraded component of
/// `components` its upgrade plan and every component its planned-work causes.
pub fn compile(
    maintenance: &Maintenance,
    model: &Model,
    streams: PlannedStreams,
    horizon: Duration,
    components: &mut [ComponentPlan],
) -> MaintenancePlan {
    let order = upgrade_order(model);
    for (position, &index) in order.iter().enumerate() {
        let how = match &model.components()[index as usize].rollout {
            Rollout::Replace(duration) => Replacement::Replace(duration.clone()),
            Rollout::Pods(pods) => Replacement::Pods(*pods),
            Rollout::None => continue,
        };
        components[index as usize].upgrade = Some(UpgradePlan {
            how,
            stream: streams.upgrade(position),
        });
    }
    for component in components.iter_mut() {
        let name = &component.name;
        component.causes.push(format!("{name}/upgrade"));
        component.causes.push(format!("{name}/bad-rollout"));
        // One cause for every component (SPEC 6): the causes table adds them up. Only with
        // drains, so a model without them names the causes it always did.
        if maintenance.node_drain.is_some() {
            component.causes.push("node/drain".to_string());
        }
    }
    let schedule = maintenance.upgrade.unwrap_or(Schedule {
        every: horizon,
        start: horizon,
    });
    MaintenancePlan {
        start: schedule.start,
        every: schedule.every,
        upgrades_per_year: upgrades_within(schedule.start, schedule.every, horizon),
        order,
        bad_rollout: maintenance.bad_rollout.as_ref().map(|bad| BadRolloutPlan {
            probability: bad.probability,
            detect: bad.detect.clone(),
            rollback: bad.rollback.clone(),
            stream: streams.bad_rollout(),
        }),
        drain: maintenance.node_drain.as_ref().map(|drain| {
            let Schedule { every, start } = drain.schedule;
            DrainPlan {
                start,
                every,
                drains_per_year: upgrades_within(start, every, horizon),
                reboot: drain.reboot.clone(),
                stream: streams.drain(),
            }
        }),
    }
}

impl ComponentPlan {
    /// The cause index of a replica down for its upgrade (with `[maintenance]` only).
    pub fn upgrade_cause(&self) -> u32 {
        self.modes.len() as u32 + 2
    }

    /// The cause index of a replica whose new version is broken (with `[maintenance]` only).
    pub fn bad_rollout_cause(&self) -> u32 {
        self.modes.len() as u32 + 3
    }

    /// The cause index of a pod evicted by a node drain (with `node_drain` only).
    pub fn drain_cause(&self) -> u32 {
        self.modes.len() as u32 + 4
    }

    /// The kind of outage cause `index`.
    pub fn cause_kind(&self, index: u32) -> OutageKind {
        if index < self.upgrade_cause() {
            OutageKind::Failure
        } else {
            OutageKind::Maintenance
        }
    }
}
