//! Every way a request can fail, with its HTTP status and stable snake_case code.
//!
//! Error responses are JSON [`ErrorBody`]s: `{"code": "stale_nonce", "message": "..."}`. The
//! codes are part of the API: clients match on them, so they never change meaning.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rigshare_api::ErrorBody;
use rigshare_chain::SubmitError;
use rigshare_market::{AdmissionError, ExecError, TxError};
use rigshare_types::codec::DecodeError;
use rigshare_types::query::QueryError;
use tracing::{debug, error};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A path or query parameter is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No such account, provider, order, lease, receipt or block.
    #[error("{0} not found")]
    NotFound(String),
    /// No route has this path.
    #[error("no route for {0}")]
    NoRoute(String),
    /// The route exists, the method does not.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// The offer query does not parse.
    #[error("invalid query: {0}")]
    BadQuery(QueryError),
    /// The body is not a canonical signed transaction.
    #[error("cannot decode the transaction: {0}")]
    BadEncoding(DecodeError),
    /// The body exceeds the route's limit.
    #[error("request body larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body's content type is not the one the route takes.
    #[error("unsupported content type {0:?} (send application/octet-stream)")]
    UnsupportedMediaType(String),
    /// The mempool refused the transaction.
    #[error("transaction rejected: {0}")]
    Submit(#[from] SubmitError),
    /// The client sent too many requests; retry later.
    #[error("too many requests from this address; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request would be accepted.
        retry_after_secs: u64,
    },
    /// The node cannot answer now (no certified checkpoint yet, too many subscribers, …).
    #[error("{0}")]
    Unavailable(String),
    /// The node failed (storage, proof generation): a bug or a broken disk, never bad input.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::NotFound(_) | ApiError::NoRoute(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::BadQuery(_) => "bad_query",
            ApiError::BadEncoding(DecodeError::TooLarge { .. }) | ApiError::TooLarge { .. } => {
                "too_large"
            }
            ApiError::BadEncoding(DecodeError::Malformed(_)) => "bad_encoding",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Submit(e) => submit_code(e),
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_)
            | ApiError::BadQuery(_)
            | ApiError::BadEncoding(DecodeError::Malformed(_)) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadEncoding(DecodeError::TooLarge { .. }) | ApiError::TooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Submit(e) => submit_status(e),
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        let position = match self {
            ApiError::BadQuery(e) => Some(e.position),
            _ => None,
        };
        ErrorBody { code: self.code().to_owned(), message: self.to_string(), position }
    }
}

/// The code of each way the mempool refuses a transaction.
fn submit_code(error: &SubmitError) -> &'static str {
    match error {
        SubmitError::Admission(admission) => admission_code(admission),
        SubmitError::Duplicate(_) => "duplicate",
        SubmitError::NonceGap { .. } => "nonce_gap",
        SubmitError::Full => "pool_full",
        SubmitError::Stopped => "chain_stopped",
    }
}

fn admission_code(error: &AdmissionError) -> &'static str {
    match error {
        AdmissionError::BadSignature(_) => "bad_signature",
        AdmissionError::UnknownSender => "unknown_account",
        AdmissionError::StaleNonce { .. } => "stale_nonce",
        AdmissionError::FutureNonce { .. } => "nonce_gap",
        AdmissionError::FeeTooLow { .. } => "fee_too_low",
        AdmissionError::CannotPayFee { .. } => "insufficient_funds",
    }
}

/// The stable code of why a finalized transaction did not take effect (`TxStatus::code`): the
/// submission codes for admission, one per [`ExecError`] variant for execution.
pub(crate) fn tx_error_code(error: &TxError) -> &'static str {
    match error {
        TxError::Admission(admission) => admission_code(admission),
        TxError::Execution(execution) => exec_code(execution),
    }
}

