//! End-to-end robustness of the binary: output paths that are not regular files, full and
//! closed standard streams, signals, file size limits, failed commits, stale temporary
//! files, and runs too large for any command. No test depends on timing: a signal is sent
//! only once a file proves the run has started.

use crate::cli::{nines, path_str};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nines"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that the command exited with `code` and `message` on its stderr.
fn exits_with(output: &Output, code: i32, message: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    assert!(stderr(output).contains(message), "{}", stderr(output));
}

/// Asserts that the command exited 2 with `message` in its errors.
fn fails_with(output: &Output, message: &str) {
    exits_with(output, 2, message);
}

fn partials(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|name| name.ends_with(".partial"))
                .collect()
        })
        .unwrap_or_default()
}

/// A `check` that runs in a moment and has targets.
const CHECK: [&str; 4] = ["check", "models/etcd-quorum.toml", "--years", "50"];

fn check_with_junit(junit: &Path) -> Output {
    let mut args = CHECK.to_vec();
    args.extend(["--junit", path_str(junit)]);
    nines(&args)
}

/// `/dev/full` (always full) is Linux's.
#[test]
#[cfg(target_os = "linux")]
fn junit_writes_through_dev_null_and_leaves_it_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let output = check_with_junit(Path::new("/dev/null"));
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    let null = fs::symlink_metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device());
    let full = check_with_junit(Path::new("/dev/full"));
    assert_eq!(full.status.code(), Some(2));
    assert!(
        stderr(&full).contains("error: cannot write the JUnit report /dev/full: No space left"),
        "{}",
        stderr(&full)
    );
}

#[test]
#[cfg(unix)]
fn junit_writes_through_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("junit.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let output = check_with_junit(&fifo);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    let xml = reader.join().unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(partials(dir.path()).is_empty());
}

#[test]
#[cfg(unix)]
fn junit_refuses_a_link_to_a_regular_file_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.xml");
    fs::write(&target, "kept").unwrap();
    let link = dir.path().join("link.xml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = check_with_junit(&link);
    fails_with(
        &output,
        &format!(
            "error: cannot write the JUnit report {}: it exists and is not a regular file (it is a symbolic link",
            link.display()
        ),
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), "kept");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let to_null = dir.path().join("null.xml");
    std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
    assert!(matches!(
        check_with_junit(&to_null).status.code(),
        Some(0 | 1)
    ));
    let output = check_with_junit(dir.path());
    fails_with(&output, "it is a directory");
    assert!(partials(dir.path()).is_empty());
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_stdout_exits_2_and_a_full_stderr_changes_nothing() {
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let run = ["run", "models/etcd-quorum.toml", "--years", "50"];
    let output = binary().args(run).stdout(full()).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error: cannot write to standard output: No space left on device"),
        "{}",
        stderr(&output)
    );
    let help = binary().arg("--help").stdout(full()).output().unwrap();
    assert_eq!(help.status.code(), Some(2), "{}", stderr(&help));
    // stderr full: the notes are lost, the run and its exit status are not.
    let output = binary().args(run).stderr(full()).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("availability"));
    let bad = binary()
        .args(["run", "models/no-such-model.toml"])
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_closed_stdout_pipe_ends_quietly_but_not_with_success() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = binary()
        .args(["run", "models/etcd-quorum.toml", "--years", "50"])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(141), "{}", stderr(&output));
    assert!(!stderr(&output).contains("error"), "{}", stderr(&output));
}

