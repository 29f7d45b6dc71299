//! Closing auctions: the cheapest eligible bids win, one lease per replica on distinct
//! providers.
//!
//! Ranking: price ascending, then reputation — reliability descending (slashings weigh heavily,
//! see `ProviderStats::reliability_ppm`), then independently confirmed results descending — then
//! `sha256(seed || order || provider)` ascending. The seed is the block's unbiasable randomness,
//! so ties are broken fairly and no key is favoured forever.

use std::cmp::Reverse;

use rigshare_types::event::{Event, LeaseAssignment};
use rigshare_types::records::{Lease, LeaseStatus, OrderFailure, OrderStatus};
use rigshare_types::{Amount, LeaseId, OrderId, PublicKey, hash};

use crate::eligibility::eligible_group;
use crate::state::State;

impl State {
    pub(super) fn close_due_auctions(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, OrderId)> =
            self.index.auctions.range(..=(height, OrderId(u64::MAX))).copied().collect();
        for entry in due {
            self.index.auctions.remove(&entry);
            self.close_auction(entry.1, events);
        }
    }

    fn close_auction(&mut self, id: OrderId, events: &mut Vec<Event>) {
        let winners = self.rank_bids(id);
        self.release_bids(id);
        let Some(order) = self.orders.get(&id) else { return };
        let replicas = usize::from(order.replicas);
        if winners.len() < replicas {
            let eligible = u32::try_from(winners.len()).unwrap_or(u32::MAX);
            events.push(Event::AuctionClosed { order: id, leases: Vec::new() });
            self.finish_order(
                id,
                Some(OrderStatus::Failed(OrderFailure::NotEnoughBids { eligible })),
                events,
            );
            return;
        }
        let (gpus, requestor) = (order.gpus, order.requestor);
        let share = Amount(order.escrow.0 / u64::from(order.replicas));
        let deadline = self.globals.height.saturating_add(self.params.start_timeout_blocks);
        let mut assigned = Vec::with_capacity(replicas);
        for (replica, (provider, price, group)) in (0u8..).zip(winners.into_iter().take(replicas)) {
            let lease = LeaseId(self.globals.next_lease);
            self.globals.next_lease = self.globals.next_lease.saturating_add(1);
            self.leases.insert(
                lease,
                Lease {
                    order: id,
                    replica,
                    provider,
                    requestor,
                    group,
                    gpus,
                    price_gpu_hour: price,
                    escrow: share,
                    paid: Amount::ZERO,
                    created_height: self.globals.height,
                    start_deadline: deadline,
                    started_ms: None,
                    ended_ms: None,
                    status: LeaseStatus::Pending,
                },
            );
            if let Some(p) = self.providers.get_mut(&provider) {
                p.active_leases = p.active_leases.saturating_add(1);
                if let Some(g) = p.inventory.get_mut(group as usize) {
                    g.leased = g.leased.saturating_add(gpus);
                }
            }
            self.index.pending.insert((deadline, lease));
            assigned.push(LeaseAssignment { lease, provider });
        }
        if let Some(order) = self.orders.get_mut(&id) {
            order.escrow = order
                .escrow
                .saturating_sub(Amount(share.0.saturating_mul(u64::from(order.replicas))));
            order.leases = assigned.iter().map(|a| a.lease).collect();
            order.status = OrderStatus::Running;
        }
        events.push(Event::AuctionClosed { order: id, leases: assigned });
    }

    /// The bids still eligible now, best first: `(provider, price, group)`.
    fn rank_bids(&self, id: OrderId) -> Vec<(PublicKey, Amount, u32)> {
        let Some(order) = self.orders.get(&id) else { return Vec::new() };
        let seed = self.globals.seed;
        let mut ranked: Vec<_> = order
            .bids
            .iter()
            .filter_map(|bid| {
                let provider = self.providers.get(&bid.provider)?;
                // Stake, capacity or inventory may have changed since the bid: re-check.
                let group = eligible_group(
                    &self.params,
                    provider,
                    &order.query,
                    order.gpus,
                    bid.price_gpu_hour,
                )?;
                let tie = hash::sha256_parts(&[&seed.0, &id.0.to_be_bytes(), &bid.provider.0]);
                let stats = provider.stats;
                let key = (
                    bid.price_gpu_hour,
                    Reverse(stats.reliability_ppm()),
                    Reverse(stats.audited),
                    tie,
                );
                Some((key, (bid.provider, bid.price_gpu_hour, group)))
            })
            .collect();
        ranked.sort_by_key(|(key, _)| *key);
        ranked.into_iter().map(|(_, winner)| winner).collect()
    }
}
