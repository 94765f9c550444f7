//! The random-number floor: what an exact simulation of a plan pays for its draws when it
//! draws every failure mode on its own.
//!
//! For each replica, [`Floor::year`] draws the alternating sequence one simulated year
//! needs, with the engine's streams and samplers: the time to failure of every failure mode
//! (the earliest strikes), then the detection and repair of the mode that struck, again and
//! again until the horizon. At level 2 it also draws what the engine draws whatever the
//! state: each pod replica's probe phases at the start of the year, and each node's failures
//! and repairs (with when the node lifecycle controller notices). There is no event queue, no
//! system state and no statistics, so its years per second bound what an engine drawing the
//! same numbers can reach; benchmarks report the engine as a ratio to it. Leader elections,
//! session expiries and reloads are left out: they depend on the system state, and they only
//! make the engine draw more.
//!
//! The floor draws every mode's time to failure from its own stream, the plain exact way.
//! Where a component has two or more exponential modes the engine goes beyond it, racing
//! them in one draw (`dist::ExponentialRace`); without such a race the two draw exactly the
//! same numbers.

mod independent;

pub use independent::Independent;

use crate::mechanics::Draw;
use crate::mechanics::failure::{self, Repair};
use crate::mechanics::streams::{NodePurpose, PodPurpose, Purpose};
use crate::plan::Plan;
use crate::rng::{StreamDraw, Streams};
use crate::run::{CHUNK_YEARS, Interrupted, pipeline};
use crate::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};

/// Draws the random numbers of whole years of one plan, reusing its streams.
pub struct Floor<'p> {
    plan: &'p Plan,
    streams: Streams<'p>,
    /// Durations drawn this year besides each failure's detection and repair.
    draws: u64,
    /// Wrapping sum of the probe phases and node instants drawn this year.
    checksum: u64,
}

/// One failure the floor drew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FloorFailure {
    /// Global replica index.
    replica: u32,
    /// Failure mode index within the component.
    mode: u32,
    /// When it struck.
    at: Duration,
    /// Drawn detection time.
    detect: Duration,
    /// Drawn repair time.
    repair: Duration,
}

/// One node failure the floor drew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NodeFailure {
    node: u32,
    at: Duration,
    down_for: Duration,
}

/// What the floor drew: how many durations, and a checksum that keeps the work from being
/// optimised away (and shows two runs drew the same numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloorTotals {
    /// Years drawn.
    pub years: u64,
    /// Durations drawn (fixed ones included, though they open no stream).
    pub draws: u64,
    /// Wrapping sum of every instant reached, in microseconds.
    pub checksum: u64,
}

impl FloorTotals {
    /// Adds the totals of the years right after.
    pub fn add(&mut self, later: &FloorTotals) {
        self.years += later.years;
        self.draws += later.draws;
        self.checksum = self.checksum.wrapping_add(later.checksum);
    }
}

