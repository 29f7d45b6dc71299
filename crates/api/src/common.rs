//! Bodies every route shares: errors, the submission receipt, hex bytes.

use std::fmt;

use rigshare_types::Hash32;
use serde::{Deserialize, Serialize};

/// Every error response: a stable snake_case code and a human-readable message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `stale_nonce`, `not_found`, `bad_query`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// For `bad_query`: the byte offset in the query where the problem starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}

/// A transaction accepted into the pool (`202 Accepted`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TxAccepted {
    /// The transaction id: SHA-256 of its signed encoding, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: Hash32,
}

/// What became of a finalized transaction (`GET /v1/txs/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TxStatus {
    /// The transaction id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: Hash32,
    /// The block that holds it.
    pub height: u64,
    /// Its position in the block.
    pub index: u32,
    /// Whether it took effect.
    pub ok: bool,
    /// Why not, when it did not: `"rejected: …"` (not admitted, nothing changed) or
    /// `"failed: …"` (admitted: the fee was paid and the nonce used, nothing else changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The stable snake_case code of why not (`insufficient_funds`, `insufficient_stake`, …):
    /// the submission codes for `rejected`, one per execution error for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What it caused, in order (e.g. `order_created` with the new order's id).
    #[serde(default)]
    pub events: Vec<crate::Event>,
}

impl TxStatus {
    /// The order this transaction created, if it created one.
    pub fn created_order(&self) -> Option<rigshare_types::OrderId> {
        self.events.iter().find_map(|e| match e {
            crate::Event::OrderCreated { order, .. } => Some(*order),
            _ => None,
        })
    }
}

/// Bytes shown as lowercase hex in JSON.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HexBytes(pub Vec<u8>);

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HexBytes({})", hex::encode(&self.0))
    }
}

impl Serialize for HexBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(&text).map(HexBytes).map_err(serde::de::Error::custom)
    }
}

impl From<Vec<u8>> for HexBytes {
    fn from(bytes: Vec<u8>) -> Self {
        HexBytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn hex_bytes_round_trip() {
        let bytes = HexBytes(vec![0, 255, 16]);
        assert_eq!(serde_json::to_value(&bytes).unwrap(), json!("00ff10"));
        assert_eq!(serde_json::from_value::<HexBytes>(json!("00ff10")).unwrap(), bytes);
        assert!(serde_json::from_value::<HexBytes>(json!("0g")).is_err());
    }
}
