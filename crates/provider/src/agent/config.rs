//! The agent's configuration file (`provider.toml`).
//!
//! ```toml
//! node = "http://127.0.0.1:8545"      # the validator's API
//! data_dir = "./provider-data"         # key, lease database, blobs, job directories
//! listen = "0.0.0.0:7070"              # the artifact endpoint binds here
//! endpoint = "http://203.0.113.7:7070" # …and is published as this (default: http://<listen>)
//! stake = "100"                        # locked on registration
//! fee = "0.0001"                       # offered by each transaction (the network's minimum or more)
//!
//! [pricing]
//! default_gpu_hour = "0.35"            # floor for any model without its own line
//! [pricing.models]
//! H100 = "1.10"
//! A100 = "0.70"
//!
//! [bidding]
//! max_concurrent_leases = 4
//! min_duration_secs = 60               # skip orders shorter than this
//!
//! [gpus]
//! allow = ["0", "GPU-5f1c…"]           # default: every GPU NVML reports
//!
//! [hardware]
//! check = true                         # ask for a hardware challenge of each group (tier
//! claimed_tops = 600                   #   `challenged`), claiming this INT8 throughput
//! ```
//!
//! `docker = true` (top level) also runs Docker jobs, hardened, with the lease's GPUs.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rigshare_types::Amount;
use serde::Deserialize;

use crate::inventory::{GpuAllowList, GpuSelector, OfferConfig};

/// Largest config file read.
const MAX_CONFIG_BYTES: u64 = 1 << 20; // bytes

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The node's API base URL.
    pub node: String,
    /// Where the agent keeps its key and state.
    pub data_dir: PathBuf,
    /// Address the artifact endpoint binds.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// URL published on chain for requestors (default `http://<listen>`).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Stake locked when registering.
    #[serde(default = "default_stake")]
    pub stake: Amount,
    /// Fee offered by every transaction the agent sends (at least the network's minimum).
    #[serde(default = "default_fee")]
    pub fee: Amount,
    /// Free-form labels published with the registration (region, operator, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Prices.
    pub pricing: Pricing,
    /// What to bid on.
    #[serde(default)]
    pub bidding: Bidding,
    /// Which GPUs to sell.
    #[serde(default)]
    pub gpus: Gpus,
    /// Whether to run `docker` jobs through the local engine (wasm jobs always run).
    #[serde(default)]
    pub docker: bool,
    /// Hardware challenges.
    #[serde(default)]
    pub hardware: Hardware,
    /// How the agent behaves; not settable from the file. Anything but
    /// [`Behaviour::Honest`] exists to test that the market catches it.
    #[serde(skip)]
    pub behaviour: Behaviour,
}

/// How an agent reports results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Behaviour {
    /// Reports the output root its job produced.
    #[default]
    Honest,
    /// An adversary: runs the job but reports a made-up output root (audits and replicas
    /// catch it, and it is slashed).
    ForgeResults,
}

/// Price floors per GPU-hour.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Floor of any model without its own entry.
    pub default_gpu_hour: Amount,
    /// Floors by model label (`H100`).
    #[serde(default)]
    pub models: BTreeMap<String, Amount>,
}

/// Bidding limits.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bidding {
    /// Most leases pending or running at once (bids count too).
    #[serde(default = "default_max_leases")]
    pub max_concurrent_leases: u32,
    /// Orders whose maximum duration is shorter are skipped.
    #[serde(default)]
    pub min_duration_secs: u64,
}

impl Default for Bidding {
    fn default() -> Self {
        Bidding { max_concurrent_leases: default_max_leases(), min_duration_secs: 0 }
    }
}

/// Hardware challenges (the `challenged` evidence tier).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    /// Ask for a challenge of every group still `self-reported`, one after the other.
    #[serde(default)]
    pub check: bool,
    /// The INT8 throughput claimed, in tera-operations per second; a challenge fails when the
    /// checker measures less.
    #[serde(default)]
    pub claimed_tops: u64,
}

/// GPU selection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gpus {
    /// GPUs to sell, by index or UUID; absent = all.
    #[serde(default)]
    pub allow: Option<Vec<String>>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 7070))
}

fn default_stake() -> Amount {
    Amount::units(100)
}

fn default_fee() -> Amount {
    rigshare_client::DEFAULT_FEE
}

