//! The toolkit every section reader uses: the source and its errors ([`Ctx`]), and tables
//! that know which keys were asked for, so the rest are reported as unknown ([`Table`]),
//! with a suggestion when one looks like a typo.

use crate::model::error::LineIndex;
use crate::model::{ModelError, ModelErrorKind, ModelErrors};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A value of the TOML tree with its byte span in the file.
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// The source being read and the errors found so far.
pub(super) struct Ctx<'s> {
    source: &'s str,
    file: &'s str,
    /// Where the lines of `source` start, to place each error.
    lines: LineIndex<'s>,
    errors: Vec<ModelError>,
}

impl<'s> Ctx<'s> {
    /// Ready to read `source`, which `file` names in messages.
    pub(super) fn new(source: &'s str, file: &'s str) -> Ctx<'s> {
        Ctx {
            source,
            file,
            lines: LineIndex::new(source),
            errors: Vec::new(),
        }
    }

    /// Whether any error was found so far.
    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub(super) fn error(
        &mut self,
        kind: ModelErrorKind,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) {
        let error = ModelError::at(kind, self.file, &self.lines, span, key, message.into());
        self.errors.push(error);
    }

    /// The value as written in the file, for quoting in messages.
    pub(super) fn quote(&self, value: &Value<'_>) -> String {
        let text = self.source.get(value.span()).unwrap_or("").trim();
        let mut quoted: String = text.chars().take(60).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        quoted
    }

    pub(super) fn into_errors(mut self) -> ModelErrors {
        self.errors.sort_by_key(ModelError::sort_key);
        ModelErrors {
            errors: self.errors,
        }
    }
}

/// A table being read. It remembers the keys asked for, so `finish` can report the rest.
pub(super) struct Table<'a, 'i> {
    pub(super) entries: &'a DeTable<'i>,
    pub(super) span: Range<usize>,
    pub(super) path: String,
    known: Vec<&'static str>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(super) fn new(entries: &'a DeTable<'i>, span: Range<usize>, path: String) -> Self {
        Table {
            entries,
            span,
            path,
            known: Vec::new(),
        }
    }

    /// The value of `key`, if present.
    pub(super) fn get(&mut self, key: &'static str) -> Option<&'a Value<'i>> {
        self.known.push(key);
        self.entries
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// The value of `key`, or an error saying it is missing.
    pub(super) fn required(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        hint: &str,
    ) -> Option<&'a Value<'i>> {
        let value = self.get(key);
        if value.is_none() {
            let where_ = if self.path.is_empty() {
                "the model".to_string()
            } else {
                format!("`{}`", self.path)
            };
            ctx.error(
                ModelErrorKind::MissingKey,
                self.span.clone(),
                &self.key(key),
                format!("{where_} needs `{key}`{hint}"),
            );
        }
        value
    }

    /// The dotted path of `key` in this table.
    pub(super) fn key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Whether the table holds another key that is a plausible typo of `key` (`availabilty`
    /// for `availability`): `finish` reports it as unknown with `key` as the suggestion, so
    /// an error that `key` is missing would only repeat it.
    pub(super) fn misspelt(&self, key: &str) -> bool {
        self.entries.iter().any(|(other, _)| {
            let other = other.get_ref().as_ref();
            other != key && closest(other, &[key]).is_some()
        })
    }

    /// Reports every key that was not asked for.
    pub(super) fn finish(self, ctx: &mut Ctx<'_>) {
        for (key, _) in self.entries.iter() {
            let name = key.get_ref().as_ref();
            if self.known.contains(&name) {
                continue;
            }
            let message = {
                let mut message = format!("unknown key `{name}`");
                match closest(name, &self.known) {
                    Some(suggestion) => {
                        message.push_str(&format!("; did you mean `{suggestion}`?"))
                    }
                    None => {
                        let mut allowed: Vec<&str> = Vec::new();
                        for key in &self.known {
                            if !allowed.contains(key) {
                                allowed.push(key);
                            }
                        }
                        message.push_str(&format!("; allowed here: {}", allowed.join(", ")));
                    }
                }
                message
            };
            ctx.error(
                ModelErrorKind::UnknownKey,
                key.span(),
                &self.key(name),
                message,
            );
        }
    }
}

/// The most dotted parts the TOML parser takes in a key (its recursion limit).
pub(super) const TOML_KEY_PARTS: usize = 80;

/// The span of the key (of a key-value pair or a table header) with the most dotted parts,
/// to place the TOML parser's spanless "recursion limit"; the file's start if none has dots.
pub(super) fn longest_dotted_key(source: &str) -> Range<usize> {
    let mut best = (0, 0..0);
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let key = line[indent..]
            .split('=')
            .next()
            .unwrap_or("")
            .trim_end_matches(['\r', '\n'])
            .trim_end();
        let parts = key.matches('.').count() + 1;
        if parts > best.0 {
            let start = line_start + indent;
            best = (parts, start..start + key.len());
        }
        line_start += line.len();
    }
    best.1
}

