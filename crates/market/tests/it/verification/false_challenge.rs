//! Adversary: a requestor who falsely challenges an honest result.

use rigshare_types::verification::{DisputeCause, DisputeStatus, Verdict};
use rigshare_types::{Amount, TxBody};

use super::{Court, honest_root, wrong_root};

#[test]
fn an_honest_provider_keeps_its_stake_and_earns_the_bond() {
    let mut court = Court::new();
    let worker = court.rigs[0].clone();
    let (order, leases) = court.job(&[&worker], &[honest_root()], 0);
    let lease = leases[0];
    let user = court.user.clone();
    let bond = Amount::units(10);
    let (user_before, worker_before) = (court.net.balance(&user), court.net.balance(&worker));
    court.net.run(&user, TxBody::Challenge { lease, output_root: wrong_root(), bond }).unwrap();
    assert_eq!(
        court.net.balance(&user),
        user_before.saturating_sub(bond).saturating_sub(crate::harness::FEE)
    );
    let dispute = court.net.state.dispute(order).expect("dispute").clone();
    assert_eq!(dispute.cause, DisputeCause::Challenge(lease));
    assert_eq!(court.verdict(lease), Verdict::Disputed);
    court.net.check_invariants();

    court.arbitrate(order, honest_root());
    assert_eq!(
        court.net.state.dispute(order).unwrap().status,
        DisputeStatus::Resolved { truth: honest_root() }
    );
    assert_eq!(court.verdict(lease), Verdict::Upheld);
    assert_eq!(court.stake(&worker), Amount::units(100));
    assert_eq!(court.net.balance(&worker), worker_before.checked_add(bond).unwrap());
    let stats = court.net.state.provider(&worker.public()).unwrap().stats;
    assert_eq!((stats.slashed, stats.audited), (0, 1));
    // The bond is gone for good: the challenger is not refunded.
    assert_eq!(
        court.net.balance(&user),
        user_before.saturating_sub(bond).saturating_sub(crate::harness::FEE)
    );
    // An arbitrated result cannot be challenged again.
    let again = court.net.run(&user, TxBody::Challenge { lease, output_root: wrong_root(), bond });
    assert_eq!(
        again,
        Err(rigshare_market::TxError::Execution(rigshare_market::ExecError::AlreadyArbitrated(
            lease
        )))
    );
    court.net.check_invariants();
}

#[test]
fn a_right_challenger_gets_its_bond_back_and_a_reward() {
    let mut court = Court::new();
    let cheater = court.rigs[0].clone();
    let (order, leases) = court.job(&[&cheater], &[wrong_root()], 0);
    let lease = leases[0];
    let user = court.user.clone();
    let paid = court.net.lease(lease).paid;
    let before = court.net.balance(&user);
    let bond = Amount::units(10);
    court.net.run(&user, TxBody::Challenge { lease, output_root: honest_root(), bond }).unwrap();
    court.arbitrate(order, honest_root());
    assert_eq!(court.verdict(lease), Verdict::Overturned);
    // Refund of the lease + bond back + half of the slashing's rest, minus one fee.
    let slashed = Amount(Amount::units(100).0 / 2);
    let share = Amount(slashed.saturating_sub(paid).0 / 2);
    assert_eq!(
        court.net.balance(&user),
        before
            .checked_add(paid)
            .unwrap()
            .checked_add(share)
            .unwrap()
            .saturating_sub(crate::harness::FEE)
    );
    court.net.check_invariants();
}
