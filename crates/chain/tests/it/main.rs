//! Integration tests of the chain: real consensus, real TCP on loopback.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod cluster;
mod committee;
mod light_client;
mod simulated;
mod single;
