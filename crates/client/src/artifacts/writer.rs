//! [`HashingWriter`]: a file written and hashed at once, off the async runtime.

use std::io::{self, Write};
use std::sync::mpsc::SyncSender;

use bytes::Bytes;
use rigshare_types::Hash32;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Chunks a [`HashingWriter`] holds ahead of each thread (hyper yields up to about 400 KiB each).
const WRITE_QUEUE: usize = 8; // chunks
/// Bytes a durable [`HashingWriter`] writes between asking for a sync.
const SYNC_EVERY: u64 = 32 << 20; // bytes

/// Writes a file and hashes its bytes on two blocking threads, one writing and one hashing, both
/// taking the chunks as they arrive without copying them: the task receiving a body only
/// receives, the runtime's workers do not hash, and hashing does not wait on the disk.
#[derive(Debug)]
pub struct HashingWriter {
    to_file: mpsc::Sender<Bytes>,
    to_hasher: mpsc::Sender<Bytes>,
    writer: JoinHandle<io::Result<std::fs::File>>,
    hasher: JoinHandle<Hash32>,
    syncer: Option<JoinHandle<io::Result<()>>>,
}

impl HashingWriter {
    /// Writes to `file` from its current position.
    pub fn new(file: std::fs::File) -> HashingWriter {
        HashingWriter::spawn(file, None)
    }

    /// Writes to `file` from its current position while a third thread syncs it every
    /// [`SYNC_EVERY`] bytes, so the disk works during the transfer and the sync that makes the
    /// file durable at the end waits only for the last bytes.
    pub fn durable(file: std::fs::File) -> io::Result<HashingWriter> {
        HashingWriter::syncing(file, SYNC_EVERY)
    }

    fn syncing(file: std::fs::File, every: u64) -> io::Result<HashingWriter> {
        let syncing = file.try_clone()?;
        // One request waits at most: the sync it asks for covers every byte written before.
        let (requests, pending) = std::sync::mpsc::sync_channel::<()>(1);
        let syncer = tokio::task::spawn_blocking(move || {
            while pending.recv().is_ok() {
                syncing.sync_data()?;
            }
            Ok(())
        });
        let mut writer = HashingWriter::spawn(file, Some((requests, every)));
        writer.syncer = Some(syncer);
        Ok(writer)
    }

    /// Starts the writing and hashing threads; the writer asks for a sync through `syncs` every
    /// so many bytes.
    fn spawn(mut file: std::fs::File, syncs: Option<(SyncSender<()>, u64)>) -> HashingWriter {
        let (to_file, mut file_queue) = mpsc::channel::<Bytes>(WRITE_QUEUE);
        let writer = tokio::task::spawn_blocking(move || {
            let mut unsynced = 0u64;
            while let Some(chunk) = file_queue.blocking_recv() {
                file.write_all(&chunk)?;
                unsynced = unsynced.saturating_add(chunk.len() as u64);
                if let Some((requests, _)) = syncs.as_ref().filter(|(_, every)| unsynced >= *every)
                {
                    // Full: a sync is asked for already, and covers these bytes too.
                    let _ = requests.try_send(());
                    unsynced = 0;
                }
            }
            Ok(file)
        });
        let (to_hasher, mut hash_queue) = mpsc::channel::<Bytes>(WRITE_QUEUE);
        let hasher = tokio::task::spawn_blocking(move || {
            let mut hasher = blake3::Hasher::new();
            while let Some(chunk) = hash_queue.blocking_recv() {
                hasher.update(&chunk);
            }
            Hash32(*hasher.finalize().as_bytes())
        });
        HashingWriter { to_file, to_hasher, writer, hasher, syncer: None }
    }

    /// Queues `chunk`; `false` if the writing thread stopped on an error, which
    /// [`HashingWriter::finish`] returns.
    pub async fn write(&mut self, chunk: Bytes) -> bool {
        // The hashing thread only stops once its queue is closed.
        self.to_hasher.send(chunk.clone()).await.is_ok() && self.to_file.send(chunk).await.is_ok()
    }

    /// Waits for every queued chunk to be written; returns the file and the BLAKE3 of all the
    /// bytes written. A durable writer's bytes are written back in part, not yet synced.
    pub async fn finish(self) -> io::Result<(std::fs::File, Hash32)> {
        let HashingWriter { to_file, to_hasher, writer, hasher, syncer } = self;
        drop((to_file, to_hasher));
        let file = writer.await.map_err(io::Error::other)?;
        // The writer has dropped its requests, so the syncer ends after at most one more sync.
        // Its errors are reported once per open file, so they must not be lost here.
        if let Some(syncer) = syncer {
            syncer.await.map_err(io::Error::other)??;
        }
        let hash = hasher.await.map_err(io::Error::other)?;
        Ok((file?, hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn syncing_writer_writes_and_hashes_every_chunk() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("file");
        // A sync asked for after every second chunk or so, some while one is running.
        let mut writer = HashingWriter::syncing(std::fs::File::create(&path)?, 10)?;
        let mut expected = Vec::new();
        for i in 0..100u8 {
            let chunk = vec![i; usize::from(i % 7) + 1];
            expected.extend_from_slice(&chunk);
            assert!(writer.write(Bytes::from(chunk)).await);
        }
        let (file, hash) = writer.finish().await?;
        drop(file);
        assert_eq!(hash, rigshare_types::hash::blake3(&expected));
        assert_eq!(std::fs::read(&path)?, expected);
        Ok(())
    }
}
