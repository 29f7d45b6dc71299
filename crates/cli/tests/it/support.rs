//! What the binary's end-to-end tests share: a funded devnet, running `rigshare`, and laying
//! out a small job.

use std::path::{Path, PathBuf};
use std::process::Command;

use rigshare_market::{Genesis, Params};
use rigshare_node::{Devnet, DevnetConfig};
use rigshare_types::{Amount, Keypair};

/// A one-validator devnet under `dir/chain` whose genesis gives each of `funded` 1,000 units.
pub async fn devnet(dir: &Path, params: Params, funded: &[&Keypair]) -> Devnet {
    let balances = funded.iter().map(|k| (k.public(), Amount::units(1_000))).collect();
    let genesis = Genesis { params, balances, time_ms: 0 };
    Devnet::start(DevnetConfig::single(dir.join("chain"), genesis, 9)).await.unwrap()
}

/// Runs the binary with a clean environment; (success, stdout, stderr).
pub async fn rigshare(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let output = Command::new(env!("CARGO_BIN_EXE_rigshare"))
            .args(&args)
            .env_remove("RIGSHARE_NODE")
            .env_remove("RIGSHARE_KEY")
            .env_remove("RIGSHARE_CONFIG")
            .env_remove("RIGSHARE_NETWORK_KEY")
            .env("HOME", std::env::temp_dir())
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (output.status.success(), text(&output.stdout), text(&output.stderr))
    })
    .await
    .unwrap()
}

pub fn s(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

/// Writes `manifest` as `dir/job.toml` next to an empty wasm job and its `in.txt` input, and
/// the key of seed `[1; 32]` as `dir/key`; returns (manifest, key file).
pub fn write_job(dir: &Path, manifest: &str) -> (PathBuf, PathBuf) {
    std::fs::write(
        dir.join("job.wasm"),
        wat::parse_str("(module (func (export \"_start\")))").unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("in.txt"), b"hello").unwrap();
    std::fs::write(dir.join("job.toml"), manifest).unwrap();
    let key_file = dir.join("key");
    std::fs::write(&key_file, hex::encode([1u8; 32])).unwrap();
    (dir.join("job.toml"), key_file)
}
