//! `GET /v1/leases/{id}` and `GET /v1/leases/{id}/receipt`: leases and their receipts.

use axum::Json;
use axum::extract::State;
use rigshare_api::{ErrorBody, LeaseInfo, ReceiptInfo};
use rigshare_types::LeaseId;

use crate::ApiError;
use crate::extract::Param;
use crate::state::AppState;

/// A lease: provider, price, escrow, payments, status.
#[utoipa::path(
    get,
    path = "/v1/leases/{id}",
    tag = "market",
    params(("id" = u64, Path, description = "The lease id")),
    responses(
        (status = 200, description = "The lease", body = LeaseInfo),
        (status = 400, description = "bad_request: the id is not a number", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    )
)]
pub(crate) async fn lease(
    State(state): State<AppState>,
    Param(id): Param<u64>,
) -> Result<Json<LeaseInfo>, ApiError> {
    let id = LeaseId(id);
    state
        .chain
        .with_state(|s| s.lease(id).cloned())
        .map(|lease| Json(LeaseInfo { id, lease }))
        .ok_or_else(|| ApiError::NotFound(format!("lease {id}")))
}

/// The provider's signed receipt for a lease, once submitted.
#[utoipa::path(
    get,
    path = "/v1/leases/{id}/receipt",
    tag = "market",
    params(("id" = u64, Path, description = "The lease id")),
    responses(
        (status = 200, description = "The signed receipt", body = ReceiptInfo),
        (status = 400, description = "bad_request: the id is not a number", body = ErrorBody),
        (status = 404, description = "not_found: no such lease, or no result yet", body = ErrorBody),
    )
)]
pub(crate) async fn receipt(
    State(state): State<AppState>,
    Param(id): Param<u64>,
) -> Result<Json<ReceiptInfo>, ApiError> {
    let lease = LeaseId(id);
    let (exists, receipt) =
        state.chain.with_state(|s| (s.lease(lease).is_some(), s.receipt(lease).copied()));
    match receipt {
        Some(receipt) => Ok(Json(ReceiptInfo { lease, receipt })),
        None if exists => {
            Err(ApiError::NotFound(format!("receipt of lease {lease} (no result yet)")))
        }
        None => Err(ApiError::NotFound(format!("lease {lease}"))),
    }
}
