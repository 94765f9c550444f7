//! The corpus of malformed models in `tests/bad-models/`: each `NAME.toml` must be rejected
//! with exit status 2, nothing written, and exactly the messages in `NAME.stderr`.
//!
//! After a deliberate change of messages, regenerate the expectations with
//! `NINES_UPDATE_SNAPSHOTS=1 cargo test --profile fast bad_models` and review the diff.

use crate::util::toml_files;
use nines::model::Model;
use std::fs;
use std::path::Path;
use std::process::Command;

#[test]
fn every_bad_model_gets_its_exact_error_and_exit_2() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("NINES_UPDATE_SNAPSHOTS").is_some();
    let models = toml_files("tests/bad-models");
    assert!(models.len() >= 30, "the corpus has {} models", models.len());
    let out = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    for model in &models {
        let relative = model.strip_prefix(root).unwrap();
        let out_dir = out.path().join(relative.file_stem().unwrap());
        let output = Command::new(env!("CARGO_BIN_EXE_nines"))
            .args([
                "run".as_ref(),
                relative.as_os_str(),
                "--out".as_ref(),
                out_dir.as_os_str(),
            ])
            .current_dir(root)
            .output()
            .unwrap();
        let name = relative.display();
        assert_eq!(output.status.code(), Some(2), "{name}: exit status");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(!out_dir.exists(), "{name}: no output directory");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let expected_path = model.with_extension("stderr");
        if update {
            fs::write(&expected_path, &stderr).unwrap();
        } else if fs::read_to_string(&expected_path).ok().as_deref() != Some(stderr.as_str()) {
            mismatches.push(format!("{name}:\n{stderr}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "messages differ from the .stderr files:\n{}",
        mismatches.join("\n")
    );
}

/// Each bad model's errors, as the library reports them: their kinds match
/// `tests/bad-models/kinds.txt` (one `NAME: KIND KIND ...` line per model), and every
/// position is a span inside the file whose start is the line and column shown.
#[test]
fn every_bad_model_gets_its_kinds_and_spans() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut lines = Vec::new();
    for model in toml_files("tests/bad-models") {
        let errors = Model::load(&model).unwrap_err().errors;
        let bytes = fs::read(&model).unwrap();
        for error in &errors {
            let Some(position) = error.position() else {
                continue;
            };
            let span = position.span();
            assert!(
                span.start <= span.end && span.end <= bytes.len(),
                "{error}: {span:?}"
            );
            let before = String::from_utf8_lossy(&bytes[..span.start]);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            assert_eq!(
                (position.line(), position.column()),
                (line, column),
                "{error}"
            );
            let place = format!("{}:{line}:{column}: ", model.display());
            assert!(error.to_string().starts_with(&place), "{error}");
        }
        let kinds: Vec<String> = errors.iter().map(|e| format!("{:?}", e.kind())).collect();
        let name = model.file_stem().unwrap().to_string_lossy();
        lines.push(format!("{name}: {}\n", kinds.join(" ")));
    }
    let found = lines.concat();
    let expected_path = root.join("tests/bad-models/kinds.txt");
    if std::env::var_os("NINES_UPDATE_SNAPSHOTS").is_some() {
        fs::write(&expected_path, &found).unwrap();
    }
    assert_eq!(fs::read_to_string(&expected_path).unwrap(), found);
}

/// A model of one component `db` whose `up` is `up`, with `extra` appended.
fn one_component_model(up: &str, extra: &str) -> String {
    format!(
        "name = \"huge\"\nup = \"{up}\"\n\n[[component]]\nname = \"db\"\n\n  \
         [[component.failure]]\n  name = \"crash\"\n  every = \"30d\"\n  repair = \"1m\"\n{extra}"
    )
}

/// Runs `nines ARGS MODEL_FILE EXTRA_ARGS` on `model`, expecting the refusal of a bad
/// model (exit 2, nothing on stdout, no panic), and returns stderr with the temporary
/// file's path replaced by `MODEL`.
fn refused(command: &str, model: &str, extra_args: &[&str]) -> String {
    let file = crate::util::write_model(model);
    let output = Command::new(env!("CARGO_BIN_EXE_nines"))
        .arg(command)
        .arg(file.path())
        .args(extra_args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let tail: String = stderr
        .chars()
        .rev()
        .take(300)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(output.status.code(), Some(2), "{command}: {tail}");
    assert!(output.stdout.is_empty(), "{command}: nothing on stdout");
    stderr.replace(&file.path().display().to_string(), "MODEL")
}

#[test]
fn expressions_nested_20000_deep_are_refused_by_every_command() {
    let deep = format!("{}db{}", "(".repeat(20_000), ")".repeat(20_000));
    let shown = format!("\"{}…", "(".repeat(59));
    let up_error = format!(
        "error: MODEL:2:6: up: in {shown}: parentheses nest deeper than 64 levels (at character 65)\n"
    );
    let model = one_component_model(&deep, "");
    for (command, args) in [
        ("run", &[][..]),
        ("explain", &[]),
        ("trace", &["--year", "0"]),
        ("sweep", &["--set", "simulation.years=10"]),
    ] {
        let stderr = refused(command, &model, args).replace(" (with simulation.years=10)", "");
        assert_eq!(stderr, up_error, "{command}");
    }
    let service = one_component_model("db", &format!("\n[services]\nread = \"{deep}\"\n"));
    assert_eq!(
        refused("run", &service, &[]),
        format!(
            "error: MODEL:13:8: services.read: in {shown}: parentheses nest deeper than 64 \
             levels (at character 65)\n"
        )
    );
}

#[test]
fn key_paths_20000_parts_deep_are_refused() {
    let model = one_component_model("db", "");
    let deep = format!("--set={}=1", vec!["x"; 20_000].join("."));
    let stderr = refused("sweep", &model, &[&deep]);
    let expected = "the key path has 20000 parts; at most 32 are allowed";
    assert!(
        stderr.contains(expected),
        "{}",
        &stderr[stderr.len() - 200..]
    );
}

#[test]
fn names_of_70000_characters_are_refused_before_anything_runs() {
    let long = "a".repeat(70_000);
    let model =
        one_component_model("db", "").replace("name = \"huge\"", &format!("name = \"{long}\""));
    let shown = "a".repeat(60);
    assert_eq!(
        refused("run", &model, &[]),
        format!(
            "error: MODEL:1:8: name: `{shown}…` is 70000 characters long; a model name has at most 256\n"
        )
    );
}

/// `one_component_model` whose failure's repair is an empirical list of `samples`.
fn samples_model(samples: &str) -> String {
    one_component_model("db", "").replace(
        "repair = \"1m\"",
        &format!("repair = {{ dist = \"empirical\", samples = [{samples}] }}"),
    )
}

#[test]
fn limits_are_enforced_with_positions() {
    // A file over 16 MiB, refused at the line and column of its 16 MiB + 1st byte.
    let model = one_component_model("db", &format!("# {}\n", "x".repeat(16 << 20)));
    let column = (16 << 20) - model.find("# ").unwrap() + 1;
    assert_eq!(
        refused("run", &model, &[]),
        format!("error: MODEL:11:{column}: the model file is larger than 16 MiB\n")
    );
    // 100,001 components, refused at the last one.
    let component = "[[component]]\nname = \"c\"\n";
    let model = format!("name = \"m\"\nup = \"c\"\n{}", component.repeat(100_001));
    assert_eq!(
        refused("run", &model, &[]),
        "error: MODEL:200003:1: component: the model has 100001 components; at most 100000 are allowed\n"
    );
    // 1,000,001 samples, refused at the last one.
    let model = samples_model(&"\"1s\", ".repeat(1_000_001));
    assert_eq!(
        refused("run", &model, &[]),
        format!(
            "error: MODEL:10:{}: component.db.failure.crash.repair.samples: the list has 1000001 \
             samples; at most 1000000 are allowed\n",
            45 + 6 * 1_000_000
        )
    );
}

#[test]
fn a_list_of_100000_bad_samples_prints_20_errors_and_a_count() {
    let model = samples_model(&"1, ".repeat(100_000));
    let stderr = refused("run", &model, &[]);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 21, "{}", lines[..3].join("\n"));
    assert_eq!(
        lines[0],
        "error: MODEL:10:45: component.db.failure.crash.repair.samples[0]: `1` is a bare number; \
         durations need a unit, e.g. \"1s\" or \"1ms\""
    );
    assert_eq!(lines[20], "error: … and 99980 more errors");
}

/// The model reference's example of a bad model shows the file, and running it prints
/// exactly the errors the page shows.
#[test]
fn the_model_references_bad_model_gives_the_errors_it_shows() {
    let page = std::fs::read_to_string("docs/model-reference.md").unwrap();
    let section = &page[page.find("## Errors in a model").expect("the section")..];
    let block = |fence: &str| -> String {
        let start = section.find(fence).expect("the block") + fence.len();
        let end = start + section[start..].find("\n```").expect("its end");
        section[start..end].to_string()
    };
    let model = block("```toml\n");
    let console = block("```console\n");
    let (command, expected) = console.split_once('\n').expect("a command and its output");
    assert_eq!(command, "$ nines run bad.toml");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), model).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(["run", "bad.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr).trim_end(), expected);
}
