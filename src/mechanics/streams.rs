//! The stream layout: which random stream every draw of a plan comes from, as a pure
//! function of the model's shape (its components' names, replicas, failure modes, pods,
//! races, sessions and reassignments, and its nodes).
//!
//! `Plan::compile` derives one key per stream in this order, and `Workload::estimate` counts
//! them before anything is allocated, so the memory guard counts what the plan will hold.
//!
//! Labels (see `rng`): `COMPONENT/election`, then `COMPONENT/session` and
//! `COMPONENT/reassign` where the component has them, then for each replica
//! `COMPONENT/REPLICA/MODE/{every,detect,repair}` for every failure mode,
//! `COMPONENT/REPLICA/{probes,start}` for a pod and `COMPONENT/REPLICA/race` for the first of
//! its exponential failure modes; after every component, `node/N/{every,repair,monitor}`;
//! last, for a model with planned work, `COMPONENT/upgrade` for each upgraded component (in
//! upgrade order), `maintenance/bad-rollout` and, with node drains, `maintenance/node-drain`,
//! so that planned work moves no other draw;
//! after those, for a model with incidents, `incident/NAME/{every,recovery}` for each
//! incident and `backup/history` and `backup/past` (backups from the year's start on, and
//! before it), so that data protection moves no other draw either.
//! Labels never depend on other components, so a change to one component leaves every
//! other component's draws as they were. A raced mode keeps its own, unused, `every`
//! stream, so that every mode's streams sit at the same offsets.

/// What a stream is drawn for, within one replica's failure mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The time to the failure.
    Every = 0,
    /// Failure to noticed.
    Detect = 1,
    /// Noticed to serving again.
    Repair = 2,
}

/// The labels of [`Purpose`], in its order.
pub const PURPOSES: [&str; 3] = ["every", "detect", "repair"];

/// What a per-replica stream of a pod is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPurpose {
    /// The phases of the replica's probe tickers, drawn once a year.
    Probes = 0,
    /// Container start durations.
    Start = 1,
}

/// The labels of [`PodPurpose`], in its order.
pub const POD_PURPOSES: [&str; 2] = ["probes", "start"];

/// What a node's stream is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodePurpose {
    /// The time to the node's failure.
    Every = 0,
    /// How long it stays down.
    Repair = 1,
    /// When in its monitor period the node lifecycle controller notices.
    Monitor = 2,
}

/// The labels of [`NodePurpose`], in its order.
pub const NODE_PURPOSES: [&str; 3] = ["every", "repair", "monitor"];

/// What the layout needs to know of one component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentShape {
    /// The component's name.
    pub name: String,
    /// Number of replicas.
    pub replicas: u32,
    /// The names of its failure modes, in order.
    pub modes: Vec<String>,
    /// Whether its replicas run as pods.
    pub pod: bool,
    /// Whether two or more of its failure modes are raced in one draw.
    pub race: bool,
    /// Whether it keeps a session in another component.
    pub session: bool,
    /// Whether its failed replicas' shares are reassigned.
    pub reassign: bool,
}

/// Where one component's streams sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComponentStreams {
    /// The stream election durations are drawn from.
    pub election: usize,
    /// The stream session expiries are drawn from, for a component with a session.
    pub session: Option<usize>,
    /// The stream reassignments (expiry and load) are drawn from, for a component with one.
    pub reassign: Option<usize>,
    first_replica: usize,
    modes: usize,
    pod: bool,
    race: bool,
}

impl ComponentStreams {
    /// Lays out a component whose streams start at `first`.
    fn new(shape: &ComponentShape, first: usize) -> ComponentStreams {
        let mut next = first + 1;
        let mut take = |present: bool| {
            present.then(|| {
                next += 1;
                next - 1
            })
        };
        let session = take(shape.session);
        let reassign = take(shape.reassign);
        ComponentStreams {
            election: first,
            session,
            reassign,
            first_replica: next,
            modes: shape.modes.len(),
            pod: shape.pod,
            race: shape.race,
        }
    }

    /// The stream for `purpose` of failure `mode` of replica `replica` (within the
    /// component).
    pub fn mode(&self, replica: u32, mode: usize, purpose: Purpose) -> usize {
        self.replica_start(replica) + mode * PURPOSES.len() + purpose as usize
    }

    /// The stream for `purpose` of the pod of replica `replica` (within the component).
    pub fn pod(&self, replica: u32, purpose: PodPurpose) -> usize {
        self.replica_start(replica) + self.modes * PURPOSES.len() + purpose as usize
    }

    /// The stream replica `replica` (within the component) draws its race from.
    pub fn race(&self, replica: u32) -> usize {
        self.replica_start(replica + 1) - 1
    }

