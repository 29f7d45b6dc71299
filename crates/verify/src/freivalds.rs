//! The hardware challenge's matrix product, and Freivalds' check of it in O(n²).
//!
//! The challenge is an INT8 GEMM with INT32 accumulation, the operation GPU tensor cores run:
//! A and B are n×n matrices of `i8` drawn from a 32-byte seed, the product C = A·B has `i32`
//! entries, and the arithmetic is exact (|c| ≤ n·128·128 ≤ 2^30 for n ≤ [`MAX_N`]). A prover
//! computes C in O(n³); a checker accepts or rejects it in O(rounds·n²) without recomputing it.
//!
//! ```text
//!   seed ──PRG──▶ A, B (i8)           prover: C = A·B (i32), commitment = H(n, C)
//!   (seed, commitment, round) ──PRG──▶ r ∈ [0, 2^32)^n
//!   checker: A·(B·r) ≟ C·r   (mod 2^64, one pass over each of A, B and C)
//! ```
//!
//! # Protocol rules (changing any of them changes every challenge)
//!
//! All hashes are BLAKE3; `le32` is a little-endian encoding; `||` concatenates.
//!
//! - **Matrices.** A's entries in row-major order are the first n² bytes of BLAKE3's extendable
//!   output of `"rigshare/challenge/v1/matrix" || seed || b'A' || le32(n)`, each read as a
//!   two's-complement `i8`; B's likewise with `b'B'`. BLAKE3's output is counter mode (output
//!   block t, 64 bytes, is one compression of the root node with counter t), so a GPU can
//!   generate any 64 entries independently of the rest.
//! - **Commitment.** `BLAKE3("rigshare/challenge/v1/product" || le32(n) || C)`, with C's
//!   entries in row-major order, each as `le32` of the two's-complement `i32`.
//! - **Random vectors** (Fiat–Shamir). Round `t`'s vector r has `r_j` = the `le32` word j of
//!   BLAKE3's extendable output of
//!   `"rigshare/challenge/v1/freivalds" || seed || commitment || le32(t)`, so each `r_j` is
//!   uniform in `[0, 2^32)`. Because r depends on the commitment, the prover fixes C before it
//!   can know r.
//!
//! # Soundness
//!
//! The check compares `A·(B·r)` with `C·r` modulo 2^64 (wrapping `u64` arithmetic, which is
//! exact modulo 2^64 and fast on every target, wasm32 included). If C ≠ A·B, let `d` be a
//! nonzero row of D = A·B − C and `d_j ≠ 0` one of its entries. Since |(A·B)_ij| ≤ 2^30 and
//! |C_ij| ≤ 2^31, 0 < |d_j| < 2^32, so `d_j = 2^v·u` with u odd and v ≤ 31. Fixing every other
//! entry of r, `d·r ≡ 0 (mod 2^64)` forces `u·r_j ≡ s (mod 2^(64−v))` for one s: r_j is
//! determined modulo 2^(64−v) ≥ 2^33, so at most one of the 2^32 possible values of r_j
//! passes. **A wrong product passes one round with probability at most 2^-32**, and `k`
//! rounds (independent hash inputs) with probability at most 2^-32k. Under Fiat–Shamir (BLAKE3 as a
//! random oracle) a prover that tries q different products passes with probability at most
//! q·2^-32k; at `rounds = 2` that is 2^-64 per try, and each try costs hashing a 4n²-byte
//! product.

use std::io;

use borsh::{BorshDeserialize, BorshSerialize};
use rigshare_types::Hash32;

pub use rigshare_types::challenge::MAX_N;
/// The most rounds one check may run (each costs three passes' worth of multiply-adds).
pub const MAX_ROUNDS: u32 = 64;

/// Domain tag of the stream that A and B are read from.
const MATRIX_TAG: &[u8] = b"rigshare/challenge/v1/matrix";
/// Domain tag of the product commitment.
const PRODUCT_TAG: &[u8] = b"rigshare/challenge/v1/product";
/// Domain tag of the stream that a round's random vector is read from.
const ROUND_TAG: &[u8] = b"rigshare/challenge/v1/freivalds";
/// Rows of B whose products with a row of A are summed before moving on, so that those rows
/// of B stay in cache while every row of A passes over them.
const MULTIPLY_BLOCK: usize = 64; // rows of B
/// Terms of a 16-bit-limb dot product summed in `u32`: each is at most 255·(2^16 − 1) < 2^24,
/// and 256 of them stay below 2^32.
const LIMB_CHUNK: usize = 256; // terms
/// Product entries encoded per BLAKE3 update while committing: 64 KiB, so BLAKE3 hashes many
/// 1 KiB chunks in parallel.
const COMMIT_BATCH: usize = 16 * 1024; // entries

