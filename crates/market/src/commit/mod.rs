//! The state commitment: a binary sparse Merkle tree with each key at its
//! [`rigshare_types::proof::key_path`], one version per block height, with a bounded history of
//! versions kept for proofs.
//!
//! The tree hashes as `rigshare_types::proof` defines, which is how the Jellyfish Merkle tree of
//! the `jmt` crate hashes: given the same paths its roots are jmt's roots, and its proofs are
//! the ones the light client's [`StateProof`] verifier checks. The tests hold it to jmt as the
//! reference. It is our own structure because jmt cost about 28 µs per changed entry here
//! (55 ms to commit a block of 1,000 transactions), far from the market's throughput target;
//! this tree does one SHA-256 per node it writes, and its nodes sit in slabs instead of one
//! allocation each (see [`tree`]).
//!
//! Versions share every node they have in common. A commit writes only the paths to the keys
//! that changed; the nodes it replaces are recycled once the oldest retained version is newer
//! than the commit. Leaves keep their encoded value, so a proof at any retained height comes
//! with the value it proves.

mod tree;

use std::collections::BTreeMap;

use rigshare_types::Hash32;
use rigshare_types::proof::{ProofLeaf, StateProof, key_bit};
use tree::{Child, Kind, Nodes, Ref, Update};

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
}

/// One retained version.
#[derive(Debug)]
struct Version {
    root: Child,
    /// Nodes of older versions this one replaced: free once no older version is retained.
    stale: Vec<Ref>,
}

/// The retained versions of the tree.
#[derive(Debug)]
pub(crate) struct Commitment {
    nodes: Nodes,
    /// At most `retained` versions, the newest.
    versions: BTreeMap<u64, Version>,
    retained: u64,
}

impl Commitment {
    pub(crate) fn new(retained: u64) -> Self {
        Commitment { nodes: Nodes::default(), versions: BTreeMap::new(), retained: retained.max(1) }
    }

