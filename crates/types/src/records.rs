//! The entries of the market's committed state, as stored, proven and served by the API.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::gpu::{EvidenceTier, GpuGroup, OfferAttributes};
use crate::query::Query;
use crate::tx::VerificationPolicy;
use crate::{AccountId, Amount, Hash32, LeaseId, OrderId, PublicKey};

/// An account. Accounts are never deleted, so a spent nonce can never be reused.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct Account {
    /// Spendable balance.
    pub balance: Amount,
    /// Transactions admitted so far; the next transaction must carry this nonce.
    pub nonce: u64,
}

/// A registered provider.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Provider {
    /// The agent's HTTP endpoint.
    pub endpoint: String,
    /// Free-form labels, sorted by key.
    pub attributes: Vec<(String, String)>,
    /// Locked stake (slashable).
    pub stake: Amount,
    /// Stake on its way back to the balance.
    pub unbonding: Vec<Unbonding>,
    /// Published GPU groups.
    pub inventory: Vec<InventoryGroup>,
    /// Leases pending or running.
    pub active_leases: u32,
    /// Bids on orders whose auction is still open.
    pub open_bids: u32,
    /// Track record.
    pub stats: ProviderStats,
    /// Height at which the provider registered.
    pub registered_at: u64,
    /// Unbonding stake is not released before this height: the end of the last challenge,
    /// audit or dispute window of its results, so a cheater cannot leave with its stake.
    pub locked_until: u64,
}

/// Stake released by an `Unbond`, paid back at `release_height`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Unbonding {
    /// Amount released.
    pub amount: Amount,
    /// Height at whose end it returns to the balance.
    pub release_height: u64,
}

/// One published GPU group with what the market knows about it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct InventoryGroup {
    /// The provider's claim.
    pub gpu: GpuGroup,
    /// How well the claim is backed.
    pub tier: EvidenceTier,
    /// GPUs of this group held by active leases.
    pub leased: u32,
}

impl InventoryGroup {
    /// GPUs of this group free to lease.
    pub fn free(&self) -> u32 {
        self.gpu.count.saturating_sub(self.leased)
    }

    /// The attributes a query sees for this group offered at `price` by a provider with
    /// `reliability_ppm`.
    pub fn attributes(&self, price: Amount, reliability_ppm: u32) -> OfferAttributes<'_> {
        OfferAttributes {
            gpu_model: &self.gpu.model,
            gpu_count: self.free(),
            vram_mib: self.gpu.vram_mib,
            compute_capability: self.gpu.compute_capability,
            tier: self.tier,
            price_gpu_hour: price,
            reliability_ppm,
        }
    }
}

/// A provider's track record, used in auction tie-breaks and shown in offers.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct ProviderStats {
    /// Leases that ended with a submitted result.
    pub completed: u64,
    /// Leases the provider did not start, abandoned, or left without a result; audits and
    /// arbitrations it was assigned and did not report.
    pub failed: u64,
    /// Results an independent re-execution confirmed (an audit or an arbitration).
    pub audited: u64,
    /// Results proven wrong, for which its stake was slashed.
    pub slashed: u64,
}

impl ProviderStats {
    /// Weight of one slashing against the successes in [`ProviderStats::reliability_ppm`]: a
    /// proven wrong result costs as much as this many failed leases.
    pub const SLASH_WEIGHT: u64 = 10;

    /// Share of finished work that succeeded, in parts per million, each slashing counting as
    /// [`ProviderStats::SLASH_WEIGHT`] failures (its result also counted as completed). A
    /// newcomer counts as fully reliable so that it can win its first leases.
    pub fn reliability_ppm(&self) -> u32 {
        let penalty = u128::from(self.slashed) * u128::from(Self::SLASH_WEIGHT);
        let good = u128::from(self.completed).saturating_sub(u128::from(self.slashed));
        let total = good + u128::from(self.failed) + penalty;
        if total == 0 {
            return 1_000_000;
        }
        let ppm = good * 1_000_000 / total;
        u32::try_from(ppm).unwrap_or(1_000_000)
    }
}

/// A requestor's order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Order {
    /// Who pays.
    pub requestor: AccountId,
    /// BLAKE3 of the job manifest.
    pub manifest_hash: Hash32,
    /// Parsed resource constraints.
    pub query: Query,
    /// GPUs per replica.
    pub gpus: u32,
    /// Highest acceptable price per GPU-hour.
    pub max_price_gpu_hour: Amount,
    /// Longest a lease may run, in milliseconds.
    pub max_duration_ms: u64,
    /// Leases wanted, on distinct providers.
    pub replicas: u8,
    /// Result checks beyond replica comparison.
    pub verification: VerificationPolicy,
    /// The deposit as locked at creation.
    pub deposit: Amount,
    /// Escrow not (yet) handed to a lease, refunded when the order ends.
    pub escrow: Amount,
    /// Total refunded to the requestor so far.
    pub refunded: Amount,
    /// Height of creation.
    pub created_height: u64,
    /// Height at whose end the auction closes.
    pub auction_close_height: u64,
    /// Bids received, in arrival order.
    pub bids: Vec<Bid>,
    /// Leases created at auction close, one per replica.
    pub leases: Vec<LeaseId>,
    /// Where the order stands.
    pub status: OrderStatus,
}

