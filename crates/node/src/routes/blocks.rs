//! `GET /v1/blocks/{height}` and `GET /v1/blocks/latest`: finalized blocks with certificates.

use axum::Json;
use axum::extract::State;
use rigshare_api::{BlockInfo, ErrorBody, HexBytes};
use rigshare_chain::StoredBlock;

use crate::ApiError;
use crate::extract::Param;
use crate::state::AppState;

/// The finalized block at a height.
#[utoipa::path(
    get,
    path = "/v1/blocks/{height}",
    tag = "chain",
    params(("height" = u64, Path, description = "The block height (from 1)")),
    responses(
        (status = 200, description = "Header, transaction ids and finalization certificate", body = BlockInfo),
        (status = 400, description = "bad_request: the height is not a number", body = ErrorBody),
        (status = 404, description = "not_found: not finalized (yet)", body = ErrorBody),
    )
)]
pub(crate) async fn block(
    State(state): State<AppState>,
    Param(height): Param<u64>,
) -> Result<Json<BlockInfo>, ApiError> {
    load(&state, height).await.map(Json)
}

/// The latest finalized block.
#[utoipa::path(
    get,
    path = "/v1/blocks/latest",
    tag = "chain",
    responses(
        (status = 200, description = "The latest finalized block", body = BlockInfo),
        (status = 404, description = "not_found: no block finalized yet", body = ErrorBody),
    )
)]
pub(crate) async fn latest(State(state): State<AppState>) -> Result<Json<BlockInfo>, ApiError> {
    let height = state.chain.height();
    if height == 0 {
        return Err(ApiError::NotFound("block (none finalized yet)".into()));
    }
    load(&state, height).await.map(Json)
}

/// Reads a block from the block log (a file read, so off the async workers).
pub(crate) async fn load_stored(state: &AppState, height: u64) -> Result<StoredBlock, ApiError> {
    let chain = state.chain.clone();
    tokio::task::spawn_blocking(move || chain.block(height))
        .await
        .map_err(|e| ApiError::Internal(format!("block reader failed: {e}")))?
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or_else(|| ApiError::NotFound(format!("block {height}")))
}

async fn load(state: &AppState, height: u64) -> Result<BlockInfo, ApiError> {
    let stored = load_stored(state, height).await?;
    let header = stored.block.header;
    Ok(BlockInfo {
        height: header.height,
        digest: header.digest(),
        header,
        txs: stored.block.txs.iter().map(|tx| tx.hash()).collect(),
        finalization: stored.finalization.map(HexBytes),
    })
}
