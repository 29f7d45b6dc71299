//! Verifying other providers' results: when the beacon draws this provider to audit a lease or
//! to arbitrate a dispute, it fetches the job (manifest, module, inputs — each checked against
//! its BLAKE3) from a provider that ran it, re-executes it in its own sandbox, and reports the
//! output root it got. Wasm jobs are bit-reproducible, so an honest re-execution gives the
//! honest root.
//!
//! The job is fetched from the providers that ran it: the artifact endpoint lets a lease's
//! assigned auditor and its dispute's arbiters read the job once the chain's certified state
//! names them. A provider that refuses to serve its own job cannot be audited this way; the
//! audit then expires (the requestor can still challenge, and replicas still compare).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rigshare_types::job::{JobManifest, JobRuntime, MAX_MANIFEST_BYTES};
use rigshare_types::tx::TxBody;
use rigshare_types::{Hash32, LeaseId, OrderId, PublicKey};
use tracing::{info, warn};

use super::Context;
use crate::artifacts::{ArtifactClient, ArtifactError};
use crate::execute::{DockerPolicy, run_job};
use crate::runtime::{DiscardLogs, JobDirs};

/// How long the job's provider is retried while it does not yet see this verifier's
/// assignment (its certified state lags a block or two).
const FETCH_PATIENCE: Duration = Duration::from_secs(30);
/// Pause between fetch attempts.
const FETCH_RETRY: Duration = Duration::from_millis(250);
/// How long the report transaction is waited for.
const TX_TIMEOUT: Duration = Duration::from_secs(120);

/// Audits `lease`: re-executes its job and reports the root.
pub(crate) async fn audit(context: Arc<Context>, lease: LeaseId) {
    let outcome = async {
        let info = context.wallet.client().lease(lease).await.map_err(|e| e.to_string())?;
        let (order, provider) = (info.lease.order, info.lease.provider);
        let root = reexecute(&context, order, &[(lease, provider)]).await?;
        let body = TxBody::SubmitAudit { lease, output_root: root };
        context.wallet.send_and_wait(body, TX_TIMEOUT).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(root)
    };
    match outcome.await {
        Ok(root) => info!(target: "provider::verify", %lease, %root, "audit reported"),
        Err(e) => warn!(target: "provider::verify", %lease, error = %e, "audit not completed"),
    }
}

/// Arbitrates `order`'s dispute: re-executes its job and votes the root.
pub(crate) async fn arbitrate(context: Arc<Context>, order: OrderId) {
    let outcome = async {
        let info = context.wallet.client().order(order).await.map_err(|e| e.to_string())?;
        let sources: Vec<(LeaseId, PublicKey)> =
            info.leases.iter().map(|l| (l.id, l.lease.provider)).collect();
        let root = reexecute(&context, order, &sources).await?;
        let body = TxBody::Arbitrate { order, output_root: root };
        context.wallet.send_and_wait(body, TX_TIMEOUT).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(root)
    };
    match outcome.await {
        Ok(root) => info!(target: "provider::verify", %order, %root, "arbitration vote cast"),
        Err(e) => {
            warn!(target: "provider::verify", %order, error = %e, "arbitration not completed")
        }
    }
}

/// Fetches `order`'s job from the first of `sources` (lease, provider) that serves it and runs
/// it; returns the output root.
async fn reexecute(
    context: &Context,
    order: OrderId,
    sources: &[(LeaseId, PublicKey)],
) -> Result<Hash32, String> {
    let client = context.wallet.client();
    let manifest_hash = client.order(order).await.map_err(|e| e.to_string())?.order.manifest_hash;
    let mut last_error = String::from("no provider ran the job");
    for (lease, provider) in sources {
        let endpoint = match client.provider(provider).await {
            Ok(info) => info.provider.endpoint,
            Err(e) => {
                last_error = e.to_string();
                continue;
            }
        };
        let artifacts = ArtifactClient::new(&endpoint, context.wallet.key().clone())
            .map_err(|e| e.to_string())?;
        let dirs = JobDirs {
            inputs: context.leases.verify_dir(order, *lease).join("inputs"),
            outputs: context.leases.verify_dir(order, *lease).join("outputs"),
        };
        match fetch(&artifacts, *lease, manifest_hash, &dirs).await {
            Ok((manifest, module)) => return run(context, &manifest, module, &dirs).await,
            Err(e) => {
                warn!(target: "provider::verify", %lease, %endpoint, error = %e, "cannot fetch the job");
                last_error = e;
            }
        }
    }
    Err(last_error)
}

/// Downloads the manifest, the module and the inputs (laid out under `dirs.inputs`).
async fn fetch(
    artifacts: &ArtifactClient,
    lease: LeaseId,
    manifest_hash: Hash32,
    dirs: &JobDirs,
) -> Result<(JobManifest, Option<Bytes>), String> {
    let bytes =
        patiently(|| artifacts.job_blob(lease, &manifest_hash, MAX_MANIFEST_BYTES as u64)).await?;
    let manifest = JobManifest::decode(&bytes).map_err(|e| format!("the manifest: {e}"))?;
    let module = match &manifest.runtime {
        JobRuntime::Wasm { module } => Some(Bytes::from(
            artifacts
                .job_blob(lease, &module.hash, module.size)
                .await
                .map_err(|e| e.to_string())?,
        )),
        JobRuntime::Docker { .. } => None,
    };
    let _ = tokio::fs::remove_dir_all(&dirs.inputs).await;
    for input in &manifest.inputs {
        let bytes = artifacts
            .job_blob(lease, &input.blob.hash, input.blob.size)
            .await
            .map_err(|e| format!("input {}: {e}", input.path))?;
        // The manifest was validated on decoding: input paths are safe and relative.
        let dest = dirs.inputs.join(&input.path);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|e| e.to_string())?;
        }
        tokio::fs::write(&dest, bytes).await.map_err(|e| e.to_string())?;
    }
    tokio::fs::create_dir_all(&dirs.inputs).await.map_err(|e| e.to_string())?;
    Ok((manifest, module))
}

/// Retries `attempt` while the provider does not yet recognise this verifier (403).
async fn patiently<F, Fut>(mut attempt: F) -> Result<Vec<u8>, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ArtifactError>>,
{
    let start = Instant::now();
    loop {
        match attempt().await {
            Ok(bytes) => return Ok(bytes),
            Err(ArtifactError::Http { status: 403, .. }) if start.elapsed() < FETCH_PATIENCE => {
                tokio::time::sleep(FETCH_RETRY).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Runs the job from clean outputs, as the lease's provider should have.
async fn run(
    context: &Context,
    manifest: &JobManifest,
    module: Option<Bytes>,
    dirs: &JobDirs,
) -> Result<Hash32, String> {
    let _ = tokio::fs::remove_dir_all(&dirs.outputs).await;
    tokio::fs::create_dir_all(&dirs.outputs).await.map_err(|e| e.to_string())?;
    let docker = DockerPolicy {
        enabled: context.docker,
        scratch_dir: dirs.outputs.parent().map(|p| p.join("scratch")),
        ..DockerPolicy::default()
    };
    let run =
        run_job(manifest, module, dirs, Arc::new(DiscardLogs), &context.wasm, &docker).await?;
    Ok(run.output_root)
}
