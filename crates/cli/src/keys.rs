//! `rigshare keys new|show`.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;
use rigshare_types::Keypair;

use crate::settings::{Global, write_key};

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a new key file (never overwrites one).
    New {
        /// Where to write it (default: --key, or ~/.rigshare/key).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the account (public key) of the key file.
    Show,
}

/// Runs a key command.
pub fn run(command: KeysCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        KeysCommand::New { out } => {
            let path = match out {
                Some(path) => path,
                None => global.key_path()?,
            };
            if path.exists() {
                bail!("{} exists; refusing to overwrite a key", path.display());
            }
            let key = Keypair::generate();
            write_key(&path, &key)?;
            println!("{}", key.public());
            eprintln!("key written to {}", path.display());
        }
        KeysCommand::Show => println!("{}", global.keypair()?.public()),
    }
    Ok(())
}
