//! Simulated time: one integer type for instants and spans, with units only at the edges.
//!
//! Time inside the engine is an integer count of microseconds, so the event queue orders
//! exactly (no float comparisons) and sums of downtime are exact. Model files speak in
//! strings with units (`"1h30m"`); reports speak in seconds. Both conversions live here.

use std::fmt;

/// A span of simulated time, or an instant measured from the start of a simulated year.
///
/// Stored as whole microseconds. The largest duration a model may name is [`Duration::MAX_MODEL`]
/// (10000 years, about 2^58 µs), so sums of a few of them never overflow `u64`. It
/// serializes as its whole microseconds, for the statistics a measure saves.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Duration(u64);

/// Microseconds in one unit of each suffix a duration string may use.
const UNITS: [(&str, u64); 7] = [
    ("ms", 1_000),
    ("s", 1_000_000),
    ("m", 60 * 1_000_000),
    ("h", 3_600 * 1_000_000),
    ("d", 86_400 * 1_000_000),
    ("w", 7 * 86_400 * 1_000_000),
    // A year is 365 days (`docs/model-reference.md`, durations), so that 99.9% is 8.76 h of downtime a year.
    ("y", 365 * 86_400 * 1_000_000),
];

impl Duration {
    /// Zero length.
    pub const ZERO: Duration = Duration(0);
    /// One microsecond, the resolution of simulated time.
    pub const MICROSECOND: Duration = Duration(1);
    /// One second.
    pub const SECOND: Duration = Duration(1_000_000);
    /// One year of 365 days.
    pub const YEAR: Duration = Duration(365 * 86_400 * 1_000_000);
    /// The longest duration a model may name: 10000 years.
    pub const MAX_MODEL: Duration = Duration(10_000 * 365 * 86_400 * 1_000_000);
    /// Later than any instant the engine schedules: "never".
    pub const NEVER: Duration = Duration(u64::MAX);

    /// A duration of `micros` microseconds.
    pub const fn from_micros(micros: u64) -> Duration {
        Duration(micros)
    }

    /// A duration of whole seconds.
    pub const fn from_secs(secs: u64) -> Duration {
        Duration(secs * 1_000_000)
    }

    /// The nearest whole number of microseconds to `secs` seconds, clamped to
    /// `[0, NEVER]`; NaN maps to zero.
    pub fn from_secs_f64(secs: f64) -> Duration {
        Duration::from_micros_f64(secs * 1e6)
    }

    /// The nearest whole number of microseconds to `micros`, clamped to `[0, NEVER]`; NaN
    /// maps to zero. Used to turn sampled values, computed in microseconds, into simulated
    /// time.
    pub fn from_micros_f64(micros: f64) -> Duration {
        /// 2^63: below it, a float converts to and from `i64` in one instruction each.
        const SIGNED: f64 = 9_223_372_036_854_775_808.0;
        // Every sampled duration passes through here, so this avoids both a libm call for
        // `round` (5% of a simulated year) and the multi-instruction unsigned conversions.
        // Rounding half away from zero by hand gives exactly `micros.round()`: the
        // difference of a float and its truncation is exact.
        if (0.0..SIGNED).contains(&micros) {
            let whole = micros as i64;
            let up = micros - whole as f64 >= 0.5;
            return Duration(whole as u64 + u64::from(up));
        }
        // Negative, NaN or huge: `as` saturates at both ends and maps NaN to 0.
        Duration(micros.round() as u64)
    }

    /// Whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds as a float, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// `self + other`, or `NEVER` when the sum does not fit.
    pub fn saturating_add(self, other: Duration) -> Duration {
        Duration(self.0.saturating_add(other.0))
    }

    /// `self - other`, or zero when `other` is later.
    pub fn saturating_sub(self, other: Duration) -> Duration {
        Duration(self.0.saturating_sub(other.0))
    }

    /// The duration as reports name a horizon: whole years as `1y` or `2y`, anything else
    /// exactly in the model syntax (`30d`, `12h30m`), never rounded (`30d`, not `30d 0h`).
    pub fn label(self) -> String {
        if self.0 > 0 && self.0.is_multiple_of(Duration::YEAR.0) {
            format!("{}y", self.0 / Duration::YEAR.0)
        } else {
            self.to_string()
        }
    }

    /// What one simulated "year" of this horizon is called in figures for people:
    /// `year` for a horizon of exactly 1y, else the horizon (`30d`), so that labels read
    /// "downtime per year" or "downtime per 30d". The JSON and CSV keys keep `per_year`:
    /// there it means per simulated horizon.
    pub fn period_name(self) -> String {
        if self == Duration::YEAR {
            "year".to_string()
        } else {
            self.label()
        }
    }

