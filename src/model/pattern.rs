//! Key paths that name several keys at once, for `--set` and `--vary`: linked keys
//! (`component.{proxy,querynode}.liveness.period`, every listed key takes each value
//! together) and wildcards over named elements (`component.*.liveness.period`: every
//! component whose file has that key). A key path is then a pattern; [`expand_key`] turns it
//! into the plain paths it names, and [`resolve_settings`] checks that no plain path is
//! named twice, so that no setting silently overrides another.

use super::edit::{Setting, key_parts, set_value};
use super::{ModelError, ModelErrorKind};
use toml_edit::{DocumentMut, Item, TableLike};

/// The plain key paths `pattern` names in the model text `source` (from `file`), in the
/// order of the braces' alternatives and then of the elements in the file. A wildcard
/// keeps only the elements that have the rest of the path, and is an error when none has.
pub fn expand_key(source: &str, file: &str, pattern: &str) -> Result<Vec<String>, ModelError> {
    let error =
        |message: String| ModelError::unplaced(ModelErrorKind::BadSetting, file, pattern, message);
    let parts = key_parts(pattern)
        .map_err(|(kind, message)| ModelError::unplaced(kind, file, "", message))?;
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    for part in &parts {
        let alternatives = alternatives(part).map_err(error)?;
        paths = paths
            .into_iter()
            .flat_map(|path| {
                alternatives.iter().map(move |alternative| {
                    let mut path = path.clone();
                    path.push(alternative.clone());
                    path
                })
            })
            .collect();
    }
    if !parts.contains(&"*") {
        return Ok(paths.into_iter().map(|path| path.join(".")).collect());
    }
    let document: DocumentMut = source
        .parse()
        .map_err(|e: toml_edit::TomlError| error(format!("not valid TOML: {}", e.message())))?;
    let mut plain = Vec::new();
    for path in &paths {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        matches(document.as_table(), &parts, &mut Vec::new(), &mut plain);
    }
    if plain.is_empty() {
        return Err(error(format!(
            "`*` matches no element that has the key `{}`",
            parts[parts.iter().rposition(|p| *p == "*").unwrap_or(0) + 1..].join(".")
        )));
    }
    Ok(plain)
}

/// The alternatives of one part: `{a,b}` is `a` and `b`, `*` stays (resolved against the
/// file), anything else is itself.
fn alternatives(part: &str) -> Result<Vec<String>, String> {
    let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
        if part.contains(['{', '}', ',']) || (part.contains('*') && part != "*") {
            return Err(format!(
                "`{part}`: braces must enclose a whole part (`{{a,b}}`) and `*` must be one"
            ));
        }
        return Ok(vec![part.to_string()]);
    };
    let names: Vec<String> = inner.split(',').map(|n| n.trim().to_string()).collect();
    if names
        .iter()
        .any(|n| n.is_empty() || n.contains(['{', '}', '*']))
    {
        return Err(format!("`{part}` is not a list of names `{{a,b}}`"));
    }
    Ok(names)
}

/// Every plain path under `table` that `parts` (with `*` for any named element) names and
/// that exists, appended to `out`; `prefix` is the path to `table`.
fn matches(table: &dyn TableLike, parts: &[&str], prefix: &mut Vec<String>, out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let Some(item) = table.get(first) else {
        return;
    };
    prefix.push((*first).to_string());
    if rest.is_empty() {
        out.push(prefix.join("."));
    } else if let Some(elements) = named_elements(item) {
        let (name, after) = rest.split_first().unwrap_or((&"", &[]));
        for (element_name, element) in elements {
            if *name == "*" || *name == element_name {
                prefix.push(element_name.to_string());
                if after.is_empty() {
                    out.push(prefix.join("."));
                } else {
                    matches(element, after, prefix, out);
                }
                prefix.pop();
            }
        }
    } else if let Some(inner) = item.as_table_like() {
        matches(inner, rest, prefix, out);
    }
    prefix.pop();
}

/// The named elements of an array of tables or of inline tables, with their names.
fn named_elements(item: &Item) -> Option<Vec<(&str, &dyn TableLike)>> {
    let tables: Vec<&dyn TableLike> = if let Some(array) = item.as_array_of_tables() {
        array.iter().map(|t| t as &dyn TableLike).collect()
    } else {
        let array = item.as_array()?;
        array
            .iter()
            .filter_map(|v| v.as_inline_table())
            .map(|t| t as &dyn TableLike)
            .collect()
    };
    Some(
        tables
            .into_iter()
            .filter_map(|t| Some((t.get("name")?.as_str()?, t)))
            .collect(),
    )
}

