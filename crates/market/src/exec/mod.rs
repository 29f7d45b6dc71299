//! Applying blocks: admission (signature, nonce, fee), execution of each transaction, then the
//! end-of-block work (settlement, deadlines, auctions, unbonding), then the commitment.
//!
//! # The fee and nonce rule
//! A transaction is first *admitted*: its signature must verify, its sender must exist, its
//! nonce must be the sender's next one, and its fee must be at least the minimum and payable.
//! A transaction that fails admission changes nothing at all ([`AdmissionError`]). An admitted
//! transaction pays its fee to the fee pool and uses its nonce; if it then fails
//! ([`ExecError`]), that is *all* it changed. Handlers check everything before they write, so a
//! failure never leaves a partial change.

mod account;
mod auction;
mod audit;
mod dispute;
mod hardware;
mod lease;
mod money;
pub mod order;
mod provider;
mod records;
mod verifiers;

use rigshare_types::crypto::{PublicKey, SignatureError};
use rigshare_types::tx::{self, SignatureCheck};
use rigshare_types::{Hash32, SignedTransaction, Transaction, TxBody};

use crate::error::{AdmissionError, BlockError, ExecError, TxError};
use crate::state::State;
use rigshare_types::event::Event;

/// What the chain supplies with each block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// Must be the state's height + 1.
    pub height: u64,
    /// Block timestamp in ms; never before the parent's.
    pub time_ms: u64,
    /// Unbiasable randomness for this block (from the threshold signature), used in tie-breaks.
    pub seed: Hash32,
}

/// Whether [`State::apply_block_with`] checks transaction signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signatures {
    /// Batch-verify every signature (the default).
    Verify,
    /// The caller has verified these exact transactions already (its own mempool, a replay of
    /// blocks it finalized, benchmarks).
    AlreadyVerified,
}

/// The result of executing a block, before its commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    /// One result per transaction, in block order.
    pub results: Vec<Result<(), TxError>>,
    /// What happened, in order.
    pub events: Vec<Event>,
    /// For each transaction, the end of its events in `events`: transaction `i` caused
    /// `events[tx_event_ends[i - 1]..tx_event_ends[i]]` (from 0 for the first); the events
    /// after the last end belong to the end of the block (settlement, auctions, expiries).
    pub tx_event_ends: Vec<usize>,
}

/// The result of applying a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutcome {
    /// One result per transaction, in block order.
    pub results: Vec<Result<(), TxError>>,
    /// What happened, in order.
    pub events: Vec<Event>,
    /// Where each transaction's events end (see [`Executed::tx_event_ends`]).
    pub tx_event_ends: Vec<usize>,
    /// The state root after the block.
    pub root: Hash32,
}

impl State {
    /// Applies a block: every transaction in order, then the end-of-block work, then commits.
    /// A [`BlockError`] for the header leaves the state unchanged.
    pub fn apply_block(
        &mut self,
        ctx: &BlockContext,
        txs: &[SignedTransaction],
    ) -> Result<BlockOutcome, BlockError> {
        self.apply_block_with(ctx, txs, Signatures::Verify)
    }

    /// [`State::apply_block`] with a choice about signature checks.
    pub fn apply_block_with(
        &mut self,
        ctx: &BlockContext,
        txs: &[SignedTransaction],
        signatures: Signatures,
    ) -> Result<BlockOutcome, BlockError> {
        let Executed { results, events, tx_event_ends } =
            self.execute_block(ctx, txs, signatures)?;
        let root = self.commit();
        Ok(BlockOutcome { results, events, tx_event_ends, root })
    }

    /// The first stage of [`State::apply_block_with`]: the state transition, without the
    /// commitment. The changed entries wait for [`State::commit`], which must run before the
    /// next block (a second execution first is refused with [`BlockError::Uncommitted`]).
    ///
    /// The stages are separate so that a caller can measure them, and later pipeline the
    /// commitment of one block with the execution of the next.
    pub fn execute_block(
        &mut self,
        ctx: &BlockContext,
        txs: &[SignedTransaction],
        signatures: Signatures,
    ) -> Result<Executed, BlockError> {
        if self.uncommitted {
            return Err(BlockError::Uncommitted);
        }
        let expected = self.globals.height.saturating_add(1);
        if ctx.height != expected {
            return Err(BlockError::WrongHeight { expected, got: ctx.height });
        }
        if ctx.time_ms < self.globals.time_ms {
            return Err(BlockError::TimeWentBack {
                parent: self.globals.time_ms,
                got: ctx.time_ms,
            });
        }
        if txs.len() > self.params.max_block_txs as usize {
            return Err(BlockError::TooManyTxs {
                count: txs.len(),
                max: self.params.max_block_txs,
            });
        }
        let checks = match signatures {
            Signatures::Verify => tx::verify_signatures(&self.tx_domain, txs),
            Signatures::AlreadyVerified => vec![SignatureCheck::VERIFIED; txs.len()],
        };
        self.globals.height = ctx.height;
        self.globals.time_ms = ctx.time_ms;
        self.globals.seed = ctx.seed;
        self.uncommitted = true;

        let mut events = Vec::new();
        let mut tx_event_ends = Vec::with_capacity(txs.len());
        let results = txs
            .iter()
            .zip(checks)
            .map(|(signed, check)| {
                let result = check
                    .tx
                    .map_err(|e| AdmissionError::BadSignature(e).into())
                    .and_then(|()| self.apply_tx(&signed.tx, check.receipt, &mut events));
                tx_event_ends.push(events.len());
                result
            })
            .collect();
        self.end_block(&mut events);
        Ok(Executed { results, events, tx_event_ends })
    }

