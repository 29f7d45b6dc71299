//! Requestor latency on an in-process devnet (1 validator, the 3 demo providers): for a small
//! wasm job ordered with `replicas = 2`, the time from submitting the order to both leases
//! running (auction, inputs uploaded, leases started on chain) and to the order verified (both
//! receipts final and compared). Prints p50/p90/max over the runs.
//!
//! `cargo bench -p rigshare-cli --bench latency` (`LATENCY_RUNS` sets the number of orders).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use rigshare_cli::demo::start_providers;
use rigshare_cli::job::flow;
use rigshare_cli::manifest::Job;
use rigshare_client::{Client, Wallet};
use rigshare_market::{Genesis, Params};
use rigshare_node::{Devnet, DevnetConfig};
use rigshare_types::records::OrderStatus;
use rigshare_types::{Amount, Keypair};

const JOB: &str = r#"
name = "bench"
[runtime]
kind = "wasm"
module = "job.wasm"
[resources]
query = "gpu_count>=1"
[limits]
max_duration = "1m"
max_price_per_gpu_hour = "0.50"
auction_blocks = 2
[verification]
replicas = 2
[inputs]
"in.txt" = "in.txt"
"#;

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<28} p50 {:>8.1?}  p90 {:>8.1?}  max {:>8.1?}  ({} runs)",
        percentile(&samples, 50),
        percentile(&samples, 90),
        samples.last().copied().unwrap_or_default(),
        samples.len()
    );
}

fn main() {
    let runs: usize = std::env::var("LATENCY_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("job.wasm"),
            wat::parse_str("(module (func (export \"_start\")))").unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join("in.txt"), b"hello").unwrap();
        std::fs::write(dir.path().join("job.toml"), JOB).unwrap();
        let job = Job::load(&dir.path().join("job.toml")).unwrap();
        let requestor = Keypair::from_seed([1; 32]);
        let providers: Vec<Keypair> = (10..13u8).map(|i| Keypair::from_seed([i; 32])).collect();
        let genesis = Genesis {
            params: Params { chain_id: "rigshare-bench".into(), ..Params::default() },
            balances: std::iter::once(&requestor)
                .chain(&providers)
                .map(|k| (k.public(), Amount::units(1_000_000)))
                .collect(),
            time_ms: 0,
        };
        let net = Devnet::start(DevnetConfig::single(dir.path().join("chain"), genesis, 3))
            .await
            .unwrap();
        let agents = start_providers(net.url(), &dir.path().join("providers"), &providers, |_| {})
            .await
            .unwrap();
        let client = Client::new(net.url()).unwrap();
        let wallet = Wallet::connect(client.clone(), requestor.clone()).await.unwrap();
        let bar = ProgressBar::hidden();
        let (mut running, mut verified) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let start = Instant::now();
            let order = flow::place(&wallet, &job).await.unwrap();
            let won = flow::await_leases(&client, order, &bar).await.unwrap();
            flow::deliver(&requestor, &won, &job, &bar).await.unwrap();
            let mut to_running = Duration::ZERO;
            flow::await_receipts(&client, &requestor, &won, &bar, || to_running = start.elapsed())
                .await
                .unwrap();
            let info = flow::await_order_end(&client, order).await.unwrap();
            assert_eq!(info.order.status, OrderStatus::Verified);
            running.push(to_running);
            verified.push(start.elapsed());
        }
        report("latency/submit->running", running);
        report("latency/submit->verified", verified);
        for agent in agents {
            agent.shutdown().await;
        }
        net.shutdown().await;
    });
}
