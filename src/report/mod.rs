//! Reports: the summary as JSON and text, the `bench` table, the `check` report as text, JSON and JUnit XML,
//! the per-year and per-outage CSV files, the event trace, the tables of comparisons, SVG
//! plots, the HTML page, and writing result files so that they are never left half-written.
//!
//! Formatters write to any `io::Write` (or return strings), so formats are tested in memory.
//! How each figure reads (durations, percentages, digits, counts, escaping) is decided once,
//! in [`format`](mod@format).

mod bench;
mod calc;
mod causes;
mod check;
mod compare;
mod csv;
mod data_loss;
mod explain;
mod explain_data;
pub mod format;
mod formulas;
#[cfg(feature = "plots")]
mod html;
mod optimize;
mod output;
#[cfg(feature = "plots")]
mod pages;
#[cfg(feature = "plots")]
pub mod plot;
mod requests;
mod sensitivity;
mod text;
#[cfg(feature = "plots")]
mod timeline;
mod trace;
mod warnings;
mod workload;

pub use self::bench::{BenchFacts, bench_text, independent_text, reference_text, scaling_text};
pub use self::calc::{calc_json, calc_model, calc_simulation_text, calc_text};
pub use self::causes::cause_rows;
pub use self::check::{check_json, check_junit, check_text};
pub use self::csv::CsvRows;
pub use self::explain::explain_text;
pub use self::formulas::explain_formulas;
pub use crate::stats::sha256_hex;
pub use compare::{
    ComparisonTables, closed_form_warning, horizons_differ_note, seeds_differ_note,
    years_differ_note,
};
pub use format::{count, duration, signed_duration};
#[cfg(feature = "plots")]
pub use html::HtmlPage;
#[cfg(feature = "plots")]
pub use optimize::frontier_svg;
pub use optimize::{optimize_heading, optimize_json, optimize_text};
pub use output::{OutputDir, write_file};
#[cfg(feature = "plots")]
pub use pages::{Plot, RunFacts, comparison_page, comparison_plots, run_page, run_plots};
#[cfg(feature = "plots")]
pub use sensitivity::tornado_svg;
pub use sensitivity::{
    sensitivity_closed_form_warnings, sensitivity_json, sensitivity_text, sensitivity_warnings,
};
pub use text::{growth_text, run_heading, shard_heading, summary_text};
#[cfg(feature = "plots")]
pub use timeline::{Row, Timeline};
pub use trace::TraceWriter;
pub use warnings::warning_text;
pub use workload::workload_message;

use crate::stats::Summary;

/// The summary as pretty-printed JSON with a final newline: `summary.json` and `--json`.
/// Floats are written in shortest round-trip form, so they read back exactly.
pub fn summary_json(summary: &Summary) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(summary).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
