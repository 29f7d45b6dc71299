//! `market::apply`: block application throughput on a realistic market.
//!
//! The market: 2,000 funded requestors and 200 providers, each registered with two 64-GPU
//! groups, built through ordinary blocks. It is then driven to a steady state before measuring:
//! every block holds 1,000 transactions — about 100 `CreateOrder`s, 300 `Bid`s on open
//! auctions, 150 `StartLease`s for leases won in earlier blocks, 150 `SubmitResult`s for leases
//! that have run [`RUN_BLOCKS`] blocks, and `Transfer`s for the rest — so about 1,500 leases
//! stream payment at the end of every block, ~150 auctions close per block, and every block
//! commits a few thousand changed entries.
//!
//! Each measured iteration applies the next block. Blocks are generated (and signed) outside the
//! timed region from the previous block's events, like a proposer following the chain; only
//! `State::apply_block_with` is timed. The state keeps [`RETAINED`] versions of the tree, as a
//! validator that serves recent proofs would.
//!
//! Variants:
//! - `sigs=verify`: batch ed25519 verification of every signature (transactions and receipts),
//!   as a validator applying a block it has not seen.
//! - `sigs=assumed`: the same blocks with signatures already verified (a proposer's own block,
//!   or a finalized block a quorum has verified).
//! - `execute`: the state transition alone (`State::execute_block`); `commit`: the commitment
//!   of the block's changed entries alone (`State::commit`); `execute+commit`: both, which is
//!   what `State::apply_block` does.
//! - `transfers,…`: blocks of 1,000 transfers on a market with no orders: admission, trivial
//!   execution and ~2,000 changed accounts.
//! - `rejected,sigs=assumed`: blocks of 1,000 transactions that all fail admission (nonce far
//!   ahead): no entry but the globals changes. The difference to `transfers` estimates what the
//!   writes — mostly the commitment — cost.
//!
//! `market::settle/empty-block` applies empty blocks to the steady-state market: the cost of
//! streaming payment alone (every running lease and its provider's account are written and
//! committed every block), reported per running lease.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rigshare_market::{BlockContext, BlockOutcome, Event, Genesis, Params, Signatures, State};
use rigshare_types::{
    Amount, ComputeCapability, GpuGroup, Hash32, Keypair, LeaseId, OrderId, OrderSpec, PublicKey,
    Receipt, SignedReceipt, SignedTransaction, Transaction, TxBody, Usage, VerificationPolicy,
    hash,
};

const REQUESTORS: usize = 2_000;
const PROVIDERS: usize = 200;
/// Transactions per measured block.
const TXS: usize = 1_000;
/// Tree versions kept for proofs.
const RETAINED: u64 = 64;
/// Blocks a lease runs before its provider submits the result.
const RUN_BLOCKS: u64 = 10;
/// Blocks applied before measuring, to reach the steady state.
const WARM_UP_BLOCKS: u64 = RUN_BLOCKS + 10;
const BLOCK_MS: u64 = 1_000;
const FEE: Amount = Amount(1_000);

/// Per-block targets; what cannot be filled (no open order, no pending lease, …) becomes
/// transfers, so every block has exactly [`TXS`] transactions.
#[derive(Clone, Copy)]
struct Mix {
    orders: usize,
    bids: usize,
    starts: usize,
    results: usize,
}

const MARKET: Mix = Mix { orders: 100, bids: 300, starts: 150, results: 150 };
const TRANSFERS_ONLY: Mix = Mix { orders: 0, bids: 0, starts: 0, results: 0 };

struct OpenOrder {
    closes_at: u64,
    replicas: u8,
    max_price: Amount,
    bidders: BTreeSet<usize>,
}

/// A market and a block generator that follows it through its events.
struct Market {
    state: State,
    keys: Vec<Keypair>,
    index: BTreeMap<PublicKey, usize>,
    nonces: Vec<u64>,
    chain_id: String,
    rng: StdRng,
    open: BTreeMap<OrderId, OpenOrder>,
    pending: BTreeMap<LeaseId, usize>,
    /// Running leases in start order: (lease, provider, started at height).
    running: VecDeque<(LeaseId, usize, u64)>,
    manifest: Hash32,
    /// Transactions of each kind in the last block, for the report.
    last_mix: BTreeMap<&'static str, usize>,
}

