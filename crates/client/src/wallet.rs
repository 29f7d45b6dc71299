//! [`Wallet`]: signs transactions for one account and keeps its nonces in order.

use std::time::{Duration, Instant};

use rigshare_types::tx::{Transaction, TxBody};
use rigshare_types::{Amount, Hash32, Keypair, PublicKey};
use tokio::sync::Mutex;

use crate::api::TxStatus;
use crate::{Client, ClientError};

/// Fee a wallet offers unless told otherwise (the devnet's minimum).
pub const DEFAULT_FEE: Amount = Amount::micro(100);
/// How often [`Wallet::wait`] asks whether a transaction is final.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Why a wallet could not get a transaction through.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The node refused the request or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The transaction was finalized but did not take effect.
    #[error("transaction {id} {reason}")]
    Failed {
        /// The transaction id.
        id: Hash32,
        /// The node's account of why (`rejected: …` or `failed: …`).
        reason: String,
        /// Its stable code (`insufficient_stake`, …), when the node gave one.
        code: Option<String>,
    },
    /// The transaction was not finalized in time; it may still be.
    #[error("transaction {id} not finalized after {waited:?}")]
    Timeout {
        /// The transaction id.
        id: Hash32,
        /// How long it was waited for.
        waited: Duration,
    },
}

/// Signs and submits one account's transactions through one node.
///
/// Nonces come from a local counter seeded from the node's `next_nonce` (which counts the
/// account's pending transactions), so concurrent sends get consecutive nonces. When the node
/// answers `stale_nonce` or `nonce_gap` (another process used the account, or a transaction was
/// dropped) the counter is re-read and the send retried once.
#[derive(Debug)]
pub struct Wallet {
    client: Client,
    key: Keypair,
    chain_id: String,
    fee: Amount,
    next_nonce: Mutex<Option<u64>>,
}

impl WalletError {
    /// The node's stable code for why the transaction failed or was refused, if it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            WalletError::Client(e) => e.code(),
            WalletError::Failed { code, .. } => code.as_deref(),
            WalletError::Timeout { .. } => None,
        }
    }
}

impl Wallet {
    /// A wallet for `key` on the network named `chain_id`.
    pub fn new(client: Client, key: Keypair, chain_id: impl Into<String>) -> Wallet {
        Wallet {
            client,
            key,
            chain_id: chain_id.into(),
            fee: DEFAULT_FEE,
            next_nonce: Mutex::new(None),
        }
    }

    /// A wallet for `key`, asking the node for its chain id.
    pub async fn connect(client: Client, key: Keypair) -> Result<Wallet, ClientError> {
        let chain_id = client.status().await?.chain_id;
        Ok(Wallet::new(client, key, chain_id))
    }

    /// Sets the fee offered by every transaction.
    pub fn with_fee(mut self, fee: Amount) -> Wallet {
        self.fee = fee;
        self
    }

    /// The account.
    pub fn account(&self) -> PublicKey {
        self.key.public()
    }

    /// The signing key.
    pub fn key(&self) -> &Keypair {
        &self.key
    }

    /// The node client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The network's chain id.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The fee every transaction offers.
    pub fn fee(&self) -> Amount {
        self.fee
    }

    /// Signs `body` with the next nonce and submits it; returns its id once pooled.
    pub async fn send(&self, body: TxBody) -> Result<Hash32, WalletError> {
        let mut next = self.next_nonce.lock().await;
        let mut retried = false;
        loop {
            let nonce = match *next {
                Some(nonce) => nonce,
                None => self.client.account(&self.key.public()).await.map_or_else(
                    |e| if e.status() == Some(404) { Ok(0) } else { Err(e) },
                    |info| Ok(info.next_nonce),
                )?,
            };
            let tx =
                Transaction { sender: self.key.public(), nonce, fee: self.fee, body: body.clone() }
                    .sign(&self.key, &self.chain_id);
            match self.client.submit(&tx).await {
                Ok(id) => {
                    *next = Some(nonce.saturating_add(1));
                    return Ok(id);
                }
                Err(e) if !retried && matches!(e.code(), Some("stale_nonce" | "nonce_gap")) => {
                    retried = true;
                    *next = None;
                }
                Err(e) => {
                    *next = None;
                    return Err(e.into());
                }
            }
        }
    }

    /// Sends `body` and waits until it is finalized and took effect.
    pub async fn send_and_wait(
        &self,
        body: TxBody,
        timeout: Duration,
    ) -> Result<TxStatus, WalletError> {
        let id = self.send(body).await?;
        self.wait(id, timeout).await
    }

    /// Waits until transaction `id` is finalized; an error if it did not take effect.
    pub async fn wait(&self, id: Hash32, timeout: Duration) -> Result<TxStatus, WalletError> {
        wait_for_tx(&self.client, id, timeout).await
    }
}

/// Waits until transaction `id` is finalized; an error if it did not take effect or the wait
/// passed `timeout`.
pub async fn wait_for_tx(
    client: &Client,
    id: Hash32,
    timeout: Duration,
) -> Result<TxStatus, WalletError> {
    let start = Instant::now();
    loop {
        match client.tx_status(&id).await {
            Ok(status) if status.ok => return Ok(status),
            Ok(status) => {
                let reason = status.error.unwrap_or_else(|| "did not take effect".to_owned());
                return Err(WalletError::Failed { id, reason, code: status.code });
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e.into()),
        }
        if start.elapsed() >= timeout {
            return Err(WalletError::Timeout { id, waited: start.elapsed() });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
