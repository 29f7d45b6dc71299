//! The agent's artifact endpoint: a lease's inputs, outputs and logs, its job for verifiers, and
//! the hardware challenge's answer. The protocol itself (routes, signing, bodies, the
//! requestor's client) is `rigshare_client::artifacts`; this is its server and blob store.
//!
//! Every lease route is signed by one of the lease's parties; every byte is addressed by BLAKE3
//! and checked on arrival ([`blobs`]), the manifest against the order's hash and the other blobs
//! against the manifest, so the agent stores nothing the requestor did not ask it to run.

pub mod blobs;
mod server;

pub use server::{ChainView, router};
