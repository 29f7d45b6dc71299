//! The crate's error type: one variant per part, each carrying that part's typed error.

use crate::inventory::ProbeError;
use rigshare_runtime::RuntimeError;
use rigshare_runtime::outputs::OutputError;

/// Anything the provider agent's parts can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Taking the host's inventory failed.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// A runtime could not prepare or run a job (a job's own failure is a result, not this).
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A job's outputs could not be committed to.
    #[error(transparent)]
    Output(#[from] OutputError),
}
