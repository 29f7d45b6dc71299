//! `rigshare job run-local`: the job in the provider's sandbox, here.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use rigshare_runtime::WasmRuntime;
use rigshare_runtime::execute::{DockerPolicy, JobRun, run_job};
use rigshare_runtime::{JobDirs, LogSink, LogStream};
use rigshare_types::job::JobRuntime;

use crate::manifest::Job;

/// Prints the job's output as it runs.
struct Echo;

impl LogSink for Echo {
    fn write(&self, stream: LogStream, chunk: &[u8]) {
        use std::io::Write as _;
        let _ = match stream {
            LogStream::Stdout => std::io::stdout().write_all(chunk),
            LogStream::Stderr => std::io::stderr().write_all(chunk),
        };
    }
}

/// Runs `job` with its inputs laid out under `out/../` and its outputs in `out` (emptied
/// first), exactly as a provider would; the run with its output root.
pub async fn run_local(job: &Job, out: &Path) -> anyhow::Result<JobRun> {
    let work = tempfile::tempdir().context("creating a work directory")?;
    let inputs = work.path().join("inputs");
    std::fs::create_dir_all(&inputs)?;
    for input in &job.manifest.inputs {
        let bytes = job
            .blobs
            .get(&input.blob.hash)
            .ok_or_else(|| anyhow!("input {} missing", input.path))?;
        let dest = inputs.join(&input.path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, bytes).with_context(|| format!("writing {}", dest.display()))?;
    }
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let module = match &job.manifest.runtime {
        JobRuntime::Wasm { module } => job.blobs.get(&module.hash).map(|b| b.clone().into()),
        JobRuntime::Docker { .. } => None,
    };
    let wasm = WasmRuntime::new()?;
    let docker = DockerPolicy {
        enabled: true,
        scratch_dir: Some(work.path().join("scratch")),
        ..DockerPolicy::default()
    };
    let dirs = JobDirs { inputs, outputs: out.to_owned() };
    run_job(&job.manifest, module, &dirs, Arc::new(Echo), &wasm, &docker)
        .await
        .map_err(anyhow::Error::msg)
}
