//! Read queries: pure functions of [`State`](crate::State) that the node's API serves as they
//! are, so the rules live here once and handlers only parse, paginate and serialize.
//!
//! - [`State::offers`](crate::State::offers): the GPU groups that match an offer query, by the
//!   same eligibility rule auctions apply, cheapest first, with why the others were excluded.
//! - [`State::assignments`](crate::State::assignments): the verification work a provider owes
//!   (pending audits, unvoted disputes, assigned hardware checks), read from an index kept in
//!   step with the audit, dispute and hardware-check tables, so its cost does not grow with the
//!   history of finished records.

mod assignments;
mod offers;

pub(crate) use assignments::AssignmentIndex;
pub use assignments::Assignments;
pub use offers::{OfferMatch, OfferSearch};
