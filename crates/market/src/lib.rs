//! The rigshare market state machine: accounts, providers, orders, auctions, leases, escrow and
//! results, with a state commitment.
//!
//! # Design
//! The market is a pure function of its blocks: [`State::apply_block`] takes a block's context
//! (height, time, randomness seed) and its signed transactions, and returns what happened and
//! the new state root. There is no I/O, no clock, no floating point and no randomness but the
//! block's seed; every table is an ordered map. Two validators applying the same blocks compute
//! the same root, bit for bit.
//!
//! ```text
//!  block ──▶ admission ──▶ execution ──▶ end of block ─────────────────▶ commit
//!            signature     transfer,     settle running leases           sparse Merkle
//!            nonce, fee    provider,     expire unstarted leases         tree: every changed entry
//!                          order, bid,   close due auctions              ──▶ state root
//!                          result, …     release unbonded stake
//! ```
//!
//! Money is conserved exactly: balances, order and lease escrow, stakes (bonded and unbonding)
//! and the fee pool always sum to the genesis supply ([`State::money_in_existence`]).
//!
//! # Lifecycle of an order
//! `CreateOrder` locks the deposit and opens an auction for a few blocks. Providers whose
//! inventory matches the order's query `Bid`. At the end of the closing block the cheapest
//! eligible bids win (see [`exec`]'s auction rules), one lease per replica on distinct
//! providers, each lease holding an equal share of the escrow. The provider sends `StartLease`;
//! payment then streams every block. `SubmitResult` ends the lease with a signed receipt. When
//! no lease of the order is active, the order finishes: replicas' output roots are compared,
//! and unspent escrow is refunded (or held, if the roots disagree).
//!
//! Audits, challenges and slashing build on this (disputed orders hold their escrow).
//!
//! # Read queries
//! What the node's API serves about the market is computed here, as pure functions of the
//! state ([`query`]), so a handler only parses, paginates and serializes:
//! [`State::offers`] searches GPU groups with an offer query by the same eligibility rule an
//! auction applies to bids (stake, free GPUs, every clause at the price), and
//! [`State::assignments`] lists the verification work a provider owes from an index that block
//! execution keeps in step with the audit, dispute and hardware-check tables.

mod commit;
mod eligibility;
pub mod error;
pub mod exec;
pub mod params;
pub mod query;
mod state;
mod table;

pub use commit::{DEFAULT_RETAINED_VERSIONS, ProveError};
pub use error::{AdmissionError, BlockError, ExecError, TxError};
pub use exec::{BlockContext, BlockOutcome, Executed, Signatures};
pub use params::{Genesis, Params};
pub use query::{Assignments, OfferMatch, OfferSearch};
pub use rigshare_types::event::Event;
pub use state::{GenesisError, State};
