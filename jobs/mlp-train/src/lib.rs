//! Demo rigshare job: train a small deterministic MLP on the UCI handwritten digits, as a WASI command.
//!
//! The job reads a CSV of 8×8 digit images, splits it 80/20 with a seeded shuffle, trains a
//! 64→H→10 ReLU/softmax network with per-sample SGD, and writes the weights and a metrics file.
//!
//! ```text
//!  digits.csv ──parse──▶ samples ──seeded split──▶ train ─┐
//!                                         └─────▶ test    │
//!  seed ──▶ SplitMix64 ──▶ initial weights, epoch order ──┴─▶ SGD ──▶ model.bin, metrics.json
//! ```
//!
//! The library is pure; the binary does the file I/O. The same data, configuration and seed give
//! byte-identical outputs on every platform, because the arithmetic is IEEE-754 basic operations
//! (and `sqrt`) in a fixed order, with this crate's own `exp` and `ln` instead of the host libm.

// Floats are the point of this crate: it trains a neural network. Determinism comes from a fixed
// operation order and only correctly rounded operations, not from avoiding floats. (Money elsewhere
// in rigshare never uses floats.)
#![allow(clippy::float_arithmetic)]

pub mod args;
pub mod data;
mod math;
pub mod metrics;
pub mod model;
pub mod rng;

use std::fmt;

pub use args::Args;
pub use data::{Sample, parse_csv};
pub use metrics::Metrics;
pub use model::Mlp;
pub use rng::SplitMix64;

/// Pixels per image (8×8).
pub const INPUTS: usize = 64;
/// Digit classes.
pub const CLASSES: usize = 10;
/// Share of the samples used for training, in percent; the rest is the held-out test split.
pub const TRAIN_PERCENT: usize = 80;

/// Everything that can stop the job.
#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io {
        /// The file or directory involved.
        path: String,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// A CSV line is malformed.
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A command-line argument is missing, unknown or out of range.
    Args(String),
    /// The configuration cannot train anything (for example no samples, or zero hidden units).
    Config(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Parse { line, reason } => write!(f, "line {line}: {reason}"),
            Error::Args(msg) => write!(f, "bad arguments: {msg}"),
            Error::Config(msg) => write!(f, "bad configuration: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Training hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Passes over the training split.
    pub epochs: u32,
    /// Hidden units.
    pub hidden: usize,
    /// Seeds the split, the initial weights and the per-epoch order.
    pub seed: u64,
    /// SGD learning rate.
    pub lr: f32,
}

impl Default for Config {
    fn default() -> Self {
        Config { epochs: 30, hidden: 32, seed: 42, lr: 0.03 }
    }
}

/// A trained model and how it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The trained network.
    pub model: Mlp,
    /// Loss per epoch and final accuracies.
    pub metrics: Metrics,
}

/// Trains a network on `samples` and reports per-epoch loss and train/test accuracy.
///
/// `progress` is called after each epoch with the 1-based epoch number and its mean loss.
pub fn train(
    samples: &[Sample],
    config: &Config,
    mut progress: impl FnMut(u32, f32),
) -> Result<Outcome, Error> {
    if config.hidden == 0 {
        return Err(Error::Config("hidden units must be at least 1".into()));
    }
    if !(config.lr.is_finite() && config.lr > 0.0) {
        return Err(Error::Config(format!("learning rate must be positive, got {}", config.lr)));
    }
    let mut rng = SplitMix64::new(config.seed);

    let mut order: Vec<&Sample> = samples.iter().collect();
    rng.shuffle(&mut order);
    let n_train = order.len() * TRAIN_PERCENT / 100;
    let (train_set, test_set) = order.split_at(n_train);
    if train_set.is_empty() || test_set.is_empty() {
        return Err(Error::Config(format!(
            "need samples for both splits, got {} samples",
            samples.len()
        )));
    }

    let mut model = Mlp::new(config.hidden, &mut rng);
    let mut scratch = model::Scratch::new(config.hidden);
    let mut epoch_order: Vec<&Sample> = train_set.to_vec();
    let mut loss = Vec::with_capacity(config.epochs as usize);
    for epoch in 1..=config.epochs {
        rng.shuffle(&mut epoch_order);
        let total =
            epoch_order.iter().fold(0.0f32, |acc, s| acc + model.step(s, config.lr, &mut scratch));
        let mean = total / epoch_order.len() as f32;
        progress(epoch, mean);
        loss.push(mean);
    }

    let metrics = Metrics {
        epochs: config.epochs,
        seed: config.seed,
        loss,
        train_accuracy: model.accuracy(train_set.iter().copied(), &mut scratch),
        test_accuracy: model.accuracy(test_set.iter().copied(), &mut scratch),
    };
    Ok(Outcome { model, metrics })
}
