//! [`Devnet`]: a whole local network in this process — validators on loopback, each with its
//! HTTP API — for `rigshare devnet`, `rigshare demo`, end-to-end tests and benchmarks.

use std::net::SocketAddr;
use std::path::PathBuf;

use rigshare_chain::local::{LocalNetwork, LocalNetworkConfig};
use rigshare_chain::{Handle, Timing};
use rigshare_market::Genesis;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{Api, ApiConfig, serve};

/// What to start.
#[derive(Clone)]
pub struct DevnetConfig {
    /// Validators (1 is a one-share network).
    pub validators: u32,
    /// Root of every validator's data.
    pub dir: PathBuf,
    /// Market genesis.
    pub genesis: Genesis,
    /// Seed of the dealt committee keys.
    pub key_seed: u64,
    /// HTTP address of validator 0's API; the others take the following ports. Port 0 picks
    /// free ports.
    pub http: SocketAddr,
    /// First peer-to-peer port; 0 picks free ports.
    pub p2p_port: u16,
    /// API settings (the submission rate limit is usually off on a devnet).
    pub api: ApiConfig,
}

impl DevnetConfig {
    /// One validator under `dir`, its API on a free loopback port, no submission rate limit:
    /// what the demo, the end-to-end tests and the benchmarks run.
    pub fn single(dir: PathBuf, genesis: Genesis, key_seed: u64) -> DevnetConfig {
        DevnetConfig {
            validators: 1,
            dir,
            genesis,
            key_seed,
            http: SocketAddr::from(([127, 0, 0, 1], 0)),
            p2p_port: 0,
            api: ApiConfig { submit_rate: None, ..ApiConfig::default() },
        }
    }
}

/// Why a devnet did not start.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// A validator failed to start.
    #[error("starting validators: {0}")]
    Chain(String),
    /// An API could not bind.
    #[error("binding the HTTP API to {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running local network.
pub struct Devnet {
    network: Option<LocalNetwork>,
    urls: Vec<String>,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<std::io::Result<()>>>,
}

impl Devnet {
    /// Starts the validators and their APIs.
    pub async fn start(config: DevnetConfig) -> Result<Devnet, DevnetError> {
        let namespace = format!("rigshare/{}", config.genesis.params.chain_id).into_bytes();
        let network_config = LocalNetworkConfig {
            validators: config.validators,
            dir: config.dir.clone(),
            genesis: config.genesis.clone(),
            key_seed: config.key_seed,
            namespace,
            timing: Timing::default(),
            max_block_txs: 4_096,
            base_port: config.p2p_port,
        };
        let network = tokio::task::spawn_blocking(move || LocalNetwork::start(network_config))
            .await
            .map_err(|e| DevnetError::Chain(e.to_string()))?
            .map_err(|e| DevnetError::Chain(e.to_string()))?;
        let (stop, _) = watch::channel(false);
        let mut urls = Vec::new();
        let mut servers = Vec::new();
        for (i, chain) in network.running().into_iter().enumerate() {
            let port = if config.http.port() == 0 {
                0
            } else {
                config.http.port().saturating_add(i as u16)
            };
            let addr = SocketAddr::new(config.http.ip(), port);
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| DevnetError::Bind { addr, source })?;
            let bound =
                listener.local_addr().map_err(|source| DevnetError::Bind { addr, source })?;
            urls.push(format!("http://{bound}"));
            let mut stopped = stop.subscribe();
            let api = Api::new(chain, config.api.clone());
            servers.push(tokio::spawn(serve(listener, api, async move {
                let _ = stopped.wait_for(|s| *s).await.map(|_| ());
            })));
        }
        Ok(Devnet { network: Some(network), urls, stop, servers })
    }

    /// The API base URL of each validator.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// The API base URL of validator 0.
    pub fn url(&self) -> &str {
        self.urls.first().map_or("", String::as_str)
    }

    /// The chain handles of the running validators.
    pub fn handles(&self) -> Vec<Handle> {
        self.network.as_ref().map(LocalNetwork::running).unwrap_or_default()
    }

    /// Stops the APIs, then the validators.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for server in self.servers.drain(..) {
            let _ = server.await;
        }
        if let Some(mut network) = self.network.take() {
            let _ = tokio::task::spawn_blocking(move || network.shutdown()).await;
        }
    }
}
