//! Typed HTTP client of the rigshare node API, shared by the CLI and the provider agent.
//!
//! [`api`] defines every request and response body of the node's HTTP API once: the node
//! (`rigshare-node`) serves these types and [`Client`] reads them, so the two cannot drift.
//!
//! ```text
//!  CLI / provider agent ──▶ Client ──HTTP/JSON──▶ node ──▶ chain::Handle
//!                            │ submit(tx)  ─▶ POST /v1/txs (borsh bytes)
//!                            │ account, offers, order, lease, block, proof ─▶ GET /v1/…
//!                            └ events()    ◀─ GET /v1/events (SSE) ─▶ Stream<StreamEvent>
//! ```
//!
//! Errors keep the node's stable code: [`ClientError::Http`] carries the status, the code
//! (`stale_nonce`, `not_found`, …) and the message. Bodies are read with a size limit.
//! The client speaks plain HTTP; a node behind TLS needs a reverse proxy or a future
//! `tls` feature.

pub mod api;
mod client;
mod error;
mod sse;
mod wallet;

pub use client::{Client, MAX_RESPONSE_BYTES};
pub use error::ClientError;
pub use sse::EventStream;
pub use wallet::{DEFAULT_FEE, Wallet, WalletError, wait_for_tx};
