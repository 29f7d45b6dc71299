//! Transactions: what accounts ask the market to do. Each is signed by its sender over
//! [`tx_domain`] (which names the network, so a transaction cannot be replayed on another) and the
//! transaction's canonical encoding.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError};
use crate::crypto::{Keypair, PublicKey, Signature, SignatureError};
use crate::gpu::GpuGroup;
use crate::receipt::SignedReceipt;
use crate::{AccountId, Amount, Hash32, LeaseId, OrderId, hash};

/// Largest encoded signed transaction accepted anywhere.
pub const MAX_TX_BYTES: usize = 8 * 1024;

/// A transaction before signing.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Transaction {
    /// The paying and signing account.
    pub sender: AccountId,
    /// Must equal the sender's next nonce (0 for a new account); protects against replays.
    pub nonce: u64,
    /// Paid to the fee pool whenever the transaction is admitted, even if it then fails.
    pub fee: Amount,
    /// What to do.
    pub body: TxBody,
}

/// The operations of the market.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxBody {
    /// Move money to another account (created if new).
    Transfer {
        /// Recipient.
        to: AccountId,
        /// Amount moved.
        amount: Amount,
    },
    /// Become a provider, locking `stake`.
    RegisterProvider {
        /// Stake locked from the sender's balance.
        stake: Amount,
        /// The agent's public HTTP endpoint (`http://` or `https://`).
        endpoint: String,
        /// Free-form labels (region, operator, …), sorted by key, keys unique.
        attributes: Vec<(String, String)>,
    },
    /// Replace the provider's published GPU groups (and their price floors).
    UpdateInventory {
        /// The new inventory.
        groups: Vec<GpuGroup>,
    },
    /// Lock more stake.
    AddStake {
        /// Amount moved from balance to stake.
        amount: Amount,
    },
    /// Start releasing stake; it returns to the balance after the unbonding delay.
    Unbond {
        /// Amount to release.
        amount: Amount,
    },
    /// Ask for GPUs: lock a deposit in escrow and open an auction.
    CreateOrder(OrderSpec),
    /// Offer to serve an open order at a price.
    Bid {
        /// The order.
        order: OrderId,
        /// Price per GPU-hour, at most the order's maximum.
        price_gpu_hour: Amount,
    },
    /// Withdraw an order: refunds unused escrow, ends running leases (paying time used).
    CancelOrder {
        /// The order.
        order: OrderId,
    },
    /// The provider has the job running: payment starts streaming.
    StartLease {
        /// The lease.
        lease: LeaseId,
    },
    /// The provider's signed result for a lease; ends the lease.
    SubmitResult(SignedReceipt),
    /// The provider gives up a lease it cannot serve; no further payment.
    AbandonLease {
        /// The lease.
        lease: LeaseId,
        /// Why, for the requestor (at most 256 bytes).
        reason: String,
    },
    /// The assigned auditor's re-execution of a lease's job.
    SubmitAudit {
        /// The audited lease.
        lease: LeaseId,
        /// The root the auditor computed.
        output_root: Hash32,
    },
    /// Contest a lease's result within its challenge window, locking a bond.
    Challenge {
        /// The contested lease.
        lease: LeaseId,
        /// The root the challenger says is correct.
        output_root: Hash32,
        /// Locked until the dispute ends: returned with a reward if right, lost if wrong.
        bond: Amount,
    },
    /// An assigned arbiter's re-execution of a disputed order's job.
    Arbitrate {
        /// The disputed order.
        order: OrderId,
        /// The root the arbiter computed.
        output_root: Hash32,
    },
    /// Ask for a hardware challenge of one of the sender's GPU groups.
    RequestHardwareCheck {
        /// The inventory group.
        group: u32,
        /// Claimed INT8 throughput, in tera-operations per second.
        claimed_tops: u64,
    },
    /// The assigned checker's verdict on a provider's hardware challenge.
    ReportHardwareCheck {
        /// The provider challenged.
        provider: PublicKey,
        /// Whether the product was right and fast enough.
        passed: bool,
        /// The throughput measured, in operations per second.
        measured_ops_per_s: u64,
    },
}

/// What a requestor asks for.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct OrderSpec {
    /// BLAKE3 of the job manifest.
    pub manifest_hash: Hash32,
    /// Resource constraints in the offer query language.
    pub query: String,
    /// GPUs per replica.
    pub gpus: u32,
    /// Highest acceptable price per GPU-hour.
    pub max_price_gpu_hour: Amount,
    /// Longest a lease may run, in milliseconds of block time.
    pub max_duration_ms: u64,
    /// Independent runs on distinct providers (≥ 2 lets results be compared).
    pub replicas: u8,
    /// How results are checked beyond replica comparison.
    pub verification: VerificationPolicy,
    /// Locked in escrow; shared evenly by the leases; what is unused is refunded.
    pub deposit: Amount,
    /// Blocks the auction stays open.
    pub auction_blocks: u32,
}

/// How an order's results are checked beyond comparing replicas.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct VerificationPolicy {
    /// Share of leases re-executed by a beacon-chosen auditor, in parts per million.
    pub audit_ppm: u32,
}

/// A transaction with its sender's signature.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct SignedTransaction {
    /// The transaction.
    pub tx: Transaction,
    /// Signature by `tx.sender` over `tx_domain(chain_id) || encode(tx)`.
    pub signature: Signature,
}

