//! Errors in model files, each carrying where it is: file, line, column and key.

use std::fmt;

/// One problem in a model file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 with `line`.
    pub column: usize,
    /// Dotted key path, e.g. `component.etcd.failure.crash.every`; empty for the document.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ModelError {
    /// A problem at byte `offset` of `source`.
    pub fn at(file: &str, source: &str, offset: usize, key: &str, message: String) -> ModelError {
        let (line, column) = line_and_column(source, offset);
        ModelError {
            file: file.to_string(),
            line,
            column,
            key: key.to_string(),
            message,
        }
    }

    /// A problem with the file as a whole (it cannot be read, say).
    pub fn whole_file(file: &str, message: String) -> ModelError {
        ModelError {
            file: file.to_string(),
            line: 0,
            column: 0,
            key: String::new(),
            message,
        }
    }
}

/// 1-based line and character column of byte `offset` in `source`.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
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
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
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

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let source = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_and_column(source, 0), (1, 1));
        assert_eq!(line_and_column(source, 6), (2, 1));
        // `é` is two bytes but one column.
        assert_eq!(line_and_column(source, 9), (2, 3));
        assert_eq!(line_and_column(source, 999), (3, 1));
    }

    #[test]
    fn display_names_file_line_and_key() {
        let error = ModelError::at("m.toml", "x\ny = 3", 2, "y", "bad".into());
        assert_eq!(error.to_string(), "m.toml:2:1: y: bad");
        assert_eq!(
            ModelError::whole_file("m.toml", "cannot read".into()).to_string(),
            "m.toml: cannot read"
        );
    }
}
