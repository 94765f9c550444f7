//! `run --shard K/M` and `merge`: shards run as separate processes, in scrambled order,
//! merge into the single run's result files byte for byte; bad sets of shards are refused.

use super::cli::{nines, nines_ok, path_str};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Every file in `dir` (none of them in subdirectories), by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            (name, fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// Asserts that `dir` holds exactly the files `expected`, byte for byte; `what` names the
/// case.
fn same_files(dir: &Path, expected: &BTreeMap<String, Vec<u8>>, what: &str) {
    let got = files(dir);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (name, bytes) in expected {
        assert!(got[name] == *bytes, "{what}: {name} differs");
    }
}

/// Runs shard `k` of `m` of `years` years of `model` into `dir/sK`.
fn run_shard(model: &str, years: u64, k: u64, m: u64, dir: &Path) -> String {
    let out = dir.join(format!("s{k}"));
    let (years, shard) = (years.to_string(), format!("{k}/{m}"));
    nines_ok(&[
        "run",
        model,
        "--years",
        &years,
        "--shard",
        &shard,
        "--out",
        path_str(&out),
    ]);
    path_str(&out).to_string()
}

/// The indices 0..m in a scrambled (but fixed) order: odd ones descending, then even ones.
fn scrambled(m: u64) -> Vec<u64> {
    let mut order: Vec<u64> = (0..m).filter(|k| k % 2 == 1).rev().collect();
    order.extend((0..m).filter(|k| k % 2 == 0));
    order
}

/// Shards run in scrambled order and merged in another order give every result file of
/// the single run, byte for byte, for several shard counts, on a model with services.
#[test]
fn merged_shards_are_the_single_run_byte_for_byte() {
    for (model, years) in [
        ("models/etcd-quorum.toml", 70),
        ("models/milvus-ha-l1.toml", 45),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole");
        let n = years.to_string();
        nines_ok(&["run", model, "--years", &n, "--out", path_str(&whole)]);
        let expected = files(&whole);
        assert!(expected.contains_key("years.csv") && expected.contains_key("summary.json"));
        for m in [1, 2, 3, 7] {
            let shards = dir.path().join(format!("m{m}"));
            let mut dirs: Vec<String> = scrambled(m)
                .into_iter()
                .map(|k| run_shard(model, years, k, m, &shards))
                .collect();
            dirs.reverse();
            let merged = shards.join("merged");
            let mut args = vec!["merge"];
            args.extend(dirs.iter().map(String::as_str));
            args.extend(["--out", path_str(&merged)]);
            nines_ok(&args);
            same_files(&merged, &expected, &format!("{model}, {m} shards"));
        }
    }
}

/// A shard run twice into the same directory (a retried index) leaves the same files.
#[test]
fn a_shard_run_twice_is_the_same_shard() {
    let dir = tempfile::tempdir().unwrap();
    let model = "models/etcd-quorum.toml";
    let out = run_shard(model, 50, 1, 3, dir.path());
    let first = files(Path::new(&out));
    assert!(first.contains_key("shard.json"));
    run_shard(model, 50, 1, 3, dir.path());
    assert_eq!(files(Path::new(&out)), first);
}

/// Runs `nines merge DIRS --out dir/out`, expecting exit status 2 and returning stderr.
fn merge_refused(dirs: &[&str], dir: &Path) -> String {
    let out = dir.join("out");
    let mut args = vec!["merge"];
    args.extend(dirs);
    args.extend(["--out", path_str(&out)]);
    let output = nines(&args);
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    assert!(!out.exists(), "a refused merge writes nothing");
    String::from_utf8(output.stderr).unwrap()
}

/// Asserts that each merge of `cases` is refused with a message holding each of its
/// needles.
fn refused_each(cases: &[(&[&str], &[&str])], dir: &Path) {
    for (dirs, needles) in cases {
        let stderr = merge_refused(dirs, dir);
        for needle in *needles {
            assert!(
                stderr.contains(needle),
                "{dirs:?}: {needle:?} not in {stderr}"
            );
        }
    }
}

/// Shards of different runs, missing and duplicate shards and non-shards are refused,
/// each naming the problem and the directory.
#[test]
fn bad_sets_of_shards_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let etcd = "models/etcd-quorum.toml";
    let s0 = run_shard(etcd, 40, 0, 2, dir.path());
    let s1 = run_shard(etcd, 40, 1, 2, dir.path());
    let other = |name: &str, args: &[&str]| {
        let out = dir.path().join(name);
        let mut all = vec!["run"];
        all.extend(args);
        all.extend(["--out", path_str(&out)]);
        nines_ok(&all);
        path_str(&out).to_string()
    };
    let seed = other(
        "seed",
        &[etcd, "--years", "40", "--seed", "9", "--shard", "1/2"],
    );
    let years = other("years", &[etcd, "--years", "41", "--shard", "1/2"]);
    let count = other("count", &[etcd, "--years", "40", "--shard", "1/3"]);
    let model = other(
        "model",
        &[
            "models/single-server.toml",
            "--years",
            "40",
            "--shard",
            "1/2",
        ],
    );
    let plain = other("plain", &[etcd, "--years", "40"]);
    let cases: [(&[&str], &[&str]); 7] = [
        (&[&s0, &seed], &["seed 9, there 1", &seed]),
        (&[&s0, &years], &["years 41, there 40", &years]),
        (&[&s0, &count], &["shard count 3, there 2", &count]),
        (&[&s0, &model], &["another run", "model", &model]),
        (&[&s0], &["shard 1/2 is missing"]),
        (&[&s1, &s0, &s1], &["are both shard 1/2", &s1]),
        (&[&s0, &plain], &["not a shard", &plain]),
    ];
    refused_each(&cases, dir.path());
    // Another version's shard: the manifest names its version.
    let manifest = Path::new(&s1).join("shard.json");
    let text = fs::read_to_string(&manifest).unwrap();
    let ours = format!("\"nines\":\"{}\"", env!("CARGO_PKG_VERSION"));
    fs::write(&manifest, text.replace(&ours, "\"nines\":\"0.0.1\"")).unwrap();
    let stderr = merge_refused(&[&s0, &s1], dir.path());
    assert!(
        stderr.contains("written by nines 0.0.1") && stderr.contains(&s1),
        "{stderr}"
    );
}

