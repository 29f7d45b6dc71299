//! `rigshare receipt show <lease>`.

use anyhow::Context as _;
use clap::Subcommand;
use rigshare_types::LeaseId;

use crate::settings::Global;

/// Receipt commands.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Show a lease's signed receipt, checked against the provider's key.
    Show {
        /// The lease id.
        lease: u64,
        /// Print JSON only.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a receipt command.
pub async fn run(command: ReceiptCommand, global: &Global) -> anyhow::Result<()> {
    let ReceiptCommand::Show { lease, json } = command;
    let client = global.client()?;
    let lease = LeaseId(lease);
    let info = client
        .receipt(lease)
        .await
        .with_context(|| format!("reading the receipt of lease {lease}"))?;
    let provider = client.lease(lease).await?.lease.provider;
    let signature = info.receipt.verify(&provider);
    if json {
        println!("{}", serde_json::to_string_pretty(&info.receipt)?);
    } else {
        let r = &info.receipt.receipt;
        println!("lease          {}", r.lease);
        println!("provider       {provider}");
        println!("manifest       {}", r.manifest_hash);
        println!("output root    {}", r.output_root);
        println!("exit code      {}", r.usage.exit_code);
        println!("wall time      {} ms ({} GPU-seconds)", r.usage.wall_ms, r.usage.gpu_seconds);
        println!("runtime        {}", r.runtime_digest);
        println!(
            "signature      {}",
            if signature.is_ok() { "valid (provider's key)" } else { "INVALID" }
        );
    }
    signature.context("the receipt's signature does not verify")?;
    Ok(())
}
