//! `nines explain` as text.

use crate::explain::{Explanation, PhaseSummary};
use std::fmt::Write;

/// The explanation as aligned tables: timelines, then availability estimates.
pub fn explain_text(explanation: &Explanation) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: failover timelines and availability in closed form (nothing simulated)",
        explanation.model
    );
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Failover timeline per failure mode, seconds as mean / p99:"
    );
    let width = explanation
        .timelines
        .iter()
        .map(|t| t.cause.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        text,
        "  {:<width$}  {:>9}  {:>15}  {:>15}  {:>15}  {:>15}",
        "cause", "per year", "detect", "elect", "repair", "replica down"
    );
    for t in &explanation.timelines {
        let _ = writeln!(
            text,
            "  {:<width$}  {:>9.3}  {:>15}  {:>15}  {:>15}  {:>15}",
            t.cause,
            t.per_replica_per_year,
            phase(t.detect),
            phase(t.elect),
            phase(t.repair),
            phase(t.down),
        );
    }
    let _ = writeln!(
        text,
        "  (per year: failures of one replica; elect: when the failing replica led)"
    );
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Availability estimate (independent replicas) beside the naive 1-(1-A)^n:"
    );
    let width = explanation
        .components
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(4)
        .max(9);
    let _ = writeln!(
        text,
        "  {:<width$}  {:>7}  {:>14}  {:>14}  {:>14}",
        "component", "needs", "replica A", "estimate", "naive"
    );
    for c in &explanation.components {
        let _ = writeln!(
            text,
            "  {:<width$}  {:>7}  {:>14}  {:>14}  {:>14}",
            c.name,
            format!("{}/{}", c.needs, c.replicas),
            percent(c.replica_availability),
            percent(c.availability),
            percent(c.naive)
        );
        for why in &c.why {
            let _ = writeln!(text, "  {:<width$}    why: {why}", "");
        }
    }
    let _ = writeln!(
        text,
        "  {:<width$}  {:>7}  {:>14}  {:>14}  {:>14}",
        "system",
        "",
        "",
        percent(explanation.availability),
        percent(explanation.naive)
    );
    for (name, estimate, naive) in &explanation.services {
        let _ = writeln!(
            text,
            "  {:<width$}  {:>7}  {:>14}  {:>14}  {:>14}",
            format!("({name})"),
            "",
            "",
            percent(*estimate),
            percent(*naive)
        );
    }
    let _ = writeln!(text);
    let _ = writeln!(text, "Rules of thumb against this model:");
    for rule in &explanation.rules_of_thumb {
        let verdict = if rule.holds { "holds" } else { "does not hold" };
        let _ = writeln!(
            text,
            "  \"{}\": {verdict}: {}.",
            rule.claim, rule.this_model
        );
    }
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Estimates are exact for components without leader, node failures or sessions (renewal \
         theory and the binomial); `nines run` simulates everything, correlations included."
    );
    text
}

fn phase(p: PhaseSummary) -> String {
    if p.mean_s == 0.0 && p.p99_s == 0.0 {
        return "0".to_string();
    }
    format!("{} / {}", short(p.mean_s), short(p.p99_s))
}

fn short(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.2}")
    } else if secs < 1000.0 {
        format!("{secs:.1}")
    } else {
        format!("{secs:.0}")
    }
}

fn percent(a: f64) -> String {
    let nines = -(1.0 - a).log10();
    let decimals = if nines.is_finite() {
        (nines.ceil() as usize + 1).clamp(2, 12)
    } else {
        4
    };
    format!("{:.*}%", decimals, a * 100.0)
}