/// Copies shard directory `from` to `to` (its files only).
fn copy_shard(from: &str, to: &Path) -> String {
    fs::create_dir_all(to).unwrap();
    for (name, bytes) in files(Path::new(from)) {
        fs::write(to.join(name), bytes).unwrap();
    }
    path_str(to).to_string()
}

/// A shard whose CSV files are not its own (copied from another shard, cut short, out of
/// order) or missing is refused, naming the directory, the file and what is wrong; a
/// merge never concatenates the rows of another shard's years.
#[test]
fn shards_with_csv_files_not_their_own_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let etcd = "models/etcd-quorum.toml";
    let s0 = run_shard(etcd, 60, 0, 3, dir.path());
    let s1 = run_shard(etcd, 60, 1, 3, dir.path());
    let s2 = run_shard(etcd, 60, 2, 3, dir.path());
    let years = |shard: &str| fs::read_to_string(Path::new(shard).join("years.csv")).unwrap();
    // years.csv (or outages.csv) of shard 0 in shard 1's directory.
    for file in ["years.csv", "outages.csv"] {
        let copy = copy_shard(&s1, &dir.path().join(format!("copy-{file}")));
        fs::copy(Path::new(&s0).join(file), Path::new(&copy).join(file)).unwrap();
        let stderr = merge_refused(&[&s0, &copy, &s2], dir.path());
        assert!(
            stderr.contains(&format!("{copy}: {file}: line 2 is of year 0"))
                && stderr.contains("this shard holds years 20–39"),
            "{stderr}"
        );
    }
    // A row lost, a row twice, a file cut short in the middle of a row, a header changed.
    let text = years(&s1);
    let lines: Vec<&str> = text.lines().collect();
    let without = |skip: usize| {
        let kept: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        kept.join("\n") + "\n"
    };
    let doubled = format!("{}{}\n", text, lines[lines.len() - 1]);
    let cases = [
        (without(5), "line 6 is of year 25 where year 24 was due"),
        (without(lines.len() - 1), "it ends before year 39"),
        (doubled, "line 22 is of year 39 where year 40 was due"),
        (
            text[..text.len() - 3].to_string(),
            "line 21 has no line end",
        ),
        (
            text.replacen("year,", "yr,", 1),
            "its header is not that of",
        ),
    ];
    for (index, (bad, needle)) in cases.into_iter().enumerate() {
        let copy = copy_shard(&s1, &dir.path().join(format!("bad{index}")));
        fs::write(Path::new(&copy).join("years.csv"), bad).unwrap();
        let stderr = merge_refused(&[&s0, &copy, &s2], dir.path());
        assert!(
            stderr.contains(&format!("{copy}: years.csv: {needle}")),
            "{needle}: {stderr}"
        );
    }
    // A missing file is named as missing, wherever the shard comes in the list.
    let missing = copy_shard(&s1, &dir.path().join("missing"));
    fs::remove_file(Path::new(&missing).join("years.csv")).unwrap();
    for dirs in [[&s0, &missing, &s2], [&missing, &s0, &s2]] {
        let stderr = merge_refused(&dirs.map(String::as_str), dir.path());
        assert!(
            stderr.contains(&format!("{missing}: years.csv is missing"))
                && !stderr.contains("another run"),
            "{stderr}"
        );
    }
    // The shards themselves still merge.
    let merged = dir.path().join("merged");
    nines_ok(&["merge", &s2, &s0, &s1, "--out", path_str(&merged)]);
}

