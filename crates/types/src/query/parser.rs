//! Turns tokens into type-checked clauses.

use super::error::{QueryError, QueryErrorKind};
use super::lexer::{Lexer, Token, TokenKind};
use super::{Clause, Field, MAX_CLAUSES, MAX_LIST_ITEMS, MAX_QUERY_LEN, Op, Query, Scalar, Value};
use crate::Amount;
use crate::amount::{AmountParseError, MICRO_PER_UNIT};

/// Parses a whole query.
pub(super) fn parse(src: &str) -> Result<Query, QueryError> {
    if src.len() > MAX_QUERY_LEN {
        let kind = QueryErrorKind::TooLong { len: src.len(), max: MAX_QUERY_LEN };
        return Err(QueryError::new(MAX_QUERY_LEN, kind));
    }
    let mut lexer = Lexer::new(src);
    let mut clauses = Vec::new();
    loop {
        let first = lexer.next_token()?;
        if first.kind == TokenKind::End {
            return Ok(Query { clauses });
        }
        if clauses.len() >= MAX_CLAUSES {
            let kind = QueryErrorKind::TooManyClauses { max: MAX_CLAUSES };
            return Err(QueryError::new(first.start, kind));
        }
        clauses.push(clause(&mut lexer, first)?);
    }
}

/// Parses one clause whose first token is `first`.
fn clause(lexer: &mut Lexer<'_>, first: Token<'_>) -> Result<Clause, QueryError> {
    let field = match first.kind {
        TokenKind::Word => Field::from_name(first.text).ok_or_else(|| {
            QueryError::new(first.start, QueryErrorKind::UnknownField { name: first.text.into() })
        })?,
        _ => {
            let kind = QueryErrorKind::ExpectedField { found: first.text.into() };
            return Err(QueryError::new(first.start, kind));
        }
    };
    let op_token = lexer.next_token()?;
    let op = match op_token.kind {
        TokenKind::Symbol(op) => op,
        TokenKind::Word if op_token.text.eq_ignore_ascii_case("in") => Op::In,
        TokenKind::Word if op_token.text.eq_ignore_ascii_case("notin") => Op::NotIn,
        _ => {
            let kind = QueryErrorKind::ExpectedOperator {
                field: field.name(),
                found: op_token.text.into(),
            };
            return Err(QueryError::new(op_token.start, kind));
        }
    };
    if !field.supports(op) {
        let kind = QueryErrorKind::UnsupportedOperator { field: field.name(), op: op.symbol() };
        return Err(QueryError::new(op_token.start, kind));
    }
    let value = if op.takes_list() {
        Value::List(list(lexer, field)?)
    } else {
        Value::One(scalar(field, lexer.next_token()?)?)
    };
    Ok(Clause { field, op, value })
}

/// Parses `[a, b, ...]` for `field`: at least one item, no trailing comma.
fn list(lexer: &mut Lexer<'_>, field: Field) -> Result<Vec<Scalar>, QueryError> {
    let open = lexer.next_token()?;
    if open.kind != TokenKind::Open {
        return Err(QueryError::new(open.start, QueryErrorKind::ListExpected));
    }
    let mut items = Vec::new();
    let mut token = lexer.next_token()?;
    if token.kind == TokenKind::Close {
        return Err(QueryError::new(open.start, QueryErrorKind::EmptyList));
    }
    loop {
        if items.len() >= MAX_LIST_ITEMS {
            let kind = QueryErrorKind::ListTooLong { max: MAX_LIST_ITEMS };
            return Err(QueryError::new(token.start, kind));
        }
        items.push(scalar(field, token)?);
        let after = lexer.next_token()?;
        match after.kind {
            TokenKind::Close => return Ok(items),
            TokenKind::Comma => token = lexer.next_token()?,
            _ => {
                return Err(QueryError::new(after.start, QueryErrorKind::UnterminatedList));
            }
        }
    }
}

/// Parses the value token `token` as a scalar of `field`'s type.
fn scalar(field: Field, token: Token<'_>) -> Result<Scalar, QueryError> {
    let Some(text) = token.value_text() else {
        let kind = QueryErrorKind::ExpectedValue { field: field.name(), found: token.text.into() };
        return Err(QueryError::new(token.start, kind));
    };
    typed(field, text).map_err(|reason| {
        let kind = QueryErrorKind::InvalidValue { field: field.name(), value: text.into(), reason };
        QueryError::new(token.start, kind)
    })
}

/// `text` as a value of `field`'s type, or why it is not one.
fn typed(field: Field, text: &str) -> Result<Scalar, String> {
    match field {
        Field::GpuModel => Ok(Scalar::Text(text.to_owned())),
        Field::GpuCount => whole(text).map(Scalar::Int),
        Field::VramGib => {
            let gib = whole(text)?;
            match gib.checked_mul(1024) {
                Some(_) => Ok(Scalar::Int(gib)),
                None => Err("too large".to_owned()),
            }
        }
        Field::ComputeCap => text
            .parse()
            .map(Scalar::Cap)
            .map_err(|_| "expected a compute capability such as 8.9 or 9".to_owned()),
        Field::Tier => text.parse().map(Scalar::Tier),
        Field::PriceGpuHour => text.parse::<Amount>().map(Scalar::Price).map_err(|e| e.to_string()),
        Field::Reliability => ppm(text).map(Scalar::Ppm),
    }
}

/// An unsigned whole number.
fn whole(text: &str) -> Result<u64, String> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a whole number".to_owned());
    }
    text.parse().map_err(|_| "too large".to_owned())
}

/// A decimal between 0 and 1 with up to 6 decimals, as parts per million.
fn ppm(text: &str) -> Result<u32, String> {
    const OUT_OF_RANGE: &str = "must be between 0 and 1";
    let micro = text.parse::<Amount>().map_err(|e| match e {
        AmountParseError::Empty | AmountParseError::InvalidChar(_) => {
            "expected a decimal between 0 and 1, such as 0.99".to_owned()
        }
        AmountParseError::TooPrecise => "at most 6 decimals".to_owned(),
        AmountParseError::Overflow => OUT_OF_RANGE.to_owned(),
    })?;
    if micro.as_micro() > MICRO_PER_UNIT {
        return Err(OUT_OF_RANGE.to_owned());
    }
    u32::try_from(micro.as_micro()).map_err(|_| OUT_OF_RANGE.to_owned())
}
