//! The block as consensus sees it: our [`Header`] plus transactions, with the codec and traits
//! commonware needs.
//!
//! On the wire a block is `u32 length || borsh(header, txs)`. Decoding bounds the length, rejects
//! trailing bytes (borsh), and recomputes the transaction root, so a peer cannot pair a certified
//! header with other transactions.

use borsh::{BorshDeserialize, BorshSerialize};
use bytes::{Buf as _, BufMut};
use commonware_codec::{Buf, EncodeSize, Error as CodecError, Read, Write};
use commonware_consensus::types::Height;
use commonware_consensus::{BoundedBlock, Heightable};
use commonware_cryptography::{Digestible, sha256};
use rigshare_types::block::{Header, tx_root};
use rigshare_types::{Hash32, SignedTransaction, codec};

/// Most transactions in a block.
pub const MAX_BLOCK_TXS: usize = 4_096;
/// Largest encoded block, in bytes.
pub const MAX_BLOCK_BYTES: usize = 4 << 20;

/// A block: header and transactions.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Block {
    /// What the certificate commits to.
    pub header: Header,
    /// The transactions, in execution order.
    pub txs: Vec<SignedTransaction>,
}

impl Block {
    /// The block's digest as a commonware digest.
    pub fn id(&self) -> sha256::Digest {
        to_digest(self.header.digest())
    }

    /// Height as a plain number.
    pub fn number(&self) -> u64 {
        self.header.height
    }
}

/// Converts our digest to commonware's.
pub fn to_digest(hash: Hash32) -> sha256::Digest {
    sha256::Digest(hash.0)
}

/// Converts commonware's digest to ours.
pub fn from_digest(digest: &sha256::Digest) -> Hash32 {
    Hash32(digest.0)
}

impl Write for Block {
    fn write(&self, buf: &mut impl BufMut) {
        let body = codec::encode(self);
        buf.put_u32_le(body.len() as u32);
        buf.put_slice(&body);
    }
}

impl EncodeSize for Block {
    fn encode_size(&self) -> usize {
        4 + codec::encode(self).len()
    }
}

impl Read for Block {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        if buf.remaining() < 4 {
            return Err(CodecError::EndOfBuffer);
        }
        let len = buf.get_u32_le() as usize;
        if len > MAX_BLOCK_BYTES {
            return Err(CodecError::InvalidLength(len));
        }
        if buf.remaining() < len {
            return Err(CodecError::EndOfBuffer);
        }
        let mut body = vec![0u8; len];
        buf.copy_to_slice(&mut body);
        let block: Block = codec::decode(&body, MAX_BLOCK_BYTES)
            .map_err(|_| CodecError::Invalid("Block", "malformed body"))?;
        if block.txs.len() > MAX_BLOCK_TXS {
            return Err(CodecError::Invalid("Block", "too many transactions"));
        }
        if tx_root(&block.txs) != block.header.tx_root {
            return Err(CodecError::Invalid("Block", "transactions do not match tx_root"));
        }
        Ok(block)
    }
}

impl Digestible for Block {
    type Digest = sha256::Digest;

    fn digest(&self) -> sha256::Digest {
        self.id()
    }
}

impl Heightable for Block {
    fn height(&self) -> Height {
        Height::new(self.header.height)
    }
}

impl commonware_consensus::Block for Block {
    fn parent(&self) -> sha256::Digest {
        to_digest(self.header.parent)
    }
}

impl BoundedBlock for Block {
    fn max_encode_size(_: &()) -> usize {
        4 + MAX_BLOCK_BYTES
    }
}

#[cfg(test)]
mod tests {
    use commonware_codec::{DecodeExt, Encode};
    use rigshare_types::block::Checkpoint;

    use super::*;

    fn block() -> Block {
        let header = Header {
            parent: Hash32([1; 32]),
            height: 7,
            timestamp_ms: 99,
            view: 9,
            parent_seed: Some([5; 48]),
            checkpoint: Checkpoint { height: 6, state_root: Hash32([2; 32]) },
            tx_root: tx_root(&[]),
        };
        Block { header, txs: vec![] }
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let b = block();
        let bytes = b.encode();
        assert_eq!(bytes.len(), b.encode_size());
        assert_eq!(Block::decode(bytes.clone()).unwrap(), b);
        let mut wrong_root = b.clone();
        wrong_root.header.tx_root = Hash32([3; 32]);
        assert!(Block::decode(wrong_root.encode()).is_err());
        let mut trailing = bytes.to_vec();
        trailing.push(0);
        assert!(Block::decode(trailing).is_err());
        let mut huge = vec![0xff, 0xff, 0xff, 0x7f];
        huge.extend_from_slice(&bytes[4..]);
        assert!(Block::decode(huge).is_err());
    }
}
