//! Property tests over random block sequences.
//!
//! A case is a generated *plan*: plain data describing blocks (a time gap and a few abstract
//! operations each) over a small fixed cast — three requestors, four providers (three of them
//! registered with inventory in a fixed prelude) and one outsider who starts without an
//! account. The driver turns each planned block into signed transactions against the state at
//! the start of that block, resolving references such as "the 2nd open order", "a running
//! lease" or "the lease's own provider" to real ids and keys, so that most transactions are
//! plausible and the market actually moves: auctions close, leases start, stream payment, run
//! out of escrow or time, results agree or disagree, audits, disputes and hardware challenges
//! are drawn and answered or expire. Some transactions carry a deliberate flaw
//! (stale or future nonce, a signature by the wrong key, a fee below the minimum, a duplicate).
//!
//! Properties (each its own proptest, so each can fail on its own):
//! - [`supply_and_escrow_are_conserved`]: after every block, money is conserved exactly and the
//!   incremental root equals a from-scratch root; per-order escrow accounting closes; provider
//!   bookkeeping (active leases, open bids, leased GPUs) matches the leases and orders; running
//!   leases are paid exactly what they accrued; admission results agree with a model of the
//!   nonce/fee/signature rules; the read queries (every provider's assignments, offers for a
//!   set of queries) agree with scans of the tables. After the plan, time runs far past every
//!   limit and every order must be final with its escrow settled and nobody owes verification.
//! - [`failed_txs_change_only_fee_and_nonce`]: a transaction that fails admission changes
//!   nothing; one that fails execution changes only its sender's balance (−fee) and nonce (+1)
//!   and the fee pool (+fee). Checked exactly against a twin state (see that test).
//! - [`replays_are_rejected`]: every successful transaction re-submitted later is a
//!   `StaleNonce` admission failure and changes nothing (twin state again).
//! - [`application_is_deterministic`]: two states fed the same blocks agree on every result,
//!   event and root.
//!
//! [`generator_reaches_interesting_states`] guards the generator itself: over a fixed set of
//! plans it must reach disputes, escrow exhaustion, every admission failure, and so on, so that
//! the properties above are not vacuous.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rigshare_market::exec::order::cost;
use rigshare_market::{
    AdmissionError, Assignments, BlockOutcome, Event, ExecError, Params, State, TxError,
};
use rigshare_types::records::{Account, LeaseStatus, OrderStatus};
use rigshare_types::verification::{AuditStatus, DisputeStatus, HardwareCheckStatus};
use rigshare_types::{
    Amount, ComputeCapability, GpuGroup, Keypair, LeaseId, OrderId, OrderSpec, PublicKey, Receipt,
    SignedReceipt, SignedTransaction, Transaction, TxBody, Usage, VerificationPolicy, hash,
};

use crate::harness::{self, BLOCK_MS, FEE, Net};
use crate::queries;

// ---------------------------------------------------------------------------------------------
// The cast.

const REQUESTORS: usize = 3;
const PROVIDERS: usize = 4;
/// Index of the key that has no account at genesis.
const OUTSIDER: usize = REQUESTORS + PROVIDERS;
const CAST: usize = OUTSIDER + 1;
/// Largest valid `auction_blocks` the generator uses (it also uses invalid ones).
const MAX_GEN_AUCTION_BLOCKS: u32 = 5;

fn cast() -> Vec<Keypair> {
    (0..CAST).map(|i| harness::key(100 + u8::try_from(i).unwrap())).collect()
}

fn is_provider_slot(i: usize) -> bool {
    (REQUESTORS..OUTSIDER).contains(&i)
}

/// The harness's parameters, with a hardware-challenge window random runs reach the end of.
fn params() -> Params {
    Params { hardware_check_blocks: 3, ..harness::params() }
}

/// Genesis funding, then a prelude block registering the first three providers.
fn market(keys: &[Keypair]) -> Net {
    let funded: Vec<(&Keypair, u64)> = keys[..OUTSIDER]
        .iter()
        .enumerate()
        .map(|(i, k)| (k, if is_provider_slot(i) { 1_000 } else { 10_000 }))
        .collect();
    let mut net = Net::with_params(params(), &funded);
    net.provider(&keys[REQUESTORS], vec![harness::gpus("H100", 4, 80, "1.0")]);
    net.provider(
        &keys[REQUESTORS + 1],
        vec![harness::gpus("A100", 2, 40, "0.8"), harness::gpus("RTX4090", 4, 24, "0.3")],
    );
    net.provider(&keys[REQUESTORS + 2], vec![harness::gpus("H100", 2, 80, "1.2")]);
    // Twice the minimum stake, so that a partial `Unbond` can succeed.
    let stake = (REQUESTORS..OUTSIDER - 1)
        .map(|i| net.tx(&keys[i], TxBody::AddStake { amount: Amount::units(100) }))
        .collect();
    assert!(net.block(stake).results.iter().all(Result::is_ok));
    net.check_invariants();
    net
}

// ---------------------------------------------------------------------------------------------
// The plan: plain data.

#[derive(Clone, Debug)]
struct BlockPlan {
    gap_ms: u64,
    txs: Vec<TxPlan>,
    /// Indices (modulo the count) of earlier successful transactions to replay after this block;
    /// used by [`replays_are_rejected`] only.
    replays: Vec<usize>,
}

#[derive(Clone, Debug)]
struct TxPlan {
    op: Op,
    flaw: Flaw,
}

#[derive(Clone, Copy, Debug)]
enum Flaw {
    None,
    /// Fee above the minimum (still valid).
    HighFee,
    /// The previous nonce (or, for a fresh account, one ahead).
    StaleNonce,
    /// `k + 1` ahead of the next nonce.
    FutureNonce(u64),
    /// Signed by another member of the cast.
    WrongKey(usize),
    /// One below the minimum fee.
    LowFee,
    /// The same signed transaction twice in a row.
    Duplicate,
}

/// Who bids.
#[derive(Clone, Copy, Debug)]
enum Bidder {
    /// The k-th (modulo) registered provider that has not bid on the order and did not create
    /// it, or the first provider if there is none.
    Fresh(usize),
    Actor(usize),
}

/// Who sends a transaction about an existing order or lease.
#[derive(Clone, Copy, Debug)]
enum Sender {
    /// The one entitled to: the order's requestor, the lease's provider.
    Natural,
    Actor(usize),
}

#[derive(Clone, Copy, Debug)]
enum OrderRef {
    /// The k-th open order (modulo), or the newest if none is open.
    Open(usize),
    /// The k-th running order (modulo), or the newest if none is running.
    Running(usize),
    /// `k` before the newest (0 is the newest; may not exist).
    Recent(u64),
    Abs(u64),
}

#[derive(Clone, Copy, Debug)]
enum LeaseRef {
    Pending(usize),
    Running(usize),
    Recent(u64),
    Abs(u64),
}

#[derive(Clone, Copy, Debug)]
enum Pick {
    Zero,
    Units(u64),
    /// The sender's whole balance (fails: the fee is taken first).
    Balance,
    /// The sender's balance minus the fee (empties the account).
    BalanceLessFee,
    /// The sender's whole stake (for `Unbond`).
    Stake,
    Huge,
}

#[derive(Clone, Copy, Debug)]
enum PricePick {
    Zero,
    /// Percent of the order's maximum.
    Pct(u64),
    AboveMax,
}

#[derive(Clone, Copy, Debug)]
enum DepositPick {
    TooSmall,
    Min,
    Half,
    Full,
    Double,
    Huge,
}

