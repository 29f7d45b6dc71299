//! `rigshare devnet`: validators, provider agents and a faucet in one command, all data under
//! one directory; Ctrl-C stops everything cleanly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use rigshare_client::{Client, Wallet};
use rigshare_node::{ApiConfig, Devnet, DevnetConfig};
use rigshare_types::tx::TxBody;
use rigshare_types::{Amount, Keypair};

use crate::network::NetworkFile;
use crate::settings::{read_key, write_key};

/// Options of `rigshare devnet`.
#[derive(Debug, Args)]
pub struct DevnetArgs {
    /// Validators on loopback.
    #[arg(long, default_value_t = 1)]
    validators: u32,
    /// Provider agents with simulated GPUs (0 to 3).
    #[arg(long, default_value_t = 3)]
    providers: usize,
    /// Where all data lives.
    #[arg(long, env = "RIGSHARE_DATA_DIR", default_value = "rigshare-data")]
    data_dir: PathBuf,
    /// HTTP API of validator 0 (the others take the following ports).
    #[arg(long, default_value = "127.0.0.1:8545")]
    http: SocketAddr,
}

/// Runs the devnet until Ctrl-C.
pub async fn run(args: DevnetArgs) -> anyhow::Result<()> {
    let network = NetworkFile::load_or_create(&args.data_dir, args.validators, "rigshare-devnet")?;
    let faucet = network.faucet()?;
    let faucet_path = args.data_dir.join("faucet.key");
    if !faucet_path.exists() {
        write_key(&faucet_path, &faucet)?;
    }
    let devnet = Devnet::start(DevnetConfig {
        validators: network.validators,
        dir: NetworkFile::chain_dir(&args.data_dir),
        genesis: network.genesis()?,
        key_seed: network.key_seed,
        http: args.http,
        p2p_port: 0,
        api: ApiConfig::default(),
    })
    .await?;
    println!("node API     {}", devnet.urls().join(" "));
    println!("faucet key   {}  (rigshare account fund --faucet-key …)", faucet_path.display());
    let mut keys = Vec::new();
    for name in crate::demo::provider_names().take(args.providers) {
        let path = args.data_dir.join("providers").join(name).join("provider.key");
        let key = if path.exists() {
            read_key(&path)?
        } else {
            let key = Keypair::generate();
            write_key(&path, &key)?;
            key
        };
        keys.push(key);
    }
    let result = serve(&devnet, &faucet, &keys, &args).await;
    devnet.shutdown().await;
    result
}

async fn serve(
    devnet: &Devnet,
    faucet: &Keypair,
    keys: &[Keypair],
    args: &DevnetArgs,
) -> anyhow::Result<()> {
    let client = Client::new(devnet.url())?;
    let wallet = Wallet::connect(client.clone(), faucet.clone()).await?;
    for key in keys {
        let funded =
            client.account(&key.public()).await.map(|a| a.account.balance).unwrap_or(Amount::ZERO);
        if funded < Amount::units(500) {
            wallet
                .send_and_wait(
                    TxBody::Transfer { to: key.public(), amount: Amount::units(1_000) },
                    Duration::from_secs(60),
                )
                .await
                .context("funding a provider")?;
        }
    }
    let agents = crate::demo::start_providers(
        devnet.url(),
        &args.data_dir.join("providers"),
        keys,
        |line| println!("{line}"),
    )
    .await?;
    println!("running; Ctrl-C stops");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    println!("stopping");
    for agent in agents {
        agent.shutdown().await;
    }
    Ok(())
}