fn default_max_leases() -> u32 {
    4
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The TOML is invalid (the message names the line and the field).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl ProviderConfig {
    /// Reads and checks `path`; relative `data_dir`s are taken from the file's directory.
    pub fn load(path: &Path) -> Result<ProviderConfig, ConfigError> {
        let read = |reason: String| ConfigError::Read { path: path.to_owned(), reason };
        let meta = std::fs::metadata(path).map_err(|e| read(e.to_string()))?;
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(read(format!("larger than {MAX_CONFIG_BYTES} bytes")));
        }
        let text = std::fs::read_to_string(path).map_err(|e| read(e.to_string()))?;
        let mut config = ProviderConfig::parse(&text)
            .map_err(|message| ConfigError::Parse { path: path.to_owned(), message })?;
        if config.data_dir.is_relative()
            && let Some(dir) = path.parent()
        {
            config.data_dir = dir.join(&config.data_dir);
        }
        config
            .check()
            .map_err(|message| ConfigError::Invalid { path: path.to_owned(), message })?;
        Ok(config)
    }

    /// Parses TOML text.
    pub fn parse(text: &str) -> Result<ProviderConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())
    }

    /// Checks values the types cannot.
    pub fn check(&self) -> Result<(), String> {
        if !self.node.starts_with("http://") && !self.node.starts_with("https://") {
            return Err(format!("node {:?} must be an http:// or https:// URL", self.node));
        }
        if let Some(endpoint) = &self.endpoint
            && !endpoint.starts_with("http://")
            && !endpoint.starts_with("https://")
        {
            return Err(format!("endpoint {endpoint:?} must be an http:// or https:// URL"));
        }
        if self.pricing.default_gpu_hour.is_zero() {
            return Err("pricing.default_gpu_hour must be positive".into());
        }
        if let Some((model, _)) = self.pricing.models.iter().find(|(_, p)| p.is_zero()) {
            return Err(format!("pricing.models.{model} must be positive"));
        }
        if self.bidding.max_concurrent_leases == 0 {
            return Err("bidding.max_concurrent_leases must be at least 1".into());
        }
        self.offer_config()?;
        Ok(())
    }

    /// The published endpoint.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The offer settings derived from pricing and GPU selection.
    pub fn offer_config(&self) -> Result<OfferConfig, String> {
        let allow = match &self.gpus.allow {
            None => GpuAllowList::All,
            Some(list) => GpuAllowList::Only(
                list.iter().map(|s| s.parse::<GpuSelector>()).collect::<Result<_, _>>()?,
            ),
        };
        Ok(OfferConfig {
            allow,
            default_price_floor: self.pricing.default_gpu_hour,
            price_floors: self.pricing.models.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
        node = "http://127.0.0.1:8545"
        data_dir = "data"
        [pricing]
        default_gpu_hour = "0.35"
        [pricing.models]
        H100 = "1.10"
    "#;

    #[test]
    fn parses_with_defaults() -> Result<(), String> {
        let config = ProviderConfig::parse(EXAMPLE)?;
        config.check()?;
        assert_eq!(config.listen, default_listen());
        assert_eq!(config.endpoint(), "http://127.0.0.1:7070");
        assert_eq!(config.bidding.max_concurrent_leases, 4);
        assert_eq!(config.fee, rigshare_client::DEFAULT_FEE);
        let cheap = ProviderConfig::parse(&format!("fee = \"0.000001\"\n{EXAMPLE}"))?;
        assert_eq!(cheap.fee, Amount::micro(1));
        assert_eq!(config.pricing.models.get("H100"), Some(&"1.10".parse().map_err(|_| "amount")?));
        Ok(())
    }

    #[test]
    fn names_unknown_fields_and_bad_values() {
        let unknown =
            ProviderConfig::parse(&format!("foo = 1\n{EXAMPLE}")).err().unwrap_or_default();
        assert!(unknown.contains("unknown field") && unknown.contains("foo"), "{unknown}");
        let bad = EXAMPLE.replace("\"0.35\"", "\"cheap\"");
        let message = ProviderConfig::parse(&bad).err().unwrap_or_default();
        assert!(message.contains("default_gpu_hour") || message.contains("line"), "{message}");
        let zero = ProviderConfig::parse(&EXAMPLE.replace("0.35", "0")).map(|c| c.check());
        assert!(matches!(zero, Ok(Err(_))));
    }
}
