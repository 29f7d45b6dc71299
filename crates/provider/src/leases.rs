//! [`Leases`]: everything the agent keeps per lease — the durable record ([`LeaseStore`]), the
//! content-addressed blobs ([`BlobStore`]), the job's directories and logs — and the wake-ups
//! that tell a lease's task that an upload arrived.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rigshare_types::job::{BlobRef, JobManifest, MAX_MANIFEST_BYTES};
use rigshare_types::{Hash32, LeaseId};
use tokio::sync::Notify;

use crate::artifacts::blobs::BlobStore;
use crate::store::{LeaseRecord, LeaseStore, StoreError};
use rigshare_runtime::LogStream;

/// The agent's per-lease state under its data directory.
#[derive(Debug)]
pub struct Leases {
    /// Durable lease records.
    pub store: LeaseStore,
    /// Uploaded manifests, modules and inputs.
    pub blobs: BlobStore,
    work_dir: PathBuf,
    wakers: Mutex<BTreeMap<LeaseId, Arc<Notify>>>,
}

impl Leases {
    /// Opens (creating) the state under `data_dir`: `leases.redb`, `blobs/`, `work/<lease>/`.
    pub fn open(data_dir: &Path) -> Result<Leases, StoreError> {
        let io = |e: std::io::Error| StoreError::Db(format!("{}: {e}", data_dir.display()));
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let store = LeaseStore::open(&data_dir.join("leases.redb"))?;
        let blobs = BlobStore::open(data_dir.join("blobs")).map_err(io)?;
        Ok(Leases { store, blobs, work_dir: data_dir.join("work"), wakers: Mutex::default() })
    }

    /// The lease's working directory.
    pub fn dir(&self, lease: LeaseId) -> PathBuf {
        self.work_dir.join(lease.0.to_string())
    }

    /// Where the job's inputs are laid out.
    pub fn inputs_dir(&self, lease: LeaseId) -> PathBuf {
        self.dir(lease).join("inputs")
    }

    /// Where this provider re-executes `order`'s job as its auditor or arbiter.
    pub fn verify_dir(&self, order: rigshare_types::OrderId, lease: LeaseId) -> PathBuf {
        self.work_dir.join("verify").join(format!("{order}-{lease}"))
    }

    /// Where the job writes its outputs.
    pub fn outputs_dir(&self, lease: LeaseId) -> PathBuf {
        self.dir(lease).join("outputs")
    }

    /// Where the job's captured `stream` is kept.
    pub fn log_path(&self, lease: LeaseId, stream: LogStream) -> PathBuf {
        let name = match stream {
            LogStream::Stdout => "stdout.log",
            LogStream::Stderr => "stderr.log",
        };
        self.dir(lease).join(name)
    }

    /// The wake-up of `lease`'s task, notified on every upload.
    pub fn waker(&self, lease: LeaseId) -> Arc<Notify> {
        let mut wakers = self.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        wakers.entry(lease).or_default().clone()
    }

    /// Forgets the wake-up of a lease that ended.
    pub fn forget_waker(&self, lease: LeaseId) {
        self.wakers.lock().unwrap_or_else(PoisonError::into_inner).remove(&lease);
    }

    /// The lease's manifest, if uploaded (it was checked against the order's hash on arrival).
    pub fn manifest(&self, record: &LeaseRecord) -> Option<JobManifest> {
        let path = self.blobs.path(&record.manifest_hash);
        let bytes = std::fs::read(path).ok()?;
        JobManifest::decode(&bytes).ok()
    }

    /// The blobs still missing for `record`: the manifest alone until it arrives, then every
    /// blob it names that is not stored.
    pub fn missing(&self, record: &LeaseRecord) -> Vec<Hash32> {
        match self.manifest(record) {
            None => vec![record.manifest_hash],
            Some(manifest) => {
                manifest.blobs().iter().filter(|b| !self.blobs.has(b)).map(|b| b.hash).collect()
            }
        }
    }

    /// The blob `hash` as the lease expects it, or `None` if the lease does not name it.
    /// `announced` is the uploader's `Content-Length`, needed only for the manifest.
    pub fn expected_blob(
        &self,
        record: &LeaseRecord,
        hash: &Hash32,
        announced: Option<u64>,
    ) -> Option<BlobRef> {
        if *hash == record.manifest_hash {
            let size = announced.filter(|s| *s <= MAX_MANIFEST_BYTES as u64)?;
            return Some(BlobRef { hash: *hash, size });
        }
        self.manifest(record)?.blobs().into_iter().find(|b| b.hash == *hash)
    }
}
