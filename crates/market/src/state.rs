//! The market state: committed tables plus indexes derived from them.

use std::collections::{BTreeMap, BTreeSet};

use rigshare_types::records::{Account, Globals, Lease, Order, Provider};
use rigshare_types::verification::{Audit, Dispute, DisputeStatus, HardwareCheck, Settlement};
use rigshare_types::{
    AccountId, Amount, Hash32, LeaseId, OrderId, PublicKey, SignedReceipt, StateKey, StateProof,
    codec, tx,
};

use crate::commit::{Commitment, DEFAULT_RETAINED_VERSIONS, ProveError};
use crate::params::{Genesis, Params};
use crate::query::AssignmentIndex;
use crate::table::Table;

/// The whole market: every account, provider, order, lease and receipt, and the commitment to
/// them. Change it only through [`State::apply_block`].
#[derive(Debug)]
pub struct State {
    pub(crate) params: Params,
    /// `tx_domain(chain_id)`, computed once.
    pub(crate) tx_domain: Vec<u8>,
    pub(crate) globals: Globals,
    pub(crate) accounts: Table<AccountId, Account>,
    pub(crate) providers: Table<PublicKey, Provider>,
    pub(crate) orders: Table<OrderId, Order>,
    pub(crate) leases: Table<LeaseId, Lease>,
    pub(crate) receipts: Table<LeaseId, SignedReceipt>,
    pub(crate) settlements: Table<LeaseId, Settlement>,
    pub(crate) audits: Table<LeaseId, Audit>,
    pub(crate) disputes: Table<OrderId, Dispute>,
    pub(crate) hardware: Table<PublicKey, HardwareCheck>,
    pub(crate) index: Index,
    commitment: Commitment,
    root: Hash32,
    /// A block was executed and its changes are not yet committed.
    pub(crate) uncommitted: bool,
}

/// Lookups derived from the committed tables (rebuilt, never committed).
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    /// Open auctions by closing height.
    pub(crate) auctions: BTreeSet<(u64, OrderId)>,
    /// Running leases and the block time (ms) at which each is next due for settlement.
    pub(crate) running: BTreeMap<LeaseId, u64>,
    /// The same, ordered by due time.
    pub(crate) settle: BTreeSet<(u64, LeaseId)>,
    /// Pending leases by start deadline.
    pub(crate) pending: BTreeSet<(u64, LeaseId)>,
    /// Providers with unbonding stake, by release height.
    pub(crate) unbonding: BTreeSet<(u64, PublicKey)>,
    /// Settled results of orders with an audit policy, by the height whose beacon draws them.
    pub(crate) audit_draws: BTreeSet<(u64, LeaseId)>,
    /// Pending audits by deadline.
    pub(crate) audit_deadlines: BTreeSet<(u64, LeaseId)>,
    /// Open disputes by deadline.
    pub(crate) dispute_deadlines: BTreeSet<(u64, OrderId)>,
    /// Requested hardware challenges, by the height whose beacon draws them.
    pub(crate) hardware_draws: BTreeSet<(u64, PublicKey)>,
    /// Assigned hardware challenges by deadline.
    pub(crate) hardware_deadlines: BTreeSet<(u64, PublicKey)>,
    /// Pending audits, unvoted open disputes and assigned hardware challenges, by assignee.
    pub(crate) assignments: AssignmentIndex,
}

impl State {
    /// The state at height 0, with proofs retained for the last
    /// [`DEFAULT_RETAINED_VERSIONS`] heights.
    pub fn genesis(genesis: &Genesis) -> Result<State, GenesisError> {
        State::genesis_retaining(genesis, DEFAULT_RETAINED_VERSIONS)
    }

    /// The state at height 0, keeping proofs for the last `retained` heights.
    pub fn genesis_retaining(genesis: &Genesis, retained: u64) -> Result<State, GenesisError> {
        let mut accounts = Table::default();
        let mut total = Amount::ZERO;
        for (account, balance) in &genesis.balances {
            if accounts.contains(account) {
                return Err(GenesisError::DuplicateAccount(*account));
            }
            total = total.checked_add(*balance).ok_or(GenesisError::SupplyOverflow)?;
            accounts.insert(*account, Account { balance: *balance, nonce: 0 });
        }
        let globals = Globals {
            time_ms: genesis.time_ms,
            next_order: 1,
            next_lease: 1,
            total_supply: total,
            ..Globals::default()
        };
        let mut state = State {
            tx_domain: tx::tx_domain(&genesis.params.chain_id),
            params: genesis.params.clone(),
            globals,
            accounts,
            providers: Table::default(),
            orders: Table::default(),
            leases: Table::default(),
            receipts: Table::default(),
            settlements: Table::default(),
            audits: Table::default(),
            disputes: Table::default(),
            hardware: Table::default(),
            index: Index::default(),
            commitment: Commitment::new(retained),
            root: Hash32::ZERO,
            uncommitted: false,
        };
        state.commit();
        Ok(state)
    }

