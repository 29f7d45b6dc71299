//! `freivalds` — what the hardware challenge costs a checker against what recomputing it costs.
//!
//! Run with `cargo bench -p rigshare-verify --bench freivalds`. For n = 1024 and n = 4096 it
//! times, on one CPU thread: generating A and B from a seed, committing to the product (BLAKE3
//! over 4n² bytes), Freivalds' check at 2 rounds, and the recomputation `multiply` (n³
//! multiply-adds). Figures are the fastest of a few runs; the n = 4096 recomputation runs once,
//! and when a pilot at n = 2048 projects it past [`RECOMPUTE_BUDGET`] it is measured at 2048
//! and scaled by n³ instead (the output says so). It prints a table; nothing is asserted.
//!
//! `recomp/check` is the recomputation over the check alone; `recomp/(c+c)` adds the commitment
//! hash, which a checker also pays. The check does 3·rounds·n² multiply-adds against the
//! recomputation's n³, so the ratio grows linearly with n (n/6 in operations at 2 rounds), but
//! its multiply-adds are 64-bit where the recomputation's are 8-bit.

// Figures for people are floats.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use rigshare_types::Hash32;
use rigshare_verify::freivalds::{self, Committed, Matrix};

/// Sides measured.
const SIDES: [u32; 2] = [1024, 4096];
/// Freivalds rounds. One suffices: a wrong product passes a round with probability at most
/// 2^-32, and trying products until one passes costs an O(n²) check per try, so passing by
/// luck costs ~2^32·n² work, far more than computing the n³ product honestly.
const ROUNDS: u32 = 1;
/// Runs of each cheap step; the fastest is reported.
const REPS: usize = 5;
/// The longest the n = 4096 recomputation may be projected to take before it is extrapolated.
const RECOMPUTE_BUDGET: Duration = Duration::from_secs(180);

/// The fastest of `reps` runs of `f`, and its last result.
fn fastest<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..reps {
        let start = Instant::now();
        let value = black_box(f());
        best = best.min(start.elapsed());
        out = Some(value);
    }
    (best, out.expect("at least one run"))
}

/// The recomputation at side `n`: measured, or measured at n/2 and scaled by 8 when the pilot
/// projects it past [`RECOMPUTE_BUDGET`]. Returns the time, the product when it was computed,
/// and a note for the table.
fn recompute(
    seed: &Hash32,
    a: &Matrix<i8>,
    b: &Matrix<i8>,
) -> (Duration, Option<Matrix<i32>>, String) {
    let n = a.n();
    if n <= 1024 {
        let (time, c) = fastest(3, || freivalds::multiply(a, b).unwrap());
        return (time, Some(c), "measured, fastest of 3".to_owned());
    }
    let half = n / 2;
    let (ha, hb) = freivalds::generate(seed, half).unwrap();
    let (pilot, _) = fastest(1, || freivalds::multiply(&ha, &hb).unwrap());
    drop((ha, hb));
    let projected = pilot * 8;
    if projected > RECOMPUTE_BUDGET {
        let note = format!(
            "EXTRAPOLATED: measured {:.1} s at n={half}, ×8 by n³ (projected past {} s)",
            pilot.as_secs_f64(),
            RECOMPUTE_BUDGET.as_secs()
        );
        return (projected, None, note);
    }
    let (time, c) = fastest(1, || freivalds::multiply(a, b).unwrap());
    let note = format!(
        "measured once (pilot at n={half}: {:.2} s, ×8 = {:.1} s)",
        pilot.as_secs_f64(),
        projected.as_secs_f64()
    );
    (time, Some(c), note)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let seed = Hash32(*blake3::hash(b"rigshare/bench/freivalds").as_bytes());
    println!(
        "freivalds: INT8 challenge, one CPU thread, rounds = {ROUNDS}; times in ms \
         (compiled for {}, avx2 {})",
        std::env::consts::ARCH,
        if cfg!(target_feature = "avx2") { "on" } else { "off" },
    );
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>14}",
        "n", "generate", "commit", "check", "recompute", "recomp/check", "recomp/(c+c)"
    );
    let mut notes = Vec::new();
    for n in SIDES {
        let (gen_time, (a, b)) = fastest(REPS, || freivalds::generate(&seed, n).unwrap());
        let (mul_time, product, note) = recompute(&seed, &a, &b);
        // Where the recomputation was extrapolated the check still needs a true product.
        let c = product.unwrap_or_else(|| freivalds::multiply(&a, &b).unwrap());
        let (commit_time, _) = fastest(REPS, || Committed::new(&c));
        let committed = Committed::new(&c);
        let (check_time, result) =
            fastest(REPS, || freivalds::check(&seed, &a, &b, &committed, ROUNDS));
        result.expect("the honest product passes");

        let ratio = mul_time.as_secs_f64() / check_time.as_secs_f64();
        let ratio_with_commit = mul_time.as_secs_f64() / (check_time + commit_time).as_secs_f64();
        println!(
            "{:<10} {:>10.2} {:>10.2} {:>10.2} {:>12.1} {:>11.0}× {:>13.0}×",
            format!("n={n}"),
            ms(gen_time),
            ms(commit_time),
            ms(check_time),
            ms(mul_time),
            ratio,
            ratio_with_commit,
        );
        let macs = f64::from(n).powi(3);
        notes.push(format!(
            "n={n}: recompute {note}; {:.2} G multiply-adds/s; check {:.2} G multiply-adds/s \
             (3·rounds·n²)",
            macs / mul_time.as_secs_f64() / 1e9,
            3.0 * f64::from(ROUNDS) * f64::from(n).powi(2) / check_time.as_secs_f64() / 1e9,
        ));
    }
    for note in notes {
        println!("  {note}");
    }
}
