//! The agent's artifact HTTP routes (see the [module docs](super)).

use std::io::Read;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use rigshare_client::Client;
use rigshare_types::challenge::ChallengeSpec;
use rigshare_types::job::MAX_MANIFEST_BYTES;
use rigshare_types::verification::{
    Audit, AuditStatus, Dispute, DisputeStatus, HardwareCheck, HardwareCheckStatus,
};
use rigshare_types::{Hash32, LeaseId, PublicKey, StateKey, codec};
use rigshare_verify::hardware::solve_on_cpu;

use super::blobs::BlobError;
use crate::leases::Leases;
use crate::store::{LeaseRecord, Stage};
use rigshare_client::artifacts::api::{
    ArtifactErrorBody, LeaseView, Logs, OutputEntry, OutputListing,
};
use rigshare_client::artifacts::auth::{AuthError, RequestAuth, now_ms};
use rigshare_client::artifacts::routes;
use rigshare_runtime::LogStream;
use rigshare_runtime::outputs::{OutputLimits, root_of, scan_outputs};

/// Most bytes of each log stream served.
const MAX_LOG_BYTES: u64 = 4 << 20; // bytes
/// Bytes of an output file per chunk of its response body.
const READ_CHUNK: usize = 1 << 20; // bytes
/// Chunks of an output file read ahead of the connection.
const READ_AHEAD: usize = 4; // chunks

/// What the endpoint needs from the chain: the node, and whose endpoint this is.
#[derive(Clone, Debug)]
pub struct ChainView {
    /// The node's API.
    pub client: Client,
    /// The provider this endpoint serves.
    pub provider: PublicKey,
}

/// The routes, over the agent's lease state. With `chain`, the lease's verifiers — its assigned
/// auditor, the arbiters of its order's dispute — may fetch its job, and the provider's
/// hardware checker may run its challenge; without it only the requestor is served.
pub fn router(leases: Arc<Leases>, chain: Option<ChainView>) -> Router {
    Router::new()
        .route(routes::HEALTH, get(health))
        .route(routes::LEASE, get(lease_view))
        .route(routes::BLOB, put(upload).get(job_blob))
        .route(routes::OUTPUTS, get(outputs))
        .route(routes::OUTPUT_FILE, get(output_file))
        .route(routes::LOGS, get(logs))
        .route(routes::HARDWARE_CHECK, post(hardware_check))
        .layer(Extension(chain))
        .with_state(leases)
}

/// An error answer.
#[derive(Debug)]
struct Failure(StatusCode, &'static str, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ArtifactErrorBody { code: self.1.to_owned(), message: self.2 };
        (self.0, Json(body)).into_response()
    }
}

impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Failure {
        Failure(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string())
    }
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

async fn health() -> &'static str {
    "ok"
}

