//! The artifact API's routes: templates the agent serves and the paths a client signs.
//!
//! A request's signature covers its path ([`super::auth`]), so both sides must build paths the
//! same way; these functions are that one way.

use rigshare_types::{Hash32, LeaseId};

/// Liveness of the agent.
pub const HEALTH: &str = "/v1/health";
/// The agent's view of a lease.
pub const LEASE: &str = "/v1/leases/{lease}";
/// One blob of a lease's job: `PUT` by the requestor, `GET` by its verifiers.
pub const BLOB: &str = "/v1/leases/{lease}/blobs/{hash}";
/// A lease's output listing.
pub const OUTPUTS: &str = "/v1/leases/{lease}/outputs";
/// One output file.
pub const OUTPUT_FILE: &str = "/v1/leases/{lease}/outputs/{*path}";
/// A lease's job logs.
pub const LOGS: &str = "/v1/leases/{lease}/logs";
/// The provider's answer to its hardware challenge.
pub const HARDWARE_CHECK: &str = "/v1/hardware-check";

/// The path of [`LEASE`].
pub fn lease(lease: LeaseId) -> String {
    format!("/v1/leases/{lease}")
}

/// The path of [`BLOB`].
pub fn blob(lease: LeaseId, hash: &Hash32) -> String {
    format!("/v1/leases/{lease}/blobs/{hash}")
}

/// The path of [`OUTPUTS`].
pub fn outputs(lease: LeaseId) -> String {
    format!("/v1/leases/{lease}/outputs")
}

/// The path of [`OUTPUT_FILE`] for `path`, relative to the output directory.
pub fn output_file(lease: LeaseId, path: &str) -> String {
    format!("/v1/leases/{lease}/outputs/{path}")
}

/// The path of [`LOGS`].
pub fn logs(lease: LeaseId) -> String {
    format!("/v1/leases/{lease}/logs")
}
