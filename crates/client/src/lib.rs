//! Typed HTTP client of the rigshare node API and the requestor's side of the artifact
//! protocol: what a CLI or an SDK needs, and nothing heavy (no sandbox, no consensus, no
//! storage engine).
//!
//! The bodies it reads are `rigshare-api`'s (re-exported as [`api`]), the ones the node serves.
//! [`artifacts`] uploads a job's inputs to the provider that won its lease and downloads the
//! results, checking every byte against the receipt's output root.
//!
//! ```text
//!  CLI / provider agent ──▶ Client ──HTTP/JSON──▶ node ──▶ chain::Handle
//!                            │ submit(tx)  ─▶ POST /v1/txs (borsh bytes)
//!                            │ account, offers, order, lease, block, proof ─▶ GET /v1/…
//!                            └ events()    ◀─ GET /v1/events (SSE) ─▶ Stream<StreamEvent>
//!  requestor ──▶ ArtifactClient ──signed HTTP──▶ provider agent (inputs, outputs, logs)
//! ```
//!
//! Errors keep the node's stable code: [`ClientError::Http`] carries the status, the code
//! (`stale_nonce`, `not_found`, …) and the message. Bodies are read with a size limit.
//! The client speaks plain HTTP; a node behind TLS needs a reverse proxy or a future
//! `tls` feature.

pub mod artifacts;
mod client;
mod error;
mod sse;
mod wallet;

pub use client::{Client, MAX_RESPONSE_BYTES};
pub use error::ClientError;
/// The node API's bodies and events (`rigshare-api`), as the client reads them.
pub use rigshare_api as api;
pub use sse::EventStream;
pub use wallet::{DEFAULT_FEE, Wallet, WalletError, wait_for_tx};
