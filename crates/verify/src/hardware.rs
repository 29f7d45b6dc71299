//! The hardware challenge behind the `challenged` evidence tier: a provider that claims a GPU
//! group's memory and INT8 throughput proves the claim plausible by computing a beacon-seeded
//! matrix product sized to the claimed memory, fast enough for the claimed throughput.
//!
//! ```text
//!  challenger                                  provider
//!  spec = { seed (beacon), n = size_for_vram } ──▶ generate A, B; C = A·B; commit(C)
//!  start clock when the seed is public
//!  stop clock when the commitment arrives    ◀── commitment      (timed)
//!                                            ◀── C               (untimed: bound by commitment)
//!  evaluate(spec, response, params): size, throughput, commitment, Freivalds
//! ```
//!
//! # What a pass means, and what it does not
//!
//! - **Timing alone never earns a GPU model label.** The challenge bounds memory and
//!   throughput; it says nothing about the model name, vendor or driver. Any device (or
//!   cluster) that computes the product fast enough passes, and a model label needs the
//!   `audited` or `attested` tier.
//! - **Memory is bounded only in the plausibility sense.** A, B and C together take
//!   [`BYTES_PER_ENTRY`]·n² bytes, [`VRAM_SHARE_PERCENT`]% of the claimed VRAM. A device without
//!   that much memory can still tile the product and stream operands from host memory, but it
//!   pays for the transfers in time, which shows in the measured throughput; a provider that
//!   computes a smaller product fails outright.
//! - **Measured throughput is a lower bound** on the device's GEMM throughput: the elapsed time
//!   also covers generating A and B, hashing C, and network latency beyond the allowance.
//! - The seed must be unpredictable until the challenge starts (a beacon value from a block
//!   after the claim), or the product can be precomputed.
//! - `elapsed_ms` is measured by the challenger; a provider's own report of its time is never
//!   evidence.

use borsh::{BorshDeserialize, BorshSerialize};
use rigshare_types::Hash32;
pub use rigshare_types::challenge::{
    BYTES_PER_ENTRY, ChallengeSpec, SIDE_MULTIPLE, VRAM_SHARE_PERCENT, size_for_vram,
};
use serde::{Deserialize, Serialize};

use crate::freivalds::{self, Committed, FreivaldsError, Matrix};

/// Operations per tera-operation.
const TERA: u128 = 1_000_000_000_000;
/// Parts per million in one.
const PPM: u128 = 1_000_000;
/// Milliseconds per second.
const MS_PER_S: u128 = 1_000;

/// The provider's answer, with the time the challenger measured for it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ChallengeResponse {
    /// The provider's commitment to its product ([`freivalds::commitment`]).
    pub commitment: Hash32,
    /// Milliseconds from the seed becoming public to the commitment arriving, measured by the
    /// challenger (never taken from the provider).
    pub elapsed_ms: u64,
    /// The product itself, sent after the commitment.
    pub product: Matrix<i32>,
}

/// The network's parameters for judging a response.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct EvaluationParams {
    /// Freivalds rounds; a wrong product passes with probability at most 2^-32 per round.
    pub rounds: u32,
    /// Milliseconds subtracted from the measured time for seed propagation and the
    /// commitment's trip back (the provider is not charged for the network).
    pub latency_allowance_ms: u64,
    /// How far, in parts per million, measured throughput may fall short of the claim and
    /// still pass; 1,000,000 or more accepts any throughput.
    pub tolerance_ppm: u32,
}

/// A passed challenge: what it demonstrated.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct ChallengeVerdict {
    /// Side of the product that was checked.
    pub n: u32,
    /// Bytes of A, B and C together ([`BYTES_PER_ENTRY`]·n²): the memory the challenge asked for.
    pub working_set_bytes: u64,
    /// Milliseconds charged to the provider: elapsed minus the latency allowance, at least 1.
    pub charged_ms: u64,
    /// Demonstrated throughput, 2·n³ operations over `charged_ms`, in operations per second.
    pub measured_ops_per_s: u64,
}

