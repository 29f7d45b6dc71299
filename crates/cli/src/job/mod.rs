//! `rigshare job submit|status|logs|results|cancel|run-local`.

pub mod flow;
mod local;
mod watch;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rigshare_client::artifacts::ArtifactClient;
use rigshare_types::tx::TxBody;
use rigshare_types::{LeaseId, OrderId};

use crate::manifest::Job;
use crate::settings::Global;

pub use local::run_local;

/// Job commands.
#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Order a job: check the manifest, lock the deposit, upload inputs to the winners.
    Submit {
        /// The manifest (TOML).
        manifest: PathBuf,
        /// Wait for the results and download them.
        #[arg(long)]
        wait: bool,
        /// Where `--wait` puts the outputs (one directory per lease).
        #[arg(long, default_value = "rigshare-results")]
        out: PathBuf,
    },
    /// An order's status, bids and leases.
    Status {
        /// The order id.
        order: u64,
    },
    /// A lease's stdout and stderr, from its provider.
    Logs {
        /// The lease id.
        lease: u64,
    },
    /// Download an order's outputs, checked against the receipts.
    Results {
        /// The order id.
        order: u64,
        /// Where to put them (one directory per lease).
        #[arg(long, default_value = "rigshare-results")]
        out: PathBuf,
    },
    /// Cancel an order: unused escrow is refunded, running leases are paid for time used.
    Cancel {
        /// The order id.
        order: u64,
    },
    /// Run the job here, in the sandbox and limits a provider uses, without network or payment;
    /// prints the output root a provider would report.
    RunLocal {
        /// The manifest (TOML).
        manifest: PathBuf,
        /// Where to put the outputs.
        #[arg(long, default_value = "rigshare-local")]
        out: PathBuf,
    },
}

/// A spinner with a message and the time spent, ticking on its own.
pub fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Runs a job command.
pub async fn run(command: JobCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        JobCommand::Submit { manifest, wait, out } => submit(&manifest, wait, &out, global).await,
        JobCommand::Status { order } => status(OrderId(order), global).await,
        JobCommand::Logs { lease } => logs(LeaseId(lease), global).await,
        JobCommand::Results { order, out } => results(OrderId(order), &out, global).await,
        JobCommand::Cancel { order } => {
            let wallet = global.wallet().await?;
            wallet
                .send_and_wait(
                    TxBody::CancelOrder { order: OrderId(order) },
                    Duration::from_secs(60),
                )
                .await
                .with_context(|| format!("cancelling order {order}"))?;
            let info = wallet.client().order(OrderId(order)).await?;
            println!("order {order} cancelled; refunded {}", info.order.refunded);
            Ok(())
        }
        JobCommand::RunLocal { manifest, out } => {
            let job = Job::load(&manifest)?;
            let run = run_local(&job, &out).await?;
            println!("exit        {}", run.outcome.exit.code());
            println!("wall time   {} ms", run.outcome.wall_ms);
            println!("outputs     {}", out.display());
            println!("output root {}", run.output_root);
            if !run.outcome.exit.success() {
                bail!("the job exited {:?}", run.outcome.exit);
            }
            Ok(())
        }
    }
}

async fn submit(
    manifest: &std::path::Path,
    wait: bool,
    out: &std::path::Path,
    global: &Global,
) -> anyhow::Result<()> {
    let job = Job::load(manifest)?;
    let wallet = global.wallet().await?;
    let client = wallet.client().clone();
    let order = flow::place(&wallet, &job).await?;
    println!("order {order} placed: deposit {} locked", job.order.deposit);
    let bar = spinner();
    let won = match flow::await_leases(&client, order, &bar).await {
        Ok(won) => won,
        Err(e) => {
            bar.finish_and_clear();
            return Err(e);
        }
    };
    bar.finish_and_clear();
    for w in &won {
        println!(
            "lease {} on {} at {}/GPU-hour",
            w.lease.id, w.endpoint, w.lease.lease.price_gpu_hour
        );
    }
    let bar = spinner();
    let delivered = flow::deliver(wallet.key(), &won, &job, &bar).await;
    bar.finish_and_clear();
    delivered?;
    println!("inputs delivered; follow with `rigshare job status {order}`");
    if !wait {
        return Ok(());
    }
    let bar = spinner();
    let receipts = flow::await_receipts(&client, wallet.key(), &won, &bar, || {}).await;
    bar.finish_and_clear();
    let receipts = receipts?;
    let info = flow::await_order_end(&client, order).await?;
    println!("order {order}: {:?}", info.order.status);
    for (w, receipt) in won.iter().zip(&receipts) {
        let dir = out.join(w.lease.id.to_string());
        let bar = spinner();
        let listing = flow::download(wallet.key(), w, receipt, &dir, &bar).await;
        bar.finish_and_clear();
        let listing = listing?;
        println!(
            "lease {}: exit {}, {} file(s) in {} (root {} checked)",
            w.lease.id,
            receipt.receipt.usage.exit_code,
            listing.files.len(),
            dir.display(),
            listing.root
        );
    }
    Ok(())
}

async fn status(order: OrderId, global: &Global) -> anyhow::Result<()> {
    let client = global.client()?;
    let info = client.order(order).await.with_context(|| format!("reading order {order}"))?;
    let o = &info.order;
    println!("order {order}: {:?}", o.status);
    println!(
        "  query {}  gpus {}  replicas {}  max {}/GPU-hour",
        o.query, o.gpus, o.replicas, o.max_price_gpu_hour
    );
    println!("  deposit {}  escrow {}  refunded {}", o.deposit, o.escrow, o.refunded);
    for bid in &o.bids {
        println!("  bid {} from {}", bid.price_gpu_hour, bid.provider);
    }
    for lease in &info.leases {
        let l = &lease.lease;
        println!(
            "  lease {}: {:?}, provider {}, price {}, paid {}",
            lease.id, l.status, l.provider, l.price_gpu_hour, l.paid
        );
    }
    Ok(())
}

async fn logs(lease: LeaseId, global: &Global) -> anyhow::Result<()> {
    let client = global.client()?;
    let info = client.lease(lease).await.with_context(|| format!("reading lease {lease}"))?;
    let provider = client.provider(&info.lease.provider).await?;
    let artifacts = ArtifactClient::new(&provider.provider.endpoint, global.keypair()?)?;
    let logs = artifacts.logs(lease).await?;
    print!("{}", logs.stdout);
    eprint!("{}", logs.stderr);
    Ok(())
}

async fn results(order: OrderId, out: &std::path::Path, global: &Global) -> anyhow::Result<()> {
    let client = global.client()?;
    let key = global.keypair()?;
    let info = client.order(order).await.with_context(|| format!("reading order {order}"))?;
    if info.leases.is_empty() {
        bail!("order {order} has no leases ({:?})", info.order.status);
    }
    for lease in info.leases {
        let receipt = match client.receipt(lease.id).await {
            Ok(r) => r.receipt,
            Err(_) => {
                println!("lease {}: no result yet ({:?})", lease.id, lease.lease.status);
                continue;
            }
        };
        let provider = client.provider(&lease.lease.provider).await?;
        let won = flow::Won { lease: lease.clone(), endpoint: provider.provider.endpoint };
        let dir = out.join(lease.id.to_string());
        let bar = spinner();
        let listing = flow::download(&key, &won, &receipt, &dir, &bar).await;
        bar.finish_and_clear();
        let listing = listing?;
        println!(
            "lease {}: {} file(s) in {} (root {} checked)",
            lease.id,
            listing.files.len(),
            dir.display(),
            listing.root
        );
    }
    Ok(())
}
