//! End-to-end tests of the `nines` binary: determinism, result files, trace, errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args` from the repository root.
pub(crate) fn nines(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the nines binary runs")
}

/// Runs the binary and insists on success, returning stdout.
pub(crate) fn nines_ok(args: &[&str]) -> String {
    let output = nines(args);
    assert!(
        output.status.success(),
        "nines {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

pub(crate) fn read(path: PathBuf) -> String {
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

const RESULT_FILES: [&str; 8] = [
    "summary.json",
    "accumulator.json",
    "years.csv",
    "outages.csv",
    "outage-cdf.svg",
    "downtime-histogram.svg",
    "timeline.svg",
    "report.html",
];

#[test]
fn results_are_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let three = dir.path().join("three");
    for (threads, out) in [("1", &one), ("2", &two), ("3", &three)] {
        nines_ok(&[
            "run",
            "models/milvus-ha-l1.toml",
            "--years",
            "700",
            "--threads",
            threads,
            "--out",
            path_str(out),
        ]);
    }
    for file in RESULT_FILES {
        let reference = fs::read(one.join(file)).unwrap();
        assert!(reference.len() > 100, "{file} is nearly empty");
        assert_eq!(
            reference,
            fs::read(two.join(file)).unwrap(),
            "{file}: 1 vs 2 threads"
        );
        assert_eq!(
            reference,
            fs::read(three.join(file)).unwrap(),
            "{file}: 1 vs 3 threads"
        );
    }
}

/// More threads than cores are allowed, with a note, and give the same results (256, the
/// most allowed, is more than any machine this runs on has).
#[test]
fn more_threads_than_cores_get_a_note() {
    let args = ["run", "models/etcd-quorum.toml", "--years", "50", "--json"];
    let many = nines(&[&args[..], &["--threads", "256"]].concat());
    assert!(many.status.success());
    let stderr = String::from_utf8_lossy(&many.stderr);
    assert!(
        stderr.contains("note: --threads 256 on ") && stderr.contains("take turns"),
        "{stderr}"
    );
    let one = nines(&[&args[..], &["--threads", "1"]].concat());
    assert_eq!(many.stdout, one.stdout);
    assert!(!String::from_utf8_lossy(&one.stderr).contains("take turns"));
}

#[test]
fn a_year_does_not_depend_on_how_many_years_run() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    let long = dir.path().join("long");
    nines_ok(&[
        "run",
        "models/milvus-ha-l1.toml",
        "--years",
        "100",
        "--out",
        path_str(&short),
    ]);
    nines_ok(&[
        "run",
        "models/milvus-ha-l1.toml",
        "--years",
        "300",
        "--out",
        path_str(&long),
    ]);
    let short_years = read(short.join("years.csv"));
    let long_years = read(long.join("years.csv"));
    assert_eq!(short_years.lines().count(), 101);
    assert!(
        long_years.starts_with(&short_years),
        "years.csv of 100 years is a prefix of 300"
    );
    let short_outages = read(short.join("outages.csv"));
    let long_outages = read(long.join("outages.csv"));
    assert!(short_outages.lines().count() > 100);
    assert!(
        long_outages.starts_with(&short_outages),
        "outages.csv of 100 years is a prefix of 300"
    );
}

#[test]
fn json_flag_prints_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = nines_ok(&[
        "run",
        "models/etcd-quorum.toml",
        "--years",
        "200",
        "--json",
        "--out",
        path_str(dir.path()),
    ]);
    assert_eq!(stdout, read(dir.path().join("summary.json")));
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["years"], 200);
    assert_eq!(summary["seed"], 1);
    assert_eq!(summary["horizon_s"], 31_536_000.0);
    for key in [
        "availability",
        "downtime_per_year_s",
        "outages_per_year",
        "rto_s",
        "services",
    ] {
        assert!(summary.get(key).is_some(), "summary.json has {key}");
    }
    let ci = &summary["availability"]["ci95"];
    let mean = summary["availability"]["mean"].as_f64().unwrap();
    assert!(ci[0].as_f64().unwrap() <= mean && mean <= ci[1].as_f64().unwrap());
}

#[test]
fn seed_flag_overrides_the_model_and_changes_results() {
    let seeded = |seed: &str| {
        nines_ok(&[
            "run",
            "models/single-server.toml",
            "--years",
            "50",
            "--json",
            "--seed",
            seed,
        ])
    };
    let one = seeded("1");
    assert_eq!(
        one,
        nines_ok(&[
            "run",
            "models/single-server.toml",
            "--years",
            "50",
            "--json"
        ])
    );
    assert_ne!(one, seeded("2"));
}