impl<'p> Floor<'p> {
    /// A floor for `plan`, with its streams allocated once.
    pub fn new(plan: &'p Plan) -> Floor<'p> {
        Floor {
            plan,
            streams: Streams::new(&plan.keys),
            draws: 0,
            checksum: 0,
        }
    }

    /// Draws what every replica needs for `year`, adding to `totals`.
    pub fn year(&mut self, year: u64, totals: &mut FloorTotals) {
        self.year_with(year, |failure| {
            totals.draws += 2;
            totals.checksum = totals.checksum.wrapping_add(failure.at.as_micros());
        });
        totals.years += 1;
        totals.draws += std::mem::take(&mut self.draws);
        totals.checksum = totals
            .checksum
            .wrapping_add(std::mem::take(&mut self.checksum));
    }

    /// Draws `year`, telling `on_failure` about every failure of every replica, replica by
    /// replica in plan order.
    fn year_with(&mut self, year: u64, mut on_failure: impl FnMut(FloorFailure)) {
        let plan = self.plan;
        self.streams.start_year(year);
        self.draw_probe_phases();
        self.draw_nodes(|_| {});
        for component in &plan.components {
            for replica in 0..component.replicas {
                let mut now = Duration::ZERO;
                loop {
                    let mut earliest = Duration::NEVER;
                    let mut strikes = 0;
                    for (index, mode) in component.modes.iter().enumerate() {
                        let stream = component.streams.mode(replica, index, Purpose::Every);
                        let ttf = failure::time_to_failure(self.draws(stream).draw(&mode.every));
                        if ttf < earliest {
                            earliest = ttf;
                            strikes = index;
                        }
                    }
                    self.draws += component.modes.len() as u64;
                    now = now.saturating_add(earliest);
                    if now >= plan.horizon {
                        break;
                    }
                    let mode = &component.modes[strikes];
                    let detect_stream = component.streams.mode(replica, strikes, Purpose::Detect);
                    // Liveness is in closed form from the probe's phase: no draw of its own.
                    let detect = mode
                        .detect
                        .draw(&mut self.draws(detect_stream), || Duration::ZERO);
                    let repair = match (&mode.repair, &component.pod) {
                        (Repair::After(dist), _) => {
                            let stream = component.streams.mode(replica, strikes, Purpose::Repair);
                            self.draws(stream).draw(dist)
                        }
                        // A restart draws the container's start (once, without crash loops).
                        (Repair::Restart, Some(pod)) => {
                            let stream = component.streams.pod(replica, PodPurpose::Start);
                            self.draws(stream).draw(&pod.pod.start)
                        }
                        (Repair::Restart, None) => Duration::ZERO,
                    };
                    on_failure(FloorFailure {
                        replica: component.first_replica + replica,
                        mode: strikes as u32,
                        at: now,
                        detect,
                        repair,
                    });
                    now = now.saturating_add(detect).saturating_add(repair);
                    if now >= plan.horizon {
                        break;
                    }
                }
            }
        }
    }

    /// Each pod replica's probe phases, as the engine draws them when the year starts.
    fn draw_probe_phases(&mut self) {
        let plan = self.plan;
        for component in &plan.components {
            let Some(pod) = &component.pod else {
                continue;
            };
            for replica in 0..component.replicas {
                let stream = component.streams.pod(replica, PodPurpose::Probes);
                let phases = pod.pod.probes.draw_phases(&mut self.draws(stream));
                let probes = &pod.pod.probes;
                for (probe, phase) in [
                    (probes.liveness, phases.liveness),
                    (probes.readiness, phases.readiness),
                    (probes.startup, phases.startup),
                ] {
                    if probe.is_some() {
                        self.record(phase);
                    }
                }
            }
        }
    }

    /// Each node's failures, repairs and noticing delays over the year, as the engine
    /// draws them, telling `on_failure` about each failure (node by node).
    fn draw_nodes(&mut self, mut on_failure: impl FnMut(NodeFailure)) {
        let plan = self.plan;
        let Some(nodes) = &plan.nodes else {
            return;
        };
        let Some(failure) = &nodes.failure else {
            return;
        };
        for node in 0..nodes.count {
            let mut now = Duration::ZERO;
            loop {
                let up_for =
                    failure.draw_up_for(&mut self.draws(nodes.stream(node, NodePurpose::Every)));
                now = now.saturating_add(up_for);
                self.record(now);
                if now >= plan.horizon {
                    break;
                }
                let down_for =
                    failure.draw_down_for(&mut self.draws(nodes.stream(node, NodePurpose::Repair)));
                let monitor = nodes.stream(node, NodePurpose::Monitor);
                let noticed = nodes.lifecycle.draw_notice(&mut self.draws(monitor));
                self.record(down_for);
                self.record(noticed);
                on_failure(NodeFailure {
                    node,
                    at: now,
                    down_for,
                });
                now = now.saturating_add(down_for);
                if now >= plan.horizon {
                    break;
                }
            }
        }
    }

    /// Counts one drawn duration into the draws and the checksum.
    fn record(&mut self, drawn: Duration) {
        self.draws += 1;
        self.checksum = self.checksum.wrapping_add(drawn.as_micros());
    }

    /// Stream `stream` of the year, drawn from exactly as the engine draws from it.
    fn draws(&mut self, stream: usize) -> StreamDraw<'_, 'p> {
        self.streams.on(stream)
    }
}

/// Draws years `0..years` of `plan` on `threads` threads, in the same chunks and on the
/// same pipeline as [`crate::run::simulate_years`], so the two compare like for like.
pub fn draw_years(
    plan: &Plan,
    years: u64,
    threads: usize,
    stop: &AtomicBool,
) -> Result<FloorTotals, Interrupted> {
    let mut totals = FloorTotals::default();
    let result = pipeline(
        0..years,
        CHUNK_YEARS,
        threads,
        stop,
        || Floor::new(plan),
        |floor, range, chunk: &mut FloorTotals| {
            *chunk = FloorTotals::default();
            // Stopped, the chunk is discarded: its remaining years are not drawn.
            range
                .take_while(|_| !stop.load(Ordering::Relaxed))
                .for_each(|year| floor.year(year, chunk));
        },
        |chunk: &mut FloorTotals| {
            totals.add(chunk);
            Ok::<(), std::convert::Infallible>(())
        },
    );
    match result {
        Ok(()) => Ok(totals),
        Err(_) => Err(Interrupted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, TraceEvent, Tracer};
    use crate::fixtures::{self, MODEL};

    /// Collects the engine's replica failures.
    struct Failures<'p>(&'p Plan, Vec<FloorFailure>);

    impl Tracer for Failures<'_> {
        fn event(&mut self, at: Duration, event: TraceEvent) {
            if let TraceEvent::ReplicaFailed {
                component,
                replica,
                mode,
                detect,
                repair,
            } = event
            {
                let first = self.0.components[component as usize].first_replica;
                self.1.push(FloorFailure {
                    replica: first + replica,
                    mode,
                    at,
                    detect,
                    repair,
                });
            }
        }
    }

