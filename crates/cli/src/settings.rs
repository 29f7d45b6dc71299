//! Where the CLI's node URL and key come from: flags, then environment variables
//! (`RIGSHARE_NODE`, `RIGSHARE_KEY`), then the config file (`--config`, `RIGSHARE_CONFIG`, or
//! `~/.rigshare/config.toml`), then defaults.
//!
//! ```toml
//! node = "http://127.0.0.1:8545"
//! key = "/home/me/.rigshare/key"
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use rigshare_client::{Client, Wallet};
use rigshare_types::Keypair;
use serde::Deserialize;

/// Node used when nothing says otherwise.
pub const DEFAULT_NODE: &str = "http://127.0.0.1:8545";

/// Options every networked command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The node's API URL [env: RIGSHARE_NODE; default http://127.0.0.1:8545]
    #[arg(long, global = true, env = "RIGSHARE_NODE")]
    pub node: Option<String>,
    /// The key file (hex seed) [env: RIGSHARE_KEY; default ~/.rigshare/key]
    #[arg(long, global = true, env = "RIGSHARE_KEY")]
    pub key: Option<PathBuf>,
    /// The CLI config file [env: RIGSHARE_CONFIG; default ~/.rigshare/config.toml]
    #[arg(long, global = true, env = "RIGSHARE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    node: Option<String>,
    key: Option<PathBuf>,
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from).join(".rigshare")
}

impl Global {
    fn file(&self) -> anyhow::Result<ConfigFile> {
        let (path, explicit) = match &self.config {
            Some(path) => (path.clone(), true),
            None => (home().join("config.toml"), false),
        };
        if !path.exists() {
            if explicit {
                bail!("config file {} does not exist", path.display());
            }
            return Ok(ConfigFile::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The node URL.
    pub fn node_url(&self) -> anyhow::Result<String> {
        let url = match &self.node {
            Some(node) => node.clone(),
            None => self.file()?.node.unwrap_or_else(|| DEFAULT_NODE.to_owned()),
        };
        if !url.starts_with("http://") && !url.starts_with("https://") {
            bail!("--node {url:?} must be an http:// or https:// URL");
        }
        Ok(url)
    }

    /// A client of the node.
    pub fn client(&self) -> anyhow::Result<Client> {
        Ok(Client::new(&self.node_url()?)?)
    }

    /// The key file's path.
    pub fn key_path(&self) -> anyhow::Result<PathBuf> {
        Ok(match &self.key {
            Some(path) => path.clone(),
            None => self.file()?.key.unwrap_or_else(|| home().join("key")),
        })
    }

    /// The signing key.
    pub fn keypair(&self) -> anyhow::Result<Keypair> {
        let path = self.key_path()?;
        read_key(&path).with_context(|| {
            format!("no usable key at {}\nhint: `rigshare keys new` creates one", path.display())
        })
    }

    /// A wallet for the key on the node, which must answer.
    pub async fn wallet(&self) -> anyhow::Result<Wallet> {
        let client = self.client()?;
        let url = client.base_url().to_owned();
        Wallet::connect(client, self.keypair()?).await.with_context(|| {
            format!("cannot reach the node at {url}\nhint: start one with `rigshare devnet`, or pass --node")
        })
    }
}

/// Reads a key file: 64 hex characters (the ed25519 seed), surrounding whitespace ignored.
pub fn read_key(path: &Path) -> anyhow::Result<Keypair> {
    let text = std::fs::read_to_string(path)?;
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed)
        .context("the key file is not 64 hex characters")?;
    Ok(Keypair::from_seed(seed))
}

/// Writes a key file readable only by its owner.
pub fn write_key(path: &Path, key: &Keypair) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(key.seed())).as_bytes())?;
    Ok(())
}
