//! Transaction gossip: a transaction any validator accepts reaches every validator's pool, so it
//! is included by whichever validator leads next.
//!
//! Outbound, newly accepted transactions are sent to all peers in batches. Inbound batches are
//! size-limited, signature-checked in one batch, and inserted without being gossiped again.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use commonware_runtime::Clock;
use futures::future::Either;

use commonware_p2p::{Receiver, Recipients, Sender};
use futures::StreamExt;
use futures::channel::mpsc;
use rigshare_types::{SignedTransaction, codec, tx};
use tracing::debug;

use crate::shared::{Shared, lock, read};

/// Most transactions in one gossip message.
pub const MAX_GOSSIP_TXS: usize = 512;
/// Largest gossip message, in bytes.
pub const MAX_GOSSIP_BYTES: usize = 1 << 20;
/// How often still-pending transactions are sent again.
pub const RESEND_INTERVAL: Duration = Duration::from_secs(2);

/// Sends accepted transactions to every peer as they arrive, and re-sends what is still
/// pending every [`RESEND_INTERVAL`], so a transaction that missed a peer (partition, restart)
/// still reaches the next leader.
pub(crate) async fn outbound<E: Clock, S: Sender>(
    ctx: E,
    shared: Arc<Shared>,
    mut sender: S,
    mut outbox: mpsc::UnboundedReceiver<SignedTransaction>,
) {
    let mut last_resend = ctx.current();
    loop {
        let timer = ctx.sleep(RESEND_INTERVAL);
        futures::pin_mut!(timer);
        match futures::future::select(outbox.next(), timer).await {
            Either::Left((Some(first), _)) => {
                let mut batch = vec![first];
                let mut size = 0;
                while batch.len() < MAX_GOSSIP_TXS && size < MAX_GOSSIP_BYTES / 2 {
                    match outbox.try_recv() {
                        Ok(tx) => {
                            size += codec::encode(&tx).len();
                            batch.push(tx);
                        }
                        _ => break,
                    }
                }
                sender.send(Recipients::All, codec::encode(&batch), false);
            }
            Either::Left((None, _)) => return,
            Either::Right(_) => {}
        }
        if ctx.current().duration_since(last_resend).unwrap_or_default() >= RESEND_INTERVAL {
            last_resend = ctx.current();
            let pending = lock(&shared.mempool).select(MAX_GOSSIP_TXS, &BTreeSet::new());
            if !pending.is_empty() {
                sender.send(Recipients::All, codec::encode(&pending), false);
            }
        }
    }
}

/// Receives peers' transactions into the pool.
pub(crate) async fn inbound<R: Receiver>(shared: Arc<Shared>, chain_id: String, mut receiver: R) {
    let domain = tx::tx_domain(&chain_id);
    while let Ok((peer, message)) = receiver.recv().await {
        let Ok(batch) = codec::decode::<Vec<SignedTransaction>>(message.as_ref(), MAX_GOSSIP_BYTES)
        else {
            debug!(target: "chain::gossip", ?peer, "undecodable gossip");
            continue;
        };
        if batch.len() > MAX_GOSSIP_TXS {
            continue;
        }
        let checks = tx::verify_signatures(&domain, &batch);
        let state = read(&shared.state);
        let mut pool = lock(&shared.mempool);
        for (tx, check) in batch.into_iter().zip(checks) {
            // Duplicates and stale nonces are expected (several peers relay the same pool).
            let _ = if check.is_valid() {
                pool.insert_presigned(&state, tx)
            } else {
                pool.insert(&state, tx)
            };
        }
    }
}
