//! Reading what a person types for an availability (`99.9%`, `0.999`) or a duration, with
//! errors that name the argument and say what is wrong.

use super::{Availability, CalcError, Problem};
use crate::time::Duration;

/// Most digits an availability may have: enough for any figure a person writes, few enough
/// that the integer arithmetic below is exact.
const MAX_DIGITS: usize = 30;

/// Reads `text` as an availability: a percentage (`99.95%`) or a fraction (`0.9995`),
/// above 0 and at most 100%. `argument` names it in an error (`member 2`, `the objective`).
///
/// The decimal is read exactly, so the share down is exactly the complement of what was
/// typed: `99.99%` is down `0.0001`, four nines, not `0.00010000000000000009`.
pub fn availability(text: &str, argument: &str) -> Result<Availability, CalcError> {
    let error = |problem| CalcError::Availability {
        argument: argument.to_string(),
        text: text.to_string(),
        problem,
    };
    let trimmed = text.trim();
    let (number, percent) = match trimmed.strip_suffix('%') {
        Some(number) => (number.trim_end(), true),
        None => (trimmed, false),
    };
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if digits > MAX_DIGITS && number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(error(Problem::TooManyDigits(MAX_DIGITS)));
    }
    let (mantissa, mut scale) = decimal(number).ok_or_else(|| error(Problem::NotANumber))?;
    if percent {
        scale += 2;
    }
    let whole = 10u128.pow(scale as u32);
    if mantissa == 0 {
        return Err(error(Problem::Zero));
    }
    if mantissa > whole {
        return Err(error(if percent {
            Problem::OverHundred
        } else {
            Problem::BareNumberOverOne(number.to_string())
        }));
    }
    Ok(Availability::from_ratio(mantissa, whole - mantissa, whole))
}

/// Most nines a whole number may stand for in the hint of [`nines_availability`].
const MOST_NINES: u32 = 15;

/// Reads the availability of `nines calc nines`: as [`availability`], with the hint that a
/// small whole number (`5`) written there is probably a count of nines (`99.999%`).
pub fn nines_availability(text: &str) -> Result<Availability, CalcError> {
    availability(text, "the availability").map_err(|error| match error {
        CalcError::Availability {
            argument,
            text,
            problem: Problem::BareNumberOverOne(number),
        } => {
            let problem = match number.parse::<u32>() {
                Ok(count) if (2..=MOST_NINES).contains(&count) => Problem::NinesCount {
                    count,
                    nines: percent_with_nines(count),
                },
                _ => Problem::BareNumberOverOne(number),
            };
            CalcError::Availability {
                argument,
                text,
                problem,
            }
        }
        other => other,
    })
}

/// The availability of `count` nines as a percentage, `count` at least 2: `99%`, `99.9%`.
fn percent_with_nines(count: u32) -> String {
    match count.saturating_sub(2) {
        0 => "99%".to_string(),
        decimals => format!("99.{}%", "9".repeat(decimals as usize)),
    }
}

/// Reads each member's availability, naming it by its place (`member 2`) in an error.
pub fn members(texts: &[String]) -> Result<Vec<Availability>, CalcError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| availability(text, &format!("member {}", i + 1)))
        .collect()
}

/// Reads the members of `kofn`, as [`members`], with the hint that a whole number as the
/// first is probably a count of members (`kofn 2 3 99.9%`), which `kofn` does not take.
pub fn kofn_members(texts: &[String]) -> Result<Vec<Availability>, CalcError> {
    members(texts).map_err(|error| match error {
        CalcError::Availability {
            argument,
            text,
            problem: Problem::BareNumberOverOne(number),
        } if argument == "member 1" && number.parse::<u64>().is_ok() => CalcError::Availability {
            argument,
            text,
            problem: Problem::MemberCount(number),
        },
        other => other,
    })
}

/// A plain decimal `123.45` as the integer `12345` and its decimal places `2`; `None` for
/// anything else (signs, exponents, two points, no digits, too many digits).
fn decimal(text: &str) -> Option<(u128, usize)> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = whole.len() + fraction.len();
    let all_digits = whole
        .chars()
        .chain(fraction.chars())
        .all(|c| c.is_ascii_digit());
    if digits == 0 || digits > MAX_DIGITS || !all_digits {
        return None;
    }
    let mantissa = format!("{whole}{fraction}").parse().ok()?;
    Some((mantissa, fraction.len()))
}