    /// Without leaders or races (at most one exponential mode per component), the floor
    /// draws exactly the engine's numbers: the same failures at the same instants with the
    /// same detection and repair times.
    #[test]
    fn floor_draws_what_the_engine_draws() {
        let plan = fixtures::plan(MODEL, 3);
        assert!(plan.components.iter().all(|c| c.race.is_none()));
        let mut engine = Engine::new(&plan);
        let mut floor = Floor::new(&plan);
        let mut failures = 0;
        for year in 0..50 {
            let mut traced = Failures(&plan, Vec::new());
            engine.simulate_traced(year, &mut traced);
            // The engine reports failures in time order; the floor replica by replica.
            traced.1.sort_by_key(|f| (f.replica, f.at));
            let mut drawn = Vec::new();
            floor.year_with(year, |failure| drawn.push(failure));
            assert_eq!(drawn, traced.1, "year {year}");
            failures += drawn.len();
        }
        assert!(failures > 100, "too few failures to compare: {failures}");
    }

    /// At level 2 the floor draws the engine's node failures: the same nodes fail at the
    /// same instants for the same time.
    #[test]
    fn floor_draws_the_engines_node_failures() {
        struct NodeFailures(Vec<NodeFailure>);
        impl Tracer for NodeFailures {
            fn event(&mut self, at: Duration, event: TraceEvent) {
                if let TraceEvent::NodeFailed { node, down_for } = event {
                    self.0.push(NodeFailure { node, at, down_for });
                }
            }
        }
        let plan = Plan::compile(&fixtures::shipped("milvus-ha"), 5);
        let mut engine = Engine::new(&plan);
        let mut floor = Floor::new(&plan);
        let mut failures = 0;
        for year in 0..40 {
            let mut traced = NodeFailures(Vec::new());
            engine.simulate_traced(year, &mut traced);
            traced.0.sort_by_key(|f| (f.node, f.at));
            let mut drawn = Vec::new();
            floor.streams.start_year(year);
            floor.draw_nodes(|failure| drawn.push(failure));
            assert_eq!(drawn, traced.0, "year {year}");
            failures += drawn.len();
        }
        assert!(
            failures > 40,
            "too few node failures to compare: {failures}"
        );
    }

    #[test]
    fn parallel_floor_is_deterministic() {
        let plan = fixtures::plan(MODEL, 1);
        let stop = AtomicBool::new(false);
        let one = draw_years(&plan, 300, 1, &stop).unwrap();
        let two = draw_years(&plan, 300, 2, &stop).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.years, 300);
        assert!(one.draws > 300 * 3);
    }
}
