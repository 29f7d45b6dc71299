//! Integration tests of the provider agent through its public API: real wasmtime, guests written
//! in WAT.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod capture;
mod determinism;
mod guests;
mod harness;
mod hostile;
mod prepare;
mod sandbox;
mod uppercase;
