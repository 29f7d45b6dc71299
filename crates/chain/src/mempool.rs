//! Transactions waiting for a block: checked on arrival, ordered per sender by nonce, bounded.

use std::collections::{BTreeMap, BTreeSet};

use rigshare_market::{AdmissionError, State};
use rigshare_types::{Hash32, PublicKey, SignedTransaction};

/// Most transactions the pool holds.
pub const MAX_POOL_TXS: usize = 100_000;
/// Most transactions one sender may have waiting.
pub const MAX_PER_SENDER: usize = 1_024;

/// Why a transaction was not accepted into the pool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// It would be rejected on admission (signature, nonce, fee).
    #[error(transparent)]
    Admission(#[from] AdmissionError),
    /// The same transaction (or another with its nonce) is already waiting.
    #[error("a transaction with nonce {0} from this sender is already pending")]
    Duplicate(u64),
    /// The nonce leaves a gap after the sender's pending transactions.
    #[error("nonce {got} leaves a gap: the next acceptable nonce is {expected}")]
    NonceGap {
        /// Next acceptable nonce.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// The pool or the sender's queue is full; try again later.
    #[error("transaction pool is full")]
    Full,
    /// The node is shutting down.
    #[error("the chain is not running")]
    Stopped,
}

/// Pending transactions by sender and nonce.
#[derive(Debug, Default)]
pub struct Mempool {
    queues: BTreeMap<PublicKey, BTreeMap<u64, SignedTransaction>>,
    len: usize,
}

impl Mempool {
    /// Number of waiting transactions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Transactions `sender` has waiting.
    pub fn pending_for(&self, sender: &PublicKey) -> usize {
        self.queues.get(sender).map_or(0, BTreeMap::len)
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Accepts `tx` if it would be admitted after the sender's pending transactions.
    pub fn insert(&mut self, state: &State, tx: SignedTransaction) -> Result<Hash32, SubmitError> {
        self.insert_checked(state, tx, false)
    }

    /// [`Mempool::insert`] for a transaction whose signature was verified already.
    pub fn insert_presigned(
        &mut self,
        state: &State,
        tx: SignedTransaction,
    ) -> Result<Hash32, SubmitError> {
        self.insert_checked(state, tx, true)
    }

    fn insert_checked(
        &mut self,
        state: &State,
        tx: SignedTransaction,
        signature_checked: bool,
    ) -> Result<Hash32, SubmitError> {
        let sender = tx.tx.sender;
        let account_nonce = state.account(&sender).map_or(0, |a| a.nonce);
        let queue = self.queues.get(&sender);
        let pending = queue.map_or(0, BTreeMap::len) as u64;
        let expected = account_nonce + pending;
        let nonce = tx.tx.nonce;
        if nonce >= account_nonce && nonce < expected {
            return Err(SubmitError::Duplicate(nonce));
        }
        if nonce > expected {
            return Err(SubmitError::NonceGap { expected, got: nonce });
        }
        if !signature_checked {
            // The sender's signature, and a result's receipt signature: a block carrying a bad
            // one would be rejected whole.
            let domain = rigshare_types::tx::tx_domain(&state.params().chain_id);
            let check = rigshare_types::tx::verify_signatures(&domain, std::slice::from_ref(&tx));
            for check in check {
                check.tx.and(check.receipt).map_err(AdmissionError::BadSignature)?;
            }
        }
        if pending == 0 {
            // Nonce, fee and balance, exactly as the block will check them.
            state.check_admission_presigned(&tx.tx)?;
        } else {
            // Later nonces: the fee now; the balance when the block executes.
            let min = state.params().min_fee;
            if tx.tx.fee < min {
                return Err(AdmissionError::FeeTooLow { offered: tx.tx.fee, min }.into());
            }
        }
        if self.len >= MAX_POOL_TXS || pending as usize >= MAX_PER_SENDER {
            return Err(SubmitError::Full);
        }
        let id = tx.hash();
        self.queues.entry(sender).or_default().insert(nonce, tx);
        self.len += 1;
        Ok(id)
    }

    /// Up to `max` transactions for a block, taking senders in turn so one busy sender cannot
    /// crowd out the rest; skips `exclude` (transactions already in unexecuted ancestors).
    pub fn select(&self, max: usize, exclude: &BTreeSet<Hash32>) -> Vec<SignedTransaction> {
        let mut cursors: Vec<_> = self.queues.values().map(|q| q.values()).collect();
        let mut picked = Vec::new();
        while picked.len() < max && !cursors.is_empty() {
            cursors.retain_mut(|cursor| {
                if picked.len() >= max {
                    return true;
                }
                match cursor.next() {
                    Some(tx) => {
                        if !exclude.contains(&tx.hash()) {
                            picked.push(tx.clone());
                        }
                        true
                    }
                    None => false,
                }
            });
        }
        picked
    }

    /// Drops a sender's transaction at `nonce` and every later one: it was refused on admission
    /// (say, the fee became unpayable), so the ones after it can never be admitted either.
    pub fn evict(&mut self, sender: &PublicKey, nonce: u64) {
        if let Some(queue) = self.queues.get_mut(sender) {
            let dropped = queue.split_off(&nonce);
            self.len -= dropped.len();
            if queue.is_empty() {
                self.queues.remove(sender);
            }
        }
    }

    /// Drops transactions whose nonce the state has used (executed or made stale).
    pub fn prune<'a>(&mut self, state: &State, senders: impl IntoIterator<Item = &'a PublicKey>) {
        for sender in senders {
            let next = state.account(sender).map_or(0, |a| a.nonce);
            if let Some(queue) = self.queues.get_mut(sender) {
                let kept = queue.split_off(&next);
                self.len -= queue.len();
                *queue = kept;
                if queue.is_empty() {
                    self.queues.remove(sender);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rigshare_market::{Genesis, Params};
    use rigshare_types::{Amount, Keypair, Transaction, TxBody};

    use super::*;

    fn setup() -> (State, Keypair) {
        let alice = Keypair::from_seed([1; 32]);
        let genesis = Genesis {
            params: Params::default(),
            balances: vec![(alice.public(), Amount::units(10))],
            time_ms: 0,
        };
        (State::genesis(&genesis).unwrap(), alice)
    }

    fn tx(key: &Keypair, nonce: u64, chain: &str) -> SignedTransaction {
        Transaction {
            sender: key.public(),
            nonce,
            fee: Amount::micro(100),
            body: TxBody::Transfer { to: PublicKey([9; 32]), amount: Amount(1) },
        }
        .sign(key, chain)
    }

    #[test]
    fn orders_by_nonce_and_rejects_gaps_duplicates_and_forgeries() {
        let (state, alice) = setup();
        let chain = state.params().chain_id.clone();
        let mut pool = Mempool::default();
        assert!(pool.insert(&state, tx(&alice, 0, &chain)).is_ok());
        assert!(pool.insert(&state, tx(&alice, 1, &chain)).is_ok());
        assert_eq!(pool.insert(&state, tx(&alice, 1, &chain)), Err(SubmitError::Duplicate(1)));
        assert_eq!(
            pool.insert(&state, tx(&alice, 5, &chain)),
            Err(SubmitError::NonceGap { expected: 2, got: 5 })
        );
        assert!(matches!(
            pool.insert(&state, tx(&alice, 2, "other-chain")),
            Err(SubmitError::Admission(AdmissionError::BadSignature(_)))
        ));
        let stranger = Keypair::from_seed([2; 32]);
        assert_eq!(
            pool.insert(&state, tx(&stranger, 0, &chain)),
            Err(SubmitError::Admission(AdmissionError::UnknownSender))
        );
        let picked = pool.select(10, &BTreeSet::new());
        assert_eq!(picked.iter().map(|t| t.tx.nonce).collect::<Vec<_>>(), vec![0, 1]);
        let skip: BTreeSet<Hash32> = [picked[0].hash()].into();
        assert_eq!(pool.select(10, &skip).len(), 1);
        assert_eq!(pool.pending_for(&alice.public()), 2);
        pool.evict(&alice.public(), 1);
        assert_eq!(pool.len(), 1);
        pool.evict(&alice.public(), 0);
        assert!(pool.is_empty());
    }
}