/// More shards than years is refused before anything runs, as is a shard without --out.
#[test]
fn more_shards_than_years_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let run = |args: &[&str]| nines(&[&["run", "models/etcd-quorum.toml"], args].concat());
    let output = run(&["--years", "3", "--shard", "3/4", "--out", path_str(&out)]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("4 shards of 3 years"), "{stderr}");
    assert!(!out.exists());
    assert_eq!(
        run(&["--years", "3", "--shard", "0/2"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["--years", "3", "--shard", "2/2", "--out", "x"])
            .status
            .code(),
        Some(2)
    );
}

/// The sweep of these tests: three values of a repair mean on etcd, with report.html.
const SWEEP: [&str; 4] = [
    "sweep",
    "models/etcd-quorum.toml",
    "--set",
    "component.etcd.failure.crash.repair.mean=30s,2m,10m",
];

/// Runs shard `k` of `m` of the sweep over `years` years into `dir/sK`.
fn sweep_shard(years: &str, k: u64, m: u64, dir: &Path) -> String {
    let out = dir.join(format!("s{k}"));
    let shard = format!("{k}/{m}");
    let extra = ["--years", years, "--shard", &shard, "--out", path_str(&out)];
    nines_ok(&[&SWEEP[..], &extra].concat());
    path_str(&out).to_string()
}

/// Sweep shards run in scrambled order and merged in another give what the single sweep
/// prints and writes (sweep.csv, the plots, report.html), byte for byte, for several
/// shard counts, and with --json the same JSON.
#[test]
fn merged_sweep_shards_are_the_single_sweep_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let years = "60";
    let single = nines_ok(&[&SWEEP[..], &["--years", years, "--out", path_str(&whole)]].concat());
    let json = nines_ok(&[&SWEEP[..], &["--years", years, "--json"]].concat());
    let expected = files(&whole);
    assert!(expected.contains_key("sweep.csv") && expected.contains_key("report.html"));
    for m in [1, 2, 3, 7] {
        let shards = dir.path().join(format!("m{m}"));
        let mut dirs: Vec<String> = scrambled(m)
            .into_iter()
            .map(|k| sweep_shard(years, k, m, &shards))
            .collect();
        dirs.reverse();
        let merged = shards.join("merged");
        let mut args = vec!["merge"];
        args.extend(dirs.iter().map(String::as_str));
        let printed = nines_ok(&[&args[..], &["--out", path_str(&merged)]].concat());
        assert_eq!(printed, single, "{m} shards: the printed table");
        same_files(&merged, &expected, &format!("{m} shards"));
        let again = shards.join("json");
        let printed = nines_ok(&[&args[..], &["--json", "--out", path_str(&again)]].concat());
        assert_eq!(printed, json, "{m} shards: --json");
    }
}

