//! `nines calc`: the availability arithmetic of a whiteboard, exactly. Nines and downtime
//! per period, one component from its MTTF and MTTR, series, parallel and k-of-n
//! compositions of independent members, and the error budget with the SRE workbook's
//! burn-rate alerts. Each answer is typed: its JSON fields are the figures of the
//! [CLI reference](../../docs/cli-reference.md#nines-calc), the rest (the inputs) is what
//! the report needs to write the formula with the numbers filled in.

mod input;
mod setup;

pub use input::{
    availability, duration, kofn_members, members, nines_availability, positive_duration,
    resolved_duration,
};
pub use setup::{Member, Setup};

use crate::math;
use crate::time::Duration;
use serde::Serialize;

/// An availability with its complement, each kept exactly where it can be: the share of
/// time up and the share down. Nines are read from `down`, so `99.99%` is four nines, not
/// 3.9999999999999996.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Availability {
    /// The share of time up, in `[0, 1]`.
    pub up: f64,
    /// The share of time down, `1 - up`, computed without cancellation where possible.
    pub down: f64,
}

impl Availability {
    /// `up / whole` and `down / whole` for integers with `up + down = whole`.
    fn from_ratio(up: u128, down: u128, whole: u128) -> Availability {
        Availability {
            up: up as f64 / whole as f64,
            down: down as f64 / whole as f64,
        }
    }

    /// An availability whose share down is known: `1 - down` up.
    fn from_down(down: f64) -> Availability {
        Availability {
            up: 1.0 - down,
            down,
        }
    }

    /// `-log10(down)`; `None` for an availability of exactly 1, which has no finite nines.
    pub fn nines(self) -> Option<f64> {
        // `0 - x`, not `-x`: a system that is always down (down = 1) has 0 nines, not -0.
        (self.down > 0.0).then(|| 0.0 - math::log10(self.down))
    }
}

/// A period that downtime is counted per: a year is 365 days, a quarter a quarter of it, a
/// month 30 days (as the SRE book's availability table counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// 365 days.
    Year,
    /// 91.25 days.
    Quarter,
    /// 30 days.
    Month,
    /// 7 days.
    Week,
    /// 24 hours.
    Day,
}

impl Period {
    /// Every period, longest first, in the order `downtime_s` lists them.
    pub const ALL: [Period; 5] = [
        Period::Year,
        Period::Quarter,
        Period::Month,
        Period::Week,
        Period::Day,
    ];

    /// The period's length.
    pub fn duration(self) -> Duration {
        const DAY: u64 = 86_400;
        Duration::from_secs(match self {
            Period::Year => 365 * DAY,
            Period::Quarter => 365 * DAY / 4,
            Period::Month => 30 * DAY,
            Period::Week => 7 * DAY,
            Period::Day => DAY,
        })
    }

    /// The period's name, as `--per` takes it: `year`, `quarter`, `month`, `week`, `day`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Year => "year",
            Period::Quarter => "quarter",
            Period::Month => "month",
            Period::Week => "week",
            Period::Day => "day",
        }
    }
}

/// Seconds down in each period at one availability.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Downtimes {
    /// Seconds down in a 365-day year.
    pub year: f64,
    /// Seconds down in a quarter (91.25 days).
    pub quarter: f64,
    /// Seconds down in a 30-day month.
    pub month: f64,
    /// Seconds down in a week.
    pub week: f64,
    /// Seconds down in a day.
    pub day: f64,
}

impl Downtimes {
    /// The downtime of each period at `availability`.
    pub fn of(availability: Availability) -> Downtimes {
        let per = |period: Period| availability.down * period.duration().as_secs_f64();
        Downtimes {
            year: per(Period::Year),
            quarter: per(Period::Quarter),
            month: per(Period::Month),
            week: per(Period::Week),
            day: per(Period::Day),
        }
    }
}

/// `nines calc nines A`: an availability's nines and downtime per period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NinesAnswer {
    /// The availability asked about.
    #[serde(skip)]
    pub of: Availability,
    /// The availability as a fraction.
    pub availability: f64,
    /// `-log10(1 - availability)`; null for 100%.
    pub nines: Option<f64>,
    /// Seconds down per period.
    pub downtime_s: Downtimes,
}

/// The nines and the downtime per period of `of`.
pub fn nines(of: Availability) -> NinesAnswer {
    NinesAnswer {
        of,
        availability: of.up,
        nines: of.nines(),
        downtime_s: Downtimes::of(of),
    }
}

