//! The job's WASI preview 1 world: two preopened directories, arguments and environment, virtual
//! clocks, seeded randomness and bounded stdout/stderr. No stdin, no sockets.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use rand_core_010::{Infallible, TryRng};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{FsPerms, HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use super::engine::MONOTONIC_STEP_NS;
use crate::capture::CaptureBuffer;
use crate::{JobDirs, RuntimeError};

/// Where the job sees its inputs (preopen fd 3).
pub const INPUTS_GUEST_PATH: &str = "/inputs";
/// Where the job writes its outputs (preopen fd 4).
pub const OUTPUTS_GUEST_PATH: &str = "/outputs";
/// Bytes a stdout/stderr write may carry at once (WASI p1 writes 4 KiB chunks anyway).
const WRITE_PERMIT: usize = 64 << 10; // bytes

/// What one job's WASI context is built from.
pub(crate) struct WasiSetup<'a> {
    pub(crate) argv: &'a [String],
    pub(crate) env: &'a [(String, String)],
    pub(crate) seed: &'a [u8; 32],
    pub(crate) dirs: &'a JobDirs,
    pub(crate) stdout: CaptureBuffer,
    pub(crate) stderr: CaptureBuffer,
}

/// Builds the job's WASI preview 1 context.
pub(crate) fn build_wasi(setup: WasiSetup<'_>) -> Result<WasiP1Ctx, RuntimeError> {
    let mut builder = WasiCtxBuilder::new();
    builder
        // The job runs on a blocking thread of its own; file I/O may block it.
        .allow_blocking_current_thread(true)
        .args(setup.argv)
        .envs(setup.env)
        .stdout(CaptureStream(setup.stdout))
        .stderr(CaptureStream(setup.stderr))
        .wall_clock(FixedWallClock)
        .monotonic_clock(SteppingClock::default())
        .secure_random(SeededRng::new(setup.seed, "random"))
        .insecure_random(SeededRng::new(setup.seed, "insecure-random"))
        .insecure_random_seed(seed_u128(setup.seed));
    preopen(&mut builder, &setup.dirs.inputs, INPUTS_GUEST_PATH, FsPerms::ReadOnly)?;
    preopen(&mut builder, &setup.dirs.outputs, OUTPUTS_GUEST_PATH, FsPerms::ReadWrite)?;
    Ok(builder.build_p1())
}

fn preopen(
    builder: &mut WasiCtxBuilder,
    host: &std::path::Path,
    guest: &str,
    perms: FsPerms,
) -> Result<(), RuntimeError> {
    if !host.is_dir() {
        return Err(RuntimeError::Dir {
            path: host.to_path_buf(),
            reason: "not a directory".into(),
        });
    }
    builder
        .preopened_dir(host, guest, perms)
        .map_err(|e| RuntimeError::Dir { path: host.to_path_buf(), reason: e.to_string() })?;
    Ok(())
}

/// A wall clock stopped at the Unix epoch.
struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

/// A monotonic clock that starts at 0 and moves [`MONOTONIC_STEP_NS`] per reading, so elapsed
/// times are positive and identical on every run.
#[derive(Default)]
struct SteppingClock {
    next: AtomicU64,
}

impl HostMonotonicClock for SteppingClock {
    fn resolution(&self) -> u64 {
        MONOTONIC_STEP_NS
    }

    fn now(&self) -> u64 {
        self.next.fetch_add(MONOTONIC_STEP_NS, Ordering::Relaxed)
    }
}

/// Randomness from the BLAKE3 extendable output keyed by the job seed, one stream per purpose.
struct SeededRng(blake3::OutputReader);

impl SeededRng {
    fn new(seed: &[u8; 32], purpose: &str) -> Self {
        let mut hasher = blake3::Hasher::new_keyed(seed);
        hasher.update(b"rigshare/job-random/v1/");
        hasher.update(purpose.as_bytes());
        SeededRng(hasher.finalize_xof())
    }
}

impl TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.0.fill(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.0.fill(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill(dst);
        Ok(())
    }
}

/// The value of `wasi:random/insecure-seed`, from the job seed.
fn seed_u128(seed: &[u8; 32]) -> u128 {
    let mut bytes = [0u8; 16];
    SeededRng::new(seed, "insecure-seed").0.fill(&mut bytes);
    u128::from_le_bytes(bytes)
}

/// stdout or stderr of a job: accepts every write, keeps what its [`CaptureBuffer`] holds.
///
/// Unlike a pipe that fails when full, the job never sees the capture limit, so its behaviour
/// does not depend on it.
#[derive(Clone)]
struct CaptureStream(CaptureBuffer);

impl IsTerminal for CaptureStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CaptureStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CaptureStream {
    async fn ready(&mut self) {}
}

impl OutputStream for CaptureStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.0.write(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT)
    }
}

impl tokio::io::AsyncWrite for CaptureStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomness_follows_the_seed() {
        let draw = |seed: [u8; 32], purpose| {
            let mut rng = SeededRng::new(&seed, purpose);
            let mut bytes = [0u8; 16];
            rng.try_fill_bytes(&mut bytes).unwrap();
            (bytes, rng.try_next_u64().unwrap())
        };
        assert_eq!(draw([1; 32], "random"), draw([1; 32], "random"));
        assert_ne!(draw([1; 32], "random"), draw([2; 32], "random"));
        assert_ne!(draw([1; 32], "random"), draw([1; 32], "insecure-random"));
    }

    #[test]
    fn clocks_are_virtual() {
        assert_eq!(FixedWallClock.now(), Duration::ZERO);
        let clock = SteppingClock::default();
        assert_eq!(clock.now(), 0);
        assert_eq!(clock.now(), MONOTONIC_STEP_NS);
    }
}
