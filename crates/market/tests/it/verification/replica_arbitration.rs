//! Adversary: one of two replicas returns a wrong output; arbitration sides with the honest one.

use rigshare_types::Amount;
use rigshare_types::records::OrderStatus;
use rigshare_types::verification::{DisputeCause, DisputeStatus, Verdict};

use super::{Court, honest_root, wrong_root};

#[test]
fn a_replica_mismatch_is_resolved_for_the_honest_provider() {
    let mut court = Court::new();
    let (honest, cheater) = (court.rigs[0].clone(), court.rigs[1].clone());
    let user_start = court.net.balance(&court.user);
    let (order, leases) = court.job(&[&honest, &cheater], &[honest_root(), wrong_root()], 0);
    // The roots differ: the order is disputed, its unspent escrow held, arbiters drawn.
    let held = court.net.order(order).escrow;
    assert_eq!(court.net.order(order).status, OrderStatus::Disputed);
    assert!(!held.is_zero());
    let dispute = court.net.state.dispute(order).expect("dispute").clone();
    assert_eq!(dispute.cause, DisputeCause::Replicas);
    for party in [honest.public(), cheater.public(), court.user.public()] {
        assert!(!dispute.arbiters.contains(&party));
    }
    let (cheater_paid, honest_paid) =
        (court.net.lease(leases[1]).paid, court.net.lease(leases[0]).paid);
    let (honest_balance, cheater_stake) = (court.net.balance(&honest), court.stake(&cheater));

    // Two of three arbiters are a majority.
    let arbiters = court.arbiters(order);
    for arbiter in &arbiters[..2] {
        let body = rigshare_types::TxBody::Arbitrate { order, output_root: honest_root() };
        court.net.run(arbiter, body).unwrap();
    }
    assert_eq!(
        court.net.state.dispute(order).unwrap().status,
        DisputeStatus::Resolved { truth: honest_root() }
    );
    assert_eq!(court.verdict(leases[0]), Verdict::Upheld);
    assert_eq!(court.verdict(leases[1]), Verdict::Overturned);
    assert_eq!(court.net.order(order).status, OrderStatus::Verified);
    assert!(court.net.order(order).escrow.is_zero(), "held escrow released");
    // The honest provider keeps its stake and earns the whistleblower share of the slashing.
    let slashed = Amount(cheater_stake.0 / 2);
    assert_eq!(court.stake(&cheater), cheater_stake.saturating_sub(slashed));
    assert_eq!(court.stake(&honest), Amount::units(100));
    let share = Amount(slashed.saturating_sub(cheater_paid).0 / 2);
    assert_eq!(court.net.balance(&honest), honest_balance.checked_add(share).unwrap());
    // The requestor paid only for the honest lease (plus fees): the cheater's pay came back.
    let fees = crate::harness::FEE; // the order's creation
    assert_eq!(
        court.net.balance(&court.user),
        user_start.saturating_sub(honest_paid).saturating_sub(fees)
    );
    // The third arbiter, who never voted, counts a failure; the two who voted earn a reward.
    assert_eq!(court.net.state.provider(&arbiters[2].public()).unwrap().stats.failed, 1);
    assert_eq!(court.net.state.provider(&arbiters[0].public()).unwrap().stats.failed, 0);
    court.net.check_invariants();
}

#[test]
fn without_a_majority_nobody_is_slashed_and_escrow_returns() {
    let mut court = Court::new();
    let (a, b) = (court.rigs[0].clone(), court.rigs[1].clone());
    let (order, leases) = court.job(&[&a, &b], &[honest_root(), wrong_root()], 0);
    let arbiters = court.arbiters(order);
    // One vote each way and one silent arbiter: no majority by the deadline.
    court
        .net
        .run(&arbiters[0], rigshare_types::TxBody::Arbitrate { order, output_root: honest_root() })
        .unwrap();
    court
        .net
        .run(&arbiters[1], rigshare_types::TxBody::Arbitrate { order, output_root: wrong_root() })
        .unwrap();
    court.net.idle(court.net.state.params().dispute_blocks);
    assert_eq!(court.net.state.dispute(order).unwrap().status, DisputeStatus::Unresolved);
    assert_eq!(court.verdict(leases[0]), Verdict::Contested);
    assert_eq!((court.stake(&a), court.stake(&b)), (Amount::units(100), Amount::units(100)));
    assert!(court.net.order(order).escrow.is_zero());
    assert_eq!(court.net.order(order).status, OrderStatus::Disputed);
    court.net.check_invariants();
}
