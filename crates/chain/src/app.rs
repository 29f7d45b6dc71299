//! The application consensus drives: builds blocks from the mempool and checks blocks proposed
//! by others. Execution happens later, on finalized blocks ([`crate::executor`]), so validity
//! here is everything that does not need the block's own execution:
//!
//! - the header links to its parent (height, time, view) and carries the parent round's seed
//!   signature, verified against the group key;
//! - the checkpoint names an executed height at or after the parent's checkpoint, with the root
//!   this validator computed for it (a validator behind on execution waits, it never guesses);
//! - every transaction's signature verifies (in one batch), and the block respects the limits.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use commonware_codec::DecodeExt;
use commonware_consensus::Application;
use commonware_consensus::marshal::ancestry::Ancestry;
use commonware_consensus::simplex::scheme::bls12381_threshold::vrf::Seed;
use commonware_consensus::simplex::types::Context;
use commonware_consensus::types::{Epoch, Round, View};
use commonware_cryptography::bls12381::primitives::variant::{MinSig, Variant};
use commonware_cryptography::ed25519;
use commonware_cryptography::{Digested, Digestible};
use commonware_runtime::Clock;
use futures::StreamExt;
use rigshare_types::block::{Header, tx_root};
use rigshare_types::codec;
use tracing::{debug, warn};

use crate::block::{Block, MAX_BLOCK_BYTES, MAX_BLOCK_TXS, from_digest};
use crate::shared::{Shared, lock};
use crate::{Digest, Scheme};

/// How far ahead of this validator's clock a block's timestamp may be, in ms.
const MAX_CLOCK_DRIFT_MS: u64 = 2_000;
/// How long a proposer waits for the parent round's seed before giving up its slot.
const SEED_WAIT: Duration = Duration::from_secs(2);
/// How often waits re-check their condition.
const POLL: Duration = Duration::from_millis(1);
/// With nothing to include, how long a proposer waits for a transaction before proposing an
/// empty block (well under the leader timeout). Keeps an idle chain from spinning.
const IDLE_WAIT: Duration = Duration::from_millis(100);
/// How far behind its own execution a proposer checkpoints, in blocks.
const CHECKPOINT_LAG: u64 = 1;
/// Unexecuted ancestors a proposer looks through to avoid re-including their transactions.
const MAX_ANCESTRY_SCAN: usize = 64;

#[derive(Clone)]
pub(crate) struct App {
    pub(crate) shared: Arc<Shared>,
    /// Verifies seed signatures with the group key alone.
    pub(crate) verifier: Scheme,
    pub(crate) epoch: Epoch,
    pub(crate) tx_domain: Arc<Vec<u8>>,
    pub(crate) max_txs: usize,
}

