//! Settling results and auditing them.
//!
//! When an order finishes, each lease that returned a result gets a [`Settlement`]: what the
//! market concluded and what it paid, open to challenge for `challenge_window_blocks`. For an
//! order with an audit policy, each settled result is drawn for audit by the **next** block's
//! beacon — a threshold signature nobody knows until the results are committed, so a provider
//! cannot guess which results will be checked. A drawn result is re-executed by a beacon-chosen
//! staked provider (never the lease's own); an auditor who disagrees opens a dispute.

use std::collections::BTreeSet;

use rigshare_types::records::OrderStatus;
use rigshare_types::verification::{
    Audit, AuditStatus, Claim, ClaimKind, DisputeCause, Settlement, Verdict,
};
use rigshare_types::{Amount, Hash32, LeaseId, OrderId, PublicKey, codec, hash};

use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

impl State {
    /// Records the settlement of every lease of a finished order that returned a result, and
    /// schedules audits or opens the replicas' dispute.
    pub(super) fn settle_results(&mut self, id: OrderId, events: &mut Vec<Event>) {
        let Some(order) = self.orders.get(&id) else { return };
        let verdict = match order.status {
            OrderStatus::Verified => Verdict::Replicated,
            OrderStatus::Disputed => Verdict::Disputed,
            _ => Verdict::Unchecked,
        };
        let (status, audit_ppm) = (order.status, order.verification.audit_ppm);
        let (requestor, manifest_hash) = (order.requestor, order.manifest_hash);
        let height = self.globals.height;
        let challenge_until = height.saturating_add(self.params.challenge_window_blocks);
        let locked_until = challenge_until
            .saturating_add(self.params.audit_blocks)
            .saturating_add(self.params.dispute_blocks);
        let settled: Vec<Settlement> = order
            .leases
            .iter()
            .filter_map(|lease_id| {
                let receipt = self.receipts.get(lease_id)?;
                let lease = self.leases.get(lease_id)?;
                Some(Settlement {
                    order: id,
                    lease: *lease_id,
                    provider: lease.provider,
                    requestor,
                    manifest_hash,
                    receipt_hash: hash::sha256(&codec::encode(receipt)),
                    output_root: receipt.receipt.output_root,
                    paid: lease.paid,
                    refunded: Amount::ZERO,
                    verdict,
                    challenge_until,
                })
            })
            .collect();
        for settlement in settled {
            self.lock_stake_until(&settlement.provider, locked_until);
            if audit_ppm > 0 && verdict != Verdict::Disputed {
                self.index.audit_draws.insert((height.saturating_add(1), settlement.lease));
            }
            self.settlements.insert(settlement.lease, settlement);
        }
        if status == OrderStatus::Disputed {
            self.open_dispute(id, DisputeCause::Replicas, None, events);
        }
    }

    /// Draws audits among the results settled before this block, with this block's beacon.
    pub(super) fn draw_audits(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, LeaseId)> =
            self.index.audit_draws.range(..=(height, LeaseId(u64::MAX))).copied().collect();
        for entry in due {
            self.index.audit_draws.remove(&entry);
            let lease = entry.1;
            let Some(settlement) = self.settlements.get(&lease).copied() else { continue };
            let rate = self.orders.get(&settlement.order).map_or(0, |o| o.verification.audit_ppm);
            let id = lease.0.to_be_bytes();
            if !self.beacon_draw(b"audit", &id, rate) {
                continue;
            }
            // A result already contested goes to arbitration instead.
            if !matches!(settlement.verdict, Verdict::Unchecked | Verdict::Replicated) {
                continue;
            }
            let excluded = self.order_parties(settlement.order);
            let Some(auditor) = self.draw_verifiers(b"auditor", &id, &excluded, 1).pop() else {
                continue;
            };
            let deadline = height.saturating_add(self.params.audit_blocks);
            self.put_audit(Audit {
                lease,
                auditor,
                assigned_height: height,
                deadline,
                status: AuditStatus::Pending,
            });
            self.index.audit_deadlines.insert((deadline, lease));
            if let Some(s) = self.settlements.get_mut(&lease) {
                s.verdict = Verdict::Auditing;
            }
            events.push(Event::AuditAssigned { lease, auditor });
        }
    }

    pub(super) fn submit_audit(
        &mut self,
        sender: &PublicKey,
        lease: LeaseId,
        output_root: Hash32,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let audit = self.audits.get(&lease).ok_or(ExecError::NoAudit(lease))?;
        if audit.auditor != *sender {
            return Err(ExecError::NotAuditor);
        }
        if audit.status != AuditStatus::Pending || self.globals.height > audit.deadline {
            return Err(ExecError::AuditClosed(lease));
        }
        let settlement =
            self.settlements.get(&lease).copied().ok_or(ExecError::NotSettled(lease))?;
        self.index.audit_deadlines.remove(&(audit.deadline, lease));
        if output_root == settlement.output_root {
            self.update_audit(lease, |audit| audit.status = AuditStatus::Passed);
            if let Some(s) = self.settlements.get_mut(&lease) {
                s.verdict = Verdict::Audited;
            }
            if let Some(p) = self.providers.get_mut(&settlement.provider) {
                p.stats.audited = p.stats.audited.saturating_add(1);
            }
            self.pay_from_pool(sender, self.params.verifier_reward);
            events.push(Event::AuditPassed { lease });
            return Ok(());
        }
        self.update_audit(lease, |audit| audit.status = AuditStatus::Mismatch { output_root });
        let claim =
            Claim { by: *sender, kind: ClaimKind::Auditor, output_root, bond: Amount::ZERO };
        self.open_dispute(settlement.order, DisputeCause::Audit(lease), Some(claim), events);
        Ok(())
    }

    /// Audits whose deadline passed without a report: the auditor failed, the result keeps the
    /// verdict it had.
    pub(super) fn expire_audits(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, LeaseId)> =
            self.index.audit_deadlines.range(..(height, LeaseId(0))).copied().collect();
        for entry in due {
            self.index.audit_deadlines.remove(&entry);
            let lease = entry.1;
            let expire = |audit: &mut Audit| {
                audit.status = AuditStatus::Expired;
                audit.auditor
            };
            let Some(auditor) = self.update_audit(lease, expire) else { continue };
            if let Some(p) = self.providers.get_mut(&auditor) {
                p.stats.failed = p.stats.failed.saturating_add(1);
            }
            let replicated = self
                .settlements
                .get(&lease)
                .and_then(|s| self.orders.get(&s.order))
                .is_some_and(|o| o.status == OrderStatus::Verified);
            if let Some(s) = self.settlements.get_mut(&lease)
                && s.verdict == Verdict::Auditing
            {
                s.verdict = if replicated { Verdict::Replicated } else { Verdict::Unchecked };
            }
            events.push(Event::AuditExpired { lease });
        }
    }

    /// Everyone with a stake in an order's outcome: its requestor and its leases' providers.
    pub(super) fn order_parties(&self, id: OrderId) -> BTreeSet<PublicKey> {
        let Some(order) = self.orders.get(&id) else { return BTreeSet::new() };
        let mut parties: BTreeSet<PublicKey> =
            order.leases.iter().filter_map(|l| self.leases.get(l)).map(|l| l.provider).collect();
        parties.insert(order.requestor);
        parties
    }
}
