//! `GET /v1/offers?q=`: searching providers' GPU groups with the offer query language.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use rigshare_api::{ErrorBody, Offer, Offers, OffersParams};
use rigshare_market::State as Market;
use rigshare_types::query::Query;

use crate::ApiError;
use crate::extract::Params;
use crate::state::AppState;

/// Every GPU group of an eligible provider (stake at least the network minimum) that matches
/// the query, priced at the group's floor; cheapest first.
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
    let mut offers = state.chain.with_state(|market| evaluate(market, query));
    offers.offers.sort_by_key(|o| {
        (o.price_gpu_hour, Reverse(o.reliability_ppm), Reverse(o.free_gpus), o.provider, o.group)
    });
    offers.offers.truncate(limit);
    Ok(Json(offers))
}

/// Evaluates the query on every group, counting the clauses that exclude the rest.
fn evaluate(market: &Market, query: Query) -> Offers {
    let min_stake = market.params().min_provider_stake;
    let mut offers = Vec::new();
    let mut excluded_by = BTreeMap::<String, u64>::new();
    let mut considered = 0u64;
    for (id, provider) in market.providers().filter(|(_, p)| p.stake >= min_stake) {
        let reliability_ppm = provider.stats.reliability_ppm();
        for (index, group) in provider.inventory.iter().enumerate() {
            considered = considered.saturating_add(1);
            let attributes = group.attributes(group.gpu.price_floor, reliability_ppm);
            if query.matches(&attributes) {
                offers.push(Offer {
                    provider: *id,
                    endpoint: provider.endpoint.clone(),
                    group: u32::try_from(index).unwrap_or(u32::MAX),
                    gpu: group.gpu.clone(),
                    free_gpus: group.free(),
                    tier: group.tier,
                    price_gpu_hour: group.gpu.price_floor,
                    reliability_ppm,
                    stats: provider.stats,
                });
            } else {
                for clause in query.failing(&attributes) {
                    let count = excluded_by.entry(clause.to_string()).or_default();
                    *count = count.saturating_add(1);
                }
            }
        }
    }
    Offers { query, offers, considered, excluded_by }
}
