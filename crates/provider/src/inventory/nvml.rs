//! The NVML probe: asks the NVIDIA driver, through `libnvidia-ml.so.1` loaded at run time.

use nvml_wrapper::Nvml;
use nvml_wrapper::error::NvmlError;
use rigshare_types::ComputeCapability;

use super::host::{host_cpu_cores, host_memory_mib};
use super::{GpuInfo, GpuProbe, Inventory, ProbeError};

/// Bytes in one MiB.
const BYTES_PER_MIB: u64 = 1 << 20;

/// Takes the inventory from NVML. Builds and runs without a driver: then the host is CPU-only.
#[derive(Clone, Copy, Debug, Default)]
pub struct NvmlProbe;

impl NvmlProbe {
    /// A probe; NVML is loaded afresh on each [`GpuProbe::probe`].
    pub fn new() -> NvmlProbe {
        NvmlProbe
    }
}

impl GpuProbe for NvmlProbe {
    fn probe(&self) -> Result<Inventory, ProbeError> {
        let cpu_cores = host_cpu_cores();
        let memory_mib = host_memory_mib()?;
        let nvml = match Nvml::init() {
            Ok(nvml) => nvml,
            Err(e) => {
                let reason = format!("NVML unavailable: {e}");
                tracing::info!(target: "provider::inventory", %reason, "no GPUs: CPU-only host");
                return Ok(Inventory::cpu_only(cpu_cores, memory_mib, Some(reason)));
            }
        };
        let count = match nvml.device_count() {
            Ok(count) => count,
            Err(e) => {
                let reason = format!("NVML cannot count GPUs: {e}");
                tracing::warn!(target: "provider::inventory", %reason, "no GPUs: CPU-only host");
                return Ok(Inventory::cpu_only(cpu_cores, memory_mib, Some(reason)));
            }
        };
        let gpus: Vec<GpuInfo> = (0..count).map(|index| gpu_info(&nvml, index)).collect();
        for gpu in gpus.iter().filter(|g| !g.errors.is_empty()) {
            tracing::warn!(target: "provider::inventory", index = gpu.index, errors = ?gpu.errors, "GPU queries failed");
        }
        let driver_version = nvml.sys_driver_version().ok();
        let cuda_version = nvml.sys_cuda_driver_version().ok().map(|v| {
            format!(
                "{}.{}",
                nvml_wrapper::cuda_driver_version_major(v),
                nvml_wrapper::cuda_driver_version_minor(v)
            )
        });
        tracing::info!(target: "provider::inventory", gpus = gpus.len(), ?driver_version, ?cuda_version, "took GPU inventory");
        Ok(Inventory {
            cpu_only: gpus.is_empty(),
            gpus,
            cpu_cores,
            memory_mib,
            driver_version,
            cuda_version,
            gpu_stack_error: None,
        })
    }
}

/// Every fact about GPU `index`; a failed query leaves its fact `None` and records the error.
fn gpu_info(nvml: &Nvml, index: u32) -> GpuInfo {
    let mut errors = Vec::new();
    let device = match nvml.device_by_index(index) {
        Ok(device) => Some(device),
        Err(e) => {
            errors.push(format!("handle: {e}"));
            None
        }
    };
    let Some(device) = device else {
        return GpuInfo {
            index,
            name: None,
            uuid: None,
            vram_mib: None,
            compute_capability: None,
            power_limit_mw: None,
            errors,
        };
    };
    let name = fact(&mut errors, "name", device.name());
    let uuid = fact(&mut errors, "uuid", device.uuid());
    let vram_mib =
        fact(&mut errors, "memory", device.memory_info()).map(|m| m.total / BYTES_PER_MIB);
    let compute_capability =
        fact(&mut errors, "compute capability", device.cuda_compute_capability()).and_then(|cc| {
            match (u8::try_from(cc.major), u8::try_from(cc.minor)) {
                (Ok(major), Ok(minor)) => Some(ComputeCapability { major, minor }),
                _ => {
                    errors.push(format!(
                        "compute capability: out of range {}.{}",
                        cc.major, cc.minor
                    ));
                    None
                }
            }
        });
    // Many consumer GPUs do not report a power limit; that is not a failure.
    let power_limit_mw = match device.power_management_limit() {
        Err(NvmlError::NotSupported) => None,
        other => fact(&mut errors, "power limit", other),
    };
    GpuInfo { index, name, uuid, vram_mib, compute_capability, power_limit_mw, errors }
}

/// The value of a query, or `None` with `"<what>: <error>"` recorded.
fn fact<T>(errors: &mut Vec<String>, what: &str, result: Result<T, NvmlError>) -> Option<T> {
    result.map_err(|e| errors.push(format!("{what}: {e}"))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_fails_for_lack_of_a_driver() {
        let inventory = NvmlProbe::new().probe().unwrap();
        assert!(inventory.cpu_cores >= 1);
        assert!(inventory.memory_mib > 0);
        if inventory.gpu_stack_error.is_some() {
            // This machine: no NVIDIA library or driver.
            assert!(inventory.cpu_only);
            assert!(inventory.gpus.is_empty());
        } else {
            assert_eq!(inventory.cpu_only, inventory.gpus.is_empty());
            for gpu in &inventory.gpus {
                assert!(gpu.missing_facts().is_none() || !gpu.errors.is_empty(), "{gpu:?}");
            }
        }
    }
}