/// Sweep shards of another sweep, missing or duplicate ones, and a run's shard among them
/// are refused by name.
#[test]
fn bad_sets_of_sweep_shards_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let s0 = sweep_shard("40", 0, 2, dir.path());
    let s1 = sweep_shard("40", 1, 2, dir.path());
    let other = sweep_shard("41", 1, 2, &dir.path().join("other"));
    let run = run_shard("models/etcd-quorum.toml", 40, 1, 2, &dir.path().join("run"));
    // A mix of a sweep's and a run's shards is named as one, whichever comes first.
    let mixed = format!("{s0} is a sweep's shard, but {run} is not");
    let cases: [(&[&str], &[&str]); 5] = [
        (&[&s0, &other], &["another sweep", &other]),
        (&[&s1], &["shard 0/2 is missing"]),
        (&[&s0, &s1, &s0], &["are both shard 0/2"]),
        (&[&s0, &run], &[&mixed]),
        (&[&run, &s0], &[&mixed]),
    ];
    refused_each(&cases, dir.path());
}

/// Runs `nines ARGS`, returning its stdout and exit status (0 or 1 for a check).
fn judged(args: &[&str]) -> (String, Option<i32>) {
    let output = nines(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "nines {args:?}: {stderr}"
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code(),
    )
}

/// Runs shard `k` of `m` of the check of `years` years of `model` into `dir/sK`, with
/// `extra` options.
fn check_shard(model: &str, years: u64, k: u64, m: u64, dir: &Path, extra: &[&str]) -> String {
    let out = dir.join(format!("s{k}"));
    let (years, shard) = (years.to_string(), format!("{k}/{m}"));
    let args = ["check", model, "--years", &years, "--shard", &shard];
    nines_ok(&[&args[..], extra, &["--out", path_str(&out)]].concat());
    path_str(&out).to_string()
}

/// Check shards run in scrambled order and merged in another print what the single check
/// prints, exit as it exits (1 on etcd, which misses a target; 0 on milvus, which meets
/// them) and write its files byte for byte (report.html with the verdicts), for 1, 2 and
/// 3 shards; with --json and --junit, the same JSON and JUnit XML.
#[test]
fn merged_check_shards_are_the_single_check_byte_for_byte() {
    for (model, years, status) in [
        ("models/etcd-quorum.toml", 45, 1),
        ("models/milvus-ha-l1.toml", 45, 0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole");
        let n = years.to_string();
        let check = ["check", model, "--years", &n];
        let single = judged(&[&check[..], &["--out", path_str(&whole)]].concat());
        assert_eq!(single.1, Some(status), "{model}: {}", single.0);
        let junit = dir.path().join("single.xml");
        let json = judged(&[&check[..], &["--json", "--junit", path_str(&junit)]].concat());
        let expected = files(&whole);
        let report = String::from_utf8(expected["report.html"].clone()).unwrap();
        assert!(report.contains("availability"), "{model}: no verdicts");
        for m in [1, 2, 3] {
            let shards = dir.path().join(format!("m{m}"));
            let mut dirs: Vec<String> = scrambled(m)
                .into_iter()
                .map(|k| check_shard(model, years, k, m, &shards, &[]))
                .collect();
            dirs.reverse();
            let mut args = vec!["merge"];
            args.extend(dirs.iter().map(String::as_str));
            let merged = shards.join("merged");
            let printed = judged(&[&args[..], &["--out", path_str(&merged)]].concat());
            assert_eq!(
                printed, single,
                "{model}, {m} shards: stdout and exit status"
            );
            same_files(&merged, &expected, &format!("{model}, {m} shards"));
            let xml = shards.join("merged.xml");
            let again = shards.join("json");
            let extra = [
                "--json",
                "--junit",
                path_str(&xml),
                "--out",
                path_str(&again),
            ];
            assert_eq!(
                judged(&[&args[..], &extra].concat()),
                json,
                "{model}: --json"
            );
            assert_eq!(fs::read(&xml).unwrap(), fs::read(&junit).unwrap());
        }
    }
}

/// --allow-inconclusive given to the shards is the check's: the merge exits as the single
/// check with it does.
#[test]
fn check_shards_keep_allow_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let model = "models/milvus-dr.toml";
    let check = ["check", model, "--years", "20", "--allow-inconclusive"];
    let single = judged(&check);
    // The option decides: 20 years leave a target inconclusive.
    assert_eq!(single.1, Some(0), "{}", single.0);
    assert_eq!(judged(&check[..4]).1, Some(1));
    let allow = ["--allow-inconclusive"];
    let dirs: Vec<String> = (0..2)
        .map(|k| check_shard(model, 20, k, 2, dir.path(), &allow))
        .collect();
    let out = dir.path().join("merged");
    let merged = judged(&["merge", &dirs[1], &dirs[0], "--out", path_str(&out)]);
    assert_eq!(merged, single);
}

