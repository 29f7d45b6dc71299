//! Transaction gossip: a transaction any validator accepts reaches every validator's pool, so it
//! is included by whichever validator leads next.
//!
//! Outbound, newly accepted transactions are sent to all peers in batches. Inbound batches are
//! size-limited, signature-checked in one batch, and inserted without being gossiped again.

use std::sync::Arc;

use commonware_p2p::{Receiver, Recipients, Sender};
use futures::StreamExt;
use futures::channel::mpsc;
use rigshare_types::{SignedTransaction, codec, crypto, tx};
use tracing::debug;

use crate::shared::{Shared, lock, read};

/// Most transactions in one gossip message.
pub const MAX_GOSSIP_TXS: usize = 512;
/// Largest gossip message, in bytes.
pub const MAX_GOSSIP_BYTES: usize = 1 << 20;

/// Sends accepted transactions to every peer.
pub(crate) async fn outbound<S: Sender>(
    mut sender: S,
    mut outbox: mpsc::UnboundedReceiver<SignedTransaction>,
) {
    while let Some(first) = outbox.next().await {
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
        let encoded: Vec<Vec<u8>> = batch.iter().map(|t| codec::encode(&t.tx)).collect();
        let items: Vec<_> = batch
            .iter()
            .zip(&encoded)
            .map(|(t, bytes)| (t.tx.sender, domain.as_slice(), bytes.as_slice(), t.signature))
            .collect();
        let all_valid = crypto::verify_batch(&items).is_ok();
        let state = read(&shared.state);
        let mut pool = lock(&shared.mempool);
        for tx in batch {
            // Duplicates and stale nonces are expected (several peers relay the same pool).
            let _ =
                if all_valid { pool.insert_presigned(&state, tx) } else { pool.insert(&state, tx) };
        }
    }
}