/// Why a matrix, a product or a check is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreivaldsError {
    /// A matrix must have at least one row.
    #[error("a challenge matrix must have side at least 1")]
    ZeroSize,
    /// The side exceeds [`MAX_N`] (or n² entries do not fit this platform's memory).
    #[error("matrix side {n} exceeds the maximum {max}")]
    TooLarge {
        /// The requested side.
        n: u32,
        /// The largest side allowed here.
        max: u32,
    },
    /// A matrix's entry count is not n².
    #[error("a matrix of side {n} needs n² entries, got {len}")]
    BadLength {
        /// The stated side.
        n: u32,
        /// Entries supplied.
        len: usize,
    },
    /// Two matrices that must have the same side do not.
    #[error("dimension mismatch: expected side {expected}, found {found}")]
    DimensionMismatch {
        /// The side the other operands have.
        expected: u32,
        /// The side of the operand that differs.
        found: u32,
    },
    /// The round count is 0 (nothing would be checked) or above [`MAX_ROUNDS`].
    #[error("rounds must be between 1 and {max}, got {rounds}")]
    BadRounds {
        /// Rounds requested.
        rounds: u32,
        /// The most allowed.
        max: u32,
    },
    /// C ≠ A·B: row `row` of A·(B·r) and C·r differ in round `round`.
    #[error("the product is wrong: row {row} fails Freivalds round {round}")]
    ProductWrong {
        /// The round (0-based) whose random vector exposed the error.
        round: u32,
        /// The first row found inconsistent.
        row: u32,
    },
}

/// A square matrix stored row-major; its side is between 1 and [`MAX_N`].
#[derive(Clone, PartialEq, Eq, BorshSerialize)]
pub struct Matrix<T> {
    n: u32,
    data: Vec<T>,
}

impl<T> Matrix<T> {
    /// Wraps `data` (n² entries, row-major) as an n×n matrix.
    pub fn from_vec(n: u32, data: Vec<T>) -> Result<Self, FreivaldsError> {
        let entries = entries(n)?;
        if data.len() != entries {
            return Err(FreivaldsError::BadLength { n, len: data.len() });
        }
        Ok(Matrix { n, data })
    }

    /// The side n.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// The entries, row-major.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The entries, row-major, by value.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// The rows, top to bottom.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, T> {
        self.data.chunks_exact(self.side())
    }

    /// The entry at (`row`, `col`), if both are below n.
    pub fn get(&self, row: u32, col: u32) -> Option<&T> {
        let index = self.index(row, col)?;
        self.data.get(index)
    }

    /// The entry at (`row`, `col`) for writing, if both are below n.
    pub fn get_mut(&mut self, row: u32, col: u32) -> Option<&mut T> {
        let index = self.index(row, col)?;
        self.data.get_mut(index)
    }

    /// Row-major position of (`row`, `col`).
    fn index(&self, row: u32, col: u32) -> Option<usize> {
        if row >= self.n || col >= self.n {
            return None;
        }
        usize::try_from(row).ok()?.checked_mul(self.side())?.checked_add(usize::try_from(col).ok()?)
    }

    /// The side as a `usize`; construction checked that n² fits.
    fn side(&self) -> usize {
        self.n as usize
    }
}

impl<T: Clone + Default> Matrix<T> {
    /// The n×n matrix of `T::default()`.
    pub fn zeros(n: u32) -> Result<Self, FreivaldsError> {
        Ok(Matrix { n, data: vec![T::default(); entries(n)?] })
    }
}

impl<T> std::fmt::Debug for Matrix<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Products run to gigabytes; the side is what a log needs.
        f.debug_struct("Matrix").field("n", &self.n).finish_non_exhaustive()
    }
}