#[test]
fn result_files_follow_the_spec_layout() {
    let dir = tempfile::tempdir().unwrap();
    nines_ok(&[
        "run",
        "models/milvus-ha-l1.toml",
        "--years",
        "40",
        "--out",
        path_str(dir.path()),
    ]);
    let years = read(dir.path().join("years.csv"));
    let mut lines = years.lines();
    assert_eq!(
        lines.next(),
        Some(
            "year,availability,downtime_s,outages,search_availability,insert_availability,index_availability"
        )
    );
    assert_eq!(lines.count(), 40);
    let outages = read(dir.path().join("outages.csv"));
    let mut lines = outages.lines();
    assert_eq!(
        lines.next(),
        Some("year,start_s,duration_s,cause,detect_s,elect_s,repair_s")
    );
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 7, "{line}");
        let number = |i: usize| fields[i].parse::<f64>().unwrap();
        let phases = number(4) + number(5) + number(6);
        assert!(
            (phases - number(2)).abs() < 1e-6,
            "phases add up to the duration: {line}"
        );
        assert!(
            fields[3].contains('/'),
            "cause is component/failure: {line}"
        );
    }
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".partial")),
        "no temporary files left: {names:?}"
    );
}

#[test]
fn trace_shows_exactly_what_run_simulated() {
    let dir = tempfile::tempdir().unwrap();
    nines_ok(&[
        "run",
        "models/milvus-ha-l1.toml",
        "--years",
        "20",
        "--out",
        path_str(dir.path()),
    ]);
    let outages = read(dir.path().join("outages.csv"));
    for year in [0u64, 7, 19] {
        let expected: Vec<String> = outages
            .lines()
            .skip(1)
            .filter(|line| line.starts_with(&format!("{year},")))
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                format!(
                    "outage ends: started at {}s, lasted {}s, cause {}",
                    f[1], f[2], f[3]
                )
            })
            .collect();
        assert!(!expected.is_empty(), "year {year} has outages to compare");
        let trace = nines_ok(&[
            "trace",
            "models/milvus-ha-l1.toml",
            "--year",
            &year.to_string(),
            "--seconds",
        ]);
        let traced: Vec<&str> = trace
            .lines()
            .filter_map(|line| line.trim_start().split_once("  ").map(|(_, rest)| rest))
            .filter(|rest| rest.starts_with("outage ends"))
            .map(|rest| rest.split(" (detect").next().unwrap())
            .collect();
        assert_eq!(traced, expected, "year {year}");
    }
}

