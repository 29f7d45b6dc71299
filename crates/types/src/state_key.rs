//! Keys of the market's committed state. A key's bytes are a one-byte table tag followed by the
//! id; the state tree places each key at [`crate::proof::key_path`] of its bytes.

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::proof::key_path;
use crate::{AccountId, Hash32, LeaseId, OrderId, PublicKey};

/// One entry of the committed state.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub enum StateKey {
    /// Chain-wide counters, time and the fee pool ([`crate::records::Globals`]).
    Globals,
    /// An account ([`crate::records::Account`]).
    Account(AccountId),
    /// A provider ([`crate::records::Provider`]).
    Provider(PublicKey),
    /// An order ([`crate::records::Order`]).
    Order(OrderId),
    /// A lease ([`crate::records::Lease`]).
    Lease(LeaseId),
    /// A lease's receipt ([`crate::receipt::SignedReceipt`]).
    Receipt(LeaseId),
    /// A lease's settlement ([`crate::verification::Settlement`]).
    Settlement(LeaseId),
    /// A lease's audit ([`crate::verification::Audit`]).
    Audit(LeaseId),
    /// An order's dispute ([`crate::verification::Dispute`]).
    Dispute(OrderId),
    /// A provider's latest hardware challenge ([`crate::verification::HardwareCheck`]).
    HardwareCheck(PublicKey),
}

/// The longest key: a tag and a public key.
const MAX_KEY_BYTES: usize = 33;

impl StateKey {
    /// The key's bytes in the state tree.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// Where the key sits in the state tree: [`key_path`] of its bytes.
    pub fn path(&self) -> Hash32 {
        self.with_bytes(key_path)
    }

    /// Calls `f` with the key's bytes, built on the stack.
    fn with_bytes<T>(&self, f: impl FnOnce(&[u8]) -> T) -> T {
        let (tag, id): (u8, &[u8]) = match self {
            StateKey::Globals => (0, &[]),
            StateKey::Account(pk) => (1, pk.as_bytes()),
            StateKey::Provider(pk) => (2, pk.as_bytes()),
            StateKey::HardwareCheck(pk) => (9, pk.as_bytes()),
            StateKey::Order(id) => return tagged(3, &id.0.to_be_bytes(), f),
            StateKey::Lease(id) => return tagged(4, &id.0.to_be_bytes(), f),
            StateKey::Receipt(id) => return tagged(5, &id.0.to_be_bytes(), f),
            StateKey::Settlement(id) => return tagged(6, &id.0.to_be_bytes(), f),
            StateKey::Audit(id) => return tagged(7, &id.0.to_be_bytes(), f),
            StateKey::Dispute(id) => return tagged(8, &id.0.to_be_bytes(), f),
        };
        tagged(tag, id, f)
    }
}

impl fmt::Display for StateKey {
    /// `globals`, `account:<hex>`, `provider:<hex>`, `order:<n>`, `lease:<n>`, `receipt:<n>`,
    /// `settlement:<n>`, `audit:<n>`, `dispute:<n>`, `hardware:<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateKey::Globals => f.write_str("globals"),
            StateKey::Account(pk) => write!(f, "account:{pk}"),
            StateKey::Provider(pk) => write!(f, "provider:{pk}"),
            StateKey::Order(id) => write!(f, "order:{id}"),
            StateKey::Lease(id) => write!(f, "lease:{id}"),
            StateKey::Receipt(id) => write!(f, "receipt:{id}"),
            StateKey::Settlement(id) => write!(f, "settlement:{id}"),
            StateKey::Audit(id) => write!(f, "audit:{id}"),
            StateKey::Dispute(id) => write!(f, "dispute:{id}"),
            StateKey::HardwareCheck(pk) => write!(f, "hardware:{pk}"),
        }
    }
}

/// Why text is not a state key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid state key {0:?} (expected globals, account:<hex>, provider:<hex>, order:<n>, \
     lease:<n>, receipt:<n>, settlement:<n>, audit:<n>, dispute:<n> or hardware:<hex>)"
)]
pub struct StateKeyParseError(pub String);

impl FromStr for StateKey {
    type Err = StateKeyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || StateKeyParseError(s.chars().take(80).collect());
        if s == "globals" {
            return Ok(StateKey::Globals);
        }
        let (table, id) = s.split_once(':').ok_or_else(bad)?;
        let key = |id: &str| id.parse::<PublicKey>().map_err(|_| bad());
        let number = |id: &str| {
            if id.bytes().all(|b| b.is_ascii_digit()) { id.parse::<u64>().ok() } else { None }
                .ok_or_else(bad)
        };
        match table {
            "account" => key(id).map(StateKey::Account),
            "provider" => key(id).map(StateKey::Provider),
            "order" => number(id).map(|n| StateKey::Order(OrderId(n))),
            "lease" => number(id).map(|n| StateKey::Lease(LeaseId(n))),
            "receipt" => number(id).map(|n| StateKey::Receipt(LeaseId(n))),
            "settlement" => number(id).map(|n| StateKey::Settlement(LeaseId(n))),
            "audit" => number(id).map(|n| StateKey::Audit(LeaseId(n))),
            "dispute" => number(id).map(|n| StateKey::Dispute(OrderId(n))),
            "hardware" => key(id).map(StateKey::HardwareCheck),
            _ => Err(bad()),
        }
    }
}

crate::serde_str::serde_via_str!(StateKey, "state key");

fn tagged<T>(tag: u8, id: &[u8], f: impl FnOnce(&[u8]) -> T) -> T {
    let mut bytes = [0u8; MAX_KEY_BYTES];
    let len = 1 + id.len().min(MAX_KEY_BYTES - 1);
    let (key, _) = bytes.split_at_mut(len);
    if let Some((first, rest)) = key.split_first_mut() {
        *first = tag;
        rest.copy_from_slice(id.split_at(len - 1).0);
    }
    f(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_stable() {
        let pk = PublicKey([9; 32]);
        let keys = [
            StateKey::Globals,
            StateKey::Account(pk),
            StateKey::Provider(pk),
            StateKey::Order(OrderId(1)),
            StateKey::Lease(LeaseId(1)),
            StateKey::Receipt(LeaseId(1)),
            StateKey::Settlement(LeaseId(1)),
            StateKey::Audit(LeaseId(1)),
            StateKey::Dispute(OrderId(1)),
            StateKey::HardwareCheck(pk),
        ];
        let bytes: std::collections::BTreeSet<Vec<u8>> =
            keys.iter().map(StateKey::to_bytes).collect();
        assert_eq!(bytes.len(), keys.len());
        // Golden: changing these changes every state root.
        assert_eq!(StateKey::Lease(LeaseId(258)).to_bytes(), [4, 0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(StateKey::Globals.to_bytes(), [0]);
        let account = StateKey::Account(PublicKey([7; 32]));
        assert_eq!(account.to_bytes().len(), 33);
        for key in [StateKey::Globals, account, StateKey::Lease(LeaseId(258))] {
            assert_eq!(key.path(), key_path(&key.to_bytes()));
        }
    }
}
