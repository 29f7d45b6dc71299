//! `GET /v1/openapi.json`: the API's OpenAPI 3.1 document.

use axum::Json;
use axum::extract::State;

use crate::state::AppState;

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "node",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub(crate) async fn document(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    Json(state.openapi.clone())
}
