//! A per-client-IP token bucket for transaction submission.
//!
//! Integer arithmetic in milli-tokens; the map of buckets is bounded by forgetting full
//! (idle) buckets when it grows past [`MAX_TRACKED`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::RateLimit;

/// Addresses tracked before idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;
/// Milli-tokens in one token (one request).
const MILLI: u64 = 1_000;

/// Buckets by client address.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    milli_tokens: u64,
    updated: Instant,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `ip` at `now`; `Err(seconds)` says how long until one is available.
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let capacity = u64::from(self.limit.burst.max(1)).saturating_mul(MILLI);
        // Milli-tokens per millisecond equals tokens per second.
        let rate = u64::from(self.limit.per_second);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&ip) {
            buckets.retain(|_, bucket| refill(bucket, now, rate, capacity) < capacity);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket { milli_tokens: capacity, updated: now });
        let tokens = refill(bucket, now, rate, capacity);
        bucket.milli_tokens = tokens;
        bucket.updated = now;
        if tokens >= MILLI {
            bucket.milli_tokens = tokens - MILLI;
            return Ok(());
        }
        let missing_ms = (MILLI - tokens).div_ceil(rate.max(1));
        Err(missing_ms.div_ceil(1_000).max(1))
    }
}

/// The bucket's tokens at `now`.
fn refill(bucket: &Bucket, now: Instant, rate: u64, capacity: u64) -> u64 {
    let elapsed_ms = u64::try_from(now.saturating_duration_since(bucket.updated).as_millis())
        .unwrap_or(u64::MAX);
    bucket.milli_tokens.saturating_add(elapsed_ms.saturating_mul(rate)).min(capacity)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bursts_then_refills() {
        let limiter = RateLimiter::new(RateLimit { per_second: 2, burst: 3 });
        let ip: IpAddr = [127, 0, 0, 1].into();
        let other: IpAddr = [127, 0, 0, 2].into();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(ip, start), Ok(()));
        }
        assert_eq!(limiter.check(ip, start), Err(1));
        assert_eq!(limiter.check(other, start), Ok(()));
        // Half a second refills one token at two per second.
        assert_eq!(limiter.check(ip, start + Duration::from_millis(500)), Ok(()));
        assert!(limiter.check(ip, start + Duration::from_millis(500)).is_err());
    }
}