/// The dotted path of the key the TOML parser's "duplicate key" error points at (`span`,
/// the repeated key as written), as the model's errors name keys: a repeated table header
/// (`[slo]` twice) is that table (`slo`), a key repeated at the start of a line is that key
/// within the table whose header comes before it (`slo.availability`, `component[1].name`),
/// and any other (within an inline table) is the key as written; with whether it is a
/// table header. `None` when the span holds no key.
pub(super) fn duplicate_key_path(source: &str, span: Range<usize>) -> Option<(String, bool)> {
    let key = unquote(source.get(span.clone())?.trim());
    if key.is_empty() {
        return None;
    }
    let line_start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let before = source[line_start..span.start].trim_start();
    if let Some(header) = table_header(&source[line_start..]) {
        return Some((header.0, true));
    }
    if !before.is_empty() && !before.ends_with('.') {
        return Some((key, false));
    }
    // The key as written on its line (dotted keys whole), within its table.
    let written = source[line_start..].split('=').next().unwrap_or("").trim();
    let written: Vec<String> = written
        .split('.')
        .map(|part| unquote(part.trim()))
        .collect();
    let table = source[..line_start]
        .lines()
        .rev()
        .find_map(table_header)
        .map(|(path, array)| match array {
            // The element of an array of tables: counted among its headers before it.
            true => {
                let count = source[..line_start]
                    .lines()
                    .filter_map(table_header)
                    .filter(|(other, is_array)| *is_array && *other == path)
                    .count();
                format!("{path}[{}]", count.saturating_sub(1))
            }
            false => path,
        });
    let mut parts: Vec<String> = table.into_iter().collect();
    parts.extend(written);
    Some((parts.join("."), false))
}

/// The dotted path of the table header `line` is (`[slo]`, `[[component]]`), and whether it
/// is an element of an array of tables; `None` for a line that is not a header.
fn table_header(line: &str) -> Option<(String, bool)> {
    let line = line.lines().next().unwrap_or("").trim_start();
    let (inner, array) = match line.strip_prefix("[[") {
        Some(rest) => (rest.split("]]").next()?, true),
        None => (line.strip_prefix('[')?.split(']').next()?, false),
    };
    let parts: Vec<String> = inner.split('.').map(|part| unquote(part.trim())).collect();
    Some((parts.join("."), array))
}

/// A TOML key without its quotes, if quoted.
fn unquote(key: &str) -> String {
    key.strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key)
        .to_string()
}

/// The known key closest to `name` by edit distance, if it is a plausible typo.
pub(super) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_dotted_key_is_found_by_its_span() {
        let source = "a = 1\n  b.c.d = 2\n[e.f]\n";
        assert_eq!(&source[longest_dotted_key(source)], "b.c.d");
        assert_eq!(longest_dotted_key("a = 1"), 0..1);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("replica", "replicas"), 1);
        assert_eq!(edit_distance("neds", "needs"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }
}
