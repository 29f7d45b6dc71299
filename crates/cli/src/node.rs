//! `rigshare node`: validators of a local network, each with its HTTP API.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use rigshare_chain::Timing;
use rigshare_chain::local::{LocalNetwork, LocalNetworkConfig};
use rigshare_node::{Api, ApiConfig};

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
pub fn run(args: NodeArgs) -> anyhow::Result<()> {
    let network = NetworkFile::load_or_create(&args.data_dir, args.validators, &args.chain_id)?;
    let mut net = LocalNetwork::start(LocalNetworkConfig {
        validators: network.validators,
        dir: NetworkFile::chain_dir(&args.data_dir),
        genesis: network.genesis()?,
        key_seed: network.key_seed,
        namespace: format!("rigshare/{}", network.chain_id).into_bytes(),
        timing: Timing::default(),
        max_block_txs: 4_096,
        base_port: args.p2p_port,
    })
    .context("starting validators")?;

    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let result = runtime.block_on(async {
        let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
        let mut servers = Vec::new();
        for (i, chain) in net.running().into_iter().enumerate() {
            let addr = SocketAddr::new(args.http.ip(), args.http.port() + i as u16);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding the HTTP API to {addr}"))?;
            if i == 0 {
                println!("chain id     {}", chain.info().chain_id);
                println!("network key  {}", hex::encode(&chain.info().network_key));
                println!("faucet       {}", network.faucet()?.public());
                println!("data dir     {}", args.data_dir.display());
            }
            println!("validator {i}  http://{addr}");
            let mut stopped = stop.subscribe();
            let api = Api::new(chain, ApiConfig::default());
            servers.push(tokio::spawn(rigshare_node::serve(listener, api, async move {
                let _ = stopped.recv().await;
            })));
        }
        println!("running; Ctrl-C stops");
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        println!("stopping");
        let _ = stop.send(());
        for server in servers {
            let _ = server.await;
        }
        anyhow::Ok(())
    });
    net.shutdown();
    result
}
