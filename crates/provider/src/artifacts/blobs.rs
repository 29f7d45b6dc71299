//! A content-addressed blob store on disk: `<dir>/<blake3 hex>`, written through a temporary
//! file and renamed into place only after the content hashed to its name.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rigshare_types::Hash32;
use rigshare_types::job::BlobRef;
use tokio::fs;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Chunks a [`HashingWriter`] holds ahead of its thread (hyper yields up to about 400 KiB each).
const WRITE_QUEUE: usize = 8; // chunks

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
            let mut writer = HashingWriter::new(fs::File::create(&tmp).await?.into_std().await);
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
            fs::File::from_std(file).sync_all().await?;
            fs::rename(&tmp, self.path(&expected.hash)).await?;
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

/// Writes a file and hashes its bytes on a blocking thread, taking the chunks as they arrive
/// without copying them: the task receiving a body only receives, and the runtime's workers do
/// not hash.
#[derive(Debug)]
pub(crate) struct HashingWriter {
    chunks: mpsc::Sender<Bytes>,
    thread: JoinHandle<io::Result<(std::fs::File, Hash32)>>,
}

impl HashingWriter {
    /// Writes to `file` from its current position.
    pub(crate) fn new(mut file: std::fs::File) -> HashingWriter {
        let (chunks, mut queue) = mpsc::channel::<Bytes>(WRITE_QUEUE);
        let thread = tokio::task::spawn_blocking(move || {
            let mut hasher = blake3::Hasher::new();
            while let Some(chunk) = queue.blocking_recv() {
                hasher.update(&chunk);
                file.write_all(&chunk)?;
            }
            Ok((file, Hash32(*hasher.finalize().as_bytes())))
        });
        HashingWriter { chunks, thread }
    }

    /// Queues `chunk`; `false` if the thread stopped on an error, which
    /// [`HashingWriter::finish`] returns.
    pub(crate) async fn write(&mut self, chunk: Bytes) -> bool {
        self.chunks.send(chunk).await.is_ok()
    }

    /// Waits for every queued chunk to be written; returns the file and the BLAKE3 of all the
    /// bytes written.
    pub(crate) async fn finish(self) -> io::Result<(std::fs::File, Hash32)> {
        drop(self.chunks);
        self.thread.await.map_err(io::Error::other)?
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
}
