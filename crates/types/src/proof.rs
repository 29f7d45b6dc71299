//! Inclusion and exclusion proofs against a state root, verifiable with SHA-256 alone.
//!
//! The market commits its state to a Jellyfish Merkle tree (the `jmt` crate): a 256-bit sparse
//! Merkle tree over `sha256(key)`, hashed as a binary tree. A proof is the leaf found on the
//! key's path (if any) and the sibling hashes from that leaf up to the root. Verification needs
//! nothing but this file, so the light client (wasm32, no jmt) checks the same proofs the
//! validators produce. The hashing matches jmt's:
//!
//! ```text
//! leaf     = sha256("JMT::LeafNode"    || sha256(key) || sha256(value))
//! internal = sha256("JMT::IntrnalNode" || left || right)
//! empty    = "SPARSE_MERKLE_PLACEHOLDER_HASH__"
//! ```

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::hash::{Hash32, sha256, sha256_parts};

/// Most siblings a proof can have: one per bit of the key hash.
pub const MAX_PROOF_SIBLINGS: usize = 256;

/// Largest encoded proof accepted by decoders.
pub const MAX_PROOF_BYTES: usize = 1 + 64 + 4 + MAX_PROOF_SIBLINGS * 33;

const LEAF_DOMAIN: &[u8] = b"JMT::LeafNode";
const INTERNAL_DOMAIN: &[u8] = b"JMT::IntrnalNode";
const EMPTY_SUBTREE: [u8; 32] = *b"SPARSE_MERKLE_PLACEHOLDER_HASH__";

/// The leaf a proof walks up from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct ProofLeaf {
    /// `sha256(key)` of the entry stored at the leaf.
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
        sha256_parts(&[LEAF_DOMAIN, &self.key_hash.0, &self.value_hash.0]).0
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
        let key_hash = sha256(key);
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
        let computed = self.siblings.iter().enumerate().fold(start, |node, (i, sibling)| {
            let sibling = sibling.map_or(EMPTY_SUBTREE, |h| h.0);
            if bit(&key_hash, depth - 1 - i) {
                sha256_parts(&[INTERNAL_DOMAIN, &sibling, &node]).0
            } else {
                sha256_parts(&[INTERNAL_DOMAIN, &node, &sibling]).0
            }
        });
        if computed == root.0 { Ok(()) } else { Err(ProofError::RootMismatch) }
    }
}

/// Bit `index` of a 256-bit hash, most significant bit of byte 0 first.
fn bit(hash: &Hash32, index: usize) -> bool {
    hash.0.get(index / 8).is_some_and(|byte| (byte >> (7 - index % 8)) & 1 == 1)
}

fn common_prefix_bits(a: &Hash32, b: &Hash32) -> usize {
    (0..256).take_while(|&i| bit(a, i) == bit(b, i)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(key: &[u8], value: &[u8]) -> ProofLeaf {
        ProofLeaf { key_hash: sha256(key), value_hash: sha256(value) }
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
    fn two_leaf_tree() {
        let (a, b) = (leaf(b"a", b"1"), leaf(b"b", b"2"));
        // Put them under one internal node ordered by their first bit (they must differ there
        // for a depth-1 tree; pick keys whose hashes do).
        let (left, right) = if bit(&a.key_hash, 0) { (b, a) } else { (a, b) };
        assert_ne!(bit(&left.key_hash, 0), bit(&right.key_hash, 0), "pick other keys");
        let root = Hash32(sha256_parts(&[INTERNAL_DOMAIN, &left.hash(), &right.hash()]).0);
        let proof_a = StateProof { leaf: Some(a), siblings: vec![Some(Hash32(b.hash()))] };
        assert_eq!(proof_a.verify(&root, b"a", Some(b"1")), Ok(()));
        assert_eq!(
            proof_a.verify(&Hash32([1; 32]), b"a", Some(b"1")),
            Err(ProofError::RootMismatch)
        );
    }

    #[test]
    fn oversize_proof_is_rejected() {
        let proof = StateProof { leaf: None, siblings: vec![None; MAX_PROOF_SIBLINGS + 1] };
        assert_eq!(proof.verify(&Hash32::ZERO, b"k", None), Err(ProofError::TooDeep(257)));
    }
}
