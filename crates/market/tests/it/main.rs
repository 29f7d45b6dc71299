//! Integration tests of the market state machine through its public API.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod admission;
mod harness;
mod lifecycle;
mod orders;
mod proofs;
mod properties;
mod providers;
mod queries;
mod transfers;
mod verification;
