//! Editing a model file's text by key path, before validation: what `--set` does.
//!
//! A key path is dotted: tables by key (`simulation.horizon`, `slo.availability`), and the
//! arrays of tables `[[component]]` and `[[component.failure]]` by the `name` of an element
//! (`component.querynode.replicas`, `component.proxy.failure.crash.repair`). Whatever follows
//! is read the same way, so inline tables work (`component.etcd.leader.election`) and so do
//! keys that later levels add (`component.proxy.liveness.period`). The edited text is then
//! validated like any model file, so a value of the wrong kind gets the usual positioned
//! error, and an unknown key the usual "did you mean".

use super::{ModelError, ModelErrorKind};
use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

/// The most dotted parts a key path may have; the deepest key of a model has 7
/// (`component.NAME.failure.NAME.every.samples` and the like).
const MAX_KEY_PARTS: usize = 32;

/// The parts of a dotted key path, or why it is not one: empty parts, or more than
/// [`MAX_KEY_PARTS`] (a path is followed recursively, and creates a table per part).
pub(super) fn key_parts(key: &str) -> Result<Vec<&str>, (ModelErrorKind, String)> {
    let parts: Vec<&str> = key.split('.').collect();
    if key.is_empty() || parts.iter().any(|part| part.is_empty()) {
        let shown: String = key.chars().take(60).collect();
        let message = format!("`{shown}` is not a dotted key path");
        return Err((ModelErrorKind::BadSetting, message));
    }
    if parts.len() > MAX_KEY_PARTS {
        let message = format!(
            "the key path has {} parts; at most {MAX_KEY_PARTS} are allowed",
            parts.len()
        );
        return Err((ModelErrorKind::TooLarge, message));
    }
    Ok(parts)
}

/// One `--set KEY=V1,V2,...`: a key path and the values to try, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The dotted key path.
    pub key: String,
    /// Each value as written (TOML value syntax, or a bare string such as `10s`).
    pub values: Vec<String>,
}

impl std::str::FromStr for Setting {
    type Err = String;

    /// Reads `KEY=V1,V2,...`. Values are split at commas outside quotes, braces and
    /// brackets, so `leader.election={ dist = "uniform", min = "1s", max = "2s" }` is one.
    fn from_str(text: &str) -> Result<Setting, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not KEY=V1,V2,..."))?;
        let key = key.trim();
        key_parts(key).map_err(|(_, message)| message)?;
        let values = split_top_level(values);
        if values.iter().any(String::is_empty) {
            return Err(format!("`{text}` has an empty value"));
        }
        Ok(Setting {
            key: key.to_string(),
            values,
        })
    }
}

/// Splits at commas that are outside quotes, braces and brackets, trimming each piece.
fn split_top_level(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                pieces.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current.trim().to_string());
    pieces
}

