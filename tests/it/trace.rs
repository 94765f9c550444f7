//! `nines trace` for a class: day and clock times, one duration format, `--seconds`, and
//! `--worst`, the year the report calls the worst.

use crate::cli::{nines_ok, path_str, read};

/// Whether `stamp` reads `dN HH:MM:SS.mmm`.
fn is_day_clock(stamp: &str) -> bool {
    let Some((day, clock)) = stamp.strip_prefix('d').and_then(|s| s.split_once(' ')) else {
        return false;
    };
    let shape: Vec<bool> = clock.chars().map(|c| c.is_ascii_digit()).collect();
    day.parse::<u32>().is_ok()
        && shape
            == [
                true, true, false, true, true, false, true, true, false, true, true, true,
            ]
        && clock.as_bytes()[2] == b':'
        && clock.as_bytes()[8] == b'.'
}

#[test]
fn times_read_as_day_and_clock_and_durations_in_one_format() {
    let trace = nines_ok(&["trace", "models/etcd-quorum.toml", "--year", "0"]);
    let events: Vec<&str> = trace.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(events.len() > 10, "{trace}");
    for line in &events {
        let stamp = line[..19].trim_start();
        assert!(is_day_clock(stamp), "{line}");
        // No duration in raw seconds past a minute: `lasted 5h16m23.172232s`, never `18983.17s`.
        for word in line.split([' ', ',', '(', ')']) {
            if let Some(Ok(secs)) = word.strip_suffix('s').map(str::parse::<f64>) {
                assert!(secs < 60.0, "{line}");
            }
        }
    }
    let outage = events.iter().find(|l| l.contains("outage ends")).unwrap();
    assert!(outage.contains("started at d"), "{outage}");
    let seconds = nines_ok(&[
        "trace",
        "models/etcd-quorum.toml",
        "--year",
        "0",
        "--seconds",
    ]);
    assert_eq!(seconds.lines().count(), trace.lines().count());
    assert!(seconds.contains("#       time_s  event"), "{seconds}");
}

/// `--worst` traces the year with the most downtime of the run (the first of equals), as
/// years.csv of the same run shows it.
#[test]
fn worst_traces_the_year_with_the_most_downtime() {
    let dir = tempfile::tempdir().unwrap();
    let model = "models/etcd-quorum.toml";
    nines_ok(&[
        "run",
        model,
        "--years",
        "300",
        "--out",
        path_str(dir.path()),
    ]);
    let years = read(dir.path().join("years.csv"));
    let mut worst = (0u64, -1.0f64);
    for line in years.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let downtime: f64 = fields[2].parse().unwrap();
        if downtime > worst.1 {
            worst = (fields[0].parse().unwrap(), downtime);
        }
    }
    let trace = nines_ok(&["trace", model, "--worst", "--years", "300", "--seconds"]);
    assert!(
        trace.starts_with(&format!("# three-node etcd: year {} of seed 1", worst.0)),
        "{trace}"
    );
    assert!(
        trace
            .trim_end()
            .ends_with(&format!("downtime {}s", worst.1)),
        "{trace}"
    );
}