impl<T: BorshDeserialize> BorshDeserialize for Matrix<T> {
    fn deserialize_reader<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        let n = u32::deserialize_reader(reader)?;
        // Reject an oversized side before reading (and allocating for) its entries.
        entries(n).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let data = Vec::<T>::deserialize_reader(reader)?;
        Matrix::from_vec(n, data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// n², after checking 1 ≤ n ≤ [`MAX_N`] and that n² fits a `usize` here.
fn entries(n: u32) -> Result<usize, FreivaldsError> {
    if n == 0 {
        return Err(FreivaldsError::ZeroSize);
    }
    let too_large = FreivaldsError::TooLarge { n, max: MAX_N };
    if n > MAX_N {
        return Err(too_large);
    }
    let side = usize::try_from(n).map_err(|_| too_large.clone())?;
    side.checked_mul(side).ok_or(too_large)
}

/// A's and B's n×n entries for `seed`, by the PRG rule in the module docs.
pub fn generate(seed: &Hash32, n: u32) -> Result<(Matrix<i8>, Matrix<i8>), FreivaldsError> {
    Ok((generate_one(seed, n, b'A')?, generate_one(seed, n, b'B')?))
}

/// One of the two challenge matrices.
fn generate_one(seed: &Hash32, n: u32, label: u8) -> Result<Matrix<i8>, FreivaldsError> {
    let mut bytes = vec![0u8; entries(n)?];
    blake3::Hasher::new()
        .update(MATRIX_TAG)
        .update(seed.as_bytes())
        .update(&[label])
        .update(&n.to_le_bytes())
        .finalize_xof()
        .fill(&mut bytes);
    let data = bytes.into_iter().map(u8::cast_signed).collect();
    Matrix::from_vec(n, data)
}

/// C = A·B, exactly, on the CPU: the reference prover and the cost a checker avoids.
///
/// Rows of B are taken [`MULTIPLY_BLOCK`] at a time and every row of A passes over them
/// (i-k-j order within the block), so the block stays in cache and the innermost loop is a
/// contiguous `c_row += a_ik · b_row` that compilers vectorize.
pub fn multiply(a: &Matrix<i8>, b: &Matrix<i8>) -> Result<Matrix<i32>, FreivaldsError> {
    same_side(a.n, b.n)?;
    let side = a.side();
    let mut c = vec![0i32; side.saturating_mul(side)];
    for (block, b_rows) in b.data.chunks(MULTIPLY_BLOCK.saturating_mul(side)).enumerate() {
        let k0 = block.saturating_mul(MULTIPLY_BLOCK);
        for (c_row, a_row) in c.chunks_exact_mut(side).zip(a.rows()) {
            let a_seg = a_row.iter().skip(k0);
            for (&a_ik, b_row) in a_seg.zip(b_rows.chunks_exact(side)) {
                let a_ik = i16::from(a_ik);
                for (c_ij, &b_kj) in c_row.iter_mut().zip(b_row) {
                    // |a·b| ≤ 2^14 fits i16, which vectorizes on every target; the sum of n
                    // such terms fits i32 because n ≤ MAX_N.
                    *c_ij += i32::from(a_ik * i16::from(b_kj));
                }
            }
        }
    }
    Matrix::from_vec(a.n, c)
}

/// The commitment to a product, by the rule in the module docs.
pub fn commitment(c: &Matrix<i32>) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(PRODUCT_TAG).update(&c.n.to_le_bytes());
    let mut bytes = vec![0u8; COMMIT_BATCH * 4];
    for batch in c.data.chunks(COMMIT_BATCH) {
        for (out, x) in bytes.chunks_exact_mut(4).zip(batch) {
            out.copy_from_slice(&x.to_le_bytes());
        }
        hasher.update(bytes.get(..batch.len() * 4).unwrap_or_default());
    }
    Hash32(*hasher.finalize().as_bytes())
}

/// A product together with its commitment, which fixes the check's random vectors.
///
/// Only [`Committed::new`] makes one, so the commitment always matches the product: a check
/// can never run with random vectors the prover chose independently of C.
#[derive(Debug, Clone, Copy)]
pub struct Committed<'a> {
    product: &'a Matrix<i32>,
    commitment: Hash32,
}

impl<'a> Committed<'a> {
    /// Hashes `product` ([`commitment`]); O(n²).
    pub fn new(product: &'a Matrix<i32>) -> Self {
        Committed { product, commitment: commitment(product) }
    }

    /// The product.
    pub fn product(&self) -> &'a Matrix<i32> {
        self.product
    }

    /// The product's commitment.
    pub fn commitment(&self) -> &Hash32 {
        &self.commitment
    }
}

