//! How figures read in every report: durations, percentages, significant digits, counts
//! with their noun, and escaping text for each output format. Reports format through
//! these functions only, so one figure reads the same in the text, the page and the plots.

use crate::math;

/// Seconds in the 365-day year that durations of a year or more are written in.
const YEAR_SECS: f64 = 31_536_000.0;

/// `1 year`, `2 years`: a count with its noun in the right number.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A share as a percentage without float artefacts: rounded to ten significant digits,
/// trailing zeros dropped, so `0.99999` reads `99.999%`, not `99.99900000000001%`.
pub fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value == 0.0 || !value.is_finite() {
        return format!("{value}%");
    }
    let decimals = (9 - math::log10(value.abs()).floor() as i32).max(0) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}%")
}

/// A share as a percentage with exactly `decimals` decimals: `percent_to(0.9995, 3)` is
/// `99.950%`.
pub fn percent_to(share: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, share * 100.0)
}

/// A share as a percentage with three significant digits: `0.0500%`, `12.3%`, `100%`.
pub fn share_percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent == 0.0 {
        return "0%".to_string();
    }
    let decimals = (2.0 - math::log10(percent.abs()).floor()).clamp(0.0, 12.0) as usize;
    format!("{percent:.decimals$}%")
}

/// `x` with as many decimals as three significant digits of `scale` need (whole numbers
/// from 100 up; none for a zero scale), so a figure is shown to the precision that matters
/// beside it; `significant(x, x)` is `x` to three significant digits.
pub fn significant(x: f64, scale: f64) -> String {
    let decimals = if scale > 0.0 && scale.is_finite() {
        // The scale as it reads to three digits: 9.996 reads 10.0, one decimal fewer.
        let shown: f64 = format!("{scale:.2e}").parse().unwrap_or(scale);
        (2.0 - math::log10(shown).floor()).clamp(0.0, 15.0) as usize
    } else {
        0
    };
    format!("{x:.decimals$}")
}

/// A duration in seconds as every human-facing output of nines writes it: `0s`, `37µs`,
/// `850ms`, `42.3s`, `12m 5s`, `3h 20m`, `2d 4h`, `1.5y`. This is the one duration format of
/// the tool (run text, explain, trace, verdicts, check, causes); JSON and CSV keep raw
/// seconds. Each form is rounded to its last unit (5h 28m 53s reads 5h 29m), and a value
/// that rounds up to the next form's first value takes that form (59.97 s reads 1m 0s).
/// Only zero reads `0s`: a mean of a few microseconds reads `3µs`, below that `<1µs`.
pub fn duration(secs: f64) -> String {
    if secs == 0.0 {
        return "0s".to_string();
    }
    if !secs.is_finite() {
        return format!("{secs}s");
    }
    if (secs * 1e3).round() < 1.0 {
        let micros = (secs * 1e6).round();
        return if micros < 1.0 {
            "<1µs".to_string()
        } else {
            format!("{micros:.0}µs")
        };
    }
    if (secs * 1e3).round() < 1e3 {
        return format!("{:.0}ms", secs * 1e3);
    }
    if (secs * 10.0).round() < 600.0 {
        return format!("{secs:.1}s");
    }
    let whole = secs.round() as u64;
    if whole < 3_600 {
        return format!("{}m {}s", whole / 60, whole % 60);
    }
    let minutes = (secs / 60.0).round() as u64;
    if minutes < 24 * 60 {
        return format!("{}h {}m", minutes / 60, minutes % 60);
    }
    let hours = (secs / 3_600.0).round() as u64;
    if hours < 365 * 24 {
        return format!("{}d {}h", hours / 24, hours % 24);
    }
    let years = format!("{:.2}", secs / YEAR_SECS);
    format!("{}y", years.trim_end_matches('0').trim_end_matches('.'))
}

/// A cost per year in the user's currency, to whole units with thousands apart:
/// `12 345`, `0`.
pub fn cost(per_year: f64) -> String {
    let whole = format!("{:.0}", per_year.max(0.0));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    grouped
}

