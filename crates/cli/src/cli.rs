//! Command-line structure: one subcommand per concern.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::account::AccountCommand;
use crate::devnet::DevnetArgs;
use crate::job::JobCommand;
use crate::keys::KeysCommand;
use crate::node::NodeArgs;
use crate::offers::SearchArgs;
use crate::provider::ProviderCommand;
use crate::receipt::ReceiptCommand;
use crate::settings::Global;

/// rigshare: an open market for GPU compute.
#[derive(Debug, Parser)]
#[command(name = "rigshare", version, about)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole market on this machine: a network, three providers, a real AI job, verified and paid.
    Demo {
        /// Where the demo keeps its data (emptied first).
        #[arg(long, default_value = "rigshare-demo")]
        data_dir: PathBuf,
    },
    /// Validators, provider agents and a faucet in one command.
    Devnet(DevnetArgs),
    /// Run validators of a local network with their HTTP APIs (one validator by default).
    Node(NodeArgs),
    /// The provider agent.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Balances and transfers.
    #[command(subcommand)]
    Account(AccountCommand),
    /// What is on offer.
    #[command(subcommand)]
    Offers(OffersCommand),
    /// Jobs: submit, follow, fetch, cancel, run locally.
    #[command(subcommand)]
    Job(JobCommand),
    /// Receipts.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
}

#[derive(Debug, Subcommand)]
enum OffersCommand {
    /// Search offers with the query language.
    Search(SearchArgs),
}

impl Cli {
    /// Runs the chosen command; prints a one-line error (and a hint) and exits non-zero on failure.
    pub fn run(self) -> ExitCode {
        init_tracing();
        let global = self.global;
        let result = match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(dispatch(self.command, &global)),
            Err(e) => Err(anyhow::Error::new(e).context("starting the async runtime")),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        }
    }
}

async fn dispatch(command: Command, global: &Global) -> anyhow::Result<()> {
    match command {
        Command::Demo { data_dir } => crate::demo::run_cli(data_dir).await,
        Command::Devnet(args) => crate::devnet::run(args).await,
        Command::Node(args) => crate::node::run(args).await,
        Command::Provider(command) => crate::provider::run(command).await,
        Command::Keys(command) => crate::keys::run(command, global),
        Command::Account(command) => crate::account::run(command, global).await,
        Command::Offers(OffersCommand::Search(args)) => crate::offers::search(args, global).await,
        Command::Job(command) => crate::job::run(command, global).await,
        Command::Receipt(command) => crate::receipt::run(command, global).await,
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIGSHARE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_writer(std::io::stderr)
        .try_init();
}
