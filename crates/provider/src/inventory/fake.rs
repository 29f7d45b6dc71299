//! A probe that returns a fixed inventory, for tests of what builds on inventories.

use super::{GpuInfo, GpuProbe, Inventory, ProbeError};

/// Returns the same [`Inventory`] on every probe.
#[derive(Clone, Debug)]
pub struct FakeProbe {
    inventory: Inventory,
}

/// CPU cores a [`FakeProbe::with_gpus`] inventory reports.
const FAKE_CPU_CORES: u32 = 32; // cores
/// Memory a [`FakeProbe::with_gpus`] inventory reports.
const FAKE_MEMORY_MIB: u64 = 256 * 1024; // MiB

impl FakeProbe {
    /// A probe returning `inventory`.
    pub fn new(inventory: Inventory) -> FakeProbe {
        FakeProbe { inventory }
    }

    /// A probe returning `gpus` on a 32-core, 256 GiB host with driver 550.54.15 and CUDA 12.4.
    pub fn with_gpus(gpus: Vec<GpuInfo>) -> FakeProbe {
        let cpu_only = gpus.is_empty();
        FakeProbe::new(Inventory {
            gpus,
            cpu_cores: FAKE_CPU_CORES,
            memory_mib: FAKE_MEMORY_MIB,
            cpu_only,
            driver_version: Some("550.54.15".to_owned()),
            cuda_version: Some("12.4".to_owned()),
            gpu_stack_error: None,
        })
    }
}

impl GpuProbe for FakeProbe {
    fn probe(&self) -> Result<Inventory, ProbeError> {
        Ok(self.inventory.clone())
    }
}
