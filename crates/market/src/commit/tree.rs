//! The tree's nodes and how a batch of changes rewrites them.
//!
//! Nodes live in two slabs (internal nodes, leaves) and are named by [`Ref`]s. They are never
//! changed once written: a commit writes new nodes for the paths it changes and lists the nodes
//! those replace as *stale*, and [`Nodes::release`] recycles stale nodes once no retained
//! version reaches them. No reference counts, no allocation per node (a leaf's value is its
//! only one): a node costs one slot write when made and one index push when recycled, and the
//! tree stays compact in memory. Slabs never shrink; freed slots are reused.
//!
//! An internal node holds both children's hashes beside their refs, so rewriting a path reads
//! each node on it once and never visits the untouched siblings.

use rigshare_types::Hash32;
use rigshare_types::hash;
use rigshare_types::proof::{EMPTY_SUBTREE_HASH, internal_hash, key_bit, leaf_hash};

/// A node: empty, a leaf or an internal node, packed in 8 bytes (tag in the top bit, slot + 1
/// below it, 0 for empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ref(u64);

/// What a [`Ref`] names.
pub(super) enum Kind {
    Empty,
    Leaf(usize),
    Internal(usize),
}

impl Ref {
    const EMPTY: Ref = Ref(0);
    const LEAF_TAG: u64 = 1 << 63;

    fn leaf(slot: usize) -> Ref {
        Ref((slot as u64 + 1) | Ref::LEAF_TAG)
    }

    fn internal(slot: usize) -> Ref {
        Ref(slot as u64 + 1)
    }

    pub(super) fn kind(self) -> Kind {
        let slot = (self.0 & !Ref::LEAF_TAG).wrapping_sub(1) as usize;
        match self.0 {
            0 => Kind::Empty,
            tagged if tagged & Ref::LEAF_TAG != 0 => Kind::Leaf(slot),
            _ => Kind::Internal(slot),
        }
    }
}

/// A subtree as its parent sees it: its root and its hash.
#[derive(Clone, Copy, Debug)]
pub(super) struct Child {
    pub(super) hash: Hash32,
    pub(super) node: Ref,
}

impl Child {
    pub(super) const EMPTY: Child = Child { hash: EMPTY_SUBTREE_HASH, node: Ref::EMPTY };
}

/// A subtree with at least two entries, split on the key bit of its depth.
#[derive(Clone, Debug)]
pub(super) struct Internal {
    pub(super) left: Child,
    pub(super) right: Child,
}

/// The only entry in its subtree, wherever in the subtree its key lies.
#[derive(Debug)]
pub(super) struct Leaf {
    pub(super) path: Hash32,
    pub(super) value_hash: Hash32,
    pub(super) value: Box<[u8]>,
}

/// Slots of one node type with a free list.
#[derive(Debug)]
struct Slab<T> {
    slots: Vec<T>,
    free: Vec<usize>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { slots: Vec::new(), free: Vec::new() }
    }
}

// Slots are only ever named by refs this slab handed out and that are still reachable from a
// retained version, so an index out of range is a bug in this module, not bad input.
#[allow(clippy::indexing_slicing)]
impl<T> Slab<T> {
    fn get(&self, slot: usize) -> &T {
        &self.slots[slot]
    }

    fn put(&mut self, node: T) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = node;
                slot
            }
            None => {
                self.slots.push(node);
                self.slots.len() - 1
            }
        }
    }
}

/// One key's change in a commit: its new value, or `None` to delete it.
pub(super) struct Update {
    pub(super) path: Hash32,
    pub(super) value: Option<Box<[u8]>>,
}

/// Every node of every retained version.
#[derive(Debug, Default)]
pub(super) struct Nodes {
    internal: Slab<Internal>,
    leaves: Slab<Leaf>,
}

impl Nodes {
    pub(super) fn internal(&self, slot: usize) -> &Internal {
        self.internal.get(slot)
    }

    pub(super) fn leaf(&self, slot: usize) -> &Leaf {
        self.leaves.get(slot)
    }

    /// Recycles nodes no retained version reaches any more.
    pub(super) fn release(&mut self, stale: Vec<Ref>) {
        for node in stale {
            match node.kind() {
                Kind::Empty => {}
                Kind::Leaf(slot) => self.leaves.free.push(slot),
                Kind::Internal(slot) => self.internal.free.push(slot),
            }
        }
    }