/// `nines calc downtime D --per P`: the availability that downtime allows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DowntimeAnswer {
    /// The downtime.
    #[serde(skip)]
    pub downtime: Duration,
    /// The period it is counted per.
    #[serde(skip)]
    pub per: Period,
    /// The availability, exactly `1 - downtime / period`.
    #[serde(skip)]
    pub result: Availability,
    /// The availability as a fraction.
    pub availability: f64,
    /// `-log10(downtime / period)`; null for no downtime.
    pub nines: Option<f64>,
}

/// The availability of `downtime` in each `per`; a downtime longer than the period is an
/// error.
pub fn downtime(downtime: Duration, per: Period) -> Result<DowntimeAnswer, CalcError> {
    let period = u128::from(per.duration().as_micros());
    let down = u128::from(downtime.as_micros());
    if down > period {
        return Err(CalcError::Invalid {
            argument: "the downtime".to_string(),
            problem: format!(
                "`{downtime}` is longer than the {} it is counted per; choose a longer --per",
                per.name()
            ),
        });
    }
    let result = Availability::from_ratio(period - down, down, period);
    Ok(DowntimeAnswer {
        downtime,
        per,
        result,
        availability: result.up,
        nines: result.nines(),
    })
}

/// `nines calc component --mttf T --mttr R`: one component that fails and is repaired.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentAnswer {
    /// Mean time to failure (up time between failures).
    #[serde(skip)]
    pub mttf: Duration,
    /// Mean time to repair (from failure to serving again).
    #[serde(skip)]
    pub mttr: Duration,
    /// `MTTF / (MTTF + MTTR)`, exactly.
    #[serde(skip)]
    pub result: Availability,
    /// The availability as a fraction.
    pub availability: f64,
    /// `-log10(MTTR / (MTTF + MTTR))`; null for a repair of zero.
    pub nines: Option<f64>,
    /// Failures in a 365-day year: `1y / (MTTF + MTTR)`.
    pub failures_per_year: f64,
    /// Seconds down per period.
    pub downtime_s: Downtimes,
}

/// The long-run availability of a component that is up for `mttf` on average, then down
/// for `mttr` (an alternating renewal process: only the means matter).
pub fn component(mttf: Duration, mttr: Duration) -> ComponentAnswer {
    let cycle = u128::from(mttf.as_micros()) + u128::from(mttr.as_micros());
    let result = Availability::from_ratio(mttf.as_micros().into(), mttr.as_micros().into(), cycle);
    ComponentAnswer {
        mttf,
        mttr,
        result,
        availability: result.up,
        nines: result.nines(),
        failures_per_year: Duration::YEAR.as_micros() as f64 / cycle as f64,
        downtime_s: Downtimes::of(result),
    }
}

/// How members combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combination {
    /// Up when every member is up.
    Series,
    /// Up when any member is up.
    Parallel,
    /// Up when at least `k` members are up.
    AtLeast(usize),
}

/// `series`, `parallel` and `kofn`: members that fail independently, combined.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Composition {
    /// How the members combine.
    #[serde(skip)]
    pub combination: Combination,
    /// Each member's availability, in the order given.
    #[serde(skip)]
    pub members: Vec<Availability>,
    /// The composition's availability.
    #[serde(skip)]
    pub result: Availability,
    /// The availability as a fraction.
    pub availability: f64,
    /// `-log10(1 - availability)`; null when the composition is never down.
    pub nines: Option<f64>,
}

impl Composition {
    fn new(
        combination: Combination,
        members: Vec<Availability>,
        result: Availability,
    ) -> Composition {
        Composition {
            combination,
            members,
            result,
            availability: result.up,
            nines: result.nines(),
        }
    }

    /// The one availability every member has, if they are identical.
    pub fn identical(&self) -> Option<Availability> {
        let first = *self.members.first()?;
        self.members.iter().all(|m| *m == first).then_some(first)
    }

    /// For `k` of `n` identical members, the terms `C(n, j) A^j (1 - A)^(n - j)` of the
    /// binomial sum for `j` from `k` to `n`; `None` otherwise.
    pub fn binomial_terms(&self) -> Option<Vec<BinomialTerm>> {
        let Combination::AtLeast(k) = self.combination else {
            return None;
        };
        let member = self.identical()?;
        let n = self.members.len();
        Some(
            (k..=n)
                .map(|j| {
                    let coefficient = binomial(n, j);
                    BinomialTerm {
                        up: j,
                        coefficient,
                        value: coefficient
                            * math::powi(member.up, j as u32)
                            * math::powi(member.down, (n - j) as u32),
                    }
                })
                .collect(),
        )
    }
}

