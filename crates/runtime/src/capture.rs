//! Bounded capture of a job's stdout and stderr, and the sink that sees it live.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

/// Which output stream bytes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Receives a job's output as it is written (only the bytes that are kept, so at most
/// [`super::Limits::capture_bytes`] per stream).
///
/// Called on the job's thread while the job runs: it must not block.
pub trait LogSink: Send + Sync {
    /// Bytes the job wrote to `stream`; chunks follow no line boundaries.
    fn write(&self, stream: LogStream, chunk: &[u8]);
}

/// A sink that drops everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiscardLogs;

impl LogSink for DiscardLogs {
    fn write(&self, _stream: LogStream, _chunk: &[u8]) {}
}

/// What a job wrote to one stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first bytes written, followed by [`truncation_marker`] if some were dropped.
    pub bytes: Vec<u8>,
    /// Bytes the job wrote in all.
    pub total_bytes: u64,
    /// Whether bytes were dropped.
    pub truncated: bool,
}

impl Captured {
    /// The bytes as text, invalid UTF-8 replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// The line appended to a stream cut at `kept` of `total` bytes.
pub fn truncation_marker(kept: usize, total: u64) -> String {
    format!("\n[rigshare: output truncated: kept {kept} of {total} bytes]\n")
}

/// A shared, bounded buffer one stream writes into; clones write into the same buffer.
#[derive(Clone)]
pub(crate) struct CaptureBuffer {
    inner: Arc<Mutex<Inner>>,
    stream: LogStream,
    sink: Arc<dyn LogSink>,
}

struct Inner {
    kept: Vec<u8>,
    capacity: usize,
    total: u64,
}

impl CaptureBuffer {
    /// A buffer keeping the first `capacity` bytes of `stream`, forwarding them to `sink`.
    pub(crate) fn new(stream: LogStream, capacity: usize, sink: Arc<dyn LogSink>) -> Self {
        let inner = Inner { kept: Vec::new(), capacity, total: 0 };
        CaptureBuffer { inner: Arc::new(Mutex::new(inner)), stream, sink }
    }

    /// Accepts all of `bytes`: keeps what fits, counts the rest.
    pub(crate) fn write(&self, bytes: &[u8]) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let room = inner.capacity.saturating_sub(inner.kept.len());
        let keep = bytes.get(..room.min(bytes.len())).unwrap_or_default();
        inner.kept.extend_from_slice(keep);
        inner.total = inner.total.saturating_add(bytes.len() as u64);
        drop(inner);
        if !keep.is_empty() {
            self.sink.write(self.stream, keep);
        }
    }

    /// What was written so far, with the marker if bytes were dropped.
    pub(crate) fn captured(&self) -> Captured {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut bytes = inner.kept.clone();
        let truncated = inner.total > bytes.len() as u64;
        if truncated {
            bytes.extend_from_slice(truncation_marker(inner.kept.len(), inner.total).as_bytes());
        }
        Captured { bytes, total_bytes: inner.total, truncated }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder(Mutex<Vec<(LogStream, Vec<u8>)>>);

    impl LogSink for Recorder {
        fn write(&self, stream: LogStream, chunk: &[u8]) {
            self.0.lock().unwrap().push((stream, chunk.to_vec()));
        }
    }

    #[test]
    fn keeps_the_first_bytes_and_counts_the_rest() {
        let sink = Arc::new(Recorder(Mutex::new(Vec::new())));
        let buffer = CaptureBuffer::new(LogStream::Stderr, 5, sink.clone());
        buffer.write(b"abc");
        assert_eq!(
            buffer.captured(),
            Captured { bytes: b"abc".to_vec(), total_bytes: 3, truncated: false }
        );
        buffer.write(b"defgh");
        buffer.write(b"ij");
        let captured = buffer.captured();
        assert!(captured.truncated);
        assert_eq!(captured.total_bytes, 10);
        assert_eq!(captured.text(), format!("abcde{}", truncation_marker(5, 10)));
        let seen: Vec<u8> = sink.0.lock().unwrap().iter().flat_map(|(_, c)| c.clone()).collect();
        assert_eq!(seen, b"abcde", "the sink sees only kept bytes");
    }
}
