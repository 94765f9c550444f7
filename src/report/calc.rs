//! `nines calc`: each answer with its formula and the numbers filled in, as a person writes
//! it on a whiteboard; its JSON; the simulation beside the closed form; and the model a
//! calculation generates for `--simulate` and `--emit-model`.

use super::format::{count, digits_of, trim_decimals, unit_duration};
use crate::app::CalcSimulation;
use crate::calc::{
    Answer, Availability, BudgetAnswer, Combination, ComponentAnswer, Composition, DowntimeAnswer,
    Member, NinesAnswer, Period, Setup,
};
use crate::math;
use crate::time::Duration;
use std::fmt::Write;

/// Significant digits of the figures a formula shows.
const DIGITS: usize = 4;

/// Most significant digits of a share down shown when they make it exact (`0.00059995`).
const EXACT_DIGITS: usize = 10;

/// The answer as JSON (the fields of the CLI reference), with a final newline; with the
/// simulation of `--simulate` (`closed` its closed form) as a `simulated` object.
pub fn calc_json(
    answer: &Answer,
    simulation: Option<(Availability, &Setup, &CalcSimulation)>,
) -> Vec<u8> {
    // Serialising plain data to memory cannot fail.
    let mut value = serde_json::to_value(answer).unwrap_or_default();
    if let (Some((closed, setup, simulated)), Some(object)) = (simulation, value.as_object_mut()) {
        object.insert(
            "simulated".to_string(),
            simulated_json(closed, setup, simulated),
        );
    }
    let mut bytes = serde_json::to_vec_pretty(&value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The simulated availability minus the closed form, and that in standard errors (`None`
/// when no downtime was simulated, so there is no standard error to count in).
fn gap(closed: Availability, simulated: &CalcSimulation) -> (f64, Option<f64>) {
    let difference = simulated.availability.mean - closed.up;
    let in_se = (simulated.standard_error > 0.0).then(|| difference / simulated.standard_error);
    (difference, in_se)
}

/// The `simulated` object of `calc --simulate --json`: what the text's "Simulated" lines say.
fn simulated_json(
    closed: Availability,
    setup: &Setup,
    simulated: &CalcSimulation,
) -> serde_json::Value {
    let (difference, in_se) = gap(closed, simulated);
    serde_json::json!({
        "years": simulated.years,
        "seed": setup.seed,
        "availability": simulated.availability,
        // One year has no spread to estimate it from.
        "standard_error": (simulated.years >= 2).then_some(simulated.standard_error),
        "difference": difference,
        "difference_se": in_se,
        "meets_assumptions": setup.meets_assumptions(),
    })
}

/// The answer and its formula.
pub fn calc_text(answer: &Answer) -> String {
    let mut text = String::new();
    match answer {
        Answer::Nines(answer) => nines_text(&mut text, answer),
        Answer::Downtime(answer) => downtime_text(&mut text, answer),
        Answer::Component(answer) => component_text(&mut text, answer),
        Answer::Composition(answer) => composition_text(&mut text, answer),
        Answer::Budget(answer) => budget_text(&mut text, answer),
    }
    text
}

/// An availability as a fraction with the digits that show its share down exactly when
/// that takes at most ten significant digits (`0.99940005`), else four, rounded down so as
/// never to show more than there is (`0.9998842` for 0.99988427, `0.9998999` for 0.99989998, not
/// `0.9999`); `1` when it is never down, `1 - 1e-16` and `3.171e-11` at the ends.
fn fraction(of: Availability) -> String {
    if of.down == 0.0 {
        return "1".to_string();
    }
    if of.down < 1e-13 {
        return format!("1 - {}", share(of.down));
    }
    if of.up < 1e-4 {
        return share(of.up);
    }
    let (decimals, digits) = up_digits(of);
    trim_decimals(format!("0.{digits:0decimals$}"))
}

/// An availability as a percentage with the same digits as [`fraction`]; `100%` when it is
/// never down.
fn percent(of: Availability) -> String {
    if of.down == 0.0 {
        return "100%".to_string();
    }
    if of.down < 1e-13 {
        return format!("100 - {}%", share(of.down * 100.0));
    }
    if of.up < 1e-4 {
        return format!("{}%", share(of.up * 100.0));
    }
    let (decimals, digits) = up_digits(of);
    let fraction = format!("{digits:0decimals$}");
    let (whole, rest) = fraction.split_at(2.min(fraction.len()));
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    format!("{}%", trim_decimals(format!("{whole}.{rest}")))
}

/// The share up as the digits after the point of a fraction, and how many there are: one
/// minus the share down as [`share`] shows it (exact, or rounded up), so that a figure is
/// never shown past a threshold it does not reach (`99.98999873%` is not `99.99%`). Worked
/// out from the share down in integers: near 1 a double has no sixteenth decimal to spare
/// (0.99999999999987654 is stored as ...8767 to sixteen places).
fn up_digits(of: Availability) -> (usize, u64) {
    let decimals = decimals(of);
    let down = match exact_digits(of.down) {
        Some(_) => of.down,
        None => round_up(of.down, DIGITS),
    };
    let scale = math::powi(10.0, decimals as u32);
    // Up, not to nearest: the share down has more digits than `decimals` keeps when they
    // are capped at 17, and the share up must not gain what they drop. The factor keeps a
    // whole number that the product missed by a last bit (59995.00000000001) whole.
    let shown_down = (down * scale * (1.0 - 1e-12)).ceil() as u64;
    (decimals, (scale as u64).saturating_sub(shown_down))
}

/// Decimals of `of.up` that show its share down to the digits [`share`] shows.
fn decimals(of: Availability) -> usize {
    let first = (-math::log10(of.down)).ceil() as usize;
    (first + share_digits(of.down) - 1).min(17)
}

/// Significant digits that show `down` exactly if ten or fewer do, else four.
fn share_digits(down: f64) -> usize {
    exact_digits(down).unwrap_or(DIGITS)
}

/// The fewest significant digits, ten at most, that show `down` exactly; `None` if ten do
/// not.
fn exact_digits(down: f64) -> Option<usize> {
    (DIGITS..=EXACT_DIGITS).find(|&digits| {
        let shown: f64 = format!("{down:.*e}", digits - 1)
            .parse()
            .unwrap_or(f64::NAN);
        (shown - down).abs() <= 1e-12 * down
    })
}

/// A share down, exact to ten significant digits or else to four, rounded up so as never to
/// show less than there is: `0.00059995`, `0.0001158` for 0.00011573, `2.998e-9` past nine zeros; `1 -
/// 3.171e-11` for a share that four digits would show as 1.
fn share(down: f64) -> String {
    if down < 1.0 && 1.0 - down < 1e-4 {
        return format!("1 - {}", share(1.0 - down));
    }
    let digits = share_digits(down);
    let down = match exact_digits(down) {
        Some(_) => down,
        None => round_up(down, digits),
    };
    if down != 0.0 && down < 1e-9 {
        let text = format!("{down:.*e}", digits - 1);
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        format!("{}e{exponent}", trim_decimals(mantissa.to_string()))
    } else {
        digits_of(down, digits)
    }
}

/// `x` rounded up to `digits` significant digits (below the last one shown, the part that
/// rounding to nearest would drop is carried up instead).
fn round_up(x: f64, digits: usize) -> f64 {
    match last_digit(x, digits) {
        Some(unit) => ((x / unit).ceil() * unit).max(x),
        None => x,
    }
}

/// The value of the last of `digits` significant digits of `x` (0.001 for 3.14159 to four);
/// `None` for zero, a negative or a non-finite `x`, which are shown as they are.
fn last_digit(x: f64, digits: usize) -> Option<f64> {
    let exponent =
        (x > 0.0 && x.is_finite()).then(|| math::log10(x).floor() as i32 - (digits as i32 - 1))?;
    Some(math::powf(10.0, f64::from(exponent)))
}

/// A share as a percentage to four significant digits: `2%`, `8.571%`.
fn percent_share(share: f64) -> String {
    format!("{}%", digits_of(share * 100.0, DIGITS))
}

/// The nines of `of`, to four significant digits, rounded down so as never to reach a
/// count it does not (`3.999` for 0.99989998 or 99.98999%, not `4`); a figure within a
/// rounding error of its four digits is that figure (99.99% is 4).
fn nines_of(of: Availability) -> String {
    match of.nines() {
        Some(nines) => digits_of(round_down(nines), DIGITS),
        None => "infinite (never down)".to_string(),
    }
}

/// `x` rounded down to four significant digits.
fn round_down(x: f64) -> f64 {
    match last_digit(x, DIGITS) {
        // A last-bit shortfall (3.9999999999999996 for 4) is not a digit short.
        Some(unit) => (x / unit * (1.0 + 1e-12)).floor() * unit,
        None => x,
    }
}

fn span(secs: f64) -> String {
    unit_duration(secs, DIGITS)
}

/// `nines = -log10(0.0005) = 3.301`.
/// `text` in parentheses when it is a difference, to be subtracted: `1 - (1 - 1e-16)`.
fn grouped(text: String) -> String {
    match text.contains(" - ") {
        true => format!("({text})"),
        false => text,
    }
}

fn nines_line(text: &mut String, of: Availability) {
    let _ = writeln!(
        text,
        "  nines = -log10({}) = {}",
        share(of.down),
        nines_of(of)
    );
}

/// One line per period: `downtime a year     0.0005 x 365 d   = 4.38 h`.
fn downtime_lines(text: &mut String, of: Availability) {
    let rows: Vec<(String, String)> = Period::ALL
        .iter()
        .map(|period| {
            let length = period.duration().as_secs_f64();
            (
                format!("a {}", period.name()),
                format!("{} x {}", share(of.down), span(length)),
            )
        })
        .collect();
    let width = rows.iter().map(|(_, f)| f.len()).max().unwrap_or(0);
    for (period, (name, formula)) in Period::ALL.iter().zip(rows) {
        let seconds = of.down * period.duration().as_secs_f64();
        let _ = writeln!(
            text,
            "  downtime {name:<9} {formula:<width$} = {}",
            span(seconds)
        );
    }
}

fn nines_text(text: &mut String, answer: &NinesAnswer) {
    let of = answer.of;
    if of.nines().is_some() {
        let _ = writeln!(text, "{} up is {} nines:", percent(of), nines_of(of));
    } else {
        let _ = writeln!(
            text,
            "{} up: never down (infinitely many nines)",
            percent(of)
        );
    }
    let _ = writeln!(
        text,
        "  down  = 1 - {} = {}",
        grouped(fraction(of)),
        share(of.down)
    );
    nines_line(text, of);
    downtime_lines(text, of);
}

fn downtime_text(text: &mut String, answer: &DowntimeAnswer) {
    let result = answer.result;
    let period = answer.per.duration().as_secs_f64();
    let _ = writeln!(
        text,
        "{} down a {} ({}) is {} up:",
        span(answer.downtime.as_secs_f64()),
        answer.per.name(),
        span(period),
        percent(result)
    );
    let _ = writeln!(
        text,
        "  down  = {} / {} = {}",
        span(answer.downtime.as_secs_f64()),
        span(period),
        share(result.down)
    );
    let _ = writeln!(
        text,
        "  A     = 1 - {} = {} ({})",
        share(result.down),
        fraction(result),
        percent(result)
    );
    nines_line(text, result);
}

fn component_text(text: &mut String, answer: &ComponentAnswer) {
    let result = answer.result;
    let (mttf, mttr) = (answer.mttf.as_secs_f64(), answer.mttr.as_secs_f64());
    let cycle = unit_duration(mttf + mttr, 6);
    let _ = writeln!(
        text,
        "A component up {} on average between failures (MTTF), then down {} (MTTR):",
        span(mttf),
        span(mttr)
    );
    let _ = writeln!(
        text,
        "  A = MTTF / (MTTF + MTTR) = {} / ({} + {}) = {} ({})",
        span(mttf),
        span(mttf),
        span(mttr),
        fraction(result),
        percent(result)
    );
    let _ = writeln!(
        text,
        "  failures a year = 365 d / (MTTF + MTTR) = 365 d / {cycle} = {}",
        digits_of(answer.failures_per_year, DIGITS)
    );
    let _ = writeln!(
        text,
        "  downtime a year = failures x MTTR = {} x {} = {}",
        digits_of(answer.failures_per_year, DIGITS),
        span(mttr),
        span(answer.downtime_s.year)
    );
    nines_line(text, result);
    downtime_lines(text, result);
}

fn composition_text(text: &mut String, answer: &Composition) {
    let result = answer.result;
    let members: Vec<String> = answer.members.iter().map(|m| fraction(*m)).collect();
    let n = members.len();
    match answer.combination {
        Combination::Series => {
            let _ = writeln!(text, "In series: up only while {} up:", every_member(n));
            let _ = writeln!(text, "  A = {}", listed(&members, " x "));
        }
        Combination::Parallel => {
            let _ = writeln!(text, "In parallel: up while {} up:", any_member(n));
            let downs: Vec<String> = members.iter().map(|m| format!("(1 - {m})")).collect();
            let _ = writeln!(text, "  A = 1 - {}", listed(&downs, " x "));
            let shares: Vec<String> = answer.members.iter().map(|m| share(m.down)).collect();
            let _ = writeln!(text, "    = 1 - {}", listed(&shares, " x "));
        }
        Combination::AtLeast(k) => k_of_n_text(text, answer, k),
    }
    match (result.down, answer.nines) {
        // Down less than a double holds: the nines are the members' nines added up.
        (0.0, Some(nines)) => {
            let nines = digits_of(nines, DIGITS);
            let _ = writeln!(
                text,
                "    = 1 - 10^-{nines} (below the 1e-308 a double holds)\n  nines = {nines}, \
                 the members' nines added up"
            );
        }
        _ => {
            let _ = writeln!(text, "    = {} ({})", fraction(result), percent(result));
            nines_line(text, result);
            let _ = writeln!(
                text,
                "  downtime a year = {} x 365 d = {}",
                share(result.down),
                span(result.down * Period::Year.duration().as_secs_f64())
            );
        }
    }
    let assumed = match answer.combination {
        Combination::Series => "Assumed: members fail independently.",
        _ => {
            "Assumed: members fail independently, and the survivors serve at once (no \
              failover window)."
        }
    };
    let _ = writeln!(text, "{assumed}");
}

/// Most parts of a sum or product written out; beyond, the first and last few stand for
/// the rest, so that 400 members make a line, not a page.
const LISTED: usize = 8;

/// `parts` joined by `separator` (` + `, ` x `), the middle left out past [`LISTED`]:
/// `a + b + c + ... + y + z (400 terms)`.
fn listed(parts: &[String], separator: &str) -> String {
    if parts.len() <= LISTED {
        return parts.join(separator);
    }
    let (head, tail) = (&parts[..3], &parts[parts.len() - 2..]);
    format!(
        "{}{separator}...{separator}{} ({} terms)",
        head.join(separator),
        tail.join(separator),
        parts.len()
    )
}

/// "all 3 members are", "both members are", or "its one member is".
fn every_member(n: usize) -> String {
    match n {
        1 => "its one member is".to_string(),
        2 => "both members are".to_string(),
        _ => format!("all {n} members are"),
    }
}

/// "any of the 3 members is", or "its one member is".
fn any_member(n: usize) -> String {
    match n {
        1 => "its one member is".to_string(),
        _ => format!("any of the {n} members is"),
    }
}

fn k_of_n_text(text: &mut String, answer: &Composition, k: usize) {
    let n = answer.members.len();
    let verb = if k == 1 { "is" } else { "are" };
    let _ = writeln!(
        text,
        "{k} of {n}: up while at least {k} of the {n} members {verb} up:"
    );
    let Some(terms) = answer.binomial_terms() else {
        let _ = writeln!(
            text,
            "  A = the sum over every set of at least {k} members up of the product of\n      \
             A of each member up and (1 - A) of each member down"
        );
        return;
    };
    let member = answer.members[0];
    let (a, q) = (fraction(member), share(member.down));
    let _ = writeln!(
        text,
        "  A = sum for j = {k}..{n} of C({n},j) x A^j x (1 - A)^({n}-j), A = {a}"
    );
    let written: Vec<String> = terms
        .iter()
        .map(|t| format!("{} x {a}^{} x {q}^{}", t.coefficient, t.up, n - t.up))
        .collect();
    let _ = writeln!(text, "    = {}", listed(&written, " + "));
    let places = decimals(answer.result);
    let values: Vec<String> = terms
        .iter()
        .map(|t| trim_decimals(format!("{:.places$}", t.value)))
        .collect();
    // A single term's value is the result, which the next line gives.
    if values.len() > 1 {
        let _ = writeln!(text, "    = {}", listed(&values, " + "));
    }
}

fn budget_text(text: &mut String, answer: &BudgetAnswer) {
    let window = answer.window.as_secs_f64();
    let _ = writeln!(
        text,
        "Error budget of {} over {}:",
        percent(answer.objective),
        span(window)
    );
    let _ = writeln!(
        text,
        "  budget = (1 - {}) x {} = {} x {} = {}",
        fraction(answer.objective),
        span(window),
        share(answer.objective.down),
        span(window),
        span(answer.budget_s)
    );
    let _ = writeln!(
        text,
        "The SRE workbook's burn-rate alerts (burn rate 1 spends the budget in exactly {}):",
        span(window)
    );
    let _ = writeln!(
        text,
        "  burn  long window  short window  budget spent when it fires      action"
    );
    for alert in &answer.alerts {
        let spent = format!(
            "{} x {} / {} = {}",
            digits_of(alert.burn_rate, DIGITS),
            span(alert.window_s),
            span(window),
            percent_share(alert.budget_share)
        );
        let _ = writeln!(
            text,
            "  {:<5} {:<12} {:<13} {spent:<31} {}",
            digits_of(alert.burn_rate, DIGITS),
            span(alert.window_s),
            span(alert.short_window_s),
            if alert.page { "page" } else { "ticket" }
        );
    }
    let first = answer.alerts[0].burn_rate;
    let _ = writeln!(
        text,
        "An alert fires when both its windows burn at least that fast.\nAt burn rate B the \
         budget lasts {} / B ({} at {}).",
        span(window),
        span(window / first),
        digits_of(first, DIGITS)
    );
    if answer.window.as_micros() != Period::Month.duration().as_micros() {
        let _ = writeln!(
            text,
            "The workbook chose these rates for a 30 d window; over {} they spend the\nshares \
             above.",
            span(window)
        );
    }
    unusable_alerts(text, answer);
}

/// The alerts that cannot serve: a burn rate faster than the budget can burn (everything
/// down burns it at 1 / (1 - objective)), and a long window longer than the budget's own.
fn unusable_alerts(text: &mut String, answer: &BudgetAnswer) {
    let fastest = 1.0 / answer.objective.down;
    // "burn rate 1", or "burn rates 14.4 and 6".
    let rates = |keep: &dyn Fn(&&crate::calc::Alert) -> bool| {
        let listed: Vec<String> = (answer.alerts.iter().filter(keep))
            .map(|alert| digits_of(alert.burn_rate, DIGITS))
            .collect();
        match listed.len() {
            0 => String::new(),
            1 => format!("burn rate {}", listed[0]),
            _ => format!("burn rates {}", listed.join(" and ")),
        }
    };
    let unreachable = rates(&|alert| alert.burn_rate > fastest);
    if !unreachable.is_empty() {
        let _ = writeln!(
            text,
            "The {unreachable}: never reached, since with everything down the budget \
             burns at\n1 / {} = {}; those alerts never fire.",
            share(answer.objective.down),
            digits_of(fastest, DIGITS)
        );
    }
    let window = answer.window.as_secs_f64();
    let longer = rates(&|alert| alert.window_s > window);
    if !longer.is_empty() {
        let _ = writeln!(
            text,
            "The long window of the {longer} is longer than the {} budget window: it \
             looks\nback past the window it guards; pick alerts for a window this short.",
            span(window)
        );
    }
}

/// The simulated availability of `simulation` beside the closed form `closed`, with what
/// the formula assumes and what the model changes.
pub fn calc_simulation_text(
    closed: Availability,
    setup: &Setup,
    simulation: &CalcSimulation,
) -> String {
    let mut text = String::new();
    let simulated = &simulation.availability;
    let (difference, in_se) = gap(closed, simulation);
    let in_se_text = match in_se {
        Some(ratio) => format!("{} standard errors", digits_of(ratio, 2)),
        None if simulation.years < 2 => {
            "? standard errors: one simulated year gives none".to_string()
        }
        None if simulated.mean == 1.0 => "no downtime was simulated".to_string(),
        None => "? standard errors: every year was down the same".to_string(),
    };
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Simulated ({}, seed {}; exponential times, repairs of {} on average):",
        count(simulation.years, "year"),
        setup.seed,
        span(setup.members[0].mttr.as_secs_f64())
    );
    // Four significant digits of the smaller share down.
    let smallest = (1.0 - simulated.mean).min(closed.down).max(1e-15);
    let places = ((-math::log10(smallest)).ceil() as usize + DIGITS - 1).min(17);
    let show = |x: f64| trim_decimals(format!("{x:.places$}"));
    let _ = writeln!(text, "  closed form  {}", show(closed.up));
    let interval = match simulation.years {
        0 | 1 => "95% CI none from one year".to_string(),
        _ => format!(
            "95% CI [{}, {}]",
            show(simulated.ci95[0]),
            show(simulated.ci95[1])
        ),
    };
    let _ = writeln!(text, "  simulated    {}  {interval}", show(simulated.mean));
    let _ = writeln!(text, "  difference   {difference:+.3e} = {in_se_text}");
    let _ = writeln!(text, "{}", agreement(setup, in_se));

    let _ = writeln!(
        text,
        "What breaks the formula in a real system: a failover window (election, lease, \
         endpoint\nupdate), a detection delay, a quorum (a majority, not one), shared nodes \
         or zones\n(failures together). Add them to the model (--emit-model) to see."
    );
    text
}

/// Standard errors beyond which the simulation and the formula disagree (a two-sided 99.7%
/// band: with a few members and several forms per lesson, 2 would cry wolf too often).
const DISAGREE_SE: f64 = 3.0;

/// What the difference says of the formula: whether its assumptions hold, and whether the
/// simulation shows the downtime it leaves out or cannot tell yet.
fn agreement(setup: &Setup, in_se: Option<f64>) -> String {
    let apart = in_se.map(|se| se.abs() > DISAGREE_SE);
    match (setup.meets_assumptions(), apart) {
        (true, Some(false)) => "The model meets the formula's assumptions (independent \
             members, instant failover,\nno detection delay), and the two agree within a few \
             standard errors."
            .to_string(),
        (true, _) => "The model meets the formula's assumptions (independent members, \
             instant failover,\nno detection delay), so the two should agree: simulate more \
             years to see it."
            .to_string(),
        (false, Some(true)) => format!(
            "The model breaks the formula's assumptions ({}),\nand the simulation shows the \
             downtime the formula leaves out.",
            broken(setup)
        ),
        (false, _) => format!(
            "The model breaks the formula's assumptions ({}),\nbut the downtime the formula \
             leaves out is too small to tell from noise in\nthese years: simulate more \
             (--years) to see it.",
            broken(setup)
        ),
    }
}

fn broken(setup: &Setup) -> String {
    let mut parts = Vec::new();
    if setup.detect.as_micros() > 0 {
        parts.push(format!(
            "each failure is noticed after {}",
            span(setup.detect.as_secs_f64())
        ));
    }
    if let Some(failover) = setup.failover {
        parts.push(format!(
            "each loss of the leader costs a {} failover",
            span(failover.as_secs_f64())
        ));
    }
    parts.join("; ")
}

/// The generated model's name: `calc` and the question, quotes made plain, shortened to
/// the 256 characters a model name may have (a question of many members is longer).
fn model_name(question: &str) -> String {
    const MAX_CHARS: usize = 256;
    let name = format!("calc {}", question.replace('"', "'"));
    if name.chars().count() <= MAX_CHARS {
        return name;
    }
    let kept: String = name.chars().take(MAX_CHARS - 1).collect();
    format!("{kept}…")
}

/// The model of `setup`, commented, as `--emit-model` writes it and `--simulate` reads it.
pub fn calc_model(setup: &Setup) -> String {
    let mut text = String::new();
    // The options that shape the model, so that the header reproduces it. A calculation
    // from availabilities repairs every member in one `--mttr`; a component's question
    // already names its own.
    let mut options = String::new();
    if let (false, Some(member)) = (
        setup.question.starts_with("component"),
        setup.members.first(),
    ) {
        let _ = write!(options, " --mttr {}", member.mttr);
    }
    if setup.detect > Duration::ZERO {
        let _ = write!(options, " --detect {}", setup.detect);
    }
    if let Some(failover) = setup.failover {
        let _ = write!(options, " --failover {failover}");
    }
    let _ = writeln!(
        text,
        "# Generated by `nines calc {}{options} --simulate`:\n# the calculation as a model \
         to continue from.",
        setup.question
    );
    let _ = writeln!(
        text,
        "# Assumption (the formula's): exponential times to failure and repair, members \
         that\n# fail independently, and the survivors serve at once. Add what the formula \
         leaves out\n# (detect, a leader election, a quorum, [kubernetes] nodes) and run it \
         with `nines run`."
    );
    let _ = writeln!(text, "name = \"{}\"", model_name(&setup.question));
    let _ = writeln!(text, "up = \"{}\"\n", up_expression(setup));
    let _ = writeln!(text, "[simulation]");
    let _ = writeln!(text, "years = {}   # --years", setup.years);
    let _ = writeln!(text, "seed = {}   # --seed", setup.seed);
    let _ = writeln!(
        text,
        "horizon = \"1y\"   # a 365-day year, as the formula counts it"
    );
    if setup.identical() {
        component_table(
            &mut text,
            "member",
            setup.members[0],
            setup.members.len(),
            setup,
        );
    } else {
        for (i, member) in setup.members.iter().enumerate() {
            component_table(&mut text, &format!("m{}", i + 1), *member, 1, setup);
        }
    }
    text
}

/// The up expression: the one component, or every set of `needs` members of differing ones.
fn up_expression(setup: &Setup) -> String {
    if setup.identical() {
        return "member".to_string();
    }
    let names: Vec<String> = (1..=setup.members.len()).map(|i| format!("m{i}")).collect();
    let mut terms = Vec::new();
    subsets(&names, setup.needs(), &mut Vec::new(), &mut terms);
    let parenthesised = terms.len() > 1 && setup.needs() > 1;
    terms
        .iter()
        .map(|term| {
            if parenthesised {
                format!("({term})")
            } else {
                term.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Every `k`-subset of `names` as `a & b`, in order.
fn subsets(names: &[String], k: usize, chosen: &mut Vec<String>, out: &mut Vec<String>) {
    if chosen.len() == k {
        out.push(chosen.join(" & "));
        return;
    }
    for (i, name) in names.iter().enumerate() {
        if names.len() - i < k - chosen.len() {
            break;
        }
        chosen.push(name.clone());
        subsets(&names[i + 1..], k, chosen, out);
        chosen.pop();
    }
}

/// A `[[component]]` table for `replicas` replicas of `member`.
fn component_table(text: &mut String, name: &str, member: Member, replicas: usize, setup: &Setup) {
    let _ = writeln!(text, "\n[[component]]");
    let _ = writeln!(text, "name = \"{name}\"");
    let _ = writeln!(text, "replicas = {replicas}");
    if replicas > 1 {
        let _ = writeln!(
            text,
            "needs = {}   # replicas that must be up to serve",
            setup.needs()
        );
    }
    if let Some(failover) = setup.failover {
        let _ = writeln!(
            text,
            "leader = {{ election = \"{failover}\" }}   # --failover: each loss of the leader costs this"
        );
    }
    let _ = writeln!(text, "\n  [[component.failure]]");
    let _ = writeln!(text, "  name = \"down\"");
    let _ = writeln!(
        text,
        "  every = {{ dist = \"exponential\", mean = \"{}\" }}   # MTTF{}",
        member.mttf,
        if setup.question.starts_with("component") {
            ": --mttf"
        } else {
            " = MTTR x A / (1 - A)"
        }
    );
    let _ = writeln!(
        text,
        "  detect = \"{}\"   # --detect (the formula: none)",
        setup.detect
    );
    let _ = writeln!(
        text,
        "  repair = {{ dist = \"exponential\", mean = \"{}\" }}   # MTTR: --mttr",
        member.mttr
    );
}
