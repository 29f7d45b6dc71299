//! What the consensus side and the API side share: the executed market state, the mempool,
//! the block log, and the event feed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use rigshare_market::{Event, State};
use rigshare_types::block::Checkpoint;
use rigshare_types::{Hash32, SignedTransaction};
use tokio::sync::broadcast;

use crate::block::Block;
use crate::mempool::{Mempool, SubmitError};
use crate::store::{BlockStore, StoreError, StoredBlock};
use crate::txindex::{TxIndex, TxOutcome};

/// Finalized blocks a slow subscriber may lag behind before it misses some.
const EVENT_BACKLOG: usize = 1_024;

/// A finalized, executed block as subscribers see it.
#[derive(Clone, Debug)]
pub struct Finalized {
    /// The block.
    pub block: Block,
    /// What executing it did, in order.
    pub events: Vec<Event>,
    /// The state root after it.
    pub state_root: Hash32,
    /// Its encoded finalization certificate, if consensus delivered one.
    pub finalization: Option<Vec<u8>>,
}

pub(crate) struct Shared {
    pub(crate) state: RwLock<State>,
    pub(crate) mempool: Mutex<Mempool>,
    pub(crate) store: Mutex<BlockStore>,
    /// State root after each executed height (index = height; 0 is genesis).
    pub(crate) roots: RwLock<Vec<Hash32>>,
    /// For each checkpointed height, the first finalized block that certifies it.
    pub(crate) certified: RwLock<BTreeMap<u64, u64>>,
    /// Seed signatures by consensus view, captured from certificates.
    pub(crate) seeds: Mutex<BTreeMap<u64, [u8; 48]>>,
    /// Finalization certificates by block digest, until the block is stored.
    pub(crate) finalizations: Mutex<BTreeMap<Hash32, Vec<u8>>>,
    pub(crate) events: broadcast::Sender<Arc<Finalized>>,
    /// Transactions accepted locally, on their way to peers.
    pub(crate) gossip: Mutex<Option<futures::channel::mpsc::UnboundedSender<SignedTransaction>>>,
    /// Outcomes of recently finalized transactions.
    pub(crate) txs: Mutex<TxIndex>,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock would already have stopped the chain; the data is still
    // the last consistent value, so keep serving it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(state: State, store: BlockStore, roots: Vec<Hash32>) -> Shared {
        Shared {
            state: RwLock::new(state),
            mempool: Mutex::new(Mempool::default()),
            store: Mutex::new(store),
            roots: RwLock::new(roots),
            certified: RwLock::new(BTreeMap::new()),
            seeds: Mutex::new(BTreeMap::new()),
            finalizations: Mutex::new(BTreeMap::new()),
            events: broadcast::channel(EVENT_BACKLOG).0,
            gossip: Mutex::new(None),
            txs: Mutex::new(TxIndex::default()),
        }
    }

    /// Hands a locally accepted transaction to gossip.
    pub(crate) fn relay(&self, tx: SignedTransaction) {
        if let Some(outbox) = lock(&self.gossip).as_ref() {
            let _ = outbox.unbounded_send(tx);
        }
    }

    pub(crate) fn executed_height(&self) -> u64 {
        (read(&self.roots).len() as u64).saturating_sub(1)
    }

    pub(crate) fn root_at(&self, height: u64) -> Option<Hash32> {
        read(&self.roots).get(height as usize).copied()
    }

    /// The checkpoint for `height`, or for the latest executed height if `height` is ahead.
    pub(crate) fn checkpoint_at(&self, height: u64) -> Checkpoint {
        let roots = read(&self.roots);
        let height = height.min((roots.len() as u64).saturating_sub(1));
        let state_root = roots.get(height as usize).copied().unwrap_or_default();
        Checkpoint { height, state_root }
    }
}

/// A cheap, cloneable handle to a running chain: submit transactions, read the executed state,
/// fetch finalized blocks, follow new ones. Names no consensus type.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) info: Arc<NetworkInfo>,
}

