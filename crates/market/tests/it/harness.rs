//! A small driver for the market: named keys, automatic nonces, one call per block.

use std::collections::BTreeMap;

use rigshare_market::{BlockContext, BlockOutcome, Genesis, Params, State, TxError};
use rigshare_types::records::{Account, Lease, Order};
use rigshare_types::{
    Amount, ComputeCapability, GpuGroup, Hash32, Keypair, LeaseId, OrderId, OrderSpec, PublicKey,
    Receipt, SignedReceipt, SignedTransaction, Transaction, TxBody, Usage, VerificationPolicy,
    hash,
};

/// The fee every harness transaction pays.
pub const FEE: Amount = Amount(1_000);
/// Block spacing in the harness, in ms.
pub const BLOCK_MS: u64 = 1_000;

pub fn key(seed: u8) -> Keypair {
    Keypair::from_seed([seed; 32])
}

pub fn params() -> Params {
    Params {
        chain_id: "test".into(),
        min_fee: Amount(1_000),
        min_provider_stake: Amount::units(100),
        unbonding_blocks: 10,
        start_timeout_blocks: 5,
        result_grace_ms: 10_000,
        // Settle every block, so tests can check payment block by block.
        settle_interval_ms: 0,
        // Short verification windows, so random runs reach every deadline.
        challenge_window_blocks: 4,
        audit_blocks: 3,
        dispute_blocks: 3,
        ..Params::default()
    }
}

pub struct Net {
    pub state: State,
    pending: BTreeMap<PublicKey, u64>,
}

impl Net {
    /// A network where each key holds `units` whole units.
    pub fn new(funded: &[(&Keypair, u64)]) -> Net {
        Net::with_params(params(), funded)
    }

    pub fn with_params(params: Params, funded: &[(&Keypair, u64)]) -> Net {
        let balances = funded.iter().map(|(k, u)| (k.public(), Amount::units(*u))).collect();
        let state = State::genesis(&Genesis { params, balances, time_ms: 0 }).unwrap();
        Net { state, pending: BTreeMap::new() }
    }

    pub fn chain_id(&self) -> String {
        self.state.params().chain_id.clone()
    }

    /// Signs `body` from `key` with the next nonce.
    pub fn tx(&mut self, key: &Keypair, body: TxBody) -> SignedTransaction {
        let sender = key.public();
        let base = self.state.account(&sender).map_or(0, |a| a.nonce);
        let nonce = self.pending.entry(sender).or_insert(base);
        let tx = Transaction { sender, nonce: *nonce, fee: FEE, body };
        *nonce += 1;
        tx.sign(key, &self.chain_id())
    }

    /// Applies one block of `txs`, `BLOCK_MS` after the last.
    pub fn block(&mut self, txs: Vec<SignedTransaction>) -> BlockOutcome {
        self.block_after(BLOCK_MS, txs)
    }

    pub fn block_after(&mut self, ms: u64, txs: Vec<SignedTransaction>) -> BlockOutcome {
        self.pending.clear();
        let height = self.state.height() + 1;
        let ctx = BlockContext {
            height,
            time_ms: self.state.time_ms() + ms,
            seed: hash::sha256(&height.to_be_bytes()),
        };
        self.state.apply_block(&ctx, &txs).unwrap()
    }

    /// Applies `body` alone in a block and returns its result.
    pub fn run(&mut self, key: &Keypair, body: TxBody) -> Result<(), TxError> {
        let tx = self.tx(key, body);
        self.block(vec![tx]).results.remove(0)
    }

    /// Empty blocks.
    pub fn idle(&mut self, blocks: u64) {
        for _ in 0..blocks {
            self.block(vec![]);
        }
    }

    pub fn account(&self, key: &Keypair) -> Account {
        self.state.account(&key.public()).copied().unwrap_or_default()
    }

    pub fn balance(&self, key: &Keypair) -> Amount {
        self.account(key).balance
    }

    pub fn order(&self, id: OrderId) -> Order {
        self.state.order(id).unwrap().clone()
    }

    pub fn lease(&self, id: LeaseId) -> Lease {
        self.state.lease(id).unwrap().clone()
    }

    /// Registers `key` as a provider with the minimum stake and `groups`.
    pub fn provider(&mut self, key: &Keypair, groups: Vec<GpuGroup>) {
        let register = self.tx(
            key,
            TxBody::RegisterProvider {
                stake: Amount::units(100),
                endpoint: "https://rig.example:7000".into(),
                attributes: vec![("region".into(), "eu".into())],
            },
        );
        let inventory = self.tx(key, TxBody::UpdateInventory { groups });
        let out = self.block(vec![register, inventory]);
        assert_eq!(out.results, vec![Ok(()), Ok(())]);
    }

    /// Creates an order and returns its id.
    pub fn order_with(&mut self, key: &Keypair, spec: OrderSpec) -> OrderId {
        let next = OrderId(self.state.globals().next_order);
        self.run(key, TxBody::CreateOrder(spec)).unwrap();
        next
    }

    /// Signs a receipt for `lease` with `output_root`.
    pub fn receipt(&self, provider: &Keypair, lease: LeaseId, output_root: Hash32) -> TxBody {
        let order = self.lease(lease).order;
        let receipt = Receipt {
            lease,
            manifest_hash: self.order(order).manifest_hash,
            output_root,
            usage: Usage { gpu_seconds: 10, wall_ms: 10_000, exit_code: 0 },
            runtime_digest: hash::sha256(b"wasmtime-48"),
        };
        TxBody::SubmitResult(SignedReceipt::sign(receipt, provider))
    }

    /// Checks the invariants that must hold after every block.
    pub fn check_invariants(&self) {
        assert_eq!(
            self.state.money_in_existence(),
            u128::from(self.state.globals().total_supply.0),
            "money conserved"
        );
        assert_eq!(self.state.recompute_root(), self.state.root(), "root covers every change");
    }
}

pub fn gpus(model: &str, count: u32, vram_gib: u64, price: &str) -> GpuGroup {
    GpuGroup {
        model: model.into(),
        vram_mib: vram_gib * 1024,
        count,
        compute_capability: ComputeCapability { major: 9, minor: 0 },
        price_floor: price.parse().unwrap(),
    }
}

/// An order for one H100-class GPU for an hour at up to 2/GPU-hour, fully funded.
pub fn spec(replicas: u8) -> OrderSpec {
    OrderSpec {
        manifest_hash: hash::blake3(b"manifest"),
        query: "vram_gib>=40".into(),
        gpus: 1,
        max_price_gpu_hour: Amount::units(2),
        max_duration_ms: 3_600_000,
        replicas,
        verification: VerificationPolicy::default(),
        deposit: Amount::units(2 * u64::from(replicas)),
        auction_blocks: 2,
    }
}
