//! The artifact protocol between a requestor (or a verifier) and a provider's agent: routes,
//! request signing, bodies, and the client that uploads a job and downloads its results with
//! every byte checked. The agent's server is in `rigshare-provider`.
//!
//! ```text
//!  requestor ── PUT  /v1/leases/{id}/blobs/{blake3} ──▶ manifest, module, inputs (hash-checked)
//!            ── GET  /v1/leases/{id}                 ──▶ stage, missing blobs, output root
//!            ── GET  /v1/leases/{id}/outputs[/path]  ──▶ listing with hashes, file bytes
//!            ── GET  /v1/leases/{id}/logs            ──▶ stdout and stderr
//!  verifier  ── GET  /v1/leases/{id}/blobs/{blake3} ──▶ the job, to re-execute it
//!  checker   ── POST /v1/hardware-check?seed=        ──▶ the challenge's product
//! ```
//!
//! Every request is signed ([`auth`]) over its method and path ([`routes`]); every byte is
//! addressed by BLAKE3 and checked on arrival: downloads against the listing, the listing
//! against the receipt's output root ([`rigshare_types::output`]).

pub mod api;
pub mod auth;
mod client;
mod fetch;
pub mod routes;
mod writer;

pub use client::{ArtifactClient, ArtifactError};
pub use writer::HashingWriter;
