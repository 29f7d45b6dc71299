//! Keys, ids, amounts, canonical encoding, hashes, records, proofs, events and the offer query
//! language of rigshare.
//!
//! This crate is the data model: everything that crosses a process boundary or is committed
//! to the state root — transactions, receipts, state records, keys and proofs — is defined here
//! with its canonical encoding (borsh, see [`codec`]), and so are the formats that more than one
//! party recomputes: market [`event`]s, [`output`] roots, hardware [`challenge`] sizes. It has
//! no I/O and few dependencies, so the market state machine, the chain, the node, the provider
//! agent, the CLI and the light client (which builds for `wasm32-unknown-unknown`) all share it.

pub mod amount;
pub mod block;
pub mod challenge;
pub mod codec;
pub mod crypto;
pub mod event;
pub mod gpu;
pub mod hash;
pub mod ids;
pub mod job;
pub mod output;
pub mod proof;
pub mod query;
pub mod receipt;
pub mod records;
mod serde_str;
pub mod state_key;
pub mod tx;
pub mod verification;

pub use amount::Amount;
pub use crypto::{AccountId, Keypair, PublicKey, Signature, SignatureError};
pub use gpu::{ComputeCapability, EvidenceTier, GpuGroup, OfferAttributes};
pub use hash::Hash32;
pub use ids::{LeaseId, OrderId};
pub use job::{BlobRef, JobManifest, JobRuntime};
pub use proof::{ProofError, StateProof};
pub use receipt::{Receipt, SignedReceipt, Usage};
pub use state_key::StateKey;
pub use tx::{OrderSpec, SignedTransaction, Transaction, TxBody, VerificationPolicy};
