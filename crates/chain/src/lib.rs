//! The rigshare chain: the market replicated on commonware simplex consensus with threshold
//! certificates.
//!
//! This is the only crate that names the consensus engine. Everything else talks to a running
//! validator through [`Handle`]: submit a transaction, read the executed market state, fetch
//! finalized blocks with their certificates, follow new ones.
//!
//! ```text
//!  Handle::submit ─▶ mempool ─▶ App::propose ─▶ simplex (BLS12-381 threshold VRF) ─▶ marshal
//!                                  App::verify ◀──┘        │ seeds, certificates      │ finalized,
//!                                                          ▼ (Tap)                    ▼ in order
//!                                                   beacon per view         executor: market apply,
//!                                                                           block log, events, ack
//! ```
//!
//! Blocks are ordered first and executed after finalization; each block carries a checkpoint
//! (an earlier height's state root), so a certified block certifies state (see
//! [`rigshare_types::block`]). Each block also carries its parent round's threshold seed
//! signature, which is the market's randomness for that block: unique and unbiasable.

mod app;
pub mod block;
pub mod certificate;
pub mod engine;
mod executor;
mod gossip;
pub mod keys;
pub mod local;
pub mod mempool;
mod shared;
pub mod store;
mod tap;
pub mod txindex;

use std::path::PathBuf;

pub use block::Block;
pub use engine::{Channels, Timing, ValidatorConfig};
pub use executor::ExecuteError;
pub use keys::{Committee, ValidatorKeys};
pub use mempool::SubmitError;
pub use shared::{Finalized, Handle, NetworkInfo};
pub use store::{StoreError, StoredBlock};
pub use txindex::TxOutcome;

/// The consensus signing scheme: BLS12-381 threshold with a VRF seed, keys in G2 (96 bytes),
/// signatures in G1 (48 bytes); validators identified by ed25519 keys.
pub type Scheme = commonware_consensus::simplex::scheme::bls12381_threshold::vrf::Scheme<
    commonware_cryptography::ed25519::PublicKey,
    commonware_cryptography::bls12381::primitives::variant::MinSig,
>;

/// Block digests (SHA-256).
pub type Digest = commonware_cryptography::sha256::Digest;

/// Why a validator could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The genesis is invalid.
    #[error("invalid genesis: {0}")]
    Genesis(String),
    /// This validator's identity is not in the committee.
    #[error("this validator is not in the committee")]
    NotInCommittee,
    /// A data directory could not be used.
    #[error("data directory {0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// Consensus storage failed.
    #[error("consensus storage: {0}")]
    Storage(String),
    /// The block log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Replaying or executing a block failed.
    #[error(transparent)]
    Execute(#[from] ExecuteError),
}
