//! `[services]`: extra views of the system, each a boolean expression over components.

use super::toolkit::{Ctx, Value, closest};
use super::top::resolve;
use super::values::{name_length_ok, name_rule, read_str, read_table, valid_name};
use crate::expr::{Expr, ExprErrorKind, is_name_char};
use crate::model::{Expression, ModelErrorKind, Service};

/// `[services]`: one expression per service over the components named `names`.
pub(super) fn read_services(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    names: &[Option<String>],
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
        match read_expression(ctx, value, &path, names) {
            Some(up) => services.push(Service {
                name: name.to_string(),
                up,
            }),
            None => ok = false,
        }
    }
    ok.then_some(services)
}

/// A boolean expression over the components named `names`, as a string; an unknown name
/// gets the "did you mean" of the closest component name.
pub(super) fn read_expression(
    ctx: &mut Ctx<'_>,
    value: &Value<'_>,
    key: &str,
    names: &[Option<String>],
) -> Option<Expression> {
    let text = read_str(ctx, value, key)?;
    match Expr::parse(text, &resolve(names)) {
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
            let hint = match err.kind {
                ExprErrorKind::UnknownName => did_you_mean(&text[err.offset..], names),
                _ => String::new(),
            };
            ctx.error(kind, value.span(), key, format!("in {quoted}: {err}{hint}"));
            None
        }
    }
}

/// `; did you mean `etcd`?` for the unknown name `rest` starts with, when a component's
/// name is close to it; empty otherwise.
fn did_you_mean(rest: &str, names: &[Option<String>]) -> String {
    let unknown = &rest[..rest.find(|c| !is_name_char(c)).unwrap_or(rest.len())];
    let known: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    closest(unknown, &known)
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default()
}
