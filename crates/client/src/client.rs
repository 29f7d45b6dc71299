//! [`Client`]: one method per route of the node API.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{RequestBuilder, Response};
use rigshare_types::{Hash32, LeaseId, OrderId, PublicKey, SignedTransaction, StateKey};
use serde::de::DeserializeOwned;

use crate::ClientError;
use crate::api::{
    AccountInfo, Assignments, BlockInfo, ErrorBody, LeaseInfo, Offers, OffersParams, OrderInfo,
    ProofInfo, ProofParams, ProviderInfo, ProvidersPage, ProvidersParams, ReceiptInfo, Status,
    TxAccepted, TxStatus,
};
use crate::sse::{self, EventStream};

/// Largest response body the client reads, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a plain (non-streaming) request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A typed client of one node. Cheap to clone (connections are pooled and shared).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    /// The base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    base: String,
}

impl Client {
    /// A client of the node at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT).build()?;
        Ok(Client::with_http(base_url, http))
    }

    /// A client using a caller-configured `reqwest` client.
    pub fn with_http(base_url: &str, http: reqwest::Client) -> Client {
        Client { http, base: base_url.trim_end_matches('/').to_owned() }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Submits a signed transaction (`POST /v1/txs`); returns its id once it is pooled.
    pub async fn submit(&self, tx: &SignedTransaction) -> Result<Hash32, ClientError> {
        self.submit_bytes(tx.encode()).await
    }

    /// Submits raw bytes as a transaction, for callers that hold an encoding already.
    pub async fn submit_bytes(&self, bytes: Vec<u8>) -> Result<Hash32, ClientError> {
        let request = self
            .http
            .post(self.url("/v1/txs"))
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        let accepted: TxAccepted = self.send(request).await?;
        Ok(accepted.id)
    }

    /// What became of transaction `id` (`GET /v1/txs/{id}`); `not_found` while it is pending
    /// (or if it was never seen, or finalized too long ago to be remembered).
    pub async fn tx_status(&self, id: &Hash32) -> Result<TxStatus, ClientError> {
        self.get(&format!("/v1/txs/{id}")).await
    }

    /// The chain's height, certified checkpoint, pool size and identity (`GET /v1/status`).
    pub async fn status(&self) -> Result<Status, ClientError> {
        self.get("/v1/status").await
    }

    /// An account (`GET /v1/accounts/{pk}`); `not_found` if it never received funds.
    pub async fn account(&self, id: &PublicKey) -> Result<AccountInfo, ClientError> {
        self.get(&format!("/v1/accounts/{id}")).await
    }

    /// One page of providers (`GET /v1/providers`).
    pub async fn providers(&self, params: &ProvidersParams) -> Result<ProvidersPage, ClientError> {
        self.send(self.http.get(self.url("/v1/providers")).query(params)).await
    }

    /// A provider (`GET /v1/providers/{pk}`).
    pub async fn provider(&self, id: &PublicKey) -> Result<ProviderInfo, ClientError> {
        self.get(&format!("/v1/providers/{id}")).await
    }

    /// Verification work the market waits for from provider `id`
    /// (`GET /v1/providers/{id}/assignments`).
    pub async fn assignments(&self, id: &PublicKey) -> Result<Assignments, ClientError> {
        self.get(&format!("/v1/providers/{id}/assignments")).await
    }

    /// Offers matching `query` in the offer query language (`GET /v1/offers?q=`).
    pub async fn offers(&self, query: &str) -> Result<Offers, ClientError> {
        let params = OffersParams { q: Some(query.to_owned()), limit: None };
        self.offers_with(&params).await
    }

    /// Offers, with every parameter.
    pub async fn offers_with(&self, params: &OffersParams) -> Result<Offers, ClientError> {
        self.send(self.http.get(self.url("/v1/offers")).query(params)).await
    }

    /// An order with its bids and leases (`GET /v1/orders/{id}`).
    pub async fn order(&self, id: OrderId) -> Result<OrderInfo, ClientError> {
        self.get(&format!("/v1/orders/{id}")).await
    }

    /// A lease (`GET /v1/leases/{id}`).
    pub async fn lease(&self, id: LeaseId) -> Result<LeaseInfo, ClientError> {
        self.get(&format!("/v1/leases/{id}")).await
    }

    /// A lease's signed receipt (`GET /v1/leases/{id}/receipt`).
    pub async fn receipt(&self, id: LeaseId) -> Result<ReceiptInfo, ClientError> {
        self.get(&format!("/v1/leases/{id}/receipt")).await
    }

    /// The finalized block at `height` (`GET /v1/blocks/{height}`).
    pub async fn block(&self, height: u64) -> Result<BlockInfo, ClientError> {
        self.get(&format!("/v1/blocks/{height}")).await
    }

    /// The latest finalized block (`GET /v1/blocks/latest`).
    pub async fn latest_block(&self) -> Result<BlockInfo, ClientError> {
        self.get("/v1/blocks/latest").await
    }

    /// A proof of `key` at the latest certified checkpoint (`GET /v1/proofs?key=`).
    pub async fn proof(&self, key: &StateKey) -> Result<ProofInfo, ClientError> {
        self.proof_with(&ProofParams { key: key.to_string(), height: None }).await
    }

    /// A proof, with every parameter.
    pub async fn proof_with(&self, params: &ProofParams) -> Result<ProofInfo, ClientError> {
        self.send(self.http.get(self.url("/v1/proofs")).query(params)).await
    }

    /// The node's metrics in Prometheus text format (`GET /metrics`).
    pub async fn metrics(&self) -> Result<String, ClientError> {
        let response = self.http.get(self.url("/metrics")).timeout(REQUEST_TIMEOUT).send().await?;
        let bytes = read_body(check(response).await?).await?;
        String::from_utf8(bytes).map_err(|_| ClientError::Decode("metrics are not UTF-8".into()))
    }

    /// The node's OpenAPI document (`GET /v1/openapi.json`).
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        self.get("/v1/openapi.json").await
    }

    /// Follows finalized blocks' events (`GET /v1/events`, Server-Sent Events) from now on.
    pub async fn events(&self) -> Result<EventStream, ClientError> {
        let request = self.http.get(self.url("/v1/events")).header(ACCEPT, "text/event-stream");
        let response = check(request.send().await?).await?;
        Ok(sse::events(response.bytes_stream()))
    }

    /// `GET`s `path` (with its query string) and decodes the JSON answer: for routes newer
    /// than this client.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.http.get(self.url(path))).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        let response = request.timeout(REQUEST_TIMEOUT).send().await?;
        let bytes = read_body(check(response).await?).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

/// Passes a success response through; turns an error response into [`ClientError::Http`].
async fn check(response: Response) -> Result<Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let bytes = read_body(response).await?;
    let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => (body.code, body.message),
        Err(_) => {
            let text: String = String::from_utf8_lossy(&bytes).chars().take(512).collect();
            ("unexpected_status".to_owned(), text)
        }
    };
    Err(ClientError::Http { status: status.as_u16(), code, message })
}

/// Reads a whole body, refusing more than [`MAX_RESPONSE_BYTES`].
async fn read_body(mut response: Response) -> Result<Vec<u8>, ClientError> {
    let too_large =
        || ClientError::Decode(format!("response larger than {MAX_RESPONSE_BYTES} bytes"));
    if response.content_length().is_some_and(|len| len > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
