//! `GET /metrics`: Prometheus metrics.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::ApiError;
use crate::state::AppState;

/// The OpenMetrics text content type, which Prometheus scrapes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The node's metrics: height, pending transactions, submissions, requests, subscribers.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "node",
    responses((status = 200, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
               body = String, description = "Prometheus / OpenMetrics text"))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let chain = &state.chain;
    state.metrics.observe_chain(
        chain.height(),
        chain.latest_certified().map(|(height, _)| height),
        chain.pending(),
    );
    let text = state
        .metrics
        .encode()
        .map_err(|e| ApiError::Internal(format!("cannot encode metrics: {e}")))?;
    Ok(([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response())
}
