//! Event stream bodies: market events, block summaries, lag notices.

use rigshare_types::records::{CloseReason, OrderStatus};
use rigshare_types::verification::{DisputeCause, DisputeStatus, HardwareCheckStatus};
use rigshare_types::{Amount, Hash32, LeaseId, OrderId, PublicKey};
use serde::{Deserialize, Serialize};

/// SSE event name of the per-block summary.
pub const BLOCK_EVENT: &str = "block";
/// SSE event name sent to a subscriber that fell behind and missed blocks.
pub const LAGGED_EVENT: &str = "lagged";

/// The `block` event: one per finalized block, after its market events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockEvent {
    /// The block's height.
    pub height: u64,
    /// Digest of its header, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub digest: Hash32,
    /// The state root after executing it, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub state_root: Hash32,
    /// Transactions in the block.
    pub txs: u64,
    /// Market events the block produced.
    pub events: u64,
}

/// The `lagged` event: the subscriber fell behind and missed some blocks' events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lagged {
    /// Blocks whose events were skipped.
    pub missed: u64,
}

/// One market event, with the height of the block that produced it. The SSE event name is
/// the `type` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventEnvelope {
    /// The block's height.
    pub height: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: MarketEvent,
}

/// A lease assigned when an auction closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseAssignment {
    /// The lease.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub lease: LeaseId,
    /// The provider serving it, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub provider: PublicKey,
}

/// What happened in a block, as the event stream reports it (mirrors the market's events).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketEvent {
    /// Money moved between accounts.
    Transferred {
        /// Payer.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        from: PublicKey,
        /// Payee.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        to: PublicKey,
        /// Amount.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        amount: Amount,
    },
    /// A provider registered.
    ProviderRegistered {
        /// The provider.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
    },
    /// A provider replaced its inventory.
    InventoryUpdated {
        /// The provider.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
    },
    /// An order opened its auction.
    OrderCreated {
        /// The order.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        order: OrderId,
        /// Height at whose end the auction closes.
        closes_at: u64,
    },
    /// A provider bid.
    BidPlaced {
        /// The order.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        order: OrderId,
        /// The bidder.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
        /// Price per GPU-hour.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        price_gpu_hour: Amount,
    },
    /// An auction closed and assigned leases (none when the order failed for lack of bids).
    AuctionClosed {
        /// The order.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        order: OrderId,
        /// Leases created, one per replica.
        leases: Vec<LeaseAssignment>,
    },
    /// A provider started a lease.
    LeaseStarted {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
    },
    /// A lease was paid for time used.
    LeasePaid {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
        /// Paid in this block.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        amount: Amount,
    },
    /// A provider submitted a result.
    ResultSubmitted {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
        /// Its output root.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        output_root: Hash32,
    },
    /// A lease ended without a result.
    LeaseClosed {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
        /// Why: `not_started`, `escrow_exhausted`, `no_result`, `abandoned`, `cancelled`.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        reason: CloseReason,
    },
    /// An order ended.
    OrderFinished {
        /// The order.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        order: OrderId,
        /// Its final status.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        status: OrderStatus,
        /// Escrow returned to the requestor.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        refunded: Amount,
    },
    /// Unbonded stake returned to a provider's balance.
    StakeReleased {
        /// The provider.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
        /// Amount returned.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        amount: Amount,
    },
    /// A lease's result was drawn for audit by the beacon.
    AuditAssigned {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
        /// The provider that re-executes it.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        auditor: PublicKey,
    },
    /// An auditor reported the receipt's own root.
    AuditPassed {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
    },
    /// An auditor did not report in time.
    AuditExpired {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
    },
    /// A result was challenged with a bond.
    Challenged {
        /// The lease.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        lease: LeaseId,
        /// The challenger.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        by: PublicKey,
        /// The root it claims.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        output_root: Hash32,
    },
    /// A dispute opened and arbiters were drawn.
    DisputeOpened {
        /// The order.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        order: OrderId,
        /// Why: `replicas`, `audit` or `challenge` (with the lease).
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        cause: DisputeCause,
        /// The providers that re-execute the job.
        #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
        arbiters: Vec<PublicKey>,
    },
    /// A dispute ended.
    DisputeClosed {
        /// The order.
        #[cfg_attr(feature = "openapi", schema(value_type = u64))]
        order: OrderId,
        /// `resolved` (with the true root) or `unresolved`.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        status: DisputeStatus,
    },
    /// Stake was taken from a party proven wrong.
    Slashed {
        /// The provider.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
        /// Amount taken.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        amount: Amount,
    },
    /// A hardware challenge's seed and checker were drawn.
    HardwareCheckAssigned {
        /// The provider challenged.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
        /// The provider that checks it.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        checker: PublicKey,
    },
    /// A hardware challenge ended.
    HardwareChecked {
        /// The provider.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        provider: PublicKey,
        /// Its inventory group.
        group: u32,
        /// `passed` (the group is now `challenged`), `failed` or `expired`.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        status: HardwareCheckStatus,
    },
}

impl MarketEvent {
    /// The event's name: its SSE event name and its `type` field.
    pub const fn name(&self) -> &'static str {
        match self {
            MarketEvent::Transferred { .. } => "transferred",
            MarketEvent::ProviderRegistered { .. } => "provider_registered",
            MarketEvent::InventoryUpdated { .. } => "inventory_updated",
            MarketEvent::OrderCreated { .. } => "order_created",
            MarketEvent::BidPlaced { .. } => "bid_placed",
            MarketEvent::AuctionClosed { .. } => "auction_closed",
            MarketEvent::LeaseStarted { .. } => "lease_started",
            MarketEvent::LeasePaid { .. } => "lease_paid",
            MarketEvent::ResultSubmitted { .. } => "result_submitted",
            MarketEvent::LeaseClosed { .. } => "lease_closed",
            MarketEvent::OrderFinished { .. } => "order_finished",
            MarketEvent::StakeReleased { .. } => "stake_released",
            MarketEvent::AuditAssigned { .. } => "audit_assigned",
            MarketEvent::AuditPassed { .. } => "audit_passed",
            MarketEvent::AuditExpired { .. } => "audit_expired",
            MarketEvent::Challenged { .. } => "challenged",
            MarketEvent::DisputeOpened { .. } => "dispute_opened",
            MarketEvent::DisputeClosed { .. } => "dispute_closed",
            MarketEvent::Slashed { .. } => "slashed",
            MarketEvent::HardwareCheckAssigned { .. } => "hardware_check_assigned",
            MarketEvent::HardwareChecked { .. } => "hardware_checked",
        }
    }
}

/// One message of the event stream, as the client yields it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// A market event.
    Market(EventEnvelope),
    /// A finalized block's summary (after its market events).
    Block(BlockEvent),
    /// The subscriber fell behind; some blocks' events were skipped.
    Lagged(Lagged),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn events_are_tagged_by_name() {
        let event = EventEnvelope {
            height: 4,
            event: MarketEvent::Transferred {
                from: PublicKey([1; 32]),
                to: PublicKey([2; 32]),
                amount: Amount::micro(1_500_000),
            },
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], json!(event.event.name()));
        assert_eq!(value["height"], json!(4));
        assert_eq!(value["amount"], json!("1.5"));
        assert_eq!(serde_json::from_value::<EventEnvelope>(value).unwrap(), event);
    }
}