    /// Checks a transaction against the current state as if it were next in a block, without
    /// changing anything: what a mempool asks before accepting it.
    pub fn check_admission(&self, signed: &SignedTransaction) -> Result<(), AdmissionError> {
        signed.verify_in(&self.tx_domain).map_err(AdmissionError::BadSignature)?;
        self.admission(&signed.tx)
    }

    /// [`State::check_admission`] for a transaction whose signature the caller has already
    /// verified (for example in a batch).
    pub fn check_admission_presigned(&self, tx: &Transaction) -> Result<(), AdmissionError> {
        self.admission(tx)
    }

    fn admission(&self, tx: &Transaction) -> Result<(), AdmissionError> {
        if tx.fee < self.params.min_fee {
            return Err(AdmissionError::FeeTooLow { offered: tx.fee, min: self.params.min_fee });
        }
        let account = self.accounts.get(&tx.sender).ok_or(AdmissionError::UnknownSender)?;
        if tx.nonce < account.nonce {
            return Err(AdmissionError::StaleNonce { expected: account.nonce, got: tx.nonce });
        }
        if tx.nonce > account.nonce {
            return Err(AdmissionError::FutureNonce { expected: account.nonce, got: tx.nonce });
        }
        if account.balance < tx.fee {
            return Err(AdmissionError::CannotPayFee { balance: account.balance, fee: tx.fee });
        }
        Ok(())
    }

    fn apply_tx(
        &mut self,
        tx: &Transaction,
        receipt_signature: Result<(), SignatureError>,
        events: &mut Vec<Event>,
    ) -> Result<(), TxError> {
        self.admission(tx)?;
        if let Some(account) = self.accounts.get_mut(&tx.sender) {
            account.balance = account.balance.saturating_sub(tx.fee);
            account.nonce = account.nonce.saturating_add(1);
        }
        self.globals.fee_pool = money::add(self.globals.fee_pool, tx.fee);
        self.execute(&tx.sender, &tx.body, receipt_signature, events).map_err(TxError::Execution)
    }

    fn execute(
        &mut self,
        sender: &PublicKey,
        body: &TxBody,
        receipt_signature: Result<(), SignatureError>,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        match body {
            TxBody::Transfer { to, amount } => self.transfer(sender, to, *amount, events),
            TxBody::RegisterProvider { stake, endpoint, attributes } => {
                self.register_provider(sender, *stake, endpoint, attributes, events)
            }
            TxBody::UpdateInventory { groups } => self.update_inventory(sender, groups, events),
            TxBody::AddStake { amount } => self.add_stake(sender, *amount),
            TxBody::Unbond { amount } => self.unbond(sender, *amount),
            TxBody::CreateOrder(spec) => self.create_order(sender, spec, events),
            TxBody::Bid { order, price_gpu_hour } => {
                self.bid(sender, *order, *price_gpu_hour, events)
            }
            TxBody::CancelOrder { order } => self.cancel_order(sender, *order, events),
            TxBody::StartLease { lease } => self.start_lease(sender, *lease, events),
            TxBody::SubmitResult(receipt) => {
                self.submit_result(sender, receipt, receipt_signature, events)
            }
            TxBody::AbandonLease { lease, reason } => {
                self.abandon_lease(sender, *lease, reason, events)
            }
            TxBody::SubmitAudit { lease, output_root } => {
                self.submit_audit(sender, *lease, *output_root, events)
            }
            TxBody::Challenge { lease, output_root, bond } => {
                self.challenge(sender, *lease, *output_root, *bond, events)
            }
            TxBody::Arbitrate { order, output_root } => {
                self.arbitrate(sender, *order, *output_root, events)
            }
            TxBody::RequestHardwareCheck { group, claimed_tops } => {
                self.request_hardware_check(sender, *group, *claimed_tops)
            }
            TxBody::ReportHardwareCheck { provider, passed, measured_ops_per_s } => {
                self.report_hardware_check(sender, provider, *passed, *measured_ops_per_s, events)
            }
        }
    }

    /// Work every block does after its transactions, in a fixed order.
    fn end_block(&mut self, events: &mut Vec<Event>) {
        self.settle_due_leases(events);
        self.expire_pending_leases(events);
        self.close_due_auctions(events);
        self.draw_audits(events);
        self.expire_audits(events);
        self.expire_disputes(events);
        self.draw_hardware_checks(events);
        self.expire_hardware_checks(events);
        self.release_unbonded(events);
    }
}
