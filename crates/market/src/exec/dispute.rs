//! Challenges, disputes, arbitration and slashing.
//!
//! A dispute opens when an order's replicas disagree, when an auditor disagrees with a result,
//! or when anyone challenges a result with a bond inside its challenge window. The beacon of the
//! opening block draws `params.arbiters` staked providers, none a party to the order or to a
//! claim; each re-executes the job (wasm jobs are bit-reproducible) and votes a root. A strict
//! majority decides the **truth**:
//!
//! - a provider whose receipt differs from the truth is slashed (`slash_ppm` of its bonded stake,
//!   at least what the lease paid it); the requestor is refunded what the lease paid, from the
//!   slashed amount; `whistleblower_ppm` of the rest goes to whoever proved it wrong (claimants
//!   with the true root, else the providers with the true root), the remainder to the fee pool;
//! - a claimant with the true root gets its bond back; a challenger with a wrong root loses its
//!   bond to the providers whose result stood; an auditor with a wrong root is slashed;
//! - arbiters who voted the truth are paid `verifier_reward` from the fee pool; the others, and
//!   those who did not vote, count a failure;
//! - an order held as disputed finishes: `Verified` if a result stood, else
//!   `Failed(WrongResults)`, and its held escrow is refunded.
//!
//! Without a majority by the deadline the dispute is `Unresolved`: nobody is slashed, bonds and
//! held escrow go back.

use rigshare_types::records::{OrderFailure, OrderStatus};
use rigshare_types::verification::{
    Claim, ClaimKind, Dispute, DisputeCause, DisputeStatus, Verdict,
};
use rigshare_types::{Amount, Hash32, LeaseId, OrderId, PublicKey};

use super::verifiers::PPM;
use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

impl State {
    pub(super) fn challenge(
        &mut self,
        sender: &PublicKey,
        lease: LeaseId,
        output_root: Hash32,
        bond: Amount,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let min = self.params.min_challenge_bond;
        if bond < min || bond.is_zero() {
            return Err(ExecError::BondTooSmall { bond, min });
        }
        if !self.leases.contains(&lease) {
            return Err(ExecError::UnknownLease(lease));
        }
        let settlement = self.settlements.get(&lease).ok_or(ExecError::NotSettled(lease))?;
        if settlement.provider == *sender {
            return Err(ExecError::SelfChallenge);
        }
        if self.globals.height > settlement.challenge_until {
            return Err(ExecError::ChallengeWindowClosed {
                lease,
                closed_at: settlement.challenge_until,
            });
        }
        if output_root == settlement.output_root {
            return Err(ExecError::ChallengeAgrees);
        }
        if matches!(settlement.verdict, Verdict::Upheld | Verdict::Overturned | Verdict::Contested)
        {
            return Err(ExecError::AlreadyArbitrated(lease));
        }
        let order = settlement.order;
        if let Some(dispute) = self.disputes.get(&order)
            && dispute.status == DisputeStatus::Open
            && dispute.arbiters.contains(sender)
        {
            return Err(ExecError::DisputeParty(order));
        }
        self.ensure_funds(sender, bond)?;
        self.debit(sender, bond);
        events.push(Event::Challenged { lease, by: *sender, output_root });
        let claim = Claim { by: *sender, kind: ClaimKind::Challenger, output_root, bond };
        self.open_dispute(order, DisputeCause::Challenge(lease), Some(claim), events);
        Ok(())
    }

