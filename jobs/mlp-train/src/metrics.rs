//! `metrics.json`, written by hand with fixed formatting so equal runs give equal bytes.

use std::fmt::Write as _;

/// What a training run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Passes over the training split.
    pub epochs: u32,
    /// The seed the run used.
    pub seed: u64,
    /// Mean training cross-entropy per epoch.
    pub loss: Vec<f32>,
    /// Accuracy on the training split after the last epoch.
    pub train_accuracy: f32,
    /// Accuracy on the held-out 20 %.
    pub test_accuracy: f32,
}

/// A float with six decimals, or `null` where JSON has no number (a diverged run).
fn number(out: &mut String, v: f32) {
    // Writing to a String cannot fail.
    let _ = if v.is_finite() { write!(out, "{v:.6}") } else { write!(out, "null") };
}

impl Metrics {
    /// The JSON document, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\"epochs\":{},\"loss\":[", self.epochs);
        for (i, v) in self.loss.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            number(&mut out, *v);
        }
        out.push_str("],\"train_accuracy\":");
        number(&mut out, self.train_accuracy);
        out.push_str(",\"test_accuracy\":");
        number(&mut out, self.test_accuracy);
        let _ = writeln!(out, ",\"seed\":{}}}", self.seed);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exactly() {
        let m = Metrics {
            epochs: 2,
            seed: 42,
            loss: vec![1.5, f32::NAN],
            train_accuracy: 0.987_654_3,
            test_accuracy: 1.0,
        };
        assert_eq!(
            m.to_json(),
            "{\"epochs\":2,\"loss\":[1.500000,null],\"train_accuracy\":0.987654,\
             \"test_accuracy\":1.000000,\"seed\":42}\n"
        );
    }
}
