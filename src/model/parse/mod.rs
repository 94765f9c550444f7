//! Reads a model file's spanned TOML tree into a validated [`Model`].
//!
//! The walker asks each table for the keys it knows; whatever is left is reported as an
//! unknown key, with a suggestion when it looks like a typo. Every reader records its errors
//! and carries on, so one pass reports all the problems of a file.
//!
//! The toolkit ([`toolkit`], [`values`], [`dist`]) reads typed values with their positions;
//! each section of the file has its own reader ([`top`], [`simulation`], [`slo`],
//! [`services`], [`component`], [`failure`], [`kubernetes`], [`maintenance`], [`traffic`], [`backup`]). A new table of the model is a
//! new reader file, called from [`top`].

mod backup;
mod component;
mod cost;
mod dist;
mod failure;
mod kubernetes;
mod maintenance;
mod references;
mod services;
mod simulation;
mod slo;
#[cfg(test)]
mod tests;
mod toolkit;
mod top;
mod traffic;
mod values;

use super::{Model, ModelErrorKind, ModelErrors};
use toml::de::DeTable;
use toolkit::Ctx;
use top::read_model;

/// The largest model file, in bytes: 16 MiB, far above any real model, yet small enough
/// that parsing it stays quick.
pub(super) const MAX_FILE_BYTES: usize = 16 << 20;

/// Reads and validates `source`; `file` names it in error messages.
pub(super) fn parse(source: &str, file: &str) -> Result<Model, ModelErrors> {
    let mut ctx = Ctx::new(source, file);
    if source.len() > MAX_FILE_BYTES {
        let message = format!("the model file is larger than {} MiB", MAX_FILE_BYTES >> 20);
        let at = MAX_FILE_BYTES..MAX_FILE_BYTES;
        ctx.error(ModelErrorKind::TooLarge, at, "", message);
        return Err(ctx.into_errors());
    }
    if source.trim().is_empty() {
        ctx.error(
            ModelErrorKind::Empty,
            0..0,
            "",
            "the model file is empty; it needs at least `name`, `up` and one [[component]]",
        );
        return Err(ctx.into_errors());
    }
    let root = match DeTable::parse(source) {
        Ok(root) => root,
        Err(err) => {
            let message = err.message().trim_end();
            let duplicate = err
                .span()
                .filter(|_| message == "duplicate key")
                .and_then(|span| toolkit::duplicate_key_path(source, span));
            if let (Some(span), Some((path, table))) = (err.span(), duplicate) {
                // The parser names no key: the span holds it, the lines before its table.
                let message = if table {
                    format!(
                        "not valid TOML: duplicate key: the table [{path}] appears above already; give each table once, with all its keys"
                    )
                } else {
                    let last = path.rsplit('.').next().unwrap_or(&path);
                    format!(
                        "not valid TOML: duplicate key `{last}`: it is set above already; set each key once"
                    )
                };
                ctx.error(ModelErrorKind::Syntax, span, &path, message);
                return Err(ctx.into_errors());
            }
            let (span, message) = match err.span() {
                Some(span) => (span, format!("not valid TOML: {message}")),
                // The parser gives no place for a key of too many dotted parts.
                None => (
                    toolkit::longest_dotted_key(source),
                    format!(
                        "not valid TOML: {message}; a key may have at most {} dotted parts",
                        toolkit::TOML_KEY_PARTS
                    ),
                ),
            };
            ctx.error(ModelErrorKind::Syntax, span, "", message);
            return Err(ctx.into_errors());
        }
    };
    let model = read_model(&mut ctx, &root);
    match model {
        Some(model) if !ctx.has_errors() => Ok(model),
        _ => Err(ctx.into_errors()),
    }
}
