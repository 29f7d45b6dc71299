//! What a hardware challenge asks: the beacon seed and the matrix side sized to a claimed GPU
//! memory. The market sizes challenges with [`size_for_vram`]; the light client
//! (`rigshare_verify::hardware`) generates, solves and checks them.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::Hash32;

/// The largest matrix side: keeps every product entry within ±2^30, far inside `i32`.
pub const MAX_N: u32 = 1 << 16;
/// Share of the claimed VRAM that the challenge's A, B and C together fill.
pub const VRAM_SHARE_PERCENT: u64 = 50;
/// Bytes of device memory per matrix position: one `i8` of A, one of B and one `i32` of C.
pub const BYTES_PER_ENTRY: u64 = 6;
/// Challenge sides are multiples of this, the tile edge GPU GEMM kernels favour.
pub const SIDE_MULTIPLE: u32 = 64;
/// Bytes in a MiB.
const MIB: u64 = 1 << 20;

/// The side n whose challenge fills [`VRAM_SHARE_PERCENT`]% of `vram_mib`, rounded down to a
/// multiple of [`SIDE_MULTIPLE`] and capped by `cap_n` and [`MAX_N`]; 0 when even the smallest
/// challenge does not fit.
///
/// `cap_n` must be a network parameter, the same for every challenger: it bounds the work of
/// checkers (the product is 4n² bytes sent to them) and lets CPU test rigs take part, and a
/// challenger free to pick it could fail providers at will. While the cap binds, the challenge
/// demonstrates only [`BYTES_PER_ENTRY`]·n² bytes of memory, not the whole claim.
pub fn size_for_vram(vram_mib: u64, cap_n: u32) -> u32 {
    let budget = u128::from(vram_mib) * u128::from(MIB) * u128::from(VRAM_SHARE_PERCENT) / 100;
    let side = (budget / u128::from(BYTES_PER_ENTRY)).isqrt();
    let side = u32::try_from(side).unwrap_or(u32::MAX).min(cap_n).min(MAX_N);
    side - side % SIDE_MULTIPLE
}

/// What a provider is challenged to compute, and the claim it is measured against.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct ChallengeSpec {
    /// Beacon randomness that seeds A and B; unpredictable before the challenge starts.
    pub seed: Hash32,
    /// Side of the matrices, from [`size_for_vram`].
    pub n: u32,
    /// VRAM per GPU the provider claims, in MiB.
    pub claimed_vram_mib: u64,
    /// Dense INT8 throughput the provider claims, in tera-operations per second (a
    /// multiply-add counts as two operations).
    pub claimed_tops: u64,
}

impl ChallengeSpec {
    /// The challenge for a claim, sized by [`size_for_vram`] with the network's `cap_n`.
    pub fn new(seed: Hash32, claimed_vram_mib: u64, claimed_tops: u64, cap_n: u32) -> Self {
        ChallengeSpec {
            seed,
            n: size_for_vram(claimed_vram_mib, cap_n),
            claimed_vram_mib,
            claimed_tops,
        }
    }
}
