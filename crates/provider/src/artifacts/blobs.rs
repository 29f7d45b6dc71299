//! A content-addressed blob store on disk: `<dir>/<blake3 hex>`, written through a temporary
//! file and renamed into place only after the content hashed to its name.

use std::io;
use std::path::{Path, PathBuf};

use futures::{Stream, StreamExt};
use rigshare_client::artifacts::HashingWriter;
use rigshare_types::Hash32;
use rigshare_types::job::BlobRef;
use tokio::fs;

/// Why a blob was not stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// More bytes arrived than announced or allowed.
    #[error("blob larger than {limit} bytes")]
    TooLarge {
        /// The limit that applied.
        limit: u64,
    },
    /// The bytes do not hash to the blob's name, or their length is not the announced one.
    #[error("content does not match {expected}: got {size} bytes hashing to {actual}")]
    Mismatch {
        /// The announced hash.
        expected: Hash32,
        /// What the bytes hash to.
        actual: Hash32,
        /// How many bytes arrived.
        size: u64,
    },
    /// The body could not be read.
    #[error("reading the body failed: {0}")]
    Body(String),
    /// The disk failed.
    #[error("blob store I/O: {0}")]
    Io(#[from] io::Error),
}

/// Blobs under one directory.
#[derive(Clone, Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Opens (creating) the store at `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<BlobStore> {
        let dir = dir.into();
        std::fs::create_dir_all(dir.join("tmp"))?;
        Ok(BlobStore { dir })
    }

    /// Where the blob `hash` lives (whether or not it is there).
    pub fn path(&self, hash: &Hash32) -> PathBuf {
        self.dir.join(hash.to_string())
    }

    /// Whether the blob is stored.
    pub fn has(&self, blob: &BlobRef) -> bool {
        std::fs::metadata(self.path(&blob.hash)).is_ok_and(|m| m.is_file() && m.len() == blob.size)
    }

    /// Reads a whole stored blob.
    pub async fn read(&self, hash: &Hash32) -> io::Result<Vec<u8>> {
        fs::read(self.path(hash)).await
    }

    /// Stores the bytes of `body` as the blob `expected`, hashing while writing; nothing is
    /// kept unless they are exactly `expected.size` bytes hashing to `expected.hash`.
    pub async fn put_stream<S, E>(&self, expected: BlobRef, mut body: S) -> Result<(), BlobError>
    where
        S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if self.has(&expected) {
            return Ok(());
        }
        let tmp = self.dir.join("tmp").join(format!("{}.{}", expected.hash, std::process::id()));
        let result = async {
            let mut writer =
                HashingWriter::durable(fs::File::create(&tmp).await?.into_std().await)?;
            let received = async {
                let mut size = 0u64;
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.map_err(|e| BlobError::Body(e.to_string()))?;
                    size = size.saturating_add(chunk.len() as u64);
                    if size > expected.size {
                        return Err(BlobError::TooLarge { limit: expected.size });
                    }
                    if !writer.write(chunk).await {
                        break;
                    }
                }
                Ok(size)
            }
            .await;
            // Joined on every path, so the file is closed before it is renamed or removed.
            let written = writer.finish().await;
            let size = received?;
            let (file, actual) = written?;
            if actual != expected.hash || size != expected.size {
                return Err(BlobError::Mismatch { expected: expected.hash, actual, size });
            }
            // Durable before it is acknowledged: the bytes, then the name they are renamed to.
            fs::File::from_std(file).sync_all().await?;
            fs::rename(&tmp, self.path(&expected.hash)).await?;
            let dir = self.dir.clone();
            tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
                .await
                .map_err(io::Error::other)??;
            Ok(())
        }
        .await;
        if result.is_err() {
            let _ = fs::remove_file(&tmp).await;
        }
        result
    }

    /// Stores `bytes` as the blob `expected`.
    pub async fn put(&self, expected: BlobRef, bytes: &[u8]) -> Result<(), BlobError> {
        let chunk = bytes::Bytes::copy_from_slice(bytes);
        self.put_stream(expected, futures::stream::iter([Ok::<_, io::Error>(chunk)])).await
    }

    /// Copies (hard-links when possible) blob `hash` to `dest`, creating parent directories.
    pub async fn materialize(&self, hash: &Hash32, dest: &Path) -> io::Result<()> {
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).await?;
        }
        let source = self.path(hash);
        if fs::hard_link(&source, dest).await.is_err() {
            fs::copy(&source, dest).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_only_matching_content() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = BlobStore::open(dir.path())?;
        let blob = BlobRef::of(b"hello");
        assert!(matches!(store.put(blob, b"hellO").await, Err(BlobError::Mismatch { .. })));
        assert!(!store.has(&blob));
        assert!(matches!(store.put(blob, b"hello!").await, Err(BlobError::TooLarge { .. })));
        store.put(blob, b"hello").await?;
        assert!(store.has(&blob));
        assert_eq!(store.read(&blob.hash).await?, b"hello");
        assert_eq!(std::fs::read_dir(dir.path().join("tmp"))?.count(), 0);
        Ok(())
    }

    #[tokio::test]
    async fn stores_a_body_of_many_chunks() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = BlobStore::open(dir.path())?;
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let blob = BlobRef::of(&bytes);
        let chunks: Vec<Result<bytes::Bytes, io::Error>> =
            bytes.chunks(7_000).map(|c| Ok(bytes::Bytes::copy_from_slice(c))).collect();
        store.put_stream(blob, futures::stream::iter(chunks)).await?;
        assert_eq!(store.read(&blob.hash).await?, bytes);
        Ok(())
    }
}
