//! The engine on small hand-built plans: events are injected into the queue, and the
//! trace and outcome are compared with what the rules give, instant by instant.

use super::*;
use crate::dist::Dist;
use crate::expr::Expr;
use crate::mechanics::failure::{Detect, Repair};
use crate::mechanics::leader::Leader;
use crate::mechanics::node::{NodeFailure, NodeLifecycle};
use crate::mechanics::pod::{Pod, Probes};
use crate::mechanics::streams::{ComponentShape, StreamLayout};
use crate::plan::{ModePlan, NodesPlan, PodPlan};
use crate::rng::StreamKey;

fn s(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Never within a test's horizon.
fn never() -> Dist {
    Dist::fixed(s(10 * 365 * 86_400))
}

/// One failure mode that never strikes by itself (tests inject it), noticed after
/// `detect` and repaired after `repair`, or by a restart.
fn mode(detect: u64, repair: Option<u64>) -> ModePlan {
    ModePlan {
        name: "crash".to_string(),
        every: never(),
        detect: Detect::After(Dist::fixed(s(detect))),
        repair: repair.map_or(Repair::Restart, |r| Repair::After(Dist::fixed(s(r)))),
    }
}

/// What the stream layout needs to know of a component.
fn shape(
    name: &str,
    replicas: u32,
    modes: &[ModePlan],
    pod: bool,
    session: bool,
) -> ComponentShape {
    ComponentShape {
        name: name.to_string(),
        replicas,
        modes: modes.iter().map(|m| m.name.clone()).collect(),
        pod,
        race: false,
        session,
        reassign: false,
    }
}

/// Component `name` of `replicas` needing `needs`, with an office, a pod and its initial
/// nodes, or neither; [`assemble`] gives it its place in the plan.
fn component(
    name: &str,
    replicas: u32,
    needs: u32,
    leader: Option<Leader>,
    mode: ModePlan,
    pod: Option<(Pod, Vec<u32>)>,
) -> ComponentPlan {
    let modes = vec![mode];
    let own = shape(name, replicas, &modes, pod.is_some(), false);
    ComponentPlan {
        name: name.to_string(),
        first_replica: 0,
        replicas,
        needs,
        leader,
        modes,
        race: None,
        drawn_alone: vec![0],
        pod: pod.map(|(pod, initial_nodes)| PodPlan { pod, initial_nodes }),
        session: None,
        session_holders: Vec::new(),
        reassign: None,
        upgrade: None,
        causes: ["crash", "node", "session"]
            .map(|cause| format!("{name}/{cause}"))
            .to_vec(),
        streams: StreamLayout::new(vec![own], None).components[0],
    }
}

/// A plan of `components`, up when all of them serve, with a day's horizon: global
/// replica indices, streams and session holders filled in.
fn assemble(mut components: Vec<ComponentPlan>, nodes: Option<NodesPlan>) -> Plan {
    let shapes = components
        .iter()
        .map(|c| {
            shape(
                &c.name,
                c.replicas,
                &c.modes,
                c.pod.is_some(),
                c.session.is_some(),
            )
        })
        .collect();
    let layout = StreamLayout::new(shapes, nodes.as_ref().map(|n| n.count));
    let mut replica_component = Vec::new();
    for (index, component) in components.iter_mut().enumerate() {
        component.first_replica = replica_component.len() as u32;
        component.streams = layout.components[index];
        replica_component.extend(std::iter::repeat_n(
            index as u32,
            component.replicas as usize,
        ));
    }
    for holder in 0..components.len() {
        if let Some(session) = components[holder].session {
            components[session.store]
                .session_holders
                .push(holder as u32);
        }
    }
    let count = components.len();
    let up = Expr::All((0..count).map(Expr::Component).collect());
    Plan {
        horizon: s(86_400),
        components,
        replica_component,
        keys: layout.labels().map(|l| StreamKey::derive(1, &l)).collect(),
        conjunctions: vec![up.is_conjunction()],
        expressions: vec![up],
        readers: vec![vec![0]; count],
        expression_names: vec!["up".to_string()],
        nodes: nodes.map(|n| NodesPlan {
            streams: layout.nodes.expect("node streams"),
            ..n
        }),
        maintenance: None,
        traffic: None,
        data: None,
    }
}

/// A one-component plan `c` (see [`component`]).
fn plan(
    replicas: u32,
    needs: u32,
    leader: Option<Leader>,
    mode: ModePlan,
    pod: Option<(Pod, Vec<u32>)>,
    nodes: Option<NodesPlan>,
) -> Plan {
    assemble(
        vec![component("c", replicas, needs, leader, mode, pod)],
        nodes,
    )
}

/// Runs year 0 of `plan` with `failures` (time, replica) injected; returns the trace
/// (without the year's start and end) and the outcome.
fn run(
    plan: &Plan,
    failures: &[(u64, u32)],
    nodes: &[(u64, u32)],
) -> (Vec<(Duration, TraceEvent)>, YearOutcome) {
    let mut engine = Engine::new(plan);
    let mut trace = Vec::new();
    engine.start_year(0, &mut trace);
    for &(at, replica) in failures {
        let event = Event::Fail {
            replica,
            mode: 0,
            generation: 0,
        };
        engine.queue.push(s(at), event);
    }
    for &(at, node) in nodes {
        engine.queue.push(s(at), Event::NodeFail { node });
    }
    engine.handle_events(&mut trace);
    engine.end_year(&mut trace);
    trace.retain(|(_, e)| !matches!(e, TraceEvent::YearStart { .. } | TraceEvent::YearEnd));
    (trace, engine.outcome.clone())
}

/// The events of `trace` about the leader office.
fn office_events(trace: &[(Duration, TraceEvent)]) -> Vec<(Duration, TraceEvent)> {
    trace
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                TraceEvent::LeaderLost { .. }
                    | TraceEvent::ElectionStarted { .. }
                    | TraceEvent::LeaderElected { .. }
                    | TraceEvent::ElectionFailed { .. }
            )
        })
        .copied()
        .collect()
}

