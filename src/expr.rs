//! Boolean expressions over components: when the system (or a service) is up.
//!
//! Grammar (`&` binds tighter than `|`):
//! ```text
//! expr := term ('|' term)*
//! term := atom ('&' atom)*
//! atom := NAME | '(' expr ')'
//! NAME := [a-z0-9_-]+
//! ```
//!
//! Parentheses nest at most [`MAX_DEPTH`] deep, so neither parsing nor evaluating an
//! expression (both recursive) can run out of stack, whatever the text.

/// The deepest nesting of parentheses an expression may have.
pub const MAX_DEPTH: usize = 64;

/// A parsed expression whose names are resolved to component indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Up when the component with this index serves.
    Component(usize),
    /// Up when every operand is up.
    All(Vec<Expr>),
    /// Up when any operand is up.
    Any(Vec<Expr>),
}

/// Why an expression was rejected, with the byte offset in the expression text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", .offset + 1)]
pub struct ExprError {
    /// Whether the text does not parse or names what does not exist.
    pub kind: ExprErrorKind,
    /// Byte offset of the problem within the expression.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// What is wrong with an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExprErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// A name that `resolve` does not know.
    UnknownName,
    /// Parentheses nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl Expr {
    /// Parses `text`, resolving each name with `resolve` (which returns the component
    /// index, or `None` for an unknown name).
    pub fn parse(text: &str, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Expr, ExprError> {
        let mut parser = Parser {
            text,
            pos: 0,
            depth: 0,
            resolve,
        };
        parser.skip_space();
        if parser.pos == text.len() {
            return Err(parser.error("the expression is empty; name at least one component"));
        }
        let expr = parser.expr()?;
        parser.skip_space();
        match parser.peek() {
            None => Ok(expr),
            Some(')') => Err(parser.error("`)` without a matching `(`")),
            Some(c) => Err(parser.error(&match parser.word_operator() {
                Some((word, op)) => format!("`{word}`: use `{op}`"),
                None => format!("unexpected `{c}`; join components with `&` or `|`"),
            })),
        }
    }

    /// Evaluates the expression given which components serve.
    #[inline]
    pub fn eval(&self, serving: &[bool]) -> bool {
        match self {
            Expr::Component(index) => serving[*index],
            Expr::All(operands) => operands.iter().all(|e| e.eval_operand(serving)),
            Expr::Any(operands) => operands.iter().any(|e| e.eval_operand(serving)),
        }
    }

    /// As [`Expr::eval`], looking a component up in place instead of recursing: most
    /// operands are components, and the engine evaluates every expression whenever a
    /// component starts or stops serving.
    #[inline]
    fn eval_operand(&self, serving: &[bool]) -> bool {
        match self {
            Expr::Component(index) => serving[*index],
            nested => nested.eval(serving),
        }
    }

    /// True for a conjunction of components (`a & b & c`, or one name): up exactly when none
    /// of the components it names is down, so it can be kept as a count of those down.
    pub fn is_conjunction(&self) -> bool {
        match self {
            Expr::Component(_) => true,
            Expr::All(operands) => operands.iter().all(Expr::is_conjunction),
            Expr::Any(_) => false,
        }
    }

    /// Adds the indices of the components the expression names to `out`.
    pub fn collect_components(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Component(index) => out.push(*index),
            Expr::All(operands) | Expr::Any(operands) => {
                operands.iter().for_each(|e| e.collect_components(out))
            }
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Parentheses open at `pos`.
    depth: usize,
    resolve: &'a dyn Fn(&str) -> Option<usize>,
}

impl Parser<'_> {
    fn expr(&mut self) -> Result<Expr, ExprError> {
        self.list('|', Self::term, Expr::Any)
    }

    fn term(&mut self) -> Result<Expr, ExprError> {
        self.list('&', Self::atom, Expr::All)
    }

    /// One or more `operand`s separated by `op`, combined with `join` when more than one.
    fn list(
        &mut self,
        op: char,
        operand: fn(&mut Self) -> Result<Expr, ExprError>,
        join: fn(Vec<Expr>) -> Expr,
    ) -> Result<Expr, ExprError> {
        let mut operands = vec![operand(self)?];
        loop {
            self.skip_space();
            if self.peek() != Some(op) {
                break;
            }
            self.pos += 1;
            operands.push(operand(self)?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            join(operands)
        })
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        self.skip_space();
        match self.peek() {
            Some('(') => {
                if self.depth == MAX_DEPTH {
                    return Err(ExprError {
                        kind: ExprErrorKind::TooDeep,
                        offset: self.pos,
                        message: format!("parentheses nest deeper than {MAX_DEPTH} levels"),
                    });
                }
                self.depth += 1;
                self.pos += 1;
                let inner = self.expr()?;
                self.depth -= 1;
                self.skip_space();
                if self.peek() != Some(')') {
                    return Err(self.error("missing `)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(c) if is_name_char(c) => {
                let start = self.pos;
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
                let name = &self.text[start..self.pos];
                (self.resolve)(name)
                    .map(Expr::Component)
                    .ok_or_else(|| ExprError {
                        kind: ExprErrorKind::UnknownName,
                        offset: start,
                        message: format!("no component is named `{name}`"),
                    })
            }
            Some(c) => Err(self.error(&format!("expected a component name, found `{c}`"))),
            None => Err(self.error("expected a component name after the operator")),
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
    }

    /// The operator a word at the position stands for, as other languages spell it
    /// (`and`, `or`), with the symbol that means it here.
    fn word_operator(&self) -> Option<(&str, char)> {
        let rest = &self.text[self.pos..];
        // Letters of either case: names are lower-case, `AND` is not one.
        let end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let word = &rest[..end];
        [("and", '&'), ("or", '|')]
            .into_iter()
            .find(|(spelling, _)| word.eq_ignore_ascii_case(spelling))
            .map(|(_, op)| (word, op))
    }

    fn error(&self, message: &str) -> ExprError {
        ExprError {
            kind: ExprErrorKind::Syntax,
            offset: self.pos,
            message: message.to_string(),
        }
    }
}

/// Characters allowed in component names.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Expr, ExprError> {
        let names = ["a", "b", "c", "query-node_2"];
        Expr::parse(text, &|name| names.iter().position(|n| *n == name))
    }

    #[test]
    fn and_binds_tighter_than_or() {
        use Expr::*;
        assert_eq!(
            parse("a | b & c"),
            Ok(Any(vec![
                Component(0),
                All(vec![Component(1), Component(2)])
            ]))
        );
        assert_eq!(
            parse("(a | b) & c"),
            Ok(All(vec![
                Any(vec![Component(0), Component(1)]),
                Component(2)
            ]))
        );
        assert_eq!(parse(" query-node_2 "), Ok(Component(3)));
    }

    #[test]
    fn evaluates_truth_tables() {
        let expr = parse("a & (b | c)").unwrap();
        for bits in 0..8u8 {
            let serving = [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, false];
            let expected = serving[0] && (serving[1] || serving[2]);
            assert_eq!(expr.eval(&serving), expected, "{serving:?}");
        }
    }

    #[test]
    fn reports_errors_with_positions() {
        let err = |text| parse(text).unwrap_err();
        assert_eq!(
            err("").message,
            "the expression is empty; name at least one component"
        );
        assert_eq!(err("a & d").offset, 4);
        assert_eq!(err("a & d").message, "no component is named `d`");
        assert_eq!(err("a and b").message, "`and`: use `&`");
        assert_eq!(err("a OR b").message, "`OR`: use `|`");
        assert_eq!(
            err("a andy").message,
            "unexpected `a`; join components with `&` or `|`"
        );
        assert_eq!(err("a & d").kind, ExprErrorKind::UnknownName);
        assert_eq!(err("a & & d").kind, ExprErrorKind::Syntax);
        assert_eq!(
            err("a &").message,
            "expected a component name after the operator"
        );
        assert_eq!(err("(a | b").message, "missing `)`");
        assert_eq!(err("a)").message, "`)` without a matching `(`");
        assert_eq!(err("a b").offset, 2);
        assert_eq!(
            err("a && b").message,
            "expected a component name, found `&`"
        );
    }

    #[test]
    fn nesting_is_bounded_with_the_offset_of_the_first_paren_too_deep() {
        let nested = |depth: usize| format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(parse(&nested(MAX_DEPTH)), Ok(Expr::Component(0)));
        let err = parse(&nested(20_000)).unwrap_err();
        assert_eq!(
            (err.kind, err.offset, err.message.as_str()),
            (
                ExprErrorKind::TooDeep,
                MAX_DEPTH,
                "parentheses nest deeper than 64 levels"
            )
        );
    }

    #[test]
    fn conjunctions_have_no_or() {
        assert!(parse("a").unwrap().is_conjunction());
        assert!(parse("a & (b & c)").unwrap().is_conjunction());
        assert!(!parse("a & (b | c)").unwrap().is_conjunction());
    }

    #[test]
    fn collects_named_components() {
        let mut out = Vec::new();
        parse("a & (c | a)").unwrap().collect_components(&mut out);
        assert_eq!(out, vec![0, 2, 0]);
    }
}
