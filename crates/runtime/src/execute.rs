//! Running a [`JobManifest`] in the sandbox its runtime names, with the manifest's limits, and
//! committing to its outputs: the one code path the agent runs for a lease and the CLI runs for
//! `rigshare job run-local`, so a developer sees the output root a provider would report.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rigshare_types::Hash32;
use rigshare_types::job::{JobManifest, JobRuntime};

use crate::docker::{DockerOptions, DockerRuntime, GpuRequest};
use crate::outputs::output_root;
use crate::wasm::WasmRuntime;
use crate::{JobDirs, JobOutcome, JobSpec, Limits, LogSink, Program, Runtime};

/// How Docker jobs may run here.
#[derive(Clone, Debug, Default)]
pub struct DockerPolicy {
    /// Whether Docker jobs run at all.
    pub enabled: bool,
    /// The GPUs each container gets.
    pub gpus: GpuRequest,
    /// Where containers' inputs and outputs are staged.
    pub scratch_dir: Option<std::path::PathBuf>,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct JobRun {
    /// How the job ended, with its usage and captured output.
    pub outcome: JobOutcome,
    /// The runtime's digest (engine and settings).
    pub runtime_digest: Hash32,
    /// The Merkle root over the output directory.
    pub output_root: Hash32,
}

/// The runtime limits a manifest asks for.
pub fn limits(manifest: &JobManifest) -> Limits {
    Limits {
        fuel: manifest.limits.fuel,
        wall_time: Duration::from_millis(manifest.limits.wall_time_ms),
        memory_bytes: manifest.limits.memory_bytes,
        ..Limits::default()
    }
}

/// Runs `manifest` once with inputs laid out in `dirs.inputs` and a clean `dirs.outputs`;
/// `module` is the wasm module's bytes (checked against the manifest). `Err` is why the host
/// could not run it; whatever the job itself does is in the returned outcome.
pub async fn run_job(
    manifest: &JobManifest,
    module: Option<Bytes>,
    dirs: &JobDirs,
    logs: Arc<dyn LogSink>,
    wasm: &WasmRuntime,
    docker: &DockerPolicy,
) -> Result<JobRun, String> {
    let limits = limits(manifest);
    let spec = |program| JobSpec {
        name: manifest.name.clone(),
        program,
        args: manifest.args.clone(),
        env: manifest.env.iter().cloned().collect(),
        seed: manifest.seed,
    };
    let (outcome, runtime_digest) = match &manifest.runtime {
        JobRuntime::Wasm { module: expected } => {
            let bytes = module.ok_or("the wasm module is missing")?;
            if rigshare_types::hash::blake3(&bytes) != expected.hash {
                return Err("the wasm module does not match the manifest's hash".into());
            }
            let prepared = wasm
                .prepare(&spec(Program::Wasm(bytes)))
                .await
                .map_err(|e| format!("cannot prepare the job: {e}"))?;
            let outcome = wasm
                .run(&prepared, &limits, dirs, logs)
                .await
                .map_err(|e| format!("cannot run the job: {e}"))?;
            (outcome, wasm.runtime_digest())
        }
        JobRuntime::Docker { image, network } => {
            if !docker.enabled {
                return Err("docker jobs are not enabled here".into());
            }
            let options = DockerOptions {
                network: *network,
                gpus: docker.gpus.clone(),
                scratch_dir: docker.scratch_dir.clone(),
                ..DockerOptions::default()
            };
            let runtime =
                DockerRuntime::connect(options).await.map_err(|e| format!("docker: {e}"))?;
            let prepared = runtime
                .prepare(&spec(Program::Docker { image: image.clone() }))
                .await
                .map_err(|e| format!("cannot prepare the job: {e}"))?;
            let outcome = runtime
                .run(&prepared, &limits, dirs, logs)
                .await
                .map_err(|e| format!("cannot run the job: {e}"))?;
            (outcome, runtime.runtime_digest())
        }
    };
    let outputs = dirs.outputs.clone();
    let output_root = tokio::task::spawn_blocking(move || output_root(&outputs))
        .await
        .map_err(|e| format!("output hashing failed: {e}"))?
        .map_err(|e| format!("the job's outputs cannot be committed to: {e}"))?;
    Ok(JobRun { outcome, runtime_digest, output_root })
}