impl Market {
    fn new(mix: Mix) -> Market {
        let keys: Vec<Keypair> = (0..REQUESTORS + PROVIDERS)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
                Keypair::from_seed(seed)
            })
            .collect();
        let balances = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                (k.public(), Amount::units(if i < REQUESTORS { 1_000_000 } else { 10_000 }))
            })
            .collect();
        let params = Params { chain_id: "bench".into(), ..Params::default() };
        let genesis = Genesis { params, balances, time_ms: 0 };
        let state = State::genesis_retaining(&genesis, RETAINED).unwrap();
        let index = keys.iter().enumerate().map(|(i, k)| (k.public(), i)).collect();
        let mut market = Market {
            chain_id: state.params().chain_id.clone(),
            state,
            nonces: vec![0; keys.len()],
            keys,
            index,
            rng: StdRng::seed_from_u64(7),
            open: BTreeMap::new(),
            pending: BTreeMap::new(),
            running: VecDeque::new(),
            manifest: hash::blake3(b"bench manifest"),
            last_mix: BTreeMap::new(),
        };
        let group = |model: &str, vram_gib: u64| GpuGroup {
            model: model.into(),
            vram_mib: vram_gib * 1024,
            count: 64,
            compute_capability: ComputeCapability { major: 9, minor: 0 },
            price_floor: Amount::units(1),
        };
        let mut txs = Vec::new();
        for p in REQUESTORS..REQUESTORS + PROVIDERS {
            txs.push(market.tx(
                p,
                TxBody::RegisterProvider {
                    stake: Amount::units(1_000),
                    endpoint: format!("https://provider-{p}.example:7000"),
                    attributes: vec![("region".into(), "eu".into())],
                },
            ));
            let groups = vec![group("H100", 80), group("A100", 40)];
            txs.push(market.tx(p, TxBody::UpdateInventory { groups }));
        }
        market.apply(&txs, Signatures::Verify, Stage::Both);
        for _ in 0..WARM_UP_BLOCKS {
            let block = market.next_block(mix);
            market.apply(&block, Signatures::AlreadyVerified, Stage::Both);
        }
        market
    }

    fn tx(&mut self, who: usize, body: TxBody) -> SignedTransaction {
        let tx = Transaction {
            sender: self.keys[who].public(),
            nonce: self.nonces[who],
            fee: FEE,
            body,
        };
        self.nonces[who] += 1;
        tx.sign(&self.keys[who], &self.chain_id)
    }

    fn requestor(&mut self) -> usize {
        self.rng.gen_range(0..REQUESTORS)
    }

    /// The next block's transactions, valid against the current state.
    fn next_block(&mut self, mix: Mix) -> Vec<SignedTransaction> {
        let height = self.state.height() + 1;
        let mut txs = Vec::with_capacity(TXS);

        // Results for leases that have run long enough, oldest first.
        while txs.len() < mix.results {
            let Some(&(lease, provider, started)) = self.running.front() else { break };
            if started + RUN_BLOCKS > height {
                break;
            }
            self.running.pop_front();
            let receipt = Receipt {
                lease,
                manifest_hash: self.manifest,
                // Replicas agree: their orders end verified.
                output_root: hash::sha256(b"output"),
                usage: Usage { gpu_seconds: 36_000, wall_ms: 10_000, exit_code: 0 },
                runtime_digest: hash::sha256(b"wasmtime-48"),
            };
            let signed = SignedReceipt::sign(receipt, &self.keys[provider]);
            txs.push(self.tx(provider, TxBody::SubmitResult(signed)));
        }

        // Starts for leases won in earlier blocks.
        let starts: Vec<(LeaseId, usize)> =
            self.pending.iter().take(mix.starts).map(|(l, p)| (*l, *p)).collect();
        for (lease, provider) in starts {
            self.pending.remove(&lease);
            txs.push(self.tx(provider, TxBody::StartLease { lease }));
        }

        // Bids on auctions still open in this block, spread over the open orders.
        let mut bids = 0;
        let open: Vec<OrderId> =
            self.open.iter().filter(|(_, o)| o.closes_at >= height).map(|(id, _)| *id).collect();
        'bidding: for round in 0..3 {
            for id in &open {
                if bids >= mix.bids {
                    break 'bidding;
                }
                let order = &self.open[id];
                if order.bidders.len() > round || order.bidders.len() > usize::from(order.replicas)
                {
                    continue;
                }
                let provider = REQUESTORS + self.rng.gen_range(0..PROVIDERS);
                let price = Amount(self.rng.gen_range(order.max_price.0 / 2..=order.max_price.0));
                if !self.open.get_mut(id).unwrap().bidders.insert(provider) {
                    continue;
                }
                txs.push(self.tx(provider, TxBody::Bid { order: *id, price_gpu_hour: price }));
                bids += 1;
            }
        }

        // New orders.
        for _ in 0..mix.orders {
            let requestor = self.requestor();
            let replicas = self.rng.gen_range(1..=2u8);
            let gpus = self.rng.gen_range(1..=2u32);
            let spec = OrderSpec {
                manifest_hash: self.manifest,
                query: "vram_gib>=40 gpu_model in [H100, A100]".into(),
                gpus,
                max_price_gpu_hour: Amount::units(2),
                max_duration_ms: 3_600_000,
                replicas,
                verification: VerificationPolicy::default(),
                deposit: Amount::units(2 * u64::from(gpus) * u64::from(replicas)),
                auction_blocks: 2,
            };
            txs.push(self.tx(requestor, TxBody::CreateOrder(spec)));
        }

        // Transfers for the rest.
        while txs.len() < TXS {
            let (from, to) = (self.requestor(), self.requestor());
            let to = if to == from { (to + 1) % REQUESTORS } else { to };
            let amount = Amount(self.rng.gen_range(1..1_000_000));
            txs.push(self.tx(from, TxBody::Transfer { to: self.keys[to].public(), amount }));
        }
        txs
    }

    fn context(&self) -> BlockContext {
        let height = self.state.height() + 1;
        BlockContext {
            height,
            time_ms: self.state.time_ms() + BLOCK_MS,
            seed: hash::sha256(&height.to_be_bytes()),
        }
    }

    /// Applies a block, then follows its events; returns the time `stage` took.
    fn apply(
        &mut self,
        txs: &[SignedTransaction],
        signatures: Signatures,
        stage: Stage,
    ) -> Duration {
        let ctx = self.context();
        let start = Instant::now();
        let executed = self.state.execute_block(&ctx, txs, signatures).unwrap();
        let executing = start.elapsed();
        let start = Instant::now();
        let root = self.state.commit();
        let committing = start.elapsed();
        let outcome = BlockOutcome {
            results: executed.results,
            events: executed.events,
            tx_event_ends: executed.tx_event_ends,
            root,
        };
        self.follow(txs, &outcome);
        match stage {
            Stage::Execute => executing,
            Stage::Commit => committing,
            Stage::Both => executing + committing,
        }
    }

    fn follow(&mut self, txs: &[SignedTransaction], outcome: &BlockOutcome) {
        if let Some((i, err)) =
            outcome.results.iter().enumerate().find_map(|(i, r)| r.as_ref().err().map(|e| (i, e)))
        {
            panic!("benchmark transaction {i} failed: {err} ({:?})", txs[i].tx.body);
        }
        self.last_mix.clear();
        for tx in txs {
            *self.last_mix.entry(kind(&tx.tx.body)).or_default() += 1;
        }
        let height = self.state.height();
        for event in &outcome.events {
            match event {
                Event::OrderCreated { order, closes_at } => {
                    let o = self.state.order(*order).unwrap();
                    self.open.insert(
                        *order,
                        OpenOrder {
                            closes_at: *closes_at,
                            replicas: o.replicas,
                            max_price: o.max_price_gpu_hour,
                            bidders: BTreeSet::new(),
                        },
                    );
                }
                Event::AuctionClosed { order, leases } => {
                    self.open.remove(order);
                    for assigned in leases {
                        self.pending.insert(assigned.lease, self.index[&assigned.provider]);
                    }
                }
                Event::LeaseStarted { lease } => {
                    let provider = self.index[&self.state.lease(*lease).unwrap().provider];
                    self.running.push_back((*lease, provider, height));
                }
                Event::OrderFinished { order, .. } => {
                    self.open.remove(order);
                }
                _ => {}
            }
        }
    }

    fn running_leases(&self) -> usize {
        self.running.len()
    }
}

