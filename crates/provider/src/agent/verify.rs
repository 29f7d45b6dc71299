//! Verifying other providers: their results and their hardware. When the beacon draws this provider to audit a lease or
//! to arbitrate a dispute, it fetches the job (manifest, module, inputs — each checked against
//! its BLAKE3) from a provider that ran it, re-executes it in its own sandbox, and reports the
//! output root it got. Wasm jobs are bit-reproducible, so an honest re-execution gives the
//! honest root.
//!
//! The job is fetched from the providers that ran it: the artifact endpoint lets a lease's
//! assigned auditor and its dispute's arbiters read the job once the chain's certified state
//! names them. A provider that refuses to serve its own job cannot be audited this way; the
//! audit then expires (the requestor can still challenge, and replicas still compare).
//!
//! Hardware: when drawn to check a provider's hardware challenge, the agent asks it for the
//! product of the beacon-seeded matrices, times the answer from the moment the assignment was
//! seen, checks it with Freivalds' algorithm and reports whether it passed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rigshare_types::job::{JobManifest, JobRuntime, MAX_MANIFEST_BYTES};
use rigshare_types::tx::TxBody;
use rigshare_types::verification::{HardwareCheck, HardwareCheckStatus};
use rigshare_types::{EvidenceTier, Hash32, LeaseId, OrderId, PublicKey, StateKey, codec};
use rigshare_verify::hardware::{
    ChallengeError, ChallengeResponse, ChallengeSpec, EvaluationParams, evaluate,
};
use tracing::{info, warn};

use super::Context;
use rigshare_client::artifacts::{ArtifactClient, ArtifactError};
use rigshare_runtime::execute::{DockerPolicy, run_job};
use rigshare_runtime::{DiscardLogs, JobDirs};
use rigshare_verify::freivalds::Matrix;

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

/// Latency the checker forgives a provider (network, certification lag) before it times the
/// product; at small matrix sides it dominates, so throughput claims only bite at scale.
const HARDWARE_LATENCY_ALLOWANCE: Duration = Duration::from_secs(2);
/// How far below the claimed throughput a measurement may fall, in parts per million.
const HARDWARE_TOLERANCE_PPM: u32 = 100_000;

