//! `nines man` and `nines completions`: the manual page and shell completion scripts,
//! generated from the clap definitions, so they never disagree with `--help`.

use super::{Cli, CliError, write_stdout};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The command whose page to print (run, check, …), or one of its own commands
    /// (`calc parallel`) [default: the page of nines].
    command: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    shell: Shell,
}

pub(crate) fn man(args: ManArgs) -> Result<ExitCode, CliError> {
    write_stdout(&man_page(&args.command)?)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn completions(args: CompletionsArgs) -> Result<ExitCode, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "nines", &mut script);
    write_stdout(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// The roff manual page of nines, or of the command at `path` (titled `nines-run`, or
/// `nines-calc-parallel` for `calc parallel`).
fn man_page(path: &[String]) -> Result<Vec<u8>, CliError> {
    let mut page = Cli::command().disable_help_subcommand(true);
    // Building names each command `nines-COMMAND`, as its page is titled.
    page.build();
    for (depth, name) in path.iter().enumerate() {
        let found = page.find_subcommand(name).cloned();
        page = found.ok_or_else(|| {
            let names: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
            let asked = path[..=depth].join(" ");
            CliError::Usage(if names.is_empty() {
                format!("there is no command `{asked}`")
            } else {
                format!(
                    "there is no command `{asked}`; there are: {}",
                    names.join(", ")
                )
            })
        })?;
    }
    let text = |styled: Option<&clap::builder::StyledStr>| styled.map(ToString::to_string);
    let description = text(page.get_long_about()).or_else(|| text(page.get_about()));
    let notes = text(page.get_after_long_help()).or_else(|| text(page.get_after_help()));
    // clap_mangen fills every paragraph, which runs the examples and the model file
    // together: it renders the rest, and the prose is set here, keeping indented lines.
    let bare = page
        .long_about(None::<&str>)
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let mut roff = Vec::new();
    // The footer's source is the program's, not the subcommand's ("parallel 0.1.0").
    clap_mangen::Man::new(bare)
        .source(format!("nines {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|error| CliError::Output {
            what: "the manual page",
            error,
        })?;
    let mut roff = String::from_utf8_lossy(&roff).into_owned();
    if let Some(description) = description {
        // clap_mangen's DESCRIPTION (the short about, once the long one is gone) gives way.
        let place = section_span(&roff, "DESCRIPTION").unwrap_or_else(|| {
            let after = section_span(&roff, "SYNOPSIS").map_or(0, |span| span.end);
            after..after
        });
        roff.replace_range(place, &section("DESCRIPTION", &description));
    }
    if let Some(notes) = notes {
        let after = ["SUBCOMMANDS", "OPTIONS", "DESCRIPTION"]
            .iter()
            .find_map(|name| section_span(&roff, name))
            .map_or(roff.len(), |span| span.end);
        roff.insert_str(after, &section("NOTES", &notes));
    }
    Ok(roff.into_bytes())
}

/// Where the section `name` of `roff` starts and ends (at the start of the next section, or
/// the end of the page).
fn section_span(roff: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let start = roff.find(&format!(".SH {name}\n"))?;
    let end = roff[start + 1..]
        .find("\n.SH ")
        .map_or(roff.len(), |at| start + 1 + at + 1);
    Some(start..end)
}

/// A section of a manual page: paragraphs filled, and indented lines (examples, the model
/// file) kept as they are.
fn section(name: &str, text: &str) -> String {
    use clap_mangen::roff::{Roff, roman};
    let mut roff = Roff::new();
    roff.control("SH", [name]);
    for (index, paragraph) in text.split("\n\n").enumerate() {
        if index > 0 {
            roff.control("PP", []);
        }
        let lines: Vec<&str> = paragraph.lines().collect();
        let prose = lines
            .iter()
            .position(|line| line.starts_with("  "))
            .unwrap_or(lines.len());
        if prose > 0 {
            roff.text([roman(lines[..prose].join(" "))]);
        }
        if prose < lines.len() {
            roff.control("nf", []);
            for line in &lines[prose..] {
                roff.text([roman(*line)]);
            }
            roff.control("fi", []);
        }
    }
    roff.to_roff()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &[&str]) -> String {
        let path: Vec<String> = path.iter().map(ToString::to_string).collect();
        String::from_utf8(man_page(&path).unwrap()).unwrap()
    }

    #[test]
    fn the_manual_page_describes_nines_and_its_commands() {
        let nines = page(&[]);
        assert!(nines.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{nines}");
        assert!(nines.contains(".TH nines 1"), "{nines}");
        assert!(
            nines.contains(".SH DESCRIPTION\nPredict the availability"),
            "{nines}"
        );
        assert!(
            nines.contains("Model file (TOML):\n.nf\n  name = \"three\\-node etcd\"\n"),
            "{nines}"
        );
        assert!(
            nines.contains(".SH NOTES\nExamples:\n.nf\n  nines run "),
            "{nines}"
        );
        assert!(nines.contains("nines\\-run(1)"), "{nines}");
        let run = page(&["run"]);
        assert!(run.contains(".TH nines-run 1"), "{run}");
        assert!(
            run.contains("\"nines 0."),
            "the program names the page's source: {run}"
        );
        assert!(run.contains("\\-\\-years"), "{run}");
        for page in [&nines, &run] {
            let sections: Vec<&str> = page.lines().filter(|l| l.starts_with(".SH")).collect();
            assert_eq!(
                sections[..4],
                [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"]
            );
            assert_eq!(sections.iter().filter(|s| **s == ".SH NOTES").count(), 1);
        }
    }

    #[test]
    fn an_unknown_command_has_no_page() {
        let usage = |path: &[&str]| {
            let path: Vec<String> = path.iter().map(ToString::to_string).collect();
            match man_page(&path) {
                Err(CliError::Usage(message)) => message,
                _ => panic!("{path:?} has a page"),
            }
        };
        assert_eq!(
            usage(&["walk"]),
            "there is no command `walk`; there are: run, check, merge, trace, explain, sweep, \
             compare, sensitivity, optimize, bench, calc, man, completions"
        );
        assert_eq!(usage(&["run", "x"]), "there is no command `run x`");
        assert_eq!(
            usage(&["calc", "walk"]),
            "there is no command `calc walk`; there are: nines, downtime, component, series, \
             parallel, kofn, budget"
        );
    }
}
