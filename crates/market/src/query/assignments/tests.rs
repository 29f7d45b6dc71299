//! The assignment index on hand-built tables: many finished records, a few open ones.

use rigshare_types::verification::{
    Audit, AuditStatus, Dispute, DisputeCause, DisputeStatus, HardwareCheck, HardwareCheckStatus,
};
use rigshare_types::{Hash32, LeaseId, OrderId, PublicKey};

use super::Assignments;
use crate::params::{Genesis, Params};
use crate::state::State;
use crate::table::Table;

fn key(n: u8) -> PublicKey {
    PublicKey([n; 32])
}

fn state() -> State {
    let genesis = Genesis { params: Params::default(), balances: Vec::new(), time_ms: 0 };
    State::genesis(&genesis).unwrap()
}

fn audit(lease: u64, auditor: PublicKey, status: AuditStatus) -> Audit {
    Audit { lease: LeaseId(lease), auditor, assigned_height: 1, deadline: 5, status }
}

fn dispute(order: u64, arbiters: &[PublicKey], voted: &[PublicKey], open: bool) -> Dispute {
    let truth = Hash32([7; 32]);
    Dispute {
        order: OrderId(order),
        cause: DisputeCause::Replicas,
        claims: Vec::new(),
        arbiters: arbiters.to_vec(),
        votes: voted.iter().map(|v| (*v, truth)).collect(),
        opened_height: 1,
        deadline: 5,
        status: if open { DisputeStatus::Open } else { DisputeStatus::Resolved { truth } },
    }
}

fn check(
    provider: PublicKey,
    checker: Option<PublicKey>,
    status: HardwareCheckStatus,
) -> HardwareCheck {
    HardwareCheck {
        provider,
        group: 0,
        claimed_tops: 1,
        n: 64,
        seed: Hash32::ZERO,
        checker,
        requested_height: 1,
        deadline: 5,
        status,
    }
}

/// Hundreds of finished records for providers 1..=4, then a few open ones.
fn busy_state() -> State {
    let mut state = state();
    let (a, b, c, d) = (key(1), key(2), key(3), key(4));
    let finished = [
        AuditStatus::Passed,
        AuditStatus::Expired,
        AuditStatus::Mismatch { output_root: Hash32([9; 32]) },
    ];
    for lease in 1..=600u64 {
        let auditor = [a, b, c, d][(lease % 4) as usize];
        state.put_audit(audit(lease, auditor, finished[(lease % 3) as usize]));
    }
    for order in 1..=300u64 {
        state.put_dispute(dispute(order, &[a, b, c], &[a], false));
    }
    for n in 10..=200u8 {
        let status = HardwareCheckStatus::Passed { measured_ops_per_s: 1 };
        state.put_hardware_check(check(key(n), Some(a), status));
    }
    // Open work: two audits of `a`, a dispute `a` and `c` owe (`b` voted), a check `b` owes.
    state.put_audit(audit(1_001, a, AuditStatus::Pending));
    state.put_audit(audit(1_000, a, AuditStatus::Pending));
    state.put_dispute(dispute(400, &[a, b, c], &[b], true));
    state.put_hardware_check(check(key(201), Some(b), HardwareCheckStatus::Assigned));
    state
}

fn expected(n: u8) -> Assignments {
    match n {
        1 => Assignments {
            audits: vec![LeaseId(1_000), LeaseId(1_001)],
            disputes: vec![OrderId(400)],
            hardware_checks: vec![],
        },
        2 => Assignments { hardware_checks: vec![key(201)], ..Assignments::default() },
        3 => Assignments { disputes: vec![OrderId(400)], ..Assignments::default() },
        _ => Assignments::default(),
    }
}

#[test]
fn finished_records_are_not_assignments() {
    let state = busy_state();
    for n in 0..=255 {
        assert_eq!(state.assignments(&key(n)), expected(n), "provider {n}");
    }
    // Only open work is indexed: one entry per listed assignment.
    let listed: usize = (0..=255)
        .map(|n| {
            let a = state.assignments(&key(n));
            a.audits.len() + a.disputes.len() + a.hardware_checks.len()
        })
        .sum();
    assert_eq!((state.index.assignments.len(), listed), (5, 5));
}

#[test]
fn the_answer_comes_from_the_index_alone() {
    let mut state = busy_state();
    state.audits = Table::default();
    state.disputes = Table::default();
    state.hardware = Table::default();
    for n in 0..=255 {
        assert_eq!(state.assignments(&key(n)), expected(n), "provider {n}");
    }
}

#[test]
fn changes_keep_the_index_in_step() {
    let mut state = busy_state();
    let (a, b, c) = (key(1), key(2), key(3));
    state.update_audit(LeaseId(1_000), |x| x.status = AuditStatus::Passed);
    state.update_dispute(OrderId(400), |x| x.votes.push((a, Hash32::ZERO)));
    assert_eq!(state.assignments(&a).audits, vec![LeaseId(1_001)]);
    assert!(state.assignments(&a).disputes.is_empty());
    assert_eq!(state.assignments(&c).disputes, vec![OrderId(400)]);
    state.update_dispute(OrderId(400), |x| x.status = DisputeStatus::Unresolved);
    assert!(state.assignments(&c).disputes.is_empty());
    // A closed dispute replaced by a new one under the same order.
    state.put_dispute(dispute(400, &[b], &[], true));
    assert_eq!(state.assignments(&b).disputes, vec![OrderId(400)]);
    // A provider's next challenge replaces its last; an expired one is no assignment.
    state.update_hardware_check(&key(201), |x| x.status = HardwareCheckStatus::Expired);
    assert!(state.assignments(&b).hardware_checks.is_empty());
    state.put_hardware_check(check(key(201), Some(c), HardwareCheckStatus::Assigned));
    state.put_hardware_check(check(key(201), None, HardwareCheckStatus::Requested));
    assert!(state.assignments(&c).hardware_checks.is_empty());
    assert_eq!(state.index.assignments.len(), 2);
}
