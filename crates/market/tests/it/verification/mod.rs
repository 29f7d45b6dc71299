//! Result verification: audits, challenges, arbitration and slashing. Each adversary has its
//! own file; [`Court`] is the market they all meet in.

mod audit_catches_cheater;
mod audit_statistics;
mod false_challenge;
mod hardware;
mod replica_arbitration;
mod rules;

use rigshare_market::Params;
use rigshare_types::verification::Verdict;
use rigshare_types::{
    Amount, Hash32, Keypair, LeaseId, OrderId, OrderSpec, PublicKey, TxBody, VerificationPolicy,
    hash,
};

use crate::harness::{Net, gpus, key, params, spec};

/// The root an honest re-execution of the test job gives.
pub fn honest_root() -> Hash32 {
    hash::blake3(b"the job's true outputs")
}

/// A root no honest provider produces.
pub fn wrong_root() -> Hash32 {
    hash::blake3(b"made-up outputs")
}

/// A requestor and six staked providers (keys 21..=26), all with the same H100 offer.
pub struct Court {
    pub net: Net,
    pub user: Keypair,
    pub rigs: Vec<Keypair>,
}

/// Parameters with short windows, so tests run through every deadline quickly.
pub fn court_params() -> Params {
    Params {
        challenge_window_blocks: 20,
        audit_blocks: 5,
        dispute_blocks: 5,
        unbonding_blocks: 3,
        ..params()
    }
}

impl Court {
    pub fn new() -> Court {
        Court::with_params(court_params())
    }

    pub fn with_params(params: Params) -> Court {
        let user = key(1);
        let rigs: Vec<Keypair> = (21..=26).map(key).collect();
        let mut funded: Vec<(&Keypair, u64)> = vec![(&user, 100_000)];
        funded.extend(rigs.iter().map(|r| (r, 100_000)));
        let mut net = Net::with_params(params, &funded);
        for rig in &rigs {
            net.provider(rig, vec![gpus("H100", 8, 80, "1")]);
        }
        Court { net, user, rigs }
    }

    pub fn rig(&self, who: &PublicKey) -> &Keypair {
        self.rigs.iter().find(|k| k.public() == *who).expect("a court rig")
    }

    pub fn stake(&self, who: &Keypair) -> Amount {
        self.net.state.provider(&who.public()).unwrap().stake
    }

    /// Orders a job with `audit_ppm` that `workers` win (only they bid), has each start it and
    /// return `roots[i]`. Returns the order and its leases, in the workers' order.
    pub fn job(
        &mut self,
        workers: &[&Keypair],
        roots: &[Hash32],
        audit_ppm: u32,
    ) -> (OrderId, Vec<LeaseId>) {
        let replicas = u8::try_from(workers.len()).unwrap();
        let spec = OrderSpec { verification: VerificationPolicy { audit_ppm }, ..spec(replicas) };
        let user = self.user.clone();
        let order = self.net.order_with(&user, spec);
        let bids = workers
            .iter()
            .map(|w| self.net.tx(w, TxBody::Bid { order, price_gpu_hour: Amount::units(1) }))
            .collect();
        let out = self.net.block(bids);
        assert!(out.results.iter().all(Result::is_ok), "{:?}", out.results);
        self.net.block(vec![]);
        let leases = self.net.order(order).leases;
        let by_worker: Vec<LeaseId> = workers
            .iter()
            .map(|w| *leases.iter().find(|l| self.net.lease(**l).provider == w.public()).unwrap())
            .collect();
        let starts = workers
            .iter()
            .zip(&by_worker)
            .map(|(w, lease)| self.net.tx(w, TxBody::StartLease { lease: *lease }))
            .collect();
        self.net.block(starts);
        let results = workers
            .iter()
            .zip(&by_worker)
            .zip(roots)
            .map(|((w, lease), root)| {
                let body = self.net.receipt(w, *lease, *root);
                self.net.tx(w, body)
            })
            .collect();
        let out = self.net.block(results);
        assert!(out.results.iter().all(Result::is_ok), "{:?}", out.results);
        (order, by_worker)
    }

    pub fn verdict(&self, lease: LeaseId) -> Verdict {
        self.net.state.settlement(lease).expect("settled").verdict
    }

    /// The dispute's arbiters, as keys.
    pub fn arbiters(&self, order: OrderId) -> Vec<Keypair> {
        let dispute = self.net.state.dispute(order).expect("a dispute");
        dispute.arbiters.iter().map(|a| self.rig(a).clone()).collect()
    }

    /// Every arbiter of `order` votes `root`, each in its own block.
    pub fn arbitrate(&mut self, order: OrderId, root: Hash32) {
        for arbiter in self.arbiters(order) {
            let status = self.net.state.dispute(order).unwrap().status;
            if status != rigshare_types::verification::DisputeStatus::Open {
                break;
            }
            self.net.run(&arbiter, TxBody::Arbitrate { order, output_root: root }).unwrap();
        }
        self.net.check_invariants();
    }
}
