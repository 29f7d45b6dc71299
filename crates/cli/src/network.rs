//! A local network's identity, kept in `<data-dir>/network.toml` so that a restart rejoins the
//! same chain: the chain id, the seed the committee's keys are dealt from, the genesis time and
//! balances, and the faucet account.
//!
//! Keys: a devnet deals its validators' ed25519 identities and BLS12-381 threshold shares from
//! `key_seed` with a trusted dealer (see `rigshare_chain::keys`). Anyone holding this file holds
//! every validator's keys, which is what a local network on one machine wants and what a public
//! network must never do (it would run a DKG).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use rand_core::{OsRng, RngCore as _};
use rigshare_market::{Genesis, Params};
use rigshare_types::{Amount, Keypair};
use serde::{Deserialize, Serialize};

/// Money the faucet starts with, in whole units.
const FAUCET_UNITS: u64 = 1_000_000_000;

/// The persisted description of a local network.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkFile {
    /// The market's chain id.
    pub chain_id: String,
    /// Seed of the dealt committee keys.
    pub key_seed: u64,
    /// Validators in the committee.
    pub validators: u32,
    /// Genesis timestamp, in ms since the Unix epoch.
    pub genesis_time_ms: u64,
    /// The faucet's secret seed, hex (it holds the genesis supply).
    pub faucet_seed: String,
}

impl NetworkFile {
    /// Loads the network in `dir`, or creates a new one there.
    pub fn load_or_create(
        dir: &Path,
        validators: u32,
        chain_id: &str,
    ) -> anyhow::Result<NetworkFile> {
        let path = dir.join("network.toml");
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let file: NetworkFile =
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
            if file.validators != validators {
                bail!(
                    "{} holds a network of {} validators; pass --validators {} or use another --data-dir",
                    dir.display(),
                    file.validators,
                    file.validators
                );
            }
            return Ok(file);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let file = NetworkFile {
            chain_id: chain_id.to_string(),
            key_seed: OsRng.next_u64(),
            validators,
            genesis_time_ms: now,
            faucet_seed: hex::encode(Keypair::generate().seed()),
        };
        std::fs::write(&path, toml::to_string_pretty(&file)?)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(file)
    }

    /// The faucet's key.
    pub fn faucet(&self) -> anyhow::Result<Keypair> {
        let mut seed = [0u8; 32];
        hex::decode_to_slice(&self.faucet_seed, &mut seed)
            .context("faucet_seed is not 32 bytes of hex")?;
        Ok(Keypair::from_seed(seed))
    }

    /// The market genesis this network starts from.
    pub fn genesis(&self) -> anyhow::Result<Genesis> {
        Ok(Genesis {
            params: Params { chain_id: self.chain_id.clone(), ..Params::default() },
            balances: vec![(self.faucet()?.public(), Amount::units(FAUCET_UNITS))],
            time_ms: self.genesis_time_ms,
        })
    }

    /// Where validator data lives.
    pub fn chain_dir(dir: &Path) -> PathBuf {
        dir.join("chain")
    }
}