#[derive(Clone, Copy, Debug)]
enum ReceiptFlaw {
    None,
    WrongManifest,
    /// Receipt signed by another key than the provider's.
    BadSignature,
}

#[derive(Clone, Debug)]
struct SpecPlan {
    manifest: u8,
    query: usize,
    gpus: u32,
    price_units: u64,
    duration_ms: u64,
    replicas: u8,
    deposit: DepositPick,
    auction_blocks: u32,
    audit_ppm: u32,
}

#[derive(Clone, Debug)]
struct GroupPlan {
    model: usize,
    vram_gib: u64,
    count: u32,
    price_micro: u64,
    cc_major: u8,
}

#[derive(Clone, Debug)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        amount: Pick,
    },
    Register {
        who: usize,
        stake: Pick,
        endpoint_ok: bool,
        attributes_ok: bool,
    },
    Inventory {
        who: usize,
        groups: Vec<GroupPlan>,
    },
    AddStake {
        who: usize,
        amount: Pick,
    },
    Unbond {
        who: usize,
        amount: Pick,
    },
    CreateOrder {
        who: usize,
        spec: SpecPlan,
    },
    Bid {
        who: Bidder,
        order: OrderRef,
        price: PricePick,
    },
    Cancel {
        who: Sender,
        order: OrderRef,
    },
    Start {
        who: Sender,
        lease: LeaseRef,
    },
    Submit {
        who: Sender,
        lease: LeaseRef,
        root: u8,
        flaw: ReceiptFlaw,
    },
    Abandon {
        who: Sender,
        lease: LeaseRef,
        long_reason: bool,
    },
    /// Report the `nth` pending audit (its auditor, naturally).
    Audit {
        who: Sender,
        nth: usize,
        root: u8,
    },
    /// Challenge the `nth` settled result.
    Challenge {
        who: usize,
        nth: usize,
        root: u8,
        bond: Pick,
    },
    /// Vote in the `nth` open dispute (an arbiter that has not voted, naturally).
    Arbitrate {
        who: Sender,
        nth: usize,
        root: u8,
    },
    /// Ask for a hardware challenge of one of the sender's groups.
    RequestHardware {
        who: usize,
        group: u32,
    },
    /// Report the `nth` assigned hardware challenge (its checker, naturally).
    ReportHardware {
        who: Sender,
        nth: usize,
        passed: bool,
    },
}

const MODELS: &[&str] = &["H100", "A100", "RTX4090", "bad model!"];
const QUERIES: &[&str] = &[
    "",
    "vram_gib>=40",
    "gpu_model=H100",
    "gpu_model in [H100, A100] gpu_count>=2",
    "vram_gib<=24",
    "price_gpu_hour<=1.5",
    "reliability>=0.5",
    // Only groups whose hardware challenge passed qualify.
    "tier>=challenged",
    // Do not parse.
    "vram_gib>>40",
    "colour=blue",
];

// ---------------------------------------------------------------------------------------------
// Strategies.

fn requestor_like() -> impl Strategy<Value = usize> {
    prop_oneof![8 => 0..REQUESTORS, 2 => REQUESTORS..OUTSIDER, 1 => Just(OUTSIDER)]
}

/// Mostly the three providers registered in the prelude.
fn provider_like() -> impl Strategy<Value = usize> {
    prop_oneof![
        24 => REQUESTORS..OUTSIDER - 1,
        2 => Just(OUTSIDER - 1),
        1 => 0..REQUESTORS,
        1 => Just(OUTSIDER),
    ]
}

fn bidder() -> impl Strategy<Value = Bidder> {
    prop_oneof![3 => (0..4usize).prop_map(Bidder::Fresh), 1 => provider_like().prop_map(Bidder::Actor)]
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![8 => Just(Sender::Natural), 1 => (0..CAST).prop_map(Sender::Actor)]
}

fn order_ref(open: u32, running: u32) -> impl Strategy<Value = OrderRef> {
    prop_oneof![
        open => (0..4usize).prop_map(OrderRef::Open),
        running => (0..4usize).prop_map(OrderRef::Running),
        2 => (0..4u64).prop_map(OrderRef::Recent),
        1 => (1..=6u64).prop_map(OrderRef::Abs),
    ]
}

fn lease_ref(pending: u32, running: u32) -> impl Strategy<Value = LeaseRef> {
    prop_oneof![
        pending => (0..4usize).prop_map(LeaseRef::Pending),
        running => (0..4usize).prop_map(LeaseRef::Running),
        2 => (0..4u64).prop_map(LeaseRef::Recent),
        1 => (1..=8u64).prop_map(LeaseRef::Abs),
    ]
}

fn stake_pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        1 => Just(Pick::Zero),
        2 => Just(Pick::Units(50)),
        4 => Just(Pick::Units(100)),
        2 => Just(Pick::Units(150)),
        2 => Just(Pick::Stake),
        1 => Just(Pick::Huge),
    ]
}

fn spec_plan() -> impl Strategy<Value = SpecPlan> {
    let shape = (
        0..2u8,
        prop_oneof![12 => 0..3usize, 6 => 3..8usize, 1 => 8..QUERIES.len()],
        prop_oneof![1 => Just(0u32), 24 => Just(1), 6 => Just(2), 2 => Just(4), 1 => Just(65)],
        prop_oneof![1 => Just(0u64), 30 => 1..=4u64],
        prop_oneof![
            1 => Just(0u64),
            1 => Just(500),
            3 => Just(1_000),
            8 => Just(60_000),
            8 => Just(600_000),
            8 => Just(3_600_000),
            4 => Just(7_200_000),
            1 => Just(harness::params().max_duration_ms + 1),
        ],
    );
    let terms = (
        prop_oneof![1 => Just(0u8), 14 => Just(1), 20 => Just(2), 5 => Just(3), 1 => Just(9)],
        prop_oneof![
            2 => Just(DepositPick::TooSmall),
            2 => Just(DepositPick::Min),
            3 => Just(DepositPick::Half),
            6 => Just(DepositPick::Full),
            3 => Just(DepositPick::Double),
            1 => Just(DepositPick::Huge),
        ],
        prop_oneof![
            1 => Just(0u32),
            10 => Just(1),
            30 => 2..=MAX_GEN_AUCTION_BLOCKS,
            1 => Just(harness::params().max_auction_blocks + 1),
        ],
        prop_oneof![20 => Just(0u32), 5 => Just(500_000), 5 => Just(1_000_000), 1 => Just(1_000_001)],
    );
    (shape, terms).prop_map(
        |(
            (manifest, query, gpus, price_units, duration_ms),
            (replicas, deposit, auction_blocks, audit_ppm),
        )| SpecPlan {
            manifest,
            query,
            gpus,
            price_units,
            duration_ms,
            replicas,
            deposit,
            auction_blocks,
            audit_ppm,
        },
    )
}

