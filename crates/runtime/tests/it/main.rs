//! Integration tests of the job sandbox through its public API: real wasmtime with guests
//! written in WAT; the Docker runtime against the real engine (skipped when none answers).

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod capture;
mod determinism;
mod docker;
mod guests;
mod harness;
mod hostile;
mod prepare;
mod sandbox;
mod uppercase;