/// Starts a run of many years into `out`, and returns once its temporary files exist.
fn started_run(out: &Path) -> Child {
    let child = binary()
        .args([
            "run",
            "models/milvus-ha-l1.toml",
            "--years",
            "100000000",
            "--force",
            "--out",
        ])
        .arg(out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Waits for a condition, not for a time: the deadline only turns a hang into a failure.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while partials(out).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
#[cfg(unix)]
fn sigterm_stops_a_run_like_ctrl_c_and_leaves_nothing() {
    for name in ["INT", "TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let child = started_run(&out);
        signal(&child, name);
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(130),
            "{name}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("interrupted; no result files were written"));
        assert!(!out.exists(), "{name}: the output directory is left behind");
    }
}

#[test]
fn the_next_run_removes_the_temporary_files_of_a_killed_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = started_run(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = partials(&out);
    assert!(!left.is_empty(), "SIGKILL leaves the temporary files");
    let output = nines(&[
        "run",
        "models/etcd-quorum.toml",
        "--years",
        "20",
        "--out",
        path_str(&out),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(partials(&out).is_empty(), "{:?}", partials(&out));
    assert!(out.join("summary.json").exists());
}

#[test]
#[cfg(unix)]
fn a_file_size_limit_fails_the_run_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // 8 KiB: years.csv of 2000 years is larger.
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 8; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_nines"))
        .args([
            "run",
            "models/milvus-ha-l1.toml",
            "--years",
            "2000",
            "--out",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("error: cannot write {}/", out.display()))
            && stderr(&output).contains("File too large"),
        "{}",
        stderr(&output)
    );
    assert!(
        !out.exists(),
        "the run created the directory, so it removes it"
    );
}

#[test]
fn a_failed_commit_names_the_directory_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // A non-empty directory where years.csv goes: moving the file into place fails.
    fs::create_dir_all(dir.path().join("years.csv").join("in-the-way")).unwrap();
    let output = nines(&[
        "run",
        "models/etcd-quorum.toml",
        "--years",
        "20",
        "--out",
        path_str(dir.path()),
    ]);
    fails_with(
        &output,
        &format!(
            "error: cannot move the result files into place in {}",
            dir.path().display()
        ),
    );
    assert!(
        partials(dir.path()).is_empty(),
        "{:?}",
        partials(dir.path())
    );
}

#[test]
fn an_unwritable_directory_is_named_with_the_action() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "").unwrap();
    let out: PathBuf = file.join("out");
    let output = nines(&[
        "run",
        "models/etcd-quorum.toml",
        "--years",
        "20",
        "--out",
        path_str(&out),
    ]);
    fails_with(
        &output,
        &format!(
            "error: cannot create the output directory {}",
            out.display()
        ),
    );
}

/// A model whose one simulated year is far too large: `run` refuses it at once.
const EVERY_MILLISECOND: &str = "name = \"busy\"\nup = \"c\"\n[[component]]\nname = \"c\"\n\
    [[component.failure]]\nname = \"f\"\nevery = { dist = \"exponential\", mean = \"1ms\" }\nrepair = \"1ms\"\n";

#[test]
fn sweep_and_compare_refuse_what_run_refuses() {
    let model = crate::util::write_model(EVERY_MILLISECOND);
    let file = path_str(model.path());
    let run = nines(&["run", file, "--years", "2"]);
    assert_eq!(run.status.code(), Some(2));
    let sweep = nines(&[
        "sweep",
        file,
        "--years",
        "2",
        "--set",
        "component.c.replicas=1,2",
    ]);
    let compare = nines(&["compare", "models/etcd-quorum.toml", file, "--years", "2"]);
    for output in [&run, &sweep, &compare] {
        assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
        assert!(
            stderr(output).contains(&format!("error: {file}: one simulated year is too large")),
            "{}",
            stderr(output)
        );
        assert!(
            stderr(output).contains("pass --force"),
            "{}",
            stderr(output)
        );
    }
}

