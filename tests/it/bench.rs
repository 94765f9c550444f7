//! `nines bench`: the engine against the random-number floor.

use crate::cli::{nines, nines_ok};

/// The numbers of a table row, in order.
fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .map(|field| field.parse().unwrap())
        .collect()
}

/// The arguments of `nines bench models/etcd-quorum.toml --years YEARS --rounds ROUNDS`,
/// then `more`.
fn etcd_bench<'a>(years: &'a str, rounds: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let bench = [
        "bench",
        "models/etcd-quorum.toml",
        "--years",
        years,
        "--rounds",
        rounds,
    ];
    [&bench[..], more].concat()
}

/// One row per thread count with every column filled, then the scaling line; then one row
/// per thread count against the independent floor.
#[test]
fn bench_prints_medians_and_ratios_per_thread_count() {
    let out = nines_ok(&etcd_bench("300", "3", &["--threads", "1,2"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0]
            .starts_with("three-node etcd: 3 replicas, 300 years per run, 3 interleaved rounds"),
        "{out}"
    );
    for (line, threads) in lines[2..4].iter().zip(["1", "2"]) {
        let fields = numbers(line);
        assert_eq!(fields.len(), 8, "{line}");
        assert_eq!(fields[0], threads.parse::<f64>().unwrap());
        assert!(fields[1..].iter().all(|value| *value > 0.0), "{line}");
    }
    assert!(
        lines[4].starts_with("2 threads against 1: engine "),
        "{out}"
    );
    // How far the rounds' ratios spread, for each thread count.
    assert!(
        lines[6].starts_with("range over the rounds: 1 thread: engine/floor ")
            && lines[6].contains("; 2 threads: engine/floor "),
        "{out}"
    );
    // Against the independent floor, with a whole `nines run` process timed each round.
    assert!(
        lines[7].contains("process  independent  engine/indep"),
        "{out}"
    );
    for (line, threads) in lines[8..10].iter().zip(["1", "2"]) {
        let fields = numbers(line);
        assert_eq!(fields.len(), 6, "{line}");
        assert_eq!(fields[0], threads.parse::<f64>().unwrap());
        assert!(fields[1..].iter().all(|value| *value > 0.0), "{line}");
    }
    assert!(
        lines[11].starts_with("range over the rounds: 1 thread: process/indep "),
        "{out}"
    );
}

#[test]
fn bench_rejects_a_bad_model_and_zero_threads() {
    let output = nines(&["bench", "tests/no-such-model.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let output = nines(&["bench", "models/etcd-quorum.toml", "--threads", "0"]);
    assert_eq!(output.status.code(), Some(2));
}

/// `--copies N` times N copies of the components: N times the replicas; 0 copies and more
/// than the limit are usage errors.
#[test]
fn bench_copies_the_components() {
    let out = nines_ok(&[
        "bench",
        "models/milvus-ha.toml",
        "--copies",
        "3",
        "--years",
        "40",
        "--rounds",
        "1",
        "--threads",
        "1",
    ]);
    assert!(
        out.starts_with("milvus ha (level 2, seed probes): 63 replicas, 40 years per run"),
        "{out}"
    );
    for copies in ["0", "1001"] {
        let output = nines(&["bench", "models/etcd-quorum.toml", "--copies", copies]);
        assert_eq!(output.status.code(), Some(2), "--copies {copies}");
    }
}

/// Several `--copies` give one row per size, each simulating the replica-years of `--years`
/// years at the first size, with the cost of a replica-year against the first row.
#[test]
fn bench_copies_list_prints_the_cost_per_replica_at_each_size() {
    let out = nines_ok(&etcd_bench(
        "400",
        "1",
        &["--copies", "1,4", "--threads", "1"],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(
            "three-node etcd: copies of every component in series, 1 round (no medians"
        ),
        "{out}"
    );
    let rows: Vec<Vec<f64>> = lines[2..4].iter().map(|line| numbers(line)).collect();
    // threads, copies, replicas, years, three rates, three costs.
    assert!(rows.iter().all(|row| row.len() == 10), "{out}");
    assert_eq!(rows[0][..4], [1.0, 1.0, 3.0, 400.0], "{out}");
    assert_eq!(rows[1][..4], [1.0, 4.0, 12.0, 100.0], "{out}");
    assert_eq!(
        rows[0][7..],
        [1.0, 1.0, 1.0],
        "the first size against itself: {out}"
    );
    assert!(rows.iter().flatten().all(|value| *value > 0.0), "{out}");
    assert!(
        lines[4].starts_with("each size simulates about the same replica-years"),
        "{out}"
    );
    let output = nines(&["bench", "models/etcd-quorum.toml", "--copies", "1,0"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a zero in the list is a usage error"
    );
}

/// `--reference` times another simulator of the model once a round, here nines itself on
/// one thread, and compares the `nines run` process with it.
#[test]
fn bench_compares_the_process_with_a_reference() {
    let reference = format!(
        "{} run {{model}} --years {{years}} --threads 1",
        env!("CARGO_BIN_EXE_nines")
    );
    let more = [
        "--threads",
        "1,2",
        "--reference",
        &reference,
        "--reference-years",
        "150",
    ];
    let out = nines_ok(&etcd_bench("300", "1", &more));
    let lines: Vec<&str> = out.lines().collect();
    let heading = lines
        .iter()
        .position(|line| line.contains("process  reference  process/reference"))
        .unwrap_or_else(|| panic!("no reference table: {out}"));
    for (line, threads) in lines[heading + 1..heading + 3].iter().zip([1.0, 2.0]) {
        let fields = numbers(line);
        // threads, process, reference, process/reference, floor/reference
        assert_eq!(fields.len(), 5, "{line}");
        assert_eq!(fields[0], threads);
        assert!(fields[1..].iter().all(|value| *value > 0.0), "{line}");
    }
    // Once a round, the same reference at every thread count.
    assert_eq!(
        numbers(lines[heading + 1])[2],
        numbers(lines[heading + 2])[2]
    );
    assert!(
        lines[heading + 3]
            .contains("models/etcd-quorum.toml --years 150 --threads 1`, 150 years a run"),
        "{out}"
    );
    // nines simulates 150 years of etcd in milliseconds: mostly start-up, and said so.
    assert!(
        lines[heading + 4].starts_with("note: the reference's median run took"),
        "{out}"
    );
}

/// A reference that fails says why (its exit status and last line on stderr), with status
/// 2; one without `{years}` or `{model}`, or beside several `--copies`, is a usage error, as
/// is `--reference-years` alone.
#[test]
fn bench_reports_a_failing_or_misplaced_reference() {
    let nines_binary = env!("CARGO_BIN_EXE_nines");
    let failing = format!("{nines_binary} run tests/no-such-{{model}} --years {{years}}");
    let output = nines(&etcd_bench(
        "50",
        "1",
        &["--threads", "1", "--reference", &failing],
    ));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot time the reference `"), "{stderr}");
    assert!(stderr.contains("exit status: 2 (stderr: "), "{stderr}");
    assert!(
        stderr.contains("tests/no-such-models/etcd-quorum.toml"),
        "{stderr}"
    );
    let untold = format!("{nines_binary} run {{model}}");
    let output = nines(&etcd_bench("50", "1", &["--reference", &untold]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no `{years}`"), "{stderr}");
    let misplaced = ["--copies", "1,2", "--reference", "sim {model} {years}"];
    let output = nines(&etcd_bench("50", "1", &misplaced));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot be used with --copies"), "{stderr}");
    let output = nines(&etcd_bench("50", "1", &["--reference-years", "10"]));
    assert_eq!(output.status.code(), Some(2));
    // No shell runs it: quotes stay, and are refused.
    let quoted = "'python3 sim.py' {model} {years}";
    let output = nines(&etcd_bench("50", "1", &["--reference", quoted]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("quotes are not removed"), "{stderr}");
}
