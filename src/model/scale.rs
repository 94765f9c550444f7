//! Copies of a model's components, for measuring how the cost of a replica grows with the
//! size of the cluster (`nines bench --copies N`, issue #13).
//!
//! The scaled model holds `copies` independent copies of every component: copy 1 keeps the
//! names, copy k (from 2) is named `NAME_k`, with its references (`placement.with`,
//! `session.store`) renamed alike, so each copy is the original cluster again. `up` and each
//! service become the conjunction of their expression over the copies, so the system is the
//! copies in series. Anything else (`[simulation]`, `[slo]`, `[kubernetes]`: the copies of a
//! level-2 model share its nodes) is kept as it is.

use super::{ModelError, ModelErrorKind};
use crate::expr::is_name_char;
use toml_edit::{DocumentMut, Item, Table, Value};

/// The most copies a scaled model may have: enough for the 100x of the benchmarks, few
/// enough that no copy's name outgrows its limit.
pub const MAX_COPIES: u32 = 1000;

/// The text of the model `source` (from `file`, for error messages) with `copies` copies of
/// each component. One copy gives the source unchanged.
pub fn scale_copies(source: &str, file: &str, copies: u32) -> Result<String, ModelError> {
    let error = |kind, message: String| ModelError::unplaced(kind, file, "", message);
    if copies == 1 {
        return Ok(source.to_string());
    }
    if !(1..=MAX_COPIES).contains(&copies) {
        let message = format!("{copies} copies; from 1 to {MAX_COPIES} are allowed");
        return Err(error(ModelErrorKind::TooLarge, message));
    }
    let mut document: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        error(
            ModelErrorKind::Syntax,
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let names = component_names(&document);
    if let Some(components) = document
        .get_mut("component")
        .and_then(Item::as_array_of_tables_mut)
    {
        let originals: Vec<Table> = components.iter().cloned().collect();
        for copy in 2..=copies {
            for original in &originals {
                components.push(renamed(original, &names, copy));
            }
        }
    }
    let in_series_item = |item: &mut Item| {
        if let Some(text) = item.as_str() {
            *item = Item::Value(Value::from(in_series(text, &names, copies)));
        }
    };
    if let Some(up) = document.get_mut("up") {
        in_series_item(up);
    }
    if let Some(services) = document
        .get_mut("services")
        .and_then(Item::as_table_like_mut)
    {
        services
            .iter_mut()
            .for_each(|(_, item)| in_series_item(item));
    }
    Ok(document.to_string())
}

/// The names of the model's components, in order.
fn component_names(document: &DocumentMut) -> Vec<String> {
    document
        .get("component")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(|components| components.iter())
        .filter_map(|component| component.get("name")?.as_str().map(str::to_string))
        .collect()
}

/// The name of copy `copy` of component `name`.
fn copy_name(name: &str, copy: u32) -> String {
    format!("{name}_{copy}")
}

/// Copy `copy` of a component's table: its name and its references renamed.
fn renamed(original: &Table, names: &[String], copy: u32) -> Table {
    let mut table = original.clone();
    forget_positions(&mut table);
    let rename = |item: Option<&mut Item>| {
        if let Some(item) = item
            && let Some(name) = item.as_str()
            && names.iter().any(|n| n == name)
        {
            *item = Item::Value(Value::from(copy_name(name, copy)));
        }
    };
    rename(table.get_mut("name"));
    for (key, inner) in [("placement", "with"), ("session", "store")] {
        rename(
            table
                .get_mut(key)
                .and_then(Item::as_table_like_mut)
                .and_then(|t| t.get_mut(inner)),
        );
    }
    table
}

/// Clears the file positions of `table` and the tables in it, so that a copy is written
/// after the tables it was copied from, with its own `[[component.failure]]` tables under
/// it (the writer orders tables by position, and one without follows the one before).
fn forget_positions(table: &mut Table) {
    table.set_position(None);
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(inner) => forget_positions(inner),
            Item::ArrayOfTables(array) => array.iter_mut().for_each(forget_positions),
            _ => {}
        }
    }
}

/// `text`, an expression over the components, as the conjunction of its copies.
fn in_series(text: &str, names: &[String], copies: u32) -> String {
    let mut series = format!("({text})");
    for copy in 2..=copies {
        series.push_str(" & (");
        series.push_str(&rename_in_expression(text, names, copy));
        series.push(')');
    }
    series
}

/// `text` with every component name replaced by its copy `copy`'s.
fn rename_in_expression(text: &str, names: &[String], copy: u32) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut rest = text;
    while let Some(start) = rest.find(is_name_char) {
        out.push_str(&rest[..start]);
        let word = &rest[start..];
        let end = word.find(|c| !is_name_char(c)).unwrap_or(word.len());
        let name = &word[..end];
        if names.iter().any(|n| n == name) {
            out.push_str(&copy_name(name, copy));
        } else {
            out.push_str(name);
        }
        rest = &word[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::plan::Plan;

    #[test]
    fn one_copy_is_the_model_itself() {
        let source = crate::fixtures::MODEL;
        assert_eq!(scale_copies(source, "m.toml", 1).unwrap(), source);
    }

    /// Every shipped model scales to a valid model with that many times the replicas,
    /// failure causes and components, and the expressions name every copy.
    #[test]
    fn shipped_models_scale_by_their_copies() {
        for entry in std::fs::read_dir("models").unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let file = path.display().to_string();
            let one = Plan::compile(&Model::parse(&source, &file).unwrap(), 1);
            let scaled = scale_copies(&source, &file, 3).unwrap();
            let model = Model::parse(&scaled, &file).unwrap_or_else(|e| panic!("{file}: {e}"));
            let three = Plan::compile(&model, 1);
            assert_eq!(three.replica_count(), 3 * one.replica_count(), "{file}");
            assert_eq!(three.components.len(), 3 * one.components.len(), "{file}");
            // Incidents strike the system once, whatever the copies: their causes are not copied.
            let causes = |plan: &Plan| {
                let incidents = plan.data.as_ref().map_or(0, |d| d.incidents.len());
                plan.components
                    .iter()
                    .map(|c| c.causes.len())
                    .sum::<usize>()
                    - incidents
            };
            assert_eq!(causes(&three), 3 * causes(&one), "{file}");
            assert_eq!(three.expressions.len(), one.expressions.len(), "{file}");
        }
    }

    #[test]
    fn expressions_and_references_name_the_copy() {
        let names = ["etcd".to_string(), "query-node".to_string()];
        assert_eq!(
            in_series("etcd & (query-node | etcd)", &names, 2),
            "(etcd & (query-node | etcd)) & (etcd_2 & (query-node_2 | etcd_2))"
        );
        let table: DocumentMut =
            "name = \"query-node\"\nsession = { store = \"etcd\", ttl = \"10s\" }"
                .parse()
                .unwrap();
        let copy = renamed(table.as_table(), &names, 7);
        assert_eq!(copy["name"].as_str(), Some("query-node_7"));
        assert_eq!(copy["session"]["store"].as_str(), Some("etcd_7"));
    }

    #[test]
    fn too_many_copies_are_refused() {
        let error = scale_copies(crate::fixtures::MODEL, "m.toml", MAX_COPIES + 1).unwrap_err();
        assert_eq!(error.kind(), ModelErrorKind::TooLarge);
    }
}
