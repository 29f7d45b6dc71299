//! `rigshare receipt show | export | verify`.
//!
//! `export` writes a self-contained bundle (see [`rigshare_verify::bundle`]): the lease's
//! settlement, its signed receipt, a state proof and the certified block. `verify` checks such a
//! file offline, with nothing but the network key (`rigshare node` prints it; `GET /v1/status`
//! serves it).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use rigshare_types::verification::Settlement;
use rigshare_types::{LeaseId, StateKey, codec};
use rigshare_verify::bundle::{BUNDLE_FORMAT, MAX_BUNDLE_BYTES, ReceiptBundle, VerifiedReceipt};
use rigshare_verify::certificate::NetworkKey;

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
    /// Write a self-contained, offline-checkable proof of a lease's settlement (JSON).
    Export {
        /// The lease id.
        lease: u64,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Check an exported bundle offline against the network key.
    Verify {
        /// The bundle file (`-` for standard input).
        file: PathBuf,
        /// The network's public key, 192 hex characters.
        #[arg(long, env = "RIGSHARE_NETWORK_KEY")]
        network_key: String,
        /// Print the verified settlement as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a receipt command.
pub async fn run(command: ReceiptCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        ReceiptCommand::Show { lease, json } => show(LeaseId(lease), json, global).await,
        ReceiptCommand::Export { lease, out } => {
            let bundle = export(LeaseId(lease), global).await?;
            let text = bundle.to_json() + "\n";
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote the receipt bundle of lease {lease} to {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        ReceiptCommand::Verify { file, network_key, json } => {
            let verified = verify_file(&file, &network_key)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&verified.settlement)?);
            } else {
                print_verified(&verified);
            }
            Ok(())
        }
    }
}

async fn show(lease: LeaseId, json: bool, global: &Global) -> anyhow::Result<()> {
    let client = global.client()?;
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

/// Builds the bundle of `lease` from the node, and checks it before handing it out.
pub async fn export(lease: LeaseId, global: &Global) -> anyhow::Result<ReceiptBundle> {
    let client = global.client()?;
    let status = client.status().await.context("reading the network's key and namespace")?;
    let proof = client
        .proof(&StateKey::Settlement(lease))
        .await
        .with_context(|| format!("proving the settlement of lease {lease}"))?;
    let Some(value) = proof.value else {
        bail!(
            "lease {lease} has no settlement at certified height {} (it has no result yet, or \
             its order has not finished)",
            proof.height
        );
    };
    let settlement: Settlement = codec::decode(&value.0, 1024)
        .context("the node returned a settlement that does not decode")?;
    let receipt = client
        .receipt(lease)
        .await
        .with_context(|| format!("reading the receipt of lease {lease}"))?
        .receipt;
    let Some(finalization) = proof.certified_by.finalization else {
        bail!(
            "block {} certifies the state but its certificate is not available",
            proof.certified_by.height
        );
    };
    let bundle = ReceiptBundle {
        format: BUNDLE_FORMAT.to_string(),
        namespace: status.namespace.0,
        settlement,
        receipt,
        proof: proof.proof,
        header: proof.certified_by.header,
        finalization: finalization.0,
    };
    let key = NetworkKey::from_bytes(&status.network_key.0)
        .map_err(|e| anyhow::anyhow!("the node's network key: {e}"))?;
    bundle.verify(&key).context("the node's data does not verify; not exporting it")?;
    Ok(bundle)
}

/// Reads and checks a bundle file against a hex network key.
pub fn verify_file(file: &Path, network_key: &str) -> anyhow::Result<VerifiedReceipt> {
    let key_bytes =
        hex::decode(network_key.trim()).context("the network key must be hex (192 characters)")?;
    let key = NetworkKey::from_bytes(&key_bytes)
        .map_err(|e| anyhow::anyhow!("invalid network key: {e}"))?;
    let limit = 4 * MAX_BUNDLE_BYTES as u64;
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().take(limit).read_to_string(&mut text).context("reading standard input")?;
        text
    } else {
        let size =
            std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
        if size.len() > limit {
            bail!("{} is {} bytes: too large for a receipt bundle", file.display(), size.len());
        }
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let bundle = ReceiptBundle::from_json(&text)
        .map_err(|e| anyhow::anyhow!("the file is not a receipt bundle: {e}"))?;
    bundle.verify(&key).map_err(|e| anyhow::anyhow!("INVALID receipt bundle: {e}"))
}

fn print_verified(v: &VerifiedReceipt) {
    let s = &v.settlement;
    println!("VALID receipt bundle: finalized by the network (block {})", v.certified_at);
    println!("lease          {} (order {})", s.lease, s.order);
    println!("provider       {}", s.provider);
    println!("requestor      {}", s.requestor);
    println!("manifest       {}", s.manifest_hash);
    println!("output root    {}", s.output_root);
    println!("verdict        {}", verdict_text(v));
    println!("paid           {}", s.paid);
    if !s.refunded.is_zero() {
        println!("refunded       {} (the result was proven wrong)", s.refunded);
    }
    println!(
        "as of height   {}{}",
        v.height,
        if v.challengeable() {
            format!(" (open to challenge until height {})", s.challenge_until)
        } else {
            String::new()
        }
    );
}

fn verdict_text(v: &VerifiedReceipt) -> &'static str {
    use rigshare_types::verification::Verdict::*;
    match v.settlement.verdict {
        Unchecked => "unchecked (single result, not re-executed)",
        Replicated => "verified: every replica returned this root",
        Auditing => "audit under way",
        Audited => "verified: a beacon-chosen auditor re-executed it and agreed",
        Disputed => "disputed: arbitration under way",
        Upheld => "verified: arbiters re-executed it and upheld it",
        Overturned => "WRONG: arbiters proved it wrong; the provider was slashed",
        Contested => "contested: arbitration reached no majority",
    }
}
