//! `State::assignments` after a long history: hundreds of audits passed or expired, dozens of
//! disputes closed, hardware challenges passed or expired. The index must agree with a scan after every block, and a provider with
//! only finished records owes exactly what it owes on a market with none.

use rigshare_market::{Assignments, Params};
use rigshare_types::verification::{AuditStatus, DisputeStatus, HardwareCheckStatus};
use rigshare_types::{
    Amount, Keypair, LeaseId, OrderId, OrderSpec, SignedTransaction, TxBody, VerificationPolicy,
};

use super::check_assignments;
use crate::harness::spec;
use crate::verification::{Court, court_params, honest_root, wrong_root};

const ROUNDS: usize = 6;
/// Orders per round: six per rig, within each rig's eight GPUs.
const ORDERS: usize = 36;
/// Audits per round the auditor reports (the rest expire).
const REPORTED: usize = 18;
/// Results per round the requestor challenges (among those whose audit expires).
const CHALLENGED: usize = 6;

/// Applies `txs` in one block; all must succeed; the index must agree with the tables after.
fn step(court: &mut Court, txs: Vec<SignedTransaction>) {
    let out = court.net.block(txs);
    assert!(out.results.iter().all(Result::is_ok), "{:?}", out.results);
    check_assignments(&court.net.state);
}

/// A round of `ORDERS` one-replica jobs, every result audited: some audits pass, the rest
/// expire, some results are challenged and the challenge fails at arbitration.
fn round(court: &mut Court) {
    let user = court.user.clone();
    let rigs = court.rigs.clone();
    let first = court.net.state.globals().next_order;
    let orders: Vec<OrderId> = (first..first + ORDERS as u64).map(OrderId).collect();
    let spec = OrderSpec { verification: VerificationPolicy { audit_ppm: 1_000_000 }, ..spec(1) };
    let mut creates: Vec<_> =
        orders.iter().map(|_| court.net.tx(&user, TxBody::CreateOrder(spec.clone()))).collect();
    // Every rig also asks for a hardware challenge, drawn in the next block.
    let request = TxBody::RequestHardwareCheck { group: 0, claimed_tops: 600 };
    creates.extend(rigs.iter().map(|rig| court.net.tx(rig, request.clone())));
    step(court, creates);
    let bids = orders
        .iter()
        .zip(rigs.iter().cycle())
        .map(|(order, rig)| {
            court.net.tx(rig, TxBody::Bid { order: *order, price_gpu_hour: Amount::units(1) })
        })
        .collect();
    step(court, bids);
    // Half the checkers report; the other challenges expire.
    let reports = rigs[..3]
        .iter()
        .map(|rig| {
            let provider = rig.public();
            let check = court.net.state.hardware_check(&provider).expect("requested");
            let checker = court.rig(&check.checker.expect("drawn")).clone();
            let body =
                TxBody::ReportHardwareCheck { provider, passed: true, measured_ops_per_s: 1 };
            court.net.tx(&checker, body)
        })
        .collect();
    step(court, reports);
    let leases: Vec<LeaseId> = orders.iter().map(|o| court.net.order(*o).leases[0]).collect();
    let worker =
        |court: &Court, lease: LeaseId| court.rig(&court.net.lease(lease).provider).clone();
    let starts = leases
        .iter()
        .map(|lease| {
            let rig = worker(court, *lease);
            court.net.tx(&rig, TxBody::StartLease { lease: *lease })
        })
        .collect();
    step(court, starts);
    let results = leases
        .iter()
        .map(|lease| {
            let rig = worker(court, *lease);
            let body = court.net.receipt(&rig, *lease, honest_root());
            court.net.tx(&rig, body)
        })
        .collect();
    step(court, results);
    // The next block's beacon draws every audit.
    step(court, vec![]);
    let auditor = |court: &Court, lease: LeaseId| -> Keypair {
        court.rig(&court.net.state.audit(lease).expect("drawn").auditor).clone()
    };
    let mut txs: Vec<SignedTransaction> = leases[..REPORTED]
        .iter()
        .map(|lease| {
            let rig = auditor(court, *lease);
            court.net.tx(&rig, TxBody::SubmitAudit { lease: *lease, output_root: honest_root() })
        })
        .collect();
    let bond = court.net.state.params().min_challenge_bond;
    let challenged = &leases[REPORTED..REPORTED + CHALLENGED];
    for lease in challenged {
        let body = TxBody::Challenge { lease: *lease, output_root: wrong_root(), bond };
        txs.push(court.net.tx(&user, body));
    }
    step(court, txs);
    // A strict majority (two of three) of each dispute's arbiters votes the truth, one block
    // apart, so the first voter is seen done while the others still owe their vote.
    for nth in 0..2 {
        let votes = challenged
            .iter()
            .map(|lease| {
                let order = court.net.lease(*lease).order;
                let arbiter = court.arbiters(order).swap_remove(nth);
                court.net.tx(&arbiter, TxBody::Arbitrate { order, output_root: honest_root() })
            })
            .collect();
        step(court, votes);
    }
    for _ in 0..=court.net.state.params().audit_blocks {
        step(court, vec![]);
    }
}

#[test]
fn finished_records_leave_what_an_empty_market_leaves() {
    let params = Params { hardware_check_blocks: 5, ..court_params() };
    let mut court = Court::with_params(params.clone());
    let fresh = Court::with_params(params);
    for _ in 0..ROUNDS {
        round(&mut court);
    }
    let state = &court.net.state;
    let count = |status: AuditStatus| state.audits().filter(|(_, a)| a.status == status).count();
    assert_eq!(state.audits().count(), ROUNDS * ORDERS);
    assert_eq!(count(AuditStatus::Passed), ROUNDS * REPORTED);
    assert_eq!(count(AuditStatus::Expired), ROUNDS * (ORDERS - REPORTED));
    assert_eq!(state.disputes().count(), ROUNDS * CHALLENGED);
    let truth = DisputeStatus::Resolved { truth: honest_root() };
    assert!(state.disputes().all(|(_, d)| d.status == truth));
    for (i, rig) in court.rigs.iter().enumerate() {
        let status = state.hardware_check(&rig.public()).unwrap().status;
        let passed = HardwareCheckStatus::Passed { measured_ops_per_s: 1 };
        assert_eq!(status, if i < 3 { passed } else { HardwareCheckStatus::Expired });
    }
    for who in court.rigs.iter().chain([&court.user]) {
        let id = who.public();
        assert_eq!(state.assignments(&id), Assignments::default());
        assert_eq!(state.assignments(&id), fresh.net.state.assignments(&id));
    }

    // One more audited job: only its auditor owes anything, exactly that audit.
    let worker = court.rigs[0].clone();
    let (_, leases) = court.job(&[&worker], &[honest_root()], 1_000_000);
    step(&mut court, vec![]);
    let drawn = court.net.state.audit(leases[0]).expect("drawn").auditor;
    for rig in &court.rigs {
        let owed = court.net.state.assignments(&rig.public());
        let expected = if rig.public() == drawn {
            Assignments { audits: vec![leases[0]], ..Assignments::default() }
        } else {
            Assignments::default()
        };
        assert_eq!(owed, expected);
    }
    court.net.check_invariants();
}
