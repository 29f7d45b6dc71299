//! The bidding policy: whether to bid on an order, and at what price. Pure, so it is tested
//! against made-up inventories and orders without a node.

use rigshare_types::records::{Order, OrderStatus, Provider};
use rigshare_types::{Amount, PublicKey};

/// Why the agent does not bid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    /// The auction is over.
    #[error("the auction is closed")]
    Closed,
    /// The order is the provider's own.
    #[error("the order is our own")]
    OwnOrder,
    /// The provider bid already.
    #[error("we bid already")]
    AlreadyBid,
    /// Leases and open bids are at the configured maximum.
    #[error("at capacity: {busy} of {max} leases and bids")]
    AtCapacity {
        /// Active leases plus open bids.
        busy: u32,
        /// The configured maximum.
        max: u32,
    },
    /// The order may run for less time than the provider accepts.
    #[error("the order runs at most {order_ms} ms, less than our minimum {min_ms} ms")]
    TooShort {
        /// The order's maximum duration.
        order_ms: u64,
        /// Ours.
        min_ms: u64,
    },
    /// No group with enough free GPUs matches the query at a price within the order's maximum.
    #[error("no GPU group matches at a price within {max}")]
    NoMatch {
        /// The order's maximum price per GPU-hour.
        max: Amount,
    },
}

/// Bidding limits from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidPolicy {
    /// Most leases pending or running plus open bids.
    pub max_concurrent_leases: u32,
    /// Shortest order accepted, in ms.
    pub min_duration_ms: u64,
}

impl BidPolicy {
    /// The price to bid on `order` as provider `me` (whose on-chain record is `provider`): the
    /// lowest price floor among its groups that can serve the order, if that is within the
    /// order's maximum. The floor is the price: the auction picks the cheapest bids, and a
    /// winner is paid its own bid.
    pub fn decide(
        &self,
        me: &PublicKey,
        provider: &Provider,
        order: &Order,
    ) -> Result<Amount, Skip> {
        if order.status != OrderStatus::Open {
            return Err(Skip::Closed);
        }
        if order.requestor == *me {
            return Err(Skip::OwnOrder);
        }
        if order.bids.iter().any(|b| b.provider == *me) {
            return Err(Skip::AlreadyBid);
        }
        let busy = provider.active_leases.saturating_add(provider.open_bids);
        if busy >= self.max_concurrent_leases {
            return Err(Skip::AtCapacity { busy, max: self.max_concurrent_leases });
        }
        if order.max_duration_ms < self.min_duration_ms {
            return Err(Skip::TooShort {
                order_ms: order.max_duration_ms,
                min_ms: self.min_duration_ms,
            });
        }
        let reliability = provider.stats.reliability_ppm();
        provider
            .inventory
            .iter()
            .filter(|group| group.free() >= order.gpus)
            .map(|group| (group, group.gpu.price_floor))
            .filter(|(_, price)| *price <= order.max_price_gpu_hour && !price.is_zero())
            .filter(|(group, price)| order.query.matches(&group.attributes(*price, reliability)))
            .map(|(_, price)| price)
            .min()
            .ok_or(Skip::NoMatch { max: order.max_price_gpu_hour })
    }
}

#[cfg(test)]
mod tests;
