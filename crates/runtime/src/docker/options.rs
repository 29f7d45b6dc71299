//! What the Docker runtime enforces beyond [`Limits`](crate::Limits): GPUs, network,
//! CPU, processes, the user a job runs as, and where its files are staged.

use std::path::PathBuf;

use crate::outputs::OutputLimits;

/// Processes (threads included) a job may have unless the options say otherwise.
pub const DEFAULT_PIDS_LIMIT: i64 = 256; // processes
/// CPU a job may use unless the options say otherwise.
pub const DEFAULT_NANO_CPUS: i64 = 1_000_000_000; // billionths of a CPU (one CPU)
/// The user a job runs as unless the options say otherwise (`nobody:nogroup`).
pub const DEFAULT_USER: &str = "65534:65534";
/// Size of the job's `/tmp` (memory-backed, so it counts against the memory limit).
pub const DEFAULT_TMP_BYTES: u64 = 64 << 20; // bytes (64 MiB)

/// Which GPUs a job's container gets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GpuRequest {
    /// No GPU: the container gets no device request.
    #[default]
    None,
    /// Any this many GPUs, picked by the NVIDIA runtime.
    Count(u32),
    /// These GPUs, by UUID (`GPU-…`) or index; an empty list is the same as [`GpuRequest::None`].
    Devices(Vec<String>),
}

impl GpuRequest {
    /// How many GPUs this asks for.
    pub fn count(&self) -> usize {
        match self {
            GpuRequest::None => 0,
            GpuRequest::Count(n) => usize::try_from(*n).unwrap_or(usize::MAX),
            GpuRequest::Devices(ids) => ids.len(),
        }
    }
}

/// How a [`DockerRuntime`](super::DockerRuntime) sets up its containers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerOptions {
    /// The GPUs each job gets (needs the NVIDIA Container Toolkit on the host).
    pub gpus: GpuRequest,
    /// Whether jobs get a network (the engine's default bridge); off means `network_mode: none`.
    pub network: bool,
    /// CPU a job may use, in billionths of a CPU; 0 means no CPU limit.
    pub nano_cpus: i64,
    /// Most processes (threads included) a job may have.
    pub pids_limit: i64,
    /// The user (`uid:gid`) a job runs as; must not be root.
    pub user: String,
    /// Size of the job's memory-backed `/tmp`, in bytes.
    pub tmp_bytes: u64,
    /// Bounds on the outputs copied out of a container.
    pub output_limits: OutputLimits,
    /// Where a job's inputs copy and outputs directory are staged (the engine bind-mounts them,
    /// so it must see this path; created if missing); `None` is the system's temporary directory.
    pub scratch_dir: Option<PathBuf>,
}

impl Default for DockerOptions {
    fn default() -> Self {
        DockerOptions {
            gpus: GpuRequest::None,
            network: false,
            nano_cpus: DEFAULT_NANO_CPUS,
            pids_limit: DEFAULT_PIDS_LIMIT,
            user: DEFAULT_USER.to_owned(),
            tmp_bytes: DEFAULT_TMP_BYTES,
            output_limits: OutputLimits::default(),
            scratch_dir: None,
        }
    }
}

/// Told about each job container the runtime starts, e.g. to inspect or monitor it.
///
/// Called on the job's task: it must not block.
pub trait ContainerObserver: Send + Sync {
    /// The container `id` has started running the job.
    fn started(&self, id: &str);
}