/// Why a challenge response fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// The product's side is not the challenge's: a provider without the memory for the full
    /// challenge computed a smaller one.
    #[error("the product has side {found}, the challenge asked for {expected}")]
    SizeMismatch {
        /// The challenge's side.
        expected: u32,
        /// The product's side.
        found: u32,
    },
    /// The product sent is not the one committed to in time.
    #[error("the product hashes to {computed}, the provider committed to {committed}")]
    CommitmentMismatch {
        /// The commitment that arrived within the measured time.
        committed: Hash32,
        /// The commitment of the product sent.
        computed: Hash32,
    },
    /// The product, the challenge or the parameters fail the matrix check.
    #[error(transparent)]
    Freivalds(#[from] FreivaldsError),
    /// The demonstrated throughput is below the claim, less the tolerance.
    #[error(
        "measured {measured_ops_per_s} op/s is below the claimed {claimed_tops} TOPS \
         (tolerance {tolerance_ppm} ppm)"
    )]
    ThroughputBelowClaim {
        /// Operations per second demonstrated.
        measured_ops_per_s: u64,
        /// The claim, in tera-operations per second.
        claimed_tops: u64,
        /// The tolerance applied, in parts per million.
        tolerance_ppm: u32,
    },
}

/// Judges a response: the product's side, then its throughput (O(1)), then its commitment and
/// Freivalds' check (O(rounds·n²) plus regenerating A and B), cheapest first.
pub fn evaluate(
    spec: &ChallengeSpec,
    response: &ChallengeResponse,
    params: &EvaluationParams,
) -> Result<ChallengeVerdict, ChallengeError> {
    let n = spec.n;
    if n == 0 {
        return Err(FreivaldsError::ZeroSize.into());
    }
    let found = response.product.n();
    if found != n {
        return Err(ChallengeError::SizeMismatch { expected: n, found });
    }

    let charged_ms = response.elapsed_ms.saturating_sub(params.latency_allowance_ms).max(1);
    let measured_ops_per_s = throughput_ops_per_s(n, charged_ms);
    if !meets_claim(measured_ops_per_s, spec.claimed_tops, params.tolerance_ppm) {
        return Err(ChallengeError::ThroughputBelowClaim {
            measured_ops_per_s,
            claimed_tops: spec.claimed_tops,
            tolerance_ppm: params.tolerance_ppm,
        });
    }

    let committed = Committed::new(&response.product);
    if *committed.commitment() != response.commitment {
        return Err(ChallengeError::CommitmentMismatch {
            committed: response.commitment,
            computed: *committed.commitment(),
        });
    }
    let (a, b) = freivalds::generate(&spec.seed, n)?;
    freivalds::check(&spec.seed, &a, &b, &committed, params.rounds)?;

    Ok(ChallengeVerdict {
        n,
        working_set_bytes: BYTES_PER_ENTRY.saturating_mul(u64::from(n) * u64::from(n)),
        charged_ms,
        measured_ops_per_s,
    })
}

/// Operations per second of a side-`n` product (2·n³ operations) done in `elapsed_ms`
/// (at least 1), rounded down and saturating at `u64::MAX`.
pub fn throughput_ops_per_s(n: u32, elapsed_ms: u64) -> u64 {
    let n = u128::from(n);
    let ops = 2 * n * n * n;
    let rate = ops * MS_PER_S / u128::from(elapsed_ms.max(1));
    u64::try_from(rate).unwrap_or(u64::MAX)
}

/// Whether `measured_ops_per_s` reaches `claimed_tops` less `tolerance_ppm`.
pub fn meets_claim(measured_ops_per_s: u64, claimed_tops: u64, tolerance_ppm: u32) -> bool {
    let kept_ppm = PPM.saturating_sub(u128::from(tolerance_ppm));
    let required = u128::from(claimed_tops) * TERA * kept_ppm;
    u128::from(measured_ops_per_s) * PPM >= required
}

/// A solved challenge: the product and its commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    /// The commitment to send first, as soon as it is known.
    pub commitment: Hash32,
    /// The product to send after it.
    pub product: Matrix<i32>,
}

