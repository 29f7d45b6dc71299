//! One lease's life on the provider: wait for inputs, start, run, sign, submit. Each step's
//! result is stored before the next begins, so a restarted agent continues where it stopped.

use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rigshare_types::job::{JobManifest, JobRuntime};
use rigshare_types::records::LeaseStatus;
use rigshare_types::tx::TxBody;
use rigshare_types::{LeaseId, Receipt, SignedReceipt, Usage};
use tracing::{info, warn};

use super::config::Behaviour;
use super::{Context, stopped};
use crate::store::{LeaseRecord, Stage};
use rigshare_runtime::docker::GpuRequest;
use rigshare_runtime::execute::{DockerPolicy, JobRun, run_job};
use rigshare_runtime::{JobDirs, LogSink, LogStream};

/// How often a lease waiting for inputs re-checks the chain (uploads wake it sooner).
const INPUT_POLL: Duration = Duration::from_secs(1);
/// How long a lease transaction is waited for.
const TX_TIMEOUT: Duration = Duration::from_secs(120);

/// Drives `lease` from its stored stage to the end, or until the agent stops.
pub(crate) async fn drive(context: Arc<Context>, lease: LeaseId) {
    let mut stop = context.stop.clone();
    loop {
        let record = match context.leases.store.get(lease) {
            Ok(Some(record)) => record,
            Ok(None) => return,
            Err(e) => {
                warn!(target: "provider::lease", %lease, error = %e, "cannot read the lease record");
                return;
            }
        };
        let step = async {
            match &record.stage {
                Stage::AwaitingInputs => await_inputs(&context, &record).await,
                Stage::Running => run(&context, &record).await,
                Stage::Finished { receipt } => submit(&context, *receipt).await,
                Stage::Submitted { .. } | Stage::Failed { .. } => None,
            }
        };
        let next = tokio::select! {
            () = stopped(&mut stop) => return,
            next = step => next,
        };
        let Some(stage) = next else {
            context.leases.forget_waker(lease);
            return;
        };
        match &stage {
            Stage::Failed { reason } => {
                warn!(target: "provider::lease", %lease, %reason, "lease failed")
            }
            stage => {
                info!(target: "provider::lease", %lease, stage = stage.name(), "lease advanced")
            }
        }
        let record = LeaseRecord { stage, ..record };
        if let Err(e) = context.leases.store.put(&record) {
            warn!(target: "provider::lease", %lease, error = %e, "cannot store the lease's progress");
            return;
        }
    }
}

fn failed(reason: impl Into<String>) -> Option<Stage> {
    Some(Stage::Failed { reason: reason.into() })
}

/// Why the chain says a lease can no longer be served, if it does.
async fn chain_ended(context: &Context, record: &LeaseRecord) -> Option<String> {
    match context.wallet.client().lease(record.lease).await {
        Ok(info) if info.lease.status.is_active() => None,
        Ok(info) => Some(format!("the chain ended the lease: {:?}", info.lease.status)),
        Err(e) => {
            warn!(target: "provider::lease", lease = %record.lease, error = %e, "cannot read the lease on chain");
            None
        }
    }
}

/// Waits until the manifest and every blob it names are stored, then lays out the inputs.
async fn await_inputs(context: &Context, record: &LeaseRecord) -> Option<Stage> {
    let leases = &context.leases;
    let waker = leases.waker(record.lease);
    loop {
        if leases.missing(record).is_empty() {
            break;
        }
        if let Some(reason) = chain_ended(context, record).await {
            return failed(format!("inputs never arrived: {reason}"));
        }
        let _ = tokio::time::timeout(INPUT_POLL, waker.notified()).await;
    }
    let Some(manifest) = leases.manifest(record) else {
        return failed("the manifest vanished from the blob store");
    };
    let inputs = leases.inputs_dir(record.lease);
    for input in &manifest.inputs {
        let dest = inputs.join(&input.path);
        if dest.exists() {
            continue;
        }
        if let Err(e) = leases.blobs.materialize(&input.blob.hash, &dest).await {
            return failed(format!("cannot lay out input {}: {e}", input.path));
        }
    }
    if let Err(e) = tokio::fs::create_dir_all(&inputs).await {
        return failed(format!("cannot create the inputs directory: {e}"));
    }
    Some(Stage::Running)
}

