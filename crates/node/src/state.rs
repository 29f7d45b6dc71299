//! What every handler shares: the chain, the settings and the node's own bookkeeping.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use rigshare_chain::Handle;
use tokio::sync::watch;

use crate::ApiConfig;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;

/// What every handler shares.
pub(crate) type AppState = Arc<Shared>;

/// The chain, the settings and the node's own bookkeeping.
pub(crate) struct Shared {
    /// The validator.
    pub(crate) chain: Handle,
    /// Limits and defaults.
    pub(crate) config: ApiConfig,
    /// Exported metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// Per-IP limit on submissions, if enabled.
    pub(crate) limiter: Option<RateLimiter>,
    /// Open event streams.
    pub(crate) subscribers: AtomicUsize,
    /// Becomes `true` when the server shuts down.
    pub(crate) stop: watch::Receiver<bool>,
    /// The OpenAPI document.
    pub(crate) openapi: utoipa::openapi::OpenApi,
}

impl Shared {
    /// The state of a server over `chain`, serving `openapi` as its document.
    pub(crate) fn new(
        chain: Handle,
        config: ApiConfig,
        stop: watch::Receiver<bool>,
        openapi: utoipa::openapi::OpenApi,
    ) -> Shared {
        Shared {
            chain,
            limiter: config.submit_rate.map(RateLimiter::new),
            config,
            metrics: Arc::new(Metrics::new()),
            subscribers: AtomicUsize::new(0),
            stop,
            openapi,
        }
    }
}
