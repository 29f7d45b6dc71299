//! Receipt bundles: a self-contained, offline-checkable proof that a job completed, what
//! verification concluded about it, and what it was paid.
//!
//! A bundle carries a lease's [`Settlement`] (the market's conclusion), the provider's signed
//! receipt, an inclusion proof of the settlement in the state at a checkpoint height, and the
//! finalized block that certifies that checkpoint with its threshold certificate. Checking it
//! needs nothing but the network's 96-byte key:
//!
//! ```text
//! network key ──▶ certificate finalizes header ──▶ header.checkpoint = (height, state root)
//!             ──▶ proof: settlement:<lease> = settlement, under the state root
//!             ──▶ sha256(receipt) = settlement.receipt_hash, signed by settlement.provider
//! ```

use borsh::{BorshDeserialize, BorshSerialize};
use rigshare_types::block::Header;
use rigshare_types::verification::{Settlement, Verdict};
use rigshare_types::{LeaseId, ProofError, SignedReceipt, StateKey, StateProof, codec, hash};
use serde::{Deserialize, Serialize};

use crate::certificate::{self, CertificateError, NetworkKey};

/// The format tag of [`ReceiptBundle::format`].
pub const BUNDLE_FORMAT: &str = "rigshare-receipt-bundle/v1";
/// Largest encoded bundle accepted by [`ReceiptBundle::decode`].
pub const MAX_BUNDLE_BYTES: usize = 16 * 1024;
/// Longest consensus namespace a bundle may carry.
pub const MAX_NAMESPACE_BYTES: usize = 256;

/// Everything needed to check one lease's settlement offline.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ReceiptBundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The consensus namespace certificates are signed under (`rigshare/<chain id>`).
    #[serde(with = "hex_bytes")]
    pub namespace: Vec<u8>,
    /// What the market concluded about the lease.
    pub settlement: Settlement,
    /// The provider's signed receipt.
    pub receipt: SignedReceipt,
    /// Inclusion proof of `settlement` under `header.checkpoint.state_root`.
    pub proof: StateProof,
    /// The finalized block whose checkpoint is the proof's state root.
    pub header: Header,
    /// The block's finalization certificate (commonware's encoding).
    #[serde(with = "hex_bytes")]
    pub finalization: Vec<u8>,
}

/// What a valid bundle establishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The settlement, as committed in the certified state.
    pub settlement: Settlement,
    /// The height of the state it was proven in.
    pub height: u64,
    /// The height of the finalized block that certifies that state.
    pub certified_at: u64,
}

impl VerifiedReceipt {
    /// Whether the result passed an independent check (matching replicas, an audit or an
    /// arbitration) — as of the proven height.
    pub fn is_verified(&self) -> bool {
        self.settlement.verdict.is_verified()
    }

    /// Whether the result could still be challenged at the proven height.
    pub fn challengeable(&self) -> bool {
        self.height <= self.settlement.challenge_until
            && !matches!(self.settlement.verdict, Verdict::Upheld | Verdict::Overturned)
    }
}

/// Why a bundle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The bytes or JSON do not decode as a bundle.
    #[error("malformed bundle: {0}")]
    Malformed(String),
    /// Another format or version.
    #[error("unsupported bundle format {0:?} (expected {BUNDLE_FORMAT:?})")]
    Format(String),
    /// The namespace is oversize.
    #[error("namespace longer than {MAX_NAMESPACE_BYTES} bytes")]
    Namespace,
    /// The certificate does not finalize the header under the network key.
    #[error("certificate: {0}")]
    Certificate(#[from] CertificateError),
    /// The settlement is not in the certified state.
    #[error("state proof: {0}")]
    Proof(#[from] ProofError),
    /// The receipt is not the one the settlement names.
    #[error("the receipt is not the one the settlement names")]
    ReceiptMismatch,
    /// The receipt's signature is not the provider's.
    #[error("the receipt is not signed by the lease's provider")]
    ReceiptSignature,
}

impl ReceiptBundle {
    /// The lease the bundle is about.
    pub fn lease(&self) -> LeaseId {
        self.settlement.lease
    }

    /// The canonical (borsh) encoding.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a canonical encoding of at most [`MAX_BUNDLE_BYTES`].
    pub fn decode(bytes: &[u8]) -> Result<ReceiptBundle, BundleError> {
        codec::decode(bytes, MAX_BUNDLE_BYTES).map_err(|e| BundleError::Malformed(e.to_string()))
    }

    /// Checks the bundle under `network_key`; see the module docs for what is checked.
    pub fn verify(&self, network_key: &NetworkKey) -> Result<VerifiedReceipt, BundleError> {
        if self.format != BUNDLE_FORMAT {
            return Err(BundleError::Format(self.format.chars().take(64).collect()));
        }
        if self.namespace.len() > MAX_NAMESPACE_BYTES {
            return Err(BundleError::Namespace);
        }
        certificate::verify_finalization(
            network_key,
            &self.namespace,
            &self.header,
            &self.finalization,
        )?;
        let key = StateKey::Settlement(self.settlement.lease).to_bytes();
        let value = codec::encode(&self.settlement);
        self.proof.verify(&self.header.checkpoint.state_root, &key, Some(&value))?;
        if hash::sha256(&codec::encode(&self.receipt)) != self.settlement.receipt_hash {
            return Err(BundleError::ReceiptMismatch);
        }
        self.receipt
            .verify(&self.settlement.provider)
            .map_err(|_| BundleError::ReceiptSignature)?;
        Ok(VerifiedReceipt {
            settlement: self.settlement,
            height: self.header.checkpoint.height,
            certified_at: self.header.height,
        })
    }
}

/// Byte strings as lowercase hex in JSON.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = <&str>::deserialize(deserializer)?;
        if text.len() > 2 * super::MAX_BUNDLE_BYTES {
            return Err(serde::de::Error::custom("hex string too long"));
        }
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}
