//! Durable lease state: every lease the agent won, in an embedded redb database under the
//! agent's data directory, written before the agent acts on it.
//!
//! A lease moves [`Stage::AwaitingInputs`] → [`Stage::Running`] → [`Stage::Finished`] (receipt
//! signed) → [`Stage::Submitted`], or ends [`Stage::Failed`]. After a restart the agent reads
//! every lease not yet ended and resumes it; nothing is dropped silently.

use std::path::Path;

use borsh::{BorshDeserialize, BorshSerialize};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use rigshare_types::{Hash32, LeaseId, OrderId, PublicKey, SignedReceipt, codec};

/// Leases by id.
const LEASES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("leases");
/// Largest stored record.
const MAX_RECORD_BYTES: usize = 64 * 1024; // bytes

/// Where a lease stands on this provider.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Stage {
    /// Won; waiting for the requestor's manifest and inputs.
    AwaitingInputs,
    /// Started on chain and running (or about to).
    Running,
    /// Ran; the receipt is signed but not yet final on chain.
    Finished {
        /// The receipt.
        receipt: SignedReceipt,
    },
    /// The receipt is final on chain.
    Submitted {
        /// The receipt.
        receipt: SignedReceipt,
    },
    /// Ended without a result, and why.
    Failed {
        /// What happened.
        reason: String,
    },
}

impl Stage {
    /// Short name for logs and the artifact API.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::AwaitingInputs => "awaiting_inputs",
            Stage::Running => "running",
            Stage::Finished { .. } => "finished",
            Stage::Submitted { .. } => "submitted",
            Stage::Failed { .. } => "failed",
        }
    }

    /// Whether nothing more will happen to the lease.
    pub fn is_final(&self) -> bool {
        matches!(self, Stage::Submitted { .. } | Stage::Failed { .. })
    }
}

/// What the agent remembers about one lease.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct LeaseRecord {
    /// The lease.
    pub lease: LeaseId,
    /// Its order.
    pub order: OrderId,
    /// Who pays, and who may upload inputs and read outputs.
    pub requestor: PublicKey,
    /// The manifest the order names.
    pub manifest_hash: Hash32,
    /// GPUs held.
    pub gpus: u32,
    /// Last height at which the lease may be started.
    pub start_deadline: u64,
    /// Where it stands.
    pub stage: Stage,
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("lease store: {0}")]
    Db(String),
    /// A stored record does not decode (a bug or a damaged file).
    #[error("lease store record {lease} is damaged: {reason}")]
    Damaged {
        /// The lease.
        lease: u64,
        /// Why.
        reason: String,
    },
}

fn db_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The lease database.
#[derive(Debug)]
pub struct LeaseStore {
    db: Database,
}

impl LeaseStore {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &Path) -> Result<LeaseStore, StoreError> {
        let db = Database::create(path).map_err(db_error)?;
        let tx = db.begin_write().map_err(db_error)?;
        tx.open_table(LEASES).map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(LeaseStore { db })
    }

    /// Writes `record` durably (committed before this returns).
    pub fn put(&self, record: &LeaseRecord) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db_error)?;
        {
            let mut table = tx.open_table(LEASES).map_err(db_error)?;
            table.insert(record.lease.0, codec::encode(record).as_slice()).map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    /// The record of `lease`.
    pub fn get(&self, lease: LeaseId) -> Result<Option<LeaseRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(LEASES).map_err(db_error)?;
        let Some(value) = table.get(lease.0).map_err(db_error)? else {
            return Ok(None);
        };
        decode(lease.0, value.value()).map(Some)
    }

    /// Every record, by lease id.
    pub fn all(&self) -> Result<Vec<LeaseRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db_error)?;
        let table = tx.open_table(LEASES).map_err(db_error)?;
        let mut records = Vec::new();
        for entry in table.iter().map_err(db_error)? {
            let (key, value) = entry.map_err(db_error)?;
            records.push(decode(key.value(), value.value())?);
        }
        Ok(records)
    }
}

fn decode(lease: u64, bytes: &[u8]) -> Result<LeaseRecord, StoreError> {
    codec::decode(bytes, MAX_RECORD_BYTES)
        .map_err(|e| StoreError::Damaged { lease, reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopening() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("leases.redb");
        let record = LeaseRecord {
            lease: LeaseId(7),
            order: OrderId(3),
            requestor: rigshare_types::Keypair::from_seed([2; 32]).public(),
            manifest_hash: Hash32([9; 32]),
            gpus: 1,
            start_deadline: 100,
            stage: Stage::Failed { reason: "test".into() },
        };
        {
            let store = LeaseStore::open(&path)?;
            store.put(&record)?;
        }
        let store = LeaseStore::open(&path)?;
        assert_eq!(store.get(LeaseId(7))?, Some(record.clone()));
        assert_eq!(store.all()?, vec![record]);
        assert_eq!(store.get(LeaseId(8))?, None);
        Ok(())
    }
}
