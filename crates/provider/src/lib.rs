//! The rigshare provider agent: GPU inventory, sandboxed job runtimes, artifacts and receipts.
//!
//! A provider host runs this agent to sell GPU time on the rigshare market. This crate holds the
//! parts that touch the host itself; the node client, bidding and lease durability build on them.
//!
//! ```text
//!  NVML / /proc ──▶ inventory::GpuProbe ──▶ Inventory ──▶ offered_groups() ──▶ GpuGroup (market)
//!
//!  JobSpec ──▶ Runtime::prepare ──▶ Prepared (compiled, linked, cached by BLAKE3 of the module)
//!                                      │
//!  inputs dir (read-only) ─────────────┤
//!  Limits (fuel, wall time, memory) ──▶ Runtime::run ──▶ JobOutcome (exit, usage, stdout/stderr)
//!                                      │
//!                                      ▼
//!                               outputs dir ──▶ outputs::output_root() ──▶ receipt's output root
//! ```
//!
//! - [`inventory`]: what the host has — every NVIDIA GPU NVML reports (a GPU whose query fails is
//!   listed with the error, never dropped), CPU cores and memory — and the groups of identical
//!   GPUs the provider publishes.
//! - [`runtime`]: one trait for sandboxed job runtimes, with the contract a Docker runtime will
//!   also meet, and the deterministic WebAssembly runtime ([`runtime::wasm`]) whose settings are
//!   named by a digest that receipts carry.
//! - [`outputs`]: the Merkle root over a job's output files that receipts commit to and that the
//!   CLI and the light client recompute.

pub mod agent;
pub mod artifacts;
pub mod error;
pub mod execute;
pub mod inventory;
pub mod leases;
pub mod outputs;
pub mod runtime;
pub mod store;

pub use error::Error;
pub use inventory::{FakeProbe, GpuInfo, GpuProbe, Inventory, NvmlProbe, ProbeError};
pub use outputs::{OutputError, OutputLimits, output_root};
pub use runtime::docker::DockerRuntime;
pub use runtime::wasm::WasmRuntime;
pub use runtime::{
    ExitStatus, JobDirs, JobOutcome, JobSpec, Limits, LogSink, Runtime, RuntimeError,
};