/// The plain key paths of each setting, in order; an error names a plain path that two
/// settings (or one setting twice) would set, since the later would silently override the
/// earlier and mislabel the variants.
pub fn resolve_settings(
    source: &str,
    file: &str,
    settings: &[Setting],
) -> Result<Vec<Vec<String>>, ModelError> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let resolved: Vec<Vec<String>> = settings
        .iter()
        .map(|s| expand_key(source, file, &s.key))
        .collect::<Result<_, _>>()?;
    for (setting, paths) in settings.iter().zip(&resolved) {
        for path in paths {
            if let Some((_, earlier)) = seen.iter().find(|(p, _)| p == path) {
                let message = if *earlier == setting.key {
                    format!("`{path}` is given twice; give each key once")
                } else {
                    format!(
                        "`{path}` is given twice (by `{earlier}` and by `{}`); give each key \
                         once",
                        setting.key
                    )
                };
                return Err(ModelError::unplaced(
                    ModelErrorKind::BadSetting,
                    file,
                    path,
                    message,
                ));
            }
            seen.push((path, &setting.key));
        }
    }
    Ok(resolved)
}

/// The model text `source` with every path of `paths[i]` set to `values[i]`.
pub fn apply_values(
    source: &str,
    file: &str,
    paths: &[Vec<String>],
    values: &[String],
) -> Result<String, ModelError> {
    let mut text = source.to_string();
    for (keys, value) in paths.iter().zip(values) {
        for key in keys {
            text = set_value(&text, file, key, value)?;
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"name = "m"
up = "db & cache & proxy"

[[component]]
name = "db"
liveness = { period = "10s" }

  [[component.failure]]
  name = "crash"
  every = "30d"
  repair = "1m"

[[component]]
name = "cache"

[[component]]
name = "proxy"
liveness = { period = "5s" }
"#;

    fn expand(pattern: &str) -> Result<Vec<String>, String> {
        expand_key(MODEL, "m.toml", pattern).map_err(|e| e.to_string())
    }

    fn setting(text: &str) -> Setting {
        text.parse().unwrap()
    }

    #[test]
    fn braces_link_the_keys_they_list() {
        assert_eq!(
            expand("component.{db,proxy}.liveness.period").unwrap(),
            [
                "component.db.liveness.period",
                "component.proxy.liveness.period"
            ]
        );
        assert_eq!(
            expand("component.db.replicas").unwrap(),
            ["component.db.replicas"]
        );
    }

    #[test]
    fn a_wildcard_keeps_the_elements_that_have_the_key() {
        assert_eq!(
            expand("component.*.liveness.period").unwrap(),
            [
                "component.db.liveness.period",
                "component.proxy.liveness.period"
            ]
        );
        assert_eq!(
            expand("component.*.failure.*.repair").unwrap(),
            ["component.db.failure.crash.repair"]
        );
        assert_eq!(
            expand("component.*.readiness.period").unwrap_err(),
            "m.toml: component.*.readiness.period: `*` matches no element that has the key \
             `readiness.period`"
        );
    }

    #[test]
    fn malformed_patterns_are_named() {
        assert!(
            expand("component.d*.replicas")
                .unwrap_err()
                .contains("`*` must be one")
        );
        assert!(
            expand("component.{db,}.replicas")
                .unwrap_err()
                .contains("not a list")
        );
    }

    #[test]
    fn a_key_given_twice_is_an_error() {
        let twice = [
            setting("component.db.replicas=3,5"),
            setting("component.db.replicas=4"),
        ];
        assert_eq!(
            resolve_settings(MODEL, "m.toml", &twice)
                .unwrap_err()
                .to_string(),
            "m.toml: component.db.replicas: `component.db.replicas` is given twice; give each \
             key once"
        );
        let overlap = [
            setting("component.*.liveness.period=1s"),
            setting("component.{proxy,cache}.liveness.period=2s"),
        ];
        let message = resolve_settings(MODEL, "m.toml", &overlap)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("by `component.*.liveness.period` and by"),
            "{message}"
        );
    }

    #[test]
    fn linked_values_are_applied_to_every_key() {
        let settings = [setting("component.{db,proxy}.liveness.period=3s")];
        let paths = resolve_settings(MODEL, "m.toml", &settings).unwrap();
        let text = apply_values(MODEL, "m.toml", &paths, &["3s".to_string()]).unwrap();
        assert_eq!(text.matches("period = \"3s\"").count(), 2, "{text}");
    }
}
