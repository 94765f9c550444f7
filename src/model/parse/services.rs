//! `[services]`: extra views of the system, each a boolean expression over components.

use super::toolkit::{Ctx, Value};
use super::values::{name_length_ok, name_rule, read_str, read_table, valid_name};
use crate::expr::{Expr, ExprErrorKind};
use crate::model::{Expression, ModelErrorKind, Service};

/// `[services]`: one expression per service, names resolved by `resolve`.
pub(super) fn read_services(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Option<Vec<Service>> {
    let table = read_table(ctx, value, "services")?;
    let mut services = Vec::new();
    let mut ok = true;
    for (key, value) in table.entries.iter() {
        let name = key.get_ref().as_ref();
        let path = format!("services.{name}");
        if !name_length_ok(ctx, name, key.span(), "services", "service") {
            ok = false;
            continue;
        }
        if !valid_name(name) {
            ctx.error(
                ModelErrorKind::BadName,
                key.span(),
                &path,
                name_rule("service"),
            );
            ok = false;
            continue;
        }
        match read_expression(ctx, value, &path, resolve) {
            Some(up) => services.push(Service {
                name: name.to_string(),
                up,
            }),
            None => ok = false,
        }
    }
    ok.then_some(services)
}

/// A boolean expression over components, as a string; `resolve` looks names up.
pub(super) fn read_expression(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Option<Expression> {
    let text = read_str(ctx, value, key)?;
    match Expr::parse(text, resolve) {
        Ok(expr) => Some(Expression {
            text: text.to_string(),
            expr,
        }),
        Err(err) => {
            let quoted = ctx.quote(value);
            let kind = match err.kind {
                ExprErrorKind::Syntax => ModelErrorKind::BadExpression,
                ExprErrorKind::UnknownName => ModelErrorKind::UnknownName,
                ExprErrorKind::TooDeep => ModelErrorKind::TooLarge,
            };
            ctx.error(kind, value.span(), key, format!("in {quoted}: {err}"));
            None
        }
    }
}
