//! The `rigshare` binary.

use std::process::ExitCode;

use clap::Parser as _;

mod cli;
mod network;
mod node;

fn main() -> ExitCode {
    cli::Cli::parse().run()
}
