//! Signed artifact requests: who may upload a lease's inputs and read its outputs.
//!
//! Every request to a lease's artifacts carries three headers: the signer's public key
//! ([`KEY_HEADER`]), the request time in Unix milliseconds ([`TIME_HEADER`]) and an ed25519
//! signature ([`SIGNATURE_HEADER`]) over [`ARTIFACT_DOMAIN`] and the canonical encoding of
//! `(method, path, time)`. The path names the lease and, for uploads, the blob's BLAKE3, so a
//! signature covers exactly one operation on one lease; bodies are checked against the hash in
//! the path. A request older or newer than [`MAX_CLOCK_SKEW_MS`] is refused, which bounds
//! replays to reads and re-uploads of the same content within that window.

use reqwest::header::HeaderMap;
use rigshare_types::{Keypair, PublicKey, Signature, codec};

/// Signing domain of artifact requests.
pub const ARTIFACT_DOMAIN: &[u8] = b"rigshare/artifact/v1\0";
/// How far a request's time may be from the server's clock.
pub const MAX_CLOCK_SKEW_MS: u64 = 5 * 60 * 1000; // ms
/// Header carrying the signer's public key (hex).
pub const KEY_HEADER: &str = "x-rigshare-key";
/// Header carrying the request time (Unix ms).
pub const TIME_HEADER: &str = "x-rigshare-time";
/// Header carrying the signature (hex).
pub const SIGNATURE_HEADER: &str = "x-rigshare-signature";

/// Why a request's signature is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A header is missing or malformed.
    #[error("missing or malformed {0} header")]
    Header(&'static str),
    /// The request time is too far from the server's clock.
    #[error(
        "request time {time_ms} is more than {MAX_CLOCK_SKEW_MS} ms from the server's {now_ms}"
    )]
    Skew {
        /// The request's time.
        time_ms: u64,
        /// The server's time.
        now_ms: u64,
    },
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
}

/// The headers of a signed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestAuth {
    /// Signer.
    pub key: PublicKey,
    /// Request time, Unix ms.
    pub time_ms: u64,
    /// Signature over the request.
    pub signature: Signature,
}

impl RequestAuth {
    /// Signs `method path` at `time_ms` with `key`.
    pub fn sign(key: &Keypair, method: &str, path: &str, time_ms: u64) -> RequestAuth {
        let signature = key.sign(ARTIFACT_DOMAIN, &message(method, path, time_ms));
        RequestAuth { key: key.public(), time_ms, signature }
    }

    /// The three headers, as (name, value) pairs.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            (KEY_HEADER, self.key.to_string()),
            (TIME_HEADER, self.time_ms.to_string()),
            (SIGNATURE_HEADER, self.signature.to_string()),
        ]
    }

    /// Reads and checks the headers of a request for `method path`; returns the signer.
    pub fn verify(
        headers: &HeaderMap,
        method: &str,
        path: &str,
        now_ms: u64,
    ) -> Result<PublicKey, AuthError> {
        let text = |name: &'static str| {
            headers.get(name).and_then(|v| v.to_str().ok()).ok_or(AuthError::Header(name))
        };
        let key: PublicKey =
            text(KEY_HEADER)?.parse().map_err(|_| AuthError::Header(KEY_HEADER))?;
        let time_ms: u64 =
            text(TIME_HEADER)?.parse().map_err(|_| AuthError::Header(TIME_HEADER))?;
        let signature = parse_signature(text(SIGNATURE_HEADER)?)?;
        if time_ms.abs_diff(now_ms) > MAX_CLOCK_SKEW_MS {
            return Err(AuthError::Skew { time_ms, now_ms });
        }
        key.verify(ARTIFACT_DOMAIN, &message(method, path, time_ms), &signature)
            .map_err(|_| AuthError::Signature)?;
        Ok(key)
    }
}

fn parse_signature(hex_text: &str) -> Result<Signature, AuthError> {
    let mut bytes = [0u8; 64];
    hex::decode_to_slice(hex_text, &mut bytes).map_err(|_| AuthError::Header(SIGNATURE_HEADER))?;
    Ok(Signature(bytes))
}

fn message(method: &str, path: &str, time_ms: u64) -> Vec<u8> {
    codec::encode(&(method, path, time_ms))
}

/// Milliseconds since the Unix epoch on this host.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(auth: &RequestAuth) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in auth.headers() {
            map.insert(name, HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("")));
        }
        map
    }

    #[test]
    fn accepts_the_signed_request_only() {
        let key = Keypair::from_seed([1; 32]);
        let auth = RequestAuth::sign(&key, "PUT", "/v1/leases/1/blobs/ab", 1_000);
        let map = headers(&auth);
        assert_eq!(
            RequestAuth::verify(&map, "PUT", "/v1/leases/1/blobs/ab", 1_000),
            Ok(key.public())
        );
        assert_eq!(
            RequestAuth::verify(&map, "PUT", "/v1/leases/2/blobs/ab", 1_000),
            Err(AuthError::Signature)
        );
        assert_eq!(
            RequestAuth::verify(&map, "GET", "/v1/leases/1/blobs/ab", 1_000),
            Err(AuthError::Signature)
        );
        assert!(matches!(
            RequestAuth::verify(
                &map,
                "PUT",
                "/v1/leases/1/blobs/ab",
                1_000 + MAX_CLOCK_SKEW_MS + 1
            ),
            Err(AuthError::Skew { .. })
        ));
        assert_eq!(
            RequestAuth::verify(&HeaderMap::new(), "PUT", "/", 0),
            Err(AuthError::Header(KEY_HEADER))
        );
    }
}
