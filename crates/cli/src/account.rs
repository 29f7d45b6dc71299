//! `rigshare account balance|fund|transfer`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use rigshare_client::Wallet;
use rigshare_types::tx::TxBody;
use rigshare_types::{Amount, PublicKey};

use crate::settings::{Global, read_key};

const TX_TIMEOUT: Duration = Duration::from_secs(60);

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Show an account's balance and nonce (default: your key's).
    Balance {
        /// The account (public key hex).
        account: Option<PublicKey>,
    },
    /// Send money from your account.
    Transfer {
        /// Recipient (public key hex).
        to: PublicKey,
        /// Amount, e.g. 12.5
        amount: Amount,
    },
    /// Fund an account from a devnet's faucet.
    Fund {
        /// The account to fund (default: your key's).
        account: Option<PublicKey>,
        /// Amount, e.g. 100
        #[arg(long, default_value = "100")]
        amount: Amount,
        /// The faucet's key file (written by `rigshare devnet`).
        #[arg(long, default_value = "rigshare-data/faucet.key")]
        faucet_key: PathBuf,
    },
}

/// Runs an account command.
pub async fn run(command: AccountCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        AccountCommand::Balance { account } => {
            let id = match account {
                Some(id) => id,
                None => global.keypair()?.public(),
            };
            let client = global.client()?;
            match client.account(&id).await {
                Ok(info) => println!(
                    "{id}\nbalance  {}\nnonce    {}",
                    info.account.balance, info.account.nonce
                ),
                Err(e) if e.status() == Some(404) => println!("{id}\nbalance  0 (never funded)"),
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot reach the node at {}", client.base_url())
                    });
                }
            }
        }
        AccountCommand::Transfer { to, amount } => {
            let wallet = global.wallet().await?;
            wallet.send_and_wait(TxBody::Transfer { to, amount }, TX_TIMEOUT).await?;
            println!("sent {amount} to {to}");
        }
        AccountCommand::Fund { account, amount, faucet_key } => {
            let to = match account {
                Some(id) => id,
                None => global.keypair()?.public(),
            };
            let faucet = read_key(&faucet_key).with_context(|| {
                format!("cannot read the faucet key {}\nhint: pass --faucet-key <devnet data dir>/faucet.key", faucet_key.display())
            })?;
            let client = global.client()?;
            let wallet = Wallet::connect(client, faucet).await.context("cannot reach the node")?;
            wallet.send_and_wait(TxBody::Transfer { to, amount }, TX_TIMEOUT).await?;
            println!("funded {to} with {amount}");
        }
    }
    Ok(())
}
