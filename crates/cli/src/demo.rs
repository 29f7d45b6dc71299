//! `rigshare demo`: a local network, three providers, a real AI job, verified and paid — in one
//! process, on embedded defaults.
//!
//! 1. A one-validator devnet (consensus, the node API) with a funded requestor and providers.
//! 2. Three provider agents with different price floors. This machine may have no GPU, so their
//!    inventories are *simulated* GPU lists (said so on screen); the job itself runs for real in
//!    each winner's wasm sandbox.
//! 3. The demo job (`jobs/mlp-train`: an MLP trained on the UCI digits) ordered with
//!    `replicas = 2`: auction, inputs uploaded, both replicas run, receipts on chain, outputs
//!    downloaded and checked against the receipts, the two roots compared.
//! 4. The accounts: what the requestor paid is exactly what the providers received plus fees,
//!    and each provider's earnings, fees and net. The job runs for seconds and a lease earns by
//!    the second at GPU-hour prices, so the demo network's fee is sized to that: one micro-unit
//!    a transaction (the devnet's default, 100, would cost a provider more than the job pays).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use indicatif::ProgressBar;
use rigshare_client::{Client, Wallet};
use rigshare_market::{Genesis, Params};
use rigshare_node::{Devnet, DevnetConfig};
use rigshare_provider::agent::Agent;
use rigshare_provider::agent::config::ProviderConfig;
use rigshare_provider::{FakeProbe, GpuInfo};
use rigshare_runtime::output_root;
use rigshare_types::records::OrderStatus;
use rigshare_types::{
    Amount, ComputeCapability, Hash32, Keypair, LeaseId, OrderId, PublicKey, SignedReceipt,
};

use crate::job::flow;
use crate::manifest::Job;

/// The target guest jobs are built for.
const JOB_TARGET: &str = "wasm32-wasip1";
/// Fee of every demo transaction, and the demo network's minimum.
const DEMO_FEE: Amount = Amount::micro(1);

/// A demo provider: its simulated GPU and its price floor.
struct DemoProvider {
    name: &'static str,
    /// The GPU's name as NVML reports it.
    gpu: &'static str,
    vram_mib: u64,
    compute_capability: (u8, u8),
    /// Price floor per GPU-hour.
    price: &'static str,
}

/// The three demo providers.
const PROVIDERS: [DemoProvider; 3] = [
    DemoProvider {
        name: "miner-a",
        gpu: "NVIDIA GeForce RTX 4090",
        vram_mib: 24_564,
        compute_capability: (8, 9),
        price: "0.25",
    },
    DemoProvider {
        name: "miner-b",
        gpu: "NVIDIA GeForce RTX 3090",
        vram_mib: 24_576,
        compute_capability: (8, 6),
        price: "0.30",
    },
    DemoProvider {
        name: "miner-c",
        gpu: "NVIDIA A100-SXM4-80GB",
        vram_mib: 81_920,
        compute_capability: (8, 0),
        price: "0.90",
    },
];

/// What the demo needs.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Where the devnet and the providers keep their data (emptied first).
    pub dir: PathBuf,
    /// The job manifest (`jobs/mlp-train/rigshare.toml`).
    pub manifest: PathBuf,
    /// Print progress and results.
    pub verbose: bool,
}

/// One provider's side of the payment.
#[derive(Clone, Debug)]
pub struct Payout {
    /// The provider.
    pub provider: PublicKey,
    /// The demo name.
    pub name: String,
    /// Its lease.
    pub lease: LeaseId,
    /// Paid to it from escrow for the lease.
    pub paid: Amount,
    /// The lease's price per GPU-hour.
    pub price_gpu_hour: Amount,
    /// Block time from the lease's start to its result, which it was paid for.
    pub billed: Duration,
    /// Transactions it sent (bid, start, result).
    pub transactions: u64,
    /// Fees it paid for them.
    pub fees: Amount,
    /// Its balance after minus before, in micro-units.
    pub net: i128,
}

