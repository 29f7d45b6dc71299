//! Orders: creation with escrow, bids, cancellation.

use rigshare_types::query::Query;
use rigshare_types::records::{Bid, LeaseStatus, Order, OrderStatus};
use rigshare_types::{AccountId, Amount, OrderId, OrderSpec, PublicKey};

use crate::eligibility;
use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

/// Most bids one order keeps.
pub const MAX_BIDS_PER_ORDER: usize = 64;
/// Milliseconds in an hour: prices are per GPU-hour, time is block milliseconds.
pub const MS_PER_HOUR: u128 = 3_600_000;

/// What `gpus` GPUs at `price_gpu_hour` cost for `ms` milliseconds, rounded down; `None` past
/// `u64::MAX`.
pub fn cost(price_gpu_hour: Amount, gpus: u32, ms: u64) -> Option<Amount> {
    let micro = u128::from(price_gpu_hour.0) * u128::from(gpus) * u128::from(ms) / MS_PER_HOUR;
    u64::try_from(micro).ok().map(Amount)
}

impl State {
    pub(super) fn create_order(
        &mut self,
        sender: &AccountId,
        spec: &OrderSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let query = Query::parse(&spec.query).map_err(ExecError::InvalidQuery)?;
        self.check_order_spec(spec)?;
        let min_cost = cost(spec.max_price_gpu_hour, spec.gpus, self.params.min_duration_ms)
            .and_then(|c| c.checked_mul(u64::from(spec.replicas)))
            .ok_or(ExecError::Overflow)?;
        let min = Amount(min_cost.0.max(1));
        if spec.deposit < min {
            return Err(ExecError::DepositTooSmall { deposit: spec.deposit, min });
        }
        self.ensure_funds(sender, spec.deposit)?;

        self.debit(sender, spec.deposit);
        let id = OrderId(self.globals.next_order);
        self.globals.next_order = self.globals.next_order.saturating_add(1);
        let close = self.globals.height.saturating_add(u64::from(spec.auction_blocks));
        let order = Order {
            requestor: *sender,
            manifest_hash: spec.manifest_hash,
            query,
            gpus: spec.gpus,
            max_price_gpu_hour: spec.max_price_gpu_hour,
            max_duration_ms: spec.max_duration_ms,
            replicas: spec.replicas,
            verification: spec.verification,
            deposit: spec.deposit,
            escrow: spec.deposit,
            refunded: Amount::ZERO,
            created_height: self.globals.height,
            auction_close_height: close,
            bids: Vec::new(),
            leases: Vec::new(),
            status: OrderStatus::Open,
        };
        self.orders.insert(id, order);
        self.index.auctions.insert((close, id));
        events.push(Event::OrderCreated { order: id, closes_at: close });
        Ok(())
    }

    fn check_order_spec(&self, spec: &OrderSpec) -> Result<(), ExecError> {
        let p = &self.params;
        let range = |field, ok: bool, reason: String| {
            if ok { Ok(()) } else { Err(ExecError::InvalidField { field, reason }) }
        };
        range(
            "gpus",
            (1..=p.max_gpus_per_replica).contains(&spec.gpus),
            format!("must be 1..={}", p.max_gpus_per_replica),
        )?;
        range(
            "replicas",
            (1..=p.max_replicas).contains(&spec.replicas),
            format!("must be 1..={}", p.max_replicas),
        )?;
        range(
            "max_duration_ms",
            (p.min_duration_ms..=p.max_duration_ms).contains(&spec.max_duration_ms),
            format!("must be {}..={}", p.min_duration_ms, p.max_duration_ms),
        )?;
        range("max_price_gpu_hour", !spec.max_price_gpu_hour.is_zero(), "must be positive".into())?;
        range(
            "auction_blocks",
            (1..=p.max_auction_blocks).contains(&spec.auction_blocks),
            format!("must be 1..={}", p.max_auction_blocks),
        )?;
        range(
            "audit_ppm",
            u64::from(spec.verification.audit_ppm) <= super::verifiers::PPM,
            "must be at most 1000000 (every result audited)".into(),
        )
    }

    pub(super) fn bid(
        &mut self,
        sender: &PublicKey,
        id: OrderId,
        price: Amount,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let order = self.orders.get(&id).ok_or(ExecError::UnknownOrder(id))?;
        let provider = self.providers.get(sender).ok_or(ExecError::NotProvider)?;
        if order.status != OrderStatus::Open {
            return Err(ExecError::AuctionClosed(id));
        }
        if order.requestor == *sender {
            return Err(ExecError::SelfBid);
        }
        if !eligibility::staked(&self.params, provider) {
            let min = self.params.min_provider_stake;
            return Err(ExecError::InsufficientStake { stake: provider.stake, min });
        }
        if order.bids.iter().any(|b| b.provider == *sender) {
            return Err(ExecError::DuplicateBid(id));
        }
        if price.is_zero() {
            return Err(ExecError::ZeroAmount);
        }
        if price > order.max_price_gpu_hour {
            return Err(ExecError::BidAboveMax { bid: price, max: order.max_price_gpu_hour });
        }
        if order.bids.len() >= MAX_BIDS_PER_ORDER {
            return Err(ExecError::TooManyBids(id));
        }
        let group =
            eligibility::eligible_group(&self.params, provider, &order.query, order.gpus, price)
                .ok_or(ExecError::Ineligible { gpus: order.gpus })?;

        if let Some(order) = self.orders.get_mut(&id) {
            order.bids.push(Bid { provider: *sender, price_gpu_hour: price, group });
        }
        if let Some(provider) = self.providers.get_mut(sender) {
            provider.open_bids = provider.open_bids.saturating_add(1);
        }
        events.push(Event::BidPlaced { order: id, provider: *sender, price_gpu_hour: price });
        Ok(())
    }

    /// Withdraws an order. An open auction is refunded whole; running leases end now, paid for
    /// the time they ran, and the rest of the escrow is refunded.
    pub(super) fn cancel_order(
        &mut self,
        sender: &AccountId,
        id: OrderId,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let order = self.orders.get(&id).ok_or(ExecError::UnknownOrder(id))?;
        if order.requestor != *sender {
            return Err(ExecError::NotRequestor);
        }
        match order.status {
            OrderStatus::Open => {
                let close = order.auction_close_height;
                self.index.auctions.remove(&(close, id));
                self.release_bids(id);
            }
            OrderStatus::Running => {
                let active: Vec<_> = order
                    .leases
                    .iter()
                    .copied()
                    .filter(|l| self.leases.get(l).is_some_and(|l| l.status.is_active()))
                    .collect();
                for lease in active {
                    if self.leases.get(&lease).is_some_and(|l| l.status == LeaseStatus::Running) {
                        self.pay_accrued(lease, events);
                    }
                    self.close_lease(
                        lease,
                        rigshare_types::records::CloseReason::Cancelled,
                        events,
                    );
                }
            }
            _ => return Err(ExecError::OrderEnded(id)),
        }
        self.finish_order(id, Some(OrderStatus::Cancelled), events);
        Ok(())
    }

    /// Forgets the order's bids in the bidders' open-bid counts (the bids stay on record).
    pub(super) fn release_bids(&mut self, id: OrderId) {
        let bidders: Vec<PublicKey> = self
            .orders
            .get(&id)
            .map(|o| o.bids.iter().map(|b| b.provider).collect())
            .unwrap_or_default();
        for bidder in bidders {
            if let Some(provider) = self.providers.get_mut(&bidder) {
                provider.open_bids = provider.open_bids.saturating_sub(1);
            }
        }
    }
}