/// Starts the lease on chain if it is not, runs the job, and signs the receipt.
async fn run(context: &Context, record: &LeaseRecord) -> Option<Stage> {
    let client = context.wallet.client();
    match client.lease(record.lease).await {
        Ok(info) if info.lease.status == LeaseStatus::Pending => {
            let body = TxBody::StartLease { lease: record.lease };
            if let Err(e) = context.wallet.send_and_wait(body, TX_TIMEOUT).await {
                return failed(format!("cannot start the lease: {e}"));
            }
        }
        Ok(info) if info.lease.status == LeaseStatus::Running => {}
        Ok(info) => return failed(format!("the chain ended the lease: {:?}", info.lease.status)),
        Err(e) => return failed(format!("cannot read the lease on chain: {e}")),
    }
    let Some(manifest) = context.leases.manifest(record) else {
        return failed("the manifest vanished from the blob store");
    };
    match execute(context, record, &manifest).await {
        Ok(receipt) => Some(Stage::Finished { receipt }),
        Err(reason) => {
            let body = TxBody::AbandonLease { lease: record.lease, reason: truncate(&reason, 256) };
            if let Err(e) = context.wallet.send_and_wait(body, TX_TIMEOUT).await {
                warn!(target: "provider::lease", lease = %record.lease, error = %e, "cannot abandon the lease");
            }
            failed(reason)
        }
    }
}

/// Runs the job once from clean outputs; the receipt, or why the provider could not run it.
async fn execute(
    context: &Context,
    record: &LeaseRecord,
    manifest: &JobManifest,
) -> Result<SignedReceipt, String> {
    let leases = &context.leases;
    let dirs = JobDirs {
        inputs: leases.inputs_dir(record.lease),
        outputs: leases.outputs_dir(record.lease),
    };
    let _ = tokio::fs::remove_dir_all(&dirs.outputs).await;
    tokio::fs::create_dir_all(&dirs.outputs)
        .await
        .map_err(|e| format!("cannot create the outputs directory: {e}"))?;
    let logs = Arc::new(
        FileLogs::create(leases, record.lease)
            .map_err(|e| format!("cannot open log files: {e}"))?,
    );
    let module = match &manifest.runtime {
        JobRuntime::Wasm { module } => Some(
            leases
                .blobs
                .read(&module.hash)
                .await
                .map_err(|e| format!("cannot read the module: {e}"))?
                .into(),
        ),
        JobRuntime::Docker { .. } => None,
    };
    let docker = DockerPolicy {
        enabled: context.docker,
        gpus: if context.gpus { GpuRequest::Count(record.gpus) } else { GpuRequest::None },
        scratch_dir: Some(leases.dir(record.lease).join("scratch")),
    };
    info!(target: "provider::lease", lease = %record.lease, job = %manifest.name, runtime = manifest.runtime.kind(), "job running");
    let JobRun { outcome, runtime_digest, output_root: root } =
        run_job(manifest, module, &dirs, logs, &context.wasm, &docker).await?;
    let root = match context.behaviour {
        Behaviour::Honest => root,
        Behaviour::ForgeResults => {
            rigshare_types::hash::blake3(&[b"forged".as_slice(), &root.0].concat())
        }
    };
    let seconds = outcome.wall_ms.div_ceil(1000);
    let receipt = Receipt {
        lease: record.lease,
        manifest_hash: record.manifest_hash,
        output_root: root,
        usage: Usage {
            gpu_seconds: seconds.saturating_mul(u64::from(record.gpus)),
            wall_ms: outcome.wall_ms,
            exit_code: outcome.exit.code(),
        },
        runtime_digest,
    };
    info!(
        target: "provider::lease",
        lease = %record.lease,
        exit = outcome.exit.code(),
        wall_ms = outcome.wall_ms,
        %root,
        "job ended"
    );
    Ok(SignedReceipt::sign(receipt, context.wallet.key()))
}

/// Submits the signed receipt and waits for it to be final.
async fn submit(context: &Context, receipt: SignedReceipt) -> Option<Stage> {
    let lease = receipt.receipt.lease;
    match context.wallet.send_and_wait(TxBody::SubmitResult(receipt), TX_TIMEOUT).await {
        Ok(_) => Some(Stage::Submitted { receipt }),
        Err(e) => {
            // A receipt that made it before a restart is final already.
            let client = context.wallet.client();
            if client.receipt(lease).await.is_ok_and(|r| r.receipt == receipt) {
                return Some(Stage::Submitted { receipt });
            }
            failed(format!("the receipt was not accepted: {e}"))
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

/// Appends a job's output to its log files as it is written.
struct FileLogs {
    stdout: Mutex<std::fs::File>,
    stderr: Mutex<std::fs::File>,
}

impl FileLogs {
    fn create(leases: &crate::leases::Leases, lease: LeaseId) -> std::io::Result<FileLogs> {
        std::fs::create_dir_all(leases.dir(lease))?;
        Ok(FileLogs {
            stdout: Mutex::new(std::fs::File::create(leases.log_path(lease, LogStream::Stdout))?),
            stderr: Mutex::new(std::fs::File::create(leases.log_path(lease, LogStream::Stderr))?),
        })
    }
}

impl LogSink for FileLogs {
    fn write(&self, stream: LogStream, chunk: &[u8]) {
        let file = match stream {
            LogStream::Stdout => &self.stdout,
            LogStream::Stderr => &self.stderr,
        };
        let _ = file.lock().unwrap_or_else(PoisonError::into_inner).write_all(chunk);
    }
}
