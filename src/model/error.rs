//! Errors in model files, each carrying what is wrong and where: file, byte span, line,
//! column and key.

use std::fmt;
use std::ops::Range;

/// What is wrong, for callers that act on the kind of problem rather than its message
/// (as rust-csv's `ErrorKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelErrorKind {
    /// The file cannot be read, or is not UTF-8 text.
    Unreadable,
    /// The file has no content at all.
    Empty,
    /// The file is not valid TOML.
    Syntax,
    /// A key the model does not know at that place.
    UnknownKey,
    /// A key the model needs is absent.
    MissingKey,
    /// A value of the wrong TOML type (a number where a table belongs, say).
    WrongType,
    /// A duration that does not parse, or a bare number without a unit.
    BadDuration,
    /// An unknown distribution, or parameters that do not define one.
    BadDistribution,
    /// A value outside the values allowed: a range (zero where it must be positive, say) or
    /// a set of words (a workload, `needs`).
    OutOfRange,
    /// A component, failure-mode or service name with characters names may not use.
    BadName,
    /// A name (in an expression, a placement, a session or an SLO) of a component or service
    /// that does not exist, or cannot be referred to there.
    UnknownName,
    /// A boolean expression (`up`, a service) that does not follow the grammar.
    BadExpression,
    /// Two components, or two failure modes of a component, with the same name.
    Duplicate,
    /// Keys or values that cannot go together, or one that needs another.
    Conflict,
    /// A `--set` or sweep that cannot be applied to the model text.
    BadSetting,
    /// An input over one of the model's limits (file size, name length, expression depth,
    /// components, samples), listed in docs/model-reference.md, "Limits".
    TooLarge,
}

/// Where in the file a problem is: a byte span and the 1-based line and character column
/// of its start (as rust-csv's `Position`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    span: Range<usize>,
    line: usize,
    column: usize,
}

impl Position {
    /// The bytes of the file the problem concerns.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The 1-based line of the span's start.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column, in characters, of the span's start.
    pub fn column(&self) -> usize {
        self.column
    }
}

/// One problem in a model file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    kind: ModelErrorKind,
    file: String,
    position: Option<Position>,
    key: String,
    message: String,
}

impl ModelError {
    /// A problem of `kind` at the bytes `span` of `source`; `lines` indexes `source`.
    pub(crate) fn at(
        kind: ModelErrorKind,
        file: &str,
        lines: &LineIndex<'_>,
        span: Range<usize>,
        key: &str,
        message: String,
    ) -> ModelError {
        let (line, column) = lines.line_and_column(span.start);
        ModelError {
            kind,
            file: file.to_string(),
            position: Some(Position { span, line, column }),
            key: escape_controls(key),
            message: escape_controls(&message),
        }
    }

    /// A problem of `kind` that no place in the file pins down; `key` may be empty.
    pub fn unplaced(kind: ModelErrorKind, file: &str, key: &str, message: String) -> ModelError {
        ModelError {
            kind,
            file: file.to_string(),
            position: None,
            key: escape_controls(key),
            message: escape_controls(&message),
        }
    }

    /// A problem with the file as a whole (it cannot be read, say).
    pub fn whole_file(file: &str, message: String) -> ModelError {
        ModelError::unplaced(ModelErrorKind::Unreadable, file, "", message)
    }

    /// What is wrong.
    pub fn kind(&self) -> ModelErrorKind {
        self.kind
    }

    /// The file, as the user named it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where the problem is; `None` when it concerns the whole file.
    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    /// Dotted key path, e.g. `component.etcd.failure.crash.every`; empty for the document.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// What is wrong and what is allowed, in words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Line and column, (0, 0) for the whole file: the order errors are reported in.
    pub(crate) fn sort_key(&self) -> (usize, usize) {
        self.position
            .as_ref()
            .map_or((0, 0), |p| (p.line, p.column))
    }
}

