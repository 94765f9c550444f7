//! `nines explain` as text, and the sentences of its reasons and rules of thumb (which the
//! JSON carries too).

use super::format::significant;
use crate::explain::{Explanation, PhaseSummary, Reason, RuleOfThumb, Span};
use crate::math;
use crate::time::Duration;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::fmt::Write;

/// The explanation as aligned tables: timelines, then availability estimates.
pub fn explain_text(explanation: &Explanation) -> String {
    let mut text = String::new();
    let heading = format!(
        "{}: failover timelines and availability in closed form (nothing simulated)",
        explanation.model
    );
    wrap(&mut text, &heading, "", "  ");
    let _ = writeln!(text);
    if !explanation.is_evaluable() {
        let _ = writeln!(
            text,
            "The distributions of {} are beyond what the closed form can evaluate (an extreme \
             shape makes a mean or a percentile infinite or longer than 10000 years), so no \
             estimate is shown; `nines run` simulates them.",
            explanation.beyond_closed_form.join(", ")
        );
        return text;
    }
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
    if let Some(first) = explanation.approximate.first() {
        let _ = writeln!(
            text,
            "  (the p99s of {} causes, the first {first}, and their means of races come from \
             a coarse grid of 20 points a distribution, so they are approximate: the model \
             combines more distinct distributions than explain evaluates in full; the JSON's \
             `approximate` lists them)",
            explanation.approximate.len()
        );
    }
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
            let indent = format!("  {:<width$}    ", "");
            let sentence = format!("why: {}", reason_text(why));
            wrap(&mut text, &sentence, &indent, &format!("{indent}     "));
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
    upgrades_text(&mut text, explanation);
    super::explain_data::data_text(&mut text, explanation);
    if !explanation.rules_of_thumb.is_empty() {
        let _ = writeln!(text);
        let _ = writeln!(text, "Rules of thumb against this model:");
    }
    for rule in &explanation.rules_of_thumb {
        let verdict = if rule.holds() {
            "holds"
        } else {
            "does not hold"
        };
        let sentence = format!("\"{}\": {verdict}: {}.", claim(rule), this_model(rule));
        wrap(&mut text, &sentence, "  ", "    ");
    }
    let _ = writeln!(text);
    wrap(
        &mut text,
        "Estimates are exact for components without leader, node failures or sessions (renewal \
         theory and the binomial); `nines run` simulates everything, correlations included.",
        "",
        "",
    );
    text
}

/// The planned downtime per upgrade of each upgraded component, where the closed form is
/// exact.
fn upgrades_text(text: &mut String, explanation: &Explanation) {
    if explanation.upgrades.is_empty() {
        return;
    }
    let _ = writeln!(text);
    wrap(
        text,
        "Planned downtime of each component per upgrade, seconds as mean / p99 (nothing failing \
         meanwhile, no start killed by liveness; not in closed form where a leader hands over, a \
         share is reassigned or a quorum waits for drawn starts):",
        "",
        "",
    );
    let width = explanation
        .upgrades
        .iter()
        .map(|u| u.component.len())
        .max()
        .unwrap_or(9)
        .max(9);
    for upgrade in &explanation.upgrades {
        let downtime = upgrade
            .downtime
            .map_or_else(|| "not in closed form: see `nines run`".to_string(), phase);
        let _ = writeln!(
            text,
            "  {:<width$}  {:<18}  {downtime}",
            upgrade.component, upgrade.how
        );
    }
}

/// Most columns of a line of running text.
const COLUMNS: usize = 100;

/// Writes `sentence` in lines of at most [`COLUMNS`] (a longer word stands alone), the
/// first indented by `first`, the others by `rest`.
pub(super) fn wrap(text: &mut String, sentence: &str, first: &str, rest: &str) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in sentence.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > COLUMNS {
            let _ = writeln!(text, "{line}");
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(text, "{line}");
}

