//! What happened in a block, for subscribers (the node's event stream, the provider agent).

use rigshare_types::records::{CloseReason, OrderStatus};
use rigshare_types::verification::{DisputeCause, DisputeStatus, HardwareCheckStatus};
use rigshare_types::{AccountId, Amount, Hash32, LeaseId, OrderId, PublicKey};

/// One thing that happened while applying a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Money moved between accounts.
    Transferred {
        /// Payer.
        from: AccountId,
        /// Payee.
        to: AccountId,
        /// Amount.
        amount: Amount,
    },
    /// A provider registered.
    ProviderRegistered {
        /// The provider.
        provider: PublicKey,
    },
    /// A provider replaced its inventory.
    InventoryUpdated {
        /// The provider.
        provider: PublicKey,
    },
    /// An order opened its auction.
    OrderCreated {
        /// The order.
        order: OrderId,
        /// Height at whose end the auction closes.
        closes_at: u64,
    },
    /// A provider bid.
    BidPlaced {
        /// The order.
        order: OrderId,
        /// The bidder.
        provider: PublicKey,
        /// The price per GPU-hour.
        price_gpu_hour: Amount,
    },
    /// An auction closed and assigned leases (empty when the order failed for lack of bids).
    AuctionClosed {
        /// The order.
        order: OrderId,
        /// Leases created, one per replica.
        leases: Vec<(LeaseId, PublicKey)>,
    },
    /// A provider started a lease.
    LeaseStarted {
        /// The lease.
        lease: LeaseId,
    },
    /// A lease was paid for time used.
    LeasePaid {
        /// The lease.
        lease: LeaseId,
        /// Paid in this block.
        amount: Amount,
    },
    /// A provider submitted a result.
    ResultSubmitted {
        /// The lease.
        lease: LeaseId,
        /// Its output root.
        output_root: Hash32,
    },
    /// A lease ended without a result.
    LeaseClosed {
        /// The lease.
        lease: LeaseId,
        /// Why.
        reason: CloseReason,
    },
    /// An order ended.
    OrderFinished {
        /// The order.
        order: OrderId,
        /// Its final status.
        status: OrderStatus,
        /// Escrow returned to the requestor.
        refunded: Amount,
    },
    /// Unbonded stake returned to a provider's balance.
    StakeReleased {
        /// The provider.
        provider: PublicKey,
        /// Amount returned.
        amount: Amount,
    },
    /// A lease's result was drawn for audit.
    AuditAssigned {
        /// The lease.
        lease: LeaseId,
        /// Who re-executes it.
        auditor: PublicKey,
    },
    /// An auditor reported the receipt's own root.
    AuditPassed {
        /// The lease.
        lease: LeaseId,
    },
    /// An auditor did not report in time.
    AuditExpired {
        /// The lease.
        lease: LeaseId,
    },
    /// A result was challenged with a bond.
    Challenged {
        /// The lease.
        lease: LeaseId,
        /// The challenger.
        by: AccountId,
        /// The root it claims.
        output_root: Hash32,
    },
    /// A dispute opened and arbiters were drawn.
    DisputeOpened {
        /// The order.
        order: OrderId,
        /// Why.
        cause: DisputeCause,
        /// Who re-executes the job.
        arbiters: Vec<PublicKey>,
    },
    /// A dispute ended.
    DisputeClosed {
        /// The order.
        order: OrderId,
        /// Its outcome.
        status: DisputeStatus,
    },
    /// Stake was taken from a party proven wrong.
    Slashed {
        /// The provider.
        provider: PublicKey,
        /// Amount taken.
        amount: Amount,
    },
    /// A hardware challenge's seed and checker were drawn.
    HardwareCheckAssigned {
        /// The provider challenged.
        provider: PublicKey,
        /// Who checks it.
        checker: PublicKey,
    },
    /// A hardware challenge ended: passed (the group is now `challenged`), failed, or expired
    /// (no checker could be drawn, or it did not report in time).
    HardwareChecked {
        /// The provider.
        provider: PublicKey,
        /// Its group.
        group: u32,
        /// How it ended.
        status: HardwareCheckStatus,
    },
}