#[test]
fn runs_whose_years_or_rows_are_too_many_are_refused() {
    let model =
        crate::util::write_model("name = \"still\"\nup = \"c\"\n[[component]]\nname = \"c\"\n");
    let file = path_str(model.path());
    let years = nines(&["run", file, "--years", "1000000000000"]);
    assert_eq!(years.status.code(), Some(2));
    assert!(
        stderr(&years).contains("the run is too large"),
        "{}",
        stderr(&years)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let rows = nines(&[
        "run",
        file,
        "--years",
        "1000000000",
        "--out",
        path_str(&out),
    ]);
    assert_eq!(rows.status.code(), Some(2));
    assert!(
        stderr(&rows).contains("the result files are too large"),
        "{}",
        stderr(&rows)
    );
    assert!(!out.exists());
}

#[test]
fn compare_warns_when_the_horizons_differ() {
    let source =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/etcd-quorum.toml"))
            .unwrap();
    let other = nines::model::set_value(&source, "m.toml", "simulation.horizon", "30d").unwrap();
    let model = crate::util::write_model(&other);
    let output = nines(&[
        "compare",
        "models/etcd-quorum.toml",
        path_str(model.path()),
        "--years",
        "20",
    ]);
    exits_with(
        &output,
        0,
        "warning: the variants' [simulation] horizons differ (1y, 30d)",
    );
    // A sweep of the horizon asks for it, but its downtime differences compare different
    // spans all the same.
    let swept = nines(&[
        "sweep",
        "models/etcd-quorum.toml",
        "--set",
        "simulation.horizon=1y,2y",
        "--years",
        "20",
    ]);
    exits_with(
        &swept,
        0,
        "warning: the variants' [simulation] horizons differ (1y, 2y)",
    );
    // Downtime per 1y against per 2y is twice as much for the same system: the verdict
    // rests on availability instead, which the horizon leaves alone.
    let text = String::from_utf8_lossy(&swept.stdout);
    assert!(
        text.contains("points of availability") && text.contains("judged on availability"),
        "{text}"
    );
    assert!(!text.contains("of downtime per horizon"), "{text}");
}

#[test]
fn explain_of_an_extreme_shape_ends_and_says_so() {
    let gamma = |shape: &str| {
        format!(
            "name = \"g\"\nup = \"c\"\n[[component]]\nname = \"c\"\n[[component.failure]]\n\
             name = \"f\"\nevery = \"30d\"\nrepair = {{ dist = \"gamma\", shape = {shape}, mean = \"1h\" }}\n"
        )
    };
    let huge = crate::util::write_model(&gamma("1e12"));
    let text = crate::cli::nines_ok(&["explain", path_str(huge.path())]);
    // 1y / (30d + 1h): failures in the time up.
    assert!(text.contains("c/f        12.15"), "{text}");
    assert!(
        text.contains("=    1h 0m     1h 0m"),
        "the p99 of a near-constant repair: {text}"
    );
    let weibull = crate::util::write_model(
        "name = \"w\"\nup = \"c\"\n[[component]]\nname = \"c\"\n[[component.failure]]\n\
         name = \"f\"\nevery = \"30d\"\nrepair = { dist = \"weibull\", shape = 0.002, scale = \"1h\" }\n",
    );
    let text = crate::cli::nines_ok(&["explain", path_str(weibull.path())]);
    assert!(
        text.contains("The distributions of c/f are beyond what the closed form can evaluate"),
        "{text}"
    );
    assert!(!text.contains("inf /"), "{text}");
    // No estimate, so no warning drawn from one (it said "never up").
    let stderr = crate::cli::nines(&["explain", path_str(weibull.path())]).stderr;
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(!stderr.contains("never up"), "{stderr}");
    let json = crate::cli::nines_ok(&["explain", path_str(weibull.path()), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["beyond_closed_form"], serde_json::json!(["c/f"]));
}

/// Runs the binary under `sh` with `redirections` (`>&-` closes standard output).
#[cfg(unix)]
fn with_redirections(redirections: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("exec \"$0\" \"$@\" {redirections}"))
        .arg(env!("CARGO_BIN_EXE_nines"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// Rust's runtime reopens a closed standard output on /dev/null before `main`; nines
/// noticed before it did, so a command with something to print fails instead of printing
/// into nothing with success. Its result files are whole (written before the summary is
/// printed); with standard error closed too, it fails silently.
#[test]
#[cfg(all(unix, not(target_vendor = "apple")))]
fn a_closed_stdout_fails_the_command_and_leaves_the_results_whole() {
    let closed = "error: cannot write to standard output: it is closed";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = ["run", "models/etcd-quorum.toml", "--years", "50", "--out"];
    let mut args = run.to_vec();
    args.push(path_str(&out));
    fails_with(&with_redirections(">&-", &args), closed);
    assert!(out.join("summary.json").exists());
    assert!(partials(&out).is_empty(), "{:?}", partials(&out));
    for args in [
        &["explain", "models/etcd-quorum.toml"][..],
        &["trace", "models/etcd-quorum.toml", "--year", "0"],
        &["--help"],
        &["--version"],
    ] {
        fails_with(&with_redirections(">&-", args), closed);
    }
    let silent = with_redirections(">&- 2>&-", &["explain", "models/etcd-quorum.toml"]);
    assert_eq!(silent.status.code(), Some(2));
    assert!(silent.stderr.is_empty());
    // Standard output open, standard error closed: the command succeeds.
    let quiet = with_redirections("2>&-", &["explain", "models/etcd-quorum.toml"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&quiet.stdout).contains("availability"));
}

/// A model of 100,000 components (the limit), all alike, explains: components alike are
/// combined once (`explain`'s own tests count the work of components that all differ).
#[test]
#[ignore = "16 MB of model and JSON: about 20 s on a loaded machine; run with --ignored"]
fn explain_of_the_most_components_ends() {
    let mut text = String::from("name=\"many\"\nup=\"c0 & c99999\"\n");
    for i in 0..100_000 {
        text.push_str(&format!(
            "[[component]]\nname=\"c{i}\"\n[[component.failure]]\nname=\"f\"\n\
             every=\"30d\"\ndetect={{dist=\"uniform\",min=\"0s\",max=\"1s\"}}\n\
             repair={{dist=\"lognormal\",mean=\"10s\",sd=\"5s\"}}\n"
        ));
    }
    let model = crate::util::write_model(&text);
    let json = crate::cli::nines_ok(&["explain", path_str(model.path()), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["timelines"].as_array().unwrap().len(), 100_000);
    assert_eq!(json["timelines"][99_999]["cause"], "c99999/f");
    assert_eq!(json["timelines"][99_999], {
        let mut first = json["timelines"][0].clone();
        first["cause"] = "c99999/f".into();
        first
    });
    assert!(json.get("approximate").is_none());
}

/// A stop request reaches a process blocked outside the simulation: `check --baseline` on a
/// FIFO that no process writes waits in `open` for a writer, where the stop flag is never
/// looked at; SIGTERM still ends it, with 130, after the grace period.
#[test]
#[cfg(target_os = "linux")]
fn a_stop_ends_a_process_blocked_on_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("baseline.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut args = CHECK.to_vec();
    args.extend(["--baseline", path_str(&fifo)]);
    let child = binary().args(&args).stderr(Stdio::piped()).spawn().unwrap();
    // Waits for a condition, not for a time: the process blocked opening the FIFO.
    let wchan = format!("/proc/{}/wchan", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while fs::read_to_string(&wchan).unwrap_or_default() != "wait_for_partner" {
        assert!(std::time::Instant::now() < deadline, "never blocked");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    exits_with(
        &output,
        130,
        "interrupted, and still busy after 5 s (blocked on a file or a pipe",
    );
}

/// A stop reaches a year whose every replica crash-loops: each failure's restart loses
/// about 100,000 starts to the liveness probe within one event, which the stop check
/// counts, so the run ends at once rather than after the grace period.
#[test]
#[cfg(target_os = "linux")]
fn a_stop_reaches_a_year_of_crash_loops() {
    let model = crate::util::write_model(
        "name = \"crashloop\"\nup = \"api\"\n[kubernetes]\nnodes = 3\n\
         [[component]]\nname = \"api\"\nreplicas = 30000\nstart = \"1h\"\n\
         liveness = { initial_delay = \"0s\", period = \"1s\", timeout = \"1s\", \
         failure_threshold = 1 }\ntermination_grace_period = \"0s\"\n\
         [[component.failure]]\nname = \"crash\"\nevery = \"1s\"\n\
         detect = \"exit\"\nrepair = \"restart\"\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = binary()
        .args([
            "run",
            path_str(model.path()),
            "--years",
            "4",
            "--threads",
            "1",
        ])
        .args(["--force", "--out", path_str(&dir.path().join("out"))])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Waits for a condition, not for a time: a second of CPU time spent, which puts the
    // run inside the first year's crash loops (a year of them takes over ten seconds).
    let stat = format!("/proc/{}/stat", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while cpu_ticks(&stat) < 100 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(std::time::Instant::now() < deadline, "never busy");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    exits_with(&output, 130, "interrupted; no result files were written");
    assert!(
        !stderr(&output).contains("still busy"),
        "{}",
        stderr(&output)
    );
}

/// The user CPU time of a process in clock ticks (100 a second on Linux), from its
/// `/proc/PID/stat`.
#[cfg(target_os = "linux")]
fn cpu_ticks(stat: &str) -> u64 {
    let text = fs::read_to_string(stat).unwrap_or_default();
    // The fields after the command name, which is in parentheses; utime is the 14th field.
    text.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(11))
        .and_then(|ticks| ticks.parse().ok())
        .unwrap_or(0)
}

/// `--threads` is bounded: 65,535 worker threads took minutes to start.
#[test]
fn too_many_threads_are_refused() {
    for command in ["run", "bench", "compare"] {
        let mut args = vec![command, "models/etcd-quorum.toml"];
        if command == "compare" {
            args.push("models/etcd-quorum.toml");
        }
        args.extend(["--years", "10", "--threads", "65535"]);
        fails_with(&nines(&args), "65535 is not in 1..=256");
    }
}

/// `--out` naming something that is not a directory says so, not "File exists".
#[test]
#[cfg(unix)]
fn an_output_path_that_is_not_a_directory_is_named_as_such() {
    let run = |out: &Path| {
        nines(&[
            "run",
            "models/etcd-quorum.toml",
            "--years",
            "20",
            "--out",
            path_str(out),
        ])
    };
    fails_with(
        &run(Path::new("/dev/null")),
        "error: cannot create the output directory /dev/null: it exists and is not a directory",
    );
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    std::os::unix::fs::symlink(&two, &one).unwrap();
    std::os::unix::fs::symlink(&one, &two).unwrap();
    fails_with(&run(&one), "symbolic links");
}

/// A model whose years would each draw their backups up to an incident (one backup a
/// millisecond, 3e10 a year) is refused at once by the estimate, like any too large year;
/// the same with every backup failing runs, as a restore then looks for none.
#[test]
fn a_year_drawing_billions_of_backups_is_refused() {
    let model = crate::util::write_model(
        "name = \"endless\"\nup = \"c\"\n[[component]]\nname = \"c\"\n\
         [backup]\nevery = \"1ms\"\nduration = \"0s\"\nfails = \"0%\"\nrestore = \"1h\"\n\
         [[incident]]\nname = \"dropped\"\nkind = \"logical\"\nevery = \"30d\"\ndetect = \"0s\"\n",
    );
    let file = path_str(model.path());
    let run = nines(&["run", file, "--years", "2"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains(&format!("error: {file}: one simulated year is too large")),
        "{}",
        stderr(&run)
    );
    let source = std::fs::read_to_string(model.path()).unwrap();
    std::fs::write(model.path(), source.replace("\"0%\"", "\"100%\"")).unwrap();
    let run = nines(&["run", file, "--years", "2"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

/// Warnings are capped as errors are: 25 components without failure modes say the first
/// 20, then how many more.
#[test]
fn many_warnings_are_capped() {
    let mut toml = "name = \"w\"\nup = \"c0\"\n".to_string();
    for i in 0..25 {
        toml.push_str(&format!("[[component]]\nname = \"c{i}\"\n"));
    }
    let model = crate::util::write_model(&toml);
    let run = nines(&["run", path_str(model.path()), "--years", "10"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let said = stderr(&run);
    let warnings: Vec<&str> = said.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 21, "{said}");
    assert_eq!(warnings[20], "warning: … and 5 more warnings");
}

/// Runs of `--years` default whose work is not in their events are refused as the run too
/// large: weekly drains of 10,000 nodes (each scans the replicas per node), 300 Weibull
/// failure modes (each drawn again at every return), 100,000 holders of sessions in a store
/// whose leader fails every 30 minutes (each return of the store looks at them all), and
/// 1,000 attempts a millisecond apart through each 10 s failure a minute (each attempt a
/// piece to count). Each estimate was below the limit before it counted that work.
#[test]
fn work_inside_events_counts_toward_the_limits() {
    let drain = "name = \"drain\"\nup = \"api\"\n\
        [maintenance]\nnode_drain = { every = \"1w\", start = \"0s\", reboot = \"1s\" }\n\
        [kubernetes]\nnodes = 10000\n\
        [[component]]\nname = \"api\"\nreplicas = 10000\nstart = \"1s\"\n";
    let mut modes = "name = \"modes\"\nup = \"a\"\n[[component]]\nname = \"a\"\n".to_string();
    for i in 0..300 {
        let shape = 0.1 * f64::from(1 + i % 9);
        modes.push_str(&format!(
            "[[component.failure]]\nname = \"f{i}\"\n\
             every = {{ dist = \"weibull\", shape = {shape:.1}, mean = \"{}d\" }}\nrepair = \"1m\"\n",
            i + 1
        ));
    }
    let sessions = "name = \"sessions\"\nup = \"qn & etcd\"\n[kubernetes]\nnodes = 100\n\
        [[component]]\nname = \"qn\"\nreplicas = 100000\nstart = \"5s\"\n\
        session = { store = \"etcd\", ttl = \"30s\" }\n\
        [[component]]\nname = \"etcd\"\nreplicas = 3\nneeds = \"majority\"\n\
        leader = { election = \"1s\" }\nstart = \"1s\"\n\
        [[component.failure]]\nname = \"crash\"\nevery = \"30m\"\nrepair = \"1s\"\n";
    let retries = "name = \"retries\"\nup = \"a\"\n[traffic]\nrate = \"100/s\"\n\
        client = { attempts = 1000, backoff = \"1ms\", multiplier = 1 }\n\
        [[component]]\nname = \"a\"\n\
        [[component.failure]]\nname = \"f\"\nevery = \"1m\"\nrepair = \"10s\"\n";
    // Each refusal names where most of the work is, a component or another source.
    let sources = [
        (drain, "% from planned work)"),
        (&modes, "% from component `a`)"),
        (sessions, "% from the holders of session stores)"),
        (retries, "% from counting retried requests)"),
    ];
    for (source, busiest) in sources {
        let model = crate::util::write_model(source);
        let file = path_str(model.path());
        let run = nines(&["run", file]);
        fails_with(&run, &format!("error: {file}: the run is too large"));
        fails_with(&run, "pass --force");
        fails_with(&run, busiest);
    }
}
