//! The records of result verification: audits, disputes and settlements.
//!
//! After an order's results are in, the market can check them in three ways (see the market
//! crate's `exec::verify`): a beacon-chosen **audit** re-executes a lease's job; anyone may
//! **challenge** a result with a bond; replicas that disagree, an audit that disagrees and a
//! challenge all open a **dispute**, arbitrated by beacon-chosen staked providers who re-execute
//! the job. A [`Settlement`] per lease records what the market finally concluded — the record a
//! light client proves: "this job completed, passed verification, and was paid".

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::{AccountId, Amount, Hash32, LeaseId, OrderId, PublicKey};

/// A beacon-chosen re-execution of one lease's job.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Audit {
    /// The audited lease.
    pub lease: LeaseId,
    /// The staked provider chosen to re-execute it (never the lease's own provider).
    pub auditor: PublicKey,
    /// Height of the assignment.
    pub assigned_height: u64,
    /// Last height at which the auditor may report.
    pub deadline: u64,
    /// Where the audit stands.
    pub status: AuditStatus,
}

/// Where an audit stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// Waiting for the auditor's result.
    Pending,
    /// The auditor's root equals the receipt's.
    Passed,
    /// The auditor's root differs: a dispute is open.
    Mismatch {
        /// The auditor's root.
        output_root: Hash32,
    },
    /// The auditor did not report in time.
    Expired,
}

/// Who asserted which output root in a dispute, besides the leases' receipts.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Claim {
    /// The claimant.
    pub by: AccountId,
    /// How it came to claim.
    pub kind: ClaimKind,
    /// The root it says is correct.
    pub output_root: Hash32,
    /// Money it locked (returned if it is right, lost if it is wrong).
    pub bond: Amount,
}

/// How a claim entered a dispute.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// An assigned auditor disagreed (its stake answers for the claim).
    Auditor,
    /// Anyone, with a bond.
    Challenger,
}

/// An order whose results are contested, with its arbiters.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Dispute {
    /// The order.
    pub order: OrderId,
    /// Why it opened.
    pub cause: DisputeCause,
    /// Claims besides the receipts (an auditor's or a challenger's).
    pub claims: Vec<Claim>,
    /// Beacon-chosen staked providers who re-execute the job, none a party to the dispute.
    pub arbiters: Vec<PublicKey>,
    /// Arbiters' roots, in arrival order.
    pub votes: Vec<(PublicKey, Hash32)>,
    /// Height it opened.
    pub opened_height: u64,
    /// Last height at which arbiters may vote.
    pub deadline: u64,
    /// Where it stands.
    pub status: DisputeStatus,
}

impl Dispute {
    /// Votes that decide: a strict majority of the arbiters.
    pub fn quorum(&self) -> usize {
        self.arbiters.len() / 2 + 1
    }
}

/// Why a dispute opened.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DisputeCause {
    /// Replicas returned different roots.
    Replicas,
    /// An audit of this lease disagreed.
    Audit(LeaseId),
    /// A bonded challenge of this lease.
    Challenge(LeaseId),
}

/// Where a dispute stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    /// Arbiters are re-executing.
    Open,
    /// A majority of arbiters agreed on the correct root.
    Resolved {
        /// The root the arbiters agreed on.
        truth: Hash32,
    },
    /// No majority by the deadline: nobody is slashed, bonds and held escrow are returned.
    Unresolved,
}

/// What the market concluded about one lease's result, and what it paid: the record a light
/// client proves.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct Settlement {
    /// The order.
    pub order: OrderId,
    /// The lease.
    pub lease: LeaseId,
    /// Who ran the job.
    pub provider: PublicKey,
    /// Who paid.
    pub requestor: AccountId,
    /// BLAKE3 of the job manifest.
    pub manifest_hash: Hash32,
    /// SHA-256 of the provider's signed receipt (its canonical encoding).
    pub receipt_hash: Hash32,
    /// The receipt's output root.
    pub output_root: Hash32,
    /// Paid to the provider for the lease.
    pub paid: Amount,
    /// Returned to the requestor because the result was proven wrong.
    pub refunded: Amount,
    /// What verification concluded.
    pub verdict: Verdict,
    /// Last height at which the result may be challenged.
    pub challenge_until: u64,
}

/// What verification concluded about a result.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The only result, not re-executed (yet).
    Unchecked,
    /// Every replica returned this root.
    Replicated,
    /// An audit is under way.
    Auditing,
    /// A beacon-chosen auditor re-executed the job and got the same root.
    Audited,
    /// Contested: arbitration is under way.
    Disputed,
    /// Arbiters re-executed the job and confirmed this root.
    Upheld,
    /// Arbiters proved the result wrong: the provider was slashed, the requestor refunded.
    Overturned,
    /// Arbitration reached no majority; nobody was slashed.
    Contested,
}

impl Verdict {
    /// Whether the result passed at least one independent check (replicas, audit or
    /// arbitration).
    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Replicated | Verdict::Audited | Verdict::Upheld)
    }
}

/// A provider's hardware challenge: a beacon-seeded INT8 matrix product sized to one GPU
/// group's claimed memory, checked by a beacon-chosen staked provider with Freivalds' algorithm
/// (see `rigshare_verify::hardware`). Passing raises the group to
/// [`crate::EvidenceTier::Challenged`]; it bounds memory and throughput, never the model name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct HardwareCheck {
    /// The provider challenged.
    pub provider: PublicKey,
    /// Its inventory group.
    pub group: u32,
    /// Claimed INT8 throughput, in tera-operations per second.
    pub claimed_tops: u64,
    /// The matrices' side.
    pub n: u32,
    /// The challenge seed (from the beacon of the block after the request; zero until drawn).
    pub seed: Hash32,
    /// Who runs the check (none until drawn).
    pub checker: Option<PublicKey>,
    /// Height of the request.
    pub requested_height: u64,
    /// Last height at which the checker may report.
    pub deadline: u64,
    /// Where it stands.
    pub status: HardwareCheckStatus,
}

/// Where a hardware challenge stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum HardwareCheckStatus {
    /// Waiting for the next block's beacon to fix the seed and the checker.
    Requested,
    /// The checker is running it.
    Assigned,
    /// The product was right and fast enough.
    Passed {
        /// Throughput the checker measured, in operations per second.
        measured_ops_per_s: u64,
    },
    /// Wrong, too small, or slower than claimed.
    Failed {
        /// Throughput the checker measured (0 if the product was wrong).
        measured_ops_per_s: u64,
    },
    /// No checker could be drawn, or it did not report in time.
    Expired,
}

/// Evidence for [`crate::EvidenceTier::Attested`]: reserved for NVIDIA confidential-computing
/// attestation (a GPU attestation report and its certificate chain, checked against NVIDIA's
/// root). No network accepts it yet; the slot keeps the encoding stable for when one does.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttestationEvidence {
    /// An NVIDIA CC attestation report (SPDM measurements, signed by the GPU's device key)
    /// and the device certificate chain.
    NvidiaConfidentialComputing {
        /// The attestation report, as the driver returns it.
        report: Vec<u8>,
        /// The device certificate chain, DER, leaf first.
        certificate_chain: Vec<Vec<u8>>,
    },
}
