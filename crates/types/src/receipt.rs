//! Receipts: what a provider signs when a lease's job finishes.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::crypto::{Keypair, PublicKey, Signature, SignatureError};
use crate::{Hash32, LeaseId, codec};

/// Signing domain of receipts.
pub const RECEIPT_DOMAIN: &[u8] = b"rigshare/receipt/v1\0";

/// What running a job cost.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct Usage {
    /// GPU-seconds consumed (GPUs × seconds).
    pub gpu_seconds: u64,
    /// Wall-clock run time in milliseconds.
    pub wall_ms: u64,
    /// The job's exit status (0 is success; a failed job is still a result).
    pub exit_code: i32,
}

/// A provider's statement of a lease's outcome.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Receipt {
    /// The lease the job ran under.
    pub lease: LeaseId,
    /// BLAKE3 of the job manifest that was run (must equal the order's).
    pub manifest_hash: Hash32,
    /// Merkle root over the output files.
    pub output_root: Hash32,
    /// Resources used.
    pub usage: Usage,
    /// Digest identifying the runtime (engine version and settings) that ran the job.
    pub runtime_digest: Hash32,
}

/// A receipt with the provider's signature over [`RECEIPT_DOMAIN`] and its encoding.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct SignedReceipt {
    /// The statement.
    pub receipt: Receipt,
    /// The provider's signature.
    pub signature: Signature,
}

impl SignedReceipt {
    /// Signs `receipt` as `provider`.
    pub fn sign(receipt: Receipt, provider: &Keypair) -> SignedReceipt {
        let signature = provider.sign(RECEIPT_DOMAIN, &codec::encode(&receipt));
        SignedReceipt { receipt, signature }
    }

    /// Checks the signature against the provider's key.
    pub fn verify(&self, provider: &PublicKey) -> Result<(), SignatureError> {
        provider.verify(RECEIPT_DOMAIN, &codec::encode(&self.receipt), &self.signature)
    }
}
