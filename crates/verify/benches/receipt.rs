//! Receipt verification time and bundle size, on a real bundle exported from a devnet.
//!
//! `cargo bench -p rigshare-verify --bench receipt` prints the median and 90th percentile time of
//! `ReceiptBundle::verify` (certificate, state proof, receipt signature) with the network key
//! decoded once, and the bundle's canonical and JSON sizes. Targets: ≤ 2 ms, ≤ 1.5 KB.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::time::{Duration, Instant};

use rigshare_verify::bundle::ReceiptBundle;
use rigshare_verify::certificate::NetworkKey;

const BUNDLE: &str = include_str!("../tests/data/receipt.json");
const KEY: &str = include_str!("../tests/data/network-key.hex");
const RUNS: usize = 300;

fn main() {
    let bundle = ReceiptBundle::from_json(BUNDLE).unwrap();
    let key_bytes = hex::decode(KEY.trim()).unwrap();
    let decode_start = Instant::now();
    let key = NetworkKey::from_bytes(&key_bytes).unwrap();
    let key_decode = decode_start.elapsed();
    bundle.verify(&key).unwrap();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(bundle.verify(std::hint::black_box(&key))).unwrap();
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: usize| times[(RUNS - 1) * q / 100];
    println!("receipt bundle verification ({RUNS} runs, network key decoded once)");
    println!("  verify      median {:>8.3?}  p90 {:>8.3?}  min {:>8.3?}", at(50), at(90), times[0]);
    println!("  key decode  {key_decode:>8.3?} (once per network key)");
    println!("bundle size");
    println!("  canonical (borsh)  {:>5} bytes", bundle.encode().len());
    println!(
        "  JSON envelope      {:>5} bytes (what `rigshare receipt export` writes)",
        bundle.to_json().len()
    );
    println!("  proof siblings     {:>5}", bundle.proof.siblings.len());
    println!("  certificate        {:>5} bytes", bundle.finalization.len());
}
