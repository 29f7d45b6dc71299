//! Executes finalized blocks in height order: apply to the market, append to the block log,
//! publish, then acknowledge to marshal. Marshal redelivers anything not acknowledged after a
//! restart, and heights already executed are acknowledged without re-applying.

use std::sync::{Arc, PoisonError};

use commonware_actor::Feedback;
use commonware_codec::Encode;
use commonware_consensus::Reporter;
use commonware_consensus::marshal::Update;
use commonware_consensus::marshal::core::Mailbox;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::types::Height;
use commonware_utils::Acknowledgement;
use futures::StreamExt;
use futures::channel::mpsc;
use rigshare_market::{BlockContext, BlockError, Signatures, TxError};
use tracing::{error, info};

use crate::Scheme;
use crate::block::Block;
use crate::shared::{Finalized, Shared, lock};
use crate::store::{StoreError, StoredBlock};
use crate::txindex::TxOutcome;

/// Marshal's reporter: hands finalized blocks to the executor task without blocking.
#[derive(Clone)]
pub(crate) struct Finalizer {
    pub(crate) sender: mpsc::UnboundedSender<Update<Block>>,
}

impl Reporter for Finalizer {
    type Activity = Update<Block>;

    fn report(&mut self, update: Self::Activity) -> Feedback {
        match self.sender.unbounded_send(update) {
            Ok(()) => Feedback::Ok,
            Err(_) => Feedback::Closed,
        }
    }
}

/// Why executing a finalized block failed. Either means this validator can no longer follow
/// the chain and must stop.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The market refused a finalized block (a bug: verification should have caught it).
    #[error("market rejected finalized block {height}: {source}")]
    Market {
        /// The block's height.
        height: u64,
        /// The cause.
        source: BlockError,
    },
    /// The block log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies one finalized block on top of the executed state.
pub(crate) fn execute(
    shared: &Shared,
    block: Block,
    finalization: Option<Vec<u8>>,
    persist: bool,
) -> Result<Arc<Finalized>, ExecuteError> {
    let header = block.header;
    let ctx = BlockContext {
        height: header.height,
        time_ms: header.timestamp_ms,
        seed: header.randomness(),
    };
    // Readers see a block either not at all or fully: applied, stored and rooted. The state
    // lock is held until all three are done.
    let mut state = shared.state.write().unwrap_or_else(PoisonError::into_inner);
    // Signatures were batch-verified by a quorum before this block could be finalized.
    let outcome = state
        .apply_block_with(&ctx, &block.txs, Signatures::AlreadyVerified)
        .map_err(|source| ExecuteError::Market { height: header.height, source })?;
    let senders: Vec<_> = block.txs.iter().map(|t| t.tx.sender).collect();
    {
        let mut index = lock(&shared.txs);
        let mut start = 0;
        for (position, (tx, result)) in block.txs.iter().zip(&outcome.results).enumerate() {
            let end = outcome.tx_event_ends.get(position).copied().unwrap_or(start);
            let events = outcome.events.get(start..end).map(<[_]>::to_vec).unwrap_or_default();
            start = end;
            let outcome = TxOutcome {
                height: header.height,
                index: u32::try_from(position).unwrap_or(u32::MAX),
                result: result.clone(),
                events,
            };
            index.record(tx.hash(), outcome);
        }
    }
    {
        let mut pool = lock(&shared.mempool);
        pool.prune(&state, &senders);
        // A transaction refused on admission would be proposed again forever: drop it.
        for (tx, result) in block.txs.iter().zip(&outcome.results) {
            if matches!(result, Err(TxError::Admission(_))) {
                pool.evict(&tx.tx.sender, tx.tx.nonce);
            }
        }
    }
    let ours = shared.root_at(header.checkpoint.height);
    if ours != Some(header.checkpoint.state_root) {
        error!(
            target: "chain::executor",
            height = header.height,
            checkpoint = header.checkpoint.height,
            "finalized checkpoint differs from our state root: this validator has diverged"
        );
    }
    let stored = StoredBlock { block, finalization };
    if persist {
        lock(&shared.store).append(&stored)?;
    }
    shared.roots.write().unwrap_or_else(PoisonError::into_inner).push(outcome.root);
    shared
        .certified
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(header.checkpoint.height)
        .or_insert(header.height);
    drop(state);
    let finalized = Arc::new(Finalized {
        block: stored.block,
        events: outcome.events,
        state_root: outcome.root,
        finalization: stored.finalization,
    });
    // No subscribers is fine.
    let _ = shared.events.send(finalized.clone());
    Ok(finalized)
}

/// Rebuilds the executed state from the block log.
pub(crate) fn replay(shared: &Shared, blocks: Vec<StoredBlock>) -> Result<(), ExecuteError> {
    let count = blocks.len();
    for stored in blocks {
        execute(shared, stored.block, stored.finalization, false)?;
    }
    if count > 0 {
        info!(target: "chain::executor", blocks = count, height = shared.executed_height(), "replayed block log");
    }
    Ok(())
}

/// The executor task: runs until marshal closes its side or execution fails.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut updates: mpsc::UnboundedReceiver<Update<Block>>,
    marshal: Mailbox<Scheme, Standard<Block>>,
) {
    while let Some(update) = updates.next().await {
        let Update::Block(block, ack) = update else { continue };
        let block = block.inner().clone();
        let height = block.header.height;
        let executed = shared.executed_height();
        if height <= executed {
            ack.acknowledge();
            continue;
        }
        if height != executed + 1 {
            error!(target: "chain::executor", height, executed, "finalized block out of order");
            return;
        }
        let digest = block.header.digest();
        let mut finalization = lock(&shared.finalizations).remove(&digest);
        if finalization.is_none() {
            finalization =
                marshal.get_finalization(Height::new(height)).await.map(|f| f.encode().to_vec());
        }
        prune_finalizations(&shared);
        match execute(&shared, block, finalization, true) {
            Ok(_) => ack.acknowledge(),
            Err(e) => {
                error!(target: "chain::executor", height, error = %e, "cannot execute finalized block");
                return;
            }
        }
    }
}

/// Forgets certificates of blocks that can no longer be delivered (bounded memory).
fn prune_finalizations(shared: &Shared) {
    let mut finalizations = lock(&shared.finalizations);
    while finalizations.len() > 4_096 {
        let Some(first) = finalizations.keys().next().copied() else { break };
        finalizations.remove(&first);
    }
}
