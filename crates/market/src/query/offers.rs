//! The offer search: which providers' GPU groups match an offer query.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use rigshare_types::query::Query;
use rigshare_types::records::{InventoryGroup, Provider};
use rigshare_types::{Amount, PublicKey};

use crate::eligibility;
use crate::state::State;

/// One GPU group that matches an offer query, priced at the group's floor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfferMatch<'a> {
    /// The provider's key.
    pub provider: PublicKey,
    /// The provider's record (endpoint, stats, the rest of its inventory).
    pub record: &'a Provider,
    /// Index of the group in the provider's inventory (bids name groups by it).
    pub group: u32,
    /// The group: its GPUs, evidence tier and how many of them are leased.
    pub inventory: &'a InventoryGroup,
    /// Price per GPU-hour: the group's price floor.
    pub price_gpu_hour: Amount,
    /// The provider's reliability, in parts per million.
    pub reliability_ppm: u32,
}

/// The result of [`State::offers`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfferSearch<'a> {
    /// Matching groups, cheapest first, then most reliable, most free GPUs, provider, group.
    pub offers: Vec<OfferMatch<'a>>,
    /// Groups of staked providers evaluated.
    pub considered: u64,
    /// For each clause (canonical form), how many groups it excluded; a group failing several
    /// clauses counts under each.
    pub excluded_by: BTreeMap<String, u64>,
}

impl State {
    /// Every GPU group that may serve `query` at its price floor (any number of free GPUs, as
    /// far as the query allows), by the rule auctions apply: groups of providers below the
    /// minimum stake are not considered at all.
    pub fn offers(&self, query: &Query) -> OfferSearch<'_> {
        let mut search = OfferSearch::default();
        for (id, provider) in self.providers.iter() {
            if !eligibility::staked(&self.params, provider) {
                continue;
            }
            let reliability_ppm = provider.stats.reliability_ppm();
            for (index, group) in (0u32..).zip(&provider.inventory) {
                search.considered = search.considered.saturating_add(1);
                let price = group.gpu.price_floor;
                if eligibility::serves(&self.params, provider, group, query, 0, price) {
                    search.offers.push(OfferMatch {
                        provider: *id,
                        record: provider,
                        group: index,
                        inventory: group,
                        price_gpu_hour: price,
                        reliability_ppm,
                    });
                    continue;
                }
                for clause in query.failing(&group.attributes(price, reliability_ppm)) {
                    let count = search.excluded_by.entry(clause.to_string()).or_default();
                    *count = count.saturating_add(1);
                }
            }
        }
        search.offers.sort_by_key(|o| {
            let free = Reverse(o.inventory.free());
            (o.price_gpu_hour, Reverse(o.reliability_ppm), free, o.provider, o.group)
        });
        search
    }
}
