//! `nines explain`: closed-form failover timelines and availability estimates.

use super::{CliError, write_stdout};
use clap::Args;
use nines::explain::{explain, is_milvus_layout};
use nines::report;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(mut_arg("seed", |seed| seed.help(
    "Accepted like the other commands' --seed, and has no effect: nothing is drawn"
)))]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    model: super::VariantModelArgs,
    /// Print the explanation as JSON.
    #[arg(long)]
    json: bool,
    /// Check the Milvus course's rules of thumb against the model even when it is not a
    /// Milvus layout (no component named after a Milvus role).
    #[arg(long)]
    rules_of_thumb: bool,
    /// After the tables, print the closed form behind each estimate with the model's
    /// numbers filled in (text only).
    #[arg(long, conflicts_with = "json")]
    formulas: bool,
}

pub(crate) fn explain_command(args: ExplainArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?;
    super::say_warnings(nines::warnings::model_warnings(&loaded.model));
    let mut explanation = explain(&loaded.model);
    if !args.rules_of_thumb && !is_milvus_layout(&loaded.model) {
        explanation.rules_of_thumb.clear();
    }
    // Without an estimate (distributions beyond the closed form) there is nothing to judge.
    if explanation.is_evaluable() {
        let horizon = loaded.model.simulation().horizon.as_secs_f64();
        super::say_warnings(nines::warnings::never_up(
            explanation.availability,
            horizon,
            None,
        ));
    }
    if args.json {
        // Serialising plain data to memory cannot fail.
        let mut json = serde_json::to_vec_pretty(&explanation).unwrap_or_default();
        json.push(b'\n');
        write_stdout(&json)?;
    } else {
        let mut text = report::explain_text(&explanation);
        if args.formulas {
            text.push_str(&report::explain_formulas(&explanation));
        }
        write_stdout(text.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
