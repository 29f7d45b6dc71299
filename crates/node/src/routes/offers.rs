//! `GET /v1/offers?q=`: searching providers' GPU groups with the offer query language.

use axum::Json;
use axum::extract::State;
use rigshare_api::{ErrorBody, Offer, Offers, OffersParams};
use rigshare_market::OfferMatch;
use rigshare_types::query::Query;

use crate::ApiError;
use crate::extract::Params;
use crate::state::AppState;

/// Every GPU group of an eligible provider (stake at least the network minimum) that matches
/// the query, priced at the group's floor; cheapest first (see `rigshare_market::State::offers`).
#[utoipa::path(
    get,
    path = "/v1/offers",
    tag = "market",
    params(OffersParams),
    responses(
        (status = 200, description = "Matching offers, and how many groups each clause excluded", body = Offers),
        (status = 400, description = "bad_query (with the byte `position`), bad_request", body = ErrorBody),
    )
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    Params(params): Params<OffersParams>,
) -> Result<Json<Offers>, ApiError> {
    let query =
        Query::parse(params.q.as_deref().unwrap_or_default()).map_err(ApiError::BadQuery)?;
    let limit = state.config.page(params.limit);
    let (offers, considered, excluded_by) = state.chain.with_state(|market| {
        let found = market.offers(&query);
        let offers = found.offers.iter().take(limit).map(offer).collect();
        (offers, found.considered, found.excluded_by)
    });
    Ok(Json(Offers { query, offers, considered, excluded_by }))
}

/// The API's view of one match.
fn offer(found: &OfferMatch<'_>) -> Offer {
    Offer {
        provider: found.provider,
        endpoint: found.record.endpoint.clone(),
        group: found.group,
        gpu: found.inventory.gpu.clone(),
        free_gpus: found.inventory.free(),
        tier: found.inventory.tier,
        price_gpu_hour: found.price_gpu_hour,
        reliability_ppm: found.reliability_ppm,
        stats: found.record.stats,
    }
}