/// Why a component's estimate differs from the naive formula, as one sentence.
pub fn reason_text(reason: &Reason) -> String {
    match *reason {
        Reason::Quorum { needs, replicas } => format!(
            "needs {needs} of {replicas} replicas up; 1-(1-A)^n assumes any one replica is enough"
        ),
        Reason::Election {
            mean_s,
            p99_s,
            unavailability,
        } => format!(
            "every loss of the leader costs an election (mean {mean_s:.2} s, p99 {p99_s:.2} s) even with replicas to spare: about {:.0} s a year",
            unavailability * Duration::YEAR.as_secs_f64()
        ),
        Reason::SharedNodes => "replicas share nodes, so node failures take several down at once; this estimate, like 1-(1-A)^n, assumes independence: `nines run` has the exact figure".to_string(),
        Reason::LivenessKillsStart { probability } => format!(
            "a restarted container is killed by its liveness probe before it serves with \
             probability {:.1}% (its start outlasts initial_delay + failure_threshold periods): \
             CrashLoopBackOff, which this estimate leaves out; add a startup probe or raise \
             the liveness initial_delay",
            probability * 100.0
        ),
    }
}

/// The claim a rule of thumb makes.
pub fn claim(rule: &RuleOfThumb) -> &'static str {
    match rule {
        RuleOfThumb::Detection { .. } => "a failure is noticed within 3-5 s",
        RuleOfThumb::Failover { .. } => "failover (a new leader) takes 5-15 s",
        RuleOfThumb::Recovery { .. } => "a failed replica is back in tens of seconds (RTO 10-38 s)",
        RuleOfThumb::Naive { .. } => "availability is 1-(1-A)^n",
    }
}

/// What the model's figures say about a rule of thumb.
pub fn this_model(rule: &RuleOfThumb) -> String {
    let year = Duration::YEAR.as_secs_f64();
    match rule {
        RuleOfThumb::Detection {
            within,
            causes,
            detection,
        } => format!(
            "{within} of {causes} causes are noticed within 5 s on average; detection takes {}",
            span_text(detection, "every cause")
        ),
        RuleOfThumb::Failover { elections } => format!(
            "elections take {} on average",
            span_text(elections, "every cause with an election")
        ),
        RuleOfThumb::Recovery { down } => format!(
            "a replica is down {} on average",
            span_text(down, "every cause")
        ),
        RuleOfThumb::Naive { naive, estimate } => format!(
            "the naive formula gives {:.4}% ({:.0} s of downtime a year), the estimate {:.4}% ({:.0} s a year)",
            naive * 100.0,
            (1.0 - naive) * year,
            estimate * 100.0,
            (1.0 - estimate) * year
        ),
    }
}

/// `1.50 s (a/crash) to 30.0 s (a/hang)`, with three significant digits, or one figure
/// for all the causes (`which`) when both ends read the same.
fn span_text(span: &Span, which: &str) -> String {
    let (low, high) = (
        significant(span.low, span.low),
        significant(span.high, span.high),
    );
    if low == high {
        format!("{low} s for {which}")
    } else {
        format!(
            "{low} s ({}) to {high} s ({})",
            span.low_cause, span.high_cause
        )
    }
}

/// In the JSON, a reason is its sentence.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&reason_text(self))
    }
}

/// In the JSON, a rule of thumb is its claim, whether it holds, and the figures in words.
impl Serialize for RuleOfThumb {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rule = serializer.serialize_struct("RuleOfThumb", 3)?;
        rule.serialize_field("claim", claim(self))?;
        rule.serialize_field("holds", &self.holds())?;
        rule.serialize_field("this_model", &this_model(self))?;
        rule.end()
    }
}

pub(super) fn phase(p: PhaseSummary) -> String {
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
    let nines = -math::log10(1.0 - a);
    let decimals = if nines.is_finite() {
        (nines.ceil() as usize + 1).clamp(2, 12)
    } else {
        4
    };
    format!("{:.*}%", decimals, a * 100.0)
}