    fn replica_start(&self, replica: u32) -> usize {
        self.first_replica + replica as usize * self.per_replica()
    }

    fn per_replica(&self) -> usize {
        self.modes * PURPOSES.len()
            + if self.pod { POD_PURPOSES.len() } else { 0 }
            + usize::from(self.race)
    }
}

/// Where a plan's node streams sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeStreams {
    first: usize,
}

impl NodeStreams {
    /// The stream for `purpose` of node `node`.
    pub fn stream(&self, node: u32, purpose: NodePurpose) -> usize {
        self.first + node as usize * NODE_PURPOSES.len() + purpose as usize
    }
}

/// Every stream of a plan, in key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamLayout {
    shapes: Vec<ComponentShape>,
    /// Each component's streams, in model order.
    pub components: Vec<ComponentStreams>,
    /// The node streams, for a level-2 model.
    pub nodes: Option<NodeStreams>,
    node_count: u32,
    /// The streams of planned work, for a model with `[maintenance]`.
    pub planned: Option<PlannedStreams>,
    upgraded: Vec<String>,
    drains: bool,
    /// The streams of incidents and backups, for a model with incidents.
    pub data: Option<DataStreams>,
    incidents: Vec<String>,
    total: usize,
}

/// Where the streams of data protection sit: two per incident (when it strikes; its
/// detection and recovery), then the backups' two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataStreams {
    first: usize,
    incidents: usize,
}

impl DataStreams {
    /// The stream of the times between strikes of incident `incident`.
    pub fn every(&self, incident: usize) -> usize {
        self.first + 2 * incident
    }

    /// The stream of incident `incident`'s detection and recovery draws.
    pub fn recovery(&self, incident: usize) -> usize {
        self.first + 2 * incident + 1
    }

    /// The stream of backups 0, 1, 2, ... of the year (their failure and duration).
    pub fn history(&self) -> usize {
        self.first + 2 * self.incidents
    }

    /// The stream of backups −1, −2, ..., before the year.
    pub fn past(&self) -> usize {
        self.history() + 1
    }
}

/// Where the streams of planned work sit: one per upgraded component, then the bad
/// rollouts' draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedStreams {
    first: usize,
    upgraded: usize,
}

impl PlannedStreams {
    /// The stream of the `position`-th upgraded component (in upgrade order).
    pub fn upgrade(&self, position: usize) -> usize {
        self.first + position
    }

    /// The stream deciding which upgrades are bad, and how long they last.
    pub fn bad_rollout(&self) -> usize {
        self.first + self.upgraded
    }

    /// The stream drained nodes' reboot durations are drawn from (with node drains only).
    pub fn drain(&self) -> usize {
        self.first + self.upgraded + 1
    }
}

impl StreamLayout {
    /// Lays out `components` in order, then `nodes` nodes (for a level-2 model).
    pub fn new(shapes: Vec<ComponentShape>, nodes: Option<u32>) -> StreamLayout {
        let mut next = 0;
        let components = shapes
            .iter()
            .map(|shape| {
                let streams = ComponentStreams::new(shape, next);
                next = streams.replica_start(shape.replicas);
                streams
            })
            .collect();
        let node_streams = nodes.map(|_| NodeStreams { first: next });
        let node_count = nodes.unwrap_or(0);
        StreamLayout {
            shapes,
            components,
            nodes: node_streams,
            node_count,
            planned: None,
            upgraded: Vec::new(),
            drains: false,
            data: None,
            incidents: Vec::new(),
            total: next + node_count as usize * NODE_PURPOSES.len(),
        }
    }

    /// Adds the streams of planned work after every other: one for each of the `upgraded`
    /// components' names, in upgrade order, then one for bad rollouts and, with `drains`,
    /// one for node drains.
    pub fn with_planned_work(mut self, upgraded: Vec<String>, drains: bool) -> StreamLayout {
        self.planned = Some(PlannedStreams {
            first: self.total,
            upgraded: upgraded.len(),
        });
        self.total += upgraded.len() + 1 + usize::from(drains);
        self.upgraded = upgraded;
        self.drains = drains;
        self
    }

    /// Adds the streams of data protection after every other: two for each of the
    /// `incidents`' names, in order, then two for backups.
    pub fn with_data_protection(mut self, incidents: Vec<String>) -> StreamLayout {
        self.data = Some(DataStreams {
            first: self.total,
            incidents: incidents.len(),
        });
        self.total += 2 * incidents.len() + 2;
        self.incidents = incidents;
        self
    }

