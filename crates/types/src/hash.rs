//! 32-byte digests: SHA-256 for everything consensus commits to (transactions, blocks, the state
//! tree), BLAKE3 for content addressing (manifests, artifacts, output roots).

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest as _, Sha256};

/// A 32-byte digest. Ordered as its bytes are (lexicographically).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct Hash32(pub [u8; 32]);

impl Ord for Hash32 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        cmp_bytes32(&self.0, &other.0)
    }
}

impl PartialOrd for Hash32 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Lexicographic order of two 32-byte strings, compared as four big-endian words: the same
/// order as comparing the bytes, without a `memcmp` call. Keys of the market's largest maps
/// (accounts, providers) are compared this way millions of times a second.
pub fn cmp_bytes32(a: &[u8; 32], b: &[u8; 32]) -> std::cmp::Ordering {
    let words = |bytes: &[u8; 32]| {
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut be = [0u8; 8];
            be.copy_from_slice(chunk);
            *word = u64::from_be_bytes(be);
        }
        words
    };
    words(a).cmp(&words(b))
}

impl Hash32 {
    /// The all-zero digest, used where "no digest yet" must still be a fixed-size value.
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// The digest's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

crate::serde_str::serde_via_str!(Hash32, "32-byte digest (64 hex characters)");

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({self})")
    }
}

/// Why a string is not a 32-byte hex digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 64 hex characters for a 32-byte value")]
pub struct HexParseError;

/// Decodes exactly `N` bytes from hex.
pub(crate) fn parse_hex_array<const N: usize>(s: &str) -> Result<[u8; N], HexParseError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| HexParseError)?;
    Ok(out)
}

impl FromStr for Hash32 {
    type Err = HexParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex_array(s).map(Hash32)
    }
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Hash32 {
    Hash32(Sha256::digest(bytes).into())
}

/// SHA-256 over several parts, as if concatenated.
pub fn sha256_parts(parts: &[&[u8]]) -> Hash32 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    Hash32(hasher.finalize().into())
}

/// BLAKE3 of `bytes`.
pub fn blake3(bytes: &[u8]) -> Hash32 {
    Hash32(*blake3::hash(bytes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-wise order is the byte order, including differences in the last byte of a
    /// word and in the last word.
    #[test]
    fn ordering_is_lexicographic() {
        let mut samples: Vec<[u8; 32]> = (0..200u32).map(|i| sha256(&i.to_le_bytes()).0).collect();
        let base = samples[0];
        for at in [0, 7, 8, 15, 31] {
            for byte in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut near = base;
                near[at] = byte;
                samples.push(near);
            }
        }
        for a in &samples {
            for b in &samples {
                assert_eq!(cmp_bytes32(a, b), a.cmp(b));
                assert_eq!(Hash32(*a).cmp(&Hash32(*b)), a.cmp(b));
            }
        }
    }

    #[test]
    fn known_vectors() {
        assert_eq!(
            sha256(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_parts(&[b"a", b"bc"]), sha256(b"abc"));
        assert_eq!(
            blake3(b"").to_string(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn hex_round_trip() {
        let h = sha256(b"x");
        assert_eq!(h.to_string().parse::<Hash32>(), Ok(h));
        assert_eq!("abc".parse::<Hash32>(), Err(HexParseError));
    }
}
