//! `GET /v1/orders/{id}`: an order with its bids and leases.

use axum::Json;
use axum::extract::State;
use rigshare_api::{ErrorBody, LeaseInfo, OrderInfo};
use rigshare_types::OrderId;

use crate::ApiError;
use crate::extract::Param;
use crate::state::AppState;

/// An order, its bids, and the leases its auction created.
#[utoipa::path(
    get,
    path = "/v1/orders/{id}",
    tag = "market",
    params(("id" = u64, Path, description = "The order id")),
    responses(
        (status = 200, description = "The order", body = OrderInfo),
        (status = 400, description = "bad_request: the id is not a number", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    )
)]
pub(crate) async fn order(
    State(state): State<AppState>,
    Param(id): Param<u64>,
) -> Result<Json<OrderInfo>, ApiError> {
    let id = OrderId(id);
    state
        .chain
        .with_state(|s| {
            let order = s.order(id)?;
            let leases = order
                .leases
                .iter()
                .filter_map(|lease| {
                    s.lease(*lease).map(|l| LeaseInfo { id: *lease, lease: l.clone() })
                })
                .collect();
            Some(OrderInfo { id, order: order.clone(), leases })
        })
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("order {id}")))
}