    /// Writes every entry changed since the last commit into the tree at the current height and
    /// returns the new state root: the second stage of [`State::apply_block_with`].
    pub fn commit(&mut self) -> Hash32 {
        let mut changes = Changes::new(&self.globals);
        changes.collect(&mut self.accounts, StateKey::Account);
        changes.collect(&mut self.providers, StateKey::Provider);
        changes.collect(&mut self.orders, StateKey::Order);
        changes.collect(&mut self.leases, StateKey::Lease);
        changes.collect(&mut self.receipts, StateKey::Receipt);
        changes.collect(&mut self.settlements, StateKey::Settlement);
        changes.collect(&mut self.audits, StateKey::Audit);
        changes.collect(&mut self.disputes, StateKey::Dispute);
        changes.collect(&mut self.hardware, StateKey::HardwareCheck);
        self.root = self.commitment.commit(self.globals.height, changes.rows);
        self.uncommitted = false;
        self.root
    }

    /// The network parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Height of the last applied block (0 at genesis).
    pub fn height(&self) -> u64 {
        self.globals.height
    }

    /// Timestamp of the last applied block, in ms.
    pub fn time_ms(&self) -> u64 {
        self.globals.time_ms
    }

    /// The state root after the last applied block.
    pub fn root(&self) -> Hash32 {
        self.root
    }

    /// The state root at a retained height.
    pub fn root_at(&self, height: u64) -> Option<Hash32> {
        self.commitment.root(height)
    }

    /// Chain-wide counters.
    pub fn globals(&self) -> &Globals {
        &self.globals
    }

    /// An account, if it exists.
    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// A provider, if registered.
    pub fn provider(&self, id: &PublicKey) -> Option<&Provider> {
        self.providers.get(id)
    }

