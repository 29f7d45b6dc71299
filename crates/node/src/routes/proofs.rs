//! `GET /v1/proofs?key=`: inclusion proofs of state entries at a certified checkpoint.
//!
//! The proof is at the height of a checkpoint that a finalized block certifies, and comes with
//! that block's header and finalization certificate: a light client checks the certificate
//! with the network key, then the proof against `header.checkpoint.state_root`.

use axum::Json;
use axum::extract::State;
use rigshare_api::{CertifiedBy, ErrorBody, HexBytes, ProofInfo, ProofParams};
use rigshare_market::ProveError;
use rigshare_types::StateKey;
use rigshare_types::block::Checkpoint;
use rigshare_types::state_key::StateKeyParseError;

use crate::ApiError;
use crate::extract::Params;
use crate::routes::blocks::load_stored;
use crate::state::AppState;

/// A proof of one state entry (or of its absence) with the block that certifies its root.
#[utoipa::path(
    get,
    path = "/v1/proofs",
    tag = "chain",
    params(ProofParams),
    responses(
        (status = 200, description = "The entry, its proof and the certifying block", body = ProofInfo),
        (status = 400, description = "bad_request: malformed key", body = ErrorBody),
        (status = 404, description = "not_found: no certified checkpoint at that height, or pruned", body = ErrorBody),
        (status = 503, description = "unavailable: no checkpoint certified yet", body = ErrorBody),
    )
)]
pub(crate) async fn prove(
    State(state): State<AppState>,
    Params(params): Params<ProofParams>,
) -> Result<Json<ProofInfo>, ApiError> {
    let key: StateKey =
        params.key.parse().map_err(|e: StateKeyParseError| ApiError::BadRequest(e.to_string()))?;
    let chain = &state.chain;
    let (height, block_height) = match params.height {
        Some(height) => {
            chain.certifying_block(height).map(|block| (height, block)).ok_or_else(|| {
                ApiError::NotFound(format!("certified checkpoint at height {height}"))
            })?
        }
        None => chain
            .latest_certified()
            .ok_or_else(|| ApiError::Unavailable("no checkpoint is certified yet".into()))?,
    };
    let state_root = chain
        .state_root(height)
        .ok_or_else(|| ApiError::Internal(format!("no state root for height {height}")))?;
    let (value, proof) = chain
        .with_state(|s| s.prove(&key, height))
        .map_err(|e: ProveError| ApiError::NotFound(format!("state at height {height}: {e}")))?;
    // Never serve a proof that does not check out.
    proof
        .verify(&state_root, &key.to_bytes(), value.as_deref())
        .map_err(|e| ApiError::Internal(format!("generated proof does not verify: {e}")))?;
    let stored = load_stored(&state, block_height).await?;
    let header = stored.block.header;
    if header.checkpoint != (Checkpoint { height, state_root }) {
        return Err(ApiError::Internal(format!(
            "block {block_height} does not certify the root of height {height}"
        )));
    }
    Ok(Json(ProofInfo {
        key,
        height,
        state_root,
        value: value.map(HexBytes),
        proof,
        certified_by: CertifiedBy {
            height: block_height,
            header,
            finalization: stored.finalization.map(HexBytes),
        },
    }))
}
