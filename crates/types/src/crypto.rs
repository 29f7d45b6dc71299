//! ed25519 keys and signatures. Every signature rigshare checks is over a domain-separated
//! message, so a signature made for one purpose can never be replayed as another.

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;

use crate::hash::{HexParseError, cmp_bytes32, parse_hex_array};

/// An ed25519 public key; also the id of an account and of a provider. Ordered as its bytes are.
#[derive(Clone, Copy, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; 32]);

impl Ord for PublicKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        cmp_bytes32(&self.0, &other.0)
    }
}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// An account is named by its public key.
pub type AccountId = PublicKey;

/// An ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The public key is not a valid curve point.
    #[error("malformed public key")]
    MalformedKey,
    /// The signature does not verify for this key and message.
    #[error("invalid signature")]
    Invalid,
}

impl PublicKey {
    /// Verifies `signature` over `domain || message` (strict: rejects malleable and small-order
    /// encodings).
    pub fn verify(
        &self,
        domain: &[u8],
        message: &[u8],
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| SignatureError::MalformedKey)?;
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        key.verify_strict(&signed_bytes(domain, message), &sig).map_err(|_| SignatureError::Invalid)
    }

    /// The key's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Verifies many `(key, domain, message, signature)` items at once (ed25519 batch verification,
/// several times faster than one by one). Fails if any item fails, without saying which.
///
/// Accepts only what [`PublicKey::verify`] (strict) would accept as far as forgery goes: batch
/// equations alone admit weak (small-order) public keys and small-order nonces, for which a
/// signature can be forged without the secret key, so those are refused up front.
pub fn verify_batch(items: &[(PublicKey, &[u8], &[u8], Signature)]) -> Result<(), SignatureError> {
    let mut keys = Vec::with_capacity(items.len());
    let mut messages = Vec::with_capacity(items.len());
    let mut signatures = Vec::with_capacity(items.len());
    for (key, domain, message, signature) in items {
        let verifying =
            VerifyingKey::from_bytes(&key.0).map_err(|_| SignatureError::MalformedKey)?;
        if verifying.is_weak() || has_small_order_nonce(signature) {
            return Err(SignatureError::Invalid);
        }
        keys.push(verifying);
        messages.push(signed_bytes(domain, message));
        signatures.push(ed25519_dalek::Signature::from_bytes(&signature.0));
    }
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    ed25519_dalek::verify_batch(&refs, &signatures, &keys).map_err(|_| SignatureError::Invalid)
}

/// Whether the signature's `R` fails to decode or has small order.
fn has_small_order_nonce(signature: &Signature) -> bool {
    let mut r = [0u8; 32];
    r.copy_from_slice(signature.0.get(..32).unwrap_or(&[0u8; 32]));
    curve25519_dalek::edwards::CompressedEdwardsY(r).decompress().is_none_or(|p| p.is_small_order())
}

fn signed_bytes(domain: &[u8], message: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(domain.len() + message.len());
    bytes.extend_from_slice(domain);
    bytes.extend_from_slice(message);
    bytes
}

/// A secret signing key with its public key.
#[derive(Clone)]
pub struct Keypair(SigningKey);

impl Keypair {
    /// A fresh key from the operating system's randomness.
    #[cfg(feature = "os-rng")]
    pub fn generate() -> Keypair {
        Keypair::generate_with(&mut rand_core::OsRng)
    }

    /// A fresh key from the given randomness (tests pass a seeded generator).
    pub fn generate_with(rng: &mut impl CryptoRngCore) -> Keypair {
        Keypair(SigningKey::generate(rng))
    }

    /// The key whose 32-byte secret seed is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Keypair {
        Keypair(SigningKey::from_bytes(&seed))
    }

    /// The 32-byte secret seed (store it like a password).
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `domain || message`.
    pub fn sign(&self, domain: &[u8], message: &[u8]) -> Signature {
        Signature(self.0.sign(&signed_bytes(domain, message)).to_bytes())
    }
}

impl fmt::Debug for Keypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keypair({})", self.public())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Eight hex digits tell keys apart in logs without drowning them.
        write!(f, "PublicKey({})", hex::encode(self.0.get(..4).unwrap_or_default()))
    }
}

impl FromStr for PublicKey {
    type Err = HexParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex_array(s).map(PublicKey)
    }
}

crate::serde_str::serde_via_str!(PublicKey, "public key (64 hex characters)");

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl serde::Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        parse_hex_array(&text)
            .map(Signature)
            .map_err(|_| serde::de::Error::custom("invalid signature: expected 128 hex characters"))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0.get(..8).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_with_domain() {
        let key = Keypair::from_seed([7; 32]);
        let sig = key.sign(b"d1", b"hello");
        assert_eq!(key.public().verify(b"d1", b"hello", &sig), Ok(()));
        assert_eq!(key.public().verify(b"d2", b"hello", &sig), Err(SignatureError::Invalid));
        assert_eq!(key.public().verify(b"d1", b"hellp", &sig), Err(SignatureError::Invalid));
        let other = Keypair::from_seed([8; 32]).public();
        assert_eq!(other.verify(b"d1", b"hello", &sig), Err(SignatureError::Invalid));
    }

    #[test]
    fn batch_verification_matches_single() {
        let keys: Vec<Keypair> = (0..8u8).map(|i| Keypair::from_seed([i; 32])).collect();
        let msgs: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 10]).collect();
        let mut items: Vec<(PublicKey, &[u8], &[u8], Signature)> = keys
            .iter()
            .zip(&msgs)
            .map(|(k, m)| (k.public(), &b"d"[..], m.as_slice(), k.sign(b"d", m)))
            .collect();
        assert_eq!(verify_batch(&items), Ok(()));
        items.swap(0, 1);
        let (a, b) = (items[0].3, items[1].3);
        items[0].3 = b;
        items[1].3 = a;
        assert_eq!(verify_batch(&items), Err(SignatureError::Invalid));
    }

    #[test]
    fn malformed_key_is_typed() {
        // y = 2 is not on the curve.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        let sig = Signature([0; 64]);
        assert_eq!(PublicKey(bytes).verify(b"", b"", &sig), Err(SignatureError::MalformedKey));
    }
}

#[cfg(test)]
mod weak_key_tests {
    use super::*;

    /// With the identity point as public key, `R = B, s = 1` satisfies the batch equation for any
    /// message: a forgery. Strict verification and the batch path must both refuse it.
    #[test]
    fn forgery_against_a_weak_key_is_refused_in_batches() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = PublicKey(identity);
        let mut sig = [0u8; 64];
        // The compressed base point.
        sig[..32].copy_from_slice(&curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.0);
        sig[32] = 1;
        let forged = Signature(sig);
        assert!(weak.verify(b"d", b"steal", &forged).is_err());
        assert_eq!(
            verify_batch(&[(weak, &b"d"[..], &b"steal"[..], forged)]),
            Err(SignatureError::Invalid)
        );
    }
}
