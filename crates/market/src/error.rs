//! Why a transaction or a block was rejected.

use rigshare_types::query::QueryError;
use rigshare_types::{Amount, LeaseId, OrderId, SignatureError};

/// Why a transaction was not admitted. Nothing changed: not even the nonce or the fee.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// The signature does not verify for the sender on this network.
    #[error("bad signature: {0}")]
    BadSignature(SignatureError),
    /// The sender has never received funds.
    #[error("unknown sender account")]
    UnknownSender,
    /// The nonce was already used: a replay or a duplicate.
    #[error("nonce {got} already used (next is {expected})")]
    StaleNonce {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// The nonce skips ahead of the account's next one.
    #[error("nonce {got} is ahead of the next nonce {expected}")]
    FutureNonce {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// The fee is below the network minimum.
    #[error("fee {offered} below the minimum {min}")]
    FeeTooLow {
        /// Offered fee.
        offered: Amount,
        /// Minimum fee.
        min: Amount,
    },
    /// The sender cannot pay the fee.
    #[error("balance {balance} cannot pay the fee {fee}")]
    CannotPayFee {
        /// Sender's balance.
        balance: Amount,
        /// The fee.
        fee: Amount,
    },
}

/// Why an admitted transaction failed. Its fee was paid and its nonce used; nothing else changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// Not enough balance for the operation (after the fee).
    #[error("insufficient funds: need {needed}, have {available}")]
    InsufficientFunds {
        /// Required.
        needed: Amount,
        /// Available.
        available: Amount,
    },
    /// An amount that must be positive was zero.
    #[error("amount must be positive")]
    ZeroAmount,
    /// Arithmetic would overflow.
    #[error("amount overflow")]
    Overflow,
    /// Sending to oneself.
    #[error("cannot transfer to yourself")]
    SelfTransfer,
    /// The sender is already a provider.
    #[error("already registered as a provider")]
    AlreadyProvider,
    /// The sender is not a provider.
    #[error("not a registered provider")]
    NotProvider,
    /// Stake below the network minimum.
    #[error("stake {stake} below the minimum {min}")]
    InsufficientStake {
        /// The stake that would result.
        stake: Amount,
        /// The minimum.
        min: Amount,
    },
    /// A field is malformed or out of range.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The order's resource query does not parse.
    #[error("invalid query: {0}")]
    InvalidQuery(QueryError),
    /// The change would drop GPUs that leases still hold.
    #[error("inventory group {model} still has {leased} GPUs leased")]
    InventoryInUse {
        /// The group's model.
        model: String,
        /// GPUs held by leases.
        leased: u32,
    },
    /// Unbonding everything requires no active leases and no open bids.
    #[error("cannot unbond all stake with {active_leases} active leases and {open_bids} open bids")]
    ProviderBusy {
        /// Leases pending or running.
        active_leases: u32,
        /// Bids on open auctions.
        open_bids: u32,
    },
    /// Too many unbondings in flight.
    #[error("too many unbondings in flight (at most {max})")]
    TooManyUnbondings {
        /// The limit.
        max: usize,
    },
    /// The deposit does not cover the minimum duration at the maximum price.
    #[error(
        "deposit {deposit} below the minimum {min} (replicas × GPUs × max price for the minimum duration)"
    )]
    DepositTooSmall {
        /// Offered deposit.
        deposit: Amount,
        /// Minimum.
        min: Amount,
    },
    /// No such order.
    #[error("unknown order {0}")]
    UnknownOrder(OrderId),
    /// No such lease.
    #[error("unknown lease {0}")]
    UnknownLease(LeaseId),
    /// The order's auction is not open.
    #[error("order {0} is not open for bids")]
    AuctionClosed(OrderId),
    /// The order has already ended.
    #[error("order {0} has already ended")]
    OrderEnded(OrderId),
    /// A provider bidding on its own order.
    #[error("cannot bid on your own order")]
    SelfBid,
    /// A second bid from the same provider.
    #[error("already bid on order {0}")]
    DuplicateBid(OrderId),
    /// Bid price above the order's maximum.
    #[error("bid {bid} above the order's maximum {max}")]
    BidAboveMax {
        /// The bid.
        bid: Amount,
        /// The order's maximum.
        max: Amount,
    },
    /// No inventory group with enough free GPUs satisfies the order's query.
    #[error("no inventory group with {gpus} free GPUs matches the order's query")]
    Ineligible {
        /// GPUs per replica the order needs.
        gpus: u32,
    },
    /// The order has the most bids it can hold.
    #[error("order {0} has the maximum number of bids")]
    TooManyBids(OrderId),
    /// Only the requestor may do this.
    #[error("only the order's requestor may do this")]
    NotRequestor,
    /// Only the lease's provider may do this.
    #[error("only the lease's provider may do this")]
    NotLeaseProvider,
    /// The lease is not in the state this operation needs.
    #[error("lease {lease} is {state}")]
    LeaseState {
        /// The lease.
        lease: LeaseId,
        /// Its state, for the message.
        state: &'static str,
    },
    /// The receipt names another manifest than the order's.
    #[error("receipt manifest does not match the order's")]
    ManifestMismatch,
    /// The receipt's signature is not the provider's.
    #[error("receipt signature invalid: {0}")]
    BadReceiptSignature(SignatureError),
    /// The lease has no audit.
    #[error("lease {0} has no audit")]
    NoAudit(LeaseId),
    /// Only the assigned auditor may report an audit.
    #[error("only the assigned auditor may report this audit")]
    NotAuditor,
    /// The audit has already been reported or has expired.
    #[error("the audit of lease {0} is closed")]
    AuditClosed(LeaseId),
    /// The lease has no settled result to contest.
    #[error("lease {0} has no settled result")]
    NotSettled(LeaseId),
    /// A provider contesting its own result.
    #[error("cannot challenge your own result")]
    SelfChallenge,
    /// The challenge window has passed.
    #[error("the challenge window of lease {lease} closed at height {closed_at}")]
    ChallengeWindowClosed {
        /// The lease.
        lease: LeaseId,
        /// Its last challengeable height.
        closed_at: u64,
    },
    /// The challenge claims the root the receipt already states.
    #[error("the challenge claims the receipt's own root")]
    ChallengeAgrees,
    /// The bond is below the network minimum.
    #[error("bond {bond} below the minimum {min}")]
    BondTooSmall {
        /// Offered bond.
        bond: Amount,
        /// Minimum.
        min: Amount,
    },
    /// Arbitration has already decided this lease's result.
    #[error("lease {0} has already been arbitrated")]
    AlreadyArbitrated(LeaseId),
    /// The order has no dispute.
    #[error("order {0} has no dispute")]
    NoDispute(OrderId),
    /// The dispute has been decided.
    #[error("the dispute of order {0} is closed")]
    DisputeClosed(OrderId),
    /// Only the dispute's arbiters may vote.
    #[error("not an arbiter of this dispute")]
    NotArbiter,
    /// An arbiter voting twice.
    #[error("already voted in this dispute")]
    DuplicateVote,
    /// The provider has no inventory group with this index.
    #[error("no inventory group {0}")]
    NoSuchGroup(u32),
    /// A hardware challenge of the provider is already under way.
    #[error("a hardware challenge is already under way")]
    HardwareCheckPending,
    /// The provider has no hardware challenge awaiting a verdict.
    #[error("no hardware challenge of this provider awaits a verdict")]
    NoHardwareCheck,
    /// Only the assigned checker may report a hardware challenge.
    #[error("only the assigned checker may report this hardware challenge")]
    NotChecker,
    /// A party to the dispute (provider, requestor, claimant or arbiter) may not take this role.
    #[error("a party to the dispute of order {0} cannot do this")]
    DisputeParty(OrderId),
}

/// Why a transaction was rejected, and therefore what it changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// Not admitted: no change at all.
    #[error("rejected: {0}")]
    Admission(#[from] AdmissionError),
    /// Admitted but failed: fee paid and nonce used, nothing else changed.
    #[error("failed: {0}")]
    Execution(#[from] ExecError),
}

/// Why a whole block was rejected (the state is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The block's height is not the next one.
    #[error("block height {got}, expected {expected}")]
    WrongHeight {
        /// Next height.
        expected: u64,
        /// The block's height.
        got: u64,
    },
    /// The block's time is before its parent's.
    #[error("block time {got} ms is before the parent's {parent} ms")]
    TimeWentBack {
        /// The parent's time.
        parent: u64,
        /// The block's time.
        got: u64,
    },
    /// More transactions than a block may hold.
    #[error("{count} transactions exceed the block limit of {max}")]
    TooManyTxs {
        /// Transactions in the block.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// The previous block's changes were not committed yet.
    #[error("the previous block is not committed")]
    Uncommitted,
}
