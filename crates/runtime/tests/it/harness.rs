//! Shared setup: a sandbox of job directories, module building, limits and a run helper.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rigshare_runtime::WasmRuntime;
use rigshare_runtime::{DiscardLogs, JobDirs, JobOutcome, JobSpec, Limits, Program, Runtime};

/// A temporary directory holding `inputs/` and `outputs/`.
pub struct Sandbox {
    _root: tempfile::TempDir,
    pub dirs: JobDirs,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        let dirs =
            JobDirs { inputs: root.path().join("inputs"), outputs: root.path().join("outputs") };
        std::fs::create_dir(&dirs.inputs).unwrap();
        std::fs::create_dir(&dirs.outputs).unwrap();
        Sandbox { _root: root, dirs }
    }

    pub fn with_input(name: &str, contents: &[u8]) -> Sandbox {
        let sandbox = Sandbox::new();
        std::fs::write(sandbox.dirs.inputs.join(name), contents).unwrap();
        sandbox
    }

    pub fn output(&self, name: &str) -> PathBuf {
        self.dirs.outputs.join(name)
    }
}

/// Assembles a WAT module.
pub fn wasm(wat: &str) -> Bytes {
    Bytes::from(wat::parse_str(wat).unwrap())
}

/// A job named `job` running `wat`, no arguments, seed 7s.
pub fn spec(wat: &str) -> JobSpec {
    JobSpec {
        name: "job".to_owned(),
        program: Program::Wasm(wasm(wat)),
        args: Vec::new(),
        env: BTreeMap::new(),
        seed: [7; 32],
    }
}

/// Limits small enough that a runaway test fails fast.
pub fn limits() -> Limits {
    Limits {
        fuel: 1_000_000_000,
        wall_time: Duration::from_secs(20),
        memory_bytes: 64 << 20,
        capture_bytes: 64 << 10,
    }
}

/// Prepares and runs `spec` in `sandbox`.
pub async fn run_in(
    runtime: &WasmRuntime,
    spec: &JobSpec,
    limits: Limits,
    sandbox: &Sandbox,
) -> JobOutcome {
    let prepared = runtime.prepare(spec).await.unwrap();
    runtime.run(&prepared, &limits, &sandbox.dirs, Arc::new(DiscardLogs)).await.unwrap()
}

/// Runs `wat` in a fresh runtime and sandbox under `limits`.
pub async fn run_wat(wat: &str, limits: Limits) -> JobOutcome {
    let runtime = WasmRuntime::new().unwrap();
    run_in(&runtime, &spec(wat), limits, &Sandbox::new()).await
}
