//! Writes to the audit, dispute and hardware-check tables. Every change to them goes through
//! here, so the assignment index ([`State::assignments`]) always agrees with the rows: a row's
//! entries are dropped before it changes and listed again after.

use rigshare_types::verification::{Audit, Dispute, HardwareCheck};
use rigshare_types::{LeaseId, OrderId, PublicKey};

use crate::state::State;

impl State {
    /// Stores `audit` under its lease, replacing any earlier row.
    pub(crate) fn put_audit(&mut self, audit: Audit) {
        let lease = audit.lease;
        if let Some(old) = self.audits.get(&lease) {
            self.index.assignments.unlist_audit(lease, old);
        }
        self.index.assignments.list_audit(lease, &audit);
        self.audits.insert(lease, audit);
    }

    /// Changes the audit of `lease` with `change`; `None` if there is none.
    pub(crate) fn update_audit<R>(
        &mut self,
        lease: LeaseId,
        change: impl FnOnce(&mut Audit) -> R,
    ) -> Option<R> {
        let audit = self.audits.get_mut(&lease)?;
        self.index.assignments.unlist_audit(lease, audit);
        let result = change(audit);
        self.index.assignments.list_audit(lease, audit);
        Some(result)
    }

    /// Stores `dispute` under its order, replacing any earlier (closed) one.
    pub(crate) fn put_dispute(&mut self, dispute: Dispute) {
        let order = dispute.order;
        if let Some(old) = self.disputes.get(&order) {
            self.index.assignments.unlist_dispute(order, old);
        }
        self.index.assignments.list_dispute(order, &dispute);
        self.disputes.insert(order, dispute);
    }

    /// Changes the dispute of `order` with `change`; `None` if there is none.
    pub(crate) fn update_dispute<R>(
        &mut self,
        order: OrderId,
        change: impl FnOnce(&mut Dispute) -> R,
    ) -> Option<R> {
        let dispute = self.disputes.get_mut(&order)?;
        self.index.assignments.unlist_dispute(order, dispute);
        let result = change(dispute);
        self.index.assignments.list_dispute(order, dispute);
        Some(result)
    }

    /// Stores `check` as its provider's latest hardware challenge, replacing the previous one.
    pub(crate) fn put_hardware_check(&mut self, check: HardwareCheck) {
        let provider = check.provider;
        if let Some(old) = self.hardware.get(&provider) {
            self.index.assignments.unlist_hardware(provider, old);
        }
        self.index.assignments.list_hardware(provider, &check);
        self.hardware.insert(provider, check);
    }

    /// Changes `provider`'s latest hardware challenge with `change`; `None` if there is none.
    pub(crate) fn update_hardware_check<R>(
        &mut self,
        provider: &PublicKey,
        change: impl FnOnce(&mut HardwareCheck) -> R,
    ) -> Option<R> {
        let check = self.hardware.get_mut(provider)?;
        self.index.assignments.unlist_hardware(*provider, check);
        let result = change(check);
        self.index.assignments.list_hardware(*provider, check);
        Some(result)
    }
}