/// One term of a binomial sum: exactly `up` of the `n` members up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinomialTerm {
    /// How many members are up.
    pub up: usize,
    /// `C(n, up)`, the number of ways to choose them.
    pub coefficient: f64,
    /// The probability of exactly that many up.
    pub value: f64,
}

/// `C(n, j)`: exact in integers while they hold it (C(400, 399) is 400, not
/// 399.99999999999943), then in floats, to a few ulp, for coefficients past 10^38.
fn binomial(n: usize, j: usize) -> f64 {
    let j = j.min(n - j);
    // c·(n − i) is divisible by i + 1 at every step: c·(n − i)/(i + 1) is C(n, i + 1).
    let exact = (0..j).try_fold(1u128, |c, i| {
        c.checked_mul((n - i) as u128).map(|c| c / (i + 1) as u128)
    });
    exact.map_or_else(
        || (0..j).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64),
        |c| c as f64,
    )
}

/// Up when every member is up: `A1 x A2 x ...`.
pub fn series(members: Vec<Availability>) -> Result<Composition, CalcError> {
    need_members(&members)?;
    let up: f64 = members.iter().map(|m| m.up).product();
    // The share down from the members' own shares, D + d − D·d, so that high availabilities
    // keep their digits (one member of 99.9% is 3 nines exactly, not 2.9999999999999996).
    let down = (members.iter()).fold(0.0, |down, m| down + m.down - down * m.down);
    let result = Availability { up, down };
    Ok(Composition::new(Combination::Series, members, result))
}

/// Up when any member is up: `1 - (1 - A1) x (1 - A2) x ...`.
pub fn parallel(members: Vec<Availability>) -> Result<Composition, CalcError> {
    need_members(&members)?;
    let result = Availability::from_down(members.iter().map(|m| m.down).product());
    let nines = all_down_nines(&members, result);
    let mut composition = Composition::new(Combination::Parallel, members, result);
    composition.nines = nines.or(composition.nines);
    Ok(composition)
}

/// The nines of "up unless every member is down" when its share down, the product of the
/// members', is below what a double holds (200 members of 99%: 1e-400): the members' nines
/// added up. `None` when the share down is a number.
fn all_down_nines(members: &[Availability], result: Availability) -> Option<f64> {
    let underflowed = result.down == 0.0 && members.iter().all(|m| m.down > 0.0);
    underflowed.then(|| members.iter().filter_map(|m| m.nines()).sum())
}

/// Up when at least `k` of the members are up. The probability of exactly `j` up is built
/// member by member (for identical members it is the binomial `C(n,j) A^j (1-A)^(n-j)`);
/// the share down is summed from its own terms, so high availabilities keep their digits.
pub fn k_of_n(k: usize, members: Vec<Availability>) -> Result<Composition, CalcError> {
    need_members(&members)?;
    let n = members.len();
    if k == 0 || k > n {
        return Err(CalcError::Invalid {
            argument: "k".to_string(),
            problem: format!("{k} of {n} members: k must be from 1 to the number of members ({n})"),
        });
    }
    // exactly[j]: the probability that exactly j of the members so far are up.
    let mut exactly = vec![0.0; n + 1];
    exactly[0] = 1.0;
    for (i, member) in members.iter().enumerate() {
        for j in (0..=i + 1).rev() {
            let stays = exactly[j] * member.down;
            let rises = if j > 0 {
                exactly[j - 1] * member.up
            } else {
                0.0
            };
            exactly[j] = stays + rises;
        }
    }
    let result = Availability {
        up: exactly[k..].iter().sum(),
        down: exactly[..k].iter().sum(),
    };
    // At least one of n is down only when all are, as `parallel`.
    let nines = (k == 1).then(|| all_down_nines(&members, result)).flatten();
    let mut composition = Composition::new(Combination::AtLeast(k), members, result);
    composition.nines = nines.or(composition.nines);
    Ok(composition)
}

fn need_members(members: &[Availability]) -> Result<(), CalcError> {
    if members.is_empty() {
        return Err(CalcError::Invalid {
            argument: "the members".to_string(),
            problem: "none given; name at least one availability".to_string(),
        });
    }
    Ok(())
}

/// One of the SRE workbook's multiwindow burn-rate alerts ("Alerting on SLOs", table 5-8).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Alert {
    /// How many times faster than the budget allows the errors arrive.
    pub burn_rate: f64,
    /// The long window the burn rate is measured over, in seconds.
    pub window_s: f64,
    /// The short window (1/12 of the long one) that must burn as fast too, so the alert
    /// stops soon after the errors do.
    pub short_window_s: f64,
    /// The share of the whole budget spent when the alert fires:
    /// `burn_rate x window / budget window`.
    pub budget_share: f64,
    /// Whether the workbook pages for it (else it opens a ticket).
    #[serde(skip)]
    pub page: bool,
}

