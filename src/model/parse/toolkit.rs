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
