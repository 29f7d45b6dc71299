//! The router: every route of the API, its limits and middleware.
//!
//! Routes are registered through `utoipa-axum`, so the served routes and the OpenAPI document
//! come from the same list and cannot drift.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::middleware;
use rigshare_api::{BlockEvent, ErrorBody, Event, EventEnvelope, Lagged, LeaseAssignment};
use rigshare_types::tx::MAX_TX_BYTES;
use utoipa::OpenApi as _;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::echo;
use crate::metrics;
use crate::routes::{
    accounts, blocks, events, leases, offers, openapi as doc, orders, proofs, providers, scrape,
    status, txs,
};
use crate::state::AppState;

/// Top-level facts of the OpenAPI document; the paths come from the handlers.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "rigshare node API",
        description = "Submit transactions to a rigshare validator, read the market state with \
                       proofs, follow finalized events. Errors are JSON {code, message} with a \
                       stable snake_case code."
    ),
    components(schemas(ErrorBody, EventEnvelope, Event, LeaseAssignment, BlockEvent, Lagged)),
    tags(
        (name = "transactions", description = "Submitting signed transactions"),
        (name = "market", description = "Accounts, providers, offers, orders, leases"),
        (name = "chain", description = "Status, blocks, proofs, events"),
        (name = "node", description = "Metrics and this document"),
    )
)]
struct ApiDoc;

/// Every route, with its OpenAPI description.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(txs::submit).layer(DefaultBodyLimit::max(MAX_TX_BYTES)))
        .routes(routes!(txs::status))
        .routes(routes!(status::status))
        .routes(routes!(accounts::account))
        .routes(routes!(providers::list))
        .routes(routes!(providers::provider))
        .routes(routes!(providers::assignments))
        .routes(routes!(offers::search))
        .routes(routes!(orders::order))
        .routes(routes!(leases::lease))
        .routes(routes!(leases::receipt))
        .routes(routes!(blocks::latest))
        .routes(routes!(blocks::block))
        .routes(routes!(proofs::prove))
        .routes(routes!(events::stream))
        .routes(routes!(scrape::metrics))
        .routes(routes!(doc::document))
}

/// The OpenAPI document of [`api_routes`].
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

/// The complete application: routes, JSON fallbacks, body limit and request metrics.
pub(crate) fn build(state: AppState) -> Router {
    let (router, _) = api_routes().split_for_parts();
    router
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .with_state(state)
}

async fn no_route(uri: Uri) -> ApiError {
    ApiError::NoRoute(echo(uri.path()))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas_of(doc: &serde_json::Value) -> &serde_json::Map<String, serde_json::Value> {
        doc["components"]["schemas"].as_object().unwrap()
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_route() {
        let doc = serde_json::to_value(openapi()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 17, "{:?}", paths.keys().collect::<Vec<_>>());
        assert!(doc["paths"]["/v1/providers/{pk}/assignments"]["get"].is_object());
        assert!(schemas_of(&doc).contains_key("Assignments"), "Assignments schema missing");
        assert!(doc["paths"]["/v1/txs/{id}"]["get"]["responses"]["200"].is_object());
        assert!(schemas_of(&doc).contains_key("TxStatus"), "TxStatus schema missing");
        let submit = &doc["paths"]["/v1/txs"]["post"];
        assert!(submit["requestBody"]["content"]["application/octet-stream"].is_object());
        assert!(submit["responses"]["409"].is_object());
        let schemas = schemas_of(&doc);
        for event in ["EventEnvelope", "MarketEvent", "BlockEvent", "Lagged"] {
            assert!(schemas.contains_key(event), "{event} schema missing");
        }
        if std::env::var_os("RIGSHARE_PRINT_OPENAPI").is_some() {
            println!("{}", serde_json::to_string_pretty(&doc).unwrap());
        }
    }
}
