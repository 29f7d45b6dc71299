//! Artifacts: the agent's HTTP endpoint for a lease's inputs, outputs and logs, and its client.
//!
//! ```text
//!  requestor ── PUT  /v1/leases/{id}/blobs/{blake3} ──▶ manifest, module, inputs (hash-checked)
//!            ── GET  /v1/leases/{id}                 ──▶ stage, missing blobs, output root
//!            ── GET  /v1/leases/{id}/outputs[/path]  ──▶ listing with hashes, file bytes
//!            ── GET  /v1/leases/{id}/logs            ──▶ stdout and stderr
//! ```
//!
//! Every lease route is signed by the lease's requestor ([`auth`]); every byte is addressed by
//! BLAKE3 and checked on arrival ([`blobs`]), the manifest against the order's hash and the other
//! blobs against the manifest, so the agent stores nothing the requestor did not ask it to run.

pub mod api;
pub mod auth;
pub mod blobs;
mod client;
mod fetch;
mod server;

pub use client::{ArtifactClient, ArtifactError};
pub use server::{ChainView, router};
