//! The requestor's side of a job, step by step: check, order, auction, deliver inputs, wait for
//! receipts, fetch and check outputs. `rigshare job submit`, `rigshare demo` and the end-to-end
//! test all go through these functions; each step reports progress on an indicatif bar.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use indicatif::ProgressBar;
use rigshare_client::api::{Event, LeaseInfo, OrderInfo};
use rigshare_client::artifacts::api::OutputListing;
use rigshare_client::artifacts::{ArtifactClient, ArtifactError};
use rigshare_client::{Client, Wallet};
use rigshare_types::records::{LeaseStatus, OrderStatus};
use rigshare_types::tx::TxBody;
use rigshare_types::{Keypair, OrderId, SignedReceipt};

use super::watch::Watch;
use crate::manifest::Job;

/// How soon a provider is asked again whether it has taken a lease it won; doubled per try.
const TAKE_POLL: Duration = Duration::from_millis(25);
/// The longest pause between two such questions.
const TAKE_POLL_MAX: Duration = Duration::from_millis(400);
/// How long a provider may take to pick up a lease it won.
const TAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a transaction is waited for.
const TX_TIMEOUT: Duration = Duration::from_secs(60);

/// A lease won by a provider, with the provider's artifact endpoint.
#[derive(Clone, Debug)]
pub struct Won {
    /// The lease.
    pub lease: LeaseInfo,
    /// The provider's artifact endpoint.
    pub endpoint: String,
}

/// Checks that offers exist and funds suffice, then creates the order; returns its id.
pub async fn place(wallet: &Wallet, job: &Job) -> anyhow::Result<OrderId> {
    let client = wallet.client();
    let spec = &job.order;
    let query = format!(
        "{} price_gpu_hour<={} gpu_count>={}",
        spec.query, spec.max_price_gpu_hour, spec.gpus
    );
    let offers = client.offers(&query).await.context("searching offers")?;
    let providers: std::collections::BTreeSet<_> =
        offers.offers.iter().map(|o| o.provider).collect();
    if providers.len() < usize::from(spec.replicas) {
        let why: Vec<String> = offers
            .excluded_by
            .iter()
            .map(|(clause, n)| format!("`{clause}` excluded {n}"))
            .collect();
        bail!(
            "{} provider(s) match, {} replica(s) wanted, of {} offer(s) considered{}\nhint: `rigshare offers search '{}'` shows what is on offer",
            providers.len(),
            spec.replicas,
            offers.considered,
            if why.is_empty() { String::new() } else { format!(": {}", why.join(", ")) },
            spec.query
        );
    }
    let account = match client.account(&wallet.account()).await {
        Ok(info) => info.account,
        Err(e) if e.status() == Some(404) => {
            bail!(
                "account {} has no funds\nhint: `rigshare account fund {}` on a devnet",
                wallet.account(),
                wallet.account()
            )
        }
        Err(e) => return Err(e).context("reading the account"),
    };
    let needed =
        spec.deposit.checked_add(wallet.fee()).ok_or_else(|| anyhow!("deposit overflows"))?;
    if account.balance < needed {
        bail!(
            "insufficient funds: balance {} < deposit {} + fee {}\nhint: lower [limits] deposit or fund the account",
            account.balance,
            spec.deposit,
            wallet.fee()
        );
    }
    let status = wallet
        .send_and_wait(TxBody::CreateOrder(spec.clone()), TX_TIMEOUT)
        .await
        .context("creating the order")?;
    status.created_order().ok_or_else(|| anyhow!("the node did not report the new order's id"))
}

/// Waits for the auction to close; the won leases with their providers' endpoints. A failed
/// auction is an error saying why (the deposit was refunded).
pub async fn await_leases(
    client: &Client,
    order: OrderId,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<Won>> {
    let mut watch = Watch::subscribe(client).await?;
    let info = loop {
        let info = client.order(order).await.context("reading the order")?;
        if info.order.status != OrderStatus::Open {
            break info;
        }
        bar.set_message(format!(
            "auction: order {order}, {} bid(s), closes at height {}",
            info.order.bids.len(),
            info.order.auction_close_height
        ));
        watch.changed(|e| e.order() == Some(order)).await?;
    };
    // The order may have moved past `Running` by the time it is read (a provider holding the
    // job's blobs already can finish within a few blocks): leases mean the auction was won.
    match info.order.status {
        _ if !info.leases.is_empty() => {}
        OrderStatus::Failed(failure) => bail!(
            "the auction failed ({failure:?}): {} bid(s) for {} replica(s); the deposit was refunded",
            info.order.bids.len(),
            info.order.replicas
        ),
        other => bail!("the order ended at auction: {other:?}"),
    }
    let mut won = Vec::new();
    for lease in info.leases {
        let provider =
            client.provider(&lease.lease.provider).await.context("reading a provider")?;
        won.push(Won { lease, endpoint: provider.provider.endpoint });
    }
    Ok(won)
}

/// Uploads the manifest, module and inputs to every winner.
pub async fn deliver(
    key: &Keypair,
    won: &[Won],
    job: &Job,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    for w in won {
        bar.set_message(format!("uploading inputs to {} (lease {})", w.endpoint, w.lease.id));
        let artifacts = ArtifactClient::new(&w.endpoint, key.clone())?;
        let context = || format!("delivering inputs to {} (lease {})", w.endpoint, w.lease.id);
        // Only what the provider lacks: it may hold some blobs already (content-addressed).
        // The manifest comes first, since it names the rest.
        let mut missing = served(&artifacts, w).await?;
        let manifest = job.manifest.hash();
        if missing.contains(&manifest) {
            upload(&artifacts, w, manifest, job.manifest.encode()).await.with_context(context)?;
            missing = served(&artifacts, w).await?;
        }
        for hash in missing {
            let bytes = job.blobs.get(&hash).ok_or_else(|| {
                anyhow!("the provider asks for blob {hash}, which the manifest does not name")
            })?;
            upload(&artifacts, w, hash, bytes.clone()).await.with_context(context)?;
        }
    }
    Ok(())
}

/// Waits until the provider has recorded the lease (it learns of its win from the event stream,
/// a moment after the requestor); the blobs it still needs, none once it has started.
async fn served(
    artifacts: &ArtifactClient,
    w: &Won,
) -> anyhow::Result<Vec<rigshare_types::Hash32>> {
    let start = Instant::now();
    let mut pause = TAKE_POLL;
    loop {
        match artifacts.status(w.lease.id).await {
            Ok(view) if view.stage == "awaiting_inputs" => return Ok(view.missing),
            Ok(_) => return Ok(Vec::new()),
            Err(ArtifactError::Http { status: 404, .. }) if start.elapsed() < TAKE_TIMEOUT => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(TAKE_POLL_MAX);
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("provider {} does not serve lease {}", w.endpoint, w.lease.id)
                });
            }
        }
    }
}

