//! The tables `nines bench` prints: the engine against the random-number floors, and the
//! cost of a replica as the cluster grows.

use super::format::count;
use crate::bench::{Scale, Side, Timing, median, ratio_range};
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
        "{}: {}, {} years per run, {}",
        facts.model,
        count(facts.replicas as u64, "replica"),
        facts.years,
        rounds_heading(facts.rounds)
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
    let ratios: [Ratio; 2] = [
        ("engine/floor", |s| (&s.engine, &s.floor)),
        ("run/floor", |s| (&s.run, &s.floor)),
    ];
    text.push_str(&ranges(sides, &ratios, 3));
    text
}

/// A ratio's name, and the timings it divides for a thread count.
type Ratio = (&'static str, fn(&Side) -> (&[Timing], &[Timing]));

/// One line giving, for each thread count, the least and greatest of the rounds' values of
/// each ratio, with `digits` decimals, so that a reader sees how far a median could be from
/// a round; empty with fewer than two rounds, or ratios not measured.
fn ranges(sides: &[Side], ratios: &[Ratio], digits: usize) -> String {
    let per_side: Vec<String> = sides
        .iter()
        .filter_map(|side| {
            let each: Vec<String> = ratios
                .iter()
                .filter_map(|(name, of)| {
                    let (timings, base) = of(side);
                    let (least, greatest) = ratio_range(timings, base)?;
                    Some(format!("{name} {least:.digits$} to {greatest:.digits$}"))
                })
                .collect();
            let threads = count(side.threads as u64, "thread");
            (!each.is_empty()).then(|| format!("{threads}: {}", each.join(", ")))
        })
        .collect();
    if per_side.is_empty() {
        return String::new();
    }
    format!("range over the rounds: {}\n", per_side.join("; "))
}

/// One row per thread count against the independent floor: median years/s of the whole
/// `nines run` process (when measured) and of the independent floor, and the engine's, the
/// run's and the process's ratios to it (medians of each round's ratio).
pub fn independent_text(sides: &[Side]) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "threads  years/s: process  independent  engine/indep  run/indep  process/indep"
    );
    for side in sides {
        let measured = !side.process.is_empty();
        let _ = writeln!(
            text,
            "{:>7}  {}  {:>11.0}  {:>12.3}  {:>9.3}  {}",
            side.threads,
            dash_unless(measured, side.process_years_per_sec(), 16, 0),
            side.independent_years_per_sec(),
            side.against_independent(&side.engine),
            side.against_independent(&side.run),
            dash_unless(measured, side.against_independent(&side.process), 13, 3),
        );
    }
    let _ = writeln!(
        text,
        "process: a whole `nines run`; independent: as many draws of each distribution as \
         the engine makes, from one ChaCha8 stream a year with the fastest samplers and no \
         queue (the limit)"
    );
    let ratios: [Ratio; 1] = [("process/indep", |s| (&s.process, &s.independent))];
    text.push_str(&ranges(sides, &ratios, 3));
    text
}

/// One row per thread count against the reference (another simulator of the model, timed
/// as a whole process once a round): median years/s of the `nines run` process (a dash when
/// not measured) and of the reference, and how many times faster the process is (the median
/// of each round's ratio). `command` is the reference's command line, `years` the years of
/// each of its runs.
pub fn reference_text(command: &str, years: u64, sides: &[Side]) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "threads  years/s: process  reference  process/reference  floor/reference"
    );
    for side in sides {
        let measured = !side.process.is_empty();
        let _ = writeln!(
            text,
            "{:>7}  {}  {:>9.1}  {}  {:>15.1}",
            side.threads,
            dash_unless(measured, side.process_years_per_sec(), 16, 0),
            side.reference_years_per_sec(),
            dash_unless(measured, side.process_against_reference(), 17, 1),
            side.floor_against_reference(),
        );
    }
    let _ = writeln!(
        text,
        "reference: `{command}`, {years} years a run, once a round, as it runs whatever the \
         threads (a single-threaded simulator against nines on T threads); both are whole \
         processes, start-up included; floor/reference: the floor's years/s over the \
         reference's, the most any engine drawing the same numbers could reach"
    );
    let ratios: [Ratio; 1] = [("process/reference", |s| (&s.process, &s.reference))];
    text.push_str(&ranges(sides, &ratios, 1));
    // The same runs at every thread count: the first's are all of them.
    let runs = sides.first().map_or(&[][..], |side| &side.reference[..]);
    let secs = median(runs.iter().map(|run| run.secs));
    if !runs.is_empty() && secs < SHORT_REFERENCE_SECS {
        let _ = writeln!(
            text,
            "note: the reference's median run took {secs:.2} s, of which its start-up may be \
             much (Python and SimPy take about 0.1 s), so the ratio is too high; give it more \
             years (--reference-years, or leave it out to calibrate)"
        );
    }
    text
}

/// A reference's median run shorter than this is more than a tenth start-up for an
/// interpreter: Python and SimPy take about 0.1 s before the first simulated year.
const SHORT_REFERENCE_SECS: f64 = 1.0;

/// How many rounds the figures come from: their medians, or with one round its values.
fn rounds_heading(rounds: usize) -> String {
    match rounds {
        1 => format!("{} (no medians: one value of each)", count(1, "round")),
        _ => format!("{rounds} interleaved rounds (medians)"),
    }
}

