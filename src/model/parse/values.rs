//! Typed values with their positions: tables, strings, names, numbers and durations.
//! Each reader reports a value of the wrong kind at its span and returns `None`.

use super::toolkit::{Ctx, Table, Value};
use crate::expr::is_name_char;
use crate::model::ModelErrorKind;
use crate::report::format::is_noncharacter;
use crate::time::Duration;
use std::ops::Range;
use toml::de::DeValue;

/// A table, ready to be asked for its keys; `path` is its dotted key.
pub(super) fn read_table<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Value<'i>,
    path: &str,
) -> Option<Table<'a, 'i>> {
    match value.get_ref() {
        DeValue::Table(entries) => Some(Table::new(entries, value.span(), path.to_string())),
        other => {
            let message = format!(
                "expected a table, found {} `{}`",
                other.type_str(),
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), path, message);
            None
        }
    }
}

/// A string.
pub(super) fn read_str<'a>(ctx: &mut Ctx<'_>, value: &'a Value<'_>, key: &str) -> Option<&'a str> {
    match value.get_ref() {
        DeValue::String(text) => Some(text.as_ref()),
        other => {
            let message = format!(
                "expected a string, found {} `{}`",
                other.type_str(),
                ctx.quote(value)
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
            None
        }
    }
}

/// The most characters a name (of the model, a component, a failure mode or a service)
/// may have: names are printed in tables and padded to width, which must stay bounded.
pub(super) const MAX_NAME_CHARS: usize = 256;

/// Whether `name` (of a `what`, at `span`) is at most [`MAX_NAME_CHARS`] long; reports it
/// if not.
pub(super) fn name_length_ok(
    ctx: &mut Ctx<'_>,
    name: &str,
    span: Range<usize>,
    key: &str,
    what: &str,
) -> bool {
    let length = name.chars().count();
    if length <= MAX_NAME_CHARS {
        return true;
    }
    let shown: String = name.chars().take(60).collect();
    let message = format!(
        "`{shown}…` is {length} characters long; a {what} name has at most {MAX_NAME_CHARS}"
    );
    ctx.error(ModelErrorKind::TooLarge, span, key, message);
    false
}

/// Whether free text that the reports print as it is (the model's name) is one line without
/// control characters, which would move a terminal's cursor, change its colours or break
/// the line of a header, and without Unicode noncharacters (U+FDD0 to U+FDEF, U+FFFE,
/// U+FFFF and the last two of every plane), which XML 1.0 forbids or discourages, so that
/// the JUnit report, the SVG plots and report.html that carry it stay well-formed; reports
/// an error if not.
pub(super) fn printable_ok(ctx: &mut Ctx<'_>, text: &str, span: Range<usize>, key: &str) -> bool {
    let found = text.chars().find(|&c| c.is_control() || is_noncharacter(c));
    let Some(found) = found else {
        return true;
    };
    let what = if found.is_control() {
        "control character"
    } else {
        "noncharacter"
    };
    let message = format!(
        "`{text}` holds the {what} {}; write one line of printable text",
        found.escape_unicode()
    );
    ctx.error(ModelErrorKind::OutOfRange, span, key, message);
    false
}

/// A name (of a `what`: component, failure mode) that follows the naming rule.
pub(super) fn read_name(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    what: &str,
) -> Option<String> {
    let name = read_str(ctx, value, key)?;
    if !name_length_ok(ctx, name, value.span(), key, what) {
        return None;
    }
    if valid_name(name) {
        Some(name.to_string())
    } else {
        ctx.error(
            ModelErrorKind::BadName,
            value.span(),
            key,
            format!("`{name}`: {}", name_rule(what)),
        );
        None
    }
}

/// Whether `name` may name a component, failure mode or service.
pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_name_char)
}

/// The naming rule, in words, for a `what` name.
pub(super) fn name_rule(what: &str) -> String {
    let article = match what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    };
    format!("{article} {what} name may use only lowercase letters, digits, `_` and `-`")
}

/// An integer within `[min, max]`.
pub(super) fn read_int(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    min: i64,
    max: i64,
) -> Option<i64> {
    let quoted = ctx.quote(value);
    let parsed = match value.get_ref() {
        DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix()).ok(),
        _ => {
            ctx.error(
                ModelErrorKind::WrongType,
                value.span(),
                key,
                format!("expected a whole number, found `{quoted}`"),
            );
            return None;
        }
    };
    match parsed {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            ctx.error(
                ModelErrorKind::OutOfRange,
                value.span(),
                key,
                format!("`{quoted}` is out of range; allowed: {min} to {max}"),
            );
            None
        }
    }
}

/// A finite number, integer or float.
pub(super) fn read_number(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<f64> {
    let number = number(value.get_ref());
    let parsed = number.filter(|n| n.is_finite());
    if parsed.is_none() {
        // `inf` and `nan` are TOML floats, but no finite number.
        let kind = if number.is_some() {
            ModelErrorKind::OutOfRange
        } else {
            ModelErrorKind::WrongType
        };
        let quoted = ctx.quote(value);
        ctx.error(
            kind,
            value.span(),
            key,
            format!("expected a finite number, found `{quoted}`"),
        );
    }
    parsed
}

/// A TOML integer or float as a number, if it is one.
pub(super) fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(float) => float.as_str().parse().ok(),
        _ => None,
    }
}

/// A duration string with a unit, such as `"30s"`.
pub(super) fn read_duration(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<Duration> {
    let quoted = ctx.quote(value);
    match value.get_ref() {
        DeValue::String(text) => match Duration::parse(text) {
            Ok(duration) => Some(duration),
            Err(err) => {
                ctx.error(
                    ModelErrorKind::BadDuration,
                    value.span(),
                    key,
                    format!("{quoted}: {err}"),
                );
                None
            }
        },
        DeValue::Integer(_) | DeValue::Float(_) => {
            let message = format!(
                "`{quoted}` is a bare number; durations need a unit, e.g. \"{quoted}s\" or \"{quoted}ms\""
            );
            ctx.error(ModelErrorKind::BadDuration, value.span(), key, message);
            None
        }
        other => {
            let message = format!(
                "expected a duration such as \"30s\" or a distribution table, found {} `{quoted}`",
                other.type_str()
            );
            ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
            None
        }
    }
}

/// A duration longer than zero.
pub(super) fn read_positive_duration(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
) -> Option<Duration> {
    let duration = read_duration(ctx, value, key)?;
    if duration == Duration::ZERO {
        ctx.error(
            ModelErrorKind::OutOfRange,
            value.span(),
            key,
            "must be longer than zero",
        );
        return None;
    }
    Some(duration)
}
