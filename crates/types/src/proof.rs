//! Inclusion and exclusion proofs against a state root, verifiable with SHA-256 alone.
//!
//! The market commits its state to a 256-bit binary sparse Merkle tree in which each key sits at
//! its [`key_path`]: an empty subtree hashes to a placeholder, a subtree holding one entry hashes
//! to that entry's leaf, any other subtree to the internal hash of its two halves. A proof is the
//! leaf found on the key's path (if any) and the sibling hashes from that leaf up to the root.
//! Verification needs nothing but this file, so the light client (wasm32) checks the same
//! proofs the validators produce. Node hashing is that of the Jellyfish Merkle tree (the `jmt`
//! crate), which the market's tests hold its tree to as a reference (given the same paths):
//!
//! ```text
//! leaf     = sha256("JMT::LeafNode"    || path(key) || sha256(value))
//! internal = sha256("JMT::IntrnalNode" || left || right)
//! empty    = "SPARSE_MERKLE_PLACEHOLDER_HASH__"
//! ```

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use sha2::digest::generic_array::GenericArray;

use crate::hash::{Hash32, sha256, sha256_parts};

/// Most siblings a proof can have: one per bit of the key hash.
pub const MAX_PROOF_SIBLINGS: usize = 256;

/// Largest encoded proof accepted by decoders.
pub const MAX_PROOF_BYTES: usize = 1 + 64 + 4 + MAX_PROOF_SIBLINGS * 33;

const LEAF_DOMAIN: &[u8] = b"JMT::LeafNode";
const INTERNAL_DOMAIN: &[u8] = b"JMT::IntrnalNode";
const EMPTY_SUBTREE: [u8; 32] = *b"SPARSE_MERKLE_PLACEHOLDER_HASH__";
const PATH_DOMAIN: &[u8] = b"rigshare/state-path/v1";
/// Random bytes of a path above a key's last byte: enough to keep runs of ids apart, few
/// enough that a run's subtree hangs only a short chain below where runs part.
const PATH_SPREAD_BYTES: usize = 4;

/// The hash of an empty subtree (and the root of an empty state).
pub const EMPTY_SUBTREE_HASH: Hash32 = Hash32(EMPTY_SUBTREE);

/// The hash of the leaf holding an entry whose key and value hash as given.
pub fn leaf_hash(key_hash: &Hash32, value_hash: &Hash32) -> Hash32 {
    sha256_two_blocks(LEAF_DOMAIN, key_hash, value_hash)
}

/// The hash of an internal node from its two halves' hashes.
pub fn internal_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    sha256_two_blocks(INTERNAL_DOMAIN, left, right)
}

/// SHA-256 of `domain || a || b`, for inputs that fit two blocks (at most 55 domain bytes).
///
/// The same digest as [`sha256_parts`], computed by padding into a stack buffer and running
/// the compression function on it: the state tree hashes tens of thousands of nodes per block,
/// and this skips the streaming hasher's buffering.
fn sha256_two_blocks(domain: &[u8], a: &Hash32, b: &Hash32) -> Hash32 {
    const INITIAL_STATE: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let len = domain.len() + 64;
    if len > 119 {
        return sha256_parts(&[domain, &a.0, &b.0]);
    }
    // Message, the 0x80 terminator, zeros, and the bit length in the last 8 bytes.
    let mut padded = [0u8; 128];
    let (message, rest) = padded.split_at_mut(len);
    let (domain_part, hashes) = message.split_at_mut(domain.len());
    domain_part.copy_from_slice(domain);
    let (a_part, b_part) = hashes.split_at_mut(32);
    a_part.copy_from_slice(&a.0);
    b_part.copy_from_slice(&b.0);
    let (padding, length) = rest.split_at_mut(rest.len() - 8);
    if let Some(terminator) = padding.first_mut() {
        *terminator = 0x80;
    }
    length.copy_from_slice(&((len as u64) * 8).to_be_bytes());
    let (first, second) = padded.split_at(64);
    let (Ok(first), Ok(second)) = (<[u8; 64]>::try_from(first), <[u8; 64]>::try_from(second))
    else {
        return sha256_parts(&[domain, &a.0, &b.0]);
    };
    let blocks: [GenericArray<u8, _>; 2] = [first.into(), second.into()];
    let mut state = INITIAL_STATE;
    sha2::compress256(&mut state, &blocks);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Hash32(out)
}

