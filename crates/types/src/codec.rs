//! The canonical binary encoding: borsh (fixed-width little-endian integers, length-prefixed
//! sequences, one encoding per value). The light client decodes the same bytes. Every decode of
//! outside bytes goes through [`decode`], which bounds the input size first and rejects trailing
//! bytes.

use borsh::{BorshDeserialize, BorshSerialize};

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is longer than the limit for this type.
    #[error("encoding too large: {len} bytes (limit {max})")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit that applied.
        max: usize,
    },
    /// The bytes are not a valid encoding (truncated, trailing bytes, bad tag, bad UTF-8).
    #[error("malformed encoding: {0}")]
    Malformed(String),
}

/// The canonical encoding of `value`.
pub fn encode<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// The canonical encoding of `value`, written over `out` (cleared first): reusing one buffer
/// saves the reallocations of growing a fresh vector for each value.
pub fn encode_into<T: BorshSerialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    out.clear();
    // Writing into a Vec cannot fail; borsh only errors on I/O and on lengths over u32::MAX,
    // which no bounded rigshare value reaches.
    if value.serialize(out).is_err() {
        out.clear();
    }
}

/// Decodes exactly one `T` from `bytes`, which must be at most `max` bytes long.
pub fn decode<T: BorshDeserialize>(bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge { len: bytes.len(), max });
    }
    borsh::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, BorshSerialize, BorshDeserialize)]
    struct Sample {
        a: u32,
        b: String,
        c: Vec<u16>,
    }

    #[test]
    fn round_trip_and_limits() {
        let s = Sample { a: 7, b: "gpu".into(), c: vec![1, 2] };
        let bytes = encode(&s);
        assert_eq!(decode::<Sample>(&bytes, 64), Ok(s));
        assert!(matches!(decode::<Sample>(&bytes, 4), Err(DecodeError::TooLarge { .. })));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(decode::<Sample>(&trailing, 64), Err(DecodeError::Malformed(_))));
        assert!(matches!(decode::<Sample>(&bytes[..5], 64), Err(DecodeError::Malformed(_))));
    }

    #[test]
    fn huge_length_prefix_does_not_allocate() {
        // A sequence claiming u32::MAX elements in a 12-byte input fails cleanly.
        let mut bytes = 7u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode::<Sample>(&bytes, 64), Err(DecodeError::Malformed(_))));
    }
}
