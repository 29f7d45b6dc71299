//! Integration tests of the node: a real single validator, the real HTTP server on loopback,
//! and the real client.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod errors;
mod events;
mod harness;
mod market;
mod proofs;
mod service;
mod txs;