    /// Nodes held, and how many of them are free for reuse.
    #[cfg(test)]
    pub(super) fn occupancy(&self) -> (usize, usize) {
        let held = self.internal.slots.len() + self.leaves.slots.len();
        (held, self.internal.free.len() + self.leaves.free.len())
    }

    /// `node` (the subtree at `depth`) with `updates` applied; the nodes it replaces are pushed
    /// to `stale`. `updates` are sorted by key hash, unique, and all lie in this subtree.
    pub(super) fn update(
        &mut self,
        node: Child,
        depth: usize,
        updates: &mut [Update],
        stale: &mut Vec<Ref>,
    ) -> Child {
        if updates.is_empty() {
            return node;
        }
        match node.node.kind() {
            Kind::Empty => self.build(depth, updates, Child::EMPTY),
            Kind::Leaf(slot) => {
                // An update of the leaf's own key replaces (or deletes) it; otherwise the leaf
                // stays, and moves down beside the new entries.
                let key = self.leaves.get(slot).path;
                if updates.binary_search_by_key(&key, |u| u.path).is_ok() {
                    stale.push(node.node);
                    self.build(depth, updates, Child::EMPTY)
                } else {
                    self.build(depth, updates, node)
                }
            }
            Kind::Internal(slot) => {
                stale.push(node.node);
                let Internal { left, right } = self.internal.get(slot).clone();
                let (low, high) = split(updates, depth);
                let left = self.update(left, depth + 1, low, stale);
                let right = self.update(right, depth + 1, high, stale);
                self.join(left, right)
            }
        }
    }

    /// The subtree at `depth` holding `kept` (empty, or an existing leaf none of `updates`
    /// touches) and the values `updates` write; their deletions have nothing left to delete.
    fn build(&mut self, depth: usize, updates: &mut [Update], kept: Child) -> Child {
        let writes = updates.iter().filter(|u| u.value.is_some()).count();
        let kept_key = match kept.node.kind() {
            Kind::Leaf(slot) => Some(self.leaves.get(slot).path),
            Kind::Empty | Kind::Internal(_) => None,
        };
        match (writes, kept_key) {
            (0, _) => kept,
            (1, None) => match updates.iter_mut().find_map(|u| Some((u.path, u.value.take()?))) {
                Some((path, value)) => self.new_leaf(path, value),
                None => Child::EMPTY,
            },
            (_, kept_key) => {
                let (low, high) = split(updates, depth);
                let kept_right = kept_key.is_some_and(|key| key_bit(&key, depth));
                let (kept_low, kept_high) =
                    if kept_right { (Child::EMPTY, kept) } else { (kept, Child::EMPTY) };
                let left = self.build(depth + 1, low, kept_low);
                let right = self.build(depth + 1, high, kept_high);
                self.join(left, right)
            }
        }
    }

    fn new_leaf(&mut self, path: Hash32, value: Box<[u8]>) -> Child {
        let value_hash = hash::sha256(&value);
        let hash = leaf_hash(&path, &value_hash);
        let slot = self.leaves.put(Leaf { path, value_hash, value });
        Child { hash, node: Ref::leaf(slot) }
    }

    /// The subtree whose halves are `left` and `right`. A lone leaf rises to stand for the
    /// whole subtree; a lone internal node (two or more entries) keeps an empty sibling.
    fn join(&mut self, left: Child, right: Child) -> Child {
        match (left.node.kind(), right.node.kind()) {
            (Kind::Empty, Kind::Empty) => Child::EMPTY,
            (Kind::Leaf(_), Kind::Empty) => left,
            (Kind::Empty, Kind::Leaf(_)) => right,
            _ => {
                let hash = internal_hash(&left.hash, &right.hash);
                let slot = self.internal.put(Internal { left, right });
                Child { hash, node: Ref::internal(slot) }
            }
        }
    }
}

/// `updates` split by the key bit at `depth`: left (0) then right (1).
fn split(updates: &mut [Update], depth: usize) -> (&mut [Update], &mut [Update]) {
    let at = updates.partition_point(|u| !key_bit(&u.path, depth));
    updates.split_at_mut(at)
}