    /// Parses a duration string such as `"30d"`, `"1h30m"`, `"1.5s"` or `"250ms"`.
    ///
    /// Each part is a non-negative decimal number followed by a unit (`ms`, `s`, `m`, `h`,
    /// `d`, `w`, `y`), optionally separated by spaces; parts add up. Fractions are rounded to the nearest microsecond.
    /// Durations above 10000 years are rejected.
    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(DurationError::Empty);
        }
        if trimmed.starts_with('-') {
            return Err(DurationError::Negative);
        }
        let mut rest = trimmed;
        let mut total: u64 = 0;
        // Each unit once, largest first ("1h30m"): "1m1m" or "30s1m" is a slip, not a sum.
        let mut previous: Option<(&str, u64)> = None;
        while !rest.is_empty() {
            rest = rest.trim_start();
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at(number_len);
            if number.is_empty() {
                return Err(DurationError::BadNumber(rest.to_string()));
            }
            let unit_len = after
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(after.len());
            let (unit, next) = after.split_at(unit_len);
            let unit = unit.trim();
            if unit.is_empty() {
                return Err(DurationError::MissingUnit(number.to_string()));
            }
            let scale = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, micros)| *micros)
                .ok_or_else(|| DurationError::UnknownUnit(unit.to_string()))?;
            if let Some((before, larger)) = previous
                && scale >= larger
            {
                return Err(DurationError::UnitOrder {
                    text: trimmed.to_string(),
                    unit: unit.to_string(),
                    after: before.to_string(),
                });
            }
            previous = Some((unit, scale));
            let part = scale_decimal(number, scale)?;
            total = total.checked_add(part).ok_or(DurationError::TooLong)?;
            rest = next;
        }
        if total > Duration::MAX_MODEL.0 {
            return Err(DurationError::TooLong);
        }
        Ok(Duration(total))
    }
}

/// `number` (decimal digits with at most one point) times `scale` microseconds, rounded to
/// the nearest microsecond, with exact integer arithmetic so `"0.1s"` is exactly 100000 µs.
fn scale_decimal(number: &str, scale: u64) -> Result<u64, DurationError> {
    let bad = || DurationError::BadNumber(number.to_string());
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) if !f.contains('.') => (w, f),
        Some(_) => return Err(bad()),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err(bad());
    }
    let whole_value: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| DurationError::TooLong)?
    };
    let mut micros = whole_value
        .checked_mul(scale)
        .ok_or(DurationError::TooLong)?;
    // Digits beyond the 18th cannot change the rounded result for any unit here.
    let fraction = &fraction[..fraction.len().min(18)];
    if !fraction.is_empty() {
        let numerator: u128 = fraction.parse().map_err(|_| bad())?;
        let denominator = 10u128.pow(fraction.len() as u32);
        let scaled = (numerator * scale as u128 + denominator / 2) / denominator;
        micros = micros
            .checked_add(scaled as u64)
            .ok_or(DurationError::TooLong)?;
    }
    Ok(micros)
}

/// Why a duration string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The string was empty.
    #[error("empty duration; write a number with a unit, e.g. \"30s\"")]
    Empty,
    /// The string started with a minus sign.
    #[error("durations cannot be negative")]
    Negative,
    /// A number was not followed by a unit.
    #[error("`{0}` has no unit; add one of ms, s, m, h, d, w, y (e.g. \"{0}s\")")]
    MissingUnit(String),
    /// A unit suffix was not one of the known ones.
    #[error("unknown unit `{0}`; use ms, s, m, h, d, w or y")]
    UnknownUnit(String),
    /// A part was not a decimal number.
    #[error("`{0}` is not a number followed by a unit")]
    BadNumber(String),
    /// A unit repeated, or after a smaller one.
    #[error(
        "`{text}`: `{unit}` after `{after}`; give each unit once, largest first (e.g. \"1h30m\")"
    )]
    UnitOrder {
        /// The whole duration as written.
        text: String,
        /// The unit out of place.
        unit: String,
        /// The unit before it.
        after: String,
    },
    /// The total exceeded 10000 years.
    #[error("longer than the 10000y maximum")]
    TooLong,
}

