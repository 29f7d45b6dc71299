//! What a provider offers: groups of identical GPUs, their evidence tier, and the attributes the
//! offer query language evaluates.

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::Amount;

/// Longest GPU model label, in bytes (`"H100"`, `"RTX4090"`, `"A100-80G"`).
pub const MAX_MODEL_LEN: usize = 32;

/// How strongly a provider's hardware claim is backed, weakest first. Ordered: a query
/// `tier>=challenged` accepts `challenged`, `audited` and `attested`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
#[borsh(use_discriminant = true)]
pub enum EvidenceTier {
    /// The provider says so; nothing checked.
    SelfReported = 0,
    /// Passed a beacon-seeded matrix-multiplication challenge checked with Freivalds' algorithm.
    Challenged = 1,
    /// Signed by an auditor key.
    Audited = 2,
    /// Backed by NVIDIA confidential-computing attestation evidence.
    Attested = 3,
}

impl EvidenceTier {
    /// Every tier, weakest first.
    pub const ALL: [EvidenceTier; 4] = [
        EvidenceTier::SelfReported,
        EvidenceTier::Challenged,
        EvidenceTier::Audited,
        EvidenceTier::Attested,
    ];

    /// The tier's name as written in queries and shown to users.
    pub const fn name(self) -> &'static str {
        match self {
            EvidenceTier::SelfReported => "self-reported",
            EvidenceTier::Challenged => "challenged",
            EvidenceTier::Audited => "audited",
            EvidenceTier::Attested => "attested",
        }
    }
}

crate::serde_str::serde_via_str!(EvidenceTier, "evidence tier");

impl fmt::Display for EvidenceTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EvidenceTier {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EvidenceTier::ALL.into_iter().find(|tier| tier.name().eq_ignore_ascii_case(s)).ok_or_else(
            || {
                format!(
                    "unknown tier {s:?} (expected one of: {})",
                    EvidenceTier::ALL.map(EvidenceTier::name).join(", ")
                )
            },
        )
    }
}

/// A CUDA compute capability such as 8.9; ordered by major, then minor.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct ComputeCapability {
    /// Major version (8 for Ampere/Ada, 9 for Hopper).
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

crate::serde_str::serde_via_str!(ComputeCapability, "compute capability such as \"8.9\"");

impl fmt::Display for ComputeCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ComputeCapability {
    type Err = String;

    /// Parses `"8.9"` or `"9"` (minor 0).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (major, minor) = s.split_once('.').unwrap_or((s, "0"));
        let part = |p: &str| {
            p.parse::<u8>()
                .map_err(|_| format!("invalid compute capability {s:?} (expected e.g. 8.9)"))
        };
        Ok(ComputeCapability { major: part(major)?, minor: part(minor)? })
    }
}

/// One group of identical GPUs on a provider, as published in its inventory.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GpuGroup {
    /// Short model label, e.g. `"H100"` (at most [`MAX_MODEL_LEN`] bytes, ASCII).
    pub model: String,
    /// Memory per GPU, in MiB.
    pub vram_mib: u64,
    /// GPUs of this kind on the host.
    pub count: u32,
    /// CUDA compute capability.
    pub compute_capability: ComputeCapability,
    /// Asking price per GPU-hour for this group.
    pub price_floor: Amount,
}

/// The facts about one offer (a provider's GPU group) that a query is evaluated against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferAttributes<'a> {
    /// GPU model label.
    pub gpu_model: &'a str,
    /// GPUs in the group that are free to lease.
    pub gpu_count: u32,
    /// Memory per GPU, in MiB (queries speak GiB: `vram_gib>=40` means at least 40 × 1024 MiB).
    pub vram_mib: u64,
    /// CUDA compute capability.
    pub compute_capability: ComputeCapability,
    /// The group's evidence tier.
    pub tier: EvidenceTier,
    /// Price per GPU-hour.
    pub price_gpu_hour: Amount,
    /// Share of the provider's finished leases that succeeded, in parts per million.
    pub reliability_ppm: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_order_and_parse() {
        assert!(EvidenceTier::SelfReported < EvidenceTier::Challenged);
        assert!(EvidenceTier::Audited < EvidenceTier::Attested);
        assert_eq!("Challenged".parse::<EvidenceTier>(), Ok(EvidenceTier::Challenged));
        assert!("gold".parse::<EvidenceTier>().unwrap_err().contains("self-reported"));
    }

    #[test]
    fn compute_capability_parses() {
        assert_eq!("8.9".parse(), Ok(ComputeCapability { major: 8, minor: 9 }));
        assert_eq!("9".parse(), Ok(ComputeCapability { major: 9, minor: 0 }));
        assert!("8.x".parse::<ComputeCapability>().is_err());
        assert!(
            ComputeCapability { major: 8, minor: 9 } < ComputeCapability { major: 9, minor: 0 }
        );
    }
}
