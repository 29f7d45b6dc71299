//! The rigshare node API, defined once: every request and response body and every event the
//! node serves, which the node (`rigshare-node`) writes and clients (`rigshare-client`, SDKs,
//! the web console) read, so the two sides cannot drift.
//!
//! ```text
//!  market::State ──▶ node handlers ──serialize──▶ HTTP/JSON, SSE ──deserialize──▶ Client
//!                         └──────────── rigshare_api (these types) ────────────┘
//! ```
//!
//! Records of the market state are the `rigshare-types` records themselves (their JSON forms:
//! keys and digests as hex, amounts as decimal strings, ids as numbers), wrapped with their ids.
//! Market events are the market's own [`Event`] (from `rigshare_types::event`), streamed inside an
//! [`EventEnvelope`] that adds the block height.
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
pub use rigshare_types::event::{Event, LeaseAssignment};
