//! The sandbox contract: the [`Runtime`] trait, what a job is given ([`JobSpec`], [`Limits`],
//! [`JobDirs`]) and what comes back ([`JobOutcome`], [`RuntimeError`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rigshare_types::Hash32;

use crate::{Captured, LogSink};

/// Fuel a job gets unless its limits say otherwise (roughly one unit per wasm instruction).
pub const DEFAULT_FUEL: u64 = 1 << 40; // fuel units
/// Wall-clock time a job gets unless its limits say otherwise.
pub const DEFAULT_WALL_TIME: Duration = Duration::from_secs(30 * 60);
/// Memory a job gets unless its limits say otherwise.
pub const DEFAULT_MEMORY_BYTES: u64 = 4 << 30; // bytes (4 GiB)
/// Bytes of stdout, and separately of stderr, kept unless the limits say otherwise.
pub const DEFAULT_CAPTURE_BYTES: usize = 1 << 20; // bytes (1 MiB)

/// The exit code a receipt records for an [`ExitStatus::OutOfFuel`] job.
pub const EXIT_CODE_OUT_OF_FUEL: i32 = -1;
/// The exit code a receipt records for an [`ExitStatus::Timeout`] job.
pub const EXIT_CODE_TIMEOUT: i32 = -2;
/// The exit code a receipt records for an [`ExitStatus::MemoryExceeded`] job.
pub const EXIT_CODE_MEMORY_EXCEEDED: i32 = -3;
/// The exit code a receipt records for an [`ExitStatus::Trapped`] job.
pub const EXIT_CODE_TRAPPED: i32 = -4;

/// A sandboxed job runtime.
///
/// # Contract
///
/// - [`prepare`](Runtime::prepare) checks and readies a program (compiles and links a module,
///   pulls an image). It fails with [`RuntimeError`] when the program is unusable or the host
///   cannot ready it; it may cache, so preparing the same program twice is cheap.
/// - [`run`](Runtime::run) runs a prepared job once, to its end or to a limit. **Whatever the job
///   does is a result**: an exit with any code, a trap, running out of fuel, time or memory all
///   return `Ok(JobOutcome)` with the matching [`ExitStatus`]. `Err` means the runtime could not
///   run the job at all (a missing directory, an engine failure, the host out of memory) — the
///   provider's fault, not the job's.
/// - The job sees `dirs.inputs` read-only at `/inputs` and `dirs.outputs` writable at
///   `/outputs`, nothing else of the host's file system, and no network. Its stdout and stderr
///   are each kept up to [`Limits::capture_bytes`] and passed, as written, to the [`LogSink`].
/// - A deterministic runtime's [`runtime_digest`](Runtime::runtime_digest) is a promise: the
///   same prepared job, inputs and limits give the same exit status, stdout, stderr and output
///   files on every host with that digest. A runtime that cannot promise it (`docker`) says so
///   in its docs; its digest only names its engine and settings.
/// - The futures need a Tokio runtime with timers enabled.
pub trait Runtime: Send + Sync {
    /// A job ready to run.
    type Prepared: Send + Sync + 'static;

    /// Short name of the runtime, as in manifests (`"wasm"`).
    fn name(&self) -> &'static str;

    /// BLAKE3 digest naming the engine version and every setting that affects results; receipts
    /// carry it.
    fn runtime_digest(&self) -> Hash32;

    /// Checks and readies `spec` to run.
    fn prepare(
        &self,
        spec: &JobSpec,
    ) -> impl Future<Output = Result<Self::Prepared, RuntimeError>> + Send;

    /// Runs a prepared job under `limits`, forwarding its output to `logs`.
    fn run(
        &self,
        prepared: &Self::Prepared,
        limits: &Limits,
        dirs: &JobDirs,
        logs: Arc<dyn LogSink>,
    ) -> impl Future<Output = Result<JobOutcome, RuntimeError>> + Send;
}

/// What to run: program, arguments, environment and the seed of its randomness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    /// The job's name, passed as `argv[0]`.
    pub name: String,
    /// The program.
    pub program: Program,
    /// Arguments after `argv[0]`.
    pub args: Vec<String>,
    /// Environment variables (the job sees them sorted by name).
    pub env: BTreeMap<String, String>,
    /// Seed of all randomness the job can ask for; replicas of one order share it.
    pub seed: [u8; 32],
}