/// Fixed facts about the network a handle belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkInfo {
    /// The BLS12-381 group public key (G2, 96 bytes) that verifies every certificate.
    pub network_key: Vec<u8>,
    /// The consensus namespace certificates are signed under.
    pub namespace: Vec<u8>,
    /// Digest of the genesis block.
    pub genesis: Hash32,
    /// The market's chain id (in every transaction signature).
    pub chain_id: String,
}

impl Handle {
    /// Queues a transaction for inclusion; returns its id.
    pub fn submit(&self, tx: SignedTransaction) -> Result<Hash32, SubmitError> {
        let id = {
            let state = read(&self.shared.state);
            lock(&self.shared.mempool).insert(&state, tx.clone())?
        };
        self.shared.relay(tx);
        Ok(id)
    }

    /// Queues many transactions, verifying their signatures in one batch (several times
    /// faster than one by one). Returns one result per transaction, in order.
    pub fn submit_batch(&self, txs: Vec<SignedTransaction>) -> Vec<Result<Hash32, SubmitError>> {
        let domain = rigshare_types::tx::tx_domain(&self.info.chain_id);
        let checks = rigshare_types::tx::verify_signatures(&domain, &txs);
        let results: Vec<_> = {
            let state = read(&self.shared.state);
            let mut pool = lock(&self.shared.mempool);
            txs.into_iter()
                .zip(checks)
                .map(|(tx, check)| {
                    let id = if check.is_valid() {
                        pool.insert_presigned(&state, tx.clone())
                    } else {
                        pool.insert(&state, tx.clone())
                    };
                    id.map(|id| (id, tx))
                })
                .collect()
        };
        results
            .into_iter()
            .map(|r| {
                r.map(|(id, tx)| {
                    self.shared.relay(tx);
                    id
                })
            })
            .collect()
    }

    /// Runs `f` on the executed market state.
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&read(&self.shared.state))
    }

    /// Highest executed (finalized) height.
    pub fn height(&self) -> u64 {
        self.shared.executed_height()
    }

    /// State root after `height`, if executed.
    pub fn state_root(&self, height: u64) -> Option<Hash32> {
        self.shared.root_at(height)
    }

    /// The finalized block at `height`.
    pub fn block(&self, height: u64) -> Result<Option<StoredBlock>, StoreError> {
        lock(&self.shared.store).get(height)
    }

    /// The first finalized block whose checkpoint certifies the state root of `height`.
    pub fn certifying_block(&self, height: u64) -> Option<u64> {
        read(&self.shared.certified).get(&height).copied()
    }

    /// The highest height whose state root a finalized block has certified.
    pub fn latest_certified(&self) -> Option<(u64, u64)> {
        read(&self.shared.certified).iter().next_back().map(|(h, b)| (*h, *b))
    }

    /// The nonce `sender`'s next transaction must carry: its account's nonce plus the
    /// transactions it has waiting in this validator's pool.
    pub fn next_nonce(&self, sender: &rigshare_types::PublicKey) -> u64 {
        let state = read(&self.shared.state);
        let executed = state.account(sender).map_or(0, |a| a.nonce);
        executed + lock(&self.shared.mempool).pending_for(sender) as u64
    }

    /// What became of the transaction `id`, if it was finalized recently (the last
    /// [`TX_INDEX_CAPACITY`](crate::txindex::TX_INDEX_CAPACITY) transactions are remembered).
    pub fn tx_outcome(&self, id: &Hash32) -> Option<TxOutcome> {
        lock(&self.shared.txs).get(id).cloned()
    }

    /// Transactions waiting for a block.
    pub fn pending(&self) -> usize {
        lock(&self.shared.mempool).len()
    }

    /// Follows finalized blocks from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Finalized>> {
        self.shared.events.subscribe()
    }

    /// The network's fixed facts.
    pub fn info(&self) -> &NetworkInfo {
        &self.info
    }
}
