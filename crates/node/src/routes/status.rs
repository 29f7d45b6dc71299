//! `GET /v1/status`: where the chain stands.

use axum::Json;
use axum::extract::State;
use rigshare_api::{Certified, HexBytes, Status};

use crate::state::AppState;

/// The chain's height, certified checkpoint, pool size and identity.
#[utoipa::path(
    get,
    path = "/v1/status",
    tag = "chain",
    responses((status = 200, description = "Where the chain stands", body = Status))
)]
pub(crate) async fn status(State(state): State<AppState>) -> Json<Status> {
    let chain = &state.chain;
    let info = chain.info();
    let height = chain.height();
    Json(Status {
        chain_id: info.chain_id.clone(),
        height,
        state_root: chain.state_root(height).unwrap_or_default(),
        certified: chain.latest_certified().map(|(height, block)| Certified { height, block }),
        pending_txs: chain.pending() as u64,
        network_key: HexBytes(info.network_key.clone()),
        namespace: HexBytes(info.namespace.clone()),
        genesis: info.genesis,
    })
}
