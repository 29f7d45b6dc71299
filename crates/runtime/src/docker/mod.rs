//! The Docker runtime: a job is a local image, run in a hardened, throw-away container.
//!
//! # Sandbox
//!
//! Every container is created (through the engine's `HostConfig`) not privileged, every capability dropped, `no-new-privileges`, a read-only root file system
//! with a small memory-backed `/tmp`, no network (`network_mode: none`) unless
//! [`DockerOptions::network`], a non-root user ([`DockerOptions::user`]), the memory limit of
//! [`Limits::memory_bytes`] with no swap, a CPU and a process limit, the GPUs of
//! [`DockerOptions::gpus`] as an NVIDIA device request, the log driver `none`, and the label
//! [`JOB_LABEL`]. Stdin is closed; the job's arguments follow the image's entrypoint; its
//! environment is the spec's plus `RIGSHARE_SEED` (the hex seed, for jobs that seed their own
//! randomness; the spec's own `RIGSHARE_SEED` wins).
//!
//! # Files
//!
//! ```text
//!  dirs.inputs ──copy──▶ staging/inputs ──bind, ro──▶ /inputs
//!                        staging/outputs ◀─bind, rw── /outputs ◀── the job writes
//!                              │
//!        engine archive API (tar of /outputs, after the job ends)
//!                              ▼
//!                    checked unpack ──▶ dirs.outputs
//! ```
//!
//! `/outputs` is a bind mount, not a tmpfs: on this engine (Docker 20.10) the archive API reads
//! the container's file system from the host side, where a tmpfs mounted inside the container is
//! invisible (a download of a tmpfs `/outputs` returns an empty directory), and a tmpfs is gone
//! once the job's process exits. A bind-mounted host directory survives the container's stop, so
//! the outputs are downloaded from the stopped container and unpacked under the same rules that
//! [`output_root`](crate::output_root) applies (see `archive`). The engine puts no size cap on a
//! bind mount: during the run the outputs are bounded by the scratch file system only, and
//! [`DockerOptions::output_limits`] bounds what is copied out. Inputs are copied rather than
//! uploaded because the engine refuses uploads into a read-only mount or root file system.
//!
//! # Results
//!
//! An exit is [`ExitStatus::Exited`] with its code; a job still running at the wall-time limit
//! is killed and is [`ExitStatus::Timeout`]; a job the kernel OOM-killed in its memory cgroup
//! (the engine's `State.OOMKilled`) is [`ExitStatus::MemoryExceeded`]; outputs that break the
//! copy-out rules turn an exit into [`ExitStatus::Trapped`]. The container is removed after every
//! run, whatever happened, and its staged files with it.
//!
//! # Determinism
//!
//! None: see [`DockerRuntime::runtime_settings`]. The digest names the engine and the sandbox;
//! it does not promise that two runs agree.

mod archive;
mod container;
mod options;
mod run;
mod settings;
mod staging;

use std::sync::Arc;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use rigshare_types::Hash32;

use super::{JobDirs, JobOutcome, JobSpec, Limits, LogSink, Program, Runtime, RuntimeError};

pub use self::container::{JOB_LABEL, JOB_NAME_LABEL};
pub use self::options::{
    ContainerObserver, DEFAULT_NANO_CPUS, DEFAULT_PIDS_LIMIT, DEFAULT_TMP_BYTES, DEFAULT_USER,
    DockerOptions, GpuRequest,
};
pub use self::settings::EngineInfo;

/// Where the job sees its inputs.
pub const INPUTS_GUEST_PATH: &str = "/inputs";
/// Where the job writes its outputs.
pub const OUTPUTS_GUEST_PATH: &str = "/outputs";
/// The job's scratch space (memory-backed).
pub const TMP_GUEST_PATH: &str = "/tmp";
/// The bollard version the workspace `Cargo.toml` resolves (`0.21`); the digest names it.
pub const BOLLARD_VERSION: &str = "0.21.1";
/// The environment variable holding the job's seed, in hex.
pub const SEED_ENV: &str = "RIGSHARE_SEED";
/// Name of this runtime in manifests.
const RUNTIME_NAME: &str = "docker";

/// Runs jobs as containers on the local Docker engine; cheap to share between concurrent jobs.
pub struct DockerRuntime {
    docker: Docker,
    engine: EngineInfo,
    options: DockerOptions,
    observer: Option<Arc<dyn ContainerObserver>>,
}

/// A job whose image is on the host, with its arguments and environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerPrepared {
    name: String,
    image: String,
    image_id: String,
    args: Vec<String>,
    env: Vec<String>,
}

impl DockerPrepared {
    /// The image as the job named it.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The image's id (`sha256:…`), which the container is created from.
    pub fn image_id(&self) -> &str {
        &self.image_id
    }
}

impl DockerRuntime {
    /// Connects to the local engine (`DOCKER_HOST` or the default socket) and agrees on an API
    /// version; fails if no engine answers or the options are unsafe.
    pub async fn connect(options: DockerOptions) -> Result<DockerRuntime, RuntimeError> {
        let docker = Docker::connect_with_local_defaults().map_err(engine_error)?;
        DockerRuntime::with_client(docker, options).await
    }

