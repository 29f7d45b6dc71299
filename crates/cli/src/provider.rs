//! `rigshare provider run --config provider.toml`: the provider agent on this host.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use rigshare_provider::NvmlProbe;
use rigshare_provider::agent::Agent;
use rigshare_provider::agent::config::ProviderConfig;
use rigshare_types::Keypair;

use crate::settings::{read_key, write_key};

/// Provider commands.
#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Run the agent: register, publish the GPUs NVML finds, bid, run jobs, submit receipts.
    Run {
        /// The agent's config file.
        #[arg(long, default_value = "provider.toml")]
        config: PathBuf,
    },
}

/// Runs a provider command until Ctrl-C.
pub async fn run(command: ProviderCommand) -> anyhow::Result<()> {
    let ProviderCommand::Run { config } = command;
    let config = ProviderConfig::load(&config)?;
    let key_path = config.data_dir.join("provider.key");
    let key = if key_path.exists() {
        read_key(&key_path).with_context(|| format!("reading {}", key_path.display()))?
    } else {
        let key = Keypair::generate();
        write_key(&key_path, &key)?;
        eprintln!("new provider key in {}", key_path.display());
        key
    };
    let account = key.public();
    let agent = Agent::start(config, key, &NvmlProbe::new()).await.with_context(|| {
        format!("starting the agent for provider {account}\nhint: the account needs funds for its stake and fees (`rigshare account fund {account}`)")
    })?;
    println!("provider  {}", agent.id());
    println!("endpoint  {}", agent.endpoint());
    println!("running; Ctrl-C stops (leases in progress resume at the next start)");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    agent.shutdown().await;
    Ok(())
}
