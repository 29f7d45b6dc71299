//! JSON forms of the data model (serde). Borsh stays the canonical, consensus-critical encoding;
//! serde only serves the HTTP API and configuration files.
//!
//! Values a user reads as text are text in JSON: keys, digests and signatures are lowercase hex,
//! amounts are decimal strings (`"12.5"`, never a JSON float), a query is its canonical source,
//! a state key is `account:<hex>`, a compute capability is `"8.9"`, a tier is `"challenged"`.
//! Ids are plain numbers.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;

/// Implements `Serialize` through `Display` and `Deserialize` through `FromStr`, as a string.
macro_rules! serde_via_str {
    ($ty:ty, $expecting:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::serde_str::from_str(deserializer, $expecting)
            }
        }
    };
}
pub(crate) use serde_via_str;

/// Deserializes a `T` from a string through its `FromStr`.
pub(crate) fn from_str<'de, D, T>(deserializer: D, expecting: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_str(StrVisitor { expecting, marker: PhantomData })
}

struct StrVisitor<T> {
    expecting: &'static str,
    marker: PhantomData<T>,
}

impl<T> Visitor<'_> for StrVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        s.parse().map_err(|e| E::custom(format!("invalid {}: {e}", self.expecting)))
    }
}

/// An optional fixed-size byte array as a hex string or `null` (arrays longer than 32 bytes
/// have no serde impl of their own).
pub(crate) mod hex_opt_array {
    use super::*;

    /// Writes `Some(bytes)` as hex, `None` as null.
    pub(crate) fn serialize<S: Serializer, const N: usize>(
        value: &Option<[u8; N]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => serializer.serialize_some(&hex::encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    /// Reads hex of exactly `N` bytes, or null.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<Option<[u8; N]>, D::Error> {
        let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
        text.map(|text| {
            let mut out = [0u8; N];
            hex::decode_to_slice(&text, &mut out)
                .map(|()| out)
                .map_err(|_| de::Error::custom(format!("expected {} hex characters", 2 * N)))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::block::{Checkpoint, Header};
    use crate::query::Query;
    use crate::records::{Account, OrderFailure, OrderStatus};
    use crate::{
        Amount, ComputeCapability, EvidenceTier, Hash32, Keypair, LeaseId, OrderId, PublicKey,
        StateKey, StateProof, Transaction, TxBody,
    };

    fn round_trip<T>(value: &T, expected: serde_json::Value)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_value(value).unwrap();
        assert_eq!(json, expected);
        assert_eq!(&serde_json::from_value::<T>(json).unwrap(), value);
    }

    #[test]
    fn text_forms() {
        round_trip(&Amount::micro(12_500_000), json!("12.5"));
        round_trip(&Amount::micro(1), json!("0.000001"));
        round_trip(&PublicKey([0xab; 32]), json!("ab".repeat(32)));
        round_trip(&Hash32([1; 32]), json!("01".repeat(32)));
        round_trip(&OrderId(7), json!(7));
        round_trip(&LeaseId(9), json!(9));
        round_trip(&EvidenceTier::SelfReported, json!("self-reported"));
        round_trip(&ComputeCapability { major: 8, minor: 9 }, json!("8.9"));
        let query = Query::parse("vram_gib >= 40  gpu_model in [H100, A100]").unwrap();
        round_trip(&query, json!("vram_gib>=40 gpu_model in [H100,A100]"));
        round_trip(
            &StateKey::Account(PublicKey([2; 32])),
            json!(format!("account:{}", "02".repeat(32))),
        );
        round_trip(&StateKey::Lease(LeaseId(3)), json!("lease:3"));
        round_trip(&StateKey::Globals, json!("globals"));
        round_trip(
            &Account { balance: Amount::units(3), nonce: 2 },
            json!({"balance": "3", "nonce": 2}),
        );
        round_trip(&OrderStatus::Open, json!("open"));
        round_trip(
            &OrderStatus::Failed(OrderFailure::NotEnoughBids { eligible: 1 }),
            json!({"failed": {"not_enough_bids": {"eligible": 1}}}),
        );
    }

    #[test]
    fn money_is_never_a_json_number() {
        assert!(serde_json::from_value::<Amount>(json!(1.5)).is_err());
        assert!(serde_json::from_value::<Amount>(json!(2)).is_err());
        assert!(serde_json::from_value::<Amount>(json!("1.0000001")).is_err());
        assert!(serde_json::from_value::<PublicKey>(json!("abc")).is_err());
        assert!(serde_json::from_value::<Query>(json!("vram_gib>>4")).is_err());
        assert!(serde_json::from_value::<StateKey>(json!("order:x")).is_err());
    }

    #[test]
    fn transactions_headers_and_proofs() {
        let key = Keypair::from_seed([4; 32]);
        let tx = Transaction {
            sender: key.public(),
            nonce: 1,
            fee: Amount::micro(100),
            body: TxBody::Transfer { to: PublicKey([5; 32]), amount: Amount::units(2) },
        }
        .sign(&key, "test");
        let json = serde_json::to_value(&tx).unwrap();
        assert_eq!(json["tx"]["body"]["transfer"]["amount"], json!("2"));
        assert_eq!(json["signature"].as_str().map(str::len), Some(128));
        assert_eq!(serde_json::from_value::<crate::SignedTransaction>(json).unwrap(), tx);

        let header = Header {
            parent: Hash32::ZERO,
            height: 3,
            timestamp_ms: 10,
            view: 4,
            parent_seed: Some([7; 48]),
            checkpoint: Checkpoint { height: 2, state_root: Hash32([1; 32]) },
            tx_root: Hash32::ZERO,
        };
        let json = serde_json::to_value(header).unwrap();
        assert_eq!(json["parent_seed"], json!("07".repeat(48)));
        assert_eq!(serde_json::from_value::<Header>(json).unwrap(), header);

        let proof = StateProof { leaf: None, siblings: vec![None, Some(Hash32([3; 32]))] };
        round_trip(&proof, json!({"leaf": null, "siblings": [null, "03".repeat(32)]}));
    }
}
