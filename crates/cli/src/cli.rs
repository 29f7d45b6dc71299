//! Command-line structure: one subcommand per concern.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::node::NodeArgs;

/// rigshare: an open market for GPU compute.
#[derive(Debug, Parser)]
#[command(name = "rigshare", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run validators of a local network with their HTTP APIs (one validator by default).
    Node(NodeArgs),
}

impl Cli {
    /// Runs the chosen command; prints a one-line error and exits non-zero on failure.
    pub fn run(self) -> ExitCode {
        init_tracing();
        let result = match self.command {
            Command::Node(args) => crate::node::run(args),
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

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIGSHARE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(true).try_init();
}
