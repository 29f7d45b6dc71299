//! Integration tests of the provider agent: against a real in-process devnet, real wasmtime and
//! signed HTTP on loopback.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod agent;
// The WAT guests the runtime's tests run; the agent's tests run one of them as a job.
#[path = "../../../runtime/tests/it/guests.rs"]
#[allow(dead_code)]
mod guests;
