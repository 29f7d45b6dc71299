//! One file per route family; [`crate::router`] registers them.

pub(crate) mod accounts;
pub(crate) mod blocks;
pub(crate) mod events;
pub(crate) mod leases;
pub(crate) mod offers;
pub(crate) mod openapi;
pub(crate) mod orders;
pub(crate) mod proofs;
pub(crate) mod providers;
pub(crate) mod scrape;
pub(crate) mod status;
pub(crate) mod txs;