/// A check's shards mixed with a run's or a sweep's, or with shards of other check
/// options, missing and duplicate check shards, and --junit on a run's shards are refused
/// by name; so are the options a shard cannot honour and a model without targets.
#[test]
fn bad_sets_of_check_shards_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let etcd = "models/etcd-quorum.toml";
    let c0 = check_shard(etcd, 40, 0, 2, dir.path(), &[]);
    let c1 = check_shard(etcd, 40, 1, 2, dir.path(), &[]);
    let allow = ["--allow-inconclusive"];
    let other = check_shard(etcd, 40, 1, 2, &dir.path().join("allow"), &allow);
    let run = run_shard(etcd, 40, 1, 2, &dir.path().join("run"));
    let sweep = sweep_shard("40", 1, 2, &dir.path().join("sweep"));
    let cases: [(&[&str], &[&str]); 6] = [
        (&[&c0, &run], &["a run's shard", "is a check's shard", &run]),
        (&[&run, &c0], &["a check's shard", "is a run's shard", &c0]),
        (&[&c0, &sweep], &["is a sweep's shard, but", &sweep]),
        (&[&c0, &other], &["check options", &other]),
        (&[&c1], &["shard 0/2 is missing"]),
        (&[&c0, &c1, &c0], &["are both shard 0/2"]),
    ];
    refused_each(&cases, dir.path());
    let run0 = run_shard(etcd, 40, 0, 2, &dir.path().join("run"));
    let xml = dir.path().join("x.xml");
    let stderr = merge_refused(&[&run0, &run, "--junit", path_str(&xml)], dir.path());
    assert!(
        stderr.contains("--junit needs the shards of a check"),
        "{stderr}"
    );
    assert!(!xml.exists());
    let out = dir.path().join("refused");
    let shard = ["check", etcd, "--years", "40", "--shard", "0/2", "--out"];
    let refusals: [(&[&str], &str); 3] = [
        (&["--until-decided"], "--until-decided"),
        (&["--baseline", "x.json"], "\"Baselines and shards\""),
        (&["--junit", "x.xml"], "--junit"),
    ];
    for (extra, needle) in refusals {
        let output = nines(&[&shard[..], &[path_str(&out)], extra].concat());
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(needle), "{extra:?}: {stderr}");
        assert!(!out.exists());
    }
    // merge has no --baseline: given one, it says what to do instead, as a shard does.
    let stderr = merge_refused(&[&c0, &c1, "--baseline", "x.json"], dir.path());
    assert!(
        stderr.contains("`nines merge` has no --baseline") && stderr.contains("unsharded"),
        "{stderr}"
    );
    // single-server.toml without its [slo] table.
    let text = fs::read_to_string("models/single-server.toml").unwrap();
    let (before, after) = text.split_once("[slo]").unwrap();
    let rest = &after[after.find("\n[").unwrap()..];
    let no_slo = dir.path().join("no-slo.toml");
    fs::write(&no_slo, format!("{before}{rest}")).unwrap();
    let output = nines(&[
        "check",
        path_str(&no_slo),
        "--years",
        "40",
        "--shard",
        "0/2",
        "--out",
        path_str(&out),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("sets no [slo] targets"), "{stderr}");
    assert!(!out.exists(), "a model without targets writes no shard");
}

/// A shard's printed summary says it is a shard and which years of the whole run it holds,
/// so that it does not read as a shorter run; for a run's shard and a check's alike.
#[test]
fn a_shard_says_which_years_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["run", "check"] {
        let out = dir.path().join(command);
        let text = nines_ok(&[
            command,
            "models/etcd-quorum.toml",
            "--years",
            "300",
            "--shard",
            "1/3",
            "--out",
            path_str(&out),
        ]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("shard 1/3: years 100–199 of 300"),
            "{text}"
        );
        assert!(
            lines
                .next()
                .unwrap()
                .ends_with(": 100 simulated years of 1y, seed 1"),
            "{text}"
        );
    }
}