/// The model text `source` with the value at `key` replaced by `value` (created if the
/// key is absent). `value` is read as a TOML value (`3`, `"all"`, `{ dist = ... }`), and as
/// a string when it is not one (`10s`, `majority`, `99.9%`). `file` names the model in
/// errors.
pub fn set_value(source: &str, file: &str, key: &str, value: &str) -> Result<String, ModelError> {
    // A key path that is not one is named in the message, shortened, and not as the key.
    let path =
        key_parts(key).map_err(|(kind, message)| ModelError::unplaced(kind, file, "", message))?;
    let error = |kind, message| ModelError::unplaced(kind, file, key, message);
    let mut document: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        error(
            ModelErrorKind::Syntax,
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let value: Value = value.parse().unwrap_or_else(|_| Value::from(value));
    set_in(document.as_table_mut(), &path, 0, value)
        .map_err(|message| error(ModelErrorKind::BadSetting, message))?;
    Ok(document.to_string())
}

/// Sets `path[at..]` under `table` (which `path[..at]` names) to `value`.
fn set_in(table: &mut dyn TableLike, path: &[&str], at: usize, value: Value) -> Result<(), String> {
    let segment = path[at];
    let here = path[..=at].join(".");
    let last = at + 1 == path.len();
    let Some(item) = table.get_mut(segment) else {
        if at == 0
            && let Some(list) = list_with_element(table, segment)
        {
            // `api.replicas` for `component.api.replicas`: the element's name without its
            // list would be created as a new top-level table, which validation reports
            // with a hint that does not help.
            let meant = [&[list], path].concat().join(".");
            return Err(format!(
                "no top-level key `{segment}`; did you mean `{meant}`?"
            ));
        }
        if last {
            table.insert(segment, Item::Value(value));
            return Ok(());
        }
        // A missing table is created inline, which is valid wherever it lands; validation
        // then reports it if the model does not know the key.
        table.insert(segment, Item::Value(Value::InlineTable(InlineTable::new())));
        let created = table
            .get_mut(segment)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("cannot create `{here}`"))?;
        return set_in(created, path, at + 1, value);
    };
    if last && let Some(existing) = item.as_value_mut() {
        // Any value, an inline table (a distribution) included, is replaced whole.
        let decor = existing.decor().clone();
        *existing = value;
        *existing.decor_mut() = decor;
        return Ok(());
    }
    if let Some(elements) = named_elements(item) {
        let Some(name) = path.get(at + 1) else {
            return Err(format!(
                "`{here}` is a list; name one of its elements: {}",
                names(&elements)
            ));
        };
        let names = names(&elements);
        let element = elements
            .into_iter()
            .find(|element| element_name(&**element) == Some(*name))
            .ok_or_else(|| format!("no {segment} named `{name}`; there are: {names}"))?;
        if at + 2 == path.len() {
            return Err(format!(
                "`{here}.{name}` is a table; name one of its keys: {}",
                keys(&*element)
            ));
        }
        return set_in(element, path, at + 2, value);
    }
    if let Some(inner) = item.as_table_like_mut() {
        if last {
            return Err(format!(
                "`{here}` is a table; name one of its keys: {}",
                keys(inner)
            ));
        }
        return set_in(inner, path, at + 1, value);
    }
    if last {
        return Err(format!("`{here}` cannot be set"));
    }
    Err(format!("`{here}` is a value, not a table"))
}

/// The elements of an array of tables (`[[component]]`) or of an array of inline tables.
fn named_elements(item: &mut Item) -> Option<Vec<&mut dyn TableLike>> {
    if item.is_array_of_tables() {
        let array = item.as_array_of_tables_mut()?;
        return Some(
            array
                .iter_mut()
                .map(|table| table as &mut dyn TableLike)
                .collect(),
        );
    }
    let array = item.as_array_mut()?;
    if array.is_empty() || !array.iter().all(Value::is_inline_table) {
        return None;
    }
    Some(
        array
            .iter_mut()
            .filter_map(|value| value.as_inline_table_mut())
            .map(|table| table as &mut dyn TableLike)
            .collect(),
    )
}

/// The key of the array of tables in `table` (`component`) that has an element named
/// `name`, if any.
fn list_with_element<'a>(table: &'a dyn TableLike, name: &str) -> Option<&'a str> {
    table.iter().find_map(|(key, item)| {
        item.as_array_of_tables()?
            .iter()
            .any(|element| element_name(element) == Some(name))
            .then_some(key)
    })
}

fn element_name(table: &dyn TableLike) -> Option<&str> {
    table.get("name").and_then(Item::as_str)
}

fn names(elements: &[&mut dyn TableLike]) -> String {
    let names: Vec<&str> = elements
        .iter()
        .map(|element| element_name(&**element).unwrap_or("(unnamed)"))
        .collect();
    names.join(", ")
}

