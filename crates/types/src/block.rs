//! Block headers: what a finalization certificate commits to, and what a light client needs to
//! connect a certificate to a state root.
//!
//! Consensus orders blocks; the market executes them after finalization. A block's validity does
//! not depend on executing it, so a block cannot carry its own post-state root. Instead each
//! block carries a [`Checkpoint`]: the state root its proposer computed for an earlier, already
//! finalized height. Validators re-execute and reject a block whose checkpoint disagrees, so a
//! certified block certifies its checkpoint.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::{Hash32, SignedTransaction, codec, hash};

/// Bytes of a BLS12-381 G1 signature (the randomness beacon's seed signature).
pub const SEED_SIGNATURE_BYTES: usize = 48;

/// The state root after executing the block at `height`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Checkpoint {
    /// The executed height.
    pub height: u64,
    /// The market's state root after it.
    pub state_root: Hash32,
}

/// Everything a block commits to, with its transactions summarised by their root.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Header {
    /// Digest of the parent block's header.
    pub parent: Hash32,
    /// Height, from 1 (genesis is height 0).
    pub height: u64,
    /// Proposer's timestamp in ms; never before the parent's.
    pub timestamp_ms: u64,
    /// The consensus view the block was proposed in.
    pub view: u64,
    /// The parent round's threshold seed signature (absent for the first block): the block's
    /// randomness, fixed before the block was proposed and biasable by nobody.
    #[serde(with = "crate::serde_str::hex_opt_array")]
    pub parent_seed: Option<[u8; SEED_SIGNATURE_BYTES]>,
    /// The state root of an earlier height.
    pub checkpoint: Checkpoint,
    /// [`tx_root`] of the block's transactions.
    pub tx_root: Hash32,
}

impl Header {
    /// The block's digest: SHA-256 of the header's canonical encoding.
    pub fn digest(&self) -> Hash32 {
        hash::sha256(&codec::encode(self))
    }

    /// The randomness the market uses for this block: SHA-256 of the seed signature.
    pub fn randomness(&self) -> Hash32 {
        match &self.parent_seed {
            Some(signature) => hash::sha256_parts(&[b"rigshare/seed/v1", signature]),
            None => Hash32::ZERO,
        }
    }
}

/// Commitment to a block's transactions: SHA-256 over their ids in order.
pub fn tx_root(txs: &[SignedTransaction]) -> Hash32 {
    let ids: Vec<Hash32> = txs.iter().map(SignedTransaction::hash).collect();
    let mut bytes = Vec::with_capacity(8 + ids.len() * 32);
    bytes.extend_from_slice(&(ids.len() as u64).to_le_bytes());
    for id in &ids {
        bytes.extend_from_slice(&id.0);
    }
    hash::sha256(&bytes)
}
