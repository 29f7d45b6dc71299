//! `GET /v1/accounts/{pk}`: balances and nonces.

use axum::Json;
use axum::extract::State;
use rigshare_api::{AccountInfo, ErrorBody};
use rigshare_types::PublicKey;

use crate::ApiError;
use crate::extract::Param;
use crate::state::AppState;

/// An account's balance and next nonce.
#[utoipa::path(
    get,
    path = "/v1/accounts/{pk}",
    tag = "market",
    params(("pk" = String, Path, description = "The account's public key, 64 hex characters")),
    responses(
        (status = 200, description = "The account", body = AccountInfo),
        (status = 400, description = "bad_request: malformed key", body = ErrorBody),
        (status = 404, description = "not_found: the account never received funds", body = ErrorBody),
    )
)]
pub(crate) async fn account(
    State(state): State<AppState>,
    Param(id): Param<PublicKey>,
) -> Result<Json<AccountInfo>, ApiError> {
    let account = state
        .chain
        .with_state(|s| s.account(&id).copied())
        .ok_or_else(|| ApiError::NotFound(format!("account {id}")))?;
    let next_nonce = state.chain.next_nonce(&id);
    Ok(Json(AccountInfo { id, account, next_nonce }))
}
