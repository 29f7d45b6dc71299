//! Adversary: a provider that returns a wrong output under `audit = 1.0`.

use rigshare_market::Event;
use rigshare_types::records::OrderStatus;
use rigshare_types::verification::{AuditStatus, DisputeCause, DisputeStatus, Verdict};
use rigshare_types::{Amount, TxBody};

use super::{Court, honest_root, wrong_root};

#[test]
fn a_wrong_result_is_audited_disputed_slashed_and_refunded() {
    let mut court = Court::new();
    let cheater = court.rigs[0].clone();
    let (order, leases) = court.job(&[&cheater], &[wrong_root()], 1_000_000);
    let lease = leases[0];
    // One replica, nothing to compare: the order completes and the result is settled unchecked.
    assert_eq!(court.net.order(order).status, OrderStatus::Completed);
    assert_eq!(court.verdict(lease), Verdict::Unchecked);
    let paid = court.net.lease(lease).paid;
    assert!(!paid.is_zero());

    // The next block's beacon draws the audit (rate 1.0) and an auditor other than the worker.
    let out = court.net.block(vec![]);
    let audit = *court.net.state.audit(lease).expect("audit drawn");
    assert_ne!(audit.auditor, cheater.public());
    assert!(out.events.contains(&Event::AuditAssigned { lease, auditor: audit.auditor }));
    assert_eq!(court.verdict(lease), Verdict::Auditing);

    // The auditor re-executes honestly and disagrees: a dispute opens with independent arbiters.
    let auditor = court.rig(&audit.auditor).clone();
    let tx = court.net.tx(&auditor, TxBody::SubmitAudit { lease, output_root: honest_root() });
    let out = court.net.block(vec![tx]);
    assert_eq!(out.results, vec![Ok(())]);
    assert_eq!(
        court.net.state.audit(lease).unwrap().status,
        AuditStatus::Mismatch { output_root: honest_root() }
    );
    let dispute = court.net.state.dispute(order).expect("dispute").clone();
    assert_eq!(dispute.cause, DisputeCause::Audit(lease));
    assert_eq!(dispute.arbiters.len(), 3);
    for party in [cheater.public(), audit.auditor, court.user.public()] {
        assert!(!dispute.arbiters.contains(&party), "a party cannot arbitrate");
    }

    let (user_before, auditor_before) =
        (court.net.balance(&court.user), court.net.balance(&auditor));
    let stake_before = court.stake(&cheater);
    court.arbitrate(order, honest_root());

    let dispute = court.net.state.dispute(order).unwrap();
    assert_eq!(dispute.status, DisputeStatus::Resolved { truth: honest_root() });
    assert_eq!(court.verdict(lease), Verdict::Overturned);
    assert_eq!(
        court.net.order(order).status,
        OrderStatus::Failed(rigshare_types::records::OrderFailure::WrongResults)
    );
    // Slashed: half of the stake (slash_ppm 50%), which exceeds what the lease paid.
    let slashed = Amount(stake_before.0 / 2);
    assert_eq!(court.stake(&cheater), stake_before.saturating_sub(slashed));
    let stats = court.net.state.provider(&cheater.public()).unwrap().stats;
    assert_eq!(stats.slashed, 1);
    // The requestor gets back exactly what the wrong lease cost.
    assert_eq!(court.net.balance(&court.user), user_before.checked_add(paid).unwrap());
    assert_eq!(court.net.state.settlement(lease).unwrap().refunded, paid);
    // The auditor earns half of the rest (whistleblower share) plus its verifier reward.
    let rest = slashed.saturating_sub(paid);
    let reward = Amount(rest.0 / 2).checked_add(court.net.state.params().verifier_reward).unwrap();
    assert_eq!(court.net.balance(&auditor), auditor_before.checked_add(reward).unwrap());
    court.net.check_invariants();
}

#[test]
fn an_honest_result_passes_its_audit() {
    let mut court = Court::new();
    let worker = court.rigs[0].clone();
    let (order, leases) = court.job(&[&worker], &[honest_root()], 1_000_000);
    let lease = leases[0];
    court.net.block(vec![]);
    let auditor = court.rig(&court.net.state.audit(lease).unwrap().auditor).clone();
    let before = court.net.balance(&auditor);
    let tx = court.net.tx(&auditor, TxBody::SubmitAudit { lease, output_root: honest_root() });
    let out = court.net.block(vec![tx]);
    assert_eq!(out.results, vec![Ok(())]);
    assert!(out.events.contains(&Event::AuditPassed { lease }));
    assert_eq!(court.verdict(lease), Verdict::Audited);
    assert!(court.net.state.dispute(order).is_none());
    assert_eq!(court.net.state.provider(&worker.public()).unwrap().stats.audited, 1);
    // Reward from the fee pool, minus the audit transaction's fee.
    let reward = court.net.state.params().verifier_reward;
    assert_eq!(
        court.net.balance(&auditor),
        before.checked_add(reward).unwrap().saturating_sub(crate::harness::FEE)
    );
    court.net.check_invariants();
}
