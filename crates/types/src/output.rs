//! Output roots: the Merkle root over a job's output files that a receipt commits to.
//!
//! The provider's runtime computes it over the job's output directory, the CLI recomputes it
//! over downloaded results, and the light client checks a listing and each downloaded file
//! against a receipt's root with [`check_listing`] and [`check_file`] — no file system needed,
//! so this builds for `wasm32-unknown-unknown` too. It is specified here byte for byte.
//!
//! # Definition
//!
//! 1. **Files.** Walk the output directory recursively. Every regular file is an output; empty
//!    directories contribute nothing. A symbolic link anywhere below the directory, or any other
//!    kind of entry (FIFO, socket, device), is an error: the root covers exactly the bytes inside
//!    the directory and nothing a link could point at. (The directory itself may be reached
//!    through a link.)
//! 2. **Paths.** Each file is named by its path relative to the directory, components joined by
//!    `/`, with no leading `/` or `./`, e.g. `model.bin`, `logs/epoch-1.json`. Every component must
//!    be valid UTF-8; the path is hashed as its UTF-8 bytes.
//! 3. **Order.** Files are sorted by the bytes of their path (so `a/b` sorts before `a0`, since
//!    `/` is 0x2F and `0` is 0x30).
//! 4. **Leaves.** For each file, `leaf = BLAKE3("rigshare/output/v1" || u32_le(len(path)) || path
//!    || BLAKE3(contents))`, where `len(path)` is the path's length in bytes as a 4-byte
//!    little-endian integer and the domain tag is those 18 ASCII bytes with no terminator.
//! 5. **Tree.** Pair neighbouring leaves left to right, `node = BLAKE3("rigshare/output/node/v1" ||
//!    left || right)`; an odd last node moves up a level unchanged; repeat until one hash is
//!    left. This is the left-complete tree of RFC 6962 §2.1. One file: the root is its leaf. No
//!    files: the root is `BLAKE3("rigshare/output/empty/v1")`.
//!

use crate::Hash32;
use crate::hash::blake3;

/// Domain tag hashed before each leaf.
pub const LEAF_DOMAIN: &[u8] = b"rigshare/output/v1";
/// Domain tag hashed before each interior node.
pub const NODE_DOMAIN: &[u8] = b"rigshare/output/node/v1";
/// Domain tag whose BLAKE3 is the root of an empty output set.
pub const EMPTY_DOMAIN: &[u8] = b"rigshare/output/empty/v1";

/// The leaf of one output file: `BLAKE3(LEAF_DOMAIN || u32_le(len(path)) || path ||
/// content_hash)`, where `path` is the UTF-8 relative path with `/` separators.
///
/// Paths longer than `u32::MAX` bytes cannot occur: the runtime's output scan caps them far lower.
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
    blake3(EMPTY_DOMAIN)
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

/// One output file as it enters the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Length in bytes.
    pub size: u64,
    /// BLAKE3 of the contents.
    pub content_hash: Hash32,
}

impl OutputFile {
    /// This file's Merkle leaf.
    pub fn leaf(&self) -> Hash32 {
        leaf_hash(&self.path, &self.content_hash)
    }
}

/// The root over `files` in the given order (the definition's order is sorted by path, with no
/// duplicates; [`check_listing`] enforces it).
pub fn root_of(files: &[OutputFile]) -> Hash32 {
    let leaves: Vec<Hash32> = files.iter().map(OutputFile::leaf).collect();
    root_of_leaves(&leaves)
}

/// Why a listing or a downloaded file does not match an output root.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutputMismatch {
    /// The listing is not sorted by path, or names a path twice.
    #[error("the listing is not sorted by path without repeats (at {path:?})")]
    Unsorted {
        /// The first path out of order.
        path: String,
    },
    /// The listed files make a different root than the one expected.
    #[error("the listed files make root {actual}, not the expected {expected}")]
    Root {
        /// The root the caller trusts (a receipt's).
        expected: Hash32,
        /// The root the listing makes.
        actual: Hash32,
    },
    /// The file is not in the listing.
    #[error("{path:?} is not one of the outputs")]
    NotListed {
        /// The path asked for.
        path: String,
    },
    /// The file's bytes are not the listed ones.
    #[error("{path:?} does not match its listed size and hash")]
    Contents {
        /// The file's path.
        path: String,
    },
}

/// Checks that `files` is a well-formed listing (sorted by path, no repeats) whose root is
/// `expected`, e.g. a receipt's output root: afterwards each listed hash is as trustworthy as
/// the receipt.
pub fn check_listing(files: &[OutputFile], expected: &Hash32) -> Result<(), OutputMismatch> {
    for pair in files.windows(2) {
        if let [a, b] = pair
            && a.path.as_bytes() >= b.path.as_bytes()
        {
            return Err(OutputMismatch::Unsorted { path: b.path.clone() });
        }
    }
    let actual = root_of(files);
    if actual != *expected {
        return Err(OutputMismatch::Root { expected: *expected, actual });
    }
    Ok(())
}

/// Checks one downloaded file against a receipt's output root: `files` must be a listing with
/// root `expected` ([`check_listing`]), and `contents` the bytes it lists at `path`.
pub fn check_file(
    files: &[OutputFile],
    expected: &Hash32,
    path: &str,
    contents: &[u8],
) -> Result<(), OutputMismatch> {
    check_listing(files, expected)?;
    let file = files
        .iter()
        .find(|f| f.path == path)
        .ok_or_else(|| OutputMismatch::NotListed { path: path.to_owned() })?;
    if file.size != contents.len() as u64 || file.content_hash != blake3(contents) {
        return Err(OutputMismatch::Contents { path: path.to_owned() });
    }
    Ok(())
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

    fn listing() -> Vec<OutputFile> {
        ["a/b.txt", "a0.txt", "model.bin"]
            .iter()
            .map(|path| OutputFile {
                path: (*path).to_owned(),
                size: path.len() as u64,
                content_hash: blake3(path.as_bytes()),
            })
            .collect()
    }

    #[test]
    fn one_file_checks_against_the_root() {
        let files = listing();
        let root = root_of(&files);
        assert_eq!(check_file(&files, &root, "a0.txt", b"a0.txt"), Ok(()));
        assert_eq!(
            check_file(&files, &root, "a0.txt", b"a0.txT"),
            Err(OutputMismatch::Contents { path: "a0.txt".into() })
        );
        assert_eq!(
            check_file(&files, &root, "a1.txt", b"a1.txt"),
            Err(OutputMismatch::NotListed { path: "a1.txt".into() })
        );
    }

    #[test]
    fn a_listing_must_make_the_root_in_order() {
        let files = listing();
        let root = root_of(&files);
        // A provider that swaps a file's hash must also change the root, which the receipt pins.
        let mut forged = files.clone();
        forged[2].content_hash = blake3(b"something else");
        assert!(matches!(check_listing(&forged, &root), Err(OutputMismatch::Root { .. })));
        // Reordered or repeated entries are refused even when their root is claimed.
        let mut reordered = files.clone();
        reordered.swap(0, 1);
        let claimed = root_of(&reordered);
        assert!(matches!(
            check_listing(&reordered, &claimed),
            Err(OutputMismatch::Unsorted { .. })
        ));
        let repeated = vec![files[0].clone(), files[0].clone()];
        let claimed = root_of(&repeated);
        assert!(matches!(check_listing(&repeated, &claimed), Err(OutputMismatch::Unsorted { .. })));
        assert_eq!(check_listing(&[], &empty_root()), Ok(()));
    }
}