fn outage(start: u64, detect: u64, elect: u64, repair: u64) -> Outage {
    Outage {
        start: s(start),
        duration: s(detect + elect + repair),
        component: 0,
        mode: 0,
        phases: Phases {
            detect: s(detect),
            elect: s(elect),
            repair: s(repair),
        },
    }
}

/// The holder fails: the office goes to the lowest up replica after the election, and
/// back to replica 0 when the new holder fails in turn.
#[test]
fn the_office_passes_to_the_lowest_up_replica() {
    let election = Some(Leader::Election(Dist::fixed(s(2))));
    let plan = plan(3, 2, election, mode(1, Some(10)), None, None);
    let (trace, outcome) = run(&plan, &[(10, 0), (30, 1)], &[]);
    let component = 0;
    let started = TraceEvent::ElectionStarted {
        component,
        duration: s(2),
        handover: false,
        lease_ran_out: false,
    };
    assert_eq!(
        office_events(&trace),
        [
            (s(10), TraceEvent::LeaderLost { component }),
            (s(10), started),
            (
                s(12),
                TraceEvent::LeaderElected {
                    component,
                    replica: 1
                }
            ),
            (s(30), TraceEvent::LeaderLost { component }),
            (s(30), started),
            (
                s(32),
                TraceEvent::LeaderElected {
                    component,
                    replica: 0
                }
            ),
        ]
    );
    // Each outage is the election alone: two replicas serve throughout.
    assert_eq!(outcome.outages, [outage(10, 0, 2, 0), outage(30, 0, 2, 0)]);
    assert_eq!(outcome.downtime, [s(4)]);
}

/// Every replica fails at once: the election started with a quorum ends without one,
/// the office waits for two replicas, and the outage's phases are detection (until the
/// last failure is noticed), repair (until a quorum is back) and the second election.
#[test]
fn an_outage_splits_into_detection_repair_and_election() {
    let election = Some(Leader::Election(Dist::fixed(s(5))));
    let plan = plan(3, 2, election, mode(1, Some(10)), None, None);
    let (trace, outcome) = run(&plan, &[(100, 0), (100, 1), (100, 2)], &[]);
    let component = 0;
    let started = TraceEvent::ElectionStarted {
        component,
        duration: s(5),
        handover: false,
        lease_ran_out: false,
    };
    assert_eq!(
        office_events(&trace),
        [
            (s(100), TraceEvent::LeaderLost { component }),
            (s(100), started),
            (s(105), TraceEvent::ElectionFailed { component }),
            (s(111), started),
            (
                s(116),
                TraceEvent::LeaderElected {
                    component,
                    replica: 0
                }
            ),
        ]
    );
    assert_eq!(outcome.outages, [outage(100, 1, 5, 10)]);
}

