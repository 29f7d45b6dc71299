//! Keys of the market's committed state. A key's bytes are a one-byte table tag followed by the
//! id; the state tree is keyed by `sha256(key bytes)`.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::{AccountId, LeaseId, OrderId, PublicKey};

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
}

impl StateKey {
    /// The key's bytes in the state tree.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (tag, id): (u8, &[u8]) = match self {
            StateKey::Globals => (0, &[]),
            StateKey::Account(pk) => (1, pk.as_bytes()),
            StateKey::Provider(pk) => (2, pk.as_bytes()),
            StateKey::Order(id) => return tagged(3, &id.0.to_be_bytes()),
            StateKey::Lease(id) => return tagged(4, &id.0.to_be_bytes()),
            StateKey::Receipt(id) => return tagged(5, &id.0.to_be_bytes()),
        };
        tagged(tag, id)
    }
}

fn tagged(tag: u8, id: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(1 + id.len());
    bytes.push(tag);
    bytes.extend_from_slice(id);
    bytes
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
        ];
        let bytes: std::collections::BTreeSet<Vec<u8>> =
            keys.iter().map(StateKey::to_bytes).collect();
        assert_eq!(bytes.len(), keys.len());
        // Golden: changing these changes every state root.
        assert_eq!(StateKey::Lease(LeaseId(258)).to_bytes(), [4, 0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(StateKey::Globals.to_bytes(), [0]);
    }
}
