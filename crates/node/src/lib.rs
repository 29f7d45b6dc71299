//! The rigshare node: HTTP API, event stream and metrics over a running validator.
//!
//! # Design
//! The node is the edge of a validator: it turns HTTP requests into calls on a
//! [`rigshare_chain::Handle`] and answers with the JSON bodies of [`rigshare_api`] (defined
//! once, shared with the client). Reads are the market's own pure queries (`offers`,
//! `assignments`, records by key): handlers parse, paginate and serialize. It holds no market state of its own: every read
//! goes to the executed state under the handle's lock, every write is a transaction into the
//! mempool.
//!
//! ```text
//!   HTTP ──▶ axum router ──▶ routes/<family>.rs ──▶ Handle::{submit, with_state, block, …}
//!            │ metrics middleware (requests by route, status)
//!            │ body limits; per-IP token bucket on POST /v1/txs
//!            │ errors: {"code", "message"} with a stable snake_case code
//!   SSE ◀─── routes/events.rs ◀── Handle::subscribe (finalized blocks with their events)
//! ```
//!
//! [`serve`] takes a bound listener and a shutdown future (tests bind `127.0.0.1:0`). On
//! shutdown the event streams end, so in-flight connections drain and `serve` returns.
//! The OpenAPI 3.1 document ([`openapi`]) is generated from the handlers' annotations.

mod config;
pub mod devnet;
mod error;
mod extract;
mod metrics;
mod ratelimit;
mod router;
mod routes;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use rigshare_chain::Handle;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::info;

pub use config::{ApiConfig, RateLimit};
pub use devnet::{Devnet, DevnetConfig, DevnetError};
pub use error::ApiError;

/// What the API serves: a chain handle and the API's settings.
#[derive(Clone)]
pub struct Api {
    chain: Handle,
    config: ApiConfig,
}

impl Api {
    /// The API over `chain`, configured by `config`.
    pub fn new(chain: Handle, config: ApiConfig) -> Api {
        Api { chain, config }
    }
}

/// Serves the API on `listener` until `shutdown` completes, then stops accepting, ends the
/// event streams and waits for open requests to finish.
#[tracing::instrument(skip_all, fields(addr = ?listener.local_addr().ok()))]
pub async fn serve(
    listener: TcpListener,
    api: Api,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(state::Shared::new(api.chain, api.config, stop_rx, router::openapi()));
    let app = router::build(shared);
    info!(target: "node::api", "serving the HTTP API");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Event streams never end on their own; tell them to.
            let _ = stop_tx.send(true);
        })
        .await
}

/// The API's OpenAPI 3.1 document, as served at `/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router::openapi()
}
