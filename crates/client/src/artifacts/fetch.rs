//! A verifier's side of the artifact API: fetching a lease's job (manifest, module, inputs)
//! from the provider that ran it, to re-execute it.

use futures::StreamExt;
use reqwest::Method;
use rigshare_types::{Hash32, LeaseId};

use super::client::{ArtifactClient, ArtifactError, check};
use super::routes;

impl ArtifactClient {
    /// Downloads the blob `hash` of `lease`'s job — at most `max_bytes`, checked against its
    /// BLAKE3 before it is returned. The signer must be the lease's requestor, its assigned
    /// auditor, or an arbiter of its order's open dispute.
    pub async fn job_blob(
        &self,
        lease: LeaseId,
        hash: &Hash32,
        max_bytes: u64,
    ) -> Result<Vec<u8>, ArtifactError> {
        let path = routes::blob(lease, hash);
        let response = check(self.request(Method::GET, &path).send().await?).await?;
        let mut body = response.bytes_stream();
        let mut bytes = Vec::new();
        let mut hasher = blake3::Hasher::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(ArtifactError::Invalid(format!(
                    "blob {hash} is larger than the {max_bytes} bytes expected"
                )));
            }
            hasher.update(&chunk);
            bytes.extend_from_slice(&chunk);
        }
        if Hash32(*hasher.finalize().as_bytes()) != *hash {
            return Err(ArtifactError::Invalid(format!("blob {hash} does not match its hash")));
        }
        Ok(bytes)
    }
}

impl ArtifactClient {
    /// Asks the provider for the product of its hardware challenge with `seed`; returns the
    /// answer's bytes (its commitment and the product, borsh-encoded), at most `max_bytes`.
    /// Naming the seed keeps a provider whose view of the chain lags from answering an older
    /// challenge.
    pub async fn hardware_check(
        &self,
        seed: &Hash32,
        max_bytes: u64,
    ) -> Result<Vec<u8>, ArtifactError> {
        let request = self.request(Method::POST, routes::HARDWARE_CHECK).query(&[("seed", seed)]);
        let response = check(request.send().await?).await?;
        let mut body = response.bytes_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(ArtifactError::Invalid(format!(
                    "product larger than {max_bytes} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}
