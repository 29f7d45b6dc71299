//! The state commitment: a Jellyfish Merkle tree (the `jmt` crate) over the encoded state
//! entries, one tree version per block height, kept in memory with a bounded history.
//!
//! Proofs are converted to [`StateProof`], which `rigshare-types` verifies with SHA-256 alone.

use std::collections::{BTreeMap, HashMap};

use borsh::BorshDeserialize;
use jmt::storage::{LeafNode, Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{JellyfishMerkleTree, KeyHash, OwnedValue, Version};
use rigshare_types::proof::{ProofLeaf, StateProof};
use rigshare_types::{Hash32, codec, hash};
use sha2::Sha256;

/// Versions (heights) whose proofs stay available by default.
pub const DEFAULT_RETAINED_VERSIONS: u64 = 1_024;

/// Why a proof could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    /// The height is in the future or has been pruned.
    #[error("no state is retained for height {height} (retained: {oldest}..={latest})")]
    NotRetained {
        /// Requested height.
        height: u64,
        /// Oldest retained height.
        oldest: u64,
        /// Latest height.
        latest: u64,
    },
    /// The tree failed internally (a bug, not bad input).
    #[error("state tree error: {0}")]
    Tree(String),
}

/// Tree nodes and values for the retained versions.
///
/// Nodes and value histories are looked up by key only, never iterated, so hash maps are safe
/// here: the root depends on the tree's contents, not on how this store orders them.
#[derive(Default, Debug)]
pub(crate) struct Commitment {
    nodes: HashMap<NodeKey, Node>,
    /// Value history per key: version → value (`None` = deleted).
    values: HashMap<KeyHash, BTreeMap<Version, Option<OwnedValue>>>,
    /// Nodes superseded at a version, removable once that version leaves the window.
    stale: BTreeMap<Version, Vec<NodeKey>>,
    roots: BTreeMap<Version, Hash32>,
    retained: u64,
}

impl Commitment {
    pub(crate) fn new(retained: u64) -> Self {
        Commitment { retained: retained.max(1), ..Default::default() }
    }

    /// Writes version `version` from the changed `(key bytes, encoded value)` pairs.
    pub(crate) fn commit(
        &mut self,
        version: Version,
        changes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> Result<Hash32, String> {
        let updates = changes.into_iter().map(|(key, value)| (key_hash(&key), value));
        let tree = JellyfishMerkleTree::<_, Sha256>::new(&*self);
        let (root, batch) = tree.put_value_set(updates, version).map_err(|e| e.to_string())?;
        let written: Vec<KeyHash> = batch.node_batch.values().keys().map(|(_, key)| *key).collect();
        self.apply(batch);
        let root = Hash32(root.0);
        self.roots.insert(version, root);
        self.prune(version, &written);
        Ok(root)
    }

    fn apply(&mut self, batch: TreeUpdateBatch) {
        for ((version, key), value) in batch.node_batch.values() {
            self.values.entry(*key).or_default().insert(*version, value.clone());
        }
        for (key, node) in batch.node_batch.nodes() {
            self.nodes.insert(key.clone(), node.clone());
        }
        for stale in batch.stale_node_index_batch {
            self.stale.entry(stale.stale_since_version).or_default().push(stale.node_key);
        }
    }

    /// Drops what only versions older than the retention window need. `written` are the keys
    /// written at `latest`: only their histories can have gained an entry to prune.
    fn prune(&mut self, latest: Version, written: &[KeyHash]) {
        let Some(horizon) = latest.checked_sub(self.retained) else { return };
        // Versions after `horizon` stay. A node that became stale at version v belongs to
        // versions before v only, so it can go once v <= horizon + 1.
        let keep = self.stale.split_off(&(horizon + 2));
        for keys in std::mem::replace(&mut self.stale, keep).into_values() {
            for key in keys {
                self.nodes.remove(&key);
            }
        }
        self.roots = self.roots.split_off(&(horizon + 1));
        for key in written {
            let Some(history) = self.values.get_mut(key) else { continue };
            // Keep the newest entry at or before the horizon (it is the value at `horizon + 1`).
            if let Some(&floor) = history.range(..=horizon + 1).next_back().map(|(v, _)| v) {
                *history = history.split_off(&floor);
            }
        }
    }

    pub(crate) fn root(&self, version: Version) -> Option<Hash32> {
        self.roots.get(&version).copied()
    }

    fn window(&self) -> (u64, u64) {
        let oldest = self.roots.keys().next().copied().unwrap_or(0);
        let latest = self.roots.keys().next_back().copied().unwrap_or(0);
        (oldest, latest)
    }

    /// The value of `key` at `version` and a proof of it (or of its absence).
    pub(crate) fn prove(
        &self,
        key: &[u8],
        version: Version,
    ) -> Result<(Option<Vec<u8>>, StateProof), ProveError> {
        if !self.roots.contains_key(&version) {
            let (oldest, latest) = self.window();
            return Err(ProveError::NotRetained { height: version, oldest, latest });
        }
        let tree = JellyfishMerkleTree::<_, Sha256>::new(self);
        let (value, proof) = tree
            .get_with_proof(key_hash(key), version)
            .map_err(|e| ProveError::Tree(e.to_string()))?;
        Ok((value, to_state_proof(&proof)?))
    }
}

fn key_hash(key: &[u8]) -> KeyHash {
    KeyHash(hash::sha256(key).0)
}

impl TreeReader for Commitment {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        Ok(self.nodes.get(node_key).cloned())
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        Ok(self
            .values
            .get(&key_hash)
            .and_then(|history| history.range(..=max_version).next_back())
            .and_then(|(_, value)| value.clone()))
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only jmt's tree restoration asks for this, and rigshare never restores that way.
        Err(anyhow::anyhow!("rightmost-leaf lookup is not supported"))
    }
}