/// Finds the lease and checks that the request is signed by its requestor.
fn authorize(
    leases: &Leases,
    lease: u64,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<LeaseRecord, Failure> {
    let signer: PublicKey = RequestAuth::verify(headers, method.as_str(), uri.path(), now_ms())?;
    let record = leases.store.get(LeaseId(lease)).map_err(internal)?.ok_or_else(|| {
        Failure(StatusCode::NOT_FOUND, "not_found", format!("lease {lease} is not served here"))
    })?;
    if record.requestor != signer {
        return Err(Failure(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("only lease {lease}'s requestor may use its artifacts"),
        ));
    }
    Ok(record)
}

fn view(leases: &Leases, record: &LeaseRecord) -> LeaseView {
    let (reason, receipt) = match &record.stage {
        Stage::Failed { reason } => (Some(reason.clone()), None),
        Stage::Finished { receipt } | Stage::Submitted { receipt } => (None, Some(receipt.receipt)),
        Stage::AwaitingInputs | Stage::Running => (None, None),
    };
    let missing =
        if record.stage == Stage::AwaitingInputs { leases.missing(record) } else { Vec::new() };
    LeaseView {
        lease: record.lease,
        stage: record.stage.name().to_owned(),
        reason,
        output_root: receipt.map(|r| r.output_root),
        exit_code: receipt.map(|r| r.usage.exit_code),
        missing,
    }
}

async fn lease_view(
    State(leases): State<Arc<Leases>>,
    Path(lease): Path<u64>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<LeaseView>, Failure> {
    let record = authorize(&leases, lease, &method, &uri, &headers)?;
    Ok(Json(view(&leases, &record)))
}

async fn upload(
    State(leases): State<Arc<Leases>>,
    Path((lease, hash)): Path<(u64, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, Failure> {
    let record = authorize(&leases, lease, &method, &uri, &headers)?;
    let hash: Hash32 = hash.parse().map_err(|_| {
        Failure(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "blob name is not a BLAKE3 hex digest".into(),
        )
    })?;
    if record.stage != Stage::AwaitingInputs {
        return Err(Failure(
            StatusCode::CONFLICT,
            "inputs_closed",
            format!("lease {lease} is {}: it takes no more uploads", record.stage.name()),
        ));
    }
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(expected) = leases.expected_blob(&record, &hash, announced) else {
        let message = if hash == record.manifest_hash {
            format!("the manifest needs a Content-Length of at most {MAX_MANIFEST_BYTES} bytes")
        } else if leases.manifest(&record).is_none() {
            "upload the manifest first: it names the blobs this lease takes".to_owned()
        } else {
            format!("blob {hash} is not named by lease {lease}'s manifest")
        };
        return Err(Failure(StatusCode::CONFLICT, "unexpected_blob", message));
    };
    if announced.is_some_and(|size| size != expected.size) {
        return Err(Failure(
            StatusCode::BAD_REQUEST,
            "size_mismatch",
            format!("blob {hash} is {} bytes, not {}", expected.size, announced.unwrap_or(0)),
        ));
    }
    let created = !leases.blobs.has(&expected);
    leases.blobs.put_stream(expected, body.into_data_stream()).await.map_err(|e| match e {
        BlobError::TooLarge { .. } => {
            Failure(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
        }
        BlobError::Mismatch { .. } => {
            Failure(StatusCode::BAD_REQUEST, "hash_mismatch", e.to_string())
        }
        BlobError::Body(_) => Failure(StatusCode::BAD_REQUEST, "bad_body", e.to_string()),
        BlobError::Io(_) => internal(e),
    })?;
    if hash == record.manifest_hash && leases.manifest(&record).is_none() {
        let _ = tokio::fs::remove_file(leases.blobs.path(&hash)).await;
        return Err(Failure(
            StatusCode::BAD_REQUEST,
            "bad_manifest",
            "the manifest's bytes match the order's hash but do not decode as a valid manifest"
                .into(),
        ));
    }
    leases.waker(record.lease).notify_one();
    Ok(if created { StatusCode::CREATED } else { StatusCode::OK })
}

/// The record, if its job has run (outputs and logs exist).
fn ran(record: LeaseRecord) -> Result<LeaseRecord, Failure> {
    match record.stage {
        Stage::Finished { .. } | Stage::Submitted { .. } => Ok(record),
        ref stage => Err(Failure(
            StatusCode::CONFLICT,
            "not_finished",
            format!("lease {} is {}: no outputs yet", record.lease, stage.name()),
        )),
    }
}

async fn outputs(
    State(leases): State<Arc<Leases>>,
    Path(lease): Path<u64>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<OutputListing>, Failure> {
    let record = ran(authorize(&leases, lease, &method, &uri, &headers)?)?;
    let dir = leases.outputs_dir(record.lease);
    let files = tokio::task::spawn_blocking(move || scan_outputs(&dir, &OutputLimits::default()))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    Ok(Json(OutputListing {
        root: root_of(&files),
        files: files.iter().map(OutputEntry::from).collect(),
    }))
}

async fn output_file(
    State(leases): State<Arc<Leases>>,
    Path((lease, path)): Path<(u64, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let record = ran(authorize(&leases, lease, &method, &uri, &headers)?)?;
    if !rigshare_types::job::is_safe_relative_path(&path) {
        return Err(Failure(
            StatusCode::BAD_REQUEST,
            "bad_path",
            format!("invalid output path {path:?}"),
        ));
    }
    let full = leases.outputs_dir(record.lease).join(&path);
    let not_found = || Failure(StatusCode::NOT_FOUND, "not_found", format!("no output {path:?}"));
    // Outputs were checked to be regular files (no links) when the root was computed.
    let meta = tokio::fs::symlink_metadata(&full).await.map_err(|_| not_found())?;
    if !meta.is_file() {
        return Err(not_found());
    }
    let file = tokio::fs::File::open(&full).await.map_err(|_| not_found())?;
    let body = file_body(file.into_std().await);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, meta.len().to_string()),
        ],
        body,
    )
        .into_response())
}

/// A body streaming `file` from a blocking thread that reads ahead, each chunk read straight into
/// the buffer that is sent.
fn file_body(mut file: std::fs::File) -> Body {
    let (chunks, queue) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(READ_AHEAD);
    tokio::task::spawn_blocking(move || {
        loop {
            let mut chunk = Vec::with_capacity(READ_CHUNK);
            let item = match (&mut file).take(READ_CHUNK as u64).read_to_end(&mut chunk) {
                Ok(0) => return,
                Ok(_) => Ok(Bytes::from(chunk)),
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            // A send fails once the connection is gone.
            if chunks.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    Body::from_stream(futures::stream::unfold(queue, |mut queue| async move {
        queue.recv().await.map(|item| (item, queue))
    }))
}

async fn logs(
    State(leases): State<Arc<Leases>>,
    Path(lease): Path<u64>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Logs>, Failure> {
    let record = authorize(&leases, lease, &method, &uri, &headers)?;
    let read = |stream| {
        let path = leases.log_path(record.lease, stream);
        async move {
            use tokio::io::AsyncReadExt;
            let Ok(file) = tokio::fs::File::open(path).await else { return String::new() };
            let mut bytes = Vec::new();
            let _ = file.take(MAX_LOG_BYTES).read_to_end(&mut bytes).await;
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    Ok(Json(Logs { stdout: read(LogStream::Stdout).await, stderr: read(LogStream::Stderr).await }))
}

/// A blob of the lease's job (its manifest, module or an input), for the requestor and the
/// lease's verifiers, who re-execute the job.
async fn job_blob(
    State(leases): State<Arc<Leases>>,
    Extension(chain): Extension<Option<ChainView>>,
    Path((lease, hash)): Path<(u64, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let signer: PublicKey = RequestAuth::verify(&headers, method.as_str(), uri.path(), now_ms())?;
    let record = leases.store.get(LeaseId(lease)).map_err(internal)?.ok_or_else(|| {
        Failure(StatusCode::NOT_FOUND, "not_found", format!("lease {lease} is not served here"))
    })?;
    let hash: Hash32 = hash.parse().map_err(|_| {
        Failure(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "blob name is not a BLAKE3 hex digest".into(),
        )
    })?;
    let allowed = signer == record.requestor
        || match &chain {
            Some(chain) => is_verifier(&chain.client, &record, &signer).await,
            None => false,
        };
    if !allowed {
        return Err(Failure(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "only lease {lease}'s requestor, its assigned auditor or its dispute's arbiters \
                 may fetch its job (an assignment shows here once its block is certified)"
            ),
        ));
    }
    let named = hash == record.manifest_hash
        || leases.manifest(&record).is_some_and(|m| m.blobs().iter().any(|b| b.hash == hash));
    let file = named.then(|| std::fs::File::open(leases.blobs.path(&hash)).ok()).flatten();
    let Some(file) = file else {
        return Err(Failure(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("blob {hash} is not part of lease {lease}'s job here"),
        ));
    };
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], file_body(file)).into_response())
}

/// The challenge a checker asks about.
#[derive(serde::Deserialize)]
struct ChallengeQuery {
    /// Its seed, as the checker sees it on chain.
    seed: Hash32,
}

/// Runs this provider's hardware challenge for its assigned checker: the product of the
/// beacon-seeded matrices, with its commitment (borsh: commitment, then the matrix). The
/// checker names the seed; until this provider's view of the chain shows that challenge
/// assigned to the signer, the answer is 403 (the checker retries).
async fn hardware_check(
    Extension(chain): Extension<Option<ChainView>>,
    Query(query): Query<ChallengeQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let signer: PublicKey = RequestAuth::verify(&headers, method.as_str(), uri.path(), now_ms())?;
    let forbidden = |why: &str| Failure(StatusCode::FORBIDDEN, "forbidden", why.to_owned());
    let Some(chain) = chain else { return Err(forbidden("this endpoint takes no challenges")) };
    let check = chain
        .client
        .proof(&StateKey::HardwareCheck(chain.provider))
        .await
        .ok()
        .and_then(|proof| proof.value)
        .and_then(|value| codec::decode::<HardwareCheck>(&value.0, 1024).ok())
        .filter(|c| {
            c.status == HardwareCheckStatus::Assigned
                && c.checker == Some(signer)
                && c.seed == query.seed
        })
        .ok_or_else(|| {
            forbidden(
                "no hardware challenge assigned to you is certified yet (an assignment shows \
                 here once its block is certified)",
            )
        })?;
    let spec = ChallengeSpec {
        seed: check.seed,
        n: check.n,
        claimed_vram_mib: 0,
        claimed_tops: check.claimed_tops,
    };
    let solution = tokio::task::spawn_blocking(move || solve_on_cpu(&spec))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    let body = codec::encode(&(solution.commitment, solution.product));
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}

/// Whether the chain's certified state names `who` the lease's pending auditor or an arbiter
/// of its order's open dispute.
async fn is_verifier(chain: &Client, record: &LeaseRecord, who: &PublicKey) -> bool {
    let entry = |key: StateKey| async move {
        chain.proof(&key).await.ok().and_then(|proof| proof.value).map(|value| value.0)
    };
    if let Some(bytes) = entry(StateKey::Audit(record.lease)).await
        && let Ok(audit) = codec::decode::<Audit>(&bytes, 1024)
        && audit.auditor == *who
        && audit.status == AuditStatus::Pending
    {
        return true;
    }
    if let Some(bytes) = entry(StateKey::Dispute(record.order)).await
        && let Ok(dispute) = codec::decode::<Dispute>(&bytes, 64 * 1024)
        && dispute.status == DisputeStatus::Open
        && dispute.arbiters.contains(who)
    {
        return true;
    }
    false
}
