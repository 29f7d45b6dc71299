//! The 64→H→10 network: ReLU hidden layer, softmax output, per-sample SGD.
//!
//! Every sum runs left to right in a plain loop (Rust never fuses or reorders float operations on
//! its own), so the weights are a pure function of the data, the configuration and the seed.

use crate::{CLASSES, INPUTS, Sample, SplitMix64, math};

/// Magic and format version at the start of `model.bin`.
pub const MAGIC: [u8; 8] = *b"RSMLP\0\0\x01";

/// A trained (or freshly initialised) network.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    hidden: usize,
    /// `hidden` rows of `INPUTS` weights.
    w1: Vec<f32>,
    b1: Vec<f32>,
    /// `CLASSES` rows of `hidden` weights.
    w2: Vec<f32>,
    b2: Vec<f32>,
}

/// Per-sample buffers reused across steps so training does not allocate.
#[derive(Debug, Clone)]
pub struct Scratch {
    hidden: Vec<f32>,
    grad_hidden: Vec<f32>,
    logits: [f32; CLASSES],
}

impl Scratch {
    /// Buffers for a network with `hidden` units.
    pub fn new(hidden: usize) -> Self {
        Scratch {
            hidden: vec![0.0; hidden],
            grad_hidden: vec![0.0; hidden],
            logits: [0.0; CLASSES],
        }
    }
}

/// `init + a·b`, summed left to right.
fn dot(init: f32, a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(init, |acc, (x, y)| acc + x * y)
}

/// He-uniform weights: uniform in `±sqrt(6 / fan_in)`.
fn he_uniform(rng: &mut SplitMix64, count: usize, fan_in: usize) -> Vec<f32> {
    let limit = (6.0 / fan_in as f32).sqrt();
    (0..count).map(|_| (rng.unit_f32() * 2.0 - 1.0) * limit).collect()
}

impl Mlp {
    /// A network with `hidden` units and He-uniform weights drawn from `rng`; biases start at 0.
    pub fn new(hidden: usize, rng: &mut SplitMix64) -> Self {
        Mlp {
            hidden,
            w1: he_uniform(rng, hidden * INPUTS, INPUTS),
            b1: vec![0.0; hidden],
            w2: he_uniform(rng, CLASSES * hidden, hidden),
            b2: vec![0.0; CLASSES],
        }
    }

    /// Hidden units.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Fills `scratch.hidden` and `scratch.logits` for `pixels`.
    fn forward(&self, pixels: &[f32; INPUTS], scratch: &mut Scratch) {
        let rows = self.w1.chunks_exact(INPUTS).zip(&self.b1);
        for (h, (row, b)) in scratch.hidden.iter_mut().zip(rows) {
            *h = dot(*b, row, pixels).max(0.0);
        }
        let rows = self.w2.chunks_exact(self.hidden).zip(&self.b2);
        for (z, (row, b)) in scratch.logits.iter_mut().zip(rows) {
            *z = dot(*b, row, &scratch.hidden);
        }
    }

    /// The predicted digit (the first of equal maxima).
    pub fn predict(&self, pixels: &[f32; INPUTS], scratch: &mut Scratch) -> u8 {
        self.forward(pixels, scratch);
        let mut best = (0u8, f32::NEG_INFINITY);
        for (class, z) in (0u8..).zip(scratch.logits) {
            if z > best.1 {
                best = (class, z);
            }
        }
        best.0
    }

    /// Share of `samples` predicted correctly, or 0 for none.
    pub fn accuracy<'a>(
        &self,
        samples: impl IntoIterator<Item = &'a Sample>,
        scratch: &mut Scratch,
    ) -> f32 {
        let (mut right, mut total) = (0u32, 0u32);
        for s in samples {
            total += 1;
            right += u32::from(self.predict(&s.pixels, scratch) == s.label);
        }
        if total == 0 { 0.0 } else { right as f32 / total as f32 }
    }

    /// One SGD step on `sample`; returns its cross-entropy loss before the update.
    pub fn step(&mut self, sample: &Sample, lr: f32, scratch: &mut Scratch) -> f32 {
        self.forward(&sample.pixels, scratch);

        // Softmax, shifted by the max logit; the loss is ln Σe^(z-max) - (z_label - max).
        let max = scratch.logits.iter().fold(f32::NEG_INFINITY, |m, z| m.max(*z));
        let mut grad = [0.0f32; CLASSES];
        for (g, z) in grad.iter_mut().zip(scratch.logits) {
            *g = math::exp(z - max);
        }
        let sum = grad.iter().fold(0.0f32, |acc, e| acc + e);
        let mut label_logit = 0.0;
        for ((class, g), z) in (0u8..).zip(grad.iter_mut()).zip(scratch.logits) {
            *g /= sum;
            if class == sample.label {
                *g -= 1.0;
                label_logit = z;
            }
        }
        let loss = math::ln(sum) - (label_logit - max);

        // Back-propagate to the hidden layer before touching the output weights.
        scratch.grad_hidden.iter_mut().for_each(|d| *d = 0.0);
        for (row, g) in self.w2.chunks_exact(self.hidden).zip(grad) {
            for (d, w) in scratch.grad_hidden.iter_mut().zip(row) {
                *d += w * g;
            }
        }

        let rows = self.w2.chunks_exact_mut(self.hidden).zip(self.b2.iter_mut());
        for ((row, b), g) in rows.zip(grad) {
            let step = lr * g;
            for (w, h) in row.iter_mut().zip(&scratch.hidden) {
                *w -= step * h;
            }
            *b -= step;
        }

        let rows = self.w1.chunks_exact_mut(INPUTS).zip(self.b1.iter_mut());
        for (((row, b), d), h) in rows.zip(&scratch.grad_hidden).zip(&scratch.hidden) {
            // ReLU passes gradient only where the unit was active.
            if *h <= 0.0 {
                continue;
            }
            let step = lr * d;
            for (w, x) in row.iter_mut().zip(&sample.pixels) {
                *w -= step * x;
            }
            *b -= step;
        }
        loss
    }

    /// Serialises the network as `model.bin` (layout in the crate README).
    pub fn to_bytes(&self) -> Vec<u8> {
        let floats = self.w1.len() + self.b1.len() + self.w2.len() + self.b2.len();
        let mut out = Vec::with_capacity(MAGIC.len() + 12 + 4 * floats);
        out.extend_from_slice(&MAGIC);
        for dim in [INPUTS, self.hidden, CLASSES] {
            out.extend_from_slice(&(dim as u32).to_le_bytes());
        }
        for v in self.w1.iter().chain(&self.b1).chain(&self.w2).chain(&self.b2) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_length() {
        let model = Mlp::new(5, &mut SplitMix64::new(1));
        let bytes = model.to_bytes();
        assert_eq!(&bytes[..8], &MAGIC);
        assert_eq!(&bytes[8..20], &[64, 0, 0, 0, 5, 0, 0, 0, 10, 0, 0, 0]);
        assert_eq!(bytes.len(), 20 + 4 * (5 * 64 + 5 + 10 * 5 + 10));
    }

    #[test]
    fn a_step_lowers_the_loss_on_that_sample() {
        let mut model = Mlp::new(8, &mut SplitMix64::new(2));
        let mut scratch = Scratch::new(8);
        let sample = Sample { pixels: [0.5; INPUTS], label: 4 };
        let first = model.step(&sample, 0.05, &mut scratch);
        let second = model.step(&sample, 0.05, &mut scratch);
        assert!(second < first, "{second} !< {first}");
    }
}