/// jmt's proof as borsh encodes it; decoded here to read the sibling nodes jmt keeps private.
#[derive(BorshDeserialize)]
struct JmtProof {
    leaf: Option<JmtLeaf>,
    siblings: Vec<JmtNode>,
}

#[derive(BorshDeserialize)]
struct JmtLeaf {
    key_hash: [u8; 32],
    value_hash: [u8; 32],
}

#[derive(BorshDeserialize)]
enum JmtNode {
    Null,
    Internal { left: [u8; 32], right: [u8; 32] },
    Leaf(JmtLeaf),
}

const INTERNAL_DOMAIN: &[u8] = b"JMT::IntrnalNode";
const LEAF_DOMAIN: &[u8] = b"JMT::LeafNode";

fn to_state_proof(proof: &jmt::proof::SparseMerkleProof<Sha256>) -> Result<StateProof, ProveError> {
    let bytes = borsh::to_vec(proof).map_err(|e| ProveError::Tree(e.to_string()))?;
    let raw: JmtProof =
        codec::decode(&bytes, usize::MAX).map_err(|e| ProveError::Tree(e.to_string()))?;
    let siblings = raw
        .siblings
        .iter()
        .map(|node| match node {
            JmtNode::Null => None,
            JmtNode::Internal { left, right } => {
                Some(hash::sha256_parts(&[INTERNAL_DOMAIN, left, right]))
            }
            JmtNode::Leaf(leaf) => {
                Some(hash::sha256_parts(&[LEAF_DOMAIN, &leaf.key_hash, &leaf.value_hash]))
            }
        })
        .collect();
    let leaf = raw
        .leaf
        .map(|l| ProofLeaf { key_hash: Hash32(l.key_hash), value_hash: Hash32(l.value_hash) });
    Ok(StateProof { leaf, siblings })
}

#[cfg(test)]
mod tests {
    use jmt::proof::SparseMerkleProof;

    use super::*;

    /// Our proof conversion and verifier agree with jmt's own verifier, for present and absent
    /// keys, across tree shapes.
    #[test]
    fn state_proofs_agree_with_jmt() {
        let mut commitment = Commitment::new(8);
        for version in 0..4u64 {
            let changes = (0..50u64)
                .map(|i| {
                    let key = (i * 7 + version).to_be_bytes().to_vec();
                    (key, (i % 5 != 0).then(|| vec![version as u8; 1 + i as usize % 40]))
                })
                .collect();
            let root = commitment.commit(version, changes).unwrap();
            for probe in 0..80u64 {
                let key = probe.to_be_bytes();
                let tree = JellyfishMerkleTree::<_, Sha256>::new(&commitment);
                let (value, jmt_proof): (_, SparseMerkleProof<Sha256>) =
                    tree.get_with_proof(key_hash(&key), version).unwrap();
                jmt_proof.verify(jmt::RootHash(root.0), key_hash(&key), value.as_ref()).unwrap();
                let (ours_value, ours) = commitment.prove(&key, version).unwrap();
                assert_eq!(ours_value, value);
                assert_eq!(ours.verify(&root, &key, value.as_deref()), Ok(()));
            }
        }
    }

    #[test]
    fn root_is_independent_of_history() {
        // Same final contents reached by different update histories give the same root.
        let mut a = Commitment::new(4);
        a.commit(
            0,
            vec![(b"x".to_vec(), Some(b"1".to_vec())), (b"y".to_vec(), Some(b"2".to_vec()))],
        )
        .unwrap();
        let ra = a.commit(1, vec![(b"x".to_vec(), Some(b"3".to_vec()))]).unwrap();
        let mut b = Commitment::new(4);
        b.commit(0, vec![(b"z".to_vec(), Some(b"9".to_vec()))]).unwrap();
        let rb = b
            .commit(
                1,
                vec![
                    (b"z".to_vec(), None),
                    (b"y".to_vec(), Some(b"2".to_vec())),
                    (b"x".to_vec(), Some(b"3".to_vec())),
                ],
            )
            .unwrap();
        assert_eq!(ra, rb);
    }
}
