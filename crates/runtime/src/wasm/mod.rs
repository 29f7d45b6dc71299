//! The WebAssembly runtime: WASI preview 1 modules on wasmtime, sandboxed and deterministic.
//!
//! # Sandbox
//!
//! A job is one module exporting `_start`. It sees `/inputs` read-only (preopen fd 3) and
//! `/outputs` read-write (preopen fd 4), its arguments and environment, an empty stdin, and
//! nothing else: WASI preview 1 has no way to open sockets, and no other import is linked.
//!
//! # Limits
//!
//! - **Fuel** bounds work deterministically: out of fuel is [`ExitStatus::OutOfFuel`] on every
//!   host at the same instruction.
//! - **Wall time**: a watchdog task bumps the engine's epoch at the deadline; the job's epoch
//!   callback then interrupts it ([`ExitStatus::Timeout`]). A job stuck inside a host call (a long
//!   `poll_oneoff` sleep) is given up on a grace period later and reported as timed out.
//! - **Memory**: a [`ResourceLimiter`](wasmtime::ResourceLimiter) refuses growth past
//!   [`Limits::memory_bytes`]; the job sees `memory.grow` return -1, and if it then fails
//!   (traps), the outcome is [`ExitStatus::MemoryExceeded`].
//!
//! # Determinism
//!
//! NaNs are canonicalized; threads, relaxed SIMD and multi-memory are off; the wall clock is
//! stopped at the Unix epoch and the monotonic clock advances a fixed step per reading;
//! randomness is a BLAKE3 stream keyed by [`JobSpec::seed`]; stdout and stderr never push back,
//! whatever their capture limit. [`runtime_settings`] lists all of it and [`runtime_digest`]
//! names it. Not covered: file metadata the job reads from the host (timestamps, inode numbers)
//! and directory listing order, which follow the host's file system.
//!
//! # Cost
//!
//! Compiling is slow (tens of ms for a small module), so [`WasmRuntime::prepare`] compiles and
//! links on a blocking thread and caches the result by BLAKE3 of the module bytes; a cached job
//! starts by instantiating a pre-linked module.

mod cache;
mod engine;
mod limiter;
mod wasi;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rigshare_types::Hash32;
use wasmtime::{Engine, ExternType, InstancePre, Linker, Module, Store, Trap, UpdateDeadline};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;

use self::cache::ModuleCache;
use self::limiter::JobLimiter;
use self::wasi::{WasiSetup, build_wasi};
use super::capture::CaptureBuffer;
use super::{
    ExitStatus, JobDirs, JobOutcome, JobSpec, Limits, LogSink, LogStream, Program, Runtime,
    RuntimeError,
};

pub use self::engine::{
    MAX_TABLE_ELEMENTS, MAX_TABLES, MAX_WASM_STACK, MONOTONIC_STEP_NS, WASMTIME_VERSION,
    runtime_digest, runtime_settings,
};
pub use self::wasi::{INPUTS_GUEST_PATH, OUTPUTS_GUEST_PATH};

/// Largest module accepted.
pub const MAX_MODULE_BYTES: usize = 256 << 20; // bytes
/// Compiled modules kept in memory.
pub const MODULE_CACHE_ENTRIES: usize = 64; // modules
/// How long past its wall-time limit a job stuck in a host call is waited for.
pub const STUCK_JOB_GRACE: Duration = Duration::from_secs(2);
/// The function a job module must export.
const ENTRY_POINT: &str = "_start";
/// Name of this runtime in manifests.
const RUNTIME_NAME: &str = "wasm";

/// What a job's store holds.
pub(crate) struct JobState {
    wasi: WasiP1Ctx,
    limiter: JobLimiter,
}

/// Runs WASI preview 1 modules; cheap to share (`Arc`) between concurrent jobs.
pub struct WasmRuntime {
    engine: Engine,
    linker: Arc<Linker<JobState>>,
    cache: Arc<ModuleCache<JobState>>,
}

/// A compiled, linked module with the job's arguments, environment and seed.
#[derive(Clone)]
pub struct WasmPrepared {
    module_hash: Hash32,
    pre: InstancePre<JobState>,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    seed: [u8; 32],
}

impl WasmPrepared {
    /// BLAKE3 of the module's bytes.
    pub fn module_hash(&self) -> Hash32 {
        self.module_hash
    }
}

