//! The node's Prometheus metrics and the middleware that counts HTTP requests.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Label of requests that matched no route (keeps the label set bounded).
const UNMATCHED_ROUTE: &str = "unmatched";

/// Requests by route template and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct HttpLabels {
    route: String,
    status: u16,
}

/// Rejected transactions by error code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct CodeLabels {
    code: String,
}

/// Every metric the node exports, registered under the `rigshare` prefix.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    height: Gauge,
    certified_height: Gauge,
    pending_txs: Gauge,
    txs_submitted: Counter,
    txs_rejected: Family<CodeLabels, Counter>,
    http_requests: Family<HttpLabels, Counter>,
    pub(crate) sse_subscribers: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rigshare");
        let metrics = Metrics {
            registry: Registry::default(),
            height: Gauge::default(),
            certified_height: Gauge::default(),
            pending_txs: Gauge::default(),
            txs_submitted: Counter::default(),
            txs_rejected: Family::default(),
            http_requests: Family::default(),
            sse_subscribers: Gauge::default(),
        };
        registry.register("height", "Highest finalized, executed height", metrics.height.clone());
        registry.register(
            "certified_height",
            "Highest height whose state root a finalized block certifies",
            metrics.certified_height.clone(),
        );
        registry.register(
            "pending_txs",
            "Transactions waiting in the mempool",
            metrics.pending_txs.clone(),
        );
        registry.register(
            "txs_submitted",
            "Transactions accepted into the mempool through the API",
            metrics.txs_submitted.clone(),
        );
        registry.register(
            "txs_rejected",
            "Transactions refused by the API, by error code",
            metrics.txs_rejected.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests served, by route and status",
            metrics.http_requests.clone(),
        );
        registry.register(
            "sse_subscribers",
            "Open /v1/events streams",
            metrics.sse_subscribers.clone(),
        );
        Metrics { registry, ..metrics }
    }

    /// Records the chain's current figures; called on each scrape.
    pub(crate) fn observe_chain(&self, height: u64, certified: Option<u64>, pending: usize) {
        self.height.set(clamp(height));
        self.certified_height.set(clamp(certified.unwrap_or(0)));
        self.pending_txs.set(clamp(pending as u64));
    }

    /// Counts an accepted transaction.
    pub(crate) fn tx_submitted(&self) {
        self.txs_submitted.inc();
    }

    /// Counts a refused transaction.
    pub(crate) fn tx_rejected(&self, code: &str) {
        self.txs_rejected.get_or_create(&CodeLabels { code: code.to_owned() }).inc();
    }

    /// The registry in the OpenMetrics text format (what Prometheus scrapes).
    pub(crate) fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Middleware: counts every request by matched route template and response status.
pub(crate) async fn track(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED_ROUTE.to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = HttpLabels { route, status: response.status().as_u16() };
    metrics.http_requests.get_or_create(&labels).inc();
    response
}