/// The workbook's alerts for a 30-day window: burn 14.4 over 1 h (2% of the budget, page),
/// 6 over 6 h (5%, page), 1 over 3 days (10%, ticket).
const WORKBOOK_ALERTS: [(f64, u64, bool); 3] = [
    (14.4, 3_600, true),
    (6.0, 6 * 3_600, true),
    (1.0, 3 * 86_400, false),
];

/// `nines calc budget OBJECTIVE --window W`: the error budget and its alerts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BudgetAnswer {
    /// The availability objective.
    #[serde(skip)]
    pub objective: Availability,
    /// The window the objective is judged over.
    #[serde(skip)]
    pub window: Duration,
    /// Seconds of downtime the objective allows in the window: `(1 - SLO) x window`.
    pub budget_s: f64,
    /// The workbook's three alerts, long windows 1 h, 6 h and 3 days.
    pub alerts: Vec<Alert>,
}

/// The error budget of `objective` over `window` and the workbook's three burn-rate alerts.
pub fn budget(objective: Availability, window: Duration) -> Result<BudgetAnswer, CalcError> {
    if objective.down == 0.0 {
        return Err(CalcError::Invalid {
            argument: "the objective".to_string(),
            problem: "100% allows no downtime, so there is no budget to burn; \
                      an objective is below 100%"
                .to_string(),
        });
    }
    let window_s = window.as_secs_f64();
    let alerts = WORKBOOK_ALERTS
        .iter()
        .map(|&(burn_rate, long, page)| Alert {
            burn_rate,
            window_s: long as f64,
            short_window_s: long as f64 / 12.0,
            budget_share: burn_rate * long as f64 / window_s,
            page,
        })
        .collect();
    Ok(BudgetAnswer {
        objective,
        window,
        budget_s: objective.down * window_s,
        alerts,
    })
}

/// Every answer of `nines calc`; its JSON is the answer's figures alone.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// `nines`.
    Nines(NinesAnswer),
    /// `downtime`.
    Downtime(DowntimeAnswer),
    /// `component`.
    Component(ComponentAnswer),
    /// `series`, `parallel`, `kofn`.
    Composition(Composition),
    /// `budget`.
    Budget(BudgetAnswer),
}

/// Why a calculation cannot be done: the argument, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CalcError {
    /// An availability that cannot be read, or is out of range.
    #[error("{argument}: `{text}` is not an availability: {problem}")]
    Availability {
        /// The argument (`member 2`, `the objective`).
        argument: String,
        /// What was typed.
        text: String,
        /// What is wrong.
        problem: Problem,
    },
    /// A duration that cannot be read.
    #[error("{argument}: `{text}` is not a duration: {error}")]
    Duration {
        /// The argument (`--mttf`).
        argument: String,
        /// What was typed.
        text: String,
        /// What the duration reader found.
        error: crate::time::DurationError,
    },
    /// Arguments that are each fine but do not go together (k above n, say).
    #[error("{argument}: {problem}")]
    Invalid {
        /// The argument.
        argument: String,
        /// What is wrong, in full.
        problem: String,
    },
}

/// What is wrong with an availability.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Not a percentage or a fraction.
    #[error("write a percentage such as 99.9% or a fraction such as 0.999")]
    NotANumber,
    /// More digits than are read exactly.
    #[error("it has more than {0} digits, more than any availability needs; write fewer")]
    TooManyDigits(usize),
    /// Zero.
    #[error("a system that is never up has no nines; write a share above 0")]
    Zero,
    /// A percentage over 100.
    #[error("it is over 100%")]
    OverHundred,
    /// A bare number over 1: a percentage without its sign, most likely.
    #[error("a fraction is at most 1; write {0}% for a percentage")]
    BareNumberOverOne(String),
    /// A small whole number where `nines calc nines` wants an availability: a count of
    /// nines, most likely.
    #[error(
        "a fraction is at most 1; write {nines} for {count} nines, or {count}% for a percentage"
    )]
    NinesCount {
        /// The count typed.
        count: u32,
        /// The availability with that many nines (`99.999%`).
        nines: String,
    },
    /// A whole number as the first member of `kofn`: the member count, most likely.
    #[error(
        "kofn takes K and then each member's availability, not a count of members \
         (kofn 2 99.9% 99.9% 99.9%); write {0}% for a percentage"
    )]
    MemberCount(String),
}

#[cfg(test)]
mod tests;
