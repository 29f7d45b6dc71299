//! Leases: start, streaming settlement, results, closing, and finishing the order.
//!
//! Payment streams continuously and is cumulative: at block time `now` a running lease has
//! earned `cost(price, gpus, min(now, start + max_duration) - start)`. Settlement moves the
//! difference to what was already paid from the lease's escrow to the provider, so no amount is
//! ever paid twice, capped by the escrow, so escrow is never overdrawn.
//!
//! A lease is settled when it is *due*: every `settle_interval_ms` of block time (every block
//! when 0), in the block its escrow runs out (it then closes), in the block its time limit plus
//! the result grace period passes (it closes without a result), and whenever it ends. Only due
//! leases are touched, so a block's cost does not grow with the number of running leases.

use rigshare_types::records::{CloseReason, LeaseStatus, OrderStatus};
use rigshare_types::{Amount, Hash32, LeaseId, OrderId, PublicKey, SignatureError, SignedReceipt};

use super::order::cost;
use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

/// Longest abandonment reason, in bytes.
pub const MAX_REASON_LEN: usize = 256;

impl State {
    pub(super) fn start_lease(
        &mut self,
        sender: &PublicKey,
        id: LeaseId,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let lease = self.leases.get(&id).ok_or(ExecError::UnknownLease(id))?;
        if lease.provider != *sender {
            return Err(ExecError::NotLeaseProvider);
        }
        if lease.status != LeaseStatus::Pending {
            return Err(ExecError::LeaseState { lease: id, state: status_name(lease.status) });
        }
        let deadline = lease.start_deadline;
        let now = self.globals.time_ms;
        if let Some(lease) = self.leases.get_mut(&id) {
            lease.status = LeaseStatus::Running;
            lease.started_ms = Some(now);
        }
        self.index.pending.remove(&(deadline, id));
        self.schedule(id);
        events.push(Event::LeaseStarted { lease: id });
        Ok(())
    }

    /// `signature` is the outcome of checking the receipt's signature by `sender` (done with
    /// the block's other signatures, in one batch).
    pub(super) fn submit_result(
        &mut self,
        sender: &PublicKey,
        signed: &SignedReceipt,
        signature: Result<(), SignatureError>,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let id = signed.receipt.lease;
        let lease = self.leases.get(&id).ok_or(ExecError::UnknownLease(id))?;
        if lease.provider != *sender {
            return Err(ExecError::NotLeaseProvider);
        }
        if lease.status != LeaseStatus::Running {
            return Err(ExecError::LeaseState { lease: id, state: status_name(lease.status) });
        }
        let order = self.orders.get(&lease.order).ok_or(ExecError::UnknownOrder(lease.order))?;
        if signed.receipt.manifest_hash != order.manifest_hash {
            return Err(ExecError::ManifestMismatch);
        }
        signature.map_err(ExecError::BadReceiptSignature)?;

        let order_id = lease.order;
        self.pay_accrued(id, events);
        self.end_lease(id, LeaseStatus::Completed);
        self.receipts.insert(id, *signed);
        if let Some(provider) = self.providers.get_mut(sender) {
            provider.stats.completed = provider.stats.completed.saturating_add(1);
        }
        events.push(Event::ResultSubmitted { lease: id, output_root: signed.receipt.output_root });
        self.finish_order_if_done(order_id, events);
        Ok(())
    }

    pub(super) fn abandon_lease(
        &mut self,
        sender: &PublicKey,
        id: LeaseId,
        reason: &str,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let lease = self.leases.get(&id).ok_or(ExecError::UnknownLease(id))?;
        if lease.provider != *sender {
            return Err(ExecError::NotLeaseProvider);
        }
        if !lease.status.is_active() {
            return Err(ExecError::LeaseState { lease: id, state: status_name(lease.status) });
        }
        if reason.len() > MAX_REASON_LEN {
            return Err(ExecError::InvalidField {
                field: "reason",
                reason: format!("longer than {MAX_REASON_LEN} bytes"),
            });
        }
        let order = lease.order;
        self.close_lease(id, CloseReason::Abandoned, events);
        self.finish_order_if_done(order, events);
        Ok(())
    }

