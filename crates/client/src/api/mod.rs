//! The node API's bodies: what the node serves and the client reads, defined once.
//!
//! Records of the market state are the `rigshare-types` records themselves (their JSON forms:
//! keys and digests as hex, amounts as decimal strings, ids as numbers), wrapped with their ids.
//! Market events get their own serializable mirror, [`MarketEvent`], because the state machine
//! keeps its event type free of serde.
//!
//! With the `openapi` feature every type here also derives its OpenAPI schema; fields holding
//! `rigshare-types` values are described as strings (hex, decimal) or objects.

mod chain;
mod common;
mod events;
mod market;

pub use chain::*;
pub use common::*;
pub use events::*;
pub use market::*;
