//! `POST /v1/txs`: submitting signed transactions.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use rigshare_api::{ErrorBody, TxAccepted, TxStatus};
use rigshare_types::tx::MAX_TX_BYTES;
use rigshare_types::{Hash32, SignedTransaction};
use tracing::debug;

use crate::ApiError;
use crate::extract::{Param, echo};
use crate::state::AppState;

/// The only content type the route takes.
const OCTET_STREAM: &str = "application/octet-stream";

/// Submits a signed transaction to the mempool.
#[utoipa::path(
    post,
    path = "/v1/txs",
    tag = "transactions",
    request_body(
        description = "The canonical (borsh) encoding of a SignedTransaction, at most 8 KiB",
        content(("application/octet-stream"))
    ),
    responses(
        (status = 202, description = "Accepted into the mempool", body = TxAccepted),
        (status = 400, description = "bad_encoding, bad_signature, fee_too_low", body = ErrorBody),
        (status = 402, description = "insufficient_funds: the sender cannot pay the fee", body = ErrorBody),
        (status = 404, description = "unknown_account: the sender never received funds", body = ErrorBody),
        (status = 409, description = "stale_nonce, nonce_gap, duplicate", body = ErrorBody),
        (status = 413, description = "too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 429, description = "rate_limited (see Retry-After)", body = ErrorBody),
        (status = 503, description = "pool_full, chain_stopped", body = ErrorBody),
    )
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TxAccepted>), ApiError> {
    let result = accept(&state, peer.ip(), &headers, body);
    match &result {
        Ok(id) => {
            debug!(target: "node::txs", %id, "transaction pooled");
            state.metrics.tx_submitted();
        }
        Err(e) => state.metrics.tx_rejected(e.code()),
    }
    result.map(|id| (StatusCode::ACCEPTED, Json(TxAccepted { id })))
}

/// Rate limit, content type, size, decoding, then the mempool's own checks.
fn accept(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Hash32, ApiError> {
    if let Some(limiter) = &state.limiter {
        limiter
            .check(ip, Instant::now())
            .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    }
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let text = String::from_utf8_lossy(content_type.as_bytes());
        let essence = text.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case(OCTET_STREAM) {
            return Err(ApiError::UnsupportedMediaType(echo(&text)));
        }
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit: MAX_TX_BYTES }
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    })?;
    let tx = SignedTransaction::decode(&body).map_err(ApiError::BadEncoding)?;
    Ok(state.chain.submit(tx)?)
}

/// What became of a transaction: the block that holds it and whether it took effect.
#[utoipa::path(
    get,
    path = "/v1/txs/{id}",
    tag = "transactions",
    params(("id" = String, Path, description = "The transaction id (64 hex characters)")),
    responses(
        (status = 200, description = "Finalized: its block and result", body = TxStatus),
        (status = 400, description = "bad_request: the id is not 64 hex characters", body = ErrorBody),
        (status = 404, description = "not_found: pending, unknown, or finalized too long ago to be remembered", body = ErrorBody),
    )
)]
pub(crate) async fn status(
    State(state): State<AppState>,
    Param(id): Param<Hash32>,
) -> Result<Json<TxStatus>, ApiError> {
    let outcome = state
        .chain
        .tx_outcome(&id)
        .ok_or_else(|| ApiError::NotFound(format!("finalized transaction {id}")))?;
    Ok(Json(TxStatus {
        id,
        height: outcome.height,
        index: outcome.index,
        ok: outcome.result.is_ok(),
        code: outcome.result.as_ref().err().map(|e| crate::error::tx_error_code(e).to_owned()),
        error: outcome.result.err().map(|e| e.to_string()),
        events: outcome.events,
    }))
}