/// Checks C = A·B with Freivalds' algorithm: `rounds` random vectors derived from `seed` and
/// C's commitment, each comparing A·(B·r) with C·r modulo 2^64.
///
/// O(rounds·n²) multiply-adds, one pass over each of A, B and C. A wrong product passes with
/// probability at most 2^-32 per round (module docs).
pub fn check(
    seed: &Hash32,
    a: &Matrix<i8>,
    b: &Matrix<i8>,
    c: &Committed<'_>,
    rounds: u32,
) -> Result<(), FreivaldsError> {
    if rounds == 0 || rounds > MAX_ROUNDS {
        return Err(FreivaldsError::BadRounds { rounds, max: MAX_ROUNDS });
    }
    let product = c.product();
    same_side(a.n, b.n)?;
    same_side(a.n, product.n)?;

    // Entries are summed with an offset that makes them unsigned (x + 128 for i8, c + 2^31 for
    // i32), so products are of zero-extended values, which vectorize as 32-bit multiplies on
    // every target; the offset times Σ r (or Σ y) is subtracted after. Everything wraps modulo
    // 2^64, except B·r, which is exact (|y| < 2^55) and is computed in 16-bit halves of r.
    let vectors: Vec<RoundVectors> = (0..rounds)
        .map(|round| {
            let r = random_vector(seed, c.commitment(), round, a.n);
            let r_sum = r.iter().fold(0u64, |s, &x| s.wrapping_add(u64::from(x)));
            let (r_lo, r_hi): (Vec<u16>, Vec<u16>) =
                r.iter().map(|&x| ((x & 0xffff) as u16, (x >> 16) as u16)).unzip();
            let y: Vec<u64> = b
                .rows()
                .map(|row| dot_i8_u16x2(row, &r_lo, &r_hi).wrapping_sub(r_sum.wrapping_mul(1 << 7)))
                .collect();
            let y_sum = y.iter().fold(0u64, |s, &x| s.wrapping_add(x));
            RoundVectors { r, r_sum, y, y_sum }
        })
        .collect();

    // Row by row, so each row of A and C is read from memory once for all rounds.
    for (row, (a_row, c_row)) in a.rows().zip(product.rows()).enumerate() {
        for (round, v) in vectors.iter().enumerate() {
            let abr = dot_i8_u64(a_row, &v.y).wrapping_sub(v.y_sum.wrapping_mul(1 << 7));
            let cr = dot_i32_u32(c_row, &v.r).wrapping_sub(v.r_sum.wrapping_mul(1 << 31));
            if abr != cr {
                return Err(FreivaldsError::ProductWrong { round: round as u32, row: row as u32 });
            }
        }
    }
    Ok(())
}

/// One round's random vector r, its sum, y = B·r and y's sum, all modulo 2^64.
struct RoundVectors {
    r: Vec<u32>,
    r_sum: u64,
    y: Vec<u64>,
    y_sum: u64,
}

/// Round `round`'s random vector, by the Fiat–Shamir rule in the module docs.
fn random_vector(seed: &Hash32, commitment: &Hash32, round: u32, n: u32) -> Vec<u32> {
    let mut bytes = vec![0u8; (n as usize).saturating_mul(4)];
    blake3::Hasher::new()
        .update(ROUND_TAG)
        .update(seed.as_bytes())
        .update(commitment.as_bytes())
        .update(&round.to_le_bytes())
        .finalize_xof()
        .fill(&mut bytes);
    bytes
        .chunks_exact(4)
        .map(|word| word.iter().rev().fold(0u32, |acc, &byte| (acc << 8) | u32::from(byte)))
        .collect()
}

/// Σ (x_j + 128)·r_j, exactly, where `r_j = lo_j + 2^16·hi_j`.
///
/// Splitting r into 16-bit halves keeps every product below 2^24, so [`LIMB_CHUNK`] of them sum
/// in `u32` lanes, twice as wide a vector as 64-bit products get.
fn dot_i8_u16x2(xs: &[i8], lo: &[u16], hi: &[u16]) -> u64 {
    let chunks = xs.chunks(LIMB_CHUNK).zip(lo.chunks(LIMB_CHUNK)).zip(hi.chunks(LIMB_CHUNK));
    let (sum_lo, sum_hi) = chunks.fold((0u64, 0u64), |(sum_lo, sum_hi), ((xs, lo), hi)| {
        let (chunk_lo, chunk_hi) =
            xs.iter().zip(lo).zip(hi).fold((0u32, 0u32), |(acc_lo, acc_hi), ((&x, &l), &h)| {
                let x = u32::from(x.cast_unsigned() ^ 0x80);
                (acc_lo + x * u32::from(l), acc_hi + x * u32::from(h))
            });
        (sum_lo + u64::from(chunk_lo), sum_hi + u64::from(chunk_hi))
    });
    // Both sums are below n·2^24 ≤ 2^40, so this is exact.
    sum_lo + (sum_hi << 16)
}

