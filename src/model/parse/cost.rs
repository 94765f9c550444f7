//! `cost = "120/month"`: what one replica (`[[component]] cost`) or one node
//! (`[kubernetes] node_cost`) costs, in the user's currency, per hour, day, month (30 days)
//! or 365-day year; read as a cost per year.

use super::toolkit::{Ctx, Value};
use crate::model::ModelErrorKind;
use toml::de::DeValue;

/// The periods a cost may be given per, with how many fit in a 365-day year.
const PERIODS: [(&str, f64); 4] = [
    ("h", 365.0 * 24.0),
    ("d", 365.0),
    ("month", 365.0 / 30.0),
    ("y", 1.0),
];

/// A cost `"AMOUNT/PERIOD"` as a cost per 365-day year; the amount is a finite number, at
/// least 0.
pub(super) fn read_cost(ctx: &mut Ctx<'_>, value: &Value<'_>, key: &str) -> Option<f64> {
    let quoted = ctx.quote(value);
    let DeValue::String(text) = value.get_ref() else {
        let message = format!(
            "expected a cost per period such as \"120/month\", found `{quoted}` (periods: h, d, \
             month, y)"
        );
        ctx.error(ModelErrorKind::WrongType, value.span(), key, message);
        return None;
    };
    match per_year(text) {
        Ok(cost) => Some(cost),
        Err(message) => {
            let message = format!("`{quoted}`: {message}");
            ctx.error(ModelErrorKind::OutOfRange, value.span(), key, message);
            None
        }
    }
}

/// `"AMOUNT/PERIOD"` per 365-day year, or why it is not a cost.
fn per_year(text: &str) -> Result<f64, String> {
    let Some((amount, period)) = text.split_once('/') else {
        return Err("write a cost per period, such as \"120/month\" (h, d, month, y)".into());
    };
    let amount: f64 = amount
        .trim()
        .parse()
        .ok()
        .filter(|a: &f64| a.is_finite() && *a >= 0.0)
        .ok_or_else(|| format!("`{}` is not an amount of at least 0", amount.trim()))?;
    let (_, per_year) = PERIODS
        .iter()
        .find(|(name, _)| *name == period.trim())
        .ok_or_else(|| format!("unknown period `{}`; use h, d, month or y", period.trim()))?;
    Ok(amount * per_year)
}

#[cfg(test)]
mod tests {
    use super::per_year;

    #[test]
    fn costs_are_read_per_365_day_year() {
        assert_eq!(per_year("120/month"), Ok(120.0 * 365.0 / 30.0));
        assert_eq!(per_year("0.5/h"), Ok(4380.0));
        assert_eq!(per_year("2 / d"), Ok(730.0));
        assert_eq!(per_year("1000/y"), Ok(1000.0));
        assert!(per_year("120").unwrap_err().contains("cost per period"));
        assert!(per_year("-1/y").unwrap_err().contains("at least 0"));
        assert!(
            per_year("1/week")
                .unwrap_err()
                .contains("unknown period `week`")
        );
    }
}
