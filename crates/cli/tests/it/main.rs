//! Tests of the `rigshare` binary as a user runs it.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod audit;
mod demo;
mod docker;
mod errors;
mod hardware;
mod node;
mod receipts;
mod support;
