//! What the host has to sell: every NVIDIA GPU, CPU cores and memory, and the groups of identical
//! GPUs the provider publishes to the market.
//!
//! A [`GpuProbe`] takes the inventory: [`NvmlProbe`] asks the NVIDIA driver through NVML (loaded
//! at run time, so a host without a driver builds, runs and reports itself CPU-only);
//! [`FakeProbe`] returns a fixed inventory for tests. [`offered_groups`] turns an inventory and an
//! [`OfferConfig`] into the market's [`rigshare_types::GpuGroup`]s, grouping GPUs by
//! [`model_label`], VRAM and compute capability.
//!
//! Nothing is dropped silently: a GPU whose NVML queries fail is still listed, with the errors,
//! and [`offered_groups`] says which GPUs it left out and why.

mod fake;
mod host;
mod label;
mod nvml;
mod offer;

use rigshare_types::ComputeCapability;

pub use fake::FakeProbe;
pub use host::{host_cpu_cores, host_memory_mib};
pub use label::{UNKNOWN_MODEL, model_label};
pub use nvml::NvmlProbe;
pub use offer::{
    GpuAllowList, GpuSelector, OfferConfig, OfferedGroups, SkippedGpu, offered_groups,
};

/// Takes the host's inventory.
///
/// Contract: returns `Ok` whenever the host's CPU and memory can be read. A missing or broken GPU
/// stack is not an error: the inventory then says [`Inventory::cpu_only`] and why in
/// [`Inventory::gpu_stack_error`]. Every GPU the driver reports is listed, including those whose
/// queries failed.
pub trait GpuProbe: Send + Sync {
    /// Takes the inventory now.
    fn probe(&self) -> Result<Inventory, ProbeError>;
}

/// What a host has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inventory {
    /// Every GPU the driver reports, in driver index order.
    pub gpus: Vec<GpuInfo>,
    /// CPU cores this process may use.
    pub cpu_cores: u32,
    /// Installed memory, in MiB.
    pub memory_mib: u64,
    /// No GPU was found: no NVML library, no driver, or the driver reports none.
    pub cpu_only: bool,
    /// The NVIDIA driver version, e.g. `"550.54.15"`.
    pub driver_version: Option<String>,
    /// The newest CUDA version the driver supports, e.g. `"12.4"`.
    pub cuda_version: Option<String>,
    /// Why GPUs could not be enumerated (NVML missing, driver not loaded), if so.
    pub gpu_stack_error: Option<String>,
}

impl Inventory {
    /// A CPU-only inventory of this host's cores and memory, with the reason GPUs are unavailable.
    pub fn cpu_only(cpu_cores: u32, memory_mib: u64, reason: Option<String>) -> Inventory {
        Inventory {
            gpus: Vec::new(),
            cpu_cores,
            memory_mib,
            cpu_only: true,
            driver_version: None,
            cuda_version: None,
            gpu_stack_error: reason,
        }
    }
}

/// One GPU as the driver reports it. A fact whose query failed is `None`, with the failure in
/// [`GpuInfo::errors`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuInfo {
    /// The driver's index of the GPU (as in `nvidia-smi` and `CUDA_VISIBLE_DEVICES`).
    pub index: u32,
    /// The driver's product name, e.g. `"NVIDIA H100 80GB HBM3"`.
    pub name: Option<String>,
    /// The GPU's UUID, e.g. `"GPU-5f1c…"`.
    pub uuid: Option<String>,
    /// Total memory, in MiB.
    pub vram_mib: Option<u64>,
    /// CUDA compute capability.
    pub compute_capability: Option<ComputeCapability>,
    /// Power management limit, in milliwatts (`None` also where the GPU does not support it).
    pub power_limit_mw: Option<u32>,
    /// Each failed query as `"<fact>: <error>"`.
    pub errors: Vec<String>,
}

impl GpuInfo {
    /// A GPU whose essential facts are all known (for fakes and tests).
    pub fn known(
        index: u32,
        name: &str,
        uuid: &str,
        vram_mib: u64,
        compute_capability: ComputeCapability,
    ) -> GpuInfo {
        GpuInfo {
            index,
            name: Some(name.to_owned()),
            uuid: Some(uuid.to_owned()),
            vram_mib: Some(vram_mib),
            compute_capability: Some(compute_capability),
            power_limit_mw: None,
            errors: Vec::new(),
        }
    }

    /// Why this GPU cannot be offered (an essential fact is unknown), or `None` if it can.
    pub fn missing_facts(&self) -> Option<String> {
        let mut missing = Vec::new();
        if self.name.is_none() {
            missing.push("name");
        }
        if self.uuid.is_none() {
            missing.push("uuid");
        }
        if self.vram_mib.is_none() {
            missing.push("memory");
        }
        if self.compute_capability.is_none() {
            missing.push("compute capability");
        }
        if missing.is_empty() {
            return None;
        }
        let mut reason = format!("unknown {}", missing.join(", "));
        if !self.errors.is_empty() {
            reason.push_str(&format!(" ({})", self.errors.join("; ")));
        }
        Some(reason)
    }
}

/// Why the host's inventory could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The host's memory size could not be read.
    #[error("cannot read host memory from {source_path}: {reason}")]
    HostMemory {
        /// Where it was read from.
        source_path: &'static str,
        /// What went wrong.
        reason: String,
    },
}