#[test]
fn a_bad_model_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bad.toml");
    fs::write(
        &model,
        "name = \"x\"\nup = \"db\"\n\n[[component]]\nname = \"db\"\nreplicas = 2\n\n  [[component.failure]]\n  name = \"crash\"\n  every = 30\n  repair = \"1m\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = nines(&["run", path_str(&model), "--out", path_str(&out)]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "error: {}:10:11: component.db.failure.crash.every: `30` is a bare number",
            model.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    assert!(!out.exists(), "nothing is written for a bad model");
    assert!(output.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(nines(&["run"]).status.code(), Some(2));
    assert_eq!(
        nines(&["run", "models/etcd-quorum.toml", "--years", "0"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        nines(&["run", "models/etcd-quorum.toml", "--threads", "0"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        nines(&["trace", "models/etcd-quorum.toml"]).status.code(),
        Some(2)
    );
    let missing = nines(&["run", "models/no-such-model.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("models/no-such-model.toml: cannot read")
    );
}

/// `results/` holds each shipped model's results, made by `scripts/regenerate-results`.
#[test]
fn committed_results_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let models = crate::util::toml_files("models");
    assert!(models.len() >= 3);
    for model in models {
        let name = model.file_stem().unwrap().to_str().unwrap();
        let out = dir.path().join(name);
        // The path as scripts/regenerate-results gives it: report.html shows it.
        let relative = format!("models/{name}.toml");
        nines_ok(&[
            "run",
            &relative,
            "--years",
            RESULT_YEARS,
            "--out",
            path_str(&out),
        ]);
        for file in RESULT_FILES {
            let committed = root.join("results").join(name).join(file);
            let fresh = fs::read(out.join(file)).unwrap();
            let Ok(old) = fs::read(&committed) else {
                panic!(
                    "{} is missing: run scripts/regenerate-results",
                    committed.display()
                );
            };
            if let Some(difference) = first_difference(&old, &fresh) {
                panic!(
                    "{} is stale ({difference}): run scripts/regenerate-results",
                    committed.display()
                );
            }
        }
    }
}

/// Characters of a differing line that a stale-file message shows.
const SHOWN_CHARS: usize = 160;

/// Where `fresh` first differs from `old`, line by line: the line number and both lines,
/// or `None` when they are the same bytes.
fn first_difference(old: &[u8], fresh: &[u8]) -> Option<String> {
    if old == fresh {
        return None;
    }
    let old = String::from_utf8_lossy(old);
    let fresh = String::from_utf8_lossy(fresh);
    let mut old_lines = old.split_inclusive('\n');
    let mut fresh_lines = fresh.split_inclusive('\n');
    let mut number = 1;
    loop {
        match (old_lines.next(), fresh_lines.next()) {
            (Some(a), Some(b)) if a == b => number += 1,
            (a, b) => {
                // Lines of an SVG or of report.html can be long: show their start.
                let shown = |line: Option<&str>| match line {
                    None => "end of file".to_string(),
                    Some(l) if l.chars().count() > SHOWN_CHARS => {
                        let start: String = l.chars().take(SHOWN_CHARS).collect();
                        format!("{start:?}...")
                    }
                    Some(l) => format!("{l:?}"),
                };
                return Some(format!(
                    "first difference at line {number}: committed {}, now {}",
                    shown(a),
                    shown(b)
                ));
            }
        }
    }
}

#[test]
fn a_stale_file_names_its_first_differing_line() {
    assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
    assert_eq!(
        first_difference(b"a\nb\nc\n", b"a\nB\nc\n").unwrap(),
        "first difference at line 2: committed \"b\\n\", now \"B\\n\""
    );
    assert_eq!(
        first_difference(b"a\n", b"a\nb\n").unwrap(),
        "first difference at line 2: committed end of file, now \"b\\n\""
    );
    assert_eq!(
        first_difference(b"a\nb", b"a\nb\n").unwrap(),
        "first difference at line 2: committed \"b\", now \"b\\n\""
    );
    let long = "x".repeat(SHOWN_CHARS + 1);
    let message = first_difference(long.as_bytes(), b"y").unwrap();
    assert_eq!(
        message,
        format!(
            "first difference at line 1: committed \"{}\"..., now \"y\"",
            &long[..SHOWN_CHARS]
        )
    );
}

/// Years simulated for `results/`; scripts/regenerate-results uses the same number.
const RESULT_YEARS: &str = "1000";

/// The manual page and the completion scripts come from the clap definitions.
#[test]
fn man_and_completions_are_generated_from_the_arguments() {
    let page = nines_ok(&["man"]);
    assert!(page.contains(".TH nines 1"), "{page}");
    assert!(page.contains("nines\\-sweep(1)"), "{page}");
    let check = nines_ok(&["man", "check"]);
    assert!(check.contains("\\-\\-allow\\-inconclusive"), "{check}");
    let unknown = nines(&["man", "walk"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).starts_with("error: there is no command `walk`")
    );
    // The page of calc lists nines-calc-parallel(1): that page is there too.
    let calc = nines_ok(&["man", "calc"]);
    assert!(calc.contains("nines\\-calc\\-parallel(1)"), "{calc}");
    let parallel = nines_ok(&["man", "calc", "parallel"]);
    assert!(parallel.contains(".TH nines-calc-parallel 1"), "{parallel}");
    assert!(parallel.contains("\\-\\-simulate"), "{parallel}");
    let unknown = nines(&["man", "calc", "walk"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.starts_with("error: there is no command `calc walk`; there are: nines,"),
        "{stderr}"
    );
    let bash = nines_ok(&["completions", "bash"]);
    assert!(
        bash.contains("_nines()") && bash.contains("--allow-inconclusive"),
        "{bash}"
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(
            nines_ok(&["completions", shell]).contains("nines"),
            "{shell}"
        );
    }
    assert_eq!(nines(&["completions", "tcsh"]).status.code(), Some(2));
}

/// Help never sends the user to a README they may not have.
#[test]
fn help_is_self_contained() {
    let mut pages = vec![nines_ok(&["--help"])];
    for command in [
        "run",
        "check",
        "trace",
        "explain",
        "sweep",
        "compare",
        "bench",
        "calc",
        "man",
        "completions",
    ] {
        pages.push(nines_ok(&[command, "--help"]));
    }
    for page in &pages {
        assert!(!page.contains("README"), "{page}");
    }
    assert!(pages[0].contains("Model file (TOML):"));
    assert!(pages[0].contains("nines man"));
}

/// A seed given on the command line can be written into a model: both take 0 to 2^63 − 1,
/// and one past it is a usage error (exit status 2) on the command line as in the model.
#[test]
fn seeds_have_the_same_range_on_the_command_line_and_in_a_model() {
    let max = "9223372036854775807";
    let past = "9223372036854775808";
    let args = |seed| {
        [
            "run",
            "models/single-server.toml",
            "--years",
            "2",
            "--seed",
            seed,
        ]
    };
    let on_line = nines_ok(&args(max));
    let model = fs::read_to_string("models/single-server.toml")
        .unwrap()
        .replace("seed = 1 ", &format!("seed = {max} "));
    let file = crate::util::write_model(&model);
    let in_model = nines_ok(&["run", path_str(file.path()), "--years", "2"]);
    assert_eq!(
        on_line.lines().skip(1).collect::<Vec<_>>(),
        in_model.lines().skip(1).collect::<Vec<_>>()
    );
    for command in [
        args(past).to_vec(),
        vec![
            "calc",
            "parallel",
            "99%",
            "99%",
            "--simulate",
            "--seed",
            past,
        ],
        vec![
            "sweep",
            "models/single-server.toml",
            "--set",
            "component.server.replicas=1,2",
            "--seed",
            past,
        ],
    ] {
        let output = nines(&command);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(past), "{stderr}");
    }
    let output = nines(&["run", path_str(file.path())]);
    assert_eq!(output.status.code(), Some(0));
    let too_big = crate::util::write_model(&model.replace(max, past));
    let output = nines(&["run", path_str(too_big.path()), "--years", "2"]);
    assert_eq!(output.status.code(), Some(2));
}

/// `--help` describes what the commands do: `run` and `check` name every file `--out`
/// writes (accumulator.json too), and `trace --help` shows durations as a trace prints them.
#[test]
fn help_texts_match_what_the_commands_write() {
    for command in ["run", "check"] {
        let help = nines_ok(&[command, "--help"]);
        let out = help
            .lines()
            .find(|line| line.trim_start().starts_with("--out"))
            .unwrap();
        for file in [
            "summary.json",
            "accumulator.json",
            "years.csv",
            "outages.csv",
        ] {
            assert!(out.contains(file), "{command}: {out}");
        }
    }
    let help = nines_ok(&["trace", "--help"]);
    assert!(
        !help.contains("45m49.507s") && help.contains("(2m 24s, 27.3s, 332ms)"),
        "{help}"
    );
    let trace = nines_ok(&["trace", "models/milvus-ha-l1.toml", "--year", "3"]);
    assert!(
        trace.contains("noticed after 25.3s, then repair takes 1m 4s"),
        "{trace}"
    );
}

/// `run --help` names the growing runs that --max-years caps without offering `run` an
/// option it does not have.
#[test]
fn max_years_help_names_each_growing_run() {
    let help = nines_ok(&["run", "--help"]);
    assert!(!help.contains("With --until-decided or"), "{help}");
    assert!(
        help.contains("check --until-decided, run --target-ci-width"),
        "{help}"
    );
}

/// The README's table of shipped models lists every file of models/ once, and its count of
/// the Milvus forms is the number of milvus-*.toml files.
#[test]
fn the_readme_lists_every_shipped_model_once() {
    let readme = fs::read_to_string("README.md").unwrap();
    let mut listed: Vec<&str> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `models/"))
        .filter_map(|rest| rest.split_once('`').map(|(file, _)| file))
        .collect();
    listed.sort_unstable();
    let mut shipped: Vec<String> = crate::util::toml_files("models")
        .iter()
        .map(|path| path.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    shipped.sort_unstable();
    assert_eq!(listed, shipped);
    let milvus = shipped.iter().filter(|f| f.starts_with("milvus-")).count();
    let words = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    let forms = format!("holds it in {} forms", words[milvus]);
    assert!(readme.contains(&forms), "the README does not say {forms:?}");
}

/// The first example of `optimize --help` runs on a shipped model and finds the cheapest
/// design the model's header derives (five replicas).
#[test]
fn the_optimize_help_example_runs_on_a_shipped_model() {
    let help = nines_ok(&["optimize", "--help"]);
    let example = help
        .lines()
        .find_map(|line| line.trim().strip_prefix("nines optimize models/"))
        .expect("an example on a shipped model");
    let mut args = vec!["optimize".to_string()];
    args.extend(
        format!("models/{example}")
            .split_whitespace()
            .map(str::to_string),
    );
    args.extend(["--years".to_string(), "2000".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = nines_ok(&args);
    assert!(
        text.contains("99.99% (--target) with 95% confidence: component.db.replicas=5 "),
        "{text}"
    );
}
