//! The `rigshare` binary.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    rigshare_cli::cli::Cli::parse().run()
}