/// Checks `provider`'s hardware challenge: asks it for the product, times it, checks it with
/// Freivalds' algorithm, and reports the verdict.
pub(crate) async fn hardware(context: Arc<Context>, provider: PublicKey) {
    let started = Instant::now();
    let outcome = async {
        let client = context.wallet.client();
        let check = patiently_check(client, &provider).await?;
        let info = client.provider(&provider).await.map_err(|e| e.to_string())?.provider;
        let vram = info.inventory.get(check.group as usize).map_or(0, |g| g.gpu.vram_mib);
        let spec = ChallengeSpec {
            seed: check.seed,
            n: check.n,
            claimed_vram_mib: vram,
            claimed_tops: check.claimed_tops,
        };
        let artifacts = ArtifactClient::new(&info.endpoint, context.wallet.key().clone())
            .map_err(|e| e.to_string())?;
        let answer = loop {
            match fetch_product(&artifacts, &check.seed, check.n).await {
                Err(ArtifactError::Http { status: 403, .. })
                    if started.elapsed() < FETCH_PATIENCE =>
                {
                    tokio::time::sleep(FETCH_RETRY).await;
                }
                other => break other,
            }
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (passed, measured) = match answer {
            Err(e) => {
                warn!(target: "provider::verify", %provider, error = %e, "no product");
                (false, 0)
            }
            Ok((commitment, product)) => {
                let response = ChallengeResponse { commitment, elapsed_ms, product };
                let params = EvaluationParams {
                    rounds: 1,
                    latency_allowance_ms: HARDWARE_LATENCY_ALLOWANCE.as_millis() as u64,
                    tolerance_ppm: HARDWARE_TOLERANCE_PPM,
                };
                match tokio::task::spawn_blocking(move || evaluate(&spec, &response, &params))
                    .await
                    .map_err(|e| e.to_string())?
                {
                    Ok(verdict) => (true, verdict.measured_ops_per_s),
                    Err(ChallengeError::ThroughputBelowClaim { measured_ops_per_s, .. }) => {
                        (false, measured_ops_per_s)
                    }
                    Err(e) => {
                        warn!(target: "provider::verify", %provider, error = %e, "challenge failed");
                        (false, 0)
                    }
                }
            }
        };
        let body = TxBody::ReportHardwareCheck { provider, passed, measured_ops_per_s: measured };
        context.wallet.send_and_wait(body, TX_TIMEOUT).await.map_err(|e| e.to_string())?;
        Ok::<_, String>((passed, measured))
    };
    match outcome.await {
        Ok((passed, ops)) => {
            info!(target: "provider::verify", %provider, passed, ops_per_s = ops, "hardware challenge reported")
        }
        Err(e) => {
            warn!(target: "provider::verify", %provider, error = %e, "hardware challenge not completed")
        }
    }
}

/// The provider's assigned challenge, once the certified state shows it.
async fn patiently_check(
    client: &rigshare_client::Client,
    provider: &PublicKey,
) -> Result<HardwareCheck, String> {
    let start = Instant::now();
    loop {
        let check = client
            .proof(&StateKey::HardwareCheck(*provider))
            .await
            .ok()
            .and_then(|p| p.value)
            .and_then(|v| codec::decode::<HardwareCheck>(&v.0, 1024).ok())
            .filter(|c| c.status == HardwareCheckStatus::Assigned);
        if let Some(check) = check {
            return Ok(check);
        }
        if start.elapsed() > FETCH_PATIENCE {
            return Err("the challenge never showed as assigned".into());
        }
        tokio::time::sleep(FETCH_RETRY).await;
    }
}

/// Most times an expired hardware challenge (its checker was not listening, or none could be
/// drawn) is asked for again.
const HARDWARE_RETRIES: u32 = 3;

/// Moves on after this provider's challenge of `group` ended: to the next group, or — when it
/// expired without a verdict — to the same group again, a few times.
pub(crate) async fn hardware_check_ended(
    context: &Context,
    group: u32,
    status: HardwareCheckStatus,
) {
    use std::sync::atomic::Ordering;
    if status == HardwareCheckStatus::Expired {
        let tries = context.hardware_expiries.fetch_add(1, Ordering::SeqCst);
        if tries < HARDWARE_RETRIES {
            request_hardware_check(context, group.checked_sub(1)).await;
        }
        return;
    }
    request_hardware_check(context, Some(group)).await;
}

/// Asks for a challenge of the first of this provider's groups after `after` that is still
/// `self-reported` (all of them with `after = None`), if the configuration wants challenges.
pub(crate) async fn request_hardware_check(context: &Context, after: Option<u32>) {
    if !context.hardware.check {
        return;
    }
    let client = context.wallet.client();
    let me = context.wallet.account();
    let Ok(info) = client.provider(&me).await else { return };
    let next = info.provider.inventory.iter().enumerate().find(|(i, g)| {
        after.is_none_or(|a| *i as u64 > u64::from(a)) && g.tier == EvidenceTier::SelfReported
    });
    let Some((group, _)) = next else { return };
    let group = u32::try_from(group).unwrap_or(u32::MAX);
    let body = TxBody::RequestHardwareCheck { group, claimed_tops: context.hardware.claimed_tops };
    match context.wallet.send(body).await {
        Ok(_) => info!(target: "provider::verify", group, "hardware challenge requested"),
        Err(e) => {
            warn!(target: "provider::verify", group, error = %e, "cannot request a hardware challenge")
        }
    }
}

/// The provider's answer to the challenge with `seed` and side `n`: its commitment and the
/// product, read and decoded within the size `n` allows.
async fn fetch_product(
    artifacts: &ArtifactClient,
    seed: &Hash32,
    n: u32,
) -> Result<(Hash32, Matrix<i32>), ArtifactError> {
    let max = 64 + 4 * u64::from(n) * u64::from(n);
    let bytes = artifacts.hardware_check(seed, max).await?;
    codec::decode(&bytes, usize::try_from(max).unwrap_or(usize::MAX))
        .map_err(|e| ArtifactError::Invalid(format!("product does not decode: {e}")))
}
