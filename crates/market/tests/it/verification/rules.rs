//! Bad input to verification: each is rejected with a typed error and changes nothing but the
//! fee and nonce; and stake cannot leave while its results can still be contested.

use rigshare_market::{ExecError, TxError};
use rigshare_types::verification::Verdict;
use rigshare_types::{Amount, LeaseId, OrderId, TxBody};

use super::{Court, honest_root, wrong_root};
use crate::harness::FEE;

fn exec(e: ExecError) -> Result<(), TxError> {
    Err(TxError::Execution(e))
}

/// Runs `body` from `who` and checks it failed with `error`, costing the sender only its fee.
fn rejected(court: &mut Court, who: &rigshare_types::Keypair, body: TxBody, error: ExecError) {
    let (before, root_parts) = (court.net.balance(who), snapshot(court));
    assert_eq!(court.net.run(who, body), exec(error));
    assert_eq!(court.net.balance(who), before.saturating_sub(FEE));
    assert_eq!(snapshot(court), root_parts, "a rejected transaction changed verification state");
    court.net.check_invariants();
}

/// The verification records (everything a rejected verification transaction could touch).
fn snapshot(court: &Court) -> String {
    let s = &court.net.state;
    format!("{:?}", (s.audits().collect::<Vec<_>>(), s.disputes().collect::<Vec<_>>()))
}

#[test]
fn bad_verification_transactions_are_rejected() {
    // Deadlines far enough that nothing expires while the bad transactions go by.
    let params = rigshare_market::Params {
        audit_blocks: 100,
        dispute_blocks: 100,
        challenge_window_blocks: 100,
        ..super::court_params()
    };
    let mut court = Court::with_params(params);
    let worker = court.rigs[0].clone();
    let (order, leases) = court.job(&[&worker], &[honest_root()], 1_000_000);
    let lease = leases[0];
    court.net.block(vec![]);
    let auditor = court.net.state.audit(lease).unwrap().auditor;
    let user = court.user.clone();
    let min = court.net.state.params().min_challenge_bond;

    // A provider auditing itself, or anyone but the drawn auditor.
    rejected(
        &mut court,
        &worker,
        TxBody::SubmitAudit { lease, output_root: honest_root() },
        ExecError::NotAuditor,
    );
    let stranger = court
        .rigs
        .iter()
        .find(|r| r.public() != auditor && r.public() != worker.public())
        .unwrap()
        .clone();
    rejected(
        &mut court,
        &stranger,
        TxBody::SubmitAudit { lease, output_root: honest_root() },
        ExecError::NotAuditor,
    );
    rejected(
        &mut court,
        &stranger,
        TxBody::SubmitAudit { lease: LeaseId(999), output_root: honest_root() },
        ExecError::NoAudit(LeaseId(999)),
    );
    // A challenge without bond, or below the minimum.
    for bond in [Amount::ZERO, Amount(min.0 - 1)] {
        rejected(
            &mut court,
            &user,
            TxBody::Challenge { lease, output_root: wrong_root(), bond },
            ExecError::BondTooSmall { bond, min },
        );
    }
    // Contesting one's own result, or claiming the receipt's own root.
    rejected(
        &mut court,
        &worker,
        TxBody::Challenge { lease, output_root: wrong_root(), bond: min },
        ExecError::SelfChallenge,
    );
    rejected(
        &mut court,
        &user,
        TxBody::Challenge { lease, output_root: honest_root(), bond: min },
        ExecError::ChallengeAgrees,
    );
    // More than the challenger holds.
    let poor = crate::harness::key(99);
    court.net.run(&user, TxBody::Transfer { to: poor.public(), amount: Amount::units(5) }).unwrap();
    rejected(
        &mut court,
        &poor,
        TxBody::Challenge { lease, output_root: wrong_root(), bond: Amount::units(10) },
        ExecError::InsufficientFunds {
            needed: Amount::units(10),
            available: Amount::units(5).saturating_sub(FEE),
        },
    );
    // Votes without a dispute.
    rejected(
        &mut court,
        &stranger,
        TxBody::Arbitrate { order, output_root: honest_root() },
        ExecError::NoDispute(order),
    );
    rejected(
        &mut court,
        &stranger,
        TxBody::Arbitrate { order: OrderId(77), output_root: honest_root() },
        ExecError::NoDispute(OrderId(77)),
    );

    // Open a dispute; then outsiders and double votes are refused.
    court
        .net
        .run(&user, TxBody::Challenge { lease, output_root: wrong_root(), bond: min })
        .unwrap();
    let arbiters = court.arbiters(order);
    let outsider = court
        .rigs
        .iter()
        .find(|r| !arbiters.iter().any(|a| a.public() == r.public()))
        .unwrap()
        .clone();
    rejected(
        &mut court,
        &outsider,
        TxBody::Arbitrate { order, output_root: honest_root() },
        ExecError::NotArbiter,
    );
    court.net.run(&arbiters[0], TxBody::Arbitrate { order, output_root: honest_root() }).unwrap();
    rejected(
        &mut court,
        &arbiters[0],
        TxBody::Arbitrate { order, output_root: honest_root() },
        ExecError::DuplicateVote,
    );
    // An arbiter cannot also challenge the result it judges.
    rejected(
        &mut court,
        &arbiters[1],
        TxBody::Challenge { lease, output_root: wrong_root(), bond: min },
        ExecError::DisputeParty(order),
    );
    court.net.run(&arbiters[1], TxBody::Arbitrate { order, output_root: honest_root() }).unwrap();
    // Decided: the last arbiter is too late.
    rejected(
        &mut court,
        &arbiters[2],
        TxBody::Arbitrate { order, output_root: honest_root() },
        ExecError::DisputeClosed(order),
    );
}