/// What the demo established.
#[derive(Clone, Debug)]
pub struct DemoReport {
    /// The order.
    pub order: OrderId,
    /// Its final status.
    pub status: OrderStatus,
    /// The receipts, one per replica.
    pub receipts: Vec<SignedReceipt>,
    /// The output roots recomputed from the downloaded files, one per replica.
    pub downloaded_roots: Vec<Hash32>,
    /// Test accuracy in the downloaded `metrics.json` (as printed by the job).
    pub accuracy: String,
    /// The requestor's balance before minus after.
    pub requestor_spent: Amount,
    /// Fees the requestor paid.
    pub requestor_fees: Amount,
    /// The winners' side.
    pub payouts: Vec<Payout>,
    /// Submit → every lease running.
    pub submit_to_running: Duration,
    /// Submit → order verified.
    pub submit_to_verified: Duration,
}

fn say(verbose: bool, line: impl AsRef<str>) {
    if verbose {
        println!("{}", line.as_ref());
    }
}

fn spinner(verbose: bool) -> ProgressBar {
    if verbose { crate::job::spinner() } else { ProgressBar::hidden() }
}

fn key(seed: u8) -> Keypair {
    Keypair::from_seed([seed; 32])
}

/// Runs the whole demo; `Ok` only when the job was verified, its outputs check out, the accuracy
/// is at least 0.90 and the payments add up exactly.
pub async fn run(options: &DemoOptions) -> anyhow::Result<DemoReport> {
    let verbose = options.verbose;
    let job = Job::load(&options.manifest)?;
    let _ = std::fs::remove_dir_all(&options.dir);
    std::fs::create_dir_all(&options.dir)
        .with_context(|| format!("creating {}", options.dir.display()))?;

    let requestor = key(1);
    let provider_keys: Vec<Keypair> = (0..PROVIDERS.len()).map(|i| key(10 + i as u8)).collect();
    let genesis = Genesis {
        params: Params { chain_id: "rigshare-demo".into(), min_fee: DEMO_FEE, ..Params::default() },
        balances: std::iter::once(&requestor)
            .chain(&provider_keys)
            .map(|k| (k.public(), Amount::units(1_000)))
            .collect(),
        time_ms: 0,
    };
    say(
        verbose,
        "▶ starting a local network: 1 validator (simplex consensus, BLS12-381 threshold certificates)",
    );
    let devnet = Devnet::start(DevnetConfig::single(options.dir.join("chain"), genesis, 7)).await?;
    say(verbose, format!("  node API {}", devnet.url()));
    let result = run_on(options, &devnet, &job, &requestor, &provider_keys).await;
    devnet.shutdown().await;
    result
}

async fn run_on(
    options: &DemoOptions,
    devnet: &Devnet,
    job: &Job,
    requestor: &Keypair,
    provider_keys: &[Keypair],
) -> anyhow::Result<DemoReport> {
    let verbose = options.verbose;
    say(
        verbose,
        "▶ starting 3 provider agents (simulated GPU inventories: this machine's GPUs are not used; the job runs for real in wasm)",
    );
    let agents = start_providers_with(
        devnet.url(),
        &options.dir,
        provider_keys,
        |line| say(verbose, line),
        |_, config| config.fee = DEMO_FEE,
    )
    .await?;
    let result = requestor_flow(options, devnet, job, requestor, provider_keys).await;
    for agent in agents {
        agent.shutdown().await;
    }
    result
}

