//! The pure hashing behind output roots: leaves, nodes and the tree (no I/O).
//!
//! Kept free of the file system so the same functions can move to a crate the light client
//! builds for `wasm32-unknown-unknown`.

use rigshare_types::Hash32;

/// Domain tag hashed before each leaf.
pub const LEAF_DOMAIN: &[u8] = b"rigshare/output/v1";
/// Domain tag hashed before each interior node.
pub const NODE_DOMAIN: &[u8] = b"rigshare/output/node/v1";
/// Domain tag whose BLAKE3 is the root of an empty output set.
pub const EMPTY_DOMAIN: &[u8] = b"rigshare/output/empty/v1";

/// The leaf of one output file: `BLAKE3(LEAF_DOMAIN || u32_le(len(path)) || path ||
/// content_hash)`, where `path` is the UTF-8 relative path with `/` separators.
///
/// Paths longer than `u32::MAX` bytes cannot occur: [`super::OutputLimits`] caps them far lower.
pub fn leaf_hash(path: &str, content_hash: &Hash32) -> Hash32 {
    let len = u32::try_from(path.len()).unwrap_or(u32::MAX);
    let mut hasher = blake3::Hasher::new();
    hasher.update(LEAF_DOMAIN);
    hasher.update(&len.to_le_bytes());
    hasher.update(path.as_bytes());
    hasher.update(content_hash.as_bytes());
    Hash32(*hasher.finalize().as_bytes())
}

/// An interior node: `BLAKE3(NODE_DOMAIN || left || right)`.
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(NODE_DOMAIN);
    hasher.update(left.as_bytes());
    hasher.update(right.as_bytes());
    Hash32(*hasher.finalize().as_bytes())
}

/// The root of an empty output set: `BLAKE3(EMPTY_DOMAIN)`.
pub fn empty_root() -> Hash32 {
    Hash32(*blake3::hash(EMPTY_DOMAIN).as_bytes())
}

/// The Merkle root over `leaves` in the given order.
///
/// Each level pairs neighbours left to right with [`node_hash`]; an odd last node moves up
/// unchanged. This is the left-complete tree of RFC 6962 §2.1 (with our leaf and node hashes).
/// One leaf is its own root; no leaves give [`empty_root`].
pub fn root_of_leaves(leaves: &[Hash32]) -> Hash32 {
    let mut level: Vec<Hash32> = leaves.to_vec();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut nodes = level.iter();
        while let Some(left) = nodes.next() {
            next.push(match nodes.next() {
                Some(right) => node_hash(left, right),
                None => *left,
            });
        }
        level = next;
    }
    level.first().copied().unwrap_or_else(empty_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(byte: u8) -> Hash32 {
        Hash32([byte; 32])
    }

    #[test]
    fn shapes_match_rfc6962() {
        let l: Vec<Hash32> = (0..7).map(h).collect();
        assert_eq!(root_of_leaves(&[]), empty_root());
        assert_eq!(root_of_leaves(&l[..1]), l[0]);
        let n01 = node_hash(&l[0], &l[1]);
        let n23 = node_hash(&l[2], &l[3]);
        assert_eq!(root_of_leaves(&l[..3]), node_hash(&n01, &l[2]));
        assert_eq!(root_of_leaves(&l[..4]), node_hash(&n01, &n23));
        let n0123 = node_hash(&n01, &n23);
        let n456 = node_hash(&node_hash(&l[4], &l[5]), &l[6]);
        assert_eq!(root_of_leaves(&l), node_hash(&n0123, &n456));
    }

    #[test]
    fn leaf_binds_path_length() {
        // Moving a byte between the path and the content hash must change the leaf.
        let content = h(7);
        assert_ne!(leaf_hash("ab", &content), leaf_hash("a", &content));
        assert_ne!(leaf_hash("a", &content), node_hash(&content, &content));
    }

    #[test]
    fn pinned_vectors() {
        // Pinned so the CLI and the light client can check their own implementation.
        let content = Hash32(*blake3::hash(b"hello\n").as_bytes());
        let leaf = leaf_hash("result.txt", &content);
        let root = root_of_leaves(&[leaf, leaf_hash("z/b.bin", &Hash32::ZERO)]);
        assert_eq!(empty_root().to_string(), hex(blake3::hash(EMPTY_DOMAIN).as_bytes()));
        assert_eq!(leaf.to_string(), PINNED_LEAF);
        assert_eq!(root.to_string(), PINNED_ROOT);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    const PINNED_LEAF: &str = "9728d5788152e49cd715e87258fb2fbdb7665bd062f828293d598a071d820983";
    const PINNED_ROOT: &str = "61fa10f91e5ed88ea80594b952afb9faa95968ac0b98034f4cd6020585e2f340";
}