impl fmt::Display for Duration {
    /// Writes the duration in the model-file syntax, exactly: `"1h30m"`, `"250ms"`,
    /// `"1.5s"`, `"0s"`; `Duration::parse` reads it back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        // Largest units first, but never years or weeks inside days of a year: keep it readable.
        for (name, micros) in [("d", UNITS[4].1), ("h", UNITS[3].1), ("m", UNITS[2].1)] {
            if rest >= micros {
                write!(f, "{}{}", rest / micros, name)?;
                rest %= micros;
            }
        }
        if rest > 0 {
            let secs = rest / 1_000_000;
            let sub = rest % 1_000_000;
            if sub == 0 {
                write!(f, "{secs}s")?;
            } else {
                let digits = format!("{sub:06}");
                write!(f, "{secs}.{}s", digits.trim_end_matches('0'))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference: round half away from zero, then saturate (NaN to 0).
    fn rounded(secs: f64) -> Duration {
        Duration((secs * 1e6).round() as u64)
    }

    #[test]
    fn from_secs_f64_rounds_like_f64_round_at_the_edges() {
        let halfway = 0.5e-6;
        for secs in [
            0.0,
            -0.0,
            halfway,
            0.5f64.next_down() / 1e6,
            2.5e-6,
            -0.7e-6,
            1.5,
            (1u64 << 52) as f64 / 1e6 + 0.37,
            18_446_744_073_709_551_616.0 / 1e6,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(Duration::from_secs_f64(secs), rounded(secs), "{secs:e}");
        }
    }

    proptest! {
        #[test]
        fn from_secs_f64_rounds_like_f64_round(bits in any::<u64>(), secs in 0.0..1e9f64) {
            let any = f64::from_bits(bits);
            prop_assert_eq!(Duration::from_secs_f64(any), rounded(any));
            prop_assert_eq!(Duration::from_secs_f64(secs), rounded(secs));
        }
    }

    #[test]
    fn parses_each_unit() {
        assert_eq!(Duration::parse("250ms"), Ok(Duration(250_000)));
        assert_eq!(Duration::parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(Duration::parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(Duration::parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(Duration::parse(" 1h 30 m "), Ok(Duration::from_secs(5400)));
        assert_eq!(Duration::parse("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(Duration::parse("1w"), Ok(Duration::from_secs(604_800)));
        assert_eq!(Duration::parse("1y"), Ok(Duration::from_secs(31_536_000)));
    }

    #[test]
    fn fractions_are_exact_to_the_microsecond() {
        assert_eq!(Duration::parse("0.1s"), Ok(Duration(100_000)));
        assert_eq!(Duration::parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(Duration::parse(".5s"), Ok(Duration(500_000)));
        assert_eq!(Duration::parse("0.0000005s"), Ok(Duration(1)));
    }

    #[test]
    fn rejects_malformed_strings() {
        assert_eq!(Duration::parse(""), Err(DurationError::Empty));
        assert_eq!(Duration::parse("-5s"), Err(DurationError::Negative));
        assert_eq!(
            Duration::parse("30"),
            Err(DurationError::MissingUnit("30".into()))
        );
        assert_eq!(
            Duration::parse("3 fortnights"),
            Err(DurationError::UnknownUnit("fortnights".into()))
        );
        assert_eq!(
            Duration::parse("1.2.3s"),
            Err(DurationError::BadNumber("1.2.3".into()))
        );
        assert_eq!(
            Duration::parse("s"),
            Err(DurationError::BadNumber("s".into()))
        );
        assert_eq!(Duration::parse("10001y"), Err(DurationError::TooLong));
        assert_eq!(
            Duration::parse("99999999999999999999y"),
            Err(DurationError::TooLong)
        );
        assert_eq!(Duration::parse("10000y"), Ok(Duration::MAX_MODEL));
    }

    /// A unit twice or out of order is a slip ("1m1m" meant one minute, or eleven), not a
    /// sum to take silently.
    #[test]
    fn rejects_units_repeated_or_out_of_order() {
        let order = |unit: &str, after: &str, text: &str| {
            Err(DurationError::UnitOrder {
                text: text.into(),
                unit: unit.into(),
                after: after.into(),
            })
        };
        assert_eq!(Duration::parse("1m1m"), order("m", "m", "1m1m"));
        assert_eq!(Duration::parse("30s 1m"), order("m", "s", "30s 1m"));
        assert_eq!(Duration::parse("1s500ms"), Ok(Duration(1_500_000)));
        assert_eq!(
            Duration::parse("1y1d1h1m1s1ms").map(|d| d.0 % 1_000_000),
            Ok(1000)
        );
    }

    #[test]
    fn display_round_trips() {
        for micros in [
            0,
            1,
            999,
            1_000,
            1_500_000,
            59_999_999,
            5_400_000_000,
            Duration::YEAR.0 + 17,
            Duration::MAX_MODEL.0,
        ] {
            let d = Duration(micros);
            assert_eq!(Duration::parse(&d.to_string()), Ok(d), "{d}");
        }
        assert_eq!(Duration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(Duration(250_000).to_string(), "0.25s");
    }

    #[test]
    fn horizons_are_named_exactly() {
        assert_eq!(Duration::YEAR.label(), "1y");
        assert_eq!(Duration::YEAR.period_name(), "year");
        let two_years = Duration::from_secs(2 * 31_536_000);
        assert_eq!(two_years.label(), "2y");
        assert_eq!(two_years.period_name(), "2y");
        let month = Duration::from_secs(30 * 86_400);
        assert_eq!(month.label(), "30d");
        assert_eq!(month.period_name(), "30d");
        assert_eq!(Duration::from_secs(45_000).period_name(), "12h30m");
    }

    #[test]
    fn float_conversion_rounds_and_clamps() {
        assert_eq!(Duration::from_secs_f64(1.0000004), Duration(1_000_000));
        assert_eq!(Duration::from_secs_f64(-3.0), Duration::ZERO);
        assert_eq!(Duration::from_secs_f64(f64::NAN), Duration::ZERO);
        assert_eq!(Duration::from_secs_f64(f64::INFINITY), Duration::NEVER);
    }
}
