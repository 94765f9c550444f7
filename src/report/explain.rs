//! `nines explain` as text, and the sentences of its reasons and rules of thumb (which the
//! JSON carries too).

use super::format::duration;
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
        "Failover timeline per failure mode, means (detect + repair + reload = replica down):"
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
        "  {:<width$}  {:>9}  {:>8}   {:>8}   {:>8}   {:>8}  {:>8}  {:>15}",
        "cause", "per year", "detect", "repair", "reload", "down", "down p99", "elect mean/p99"
    );
    for t in &explanation.timelines {
        let _ = writeln!(
            text,
            "  {:<width$}  {:>9}  {:>8} + {:>8} + {:>8} = {:>8}  {:>8}  {:>15}",
            t.cause,
            per_year(t.per_replica_per_year),
            duration(t.detect.mean_s),
            duration(t.repair.mean_s),
            reload(t.reload_s),
            duration(t.down.mean_s),
            duration(t.down.p99_s),
            phase(t.elect),
        );
    }
    wrap(
        &mut text,
        "(per year: failures of one replica; reload: what loading its share of data again adds, \
         less when another replica takes the share over before the restart; elect: when the \
         failing replica led, beside the others)",
        "  ",
        "   ",
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
    if !explanation.repeated_as_independent.is_empty() {
        let sentence = format!(
            "(approximate: the estimates of {} treat each component named more than once as \
             an independent copy, too many to condition on)",
            explanation.repeated_as_independent.join(", ")
        );
        wrap(&mut text, &sentence, "  ", "   ");
    }
    upgrades_text(&mut text, explanation);
    drains_text(&mut text, explanation);
    super::requests::explain_requests_text(&mut text, &explanation.requests);
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
    let mut closing = "Estimates are exact for components without leader, node failures or \
                       sessions (renewal theory and the binomial); `nines run` simulates \
                       everything, correlations included."
        .to_string();
    if !explanation.not_in_estimates.is_empty() {
        let _ = write!(
            closing,
            " The availability estimates count failures alone: the downtime of {} (above) is \
             not in them.",
            explanation.not_in_estimates.join(" and ")
        );
    }
    wrap(&mut text, &closing, "", "");
    text
}

/// The planned downtime per upgrade of each upgraded component, where the closed form is
/// exact.
fn upgrades_text(text: &mut String, explanation: &Explanation) {
    let rows = (explanation.upgrades.iter())
        .map(|u| (u.component.as_str(), format!("  {:<18}", u.how), u.downtime));
    planned_text(
        text,
        "Planned downtime of each component per upgrade, mean / p99 (nothing failing \
         meanwhile, no start killed by liveness; not in closed form where a leader hands over, a \
         share is reassigned or a quorum waits for drawn starts):",
        rows.collect(),
    );
}

/// The planned downtime per node drain of each pod component, where the closed form is
/// exact.
fn drains_text(text: &mut String, explanation: &Explanation) {
    let rows =
        (explanation.drains.iter()).map(|d| (d.component.as_str(), String::new(), d.downtime));
    planned_text(
        text,
        "Planned downtime of each component per drain of every node, seconds as mean / p99 \
         (nothing failing meanwhile; not in closed form where a quorum, a leader or a share \
         waits on several evictions):",
        rows.collect(),
    );
}

/// A paragraph `intro`, then a line per component: its name, a further cell and its planned
/// downtime (or that it has no closed form); nothing without rows.
fn planned_text(text: &mut String, intro: &str, rows: Vec<(&str, String, Option<PhaseSummary>)>) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(text);
    wrap(text, intro, "", "");
    let width = (rows.iter())
        .map(|(component, _, _)| component.len())
        .max()
        .unwrap_or(9)
        .max(9);
    for (component, cell, downtime) in rows {
        let downtime =
            downtime.map_or_else(|| "not in closed form: see `nines run`".to_string(), phase);
        let _ = writeln!(text, "  {component:<width$}{cell}  {downtime}");
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
            "every loss of the leader, and every return to enough replicas after too few, costs an election (mean {}, p99 {}): about {} a year",
            duration(mean_s),
            duration(p99_s),
            duration(unavailability * Duration::YEAR.as_secs_f64())
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
            "the naive formula gives {} ({} of downtime a year), the estimate {} ({} a year)",
            percent(*naive),
            duration((1.0 - naive) * year),
            percent(*estimate),
            duration((1.0 - estimate) * year)
        ),
    }
}

/// `1.5s (a/crash) to 30.0s (a/hang)`, or one figure for all the causes (`which`) when
/// both ends read the same.
fn span_text(span: &Span, which: &str) -> String {
    let (low, high) = (duration(span.low), duration(span.high));
    if low == high {
        format!("{low} for {which}")
    } else {
        format!("{low} ({}) to {high} ({})", span.low_cause, span.high_cause)
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

/// Failures a year to four significant digits (`12.17`, `0.0001667`).
fn per_year(count: f64) -> String {
    super::format::digits_of(count, 4)
}

/// The reload's mean as a term of the sum: `0s` without one, a minus sign when another
/// replica took the share over before the restart (the column already prints the `+`).
fn reload(secs: f64) -> String {
    if secs.abs() < 5e-7 {
        duration(0.0)
    } else if secs < 0.0 {
        super::format::signed_duration(secs)
    } else {
        duration(secs)
    }
}

/// A phase as `mean / p99`, or `0s` when it takes no time.
pub(super) fn phase(p: PhaseSummary) -> String {
    if p.mean_s == 0.0 && p.p99_s == 0.0 {
        return duration(0.0);
    }
    format!("{} / {}", duration(p.mean_s), duration(p.p99_s))
}

pub(super) fn percent(a: f64) -> String {
    let nines = -math::log10(1.0 - a);
    let decimals = if nines.is_finite() {
        (nines.ceil() as usize + 1).clamp(2, 12)
    } else {
        4
    };
    format!("{:.*}%", decimals, a * 100.0)
}