fn kind(body: &TxBody) -> &'static str {
    match body {
        TxBody::Transfer { .. } => "transfer",
        TxBody::CreateOrder(_) => "create-order",
        TxBody::Bid { .. } => "bid",
        TxBody::StartLease { .. } => "start-lease",
        TxBody::SubmitResult(_) => "submit-result",
        _ => "other",
    }
}

/// Blocks whose transactions all fail admission (nonces far ahead): nothing changes but the
/// globals, so the same block can be applied again and again.
fn rejected_block(market: &mut Market) -> Vec<SignedTransaction> {
    (0..TXS)
        .map(|i| {
            let who = i % REQUESTORS;
            let tx = Transaction {
                sender: market.keys[who].public(),
                nonce: market.nonces[who] + 1_000_000,
                fee: FEE,
                body: TxBody::Transfer {
                    to: market.keys[(who + 1) % REQUESTORS].public(),
                    amount: Amount(1),
                },
            };
            tx.sign(&market.keys[who], &market.chain_id)
        })
        .collect()
}

/// Which part of applying a block a benchmark times.
#[derive(Clone, Copy)]
enum Stage {
    /// The state transition (`State::execute_block`).
    Execute,
    /// The commitment of the block's changes (`State::commit`).
    Commit,
    /// Both, as `State::apply_block` does them.
    Both,
}