async fn requestor_flow(
    options: &DemoOptions,
    devnet: &Devnet,
    job: &Job,
    requestor: &Keypair,
    provider_keys: &[Keypair],
) -> anyhow::Result<DemoReport> {
    let verbose = options.verbose;
    let client = Client::new(devnet.url())?;
    let wallet = Wallet::connect(client.clone(), requestor.clone()).await?.with_fee(DEMO_FEE);
    let balances_before =
        balances(&client, std::iter::once(requestor).chain(provider_keys)).await?;

    say(
        verbose,
        format!(
            "▶ ordering job {:?}: query `{}`, ≤ {}/GPU-hour, {} replicas, deposit {} (manifest {})",
            job.manifest.name,
            job.order.query,
            job.order.max_price_gpu_hour,
            job.order.replicas,
            job.order.deposit,
            job.order.manifest_hash
        ),
    );
    let submitted = Instant::now();
    let order = flow::place(&wallet, job).await?;
    let bar = spinner(verbose);
    let won = flow::await_leases(&client, order, &bar).await?;
    bar.finish_and_clear();
    let info = client.order(order).await?;
    for bid in &info.order.bids {
        say(
            verbose,
            format!("  bid {} from {}", bid.price_gpu_hour, name_of(provider_keys, &bid.provider)),
        );
    }
    for w in &won {
        say(
            verbose,
            format!(
                "  lease {} → {} at {}/GPU-hour",
                w.lease.id,
                name_of(provider_keys, &w.lease.lease.provider),
                w.lease.lease.price_gpu_hour
            ),
        );
    }

    let bar = spinner(verbose);
    flow::deliver(requestor, &won, job, &bar).await?;
    let mut submit_to_running = Duration::ZERO;
    let receipts = flow::await_receipts(&client, requestor, &won, &bar, || {
        submit_to_running = submitted.elapsed()
    })
    .await?;
    bar.finish_and_clear();
    let final_order = flow::await_order_end(&client, order).await?;
    let submit_to_verified = submitted.elapsed();
    say(
        verbose,
        format!("▶ order {order}: {:?} after {:.2?}", final_order.order.status, submit_to_verified),
    );

    let mut downloaded_roots = Vec::new();
    let mut accuracy = String::new();
    for (w, receipt) in won.iter().zip(&receipts) {
        let dir = options.dir.join("results").join(w.lease.id.to_string());
        let bar = spinner(verbose);
        flow::download(requestor, w, receipt, &dir, &bar).await?;
        bar.finish_and_clear();
        let root = output_root(&dir)?;
        downloaded_roots.push(root);
        accuracy = test_accuracy(&dir.join("metrics.json"))?;
        let logs = rigshare_client::artifacts::ArtifactClient::new(&w.endpoint, requestor.clone())?
            .logs(w.lease.id)
            .await?;
        say(
            verbose,
            format!(
                "  lease {} ({}): exit {}, {} ms, output root {root}, test accuracy {accuracy}",
                w.lease.id,
                name_of(provider_keys, &w.lease.lease.provider),
                receipt.receipt.usage.exit_code,
                receipt.receipt.usage.wall_ms
            ),
        );
        if let Some(last) = logs.stdout.lines().rev().find(|l| !l.is_empty()) {
            say(verbose, format!("    log: {last}"));
        }
    }

    let balances_after = balances(&client, std::iter::once(requestor).chain(provider_keys)).await?;
    let fee = wallet.fee();
    let moved = |i: usize| -> anyhow::Result<((Amount, u64), (Amount, u64))> {
        Ok((
            *balances_before.get(i).context("no snapshot")?,
            *balances_after.get(i).context("no snapshot")?,
        ))
    };
    let transactions = |i: usize| -> anyhow::Result<u64> {
        let ((_, nonce_before), (_, nonce_after)) = moved(i)?;
        Ok(nonce_after.saturating_sub(nonce_before))
    };
    let fees = |i: usize| -> anyhow::Result<Amount> {
        fee.checked_mul(transactions(i)?).context("fees overflow")
    };
    let ((requestor_before, _), (requestor_after, _)) = moved(0)?;
    let requestor_spent = requestor_before.saturating_sub(requestor_after);
    let requestor_fees = fees(0)?;
    let mut payouts = Vec::new();
    for w in &won {
        let lease = client.lease(w.lease.id).await?.lease;
        let i =
            provider_keys.iter().position(|k| k.public() == lease.provider).map_or(0, |i| i + 1);
        let ((before, _), (after, _)) = moved(i)?;
        let net = i128::from(after.as_micro()) - i128::from(before.as_micro());
        let billed = match (lease.started_ms, lease.ended_ms) {
            (Some(started), Some(ended)) => Duration::from_millis(ended.saturating_sub(started)),
            _ => Duration::ZERO,
        };
        payouts.push(Payout {
            provider: lease.provider,
            name: name_of(provider_keys, &lease.provider),
            lease: w.lease.id,
            paid: lease.paid,
            price_gpu_hour: lease.price_gpu_hour,
            billed,
            transactions: transactions(i)?,
            fees: fees(i)?,
            net,
        });
    }
    let report = DemoReport {
        order,
        status: final_order.order.status,
        receipts,
        downloaded_roots,
        accuracy,
        requestor_spent,
        requestor_fees,
        payouts,
        submit_to_running,
        submit_to_verified,
    };
    print_accounts(verbose, &report);
    check(&report)?;
    if verbose && let Some(receipt) = report.receipts.first() {
        let json = serde_json::to_string_pretty(receipt)?;
        println!("▶ receipt of lease {}:\n{json}", receipt.receipt.lease);
    }
    Ok(report)
}