/// A signed duration in seconds as a short human string: `+12m 5s`, `-850ms`, `0s`.
pub fn signed_duration(secs: f64) -> String {
    format!("{}{}", sign_of(secs), duration(secs.abs()))
}

/// `+`, `-` or nothing for zero.
fn sign_of(secs: f64) -> &'static str {
    if secs > 0.0 {
        "+"
    } else if secs < 0.0 {
        "-"
    } else {
        ""
    }
}

/// A signed duration as [`signed_duration`] writes it, one unit finer: `-1h 11m 3s`,
/// `+12m 5.3s`, `-42.34s`; for the ends of an interval that the coarser form would show equal.
pub fn fine_signed_duration(secs: f64) -> String {
    let abs = secs.abs();
    let text = if abs < 60.0 {
        format!("{abs:.2}s")
    } else if abs < 3_600.0 {
        let tenths = (abs * 10.0).round() as u64;
        format!("{}m {:.1}s", tenths / 600, (tenths % 600) as f64 / 10.0)
    } else if abs < 86_400.0 {
        let whole = abs.round() as u64;
        format!("{}h {}m {}s", whole / 3_600, whole % 3_600 / 60, whole % 60)
    } else {
        let minutes = (abs / 60.0).round() as u64;
        format!(
            "{}d {}h {}m",
            minutes / 1_440,
            minutes % 1_440 / 60,
            minutes % 60
        )
    };
    format!("{}{text}", sign_of(secs))
}

/// The 95% interval of a signed duration, `[-1h 12m, -1h 2m]`; when its ends differ but
/// would read the same (`[-1h 11m, -1h 11m]`), one unit finer (`[-1h 11m 3s, -1h 10m 59s]`).
pub fn signed_interval(low: f64, high: f64) -> String {
    if low != high && signed_duration(low) == signed_duration(high) {
        format!(
            "[{}, {}]",
            fine_signed_duration(low),
            fine_signed_duration(high)
        )
    } else {
        format!("[{}, {}]", signed_duration(low), signed_duration(high))
    }
}

/// A duration to about four significant digits, for figures judged against a bound: below
/// a minute as `1.976s` or `250.0ms`; then as [`duration`] writes it to the hour (`12m 5s`);
/// to the second below a day (`5h 28m 53s`) and to the minute below a year (`1d 0h 22m`),
/// where [`duration`]'s two units would read 24h 22m as the bound `1d 0h`; beyond, as
/// [`duration`] writes it.
pub fn precise_duration(secs: f64) -> String {
    const DAY: f64 = 86_400.0;
    if secs == 0.0 {
        "0s".to_string()
    } else if secs < 1.0 {
        format!("{:.1}ms", secs * 1e3)
    } else if secs < 60.0 {
        format!("{:.*}s", 3 - math::log10(secs).floor() as usize, secs)
    } else if secs.round() < 3_600.0 || secs >= YEAR_SECS {
        duration(secs)
    } else if secs.round() < DAY {
        let whole = secs.round() as u64;
        units(&[
            (whole / 3_600, "h"),
            (whole / 60 % 60, "m"),
            (whole % 60, "s"),
        ])
    } else {
        let minutes = (secs / 60.0).round() as u64;
        units(&[
            (minutes / 1_440, "d"),
            (minutes / 60 % 24, "h"),
            (minutes % 60, "m"),
        ])
    }
}

/// `parts` as `1d 0h 22m`, less the zeros at the end (`30d`, `5h 20m`), which a bound a
/// person wrote mostly has.
fn units(parts: &[(u64, &str)]) -> String {
    let last = parts.iter().rposition(|&(n, _)| n > 0).unwrap_or(0);
    let shown = parts[..=last].iter().map(|(n, unit)| format!("{n}{unit}"));
    shown.collect::<Vec<_>>().join(" ")
}

