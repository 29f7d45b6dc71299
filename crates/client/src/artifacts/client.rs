//! [`ArtifactClient`]: the requestor's side of a provider's artifact API.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use reqwest::{Method, RequestBuilder, Response};
use rigshare_types::{Hash32, Keypair, LeaseId};
use serde::de::DeserializeOwned;

use rigshare_types::output::{OutputFile, check_listing};

use super::api::{ArtifactErrorBody, LeaseView, Logs, OutputListing};
use super::auth::{RequestAuth, now_ms};
use super::routes;
use super::writer::HashingWriter;

/// Largest JSON answer read.
const MAX_JSON_BYTES: usize = 16 << 20; // bytes
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an artifact request failed.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The agent answered with an error.
    #[error("provider answered {status} {code}: {message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// Stable code.
        code: String,
        /// Message.
        message: String,
    },
    /// The request did not complete.
    #[error("cannot reach the provider: {0}")]
    Transport(#[from] reqwest::Error),
    /// The answer is not what was asked for: bad JSON, a file whose bytes do not match its
    /// hash, a listing whose files do not make its root.
    #[error("provider's answer rejected: {0}")]
    Invalid(String),
    /// Writing a download failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Talks to one provider's artifact endpoint as a lease's requestor.
#[derive(Clone, Debug)]
pub struct ArtifactClient {
    http: reqwest::Client,
    base: String,
    key: Keypair,
}

impl ArtifactClient {
    /// A client of the agent at `endpoint`, signing with the requestor's `key`.
    pub fn new(endpoint: &str, key: Keypair) -> Result<ArtifactClient, ArtifactError> {
        let http = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT).build()?;
        Ok(ArtifactClient { http, base: endpoint.trim_end_matches('/').to_owned(), key })
    }

    pub(super) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let auth = RequestAuth::sign(&self.key, method.as_str(), path, now_ms());
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in auth.headers() {
            request = request.header(name, value);
        }
        request
    }

    /// Uploads `bytes` as a blob of `lease` (the manifest, the module or an input), hashing
    /// them first to name the blob; [`ArtifactClient::upload_as`] spares that when the hash is
    /// known.
    pub async fn upload(&self, lease: LeaseId, bytes: Vec<u8>) -> Result<(), ArtifactError> {
        let hash = rigshare_types::hash::blake3(&bytes);
        self.upload_as(lease, hash, bytes).await
    }

    /// Uploads `bytes` as the blob `hash` of `lease`, for a caller that knows their BLAKE3 (the
    /// manifest names every blob's). The agent hashes what arrives and refuses it unless it
    /// matches `hash`.
    pub async fn upload_as(
        &self,
        lease: LeaseId,
        hash: Hash32,
        bytes: impl Into<Bytes>,
    ) -> Result<(), ArtifactError> {
        let path = routes::blob(lease, &hash);
        check(self.request(Method::PUT, &path).body(bytes.into()).send().await?).await?;
        Ok(())
    }

    /// The agent's view of `lease`.
    pub async fn status(&self, lease: LeaseId) -> Result<LeaseView, ArtifactError> {
        self.json(&routes::lease(lease)).await
    }

    /// The lease's output listing.
    pub async fn outputs(&self, lease: LeaseId) -> Result<OutputListing, ArtifactError> {
        self.json(&routes::outputs(lease)).await
    }

    /// The job's logs.
    pub async fn logs(&self, lease: LeaseId) -> Result<Logs, ArtifactError> {
        self.json(&routes::logs(lease)).await
    }

    /// Downloads every output of `lease` into `dir`, checking each file's BLAKE3 against the
    /// listing and the listing against `expected_root` (the receipt's); returns the listing.
    /// `progress` is called with the bytes received so far.
    pub async fn download_outputs(
        &self,
        lease: LeaseId,
        expected_root: Hash32,
        dir: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<OutputListing, ArtifactError> {
        let listing = self.outputs(lease).await?;
        let files: Vec<OutputFile> = listing.files.iter().map(OutputFile::from).collect();
        check_listing(&files, &expected_root)
            .map_err(|e| ArtifactError::Invalid(format!("output listing rejected: {e}")))?;
        let mut received = 0u64;
        for file in &listing.files {
            if !rigshare_types::job::is_safe_relative_path(&file.path) {
                return Err(ArtifactError::Invalid(format!("unsafe output path {:?}", file.path)));
            }
            let target = dir.join(&file.path);
            let io = |source| ArtifactError::Io { path: target.display().to_string(), source };
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(io)?;
            }
            let response = check(
                self.request(Method::GET, &routes::output_file(lease, &file.path)).send().await?,
            )
            .await?;
            let out = tokio::fs::File::create(&target).await.map_err(io)?.into_std().await;
            let mut writer = HashingWriter::new(out);
            let mut size = 0u64;
            let mut stream = response.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                let len = chunk.len() as u64;
                size = size.saturating_add(len);
                if size > file.size || !writer.write(chunk).await {
                    break;
                }
                received = received.saturating_add(len);
                progress(received);
            }
            let (_, hash) = writer.finish().await.map_err(io)?;
            if size != file.size || hash != file.hash {
                let _ = tokio::fs::remove_file(&target).await;
                return Err(ArtifactError::Invalid(format!(
                    "{} does not match its listed size and hash",
                    file.path
                )));
            }
        }
        Ok(listing)
    }

    async fn json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ArtifactError> {
        let response = check(self.request(Method::GET, path).send().await?).await?;
        if response.content_length().is_some_and(|l| l > MAX_JSON_BYTES as u64) {
            return Err(ArtifactError::Invalid("answer too large".into()));
        }
        let bytes = response.bytes().await?;
        if bytes.len() > MAX_JSON_BYTES {
            return Err(ArtifactError::Invalid("answer too large".into()));
        }
        serde_json::from_slice(&bytes).map_err(|e| ArtifactError::Invalid(e.to_string()))
    }
}

pub(super) async fn check(response: Response) -> Result<Response, ArtifactError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let bytes = response.bytes().await.unwrap_or_default();
    let (code, message) = match serde_json::from_slice::<ArtifactErrorBody>(&bytes) {
        Ok(body) => (body.code, body.message),
        Err(_) => (
            "unexpected_status".into(),
            String::from_utf8_lossy(&bytes).chars().take(512).collect(),
        ),
    };
    Err(ArtifactError::Http { status: status.as_u16(), code, message })
}
