//! `rigshare node`: validators of a local network, each with its HTTP API (the devnet starter
//! without providers or a faucet key file).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use rigshare_node::{ApiConfig, Devnet, DevnetConfig};

use crate::network::NetworkFile;

/// Options of `rigshare node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// Validators to run on loopback (a dealt threshold key; 1 is a one-share network).
    #[arg(long, default_value_t = 1)]
    validators: u32,
    /// Where all data lives (keys, blocks, consensus journals).
    #[arg(long, env = "RIGSHARE_DATA_DIR", default_value = "rigshare-data")]
    data_dir: PathBuf,
    /// HTTP API address of the first validator; the others take the following ports.
    #[arg(long, env = "RIGSHARE_HTTP", default_value = "127.0.0.1:8545")]
    http: SocketAddr,
    /// First peer-to-peer port; the others take the following ports.
    #[arg(long, default_value_t = 30_333)]
    p2p_port: u16,
    /// Chain id of a new network (ignored when the data dir already holds one).
    #[arg(long, default_value = "rigshare-devnet")]
    chain_id: String,
}

/// Runs the validators until Ctrl-C.
pub async fn run(args: NodeArgs) -> anyhow::Result<()> {
    let network = NetworkFile::load_or_create(&args.data_dir, args.validators, &args.chain_id)?;
    let devnet = Devnet::start(DevnetConfig {
        validators: network.validators,
        dir: NetworkFile::chain_dir(&args.data_dir),
        genesis: network.genesis()?,
        key_seed: network.key_seed,
        http: args.http,
        p2p_port: args.p2p_port,
        api: ApiConfig::default(),
    })
    .await
    .context("starting validators")?;
    if let Some(chain) = devnet.handles().first() {
        println!("chain id     {}", chain.info().chain_id);
        println!("network key  {}", hex::encode(&chain.info().network_key));
    }
    println!("faucet       {}", network.faucet()?.public());
    println!("data dir     {}", args.data_dir.display());
    for (i, url) in devnet.urls().iter().enumerate() {
        println!("validator {i}  {url}");
    }
    println!("running; Ctrl-C stops");
    let result = tokio::signal::ctrl_c().await.context("waiting for Ctrl-C");
    println!("stopping");
    devnet.shutdown().await;
    result
}
