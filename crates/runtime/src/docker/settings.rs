//! The settings a Docker runtime runs jobs under, and the digest that names them.
//!
//! The digest names the engine and the sandbox, so a receipt says what a job ran in. Unlike the
//! wasm runtime's, it makes **no determinism claim**: a container sees real clocks, real
//! randomness, the host's CPU and GPU, and threads scheduled as they come, so two runs of one job
//! may differ. A verifier that needs identical results must not accept a `docker` receipt as a
//! replica of another.

use rigshare_types::Hash32;

use super::container::{CAP_DROP, NO_NEW_PRIVILEGES};
use super::options::{DockerOptions, GpuRequest};
use super::{INPUTS_GUEST_PATH, OUTPUTS_GUEST_PATH, TMP_GUEST_PATH};

/// Key-derivation context of the runtime digest.
const DIGEST_CONTEXT: &str = "rigshare/runtime/docker/v1";

/// The engine a runtime talks to, as it reported itself when the runtime connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineInfo {
    /// The engine's version (`20.10.24+dfsg1`).
    pub version: String,
    /// The API version the client and engine agreed on (`1.41`).
    pub api_version: String,
}

/// The human-readable list of the engine and every sandbox setting, one `key=value` per line.
pub(crate) fn runtime_settings(engine: &EngineInfo, options: &DockerOptions) -> String {
    let gpus = match &options.gpus {
        GpuRequest::None => "none".to_owned(),
        GpuRequest::Count(n) => format!("any {n}"),
        GpuRequest::Devices(ids) if ids.is_empty() => "none".to_owned(),
        GpuRequest::Devices(ids) => format!("{} by id", ids.len()),
    };
    let lines = [
        format!("engine=docker {}", engine.version),
        format!("api={}", engine.api_version),
        format!("client=bollard {}", super::BOLLARD_VERSION),
        format!("arch={}", std::env::consts::ARCH),
        "determinism=none".to_owned(),
        "privileged=false".to_owned(),
        format!("cap_drop={CAP_DROP}"),
        format!("security_opt={NO_NEW_PRIVILEGES}"),
        "readonly_rootfs=true".to_owned(),
        format!("user={}", options.user),
        format!("network={}", if options.network { "bridge" } else { "none" }),
        format!("nano_cpus={}", options.nano_cpus),
        format!("pids_limit={}", options.pids_limit),
        "memory=limit, swap=none".to_owned(),
        format!("tmpfs.{TMP_GUEST_PATH}={}", options.tmp_bytes),
        format!("mount.{INPUTS_GUEST_PATH}=copy, read-only"),
        format!("mount.{OUTPUTS_GUEST_PATH}=read-write, copied out"),
        format!("gpus={gpus}"),
        "log_driver=none (attached)".to_owned(),
        "stdin=closed".to_owned(),
        "argv=[image entrypoint..., args...]".to_owned(),
        "env=[RIGSHARE_SEED=hex(seed), env...] sorted by name".to_owned(),
    ];
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// BLAKE3 (key-derivation mode, context `rigshare/runtime/docker/v1`) of [`runtime_settings`].
pub(crate) fn runtime_digest(engine: &EngineInfo, options: &DockerOptions) -> Hash32 {
    let mut hasher = blake3::Hasher::new_derive_key(DIGEST_CONTEXT);
    hasher.update(runtime_settings(engine, options).as_bytes());
    Hash32(*hasher.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> EngineInfo {
        EngineInfo { version: "20.10.24".to_owned(), api_version: "1.41".to_owned() }
    }

    #[test]
    fn digest_names_engine_and_settings() {
        let options = DockerOptions::default();
        assert_eq!(runtime_digest(&engine(), &options), runtime_digest(&engine(), &options));
        let newer = EngineInfo { version: "28.2.2".to_owned(), ..engine() };
        assert_ne!(runtime_digest(&engine(), &options), runtime_digest(&newer, &options));
        let networked = DockerOptions { network: true, ..DockerOptions::default() };
        assert_ne!(runtime_digest(&engine(), &options), runtime_digest(&engine(), &networked));
        assert!(runtime_settings(&engine(), &options).contains("determinism=none"));
    }

    #[test]
    fn digest_names_the_locked_bollard() {
        let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
        let lock = std::fs::read_to_string(lock_path).unwrap();
        let expected =
            format!("name = \"bollard\"\nversion = \"{}\"\n", super::super::BOLLARD_VERSION);
        assert!(
            lock.contains(&expected),
            "Cargo.lock's bollard is not {}",
            super::super::BOLLARD_VERSION
        );
    }
}
