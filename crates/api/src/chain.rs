//! Chain bodies: status, blocks, proofs.

use rigshare_types::block::Header;
use rigshare_types::{Hash32, StateKey, StateProof};
use serde::{Deserialize, Serialize};

use super::HexBytes;

/// Where the chain stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Status {
    /// The market's chain id (part of every transaction signature).
    pub chain_id: String,
    /// Highest executed (finalized) height.
    pub height: u64,
    /// State root after `height`, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub state_root: Hash32,
    /// The highest height whose state root a finalized block certifies, if any yet.
    pub certified: Option<Certified>,
    /// Transactions waiting for a block.
    pub pending_txs: u64,
    /// The BLS12-381 network key (G2, 96 bytes) that verifies every certificate, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub network_key: HexBytes,
    /// The consensus namespace certificates are signed under, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub namespace: HexBytes,
    /// Digest of the genesis block, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub genesis: Hash32,
}

/// A certified checkpoint: the state root of `height` is certified by block `block`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certified {
    /// The checkpointed height.
    pub height: u64,
    /// The finalized block whose header carries that checkpoint.
    pub block: u64,
}

/// A finalized block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockInfo {
    /// Its height.
    pub height: u64,
    /// Digest of its header, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub digest: Hash32,
    /// The header.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub header: Header,
    /// Ids of its transactions, in execution order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub txs: Vec<Hash32>,
    /// Its encoded finalization certificate, hex; null for a block fetched during catch-up
    /// (a later certified block covers it through the parent links).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub finalization: Option<HexBytes>,
}

/// Query parameters of `GET /v1/proofs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProofParams {
    /// The state key: `globals`, `account:<hex>`, `provider:<hex>`, `order:<n>`, `lease:<n>`
    /// or `receipt:<n>`.
    pub key: String,
    /// A certified height to prove at; default the latest certified checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
}

/// An inclusion (or exclusion) proof of one state entry, with the certified block that commits
/// to its root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProofInfo {
    /// The key, e.g. `account:<hex>`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub key: StateKey,
    /// The height the proof is at.
    pub height: u64,
    /// The state root after `height`, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub state_root: Hash32,
    /// The entry's canonical (borsh) encoding, hex; null when the key holds nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub value: Option<HexBytes>,
    /// The proof: leaf and sibling hashes; check it with `StateProof::verify`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub proof: StateProof,
    /// The finalized block whose header's checkpoint is `(height, state_root)`.
    pub certified_by: CertifiedBy,
}

/// The block that certifies a checkpoint, with its finalization certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertifiedBy {
    /// The block's height.
    pub height: u64,
    /// Its header; `header.checkpoint` names the proven height and root.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub header: Header,
    /// Its encoded finalization certificate, hex (verifiable with the network key).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub finalization: Option<HexBytes>,
}
