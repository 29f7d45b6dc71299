//! `rigshare provider run --config provider.toml`: the provider agent on this host.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use clap::Subcommand;
use rigshare_provider::NvmlProbe;
use rigshare_provider::agent::config::ProviderConfig;
use rigshare_provider::agent::{Agent, AgentError};
use rigshare_types::{Amount, Keypair, PublicKey};

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
    let ProviderCommand::Run { config: config_path } = command;
    let config = ProviderConfig::load(&config_path)?;
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
    let stake = config.stake;
    let agent = match Agent::start(config, key, &NvmlProbe::new()).await {
        Ok(agent) => agent,
        Err(error) => {
            // The agent's message already holds its causes' (its `source` would repeat them).
            let message = format!("starting the agent for provider {account}: {error}");
            return Err(match start_hint(&error, account, stake, &config_path) {
                Some(hint) => anyhow!("{message}\nhint: {hint}"),
                None => anyhow!("{message}"),
            });
        }
    };
    println!("provider  {}", agent.id());
    println!("endpoint  {}", agent.endpoint());
    println!("running; Ctrl-C stops (leases in progress resume at the next start)");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    agent.shutdown().await;
    Ok(())
}

/// What to do about an agent that did not start, for the causes a user can fix: matched on the
/// node's stable error code of the registration (or inventory) transaction, never its wording.
fn start_hint(
    error: &AgentError,
    account: PublicKey,
    stake: Amount,
    config: &Path,
) -> Option<String> {
    let AgentError::Register(error) = error else { return None };
    match error.code()? {
        // The fee cannot be paid, the account never received funds, or the stake is more than
        // the balance.
        "insufficient_funds" | "unknown_account" => Some(format!(
            "the account needs funds for its stake ({stake}) and fees (`rigshare account fund \
             {account}` on a devnet)"
        )),
        "insufficient_stake" => Some(format!(
            "raise `stake` in {} to at least the network's minimum provider stake (named above)",
            config.display()
        )),
        _ => None,
    }
}