    /// Settles the running leases that are due; closes those whose escrow ran out or whose time
    /// and grace period are over without a result; schedules the rest again.
    pub(super) fn settle_due_leases(&mut self, events: &mut Vec<Event>) {
        let now = self.globals.time_ms;
        let grace = self.params.result_grace_ms;
        let due: Vec<(u64, LeaseId)> =
            self.index.settle.range(..=(now, LeaseId(u64::MAX))).copied().collect();
        for (_, id) in due {
            let exhausted = self.pay_accrued(id, events);
            let Some(lease) = self.leases.get(&id) else { continue };
            let Some(max_ms) = self.orders.get(&lease.order).map(|o| o.max_duration_ms) else {
                continue;
            };
            let ends = lease.started_ms.unwrap_or(now).saturating_add(max_ms);
            let order = lease.order;
            let reason = if exhausted {
                CloseReason::EscrowExhausted
            } else if now >= ends.saturating_add(grace) {
                CloseReason::NoResult
            } else {
                self.schedule(id);
                continue;
            };
            self.close_lease(id, reason, events);
            self.finish_order_if_done(order, events);
        }
    }

    /// (Re)computes when a running lease is next due: the earliest of the next periodic
    /// settlement, the moment its escrow can no longer cover what it earns, and the end of its
    /// time limit plus grace.
    fn schedule(&mut self, id: LeaseId) {
        let now = self.globals.time_ms;
        if let Some(old) = self.index.running.remove(&id) {
            self.index.settle.remove(&(old, id));
        }
        let Some(lease) = self.leases.get(&id) else { return };
        let (Some(started), Some(order)) = (lease.started_ms, self.orders.get(&lease.order)) else {
            return;
        };
        let periodic = now.saturating_add(self.params.settle_interval_ms.max(1));
        let limit = started
            .saturating_add(order.max_duration_ms)
            .saturating_add(self.params.result_grace_ms);
        // First time t with cost(t - started) > paid + escrow: then the escrow cannot pay.
        let budget = u128::from(lease.paid.0) + u128::from(lease.escrow.0) + 1;
        let rate = u128::from(lease.price_gpu_hour.0) * u128::from(lease.gpus);
        let exhaust = (budget * super::order::MS_PER_HOUR)
            .div_ceil(rate.max(1))
            .try_into()
            .map_or(u64::MAX, |ms: u64| started.saturating_add(ms));
        let due =
            if self.params.settle_interval_ms == 0 { now.saturating_add(1) } else { periodic };
        let due = due.min(limit).min(exhaust).max(now.saturating_add(1));
        self.index.running.insert(id, due);
        self.index.settle.insert((due, id));
    }
    /// Closes pending leases whose start deadline has passed.
    pub(super) fn expire_pending_leases(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, LeaseId)> =
            self.index.pending.range(..=(height, LeaseId(u64::MAX))).copied().collect();
        for (_, id) in due {
            let Some(order) = self.leases.get(&id).map(|l| l.order) else { continue };
            self.close_lease(id, CloseReason::NotStarted, events);
            self.finish_order_if_done(order, events);
        }
    }

    /// Pays a running lease what it accrued up to now (capped by its time limit and escrow).
    /// Returns whether the escrow could not cover what was owed.
    pub(super) fn pay_accrued(&mut self, id: LeaseId, events: &mut Vec<Event>) -> bool {
        let now = self.globals.time_ms;
        let Some(lease) = self.leases.get(&id) else { return false };
        let (Some(started), Some(order)) = (lease.started_ms, self.orders.get(&lease.order)) else {
            return false;
        };
        let elapsed =
            now.min(started.saturating_add(order.max_duration_ms)).saturating_sub(started);
        let accrued = cost(lease.price_gpu_hour, lease.gpus, elapsed).unwrap_or(Amount(u64::MAX));
        let owed = accrued.saturating_sub(lease.paid);
        let pay = owed.min(lease.escrow);
        if !pay.is_zero() {
            let provider = lease.provider;
            if let Some(lease) = self.leases.get_mut(&id) {
                lease.escrow = lease.escrow.saturating_sub(pay);
                lease.paid = super::money::add(lease.paid, pay);
            }
            self.credit(&provider, pay);
            events.push(Event::LeasePaid { lease: id, amount: pay });
        }
        owed > pay
    }

    /// Ends an active lease without a result.
    pub(super) fn close_lease(
        &mut self,
        id: LeaseId,
        reason: CloseReason,
        events: &mut Vec<Event>,
    ) {
        let Some(provider) = self.leases.get(&id).map(|l| l.provider) else { return };
        self.end_lease(id, LeaseStatus::Closed(reason));
        // Cancellation and an underfunded escrow are the requestor's doing, not the provider's.
        if !matches!(reason, CloseReason::Cancelled | CloseReason::EscrowExhausted)
            && let Some(p) = self.providers.get_mut(&provider)
        {
            p.stats.failed = p.stats.failed.saturating_add(1);
        }
        events.push(Event::LeaseClosed { lease: id, reason });
    }

    /// Moves an active lease to a final status: frees its GPUs, returns its unspent escrow to
    /// the order, and drops it from the indexes.
    fn end_lease(&mut self, id: LeaseId, status: LeaseStatus) {
        let now = self.globals.time_ms;
        let Some(lease) = self.leases.get_mut(&id) else { return };
        let (order, provider, group, gpus, deadline) =
            (lease.order, lease.provider, lease.group, lease.gpus, lease.start_deadline);
        let unspent = lease.escrow;
        lease.escrow = Amount::ZERO;
        lease.status = status;
        lease.ended_ms = Some(now);
        if let Some(due) = self.index.running.remove(&id) {
            self.index.settle.remove(&(due, id));
        }
        self.index.pending.remove(&(deadline, id));
        if let Some(order) = self.orders.get_mut(&order) {
            order.escrow = super::money::add(order.escrow, unspent);
        }
        if let Some(p) = self.providers.get_mut(&provider) {
            p.active_leases = p.active_leases.saturating_sub(1);
            if let Some(g) = p.inventory.get_mut(group as usize) {
                g.leased = g.leased.saturating_sub(gpus);
            }
        }
    }

    /// Finishes a running order once none of its leases is active.
    fn finish_order_if_done(&mut self, id: OrderId, events: &mut Vec<Event>) {
        let Some(order) = self.orders.get(&id) else { return };
        let done = order.status == OrderStatus::Running
            && order
                .leases
                .iter()
                .all(|l| self.leases.get(l).is_none_or(|l| !l.status.is_active()));
        if done {
            self.finish_order(id, None, events);
        }
    }

    /// Sets the order's final status — `status`, or else the verdict of its results — and
    /// refunds its unspent escrow, except for a dispute, which holds it.
    ///
    /// Verdict: no result → failed; all output roots equal → verified if at least two, else
    /// completed; any disagreement → disputed.
    pub(super) fn finish_order(
        &mut self,
        id: OrderId,
        status: Option<OrderStatus>,
        events: &mut Vec<Event>,
    ) {
        let Some(order) = self.orders.get(&id) else { return };
        let status = status.unwrap_or_else(|| {
            let roots: Vec<Hash32> = order
                .leases
                .iter()
                .filter_map(|l| self.receipts.get(l))
                .map(|r| r.receipt.output_root)
                .collect();
            match roots.as_slice() {
                [] => OrderStatus::Failed(rigshare_types::records::OrderFailure::NoResults),
                [_] => OrderStatus::Completed,
                [first, rest @ ..] if rest.iter().all(|r| r == first) => OrderStatus::Verified,
                _ => OrderStatus::Disputed,
            }
        });
        let requestor = order.requestor;
        let refund = if status == OrderStatus::Disputed { Amount::ZERO } else { order.escrow };
        if let Some(order) = self.orders.get_mut(&id) {
            order.escrow = order.escrow.saturating_sub(refund);
            order.refunded = super::money::add(order.refunded, refund);
            order.status = status;
        }
        self.credit(&requestor, refund);
        events.push(Event::OrderFinished { order: id, status, refunded: refund });
        self.settle_results(id, events);
    }
}

fn status_name(status: LeaseStatus) -> &'static str {
    match status {
        LeaseStatus::Pending => "pending",
        LeaseStatus::Running => "running",
        LeaseStatus::Completed => "completed",
        LeaseStatus::Closed(_) => "closed",
    }
}