fn keys(table: &dyn TableLike) -> String {
    let keys: Vec<&str> = table.iter().map(|(key, _)| key).collect();
    keys.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"name = "m"
up = "db"

[[component]]
name = "db"
replicas = 3   # three
leader = { election = "1s" }

  [[component.failure]]
  name = "crash"
  every = "30d"
  repair = "1m"

[[component]]
name = "cache"
"#;

    fn set(key: &str, value: &str) -> Result<String, String> {
        set_value(MODEL, "m.toml", key, value).map_err(|e| e.to_string())
    }

    #[test]
    fn settings_split_at_top_level_commas() {
        let setting: Setting =
            "component.db.leader.election={ dist = \"uniform\", min = \"1s\", max = \"2s\" },3s"
                .parse()
                .unwrap();
        assert_eq!(setting.key, "component.db.leader.election");
        assert_eq!(
            setting.values,
            [
                "{ dist = \"uniform\", min = \"1s\", max = \"2s\" }".to_string(),
                "3s".to_string()
            ]
        );
        assert!("replicas".parse::<Setting>().is_err());
        assert!("a..b=1".parse::<Setting>().is_err());
        assert!("a=1,,2".parse::<Setting>().is_err());
    }

    #[test]
    fn key_paths_are_bounded_in_depth() {
        let deep = vec!["x"; 20_000].join(".");
        let expected = "the key path has 20000 parts; at most 32 are allowed";
        assert_eq!(
            format!("{deep}=1").parse::<Setting>(),
            Err(expected.to_string())
        );
        let err = set_value(MODEL, "m.toml", &deep, "1").unwrap_err();
        assert_eq!(
            (err.kind(), err.message()),
            (ModelErrorKind::TooLarge, expected)
        );
        let at_limit = vec!["x"; MAX_KEY_PARTS].join(".");
        assert!(set(&at_limit, "1").is_ok());
    }

    #[test]
    fn replaces_a_value_keeping_its_comment_and_lines() {
        let edited = set("component.db.replicas", "5").unwrap();
        assert!(edited.contains("replicas = 5   # three"), "{edited}");
        assert_eq!(edited.lines().count(), MODEL.lines().count());
    }

    #[test]
    fn addresses_failure_modes_and_inline_tables_by_name() {
        let edited = set("component.db.failure.crash.repair", "2m").unwrap();
        assert!(edited.contains("repair = \"2m\""), "{edited}");
        let edited = set("component.db.leader.election", "3s").unwrap();
        assert!(edited.contains("election = \"3s\""), "{edited}");
        let edited = set("component.db.leader", "{ election = \"2s\" }").unwrap();
        assert!(
            edited.contains("leader = { election = \"2s\" }"),
            "{edited}"
        );
    }

    #[test]
    fn creates_missing_keys_and_tables() {
        let edited = set("component.cache.replicas", "2").unwrap();
        assert!(edited.contains("replicas = 2"), "{edited}");
        let edited = set("simulation.horizon", "2y").unwrap();
        assert!(
            edited.contains("simulation = { horizon = \"2y\" }"),
            "{edited}"
        );
        let edited = set("component.db.liveness.period", "3s").unwrap();
        assert!(
            edited.contains("liveness = { period = \"3s\" }"),
            "{edited}"
        );
    }

    #[test]
    fn paths_that_name_nothing_say_what_exists() {
        assert_eq!(
            set("component.dbx.replicas", "2").unwrap_err(),
            "m.toml: component.dbx.replicas: no component named `dbx`; there are: db, cache"
        );
        assert_eq!(
            set("component.db.failure.hang.every", "2d").unwrap_err(),
            "m.toml: component.db.failure.hang.every: no failure named `hang`; there are: crash"
        );
        assert!(set("component.db", "2").unwrap_err().ends_with(
            "`component.db` is a table; name one of its keys: name, replicas, leader, failure"
        ));
        assert!(
            set("component", "2")
                .unwrap_err()
                .ends_with("name one of its elements: db, cache")
        );
        assert!(
            set("component.db.replicas.x", "2")
                .unwrap_err()
                .ends_with("`component.db.replicas` is a value, not a table")
        );
    }

    #[test]
    fn an_element_named_without_its_list_is_pointed_to_it() {
        assert_eq!(
            set("db.replicas", "2").unwrap_err(),
            "m.toml: db.replicas: no top-level key `db`; did you mean `component.db.replicas`?"
        );
        assert!(set("simulation.horizon", "2y").is_ok());
    }

    #[test]
    fn values_are_toml_or_else_strings() {
        assert!(
            set("up", "db | cache")
                .unwrap()
                .contains("up = \"db | cache\"")
        );
        assert!(
            set("component.db.needs", "\"all\"")
                .unwrap()
                .contains("needs = \"all\"")
        );
        assert!(
            set("component.db.needs", "majority")
                .unwrap()
                .contains("needs = \"majority\"")
        );
    }
}
