//! The rigshare provider agent: GPU inventory, bidding, the artifact server, verification work
//! and durable leases.
//!
//! A provider host runs this agent to sell GPU time on the rigshare market. Jobs run in the
//! sandbox of `rigshare-runtime`; the node is reached through `rigshare-client`, whose artifact
//! protocol this crate serves.
//!
//! ```text
//!  NVML / /proc ──▶ inventory ──▶ GPU groups + floors ──▶ RegisterProvider / UpdateInventory
//!
//!  node events (SSE) ──▶ agent ──▶ policy: bid on matching orders within the price cap
//!                          │
//!                          ├─ lease won ──▶ store (redb, before acting) ──▶ artifacts server
//!                          │      inputs arrive, hash-checked ──▶ rigshare_runtime::run_job
//!                          │      ──▶ signed receipt (output root, usage, runtime digest)
//!                          │
//!                          └─ drawn as auditor / arbiter / hardware checker ──▶ verify:
//!                                 fetch the job from its provider, re-run, report the root
//! ```
//!
//! - [`inventory`]: what the host has — every NVIDIA GPU NVML reports (a GPU whose query fails
//!   is listed with the error, never dropped), CPU cores and memory — and the groups of
//!   identical GPUs the provider publishes.
//! - [`agent`]: the event loop — registration, bidding ([`agent::policy`]), running leases,
//!   verification work it is drawn for, hardware challenges.
//! - [`artifacts`]: the HTTP server of a lease's inputs, outputs and logs, and its blob store.
//! - [`store`] and [`leases`]: every lease is on disk before the agent acts on it; a restarted
//!   agent resumes its leases.

pub mod agent;
pub mod artifacts;
pub mod error;
pub mod inventory;
pub mod leases;
pub mod store;

pub use error::Error;
pub use inventory::{FakeProbe, GpuInfo, GpuProbe, Inventory, NvmlProbe, ProbeError};
