//! The book's own consistency: every link to a heading (`[text](file.md#anchor)`, or
//! `(#anchor)` within a page) in README.md and docs/ names a heading that exists, by its
//! GitHub slug; and no table lists the same option or field twice.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// README.md and every page of docs/, with their text.
fn pages() -> BTreeMap<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("README.md")];
    for entry in fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            paths.push(path);
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            (path.canonicalize().unwrap(), text)
        })
        .collect()
}

/// The lines of `text` outside fenced code blocks, with their 1-based numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((index + 1, line));
        }
    }
    lines
}

/// GitHub's anchor of a heading: lowercased, every character but letters, digits, spaces,
/// `-` and `_` dropped, spaces made `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings; a repeated heading's get `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for (_, line) in prose(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let count = seen.entry(base.clone()).or_insert(0);
        anchors.insert(match *count {
            0 => base.clone(),
            n => format!("{base}-{n}"),
        });
        *count += 1;
    }
    anchors
}

#[test]
fn every_link_to_a_heading_finds_it() {
    let pages = pages();
    let headings: BTreeMap<&PathBuf, BTreeSet<String>> = pages
        .iter()
        .map(|(path, text)| (path, anchors(text)))
        .collect();
    let mut broken = Vec::new();
    for (path, text) in &pages {
        for (number, line) in prose(text) {
            for (start, _) in line.match_indices("](") {
                let rest = &line[start + 2..];
                let Some(end) = rest.find(')') else { continue };
                let Some((file, anchor)) = rest[..end].split_once('#') else {
                    continue;
                };
                if file.contains("://") || !(file.is_empty() || file.ends_with(".md")) {
                    continue;
                }
                let target = if file.is_empty() {
                    Some(path.clone())
                } else {
                    path.parent().unwrap().join(file).canonicalize().ok()
                };
                let found = target
                    .as_ref()
                    .and_then(|target| headings.get(target))
                    .is_some_and(|anchors| anchors.contains(anchor));
                if !found {
                    broken.push(format!("{}:{number}: {file}#{anchor}", path.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// A reference table (of options, fields or columns) that lists one twice (`--year K` in
/// trace's, `kind` in outages.csv's, each time with another meaning) contradicts itself.
#[test]
fn no_reference_table_lists_the_same_row_twice() {
    let mut repeated = Vec::new();
    for (path, text) in pages() {
        // The rows of the table being read, when it is a reference table.
        let mut rows: Option<BTreeSet<String>> = None;
        let mut in_table = false;
        for (number, line) in prose(&text) {
            let Some(cells) = line.trim().strip_prefix('|') else {
                in_table = false;
                continue;
            };
            let first = cells.split('|').next().unwrap_or("").trim().to_string();
            if !in_table {
                in_table = true;
                let reference = ["option", "field", "column"]
                    .iter()
                    .any(|kind| first == *kind || first.ends_with(&format!(" {kind}")));
                rows = reference.then(BTreeSet::new);
                continue;
            }
            if first.chars().all(|c| c == '-' || c == ':' || c == ' ') {
                continue;
            }
            if rows
                .as_mut()
                .is_some_and(|rows| !rows.insert(first.clone()))
            {
                repeated.push(format!("{}:{number}: {first}", path.display()));
            }
        }
    }
    assert!(
        repeated.is_empty(),
        "rows listed twice:\n{}",
        repeated.join("\n")
    );
}

/// Every `console` example of the README is what the binary prints now: the command after
/// `$`, then its warnings (stderr) and its output (stdout), all but the timing line on
/// stderr (`simulated ... in 190ms`), the one thing that varies between runs.
#[test]
fn the_readme_examples_are_current() {
    let readme = fs::read_to_string("README.md").unwrap();
    let mut examples = 0;
    for block in readme.split("```console\n").skip(1) {
        let block = &block[..block.find("```").expect("a closed block")];
        let mut lines = block.lines();
        let command = lines.next().unwrap().strip_prefix("$ nines ").unwrap();
        let shown: Vec<&str> = lines.filter(|l| !l.starts_with("simulated ")).collect();
        let output = assert_cmd::cargo::cargo_bin_cmd!("nines")
            .args(command.split_whitespace())
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        );
        let printed: Vec<&str> = (stderr.lines())
            .filter(|l| !l.starts_with("simulated "))
            .chain(stdout.lines())
            .collect();
        assert_eq!(printed, shown, "README.md: `nines {command}`");
        examples += 1;
    }
    assert_eq!(examples, 3, "the README's console examples");
}
