//! `chain::finality` — finality latency and finalized throughput on loopback.
//!
//! Run with `cargo bench -p rigshare-chain --bench finality`. For 1 validator, 4 validators, and
//! 4 with one stopped, it reports:
//! - block finality: from the proposer's timestamp to the block executed on validator 0
//!   (p50/p99, idle chain);
//! - submit→executed latency of single transfers (p50/p99): what a user waits for finality;
//! - finalized transactions per second under load (transfers from many accounts, submitted in
//!   batches whose signatures are batch-verified, and batch-verified again by every verifier);
//! - finalized blocks per second while idle and under load.
//!
//! Figures print as a table; nothing is asserted.

// Figures for people are floats; money never is.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::float_arithmetic
)]

use std::time::{Duration, Instant};

use rigshare_chain::local::{LocalNetwork, LocalNetworkConfig};
use rigshare_chain::{Handle, Timing};
use rigshare_market::{Genesis, Params};
use rigshare_types::{Amount, Keypair, SignedTransaction, Transaction, TxBody};

const CHAIN_ID: &str = "rigshare-bench";
const ACCOUNTS: usize = 20_000;
const LOAD_TXS: usize = 60_000;
const LATENCY_SAMPLES: usize = 200;
const FEE: Amount = Amount::micro(100);

fn key(i: usize) -> Keypair {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Keypair::from_seed(seed)
}

fn transfer(from: &Keypair, nonce: u64, to: &Keypair) -> SignedTransaction {
    Transaction {
        sender: from.public(),
        nonce,
        fee: FEE,
        body: TxBody::Transfer { to: to.public(), amount: Amount::micro(1) },
    }
    .sign(from, CHAIN_ID)
}

fn executed_txs(chain: &Handle) -> u64 {
    chain.with_state(|s| s.globals().fee_pool.0 / FEE.0)
}

fn wait(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

struct Figures {
    name: String,
    block_p50: Duration,
    block_p99: Duration,
    p50: Duration,
    p99: Duration,
    tps: f64,
    idle_bps: f64,
    load_bps: f64,
}

fn scenario(name: &str, validators: u32, stop: Option<usize>, keys: &[Keypair]) -> Figures {
    let dir =
        std::env::temp_dir().join(format!("rigshare-bench-{validators}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let genesis = Genesis {
        params: Params { chain_id: CHAIN_ID.into(), ..Params::default() },
        balances: keys.iter().map(|k| (k.public(), Amount::units(1_000))).collect(),
        time_ms: 0,
    };
    let mut net = LocalNetwork::start(LocalNetworkConfig {
        validators,
        dir: dir.clone(),
        genesis,
        key_seed: 3,
        namespace: b"rigshare-bench".to_vec(),
        timing: Timing::default(),
        max_block_txs: 4_096,
        base_port: 0,
    })
    .unwrap();
    let chain = net.handle(0).unwrap();
    wait("first blocks", Duration::from_secs(60), || chain.height() >= 3);
    if let Some(i) = stop {
        net.stop(i);
        std::thread::sleep(Duration::from_secs(2));
    }

    // Idle block rate, and block finality: proposal timestamp to executed here.
    let mut blocks = chain.subscribe();
    let (h0, t0) = (chain.height(), Instant::now());
    let mut block_latency = Vec::new();
    while t0.elapsed() < Duration::from_secs(3) {
        match blocks.try_recv() {
            Ok(finalized) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis() as u64;
                block_latency
                    .push(Duration::from_millis(now - finalized.block.header.timestamp_ms));
            }
            Err(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    let idle_bps = (chain.height() - h0) as f64 / t0.elapsed().as_secs_f64();
    block_latency.sort();

    // Latency: one transfer at a time, submit to executed.
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    let (sender, receiver) = (&keys[0], &keys[1]);
    for nonce in 0..LATENCY_SAMPLES as u64 {
        let before = executed_txs(&chain);
        let start = Instant::now();
        chain.submit(transfer(sender, nonce, receiver)).unwrap();
        wait("transfer", Duration::from_secs(30), || executed_txs(&chain) > before);
        latencies.push(start.elapsed());
    }
    latencies.sort();

    // Throughput: many senders, batched submission.
    let txs: Vec<SignedTransaction> = (0..LOAD_TXS)
        .map(|i| {
            let from = &keys[2 + i % (keys.len() - 2)];
            let nonce = (i / (keys.len() - 2)) as u64;
            transfer(from, nonce, receiver)
        })
        .collect();
    let before = executed_txs(&chain);
    let (h0, start) = (chain.height(), Instant::now());
    for batch in txs.chunks(1_024) {
        for result in chain.submit_batch(batch.to_vec()) {
            result.unwrap();
        }
    }
    wait("load executed", Duration::from_secs(300), || {
        executed_txs(&chain) >= before + LOAD_TXS as u64
    });
    let elapsed = start.elapsed().as_secs_f64();
    let load_bps = (chain.height() - h0) as f64 / elapsed;
    net.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    Figures {
        name: name.to_string(),
        block_p50: percentile(&block_latency, 50),
        block_p99: percentile(&block_latency, 99),
        p50: percentile(&latencies, 50),
        p99: percentile(&latencies, 99),
        tps: LOAD_TXS as f64 / elapsed,
        idle_bps,
        load_bps,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter selects scenarios.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let keys: Vec<Keypair> = (0..ACCOUNTS).map(key).collect();
    let scenarios: [(&str, u32, Option<usize>); 3] = [
        ("validators=1", 1, None),
        ("validators=4", 4, None),
        ("validators=4/stopped=1", 4, Some(3)),
    ];
    let mut rows = Vec::new();
    for (name, n, stop) in scenarios {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        eprintln!("running chain::finality/{name} ...");
        rows.push(scenario(name, n, stop, &keys));
    }
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "chain::finality",
        "block p50",
        "block p99",
        "tx p50",
        "tx p99",
        "tx/s",
        "idle b/s",
        "load b/s"
    );
    for r in rows {
        println!(
            "{:<26} {:>9.1?} {:>9.1?} {:>9.1?} {:>9.1?} {:>9.0} {:>9.1} {:>9.1}",
            r.name, r.block_p50, r.block_p99, r.p50, r.p99, r.tps, r.idle_bps, r.load_bps
        );
    }
}
