//! The workload guard's verdicts in words, for stderr.

use crate::time::Duration;
use crate::workload::{
    MAX_EVENTS, MAX_EVENTS_PER_YEAR, MAX_MEMORY_BYTES, MAX_OUTPUT_BYTES, MAX_TRACE_BYTES, RunSize,
    TooLarge, Verdict,
};

/// Bytes in a GiB.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What to tell the user about a run judged `verdict`: empty for a fine one.
pub fn workload_message(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Fine => String::new(),
        Verdict::Slow(size) => format!("this run will take a while: {}", size_text(size)),
        Verdict::TooLarge(TooLarge::Year(size)) => format!(
            "one simulated year is too large: {}; the limit is {} events per year",
            size_text(size),
            short_number(MAX_EVENTS_PER_YEAR)
        ),
        Verdict::TooLarge(TooLarge::Run(size)) => format!(
            "the run is too large: {}; the limit is {} events in all",
            size_text(size),
            short_number(MAX_EVENTS)
        ),
        Verdict::TooLarge(TooLarge::Output { bytes, years }) => format!(
            "the result files are too large: about {:.1} GiB of years.csv for {} years; the \
             limit is {:.0} GiB (run without --out, or with fewer years)",
            bytes / GIB,
            short_number(*years as f64),
            MAX_OUTPUT_BYTES / GIB
        ),
        Verdict::TooLarge(TooLarge::Trace { bytes, events }) => format!(
            "the trace is too large: about {:.1} GiB for the {} events of a year; the limit is \
             {:.0} GiB (trace a shorter horizon, `--set simulation.horizon=1d`)",
            bytes / GIB,
            short_number(*events),
            MAX_TRACE_BYTES / GIB
        ),
        Verdict::TooLarge(TooLarge::Memory {
            bytes,
            streams,
            backups,
            threads,
        }) => format!(
            "the model needs about {:.1} GiB for its {} random streams{} on {threads} thread{}; the limit is {:.0} GiB",
            bytes / GIB,
            short_number(*streams),
            backup_history(*backups),
            plural(*threads),
            MAX_MEMORY_BYTES / GIB
        ),
    }
}

/// `about 2.0e6 events per simulated year (100% from component `c`), 2.0e6 in all,
/// expected to take 0.4 s on 2 threads`.
fn size_text(size: &RunSize) -> String {
    format!(
        "about {} events per simulated year{}, {} in all, expected to take {} on {} thread{}",
        short_number(size.events_per_year),
        busiest_note(size),
        short_number(size.events),
        human_seconds(size.seconds),
        size.threads,
        plural(size.threads),
    )
}

fn busiest_note(size: &RunSize) -> String {
    match &size.busiest {
        Some((name, events)) if size.events_per_year > 0.0 => {
            format!(
                " ({:.0}% from {name})",
                100.0 * events / size.events_per_year
            )
        }
        _ => String::new(),
    }
}

/// The backups a year keeps drawn, where there are any worth naming.
fn backup_history(backups: f64) -> String {
    if backups < 1e4 {
        return String::new();
    }
    format!(
        " and the draws of up to {} backups a year (fewer backups a year, \
         `[backup] every`, take less)",
        short_number(backups)
    )
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// `1234567.0` as `1.2e6`; small numbers as they are.
fn short_number(x: f64) -> String {
    if x < 1e4 {
        format!("{x:.0}")
    } else {
        format!("{x:.1e}")
    }
}

fn human_seconds(seconds: f64) -> String {
    if !seconds.is_finite() || seconds > Duration::MAX_MODEL.as_secs_f64() {
        return "longer than 10000 years".to_string();
    }
    super::duration(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(events_per_year: f64, threads: usize) -> RunSize {
        RunSize {
            events_per_year,
            busiest: Some(("component `c`".to_string(), events_per_year / 4.0)),
            events: events_per_year * 1000.0,
            seconds: 90.0,
            threads,
        }
    }

    #[test]
    fn verdicts_read_as_sentences() {
        assert_eq!(workload_message(&Verdict::Fine), "");
        assert_eq!(
            workload_message(&Verdict::Slow(size(2e6, 1))),
            "this run will take a while: about 2.0e6 events per simulated year (25% from \
             component `c`), 2.0e9 in all, expected to take 1m 30s on 1 thread"
        );
        let memory = Verdict::TooLarge(TooLarge::Memory {
            bytes: 6.0 * GIB,
            streams: 3e7,
            backups: 0.0,
            threads: 2,
        });
        assert_eq!(
            workload_message(&memory),
            "the model needs about 6.0 GiB for its 3.0e7 random streams on 2 threads; the \
             limit is 4 GiB"
        );
        let backups = Verdict::TooLarge(TooLarge::Memory {
            bytes: 9.4 * GIB,
            streams: 12.0,
            backups: 3.2e8,
            threads: 2,
        });
        assert_eq!(
            workload_message(&backups),
            "the model needs about 9.4 GiB for its 12 random streams and the draws of up to \
             3.2e8 backups a year (fewer backups a year, `[backup] every`, take less) on 2 \
             threads; the limit is 4 GiB"
        );
        let output = Verdict::TooLarge(TooLarge::Output {
            bytes: 20.0 * GIB,
            years: 300_000_000,
        });
        assert_eq!(
            workload_message(&output),
            "the result files are too large: about 20.0 GiB of years.csv for 3.0e8 years; the \
             limit is 16 GiB (run without --out, or with fewer years)"
        );
    }
}