fn bench_apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("market::apply");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(TXS as u64));

    for (name, mix, signatures, stage) in [
        ("execute+commit,sigs=verify", MARKET, Signatures::Verify, Stage::Both),
        ("execute+commit,sigs=assumed", MARKET, Signatures::AlreadyVerified, Stage::Both),
        ("execute,sigs=verify", MARKET, Signatures::Verify, Stage::Execute),
        ("execute,sigs=assumed", MARKET, Signatures::AlreadyVerified, Stage::Execute),
        ("commit", MARKET, Signatures::AlreadyVerified, Stage::Commit),
        ("transfers,execute+commit", TRANSFERS_ONLY, Signatures::AlreadyVerified, Stage::Both),
        ("transfers,execute", TRANSFERS_ONLY, Signatures::AlreadyVerified, Stage::Execute),
    ] {
        let mut market = Market::new(mix);
        eprintln!(
            "{name}: {} leases running after warm-up; last block: {:?}",
            market.running_leases(),
            market.last_mix
        );
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let block = market.next_block(mix);
                        black_box(market.apply(&block, signatures, stage))
                    })
                    .sum()
            });
        });
        // The figures depend on the state's size (tree depth, cache misses), which grows as
        // the benchmark runs: say how large it got.
        let state = &market.state;
        eprintln!(
            "{name}: ended at height {} with {} accounts, {} orders, {} leases in the state",
            state.height(),
            state.accounts().count(),
            state.orders().count(),
            state.leases().count()
        );
    }

    let mut market = Market::new(TRANSFERS_ONLY);
    let block = rejected_block(&mut market);
    group.bench_function("rejected,sigs=assumed", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let ctx = market.context();
                    let start = Instant::now();
                    let outcome =
                        market.state.apply_block_with(&ctx, &block, Signatures::AlreadyVerified);
                    let elapsed = start.elapsed();
                    assert!(outcome.unwrap().results.iter().all(Result::is_err));
                    elapsed
                })
                .sum()
        });
    });
    group.finish();

    // End-of-block settlement alone: empty blocks on the steady-state market, so every block
    // pays (and commits) each running lease and its provider's account.
    let mut market = Market::new(MARKET);
    let running = market.running_leases() as u64;
    let mut group = c.benchmark_group("market::settle");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(running));
    group.bench_function(format!("empty-block,running={running}"), |b| {
        b.iter_custom(|iters| {
            (0..iters).map(|_| market.apply(&[], Signatures::Verify, Stage::Both)).sum()
        });
    });
    group.finish();
}

criterion_group!(benches, bench_apply);
criterion_main!(benches);
