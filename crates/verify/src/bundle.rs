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
//!
//! On disk and on the wire a bundle is a small JSON envelope around its canonical encoding
//! ([`ReceiptBundle::to_json`]): `{"format": …, "lease": …, "bundle": "<base64>"}`, about
//! 1.4 KB. The same bytes decode in a browser with this crate built for wasm32.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
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
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ReceiptBundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The consensus namespace certificates are signed under (`rigshare/<chain id>`).
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
    pub finalization: Vec<u8>,
}

/// The JSON form of a bundle.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    /// [`BUNDLE_FORMAT`].
    format: String,
    /// The lease, for humans and file managers (the bundle's own is authoritative).
    lease: u64,
    /// Standard base64 of the canonical encoding.
    bundle: String,
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

    /// The JSON envelope: format, lease and the base64 of [`ReceiptBundle::encode`].
    pub fn to_json(&self) -> String {
        let envelope = Envelope {
            format: BUNDLE_FORMAT.to_string(),
            lease: self.settlement.lease.0,
            bundle: BASE64.encode(self.encode()),
        };
        serde_json::to_string(&envelope).unwrap_or_default()
    }

    /// Reads the JSON envelope of [`ReceiptBundle::to_json`] (at most twice
    /// [`MAX_BUNDLE_BYTES`] of text).
    pub fn from_json(text: &str) -> Result<ReceiptBundle, BundleError> {
        if text.len() > 2 * MAX_BUNDLE_BYTES {
            return Err(BundleError::Malformed(format!(
                "longer than {} bytes",
                2 * MAX_BUNDLE_BYTES
            )));
        }
        let envelope: Envelope =
            serde_json::from_str(text).map_err(|e| BundleError::Malformed(e.to_string()))?;
        if envelope.format != BUNDLE_FORMAT {
            return Err(BundleError::Format(envelope.format.chars().take(64).collect()));
        }
        let bytes = BASE64
            .decode(envelope.bundle.trim())
            .map_err(|e| BundleError::Malformed(format!("bundle is not base64: {e}")))?;
        ReceiptBundle::decode(&bytes)
    }

    /// Checks the bundle under `network_key`; see the module docs for what is checked.
    pub fn verify(&self, network_key: &NetworkKey) -> Result<VerifiedReceipt, BundleError> {
        if self.format != BUNDLE_FORMAT {
            return Err(BundleError::Format(self.format.chars().take(64).collect()));
        }
        if self.namespace.len() > MAX_NAMESPACE_BYTES {
            return Err(BundleError::Namespace);
        }
        certificate::verify_finality(
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use rigshare_types::Hash32;

    use super::*;

    /// A real bundle exported from a devnet by `crates/cli/tests/it/receipts.rs` (rerun it with
    /// `RIGSHARE_BUNDLE_FIXTURE=$PWD/crates/verify/tests/data` from the workspace root to
    /// refresh), and that network's key.
    const BUNDLE: &str = include_str!("../tests/data/receipt.json");
    const KEY: &str = include_str!("../tests/data/network-key.hex");

    fn fixture() -> (ReceiptBundle, NetworkKey) {
        let bundle = ReceiptBundle::from_json(BUNDLE).unwrap();
        let key = NetworkKey::from_bytes(&hex::decode(KEY.trim()).unwrap()).unwrap();
        (bundle, key)
    }

    #[test]
    fn the_exported_bundle_verifies() {
        let (bundle, key) = fixture();
        let verified = bundle.verify(&key).unwrap();
        assert_eq!(verified.settlement, bundle.settlement);
        assert_eq!(verified.settlement.verdict, Verdict::Replicated);
        assert!(verified.is_verified());
        assert_eq!(verified.certified_at, bundle.header.height);
        // The canonical encoding and the JSON envelope round-trip.
        assert_eq!(ReceiptBundle::decode(&bundle.encode()).unwrap(), bundle);
        assert_eq!(ReceiptBundle::from_json(&bundle.to_json()).unwrap(), bundle);
    }

    #[test]
    fn any_tampering_is_caught() {
        let (good, key) = fixture();
        type Tamper = Box<dyn Fn(&mut ReceiptBundle)>;
        let cases: Vec<(&str, Tamper)> = vec![
            ("paid", Box::new(|b| b.settlement.paid.0 += 1)),
            ("verdict", Box::new(|b| b.settlement.verdict = Verdict::Upheld)),
            ("provider", Box::new(|b| b.settlement.provider.0[0] ^= 1)),
            ("output root", Box::new(|b| b.receipt.receipt.output_root = Hash32([7; 32]))),
            ("receipt signature", Box::new(|b| b.receipt.signature.0[0] ^= 1)),
            ("state root", Box::new(|b| b.header.checkpoint.state_root.0[0] ^= 1)),
            ("header height", Box::new(|b| b.header.height += 1)),
            ("certificate", Box::new(|b| b.finalization[60] ^= 1)),
            ("proof", Box::new(|b| b.proof.siblings.reverse())),
            ("namespace", Box::new(|b| b.namespace.push(b'x'))),
            ("format", Box::new(|b| b.format = "rigshare-receipt-bundle/v0".into())),
        ];
        for (name, tamper) in cases {
            let mut bundle = good.clone();
            tamper(&mut bundle);
            assert!(bundle.verify(&key).is_err(), "{name} tampering went unnoticed");
        }
        // The receipt's signature is checked against the settlement's provider, and the receipt
        // must be the one the settlement names.
        let mut other = good.clone();
        other.receipt.receipt.usage.wall_ms += 1;
        assert_eq!(other.verify(&key), Err(BundleError::ReceiptMismatch));
    }

    #[test]
    fn another_networks_key_is_refused() {
        let (bundle, _) = fixture();
        // Any valid G2 point other than the network's: the generator.
        let generator = bls12_381::G2Affine::generator().to_compressed();
        let key = NetworkKey::from_bytes(&generator).unwrap();
        assert!(matches!(bundle.verify(&key), Err(BundleError::Certificate(_))));
    }

    #[test]
    fn oversize_and_garbage_are_typed_errors() {
        assert!(matches!(
            ReceiptBundle::decode(&vec![0; MAX_BUNDLE_BYTES + 1]),
            Err(BundleError::Malformed(_))
        ));
        assert!(matches!(ReceiptBundle::decode(&[1, 2, 3]), Err(BundleError::Malformed(_))));
        for text in ["{}", "[1]", r#"{"format":"x","lease":1,"bundle":""}"#, "not json"] {
            assert!(ReceiptBundle::from_json(text).is_err(), "{text}");
        }
        let bad = r#"{"format":"rigshare-receipt-bundle/v1","lease":1,"bundle":"@@@"}"#;
        assert!(matches!(ReceiptBundle::from_json(bad), Err(BundleError::Malformed(_))));
    }
}