/// The holder of a lease fails while the standby is down: the lease runs out in the store
/// meanwhile (20 to 30 s after the failure, for a TTL of 30 s), so the standby, back 90 s
/// later, takes over after `takeover` alone (SPEC section 2).
#[test]
fn a_lease_runs_out_while_no_standby_is_up() {
    let lease = Some(Leader::Lease(crate::mechanics::leader::LeaseTakeover {
        ttl: s(30),
        renew: s(10),
        takeover: Dist::fixed(s(2)),
    }));
    let plan = plan(2, 1, lease, mode(1, Some(99)), None, None);
    let (trace, outcome) = run(&plan, &[(10, 1), (20, 0)], &[]);
    let component = 0;
    assert_eq!(
        office_events(&trace),
        [
            (s(20), TraceEvent::LeaderLost { component }),
            (
                s(110),
                TraceEvent::ElectionStarted {
                    component,
                    duration: s(2),
                    handover: false,
                    lease_ran_out: true,
                }
            ),
            (
                s(112),
                TraceEvent::LeaderElected {
                    component,
                    replica: 1
                }
            ),
        ]
    );
    assert_eq!(outcome.outages, [outage(20, 1, 2, 89)]);
}

/// A failure scheduled before the replica went down is stale once it is down: the
/// replica fails once, and its repair is not undone.
#[test]
fn stale_generations_are_ignored() {
    let plan = plan(1, 1, None, mode(3, Some(7)), None, None);
    let (trace, outcome) = run(&plan, &[(10, 0), (12, 0)], &[]);
    let failures = trace
        .iter()
        .filter(|(_, e)| matches!(e, TraceEvent::ReplicaFailed { .. }))
        .count();
    assert_eq!(failures, 1);
    assert_eq!(outcome.outages, [outage(10, 3, 0, 7)]);
    // Both injected failures and the repair were handled, the second as stale.
    assert_eq!(outcome.events, 3);
}

/// A Deployment replica evicted while no node is up waits for any node, and starts on
/// the first to come back, not its own.
#[test]
fn an_evicted_deployment_replica_waits_for_any_node() {
    let pod = Pod {
        moves_off_failed_nodes: true,
        start: Dist::fixed(s(5)),
        probes: Probes::default(),
        termination_grace_period: s(30),
        endpoint_propagation: s(1),
    };
    let nodes = NodesPlan {
        count: 2,
        failure: Some(NodeFailure {
            every: never(),
            repair: Dist::fixed(s(100)),
        }),
        lifecycle: NodeLifecycle {
            grace: s(40),
            monitor_period: Duration::ZERO,
            toleration: s(30),
        },
        streams: StreamLayout::new(Vec::new(), Some(0)).nodes.unwrap(),
    };
    let plan = plan(1, 1, None, mode(0, None), Some((pod, vec![0])), Some(nodes));
    // Node 1 fails at 5 s (back at 105 s), node 0 with the replica at 10 s (back at 110 s):
    // noticed at 50 s, evicted at 80 s with no node up.
    let (trace, outcome) = run(&plan, &[], &[(5, 1), (10, 0)]);
    let pods: Vec<_> = trace
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                TraceEvent::Evicted { .. } | TraceEvent::ReplicaRepaired { .. }
            )
        })
        .copied()
        .collect();
    let (component, replica) = (0, 0);
    assert_eq!(
        pods,
        [
            (
                s(80),
                TraceEvent::Evicted {
                    component,
                    replica,
                    to: None
                }
            ),
            // Node 1 is back at 105 s: start 5 s, propagation 1 s.
            (s(111), TraceEvent::ReplicaRepaired { component, replica }),
        ]
    );
    // The node's loss is its own cause, noticed after the grace period.
    let node_loss = Outage {
        mode: 1,
        ..outage(10, 40, 0, 61)
    };
    assert_eq!(outcome.outages, [node_loss]);
}

/// The store fails for longer than the holder's session can last: the holder shuts down
/// when its session expires (2/3 to all of the TTL after the store stopped serving) and
/// restarts when the store serves again; the outage stays the store's.
#[test]
fn a_session_outlived_by_its_store_shuts_the_holder_down() {
    let store = component("store", 1, 1, None, mode(0, Some(100)), None);
    let mut holder = component("holder", 1, 1, None, mode(0, Some(1)), None);
    holder.session = Some(crate::plan::SessionPlan {
        store: 0,
        ttl: s(30),
    });
    let plan = assemble(vec![store, holder], None);
    let (trace, outcome) = run(&plan, &[(10, 0)], &[]);
    let lost: Vec<Duration> = trace
        .iter()
        .filter(|(_, e)| matches!(e, TraceEvent::SessionLost { component: 1 }))
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(lost.len(), 1, "{trace:?}");
    assert!(s(30) <= lost[0] && lost[0] <= s(40), "{lost:?}");
    // Without a pod the holder is back the moment the store serves again.
    let back = TraceEvent::ReplicaRepaired {
        component: 1,
        replica: 0,
    };
    assert!(trace.contains(&(s(110), back)), "{trace:?}");
    let store_outage = Outage {
        start: s(10),
        duration: s(100),
        component: 0,
        mode: 0,
        phases: Phases {
            detect: Duration::ZERO,
            elect: Duration::ZERO,
            repair: s(100),
        },
    };
    assert_eq!(outcome.outages, [store_outage]);
}

