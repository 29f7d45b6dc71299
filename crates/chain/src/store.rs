//! The finalized-block log: an append-only file of finalized blocks with their certificates,
//! synced before a block is acknowledged to consensus, and replayed at start-up to rebuild the
//! market state.
//!
//! Record: `u32 length || u32 crc32-free checksum (first 4 bytes of sha256) || borsh(record)`.
//! A torn last record (crash mid-write) is cut off at open; anything else that fails to decode
//! is an error, never silently skipped.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use borsh::{BorshDeserialize, BorshSerialize};
use rigshare_types::{codec, hash};

use crate::block::{Block, MAX_BLOCK_BYTES};

/// Largest record: a block plus a certificate.
const MAX_RECORD_BYTES: usize = MAX_BLOCK_BYTES + 64 * 1024;

/// One finalized block as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StoredBlock {
    /// The block.
    pub block: Block,
    /// Its encoded finalization certificate, when consensus handed us one. Blocks fetched
    /// during catch-up can arrive without their own; a later certified block covers them
    /// through the parent links.
    pub finalization: Option<Vec<u8>>,
}

/// Why the block log failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file system failed.
    #[error("block log I/O at {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A record in the middle of the log is damaged.
    #[error("block log {path} is corrupt at offset {offset}: {why}")]
    Corrupt {
        /// The log file.
        path: PathBuf,
        /// Where.
        offset: u64,
        /// What.
        why: String,
    },
}

/// The log and an index of where each height's record starts.
#[derive(Debug)]
pub struct BlockStore {
    path: PathBuf,
    file: File,
    /// `offsets[i]` is where the record of height `first + i` starts.
    offsets: Vec<(u64, u32)>,
    first: u64,
    end: u64,
}

impl BlockStore {
    /// Opens (or creates) the log at `path`, returning it with every stored block in order.
    pub fn open(path: &Path) -> Result<(BlockStore, Vec<StoredBlock>), StoreError> {
        let io = |source| StoreError::Io { path: path.to_path_buf(), source };
        let mut file =
            OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let mut blocks = Vec::new();
        let mut offsets = Vec::new();
        let mut at = 0usize;
        while let Some(header) = bytes.get(at..at + 8) {
            let len = header.first_chunk::<4>().map_or(0, |b| u32::from_le_bytes(*b)) as usize;
            let Some(body) = bytes.get(at + 8..at + 8 + len) else { break };
            let corrupt = |why: &str| StoreError::Corrupt {
                path: path.to_path_buf(),
                offset: at as u64,
                why: why.to_string(),
            };
            if len > MAX_RECORD_BYTES || hash::sha256(body).0.get(..4) != header.get(4..8) {
                return Err(corrupt("bad checksum"));
            }
            let stored: StoredBlock =
                codec::decode(body, MAX_RECORD_BYTES).map_err(|e| corrupt(&e.to_string()))?;
            offsets.push((at as u64, len as u32));
            blocks.push(stored);
            at += 8 + len;
        }
        if at < bytes.len() {
            // A torn tail from a crash mid-append: it was never acknowledged, so drop it.
            file.set_len(at as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        let first = blocks.first().map_or(1, |b| b.block.header.height);
        let store = BlockStore { path: path.to_path_buf(), file, offsets, first, end: at as u64 };
        Ok((store, blocks))
    }

    /// Appends a block and syncs it to disk.
    pub fn append(&mut self, stored: &StoredBlock) -> Result<(), StoreError> {
        let body = codec::encode(stored);
        let mut record = Vec::with_capacity(8 + body.len());
        record.extend_from_slice(&(body.len() as u32).to_le_bytes());
        record.extend_from_slice(hash::sha256(&body).0.get(..4).unwrap_or_default());
        record.extend_from_slice(&body);
        let io = |source| StoreError::Io { path: self.path.clone(), source };
        self.file.write_all(&record).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        if self.offsets.is_empty() {
            self.first = stored.block.header.height;
        }
        self.offsets.push((self.end, body.len() as u32));
        self.end += record.len() as u64;
        Ok(())
    }

    /// The stored block at `height`, if any.
    pub fn get(&self, height: u64) -> Result<Option<StoredBlock>, StoreError> {
        let Some(index) = height.checked_sub(self.first) else { return Ok(None) };
        let Some(&(offset, len)) = self.offsets.get(index as usize) else { return Ok(None) };
        let io = |source| StoreError::Io { path: self.path.clone(), source };
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(offset + 8)).map_err(io)?;
        let mut body = vec![0u8; len as usize];
        file.read_exact(&mut body).map_err(io)?;
        codec::decode(&body, MAX_RECORD_BYTES).map(Some).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            offset,
            why: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rigshare_types::Hash32;
    use rigshare_types::block::{Checkpoint, Header, tx_root};

    use super::*;

    fn stored(height: u64) -> StoredBlock {
        let header = Header {
            parent: Hash32([height as u8; 32]),
            height,
            timestamp_ms: height * 10,
            view: height,
            parent_seed: None,
            checkpoint: Checkpoint { height: 0, state_root: Hash32::ZERO },
            tx_root: tx_root(&[]),
        };
        StoredBlock { block: Block { header, txs: vec![] }, finalization: Some(vec![1, 2, 3]) }
    }

    #[test]
    fn appends_reopens_and_cuts_a_torn_tail() {
        let dir = std::env::temp_dir().join(format!("rigshare-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("blocks.log");
        let _ = std::fs::remove_file(&path);
        {
            let (mut store, blocks) = BlockStore::open(&path).unwrap();
            assert!(blocks.is_empty());
            for h in 1..=3 {
                store.append(&stored(h)).unwrap();
            }
            assert_eq!(store.get(2).unwrap(), Some(stored(2)));
            assert_eq!(store.get(4).unwrap(), None);
        }
        // A crash in the middle of writing a fourth record.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
        drop(file);
        let (mut store, blocks) = BlockStore::open(&path).unwrap();
        assert_eq!(blocks, vec![stored(1), stored(2), stored(3)]);
        store.append(&stored(4)).unwrap();
        let (_, blocks) = BlockStore::open(&path).unwrap();
        assert_eq!(blocks.len(), 4);
        // A flipped byte inside a record is corruption, not a torn tail.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(BlockStore::open(&path), Err(StoreError::Corrupt { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