/// Starts one agent per key (at most three) with the demo's simulated inventories and prices,
/// each with its data under `dir/<name>`; `log` gets one line per agent.
pub async fn start_providers(
    node: &str,
    dir: &Path,
    keys: &[Keypair],
    log: impl Fn(String),
) -> anyhow::Result<Vec<Agent>> {
    start_providers_with(node, dir, keys, log, |_, _| {}).await
}

/// [`start_providers`], with `configure` adjusting each agent's configuration by name
/// (`miner-a`, `miner-b`, `miner-c`) before it starts.
pub async fn start_providers_with(
    node: &str,
    dir: &Path,
    keys: &[Keypair],
    log: impl Fn(String),
    configure: impl Fn(&str, &mut ProviderConfig),
) -> anyhow::Result<Vec<Agent>> {
    let mut agents = Vec::new();
    for (provider, key) in PROVIDERS.iter().zip(keys) {
        let DemoProvider { name, gpu, vram_mib, compute_capability: (major, minor), price } =
            provider;
        let mut config = ProviderConfig::parse(&format!(
            "node = \"{node}\"\ndata_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\n[attributes]\nname = \"{name}\"\n[pricing]\ndefault_gpu_hour = \"{price}\"\n",
            dir.join(name).display()
        ))
        .map_err(anyhow::Error::msg)?;
        configure(name, &mut config);
        let probe = FakeProbe::with_gpus(vec![GpuInfo::known(
            0,
            gpu,
            &format!("GPU-demo-{name}"),
            *vram_mib,
            ComputeCapability { major: *major, minor: *minor },
        )]);
        let agent = Agent::start(config, key.clone(), &probe).await?;
        log(format!(
            "  {name}: 1× {gpu} (simulated) at {price}/GPU-hour, artifacts at {}",
            agent.endpoint()
        ));
        agents.push(agent);
    }
    Ok(agents)
}

/// The demo providers' names.
pub fn provider_names() -> impl Iterator<Item = &'static str> {
    PROVIDERS.iter().map(|p| p.name)
}

fn print_accounts(verbose: bool, report: &DemoReport) {
    say(verbose, "▶ payments (exact, in units of the devnet currency; 0.000001 is one micro-unit)");
    say(
        verbose,
        format!(
            "  requestor paid {} = leases {} + fees {}",
            report.requestor_spent,
            sum_paid(report),
            report.requestor_fees
        ),
    );
    for p in &report.payouts {
        say(
            verbose,
            format!(
                "  {} earned {} for lease {} ({} at {}/GPU-hour), paid {} in fees ({} transactions): net {}",
                p.name,
                p.paid,
                p.lease,
                seconds(p.billed),
                p.price_gpu_hour,
                p.fees,
                p.transactions,
                signed(p.net)
            ),
        );
    }
    let provider_fees =
        report.payouts.iter().fold(Amount::ZERO, |sum, p| sum.checked_add(p.fees).unwrap_or(sum));
    let earned = sum_paid(report);
    if let Some(share) = per_mille(provider_fees, earned) {
        say(
            verbose,
            format!(
                "  providers' fees {provider_fees} = {}.{}% of their earnings {earned} (this network charges {DEMO_FEE} a transaction; a lease earns by the second at its GPU-hour price)",
                share / 10,
                share % 10
            ),
        );
    }
}

fn sum_paid(report: &DemoReport) -> Amount {
    report.payouts.iter().fold(Amount::ZERO, |sum, p| sum.checked_add(p.paid).unwrap_or(sum))
}

/// `part` in tenths of a percent of `whole`, rounded up; `None` when `whole` is zero.
fn per_mille(part: Amount, whole: Amount) -> Option<u128> {
    let whole = u128::from(whole.as_micro());
    (whole > 0).then(|| (u128::from(part.as_micro()) * 1_000).div_ceil(whole))
}

