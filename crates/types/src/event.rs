//! What happened in a block: the market's events, defined once. The market returns them, the
//! chain hands them to the node, the node streams them (JSON, tagged by [`Event::name`]) and
//! the client decodes them, all with this one type: adding an event is a change here and in
//! the code that emits it.
//!
//! With the `openapi` feature every type here also derives its OpenAPI schema.

use serde::{Deserialize, Serialize};

use crate::records::{CloseReason, OrderStatus};
use crate::verification::{DisputeCause, DisputeStatus, HardwareCheckStatus};
use crate::{Amount, Hash32, LeaseId, OrderId, PublicKey};

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

/// One thing that happened while applying a block: what the market returns, what the node's
/// event stream sends (tagged by [`Event::name`] in `type`) and what clients decode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// The schema keeps the name the API has always published.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MarketEvent))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
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

impl Event {
    /// The order this event is about, if it is about one.
    pub const fn order(&self) -> Option<OrderId> {
        match self {
            Event::OrderCreated { order, .. }
            | Event::BidPlaced { order, .. }
            | Event::AuctionClosed { order, .. }
            | Event::OrderFinished { order, .. }
            | Event::DisputeOpened { order, .. }
            | Event::DisputeClosed { order, .. } => Some(*order),
            _ => None,
        }
    }

    /// The lease this event is about, if it is about one.
    pub const fn lease(&self) -> Option<LeaseId> {
        match self {
            Event::LeaseStarted { lease }
            | Event::LeasePaid { lease, .. }
            | Event::ResultSubmitted { lease, .. }
            | Event::LeaseClosed { lease, .. }
            | Event::AuditAssigned { lease, .. }
            | Event::AuditPassed { lease }
            | Event::AuditExpired { lease }
            | Event::Challenged { lease, .. } => Some(*lease),
            _ => None,
        }
    }

    /// The event's name: its SSE event name and its `type` field.
    pub const fn name(&self) -> &'static str {
        match self {
            Event::Transferred { .. } => "transferred",
            Event::ProviderRegistered { .. } => "provider_registered",
            Event::InventoryUpdated { .. } => "inventory_updated",
            Event::OrderCreated { .. } => "order_created",
            Event::BidPlaced { .. } => "bid_placed",
            Event::AuctionClosed { .. } => "auction_closed",
            Event::LeaseStarted { .. } => "lease_started",
            Event::LeasePaid { .. } => "lease_paid",
            Event::ResultSubmitted { .. } => "result_submitted",
            Event::LeaseClosed { .. } => "lease_closed",
            Event::OrderFinished { .. } => "order_finished",
            Event::StakeReleased { .. } => "stake_released",
            Event::AuditAssigned { .. } => "audit_assigned",
            Event::AuditPassed { .. } => "audit_passed",
            Event::AuditExpired { .. } => "audit_expired",
            Event::Challenged { .. } => "challenged",
            Event::DisputeOpened { .. } => "dispute_opened",
            Event::DisputeClosed { .. } => "dispute_closed",
            Event::Slashed { .. } => "slashed",
            Event::HardwareCheckAssigned { .. } => "hardware_check_assigned",
            Event::HardwareChecked { .. } => "hardware_checked",
        }
    }
}