    /// A runtime on an existing client; negotiates its API version with the engine.
    pub async fn with_client(
        docker: Docker,
        options: DockerOptions,
    ) -> Result<DockerRuntime, RuntimeError> {
        check_user(&options.user)?;
        let docker = docker
            .negotiate_version()
            .await
            .map_err(|e| RuntimeError::Engine(format!("no Docker engine answers: {e}")))?;
        let version = docker.version().await.map_err(engine_error)?;
        let engine = EngineInfo {
            version: version.version.unwrap_or_default(),
            api_version: docker.client_version().to_string(),
        };
        tracing::info!(target: "runtime::docker", engine = %engine.version, api = %engine.api_version, "connected");
        Ok(DockerRuntime { docker, engine, options, observer: None })
    }

    /// This runtime, telling `observer` about every container it starts.
    pub fn with_observer(mut self, observer: Arc<dyn ContainerObserver>) -> DockerRuntime {
        self.observer = Some(observer);
        self
    }

    /// The engine client.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The engine, as it reported itself.
    pub fn engine(&self) -> &EngineInfo {
        &self.engine
    }

    /// The options containers are created with.
    pub fn options(&self) -> &DockerOptions {
        &self.options
    }

    /// The engine and every sandbox setting, one `key=value` per line; its BLAKE3 is the
    /// [`runtime_digest`](Runtime::runtime_digest). It includes `determinism=none`: this runtime
    /// promises no identical results (real clocks, randomness, hardware and scheduling).
    pub fn runtime_settings(&self) -> String {
        settings::runtime_settings(&self.engine, &self.options)
    }
}

impl Runtime for DockerRuntime {
    type Prepared = DockerPrepared;

    fn name(&self) -> &'static str {
        RUNTIME_NAME
    }

    /// Names the engine and the sandbox; makes no determinism claim (see the module docs).
    fn runtime_digest(&self) -> Hash32 {
        settings::runtime_digest(&self.engine, &self.options)
    }

    #[tracing::instrument(skip_all, fields(job = %spec.name))]
    async fn prepare(&self, spec: &JobSpec) -> Result<DockerPrepared, RuntimeError> {
        let image = match &spec.program {
            Program::Docker { image } => image,
            other => {
                return Err(RuntimeError::WrongProgram {
                    runtime: RUNTIME_NAME,
                    program: other.kind(),
                });
            }
        };
        if image.is_empty() {
            return Err(RuntimeError::InvalidProgram("empty image reference".into()));
        }
        let inspected = match self.docker.inspect_image(image).await {
            Ok(inspected) => inspected,
            Err(DockerError::DockerResponseServerError { status_code: 404, .. }) => {
                return Err(RuntimeError::InvalidProgram(format!(
                    "image {image:?} is not on this host (no registry is reachable: build or load \
                     it first)"
                )));
            }
            Err(e) => return Err(engine_error(e)),
        };
        let image_id = inspected.id.ok_or_else(|| {
            RuntimeError::Engine(format!("the engine reported no id for image {image:?}"))
        })?;
        let config = inspected.config.unwrap_or_default();
        let has_program = config.entrypoint.is_some_and(|e| !e.is_empty())
            || config.cmd.is_some_and(|c| !c.is_empty());
        if !has_program && spec.args.is_empty() {
            return Err(RuntimeError::InvalidProgram(format!(
                "image {image:?} has no entrypoint or command, and the job gives no arguments"
            )));
        }
        let mut env = spec.env.clone();
        env.entry(SEED_ENV.to_owned()).or_insert_with(|| hex(&spec.seed));
        Ok(DockerPrepared {
            name: spec.name.clone(),
            image: image.clone(),
            image_id,
            args: spec.args.clone(),
            env: env.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
        })
    }

    #[tracing::instrument(skip_all, fields(image = %prepared.image))]
    async fn run(
        &self,
        prepared: &DockerPrepared,
        limits: &Limits,
        dirs: &JobDirs,
        logs: Arc<dyn LogSink>,
    ) -> Result<JobOutcome, RuntimeError> {
        self.run_job(prepared, limits, dirs, logs).await
    }
}

/// Refuses a user that is root, by name or id, or empty (the image's user, often root).
fn check_user(user: &str) -> Result<(), RuntimeError> {
    let uid = user.split(':').next().unwrap_or_default();
    if uid.is_empty() || uid == "root" || uid.parse::<u32>() == Ok(0) {
        return Err(RuntimeError::Engine(format!(
            "jobs must not run as root (user {user:?}); set DockerOptions::user"
        )));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn engine_error(error: DockerError) -> RuntimeError {
    RuntimeError::Engine(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users_are_refused() {
        for user in ["", "root", "0", "0:0", "00:1000", "root:root"] {
            assert!(check_user(user).is_err(), "{user:?} accepted");
        }
        for user in ["65534:65534", "1000", "nobody"] {
            assert!(check_user(user).is_ok(), "{user:?} refused");
        }
    }

    #[test]
    fn seed_is_hex() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }
}
