//! Splits query source into tokens on demand, so the first error in source order is the one
//! reported.

use super::error::{QueryError, QueryErrorKind};
use super::{MAX_WORD_LEN, Op};

/// What kind of token was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenKind<'a> {
    /// A bare word of `[A-Za-z0-9_.-]`: a field, `in`/`notin` or a value.
    Word,
    /// A double-quoted string; holds the text between the quotes.
    Quoted(&'a str),
    /// A symbolic comparison operator.
    Symbol(Op),
    /// `[`.
    Open,
    /// `]`.
    Close,
    /// `,`.
    Comma,
    /// The end of the source.
    End,
}

/// One token and where it is in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token<'a> {
    /// What it is.
    pub kind: TokenKind<'a>,
    /// Byte offset of its first character.
    pub start: usize,
    /// Its source text (empty for [`TokenKind::End`]).
    pub text: &'a str,
}

impl<'a> Token<'a> {
    /// The word or quoted text this token carries as a value, if it is one.
    pub fn value_text(&self) -> Option<&'a str> {
        match self.kind {
            TokenKind::Word => Some(self.text),
            TokenKind::Quoted(inner) => Some(inner),
            _ => None,
        }
    }
}

/// Whether `c` may appear in a bare word.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// A cursor over the query source.
pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    /// The unread rest of the source.
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    /// Reads the next token, skipping whitespace.
    pub fn next_token(&mut self) -> Result<Token<'a>, QueryError> {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.pos = self.pos.saturating_add(rest.len() - trimmed.len());
        let start = self.pos;
        let mut chars = trimmed.chars();
        let Some(first) = chars.next() else {
            return Ok(Token { kind: TokenKind::End, start, text: "" });
        };
        let second = chars.next();
        let (kind, len) = match (first, second) {
            ('[', _) => (TokenKind::Open, 1),
            (']', _) => (TokenKind::Close, 1),
            (',', _) => (TokenKind::Comma, 1),
            ('=', Some('=')) => (TokenKind::Symbol(Op::Eq), 2),
            ('=', _) => (TokenKind::Symbol(Op::Eq), 1),
            ('!', Some('=')) => (TokenKind::Symbol(Op::Ne), 2),
            ('<', Some('=')) => (TokenKind::Symbol(Op::Le), 2),
            ('<', _) => (TokenKind::Symbol(Op::Lt), 1),
            ('>', Some('=')) => (TokenKind::Symbol(Op::Ge), 2),
            ('>', _) => (TokenKind::Symbol(Op::Gt), 1),
            ('"', _) => return self.quoted(start, trimmed),
            (c, _) if is_word_char(c) => {
                let len = trimmed.find(|c: char| !is_word_char(c)).unwrap_or(trimmed.len());
                if len > MAX_WORD_LEN {
                    return Err(QueryError::new(
                        start,
                        QueryErrorKind::WordTooLong { max: MAX_WORD_LEN },
                    ));
                }
                (TokenKind::Word, len)
            }
            (ch, _) => {
                return Err(QueryError::new(start, QueryErrorKind::UnexpectedChar { ch }));
            }
        };
        Ok(self.take(kind, start, trimmed, len))
    }

    /// Reads a double-quoted string starting at `start`; `text` begins with the opening quote.
    fn quoted(&mut self, start: usize, text: &'a str) -> Result<Token<'a>, QueryError> {
        let body = text.get(1..).unwrap_or_default();
        let Some(end) = body.find('"') else {
            return Err(QueryError::new(start, QueryErrorKind::UnterminatedString));
        };
        if end > MAX_WORD_LEN {
            return Err(QueryError::new(start, QueryErrorKind::WordTooLong { max: MAX_WORD_LEN }));
        }
        let inner = body.get(..end).unwrap_or_default();
        Ok(self.take(TokenKind::Quoted(inner), start, text, end.saturating_add(2)))
    }

    /// Consumes `len` bytes of `text` (which starts at `start`) as a token of `kind`.
    fn take(&mut self, kind: TokenKind<'a>, start: usize, text: &'a str, len: usize) -> Token<'a> {
        self.pos = start.saturating_add(len);
        Token { kind, start, text: text.get(..len).unwrap_or_default() }
    }
}
