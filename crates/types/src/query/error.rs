//! Errors of the query parser: what went wrong and at which byte of the source.

use std::fmt::Write as _;

use super::Field;

/// Why a query does not parse, and where: `position` is the byte offset in the source.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at column {}: {kind}", .position.saturating_add(1))]
pub struct QueryError {
    /// Byte offset in the source where the problem starts (the source length for "end of query").
    pub position: usize,
    /// What went wrong.
    pub kind: QueryErrorKind,
}

/// What went wrong while parsing a query.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryErrorKind {
    /// A clause starts with a word that is not a field name.
    #[error("unknown field `{name}` (expected one of: {})", field_list())]
    UnknownField {
        /// The word found.
        name: String,
    },
    /// A clause starts with something that is not a word at all (an operator, a bracket, ...).
    #[error("expected a field name (one of: {}), found {}", field_list(), describe(.found))]
    ExpectedField {
        /// The source text found (empty for the end of the query).
        found: String,
    },
    /// A field name is not followed by an operator.
    #[error(
        "expected an operator (= != < <= > >= in notin) after `{field}`, found {}",
        describe(.found)
    )]
    ExpectedOperator {
        /// The field before the missing operator.
        field: &'static str,
        /// The source text found (empty for the end of the query).
        found: String,
    },
    /// An operator is not followed by a value (or a list item is missing).
    #[error("expected a value for `{field}`, found {}", describe(.found))]
    ExpectedValue {
        /// The field the value is for.
        field: &'static str,
        /// The source text found (empty for the end of the query).
        found: String,
    },
    /// A value does not fit its field's type.
    #[error("invalid value `{value}` for `{field}`: {reason}")]
    InvalidValue {
        /// The field the value is for.
        field: &'static str,
        /// The value as written.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The operator cannot be used with the field (ordering on `gpu_model`).
    #[error("operator `{op}` is not supported for field `{field}`")]
    UnsupportedOperator {
        /// The field.
        field: &'static str,
        /// The operator as written canonically.
        op: &'static str,
    },
    /// `in` or `notin` is not followed by `[`.
    #[error("expected a list such as `[H100, A100]` after `in` / `notin`")]
    ListExpected,
    /// A list is not closed: neither `,` nor `]` follows an item.
    #[error("unterminated list: expected `,` or `]`")]
    UnterminatedList,
    /// A list has no items: `[]`.
    #[error("empty list: give at least one item")]
    EmptyList,
    /// A double-quoted string has no closing quote.
    #[error("unterminated string: missing closing `\"`")]
    UnterminatedString,
    /// A character that cannot start any token.
    #[error("unexpected character {ch:?}")]
    UnexpectedChar {
        /// The character.
        ch: char,
    },
    /// The query source is longer than the limit.
    #[error("query is {len} bytes long (at most {max})")]
    TooLong {
        /// The source length in bytes.
        len: usize,
        /// The limit, [`super::MAX_QUERY_LEN`].
        max: usize,
    },
    /// More clauses than the limit.
    #[error("too many clauses (at most {max})")]
    TooManyClauses {
        /// The limit, [`super::MAX_CLAUSES`].
        max: usize,
    },
    /// More list items than the limit.
    #[error("too many list items (at most {max})")]
    ListTooLong {
        /// The limit, [`super::MAX_LIST_ITEMS`].
        max: usize,
    },
    /// A bare or quoted word longer than the limit.
    #[error("word is longer than {max} bytes")]
    WordTooLong {
        /// The limit, [`super::MAX_WORD_LEN`].
        max: usize,
    },
}

impl QueryError {
    /// An error of `kind` at byte `position`.
    pub fn new(position: usize, kind: QueryErrorKind) -> QueryError {
        QueryError { position, kind }
    }

    /// The message, then the source line holding the error and a caret under its position.
    pub fn render(&self, src: &str) -> String {
        let mut line_start = 0;
        for (i, c) in src.char_indices() {
            if i >= self.position {
                break;
            }
            if c == '\n' {
                line_start = i.saturating_add(1);
            }
        }
        let rest = src.get(line_start..).unwrap_or_default();
        let line = rest.split('\n').next().unwrap_or_default().trim_end_matches('\r');
        let caret: String = line
            .char_indices()
            .take_while(|(i, _)| line_start.saturating_add(*i) < self.position)
            .map(|(_, c)| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let mut out = self.to_string();
        let _ = write!(out, "\n  {line}\n  {caret}^");
        out
    }
}

/// The valid field names, comma-separated.
fn field_list() -> String {
    Field::ALL.map(Field::name).join(", ")
}

/// Source text as shown in a message: backquoted, or "end of query" when empty.
fn describe(found: &str) -> String {
    if found.is_empty() { "end of query".to_owned() } else { format!("`{found}`") }
}