impl std::fmt::Debug for WasmPrepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPrepared")
            .field("module_hash", &self.module_hash)
            .field("argv", &self.argv)
            .finish_non_exhaustive()
    }
}

impl WasmRuntime {
    /// A runtime with the deterministic engine settings of [`runtime_settings`].
    pub fn new() -> Result<WasmRuntime, RuntimeError> {
        let engine = Engine::new(&engine::engine_config()).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut JobState| &mut state.wasi)
            .map_err(engine_error)?;
        Ok(WasmRuntime {
            engine,
            linker: Arc::new(linker),
            cache: Arc::new(ModuleCache::new(MODULE_CACHE_ENTRIES)),
        })
    }

    /// Modules compiled and cached so far.
    pub fn cached_modules(&self) -> usize {
        self.cache.len()
    }

    /// Compiles and links `module`, or takes it from the cache.
    async fn linked(
        &self,
        module: &bytes::Bytes,
    ) -> Result<(Hash32, InstancePre<JobState>), RuntimeError> {
        if module.len() > MAX_MODULE_BYTES {
            return Err(RuntimeError::ProgramTooLarge {
                size: module.len(),
                limit: MAX_MODULE_BYTES,
            });
        }
        let hash = Hash32(*blake3::hash(module).as_bytes());
        if let Some(pre) = self.cache.get(&hash) {
            tracing::debug!(target: "runtime::wasm", module = %hash, "module cache hit");
            return Ok((hash, pre));
        }
        let (engine, linker, bytes) = (self.engine.clone(), self.linker.clone(), module.clone());
        let started = Instant::now();
        let pre = tokio::task::spawn_blocking(move || compile_and_link(&engine, &linker, &bytes))
            .await
            .map_err(|e| RuntimeError::Engine(format!("compile task failed: {e}")))??;
        tracing::info!(
            target: "runtime::wasm",
            module = %hash,
            bytes = module.len(),
            compile_ms = started.elapsed().as_millis(),
            "compiled module"
        );
        self.cache.insert(hash, pre.clone());
        Ok((hash, pre))
    }
}

fn compile_and_link(
    engine: &Engine,
    linker: &Linker<JobState>,
    bytes: &[u8],
) -> Result<InstancePre<JobState>, RuntimeError> {
    let module = Module::new(engine, bytes).map_err(|e| invalid(format!("{e:#}")))?;
    match module.get_export(ENTRY_POINT) {
        Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {}
        Some(_) => return Err(invalid(format!("`{ENTRY_POINT}` must be a function [] -> []"))),
        None => return Err(invalid(format!("no `{ENTRY_POINT}` export"))),
    }
    linker.instantiate_pre(&module).map_err(|e| invalid(format!("{e:#}")))
}

impl Runtime for WasmRuntime {
    type Prepared = WasmPrepared;