    /// Opens the order's dispute, or adds `claim` to the one already open.
    pub(super) fn open_dispute(
        &mut self,
        order: OrderId,
        cause: DisputeCause,
        claim: Option<Claim>,
        events: &mut Vec<Event>,
    ) {
        if self.disputes.get(&order).is_some_and(|d| d.status == DisputeStatus::Open) {
            self.update_dispute(order, |dispute| dispute.claims.extend(claim));
            return;
        }
        let mut excluded = self.order_parties(order);
        excluded.extend(claim.iter().map(|c| c.by));
        let count = usize::from(self.params.arbiters);
        let arbiters = self.draw_verifiers(b"arbiter", &order.0.to_be_bytes(), &excluded, count);
        let height = self.globals.height;
        let deadline = height.saturating_add(self.params.dispute_blocks);
        let leases: Vec<LeaseId> =
            self.orders.get(&order).map(|o| o.leases.clone()).unwrap_or_default();
        for lease in &leases {
            if let Some(s) = self.settlements.get_mut(lease) {
                s.verdict = Verdict::Disputed;
                let provider = s.provider;
                self.lock_stake_until(&provider, deadline);
            }
        }
        if let Some(Claim { by, kind: ClaimKind::Auditor, .. }) = claim {
            self.lock_stake_until(&by, deadline);
        }
        self.put_dispute(Dispute {
            order,
            cause,
            claims: claim.into_iter().collect(),
            arbiters: arbiters.clone(),
            votes: Vec::new(),
            opened_height: height,
            deadline,
            status: DisputeStatus::Open,
        });
        events.push(Event::DisputeOpened { order, cause, arbiters: arbiters.clone() });
        if arbiters.is_empty() {
            // Nobody independent can arbitrate: the dispute cannot be decided.
            self.close_dispute(order, None, events);
        } else {
            self.index.dispute_deadlines.insert((deadline, order));
        }
    }

    pub(super) fn arbitrate(
        &mut self,
        sender: &PublicKey,
        order: OrderId,
        output_root: Hash32,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let dispute = self.disputes.get(&order).ok_or(ExecError::NoDispute(order))?;
        if dispute.status != DisputeStatus::Open || self.globals.height > dispute.deadline {
            return Err(ExecError::DisputeClosed(order));
        }
        if !dispute.arbiters.contains(sender) {
            return Err(ExecError::NotArbiter);
        }
        if dispute.votes.iter().any(|(who, _)| who == sender) {
            return Err(ExecError::DuplicateVote);
        }
        let quorum = dispute.quorum();
        let agreeing = 1 + dispute.votes.iter().filter(|(_, root)| *root == output_root).count();
        self.update_dispute(order, |dispute| dispute.votes.push((*sender, output_root)));
        if agreeing >= quorum {
            self.close_dispute(order, Some(output_root), events);
        }
        Ok(())
    }

