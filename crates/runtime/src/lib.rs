//! The rigshare job sandbox: deterministic wasm and hardened Docker runtimes, limits and output
//! roots.
//!
//! A provider agent runs every job it is paid for through this crate, an auditor or arbiter
//! re-runs a job through it, and `rigshare job run-local` runs a job here on the developer's
//! machine: one code path, so the output root a developer sees is the one a provider signs.
//! It knows nothing of the chain, the market or HTTP.
//!
//! ```text
//!  JobManifest ──▶ execute::run_job ──▶ Runtime::prepare ──▶ Prepared (compiled, cached)
//!                                                  │
//!  inputs/ (read-only) ────────────────────────────┤
//!  Limits (fuel, wall time, memory, capture) ─────▶ Runtime::run ──▶ JobOutcome (exit, usage, logs)
//!                                                  │
//!                                                  ▼
//!                       outputs/ ──▶ outputs::scan_outputs ──▶ output root (receipts commit to it)
//! ```
//!
//! - [`Runtime`] ([`sandbox`]): one trait with its contract — whatever a job does is a result;
//!   `Err` is the host's failure.
//! - [`wasm::WasmRuntime`] runs WASI preview 1 modules deterministically (fuel, epochs, a memory
//!   cap, virtual clocks and randomness), its settings named by a digest receipts carry;
//!   [`docker::DockerRuntime`] runs local images in hardened containers (no privileges, no
//!   capabilities, read-only root, no network unless asked, memory/CPU/pids limits), with no
//!   determinism claim.
//! - [`outputs`] walks an output directory under limits into the files of the output-root
//!   definition in [`rigshare_types::output`].
//! - [`execute`] runs a manifest in the runtime it names and commits to its outputs.

mod capture;
pub mod docker;
pub mod execute;
pub mod outputs;
pub mod sandbox;
pub mod wasm;

pub use capture::{Captured, DiscardLogs, LogSink, LogStream, truncation_marker};
pub use docker::DockerRuntime;
pub use execute::{DockerPolicy, JobRun, run_job};
pub use outputs::{OutputError, OutputLimits, output_root};
pub use sandbox::*;
pub use wasm::WasmRuntime;
