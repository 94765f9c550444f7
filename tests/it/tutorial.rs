//! The tutorial cannot go stale: every `$ nines ...` command in a `console` block of
//! `docs/tutorial.md` is run, in order, in one scratch directory that sees the shipped
//! `models/`, and what it prints must be the block's text below it (standard output; for a
//! command that fails, standard output and then standard error, which is where its error
//! is). A block whose first line after the command is `...` shows an excerpt: the lines
//! after it must appear, in a row, somewhere in what the command prints.
//! `NINES_REGENERATE_TUTORIAL=1` (what `scripts/regenerate-tutorial` sets) rewrites
//! the blocks with what the commands print now, for a change of output on purpose.

use std::fs;
use std::path::Path;
use std::process::Command;

const TUTORIAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tutorial.md");

/// One command of the tutorial and the output shown below it.
struct Step {
    /// The index of the command's line in the file.
    line: usize,
    /// The arguments after `nines`.
    args: Vec<String>,
    /// The lines shown below the command.
    shown: Vec<String>,
}

/// The commands of the console blocks of `text`, each with the lines up to the next
/// command or the end of its block.
fn steps(lines: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut in_console = false;
    let mut current: Option<Step> = None;
    for (index, line) in lines.iter().enumerate() {
        if line.starts_with("```") {
            steps.extend(current.take());
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ nines ") {
            steps.extend(current.take());
            current = Some(Step {
                line: index,
                args: command.split_whitespace().map(str::to_string).collect(),
                shown: Vec::new(),
            });
        } else if let Some(step) = &mut current {
            step.shown.push(line.trim_end().to_string());
        }
    }
    steps
}

/// What `args` prints, run in `dir`, as the tutorial shows it: line by line, without
/// trailing spaces; the warnings and notes of standard error first, as a terminal shows them
/// before the result (the timing line, which varies, left out), and everything it says on
/// standard error after a failure.
fn printed(args: &[String], dir: &Path) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the nines binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said = |line: &&str| line.starts_with("warning: ") || line.starts_with("note: ");
    let mut text: String = match output.status.success() {
        true => stderr
            .lines()
            .filter(said)
            .map(|l| format!("{l}\n"))
            .collect(),
        false => String::new(),
    };
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    if !output.status.success() {
        text.push_str(&stderr);
    }
    text.lines()
        .map(|line| line.trim_end().to_string())
        .collect()
}

#[cfg(unix)]
#[test]
fn every_command_of_the_tutorial_prints_what_it_shows() {
    let text = fs::read_to_string(TUTORIAL).expect("docs/tutorial.md");
    let lines: Vec<&str> = text.lines().collect();
    let steps = steps(&lines);
    assert!(steps.len() >= 10, "the tutorial lost its commands");
    let dir = tempfile::tempdir().unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    std::os::unix::fs::symlink(models, dir.path().join("models")).unwrap();
    let regenerate = std::env::var_os("NINES_REGENERATE_TUTORIAL").is_some();
    let mut rewritten: Vec<String> = Vec::new();
    let mut next = 0;
    for step in &steps {
        let printed = printed(&step.args, dir.path());
        let (now, shown) = match excerpt(step) {
            Some(shown) => (excerpt_of(&printed, shown, step), shown),
            None => (printed, &step.shown[..]),
        };
        if regenerate {
            rewritten.extend(lines[next..=step.line].iter().map(|l| l.to_string()));
            if shown.len() < step.shown.len() {
                rewritten.push("...".to_string());
            }
            rewritten.extend(now);
            next = step.line + 1 + step.shown.len();
        } else {
            assert_eq!(
                now.join("\n"),
                shown.join("\n"),
                "docs/tutorial.md line {}: `nines {}` prints something else now; \
                 scripts/regenerate-tutorial rewrites the blocks",
                step.line + 1,
                step.args.join(" ")
            );
        }
    }
    if regenerate {
        rewritten.extend(lines[next..].iter().map(|l| l.to_string()));
        fs::write(TUTORIAL, rewritten.join("\n") + "\n").unwrap();
    }
}

/// The lines of an excerpt (a block whose first shown line is `...`), without that line.
fn excerpt(step: &Step) -> Option<&[String]> {
    match step.shown.split_first() {
        Some((first, rest)) if first == "..." => Some(rest),
        _ => None,
    }
}

/// The lines of `printed` an excerpt stands for: as many as it shows, from the first line
/// that equals its first. An excerpt whose first line is printed no more cannot be
/// regenerated: it names itself, to be chosen again by hand.
fn excerpt_of(printed: &[String], shown: &[String], step: &Step) -> Vec<String> {
    let start = shown
        .first()
        .and_then(|first| printed.iter().position(|line| line == first))
        .unwrap_or_else(|| {
            panic!(
                "docs/tutorial.md line {}: the excerpt's first line is no longer printed by \
                 `nines {}`; choose the excerpt again by hand",
                step.line + 1,
                step.args.join(" ")
            )
        });
    printed[start..(start + shown.len()).min(printed.len())].to_vec()
}
