//! Read queries: pure functions of [`State`](crate::State) that the node's API serves as they
//! are, so the rules live here once and handlers only parse, paginate and serialize.
//!
//! - [`State::offers`](crate::State::offers): the GPU groups that match an offer query, by the
//!   same eligibility rule auctions apply, cheapest first, with why the others were excluded.

mod offers;

pub use offers::{OfferMatch, OfferSearch};
