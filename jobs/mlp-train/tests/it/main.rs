//! Training on the bundled digits: determinism, accuracy, seed sensitivity.

// Test code panics on purpose when an expectation fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use rigshare_job_mlp_train::{Config, Outcome, Sample, parse_csv, train};

const DIGITS: &str = include_str!("../../data/digits.csv");

fn samples() -> Vec<Sample> {
    parse_csv(DIGITS).unwrap()
}

fn run(samples: &[Sample], config: &Config) -> Outcome {
    train(samples, config, |_, _| {}).unwrap()
}

#[test]
fn data_set_shape() {
    let s = samples();
    assert_eq!(s.len(), 1797);
    for digit in 0..10u8 {
        assert!(s.iter().filter(|x| x.label == digit).count() > 170);
    }
}

#[test]
fn default_run_reaches_ninety_percent_on_held_out_split() {
    let outcome = run(&samples(), &Config::default());
    let m = &outcome.metrics;
    assert_eq!(m.loss.len(), 30);
    assert!(m.loss.last() < m.loss.first(), "{:?}", m.loss);
    assert!(m.test_accuracy >= 0.90, "test accuracy {}", m.test_accuracy);
    assert!(m.train_accuracy >= 0.90, "train accuracy {}", m.train_accuracy);
}

#[test]
fn same_seed_gives_identical_bytes() {
    let s = samples();
    let config = Config { epochs: 3, ..Config::default() };
    let (a, b) = (run(&s, &config), run(&s, &config));
    assert_eq!(a.model.to_bytes(), b.model.to_bytes());
    assert_eq!(a.metrics.to_json(), b.metrics.to_json());
}

#[test]
fn different_seed_gives_different_model() {
    let s = samples();
    let a = run(&s, &Config { epochs: 3, ..Config::default() });
    let b = run(&s, &Config { epochs: 3, seed: 43, ..Config::default() });
    assert_ne!(a.model.to_bytes(), b.model.to_bytes());
    assert_ne!(a.metrics.to_json(), b.metrics.to_json());
}

#[test]
fn rejects_degenerate_configs() {
    let s = samples();
    assert!(train(&s, &Config { hidden: 0, ..Config::default() }, |_, _| {}).is_err());
    assert!(train(&s[..1], &Config::default(), |_, _| {}).is_err());
}
