//! The API's settings, with defaults suited to a public node.

use std::time::Duration;

use serde::Deserialize;

/// Largest request body any route reads (transactions have their own, smaller limit).
const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// HTTP API settings; every field has a default (`ApiConfig::default()`, or missing TOML keys).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Per-client-IP limit on `POST /v1/txs`; `None` disables it.
    pub submit_rate: Option<RateLimit>,
    /// Largest request body on routes other than `POST /v1/txs`, in bytes.
    pub max_body_bytes: usize,
    /// Items in a list response when the request does not say.
    pub default_page: u32,
    /// Most items one list response may hold.
    pub max_page: u32,
    /// Most concurrent `/v1/events` subscribers; more are refused with 503.
    pub max_subscribers: usize,
    /// Seconds between keep-alive comments on an idle event stream.
    pub keep_alive_secs: u64,
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: u32,
    /// Requests allowed in a burst (the bucket's size).
    pub burst: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            submit_rate: Some(RateLimit { per_second: 50, burst: 200 }),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            default_page: 100,
            max_page: 1_000,
            max_subscribers: 1_024,
            keep_alive_secs: 15,
        }
    }
}

impl ApiConfig {
    /// The keep-alive interval of event streams (at least one second).
    pub fn keep_alive(&self) -> Duration {
        Duration::from_secs(self.keep_alive_secs.max(1))
    }

    /// The page size for a requested `limit`: the default when absent, capped at the maximum.
    pub fn page(&self, limit: Option<u32>) -> usize {
        limit.unwrap_or(self.default_page).clamp(1, self.max_page.max(1)) as usize
    }
}
