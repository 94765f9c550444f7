//! `nines bench`: the engine against the random-number floor.

use crate::cli::{nines, nines_ok};

/// One row per thread count with every column filled, then the scaling line; then one row
/// per thread count against the independent floor.
#[test]
fn bench_prints_medians_and_ratios_per_thread_count() {
    let out = nines_ok(&[
        "bench",
        "models/etcd-quorum.toml",
        "--years",
        "300",
        "--rounds",
        "3",
        "--threads",
        "1,2",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0]
            .starts_with("three-node etcd: 3 replicas, 300 years per run, 3 interleaved rounds"),
        "{out}"
    );
    for (line, threads) in lines[2..4].iter().zip(["1", "2"]) {
        let fields: Vec<f64> = line
            .split_whitespace()
            .map(|field| field.parse().unwrap())
            .collect();
        assert_eq!(fields.len(), 8, "{line}");
        assert_eq!(fields[0], threads.parse::<f64>().unwrap());
        assert!(fields[1..].iter().all(|value| *value > 0.0), "{line}");
    }
    assert!(
        lines[4].starts_with("2 threads against 1: engine "),
        "{out}"
    );
    // Against the independent floor, with a whole `nines run` process timed each round.
    assert!(
        lines[6].contains("process  independent  engine/indep"),
        "{out}"
    );
    for (line, threads) in lines[7..9].iter().zip(["1", "2"]) {
        let fields: Vec<f64> = line
            .split_whitespace()
            .map(|field| field.parse().unwrap())
            .collect();
        assert_eq!(fields.len(), 6, "{line}");
        assert_eq!(fields[0], threads.parse::<f64>().unwrap());
        assert!(fields[1..].iter().all(|value| *value > 0.0), "{line}");
    }
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
