//! The offer query language: a conjunction of `field op value` clauses, e.g.
//! `gpu_model in [H100,A100] vram_gib>=40 price_gpu_hour<=1.2 tier>=challenged`.
//!
//! Clauses are separated by whitespace; whitespace around operators is optional. Operators are
//! `= != < <= > >=` (`==` is accepted for `=`) and `in` / `notin`, which take a bracketed list
//! `[a, b]`. Values are type-checked against their field while parsing, so a parsed [`Query`]
//! only ever compares like with like. The empty query matches every offer.
//!
//! [`Query`]'s `Display` prints a canonical form that parses back to an equal query.

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::{Amount, ComputeCapability, EvidenceTier};

mod error;
mod eval;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use error::{QueryError, QueryErrorKind};

/// Longest query source accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 1024;

/// Most clauses one query may have.
pub const MAX_CLAUSES: usize = 32;

/// Most items one `in` / `notin` list may have.
pub const MAX_LIST_ITEMS: usize = 32;

/// Longest bare or quoted word (field name or value), in bytes.
pub const MAX_WORD_LEN: usize = 64;

/// A parsed query: an offer matches when every clause holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct Query {
    /// The clauses, in source order; all must hold.
    pub clauses: Vec<Clause>,
}

/// One `field op value` constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct Clause {
    /// The offer attribute constrained.
    pub field: Field,
    /// How it is compared.
    pub op: Op,
    /// What it is compared with: [`Value::List`] for `in` / `notin`, [`Value::One`] otherwise.
    pub value: Value,
}

/// An offer attribute a clause can constrain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub enum Field {
    /// `gpu_model`: the GPU model label, compared case-insensitively; equality only.
    GpuModel,
    /// `gpu_count`: free GPUs in the group.
    GpuCount,
    /// `vram_gib`: memory per GPU in GiB (compared as MiB, value × 1024).
    VramGib,
    /// `compute_cap`: CUDA compute capability such as `8.9`.
    ComputeCap,
    /// `tier`: evidence tier by name, weakest first.
    Tier,
    /// `price_gpu_hour`: price per GPU-hour as a decimal amount.
    PriceGpuHour,
    /// `reliability`: share of successful leases, a decimal from 0 to 1 with up to 6 decimals.
    Reliability,
}

impl Field {
    /// Every field, in the order they are listed to users.
    pub const ALL: [Field; 7] = [
        Field::GpuModel,
        Field::GpuCount,
        Field::VramGib,
        Field::ComputeCap,
        Field::Tier,
        Field::PriceGpuHour,
        Field::Reliability,
    ];

    /// The field's name as written in queries.
    pub const fn name(self) -> &'static str {
        match self {
            Field::GpuModel => "gpu_model",
            Field::GpuCount => "gpu_count",
            Field::VramGib => "vram_gib",
            Field::ComputeCap => "compute_cap",
            Field::Tier => "tier",
            Field::PriceGpuHour => "price_gpu_hour",
            Field::Reliability => "reliability",
        }
    }

    /// The field called `name` (ASCII case-insensitive), if any.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name().eq_ignore_ascii_case(name))
    }

    /// Whether `op` can be used with this field: `gpu_model` has no ordering operators.
    pub const fn supports(self, op: Op) -> bool {
        !matches!((self, op), (Field::GpuModel, Op::Lt | Op::Le | Op::Gt | Op::Ge))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub enum Op {
    /// `=` (also written `==`).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in [..]`: equal to one of the items.
    In,
    /// `notin [..]`: equal to none of the items.
    NotIn,
}

impl Op {
    /// Every operator.
    pub const ALL: [Op; 8] = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::In, Op::NotIn];

    /// The operator as written canonically.
    pub const fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "in",
            Op::NotIn => "notin",
        }
    }

    /// Whether this operator takes a list (`in`, `notin`).
    pub const fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::NotIn)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// The right-hand side of a clause.
#[derive(Clone, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub enum Value {
    /// A single value, for `= != < <= > >=`.
    One(Scalar),
    /// A non-empty list, for `in` / `notin`.
    List(Vec<Scalar>),
}

/// A typed value; the parser picks the variant that matches the clause's field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub enum Scalar {
    /// A GPU model label (`gpu_model`).
    Text(String),
    /// A whole number (`gpu_count`, and `vram_gib` in GiB).
    Int(u64),
    /// A compute capability (`compute_cap`).
    Cap(ComputeCapability),
    /// An evidence tier (`tier`).
    Tier(EvidenceTier),
    /// An amount of money (`price_gpu_hour`).
    Price(Amount),
    /// Parts per million of one (`reliability`): 0.99 is 990000.
    Ppm(u32),
}

impl Query {
    /// Parses query source; the empty (or all-whitespace) query matches everything.
    pub fn parse(src: &str) -> Result<Query, QueryError> {
        parser::parse(src)
    }

    /// Whether every clause holds for `offer`.
    pub fn matches(&self, offer: &crate::OfferAttributes<'_>) -> bool {
        self.clauses.iter().all(|clause| clause.holds(offer))
    }

    /// The clauses that do not hold for `offer`, in order: why the offer is excluded.
    pub fn failing<'q>(
        &'q self,
        offer: &crate::OfferAttributes<'_>,
    ) -> impl Iterator<Item = &'q Clause> {
        self.clauses.iter().filter(move |clause| !clause.holds(offer))
    }
}

crate::serde_str::serde_via_str!(Query, "offer query");

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Query::parse(s)
    }
}

impl fmt::Display for Query {
    /// Canonical form: clauses separated by one space, e.g. `gpu_model in [H100,A100] tier>=audited`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Clause {
    /// `field op value` with no spaces around symbols, and single spaces around `in` / `notin`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.op.takes_list() {
            write!(f, "{} {} {}", self.field, self.op, self.value)
        } else {
            write!(f, "{}{}{}", self.field, self.op, self.value)
        }
    }
}

impl fmt::Display for Value {
    /// A scalar, or a list as `[a,b]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::One(scalar) => write!(f, "{scalar}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for Scalar {
    /// The value's canonical text; text that is not a bare word is double-quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Text(text) => {
                if !text.is_empty() && text.chars().all(lexer::is_word_char) {
                    f.write_str(text)
                } else {
                    write!(f, "\"{text}\"")
                }
            }
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Cap(cap) => write!(f, "{cap}"),
            Scalar::Tier(tier) => write!(f, "{tier}"),
            Scalar::Price(amount) => write!(f, "{amount}"),
            Scalar::Ppm(ppm) => write!(f, "{}", Amount::micro(u64::from(*ppm))),
        }
    }
}