    /// How many streams there are.
    pub fn len(&self) -> usize {
        self.total
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Every stream's label, in stream order.
    pub fn labels(&self) -> impl Iterator<Item = String> + '_ {
        let components = self.shapes.iter().flat_map(component_labels);
        let nodes = (0..self.node_count).flat_map(|node| {
            NODE_PURPOSES
                .iter()
                .map(move |purpose| format!("node/{node}/{purpose}"))
        });
        let planned = self
            .upgraded
            .iter()
            .map(|name| format!("{name}/upgrade"))
            .chain(self.planned.map(|_| "maintenance/bad-rollout".to_string()))
            .chain(self.drains.then(|| "maintenance/node-drain".to_string()));
        let data = self
            .incidents
            .iter()
            .flat_map(|name| ["every", "recovery"].map(|p| format!("incident/{name}/{p}")))
            .chain(
                self.data
                    .into_iter()
                    .flat_map(|_| ["backup/history", "backup/past"].map(String::from)),
            );
        components.chain(nodes).chain(planned).chain(data)
    }
}

/// One component's labels, in stream order.
fn component_labels(shape: &ComponentShape) -> impl Iterator<Item = String> + '_ {
    let name = &shape.name;
    let own = std::iter::once("election")
        .chain(shape.session.then_some("session"))
        .chain(shape.reassign.then_some("reassign"))
        .map(move |purpose| format!("{name}/{purpose}"));
    let replicas = (0..shape.replicas).flat_map(move |replica| {
        let modes = shape.modes.iter().flat_map(move |mode| {
            PURPOSES
                .iter()
                .map(move |purpose| format!("{name}/{replica}/{mode}/{purpose}"))
        });
        let pod = POD_PURPOSES
            .iter()
            .filter(|_| shape.pod)
            .map(move |purpose| format!("{name}/{replica}/{purpose}"));
        let race = shape
            .race
            .then(|| format!("{name}/{replica}/race"))
            .into_iter();
        modes.chain(pod).chain(race)
    });
    own.chain(replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(name: &str, replicas: u32, pod: bool, race: bool, session: bool) -> ComponentShape {
        ComponentShape {
            name: name.to_string(),
            replicas,
            modes: vec!["crash".to_string(), "hang".to_string()],
            pod,
            race,
            session,
            reassign: false,
        }
    }

    /// Every index the layout hands out names the label at that position, and the
    /// indices cover the keys exactly once.
    #[test]
    fn indices_name_their_labels() {
        let layout = StreamLayout::new(
            vec![
                shape("a", 2, true, true, true),
                shape("b", 1, false, false, false),
            ],
            Some(2),
        );
        let labels: Vec<String> = layout.labels().collect();
        assert_eq!(labels.len(), layout.len());
        let a = &layout.components[0];
        assert_eq!(labels[a.election], "a/election");
        assert_eq!(a.session.map(|s| labels[s].as_str()), Some("a/session"));
        assert_eq!(labels[a.mode(1, 1, Purpose::Repair)], "a/1/hang/repair");
        assert_eq!(labels[a.pod(1, PodPurpose::Start)], "a/1/start");
        assert_eq!(labels[a.race(0)], "a/0/race");
        let b = &layout.components[1];
        assert_eq!(labels[b.election], "b/election");
        assert_eq!(labels[b.mode(0, 0, Purpose::Every)], "b/0/crash/every");
        let nodes = layout.nodes.unwrap();
        assert_eq!(
            labels[nodes.stream(1, NodePurpose::Monitor)],
            "node/1/monitor"
        );
        assert_eq!(layout.len(), 1 + 1 + 2 * (6 + 2 + 1) + 1 + 6 + 2 * 3);
        let before = layout.len();
        let layout = layout.with_planned_work(vec!["b".to_string(), "a".to_string()], true);
        let labels: Vec<String> = layout.labels().collect();
        assert_eq!(labels.len(), layout.len());
        assert_eq!(layout.len(), before + 4);
        let planned = layout.planned.unwrap();
        assert_eq!(labels[planned.upgrade(0)], "b/upgrade");
        assert_eq!(labels[planned.upgrade(1)], "a/upgrade");
        assert_eq!(labels[planned.bad_rollout()], "maintenance/bad-rollout");
        assert_eq!(labels[planned.drain()], "maintenance/node-drain");
        let before = layout.len();
        let layout = layout.with_data_protection(vec!["drop".to_string(), "site".to_string()]);
        let labels: Vec<String> = layout.labels().collect();
        assert_eq!(labels.len(), layout.len());
        assert_eq!(layout.len(), before + 6);
        let data = layout.data.unwrap();
        assert_eq!(labels[data.every(1)], "incident/site/every");
        assert_eq!(labels[data.recovery(0)], "incident/drop/recovery");
        assert_eq!(labels[data.history()], "backup/history");
        assert_eq!(labels[data.past()], "backup/past");
    }
}