fn now_ms<E: Clock>(ctx: &E) -> u64 {
    ctx.current().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl App {
    /// Waits up to `limit` for `ready` to hold.
    async fn wait_until<E: Clock>(
        ctx: &E,
        limit: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> bool {
        let deadline = ctx.current() + limit;
        loop {
            if ready() {
                return true;
            }
            if ctx.current() >= deadline {
                return false;
            }
            ctx.sleep(POLL).await;
        }
    }

    fn seed_of(&self, view: u64) -> Option<[u8; 48]> {
        lock(&self.shared.seeds).get(&view).copied()
    }

    fn seed_is_valid(&self, view: u64, signature: &[u8; 48]) -> bool {
        let Ok(signature) = <MinSig as Variant>::Signature::decode(signature.to_vec()) else {
            return false;
        };
        Seed::<MinSig>::new(Round::new(self.epoch, View::new(view)), signature)
            .verify(&self.verifier)
    }

    fn signatures_are_valid(&self, block: &Block) -> bool {
        rigshare_types::tx::verify_signatures(&self.tx_domain, &block.txs)
            .iter()
            .all(rigshare_types::tx::SignatureCheck::is_valid)
    }
}

impl<E: Clock + Send + Sync + 'static> Application<E> for App {
    type SigningScheme = Scheme;
    type Context = Context<Digest, ed25519::PublicKey>;
    type Block = Block;
    type Input = ();

    async fn propose(
        &mut self,
        (ctx, consensus): (E, Self::Context),
        mut ancestry: impl Ancestry<Self::Block>,
        _: (),
    ) -> Option<Digested<Self::Block>> {
        let parent_block = ancestry.peek()?;
        let parent_id = from_digest(&parent_block.digest());
        let parent = parent_block.inner().header;
        let parent_view = consensus.parent.0.get();
        let parent_seed = if parent.height == 0 {
            None
        } else {
            if !Self::wait_until(&ctx, SEED_WAIT, || self.seed_of(parent_view).is_some()).await {
                warn!(target: "chain::app", parent_view, "no seed for the parent round; skipping proposal");
                return None;
            }
            self.seed_of(parent_view)
        };

        if lock(&self.shared.mempool).is_empty() {
            Self::wait_until(&ctx, IDLE_WAIT, || !lock(&self.shared.mempool).is_empty()).await;
        }

        // Transactions of unexecuted ancestors are still pooled: leave them out.
        let executed = self.shared.executed_height();
        let mut exclude = BTreeSet::new();
        for _ in 0..MAX_ANCESTRY_SCAN {
            let Some(ancestor) = ancestry.next().await else { break };
            if ancestor.inner().header.height <= executed {
                break;
            }
            exclude.extend(ancestor.inner().txs.iter().map(|t| t.hash()));
        }
        let mut txs = lock(&self.shared.mempool).select(self.max_txs, &exclude);
        // Keep the block under its byte limit.
        let mut size = 0usize;
        txs.retain(|t| {
            size += codec::encode(t).len();
            size < MAX_BLOCK_BYTES - 64 * 1024
        });

        // Checkpoint one block behind this validator's execution, so verifiers (who execute a
        // little after the proposer) rarely have to wait for it; never behind the parent's.
        let mut checkpoint = self.shared.checkpoint_at(executed.saturating_sub(CHECKPOINT_LAG));
        if checkpoint.height < parent.checkpoint.height {
            checkpoint = parent.checkpoint;
        }
        let header = Header {
            parent: parent_id,
            height: parent.height + 1,
            timestamp_ms: now_ms(&ctx).max(parent.timestamp_ms),
            view: consensus.round.view().get(),
            parent_seed,
            checkpoint,
            tx_root: tx_root(&txs),
        };
        debug!(target: "chain::app", height = header.height, txs = txs.len(), "proposing");
        let block = Block { header, txs };
        let digest = block.id();
        Some(Digested::precomputed(block, digest))
    }

    async fn verify(
        &mut self,
        (ctx, consensus): (E, Self::Context),
        mut ancestry: impl Ancestry<Self::Block>,
    ) -> bool {
        let Some(block) = ancestry.next().await else { return false };
        let Some(parent) = ancestry.next().await else { return false };
        let (block, parent) = (block.inner(), &parent.inner().header);
        let header = &block.header;
        let reject = |why: &str| {
            warn!(target: "chain::app", height = header.height, why, "rejecting block");
            false
        };

        if header.view != consensus.round.view().get() {
            return reject("view does not match the round");
        }
        if header.timestamp_ms < parent.timestamp_ms {
            return reject("timestamp before the parent's");
        }
        // A block from a clock ahead of ours becomes acceptable with time: wait, do not reject.
        let ahead = header.timestamp_ms.saturating_sub(now_ms(&ctx) + MAX_CLOCK_DRIFT_MS);
        if ahead > 0 {
            ctx.sleep(Duration::from_millis(ahead)).await;
        }
        if block.txs.len() > MAX_BLOCK_TXS.min(self.max_txs) {
            return reject("too many transactions");
        }
        match (&header.parent_seed, parent.height) {
            (None, 0) => {}
            (Some(seed), h) if h > 0 => {
                if !self.seed_is_valid(consensus.parent.0.get(), seed) {
                    return reject("invalid parent seed");
                }
            }
            _ => return reject("parent seed missing or unexpected"),
        }
        let checkpoint = header.checkpoint;
        if checkpoint.height < parent.checkpoint.height || checkpoint.height >= header.height {
            return reject("checkpoint height out of range");
        }
        // The proposer executed that height, so it is finalized: this validator will execute it.
        while self.shared.executed_height() < checkpoint.height {
            ctx.sleep(POLL).await;
        }
        if self.shared.root_at(checkpoint.height) != Some(checkpoint.state_root) {
            return reject("checkpoint root differs from ours");
        }
        if !self.signatures_are_valid(block) {
            return reject("invalid transaction signature");
        }
        true
    }
}