/// Solves a challenge on the CPU: the reference prover, for rigs without a GPU kernel and for
/// tests. It needs [`BYTES_PER_ENTRY`]·n² bytes of host memory.
pub fn solve_on_cpu(spec: &ChallengeSpec) -> Result<Solution, ChallengeError> {
    let (a, b) = freivalds::generate(&spec.seed, spec.n)?;
    let product = freivalds::multiply(&a, &b)?;
    Ok(Solution { commitment: freivalds::commitment(&product), product })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freivalds::MAX_N;

    const SEED: Hash32 = Hash32([42; 32]);
    /// A claim small enough for debug-build tests: 1 MiB of "VRAM" gives n = 256.
    const SMALL_VRAM_MIB: u64 = 1;
    /// A cap that does not bind at [`SMALL_VRAM_MIB`].
    const CAP: u32 = 4096;
    const PARAMS: EvaluationParams =
        EvaluationParams { rounds: 2, latency_allowance_ms: 50, tolerance_ppm: 100_000 };

    /// A provider with a fixed memory budget: it computes the largest challenge that fits.
    struct BudgetProver {
        memory_bytes: u64,
    }

    impl BudgetProver {
        fn largest_fitting(&self, n: u32) -> u32 {
            (1..=n / SIDE_MULTIPLE)
                .rev()
                .map(|k| k * SIDE_MULTIPLE)
                .find(|&m| BYTES_PER_ENTRY * u64::from(m) * u64::from(m) <= self.memory_bytes)
                .expect("room for the smallest challenge")
        }

        fn respond(&self, spec: &ChallengeSpec, elapsed_ms: u64) -> ChallengeResponse {
            let fitted = ChallengeSpec { n: self.largest_fitting(spec.n), ..*spec };
            let Solution { commitment, product } = solve_on_cpu(&fitted).unwrap();
            ChallengeResponse { commitment, elapsed_ms, product }
        }
    }

    fn small_spec(claimed_tops: u64) -> ChallengeSpec {
        ChallengeSpec::new(SEED, SMALL_VRAM_MIB, claimed_tops, CAP)
    }

    fn honest_response(spec: &ChallengeSpec, elapsed_ms: u64) -> ChallengeResponse {
        let Solution { commitment, product } = solve_on_cpu(spec).unwrap();
        ChallengeResponse { commitment, elapsed_ms, product }
    }

    #[test]
    fn sizes_follow_the_claimed_vram() {
        assert_eq!(size_for_vram(SMALL_VRAM_MIB, CAP), 256);
        // 24 GiB: 12 GiB / 6 bytes = 2^31 positions, side 46340, rounded down to 46336.
        assert_eq!(size_for_vram(24 * 1024, u32::MAX), 46_336);
        const { assert!(BYTES_PER_ENTRY * 46_336 * 46_336 <= 12 << 30) };
        // 80 GiB would want side 84606; MAX_N binds, then the network cap.
        assert_eq!(size_for_vram(80 * 1024, u32::MAX), MAX_N);
        assert_eq!(size_for_vram(80 * 1024, 4100), 4096);
        assert_eq!(size_for_vram(0, CAP), 0);
        assert_eq!(size_for_vram(u64::MAX, u32::MAX), MAX_N);
        for vram in [1, 3, 10, 100, 1000] {
            assert_eq!(size_for_vram(vram, u32::MAX) % SIDE_MULTIPLE, 0);
        }
    }

    #[test]
    fn honest_provider_passes() {
        let spec = small_spec(0);
        let verdict = evaluate(&spec, &honest_response(&spec, 70), &PARAMS).unwrap();
        assert_eq!(
            verdict,
            ChallengeVerdict {
                n: 256,
                working_set_bytes: 6 * 256 * 256,
                charged_ms: 20,
                measured_ops_per_s: 2 * 256 * 256 * 256 * 1000 / 20,
            }
        );
    }

    #[test]
    fn one_flipped_entry_fails() {
        let spec = small_spec(0);
        let mut response = honest_response(&spec, 70);
        *response.product.get_mut(200, 3).unwrap() ^= 1 << 7;
        response.commitment = freivalds::commitment(&response.product);
        assert!(matches!(
            evaluate(&spec, &response, &PARAMS),
            Err(ChallengeError::Freivalds(FreivaldsError::ProductWrong { row: 200, .. }))
        ));
    }

    #[test]
    fn product_of_the_wrong_size_fails() {
        let spec = small_spec(0);
        let smaller = ChallengeSpec { n: spec.n - SIDE_MULTIPLE, ..spec };
        let response = honest_response(&smaller, 70);
        assert_eq!(
            evaluate(&spec, &response, &PARAMS),
            Err(ChallengeError::SizeMismatch { expected: 256, found: 192 })
        );
    }

    #[test]
    fn wrong_commitment_fails() {
        let spec = small_spec(0);
        let mut response = honest_response(&spec, 70);
        let computed = response.commitment;
        response.commitment.0[0] ^= 1;
        assert_eq!(
            evaluate(&spec, &response, &PARAMS),
            Err(ChallengeError::CommitmentMismatch { committed: response.commitment, computed })
        );
    }

    #[test]
    fn overclaimed_vram_fails() {
        // The provider claims 1 MiB (n = 256, 384 KiB working set) but has 256 KiB.
        let spec = small_spec(0);
        let prover = BudgetProver { memory_bytes: 256 << 10 };
        let response = prover.respond(&spec, 70);
        assert_eq!(
            evaluate(&spec, &response, &PARAMS),
            Err(ChallengeError::SizeMismatch { expected: 256, found: 192 })
        );

        // Padding its smaller product to the full side, and committing to that, does not help.
        let small = response.product.as_slice();
        let mut padded = Matrix::<i32>::zeros(spec.n).unwrap();
        for (row, from) in small.chunks_exact(192).enumerate() {
            for (col, &x) in from.iter().enumerate() {
                *padded.get_mut(row as u32, col as u32).unwrap() = x;
            }
        }
        let padded = ChallengeResponse {
            commitment: freivalds::commitment(&padded),
            elapsed_ms: 70,
            product: padded,
        };
        assert!(matches!(
            evaluate(&spec, &padded, &PARAMS),
            Err(ChallengeError::Freivalds(FreivaldsError::ProductWrong { .. }))
        ));

        // With enough memory the same prover passes.
        let roomy = BudgetProver { memory_bytes: 384 << 10 };
        evaluate(&spec, &roomy.respond(&spec, 70), &PARAMS).unwrap();
    }

    #[test]
    fn overclaimed_throughput_fails() {
        // 2·256³ operations in 20 charged ms is 1.68 G op/s, far below 1 TOPS.
        let spec = small_spec(1);
        let response = honest_response(&spec, 70);
        assert_eq!(
            evaluate(&spec, &response, &PARAMS),
            Err(ChallengeError::ThroughputBelowClaim {
                measured_ops_per_s: 1_677_721_600,
                claimed_tops: 1,
                tolerance_ppm: PARAMS.tolerance_ppm,
            })
        );
    }

    #[test]
    fn throughput_is_exact_integer_arithmetic() {
        // An H100-class answer: the largest challenge (2^49 operations) in 300 ms.
        let measured = throughput_ops_per_s(MAX_N, 300);
        assert_eq!(measured, (1u64 << 49) * 1000 / 300);
        assert!(meets_claim(measured, 1876, 0));
        assert!(!meets_claim(measured, 1877, 0));
        // 10% tolerance: 2085 TOPS claimed needs 1876.5 measured.
        assert!(meets_claim(measured, 2084, 100_000));
        assert!(!meets_claim(measured, 2086, 100_000));
        assert!(meets_claim(0, u64::MAX, 1_000_000));
        assert!(meets_claim(0, 0, 0));
        assert_eq!(throughput_ops_per_s(MAX_N, 0), throughput_ops_per_s(MAX_N, 1));
        assert_eq!(throughput_ops_per_s(1, u64::MAX), 0);
    }

    #[test]
    fn latency_allowance_is_credited_and_floored() {
        let spec = small_spec(0);
        let response = honest_response(&spec, 30);
        let verdict = evaluate(&spec, &response, &PARAMS).unwrap();
        assert_eq!(verdict.charged_ms, 1);
    }

    #[test]
    fn empty_challenge_is_rejected() {
        let spec = ChallengeSpec::new(SEED, 0, 0, CAP);
        assert_eq!(spec.n, 0);
        let response = honest_response(&small_spec(0), 70);
        assert_eq!(
            evaluate(&spec, &response, &PARAMS),
            Err(ChallengeError::Freivalds(FreivaldsError::ZeroSize))
        );
    }
}
