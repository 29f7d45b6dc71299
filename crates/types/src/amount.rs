//! Integer money: every amount is a count of micro-units (µRIG), never a float.

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};

/// Micro-units in one whole unit (1 RIG = 1_000_000 µRIG).
pub const MICRO_PER_UNIT: u64 = 1_000_000;

/// Decimal places an amount may be written with.
pub const DECIMALS: usize = 6;

/// An amount of money in micro-units. Arithmetic is checked: overflow is a value, not a panic.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
)]
pub struct Amount(pub u64);

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount(0);

    /// An amount of `units` whole units.
    pub const fn units(units: u64) -> Amount {
        Amount(units.saturating_mul(MICRO_PER_UNIT))
    }

    /// An amount of `micro` micro-units.
    pub const fn micro(micro: u64) -> Amount {
        Amount(micro)
    }

    /// The count of micro-units.
    pub const fn as_micro(self) -> u64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// `self - other`, or `None` if it would go below zero.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// `self * factor`, or `None` on overflow.
    pub fn checked_mul(self, factor: u64) -> Option<Amount> {
        self.0.checked_mul(factor).map(Amount)
    }

    /// `self - other`, floored at zero.
    pub fn saturating_sub(self, other: Amount) -> Amount {
        Amount(self.0.saturating_sub(other.0))
    }

    /// The smaller of two amounts.
    pub fn min(self, other: Amount) -> Amount {
        Amount(self.0.min(other.0))
    }

    /// Whether this is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

crate::serde_str::serde_via_str!(Amount, "amount (a decimal string such as \"12.5\")");

impl fmt::Display for Amount {
    /// Whole units with up to six decimals, trailing zeros trimmed: `1.5`, `0.000001`, `12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / MICRO_PER_UNIT;
        let frac = self.0 % MICRO_PER_UNIT;
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Why a decimal string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountParseError {
    /// Nothing to parse.
    #[error("empty amount")]
    Empty,
    /// A character that is not a digit or the one decimal point.
    #[error("invalid character {0:?} in amount (expected digits and at most one '.')")]
    InvalidChar(char),
    /// More decimals than micro-units can hold.
    #[error("too many decimals in amount (at most {DECIMALS})")]
    TooPrecise,
    /// Larger than `u64::MAX` micro-units.
    #[error("amount too large")]
    Overflow,
}

impl FromStr for Amount {
    type Err = AmountParseError;

    /// Parses `"12"`, `"0.40"`, `".5"` or `"3."` exactly; no sign, no exponent, at most 6 decimals.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(AmountParseError::Empty);
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
            return Err(AmountParseError::InvalidChar(c));
        }
        if frac.contains('.') {
            return Err(AmountParseError::InvalidChar('.'));
        }
        if frac.len() > DECIMALS {
            return Err(AmountParseError::TooPrecise);
        }
        let parse = |digits: &str| -> Result<u64, AmountParseError> {
            if digits.is_empty() {
                Ok(0)
            } else {
                digits.parse::<u64>().map_err(|_| AmountParseError::Overflow)
            }
        };
        let scale = 10u64.pow((DECIMALS - frac.len()) as u32);
        let frac_micro = parse(frac)?.checked_mul(scale);
        let micro = parse(whole)?
            .checked_mul(MICRO_PER_UNIT)
            .zip(frac_micro)
            .and_then(|(w, f)| w.checked_add(f))
            .ok_or(AmountParseError::Overflow)?;
        Ok(Amount(micro))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_exactly() {
        for (text, micro, shown) in [
            ("0.40", 400_000, "0.4"),
            ("12", 12_000_000, "12"),
            (".5", 500_000, "0.5"),
            ("3.", 3_000_000, "3"),
            ("0.000001", 1, "0.000001"),
            ("18446744073709.551615", u64::MAX, "18446744073709.551615"),
        ] {
            let amount: Amount = text.parse().unwrap();
            assert_eq!(amount, Amount(micro), "{text}");
            assert_eq!(amount.to_string(), shown);
        }
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!("".parse::<Amount>(), Err(AmountParseError::Empty));
        assert_eq!(".".parse::<Amount>(), Err(AmountParseError::Empty));
        assert_eq!("-1".parse::<Amount>(), Err(AmountParseError::InvalidChar('-')));
        assert_eq!("1e3".parse::<Amount>(), Err(AmountParseError::InvalidChar('e')));
        assert_eq!("1.2.3".parse::<Amount>(), Err(AmountParseError::InvalidChar('.')));
        assert_eq!("0.0000001".parse::<Amount>(), Err(AmountParseError::TooPrecise));
        assert_eq!("18446744073710".parse::<Amount>(), Err(AmountParseError::Overflow));
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Amount(u64::MAX).checked_add(Amount(1)), None);
        assert_eq!(Amount(1).checked_sub(Amount(2)), None);
        assert_eq!(Amount(3).checked_sub(Amount(2)), Some(Amount(1)));
        assert_eq!(Amount(u64::MAX).checked_mul(2), None);
    }
}