/// Where `key` sits in the tree: SHA-256 of all but the key's last byte, with that byte put in
/// after the hash's first 4 bytes (and the hash's last byte dropped).
///
/// Keys ending in a big-endian id (orders, leases, receipts, …) thus keep each run of 256
/// consecutive ids under one random 32-bit prefix, in a subtree 8 levels deep: a block's new
/// and recently changed records share their paths instead of each rewriting a separate one,
/// while the runs themselves (and every key made of a public key) spread uniformly. Distinct
/// keys get distinct paths unless 248 bits of SHA-256 collide.
pub fn key_path(key: &[u8]) -> Hash32 {
    let (prefix, last) = match key.split_last() {
        Some((last, prefix)) => (prefix, *last),
        None => (key, 0),
    };
    // The flag keeps the empty key apart from the key `[0]`.
    let hash = sha256_parts(&[PATH_DOMAIN, &[u8::from(key.is_empty())], prefix]);
    let (high, rest) = hash.0.split_at(PATH_SPREAD_BYTES);
    let mut path = [0u8; 32];
    for (slot, byte) in path.iter_mut().zip(high.iter().chain([&last]).chain(rest)) {
        *slot = *byte;
    }
    Hash32(path)
}

/// Bit `index` of a 256-bit key hash, most significant bit of byte 0 first: the side (`true`
/// = right) on which the key lies at depth `index`.
pub fn key_bit(hash: &Hash32, index: usize) -> bool {
    hash.0.get(index / 8).is_some_and(|byte| (byte >> (7 - index % 8)) & 1 == 1)
}

/// The leaf a proof walks up from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct ProofLeaf {
    /// [`key_path`] of the key of the entry stored at the leaf.
    pub key_hash: Hash32,
    /// `sha256(value)` of that entry.
    pub value_hash: Hash32,
}

/// A proof that a key holds a value (or holds nothing) under a state root.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct StateProof {
    /// The leaf on the key's path: the key's own leaf for an inclusion proof; another key's
    /// leaf, or none (an empty subtree), for an exclusion proof.
    pub leaf: Option<ProofLeaf>,
    /// Sibling hashes from the leaf's level up to the root; `None` is an empty subtree.
    pub siblings: Vec<Option<Hash32>>,
}

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// More siblings than a 256-bit key has levels.
    #[error("proof has {0} siblings (at most {MAX_PROOF_SIBLINGS})")]
    TooDeep(usize),
    /// An inclusion proof was given for a key with no leaf, or for another key.
    #[error("proof does not include the key")]
    KeyNotIncluded,
    /// The leaf's value hash differs from the claimed value's.
    #[error("value does not match the proof")]
    ValueMismatch,
    /// An exclusion proof whose leaf is the key itself, or whose leaf could not share the path.
    #[error("invalid exclusion proof")]
    BadExclusion,
    /// The recomputed root differs from the expected root.
    #[error("proof does not lead to the expected root")]
    RootMismatch,
}

impl ProofLeaf {
    fn hash(&self) -> [u8; 32] {
        leaf_hash(&self.key_hash, &self.value_hash).0
    }
}

impl StateProof {
    /// Checks that under `root`, `key` holds `value` (`Some`) or is absent (`None`).
    pub fn verify(
        &self,
        root: &Hash32,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), ProofError> {
        let depth = self.siblings.len();
        if depth > MAX_PROOF_SIBLINGS {
            return Err(ProofError::TooDeep(depth));
        }
        let key_hash = key_path(key);
        match (value, &self.leaf) {
            (Some(value), Some(leaf)) => {
                if leaf.key_hash != key_hash {
                    return Err(ProofError::KeyNotIncluded);
                }
                if leaf.value_hash != sha256(value) {
                    return Err(ProofError::ValueMismatch);
                }
            }
            (Some(_), None) => return Err(ProofError::KeyNotIncluded),
            (None, Some(leaf)) => {
                // The other leaf must sit where the key's own path would end.
                if leaf.key_hash == key_hash
                    || common_prefix_bits(&leaf.key_hash, &key_hash) < depth
                {
                    return Err(ProofError::BadExclusion);
                }
            }
            (None, None) => {}
        }
        let start = self.leaf.as_ref().map_or(EMPTY_SUBTREE, ProofLeaf::hash);
        // Sibling i (bottom first) sits beside the path at bit `depth - 1 - i` of the key hash.
        let start = Hash32(start);
        let computed = self.siblings.iter().enumerate().fold(start, |node, (i, sibling)| {
            let sibling = sibling.unwrap_or(EMPTY_SUBTREE_HASH);
            if key_bit(&key_hash, depth - 1 - i) {
                internal_hash(&sibling, &node)
            } else {
                internal_hash(&node, &sibling)
            }
        });
        if computed == *root { Ok(()) } else { Err(ProofError::RootMismatch) }
    }
}