    /// Disputes whose deadline passed without a majority.
    pub(super) fn expire_disputes(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, OrderId)> =
            self.index.dispute_deadlines.range(..(height, OrderId(0))).copied().collect();
        for (_, order) in due {
            self.close_dispute(order, None, events);
        }
    }

    /// Applies the arbiters' verdict (`Some(truth)`) or the lack of one (`None`).
    fn close_dispute(&mut self, id: OrderId, truth: Option<Hash32>, events: &mut Vec<Event>) {
        let Some(dispute) = self.disputes.get(&id).cloned() else { return };
        self.index.dispute_deadlines.remove(&(dispute.deadline, id));
        let status = match truth {
            Some(truth) => DisputeStatus::Resolved { truth },
            None => DisputeStatus::Unresolved,
        };
        self.update_dispute(id, |d| d.status = status);
        match truth {
            Some(truth) => self.enforce(&dispute, truth, events),
            None => self.void(&dispute),
        }
        self.judge_arbiters(&dispute, truth);
        self.finish_disputed_order(id, events);
        events.push(Event::DisputeClosed { order: id, status });
    }

    /// The arbiters found `truth`: slash, refund, reward.
    fn enforce(&mut self, dispute: &Dispute, truth: Hash32, events: &mut Vec<Event>) {
        let leases: Vec<LeaseId> =
            self.orders.get(&dispute.order).map(|o| o.leases.clone()).unwrap_or_default();
        let settled: Vec<_> =
            leases.iter().filter_map(|l| self.settlements.get(l).copied()).collect();
        let stood: Vec<PublicKey> =
            settled.iter().filter(|s| s.output_root == truth).map(|s| s.provider).collect();
        let right_claimants: Vec<PublicKey> =
            dispute.claims.iter().filter(|c| c.output_root == truth).map(|c| c.by).collect();
        let whistleblowers = if right_claimants.is_empty() { &stood } else { &right_claimants };
        let mut forfeited = Amount::ZERO;

        for s in &settled {
            let verdict = if s.output_root == truth {
                if let Some(p) = self.providers.get_mut(&s.provider) {
                    p.stats.audited = p.stats.audited.saturating_add(1);
                }
                Verdict::Upheld
            } else {
                let slashed = self.slash(&s.provider, s.paid);
                events.push(Event::Slashed { provider: s.provider, amount: slashed });
                let refund = slashed.min(s.paid);
                self.credit(&s.requestor, refund);
                if let Some(settlement) = self.settlements.get_mut(&s.lease) {
                    settlement.refunded = refund;
                }
                forfeited = super::money::add(forfeited, slashed.saturating_sub(refund));
                Verdict::Overturned
            };
            if let Some(settlement) = self.settlements.get_mut(&s.lease) {
                settlement.verdict = verdict;
            }
        }
        for claim in &dispute.claims {
            if claim.output_root == truth {
                self.credit(&claim.by, claim.bond);
                if claim.kind == ClaimKind::Auditor {
                    self.pay_from_pool(&claim.by, self.params.verifier_reward);
                }
                continue;
            }
            match claim.kind {
                // A wrong challenger's bond pays the providers it wrongly accused.
                ClaimKind::Challenger => self.share_out(claim.bond, &stood),
                ClaimKind::Auditor => {
                    let slashed = self.slash(&claim.by, Amount::ZERO);
                    events.push(Event::Slashed { provider: claim.by, amount: slashed });
                    forfeited = super::money::add(forfeited, slashed);
                }
            }
        }
        let reward =
            u128::from(forfeited.0) * u128::from(self.params.whistleblower_ppm) / u128::from(PPM);
        let reward = Amount(u64::try_from(reward).unwrap_or(forfeited.0).min(forfeited.0));
        let whistleblowers = whistleblowers.clone();
        if whistleblowers.is_empty() {
            self.share_out(forfeited, &[]);
        } else {
            self.share_out(reward, &whistleblowers);
            self.share_out(forfeited.saturating_sub(reward), &[]);
        }
    }

    /// No majority: bonds go back, nobody is slashed.
    fn void(&mut self, dispute: &Dispute) {
        for claim in &dispute.claims {
            self.credit(&claim.by, claim.bond);
        }
        let leases: Vec<LeaseId> =
            self.orders.get(&dispute.order).map(|o| o.leases.clone()).unwrap_or_default();
        for lease in leases {
            if let Some(s) = self.settlements.get_mut(&lease) {
                s.verdict = Verdict::Contested;
            }
        }
    }

    /// Rewards arbiters who voted `truth`; counts a failure for the others.
    fn judge_arbiters(&mut self, dispute: &Dispute, truth: Option<Hash32>) {
        for arbiter in &dispute.arbiters {
            let vote = dispute.votes.iter().find(|(who, _)| who == arbiter).map(|(_, r)| *r);
            if vote.is_some() && vote == truth {
                self.pay_from_pool(arbiter, self.params.verifier_reward);
            } else if let Some(p) = self.providers.get_mut(arbiter) {
                p.stats.failed = p.stats.failed.saturating_add(1);
            }
        }
    }

    /// Settles an order whose escrow was held for the dispute; an order that had finished
    /// before fails if no result stood.
    fn finish_disputed_order(&mut self, id: OrderId, events: &mut Vec<Event>) {
        let Some(order) = self.orders.get(&id) else { return };
        let verdicts: Vec<Verdict> = order
            .leases
            .iter()
            .filter_map(|l| self.settlements.get(l))
            .map(|s| s.verdict)
            .collect();
        let any_stood = verdicts.contains(&Verdict::Upheld);
        let all_fell = !verdicts.is_empty() && verdicts.iter().all(|v| *v == Verdict::Overturned);
        let held = order.status == OrderStatus::Disputed;
        let status = if all_fell {
            OrderStatus::Failed(OrderFailure::WrongResults)
        } else if held && any_stood {
            OrderStatus::Verified
        } else {
            order.status
        };
        let refund = if held { order.escrow } else { Amount::ZERO };
        let requestor = order.requestor;
        if status == order.status && refund.is_zero() {
            return;
        }
        if let Some(order) = self.orders.get_mut(&id) {
            order.escrow = order.escrow.saturating_sub(refund);
            order.refunded = super::money::add(order.refunded, refund);
            order.status = status;
        }
        self.credit(&requestor, refund);
        events.push(Event::OrderFinished { order: id, status, refunded: refund });
    }
}