/// Uploads one blob, named by its known `hash`; a lease that started meanwhile (it had
/// everything) is not an error.
async fn upload(
    artifacts: &ArtifactClient,
    w: &Won,
    hash: rigshare_types::Hash32,
    bytes: Vec<u8>,
) -> Result<(), ArtifactError> {
    match artifacts.upload_as(w.lease.id, hash, bytes).await {
        Err(ArtifactError::Http { status: 409, code, .. }) if code == "inputs_closed" => Ok(()),
        other => other,
    }
}

/// Waits until every lease has a receipt on chain; fails if a lease ends without one.
/// `on_running` is called once when every lease is running.
pub async fn await_receipts(
    client: &Client,
    key: &Keypair,
    won: &[Won],
    bar: &ProgressBar,
    mut on_running: impl FnMut(),
) -> anyhow::Result<Vec<SignedReceipt>> {
    let mut watch = Watch::subscribe(client).await?;
    let ours = |event: &Event| event.lease().is_some_and(|l| won.iter().any(|w| w.lease.id == l));
    let mut receipts: Vec<Option<SignedReceipt>> = vec![None; won.len()];
    let mut all_running = false;
    loop {
        let mut stages = Vec::new();
        let mut running = 0;
        for (w, slot) in won.iter().zip(receipts.iter_mut()) {
            if slot.is_some() {
                stages.push("done".to_owned());
                running += 1;
                continue;
            }
            if let Ok(info) = client.receipt(w.lease.id).await {
                *slot = Some(info.receipt);
                stages.push("done".to_owned());
                running += 1;
                continue;
            }
            let lease = client.lease(w.lease.id).await.context("reading a lease")?.lease;
            match lease.status {
                LeaseStatus::Pending => stages.push("starting".to_owned()),
                LeaseStatus::Running => {
                    running += 1;
                    stages.push("running".to_owned());
                }
                LeaseStatus::Completed => stages.push("submitting".to_owned()),
                LeaseStatus::Closed(reason) => {
                    let detail =
                        ArtifactClient::new(&w.endpoint, key.clone()).ok().map(|a| async move {
                            a.status(w.lease.id).await.ok().and_then(|v| v.reason)
                        });
                    let detail = match detail {
                        Some(f) => f.await,
                        None => None,
                    };
                    bail!(
                        "lease {} ended without a result ({reason:?}){}",
                        w.lease.id,
                        detail.map(|d| format!(": {d}")).unwrap_or_default()
                    );
                }
            }
        }
        if !all_running && running == won.len() {
            all_running = true;
            on_running();
        }
        if receipts.iter().all(Option::is_some) {
            return Ok(receipts.into_iter().flatten().collect());
        }
        let summary: Vec<String> =
            won.iter().zip(&stages).map(|(w, s)| format!("lease {}: {s}", w.lease.id)).collect();
        bar.set_message(summary.join(", "));
        watch.changed(&ours).await?;
    }
}

/// Waits for the order to reach its final status.
pub async fn await_order_end(client: &Client, order: OrderId) -> anyhow::Result<OrderInfo> {
    let start = Instant::now();
    let mut watch = Watch::subscribe(client).await?;
    loop {
        let info = client.order(order).await.context("reading the order")?;
        if info.order.status.is_final() {
            return Ok(info);
        }
        let remaining = TX_TIMEOUT.saturating_sub(start.elapsed());
        let changed = watch.changed(|e| e.order() == Some(order));
        match tokio::time::timeout(remaining, changed).await {
            Ok(result) => result?,
            Err(_) => {
                bail!("order {order} is still {:?} after {:?}", info.order.status, start.elapsed())
            }
        }
    }
}

/// Downloads a lease's outputs into `dir`, checked file by file against the receipt's root.
pub async fn download(
    key: &Keypair,
    won: &Won,
    receipt: &SignedReceipt,
    dir: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<OutputListing> {
    let artifacts = ArtifactClient::new(&won.endpoint, key.clone())?;
    let lease = won.lease.id;
    let listing = artifacts
        .download_outputs(lease, receipt.receipt.output_root, dir, |bytes| {
            bar.set_message(format!("downloading lease {lease}'s outputs: {bytes} bytes"));
        })
        .await
        .with_context(|| format!("downloading lease {lease}'s outputs from {}", won.endpoint))?;
    Ok(listing)
}