    /// An order.
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.orders.get(&id)
    }

    /// A lease.
    pub fn lease(&self, id: LeaseId) -> Option<&Lease> {
        self.leases.get(&id)
    }

    /// A lease's receipt, once submitted.
    pub fn receipt(&self, lease: LeaseId) -> Option<&SignedReceipt> {
        self.receipts.get(&lease)
    }

    /// What the market concluded about a lease's result, once its order has finished.
    pub fn settlement(&self, lease: LeaseId) -> Option<&Settlement> {
        self.settlements.get(&lease)
    }

    /// A lease's audit, if it was drawn.
    pub fn audit(&self, lease: LeaseId) -> Option<&Audit> {
        self.audits.get(&lease)
    }

    /// An order's dispute, if one opened.
    pub fn dispute(&self, order: OrderId) -> Option<&Dispute> {
        self.disputes.get(&order)
    }

    /// A provider's latest hardware challenge.
    pub fn hardware_check(&self, provider: &PublicKey) -> Option<&HardwareCheck> {
        self.hardware.get(provider)
    }

    /// All hardware challenges (each provider's latest), by provider.
    pub fn hardware_checks(&self) -> impl Iterator<Item = (&PublicKey, &HardwareCheck)> {
        self.hardware.iter()
    }

    /// All audits, by lease.
    pub fn audits(&self) -> impl Iterator<Item = (&LeaseId, &Audit)> {
        self.audits.iter()
    }

    /// All disputes, by order.
    pub fn disputes(&self) -> impl Iterator<Item = (&OrderId, &Dispute)> {
        self.disputes.iter()
    }

    /// All accounts, by id.
    pub fn accounts(&self) -> impl Iterator<Item = (&AccountId, &Account)> {
        self.accounts.iter()
    }

    /// All providers, by id.
    pub fn providers(&self) -> impl Iterator<Item = (&PublicKey, &Provider)> {
        self.providers.iter()
    }

    /// All orders, by id.
    pub fn orders(&self) -> impl Iterator<Item = (&OrderId, &Order)> {
        self.orders.iter()
    }

    /// All leases, by id.
    pub fn leases(&self) -> impl Iterator<Item = (&LeaseId, &Lease)> {
        self.leases.iter()
    }

    /// The encoded entry under `key` at `height` and a proof of it (or of its absence) against
    /// [`State::root_at`]`(height)`.
    pub fn prove(
        &self,
        key: &StateKey,
        height: u64,
    ) -> Result<(Option<Vec<u8>>, StateProof), ProveError> {
        self.commitment.prove(&key.path(), height)
    }

    /// Money held anywhere: balances, escrow, stakes, unbonding stake, challenge bonds and the
    /// fee pool. Equals the genesis supply after every block.
    pub fn money_in_existence(&self) -> u128 {
        let balances: u128 = self.accounts.values().map(|a| u128::from(a.balance.0)).sum();
        let orders: u128 = self.orders.values().map(|o| u128::from(o.escrow.0)).sum();
        let leases: u128 = self.leases.values().map(|l| u128::from(l.escrow.0)).sum();
        let stakes: u128 = self
            .providers
            .values()
            .map(|p| {
                let unbonding: u128 = p.unbonding.iter().map(|u| u128::from(u.amount.0)).sum();
                u128::from(p.stake.0) + unbonding
            })
            .sum();
        let bonds: u128 = self
            .disputes
            .values()
            .filter(|d| d.status == DisputeStatus::Open)
            .flat_map(|d| &d.claims)
            .map(|c| u128::from(c.bond.0))
            .sum();
        balances + orders + leases + stakes + bonds + u128::from(self.globals.fee_pool.0)
    }

    /// Recomputes the root of the current state from scratch, ignoring the incremental tree.
    /// Used by tests to check that every change was committed.
    pub fn recompute_root(&self) -> Hash32 {
        let mut changes = Changes::new(&self.globals);
        changes.all(&self.accounts, StateKey::Account);
        changes.all(&self.providers, StateKey::Provider);
        changes.all(&self.orders, StateKey::Order);
        changes.all(&self.leases, StateKey::Lease);
        changes.all(&self.receipts, StateKey::Receipt);
        changes.all(&self.settlements, StateKey::Settlement);
        changes.all(&self.audits, StateKey::Audit);
        changes.all(&self.disputes, StateKey::Dispute);
        changes.all(&self.hardware, StateKey::HardwareCheck);
        Commitment::new(1).commit(0, changes.rows)
    }
}

/// The `(key path, encoded row)` pairs a commit writes.
struct Changes {
    /// Key paths and encoded rows.
    rows: Vec<(Hash32, Option<Vec<u8>>)>,
    /// Reused encoding buffer: each row is then copied out at its exact size, instead of
    /// growing (and reallocating) a fresh vector per row.
    scratch: Vec<u8>,
}

impl Changes {
    /// Starts with the globals, which change in every block.
    fn new(globals: &Globals) -> Changes {
        let mut changes = Changes { rows: Vec::new(), scratch: Vec::new() };
        changes.push(StateKey::Globals, Some(globals));
        changes
    }

    /// Adds the rows of `table` changed since the last commit.
    fn collect<K: Ord + Copy, V: borsh::BorshSerialize>(
        &mut self,
        table: &mut Table<K, V>,
        key: fn(K) -> StateKey,
    ) {
        for (k, row) in table.take_dirty() {
            self.push(key(k), row);
        }
    }

    /// Adds every row of `table`.
    fn all<K: Ord + Copy, V: borsh::BorshSerialize>(
        &mut self,
        table: &Table<K, V>,
        key: fn(K) -> StateKey,
    ) {
        for (k, row) in table.iter() {
            self.push(key(*k), Some(row));
        }
    }

    fn push<V: borsh::BorshSerialize>(&mut self, key: StateKey, row: Option<&V>) {
        let encoded = row.map(|row| {
            codec::encode_into(row, &mut self.scratch);
            self.scratch.clone()
        });
        self.rows.push((key.path(), encoded));
    }
}

/// Why a genesis is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// The same account appears twice.
    #[error("account {0} appears twice in genesis")]
    DuplicateAccount(AccountId),
    /// The balances sum past `u64::MAX`.
    #[error("genesis balances overflow")]
    SupplyOverflow,
}
