//! `GET /v1/providers`, `GET /v1/providers/{pk}`: registered providers;
//! `GET /v1/providers/{pk}/assignments`: the verification work one of them owes.

use axum::Json;
use axum::extract::State;
use rigshare_api::{Assignments, ErrorBody, ProviderInfo, ProvidersPage, ProvidersParams};
use rigshare_types::PublicKey;
use rigshare_types::records::Provider;

use crate::ApiError;
use crate::extract::{Param, Params};
use crate::state::AppState;

/// Providers ordered by key, one page at a time.
#[utoipa::path(
    get,
    path = "/v1/providers",
    tag = "market",
    params(ProvidersParams),
    responses(
        (status = 200, description = "One page of providers", body = ProvidersPage),
        (status = 400, description = "bad_request: malformed `after` or `limit`", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    Params(params): Params<ProvidersParams>,
) -> Result<Json<ProvidersPage>, ApiError> {
    let after = params
        .after
        .as_deref()
        .map(str::parse::<PublicKey>)
        .transpose()
        .map_err(|e| ApiError::BadRequest(format!("invalid `after`: {e}")))?;
    let limit = state.config.page(params.limit);
    let mut providers: Vec<ProviderInfo> = state.chain.with_state(|s| {
        s.providers()
            .filter(|(id, _)| after.is_none_or(|after| **id > after))
            .take(limit.saturating_add(1))
            .map(|(id, provider)| info(*id, provider))
            .collect()
    });
    let next = if providers.len() > limit {
        providers.truncate(limit);
        providers.last().map(|p| p.id)
    } else {
        None
    };
    Ok(Json(ProvidersPage { providers, next }))
}

/// One provider: endpoint, inventory, stake, stats and reliability.
#[utoipa::path(
    get,
    path = "/v1/providers/{pk}",
    tag = "market",
    params(("pk" = String, Path, description = "The provider's public key, 64 hex characters")),
    responses(
        (status = 200, description = "The provider", body = ProviderInfo),
        (status = 400, description = "bad_request: malformed key", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    )
)]
pub(crate) async fn provider(
    State(state): State<AppState>,
    Param(id): Param<PublicKey>,
) -> Result<Json<ProviderInfo>, ApiError> {
    state
        .chain
        .with_state(|s| s.provider(&id).map(|provider| info(id, provider)))
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("provider {id}")))
}

/// Verification work the market waits for from one provider: pending audits it was drawn for,
/// open disputes it arbitrates and has not voted on, assigned hardware challenges it checks.
/// An agent asks on (re)connecting, so an assignment drawn while it was down is not missed.
#[utoipa::path(
    get,
    path = "/v1/providers/{pk}/assignments",
    tag = "market",
    params(("pk" = String, Path, description = "The provider's public key, 64 hex characters")),
    responses(
        (status = 200, description = "Its open assignments (empty lists if none)", body = Assignments),
        (status = 400, description = "bad_request: malformed key", body = ErrorBody),
    )
)]
pub(crate) async fn assignments(
    State(state): State<AppState>,
    Param(id): Param<PublicKey>,
) -> Json<Assignments> {
    let found = state.chain.with_state(|s| s.assignments(&id));
    Json(Assignments {
        audits: found.audits,
        disputes: found.disputes,
        hardware_checks: found.hardware_checks,
    })
}

fn info(id: PublicKey, provider: &Provider) -> ProviderInfo {
    ProviderInfo {
        id,
        provider: provider.clone(),
        reliability_ppm: provider.stats.reliability_ppm(),
    }
}
