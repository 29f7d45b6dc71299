//! The `rigshare` command line: run nodes, devnets and provider agents; rent GPUs; check
//! receipts. The binary is a thin `main` over [`cli::Cli`]; the modules are a library so the
//! end-to-end tests drive the same code in-process.

pub mod account;
pub mod cli;
pub mod demo;
pub mod devnet;
pub mod job;
pub mod keys;
pub mod manifest;
pub mod network;
pub mod node;
pub mod offers;
pub mod provider;
pub mod receipt;
pub mod settings;
pub mod toolchain;