    /// Writes `version`: the newest version so far with the changed `(key path, encoded
    /// value)` pairs applied (`None` deletes; a key listed twice takes its last value). Paths
    /// are [`rigshare_types::proof::key_path`]s of the keys. `version` is newer than every
    /// retained one, or equal to the newest to replace it. Then drops the versions that fall
    /// out of the retention window.
    pub(crate) fn commit(
        &mut self,
        version: u64,
        changes: Vec<(Hash32, Option<Vec<u8>>)>,
    ) -> Hash32 {
        let mut updates: Vec<Update> = changes
            .into_iter()
            .map(|(path, value)| Update { path, value: value.map(Vec::into_boxed_slice) })
            .collect();
        // Stable sort, then keep the last of each key's updates.
        updates.sort_by_key(|update| update.path);
        updates.dedup_by(|later, earlier| {
            let same = later.path == earlier.path;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let base = self.versions.last_key_value().map_or(Child::EMPTY, |(_, v)| v.root);
        let mut stale = Vec::new();
        let root = self.nodes.update(base, 0, &mut updates, &mut stale);
        if let Some(replaced) = self.versions.remove(&version) {
            // Its own nodes stay listed until recycled with what it replaced (no older
            // version reaches them, so this only delays their reuse).
            stale.extend(replaced.stale);
        }
        self.versions.insert(version, Version { root, stale });
        while self.versions.len() as u64 > self.retained {
            self.versions.pop_first();
            if let Some(mut oldest) = self.versions.first_entry() {
                let stale = std::mem::take(&mut oldest.get_mut().stale);
                self.nodes.release(stale);
            }
        }
        root.hash
    }

    pub(crate) fn root(&self, version: u64) -> Option<Hash32> {
        self.versions.get(&version).map(|v| v.root.hash)
    }

    /// The value at `path` (a key's [`rigshare_types::proof::key_path`]) at `version`, and a
    /// proof of it (or of its absence).
    pub(crate) fn prove(
        &self,
        path: &Hash32,
        version: u64,
    ) -> Result<(Option<Vec<u8>>, StateProof), ProveError> {
        let Some(Version { root, .. }) = self.versions.get(&version) else {
            let oldest = self.versions.keys().next().copied().unwrap_or(0);
            let latest = self.versions.keys().next_back().copied().unwrap_or(0);
            return Err(ProveError::NotRetained { height: version, oldest, latest });
        };
        let mut siblings = Vec::new();
        let mut node = root.node;
        let leaf = loop {
            match node.kind() {
                Kind::Empty => break None,
                Kind::Leaf(slot) => break Some(self.nodes.leaf(slot)),
                Kind::Internal(slot) => {
                    let internal = self.nodes.internal(slot);
                    let (next, sibling) = if key_bit(path, siblings.len()) {
                        (&internal.right, &internal.left)
                    } else {
                        (&internal.left, &internal.right)
                    };
                    let sibling_empty = matches!(sibling.node.kind(), Kind::Empty);
                    siblings.push((!sibling_empty).then_some(sibling.hash));
                    node = next.node;
                }
            }
        };
        siblings.reverse();
        let value = leaf.filter(|l| l.path == *path).map(|l| l.value.to_vec());
        let leaf = leaf.map(|l| ProofLeaf { key_hash: l.path, value_hash: l.value_hash });
        Ok((value, StateProof { leaf, siblings }))
    }

    /// Nodes held, and how many of them are free for reuse.
    #[cfg(test)]
    fn occupancy(&self) -> (usize, usize) {
        self.nodes.occupancy()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use borsh::BorshDeserialize;
    use jmt::JellyfishMerkleTree;
    use jmt::mock::MockTreeStore;
    use proptest::prelude::*;
    use rigshare_types::codec;
    use rigshare_types::proof::{EMPTY_SUBTREE_HASH, internal_hash, key_path, leaf_hash};
    use sha2::Sha256;

    use super::*;

    /// jmt's proof as borsh encodes it, decoded to read the sibling nodes jmt keeps private.
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

    fn from_jmt(proof: &jmt::proof::SparseMerkleProof<Sha256>) -> StateProof {
        let raw: JmtProof = codec::decode(&borsh::to_vec(proof).unwrap(), usize::MAX).unwrap();
        let siblings = raw
            .siblings
            .iter()
            .map(|node| match node {
                JmtNode::Null => None,
                JmtNode::Internal { left, right } => {
                    Some(internal_hash(&Hash32(*left), &Hash32(*right)))
                }
                JmtNode::Leaf(l) => Some(leaf_hash(&Hash32(l.key_hash), &Hash32(l.value_hash))),
            })
            .collect();
        let leaf = raw
            .leaf
            .map(|l| ProofLeaf { key_hash: Hash32(l.key_hash), value_hash: Hash32(l.value_hash) });
        StateProof { leaf, siblings }
    }

    /// Our tree and jmt, fed the same versions, side by side.
    struct Pair {
        ours: Commitment,
        jmt: MockTreeStore,
        version: u64,
    }

    impl Pair {
        fn new() -> Pair {
            Pair::retaining(u64::MAX)
        }

        fn retaining(retained: u64) -> Pair {
            Pair { ours: Commitment::new(retained), jmt: MockTreeStore::default(), version: 0 }
        }

        fn commit(&mut self, changes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Hash32 {
            let ours = self.ours.commit_keys(self.version, changes.clone());
            let updates = changes.into_iter().map(|(k, v)| (jmt::KeyHash(key_path(&k).0), v));
            // jmt takes one value per key: the last, as ours does.
            let updates: BTreeMap<_, _> = updates.collect();
            let tree = JellyfishMerkleTree::<_, Sha256>::new(&self.jmt);
            let (root, batch) = tree.put_value_set(updates, self.version).unwrap();
            self.jmt.write_tree_update_batch(batch).unwrap();
            assert_eq!(ours, Hash32(root.0), "root differs from jmt's at version {}", self.version);
            self.version += 1;
            ours
        }

        /// Proofs at `version` for `keys` agree with jmt's and verify.
        fn check_proofs(&self, version: u64, keys: impl Iterator<Item = Vec<u8>>) {
            let root = self.ours.root(version).unwrap();
            let tree = JellyfishMerkleTree::<_, Sha256>::new(&self.jmt);
            for key in keys {
                let (value, proof) = self.ours.prove_key(&key, version).unwrap();
                let (jmt_value, jmt_proof) =
                    tree.get_with_proof(jmt::KeyHash(key_path(&key).0), version).unwrap();
                assert_eq!(value, jmt_value);
                assert_eq!(proof, from_jmt(&jmt_proof));
                assert_eq!(proof.verify(&root, &key, value.as_deref()), Ok(()));
            }
        }
    }

    /// The tree addressed by key bytes, as the state addresses it by `StateKey`s.
    trait ByKey {
        fn commit_keys(&mut self, version: u64, changes: Vec<(Vec<u8>, Option<Vec<u8>>)>)
        -> Hash32;
        fn prove_key(
            &self,
            key: &[u8],
            version: u64,
        ) -> Result<(Option<Vec<u8>>, StateProof), ProveError>;
    }

    impl ByKey for Commitment {
        fn commit_keys(
            &mut self,
            version: u64,
            changes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
        ) -> Hash32 {
            self.commit(version, changes.into_iter().map(|(k, v)| (key_path(&k), v)).collect())
        }

        fn prove_key(
            &self,
            key: &[u8],
            version: u64,
        ) -> Result<(Option<Vec<u8>>, StateProof), ProveError> {
            self.prove(&key_path(key), version)
        }
    }

    fn key(i: u16) -> Vec<u8> {
        format!("key-{i}").into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Over random histories of inserts, overwrites and deletions (of present and absent
        /// keys, some listed twice in one commit), every root equals jmt's, and every proof at
        /// every retained version equals jmt's and verifies, with the nodes of versions that
        /// left the window recycled in between.
        #[test]
        fn agrees_with_jmt(
            history in prop::collection::vec(
                prop::collection::vec((0u16..300, prop::option::weighted(0.7, 0u8..4)), 0..80),
                1..12,
            )
        ) {
            const RETAINED: u64 = 3;
            let mut pair = Pair::retaining(RETAINED);
            for changes in &history {
                let changes = changes
                    .iter()
                    .map(|(k, v)| (key(*k), v.map(|v| vec![v; 1 + *k as usize % 50])))
                    .collect();
                pair.commit(changes);
            }
            for version in pair.version.saturating_sub(RETAINED)..pair.version {
                pair.check_proofs(version, (0..300).step_by(7).map(key));
            }
        }
    }

    #[test]
    fn empty_and_emptied_trees_have_the_placeholder_root() {
        let mut pair = Pair::new();
        assert_eq!(pair.commit(vec![]), EMPTY_SUBTREE_HASH);
        pair.commit(vec![(key(1), Some(b"a".to_vec())), (key(2), Some(b"b".to_vec()))]);
        let emptied = pair.commit(vec![(key(1), None), (key(2), None), (key(3), None)]);
        assert_eq!(emptied, EMPTY_SUBTREE_HASH);
        pair.check_proofs(2, (0..5).map(key));
    }

    #[test]
    fn root_is_independent_of_history() {
        let mut a = Commitment::new(4);
        a.commit_keys(
            0,
            vec![(b"x".to_vec(), Some(b"1".to_vec())), (b"y".to_vec(), Some(b"2".to_vec()))],
        );
        let ra = a.commit_keys(1, vec![(b"x".to_vec(), Some(b"3".to_vec()))]);
        let mut b = Commitment::new(4);
        b.commit_keys(0, vec![(b"z".to_vec(), Some(b"9".to_vec()))]);
        let rb = b.commit_keys(
            1,
            vec![
                (b"z".to_vec(), None),
                (b"y".to_vec(), Some(b"2".to_vec())),
                (b"x".to_vec(), Some(b"3".to_vec())),
            ],
        );
        assert_eq!(ra, rb);
    }

    #[test]
    fn old_versions_are_dropped_past_the_window() {
        let mut tree = Commitment::new(3);
        for version in 0..10u64 {
            tree.commit_keys(version, vec![(key(version as u16), Some(vec![1]))]);
        }
        assert!(tree.root(6).is_none());
        assert!(tree.root(7).is_some());
        assert_eq!(
            tree.prove_key(&key(1), 2),
            Err(ProveError::NotRetained { height: 2, oldest: 7, latest: 9 })
        );
        // A retained old version still proves what it held then.
        let (value, proof) = tree.prove_key(&key(8), 7).unwrap();
        assert_eq!(value, None);
        assert_eq!(proof.verify(&tree.root(7).unwrap(), &key(8), None), Ok(()));
    }

    /// Rewriting the same keys forever holds a bounded number of nodes: what versions replace
    /// is recycled once they leave the window.
    #[test]
    fn replaced_nodes_are_recycled() {
        let mut tree = Commitment::new(4);
        let held_after = |tree: &mut Commitment, from: u64| {
            for version in from..from + 50 {
                let changes =
                    (0..64u16).map(|k| (key(k), Some(version.to_be_bytes().to_vec()))).collect();
                tree.commit_keys(version, changes);
            }
            tree.occupancy()
        };
        let (held, _) = held_after(&mut tree, 0);
        let (held_later, free) = held_after(&mut tree, 50);
        assert_eq!(held, held_later, "the slabs grew although the live tree did not");
        assert!(free > 0);
        // And the recycled slots did not corrupt any retained version.
        for version in 96..100 {
            let root = tree.root(version).unwrap();
            let (value, proof) = tree.prove_key(&key(3), version).unwrap();
            assert_eq!(value, Some(version.to_be_bytes().to_vec()));
            assert_eq!(proof.verify(&root, &key(3), value.as_deref()), Ok(()));
        }
    }

    #[test]
    fn recommitting_a_version_replaces_it() {
        let mut pair = Pair::new();
        pair.commit(vec![(key(1), Some(b"a".to_vec()))]);
        let first = pair.ours.commit_keys(1, vec![(key(2), Some(b"b".to_vec()))]);
        let again = pair.ours.commit_keys(1, vec![(key(2), Some(b"c".to_vec()))]);
        assert_ne!(first, again);
        let (value, proof) = pair.ours.prove_key(&key(2), 1).unwrap();
        assert_eq!(value, Some(b"c".to_vec()));
        assert_eq!(proof.verify(&again, &key(2), Some(b"c")), Ok(()));
        // The replacement builds on the replaced version: key 1 is still there.
        assert_eq!(pair.ours.prove_key(&key(1), 1).unwrap().0, Some(b"a".to_vec()));
    }
}
