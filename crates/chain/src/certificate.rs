//! Checking a finalization certificate with nothing but the network key: the proof that a block
//! (and so its checkpointed state root) was finalized by a quorum of the committee.

use commonware_codec::{Decode, DecodeExt};
use commonware_consensus::simplex::types::Finalization;
use commonware_cryptography::bls12381::primitives::variant::{MinSig, Variant};
use commonware_cryptography::certificate::Verifier as _;
use commonware_parallel::Sequential;
use commonware_utils::TestRng;
use rigshare_types::block::Header;

use crate::block::from_digest;
use crate::{Digest, Scheme};

/// Largest encoded finalization accepted (a threshold certificate is ~140 bytes).
pub const MAX_FINALIZATION_BYTES: usize = 1_024;

/// Why a certificate was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The network key is not a valid G2 point.
    #[error("malformed network key")]
    BadNetworkKey,
    /// The certificate bytes do not decode.
    #[error("malformed certificate")]
    Malformed,
    /// The certificate finalizes another block.
    #[error("certificate is for another block")]
    WrongBlock,
    /// The threshold signature does not verify under the network key.
    #[error("certificate signature invalid")]
    BadSignature,
}

/// Verifies that `finalization` (encoded) finalizes the block with `header`, under the network
/// key `network_key` (96 bytes) and consensus `namespace`.
pub fn verify_finalization(
    network_key: &[u8],
    namespace: &[u8],
    header: &Header,
    finalization: &[u8],
) -> Result<(), CertificateError> {
    let identity = <MinSig as Variant>::Public::decode(network_key.to_vec())
        .map_err(|_| CertificateError::BadNetworkKey)?;
    if finalization.len() > MAX_FINALIZATION_BYTES {
        return Err(CertificateError::Malformed);
    }
    let certificate = Finalization::<Scheme, Digest>::decode_cfg(
        finalization.to_vec(),
        &Scheme::certificate_codec_config_unbounded(),
    )
    .map_err(|_| CertificateError::Malformed)?;
    if from_digest(&certificate.proposal.payload) != header.digest() {
        return Err(CertificateError::WrongBlock);
    }
    let verifier = Scheme::certificate_verifier(namespace, identity);
    // A single threshold signature needs no batch randomness; the generator is a formality.
    if certificate.verify(&mut TestRng::new(0), &verifier, &Sequential) {
        Ok(())
    } else {
        Err(CertificateError::BadSignature)
    }
}
