//! The verification work each provider owes, indexed by provider.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use rigshare_types::verification::{
    Audit, AuditStatus, Dispute, DisputeStatus, HardwareCheck, HardwareCheckStatus,
};
use rigshare_types::{LeaseId, OrderId, PublicKey};

use crate::state::State;

/// Verification work the market waits for from one provider; each list sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignments {
    /// Leases it was drawn to audit, whose audit is still pending.
    pub audits: Vec<LeaseId>,
    /// Orders whose open dispute it was drawn to arbitrate and has not voted on yet.
    pub disputes: Vec<OrderId>,
    /// Providers whose assigned hardware challenge it was drawn to check.
    pub hardware_checks: Vec<PublicKey>,
}

impl State {
    /// The verification work `provider` owes now: pending audits it was drawn for, open disputes
    /// it arbitrates and has not voted on, assigned hardware challenges it checks. Read from an
    /// index alone, so the answer costs the same however many finished records the tables hold.
    pub fn assignments(&self, provider: &PublicKey) -> Assignments {
        self.index.assignments.of(provider)
    }
}

/// Open assignments keyed by `(assignee, record)`, so one provider's are a range: derived from
/// the audit, dispute and hardware-check tables and changed with them (see `exec::records`).
#[derive(Clone, Debug, Default)]
pub(crate) struct AssignmentIndex {
    /// `(auditor, lease)` of every pending audit.
    audits: BTreeSet<(PublicKey, LeaseId)>,
    /// `(arbiter, order)` of every open dispute, for each arbiter that has not voted.
    disputes: BTreeSet<(PublicKey, OrderId)>,
    /// `(checker, provider)` of every assigned hardware challenge.
    hardware: BTreeSet<(PublicKey, PublicKey)>,
}

impl AssignmentIndex {
    /// Drops whatever `audit` (the row under `lease`) put in the index.
    pub(crate) fn unlist_audit(&mut self, lease: LeaseId, audit: &Audit) {
        self.audits.remove(&(audit.auditor, lease));
    }

    /// Lists `audit` (the row under `lease`) if it is pending.
    pub(crate) fn list_audit(&mut self, lease: LeaseId, audit: &Audit) {
        if audit.status == AuditStatus::Pending {
            self.audits.insert((audit.auditor, lease));
        }
    }

    /// Drops whatever `dispute` (the row under `order`) put in the index.
    pub(crate) fn unlist_dispute(&mut self, order: OrderId, dispute: &Dispute) {
        for arbiter in &dispute.arbiters {
            self.disputes.remove(&(*arbiter, order));
        }
    }

    /// Lists, if `dispute` (the row under `order`) is open, each arbiter that has not voted.
    pub(crate) fn list_dispute(&mut self, order: OrderId, dispute: &Dispute) {
        if dispute.status != DisputeStatus::Open {
            return;
        }
        for arbiter in &dispute.arbiters {
            if !dispute.votes.iter().any(|(voter, _)| voter == arbiter) {
                self.disputes.insert((*arbiter, order));
            }
        }
    }

    /// Drops whatever `check` (the row under `provider`) put in the index.
    pub(crate) fn unlist_hardware(&mut self, provider: PublicKey, check: &HardwareCheck) {
        if let Some(checker) = check.checker {
            self.hardware.remove(&(checker, provider));
        }
    }

    /// Lists `check` (the row under `provider`) if it is assigned to a checker.
    pub(crate) fn list_hardware(&mut self, provider: PublicKey, check: &HardwareCheck) {
        if let (Some(checker), HardwareCheckStatus::Assigned) = (check.checker, check.status) {
            self.hardware.insert((checker, provider));
        }
    }

    /// `provider`'s entries, each list in order.
    fn of(&self, provider: &PublicKey) -> Assignments {
        let p = *provider;
        Assignments {
            audits: in_range(&self.audits, (p, LeaseId(0))..=(p, LeaseId(u64::MAX))),
            disputes: in_range(&self.disputes, (p, OrderId(0))..=(p, OrderId(u64::MAX))),
            hardware_checks: in_range(
                &self.hardware,
                (p, PublicKey([0; 32]))..=(p, PublicKey([0xff; 32])),
            ),
        }
    }

    /// Entries in all three sets.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.audits.len() + self.disputes.len() + self.hardware.len()
    }
}

/// The second halves of the entries of `set` in `range`.
fn in_range<T: Ord + Copy>(
    set: &BTreeSet<(PublicKey, T)>,
    range: RangeInclusive<(PublicKey, T)>,
) -> Vec<T> {
    set.range(range).map(|(_, record)| *record).collect()
}

#[cfg(test)]
mod tests;