/// `value` right-aligned in `width` with `digits` decimals, or a dash if not `measured`.
fn dash_unless(measured: bool, value: f64, width: usize, digits: usize) -> String {
    if measured {
        format!("{value:>width$.digits$}")
    } else {
        format!("{:>width$}", "-")
    }
}

/// One row per thread count and size of the cluster: replica-years per second of the engine
/// alone, of the run and of the floor, and what a replica-year costs against the first size
/// at the same thread count (medians of each round's ratio; 1 = flat).
pub fn scaling_text(model: &str, rounds: usize, scales: &[Scale]) -> String {
    let mut text = String::new();
    let Some(first) = scales.first() else {
        return text;
    };
    let _ = writeln!(
        text,
        "{model}: copies of every component in series, {}",
        rounds_heading(rounds)
    );
    let _ = writeln!(
        text,
        "threads  copies  replicas   years  replica-years/s: engine       run     floor  \
         cost vs first: engine   run  floor"
    );
    let columns: [fn(&Side) -> &[Timing]; 3] = [|s| &s.engine, |s| &s.run, |s| &s.floor];
    for (index, side) in first.sides.iter().enumerate() {
        for scale in scales {
            let rate = columns.map(|of| scale.replica_years_per_sec(index, of));
            let cost = columns.map(|of| scale.cost_against(first, index, of));
            let _ = writeln!(
                text,
                "{:>7}  {:>6}  {:>8}  {:>6}  {:>23.0}  {:>8.0}  {:>8.0}  {:>21.2}  {:>4.2}  {:>5.2}",
                side.threads,
                scale.copies,
                scale.replicas,
                scale.years,
                rate[0],
                rate[1],
                rate[2],
                cost[0],
                cost[1],
                cost[2]
            );
        }
    }
    let _ = writeln!(
        text,
        "each size simulates about the same replica-years; cost vs first: a replica-year's \
         time against the first size's (1 = flat, 2 = twice)"
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
            independent: floor.map(|f| timing(f * 2.0)).to_vec(),
            process: engine.map(|e| timing(e / 4.0)).to_vec(),
            reference: [50.0, 25.0, 100.0].map(timing).to_vec(),
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
        // engine/floor by round: 9000/12000, 10000/12500, 11000/13000.
        assert!(
            bench_text(&facts, &sides).contains(
                "range over the rounds: 1 thread: engine/floor 0.750 to 0.846, run/floor 0.375 \
                 to 0.423; 2 threads: engine/floor"
            ),
            "{}",
            bench_text(&facts, &sides)
        );
        let one_round = Side {
            engine: vec![timing(9000.0)],
            floor: vec![timing(12000.0)],
            run: vec![timing(4500.0)],
            ..sides[0].clone()
        };
        assert!(!bench_text(&facts, &[one_round]).contains("range over"));
        let text = independent_text(&sides);
        assert!(
            text.contains(
                "      1              2500        25000         0.400      0.200          0.100"
            ),
            "{text}"
        );
        let unmeasured = Side {
            process: Vec::new(),
            ..sides[0].clone()
        };
        assert!(
            independent_text(&[unmeasured]).contains("      1                 -        25000"),
            "a process not measured is a dash"
        );
        // Each round's ratio: 2250/50, 2500/25 and 2750/100, whose median is 45 (the ratio
        // of the medians would be 2500/50 = 50).
        let text = reference_text("sim 200", 200, &sides[..1]);
        assert!(
            text.contains("      1              2500       50.0               45.0"),
            "{text}"
        );
        assert!(
            text.contains("reference: `sim 200`, 200 years a run"),
            "{text}"
        );
        assert!(
            text.contains("range over the rounds: 1 thread: process/reference 27.5 to 100.0\n"),
            "{text}"
        );
        let unmeasured = Side {
            process: Vec::new(),
            ..sides[0].clone()
        };
        assert!(
            reference_text("sim 200", 200, &[unmeasured])
                .contains("      1                 -       50.0                  -"),
            "a process not measured is a dash"
        );
        assert!(!text.contains("note:"), "{text}");
        // Runs of the reference under a second are mostly its start-up.
        let short = Side {
            reference: vec![Timing {
                years: 10,
                work: 0,
                secs: 0.25,
            }],
            ..sides[0].clone()
        };
        let text = reference_text("sim 10", 10, &[short]);
        assert!(
            text.contains("note: the reference's median run took 0.25 s, of which its start-up"),
            "{text}"
        );
    }

    #[test]
    fn scaling_table_shows_rates_and_costs_against_the_first_size() {
        let scale = |copies, replicas, years_per_sec: f64| Scale {
            copies,
            replicas,
            years: 1000,
            sides: vec![Side {
                threads: 1,
                engine: vec![timing(years_per_sec)],
                run: vec![timing(years_per_sec / 2.0)],
                floor: vec![timing(years_per_sec * 2.0)],
                ..Side::default()
            }],
        };
        let scales = [scale(1, 20, 10_000.0), scale(100, 2000, 80.0)];
        let text = scaling_text("m", 1, &scales);
        assert!(text.starts_with("m: copies of every component in series, 1 round (no medians"));
        assert!(
            text.contains(
                "      1       1        20    1000                   200000    100000    400000                   1.00  1.00   1.00"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "      1     100      2000    1000                   160000     80000    320000                   1.25  1.25   1.25"
            ),
            "{text}"
        );
        assert_eq!(scaling_text("m", 1, &[]), "");
    }
}