fn exec_code(error: &ExecError) -> &'static str {
    match error {
        ExecError::InsufficientFunds { .. } => "insufficient_funds",
        ExecError::ZeroAmount => "zero_amount",
        ExecError::Overflow => "overflow",
        ExecError::SelfTransfer => "self_transfer",
        ExecError::AlreadyProvider => "already_provider",
        ExecError::NotProvider => "not_provider",
        ExecError::InsufficientStake { .. } => "insufficient_stake",
        ExecError::InvalidField { .. } => "invalid_field",
        ExecError::InvalidQuery(_) => "invalid_query",
        ExecError::InventoryInUse { .. } => "inventory_in_use",
        ExecError::ProviderBusy { .. } => "provider_busy",
        ExecError::TooManyUnbondings { .. } => "too_many_unbondings",
        ExecError::DepositTooSmall { .. } => "deposit_too_small",
        ExecError::UnknownOrder(_) => "unknown_order",
        ExecError::UnknownLease(_) => "unknown_lease",
        ExecError::AuctionClosed(_) => "auction_closed",
        ExecError::OrderEnded(_) => "order_ended",
        ExecError::SelfBid => "self_bid",
        ExecError::DuplicateBid(_) => "duplicate_bid",
        ExecError::BidAboveMax { .. } => "bid_above_max",
        ExecError::Ineligible { .. } => "ineligible",
        ExecError::TooManyBids(_) => "too_many_bids",
        ExecError::NotRequestor => "not_requestor",
        ExecError::NotLeaseProvider => "not_lease_provider",
        ExecError::LeaseState { .. } => "lease_state",
        ExecError::ManifestMismatch => "manifest_mismatch",
        ExecError::BadReceiptSignature(_) => "bad_receipt_signature",
        ExecError::NoAudit(_) => "no_audit",
        ExecError::NotAuditor => "not_auditor",
        ExecError::AuditClosed(_) => "audit_closed",
        ExecError::NotSettled(_) => "not_settled",
        ExecError::SelfChallenge => "self_challenge",
        ExecError::ChallengeWindowClosed { .. } => "challenge_window_closed",
        ExecError::ChallengeAgrees => "challenge_agrees",
        ExecError::BondTooSmall { .. } => "bond_too_small",
        ExecError::AlreadyArbitrated(_) => "already_arbitrated",
        ExecError::NoDispute(_) => "no_dispute",
        ExecError::DisputeClosed(_) => "dispute_closed",
        ExecError::NotArbiter => "not_arbiter",
        ExecError::DuplicateVote => "duplicate_vote",
        ExecError::NoSuchGroup(_) => "no_such_group",
        ExecError::HardwareCheckPending => "hardware_check_pending",
        ExecError::NoHardwareCheck => "no_hardware_check",
        ExecError::NotChecker => "not_checker",
        ExecError::DisputeParty(_) => "dispute_party",
    }
}

fn submit_status(error: &SubmitError) -> StatusCode {
    match error {
        SubmitError::Admission(admission) => match admission {
            AdmissionError::BadSignature(_) | AdmissionError::FeeTooLow { .. } => {
                StatusCode::BAD_REQUEST
            }
            AdmissionError::UnknownSender => StatusCode::NOT_FOUND,
            AdmissionError::StaleNonce { .. } | AdmissionError::FutureNonce { .. } => {
                StatusCode::CONFLICT
            }
            AdmissionError::CannotPayFee { .. } => StatusCode::PAYMENT_REQUIRED,
        },
        SubmitError::Duplicate(_) | SubmitError::NonceGap { .. } => StatusCode::CONFLICT,
        SubmitError::Full | SubmitError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            error!(target: "node::api", code = self.code(), error = %self, "request failed");
        } else {
            debug!(target: "node::api", code = self.code(), error = %self, "request refused");
        }
        let mut response = (status, Json(self.body())).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use rigshare_types::{Amount, SignatureError};

    use super::*;

    #[test]
    fn every_submit_error_has_a_4xx_or_5xx_code() {
        let errors = [
            SubmitError::Admission(AdmissionError::BadSignature(SignatureError::Invalid)),
            SubmitError::Admission(AdmissionError::UnknownSender),
            SubmitError::Admission(AdmissionError::StaleNonce { expected: 2, got: 1 }),
            SubmitError::Admission(AdmissionError::FutureNonce { expected: 2, got: 3 }),
            SubmitError::Admission(AdmissionError::FeeTooLow {
                offered: Amount(1),
                min: Amount(2),
            }),
            SubmitError::Admission(AdmissionError::CannotPayFee {
                balance: Amount(1),
                fee: Amount(2),
            }),
            SubmitError::Duplicate(1),
            SubmitError::NonceGap { expected: 1, got: 3 },
            SubmitError::Full,
            SubmitError::Stopped,
        ];
        let codes: Vec<(&str, u16)> = errors
            .into_iter()
            .map(|e| {
                let e = ApiError::Submit(e);
                (e.code(), e.status().as_u16())
            })
            .collect();
        assert_eq!(
            codes,
            [
                ("bad_signature", 400),
                ("unknown_account", 404),
                ("stale_nonce", 409),
                ("nonce_gap", 409),
                ("fee_too_low", 400),
                ("insufficient_funds", 402),
                ("duplicate", 409),
                ("nonce_gap", 409),
                ("pool_full", 503),
                ("chain_stopped", 503),
            ]
        );
    }

    #[test]
    fn failed_transactions_have_the_codes_clients_match_on() {
        let stake = ExecError::InsufficientStake { stake: Amount(1), min: Amount(2) };
        let funds = ExecError::InsufficientFunds { needed: Amount(2), available: Amount(1) };
        let fee = AdmissionError::CannotPayFee { balance: Amount(1), fee: Amount(2) };
        let codes: Vec<&str> = [TxError::from(stake), TxError::from(funds), TxError::from(fee)]
            .iter()
            .map(tx_error_code)
            .collect();
        assert_eq!(codes, ["insufficient_stake", "insufficient_funds", "insufficient_funds"]);
    }
}
