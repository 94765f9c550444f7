//! Helpers for the integration tests: run the built `nines` binary on a model written to a
//! temporary file and read the summary JSON it prints.

use std::io::Write;

use serde_json::Value;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Writes `toml` to a temporary `.toml` file (kept alive by the returned handle).
pub fn write_model(toml: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .prefix("nines-model-")
        .suffix(".toml")
        .tempfile()
        .expect("create temporary model file");
    f.write_all(toml.as_bytes()).expect("write model");
    f.flush().expect("flush model");
    f
}

/// Runs `nines run MODEL --years N --seed S --json` and returns the parsed summary.
pub fn run_json(toml: &str, years: u64, seed: u64) -> Value {
    let model = write_model(toml);
    let output = assert_cmd::cargo::cargo_bin_cmd!("nines")
        .arg("run")
        .arg(model.path())
        .args([
            "--years",
            &years.to_string(),
            "--seed",
            &seed.to_string(),
            "--json",
        ])
        .output()
        .expect("spawn nines");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "nines run failed ({:?})\nmodel:\n{toml}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}\nmodel:\n{toml}")
    });
    v
}

/// A number at a JSON path like `["availability", "mean"]`.
pub fn num(v: &Value, path: &[&str]) -> f64 {
    let mut cur = v;
    for p in path {
        cur = cur
            .get(p)
            .unwrap_or_else(|| panic!("summary lacks {path:?}:\n{v:#}"));
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number: {cur}"))
}

/// An availability figure (`{mean, ci95, nines}`) with the standard error recovered from
/// the Student-t 95% interval over `years` replications.
#[derive(Clone, Copy, Debug)]
pub struct Avail {
    pub mean: f64,
    /// (hi - lo) / (2 t_{0.975, years-1}) of the 95% interval [lo, hi].
    pub se: f64,
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975)
}

/// Reads the availability object at `path` (e.g. `["availability"]` or
/// `["services", "read", "availability"]`).
pub fn avail(v: &Value, path: &[&str], years: u64) -> Avail {
    let mut cur = v;
    for p in path {
        cur = cur
            .get(p)
            .unwrap_or_else(|| panic!("summary lacks {path:?}:\n{v:#}"));
    }
    let mean = cur
        .get("mean")
        .and_then(Value::as_f64)
        .expect("availability.mean");
    let ci = cur
        .get("ci95")
        .and_then(Value::as_array)
        .expect("availability.ci95");
    assert_eq!(ci.len(), 2, "ci95 must have two ends: {cur}");
    let lo = ci[0].as_f64().expect("ci95[0]");
    let hi = ci[1].as_f64().expect("ci95[1]");
    assert!(
        lo <= mean && mean <= hi,
        "mean {mean} outside its ci95 [{lo}, {hi}]"
    );
    let se = (hi - lo) / (2.0 * t975(years as f64 - 1.0));
    Avail { mean, se }
}

/// The common check of a simulated mean availability against an exact value.
///
/// - |simulated - exact| <= 4 se (se from the run's own 95% interval);
/// - the test has power: 0 < se <= `max_se_frac` * (1 - exact), so that the tolerance
///   4 se is a small fraction of the unavailability being checked;
/// - if `se_theory` is given (the exact standard error of the mean over years, from the
///   chain or from renewal theory), the run's se must agree with it within 20%, so the
///   reported interval is honest (neither inflated to make tests pass nor too narrow).
pub fn check_availability(
    label: &str,
    sim: Avail,
    exact: f64,
    se_theory: Option<f64>,
    max_se_frac: f64,
) {
    let unavail = 1.0 - exact;
    let z = (sim.mean - exact) / sim.se;
    println!(
        "{label}: exact {exact:.9} (1-A {unavail:.6e}), simulated {:.9}, se {:.3e}, \
         z {z:+.2}, se/(1-A) {:.4}{}",
        sim.mean,
        sim.se,
        sim.se / unavail,
        match se_theory {
            Some(s) => format!(", se_theory {s:.3e} (ratio {:.3})", sim.se / s),
            None => String::new(),
        }
    );
    assert!(
        sim.se > 0.0,
        "{label}: zero-width confidence interval {sim:?}"
    );
    assert!(
        sim.se <= max_se_frac * unavail,
        "{label}: se {} too large for a meaningful test (must be <= {max_se_frac} * {unavail})",
        sim.se
    );
    if let Some(s) = se_theory {
        let ratio = sim.se / s;
        assert!(
            (0.8..=1.25).contains(&ratio),
            "{label}: reported se {} disagrees with the theoretical se {s} (ratio {ratio})",
            sim.se
        );
    }
    assert!(
        (sim.mean - exact).abs() <= 4.0 * sim.se,
        "{label}: simulated availability {} differs from exact {exact} by {} = {z:.2} se \
         (se {})",
        sim.mean,
        sim.mean - exact,
        sim.se
    );
}

/// The `.toml` files in `dir` (relative to the repository root), sorted.
pub fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
}