/// A duration as seconds with one decimal: `2.8 s`.
fn seconds(duration: Duration) -> String {
    let tenths = duration.as_millis() / 100;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

/// Micro-units as a signed amount: `+0.000205`, `-0.000237`.
fn signed(micro: i128) -> String {
    let magnitude = Amount::micro(u64::try_from(micro.unsigned_abs()).unwrap_or(u64::MAX));
    format!("{}{magnitude}", if micro < 0 { "-" } else { "+" })
}

/// The facts the demo promises.
pub fn check(report: &DemoReport) -> anyhow::Result<()> {
    ensure!(
        report.status == OrderStatus::Verified,
        "the order ended {:?}, not verified",
        report.status
    );
    ensure!(report.receipts.len() == 2, "expected 2 replicas, got {}", report.receipts.len());
    let roots: Vec<Hash32> = report.receipts.iter().map(|r| r.receipt.output_root).collect();
    ensure!(roots.windows(2).all(|w| w.first() == w.last()), "replica roots differ: {roots:?}");
    ensure!(report.downloaded_roots == roots, "downloaded outputs do not make the receipts' roots");
    let accuracy: f64 = report.accuracy.parse().context("test accuracy is not a number")?;
    ensure!(accuracy >= 0.90, "test accuracy {accuracy} is below 0.90");
    let expected = sum_paid(report).checked_add(report.requestor_fees).context("overflow")?;
    ensure!(
        report.requestor_spent == expected,
        "the requestor paid {} but the leases got {} and fees were {}",
        report.requestor_spent,
        sum_paid(report),
        report.requestor_fees
    );
    for p in &report.payouts {
        ensure!(p.paid > Amount::ZERO, "{} was paid nothing", p.name);
        let received = i128::from(p.paid.as_micro()) - i128::from(p.fees.as_micro());
        ensure!(
            p.net == received,
            "{}'s balance moved {} µ, expected {} µ",
            p.name,
            p.net,
            received
        );
        ensure!(p.net > 0, "{} paid more in fees ({}) than it earned ({})", p.name, p.fees, p.paid);
    }
    Ok(())
}

/// (balance, nonce) of each key.
async fn balances<'a>(
    client: &Client,
    keys: impl Iterator<Item = &'a Keypair>,
) -> anyhow::Result<Vec<(Amount, u64)>> {
    let mut out = Vec::new();
    for key in keys {
        let info = client.account(&key.public()).await?;
        out.push((info.account.balance, info.account.nonce));
    }
    Ok(out)
}

fn name_of(keys: &[Keypair], id: &PublicKey) -> String {
    keys.iter()
        .position(|k| k.public() == *id)
        .and_then(|i| PROVIDERS.get(i))
        .map_or_else(|| id.to_string(), |p| p.name.to_owned())
}

/// `test_accuracy` from a metrics.json the job wrote, as written.
fn test_accuracy(path: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).context("metrics.json is not JSON")?;
    match value.get("test_accuracy") {
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        _ => bail!("metrics.json has no test_accuracy"),
    }
}

/// `rigshare demo`: builds the demo job if needed, runs the demo, prints the figures.
pub async fn run_cli(dir: PathBuf) -> anyhow::Result<()> {
    let root = workspace_root();
    let manifest = root.join("jobs/mlp-train/rigshare.toml");
    build_demo_module(&root)?;
    let report = run(&DemoOptions { dir, manifest, verbose: true }).await?;
    println!(
        "▶ verified: 2 matching replicas, test accuracy {}, payments exact, every provider paid more than its fees; submit→running {:.0?}, submit→verified {:.0?}",
        report.accuracy, report.submit_to_running, report.submit_to_verified
    );
    Ok(())
}

/// The source tree this binary was built from (the demo job and its data live there).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the demo job for `wasm32-wasip1` into `<root>/target` (where its manifest expects it),
/// adding the target to the toolchain first if it is missing.
pub fn build_demo_module(root: &Path) -> anyhow::Result<()> {
    crate::toolchain::ensure_target(root, JOB_TARGET)?;
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        spinner(true)
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(format!("building the demo job (jobs/mlp-train) for {JOB_TARGET}"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            JOB_TARGET,
            "-p",
            "rigshare-job-mlp-train",
            "--target-dir",
        ])
        .arg(root.join("target"))
        .output()
        .context("running cargo to build the demo job")?;
    bar.finish_and_clear();
    if !output.status.success() {
        bail!("building the demo job failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}