/// The program of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Program {
    /// A WebAssembly module (binary format) exporting a WASI preview 1 `_start`.
    Wasm(Bytes),
    /// A container image already on the host, by reference (`name:tag`) or id (`sha256:…`).
    Docker {
        /// The image reference or id.
        image: String,
    },
}

impl Program {
    /// The kind's name, as in manifests.
    pub fn kind(&self) -> &'static str {
        match self {
            Program::Wasm(_) => "wasm",
            Program::Docker { .. } => "docker",
        }
    }
}

/// What a run may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (deterministic work bound; wasm only, roughly one unit per instruction).
    pub fuel: u64,
    /// Wall-clock time.
    pub wall_time: Duration,
    /// Memory, in bytes (wasm: linear memory; containers: the cgroup limit).
    pub memory_bytes: u64,
    /// Bytes kept of stdout, and separately of stderr.
    pub capture_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: DEFAULT_FUEL,
            wall_time: DEFAULT_WALL_TIME,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            capture_bytes: DEFAULT_CAPTURE_BYTES,
        }
    }
}

/// The host directories a run uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobDirs {
    /// The job's inputs, shown read-only at `/inputs`.
    pub inputs: PathBuf,
    /// Where the job writes its outputs, shown at `/outputs`.
    pub outputs: PathBuf,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// The job exited with this code (0 is success; `_start` returning is 0).
    Exited(i32),
    /// The job used all its fuel.
    OutOfFuel,
    /// The job ran past its wall-clock limit.
    Timeout,
    /// The job wanted more memory than its limit, and failed for it.
    MemoryExceeded,
    /// The job trapped (unreachable, bad memory access, stack overflow, …).
    Trapped(String),
}

impl ExitStatus {
    /// Whether the job exited with code 0.
    pub fn success(&self) -> bool {
        *self == ExitStatus::Exited(0)
    }

    /// The code a receipt records: the exit code, or a negative `EXIT_CODE_*` constant.
    pub fn code(&self) -> i32 {
        match self {
            ExitStatus::Exited(code) => *code,
            ExitStatus::OutOfFuel => EXIT_CODE_OUT_OF_FUEL,
            ExitStatus::Timeout => EXIT_CODE_TIMEOUT,
            ExitStatus::MemoryExceeded => EXIT_CODE_MEMORY_EXCEEDED,
            ExitStatus::Trapped(_) => EXIT_CODE_TRAPPED,
        }
    }
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobOutcome {
    /// How it ended.
    pub exit: ExitStatus,
    /// Wall-clock time of the run (sandbox setup, instantiation and execution), in milliseconds.
    pub wall_ms: u64,
    /// Fuel consumed (0 for runtimes without fuel).
    pub fuel_used: u64,
    /// What the job wrote to stdout.
    pub stdout: Captured,
    /// What the job wrote to stderr.
    pub stderr: Captured,
}

/// Why a runtime could not prepare or run a job.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The runtime does not run this kind of program.
    #[error("the {runtime} runtime cannot run a {program} program")]
    WrongProgram {
        /// The runtime's name.
        runtime: &'static str,
        /// The program's kind.
        program: &'static str,
    },
    /// The program is larger than the runtime accepts.
    #[error("program of {size} bytes exceeds the limit of {limit} bytes")]
    ProgramTooLarge {
        /// Its size, in bytes.
        size: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The program is unusable: invalid, uses disabled features, imports what the sandbox does
    /// not provide, or has no entry point.
    #[error("invalid program: {0}")]
    InvalidProgram(String),
    /// A job directory is missing or cannot be opened.
    #[error("cannot open job directory {path}: {reason}")]
    Dir {
        /// The host path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The host could not provide what the limits allow (e.g. memory the job was entitled to).
    #[error("host resources exhausted: {0}")]
    HostResources(String),
    /// The engine failed for a reason of its own.
    #[error("runtime engine failure: {0}")]
    Engine(String),
}