fn group_plan() -> impl Strategy<Value = GroupPlan> {
    (
        prop_oneof![10 => 0..3usize, 1 => Just(3)],
        prop_oneof![Just(24u64), Just(40), Just(80)],
        prop_oneof![1 => Just(0u32), 10 => 1..=8u32],
        100_000..3_000_000u64,
        prop_oneof![Just(8u8), Just(9)],
    )
        .prop_map(|(model, vram_gib, count, price_micro, cc_major)| GroupPlan {
            model,
            vram_gib,
            count,
            price_micro,
            cc_major,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (
            prop_oneof![6 => 0..REQUESTORS, 3 => REQUESTORS..OUTSIDER, 1 => Just(OUTSIDER)],
            0..CAST,
            prop_oneof![
                1 => Just(Pick::Zero),
                8 => (1..=50u64).prop_map(Pick::Units),
                1 => Just(Pick::Balance),
                1 => Just(Pick::BalanceLessFee),
                1 => Just(Pick::Huge),
            ],
        )
            .prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        1 => (provider_like(), stake_pick(), prop::bool::weighted(0.9), prop::bool::weighted(0.9))
            .prop_map(|(who, stake, endpoint_ok, attributes_ok)| Op::Register {
                who,
                stake,
                endpoint_ok,
                attributes_ok,
            }),
        1 => (provider_like(), prop::collection::vec(group_plan(), 0..=3))
            .prop_map(|(who, groups)| Op::Inventory { who, groups }),
        1 => (provider_like(), stake_pick())
            .prop_map(|(who, amount)| Op::AddStake { who, amount }),
        1 => (provider_like(), stake_pick())
            .prop_map(|(who, amount)| Op::Unbond { who, amount }),
        20 => (requestor_like(), spec_plan())
            .prop_map(|(who, spec)| Op::CreateOrder { who, spec }),
        30 => (
            bidder(),
            order_ref(12, 1),
            prop_oneof![
                1 => Just(PricePick::Zero),
                12 => (1..=100u64).prop_map(PricePick::Pct),
                2 => Just(PricePick::AboveMax),
            ],
        )
            .prop_map(|(who, order, price)| Op::Bid { who, order, price }),
        2 => (sender(), order_ref(2, 3)).prop_map(|(who, order)| Op::Cancel { who, order }),
        14 => (sender(), lease_ref(8, 1)).prop_map(|(who, lease)| Op::Start { who, lease }),
        14 => (
            sender(),
            lease_ref(1, 8),
            prop_oneof![3 => Just(0u8), 1 => Just(1)],
            prop_oneof![
                10 => Just(ReceiptFlaw::None),
                1 => Just(ReceiptFlaw::WrongManifest),
                1 => Just(ReceiptFlaw::BadSignature),
            ],
        )
            .prop_map(|(who, lease, root, flaw)| Op::Submit { who, lease, root, flaw }),
        1 => (sender(), lease_ref(2, 3), prop::bool::weighted(0.1))
            .prop_map(|(who, lease, long_reason)| Op::Abandon { who, lease, long_reason }),
        3 => (sender(), 0..4usize, prop_oneof![3 => Just(0u8), 1 => Just(1)])
            .prop_map(|(who, nth, root)| Op::Audit { who, nth, root }),
        2 => (
            requestor_like(),
            0..4usize,
            0..2u8,
            prop_oneof![
                1 => Just(Pick::Zero),
                6 => Just(Pick::Units(10)),
                1 => Just(Pick::Huge),
            ],
        )
            .prop_map(|(who, nth, root, bond)| Op::Challenge { who, nth, root, bond }),
        4 => (sender(), 0..4usize, prop_oneof![3 => Just(0u8), 1 => Just(1)])
            .prop_map(|(who, nth, root)| Op::Arbitrate { who, nth, root }),
        1 => (provider_like(), prop_oneof![4 => Just(0u32), 1 => 1..3u32])
            .prop_map(|(who, group)| Op::RequestHardware { who, group }),
        3 => (sender(), 0..4usize, prop::bool::weighted(0.6))
            .prop_map(|(who, nth, passed)| Op::ReportHardware { who, nth, passed }),
    ]
}

fn flaw() -> impl Strategy<Value = Flaw> {
    prop_oneof![
        100 => Just(Flaw::None),
        4 => Just(Flaw::HighFee),
        3 => Just(Flaw::StaleNonce),
        3 => (0..3u64).prop_map(Flaw::FutureNonce),
        3 => (0..CAST - 1).prop_map(Flaw::WrongKey),
        3 => Just(Flaw::LowFee),
        3 => Just(Flaw::Duplicate),
    ]
}

fn block_plan() -> impl Strategy<Value = BlockPlan> {
    (
        prop_oneof![2 => Just(0u64), 5 => Just(BLOCK_MS), 3 => 0..=2_000_000u64],
        prop::collection::vec((op(), flaw()).prop_map(|(op, flaw)| TxPlan { op, flaw }), 0..=8),
        prop::collection::vec(any::<usize>(), 0..=3),
    )
        .prop_map(|(gap_ms, txs, replays)| BlockPlan { gap_ms, txs, replays })
}

fn plan() -> impl Strategy<Value = Vec<BlockPlan>> {
    prop::collection::vec(block_plan(), 5..=40)
}

// ---------------------------------------------------------------------------------------------
// Turning a planned block into signed transactions.

fn index_of(keys: &[Keypair], who: &PublicKey) -> Option<usize> {
    keys.iter().position(|k| k.public() == *who)
}

fn order_id(state: &State, r: OrderRef) -> OrderId {
    let newest = state.globals().next_order.saturating_sub(1);
    let nth = |status: OrderStatus, k: usize| {
        let found: Vec<OrderId> =
            state.orders().filter(|(_, o)| o.status == status).map(|(id, _)| *id).collect();
        if found.is_empty() { OrderId(newest) } else { found[k % found.len()] }
    };
    match r {
        OrderRef::Open(k) => nth(OrderStatus::Open, k),
        OrderRef::Running(k) => nth(OrderStatus::Running, k),
        OrderRef::Recent(k) => OrderId(newest.saturating_sub(k)),
        OrderRef::Abs(n) => OrderId(n),
    }
}

fn lease_id(state: &State, r: LeaseRef) -> LeaseId {
    let newest = state.globals().next_lease.saturating_sub(1);
    let nth = |status: LeaseStatus, k: usize| {
        let found: Vec<LeaseId> =
            state.leases().filter(|(_, l)| l.status == status).map(|(id, _)| *id).collect();
        if found.is_empty() { LeaseId(newest) } else { found[k % found.len()] }
    };
    match r {
        LeaseRef::Pending(k) => nth(LeaseStatus::Pending, k),
        LeaseRef::Running(k) => nth(LeaseStatus::Running, k),
        LeaseRef::Recent(k) => LeaseId(newest.saturating_sub(k)),
        LeaseRef::Abs(n) => LeaseId(n),
    }
}

fn lease_sender(state: &State, keys: &[Keypair], who: Sender, lease: LeaseId) -> usize {
    match who {
        Sender::Actor(i) => i,
        Sender::Natural => {
            state.lease(lease).and_then(|l| index_of(keys, &l.provider)).unwrap_or(REQUESTORS)
        }
    }
}

fn amount(state: &State, who: &PublicKey, pick: Pick) -> Amount {
    let balance = state.account(who).map_or(0, |a| a.balance.0);
    Amount(match pick {
        Pick::Zero => 0,
        Pick::Units(u) => Amount::units(u).0,
        Pick::Balance => balance,
        Pick::BalanceLessFee => balance.saturating_sub(FEE.0),
        Pick::Stake => state.provider(who).map_or(Amount::units(100).0, |p| p.stake.0),
        Pick::Huge => u64::MAX / 2,
    })
}

fn order_spec(state: &State, plan: &SpecPlan) -> OrderSpec {
    let price = Amount::units(plan.price_units);
    let replicas = u64::from(plan.replicas);
    let min_duration = state.params().min_duration_ms;
    let total = |ms| cost(price, plan.gpus, ms).map_or(u64::MAX, |c| c.0.saturating_mul(replicas));
    let min = total(min_duration).max(1);
    let full = total(plan.duration_ms);
    let deposit = match plan.deposit {
        DepositPick::TooSmall => min - 1,
        DepositPick::Min => min,
        DepositPick::Half => (full / 2).max(min),
        DepositPick::Full => full.max(min),
        DepositPick::Double => full.saturating_mul(2).max(min),
        DepositPick::Huge => Amount::units(1_000_000_000).0,
    };
    OrderSpec {
        manifest_hash: hash::blake3(&[b'm', plan.manifest]),
        query: QUERIES[plan.query].into(),
        gpus: plan.gpus,
        max_price_gpu_hour: price,
        max_duration_ms: plan.duration_ms,
        replicas: plan.replicas,
        verification: VerificationPolicy { audit_ppm: plan.audit_ppm },
        deposit: Amount(deposit),
        auction_blocks: plan.auction_blocks,
    }
}

/// The sender (an index into the cast) and body of a planned operation, against `state`.
fn resolve(state: &State, keys: &[Keypair], op: &Op) -> (usize, TxBody) {
    match op {
        Op::Transfer { from, to, amount: pick } => {
            let amount = amount(state, &keys[*from].public(), *pick);
            (*from, TxBody::Transfer { to: keys[*to].public(), amount })
        }
        Op::Register { who, stake, endpoint_ok, attributes_ok } => {
            let endpoint = if *endpoint_ok { "https://rig.example:7000" } else { "ftp://rig" };
            let attributes = if *attributes_ok {
                vec![("region".into(), "eu".into())]
            } else {
                vec![("zone".into(), "a".into()), ("region".into(), "eu".into())]
            };
            let stake = amount(state, &keys[*who].public(), *stake);
            (*who, TxBody::RegisterProvider { stake, endpoint: endpoint.into(), attributes })
        }
        Op::Inventory { who, groups } => {
            let groups = groups
                .iter()
                .map(|g| GpuGroup {
                    model: MODELS[g.model].into(),
                    vram_mib: g.vram_gib * 1024,
                    count: g.count,
                    compute_capability: ComputeCapability { major: g.cc_major, minor: 0 },
                    price_floor: Amount(g.price_micro),
                })
                .collect();
            (*who, TxBody::UpdateInventory { groups })
        }
        Op::AddStake { who, amount: pick } => {
            (*who, TxBody::AddStake { amount: amount(state, &keys[*who].public(), *pick) })
        }
        Op::Unbond { who, amount: pick } => {
            (*who, TxBody::Unbond { amount: amount(state, &keys[*who].public(), *pick) })
        }
        Op::CreateOrder { who, spec } => (*who, TxBody::CreateOrder(order_spec(state, spec))),
        Op::Bid { who, order, price } => {
            let order = order_id(state, *order);
            let max = state.order(order).map_or(Amount::units(1).0, |o| o.max_price_gpu_hour.0);
            let price = match price {
                PricePick::Zero => 0,
                PricePick::Pct(p) => (max * p / 100).max(1),
                PricePick::AboveMax => max + 1,
            };
            let who = match *who {
                Bidder::Actor(i) => i,
                Bidder::Fresh(k) => {
                    let fresh: Vec<usize> = state
                        .providers()
                        .map(|(p, _)| *p)
                        .filter(|p| {
                            state.order(order).is_none_or(|o| {
                                o.requestor != *p && o.bids.iter().all(|b| b.provider != *p)
                            })
                        })
                        .filter_map(|p| index_of(keys, &p))
                        .collect();
                    if fresh.is_empty() { REQUESTORS } else { fresh[k % fresh.len()] }
                }
            };
            (who, TxBody::Bid { order, price_gpu_hour: Amount(price) })
        }
        Op::Cancel { who, order } => {
            let order = order_id(state, *order);
            let sender = match who {
                Sender::Actor(i) => *i,
                Sender::Natural => {
                    state.order(order).and_then(|o| index_of(keys, &o.requestor)).unwrap_or(0)
                }
            };
            (sender, TxBody::CancelOrder { order })
        }
        Op::Start { who, lease } => {
            let lease = lease_id(state, *lease);
            (lease_sender(state, keys, *who, lease), TxBody::StartLease { lease })
        }
        Op::Submit { who, lease, root, flaw } => {
            let lease = lease_id(state, *lease);
            let sender = lease_sender(state, keys, *who, lease);
            let manifest_hash = match flaw {
                ReceiptFlaw::WrongManifest => hash::blake3(b"another manifest"),
                _ => state
                    .lease(lease)
                    .and_then(|l| state.order(l.order))
                    .map_or(hash::blake3(b"m\0"), |o| o.manifest_hash),
            };
            let receipt = Receipt {
                lease,
                manifest_hash,
                output_root: hash::sha256(&[*root]),
                usage: Usage { gpu_seconds: 60, wall_ms: 60_000, exit_code: 0 },
                runtime_digest: hash::sha256(b"wasmtime-48"),
            };
            let signer = match flaw {
                ReceiptFlaw::BadSignature => &keys[(sender + 1) % CAST],
                _ => &keys[sender],
            };
            (sender, TxBody::SubmitResult(SignedReceipt::sign(receipt, signer)))
        }
        Op::Abandon { who, lease, long_reason } => {
            let lease = lease_id(state, *lease);
            let reason = if *long_reason { "x".repeat(300) } else { "GPU fell off the bus".into() };
            (lease_sender(state, keys, *who, lease), TxBody::AbandonLease { lease, reason })
        }
        Op::Audit { who, nth, root } => {
            let pending: Vec<_> = state
                .audits()
                .filter(|(_, a)| a.status == AuditStatus::Pending)
                .map(|(_, a)| *a)
                .collect();
            let audit = pending.get(nth % pending.len().max(1)).copied();
            let lease = audit.map_or(LeaseId(1), |a| a.lease);
            let sender = match who {
                Sender::Actor(i) => *i,
                Sender::Natural => audit.and_then(|a| index_of(keys, &a.auditor)).unwrap_or(0),
            };
            (sender, TxBody::SubmitAudit { lease, output_root: hash::sha256(&[*root]) })
        }
        Op::Challenge { who, nth, root, bond } => {
            let settled: Vec<LeaseId> =
                state.leases().filter_map(|(id, _)| state.settlement(*id).map(|_| *id)).collect();
            let lease = settled.get(nth % settled.len().max(1)).copied().unwrap_or(LeaseId(1));
            let bond = amount(state, &keys[*who].public(), *bond);
            (*who, TxBody::Challenge { lease, output_root: hash::sha256(&[*root]), bond })
        }
        Op::Arbitrate { who, nth, root } => {
            let open: Vec<_> = state
                .disputes()
                .filter(|(_, d)| d.status == DisputeStatus::Open)
                .map(|(_, d)| d.clone())
                .collect();
            let dispute = open.get(nth % open.len().max(1));
            let order = dispute.map_or(OrderId(1), |d| d.order);
            let sender = match who {
                Sender::Actor(i) => *i,
                Sender::Natural => dispute
                    .and_then(|d| d.arbiters.iter().find(|a| d.votes.iter().all(|(v, _)| v != *a)))
                    .and_then(|a| index_of(keys, a))
                    .unwrap_or(0),
            };
            (sender, TxBody::Arbitrate { order, output_root: hash::sha256(&[*root]) })
        }
        Op::RequestHardware { who, group } => {
            (*who, TxBody::RequestHardwareCheck { group: *group, claimed_tops: 100 })
        }
        Op::ReportHardware { who, nth, passed } => {
            let assigned: Vec<_> = state
                .hardware_checks()
                .filter(|(_, c)| c.status == HardwareCheckStatus::Assigned)
                .map(|(_, c)| *c)
                .collect();
            let check = assigned.get(nth % assigned.len().max(1)).copied();
            let provider = check.map_or(keys[REQUESTORS].public(), |c| c.provider);
            let sender = match who {
                Sender::Actor(i) => *i,
                Sender::Natural => {
                    check.and_then(|c| c.checker).and_then(|c| index_of(keys, &c)).unwrap_or(0)
                }
            };
            let measured_ops_per_s = if *passed { 100_000_000_000_000 } else { 1 };
            (sender, TxBody::ReportHardwareCheck { provider, passed: *passed, measured_ops_per_s })
        }
    }
}

/// Signs a planned block against the state it will be applied to. Nonces follow on within the
/// block for each sender, except for transactions whose flaw makes them fail admission.
fn build_block(state: &State, keys: &[Keypair], plan: &[TxPlan]) -> Vec<SignedTransaction> {
    let chain_id = state.params().chain_id.clone();
    let min_fee = state.params().min_fee;
    let mut next: BTreeMap<PublicKey, u64> = BTreeMap::new();
    let mut txs = Vec::new();
    for tx in plan {
        let (who, body) = resolve(state, keys, &tx.op);
        let sender = keys[who].public();
        let next =
            next.entry(sender).or_insert_with(|| state.account(&sender).map_or(0, |a| a.nonce));
        let (mut nonce, mut fee, mut signer) = (*next, FEE, &keys[who]);
        match tx.flaw {
            Flaw::None | Flaw::Duplicate => *next += 1,
            Flaw::HighFee => {
                fee = Amount(FEE.0 * 7);
                *next += 1;
            }
            Flaw::StaleNonce => nonce = nonce.checked_sub(1).unwrap_or(1),
            Flaw::FutureNonce(k) => nonce += 1 + k,
            Flaw::WrongKey(k) => signer = &keys[(who + 1 + k) % CAST],
            Flaw::LowFee => fee = Amount(min_fee.0 - 1),
        }
        let signed = Transaction { sender, nonce, fee, body }.sign(signer, &chain_id);
        if matches!(tx.flaw, Flaw::Duplicate) {
            txs.push(signed.clone());
        }
        txs.push(signed);
    }
    txs
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// What must hold after every block.
fn check_state(net: &Net) {
    // Supply conserved exactly; incremental root equals a from-scratch root.
    net.check_invariants();
    let state = &net.state;
    // The read queries agree with scans of the tables.
    queries::check_assignments(state);
    queries::check_offers(state);
    let params = state.params();
    let (height, now) = (state.height(), state.time_ms());
    let supply = u128::from(state.globals().total_supply.0);

    // Nobody holds more than the supply (balances are u64, so "no negative balance" would be a
    // wrap-around to a huge value, caught here as well as by conservation).
    let mut held: BTreeMap<PublicKey, u128> = BTreeMap::new();
    for (id, account) in state.accounts() {
        *held.entry(*id).or_default() += u128::from(account.balance.0);
    }
    for (id, p) in state.providers() {
        let unbonding: u128 = p.unbonding.iter().map(|u| u128::from(u.amount.0)).sum();
        *held.entry(*id).or_default() += u128::from(p.stake.0) + unbonding;
    }
    for (_, o) in state.orders() {
        *held.entry(o.requestor).or_default() += u128::from(o.escrow.0);
    }
    for (_, l) in state.leases() {
        *held.entry(l.requestor).or_default() += u128::from(l.escrow.0);
    }
    for (who, amount) in &held {
        assert!(*amount <= supply, "{who:?} holds {amount} > supply {supply}");
    }

    // Leases by order.
    let mut by_order: BTreeMap<OrderId, Vec<LeaseId>> = BTreeMap::new();
    for (id, l) in state.leases() {
        by_order.entry(l.order).or_default().push(*id);
    }
    for (id, o) in state.orders() {
        let leases = by_order.remove(id).unwrap_or_default();
        assert_eq!(o.leases, leases, "order {id}: its lease list is its leases");
        let (mut paid, mut lease_escrow, mut active) = (0u128, 0u128, 0usize);
        for l in leases.iter().map(|l| state.lease(*l).unwrap()) {
            assert_eq!(l.requestor, o.requestor);
            paid += u128::from(l.paid.0);
            lease_escrow += u128::from(l.escrow.0);
            if l.status.is_active() {
                active += 1;
            } else {
                assert_eq!(l.escrow, Amount::ZERO, "order {id}: ended lease holds escrow");
            }
        }
        let (deposit, refunded, escrow) =
            (u128::from(o.deposit.0), u128::from(o.refunded.0), u128::from(o.escrow.0));
        assert_eq!(deposit, refunded + escrow + lease_escrow + paid, "order {id}: escrow accounts");
        match o.status {
            OrderStatus::Open => {
                assert!(leases.is_empty() && o.escrow == o.deposit && o.refunded == Amount::ZERO);
                assert!(o.auction_close_height > height, "order {id}: auction overdue");
                let bidders: BTreeSet<PublicKey> = o.bids.iter().map(|b| b.provider).collect();
                assert_eq!(bidders.len(), o.bids.len(), "order {id}: one bid per provider");
            }
            OrderStatus::Running => {
                assert_eq!(leases.len(), usize::from(o.replicas), "order {id}: one lease/replica");
                assert!(active > 0, "order {id}: running without an active lease");
            }
            OrderStatus::Disputed => {
                assert_eq!(active, 0, "order {id}: final with an active lease");
                let open = state.dispute(*id).is_some_and(|d| d.status == DisputeStatus::Open);
                if open {
                    assert_eq!(o.refunded, Amount::ZERO, "order {id}: disputed yet refunded");
                } else {
                    assert_eq!(o.escrow, Amount::ZERO, "order {id}: closed dispute holds escrow");
                }
                assert_eq!(deposit, refunded + escrow + paid, "order {id}: dispute accounts");
            }
            _ => {
                assert_eq!(active, 0, "order {id}: final with an active lease");
                assert_eq!(o.escrow, Amount::ZERO, "order {id}: final with escrow left");
                assert_eq!(deposit, refunded + paid, "order {id}: escrow closes to zero");
            }
        }
    }
    assert!(by_order.is_empty(), "leases of unknown orders: {by_order:?}");

    // Payment: running leases are paid exactly what they accrued; nobody is paid beyond the
    // order's duration at the agreed price.
    for (id, l) in state.leases() {
        let max_ms = state.order(l.order).unwrap().max_duration_ms;
        let bound = cost(l.price_gpu_hour, l.gpus, max_ms).unwrap();
        assert!(l.paid <= bound, "lease {id}: paid {} > {}", l.paid, bound);
        match (l.status, l.started_ms) {
            (LeaseStatus::Pending, started) => {
                assert_eq!((started, l.paid), (None, Amount::ZERO), "lease {id}");
                assert!(l.start_deadline > height, "lease {id}: start deadline passed");
            }
            (LeaseStatus::Running, Some(started)) => {
                let ends = started + max_ms;
                assert!(now < ends + params.result_grace_ms, "lease {id}: overdue");
                let accrued = cost(l.price_gpu_hour, l.gpus, now.min(ends) - started).unwrap();
                assert_eq!(l.paid, accrued, "lease {id}: streamed payment");
            }
            (LeaseStatus::Running, None) => panic!("lease {id}: running but never started"),
            (_, None) => assert_eq!(l.paid, Amount::ZERO, "lease {id}: paid but never started"),
            (_, Some(started)) => {
                let ended = l.ended_ms.expect("ended lease has an end time");
                let ran = ended.min(started + max_ms) - started;
                let accrued = cost(l.price_gpu_hour, l.gpus, ran).unwrap();
                assert!(l.paid <= accrued, "lease {id}: paid {} for {ran} ms", l.paid);
            }
        }
    }

    // Provider bookkeeping matches the leases and orders.
    for (who, p) in state.providers() {
        let mine: Vec<_> = state
            .leases()
            .map(|(_, l)| l)
            .filter(|l| l.provider == *who && l.status.is_active())
            .collect();
        assert_eq!(p.active_leases as usize, mine.len(), "{who:?}: active lease count");
        let bids = state
            .orders()
            .filter(|(_, o)| {
                o.status == OrderStatus::Open && o.bids.iter().any(|b| b.provider == *who)
            })
            .count();
        assert_eq!(p.open_bids as usize, bids, "{who:?}: open bid count");
        for (g, group) in p.inventory.iter().enumerate() {
            let leased: u32 = mine.iter().filter(|l| l.group as usize == g).map(|l| l.gpus).sum();
            assert_eq!(group.leased, leased, "{who:?}: GPUs leased from group {g}");
            assert!(group.leased <= group.gpu.count, "{who:?}: group {g} overbooked");
        }
        assert!(mine.iter().all(|l| (l.group as usize) < p.inventory.len()), "{who:?}: lost group");
        assert!(
            p.locked_until > height || p.unbonding.iter().all(|u| u.release_height > height),
            "{who:?}: overdue unbond"
        );
    }
}

type Accounts = BTreeMap<PublicKey, Account>;

fn accounts(state: &State) -> Accounts {
    state.accounts().map(|(id, a)| (*id, *a)).collect()
}

/// Checks a block's admission results against a model of the rules: signature, then fee, then
/// sender existence, then nonce (which follows on within the block for admitted transactions).
/// Transactions that pass all of these must be admitted unless the sender cannot pay the fee.
fn check_admission(before: &Accounts, txs: &[SignedTransaction], out: &BlockOutcome) {
    assert_eq!(out.results.len(), txs.len());
    let params = harness::params();
    let (chain_id, min_fee) = (&params.chain_id, params.min_fee);
    let mut next: BTreeMap<PublicKey, u64> = BTreeMap::new();
    let mut created: BTreeSet<PublicKey> = BTreeSet::new();
    for (signed, result) in txs.iter().zip(&out.results) {
        let tx = &signed.tx;
        let exists = before.contains_key(&tx.sender) || created.contains(&tx.sender);
        let expected =
            *next.entry(tx.sender).or_insert_with(|| before.get(&tx.sender).map_or(0, |a| a.nonce));
        let admitted = matches!(result, Ok(()) | Err(TxError::Execution(_)));
        if signed.verify(chain_id).is_err() {
            assert!(matches!(result, Err(TxError::Admission(AdmissionError::BadSignature(_)))));
        } else if tx.fee < min_fee {
            assert!(matches!(result, Err(TxError::Admission(AdmissionError::FeeTooLow { .. }))));
        } else if !exists {
            assert_eq!(result, &Err(TxError::Admission(AdmissionError::UnknownSender)));
        } else if tx.nonce < expected {
            let err = AdmissionError::StaleNonce { expected, got: tx.nonce };
            assert_eq!(result, &Err(TxError::Admission(err)));
        } else if tx.nonce > expected {
            let err = AdmissionError::FutureNonce { expected, got: tx.nonce };
            assert_eq!(result, &Err(TxError::Admission(err)));
        } else {
            assert!(
                admitted
                    || matches!(
                        result,
                        Err(TxError::Admission(AdmissionError::CannotPayFee { .. }))
                    ),
                "{result:?}"
            );
        }
        if admitted {
            *next.get_mut(&tx.sender).unwrap() += 1;
        }
        if let (Ok(()), TxBody::Transfer { to, .. }) = (result, &tx.body) {
            created.insert(*to);
        }
    }
}

/// Empty blocks far apart in time, until every auction has closed, every pending lease has
/// expired, every running lease has run out of time and grace, and every unbonding is due.
fn drain(nets: &mut [&mut Net], stats: &mut Stats) {
    let p = params();
    let gap = p.max_duration_ms + p.result_grace_ms + 1;
    let blocks = u64::from(MAX_GEN_AUCTION_BLOCKS)
        + p.start_timeout_blocks
        + p.unbonding_blocks
        + p.challenge_window_blocks
        + p.audit_blocks
        + p.dispute_blocks
        + p.hardware_check_blocks
        + 2;
    for _ in 0..blocks {
        let outs: Vec<BlockOutcome> = nets.iter_mut().map(|n| n.block_after(gap, vec![])).collect();
        assert!(outs.windows(2).all(|w| w[0] == w[1]));
        stats.record(&[], &outs[0]);
    }
}

/// After [`drain`]: nothing is left open, running or locked but stake and disputed escrow.
fn check_final(net: &Net) {
    check_state(net);
    let state = &net.state;
    for (id, o) in state.orders() {
        assert!(o.status.is_final(), "order {id} still {:?}", o.status);
    }
    for (id, l) in state.leases() {
        assert!(!l.status.is_active(), "lease {id} still {:?}", l.status);
    }
    for (who, p) in state.providers() {
        assert_eq!(state.assignments(who), Assignments::default(), "{who:?} owes nothing");
        assert_eq!((p.active_leases, p.open_bids), (0, 0), "{who:?}");
        assert!(p.inventory.iter().all(|g| g.leased == 0), "{who:?}");
        assert!(p.unbonding.is_empty(), "{who:?}");
    }
    let locked: u128 = state
        .accounts()
        .map(|(_, a)| u128::from(a.balance.0))
        .chain(state.providers().map(|(_, p)| u128::from(p.stake.0)))
        .chain(state.orders().map(|(_, o)| u128::from(o.escrow.0)))
        .sum::<u128>()
        + u128::from(state.globals().fee_pool.0);
    assert_eq!(locked, u128::from(state.globals().total_supply.0));
}

// ---------------------------------------------------------------------------------------------
// What the generator reached, to show the properties are not vacuous.

#[derive(Default)]
struct Stats(BTreeMap<String, u64>);

fn variant(debug: String) -> String {
    let end = debug.find(['(', ' ', '{']).unwrap_or(debug.len());
    debug[..end].to_string()
}

impl Stats {
    fn bump(&mut self, key: String) {
        *self.0.entry(key).or_default() += 1;
    }

    fn record(&mut self, txs: &[SignedTransaction], out: &BlockOutcome) {
        for (tx, result) in txs.iter().zip(&out.results) {
            let key = match result {
                Ok(()) => format!("ok {}", variant(format!("{:?}", tx.tx.body))),
                Err(TxError::Admission(e)) => format!("admission {}", variant(format!("{e:?}"))),
                Err(TxError::Execution(e)) => format!("execution {}", variant(format!("{e:?}"))),
            };
            self.bump(key);
        }
        for event in &out.events {
            match event {
                Event::OrderFinished { status, .. } => self.bump(format!("order {status:?}")),
                Event::LeaseClosed { reason, .. } => self.bump(format!("lease {reason:?}")),
                Event::LeasePaid { .. } => self.bump("lease paid".into()),
                Event::StakeReleased { .. } => self.bump("stake released".into()),
                Event::AuditPassed { .. } => self.bump("audit passed".into()),
                Event::Slashed { .. } => self.bump("slashed".into()),
                Event::DisputeClosed { status, .. } => self.bump(format!("dispute {status:?}")),
                Event::HardwareChecked { status, .. } => self.bump(format!("hardware {status:?}")),
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Drivers.

/// Applies a plan on one state, checking everything after every block; then drains and checks
/// that everything has ended.
fn run_checked(plan: &[BlockPlan], stats: &mut Stats) {
    let keys = cast();
    let mut net = market(&keys);
    for block in plan {
        let txs = build_block(&net.state, &keys, &block.txs);
        let before = accounts(&net.state);
        let out = net.block_after(block.gap_ms, txs.clone());
        check_admission(&before, &txs, &out);
        stats.record(&txs, &out);
        check_state(&net);
    }
    drain(&mut [&mut net], stats);
    check_final(&net);
}

/// What the end of a block paid `who`, from the block's events: lease payments to a provider,
/// refunds to a requestor, released stake.
fn end_of_block_credits(state: &State, who: &PublicKey, events: &[Event]) -> u64 {
    let credit = |event: &Event| match event {
        Event::LeasePaid { lease, amount } => {
            state.lease(*lease).is_some_and(|l| l.provider == *who).then_some(amount.0)
        }
        Event::OrderFinished { order, refunded, .. } => {
            state.order(*order).is_some_and(|o| o.requestor == *who).then_some(refunded.0)
        }
        Event::StakeReleased { provider, amount } => (provider == who).then_some(amount.0),
        _ => None,
    };
    events.iter().filter_map(credit).sum()
}

/// Applies every planned transaction in a block of its own on state `a`, and keeps a twin `b`
/// in lockstep (same heights, times and seeds):
/// - if the transaction succeeded, `b` applies it too and both outcomes must be equal;
/// - if it failed admission, `b` applies an empty block;
/// - if it failed execution, `b` applies a reference transaction from the same sender with the
///   same nonce and fee whose execution fails immediately (`Transfer` of zero to itself).
///
/// After a failed transaction the two states must have the same root and the same events: the
/// root commits to every account, provider, order, lease, receipt and the globals (fee pool,
/// counters), so the failed transaction changed exactly what the reference transaction changed
/// — nothing for an admission failure; the sender's fee and nonce and the fee pool for an
/// execution failure — and emitted no event. The twin alone does not pin down what the
/// reference changes, so the sender's account and the fee pool are also checked directly on
/// `a`: nonce +0 / +1, fee pool +0 / +fee, balance −0 / −fee plus whatever the end of the block
/// credited the sender (read from the events).
fn run_one_tx_per_block(plan: &[BlockPlan], stats: &mut Stats) {
    let keys = cast();
    let (mut a, mut b) = (market(&keys), market(&keys));
    let chain_id = a.chain_id();
    for block in plan {
        let txs = build_block(&a.state, &keys, &block.txs);
        if txs.is_empty() {
            assert_eq!(a.block_after(block.gap_ms, vec![]), b.block_after(block.gap_ms, vec![]));
        }
        for (i, signed) in txs.into_iter().enumerate() {
            let gap = if i == 0 { block.gap_ms } else { BLOCK_MS };
            let tx = signed.tx.clone();
            let before = a.state.account(&tx.sender).copied();
            let pool = a.state.globals().fee_pool;
            let out = a.block_after(gap, vec![signed.clone()]);
            stats.record(std::slice::from_ref(&signed), &out);
            let after = a.state.account(&tx.sender).copied();
            let credits = end_of_block_credits(&a.state, &tx.sender, &out.events);
            match &out.results[0] {
                Ok(()) => assert_eq!(out, b.block_after(gap, vec![signed])),
                Err(TxError::Admission(_)) => {
                    let twin = b.block_after(gap, vec![]);
                    assert_eq!((&out.events, out.root), (&twin.events, twin.root), "{tx:?}");
                    assert_eq!(a.state.globals().fee_pool, pool);
                    let expected = before.map(|acc| Account {
                        balance: Amount(acc.balance.0 + credits),
                        nonce: acc.nonce,
                    });
                    assert_eq!(after, expected, "{tx:?}");
                }
                Err(TxError::Execution(_)) => {
                    let key = &keys[index_of(&keys, &tx.sender).unwrap()];
                    let to = tx.sender;
                    let body = TxBody::Transfer { to, amount: Amount::ZERO };
                    let reference = Transaction { body, ..tx.clone() }.sign(key, &chain_id);
                    let twin = b.block_after(gap, vec![reference]);
                    let zero = Err(TxError::Execution(ExecError::ZeroAmount));
                    assert_eq!(twin.results, vec![zero]);
                    assert_eq!((&out.events, out.root), (&twin.events, twin.root), "{tx:?}");
                    assert_eq!(a.state.globals().fee_pool, Amount(pool.0 + tx.fee.0));
                    let before = before.expect("an admitted sender exists");
                    let expected = Account {
                        balance: Amount(before.balance.0 - tx.fee.0 + credits),
                        nonce: before.nonce + 1,
                    };
                    assert_eq!(after, Some(expected), "{tx:?}");
                }
            }
        }
    }
    a.check_invariants();
    assert_eq!(a.state.root(), b.state.root());
}

/// Applies a plan on `a` and a twin `b`; after planned blocks, `a` also applies a block of
/// replayed transactions (each admitted earlier) while `b` applies an empty one: every replay
/// must fail with `StaleNonce` and the two roots must stay equal. At the end every transaction
/// ever admitted is replayed at once.
fn run_replays(plan: &[BlockPlan], stats: &mut Stats) {
    let keys = cast();
    let (mut a, mut b) = (market(&keys), market(&keys));
    let mut admitted: Vec<SignedTransaction> = Vec::new();
    let replay = |a: &mut Net, b: &mut Net, txs: Vec<SignedTransaction>| {
        let before = accounts(&a.state);
        let out = a.block_after(BLOCK_MS, txs.clone());
        let twin = b.block_after(BLOCK_MS, vec![]);
        for (signed, result) in txs.iter().zip(&out.results) {
            let (got, expected) = (signed.tx.nonce, before[&signed.tx.sender].nonce);
            assert!(got < expected);
            let stale = Err(TxError::Admission(AdmissionError::StaleNonce { expected, got }));
            assert_eq!(result, &stale);
        }
        assert_eq!((out.events, out.root), (twin.events, twin.root));
    };
    for block in plan {
        let txs = build_block(&a.state, &keys, &block.txs);
        let out = a.block_after(block.gap_ms, txs.clone());
        assert_eq!(out, b.block_after(block.gap_ms, txs.clone()));
        stats.record(&txs, &out);
        let ok = |r: &Result<(), TxError>| matches!(r, Ok(()) | Err(TxError::Execution(_)));
        admitted
            .extend(txs.iter().zip(&out.results).filter(|(_, r)| ok(r)).map(|(t, _)| t.clone()));
        if !admitted.is_empty() && !block.replays.is_empty() {
            let txs = block.replays.iter().map(|i| admitted[i % admitted.len()].clone()).collect();
            replay(&mut a, &mut b, txs);
        }
    }
    replay(&mut a, &mut b, admitted);
    a.check_invariants();
}

/// Applies a plan on two states, each signing its own transactions from its own view; the
/// transactions, results, events and roots must agree after every block, and so must every
/// table at the end.
fn run_twice(plan: &[BlockPlan], stats: &mut Stats) {
    let keys = cast();
    let (mut a, mut b) = (market(&keys), market(&keys));
    assert_eq!(a.state.root(), b.state.root());
    for block in plan {
        let txs = build_block(&a.state, &keys, &block.txs);
        assert_eq!(txs, build_block(&b.state, &keys, &block.txs));
        let out = a.block_after(block.gap_ms, txs.clone());
        assert_eq!(out, b.block_after(block.gap_ms, txs.clone()));
        assert_eq!((out.root, b.state.root()), (a.state.root(), a.state.root()));
        stats.record(&txs, &out);
    }
    drain(&mut [&mut a, &mut b], stats);
    let (sa, sb) = (&a.state, &b.state);
    assert_eq!(sa.globals(), sb.globals());
    assert!(sa.accounts().eq(sb.accounts()));
    assert!(sa.providers().eq(sb.providers()));
    assert!(sa.orders().eq(sb.orders()));
    assert!(sa.leases().eq(sb.leases()));
    assert!(sa.leases().all(|(id, _)| sa.receipt(*id) == sb.receipt(*id)));
}

// ---------------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Supply, roots, escrow accounting, payments, provider bookkeeping and admission after
    /// every block; everything final after time runs out.
    #[test]
    fn supply_and_escrow_are_conserved(plan in plan()) {
        run_checked(&plan, &mut Stats::default());
    }

    /// A failed transaction changes nothing (admission) or only fee, nonce and fee pool
    /// (execution).
    #[test]
    fn failed_txs_change_only_fee_and_nonce(plan in plan()) {
        run_one_tx_per_block(&plan, &mut Stats::default());
    }

    /// Admitted transactions replayed later are stale and change nothing.
    #[test]
    fn replays_are_rejected(plan in plan()) {
        run_replays(&plan, &mut Stats::default());
    }

    /// Same blocks, same results, events and roots.
    #[test]
    fn application_is_deterministic(plan in plan()) {
        run_twice(&plan, &mut Stats::default());
    }
}

/// The generator reaches the states that make the properties meaningful.
#[test]
fn generator_reaches_interesting_states() {
    let mut stats = Stats::default();
    let strategy = plan();
    let mut runner = TestRunner::deterministic();
    for _ in 0..96 {
        let plan = strategy.new_tree(&mut runner).unwrap().current();
        run_checked(&plan, &mut stats);
    }
    for (key, count) in &stats.0 {
        println!("{count:>6}  {key}");
    }
    let required = [
        "ok Transfer",
        "ok RegisterProvider",
        "ok UpdateInventory",
        "ok AddStake",
        "ok Unbond",
        "ok CreateOrder",
        "ok Bid",
        "ok CancelOrder",
        "ok StartLease",
        "ok SubmitResult",
        "ok AbandonLease",
        "admission BadSignature",
        "admission StaleNonce",
        "admission FutureNonce",
        "admission FeeTooLow",
        "admission UnknownSender",
        "execution DepositTooSmall",
        "execution InvalidQuery",
        "execution BidAboveMax",
        "execution Ineligible",
        "execution ManifestMismatch",
        "execution BadReceiptSignature",
        "execution NotLeaseProvider",
        "execution InsufficientFunds",
        "order Verified",
        "order Completed",
        "order Disputed",
        "order Cancelled",
        "order Failed(NotEnoughBids",
        "order Failed(NoResults)",
        "lease NotStarted",
        "lease EscrowExhausted",
        "lease NoResult",
        "lease Abandoned",
        "lease Cancelled",
        "stake released",
        "ok SubmitAudit",
        "ok Challenge",
        "ok Arbitrate",
        "audit passed",
        "slashed",
        "dispute Resolved",
        "dispute Unresolved",
        "execution BondTooSmall",
        "execution NotAuditor",
        "ok RequestHardwareCheck",
        "ok ReportHardwareCheck",
        "hardware Passed",
        "hardware Failed",
        "hardware Expired",
    ];
    let missing: Vec<&str> =
        required.into_iter().filter(|k| !stats.0.keys().any(|s| s.starts_with(k))).collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
}

/// Every lease is paid at most `cost(price, gpus, max_duration)`, and exactly what it ran for:
/// run to its limit, stopped by its escrow, ended by a result, ended by a cancellation.
#[test]
fn paid_never_exceeds_cost() {
    let (requestor, provider) = (harness::key(1), harness::key(2));
    let mut net = Net::new(&[(&requestor, 1_000), (&provider, 1_000)]);
    net.provider(&provider, vec![harness::gpus("H100", 8, 80, "1.0")]);
    let hour = 3_600_000;
    let price = Amount(1_500_000);
    let specs = [
        // Runs to its time limit without a result.
        OrderSpec { gpus: 2, deposit: Amount::units(4), ..harness::spec(1) },
        // Escrow for a quarter of the hour.
        OrderSpec { deposit: Amount(cost(price, 1, hour / 4).unwrap().0), ..harness::spec(1) },
        // Result after 20 minutes.
        harness::spec(1),
        // Cancelled after 10 minutes.
        harness::spec(1),
    ];
    let txs = specs.iter().map(|s| net.tx(&requestor, TxBody::CreateOrder(s.clone()))).collect();
    let out = net.block(txs);
    assert!(out.results.iter().all(Result::is_ok), "{:?}", out.results);
    let orders = [OrderId(1), OrderId(2), OrderId(3), OrderId(4)];
    let bids = orders.map(|order| net.tx(&provider, TxBody::Bid { order, price_gpu_hour: price }));
    assert!(net.block(bids.to_vec()).results.iter().all(Result::is_ok));
    net.idle(1);
    let leases: Vec<LeaseId> = orders.iter().map(|o| net.order(*o).leases[0]).collect();
    let starts =
        leases.iter().map(|l| net.tx(&provider, TxBody::StartLease { lease: *l })).collect();
    assert!(net.block(starts).results.iter().all(Result::is_ok));
    let started = net.state.time_ms();

    let step = 60_000;
    for minute in 1..=90u64 {
        let mut txs = Vec::new();
        if minute == 20 {
            let root = hash::sha256(b"out");
            txs.push(net.tx(&provider, net.receipt(&provider, leases[2], root)));
        }
        if minute == 10 {
            txs.push(net.tx(&requestor, TxBody::CancelOrder { order: orders[3] }));
        }
        let out = net.block_after(step, txs);
        assert!(out.results.iter().all(Result::is_ok), "{:?}", out.results);
        net.check_invariants();
        for l in &leases {
            let lease = net.lease(*l);
            let max_ms = net.order(lease.order).max_duration_ms;
            let bound = cost(lease.price_gpu_hour, lease.gpus, max_ms).unwrap();
            assert!(lease.paid <= bound, "lease {l}: paid {} > {bound}", lease.paid);
            let ran = net.state.time_ms().min(started + max_ms) - started;
            assert!(lease.paid <= cost(lease.price_gpu_hour, lease.gpus, ran).unwrap());
        }
    }
    let paid: Vec<Amount> = leases.iter().map(|l| net.lease(*l).paid).collect();
    let at = |gpus, ms| cost(price, gpus, ms).unwrap();
    assert_eq!(paid, vec![at(2, hour), at(1, hour / 4), at(1, hour / 3), at(1, hour / 6)]);
    let statuses: Vec<OrderStatus> = orders.iter().map(|o| net.order(*o).status).collect();
    assert_eq!(
        statuses,
        vec![
            OrderStatus::Failed(rigshare_types::records::OrderFailure::NoResults),
            OrderStatus::Failed(rigshare_types::records::OrderFailure::NoResults),
            OrderStatus::Completed,
            OrderStatus::Cancelled,
        ]
    );
    for o in orders {
        let order = net.order(o);
        let spent: u64 = order.leases.iter().map(|l| net.lease(*l).paid.0).sum();
        assert_eq!(order.deposit.0, order.refunded.0 + spent, "order {o}");
    }
}