/// Σ (x_j + 128)·y_j modulo 2^64.
fn dot_i8_u64(xs: &[i8], y: &[u64]) -> u64 {
    xs.iter().zip(y).fold(0u64, |acc, (&x, &y)| {
        acc.wrapping_add(u64::from(x.cast_unsigned() ^ 0x80).wrapping_mul(y))
    })
}

/// Σ (x_j + 2^31)·r_j modulo 2^64.
fn dot_i32_u32(xs: &[i32], r: &[u32]) -> u64 {
    xs.iter().zip(r).fold(0u64, |acc, (&x, &r)| {
        acc.wrapping_add(u64::from(x.cast_unsigned() ^ 0x8000_0000) * u64::from(r))
    })
}

/// `found` must equal `expected`.
fn same_side(expected: u32, found: u32) -> Result<(), FreivaldsError> {
    if expected == found {
        Ok(())
    } else {
        Err(FreivaldsError::DimensionMismatch { expected, found })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    const SEED: Hash32 = Hash32([7; 32]);
    const N: u32 = 64;

    /// The honest instance at side [`N`], computed once.
    fn honest() -> &'static (Matrix<i8>, Matrix<i8>, Matrix<i32>) {
        static HONEST: OnceLock<(Matrix<i8>, Matrix<i8>, Matrix<i32>)> = OnceLock::new();
        HONEST.get_or_init(|| {
            let (a, b) = generate(&SEED, N).unwrap();
            let c = multiply(&a, &b).unwrap();
            (a, b, c)
        })
    }

    /// The product by the textbook triple loop, to check the blocked one against.
    fn naive(a: &Matrix<i8>, b: &Matrix<i8>) -> Vec<i32> {
        let n = a.n() as usize;
        let (a, b) = (a.as_slice(), b.as_slice());
        let mut c = vec![0i32; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] =
                    (0..n).map(|k| i32::from(a[i * n + k]) * i32::from(b[k * n + j])).sum();
            }
        }
        c
    }

    fn check_product(c: &Matrix<i32>, rounds: u32) -> Result<(), FreivaldsError> {
        let (a, b, _) = honest();
        check(&SEED, a, b, &Committed::new(c), rounds)
    }

    #[test]
    fn generation_is_deterministic_and_pinned() {
        let (a, b) = generate(&SEED, N).unwrap();
        assert_eq!((&a, &b), (&honest().0, &honest().1));
        // Golden values: the PRG is a protocol rule and must not change silently.
        assert_eq!(a.as_slice()[..8], [75, -72, -80, -114, -7, -96, 91, -88]);
        assert_eq!(b.as_slice()[..8], [-47, 0, -125, 15, 126, 35, -30, 50]);
        let (a2, _) = generate(&SEED, 2 * N).unwrap();
        assert_ne!(a2.as_slice()[..8], a.as_slice()[..8], "n is part of the key");
    }

    #[test]
    fn commitment_and_random_vector_are_pinned() {
        let c = &honest().2;
        assert_eq!(
            commitment(c).to_string(),
            "c56aef72a6ee493d45f321b8f53696bd7044d986cee6a5762ab4f086234ee5f4"
        );
        let r = random_vector(&SEED, &commitment(c), 0, N);
        assert_eq!(r[..4], [1_618_192_346, 2_862_166_516, 3_493_087_752, 3_837_790_979]);
        assert_ne!(random_vector(&SEED, &Hash32::ZERO, 0, N)[..4], r[..4]);
        assert_ne!(random_vector(&SEED, &commitment(c), 1, N)[..4], r[..4]);
    }

    #[test]
    fn multiply_matches_the_textbook_product() {
        // 100 is not a multiple of the block, so the last block is partial.
        let (a, b) = generate(&SEED, 100).unwrap();
        assert_eq!(multiply(&a, &b).unwrap().as_slice(), naive(&a, &b));
        let (a, b, c) = honest();
        assert_eq!(c.as_slice(), naive(a, b));
    }

    #[test]
    fn extreme_entries_stay_exact() {
        let n = 256;
        let a = Matrix::from_vec(n, vec![i8::MIN; 256 * 256]).unwrap();
        let c = multiply(&a, &a).unwrap();
        assert!(c.as_slice().iter().all(|&x| x == 256 * 128 * 128));
        let seed = Hash32([1; 32]);
        check(&seed, &a, &a, &Committed::new(&c), 2).unwrap();
    }

    #[test]
    fn honest_product_passes() {
        let (_, _, c) = honest();
        check_product(c, 1).unwrap();
        check_product(c, 2).unwrap();
        check_product(c, MAX_ROUNDS).unwrap();
    }

    #[test]
    fn one_flipped_entry_fails() {
        let mut c = honest().2.clone();
        *c.get_mut(17, 42).unwrap() ^= 1;
        assert!(matches!(check_product(&c, 1), Err(FreivaldsError::ProductWrong { row: 17, .. })));
    }

    #[test]
    fn errors_with_high_two_adic_valuation_fail() {
        // Off by exactly 2^31: the worst case for arithmetic modulo 2^64 (module docs).
        let mut c = honest().2.clone();
        *c.get_mut(63, 0).unwrap() ^= i32::MIN;
        assert!(matches!(check_product(&c, 2), Err(FreivaldsError::ProductWrong { row: 63, .. })));
        let mut c = honest().2.clone();
        *c.get_mut(0, 63).unwrap() = c.get(0, 63).unwrap().wrapping_add(1 << 30);
        assert!(matches!(check_product(&c, 2), Err(FreivaldsError::ProductWrong { row: 0, .. })));
    }

    #[test]
    fn shapes_and_rounds_are_checked() {
        let (a, b, c) = honest();
        let small = Matrix::<i32>::zeros(N / 2).unwrap();
        assert_eq!(
            check(&SEED, a, b, &Committed::new(&small), 2),
            Err(FreivaldsError::DimensionMismatch { expected: N, found: N / 2 })
        );
        assert_eq!(
            multiply(a, &generate(&SEED, N / 2).unwrap().1).map(|m| m.n()),
            Err(FreivaldsError::DimensionMismatch { expected: N, found: N / 2 })
        );
        for rounds in [0, MAX_ROUNDS + 1] {
            assert_eq!(
                check_product(c, rounds),
                Err(FreivaldsError::BadRounds { rounds, max: MAX_ROUNDS })
            );
        }
        assert_eq!(generate(&SEED, 0).map(|_| ()), Err(FreivaldsError::ZeroSize));
        assert_eq!(
            generate(&SEED, MAX_N + 1).map(|_| ()),
            Err(FreivaldsError::TooLarge { n: MAX_N + 1, max: MAX_N })
        );
        assert_eq!(
            Matrix::from_vec(3, vec![0i32; 8]),
            Err(FreivaldsError::BadLength { n: 3, len: 8 })
        );
    }

    #[test]
    fn borsh_round_trip_validates_the_shape() {
        let c = &honest().2;
        let bytes = borsh::to_vec(c).unwrap();
        assert_eq!(&Matrix::<i32>::try_from_slice(&bytes).unwrap(), c);
        let bad = borsh::to_vec(&(3u32, vec![0i32; 8])).unwrap();
        assert!(Matrix::<i32>::try_from_slice(&bad).is_err());
        let huge = borsh::to_vec(&(MAX_N + 1, Vec::<i32>::new())).unwrap();
        assert!(Matrix::<i32>::try_from_slice(&huge).is_err());
    }

    proptest! {
        #[test]
        fn any_single_tampered_entry_is_caught(
            row in 0..N,
            col in 0..N,
            delta in any::<i32>().prop_filter("changes the entry", |d| *d != 0),
        ) {
            let mut c = honest().2.clone();
            let entry = c.get_mut(row, col).unwrap();
            *entry = entry.wrapping_add(delta);
            let caught = matches!(
                check_product(&c, 2),
                Err(FreivaldsError::ProductWrong { row: r, .. }) if r == row
            );
            prop_assert!(caught);
        }
    }
}
