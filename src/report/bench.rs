//! The table `nines bench` prints: the engine against the random-number floor.

use crate::bench::Side;
use std::fmt::Write;

/// What was measured, for the table's heading.
pub struct BenchFacts<'a> {
    /// The model's name.
    pub model: &'a str,
    /// Replicas in the plan.
    pub replicas: usize,
    /// Years per run.
    pub years: u64,
    /// Rounds of interleaved runs.
    pub rounds: usize,
}

/// One row per thread count: median years/s of the engine alone, of the engine with
/// statistics (`run`) and of the floor, their ratios to the floor, events/s and draws/s;
/// then how the engine and the run scale with threads against the first row.
pub fn bench_text(facts: &BenchFacts<'_>, sides: &[Side]) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} replicas, {} years per run, {} interleaved rounds (medians)",
        facts.model, facts.replicas, facts.years, facts.rounds
    );
    let _ = writeln!(
        text,
        "threads  years/s: engine       run     floor  engine/floor  run/floor  M events/s  M draws/s"
    );
    for side in sides {
        let _ = writeln!(
            text,
            "{:>7}  {:>15.0}  {:>8.0}  {:>8.0}  {:>12.3}  {:>9.3}  {:>10.2}  {:>9.2}",
            side.threads,
            side.engine_years_per_sec(),
            side.run_years_per_sec(),
            side.floor_years_per_sec(),
            side.engine_ratio(),
            side.run_ratio(),
            side.events_per_sec() / 1e6,
            side.draws_per_sec() / 1e6
        );
    }
    if let Some((first, rest)) = sides.split_first() {
        for side in rest {
            let speedup = |of: fn(&Side) -> f64| of(side) / of(first).max(1e-9);
            let _ = writeln!(
                text,
                "{} threads against {}: engine {:.2}x, run {:.2}x, floor {:.2}x",
                side.threads,
                first.threads,
                speedup(Side::engine_years_per_sec),
                speedup(Side::run_years_per_sec),
                speedup(Side::floor_years_per_sec)
            );
        }
    }
    let _ = writeln!(
        text,
        "engine: simulation alone; run: with the statistics of `nines run`; floor: the same \
         draws without queue, state or statistics"
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::Timing;

    fn timing(years_per_sec: f64) -> Timing {
        Timing {
            years: 1000,
            work: 400_000,
            secs: 1000.0 / years_per_sec,
        }
    }

    #[test]
    fn table_shows_medians_ratio_and_scaling() {
        let side = |threads, engine: [f64; 3], floor: [f64; 3]| Side {
            threads,
            engine: engine.map(timing).to_vec(),
            run: engine.map(|e| timing(e / 2.0)).to_vec(),
            floor: floor.map(timing).to_vec(),
        };
        let sides = [
            side(1, [9000.0, 10000.0, 11000.0], [12000.0, 12500.0, 13000.0]),
            side(2, [19000.0, 19500.0, 20000.0], [24000.0, 25000.0, 26000.0]),
        ];
        let facts = BenchFacts {
            model: "m",
            replicas: 21,
            years: 1000,
            rounds: 3,
        };
        let text = bench_text(&facts, &sides);
        assert!(text.starts_with("m: 21 replicas, 1000 years per run, 3 interleaved rounds"));
        assert!(
            text.contains("      1            10000      5000     12500         0.800      0.400"),
            "{text}"
        );
        assert!(
            text.contains("2 threads against 1: engine 1.95x, run 1.95x, floor 2.00x"),
            "{text}"
        );
    }
}
