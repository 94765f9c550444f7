//! `nines explain`'s data protection: each incident's RPO and RTO in closed form, and the
//! course's three layers (replicas, backups, remote site) with the model's own figures.

use super::explain::{phase, wrap};
use crate::explain::PhaseSummary;
use crate::explain::{DataExplanation, Explanation};
use std::fmt::Write;

/// Appends the data-protection part of `explanation`, if the model has incidents.
pub(super) fn data_text(text: &mut String, explanation: &Explanation) {
    let Some(data) = &explanation.data_protection else {
        return;
    };
    let _ = writeln!(text);
    wrap(
        text,
        "Incidents, as mean / p99: the data lost (RPO) and the downtime (RTO, detection \
         and recovery). A restore's loss is uniform on [B', B' + T) for backups every T taking \
         B (B' = B minus the detection, at least 0), plus T per failed backup; retention and \
         earlier site losses are left to `nines run`:",
        "",
        "",
    );
    incidents_text(text, data);
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "High availability is not backup: what each layer protects against, with this model's figures:"
    );
    // The figures go on a line of their own under each layer, so every line fits 100
    // columns however long the durations read.
    let width = data.layers.iter().map(|l| l.layer.len()).max().unwrap_or(0);
    for layer in &data.layers {
        let figures = if layer.present {
            format!("RTO {}   RPO {}", or_none(layer.rto), or_none(layer.rpo))
        } else {
            "not in this model".to_string()
        };
        let _ = writeln!(
            text,
            "  {:<width$}  {}",
            layer.layer, layer.protects_against
        );
        let _ = writeln!(text, "  {:<width$}  {figures}", "");
    }
}

fn incidents_text(text: &mut String, data: &DataExplanation) {
    let width = data
        .incidents
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0);
    for incident in &data.incidents {
        let rpo = incident
            .rpo
            .map_or_else(|| "unrecoverable".to_string(), phase);
        let _ = writeln!(
            text,
            "  {:<width$}  {:<7}  from {:<11}  RPO {rpo}   RTO {}",
            incident.name,
            incident.kind,
            incident.recovered_from,
            phase(incident.rto)
        );
    }
}

fn or_none(figure: Option<PhaseSummary>) -> String {
    figure.map_or_else(|| "-".to_string(), phase)
}
