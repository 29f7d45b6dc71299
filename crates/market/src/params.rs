//! Network parameters and the genesis state.

use borsh::{BorshDeserialize, BorshSerialize};
use rigshare_types::{AccountId, Amount};

/// Rules every validator applies identically; fixed at genesis.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Params {
    /// Names the network in every transaction signature.
    pub chain_id: String,
    /// Smallest fee a transaction may offer.
    pub min_fee: Amount,
    /// Smallest stake a provider must hold to register and to bid.
    pub min_provider_stake: Amount,
    /// Blocks between an `Unbond` and the stake's return.
    pub unbonding_blocks: u64,
    /// Longest auction an order may ask for, in blocks.
    pub max_auction_blocks: u32,
    /// Most replicas an order may ask for.
    pub max_replicas: u8,
    /// Most GPUs per replica.
    pub max_gpus_per_replica: u32,
    /// Shortest and longest lease duration an order may ask for, in ms.
    pub min_duration_ms: u64,
    /// Longest lease duration, in ms.
    pub max_duration_ms: u64,
    /// Blocks a provider has after winning to start the lease.
    pub start_timeout_blocks: u64,
    /// After a lease's time is up, how long the provider has to submit its result, in ms.
    pub result_grace_ms: u64,
    /// Most transactions in one block.
    pub max_block_txs: u32,
    /// How often, in ms of block time, a running lease's accrued payment is moved from escrow
    /// to the provider. 0 settles every block. Exhaustion and time limits are acted on in the
    /// block they occur whatever this is.
    pub settle_interval_ms: u64,
    /// Blocks after an order's results settle during which anyone may challenge one.
    pub challenge_window_blocks: u64,
    /// Smallest bond a challenge must lock.
    pub min_challenge_bond: Amount,
    /// Blocks an assigned auditor has to report its re-execution.
    pub audit_blocks: u64,
    /// Arbiters drawn for a dispute (fewer if fewer staked providers are independent of it).
    pub arbiters: u8,
    /// Blocks arbiters have to vote.
    pub dispute_blocks: u64,
    /// Share of a wrong party's bonded stake that is slashed, in parts per million; a provider
    /// loses at least what the wrong lease paid it (both capped by what it has bonded).
    pub slash_ppm: u32,
    /// Share of a slashing, after the requestor's refund, paid to those who proved the result
    /// wrong (auditor, challengers, or the honest replicas), in ppm; the rest goes to the fee pool.
    pub whistleblower_ppm: u32,
    /// Paid from the fee pool (as far as it holds) for each audit or arbitration vote that
    /// agrees with the outcome.
    pub verifier_reward: Amount,
    /// Largest side of a hardware challenge's matrices (the size a group's memory calls for is
    /// capped to it, so checkers can afford the check).
    pub hardware_max_n: u32,
    /// Blocks a hardware checker has to report.
    pub hardware_check_blocks: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            chain_id: "rigshare-devnet".to_string(),
            min_fee: Amount::micro(100),
            min_provider_stake: Amount::units(100),
            unbonding_blocks: 1_000,
            max_auction_blocks: 1_000,
            max_replicas: 8,
            max_gpus_per_replica: 64,
            min_duration_ms: 1_000,
            max_duration_ms: 30 * 24 * 3_600_000,
            start_timeout_blocks: 600,
            result_grace_ms: 600_000,
            max_block_txs: 10_000,
            settle_interval_ms: 60_000,
            challenge_window_blocks: 1_000,
            min_challenge_bond: Amount::units(10),
            audit_blocks: 600,
            arbiters: 3,
            dispute_blocks: 600,
            slash_ppm: 500_000,
            whistleblower_ppm: 500_000,
            verifier_reward: Amount::micro(1_000),
            hardware_max_n: 2_048,
            hardware_check_blocks: 100,
        }
    }
}

/// The initial state: parameters and opening balances.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Genesis {
    /// Network parameters.
    pub params: Params,
    /// Opening balances; their sum is the total supply forever.
    pub balances: Vec<(AccountId, Amount)>,
    /// Timestamp of the genesis state, in ms.
    pub time_ms: u64,
}