    fn name(&self) -> &'static str {
        RUNTIME_NAME
    }

    fn runtime_digest(&self) -> Hash32 {
        runtime_digest()
    }

    #[tracing::instrument(skip_all, fields(job = %spec.name))]
    async fn prepare(&self, spec: &JobSpec) -> Result<WasmPrepared, RuntimeError> {
        let Program::Wasm(module) = &spec.program else {
            return Err(RuntimeError::WrongProgram {
                runtime: RUNTIME_NAME,
                program: spec.program.kind(),
            });
        };
        let (module_hash, pre) = self.linked(module).await?;
        let argv = std::iter::once(spec.name.clone()).chain(spec.args.iter().cloned()).collect();
        let env = spec.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(WasmPrepared { module_hash, pre, argv, env, seed: spec.seed })
    }

    #[tracing::instrument(skip_all, fields(module = %prepared.module_hash))]
    async fn run(
        &self,
        prepared: &WasmPrepared,
        limits: &Limits,
        dirs: &JobDirs,
        logs: Arc<dyn LogSink>,
    ) -> Result<JobOutcome, RuntimeError> {
        let limits = *limits;
        let stdout = CaptureBuffer::new(LogStream::Stdout, limits.capture_bytes, logs.clone());
        let stderr = CaptureBuffer::new(LogStream::Stderr, limits.capture_bytes, logs);
        let started = Instant::now();
        let deadline = started.checked_add(limits.wall_time);

        // The watchdog: at the deadline, bump the epoch so the job's callback sees it is late.
        let engine = self.engine.clone();
        let wall_time = limits.wall_time;
        let watchdog = tokio::spawn(async move {
            tokio::time::sleep(wall_time).await;
            engine.increment_epoch();
        });

        let job = Job {
            engine: self.engine.clone(),
            prepared: prepared.clone(),
            dirs: dirs.clone(),
            limits,
            deadline,
            stdout: stdout.clone(),
            stderr: stderr.clone(),
        };
        let handle = tokio::task::spawn_blocking(move || job.run());
        let waited =
            tokio::time::timeout(limits.wall_time.saturating_add(STUCK_JOB_GRACE), handle).await;
        watchdog.abort();

        let (exit, fuel_used) = match waited {
            Ok(Ok(finished)) => finished?,
            Ok(Err(e)) => return Err(RuntimeError::Engine(format!("job task failed: {e}"))),
            Err(_) => {
                tracing::warn!(target: "runtime::wasm", "job stuck in a host call past its deadline; abandoned");
                (ExitStatus::Timeout, 0)
            }
        };
        let outcome = JobOutcome {
            exit,
            wall_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            fuel_used,
            stdout: stdout.captured(),
            stderr: stderr.captured(),
        };
        tracing::info!(
            target: "runtime::wasm",
            exit = ?outcome.exit,
            wall_ms = outcome.wall_ms,
            fuel_used,
            "job finished"
        );
        Ok(outcome)
    }
}

/// One run, moved onto a blocking thread.
struct Job {
    engine: Engine,
    prepared: WasmPrepared,
    dirs: JobDirs,
    limits: Limits,
    deadline: Option<Instant>,
    stdout: CaptureBuffer,
    stderr: CaptureBuffer,
}

impl Job {
    /// Instantiates and runs the job; returns how it ended and the fuel it used.
    fn run(self) -> Result<(ExitStatus, u64), RuntimeError> {
        let Job { engine, prepared, dirs, limits, deadline, stdout, stderr } = self;
        let wasi = build_wasi(WasiSetup {
            argv: &prepared.argv,
            env: &prepared.env,
            seed: &prepared.seed,
            dirs: &dirs,
            stdout,
            stderr,
        })?;
        let state = JobState { wasi, limiter: JobLimiter::new(limits.memory_bytes) };
        let mut store = Store::new(&engine, state);
        store.limiter(|state| &mut state.limiter);
        store.set_fuel(limits.fuel).map_err(engine_error)?;
        // Any epoch bump (this job's watchdog or another's) makes the job check its own deadline.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| match deadline {
            Some(deadline) if Instant::now() >= deadline => Ok(UpdateDeadline::Interrupt),
            _ => Ok(UpdateDeadline::Continue(1)),
        });

        let result = prepared.pre.instantiate(&mut store).and_then(|instance| {
            let start = instance.get_typed_func::<(), ()>(&mut store, ENTRY_POINT)?;
            start.call(&mut store, ())
        });
        let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
        let exit = classify(result, &store.data().limiter)?;
        Ok((exit, fuel_used))
    }
}

/// How a job ended, from the result of running it; `Err` only for the host's own failures.
fn classify(
    result: wasmtime::Result<()>,
    limiter: &JobLimiter,
) -> Result<ExitStatus, RuntimeError> {
    let Err(error) = result else {
        return Ok(ExitStatus::Exited(0));
    };
    if let Some(reason) = &limiter.host_failure {
        return Err(RuntimeError::HostResources(reason.clone()));
    }
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return Ok(ExitStatus::Exited(exit.0));
    }
    Ok(match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => ExitStatus::OutOfFuel,
        Some(Trap::Interrupt) => ExitStatus::Timeout,
        _ if limiter.limit_refused => ExitStatus::MemoryExceeded,
        Some(trap) => ExitStatus::Trapped(trap.to_string()),
        // A host function refused the job's call (e.g. a pointer outside its memory).
        None => ExitStatus::Trapped(error.to_string()),
    })
}

fn invalid(reason: String) -> RuntimeError {
    RuntimeError::InvalidProgram(reason)
}

fn engine_error(error: wasmtime::Error) -> RuntimeError {
    RuntimeError::Engine(format!("{error:#}"))
}
