//! Market bodies: accounts, providers, offers, orders, leases, receipts.

use std::collections::BTreeMap;

use rigshare_types::query::Query;
use rigshare_types::records::{Account, Lease, Order, Provider, ProviderStats};
use rigshare_types::{Amount, EvidenceTier, GpuGroup, LeaseId, OrderId, PublicKey, SignedReceipt};
use serde::{Deserialize, Serialize};

/// An account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInfo {
    /// The account's public key, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: PublicKey,
    /// Balance (decimal string) and next nonce.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub account: Account,
    /// The nonce the account's next transaction must carry, counting its transactions that
    /// wait in the node's pool (send several in a row without waiting for each).
    pub next_nonce: u64,
}

/// A provider with its track record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderInfo {
    /// The provider's public key, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: PublicKey,
    /// Endpoint, stake, unbonding, inventory, leases, bids, stats.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub provider: Provider,
    /// Share of finished leases that succeeded, in parts per million.
    pub reliability_ppm: u32,
}

/// Verification work the market waits for from one provider: what an agent that was offline
/// when it was drawn still has to do (`GET /v1/providers/{pk}/assignments`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignments {
    /// Leases it was drawn to audit, whose audit is still pending.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u64>))]
    pub audits: Vec<LeaseId>,
    /// Orders whose open dispute it was drawn to arbitrate and has not voted on yet.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u64>))]
    pub disputes: Vec<OrderId>,
    /// Providers whose assigned hardware challenge it was drawn to check, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub hardware_checks: Vec<PublicKey>,
}

/// One page of providers, ordered by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvidersPage {
    /// The providers on this page.
    pub providers: Vec<ProviderInfo>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub next: Option<PublicKey>,
}

/// Query parameters of `GET /v1/providers`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProvidersParams {
    /// Start after this provider key (hex), from the previous page's `next`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Most providers to return (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One offer: a provider's GPU group that matches a query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// The provider, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub provider: PublicKey,
    /// The provider agent's HTTP endpoint.
    pub endpoint: String,
    /// Index of the group in the provider's inventory (bids name groups by it).
    pub group: u32,
    /// Model, VRAM (MiB), count, compute capability, price floor.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub gpu: GpuGroup,
    /// GPUs of the group not held by leases.
    pub free_gpus: u32,
    /// Evidence tier: `self-reported`, `challenged`, `audited` or `attested`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tier: EvidenceTier,
    /// Price per GPU-hour (the group's price floor), decimal string.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_gpu_hour: Amount,
    /// The provider's reliability, in parts per million.
    pub reliability_ppm: u32,
    /// The provider's track record: leases completed and failed, results independently
    /// confirmed (audits, arbitration) and proven wrong (slashed).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub stats: ProviderStats,
}

/// The result of an offer search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offers {
    /// The query, in canonical form.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub query: Query,
    /// Matching offers, cheapest first (then most reliable).
    pub offers: Vec<Offer>,
    /// GPU groups evaluated.
    pub considered: u64,
    /// For each clause (canonical form), how many groups it excluded; a group failing several
    /// clauses counts under each. Tells why a search came back empty.
    pub excluded_by: BTreeMap<String, u64>,
}

/// Query parameters of `GET /v1/offers`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OffersParams {
    /// The offer query, e.g. `gpu_model in [H100,A100] vram_gib>=40`; empty matches all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Most offers to return (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// An order with its bids and leases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInfo {
    /// The order id.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub id: OrderId,
    /// The order as stored, bids included.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub order: Order,
    /// The order's leases, one per replica once the auction closed.
    pub leases: Vec<LeaseInfo>,
}

/// A lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseInfo {
    /// The lease id.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub id: LeaseId,
    /// The lease as stored.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub lease: Lease,
}

/// A lease's signed receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptInfo {
    /// The lease id.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub lease: LeaseId,
    /// The provider's signed receipt.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub receipt: SignedReceipt,
}