/// Three holders of sessions in one store (two replicas, both needed): a store outage longer than any session loses
/// each holder's session once, 2/3 to all of the TTL after the store stopped, in time order,
/// and again after the next such outage; an outage shorter than 2/3 of the TTL loses none
/// (only the earliest expiry of a store's holders is queued at a time, see `sessions`).
#[test]
fn every_holder_loses_its_session_once_per_long_store_outage() {
    let lost = |store_down: u64, failures: &[(u64, u32)]| {
        let store = component("store", 2, 2, None, mode(0, Some(store_down)), None);
        let mut components = vec![store];
        for name in ["a", "b", "c"] {
            let mut holder = component(name, 1, 1, None, mode(0, Some(1)), None);
            holder.session = Some(crate::plan::SessionPlan {
                store: 0,
                ttl: s(30),
            });
            components.push(holder);
        }
        let plan = assemble(components, None);
        let (trace, _) = run(&plan, failures, &[]);
        trace
            .iter()
            .filter_map(|(at, e)| match e {
                TraceEvent::SessionLost { component } => Some((*at, *component)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let long = lost(100, &[(10, 0), (200, 1)]);
    assert_eq!(long.len(), 6, "{long:?}");
    for (losses, stopped) in long.chunks(3).zip([s(10), s(200)]) {
        let mut holders: Vec<u32> = losses.iter().map(|(_, c)| *c).collect();
        holders.sort_unstable();
        assert_eq!(holders, [1, 2, 3], "{long:?}");
        assert!(losses.is_sorted_by_key(|(at, _)| *at), "{long:?}");
        for (at, _) in losses {
            let (earliest, latest) = (stopped.saturating_add(s(20)), stopped.saturating_add(s(30)));
            assert!(earliest <= *at && *at <= latest, "{long:?}");
        }
    }
    assert_eq!(lost(5, &[(10, 0), (20, 1)]), []);
}

/// An engine asked for the same year twice gives the same outcome twice, as it does for
/// that year after any other: every stream starts the year over.
#[test]
fn a_year_simulated_again_gives_the_same_outcome() {
    let plan = crate::fixtures::plan(crate::fixtures::MODEL, 11);
    let mut engine = Engine::new(&plan);
    for year in [0, 0, 5, 5, 5, 1] {
        let fresh = Engine::new(&plan).simulate(year).clone();
        assert!(!fresh.outages.is_empty(), "year {year} has no outages");
        assert_eq!(engine.simulate(year), &fresh, "year {year}");
    }
}

/// A year simulated into a slot that holds another year's outcome (buffers exchanged with
/// the engine's, as `run` does) is the outcome `simulate` gives, and the engine, holding the
/// slot's old buffers, goes on to give the same outcomes as a fresh one.
#[test]
fn a_year_simulated_into_a_used_slot_is_the_simulated_year() {
    let plan = crate::fixtures::plan(crate::fixtures::MODEL, 11);
    let mut engine = Engine::new(&plan);
    let mut slot = Engine::new(&plan).simulate(7).clone();
    for year in [0, 3, 3, 9] {
        let fresh = Engine::new(&plan).simulate(year).clone();
        assert!(!fresh.outages.is_empty(), "year {year} has no outages");
        engine.simulate_into(year, &mut slot);
        assert_eq!(slot, fresh, "year {year}");
        assert_eq!(
            engine.simulate(year + 1),
            Engine::new(&plan).simulate(year + 1)
        );
    }
}

/// Heavy node fan-out: 2,000 pod replicas on 100 nodes that fail about daily, so that each
/// of the year's ~70,000 node events scans every replica.
const FAN_OUT: &str = r#"
name = "fan-out"
up = "c"
[kubernetes]
nodes = 100
node_failure = { every = { dist = "exponential", mean = "1d" }, repair = { dist = "exponential", mean = "1h" } }
[[component]]
name = "c"
replicas = 2000
start = "10s"
  [[component.failure]]
  name = "crash"
  every = "1y"
  detect = "exit"
  repair = "restart"
"#;

/// Sets the stop flag at the first node failure, then counts the node events handled.
struct StopAtFirstNodeFailure<'a> {
    stop: &'a AtomicBool,
    node_events_after: u64,
}

impl Tracer for StopAtFirstNodeFailure<'_> {
    fn event(&mut self, _at: Duration, event: TraceEvent) {
        let node_event = matches!(
            event,
            TraceEvent::NodeFailed { .. } | TraceEvent::NodeRepaired { .. }
        );
        if node_event && self.stop.swap(true, Ordering::Relaxed) {
            self.node_events_after += 1;
        }
    }
}

/// A stop is looked at within bounded work, however costly each event: in a year of heavy
/// node fan-out (about 73,000 node events: 100 nodes failing daily, each failure and each
/// repair one event) the engine handles at most the node events that fit in one
/// stop-check's work after the flag is set (not the 65,536 events the check once waited
/// for), and a year started with the flag set handles none.
#[test]
fn a_stop_ends_a_year_of_heavy_node_fan_out_within_bounded_work() {
    let plan = crate::fixtures::plan(FAN_OUT, 1);
    let stop = AtomicBool::new(false);
    let mut tracer = StopAtFirstNodeFailure {
        stop: &stop,
        node_events_after: 0,
    };
    let mut engine = Engine::new(&plan).with_stop(&stop);
    let cut = engine.simulate_traced(0, &mut tracer).events;
    let scan = 1 + plan.replica_count() as u64;
    assert!(
        tracer.node_events_after <= STOP_CHECK_WORK / scan + 1,
        "{} node events after the stop",
        tracer.node_events_after
    );
    assert!(cut < 1_000, "{cut} events");
    assert!(engine.stop_requested());
    assert_eq!(engine.simulate(1).events, 0, "a year begun stopped");
}

/// Backups every millisecond, nearly all failing and kept for ever: a restore's search
/// would look at a million of them on average. The component fails at 1 s, before the
/// incident at 10 s.
const ENDLESS_SEARCH: &str = r#"name = "endless"
up = "c"
[backup]
every = "1ms"
duration = "0s"
fails = "99.9999%"
restore = "1h"
[[incident]]
name = "dropped"
kind = "logical"
every = "10s"
detect = "0s"
[[component]]
name = "c"
  [[component.failure]]
  name = "crash"
  every = "1s"
  repair = "1s"
"#;

/// Sets the stop flag at the first replica failure.
struct StopAtFirstFailure<'a>(&'a AtomicBool);

impl Tracer for StopAtFirstFailure<'_> {
    fn event(&mut self, _at: Duration, event: TraceEvent) {
        if matches!(event, TraceEvent::ReplicaFailed { .. }) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// A stop reaches into a restore's search of the backups: the year with a stop requested
/// before its first incident ends (after one stop check's work) instead of drawing a
/// million backups.
#[test]
fn a_stop_ends_a_search_of_a_year_of_backups() {
    let plan = crate::fixtures::plan(ENDLESS_SEARCH, 1);
    let stop = AtomicBool::new(false);
    let mut engine = Engine::new(&plan).with_stop(&stop);
    let events = engine
        .simulate_traced(0, &mut StopAtFirstFailure(&stop))
        .events;
    assert!(engine.stop_requested());
    assert!(events < 100, "{events} events");
}

/// Prefetching is a hint, and the queue's time buckets only a faster heap: with them and
/// with neither, every shipped model (and 100 copies of the Milvus model's components, where
/// the engine turns both on by itself) simulates to the same outcome, year for year.
#[test]
fn prefetching_and_buckets_change_no_value() {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir("models").unwrap() {
        let path = entry.unwrap().path();
        sources.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    let milvus = std::fs::read_to_string("models/milvus-ha-l1.toml").unwrap();
    let copies = crate::model::scale_copies(&milvus, "milvus-ha-l1.toml", 100).unwrap();
    sources.push(("100 copies of milvus-ha-l1.toml".to_string(), copies));
    for (name, source) in &sources {
        let plan = crate::fixtures::plan(source, 5);
        let large = name.starts_with("100 copies");
        assert_eq!(Engine::new(&plan).prefetch, large, "{name}");
        let years = if large { 2 } else { 20 };
        let mut with = Engine::new(&plan);
        let mut without = Engine::new(&plan);
        with.prefetch = true;
        without.prefetch = false;
        without.queue = EventQueue::default();
        for year in 0..years {
            assert_eq!(
                with.simulate(year),
                without.simulate(year),
                "{name}, year {year}"
            );
        }
    }
}
