//! The engine's settings and the digest that names them.
//!
//! Every setting here that can change what a job computes is listed in [`runtime_settings`], whose
//! BLAKE3 is the [`runtime_digest`] that receipts carry. Change a setting, change the text.

use rigshare_types::Hash32;
use wasmtime::{Config, OptLevel, WasmFeatures};

/// The wasmtime version this crate pins in the workspace `Cargo.toml` (`=48.0.8`).
pub const WASMTIME_VERSION: &str = "48.0.8";
/// Most native stack a job's wasm may use before it traps with a stack overflow.
pub const MAX_WASM_STACK: usize = 1 << 20; // bytes
/// Most elements in one table of a job.
pub const MAX_TABLE_ELEMENTS: usize = 1 << 20; // elements
/// Most tables in a job.
pub const MAX_TABLES: usize = 16; // tables
/// Step of the job's monotonic clock: each reading is this much later than the one before.
pub const MONOTONIC_STEP_NS: u64 = 1_000; // nanoseconds
/// Key-derivation context of the runtime digest.
const DIGEST_CONTEXT: &str = "rigshare/runtime/wasm/v1";

/// Features that are off because they make results depend on the host, or on timing.
const DISABLED_FEATURES: WasmFeatures = WasmFeatures::THREADS
    .union(WasmFeatures::SHARED_EVERYTHING_THREADS)
    .union(WasmFeatures::RELAXED_SIMD)
    .union(WasmFeatures::MULTI_MEMORY);

/// The engine configuration every job runs under.
pub(crate) fn engine_config() -> Config {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .epoch_interruption(true)
        .cranelift_nan_canonicalization(true)
        .cranelift_opt_level(OptLevel::Speed)
        .relaxed_simd_deterministic(true)
        .wasm_features(DISABLED_FEATURES, false)
        .max_wasm_stack(MAX_WASM_STACK);
    config
}

/// The human-readable list of everything that determines a job's results, one `key=value` per
/// line.
pub fn runtime_settings() -> String {
    let lines = [
        format!("engine=wasmtime {WASMTIME_VERSION}"),
        format!("wasi=wasmtime-wasi {WASMTIME_VERSION} preview1"),
        format!("arch={}", std::env::consts::ARCH),
        "compiler=cranelift".to_owned(),
        "nan_canonicalization=on".to_owned(),
        "features.threads=off".to_owned(),
        "features.shared_everything_threads=off".to_owned(),
        "features.relaxed_simd=off".to_owned(),
        "features.multi_memory=off".to_owned(),
        "fuel=on".to_owned(),
        format!("max_wasm_stack={MAX_WASM_STACK}"),
        format!("max_table_elements={MAX_TABLE_ELEMENTS}"),
        format!("max_tables={MAX_TABLES}"),
        "memory.refused_growth=returns -1".to_owned(),
        "clock.wall=fixed 1970-01-01T00:00:00Z".to_owned(),
        format!("clock.monotonic=starts 0, +{MONOTONIC_STEP_NS}ns per reading"),
        "random=blake3-xof keyed by the job seed".to_owned(),
        "stdin=empty".to_owned(),
        "argv=[name, args...]".to_owned(),
        "env=sorted by name".to_owned(),
        "preopen.3=/inputs read-only".to_owned(),
        "preopen.4=/outputs read-write".to_owned(),
        "network=none".to_owned(),
    ];
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// BLAKE3 (key-derivation mode, context `rigshare/runtime/wasm/v1`) of [`runtime_settings`].
pub fn runtime_digest() -> Hash32 {
    let mut hasher = blake3::Hasher::new_derive_key(DIGEST_CONTEXT);
    hasher.update(runtime_settings().as_bytes());
    Hash32(*hasher.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_names_the_locked_wasmtime() {
        let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
        let lock = std::fs::read_to_string(lock_path).unwrap();
        let expected = format!("name = \"wasmtime\"\nversion = \"{WASMTIME_VERSION}\"\n");
        assert!(lock.contains(&expected), "Cargo.lock's wasmtime is not {WASMTIME_VERSION}");
        assert!(runtime_settings().contains(WASMTIME_VERSION));
    }

    #[test]
    fn digest_is_stable() {
        assert_eq!(runtime_digest(), runtime_digest());
        assert_ne!(runtime_digest(), Hash32::ZERO);
    }
}
