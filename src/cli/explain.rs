//! `nines explain`: closed-form failover timelines and availability estimates.

use super::{CliError, ModelArgs, load, write_stdout};
use crate::explain::explain;
use crate::report;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Print the explanation as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn explain_command(args: ExplainArgs) -> Result<ExitCode, CliError> {
    let (model, _) = load(&args.model)?;
    let explanation = explain(&model);
    if args.json {
        let mut json = serde_json::to_vec_pretty(&explanation).map_err(anyhow::Error::from)?;
        json.push(b'\n');
        write_stdout(&json)?;
    } else {
        write_stdout(report::explain_text(&explanation).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