/// `x` to `digits` significant digits, trailing zeros dropped, never in exponent form:
/// `digits_of(3.30103, 4)` is `3.301`, `digits_of(4.0, 4)` is `4`, `digits_of(0.0005, 4)`
/// is `0.0005`.
pub fn digits_of(x: f64, digits: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (digits as i32 - 1 - math::log10(x.abs()).floor() as i32).clamp(0, 40) as usize;
    trim_decimals(format!("{x:.decimals$}"))
}

/// `text` without the trailing zeros of its decimals (nor a point left bare).
pub(crate) fn trim_decimals(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A duration in seconds as a decimal of its largest unit that it reaches (`d`, `h`, `min`,
/// `s`, `ms`, `µs`, `ns`; below a nanosecond nanoseconds in exponent form, so that a table of
/// tiny downtimes keeps one kind of unit) to `digits` significant digits: `8.76 h`,
/// `52.56 min`, `3.65 d`. This is how
/// the SRE book's availability table writes downtime, and how `nines calc` shows the
/// arithmetic it did; reports of simulated figures use [`duration`].
pub fn unit_duration(secs: f64, digits: usize) -> String {
    const UNITS: [(&str, f64); 4] = [("d", 86_400.0), ("h", 3_600.0), ("min", 60.0), ("s", 1.0)];
    if secs == 0.0 {
        return "0 s".to_string();
    }
    for (name, size) in UNITS {
        if secs >= size {
            return format!("{} {name}", digits_of(secs / size, digits));
        }
    }
    if secs >= 1e-3 {
        return format!("{} ms", digits_of(secs * 1e3, digits));
    }
    if secs >= 1e-6 {
        return format!("{} µs", digits_of(secs * 1e6, digits));
    }
    if secs >= 1e-9 {
        return format!("{} ns", digits_of(secs * 1e9, digits));
    }
    format!("{:.*e} ns", digits.saturating_sub(1), secs * 1e9)
}

/// An instant of a simulated year as its day (from 0) and clock time to the millisecond,
/// truncated so that the order of events is kept: `d4 07:43:39.964`.
pub fn day_clock(at: crate::time::Duration) -> String {
    let millis = at.as_micros() / 1_000;
    let (day, rest) = (millis / 86_400_000, millis % 86_400_000);
    let (hours, rest) = (rest / 3_600_000, rest % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    format!(
        "d{day} {hours:02}:{minutes:02}:{:02}.{:03}",
        rest / 1_000,
        rest % 1_000
    )
}

/// The output format a text is escaped for, which decides the characters that must be
/// replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Text content of an SVG element: `&`, `<` and `>`.
    Svg,
    /// HTML text and double-quoted attributes: also `"`.
    Html,
    /// XML text and attributes quoted either way (JUnit): also `'`.
    Xml,
    /// One CSV field: quoted, with its quotes doubled, when it holds a comma, a quote or a
    /// line break (RFC 4180).
    Csv,
}

/// Whether `c` is a Unicode noncharacter: U+FDD0 to U+FDEF, and the last two code points
/// of every plane (U+FFFE, U+FFFF, U+1FFFE, ..., U+10FFFF). They are reserved for a
/// program's internal use, and XML 1.0 forbids U+FFFE and U+FFFF outright.
pub fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// Whether `c` may stand in an XML 1.0 or HTML document as it is: not a control character
/// other than tab, line feed and carriage return (XML 1.0 forbids the C0 ones, and every
/// reader reports them) and not a [noncharacter](is_noncharacter).
pub fn markup_allows(c: char) -> bool {
    let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    !(control || is_noncharacter(c))
}

/// `text` escaped for `target`, so it reads as itself there. For the markup targets (SVG,
/// HTML, XML), a character a markup document may not hold (see [`markup_allows`]; not even
/// as a character reference) becomes U+FFFD, the replacement character, so the document
/// stays well-formed whatever the text.
pub fn escape(text: &str, target: Target) -> String {
    if target == Target::Csv {
        return if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        };
    }
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match (c, target) {
            ('&', _) => escaped.push_str("&amp;"),
            ('<', _) => escaped.push_str("&lt;"),
            ('>', _) => escaped.push_str("&gt;"),
            ('"', Target::Html | Target::Xml) => escaped.push_str("&quot;"),
            ('\'', Target::Xml) => escaped.push_str("&apos;"),
            _ if !markup_allows(c) => escaped.push(char::REPLACEMENT_CHARACTER),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_group_thousands() {
        assert_eq!(cost(0.0), "0");
        assert_eq!(cost(999.4), "999");
        assert_eq!(cost(1_460.0), "1 460");
        assert_eq!(cost(1_234_567.8), "1 234 568");
    }

    #[test]
    fn one_duration_format() {
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(0.25), "250ms");
        assert_eq!(duration(0.000_4), "400µs");
        assert_eq!(duration(0.000_000_3), "<1µs");
        assert_eq!(duration(0.000_999_6), "1ms");
        assert_eq!(duration(f64::INFINITY), "infs");
        assert_eq!(duration(42.34), "42.3s");
        assert_eq!(duration(725.0), "12m 5s");
        assert_eq!(duration(12_000.0), "3h 20m");
        assert_eq!(duration(19_733.0), "5h 29m");
        assert_eq!(duration(3_599.6), "1h 0m");
        assert_eq!(duration(86_390.0), "1d 0h");
        assert_eq!(duration(200_000.0), "2d 8h");
        assert_eq!(duration(0.9996), "1.0s");
        assert_eq!(duration(59.97), "1m 0s");
        assert_eq!(duration(31_535_000.0), "1y");
        assert_eq!(duration(31_536_000.0), "1y");
        assert_eq!(duration(47_304_000.0), "1.5y");
        assert_eq!(signed_duration(-725.0), "-12m 5s");
        assert_eq!(signed_duration(0.25), "+250ms");
        assert_eq!(signed_duration(0.0), "0s");
    }

    #[test]
    fn durations_keep_four_significant_digits() {
        assert_eq!(precise_duration(1.97612), "1.976s");
        assert_eq!(precise_duration(12.5), "12.50s");
        assert_eq!(precise_duration(0.25), "250.0ms");
        assert_eq!(precise_duration(725.0), "12m 5s");
        assert_eq!(precise_duration(3_599.6), "1h");
        assert_eq!(precise_duration(5.0 * 3_600.0 + 1.0), "5h 0m 1s");
        assert_eq!(precise_duration(19_733.0), "5h 28m 53s");
        assert_eq!(precise_duration(86_399.7), "1d");
        assert_eq!(precise_duration(87_747.65), "1d 0h 22m");
        assert_eq!(precise_duration(30.0 * 86_400.0), "30d");
        assert_eq!(precise_duration(2.0 * YEAR_SECS), "2y");
        assert_eq!(precise_duration(0.0), "0s");
    }

    #[test]
    fn unit_durations_read_like_the_sre_table() {
        assert_eq!(unit_duration(31_536.0, 4), "8.76 h");
        assert_eq!(unit_duration(3_153.6, 4), "52.56 min");
        assert_eq!(unit_duration(315_360.0, 4), "3.65 d");
        assert_eq!(unit_duration(25.92, 4), "25.92 s");
        assert_eq!(unit_duration(0.5, 4), "500 ms");
        assert_eq!(unit_duration(0.0, 4), "0 s");
        assert_eq!(unit_duration(86_400.0 * 30.0035, 6), "30.0035 d");
        assert_eq!(unit_duration(7.884e-7, 4), "788.4 ns");
        assert_eq!(unit_duration(8.64e-9, 4), "8.64 ns");
        assert_eq!(unit_duration(8.64e-11, 4), "8.640e-2 ns");
        assert_eq!(digits_of(3.301_03, 4), "3.301");
        assert_eq!(digits_of(4.0, 4), "4");
        assert_eq!(digits_of(0.000_456_621, 4), "0.0004566");
        assert_eq!(digits_of(31_536_000.0, 4), "31536000");
    }

    #[test]
    fn instants_read_as_day_and_clock_time() {
        use crate::time::Duration;
        assert_eq!(day_clock(Duration::ZERO), "d0 00:00:00.000");
        let at = Duration::from_micros(((4 * 24 + 7) * 3_600 + 43 * 60 + 39) * 1_000_000 + 964_999);
        assert_eq!(day_clock(at), "d4 07:43:39.964");
        assert_eq!(day_clock(Duration::YEAR), "d365 00:00:00.000");
    }

    #[test]
    fn fine_durations_keep_one_more_unit() {
        assert_eq!(fine_signed_duration(-4_263.2), "-1h 11m 3s");
        assert_eq!(fine_signed_duration(-4_258.9), "-1h 10m 59s");
        assert_eq!(fine_signed_duration(725.34), "+12m 5.3s");
        assert_eq!(fine_signed_duration(-42.344), "-42.34s");
        assert_eq!(fine_signed_duration(200_000.0), "+2d 7h 33m");
        assert_eq!(fine_signed_duration(0.0), "0.00s");
        assert_eq!(
            signed_interval(-4_263.2, -4_258.9),
            "[-1h 11m 3s, -1h 10m 59s]"
        );
        assert_eq!(signed_interval(-4_263.2, -3_720.0), "[-1h 11m, -1h 2m]");
        assert_eq!(signed_interval(0.0, 0.0), "[0s, 0s]");
    }

    #[test]
    fn percentages_have_no_float_artefacts() {
        assert_eq!(percent(0.99999), "99.999%");
        assert_eq!(percent(0.9995), "99.95%");
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1e-7), "0.00001%");
        assert_eq!(percent(0.123_456_789_012_3), "12.3456789%");
        assert_eq!(percent_to(0.9995, 3), "99.950%");
        assert_eq!(percent_to(0.5, 0), "50%");
    }

    #[test]
    fn shares_keep_three_significant_digits() {
        assert_eq!(share_percent(0.0005), "0.0500%");
        assert_eq!(share_percent(0.123_45), "12.3%");
        assert_eq!(share_percent(1.0), "100%");
        assert_eq!(share_percent(0.0), "0%");
    }

    #[test]
    fn three_significant_digits_of_the_scale() {
        assert_eq!(significant(99.999_892_595, 0.000_092_07), "99.9998926");
        assert_eq!(significant(0.000_040_13, 0.000_040_13), "0.0000401");
        for (x, text) in [
            (0.0, "0"),
            (0.5, "0.500"),
            (1.992_319, "1.99"),
            (9.996, "10.0"),
            (99.96, "100"),
            (14_411.2, "14411"),
        ] {
            assert_eq!(significant(x, x), text, "{x}");
        }
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(1, "year"), "1 year");
        assert_eq!(count(0, "year"), "0 years");
        assert_eq!(count(10_000, "simulated year"), "10000 simulated years");
    }

    #[test]
    fn each_target_escapes_what_it_must() {
        let text = "a<b> & \"c\" 'd'";
        assert_eq!(escape(text, Target::Svg), "a&lt;b&gt; &amp; \"c\" 'd'");
        assert_eq!(
            escape(text, Target::Html),
            "a&lt;b&gt; &amp; &quot;c&quot; 'd'"
        );
        assert_eq!(
            escape(text, Target::Xml),
            "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(escape("plain", Target::Xml), "plain");
        // What no markup document may hold becomes U+FFFD; tab and line breaks stay.
        let forbidden = "a\u{fffe}b\u{ffff}c\u{1b}d\u{fdd0}e\u{10ffff}f\t\n";
        for target in [Target::Svg, Target::Html, Target::Xml] {
            assert_eq!(
                escape(forbidden, target),
                "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}e\u{fffd}f\t\n"
            );
        }
        assert_eq!(escape("\u{fffe}", Target::Csv), "\u{fffe}");
        assert_eq!(escape("a,b", Target::Csv), "\"a,b\"");
        assert_eq!(escape("say \"hi\"", Target::Csv), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("line\nbreak", Target::Csv), "\"line\nbreak\"");
        assert_eq!(escape("plain <b>", Target::Csv), "plain <b>");
    }
}