/// A provider's bid.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Bid {
    /// The bidder.
    pub provider: PublicKey,
    /// Price per GPU-hour.
    pub price_gpu_hour: Amount,
    /// Index of the bidder's inventory group that would serve the order.
    pub group: u32,
}

/// Where an order stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Auction open.
    Open,
    /// Leases assigned; results pending.
    Running,
    /// At least two replicas returned the same output root, and none disagreed.
    Verified,
    /// Exactly one result came back (one replica asked, or the others failed): not cross-checked.
    Completed,
    /// Replicas disagree: the remaining escrow is held until the dispute is resolved.
    Disputed,
    /// Nothing usable came back, or arbitration proved every result wrong; unused escrow
    /// refunded.
    Failed(OrderFailure),
    /// Withdrawn by the requestor.
    Cancelled,
}

impl OrderStatus {
    /// Whether the order has ended (no lease will run for it again).
    pub fn is_final(&self) -> bool {
        !matches!(self, OrderStatus::Open | OrderStatus::Running)
    }
}

/// Why an order failed.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderFailure {
    /// Fewer eligible bids than replicas when the auction closed.
    NotEnoughBids {
        /// Eligible bids at close.
        eligible: u32,
    },
    /// Every lease ended without a result.
    NoResults,
    /// Arbitration proved every result wrong (their providers were slashed).
    WrongResults,
}

/// One replica of an order, served by one provider.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Lease {
    /// The order.
    pub order: OrderId,
    /// Replica number, from 0.
    pub replica: u8,
    /// Who serves it.
    pub provider: PublicKey,
    /// Who pays.
    pub requestor: AccountId,
    /// The provider's inventory group serving it.
    pub group: u32,
    /// GPUs held.
    pub gpus: u32,
    /// Agreed price per GPU-hour.
    pub price_gpu_hour: Amount,
    /// Escrow allocated to this lease and not yet paid out.
    pub escrow: Amount,
    /// Paid to the provider so far.
    pub paid: Amount,
    /// Height the lease was created (auction close).
    pub created_height: u64,
    /// Last height at which the provider may start it.
    pub start_deadline: u64,
    /// Block time the lease started running, in ms.
    pub started_ms: Option<u64>,
    /// Block time the lease ended, in ms.
    pub ended_ms: Option<u64>,
    /// Where the lease stands.
    pub status: LeaseStatus,
}

/// Where a lease stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LeaseStatus {
    /// Waiting for the provider to start.
    Pending,
    /// Running and streaming payment.
    Running,
    /// Result submitted.
    Completed,
    /// Ended without a result.
    Closed(CloseReason),
}

impl LeaseStatus {
    /// Whether the lease holds GPUs and escrow (pending or running).
    pub fn is_active(&self) -> bool {
        matches!(self, LeaseStatus::Pending | LeaseStatus::Running)
    }
}

/// Why a lease ended without a result.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The provider did not start it by the deadline.
    NotStarted,
    /// Its escrow ran out before it finished.
    EscrowExhausted,
    /// Its time ran out and no result came within the grace period.
    NoResult,
    /// The provider gave it up.
    Abandoned,
    /// The requestor cancelled the order.
    Cancelled,
}

/// Chain-wide values, committed like any other entry.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct Globals {
    /// Height of the last applied block.
    pub height: u64,
    /// Its timestamp, in ms.
    pub time_ms: u64,
    /// Its randomness seed.
    pub seed: Hash32,
    /// Next order id to assign.
    pub next_order: u64,
    /// Next lease id to assign.
    pub next_lease: u64,
    /// Fees collected, not yet distributed.
    pub fee_pool: Amount,
    /// All money in existence; constant after genesis.
    pub total_supply: Amount,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_is_exact_integer_math() {
        let stats = |completed, failed, slashed| ProviderStats {
            completed,
            failed,
            slashed,
            ..ProviderStats::default()
        };
        assert_eq!(ProviderStats::default().reliability_ppm(), 1_000_000);
        assert_eq!(stats(99, 1, 0).reliability_ppm(), 990_000);
        assert_eq!(stats(0, 3, 0).reliability_ppm(), 0);
        assert_eq!(stats(1, 2, 0).reliability_ppm(), 333_333);
        // 10 results, one proven wrong: 9 good against 10 × 1 penalty.
        assert_eq!(stats(10, 0, 1).reliability_ppm(), 473_684);
    }
}