/// `text` with each control character (ESC, BEL, newline, ...), each bidirectional
/// override and each Unicode noncharacter written as its Rust escape (`\u{1b}`, `\u{7}`,
/// `\n`, `\u{202e}`, `\u{fffe}`): keys and messages quote model text, which must not drive
/// the terminal, reorder what is shown, split one error over several lines or hide what
/// is wrong with it.
fn escape_controls(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || crate::report::format::is_noncharacter(c)
        {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// The start of every line of a text, to find the line and column of a byte offset by
/// binary search: a file with many errors is scanned once, not once per error.
pub(crate) struct LineIndex<'s> {
    text: &'s str,
    /// Byte offset of each line's first byte, ascending; the first is 0.
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    /// Indexes the lines of `text`.
    pub(crate) fn new(text: &'s str) -> LineIndex<'s> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 1-based line and character column of byte `offset` (clamped to the text).
    pub(crate) fn line_and_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(position) = &self.position {
            write!(f, ":{}:{}", position.line, position.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one model file, in the order they appear in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelErrors {
    /// At least one error.
    pub errors: Vec<ModelError>,
}

impl ModelErrors {
    /// A list of one error.
    pub fn single(error: ModelError) -> ModelErrors {
        ModelErrors {
            errors: vec![error],
        }
    }
}

/// The most errors [`ModelErrors`] displays; the rest are counted on one more line, so a
/// list of 100,000 bad samples prints 21 lines, not 100,000.
pub const MAX_SHOWN_ERRORS: usize = 20;

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().take(MAX_SHOWN_ERRORS).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        match self.errors.len().saturating_sub(MAX_SHOWN_ERRORS) {
            0 => Ok(()),
            1 => write!(f, "\n… and 1 more error"),
            more => write!(f, "\n… and {more} more errors"),
        }
    }
}

impl std::error::Error for ModelErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let lines = LineIndex::new("a = 1\nbé = \"x\"\n");
        assert_eq!(lines.line_and_column(0), (1, 1));
        assert_eq!(lines.line_and_column(5), (1, 6));
        assert_eq!(lines.line_and_column(6), (2, 1));
        // `é` is two bytes but one column; an offset inside it counts from its start.
        assert_eq!(lines.line_and_column(9), (2, 3));
        assert_eq!(lines.line_and_column(8), (2, 2));
        assert_eq!(lines.line_and_column(999), (3, 1));
        assert_eq!(LineIndex::new("").line_and_column(0), (1, 1));
    }

    #[test]
    fn control_characters_in_keys_and_messages_are_escaped() {
        let error = ModelError::unplaced(
            ModelErrorKind::UnknownKey,
            "m.toml",
            "a\u{1b}[31m",
            "bad `\u{7}x\ny\t` é".into(),
        );
        assert_eq!(error.key(), "a\\u{1b}[31m");
        assert_eq!(error.message(), "bad `\\u{7}x\\ny\\t` é");
        assert_eq!(error.to_string().lines().count(), 1);
    }

    #[test]
    fn displays_the_first_errors_and_counts_the_rest() {
        let error =
            |i: usize| ModelError::unplaced(ModelErrorKind::OutOfRange, "m", "", i.to_string());
        let errors = |n: usize| ModelErrors {
            errors: (0..n).map(error).collect(),
        };
        let shown = errors(MAX_SHOWN_ERRORS).to_string();
        assert_eq!(shown.lines().count(), MAX_SHOWN_ERRORS);
        assert_eq!(shown.lines().last(), Some("m: 19"));
        let one_more = errors(MAX_SHOWN_ERRORS + 1).to_string();
        assert_eq!(one_more.lines().last(), Some("… and 1 more error"));
        let many = errors(100_000).to_string();
        assert_eq!(many.lines().count(), MAX_SHOWN_ERRORS + 1);
        assert_eq!(many.lines().last(), Some("… and 99980 more errors"));
    }

    #[test]
    fn display_names_file_line_and_key() {
        let source = "x\ny = 3";
        let error = ModelError::at(
            ModelErrorKind::OutOfRange,
            "m.toml",
            &LineIndex::new(source),
            2..7,
            "y",
            "bad".into(),
        );
        assert_eq!(error.to_string(), "m.toml:2:1: y: bad");
        let position = error.position().unwrap();
        assert_eq!(
            (position.span(), position.line(), position.column()),
            (2..7, 2, 1)
        );
        assert_eq!(error.kind(), ModelErrorKind::OutOfRange);
        let whole = ModelError::whole_file("m.toml", "cannot read".into());
        assert_eq!(whole.to_string(), "m.toml: cannot read");
        assert_eq!(
            (whole.kind(), whole.position()),
            (ModelErrorKind::Unreadable, None)
        );
    }
}