/// Reads `text` as a duration in the model's syntax (`4h`, `30d`, `1h30m`); `argument`
/// names it in an error (`--mttf`).
pub fn duration(text: &str, argument: &str) -> Result<Duration, CalcError> {
    Duration::parse(text).map_err(|error| CalcError::Duration {
        argument: argument.to_string(),
        text: text.to_string(),
        error,
    })
}

/// Reads `text` as a duration that a microsecond, the resolution of every duration, can
/// tell from zero only when it is zero: a part below half a microsecond alone (`0.0000001s`)
/// would be read as nothing at all.
pub fn resolved_duration(text: &str, argument: &str) -> Result<Duration, CalcError> {
    let value = duration(text, argument)?;
    let written_zero = text.chars().all(|c| !c.is_ascii_digit() || c == '0');
    if value == Duration::ZERO && !written_zero {
        return Err(CalcError::Invalid {
            argument: argument.to_string(),
            problem: format!(
                "`{text}` is below the microsecond durations are counted in; it would read as 0"
            ),
        });
    }
    Ok(value)
}

/// Reads `text` as a duration above zero.
pub fn positive_duration(text: &str, argument: &str) -> Result<Duration, CalcError> {
    let value = duration(text, argument)?;
    if value == Duration::ZERO {
        return Err(CalcError::Invalid {
            argument: argument.to_string(),
            problem: format!("`{text}` is zero; it must be longer than that"),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hint for a count of nines names the availability it stands for, and reads it
    /// back as exactly that many nines.
    #[test]
    fn a_count_of_nines_is_hinted_as_its_availability() {
        assert_eq!(percent_with_nines(2), "99%");
        assert_eq!(percent_with_nines(3), "99.9%");
        assert_eq!(percent_with_nines(5), "99.999%");
        for count in 2..=MOST_NINES {
            let hinted = availability(&percent_with_nines(count), "a").unwrap();
            assert_eq!(
                hinted.nines().map(f64::round),
                Some(f64::from(count)),
                "{count}"
            );
        }
    }

    fn read(text: &str) -> Availability {
        availability(text, "the availability").unwrap()
    }

    #[test]
    fn percentages_and_fractions_read_exactly() {
        assert_eq!(read("99.99%"), read("0.9999"));
        assert_eq!(read("99.99%").down, 0.0001);
        assert_eq!(read("99.99%").up, 0.9999);
        assert_eq!(read("99.9%").down, 0.001);
        assert_eq!(read("100%").down, 0.0);
        assert_eq!(read("1").up, 1.0);
        assert_eq!(read(" 99.5 % ").down, 0.005);
        assert_eq!(read(".5").up, 0.5);
        assert_eq!(read("50%").up, 0.5);
    }

    #[test]
    fn errors_name_the_argument_and_the_problem() {
        let message = |text: &str| availability(text, "member 2").unwrap_err().to_string();
        assert_eq!(
            message("101%"),
            "member 2: `101%` is not an availability: it is over 100%"
        );
        assert_eq!(
            message("0"),
            "member 2: `0` is not an availability: a system that is never up has no nines; \
             write a share above 0"
        );
        assert_eq!(
            message("99.9"),
            "member 2: `99.9` is not an availability: a fraction is at most 1; \
             write 99.9% for a percentage"
        );
        for bad in ["", "abc", "-0.5", "1e-3", "0.9.9", "%", "99..9%"] {
            assert!(
                message(bad).contains("write a percentage such as 99.9% or a fraction"),
                "{bad}: {}",
                message(bad)
            );
        }
    }

    #[test]
    fn durations_name_the_argument() {
        assert_eq!(
            duration("4", "--mttr").unwrap_err().to_string(),
            "--mttr: `4` is not a duration: `4` has no unit; add one of ms, s, m, h, d, w, y (e.g. \"4s\")"
        );
        assert_eq!(
            positive_duration("0s", "--mttf").unwrap_err().to_string(),
            "--mttf: `0s` is zero; it must be longer than that"
        );
    }
}