fn common_prefix_bits(a: &Hash32, b: &Hash32) -> usize {
    (0..256).take_while(|&i| key_bit(a, i) == key_bit(b, i)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(key: &[u8], value: &[u8]) -> ProofLeaf {
        ProofLeaf { key_hash: key_path(key), value_hash: sha256(value) }
    }

    #[test]
    fn single_leaf_tree() {
        // A tree holding one entry: its root is the leaf hash and the proof has no siblings.
        let l = leaf(b"k", b"v");
        let root = Hash32(l.hash());
        let proof = StateProof { leaf: Some(l), siblings: vec![] };
        assert_eq!(proof.verify(&root, b"k", Some(b"v")), Ok(()));
        assert_eq!(proof.verify(&root, b"k", Some(b"w")), Err(ProofError::ValueMismatch));
        assert_eq!(proof.verify(&root, b"j", Some(b"v")), Err(ProofError::KeyNotIncluded));
        assert_eq!(proof.verify(&root, b"j", None), Ok(()));
        assert_eq!(proof.verify(&root, b"k", None), Err(ProofError::BadExclusion));
    }

    #[test]
    fn key_paths_keep_runs_of_ids_together() {
        let id_key = |id: u64| [&[4u8][..], &id.to_be_bytes()].concat();
        let (a, b, c) = (key_path(&id_key(256)), key_path(&id_key(511)), key_path(&id_key(512)));
        // Same run: the first 32 bits agree, the id's low byte follows.
        assert_eq!(a.0[..4], b.0[..4]);
        assert_eq!((a.0[4], b.0[4]), (0, 255));
        assert_ne!(a, b);
        // Next run: elsewhere.
        assert_ne!(a.0[..4], c.0[..4]);
        assert_ne!(key_path(b""), key_path(&[0]));
    }

    #[test]
    fn two_leaf_tree() {
        // Two keys whose paths part at the first bit.
        let a = leaf(b"a", b"1");
        let other = (0u8..=255)
            .map(|i| [i, b'k'])
            .find(|k| key_bit(&key_path(k), 0) != key_bit(&a.key_hash, 0))
            .unwrap();
        let b = leaf(&other, b"2");
        let (left, right) = if key_bit(&a.key_hash, 0) { (b, a) } else { (a, b) };
        let root = internal_hash(&Hash32(left.hash()), &Hash32(right.hash()));
        let proof_a = StateProof { leaf: Some(a), siblings: vec![Some(Hash32(b.hash()))] };
        let proof_b = StateProof { leaf: Some(b), siblings: vec![Some(Hash32(a.hash()))] };
        assert_eq!(proof_b.verify(&root, &other, Some(b"2")), Ok(()));
        assert_eq!(proof_a.verify(&root, b"a", Some(b"1")), Ok(()));
        assert_eq!(
            proof_a.verify(&Hash32([1; 32]), b"a", Some(b"1")),
            Err(ProofError::RootMismatch)
        );
    }

    #[test]
    fn node_hashes_are_plain_sha256() {
        for seed in 0..50u8 {
            let (a, b) = (sha256(&[seed]), sha256(&[seed, 1]));
            assert_eq!(internal_hash(&a, &b), sha256_parts(&[INTERNAL_DOMAIN, &a.0, &b.0]));
            assert_eq!(leaf_hash(&a, &b), sha256_parts(&[LEAF_DOMAIN, &a.0, &b.0]));
        }
        // A domain too long for two blocks takes the streaming path, with the same result.
        let (a, b) = (sha256(b"a"), sha256(b"b"));
        let long = [7u8; 60];
        assert_eq!(sha256_two_blocks(&long, &a, &b), sha256_parts(&[&long, &a.0, &b.0]));
    }

    #[test]
    fn oversize_proof_is_rejected() {
        let proof = StateProof { leaf: None, siblings: vec![None; MAX_PROOF_SIBLINGS + 1] };
        assert_eq!(proof.verify(&Hash32::ZERO, b"k", None), Err(ProofError::TooDeep(257)));
    }
}
