//! Who may serve a query: the one rule that auctions (a bid, and its re-check when the auction
//! closes) and the offer search ([`State::offers`](crate::State::offers)) both apply, so that
//! what a requestor is shown is what the market would let win.

use rigshare_types::Amount;
use rigshare_types::query::Query;
use rigshare_types::records::{InventoryGroup, Provider};

use crate::params::Params;

/// Whether `provider` holds the stake asked of anyone who offers GPUs: at least
/// `min_provider_stake`.
pub(crate) fn staked(params: &Params, provider: &Provider) -> bool {
    provider.stake >= params.min_provider_stake
}

/// Whether `group` of `provider` may serve `query` with `gpus` GPUs at `price` per GPU-hour: the
/// provider is [`staked`], the group has `gpus` free, and every clause holds for the group
/// offered at that price.
pub(crate) fn serves(
    params: &Params,
    provider: &Provider,
    group: &InventoryGroup,
    query: &Query,
    gpus: u32,
    price: Amount,
) -> bool {
    staked(params, provider)
        && group.free() >= gpus
        && query.matches(&group.attributes(price, provider.stats.reliability_ppm()))
}

/// The first of `provider`'s groups, by position, that [`serves`] `query` with `gpus` GPUs at
/// `price`.
pub(crate) fn eligible_group(
    params: &Params,
    provider: &Provider,
    query: &Query,
    gpus: u32,
    price: Amount,
) -> Option<u32> {
    provider
        .inventory
        .iter()
        .position(|group| serves(params, provider, group, query, gpus, price))
        .and_then(|i| u32::try_from(i).ok())
}