/// The signing domain of transactions on the network named `chain_id`.
pub fn tx_domain(chain_id: &str) -> Vec<u8> {
    let mut domain = b"rigshare/tx/v1/".to_vec();
    domain.extend_from_slice(chain_id.as_bytes());
    domain.push(0);
    domain
}

impl Transaction {
    /// Signs the transaction for the network `chain_id`. The key must be the sender's.
    pub fn sign(self, key: &Keypair, chain_id: &str) -> SignedTransaction {
        let signature = key.sign(&tx_domain(chain_id), &codec::encode(&self));
        SignedTransaction { tx: self, signature }
    }
}

impl SignedTransaction {
    /// Checks the signature for the network `chain_id`.
    pub fn verify(&self, chain_id: &str) -> Result<(), SignatureError> {
        self.verify_in(&tx_domain(chain_id))
    }

    /// Checks the signature under a precomputed [`tx_domain`].
    pub fn verify_in(&self, domain: &[u8]) -> Result<(), SignatureError> {
        self.tx.sender.verify(domain, &codec::encode(&self.tx), &self.signature)
    }

    /// The transaction's id: SHA-256 of its signed encoding.
    pub fn hash(&self) -> Hash32 {
        hash::sha256(&codec::encode(self))
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a signed transaction of at most [`MAX_TX_BYTES`].
    pub fn decode(bytes: &[u8]) -> Result<SignedTransaction, DecodeError> {
        codec::decode(bytes, MAX_TX_BYTES)
    }

    /// The signer.
    pub fn sender(&self) -> &PublicKey {
        &self.tx.sender
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer(key: &Keypair, nonce: u64) -> Transaction {
        Transaction {
            sender: key.public(),
            nonce,
            fee: Amount(10),
            body: TxBody::Transfer { to: PublicKey([1; 32]), amount: Amount(5) },
        }
    }

    #[test]
    fn signed_round_trip() {
        let key = Keypair::from_seed([3; 32]);
        let signed = transfer(&key, 0).sign(&key, "devnet");
        let decoded = SignedTransaction::decode(&signed.encode()).unwrap();
        assert_eq!(decoded, signed);
        assert_eq!(decoded.verify("devnet"), Ok(()));
        assert_eq!(decoded.verify("mainnet"), Err(SignatureError::Invalid));
    }

    #[test]
    fn tampering_breaks_the_signature() {
        let key = Keypair::from_seed([3; 32]);
        let mut signed = transfer(&key, 0).sign(&key, "devnet");
        signed.tx.nonce = 1;
        assert_eq!(signed.verify("devnet"), Err(SignatureError::Invalid));
    }

    #[test]
    fn oversize_input_is_rejected_before_decoding() {
        let bytes = vec![0u8; MAX_TX_BYTES + 1];
        assert!(matches!(SignedTransaction::decode(&bytes), Err(DecodeError::TooLarge { .. })));
    }
}

/// The outcome of checking every signature a transaction carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The sender's signature over the transaction.
    pub tx: Result<(), SignatureError>,
    /// For a `SubmitResult`, the receipt's signature by the sender (who must be the lease's
    /// provider for the result to be accepted); `Ok` for every other transaction.
    pub receipt: Result<(), SignatureError>,
}

impl SignatureCheck {
    /// Both signatures verify.
    pub fn is_valid(&self) -> bool {
        self.tx.is_ok() && self.receipt.is_ok()
    }

    /// The check of a transaction whose signatures were verified before.
    pub const VERIFIED: SignatureCheck = SignatureCheck { tx: Ok(()), receipt: Ok(()) };
}

/// Verifies every signature in `txs` (transactions and receipts) under the transaction signing
/// `domain` of one network: one batch when all are valid, one by one otherwise to tell which.
pub fn verify_signatures(domain: &[u8], txs: &[SignedTransaction]) -> Vec<SignatureCheck> {
    let tx_bytes: Vec<Vec<u8>> = txs.iter().map(|s| codec::encode(&s.tx)).collect();
    let receipt_bytes: Vec<Option<Vec<u8>>> = txs
        .iter()
        .map(|s| match &s.tx.body {
            TxBody::SubmitResult(r) => Some(codec::encode(&r.receipt)),
            _ => None,
        })
        .collect();
    let mut items: Vec<(PublicKey, &[u8], &[u8], Signature)> = Vec::with_capacity(txs.len());
    for ((signed, bytes), receipt) in txs.iter().zip(&tx_bytes).zip(&receipt_bytes) {
        items.push((signed.tx.sender, domain, bytes, signed.signature));
        if let (TxBody::SubmitResult(r), Some(receipt)) = (&signed.tx.body, receipt) {
            items.push((signed.tx.sender, crate::receipt::RECEIPT_DOMAIN, receipt, r.signature));
        }
    }
    if crate::crypto::verify_batch(&items).is_ok() {
        return vec![SignatureCheck::VERIFIED; txs.len()];
    }
    txs.iter()
        .zip(&tx_bytes)
        .zip(&receipt_bytes)
        .map(|((signed, bytes), receipt)| SignatureCheck {
            tx: signed.tx.sender.verify(domain, bytes, &signed.signature),
            receipt: match (&signed.tx.body, receipt) {
                (TxBody::SubmitResult(r), Some(receipt)) => {
                    signed.tx.sender.verify(crate::receipt::RECEIPT_DOMAIN, receipt, &r.signature)
                }
                _ => Ok(()),
            },
        })
        .collect()
}
