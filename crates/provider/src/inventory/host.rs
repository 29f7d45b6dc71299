//! CPU cores and memory of the host.

use super::ProbeError;

/// Where Linux reports installed memory.
const MEMINFO_PATH: &str = "/proc/meminfo";
/// KiB in one MiB.
const KIB_PER_MIB: u64 = 1024;

/// CPU cores this process may use (respects affinity masks and cgroup quotas); 1 if unknown.
pub fn host_cpu_cores() -> u32 {
    std::thread::available_parallelism()
        .map(|n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .unwrap_or(1)
}

/// Installed memory in MiB, from `/proc/meminfo`'s `MemTotal`.
pub fn host_memory_mib() -> Result<u64, ProbeError> {
    let text = std::fs::read_to_string(MEMINFO_PATH)
        .map_err(|e| ProbeError::HostMemory { source_path: MEMINFO_PATH, reason: e.to_string() })?;
    parse_mem_total_mib(&text).ok_or_else(|| ProbeError::HostMemory {
        source_path: MEMINFO_PATH,
        reason: "no MemTotal line in kB".to_owned(),
    })
}

/// `MemTotal:   16318412 kB` → 15935.
fn parse_mem_total_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find_map(|line| line.strip_prefix("MemTotal:"))?;
    let kib = line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
    Some(kib / KIB_PER_MIB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_meminfo() {
        let text = "MemTotal:       16318412 kB\nMemFree:         1234 kB\n";
        assert_eq!(parse_mem_total_mib(text), Some(15_935));
        assert_eq!(parse_mem_total_mib("MemFree: 1 kB\n"), None);
        assert_eq!(parse_mem_total_mib("MemTotal: lots\n"), None);
    }

    #[test]
    fn reads_this_host() {
        assert!(host_memory_mib().unwrap() > 0);
        assert!(host_cpu_cores() >= 1);
    }
}