#[test]
fn challenges_after_the_window_are_refused() {
    let mut court = Court::new();
    let worker = court.rigs[0].clone();
    let (_, leases) = court.job(&[&worker], &[honest_root()], 0);
    let lease = leases[0];
    let closed_at = court.net.state.settlement(lease).unwrap().challenge_until;
    court.net.idle(closed_at - court.net.state.height());
    let user = court.user.clone();
    let bond = court.net.state.params().min_challenge_bond;
    rejected(
        &mut court,
        &user,
        TxBody::Challenge { lease, output_root: wrong_root(), bond },
        ExecError::ChallengeWindowClosed { lease, closed_at },
    );
    assert_eq!(court.verdict(lease), Verdict::Unchecked);
}

#[test]
fn unbonding_waits_for_every_open_window() {
    let mut court = Court::new();
    let cheater = court.rigs[0].clone();
    let (order, leases) = court.job(&[&cheater], &[wrong_root()], 0);
    let locked_until = court.net.state.provider(&cheater.public()).unwrap().locked_until;
    let p = court.net.state.params().clone();
    assert_eq!(
        locked_until,
        court.net.state.height() + p.challenge_window_blocks + p.audit_blocks + p.dispute_blocks
    );
    // The cheater tries to leave with its stake at once.
    court.net.run(&cheater, TxBody::Unbond { amount: Amount::units(100) }).unwrap();
    let unbonding = court.net.state.provider(&cheater.public()).unwrap().unbonding.clone();
    assert_eq!(unbonding[0].release_height, locked_until);
    court.net.idle(p.unbonding_blocks + 1);
    assert_eq!(court.net.state.provider(&cheater.public()).unwrap().unbonding.len(), 1);
    // A challenge inside the window still reaches the stake.
    let user = court.user.clone();
    let lease = leases[0];
    court
        .net
        .run(
            &user,
            TxBody::Challenge { lease, output_root: honest_root(), bond: p.min_challenge_bond },
        )
        .unwrap();
    court.arbitrate(order, honest_root());
    let provider = court.net.state.provider(&cheater.public()).unwrap();
    assert_eq!(provider.stats.slashed, 1);
    assert_eq!(provider.unbonding[0].amount, Amount::units(50), "half was slashed while unbonding");
    // Only after the window does the rest return.
    let balance = court.net.balance(&cheater);
    let wait = provider.locked_until.max(locked_until) - court.net.state.height();
    court.net.idle(wait);
    assert!(court.net.state.provider(&cheater.public()).unwrap().unbonding.is_empty());
    assert_eq!(court.net.balance(&cheater), balance.checked_add(Amount::units(50)).unwrap());
    court.net.check_invariants();
}
